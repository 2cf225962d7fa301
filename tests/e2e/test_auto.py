"""Honest failure, items = auto and self-healing (issue 15, deliver 2 and 3,
failure 3): list items that link nowhere, back to the list page, off-site or
have no title are rejected and fail the poll with a reason; a selector that
stops matching after a redesign reaches source.failing with reason
selector-no-match and discover's suggestion in status; items = auto reads the
real ministry pages of ../shared/corpus/realpages-dev and heals after a
redesign without alerting the known statements again. Real `speechwatch
once` runs against a static HTTP server on loopback; events come from the
stdout channel."""
import json
import os
import sqlite3
import time

import swtest

FIXTURES = os.path.join(swtest.ROOT, "tests", "fixtures", "auto")

CONF = """[daemon]
state_dir = {state}
recheck_days = 0
fail_after = 1
[source "s"]
url = http://127.0.0.1:{port}/news/
allow_private = yes
{extra}
"""

V1_XPATHS = "items = //ul[@class='news-list']/li\nlink = a/@href\ntitle = a\ndate = span\n"

WORDS = ("The minister said today that the government will publish the full report on "
         "public spending next month and answer every question raised by the committee. ")


def article(n):
    return ("<html><head><title>Statement %d</title></head><body><article><h1>Statement %d</h1>"
            "<p>%s</p></article></body></html>") % (n, n, WORDS * 5 + str(n))


class AutoTest(swtest.TestCase):
    def setUp(self):
        super().setUp()
        self.site = os.path.join(self.tmp, "site")
        os.makedirs(os.path.join(self.site, "news", "2026"))
        for n in range(1, 7):
            self.put("news/2026/statement-%d.html" % n, article(n))
        self.server, self.port = swtest.start_static_server(self.site)
        self.procs.append(self.server)
        self.state = os.path.join(self.tmp, "state")

    def put(self, name, text):
        path = os.path.join(self.site, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        # The list is served as a directory index, with Last-Modified but no ETag:
        # each version must be newer by a whole second, or the next poll gets a 304.
        self.version = getattr(self, "version", 0) + 1
        when = time.time() + 10 * self.version
        os.utime(path, (when, when))

    def read(self, name):
        with open(os.path.join(self.site, name), encoding="utf-8") as f:
            return f.read()

    def serve_list(self, fixture):
        with open(os.path.join(FIXTURES, fixture), encoding="utf-8") as f:
            self.put("news/index.html", f.read())

    def conf(self, extra):
        return self.write("speechwatch.conf",
                          CONF.format(state=self.state, port=self.port, extra=extra))

    def once(self, conf, ok=True):
        """One poll: (events printed by the stdout channel, stderr)."""
        r = self.sw("once", "-c", conf, timeout=120)
        self.assertEqual(r.returncode, 0 if ok else 1, r.stderr)
        return [json.loads(line) for line in r.stdout.splitlines() if line.startswith("{")], r.stderr

    def status(self, conf):
        r = self.sw("status", "-c", conf, "--json")
        src = json.loads(r.stdout)["sources"][0]
        # a monitoring plugin's exit status: 1 (warning) while the source is failing
        self.assertEqual(r.returncode, 1 if src["failing"] else 0, r.stderr)
        return src

    def stored_urls(self):
        with sqlite3.connect(os.path.join(self.state, "speechwatch.db")) as c:
            return sorted(r[0] for r in c.execute("SELECT url FROM items"))

    def url(self, n, host="127.0.0.1"):
        return "http://%s:%d/news/2026/statement-%d.html" % (host, self.port, n)

    def assert_failed(self, conf, result, reason, rejected=None):
        """One failed poll: its result, the reason in log, event and status, nothing stored."""
        events, err = self.once(conf, ok=False)
        self.assertIn("poll=%s status=200" % result, err)
        self.assertIn("reason=%s" % reason, err)
        if rejected:
            self.assertIn(rejected, err)
        failing = [e for e in events if e["type"] == "source.failing"]
        self.assertEqual(len(failing), 1, events)
        self.assertEqual(failing[0]["reason"], reason)
        self.assertEqual([e for e in events if e["type"].startswith("statement.")], [])
        st = self.status(conf)
        self.assertEqual(st["result"], result)
        self.assertEqual(st["reason"], reason)
        self.assertTrue(st["failing"])
        return st, err

    # ---- failure 3: items that are not statements ----

    def test_link_xpath_selecting_nothing_is_no_item(self):
        """Not one bogus item with the list page's own URL: five (here six) rejections."""
        self.serve_list("v1.html")
        conf = self.conf(V1_XPATHS.replace("link = a/@href", "link = a/@data-href"))
        self.assert_failed(conf, "items-rejected", "items-rejected",
                           "rejected 6 items (6 have no link)")
        self.assertEqual(self.stored_urls(), [])

    def test_links_back_to_the_list_page_are_rejected(self):
        self.serve_list("v1.html")
        page = self.read("news/index.html")
        self.put("news/index.html", page.replace('href="/news/2026/statement-', 'href="./#s'))
        self.assert_failed(self.conf(V1_XPATHS), "items-rejected", "items-rejected",
                           "6 link to the list page itself")
        self.assertEqual(self.stored_urls(), [])

    def test_empty_titles_are_rejected(self):
        """A catalogue source gave 293 items, all titled "": now a failed poll."""
        rows = "".join('<li><a href="/news/2026/c%d.html"><img src="i.png"></a><h3>  </h3></li>' % i
                       for i in range(293))
        self.put("news/index.html", "<html><body><ul class='cat'>%s</ul></body></html>" % rows)
        conf = self.conf("items = //ul[@class='cat']/li\ntitle = h3\n")
        self.assert_failed(conf, "items-rejected", "items-rejected",
                           "rejected 293 items (293 have an empty title)")
        self.assertEqual(self.stored_urls(), [])

    def test_offsite_links_are_rejected_unless_allowed(self):
        self.serve_list("v1.html")
        page = self.read("news/index.html")
        self.put("news/index.html", page.replace(
            'href="/news/2026/', 'href="http://localhost:%d/news/2026/' % self.port))
        self.assert_failed(self.conf(V1_XPATHS), "items-rejected", "items-rejected",
                           "6 link to another site")
        self.assertEqual(self.stored_urls(), [])
        events, err = self.once(self.conf(V1_XPATHS + "offsite = yes\n"))
        self.assertIn("poll=ok", err)
        self.assertEqual(self.stored_urls(), sorted(self.url(n, "localhost") for n in range(1, 7)))
        self.assertEqual([e["type"] for e in events], ["source.recovered"])

    # ---- a redesign under configured XPaths: selector-no-match and a suggestion ----

    def test_redesign_fails_with_selector_no_match_and_a_suggestion(self):
        self.serve_list("v1.html")
        conf = self.conf(V1_XPATHS)
        events, err = self.once(conf)
        self.assertEqual(len(self.stored_urls()), 6)
        self.serve_list("v2.html")
        st, err = self.assert_failed(conf, "empty-list", "selector-no-match")
        sugg = st["suggestion"]
        self.assertIsNotNone(sugg, "discover's suggestion is kept with the failure")
        self.assertIsNone(st["structure"], "a source with XPaths of its own has no structure")
        self.assertEqual(sugg["count"], 6)
        self.assertIn("suggestion (speechwatch discover): items=", err)
        self.assertIn("(6 items)", err)
        # The suggestion, written into the source, reads the six statements again.
        extra = "".join("%s = %s\n" % (k, sugg[k]) for k in ("items", "link", "title", "date")
                        if sugg.get(k))
        conf = self.conf(extra)
        r = self.sw("preview", "-c", conf, "s", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        urls = [json.loads(line)["url"] for line in r.stdout.splitlines()]
        self.assertEqual(sorted(urls), sorted(self.url(n) for n in range(1, 7)))
        events, err = self.once(conf)
        self.assertEqual([e["type"] for e in events], ["source.recovered"])
        self.assertIsNone(self.status(conf)["suggestion"])

    # ---- items = auto ----

    def test_auto_heals_after_a_redesign_without_new_alerts(self):
        self.serve_list("v1.html")
        conf = self.conf("items = auto\n")
        r = self.sw("preview", "-c", conf, "s")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("structure: items=", r.stderr, "preview shows the chosen XPaths")
        events, err = self.once(conf)
        self.assertIn("structure chosen: items=", err)
        self.assertEqual(events, [], "the first poll is a silent baseline")
        self.assertEqual(self.stored_urls(), sorted(self.url(n) for n in range(1, 7)))
        first = self.status(conf)["structure"]
        self.assertEqual(first["count"], 6)
        self.assertIn("chosen_at", first)

        events, err = self.once(conf)  # unchanged: the stored structure is used
        self.assertNotIn("structure", err)
        self.assertEqual(self.status(conf)["structure"], first)

        self.serve_list("v2.html")
        events, err = self.once(conf)
        self.assertIn("<4>source=s structure changed: items=", err)
        self.assertIn(" -> items=", err)
        self.assertIn("poll=ok", err)
        self.assertEqual(events, [], "the same statements under new markup alert nothing")
        self.assertEqual(len(self.stored_urls()), 6)
        second = self.status(conf)["structure"]
        self.assertNotEqual(second["items"], first["items"])
        self.assertEqual(second["count"], 6)

        # A page that now holds another list (none of the statements) is not taken.
        self.serve_list("other.html")
        st, err = self.assert_failed(conf, "empty-list", "selector-no-match")
        self.assertNotIn("structure changed", err)
        self.assertEqual(st["structure"], second, "the last good structure is kept")
        self.assertIsNotNone(st["suggestion"])
        self.assertEqual(len(self.stored_urls()), 6)

    def test_auto_yields_the_expected_items_of_realpages(self):
        root = swtest.shared_path("corpus", "realpages-dev")
        if root is None or not os.path.isdir(root):
            print("skipped: ../shared not found")
            return
        with open(os.path.join(root, "expected.json"), encoding="utf-8") as f:
            expected = json.load(f)["sources"]
        server, port = swtest.start_static_server(os.path.join(root, "site"))
        self.procs.append(server)
        sections, good, bad = [], [], []
        for sid, src in sorted(expected.items()):
            sections.append('[source "%s"]\nurl = http://127.0.0.1:%d%s\nallow_private = yes\n'
                            "kind = html\nitems = auto\n" % (sid, port, src["list_url_path"]))
        conf = self.write("real.conf", "[daemon]\nstate_dir = %s\n%s" % (self.state,
                                                                         "".join(sections)))
        for sid, src in sorted(expected.items()):
            r = self.sw("preview", "-c", conf, sid, "--json", timeout=120)
            got = [json.loads(line)["url"] for line in r.stdout.splitlines()]
            want = ["http://127.0.0.1:%d%s" % (port, it["link"]) for it in src["items"]]
            (good if r.returncode == 0 and got == want else bad).append(sid)
            if got != want:
                print("items = auto on %s: %d of %d expected items, %d others; %s" % (
                    sid, len(set(got) & set(want)), len(want), len(set(got) - set(want)),
                    r.stderr.strip().splitlines()[-1:] if r.stderr else ""))
        # the acceptance of issue 15: the expected items for at least 90 % of the list pages
        self.assertGreaterEqual(len(good) / len(expected), 0.9, "failed: %s" % bad)

    def test_realpages_xpaths_reject_nothing(self):
        """The operator's XPaths of expected.json keep every item: the checks do not
        reject a real ministry's list (relative links, query strings, one-item lists)."""
        root = swtest.shared_path("corpus", "realpages-dev")
        if root is None or not os.path.isdir(root):
            print("skipped: ../shared not found")
            return
        with open(os.path.join(root, "expected.json"), encoding="utf-8") as f:
            expected = json.load(f)["sources"]
        server, port = swtest.start_static_server(os.path.join(root, "site"))
        self.procs.append(server)
        sections = []
        for sid, src in sorted(expected.items()):
            keys = "".join("%s = %s\n" % (k, v) for k, v in src["xpaths"].items() if v)
            sections.append('[source "%s"]\nurl = http://127.0.0.1:%d%s\nallow_private = yes\n'
                            "kind = html\n%s" % (sid, port, src["list_url_path"], keys))
        conf = self.write("real.conf", "[daemon]\nstate_dir = %s\n%s" % (self.state,
                                                                         "".join(sections)))
        for sid, src in sorted(expected.items()):
            r = self.sw("preview", "-c", conf, sid, "--json", timeout=120)
            self.assertEqual(r.returncode, 0, r.stderr)
            got = [json.loads(line)["url"] for line in r.stdout.splitlines()]
            want = ["http://127.0.0.1:%d%s" % (port, it["link"]) for it in src["items"]]
            self.assertEqual(got, want, sid)
            self.assertNotIn("rejected", r.stderr, sid)


if __name__ == "__main__":
    swtest.main()
