#!/usr/bin/python3
"""Rebuilds the UDHR part of this parallel corpus from the "UDHR in XML"
files (github.com/eric-muller/udhr, data/udhr/udhr_<code>.xml): one plain-text
file per unit (the preamble, or a run of consecutive articles on one subject:
each article's title line, then its paragraphs and list items) and language,
and index.json. Single articles are one or two sentences, too short for a
theme to fire in any language, so they would only "agree" on nothing.

usage: make_udhr.py XML_DIR [OUT_DIR]   (OUT_DIR defaults to this directory;
       rewrites udhr/ and the statements of index.json whose source is "udhr")
"""
import os
import sys
import xml.etree.ElementTree as ET

from parallel_index import update_index

NS = "{http://efele.net/udhr}"
# file code of the XML -> language code of the texts (the six UN languages)
LANGS = {"eng": "en", "fra": "fr", "spa": "es", "rus": "ru", "cmn_hans": "zh", "arb": "ar"}
# the preamble (0, 0) and runs of articles (first, last) on one subject
UNITS = [(0, 0), (1, 2), (3, 5), (6, 8), (9, 12), (13, 15), (16, 17), (18, 20), (21, 21),
         (22, 25), (26, 27), (28, 30)]


def node_text(node):
    lines = []
    for el in node.iter():
        if el.tag in (NS + "title", NS + "para") and el.text and el.text.strip():
            lines.append(" ".join(el.text.split()))
    return lines


def unit_text(root, first, last):
    if first == 0:
        nodes = [root.find(NS + "preamble")]
    else:
        nodes = [root.find("%sarticle[@number='%d']" % (NS, n)) for n in range(first, last + 1)]
    if any(n is None for n in nodes):
        raise ValueError("unit %d-%d missing" % (first, last))
    return "\n".join(line for n in nodes for line in node_text(n)) + "\n"


def unit_id(first, last):
    if first == 0:
        return "udhr-preamble"
    return "udhr-art%02d" % first if first == last else "udhr-art%02d-%02d" % (first, last)


def main(argv):
    if len(argv) not in (2, 3):
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    src = argv[1]
    out = argv[2] if len(argv) == 3 else os.path.dirname(os.path.abspath(__file__))
    statements = [{"id": unit_id(*u), "source": "udhr", "files": {}} for u in UNITS]
    for code, lang in LANGS.items():
        root = ET.parse(os.path.join(src, "udhr_%s.xml" % code)).getroot()
        os.makedirs(os.path.join(out, "udhr", lang), exist_ok=True)
        for st, unit in zip(statements, UNITS):
            rel = "udhr/%s/%s.txt" % (lang, st["id"])
            with open(os.path.join(out, rel), "w", encoding="utf-8") as f:
                f.write(unit_text(root, *unit))
            st["files"][lang] = rel
    update_index(out, "udhr", statements, first=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
