"""The outbox on the store thread (issue 20): with SPEECHWATCH_STORE_THREAD=1
the daemon binds its SQLite store to the store thread while the loop runs,
as it does a PostgreSQL store, and any use of the store from the loop
aborts. Events left dead by a first `once` (receiver answering 400) are
redelivered by the operator; a second `once`, threaded and with the source
disabled (the poll pipeline is not this test's), delivers every one of them
under its own id and records the outcomes, then reports success. A
threaded `run` does the same when told (SIGUSR1), goes on across a reload
(SIGHUP: the outbox is retired and replaced) and stops cleanly."""
import base64
import json
import os
import signal
import time
import urllib.request

import swtest

CONF = """[daemon]
state_dir = {state}
first_poll = alert
[source "site"]
url = http://127.0.0.1:{site}/list
items = //ul[@class="news"]/li
interval = 1h
{enabled}
[notify "hook"]
type = webhook
url = http://127.0.0.1:{recv}/hook
secret_file = {secret}
"""
NEVENTS = 4


def wait_for(pred, timeout=30, step=0.1):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if pred():
            return True
        time.sleep(step)
    return pred()


class OutboxThreadTest(swtest.TestCase):
    def setUp(self):
        super().setUp()
        site, self.site_port = swtest.start_server("controlled_site.py", [])
        self.procs.append(site)
        req = urllib.request.Request(
            "http://127.0.0.1:%d/state" % self.site_port, method="POST",
            data=json.dumps({"items": list(range(1, NEVENTS + 1))}).encode())
        urllib.request.urlopen(req, timeout=5).read()
        secret = "whsec_" + base64.b64encode(os.urandom(24)).decode()
        self.secret = self.write("hook.secret", secret + "\n", 0o600)
        recv, self.recv_port, self.recv_log = swtest.start_webhook_receiver(self.tmp, secret)
        self.procs.append(recv)
        self.state = os.path.join(self.tmp, "state")

    def conf(self, enabled):
        return self.write("speechwatch.conf", CONF.format(
            state=self.state, site=self.site_port, recv=self.recv_port, secret=self.secret,
            enabled="" if enabled else "enabled = no"))

    def mode(self, mode):
        urllib.request.urlopen("http://127.0.0.1:%d/__mode?mode=%s" % (self.recv_port, mode),
                               timeout=5).read()

    def listed(self, conf, *args):
        r = self.sw("events", "-c", conf, "list", "--json", *args)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        return json.loads(r.stdout)

    def dead_then_fixed(self):
        """A first once leaves NEVENTS dead events; returns their ids and the config
        that no longer polls."""
        conf = self.conf(True)
        self.mode("bad")
        self.sw("once", "-c", conf)
        dead = sorted(e["id"] for e in self.listed(conf, "--state", "dead"))
        self.assertEqual(len(dead), NEVENTS)
        self.mode("ok")
        return dead, self.conf(False)

    def redeliver(self, conf):
        r = self.sw("events", "-c", conf, "redeliver", "--dead")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        return r.stdout

    def test_a_threaded_run_delivers_when_told_reloads_and_stops(self):
        dead, conf = self.dead_then_fixed()
        daemon = self.spawn([swtest.BIN, "run", "-c", conf],
                            env={"SPEECHWATCH_STORE_THREAD": "1"})
        self.assertTrue(wait_for(lambda: "started:" in daemon.output()), daemon.output())
        time.sleep(0.5)
        daemon.signal(signal.SIGHUP)
        self.assertTrue(wait_for(lambda: "reload" in daemon.output()), daemon.output())
        self.assertIn("the running daemon was told", self.redeliver(conf))
        self.assertTrue(wait_for(
            lambda: len(self.listed(conf, "--state", "delivered")) == NEVENTS),
            daemon.output()[-3000:])
        daemon.signal(signal.SIGTERM)
        self.assertEqual(daemon.wait(20), 0, daemon.output()[-3000:])
        self.assertNotIn("outside the store thread", daemon.output())
        got = [(g["webhook_id"], g["status_returned"]) for g in swtest.read_jsonl(self.recv_log)]
        self.assertEqual(sorted(i for i, s in got if s == 200), dead)

    def test_a_threaded_once_delivers_and_records_every_pending_event(self):
        dead, conf = self.dead_then_fixed()
        self.redeliver(conf)
        r = self.sw("once", "-c", conf, env={"SPEECHWATCH_STORE_THREAD": "1"}, timeout=60)
        out = r.stdout + r.stderr
        self.assertNotIn("outside the store thread", out)
        self.assertEqual(r.returncode, 0, out)
        delivered = self.listed(conf, "--state", "delivered")
        self.assertEqual(sorted(e["id"] for e in delivered), dead)
        self.assertTrue(all(e["attempts"] == 2 for e in delivered), delivered)
        got = [(g["webhook_id"], g["status_returned"]) for g in swtest.read_jsonl(self.recv_log)]
        self.assertEqual(sorted(i for i, s in got if s == 200), dead)


if __name__ == "__main__":
    swtest.main()
