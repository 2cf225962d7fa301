"""Issue 4 crash test: `speechwatch run` killed with SIGKILL at random
moments while it polls v2 of the fixture site and delivers the alerts, then
restarted, many times; at the end every expected alert has arrived at least
once, a statement delivered twice carries the same webhook-id both times,
nothing else was alerted, and the store passes PRAGMA integrity_check.

SW_CRASH_ITERATIONS (default 60) and SW_CRASH_SEED make a run repeatable."""
import os
import random
import re
import signal
import sqlite3
import time
import unittest

import swtest
from pipeline_util import (SITE, Receiver, daemon_section, expected_statements, item_path,
                           new_secret, source_section, switch_root, wait_for, webhook_section)

ALL = ["mfa-en", "mfa-zh", "fcdo-atom", "rss"]
ITERATIONS = int(os.environ.get("SW_CRASH_ITERATIONS", "60"))
ROUNDS = 5


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

    def one_round(self, rng, port, rnd, iterations):
        state = os.path.join(self.tmp, "state%d" % rnd)
        switch_root(port, ".")
        secret = new_secret()
        recv = Receiver(self, secret)
        # A slow receiver widens the window in which a kill lands mid-delivery.
        recv.set_mode("mode=slow&ms=100")
        conf = self.write("speechwatch%d.conf" % rnd, daemon_section(state) + "".join(
            source_section(n, port, "classic") + "interval = 10s\n" for n in ALL) +
            webhook_section("hook", recv.url, self.write("hook%d.secret" % rnd, secret, mode=0o600)))

        r = self.sw("once", "-c", conf, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr[-2000:])
        self.assertEqual(len(recv.entries()), 0, "the v1 baseline alerts nothing")
        switch_root(port, "v2")

        stats = {"kills": 0, "stored_in_loop": 0, "delivered_in_loop": 0, "requeued_runs": 0,
                 "polls_in_loop": 0}
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

        # A last run until everything is out.
        expected = expected_statements(ALL)
        d = self.spawn([swtest.BIN, "run", "-c", conf])

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

        self.assertTrue(wait_for(lambda: "started:" in d.output(), 15), d.output())
        ok = wait_for(all_delivered, 90, step=0.5)
        d.signal(signal.SIGTERM)
        rc = d.wait(15)
        out = d.output()
        self.assertTrue(ok, "not everything delivered:\n" + out[-3000:])
        self.assertEqual(rc, 0, out[-2000:])

        entries = recv.entries()
        by_key = {}
        for e in entries:
            self.assertTrue(e["signature_ok"], e["signature_error"])
            b = e["body"]
            self.assertEqual(b["id"], e["webhook_id"])
            by_key.setdefault((b["type"], item_path(b["item"]["url"], port)), []).append(e)
        self.assertEqual(sorted(by_key), sorted(expected), "every expected alert, and nothing else")
        mixed = {k: sorted({e["webhook_id"] for e in v}) for k, v in by_key.items()
                 if len({e["webhook_id"] for e in v}) > 1}
        self.assertEqual(mixed, {}, "a statement delivered twice must carry one webhook-id")
        stats["deliveries"] = len(entries)
        stats["duplicates"] = sum(len(v) - 1 for v in by_key.values())

        with sqlite3.connect(os.path.join(state, "speechwatch.db"), timeout=10) as c:
            self.assertEqual(c.execute("PRAGMA integrity_check").fetchone()[0], "ok")
            states = dict(c.execute("SELECT state, count(*) FROM events GROUP BY state").fetchall())
            self.assertEqual(states, {"delivered": len(expected)}, "one stored event per statement")
        return stats


if __name__ == "__main__":
    swtest.main()
