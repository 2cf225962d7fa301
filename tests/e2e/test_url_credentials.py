"""Credentials written into a source's url (http://user:password@host/...,
issue 14 item 2) are used for the requests to that origin and appear
nowhere else: not in event payloads (source.url, item.url), log lines
(user:***@ at most), status --json, preview's output or the store."""
import base64
import glob
import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import swtest

USER, PASSWORD = "alice", "s3cret-pw"
ARTICLE = ("<p>The ministry announced a new agreement on maritime cooperation with "
           "its neighbours today, after talks that lasted several weeks.</p>") * 3


class AuthSite(BaseHTTPRequestHandler):
    """A list page and two articles behind basic auth; records who asked what."""
    seen = []
    extra = False  # a third statement on the list

    def do_GET(self):
        auth = self.headers.get("Authorization")
        AuthSite.seen.append((self.path, auth))
        want = "Basic " + base64.b64encode(("%s:%s" % (USER, PASSWORD)).encode()).decode()
        if auth != want:
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="x"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if self.path.startswith("/list"):
            body = ('<html><body><ul><li><a href="/a/1.html">Agreement one</a></li>'
                    '<li><a href="/a/2.html">Agreement two</a></li>%s</ul></body></html>'
                    % ('<li><a href="/a/3.html">Agreement three</a></li>'
                       if AuthSite.extra else ''))
        else:
            body = ("<html><head><title>Agreement</title></head><body><article>"
                    "<h1>Agreement</h1>%s</article></body></html>" % ARTICLE)
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


CONF = """[daemon]
state_dir = {state}
first_poll = alert
[source "private"]
url = http://{user}:{pw}@127.0.0.1:{port}/list.html
items = //ul/li
[notify "out"]
type = stdout
"""


class UrlCredentialsTest(swtest.TestCase):
    def setUp(self):
        super().setUp()
        AuthSite.seen = []
        AuthSite.extra = False
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), AuthSite)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.addCleanup(self.httpd.server_close)
        self.addCleanup(self.httpd.shutdown)
        self.state = os.path.join(self.tmp, "state")
        self.conf = self.write("speechwatch.conf", CONF.format(
            state=self.state, user=USER, pw=PASSWORD, port=self.httpd.server_address[1]),
            0o600)

    def assertNoPassword(self, text, what):
        self.assertNotIn(PASSWORD, text, "%s shows the password" % what)

    def test_items_stored_with_credentials_by_older_versions_stay_known(self):
        """Before issue 14 item URLs kept the source's userinfo: after an
        upgrade the same statements (same host and path, the norm_url) are
        recorded as already seen, not alerted again."""
        import sqlite3
        r = self.sw("once", "-c", self.conf)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.count('"statement.new"'), 2, r.stdout)
        db = sqlite3.connect(os.path.join(self.state, "speechwatch.db"))
        db.execute("UPDATE items SET url = replace(url, 'http://', 'http://%s:%s@'), "
                   "norm_url = replace(norm_url, 'http://', 'http://%s:%s@')"
                   % (USER, PASSWORD, USER, PASSWORD))
        db.commit()
        self.assertEqual(db.execute("SELECT count(*) FROM items WHERE url LIKE '%%@%%'")
                         .fetchone()[0], 2)
        db.close()
        AuthSite.extra = True  # the list changes, so its items are looked up again
        r = self.sw("once", "-c", self.conf)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.count('"statement.new"'), 1, r.stdout)  # only the third
        self.assertIn("/a/3.html", r.stdout)

    def test_credentials_only_in_the_requests(self):
        r = self.sw("once", "-c", self.conf, env={"SPEECHWATCH_LOG": "debug"})
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNoPassword(r.stderr, "the log")
        self.assertIn("%s:***@127.0.0.1" % USER, r.stderr)
        # the articles were fetched with the source's credentials (same origin)
        paths = [p for p, auth in AuthSite.seen if auth]
        self.assertIn("/a/1.html", paths)
        self.assertIn("/a/2.html", paths)
        events = [json.loads(line) for line in r.stdout.splitlines() if line.startswith("{")]
        self.assertEqual(sorted(e["item"]["title"] for e in events),
                         ["Agreement one", "Agreement two"], r.stdout)
        self.assertNoPassword(r.stdout, "the events")
        self.assertNotIn(USER + "@", r.stdout)
        port = self.httpd.server_address[1]
        for e in events:
            self.assertEqual(e["source"]["url"], "http://127.0.0.1:%d/list.html" % port)
            self.assertRegex(e["item"]["url"], r"^http://127\.0\.0\.1:\d+/a/[12]\.html$")
        r = self.sw("status", "-c", self.conf, "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNoPassword(r.stdout, "status --json")
        self.assertEqual(json.loads(r.stdout)["sources"][0]["url"],
                         "http://127.0.0.1:%d/list.html" % port)
        for path in glob.glob(os.path.join(self.state, "*")):
            with open(path, "rb") as f:
                data = f.read()
            self.assertNotIn(PASSWORD.encode(), data, path)
            self.assertNotIn((USER + "@").encode(), data, path)

    def test_password_file(self):
        """The password in a private file, the user in the url: the same requests."""
        pw = self.write("private.pass", PASSWORD + "\n", 0o600)
        conf = self.write("pw.conf", CONF.format(
            state=self.state, user=USER, pw="", port=self.httpd.server_address[1])
            .replace(":@", "@").replace("items = //ul/li\n",
                                          "items = //ul/li\npassword_file = %s\n" % pw), 0o600)
        r = self.sw("once", "-c", conf, env={"SPEECHWATCH_LOG": "debug"})
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNoPassword(r.stdout + r.stderr, "a password_file run")
        self.assertEqual(len([p for p, auth in AuthSite.seen if auth and p.startswith("/a/")]), 2)
        self.assertEqual(r.stdout.count('"type":"statement.new"'), 2, r.stdout)

    def test_preview_shows_no_credentials(self):
        r = self.sw("preview", "-c", self.conf, "private")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNoPassword(r.stdout + r.stderr, "preview")
        self.assertIn("/a/1.html", r.stdout)
        self.httpd.shutdown()
        self.httpd.server_close()  # connection refused: an error quoting the URL
        r = self.sw("preview", "-c", self.conf, "private", timeout=60)
        self.assertNotEqual(r.returncode, 0)
        self.assertNoPassword(r.stdout + r.stderr, "preview's error")


if __name__ == "__main__":
    swtest.main()
