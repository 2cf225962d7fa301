"""What a review of the daemon found, kept as tests: reloads and stops while
articles are in flight, failed articles not hidden by a 304, near-empty
articles not taken for each other, and a reload with a channel that cannot
open (the old configuration stays)."""
import base64
import json
import os
import signal
import sqlite3
import time
import urllib.request

import swtest

CONF = """[daemon]
state_dir = {state}
first_poll = {first}
[source "site"]
url = http://127.0.0.1:{port}/list
items = //ul[@class="news"]/li
interval = 10s
"""


class ResilienceTest(swtest.TestCase):
    def setUp(self):
        super().setUp()
        self.server, self.port = swtest.start_server("controlled_site.py", [])
        self.procs.append(self.server)
        self.state = os.path.join(self.tmp, "state")

    def steer(self, **state):
        req = urllib.request.Request("http://127.0.0.1:%d/state" % self.port,
                                     data=json.dumps(state).encode(), method="POST")
        urllib.request.urlopen(req, timeout=5).read()

    def conf(self, first="baseline", extra=""):
        return self.write("speechwatch.conf", CONF.format(
            state=self.state, port=self.port, first=first) + extra)

    def alerts(self, out):
        return [json.loads(l)["item"]["title"] for l in out.splitlines()
                if l.startswith("{") and '"statement.new"' in l]

    def wait_for(self, proc, text, timeout=20):
        deadline = time.time() + timeout
        while text not in proc.output() and time.time() < deadline:
            time.sleep(0.05)
        self.assertIn(text, proc.output())

    def test_reload_removing_a_source_while_its_article_is_fetched(self):
        conf = self.conf(first="alert")
        self.steer(items=[1], ms={"1": 3000})
        d = self.spawn([swtest.BIN, "run", "-c", conf])
        deadline = time.time() + 15
        while json.loads(urllib.request.urlopen(
                "http://127.0.0.1:%d/state" % self.port).read())["hits"].get("/art", 0) == 0:
            self.assertLess(time.time(), deadline)
            time.sleep(0.05)
        self.write("speechwatch.conf", CONF.format(state=self.state, port=self.port, first="alert")
                   .replace("interval = 10s", "interval = 10s\nenabled = no"))
        d.signal(signal.SIGHUP)
        self.wait_for(d, "reload: done")
        time.sleep(3.5)  # the article answers after the source is gone
        self.assertIsNone(d.p.poll(), d.output())
        d.signal(signal.SIGTERM)
        self.assertEqual(d.wait(15), 0, d.output())

    def test_failed_new_article_is_not_hidden_by_a_304(self):
        conf = self.conf()
        self.steer(items=[1])
        self.assertEqual(self.sw("once", "-c", conf).returncode, 0)  # baseline
        self.steer(items=[1, 2], fail=[2])
        r = self.sw("once", "-c", conf)
        self.assertEqual(self.alerts(r.stdout), [])
        self.steer(fail=[])
        r = self.sw("once", "-c", conf)  # the list did not change
        self.assertNotIn("poll=not-modified", r.stderr)
        self.assertEqual(self.alerts(r.stdout), ["Statement number 2"])

    def test_baseline_cut_short_by_a_stop_is_never_alerted(self):
        conf = self.conf()
        self.steer(items=[1, 2], ms={"2": 30000})
        d = self.spawn([swtest.BIN, "run", "-c", conf])
        self.wait_for(d, "started:")
        deadline = time.time() + 15
        while json.loads(urllib.request.urlopen(
                "http://127.0.0.1:%d/state" % self.port).read())["hits"].get("/art", 0) < 2:
            self.assertLess(time.time(), deadline)
            time.sleep(0.05)
        d.signal(signal.SIGTERM)
        self.assertEqual(d.wait(20), 0, d.output())
        self.steer(items=[1, 2, 3], ms={})
        r = self.sw("once", "-c", conf)
        self.assertEqual(self.alerts(r.stdout), ["Statement number 3"])

    def test_near_empty_articles_are_not_taken_for_each_other(self):
        conf = self.conf()
        self.steer(items=[1])
        self.sw("once", "-c", conf)
        self.steer(items=[1, 2, 3, 4], empty=[2, 3, 4])
        r = self.sw("once", "-c", conf)
        self.assertEqual(sorted(self.alerts(r.stdout)),
                         ["Statement number 2", "Statement number 3", "Statement number 4"])

    def test_a_steadily_smaller_list_is_believed_after_three_polls(self):
        conf = self.conf()
        self.steer(items=list(range(1, 9)))
        self.sw("once", "-c", conf)  # baseline of 8
        self.steer(items=[20, 21, 22])  # a redesign: 3 items, all new URLs
        for poll in (1, 2):
            r = self.sw("once", "-c", conf)
            self.assertIn("poll=suspect-list", r.stderr)
            self.assertEqual(self.alerts(r.stdout), [])
        r = self.sw("once", "-c", conf)
        self.assertIn("accepted as its new size, recorded without alerts", r.stderr)
        self.assertEqual(self.alerts(r.stdout), [])
        self.steer(items=[23, 20, 21, 22])
        r = self.sw("once", "-c", conf)
        self.assertEqual(self.alerts(r.stdout), ["Statement number 23"])

    def test_reload_with_a_channel_that_cannot_open_keeps_running(self):
        self.write("bad.secret", "whsec_!!\n", 0o600)
        conf = self.conf()
        d = self.spawn([swtest.BIN, "run", "-c", conf])
        self.wait_for(d, "poll=ok")
        self.write("speechwatch.conf", CONF.format(state=self.state, port=self.port, first="baseline")
                   + '[notify "hook"]\ntype = webhook\nurl = http://127.0.0.1:9/x\n'
                     "secret_file = bad.secret\n")
        d.signal(signal.SIGHUP)
        self.wait_for(d, "still running on the previous configuration")
        self.assertIn("speechwatch.conf:8: notify 'hook'", d.output())
        self.assertIsNone(d.p.poll())
        d.signal(signal.SIGTERM)
        self.assertEqual(d.wait(15), 0)

    def test_reload_lets_a_delivery_in_flight_finish_once(self):
        """A SIGHUP while a webhook is being answered: the attempt is not
        cancelled and sent again (it used to be: two POSTs of one event)."""
        secret = "whsec_" + base64.b64encode(os.urandom(24)).decode()
        self.write("hook.secret", secret + "\n", 0o600)
        recv, rport, rlog = swtest.start_webhook_receiver(self.tmp, secret)
        self.procs.append(recv)
        urllib.request.urlopen("http://127.0.0.1:%d/__mode?mode=slow&ms=3000" % rport).read()
        hook = ('[notify "hook"]\ntype = webhook\nurl = http://127.0.0.1:%d/hook\n'
                "secret_file = hook.secret\n" % rport)
        self.steer(items=[1])
        conf = self.conf(first="alert", extra=hook)
        d = self.spawn([swtest.BIN, "run", "-c", conf])

        def stats():
            with urllib.request.urlopen("http://127.0.0.1:%d/__stats" % rport) as r:
                return json.loads(r.read())
        deadline = time.time() + 20
        while stats()["requests"] == 0:
            self.assertLess(time.time(), deadline, d.output())
            time.sleep(0.05)
        d.signal(signal.SIGHUP)  # the same file: every channel is rebuilt
        self.wait_for(d, "reload: done")
        self.wait_for(d, "delivered attempt=1")
        time.sleep(1.0)  # a re-send, if any, would arrive now
        self.assertIn("finish on the previous channels", d.output())
        by_id = stats()["by_id"]
        self.assertEqual(len(by_id), 1, by_id)
        self.assertEqual(list(by_id.values()), [1], "one POST per event")
        db = sqlite3.connect(os.path.join(self.state, "speechwatch.db"))
        self.assertEqual(db.execute("SELECT state, attempts FROM events").fetchall(),
                         [("delivered", 1)])
        db.close()
        d.signal(signal.SIGTERM)
        self.assertEqual(d.wait(15), 0, d.output())


if __name__ == "__main__":
    swtest.main()
