"""render = browser (issue 19, deliver 2): list pages whose items a script
writes after load, or after a setTimeout of one second, yield their items
through headless chromium and alert the new one after a change; without
render the same source finds none. render_articles = yes reads an article
whose text a script writes. A missing browser fails that source alone with
a clear error (check warns about it); a page whose script never ends is
killed at the daemon's timeout without delaying the other sources;
max_renders = 1 runs one browser at a time. Real `speechwatch once` runs
against an HTTP server on 127.0.0.1; events come from the stdout channel.
Skipped ("skipped: chromium not installed") without chromium, except the
missing-browser tests, which need none."""
import http.server
import json
import os
import re
import shutil
import threading
import time

import swtest

CHROMIUM = next((p for p in (shutil.which(n) for n in ("chromium", "chromium-browser",
                                                        "google-chrome")) if p), None)

WORDS = ("The minister said today that the government will publish the full report on "
         "public spending next month and answer every question raised by the committee. ")

# The items are written by a script: none is in the HTML the server sends.
AFTER_LOAD = """<html><head><title>News</title></head><body><h1>News</h1>
<ul id="news"></ul>
<script>
var items = %s;
window.addEventListener('load', function () {
  var ul = document.getElementById('news');
  items.forEach(function (n) {
    var li = document.createElement('li');
    li.innerHTML = '<a href="/articles/' + n + '.html">Statement number ' + n + ' of the minister</a>';
    ul.appendChild(li);
  });
});
</script></body></html>"""

AFTER_TIMER = """<html><head><title>Press</title></head><body><h1>Press</h1>
<div id="press"></div>
<script>
var items = %s;
setTimeout(function () {
  document.getElementById('press').innerHTML = items.map(function (n) {
    return '<p class="entry"><a href="/articles/' + n + '.html">Press release number ' + n
      + ' on the consultations</a></p>';
  }).join('');
}, 1000);
</script></body></html>"""

STATIC_LIST = """<html><body><ul id="static">%s</ul></body></html>"""

FOREVER = """<html><body><ul id="never"></ul><script>
for (;;) { }
</script></body></html>"""

ARTICLE = """<html><head><title>Statement %s</title></head><body><article>
<h1>Statement %s</h1><p>%s</p></article></body></html>"""

# The article's text exists only once a script ran.
SCRIPT_ARTICLE = """<html><head><title>Statement %s</title></head><body><article>
<h1>Statement %s</h1><div id="text"></div></article>
<script>
document.getElementById('text').innerHTML =
  '<p>' + 'Scripted statement text about the cyber consultations and the UN charter. '.repeat(12) + '</p>';
</script></body></html>"""


class Site:
    """An HTTP server in this process on 127.0.0.1: pages from a dict, an
    optional delay per path, and the time span of each request served."""

    def __init__(self):
        self.pages, self.delays, self.spans = {}, {}, []
        self.lock = threading.Lock()
        site = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                start = time.monotonic()
                path = self.path.split("?")[0]
                time.sleep(site.delays.get(path, 0))
                body = site.pages.get(path)
                if body is None:
                    self.send_error(404)
                else:
                    data, ctype = body if isinstance(body, tuple) else (
                        body.encode("utf-8"), "text/html; charset=utf-8")
                    self.send_response(200)
                    self.send_header("Content-Type", ctype)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                with site.lock:
                    site.spans.append((path, start, time.monotonic()))

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class RenderTest(swtest.TestCase):
    def setUp(self):
        super().setUp()
        self.site = Site()
        self.addCleanup(self.site.close)
        self.state = os.path.join(self.tmp, "state")
        self.profiles = os.path.join(self.tmp, "tmp")  # the browsers' profile directories
        os.makedirs(self.profiles)
        for n in range(1, 10):
            self.site.pages["/articles/%d.html" % n] = ARTICLE % (n, n, WORDS * 4 + str(n))

    def need_chromium(self):
        if CHROMIUM is None:
            self.skipTest("skipped: chromium not installed")

    def conf(self, sources, daemon=""):
        text = ("[daemon]\nstate_dir = %s\nallow_private = yes\nrecheck_days = 0\n"
                "fail_after = 1\n%s\n" % (self.state, daemon))
        for sid, path, keys in sources:
            text += ('[source "%s"]\nurl = http://127.0.0.1:%d%s\n%s\n'
                     % (sid, self.site.port, path, keys))
        return self.write("speechwatch.conf", text)

    def once(self, conf, ok=True):
        """One poll of every source: (events, stderr, seconds)."""
        start = time.monotonic()
        r = self.sw("once", "-c", conf, env={"TMPDIR": self.profiles}, timeout=90)
        took = time.monotonic() - start
        self.assertEqual(r.returncode, 0 if ok else 1, r.stderr)
        self.assertEqual(os.listdir(self.profiles), [], "a browser profile was left behind")
        events = [json.loads(l) for l in r.stdout.splitlines() if l.startswith("{")]
        return events, r.stderr, took

    def new_urls(self, events, sid):
        return sorted(e["item"]["url"].rsplit("/", 1)[1] for e in events
                      if e["type"] == "statement.new" and e["source"]["id"] == sid)

    def test_script_written_lists_yield_their_items_and_alert_the_new_one(self):
        self.need_chromium()
        self.site.pages["/news/"] = AFTER_LOAD % "[1, 2, 3]"
        self.site.pages["/press/"] = AFTER_TIMER % "[4, 5]"
        conf = self.conf([
            ("news", "/news/", "render = browser\nitems = //ul[@id='news']/li"),
            ("press", "/press/", "render = browser\nitems = auto"),
        ])
        events, err, _ = self.once(conf)
        self.assertEqual(events, [], err)  # the first poll records its items silently
        self.assertRegex(err, r"source=news poll=ok status=200 items=3 new=0")
        self.assertRegex(err, r"source=press poll=ok status=200 items=2 new=0")
        self.site.pages["/news/"] = AFTER_LOAD % "[9, 1, 2, 3]"
        self.site.pages["/press/"] = AFTER_TIMER % "[8, 4, 5]"
        events, err, _ = self.once(conf)
        self.assertEqual(self.new_urls(events, "news"), ["9.html"], err)
        self.assertEqual(self.new_urls(events, "press"), ["8.html"], err)
        titles = {e["item"]["title"]: e["item"]["words"] for e in events}
        self.assertGreater(titles.get("Statement number 9 of the minister", 0), 50, events)

    def test_a_windows_1251_page_is_read_from_the_utf8_dom(self):
        """The DOM comes back in UTF-8 while the page still says windows-1251
        in its <meta>: the titles must not be read twice over."""
        self.need_chromium()
        page = ('<html><head><meta charset="windows-1251"><title>Новости</title></head><body>'
                '<ul id="news"></ul><script>var t = "Заявление министра о консультациях";'
                'document.getElementById("news").innerHTML = '
                '\'<li><a href="/articles/1.html">\' + t + \'</a></li>\';</script></body></html>')
        self.site.pages["/ru/"] = (page.encode("cp1251"), "text/html")
        keys = "render = browser\nitems = //ul[@id='news']/li\nfirst_poll = alert"
        events, err, _ = self.once(self.conf([("ru", "/ru/", keys)]))
        self.assertEqual([e["item"]["title"] for e in events if e["type"] == "statement.new"],
                         ["Заявление министра о консультациях"], err)

    def test_without_render_the_same_source_finds_no_items(self):
        self.site.pages["/news/"] = AFTER_LOAD % "[1, 2, 3]"
        conf = self.conf([("news", "/news/", "items = //ul[@id='news']/li")])
        events, err, _ = self.once(conf, ok=False)
        self.assertNotRegex(err, r"source=news poll=ok")
        self.assertRegex(err, r"source=news poll=empty-list")
        self.assertEqual([e["type"] for e in events], ["source.failing"])

    def test_render_articles_reads_a_script_written_text(self):
        self.need_chromium()
        self.site.pages["/news/"] = AFTER_LOAD % "[7]"
        self.site.pages["/articles/7.html"] = SCRIPT_ARTICLE % (7, 7)
        keys = "render = browser\nitems = //ul[@id='news']/li\nfirst_poll = alert\n"
        events, err, _ = self.once(self.conf([("news", "/news/", keys + "render_articles = yes")]))
        new = [e for e in events if e["type"] == "statement.new"]
        self.assertEqual(len(new), 1, err)
        self.assertIn("Scripted statement text about the cyber consultations", new[0]["item"]["excerpt"])
        self.assertGreater(new[0]["item"]["words"], 100)
        # the same article fetched without a browser has no such text
        shutil.rmtree(self.state)
        events, err, _ = self.once(self.conf([("news", "/news/", keys)]))
        self.assertFalse(any("Scripted statement" in json.dumps(e) for e in events), events)

    def test_a_missing_browser_fails_that_source_alone(self):
        self.site.pages["/news/"] = AFTER_LOAD % "[1, 2]"
        self.site.pages["/static/"] = STATIC_LIST % '<li><a href="/articles/3.html">Statement three of the week</a></li>'
        conf = self.conf([
            ("js", "/news/", "render = browser\nitems = //ul[@id='news']/li"),
            ("plain", "/static/", "items = //ul[@id='static']/li\nfirst_poll = alert"),
        ], daemon="browser = /nonexistent/chromium")
        r = self.sw("check", "-c", conf)
        self.assertEqual(r.returncode, 0, r.stderr)  # a warning, not a refused config
        self.assertRegex(r.stderr, r"speechwatch.conf:\d+: warning: source 'js': render = browser "
                         r"but /nonexistent/chromium is not installed")
        self.assertNotIn("'plain'", r.stderr)
        r = self.sw("check", "--json", "-c", conf)
        warnings = json.loads(r.stdout)["warnings"]
        self.assertTrue(any("source 'js'" in w["message"] for w in warnings), warnings)
        events, err, _ = self.once(conf, ok=False)
        self.assertEqual(self.new_urls(events, "plain"), ["3.html"], err)
        failing = [e for e in events if e["type"] == "source.failing"]
        self.assertEqual([e["source"]["id"] for e in failing], ["js"])
        self.assertIn("/nonexistent/chromium is not installed", json.dumps(failing[0]))
        self.assertRegex(err, r"source=js poll=\S+ .*error=\"render = browser: the browser "
                         r"/nonexistent/chromium is not installed\"")

    def test_no_browser_in_path_is_named_chromium_not_installed(self):
        self.site.pages["/news/"] = AFTER_LOAD % "[1, 2]"
        conf = self.conf([("js", "/news/", "render = browser\nitems = //ul[@id='news']/li")])
        nopath = {"PATH": os.path.join(self.tmp, "empty")}
        r = self.sw("check", "-c", conf, env=nopath)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stderr, r"warning: source 'js': render = browser but chromium is not "
                         r"installed")
        r = self.sw("once", "-c", conf, env=dict(nopath, TMPDIR=self.profiles))
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertRegex(r.stderr, r'source=js poll=\S+ .*error="render = browser: chromium is '
                         r'not installed \(no chromium, chromium-browser or google-chrome in PATH\)"')

    def test_a_page_that_never_finishes_is_killed_at_the_timeout(self):
        self.need_chromium()
        self.site.pages["/never/"] = FOREVER
        self.site.pages["/static/"] = STATIC_LIST % '<li><a href="/articles/3.html">Statement three of the week</a></li>'
        conf = self.conf([
            ("never", "/never/", "render = browser\nitems = //li"),
            ("plain", "/static/", "items = //ul[@id='static']/li\nfirst_poll = alert"),
        ], daemon="timeout = 4")
        events, err, took = self.once(conf, ok=False)
        self.assertRegex(err, r'source=never poll=timeout .*error="render: browser killed after '
                         r'4 s \(the page never finished\)"')
        self.assertEqual(self.new_urls(events, "plain"), ["3.html"], err)
        plain = float(re.search(r"source=plain poll=ok .* time=([0-9.]+)s", err).group(1))
        self.assertLess(plain, 2.0, err)  # not held up by the browser
        self.assertLess(took, 4 + 8, err)  # the kill came at the deadline

    def render_spans(self, max_renders):
        shutil.rmtree(self.state, ignore_errors=True)
        self.site.spans.clear()
        for p in ("/a/", "/b/"):
            self.site.pages[p] = AFTER_LOAD % "[1, 2]"
            self.site.delays[p] = 2.5  # each list page takes 2.5 s to answer
        conf = self.conf([(s, "/%s/" % s, "render = browser\nitems = //ul[@id='news']/li")
                          for s in ("a", "b")], daemon="max_renders = %d" % max_renders)
        self.once(conf)
        spans = sorted((start, end) for path, start, end in self.site.spans
                       if path in ("/a/", "/b/"))
        self.assertEqual(len(spans), 2, self.site.spans)
        return spans

    def test_max_renders_serialises_the_browsers(self):
        self.need_chromium()
        (s1, e1), (s2, e2) = self.render_spans(1)
        self.assertGreaterEqual(s2, e1, "the second browser started before the first ended")
        (s1, e1), (s2, e2) = self.render_spans(2)
        self.assertLess(s2, e1, "with max_renders = 2 both browsers load at once")


if __name__ == "__main__":
    swtest.main()
