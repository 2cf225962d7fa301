"""`speechwatch classify` and `speechwatch learn`: the WANG Lei speech page
against the diplomacy pack, the --jsonl batch round trip, learning a theme
file and classifying with it, and the exit codes of the error cases."""
import json
import os
import resource
import subprocess

import swtest

PACK = os.path.join(swtest.ROOT, "config", "themes", "diplomacy.conf")
WANG_LEI = ("fixtures", "site", "mfa-en", "201910", "t20191024_11000005.html")

# A tiny labelled corpus: two topics worded with their own terms.
TRAIN = [
    ("farm", "Farmers need fair crop prices and support for the harvest."),
    ("farm", "The harvest was poor, so crop insurance for farmers matters."),
    ("farm", "Crop subsidies keep farmers on the land after a bad harvest."),
    ("farm", "Farmers and crop exports drive the rural harvest economy."),
    ("farm", "We will protect farmers when the crop harvest fails."),
    ("farm", "Irrigation helps farmers grow a better crop every harvest."),
    ("space", "The rocket launch put a satellite into orbit."),
    ("space", "Our astronauts will orbit the moon on the next rocket."),
    ("space", "A new satellite will orbit Mars after the rocket launch."),
    ("space", "The rocket engine failed before the satellite reached orbit."),
    ("space", "Astronauts trained for the orbit of the space station by rocket."),
    ("space", "The satellite and the rocket were built for a lunar orbit."),
]


class ClassifyTest(swtest.TestCase):
    def scores(self, out):
        return {t["id"]: t for t in json.loads(out)["themes"]}

    def test_wang_lei_speech_with_the_diplomacy_pack(self):
        page = swtest.shared_path(*WANG_LEI)
        if page is None:
            print("skipped: ../shared not found")
            return
        r = self.sw("classify", "--themes", PACK, "--json", page)
        self.assertEqual(r.returncode, 0, r.stderr)
        doc = json.loads(r.stdout)
        self.assertEqual(doc["language"], "en")
        self.assertGreater(doc["words"], 300)
        themes = {t["id"]: t for t in doc["themes"]}
        for want in ("cyber-sovereignty", "cyber-norms-un", "supply-chain-5g"):
            self.assertTrue(themes[want]["above"], themes[want])
            self.assertGreaterEqual(themes[want]["score"], themes[want]["threshold"])
            self.assertTrue(themes[want]["evidence"], want)
        for unwanted in ("climate", "trade", "health"):
            self.assertFalse(themes[unwanted]["above"], themes[unwanted])
        scores = [t["score"] for t in doc["themes"]]
        self.assertEqual(scores, sorted(scores, reverse=True))
        self.assertTrue(any("sovereignty" in e for e in themes["cyber-sovereignty"]["evidence"]))
        # the human table shows the same ranking; options may follow the operand
        r = self.sw("classify", page, "--themes", PACK)
        self.assertEqual(r.returncode, 0, r.stderr)
        rows = [l.split()[0] for l in r.stdout.splitlines()[3:] if l.strip()]
        self.assertEqual(rows, [t["id"] for t in doc["themes"]])
        self.assertIn("yes", r.stdout.splitlines()[3])

    def test_plain_text_from_stdin_and_a_config_with_themes(self):
        conf = self.write("sw.conf", '[theme "trade"]\nlabel = Trade\nthreshold = 0.2\n'
                          'phrase = 3 world trade organization\nphrase = 2 tariffs\n'
                          '[theme "climate"]\nphrase = 3 climate change\n')
        text = "We oppose new tariffs. The World Trade Organization must be reformed."
        path = self.write("in.txt", text)
        r = self.sw("classify", "-c", conf, "--json", path)
        self.assertEqual(r.returncode, 0, r.stderr)
        s = self.scores(r.stdout)
        self.assertTrue(s["trade"]["above"])
        self.assertEqual(s["trade"]["label"], "Trade")
        self.assertEqual(s["climate"]["score"], 0)
        self.assertEqual(s["trade"]["evidence"][0],
                         "The World Trade Organization must be reformed.")
        # "<" that is not markup stays text
        path = self.write("lt.txt", "< 5 tariffs are too many tariffs")
        r = self.sw("classify", "-c", conf, "--json", path)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertGreater(self.scores(r.stdout)["trade"]["score"], 0)

    def test_json_names_the_segment_of_a_long_briefing(self):
        """A press conference: one question and answer on trade among many
        paragraphs on other things; the theme fires from that segment."""
        conf = self.write("sw.conf", '[theme "trade"]\nthreshold = 0.3\n'
                          'phrase = 3 world trade organization\nphrase = 2 tariffs\n')
        filler = "The spokesperson thanked the journalists for their questions today. " * 7
        paras = ["Q: Question %d about the weather? A: %s" % (i, filler) for i in range(24)]
        paras.insert(7, "Q: Will China answer the new tariffs? A: We oppose new tariffs. "
                     "The World Trade Organization must be reformed. " + filler)
        r = self.sw("classify", "-c", conf, "--json", self.write("long.txt", "\n\n".join(paras)))
        self.assertEqual(r.returncode, 0, r.stderr)
        t = self.scores(r.stdout)["trade"]
        self.assertTrue(t["above"], t)
        self.assertEqual(t["segment"]["index"], 7)
        self.assertTrue(t["segment"]["start"].startswith("Q: Will China answer the new tariffs?"))
        self.assertEqual(t["evidence"][0], "The World Trade Organization must be reformed.")

    def test_jsonl_round_trip(self):
        lines = [{"id": "a", "text": "Climate change and the Paris Agreement on climate finance."},
                 {"id": "b", "text": "Tariffs, the WTO and free trade agreements."},
                 {"id": 7, "text": "Nothing relevant here at all."},
                 {"id": "zh", "text": "应对气候变化，落实《巴黎协定》。"}]
        src = self.write("in.jsonl", "\n".join(json.dumps(l, ensure_ascii=False)
                                               for l in lines) + "\n\n")
        r = self.sw("classify", "--themes", PACK, "--jsonl", src)
        self.assertEqual(r.returncode, 0, r.stderr)
        out = [json.loads(l) for l in r.stdout.splitlines()]
        self.assertEqual([o["id"] for o in out], ["a", "b", "7", "zh"])
        by = {o["id"]: o for o in out}
        self.assertIn("climate", by["a"]["labels"])
        self.assertIn("trade", by["b"]["labels"])
        self.assertEqual(by["7"]["labels"], [])
        self.assertIn("climate", by["zh"]["labels"])
        for o in out:
            self.assertEqual(len(o["scores"]), 14)  # every theme of the pack
            for label in o["labels"]:
                self.assertGreater(o["scores"][label], 0)

    def test_learn_then_classify_with_the_learned_file(self):
        train = self.write("train.jsonl", "".join(
            json.dumps({"id": "t%d" % i, "text": t, "labels": [l]}) + "\n"
            for i, (l, t) in enumerate(TRAIN)))
        r = self.sw("learn", train)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('[theme "farm"]', r.stdout)
        self.assertIn('[theme "space"]', r.stdout)
        learned = self.write("learned.conf", r.stdout)
        self.assertEqual(self.sw("check", "-c", learned).returncode, 0)
        test = self.write("test.jsonl",
                          json.dumps({"id": "f", "text": "Farmers fear for the crop harvest."}) + "\n" +
                          json.dumps({"id": "s", "text": "The rocket carried a satellite to orbit."}) + "\n")
        r = self.sw("classify", "--themes", learned, "--jsonl", test)
        self.assertEqual(r.returncode, 0, r.stderr)
        out = {o["id"]: o for o in map(json.loads, r.stdout.splitlines())}
        self.assertEqual(out["f"]["labels"], ["farm"])
        self.assertEqual(out["s"]["labels"], ["space"])

    def test_pathological_phrases_classify_1mb_in_bounded_memory(self):
        """Issue 14 #19: nested phrases and 60 themes sharing a word made
        classify of 1 MB hold 300 MB; under a 128 MB address-space limit it
        now completes (it aborted "out of memory" before)."""
        if "asan" in os.environ.get("SW_BUILD", ""):
            self.skipTest("skipped: address-space limit under ASan")
        conf = ""
        for t in range(4):
            conf += '[theme "nest%d"]\nthreshold = 0.5\n' % t
            conf += "".join("phrase = 1 %s\n" % " ".join(["ab"] * k) for k in range(1, 33))
        conf += "".join('[theme "word%d"]\nphrase = 1 ab\n' % t for t in range(60))
        themes = self.write("patho.conf", conf)
        text = self.write("big.txt", "ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab. "
                          * ((1 << 20) // 49 + 1))
        limit = 128 << 20
        r = subprocess.run([swtest.BIN, "classify", "--themes", themes, "--json", text],
                           capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
                           preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_AS,
                                                                 (limit, limit)))
        self.assertEqual(r.returncode, 0, r.stderr[-300:])
        self.assertEqual(len(json.loads(r.stdout)["themes"]), 64)

    def test_errors_and_exit_codes(self):
        good = self.write("in.txt", "trade")
        # usage: no operand, two operands, operand with --jsonl
        self.assertEqual(self.sw("classify", "--themes", PACK).returncode, 2)
        self.assertEqual(self.sw("classify", "--themes", PACK, good, good).returncode, 2)
        self.assertEqual(self.sw("classify", "--themes", PACK, "--jsonl", good, good).returncode, 2)
        self.assertEqual(self.sw("learn").returncode, 2)
        self.assertEqual(self.sw("classify", "--bogus", good).returncode, 2)
        # config errors: missing file, broken theme, a config without themes
        r = self.sw("classify", "--themes", os.path.join(self.tmp, "none.conf"), good)
        self.assertEqual(r.returncode, 2)
        bad = self.write("bad.conf", '[theme "t"]\nphrase = lots of words\n')
        r = self.sw("classify", "-c", bad, good)
        self.assertEqual(r.returncode, 2)
        self.assertIn("bad.conf:2:", r.stderr)
        empty = self.write("empty.conf", "[daemon]\nmax_per_host = 2\n")
        r = self.sw("classify", "-c", empty, good)
        self.assertEqual(r.returncode, 2)
        self.assertIn("no themes", r.stderr)
        # runtime: unreadable input, bad batch lines (good ones still scored), bad training data
        r = self.sw("classify", "--themes", PACK, os.path.join(self.tmp, "missing.txt"))
        self.assertEqual(r.returncode, 1)
        batch = self.write("b.jsonl", '{"id":"ok","text":"tariffs"}\nnot json\n{"id":"x"}\n')
        r = self.sw("classify", "--themes", PACK, "--jsonl", batch)
        self.assertEqual(r.returncode, 1)
        self.assertEqual(len(r.stdout.splitlines()), 1)
        self.assertIn("b.jsonl:2:", r.stderr)
        self.assertIn("b.jsonl:3:", r.stderr)
        r = self.sw("learn", os.path.join(self.tmp, "missing.jsonl"))
        self.assertEqual(r.returncode, 1)
        nolabels = self.write("nl.jsonl", '{"id":"1","text":"x","labels":"farm"}\n')
        r = self.sw("learn", nolabels)
        self.assertEqual(r.returncode, 1)
        self.assertIn("line 1", r.stderr)


class QualityTest(swtest.TestCase):
    """learn on 4/5 of themes-dev, classify the held-out 1/5 with --jsonl and
    score top-1 micro-F1 ("Other" = no theme): a guard against regressions of
    the learner or the engine. bench/themes-quality gives the full 5-fold
    figures (0.482 micro / 0.417 macro at the time of writing)."""

    def test_held_out_fold_micro_f1(self):
        path = swtest.shared_path("corpus", "themes-dev", "cap_sotu_dev.jsonl")
        if path is None:
            self.skipTest("skipped: ../shared not found")
        with open(path, encoding="utf-8") as f:
            rows = [json.loads(l) for l in f if l.strip()]
        train = [r for i, r in enumerate(rows) if i % 5 != 0]
        test = [r for i, r in enumerate(rows) if i % 5 == 0]
        tr = self.write("train.jsonl", "".join(json.dumps(r) + "\n" for r in train))
        te = self.write("test.jsonl", "".join(json.dumps({"id": r["id"], "text": r["text"]}) + "\n"
                                               for r in test))
        r = self.sw("learn", "--ignore-label", "Other", tr, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn('[theme "other"]', r.stdout.lower())
        themes = self.write("learned.conf", r.stdout)
        self.assertEqual(self.sw("check", "-c", themes).returncode, 0)
        r = self.sw("classify", "-c", themes, "--jsonl", te, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        pred = {}
        for line in r.stdout.splitlines():
            o = json.loads(line)
            pred[o["id"]] = o["labels"][0] if o["labels"] else None
        tp = fp = fn = 0
        norm = lambda s: "".join(c for c in s.lower() if c.isalnum())
        for row in test:
            gold = {norm(l) for l in row["labels"] if l != "Other"}
            p = pred.get(row["id"])
            p = norm(p) if p else None
            if p and p in gold:
                tp += 1
            elif p:
                fp += 1
            fn += len(gold - ({p} if p else set()))
        f1 = 2 * tp / (2 * tp + fp + fn)
        print("held-out fold: top-1 micro-F1 %.3f (%d examples)" % (f1, len(test)))
        self.assertGreater(f1, 0.40)


if __name__ == "__main__":
    swtest.main()
