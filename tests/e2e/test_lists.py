"""Lists and feeds whose shape hides new statements (issue 14, items 16 and 18):
feeds that give every item one <guid>, short lists where each new statement
pushes the oldest out, and an archive page over the 10,000-item cap with a
statement appended at its end. Real `speechwatch once` polls against a real
HTTP server on loopback; the stdout channel's events are read back."""
import json
import os
import time

import swtest

CONF = """[daemon]
state_dir = {state}
recheck_days = 0
[source "s"]
url = http://127.0.0.1:{port}/{page}
allow_private = yes
{extra}
"""

WORDS = ("The minister said today that the government will publish the full "
         "report on public spending next month and answer every question raised. ")


def article(n):
    return ("<html><head><title>Statement %d</title></head><body><article>"
            "<h1>Statement %d</h1><p>%s</p></article></body></html>") % (n, n, WORDS * 6 + str(n))


def rss(numbers, port, guid):
    items = "".join(
        "<item><title>Statement %d</title><link>http://127.0.0.1:%d/a/%d.html</link>"
        "<guid>%s</guid></item>" % (n, port, n, guid(n)) for n in numbers)
    return ("<?xml version='1.0'?><rss version='2.0'><channel><title>c</title>"
            "<link>http://127.0.0.1:%d/</link>%s</channel></rss>" % (port, items))


class ListsTest(swtest.TestCase):
    def setUp(self):
        super().setUp()
        self.site = os.path.join(self.tmp, "site")
        os.makedirs(os.path.join(self.site, "a"))
        self.server, self.port = swtest.start_static_server(self.site)
        self.procs.append(self.server)
        self.state = os.path.join(self.tmp, "state")

    def put(self, name, text):
        with open(os.path.join(self.site, name), "w", encoding="utf-8") as f:
            f.write(text)

    def conf(self, page, extra=""):
        return self.write("speechwatch.conf", CONF.format(state=self.state, port=self.port,
                                                          page=page, extra=extra))

    def once(self, conf):
        """One poll; returns (the URLs of its statement.new events, stderr)."""
        r = self.sw("once", "-c", conf, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        urls = []
        for line in r.stdout.splitlines():
            ev = json.loads(line)
            if ev.get("type") == "statement.new":
                urls.append(ev["item"]["url"])
        return urls, r.stderr

    def url(self, n):
        return "http://127.0.0.1:%d/a/%d.html" % (self.port, n)

    def sliding_feed(self, size, guid):
        """A feed of `size` items; three times a new statement pushes the oldest out."""
        conf = self.conf("feed.xml")
        for n in range(1, size + 4):
            self.put("a/%d.html" % n, article(n))
        newest = size
        self.put("feed.xml", rss(range(newest, 0, -1), self.port, guid))
        urls, _ = self.once(conf)
        self.assertEqual(urls, [], "the first poll is a silent baseline")
        for _ in range(3):
            newest += 1
            self.put("feed.xml", rss(range(newest, newest - size, -1), self.port, guid))
            urls, err = self.once(conf)
            self.assertEqual(urls, [self.url(newest)], err)
        return conf

    def sliding_page(self, size):
        """The same with an HTML list page."""
        conf = self.conf("list.html", "items = //li\nbody = //article")
        for n in range(1, size + 4):
            self.put("a/%d.html" % n, article(n))

        def page(newest):
            return "<html><body><ul>%s</ul></body></html>" % "".join(
                "<li><a href='/a/%d.html'>Statement %d</a></li>" % (n, n)
                for n in range(newest, newest - size, -1))
        newest = size
        self.put("list.html", page(newest))
        self.assertEqual(self.once(conf)[0], [])
        for _ in range(3):
            newest += 1
            self.put("list.html", page(newest))
            urls, err = self.once(conf)
            self.assertEqual(urls, [self.url(newest)], err)

    def test_lists_of_one_two_and_three_items_alert_each_new_statement(self):
        for size in (1, 2, 3):
            for kind in ("feed", "page"):
                with self.subTest(size=size, kind=kind):
                    if kind == "feed":
                        self.sliding_feed(size, lambda n: "tag:example.org,2026:%d" % n)
                    else:
                        self.sliding_page(size)
                    for name in os.listdir(self.state):
                        os.unlink(os.path.join(self.state, name))

    def test_a_guid_shared_by_every_item_falls_back_to_links(self):
        channel = "http://127.0.0.1:%d/" % self.port
        # the channel's URL as every guid (seen even in a one-item feed), or a constant
        for size, guid in ((1, channel), (2, channel), (3, channel), (2, "1"), (3, "1")):
            with self.subTest(size=size, guid=guid):
                conf = self.sliding_feed(size, lambda n: guid)
                r = self.sw("status", "-c", conf)
                self.assertIn("note: the feed gives different items the same <guid>", r.stdout)
                j = json.loads(self.sw("status", "-c", conf, "--json").stdout)
                self.assertIn("same <guid>", j["sources"][0]["note"])
                for name in os.listdir(self.state):
                    os.unlink(os.path.join(self.state, name))

    def test_the_guid_note_is_logged_once(self):
        channel = "http://127.0.0.1:%d/" % self.port
        conf = self.conf("feed.xml")
        for n in range(1, 5):
            self.put("a/%d.html" % n, article(n))
        self.put("feed.xml", rss([3, 2, 1], self.port, lambda n: channel))
        _, err1 = self.once(conf)
        self.put("feed.xml", rss([4, 3, 2], self.port, lambda n: channel))
        urls, err2 = self.once(conf)
        self.assertEqual(urls, [self.url(4)])
        self.assertIn("same <guid>", err1)
        self.assertNotIn("same <guid>", err2)

    def archive(self, numbers, dated):
        """An archive page, oldest first; dated: 2001 but for item 10000 (today)."""
        lis = []
        for n in numbers:
            date = ""
            if dated:
                date = "<span>%s</span>" % (time.strftime("%Y-%m-%d", time.gmtime())
                                             if n == 10000 else "2001-01-%02d" % (1 + n % 28))
            lis.append("<li><a href='/a/%d.html'>Statement number %d of the archive</a>%s"
                       "<p>%s</p></li>" % (n, n, date, "x" * 380))
        return "<html><body><ul>%s</ul></body></html>" % "".join(lis)

    def appended_to_archive(self, dated):
        extra = "items = //li\nbody = //article\n" + ("date = span\n" if dated else "")
        conf = self.conf("archive.html", extra)
        for n in list(range(100)) + [10000]:  # the baseline fetches the first 100 undated
            self.put("a/%d.html" % n, article(n))
        self.put("archive.html", self.archive(range(10000), dated))
        self.assertGreater(os.path.getsize(os.path.join(self.site, "archive.html")), 4_000_000)
        urls, err = self.once(conf)
        self.assertEqual(urls, [], err)
        self.put("archive.html", self.archive(range(10001), dated))
        urls, err = self.once(conf)
        self.assertEqual(urls, [self.url(10000)], err)
        return conf, err

    def test_a_statement_appended_to_a_10000_item_archive_is_alerted(self):
        conf, err = self.appended_to_archive(False)
        note = ("the list has 10001 items, over the cap of 10000: kept the 10000 first and "
                "last in page order, skipped 1")
        self.assertIn(note, err)
        r = self.sw("status", "-c", conf)
        self.assertIn("note: " + note, r.stdout)

    def test_a_dated_archive_over_the_cap_keeps_its_newest(self):
        conf, err = self.appended_to_archive(True)
        note = ("the list has 10001 items, over the cap of 10000: kept the 10000 newest by "
                "date, skipped 1")
        self.assertIn(note, err)
        j = json.loads(self.sw("status", "-c", conf, "--json").stdout)
        self.assertEqual(j["sources"][0]["note"], note)


if __name__ == "__main__":
    swtest.main()
