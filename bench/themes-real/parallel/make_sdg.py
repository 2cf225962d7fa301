#!/usr/bin/python3
"""Rebuilds the SDG part of this parallel corpus: for a choice of the
Sustainable Development Goals, the goal's targets as the United Nations
adopted them (General Assembly resolution 70/1, annex; the global indicator
framework, resolution 71/313), one file per goal (or pair of goals) and language, one target a
line ("3.1 By 2030, reduce ..."), and the goals' entries of index.json.

The texts come from the translation files of github.com/open-sdg/sdg-translations
(translations/<lang>/global_targets.yml), which imported them from the UN
Statistics Division's official files in the six UN languages. A few Arabic
targets were left empty by that import and later filled in by an anonymous
contributor; the goals holding one (ARABIC_UNOFFICIAL) are built without
Arabic, so every file here is a published UN text.

Needs python3-yaml (PyYAML).

usage: make_sdg.py TRANSLATIONS_DIR [OUT_DIR]
  TRANSLATIONS_DIR: the repository's translations/ directory (for example
  `git archive 0cda5858 translations | tar -x`); OUT_DIR defaults to this
  directory. Rewrites sdg/ and the statements of index.json whose source is
  "sdg", keeping the others.
"""
import os
import sys

import yaml

from parallel_index import update_index

# language code of the repository -> language code of the corpus
LANGS = {"en": "en", "es": "es", "fr": "fr", "ru": "ru", "zh-Hans": "zh", "ar": "ar"}
# unit (goals whose targets make one statement) -> the subject the corpus
# records for it. Goals 7 and 13 are joined: each alone is under the corpus's
# 150-word floor in English.
UNITS = {
    (2,): "food security; trade restrictions and export subsidies (WTO Doha round)",
    (3,): "health: epidemics, vaccines, health risks and emergencies",
    (5,): "human rights: gender equality, violence against women",
    (7, 13): "climate change and clean energy",
    (8,): "human rights and trade: decent work, forced labour, Aid for Trade",
    (9,): "infrastructure, industry, access to ICT and the Internet",
    (10,): "multilateralism and trade: voice in global institutions, migration, WTO",
    (14,): "oceans: fisheries subsidies (WTO), law of the sea (UNCLOS)",
    (16,): "peace, justice, human rights, illicit arms flows, terrorism",
    (17,): "multilateralism and trade: partnership, WTO, technology, finance",
}
# goals with a target whose Arabic text is not the UN's (added through the
# project's Weblate by an anonymous user, commit e07e6c3b: 8.10, 16.1, 17.1)
ARABIC_UNOFFICIAL = {8, 16, 17}


def target_order(key):
    """'3-d-title' -> (3, 1, 'd'): numbered targets first, then lettered."""
    goal, sub = key.split("-")[:2]
    return (int(goal), 0 if sub.isdigit() else 1, int(sub) if sub.isdigit() else sub)


def goal_text(targets, goal):
    keys = sorted((k for k in targets if k.split("-")[0] == str(goal)), key=target_order)
    lines = []
    for k in keys:
        text = " ".join(str(targets[k]).split())
        if not text:
            raise ValueError("target %s is empty" % k)
        lines.append("%d.%s %s" % (goal, k.split("-")[1], text))
    if not lines:
        raise ValueError("goal %d has no targets" % goal)
    return "\n".join(lines) + "\n"


def main(argv):
    if len(argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    src = argv[1]
    out = argv[2] if len(argv) == 3 else os.path.dirname(os.path.abspath(__file__))
    statements = {u: {"id": "sdg-goal" + "-".join("%02d" % g for g in u), "source": "sdg",
                      "subject": s, "files": {}} for u, s in UNITS.items()}
    for code, lang in LANGS.items():
        with open(os.path.join(src, code, "global_targets.yml"), encoding="utf-8") as f:
            targets = yaml.safe_load(f)
        os.makedirs(os.path.join(out, "sdg", lang), exist_ok=True)
        for unit, st in statements.items():
            if lang == "ar" and ARABIC_UNOFFICIAL & set(unit):
                continue
            rel = "sdg/%s/%s.txt" % (lang, st["id"])
            with open(os.path.join(out, rel), "w", encoding="utf-8") as f:
                f.write("".join(goal_text(targets, g) for g in unit))
            st["files"][lang] = rel
    update_index(out, "sdg", [statements[u] for u in sorted(statements)])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
