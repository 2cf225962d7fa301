"""The Atom feeds of the read side (issue 18) read by a real feed parser
(feedparser) from the real daemon on the demo site: every feed well-formed
Atom 1.0 (bozo false), its entries with links to the ministry's pages, themes
and evidence, and entry ids that stay the same across a restart of the
daemon; unknown themes and sources are 404."""
import json
import os
import re
import unittest

import swtest
import webdemo

try:
    import feedparser
except ImportError:
    feedparser = None


class FeedsBase(webdemo.DemoWeb):
    def feed(self, path):
        status, head, body = self.get(path)
        self.assertEqual(status, 200, head)
        self.assertIn("Content-Type: application/atom+xml", head)
        f = feedparser.parse(body)
        self.assertFalse(f.bozo, "%s: %s" % (path, f.get("bozo_exception")))
        self.assertEqual(f.version, "atom10", path)
        self.assertTrue(f.feed.id and f.feed.title and f.feed.updated_parsed, f.feed)
        self.assertIn(path, [l.href for l in f.feed.links if l.rel == "self"])
        for e in f.entries:
            self.assertTrue(e.id and e.title and e.link and e.updated_parsed and e.summary, e)
        self.assertNotIn(b"s3cret", body)
        return f

    def all_feeds(self):
        """{path: [entry ids]} of every feed: all, each theme that has statements, the source."""
        listed = self.statements()
        themes = sorted({t["id"] for s in listed for t in (s["themes"] or [])})
        self.assertTrue(themes, listed)
        paths = ["/feeds/all.atom", "/feeds/source/demo-news.atom"] + \
            ["/feeds/theme/%s.atom" % t for t in themes]
        return {p: [e.id for e in self.feed(p).entries] for p in paths}


@unittest.skipIf(webdemo.CURL is None, "skipped: curl not installed")
@unittest.skipIf(feedparser is None, "skipped: python3-feedparser not installed")
class WebFeedsTest(FeedsBase):
    def test_feeds_parse_and_keep_their_ids_across_a_restart(self):
        self.run_demo()
        listed = self.statements()
        everything = self.feed("/feeds/all.atom")
        self.assertEqual(len(everything.entries), len(listed))
        self.assertTrue(everything.feed.id.startswith("tag:"))
        for e, s in zip(everything.entries, listed):
            self.assertEqual(e.link, s["item"]["url"])
            self.assertEqual(e.title, s["item"]["title"])
            self.assertEqual(e.author, "demo-news")
            self.assertIn("updated", e)
            for t in s["themes"] or []:
                self.assertIn(t["label"], e.summary)
                for ev in t["evidence"]:
                    self.assertIn(ev, e.summary)
                self.assertIn(t["id"], [c.term for c in e.tags])
        edited = next(e for e, s in zip(everything.entries, listed) if s["edited"])
        self.assertIn("Edited (version 2)", edited.summary)
        ids = self.all_feeds()
        self.assertEqual(len(set(ids["/feeds/all.atom"])), len(listed))

        self.stop_daemon()
        self.start_daemon()
        self.assertEqual(self.all_feeds(), ids)

        self.assertEqual(self.get("/feeds/theme/no-such-theme.atom")[0], 404)
        self.assertEqual(self.get("/feeds/source/no-such-source.atom")[0], 404)
        self.assertEqual(self.get("/feeds/source/demo-news.rss")[0], 404)


CORPUS = swtest.shared_path("corpus", "realpages-dev")


@unittest.skipIf(webdemo.CURL is None, "skipped: curl not installed")
@unittest.skipIf(feedparser is None, "skipped: python3-feedparser not installed")
class RealPagesFeedsTest(FeedsBase):
    """Real ministries' pages (../shared/corpus/realpages-dev: Chinese and English, charsets
    from the pages, 404s) alerted on the first poll: every feed and the API stay valid and
    agree on every title."""

    def test_real_statements_in_every_feed(self):
        if CORPUS is None:
            self.skipTest("skipped: ../shared not found")
        with open(os.path.join(CORPUS, "expected.json"), encoding="utf-8") as f:
            expected = json.load(f)
        site, port = swtest.start_static_server(os.path.join(CORPUS, "site"))
        self.procs.append(site)
        self.port = swtest.free_port()
        self.base = "http://127.0.0.1:%d" % self.port
        lines = ["[daemon]", "state_dir = " + os.path.join(self.tmp, "state"),
                 "first_poll = alert", "recheck_days = 30", "allow_private = yes",
                 "include = " + os.path.join(swtest.ROOT, "config", "themes", "diplomacy.conf"),
                 "[http]", "listen = 127.0.0.1:%d" % self.port, ""]
        for sid, src in expected["sources"].items():
            lines += ['[source "%s"]' % sid, "url = http://127.0.0.1:%d%s" % (
                port, src["list_url_path"]), "items = auto", ""]
        self.conf = self.write("real.conf", "\n".join(lines) + "\n")
        self.start_daemon()
        polled = lambda: set(re.findall(r"source=(\S+) poll=", self.daemon.output()))
        self.wait_for(lambda: polled() >= set(expected["sources"]), "a poll of every source", 120)
        listed = self.get_json("/api/v1/statements?limit=500")["statements"]
        scored = [s for s in listed if s["themes"]]
        self.assertTrue(scored, "no statement reached a theme")
        by_id = {"tag:speechwatch,2026:statement/%s/%d" % (s["source"]["id"], s["id"]): s
                 for s in listed}
        paths = ["/feeds/all.atom"] + ["/feeds/source/%s.atom" % sid for sid in expected["sources"]]
        paths += sorted({"/feeds/theme/%s.atom" % t["id"] for s in scored for t in s["themes"]})
        for path in paths:
            for e in self.feed(path).entries:
                s = by_id[e.id]
                self.assertEqual(e.title, s["item"]["title"] or s["item"]["url"], path)
                self.assertEqual(e.link, s["item"]["url"])
        print("%d statements, %d with themes, %d feeds parsed" % (len(listed), len(scored),
                                                                 len(paths)))


if __name__ == "__main__":
    swtest.main()
