"""`speechwatch discover URL [--json]`: proposals for a list page, best first.

On every list page of ../shared/corpus/realpages-dev (served on 127.0.0.1, the
Content-Type without charset), the [source] section discover prints passes
`check` and, read by `preview`, yields exactly the items of expected.json.
On a small fixed site (tests/servers/feed_site.py): an advertised Atom feed
holding the list's items ranks first, a feed sharing none of them ranks below
the list, a guessed path that redirects home is not followed, an advertised
feed that answers 404 is dropped, page strings are printed escaped, and the
exit statuses are 0 / 1 / 2.
"""
import json
import os
import re
import time

import swtest

EXPECTED = swtest.shared_path("corpus", "realpages-dev", "expected.json")
SITE = swtest.shared_path("corpus", "realpages-dev", "site")

TITLES = [
    "Statement by the Minister on the outcome of the regional security conference",
    "Spokesperson's remarks on the situation in the northern border provinces",
    "Joint communique on strengthening bilateral trade and investment cooperation",
    "Minister's speech at the opening of the annual conference of ambassadors",
    "Press release on the visit of the foreign minister to the neighbouring states",
    "Remarks at the ceremony marking the anniversary of diplomatic relations",
]
DATES = ["2024-03-%02d" % d for d in (28, 21, 14, 7, 4, 1)]


def list_page(head=""):
    """An ordinary ministry list page: menu, the list, a footer."""
    items = "".join(
        '<li><a href="/news/%d.html">%s</a> <span class="date">%s</span></li>\n'
        % (i + 1, t, d) for i, (t, d) in enumerate(zip(TITLES, DATES)))
    return ("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>News - Ministry</title>"
            + head + "</head><body>"
            "<nav><ul><li><a href=\"/\">Home</a></li><li><a href=\"/about/\">About</a></li>"
            "<li><a href=\"/contact/\">Contact</a></li></ul></nav>"
            "<main><h1>News</h1><ul class=\"news-list\">\n" + items + "</ul></main>"
            "<footer><a href=\"/privacy/\">Privacy</a> <a href=\"/terms/\">Terms</a></footer>"
            "</body></html>")


def atom_feed(n=6, prefix="/news/"):
    entries = "".join(
        "<entry><title>%s</title><link href=\"%s%d.html\"/><id>urn:x:%d</id>"
        "<updated>%sT10:00:00Z</updated></entry>" % (TITLES[i], prefix, i + 1, i, DATES[i])
        for i in range(n))
    return ("<?xml version=\"1.0\" encoding=\"utf-8\"?>"
            "<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>News</title>"
            "<id>urn:x</id><updated>2024-03-28T10:00:00Z</updated>" + entries + "</feed>")


def rss_feed(links):
    items = "".join("<item><title>Other thing number %d of the site</title><link>%s</link>"
                    "</item>" % (i, l) for i, l in enumerate(links))
    return ("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>c</title>"
            "<link>/</link>" + items + "</channel></rss>")


class DiscoverCase(swtest.TestCase):
    def start_site(self, routes):
        path = self.write("routes.json", json.dumps(routes))
        port_file = os.path.join(self.tmp, "port")
        proc, port = swtest.start_server("feed_site.py", [path, "--port-file", port_file],
                                         port_file)
        self.procs.append(proc)
        return "http://127.0.0.1:%d" % port

    def discover_json(self, url, *extra):
        r = self.sw("discover", url, "--json", *extra)
        self.assertIn(r.returncode, (0, 1), r.stderr)
        return r, json.loads(r.stdout)

    def hits(self, base, what="hits"):
        import urllib.request
        with urllib.request.urlopen(base + "/__" + what, timeout=10) as f:
            return json.loads(f.read())

    def check_section(self, section, name="discovered.conf"):
        conf = self.write(name, section)
        r = self.sw("check", "-c", conf)
        self.assertEqual(r.returncode, 0, "check refused:\n%s\n%s" % (section, r.stderr))
        return conf


class FeedDiscoveryTest(DiscoverCase):
    def test_an_advertised_atom_feed_holding_the_list_ranks_first(self):
        head = ("<link rel=\"alternate\" type=\"application/atom+xml\" title=\"News feed\" "
                "href=\"/news/atom.xml\">")
        base = self.start_site({"/news/": {"body": list_page(head)},
                                "/news/atom.xml": {"type": "application/atom+xml",
                                                   "body": atom_feed()}})
        r, doc = self.discover_json(base + "/news/")
        self.assertEqual(r.returncode, 0, r.stderr)
        first = doc["proposals"][0]
        self.assertEqual(first["type"], "feed")
        self.assertEqual(first["kind"], "atom")
        self.assertEqual(first["url"], base + "/news/atom.xml")
        self.assertEqual(first["count"], 6)
        self.assertEqual(first["confidence"], "high")
        self.assertEqual(first["feed"]["found_as"], "atom")
        self.assertEqual(first["first_items"][0]["url"], base + "/news/1.html")
        self.assertEqual(first["first_items"][0]["title"], TITLES[0])
        self.assertEqual(doc["source_id"], "127-0-0-1-atom")
        self.assertIn("kind        = atom", doc["source"])
        # the page's own list follows the feed that holds it
        lists = [p for p in doc["proposals"] if p["type"] == "list"]
        self.assertTrue(lists, "the detector found no list on an ordinary list page")
        self.assertEqual(first["feed"]["list_items_held"], 6)
        self.check_section(doc["source"])

    def test_a_feed_sharing_no_item_ranks_below_the_list(self):
        head = "<link rel=\"alternate\" type=\"application/rss+xml\" href=\"/all.rss\">"
        base = self.start_site({"/news/": {"body": list_page(head)},
                                "/all.rss": {"type": "application/rss+xml",
                                             "body": rss_feed(["/shop/1", "/shop/2"])}})
        r, doc = self.discover_json(base + "/news/")
        self.assertEqual(r.returncode, 0, r.stderr)
        kinds = [p["type"] for p in doc["proposals"]]
        self.assertEqual(kinds[0], "list", doc)
        feed = [p for p in doc["proposals"] if p["type"] == "feed"][0]
        self.assertEqual(feed["confidence"], "low")
        self.assertEqual(feed["feed"]["list_items_held"], 0)
        self.assertEqual([i["url"] for i in doc["proposals"][0]["first_items"]],
                         [base + "/news/%d.html" % n for n in range(1, 6)])
        self.assertEqual(doc["proposals"][0]["kind"], "html")

    def test_a_guessed_path_that_redirects_home_is_not_taken(self):
        # Home is a real feed here: only a followed redirect would make /feed/ look like one.
        base = self.start_site({"/news/list.html": {"body": list_page()},
                                "/feed/": {"status": 302, "location": "/"},
                                "/news/feed/": {"status": 301, "location": "/"},
                                "/": {"type": "application/atom+xml", "body": atom_feed()}})
        r, doc = self.discover_json(base + "/news/list.html")
        urls = [p["url"] for p in doc["proposals"] if p["type"] == "feed"]
        self.assertNotIn(base + "/feed/", urls)
        self.assertNotIn(base + "/news/feed/", urls)
        dropped = {d["url"]: d for d in doc["feeds_not_proposed"]}
        self.assertIn("redirect", dropped[base + "/feed/"]["reason"])
        self.assertEqual(dropped[base + "/feed/"]["found_as"], "guess")
        self.assertNotIn("/", self.hits(base), "a redirect was followed")
        self.assertLessEqual(sum(1 for d in doc["feeds_not_proposed"]
                                 if d["found_as"] == "guess"), 8)

    def test_an_advertised_feed_that_404s_is_dropped(self):
        head = ("<link rel=\"alternate\" type=\"application/rss+xml\" href=\"/gone.rss\">"
                "<link rel=\"alternate\" type=\"application/feed+json\" href=\"/f.json\">"
                "<link rel=\"alternate\" type=\"application/atom+xml\" href=\"/news/atom.xml\">")
        json_feed = json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "t",
                                "items": [{"id": "1", "url": "/news/1.html"}]})
        base = self.start_site({"/news/": {"body": list_page(head)},
                                "/f.json": {"type": "application/feed+json", "body": json_feed},
                                "/news/atom.xml": {"type": "text/plain", "body": atom_feed()}})
        r, doc = self.discover_json(base + "/news/")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn(base + "/gone.rss", [p["url"] for p in doc["proposals"]])
        dropped = {d["url"]: d["reason"] for d in doc["feeds_not_proposed"]}
        self.assertEqual(dropped[base + "/gone.rss"], "HTTP 404")
        self.assertIn("JSON Feed", dropped[base + "/f.json"])
        # sniffed, not trusted by Content-Type: a feed served as text/plain is still one
        self.assertEqual(doc["proposals"][0]["url"], base + "/news/atom.xml")

    def test_a_page_cannot_point_discover_at_another_private_host(self):
        # The operator typed 127.0.0.1; "localhost" is another host that the page names.
        base = self.start_site({"/news/": {"body": "<html><head>"
                                           "<link rel=alternate type=application/atom+xml "
                                           "href=\"http://localhost:@PORT@/private/only.atom\">"
                                           "</head><body></body></html>"},
                                "/private/only.atom": {"type": "application/atom+xml",
                                                       "body": atom_feed()}})
        port = int(base.rsplit(":", 1)[1])
        r, doc = self.discover_json(base + "/news/")
        dropped = {d["url"]: d["reason"] for d in doc["feeds_not_proposed"]}
        self.assertIn("loopback, private or reserved",
                      dropped["http://localhost:%d/private/only.atom" % port])
        self.assertNotIn("/private/only.atom", self.hits(base))

    def test_a_page_without_list_or_feed_exits_1_and_says_why(self):
        base = self.start_site({"/empty/": {"body": "<html><body><p>Nothing.</p></body></html>"},
                                "/feed/": {"body": "<html><body>home</body></html>"}})
        r = self.sw("discover", base + "/empty/")
        self.assertEqual(r.returncode, 1)
        self.assertIn("no list found", r.stderr)
        self.assertIn("feed candidate", r.stderr)
        r, doc = self.discover_json(base + "/empty/")
        self.assertEqual(r.returncode, 1)
        self.assertEqual(doc["proposals"], [])
        self.assertIsNone(doc["source"])
        dropped = {d["url"]: d["reason"] for d in doc["feeds_not_proposed"]}
        self.assertIn("not a feed", dropped[base + "/feed/"])

    def test_fetch_failure_and_usage(self):
        base = self.start_site({})
        r = self.sw("discover", base + "/nope/")
        self.assertEqual(r.returncode, 1)
        self.assertIn("HTTP 404", r.stderr)
        self.assertEqual(r.stdout, "")
        self.assertEqual(self.sw("discover").returncode, 2)
        self.assertEqual(self.sw("discover", "not-a-url").returncode, 2)
        self.assertEqual(self.sw("discover", base + "/a", base + "/b").returncode, 2)
        r = self.sw("discover", "-c", os.path.join(self.tmp, "missing.conf"), base + "/")
        self.assertEqual(r.returncode, 2)

    def test_the_page_itself_a_feed(self):
        base = self.start_site({"/atom.xml": {"type": "application/xml", "body": atom_feed()}})
        r, doc = self.discover_json(base + "/atom.xml")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(len(doc["proposals"]), 1)
        self.assertEqual(doc["proposals"][0]["kind"], "atom")
        self.assertEqual(doc["proposals"][0]["url"], base + "/atom.xml")

    def test_text_output_escapes_page_strings_and_its_section_passes_check(self):
        head = ("<link rel=\"alternate\" type=\"application/atom+xml\" "
                "title=\"Feed \x1b[31mred\u202e\" href=\"/news/atom.xml\">")
        base = self.start_site({"/news/": {"body": list_page(head)},
                                "/news/atom.xml": {"type": "application/atom+xml",
                                                   "body": atom_feed()}})
        r = self.sw("discover", base + "/news/")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn("\x1b", r.stdout)
        self.assertNotIn("\u202e", r.stdout)
        self.assertIn("\\u{202E}", r.stdout)
        self.assertRegex(r.stdout, re.compile(r"^1\. \[high\] atom feed, 6 items: "
                                              + re.escape(base), re.M))
        section = r.stdout[r.stdout.index("[source \""):]
        conf = self.check_section(section)
        r = self.sw("preview", "-c", conf, "127-0-0-1-atom", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        urls = [json.loads(l)["url"] for l in r.stdout.splitlines()]
        self.assertEqual(urls, [base + "/news/%d.html" % n for n in range(1, 7)])

    def test_http_settings_of_a_given_config_are_used(self):
        base = self.start_site({"/news/": {"body": list_page()}})
        conf = self.write("sw.conf", "[daemon]\nuser_agent = discover-test/1\n")
        r = self.sw("discover", "-c", conf, base + "/news/", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        json.loads(r.stdout)
        agents = self.hits(base, "agents")
        self.assertEqual(agents["/news/"], "discover-test/1")
        self.assertEqual(agents["/feed/"], "discover-test/1")


class RealPagesTest(DiscoverCase):
    """discover on every list page of realpages-dev: the best proposal yields the expected items."""

    def setUp(self):
        super().setUp()
        if EXPECTED is None or SITE is None:
            self.skipTest("skipped: ../shared not found")
        with open(EXPECTED, encoding="utf-8") as f:
            self.expected = json.load(f)
        proc, port = swtest.start_static_server(SITE)
        self.procs.append(proc)
        self.base = "http://127.0.0.1:%d" % port

    def test_every_list_page(self):
        # Haiti's page advertises its feed on the real host. Every request goes
        # through the test server as a proxy, which serves loopback URLs and
        # refuses CONNECT: nothing leaves 127.0.0.1, network or not.
        conf = self.write("http.conf", "[daemon]\nallow_private = yes\nproxy = %s\n"
                          "connect_timeout = 3s\n" % self.base)
        sources = self.expected["sources"]
        self.assertEqual(len(sources), 8)
        for sid, src in sorted(sources.items()):
            with self.subTest(source=sid):
                url = self.base + src["list_url_path"]
                r, doc = self.discover_json(url, "-c", conf)
                self.assertEqual(r.returncode, 0, "%s: %s" % (sid, r.stderr))
                first = doc["proposals"][0]
                want = [self.base + it["link"] if it["link"].startswith("/") else it["link"]
                        for it in src["items"]]
                self.assertEqual(first["count"], len(want), first)
                self.assertEqual([i["url"] for i in first["first_items"]], want[:5])
                conf = self.check_section(doc["source"], sid + ".conf")
                r = self.sw("preview", "-c", conf, doc["source_id"], "--json")
                self.assertEqual(r.returncode, 0, r.stderr)
                got = [json.loads(l)["url"] for l in r.stdout.splitlines()]
                self.assertEqual(got, want)


if __name__ == "__main__":
    swtest.main()
