"""`speechwatch events` (issue 17, item 3): the outbox as the operator sees
it, and a second chance for dead events.

A real webhook receiver on 127.0.0.1 first refuses (400: the events are
dead-lettered at once), `events list --state dead` shows them, the receiver
is fixed, `events redeliver --dead` queues them again and they are delivered
with the same event ids: by the next `once`, and by a running daemon
without a restart (it is told with SIGUSR1). A 410 Gone disables the
channel; `events enable-channel` enables it again in the running daemon.
list and show need no secret file."""
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
[notify "hook"]
type = webhook
url = http://127.0.0.1:{recv}/hook
secret_file = {secret}
"""
NEVENTS = 3


def wait_for(pred, timeout=30, step=0.1):
    deadline = time.time() + timeout
    while time.time() < deadline:
        got = pred()
        if got:
            return got
        time.sleep(step)
    return pred()


class EventsTest(swtest.TestCase):
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
        self.conf = self.write("speechwatch.conf", CONF.format(
            state=self.state, site=self.site_port, recv=self.recv_port, secret=self.secret))

    def mode(self, mode):
        urllib.request.urlopen("http://127.0.0.1:%d/__mode?mode=%s" % (self.recv_port, mode),
                               timeout=5).read()

    def events(self, *args):
        r = self.sw("events", "-c", self.conf, *args)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        return r

    def listed(self, *args):
        return json.loads(self.events("list", "--json", *args).stdout)

    def received(self):
        return [(g["webhook_id"], g["status_returned"], g["body"]["id"])
                for g in swtest.read_jsonl(self.recv_log)]

    def dead_then_fixed(self):
        """Polls once against a receiver answering 400; returns the dead events' ids."""
        self.mode("bad")
        self.sw("once", "-c", self.conf)
        dead = self.listed("--state", "dead")
        self.assertEqual(len(dead), NEVENTS, dead)
        self.assertTrue(all(e["last_error"] and "400" in e["last_error"] for e in dead), dead)
        text = self.events("list", "--state", "dead").stdout
        for e in dead:
            self.assertIn(e["id"], text)
            self.assertIn("dead", text)
        self.assertEqual(sorted(i for i, s, _ in self.received()),
                         sorted(e["id"] for e in dead))
        self.mode("ok")
        return sorted(e["id"] for e in dead)

    def assert_delivered_again(self, ids):
        delivered = self.listed("--state", "delivered")
        self.assertEqual(sorted(e["id"] for e in delivered), ids)
        self.assertTrue(all(e["attempts"] == 2 for e in delivered), delivered)
        got = self.received()
        ok = sorted(i for i, s, _ in got if s == 200)
        self.assertEqual(ok, ids, "the receiver got each event again under its own id")
        self.assertTrue(all(i == body_id for i, _, body_id in got), got)

    def test_dead_events_listed_shown_and_redelivered_by_the_next_once(self):
        ids = self.dead_then_fixed()
        # list and show are read-only: no secret file needed
        os.rename(self.secret, self.secret + ".away")
        shown = json.loads(self.events("show", ids[0], "--json").stdout)
        text = self.events("show", ids[0]).stdout
        os.rename(self.secret + ".away", self.secret)
        self.assertEqual(shown["state"], "dead")
        self.assertEqual(shown["attempts"], 1)
        self.assertEqual(shown["event"]["id"], ids[0])
        self.assertEqual(shown["event"]["type"], "statement.new")
        self.assertIn("400", shown["last_error"])
        self.assertIn('"id": "%s"' % ids[0], text)
        self.assertIn("attempts:     1", text)

        r = self.events("redeliver", "--dead")
        self.assertIn("%d event(s) queued again" % NEVENTS, r.stdout)
        self.assertIn("no daemon is running", r.stdout)
        for i in ids:
            self.assertIn("event=%s channel=hook redelivery requested (dead -> queued)" % i,
                          r.stderr)
        self.assertEqual(len(self.listed("--state", "queued")), NEVENTS)
        self.sw("once", "-c", self.conf)
        self.assert_delivered_again(ids)

    def test_a_running_daemon_delivers_redelivered_events_without_restart(self):
        ids = self.dead_then_fixed()
        daemon = self.spawn([swtest.BIN, "run", "-c", self.conf])
        self.assertTrue(wait_for(lambda: "started:" in daemon.output()), daemon.output())
        time.sleep(0.5)  # it looked at the outbox: nothing due
        r = self.events("redeliver", "--dead")
        self.assertIn("the running daemon was told", r.stdout)
        self.assertTrue(wait_for(lambda: len(self.listed("--state", "delivered")) == NEVENTS),
                        daemon.output()[-3000:])
        self.assertIsNone(daemon.p.poll(), "the daemon still runs")
        self.assertIn("SIGUSR1", daemon.output())
        self.assert_delivered_again(ids)
        daemon.signal(signal.SIGTERM)
        self.assertEqual(daemon.wait(20), 0)

    def test_given_ids_only_and_an_unknown_id_changes_nothing(self):
        ids = self.dead_then_fixed()
        r = self.sw("events", "-c", self.conf, "redeliver", ids[0], "evt_nosuchevent")
        self.assertEqual(r.returncode, 1)
        self.assertIn("no event 'evt_nosuchevent'", r.stderr)
        self.assertEqual(len(self.listed("--state", "dead")), NEVENTS)
        self.events("redeliver", ids[0])
        self.assertEqual([e["id"] for e in self.listed("--state", "queued")], [ids[0]])
        self.sw("once", "-c", self.conf)
        self.assertEqual([e["id"] for e in self.listed("--state", "delivered")], [ids[0]])
        self.assertEqual(len(self.listed("--state", "dead", "--channel", "hook")), NEVENTS - 1)
        self.assertEqual(len(self.listed("--limit", "1")), 1)
        self.assertEqual(self.listed("--since", "1d", "--state", "dead")[0]["state"], "dead")
        self.assertEqual(self.listed("--since", "2999-01-01"), [])
        bad = self.sw("events", "-c", self.conf, "list", "--state", "lost")
        self.assertEqual(bad.returncode, 2)

    def test_410_disables_then_enable_channel_delivers_in_the_running_daemon(self):
        self.mode("gone")
        daemon = self.spawn([swtest.BIN, "run", "-c", self.conf])
        self.assertTrue(wait_for(lambda: "DISABLED" in daemon.output()), daemon.output())
        pending = wait_for(lambda: [e for e in self.listed("--state", "retrying")
                                    if "410" in (e["last_error"] or "")])
        self.assertTrue(pending, self.listed())
        self.mode("ok")
        time.sleep(0.5)
        self.assertEqual(self.listed("--state", "delivered"), [], "disabled until told")
        r = self.events("enable-channel", "hook")
        self.assertIn("the running daemon was told", r.stdout)
        self.assertTrue(wait_for(lambda: len(self.listed("--state", "delivered")) == NEVENTS),
                        daemon.output()[-3000:])
        self.assertIn("channel=hook enabled again by the operator", daemon.output())
        got = self.received()
        self.assertEqual(sorted({i for i, s, _ in got if s == 200}),
                         sorted(e["id"] for e in self.listed("--state", "delivered")))
        self.assertIn(410, [s for _, s, _ in got])
        daemon.signal(signal.SIGTERM)
        self.assertEqual(daemon.wait(20), 0)


if __name__ == "__main__":
    swtest.main()
