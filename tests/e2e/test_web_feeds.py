"""The Atom feeds of the read side (issue 18) read by a real feed parser
(feedparser) from the real daemon on the demo site: every feed well-formed
Atom 1.0 (bozo false), its entries with links to the ministry's pages, themes
and evidence, and entry ids that stay the same across a restart of the
daemon; unknown themes and sources are 404."""
import unittest

import swtest
import webdemo

try:
    import feedparser
except ImportError:
    feedparser = None


@unittest.skipIf(webdemo.CURL is None, "skipped: curl not installed")
@unittest.skipIf(feedparser is None, "skipped: python3-feedparser not installed")
class WebFeedsTest(webdemo.DemoWeb):
    def feed(self, path):
        status, head, body = self.get(path)
        self.assertEqual(status, 200, head)
        self.assertIn("Content-Type: application/atom+xml", head)
        f = feedparser.parse(body)
        self.assertFalse(f.bozo, "%s: %s" % (path, f.get("bozo_exception")))
        self.assertEqual(f.version, "atom10", path)
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


if __name__ == "__main__":
    swtest.main()
