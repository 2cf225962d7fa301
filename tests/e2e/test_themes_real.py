"""bench/themes-real/themes_real.py: the per-theme precision / recall and the
cross-language agreement it prints, checked on a small corpus whose figures are
worked out by hand, and run on ../shared realpages-dev (figures present and
consistent; the acceptance thresholds are not asserted here yet)."""
import json
import os
import subprocess
import sys

import swtest

SCRIPT = os.path.join(swtest.ROOT, "bench", "themes-real", "themes_real.py")
PACK = os.path.join(swtest.ROOT, "config", "themes", "diplomacy.conf")

TINY_PACK = """[theme "zebra"]
label = Zebras
threshold = 0.30
phrase = 3 zebra
phrase = 2 savanna

[theme "rocket"]
label = Rockets
threshold = 0.30
phrase = 3 rocket
phrase = 2 orbit
"""
ZEBRA = "The zebra crossed the savanna. A zebra herd grazed on the savanna.\n"
ROCKET = "The rocket reached orbit. A second rocket will follow into orbit.\n"
BOTH = "The zebra watched the rocket. The rocket reached orbit over the savanna where a zebra grazed.\n"
ROCKET_FR = "La rocket a atteint son orbite. Une seconde rocket suivra.\n"

# page: (text, expected themes, acceptable themes, parallel page)
TINY_PAGES = {
    "/a.txt": (ZEBRA, ["zebra"], [], "/b.txt"),    # zebra TP
    "/b.txt": (ROCKET, ["zebra"], [], "/a.txt"),   # zebra FN, rocket FP
    "/c.txt": (ROCKET, [], ["rocket"], None),      # rocket tolerated: nothing
    "/d.txt": (BOTH, ["rocket"], [], None),        # rocket TP, zebra FP
}


class ThemesRealTest(swtest.TestCase):
    def bench(self, *args):
        r = subprocess.run([sys.executable, SCRIPT, "--binary", swtest.BIN] + list(args),
                           capture_output=True, text=True, timeout=600,
                           stdin=subprocess.DEVNULL)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        return r

    def tiny_corpus(self):
        arts = {}
        for path, (text, themes, acceptable, parallel) in TINY_PAGES.items():
            self.write("corpus/site" + path, text)
            arts[path] = {"lang": "en", "themes": themes, "acceptable_themes": acceptable,
                          "parallel": parallel}
        arts["/e.pdf"] = {"kind": "pdf", "lang": "pt", "themes": ["zebra"],
                          "acceptable_themes": [], "parallel": None}
        self.write("corpus/expected.json", json.dumps({"articles": arts}))
        self.write("par/en/s1.txt", ROCKET)
        self.write("par/fr/s1.txt", ROCKET_FR)
        index = {"statements": [{"id": "s1", "files": {"en": "en/s1.txt", "fr": "fr/s1.txt"}}]}
        return (self.write("pack.conf", TINY_PACK), os.path.join(self.tmp, "corpus"),
                self.write("par/index.json", json.dumps(index)))

    def test_hand_computed_figures(self):
        pack, corpus, index = self.tiny_corpus()
        doc = json.loads(self.bench("--pack", pack, "--corpus", corpus, "--parallel", index,
                                    "--json").stdout)
        self.assertEqual(doc["pages"], 4)
        self.assertEqual(doc["skipped"], ["/e.pdf"])
        per = doc["scores"]["themes"]
        self.assertEqual({k: (c["tp"], c["fp"], c["fn"]) for k, c in per.items()},
                         {"zebra": (1, 1, 1), "rocket": (1, 1, 0)})
        self.assertEqual((per["zebra"]["precision"], per["zebra"]["recall"]), (0.5, 0.5))
        self.assertEqual((per["rocket"]["precision"], per["rocket"]["recall"]), (0.5, 1.0))
        micro = doc["scores"]["micro"]
        self.assertEqual((micro["tp"], micro["fp"], micro["fn"]), (2, 2, 1))
        self.assertEqual((per["rocket"]["tolerated"], per["zebra"]["tolerated"]), (1, 0))
        self.assertEqual(doc["scores"]["right"], 2)
        self.assertEqual(doc["scores"]["wrong"], [
            {"page": "/b.txt", "missed": ["zebra"], "false": ["rocket"]},
            {"page": "/d.txt", "missed": [], "false": ["zebra"]}])
        self.assertEqual((micro["precision"], micro["recall"]), (0.5, 0.6667))
        agree = doc["agreement"]
        self.assertEqual((agree["groups"], agree["agree"], agree["share"]), (2, 1, 0.5))
        self.assertEqual(agree["agree_nonempty"], 1)
        # an index statement without "source" counts as source "parallel"
        self.assertEqual(agree["by_source"], {
            "parallel": {"groups": 1, "agree": 1, "agree_nonempty": 1},
            "realpages": {"groups": 1, "agree": 0, "agree_nonempty": 0}})
        self.assertEqual(len(agree["disagreements"]), 1)
        sets = agree["disagreements"][0]["sets"]
        self.assertEqual(sorted(sets.values()), [["rocket"], ["zebra"]])
        self.assertEqual(set(agree["disagreements"][0]["detected"].values()), {"en"})

    def test_table_output(self):
        pack, corpus, index = self.tiny_corpus()
        out = self.bench("--pack", pack, "--corpus", corpus, "--no-parallel").stdout
        self.assertIn("4 statement pages (1 PDF skipped)", out)
        self.assertRegex(out, r"zebra\s+1\s+1\s+1\s+0\.500\s+0\.500")
        self.assertRegex(out, r"micro\s+2\s+2\s+1\s+0\.500\s+0\.667\s+1\n")
        self.assertIn("themes right on 2 of 4 pages", out)
        self.assertIn("agreement: 0 of 1 parallel statements", out)
        self.assertIn("realpages  0 of 1 agree, 0 on a non-empty set", out)

    def test_realpages(self):
        corpus = swtest.shared_path("corpus", "realpages-dev")
        if corpus is None:
            self.skipTest("skipped: ../shared not found")
        with open(os.path.join(corpus, "expected.json"), encoding="utf-8") as f:
            arts = json.load(f)["articles"]
        html = {k: a for k, a in arts.items() if a.get("kind") != "pdf"}
        pairs = {tuple(sorted((k, a["parallel"]))) for k, a in html.items()
                 if a.get("parallel") in html}
        r = self.bench("--pack", PACK, "--corpus", corpus, "--no-parallel", "--json")
        doc = json.loads(r.stdout)
        self.assertEqual(doc["pages"], len(html))
        per, micro = doc["scores"]["themes"], doc["scores"]["micro"]
        # Every expected theme of every page is either found or missed.
        self.assertEqual(micro["tp"] + micro["fn"], sum(len(a["themes"]) for a in html.values()))
        for tid, c in list(per.items()) + [("micro", micro)]:
            if c["tp"] + c["fp"]:
                self.assertAlmostEqual(c["precision"], c["tp"] / (c["tp"] + c["fp"]), 3, tid)
            if c["tp"] + c["fn"]:
                self.assertAlmostEqual(c["recall"], c["tp"] / (c["tp"] + c["fn"]), 3, tid)
        agree = doc["agreement"]
        self.assertEqual(agree["groups"], len(pairs))
        self.assertEqual(agree["agree"] + len(agree["disagreements"]), agree["groups"])
        print("realpages: micro P %s R %s, agreement %s of %s" %
              (micro["precision"], micro["recall"], agree["agree"], agree["groups"]))
        # issue 16's acceptance: recall and precision >= 0.90 on every theme
        # the labelled statements carry, and the en/zh versions agree
        for tid, c in per.items():
            if c["tp"] + c["fn"]:
                self.assertGreaterEqual(c["recall"], 0.90, tid)
            if c["tp"] + c["fp"]:
                self.assertGreaterEqual(c["precision"], 0.90, tid)
        self.assertGreaterEqual(agree["agree"], 0.90 * agree["groups"], agree["disagreements"])

    def test_shipped_parallel_corpus(self):
        """Every statement of bench/themes-real/parallel is in two or more of
        the six UN languages (the UDHR ones in all six, at least half of all
        in three or more), names its source, and the bench classifies every
        version of it. The texts are not in the tree: parallel/build.sh cuts
        them from snapshots of their sources (MIRROR), skipped where absent."""
        out = os.path.join(self.tmp, "parallel")
        build = os.path.join(os.path.dirname(SCRIPT), "parallel", "build.sh")
        r = subprocess.run(["bash", build, out], capture_output=True, text=True, timeout=600,
                           stdin=subprocess.DEVNULL)
        if r.returncode != 0:
            self.skipTest("parallel corpus sources not found (MIRROR): " + r.stderr.strip())
        self.assertIn("4 of 4 sources built", r.stdout, r.stderr)
        index = os.path.join(out, "index.json")
        with open(index, encoding="utf-8") as f:
            statements = json.load(f)["statements"]
        self.assertGreaterEqual(len(statements), 30)
        un = {"ar", "en", "es", "fr", "ru", "zh"}
        for st in statements:
            self.assertTrue(st.get("source"), st["id"])
            self.assertLessEqual(set(st["files"]), un, st["id"])
            self.assertGreaterEqual(len(st["files"]), 2, st["id"])
            if st["source"] == "udhr":
                self.assertEqual(set(st["files"]), un, st["id"])
            for rel in st["files"].values():
                self.assertGreater(os.path.getsize(os.path.join(os.path.dirname(index), rel)), 50)
        self.assertGreaterEqual(2 * sum(len(st["files"]) >= 3 for st in statements),
                                len(statements))
        self.assertEqual(len({st["id"] for st in statements}), len(statements))
        pack, corpus, _ = self.tiny_corpus()
        doc = json.loads(self.bench("--pack", PACK, "--corpus", corpus, "--parallel", index,
                                    "--json").stdout)
        agree = doc["agreement"]
        # the tiny corpus adds its one realpages-style pair
        self.assertEqual(agree["groups"], len(statements) + 1)
        self.assertEqual(agree["agree"] + len(agree["disagreements"]), agree["groups"])
        by_source = agree["by_source"]
        self.assertEqual(sum(c["groups"] for c in by_source.values()), agree["groups"])
        self.assertEqual(sum(c["agree"] for c in by_source.values()), agree["agree"])
        self.assertEqual(by_source["realpages"]["groups"], 1)
        for src in {st["source"] for st in statements}:
            self.assertEqual(by_source[src]["groups"],
                             sum(st["source"] == src for st in statements), src)
        # issue 16's acceptance: >= 90 % of the parallel statements agree, and
        # not by flagging nothing (at least two thirds agree on a theme)
        real = [c for src, c in by_source.items() if src != "realpages"]
        groups, agreeing = sum(c["groups"] for c in real), sum(c["agree"] for c in real)
        self.assertGreaterEqual(agreeing, 0.90 * groups, agree["disagreements"])
        self.assertGreaterEqual(sum(c["agree_nonempty"] for c in real), 2 * groups / 3)


if __name__ == "__main__":
    swtest.main()
