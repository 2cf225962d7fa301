#!/usr/bin/python3
"""Rebuilds the Europarl part of this parallel corpus: statements and
question-time exchanges on foreign, security, health and justice subjects
from the European Parliament's sittings of 18 and 19 January 2000, in the
English and French versions the Parliament published (the Europarl corpus,
release v7 text format: <CHAPTER ID=n>, <SPEAKER ID=n ...>, <P>).

A unit is a run of speaker turns of one day, first to last SPEAKER ID, the
same IDs in both languages: a Commissioner's or the Council Presidency's
statement (one turn), or a question-time exchange on one subject (the
question, the answer, the supplementary questions and answers). Each turn is
written as its paragraphs, turns separated by a blank line; the markup and
the speakers' names are left out.

usage: make_europarl.py SAMPLE_DIR [OUT_DIR]
  SAMPLE_DIR holds en/ep-00-01-DD.txt and fr/ep-00-01-DD.txt, as in
  github.com/mjlaali/europarl, europarl.uima/resources/sample/ at commit
  a796a50df6b8842b27cffeb250d92625055a41b3 (a copy of four days of the
  Europarl v7 release, statmt.org/europarl). OUT_DIR defaults to this
  directory. Rewrites europarl/ and the statements of index.json whose
  source is "europarl", keeping the others.
"""
import os
import re
import sys

from parallel_index import update_index

LANGS = ("en", "fr")
# id -> (day file, first speaker ID, last speaker ID, subject)
UNITS = {
    "ep20000118-byrne-food-safety":
        ("ep-00-01-18", 142, 142, "health: food safety, Commission statement (Byrne)"),
    "ep20000118-qt-turkey-nuclear-plant":
        ("ep-00-01-18", 156, 161, "nuclear plant in Turkey, non-proliferation; Commission "
                                  "question time (Verheugen)"),
    "ep20000118-qt-depleted-uranium":
        ("ep-00-01-18", 163, 170, "depleted uranium weapons in the Kosovo conflict; Commission "
                                  "question time (Wallström)"),
    "ep20000118-qt-tibet-envoy":
        ("ep-00-01-18", 172, 177, "human rights: an EU envoy for Tibet; Commission question "
                                  "time (Patten)"),
    "ep20000118-qt-central-asia-caucasus":
        ("ep-00-01-18", 193, 195, "regional security: Central Asia and the Caspian, partnership "
                                  "and cooperation agreements; Commission question time (Patten)"),
    "ep20000119-patten-middle-east":
        ("ep-00-01-19", 81, 81, "regional security: Middle East peace process, Commission "
                                "statement (Patten)"),
    "ep20000119-costa-justice-home-affairs":
        ("ep-00-01-19", 104, 104, "organised crime, the European Judicial Network, Europol: "
                                  "Council Presidency statement (Costa)"),
    "ep20000119-qt-kosovo":
        ("ep-00-01-19", 150, 156, "regional security and human rights: ethnic cleansing in "
                                  "Kosovo, Kouchner, resolution 1244; Council question time"),
}
SPEAKER = re.compile(r"^<SPEAKER ID=(\d+)\b")


def turns(path):
    """{speaker ID: [paragraph, ...]} of one day's file."""
    out, cur, para = {}, None, []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            m = SPEAKER.match(line)
            if m:
                cur = out.setdefault(int(m.group(1)), [])
                para = []
                cur.append(para)
            elif line.startswith("<"):
                if cur is not None and line.startswith("<P"):
                    para = []
                    cur.append(para)
                elif not line.startswith("<P"):
                    cur = None
            elif cur is not None and line:
                para.append(line)
    return {sid: [" ".join(p) for p in ps if p] for sid, ps in out.items()}


def unit_text(day, first, last):
    chunks = []
    for sid in range(first, last + 1):
        if sid not in day:
            raise ValueError("speaker %d missing" % sid)
        if day[sid]:
            chunks.append("\n".join(day[sid]))
    return "\n\n".join(chunks) + "\n"


def main(argv):
    if len(argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    src = argv[1]
    out = argv[2] if len(argv) == 3 else os.path.dirname(os.path.abspath(__file__))
    days = {}
    statements = []
    for uid, (day, first, last, subject) in sorted(UNITS.items()):
        st = {"id": uid, "source": "europarl", "subject": subject, "files": {}}
        for lang in LANGS:
            key = (lang, day)
            if key not in days:
                days[key] = turns(os.path.join(src, lang, day + ".txt"))
            os.makedirs(os.path.join(out, "europarl", lang), exist_ok=True)
            rel = "europarl/%s/%s.txt" % (lang, uid)
            with open(os.path.join(out, rel), "w", encoding="utf-8") as f:
                f.write(unit_text(days[key], first, last))
            st["files"][lang] = rel
        statements.append(st)
    update_index(out, "europarl", statements)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
