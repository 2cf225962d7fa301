"""Deliveries wait in speechwatch's own queue, not inside libcurl (issue 14
item 12): a delivery's timeout starts when its transfer starts.

300 events fall due at once (one source, first_poll = alert, 100 new items
-- the most one poll alerts -- times three webhook channels) for one receiver that takes 3 s to answer each request. The receiver
answers concurrently and the daemon may open 30 connections to it, so the
run lasts about 300 / 30 * 3 s = 30 s, while the channel's timeout is 5 s:
the last deliveries wait some 27 s for a connection. If that wait counted
against their timeout (as it did while every request went into libcurl at
once, "Connection timed out after 0 milliseconds"), most of them would fail.

Checked: every event delivered at its first attempt, no failed attempt in
the log, each webhook-id received exactly once and every request signed.
Outcomes only, no timing assertions.
"""
import base64
import json
import os
import sqlite3
import urllib.request

import swtest

NSTATEMENTS = 100
NCHANNELS = 3
NEVENTS = NSTATEMENTS * NCHANNELS
DELAY_MS = 3000
PER_HOST = 30
TIMEOUT_S = 5  # far below the run's length (NEVENTS / PER_HOST * DELAY_MS)

CONF = """[daemon]
state_dir = {state}
first_poll = alert
max_connections = {per_host}
max_per_host = {per_host}
[source "site"]
url = http://127.0.0.1:{site}/list
items = //ul[@class="news"]/li
"""
HOOK = """[notify "hook{n}"]
type = webhook
url = http://127.0.0.1:{recv}/hook{n}
secret_file = hook.secret
timeout = {timeout}s
retry_for = 1h
"""


class DeliveryQueueTest(swtest.TestCase):
    def test_300_due_events_slow_receiver_no_failed_attempt(self):
        self.assertGreater(NEVENTS / PER_HOST * DELAY_MS / 1000.0, 4 * TIMEOUT_S)
        site, sport = swtest.start_server("controlled_site.py", [])
        self.procs.append(site)
        req = urllib.request.Request(
            "http://127.0.0.1:%d/state" % sport, method="POST",
            data=json.dumps({"items": list(range(1, NSTATEMENTS + 1))}).encode())
        urllib.request.urlopen(req, timeout=5).read()
        secret = "whsec_" + base64.b64encode(os.urandom(24)).decode()
        self.write("hook.secret", secret + "\n", 0o600)
        recv, rport, rlog = swtest.start_webhook_receiver(self.tmp, secret)
        self.procs.append(recv)
        urllib.request.urlopen("http://127.0.0.1:%d/__mode?mode=slow&ms=%d"
                               % (rport, DELAY_MS), timeout=5).read()
        state = os.path.join(self.tmp, "state")
        conf = self.write("speechwatch.conf", CONF.format(
            state=state, site=sport, per_host=PER_HOST) + "".join(
                HOOK.format(n=n, recv=rport, timeout=TIMEOUT_S) for n in range(NCHANNELS)))

        r = self.sw("once", "-c", conf, timeout=240)
        self.assertEqual(r.returncode, 0, r.stderr[-3000:])
        failed = [l for l in r.stderr.splitlines()
                  if "failed" in l or "dead-lettered" in l or "timed out" in l]
        self.assertEqual(failed[:5], [], "%d failure line(s)" % len(failed))
        delivered = [l for l in r.stderr.splitlines() if "delivered attempt=1 " in l]
        self.assertEqual(len(delivered), NEVENTS,
                         "\n".join(l for l in r.stderr.splitlines() if "event=" not in l)[-3000:])

        db = sqlite3.connect(os.path.join(state, "speechwatch.db"))
        rows = db.execute("SELECT state, attempts, COUNT(*) FROM events "
                          "WHERE channel LIKE 'hook%' GROUP BY state, attempts").fetchall()
        db.close()
        self.assertEqual(rows, [("delivered", 1, NEVENTS)])

        got = swtest.read_jsonl(rlog)
        ids = [g["webhook_id"] for g in got]
        self.assertEqual(len(ids), NEVENTS)
        self.assertEqual(len(set(ids)), NEVENTS, "an event was sent twice")
        self.assertTrue(all(g["signature_ok"] for g in got))
        with urllib.request.urlopen("http://127.0.0.1:%d/__stats" % rport, timeout=5) as s:
            stats = json.loads(s.read())
        print("delivery queue: %d events delivered at attempt 1; receiver stats %s"
              % (len(delivered), {k: v for k, v in stats.items() if k != "by_id"}))


if __name__ == "__main__":
    swtest.main()
