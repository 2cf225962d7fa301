"""`speechwatch check --json` (issue 17, deliver 7): one JSON document with
the same findings as the text output (errors with file, line and key,
warnings, notices), the counts, and the same exit status (0 / 2); nothing
on standard error. It was silently ignored: the text came out instead."""
import json
import os

import swtest
from test_check import BROKEN, GOOD_SOURCE, GOOD_THEME

PACK = os.path.join(swtest.ROOT, "config", "themes", "diplomacy.conf")


def text_findings(stderr):
    """The text output's lines as (file, line, message), marks kept."""
    out = []
    for l in stderr.splitlines():
        file, line, msg = l.split(":", 2)
        out.append((file, int(line), msg[1:]))
    return out


class CheckJsonTest(swtest.TestCase):
    def check(self, path):
        """check --json and check on path: (status, document, text stderr)."""
        r = self.sw("check", "--json", "-c", path)
        self.assertEqual(r.stderr, "")
        doc = json.loads(r.stdout)
        t = self.sw("check", "-c", path)
        self.assertEqual(r.returncode, t.returncode, t.stderr)
        return r.returncode, doc, t.stderr

    def json_findings(self, doc):
        out = []
        for kind, mark in (("errors", ""), ("warnings", "warning: "), ("notices", "notice: ")):
            for f in doc[kind]:
                self.assertEqual(set(f), {"file", "line", "key", "message"})
                out.append((f["file"], f["line"], mark + f["message"]))
        return sorted(out)

    def test_each_broken_config_gives_its_error_with_file_line_and_key(self):
        self.write("open.secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n", 0o644)
        for name, text, line, fragment in BROKEN:
            with self.subTest(name=name):
                path = self.write("broken.conf", text)
                status, doc, stderr = self.check(path)
                self.assertEqual(status, 2, name)
                self.assertIs(doc["ok"], False)
                hits = [e for e in doc["errors"]
                        if e["file"] == path and e["line"] == line and fragment in e["message"]]
                self.assertTrue(hits, "%s: %r not in %r" % (name, fragment, doc["errors"]))
                self.assertEqual(self.json_findings(doc), sorted(text_findings(stderr)))

    def test_keys_are_named(self):
        path = self.write("keys.conf", GOOD_SOURCE + "intervall = 10m\n[daemon]\nmax_per_host = 0\n"
                          "[sourc \"y\"]\n")
        status, doc, _ = self.check(path)
        self.assertEqual(status, 2)
        got = [(e["line"], e["key"]) for e in doc["errors"]]
        self.assertEqual(got, [(4, "intervall"), (6, "max_per_host"), (7, None)])
        for count in ("sources", "enabled_sources", "themes", "channels"):
            self.assertIsNone(doc[count])

    def test_a_good_config_with_a_warning_and_a_notice(self):
        path = self.write("good.conf", "include = %s\n" % PACK + GOOD_THEME.replace('"cyber"', '"climate"')
                          + GOOD_SOURCE + "enabled = no\n"
                          + "[notify \"out\"]\ntype = stdout\nsources = mfa-*\n")
        status, doc, stderr = self.check(path)
        self.assertEqual(status, 0, stderr)
        self.assertIs(doc["ok"], True)
        self.assertEqual(doc["errors"], [])
        self.assertEqual(doc["warnings"], [{
            "file": path, "line": 10, "key": "sources",
            "message": "notify 'out': sources 'mfa-*' matches no source"}])
        self.assertEqual(len(doc["notices"]), 1)
        notice = doc["notices"][0]
        self.assertEqual((notice["file"], notice["line"], notice["key"]), (path, 2, None))
        self.assertIn("theme 'climate' at %s:2 replaces the one from %s:" % (path, PACK),
                      notice["message"])
        self.assertEqual(self.json_findings(doc), sorted(text_findings(stderr)))
        with open(PACK, encoding="utf-8") as f:
            themes = sum(1 for l in f if l.startswith("[theme "))
        self.assertEqual((doc["sources"], doc["enabled_sources"], doc["themes"], doc["channels"]),
                         (1, 0, themes, 1))

    def test_a_missing_config(self):
        status, doc, _ = self.check(os.path.join(self.tmp, "nothere.conf"))
        self.assertEqual(status, 2)
        self.assertIs(doc["ok"], False)
        self.assertEqual(len(doc["errors"]), 1)
        self.assertIn("No such file", doc["errors"][0]["message"])
        self.assertIsNone(doc["errors"][0]["line"])


if __name__ == "__main__":
    swtest.main()
