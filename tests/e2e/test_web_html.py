"""The HTML pages of the read side (issue 18) with real clients: the daemon
runs with `[http] listen` against the bundled demo site (switched to v2: a
new statement and an edited one) and against a small hostile site of the
test's own whose statement is titled <script>alert(1)</script>. curl fetches
/, /statement/ID, the style sheet and bad requests; Debian's chromium loads
the page as a phone would (tests/e2e/browser.py): no console error, the two
demo statements with their themes and the diff, the hostile title as text
and no script element in the DOM. The screenshot stays in the test's
temporary directory (its path is printed; kept when SW_KEEP is set)."""
import os
import re
import shutil
import subprocess
import time
import urllib.request

import browser
import swtest

HOSTILE = "<script>alert(1)</script>"

CONF = """[daemon]
state_dir    = {state}
recheck_days = 30

[http]
listen = 127.0.0.1:{http}

[source "demo-news"]
url      = http://127.0.0.1:{site}/news/index.html
items    = //ul[@class="news-list"]/li
date     = span[@class="date"]
interval = 10s

[source "hostile"]
url      = http://127.0.0.1:{evil}/news/index.html
items    = //ul[@class="news-list"]/li
date     = span[@class="date"]
interval = 10s

include = {themes}/diplomacy.conf
"""

LIST = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>News</title></head><body>
<ul class="news-list">
{items}</ul></body></html>
"""
ITEM = '<li><a href="{href}">{title}</a> <span class="date">{date}</span></li>\n'

ARTICLE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title></head><body>
<div class="article"><h1>{title}</h1><p class="date">{date}</p>
<div id="content">{body}</div></div></body></html>
"""
EVIL_BODY = """
<p>Our country is a long-time supporter of respecting cyber sovereignty in cyberspace.
We oppose any attempt to use &lt;img src=x onerror=alert(2)&gt; or other tricks
to interfere in the internal affairs of other countries through the internet.</p>
<p>Cyber sovereignty and internet sovereignty must be respected by every state. The
open-ended working group is the right place to discuss norms of responsible behaviour
of states in cyberspace, and we will take part in its work next year with our partners.</p>
"""
OCEAN_BODY = """
<p>The ministry welcomes the agreement on ocean cooperation signed today with our neighbours.
It covers fisheries, research vessels and the protection of coral reefs along the coast.</p>
"""


def curl(url, *extra):
    """(status, body) of a GET with curl."""
    r = subprocess.run(["curl", "-sS", "-o", "-", "-w", "\n%{http_code}", *extra, url],
                       capture_output=True, text=True, timeout=20)
    if r.returncode != 0:
        raise AssertionError("curl %s: %s" % (url, r.stderr))
    body, _, code = r.stdout.rpartition("\n")
    return int(code), body


class WebHtmlTest(swtest.TestCase):
    def hostile_site(self, with_statement):
        items = ITEM.format(href="2026/ocean.html", title="Statement on ocean cooperation",
                            date="2026-11-10")
        if with_statement:
            items = ITEM.format(href="2026/evil.html", title="&lt;script&gt;alert(1)&lt;/script&gt;",
                                date="2026-11-27") + items
            self.write("evil/news/2026/evil.html",
                       ARTICLE.format(title="&lt;script&gt;alert(1)&lt;/script&gt;",
                                      date="2026-11-27", body=EVIL_BODY))
        self.write("evil/news/2026/ocean.html",
                   ARTICLE.format(title="Statement on ocean cooperation", date="2026-11-10",
                                  body=OCEAN_BODY))
        self.write("evil/news/index.html", LIST.format(items=items))

    def start(self):
        site, self.site = swtest.start_server(
            "static_http.py", [os.path.join(swtest.FIXTURES, "site"),
                               "--port-file", os.path.join(self.tmp, "site.port")],
            os.path.join(self.tmp, "site.port"))
        self.procs.append(site)
        self.hostile_site(False)
        evil, evil_port = swtest.start_server(
            "static_http.py", [os.path.join(self.tmp, "evil"),
                               "--port-file", os.path.join(self.tmp, "evil.port")],
            os.path.join(self.tmp, "evil.port"))
        self.procs.append(evil)
        self.http = swtest.free_port()
        self.base = "http://127.0.0.1:%d" % self.http
        self.conf = self.write("speechwatch.conf", CONF.format(
            state=os.path.join(self.tmp, "state"), site=self.site, evil=evil_port,
            http=self.http, themes=os.path.join(swtest.ROOT, "config", "themes")))
        r = self.sw("once", "-c", self.conf)  # the baseline of both sites: no alerts
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        urllib.request.urlopen("http://127.0.0.1:%d/__root?dir=v2" % self.site, timeout=5).read()
        self.hostile_site(True)
        self.daemon = self.spawn([swtest.BIN, "run", "-c", self.conf],
                                 log=os.path.join(self.tmp, "daemon.log"))
        # new statements at the first poll, the edit at the re-check one interval later
        self.wait_for(lambda: len(re.findall(r"poll=ok .*new=1", self.daemon.output())) >= 2
                      and "statement.changed" in self.daemon.output(),
                      "both sources' new statements and the demo's edit")

    def wait_for(self, cond, what, timeout=40):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if cond():
                return
            time.sleep(0.2)
        self.fail("timed out waiting for %s:\n%s" % (what, self.daemon.output()))

    def statement_ids(self, page):
        return sorted(set(int(i) for i in re.findall(r'href="/statement/(\d+)"', page)))

    def test_pages_with_curl_and_a_real_browser(self):
        self.start()
        status, page = curl(self.base + "/")
        self.assertEqual(status, 200, page)
        self.assertIn("Statement on the review conference of the nuclear non-proliferation "
                      "treaty", page)
        self.assertIn("<del>", page)  # the edited statement's diff
        self.assertIn("<ins>", page)
        self.assertIn("&lt;script&gt;alert(1)&lt;/script&gt;", page)
        self.assertNotIn(HOSTILE, page)
        self.assertNotIn("<img src=x", page)
        self.check_statement_pages(page)
        self.check_filters_and_errors()
        if not browser.available():
            self.skipTest("skipped: chromium not installed")
        self.check_in_browser()

    def check_statement_pages(self, page):
        ids = self.statement_ids(page)
        self.assertGreaterEqual(len(ids), 5, page)
        edited = None
        for i in ids:
            status, one = curl("%s/statement/%d" % (self.base, i))
            self.assertEqual(status, 200, one)
            self.assertIn("SHA-256 of the text", one)
            self.assertNotIn(HOSTILE, one)
            if "Version 2" in one:
                edited = one
        self.assertIsNotNone(edited, "no statement with two versions")
        self.assertIn("<del>", edited)
        self.assertIn("Version 1", edited)
        self.assertRegex(edited, r"SHA-256 of the raw page</dt><dd>[0-9a-f]{64}<")
        status, missing = curl("%s/statement/%d" % (self.base, max(ids) + 1000))
        self.assertEqual(status, 404, missing)
        status, _ = curl(self.base + "/statement/abc")
        self.assertEqual(status, 404)

    def check_filters_and_errors(self):
        status, page = curl(self.base + "/?theme=cyber-sovereignty")
        self.assertEqual(status, 200, page)
        self.assertIn("&lt;script&gt;alert(1)&lt;/script&gt;", page)
        self.assertNotIn("nuclear non-proliferation treaty</a>", page)
        status, page = curl(self.base + "/?source=demo-news&q=non-proliferation")
        self.assertEqual(status, 200, page)
        self.assertIn("nuclear non-proliferation treaty", page)
        self.assertNotIn("alert(1)", page)
        for arg, value in (("theme", "nope"), ("source", "%3Cx%3E"), ("language", "e"),
                           ("before", "x"), ("q", "%22unbalanced")):
            status, page = curl("%s/?%s=%s" % (self.base, arg, value))
            self.assertEqual(status, 400, "%s=%s: %s" % (arg, value, page))
            self.assertIn("argument &#39;%s&#39;" % arg, page)
        status, page = curl(self.base + "/", "-D", "/dev/stdout")
        self.assertRegex(page, r"(?i)cache-control: no-cache")
        sheet = re.search(r'<link rel="stylesheet" href="(/static/style\.css\?v=[0-9a-f]{8})">',
                          page).group(1)
        status, css = curl(self.base + sheet, "-D", "/dev/stdout")
        self.assertEqual(status, 200, css)
        self.assertRegex(css, r"(?i)content-type: text/css")
        self.assertRegex(css, r"(?i)cache-control: public, max-age=31536000, immutable")
        self.assertIn("pre.diff", css)
        for path in ("/static/", "/static/style.css/x", "/static/../style.css"):
            status, _ = curl(self.base + path, "--path-as-is")
            self.assertEqual(status, 404, path)

    def check_in_browser(self):
        shot = os.path.join(self.tmp, "web_html.png")
        b = browser.Browser(os.path.join(self.tmp, "chromium.log"))
        try:
            b.open(self.base + "/")
            self.assertEqual(b.errors(), [])
            self.assertEqual(b.evaluate("document.documentElement.lang"), "en")
            titles = b.evaluate("[...document.querySelectorAll('article.st h2')]"
                                ".map(e => e.textContent)")
            self.assertIn(HOSTILE, titles)
            self.assertIn("Statement on the review conference of the nuclear "
                          "non-proliferation treaty", titles)
            self.assertIn("Remarks at the open-ended working group on ICT security", titles)
            self.assertEqual(b.evaluate("document.querySelectorAll('script').length"), 0)
            self.assertEqual(b.evaluate("document.querySelectorAll('img').length"), 0)
            shown = {a["title"]: a for a in b.evaluate(
                "[...document.querySelectorAll('article.st')].map(a => ({"
                "title: a.querySelector('h2').textContent,"
                "badges: [...a.querySelectorAll('.badge')].map(e => e.textContent),"
                "evidence: a.querySelectorAll('blockquote.evidence').length,"
                "del: [...a.querySelectorAll('pre.diff del')].map(e => e.textContent),"
                "ins: [...a.querySelectorAll('pre.diff ins')].map(e => e.textContent)}))")}
            new = shown["Statement on the review conference of the nuclear non-proliferation "
                        "treaty"]
            self.assertTrue(any(t.startswith("Arms control") for t in new["badges"]), new)
            self.assertGreater(new["evidence"], 0)
            self.assertEqual(new["del"] + new["ins"], [])  # new: nothing changed
            edited = shown["Remarks at the open-ended working group on ICT security"]
            self.assertTrue(any(t.startswith("Cyber norms") for t in edited["badges"]), edited)
            self.assertGreater(edited["evidence"], 0)
            self.assertTrue(any("permanent mechanism" in d for d in edited["del"]), edited)
            self.assertTrue(any("programme of action" in d for d in edited["ins"]), edited)
            hostile = shown[HOSTILE]
            self.assertTrue(any(t.startswith("Cyber sovereignty") for t in hostile["badges"]))
            # The style sheet applied (a badge is an inline-block) and the page fits a phone.
            self.assertEqual(b.evaluate("getComputedStyle(document.querySelector('.badge'))"
                                        ".display"), "inline-block")
            self.assertLessEqual(b.evaluate("document.documentElement.scrollWidth"), 390)
            self.assertIn(HOSTILE, b.dom().replace("&lt;", "<").replace("&gt;", ">"))
            b.screenshot(shot)
            hostile_page = b.evaluate("[...document.querySelectorAll('article.st')].find(a => "
                                      "a.querySelector('h2').textContent == %r)"
                                      ".querySelector('a[href^=\"/statement/\"]').href" % HOSTILE)
            b.open(hostile_page)
            self.assertEqual(b.errors(), [])
            self.assertEqual(b.evaluate("document.querySelector('h1').textContent"), HOSTILE)
            self.assertEqual(b.evaluate("document.title"), HOSTILE + " · speechwatch")
            self.assertEqual(b.evaluate("document.querySelectorAll('script, img').length"), 0)
            self.assertIn("<img src=x onerror=alert(2)>",
                          b.evaluate("document.querySelector('.text').textContent"))
            self.assertLessEqual(b.evaluate("document.documentElement.scrollWidth"), 390)
        finally:
            b.close()
        with open(shot, "rb") as f:
            self.assertEqual(f.read(8), b"\x89PNG\r\n\x1a\n")
        keep = os.environ.get("SW_KEEP")
        if keep:
            shutil.copy(shot, keep)
        print("screenshot: %s" % (keep or shot))


if __name__ == "__main__":
    swtest.main()
