"""The newcomer's journey of issue 17 as one test: the README's demo, then a
source written as the README's minimal configuration shows it (against the
bundled offline site on 127.0.0.1, with the shipped theme pack), checked and
previewed; a webhook that refuses (400: every event dead at once) makes
`once` and `status` fail and say why; the operator fixes the receiver,
`events redeliver --dead` queues the events again and the next `once`
delivers them under their own ids, and everything is healthy again."""
import base64
import json
import os
import re
import socket
import subprocess
import urllib.request

import swtest

CONF = """[daemon]
state_dir = {state}
recheck_days = 30                          ; notice edits to recent statements

[source "mfa-en-speeches"]
url      = http://127.0.0.1:{site}/news/index.html
items    = //ul[@class="news-list"]/li     ; XPath to each item
date     = span[@class="date"]             ; optional, relative to the item
interval = 10m

include = {themes}/*.conf

[notify "analysts"]
type = webhook
url = http://127.0.0.1:{recv}/hooks/speechwatch
secret_file = {secret}
"""


class JourneyTest(swtest.TestCase):
    def get(self, port, path):
        with urllib.request.urlopen("http://127.0.0.1:%d%s" % (port, path), timeout=5) as r:
            return r.read()

    def test_demo_runs_and_prints_its_alerts(self):
        env = dict(os.environ, SPEECHWATCH_BIN=swtest.BIN)
        r = subprocess.run(["bash", os.path.join(swtest.ROOT, "tests", "demo", "run")],
                           capture_output=True, text=True, timeout=120, env=env,
                           stdin=subprocess.DEVNULL)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("statement.new", r.stdout)
        self.assertIn("statement.changed", r.stdout)
        self.assertIn("theme ", r.stdout)
        # it ends with the page's URL (issue 18), served while it ran, and nothing is left
        self.assertIn("/healthz: ok", r.stdout)
        last = r.stdout.strip().splitlines()[-1]
        m = re.match(r"open (http://127\.0\.0\.1:(\d+)/)", last)
        self.assertTrue(m, last)
        with socket.socket() as s:
            self.assertNotEqual(s.connect_ex(("127.0.0.1", int(m.group(2)))), 0,
                                "the demo left its daemon listening")

    def start(self):
        site, self.site = swtest.start_server(
            "static_http.py", [os.path.join(swtest.ROOT, "tests", "fixtures", "site"),
                               "--port-file", os.path.join(self.tmp, "site.port")],
            os.path.join(self.tmp, "site.port"))
        self.procs.append(site)
        secret = "whsec_" + base64.b64encode(os.urandom(24)).decode()
        secret_file = self.write("webhook.secret", secret + "\n", 0o600)
        recv, self.recv, self.recv_log = swtest.start_webhook_receiver(self.tmp, secret)
        self.procs.append(recv)
        self.conf = self.write("speechwatch.conf", CONF.format(
            state=os.path.join(self.tmp, "state"), site=self.site, recv=self.recv,
            secret=secret_file, themes=os.path.join(swtest.ROOT, "config", "themes")))

    def run_ok(self, *args):
        r = self.sw(*args)
        self.assertEqual(r.returncode, 0, " ".join(args) + ":\n" + r.stdout + r.stderr)
        return r

    def dead_ids(self):
        r = self.run_ok("events", "list", "--json", "--state", "dead", "-c", self.conf)
        return sorted(e["id"] for e in json.loads(r.stdout))

    def test_broken_webhook_fixed_and_redelivered(self):
        self.start()
        self.run_ok("check", "-c", self.conf)
        preview = self.run_ok("preview", "mfa-en-speeches", "-c", self.conf)
        self.assertIn("/news/2026/", preview.stdout)
        self.run_ok("once", "-c", self.conf)  # the first poll: the baseline, no alerts

        self.get(self.site, "/__root?dir=v2")  # the ministry publishes and edits
        self.get(self.recv, "/__mode?mode=bad")  # the receiver refuses: 400
        r = self.sw("once", "-c", self.conf)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("channel=analysts dead=", r.stderr)
        status = self.sw("status", "-c", self.conf)
        self.assertEqual(status.returncode, 1, status.stdout + status.stderr)
        dead = self.dead_ids()
        self.assertGreaterEqual(len(dead), 2, "the new and the edited statement")

        self.get(self.recv, "/__mode?mode=ok")  # the operator fixes the receiver
        self.run_ok("events", "redeliver", "--dead", "-c", self.conf)
        self.run_ok("once", "-c", self.conf)
        self.assertEqual(self.dead_ids(), [])
        got = [g for g in swtest.read_jsonl(self.recv_log) if g["status_returned"] == 200]
        self.assertEqual(sorted(g["webhook_id"] for g in got), dead)
        self.assertTrue(all(g["signature_ok"] for g in got), got)
        types = sorted(g["body"]["type"] for g in got)
        self.assertIn("statement.new", types)
        self.assertIn("statement.changed", types)
        self.run_ok("status", "-c", self.conf)


if __name__ == "__main__":
    swtest.main()
