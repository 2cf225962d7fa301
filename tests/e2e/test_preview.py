"""`speechwatch preview` and `extract` against a real HTTP server serving the
shared fixture site: every list and feed yields exactly the expected items
(url, title, date) in order, in v1 and v2; the GBK article comes out as
UTF-8 Chinese."""
import json
import os
import urllib.request

import swtest

SITE = swtest.shared_path("fixtures", "site")

# XPaths for the fixture's CSS-style selectors in expected.json.
SOURCES = {
    "mfa-en": ('url = http://127.0.0.1:{port}/mfa-en/index.html\n'
               'items = //div[has-class("newsLst_mod")]/ul/li\n'
               'title = a/@title\ndate = span\n'),
    "mfa-zh": ('url = http://127.0.0.1:{port}/mfa-zh/index.html\n'
               'items = //div[has-class("newsBd")]/ul/li\ndate = span\n'),
    "fcdo-atom": 'url = http://127.0.0.1:{port}/fcdo-atom/feed.atom\n',
    "rss": 'url = http://127.0.0.1:{port}/rss/feed.xml\n',
}


def same_instant(a, b):
    from datetime import datetime
    def parse(s):
        return datetime.fromisoformat(s.replace("Z", "+00:00"))
    return parse(a) == parse(b)


class PreviewTest(swtest.TestCase):
    def setUp(self):
        super().setUp()
        if SITE is None:
            self.skipTest("skipped: ../shared not found")
        with open(os.path.join(SITE, "expected.json"), encoding="utf-8") as f:
            self.expected = json.load(f)
        self.server, self.port = swtest.start_static_server(SITE)
        self.procs.append(self.server)
        text = "[daemon]\nstate_dir = %s/state\n" % self.tmp
        for sid, body in SOURCES.items():
            text += '[source "%s"]\n%s' % (sid, body.format(port=self.port))
        self.conf = self.write("speechwatch.conf", text)

    def switch(self, version):
        urllib.request.urlopen("http://127.0.0.1:%d/__root?dir=%s" % (self.port, "v2" if version == "v2" else "."), timeout=5).read()

    def preview(self, sid):
        r = self.sw("preview", "-c", self.conf, sid, "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        return [json.loads(l) for l in r.stdout.splitlines()]

    def check_source(self, sid, version):
        want = self.expected["sources"][sid]["versions"][version]["items"]
        got = self.preview(sid)
        self.assertEqual(len(got), len(want), "%s %s: %r" % (sid, version, got))
        for g, w in zip(got, want):
            self.assertEqual(g["url"], "http://127.0.0.1:%d/%s" % (self.port, w["path"]))
            self.assertEqual(g["title"], w["title"])
            exact = w.get("datetime") or w.get("updated")
            if exact and "T" in exact:
                self.assertTrue(g["date"] and same_instant(g["date"], exact), (g, w))
            else:
                self.assertEqual(g["date"], w["date"], (g, w))
            if "guid" in w:
                self.assertEqual(g["guid"], w["guid"])
            if "id" in w:
                self.assertEqual(g["guid"], w["id"])

    def test_every_source_v1_and_v2(self):
        for version in ("v1", "v2"):
            self.switch(version)
            for sid in SOURCES:
                with self.subTest(source=sid, version=version):
                    self.check_source(sid, version)

    def test_human_output_and_unknown_source(self):
        r = self.sw("preview", "-c", self.conf, "mfa-zh")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("外交部网络事务协调员在网络空间国际治理研讨会上的发言", r.stdout)
        self.assertIn("4 items", r.stderr)
        r = self.sw("preview", "-c", self.conf, "nope")
        self.assertEqual(r.returncode, 2)
        self.assertIn("no source 'nope'", r.stderr)

    def test_preview_does_not_touch_the_store(self):
        self.preview("rss")
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "state")))

    def test_extract_gbk_article_over_http_and_from_file(self):
        path = "mfa-zh/201910/t20191024_10002.shtml"
        art = self.expected["articles"][path]
        for arg in ("http://127.0.0.1:%d/%s" % (self.port, path), os.path.join(SITE, path)):
            r = self.sw("extract", arg)
            self.assertEqual(r.returncode, 0, r.stderr)
            lines = r.stdout.split("\n")
            self.assertEqual(lines[0], art["title"])
            self.assertEqual(lines[1], "")
            self.assertEqual(lines[2], art["first_sentence"])
            self.assertTrue(r.stdout.rstrip().endswith(art["last_sentence"]))
        r = self.sw("extract", "--json", os.path.join(SITE, path))
        got = json.loads(r.stdout)
        self.assertEqual(got["date"][:10], art["date"])

    def test_extract_errors(self):
        r = self.sw("extract", os.path.join(self.tmp, "absent.html"))
        self.assertEqual(r.returncode, 1)
        self.assertIn("absent.html", r.stderr)
        r = self.sw("extract", "http://127.0.0.1:%d/nothing-here.html" % self.port)
        self.assertEqual(r.returncode, 1)
        self.assertIn("HTTP 404", r.stderr)
        self.assertEqual(self.sw("extract").returncode, 2)


if __name__ == "__main__":
    swtest.main()
