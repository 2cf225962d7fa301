"""The read side's data with real clients (issue 18): the real daemon in run
mode against the bundled demo site (tests/fixtures/site), the stdout channel
and the shipped theme pack, with [http] listen on a free port. The first poll
records the site (no themes: nothing is scored); the site's next version
publishes one statement (scored, alerted) and edits another (a second
version and its diff). Shared by test_web_api.py and test_web_feeds.py."""
import json
import os
import re
import shutil
import signal
import subprocess
import time

import swtest

CURL = shutil.which("curl")

CONF = """[daemon]
state_dir    = {tmp}/state
recheck_days = 30

[source "demo-news"]
url      = http://user:s3cret@127.0.0.1:{site}/news/index.html
items    = //ul[@class="news-list"]/li
date     = span[@class="date"]
interval = 10s

include = {themes}/*.conf

[http]
listen = 127.0.0.1:{port}
"""


def curl(url, *args):
    """(status, headers, body bytes) of one GET by curl."""
    r = subprocess.run([CURL, "-s", "-S", "-i", "--max-time", "20"] + list(args) + [url],
                       capture_output=True, timeout=30)
    head, _, body = r.stdout.partition(b"\r\n\r\n")
    m = re.match(rb"HTTP/1\.1 (\d+)", head)
    return (int(m.group(1)) if m else 0), head.decode("latin-1"), body


class DemoWeb(swtest.TestCase):
    def start_site(self):
        site, self.site = swtest.start_static_server(os.path.join(swtest.FIXTURES, "site"))
        self.procs.append(site)
        self.port = swtest.free_port()
        self.base = "http://127.0.0.1:%d" % self.port
        self.conf = self.write("speechwatch.conf", CONF.format(
            tmp=self.tmp, site=self.site, port=self.port,
            themes=os.path.join(swtest.ROOT, "config", "themes")))

    def start_daemon(self):
        self.daemon = self.spawn([swtest.BIN, "run", "-c", self.conf])
        self.wait_for(lambda: "http: listening on" in self.daemon.output(), "the listener")

    def stop_daemon(self):
        self.daemon.signal(signal.SIGTERM)
        self.daemon.wait(20)

    def wait_for(self, cond, what, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if cond():
                return
            self.assertIsNone(self.daemon.p.poll(), self.daemon.output())
            time.sleep(0.2)
        self.fail("no %s in time; the log:\n%s" % (what, self.daemon.output()))

    def get(self, path, *args):
        return curl(self.base + path, *args)

    def get_json(self, path):
        status, head, body = self.get(path)
        self.assertEqual(status, 200, head + body.decode("utf-8", "replace"))
        self.assertIn("Content-Type: application/json", head)
        return json.loads(body)

    def statements(self):
        return self.get_json("/api/v1/statements")["statements"]

    def run_demo(self):
        """The baseline, then the site's next version: a new and an edited statement."""
        self.start_site()
        self.start_daemon()
        self.wait_for(lambda: "source=demo-news poll=ok" in self.daemon.output(), "first poll")
        self.wait_for(lambda: len(self.statements()) > 0, "statements")
        curl("http://127.0.0.1:%d/__root?dir=v2" % self.site)
        self.wait_for(lambda: any(s["edited"] for s in self.statements()) and
                      any(s["themes"] for s in self.statements() if not s["edited"]),
                      "the new and the edited statement")

    def events(self):
        """The statement events the stdout channel printed (JSON lines in the output)."""
        out = []
        for line in self.daemon.output().splitlines():
            if line.startswith("{"):
                e = json.loads(line)
                if e["type"].startswith("statement."):
                    out.append(e)
        return out
