#!/usr/bin/python3
"""Rebuilds the Canadian-legislation part of this parallel corpus: parts of
Canada's federal Acts and regulations on sanctions, arms control, terrorism,
cyber security and forced labour, in
their English and French versions (both official: the Official Languages Act
makes the two versions equally authoritative), as consolidated by the
Department of Justice in github.com/justicecanada/laws-lois-xml.

A unit is one Act or regulation: its recitals (the regulation's "Whereas ..."
order or the Act's preamble) and/or a run of its sections, first to last
section label, the same labels in both languages. Written out: the headings
between the sections, each section's marginal note, then its text, one
subsection or paragraph a line after its label. Left out: history notes,
repealed provisions, and definitions (each carries the other language's term
in brackets).

usage: make_canlaw.py REPO_DIR [OUT_DIR]
  REPO_DIR: a checkout (or `git archive`) of justicecanada/laws-lois-xml at
  commit d6853c4af2ae0b7ab8c205a0e95ee734b9945c31, holding eng/acts,
  eng/regulations, fra/lois and fra/reglements. OUT_DIR defaults to this
  directory. Rewrites canlaw/ and the statements of index.json whose source
  is "canlaw", keeping the others.
"""
import os
import sys
import xml.etree.ElementTree as ET

from parallel_index import update_index

# id -> (English file, French file, recitals?, (first, last section) or None,
#        subject)
UNITS = {
    "canlaw-un-act": (
        "eng/acts/U-2.xml", "fra/lois/U-2.xml", False, ("2", "4"),
        "sanctions and multilateralism: applying UN Security Council decisions "
        "under Article 41 of the Charter (United Nations Act)"),
    "canlaw-sema-orders": (
        "eng/acts/S-14.5.xml", "fra/lois/S-14.5.xml", False, ("3.1", "4"),
        "sanctions: orders restricting dealings and trade with a foreign state "
        "(Special Economic Measures Act, ss. 3.1 and 4)"),
    "canlaw-magnitsky": (
        "eng/acts/J-2.3.xml", "fra/lois/J-2.3.xml", True, ("4", "4"),
        "human rights and sanctions: foreign officials responsible for gross "
        "violations (Sergei Magnitsky Law, preamble and s. 4)"),
    "canlaw-dprk-un-sanctions": (
        "eng/regulations/SOR-2006-287.xml", "fra/reglements/DORS-2006-287.xml", True,
        ("8", "11"),
        "arms control and sanctions: UN resolution 1718 on the DPRK, arms and "
        "nuclear-related embargo"),
    "canlaw-un-terrorism": (
        "eng/regulations/SOR-2001-360.xml", "fra/reglements/DORS-2001-360.xml", True,
        ("3", "6"),
        "terrorism: UN resolution 1373, freezing terrorists' property and "
        "financing"),
    "canlaw-china-sanctions": (
        "eng/regulations/SOR-2021-49.xml", "fra/reglements/DORS-2021-49.xml", True,
        ("2", "3"),
        "human rights and sanctions: Uyghurs in Xinjiang (Special Economic "
        "Measures (People's Republic of China) Regulations)"),
    "canlaw-cse-cyber": (
        "eng/acts/C-35.3.xml", "fra/lois/C-35.3.xml", False, ("15", "20"),
        "cyber security: mandate of the Communications Security Establishment "
        "(foreign intelligence, cybersecurity, defensive and active cyber "
        "operations)"),
    "canlaw-chemical-weapons": (
        "eng/acts/C-27.6.xml", "fra/lois/C-27.6.xml", False, ("4", "10"),
        "arms control: Chemical Weapons Convention, prohibitions"),
    "canlaw-export-permits-arms": (
        "eng/acts/E-19.xml", "fra/lois/E-19.xml", False, ("7", "7.4"),
        "arms control: export and brokering permits for arms, Arms Trade Treaty "
        "risk criteria (a false friend for trade)"),
    "canlaw-forced-labour": (
        "eng/acts/F-10.6.xml", "fra/lois/F-10.6.xml", False, ("3", "11"),
        "human rights and supply chains: forced labour and child labour "
        "reporting"),
}
# blocks left out of a section, and inline elements left out of a text
SKIP = {"HistoricalNote", "Definition", "Repealed", "Footnote"}
SKIP_INLINE = {"HistoricalNote", "Footnote", "FootnoteRef"}


def load(path):
    with open(path, "rb") as f:
        data = f.read()
    return ET.fromstring(data.lstrip(b"\xef\xbb\xbf"))


def inline(el):
    """The text of an inline element, without the skipped children."""
    parts = [el.text or ""]
    for child in el:
        if child.tag not in SKIP_INLINE:
            parts.append(inline(child))
        parts.append(child.tail or "")
    return " ".join("".join(parts).split())


def block_lines(el, out):
    """Appends the lines of a section (or part of one) to out."""
    label = None
    for child in el:
        if child.tag in SKIP:
            continue
        if child.tag == "Label":
            label = inline(child)
        elif child.tag == "MarginalNote":
            out.append(inline(child))
        elif child.tag in ("Text", "ContinuedSectionSubsection", "ContinuedParagraph"):
            text = inline(child) if child.tag == "Text" else " ".join(
                inline(t) for t in child.iter("Text"))
            if text:
                out.append((label + " " if label else "") + text)
                label = None
        else:
            block_lines(child, out)


def recitals(root):
    lines = []
    for tag in ("Order", "Preamble"):
        for holder in root.iter(tag):
            lines += [inline(t) for t in holder.iter("Text") if inline(t)]
    return lines


def sections(root, first, last):
    """Lines of the Body's headings and sections from label first to last."""
    body = root.find("Body")
    lines, inside, done = [], False, False
    for child in body:
        label = child.findtext("Label")
        if child.tag == "Section" and label == first:
            inside = True
        if inside and child.tag == "Heading":
            lines.append(" ".join(inline(t) for t in child.iter("TitleText")))
        elif inside and child.tag == "Section":
            block_lines(child, lines)
        if child.tag == "Section" and label == last:
            done = True
            break
    if not done or not lines:
        raise ValueError("sections %s-%s not found" % (first, last))
    return lines


def unit_text(path, with_recitals, span):
    root = load(path)
    lines = recitals(root) if with_recitals else []
    if with_recitals and not lines:
        raise ValueError("%s: no recitals" % path)
    if span:
        lines += sections(root, *span)
    return "\n".join(lines) + "\n"


def main(argv):
    if len(argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    src = argv[1]
    out = argv[2] if len(argv) == 3 else os.path.dirname(os.path.abspath(__file__))
    statements = []
    for uid, (en, fr, rec, span, subject) in sorted(UNITS.items()):
        st = {"id": uid, "source": "canlaw", "subject": subject, "files": {}}
        for lang, path in (("en", en), ("fr", fr)):
            os.makedirs(os.path.join(out, "canlaw", lang), exist_ok=True)
            rel = "canlaw/%s/%s.txt" % (lang, uid)
            with open(os.path.join(out, rel), "w", encoding="utf-8") as f:
                f.write(unit_text(os.path.join(src, path), rec, span))
            st["files"][lang] = rel
        statements.append(st)
    update_index(out, "canlaw", statements)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
