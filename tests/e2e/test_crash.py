"""Issues 4 and 14 crash test: `speechwatch run` killed with SIGKILL at
random moments while it polls v2 of the fixture site and delivers the alerts
to a slow receiver that intermittently fails, then restarted, many times; at
the end every expected alert has arrived at least once, a statement delivered
twice carries the same webhook-id both times, nothing else was alerted, and
the store passes PRAGMA integrity_check.

The receiver (FlakyReceiver below) answers each request after 20-300 ms and
fails the first request of about a third of the webhook-ids (503, or the
connection closed without an answer). Only a first request fails; but an
attempt cut by a kill also counts, so an event can fall to the 5-min or
30-min step of the retry schedule. The last run does not wait for those:
it restarts the daemon with its clock stepped to the retry
(SPEECHWATCH_TEST_CLOCK_OFFSET_FILE), and the test stays bounded.

SW_CRASH_ITERATIONS (default 200 kill moments) and SW_CRASH_SEED make a run
repeatable; bench/crash/run.sh runs it longer."""
import hashlib
import http.server
import json
import os
import random
import re
import signal
import socketserver
import sqlite3
import sys
import threading
import time
import unittest

import swtest
from pipeline_util import (SITE, daemon_section, expected_statements, item_path, new_secret,
                           source_section, switch_root, verify_signature, wait_for,
                           webhook_section)

ALL = ["mfa-en", "mfa-zh", "fcdo-atom", "rss"]
ITERATIONS = int(os.environ.get("SW_CRASH_ITERATIONS", "200"))
ROUNDS = int(os.environ.get("SW_CRASH_ROUNDS", "5"))


def other_failures(log):
    """Failed attempts in a daemon's log that are not the receiver's doing
    (a 503, a dropped connection): counted, so that a run shows them."""
    return len([m for m in re.findall(r"attempt=\d+ failed, retry in \d+s: (.*) \(sending", log)
                if "HTTP 503" not in m and "Empty reply" not in m])


class FlakyReceiver:
    """An in-process webhook endpoint: slow, and failing the first request of
    the webhook-ids that hash(seed, id) picks (503 or a dropped connection).
    Every request is kept with its verified signature and the answer given."""

    def __init__(self, tc, secret, seed):
        self.secret, self.seed = secret, seed
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.log, self.seen = [], {}
        rec = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, fmt, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                headers = {k.lower(): v for k, v in self.headers.items()}
                status, delay = rec.decide(headers.get("webhook-id", ""))
                time.sleep(delay)
                entry = {"webhook_id": headers.get("webhook-id"), "status_returned": status,
                         "signature_error": verify_signature(rec.secret, headers, body),
                         "body": None}
                try:
                    entry["body"] = json.loads(body)
                except ValueError:
                    pass
                with rec.lock:
                    rec.log.append(entry)
                if status == 0:  # drop the connection without an answer
                    self.close_connection = True
                    return
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
            daemon_threads = True
            request_queue_size = 128  # socketserver's 5 drops connects under load

            def handle_error(self, request, client_address):
                # A daemon killed mid-request resets its connections; report the rest.
                if not isinstance(sys.exc_info()[1], ConnectionError):
                    super().handle_error(request, client_address)

        self.srv = Server(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d/hook" % self.srv.server_address[1]
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()
        tc.addCleanup(self.close)

    def decide(self, wid):
        """(status, delay): 0 means the connection is dropped."""
        h = hashlib.sha256(("%d/%s" % (self.seed, wid)).encode()).digest()
        with self.lock:
            n = self.seen[wid] = self.seen.get(wid, 0) + 1
            delay = self.rng.uniform(0.02, 0.3)
        if n == 1 and h[0] % 3 == 0:
            return (503 if h[1] % 2 else 0), delay
        return 200, delay

    def entries(self):
        with self.lock:
            return list(self.log)

    def close(self):
        self.srv.shutdown()
        self.srv.server_close()


@unittest.skipIf(SITE is None, "skipped: ../shared not found")
class CrashTest(swtest.TestCase):
    def test_sigkill_loop_loses_nothing_and_duplicates_keep_their_id(self):
        seed = int(os.environ.get("SW_CRASH_SEED", str(int(time.time()))))
        rng = random.Random(seed)
        t_start = time.time()
        site, port = swtest.start_static_server(SITE)
        self.procs.append(site)
        # Most of the work happens in the first seconds after the switch to
        # v2, so the iterations are spread over rounds that each start afresh.
        totals = {}
        per_round = (ITERATIONS + ROUNDS - 1) // ROUNDS
        for rnd in range(ROUNDS):
            with self.subTest(round=rnd, seed=seed):
                stats = self.one_round(rng, port, rnd, per_round)
                for k, v in stats.items():
                    totals[k] = totals.get(k, 0) + v
        print("\ncrash: seed=%d rounds=%d iterations=%d %s %.1fs"
              % (seed, ROUNDS, ROUNDS * per_round,
                 " ".join("%s=%d" % kv for kv in sorted(totals.items())), time.time() - t_start))

    @staticmethod
    def wait_delivered(all_delivered, state, step_clock):
        """Waits until all_delivered(), at most 90 s of real time after the
        last step. An event that waits for a later retry (a second failed
        attempt waits 5 min, a third 30: an attempt can fail before it
        reaches the receiver, when a kill lands while it is sent, so the
        receiver's "first request of an id" may be a later attempt) is not
        waited for: step_clock(seconds) restarts the daemon with its clock
        that far ahead (SPEECHWATCH_TEST_CLOCK_OFFSET_FILE), so the retry is
        due at once. Returns (ok, number of clock steps)."""
        deadline, steps, offset = time.time() + 90, 0, 0.0
        while time.time() < deadline:
            if all_delivered():
                return True, steps
            with sqlite3.connect(os.path.join(state, "speechwatch.db"), timeout=10) as c:
                due = c.execute("SELECT min(next_attempt) FROM events WHERE state = "
                                "'retry_wait'").fetchone()[0]
            if due and due - (time.time() + offset) > 30 and steps < 5:
                offset = due - time.time() + 1
                step_clock(offset)
                steps += 1
                deadline = time.time() + 90
            time.sleep(0.5)
        return all_delivered(), steps

    def one_round(self, rng, port, rnd, iterations):
        state = os.path.join(self.tmp, "state%d" % rnd)
        switch_root(port, ".")
        secret = new_secret()
        # A slow receiver widens the window in which a kill lands mid-delivery.
        recv = FlakyReceiver(self, secret, rng.randrange(1 << 30))
        conf = self.write("speechwatch%d.conf" % rnd, daemon_section(state) + "".join(
            source_section(n, port, "classic") + "interval = 10s\n" for n in ALL) +
            webhook_section("hook", recv.url, self.write("hook%d.secret" % rnd, secret, mode=0o600)))

        r = self.sw("once", "-c", conf, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr[-2000:])
        self.assertEqual(len(recv.entries()), 0, "the v1 baseline alerts nothing")
        switch_root(port, "v2")

        stats = {"kills": 0, "stored_in_loop": 0, "delivered_in_loop": 0, "requeued_runs": 0,
                 "polls_in_loop": 0, "other_failures_in_loop": 0}
        for i in range(iterations):
            d = swtest.Proc([swtest.BIN, "run", "-c", conf])
            time.sleep(rng.uniform(0.0, 1.5))
            d.signal(signal.SIGKILL)
            d.wait(10)
            out = d.output()
            d.close()
            stats["kills"] += 1
            self.assertNotRegex(out, r"<[0-3]>", "no error logged in iteration %d:\n%s" % (i, out[-2000:]))
            stats["stored_in_loop"] += len(re.findall(r" statement\.(new|changed) url=", out))
            stats["delivered_in_loop"] += len(re.findall(r" delivered attempt=", out))
            stats["requeued_runs"] += len(re.findall(r"interrupted by the last stop", out))
            stats["polls_in_loop"] += len(re.findall(r"source=\S+ poll=", out))
            stats["other_failures_in_loop"] += other_failures(out)

        # A last run until everything is out.
        expected = expected_statements(ALL)
        clock = os.path.join(self.tmp, "clock-offset%d" % rnd)
        with open(clock, "w") as f:
            f.write("0\n")
        env = {"SPEECHWATCH_TEST_CLOCK_OFFSET_FILE": clock}
        daemon = [self.spawn([swtest.BIN, "run", "-c", conf], env=env)]

        def step_clock(seconds):
            daemon[0].signal(signal.SIGTERM)
            daemon[0].wait(15)
            with open(clock, "w") as f:
                f.write("%.3f\n" % seconds)
            daemon.append(self.spawn([swtest.BIN, "run", "-c", conf], env=env))
            daemon.pop(0)
            self.assertTrue(wait_for(lambda: "started:" in daemon[0].output(), 15))

        def all_delivered():
            got = {}
            for e in recv.entries():
                b = e.get("body") or {}
                if e["status_returned"] == 200 and b.get("type", "").startswith("statement."):
                    got[(b["type"], item_path(b["item"]["url"], port))] = 1
            if not set(expected) <= set(got):
                return False
            with sqlite3.connect(os.path.join(state, "speechwatch.db"), timeout=10) as c:
                pending = c.execute("SELECT count(*) FROM events WHERE state IN "
                                    "('queued','sending','retry_wait')").fetchone()[0]
            return pending == 0

        self.assertTrue(wait_for(lambda: "started:" in daemon[0].output(), 15),
                        daemon[0].output())
        ok, steps = self.wait_delivered(all_delivered, state, step_clock)
        stats["long_retry_waits"] = steps
        d = daemon[0]
        d.signal(signal.SIGTERM)
        rc = d.wait(15)
        out = d.output()
        stats["other_failures_final"] = other_failures(out)
        if not ok:
            got = {(e["body"]["type"], item_path(e["body"]["item"]["url"], port))
                   for e in recv.entries() if e["status_returned"] == 200 and e["body"]}
            with sqlite3.connect(os.path.join(state, "speechwatch.db"), timeout=10) as c:
                events = c.execute("SELECT id, state, attempts, last_error FROM events "
                                   "WHERE state != 'delivered'").fetchall()
            seen = [(e["webhook_id"], e["status_returned"]) for e in recv.entries()
                    if e["webhook_id"] in {ev[0] for ev in events}]
            self.fail("not everything delivered: missing %s, undelivered events %s, their "
                      "requests %s\n%s" % (sorted(set(expected) - got), events, seen, out[-3000:]))
        self.assertEqual(rc, 0, out[-2000:])

        entries = recv.entries()
        by_key = {}
        for e in entries:
            self.assertIsNone(e["signature_error"])
            b = e["body"]
            self.assertEqual(b["id"], e["webhook_id"])
            by_key.setdefault((b["type"], item_path(b["item"]["url"], port)), []).append(e)
        self.assertEqual(sorted(by_key), sorted(expected), "every expected alert, and nothing else")
        mixed = {k: sorted({e["webhook_id"] for e in v}) for k, v in by_key.items()
                 if len({e["webhook_id"] for e in v}) > 1}
        self.assertEqual(mixed, {}, "a statement delivered twice must carry one webhook-id")
        stats["deliveries"] = len(entries)
        stats["failed_answers"] = sum(1 for e in entries if e["status_returned"] != 200)
        ok_by_key = {k: sum(1 for e in v if e["status_returned"] == 200) for k, v in by_key.items()}
        stats["duplicates"] = sum(n - 1 for n in ok_by_key.values() if n > 1)

        with sqlite3.connect(os.path.join(state, "speechwatch.db"), timeout=10) as c:
            self.assertEqual(c.execute("PRAGMA integrity_check").fetchone()[0], "ok")
            states = dict(c.execute("SELECT state, count(*) FROM events GROUP BY state").fetchall())
            self.assertEqual(states, {"delivered": len(expected)}, "one stored event per statement")
        return stats


if __name__ == "__main__":
    swtest.main()
