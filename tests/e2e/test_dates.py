"""Publication dates end to end (issue 15, failures 2 and 4): one date order for
the numeric dates of a list, the article's own date from structured data or a
dateline (never a date cited in a sentence), and the list's date winning over
an article date more than three days off. Real `speechwatch once` polls against
a real HTTP server on loopback; the stdout channel's events are read back."""
import json
import os

import swtest

CONF = """[daemon]
state_dir = {state}
recheck_days = 0
[source "s"]
url = http://127.0.0.1:{port}/list.html
allow_private = yes
items = //ul[@class="news"]/li
date = span
body = //div[@class="content"]
"""

WORDS = ("The Ministry of Foreign Affairs notes that consultations between the parties "
         "will continue and that every question raised will be answered in due course. ")


def page(body, head=""):
    return ("<html><head><title>Statement</title>%s</head><body><div class=content>"
            "<h1>Statement of the Ministry</h1>%s</div></body></html>" % (head, body))


def json_ld(date):
    return ("<script type='application/ld+json'>{\"@type\":\"NewsArticle\","
            "\"datePublished\":\"%s\"}</script>" % date)


# item number -> (list date as written, article page)
ARTICLES = {
    # the law's date sits in a short sentence above the real dateline
    1: ("11/8/26", page("<p>Pursuant to the law of the Republic of Belarus of 29 November "
                        "2003.</p><p>%s</p><p>%s</p><p>November 8, 2026, Minsk</p>"
                        % (WORDS, WORDS))),
    # the page's date agrees with the list's and carries the time
    2: ("11/28/26", page("<p>%s</p><p>%s</p>" % (WORDS, WORDS),
                         json_ld("2026-11-28T10:00:00+03:00"))),
    # a template's stale date, far from the list's
    3: ("11/20/26", page("<p>%s</p><p>%s</p>" % (WORDS, WORDS), json_ld("2026-10-01"))),
}


class DatesTest(swtest.TestCase):
    def setUp(self):
        super().setUp()
        self.site = os.path.join(self.tmp, "site")
        os.makedirs(os.path.join(self.site, "a"))
        self.server, self.port = swtest.start_static_server(self.site)
        self.procs.append(self.server)
        self.state = os.path.join(self.tmp, "state")
        self.conf = self.write("speechwatch.conf", CONF.format(state=self.state, port=self.port))

    def put(self, name, text):
        with open(os.path.join(self.site, name), "w", encoding="utf-8") as f:
            f.write(text)

    def put_list(self, dates):
        """The list page: one item per (number, date as written), in this order."""
        self.put("list.html", "<html><body><ul class=news>%s</ul></body></html>" % "".join(
            "<li><a href='/a/%d.html'>Statement number %d</a> <span>%s</span></li>"
            % (n, n, d) for n, d in dates))

    def once(self):
        """One poll; returns {url: published} of its statement.new events."""
        r = self.sw("once", "-c", self.conf, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        out = {}
        for line in r.stdout.splitlines():
            ev = json.loads(line)
            if ev.get("type") == "statement.new":
                out[ev["item"]["url"]] = ev["item"]["published"]
        return out

    def url(self, n):
        return "http://127.0.0.1:%d/a/%d.html" % (self.port, n)

    def test_list_order_dateline_and_list_date_combined(self):
        self.put("a/0.html", page("<p>%s</p><p>%s</p>" % (WORDS, WORDS)))
        self.put_list([(0, "11/2/26")])
        self.assertEqual(self.once(), {}, "the first poll is a silent baseline")
        for n, (_, html) in ARTICLES.items():
            self.put("a/%d.html" % n, html)
        # newest first; "11/28/26" and "11/20/26" prove month/day for "11/8/26" too
        self.put_list([(2, ARTICLES[2][0]), (3, ARTICLES[3][0]), (1, ARTICLES[1][0]),
                       (0, "11/2/26")])
        got = self.once()
        self.assertEqual(got.get(self.url(1)), "2026-11-08", got)
        self.assertEqual(got.get(self.url(2)), "2026-11-28T10:00:00+03:00", got)
        self.assertEqual(got.get(self.url(3)), "2026-11-20", got)

    def test_undecidable_order_shown_by_status(self):
        self.put("a/1.html", page("<p>%s</p><p>%s</p>" % (WORDS, WORDS)))
        self.put("a/2.html", page("<p>%s</p><p>%s</p>" % (WORDS, WORDS)))
        self.put_list([(2, "4/4/26"), (1, "3/4/26")])
        self.once()
        r = self.sw("status", "-c", self.conf)
        self.assertIn("date-order-ambiguous", r.stdout)


if __name__ == "__main__":
    swtest.main()
