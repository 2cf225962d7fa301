"""Terminal and log injection (issue 14, item 4): a page whose titles and
text carry ANSI escapes, C1 controls and bidi overrides. Every human-readable
output (preview, search, status, the log) shows them escaped; the --json
outputs keep the exact text."""
import base64
import json
import os
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import swtest

# ESC[2J (clear screen), ESC[1;31m (red), CSI as the C1 byte U+009B,
# a NEL (U+0085) and RIGHT-TO-LEFT OVERRIDE U+202E with a pop.
TITLE = "\x1b[2J\x1b[1;31mAlert\u009b0m done\u0085 \u202eexe.txt\u202c statement"
TEXT = ("The ministry \u202eregrets\u202c the \x1b]0;owned\x07 decision on maritime "
        "boundaries and calls for dialogue among all parties concerned. ") * 4

# Raw characters a terminal or log viewer would act on.
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f\u0080-\u009f\u061c\u200e\u200f"
                    "\u2028-\u202e\u2066-\u2069]")

CONF = """[daemon]
state_dir = {state}
first_poll = alert
[source "hostile"]
url = http://127.0.0.1:{port}/list.html
items = //ul/li
"""


class HostileTextTest(swtest.TestCase):
    def setUp(self):
        super().setUp()
        site = os.path.join(self.tmp, "site")
        os.makedirs(site)
        with open(os.path.join(site, "list.html"), "w", encoding="utf-8") as f:
            f.write('<html><head><meta charset="utf-8"></head><body><ul>'
                    '<li><a href="a.html">%s</a> <span>2026-11-20</span></li>'
                    '</ul></body></html>' % TITLE)
        with open(os.path.join(site, "a.html"), "w", encoding="utf-8") as f:
            f.write('<html><head><meta charset="utf-8"><title>%s</title></head><body>'
                    '<article><h1>%s</h1><p>%s</p><p>%s</p></article></body></html>'
                    % (TITLE, TITLE, TEXT, TEXT))
        self.article = os.path.join(site, "a.html")
        self.server, self.port = swtest.start_static_server(site)
        self.procs.append(self.server)
        self.conf = self.write("speechwatch.conf", CONF.format(
            state=os.path.join(self.tmp, "state"), port=self.port))

    def assertSafe(self, text, what):
        bad = UNSAFE.search(text)
        self.assertIsNone(bad, "%s shows %r raw:\n%r" % (what, bad and bad.group(), text))

    def test_preview_escapes_and_json_stays_exact(self):
        r = self.sw("preview", "-c", self.conf, "hostile")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertSafe(r.stdout, "preview")
        # (the extractor already drops C0 controls such as ESC; C1 and bidi get through)
        self.assertIn("Alert\\u{009B}0m", r.stdout)
        self.assertIn("\\u{202E}exe.txt\\u{202C}", r.stdout)
        r = self.sw("preview", "-c", self.conf, "hostile", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        items = [json.loads(line) for line in r.stdout.splitlines()]
        self.assertEqual(len(items), 1)
        self.assertIn("Alert\u009b0m", items[0]["title"])
        self.assertIn("\u202eexe.txt", items[0]["title"])

    def test_extract_escapes_and_json_stays_exact(self):
        r = self.sw("extract", self.article)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertSafe(r.stdout, "extract")
        self.assertIn("\\u{202E}regrets", r.stdout)
        r = self.sw("extract", self.article, "--json")
        self.assertIn("\u202eregrets", json.loads(r.stdout)["text"])

    def test_search_status_and_log_escape(self):
        r = self.sw("once", "-c", self.conf, env={"SPEECHWATCH_LOG": "debug"})
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertSafe(r.stderr, "the log")
        r = self.sw("search", "-c", self.conf, "maritime")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("1 statement", r.stdout)
        self.assertSafe(r.stdout, "search")
        self.assertIn("\\u{202E}exe.txt", r.stdout)
        r = self.sw("search", "-c", self.conf, "maritime", "--json")
        hits = [json.loads(line) for line in r.stdout.splitlines()]
        self.assertEqual(len(hits), 1)
        self.assertIn("\u202eexe.txt", hits[0]["title"])
        r = self.sw("status", "-c", self.conf)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertSafe(r.stdout, "status")


class HostileReceiver(BaseHTTPRequestHandler):
    """Answers every POST 400 with a body meant for the operator's terminal."""

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        data = ("\x1b[2J\u009b1;31mpwned \u202eexe.txt http://u:hunter2@h.example/").encode()
        self.send_response(400)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


class NotifyTestAnswerTest(swtest.TestCase):
    def test_the_receivers_answer_is_escaped(self):
        httpd = ThreadingHTTPServer(("127.0.0.1", 0), HostileReceiver)
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        self.addCleanup(httpd.server_close)
        self.addCleanup(httpd.shutdown)
        secret = self.write("hook.secret", "whsec_" + base64.b64encode(bytes(32)).decode() + "\n",
                            0o600)
        conf = self.write("sw.conf", '[daemon]\nstate_dir = %s/state\n[notify "hook"]\n'
                          "type = webhook\nurl = http://127.0.0.1:%d/hook\nsecret_file = %s\n"
                          % (self.tmp, httpd.server_address[1], secret))
        r = self.sw("notify-test", "-c", conf, "hook")
        self.assertIn("pwned", r.stdout + r.stderr)
        bad = UNSAFE.search(r.stdout + r.stderr)
        self.assertIsNone(bad, r.stdout + r.stderr)
        self.assertNotIn("hunter2", r.stdout + r.stderr)


if __name__ == "__main__":
    swtest.main()
