"""Issue 20 acceptance: several `speechwatch run` instances on one
PostgreSQL (started by the test) share the sources and the outbox.

- Two and three instances over the fixture site of the pipeline tests,
  switched from v1 to v2: every statement alerted, each with one webhook-id
  (a duplicate only as a retry of the same id), and no list polled by two
  instances within one interval — read from the site server's own request
  log, where each instance's User-Agent names it.
- Failover: one of two instances is killed (SIGKILL) at random moments while
  statements keep appearing, and started again; the PostgreSQL server is
  restarted under them once. No statement is lost or alerted under two ids,
  no list is polled by two instances within an interval, kills included (a
  lease taken from a dead owner waits an interval from the lease's end when
  the owner may have polled unrecorded), and no list waits longer than an
  interval after a lease's expiry (or the first-poll spread) between two
  polls. bench/instances-failover runs the same with 30 kills.
"""
import json
import os
import random
import re
import signal
import sys
import time
import unittest
import urllib.request

import swtest
from pipeline_util import (SITE, Receiver, expected_statements, item_path, list_path,
                           new_secret, source_section, switch_root, wait_for)

sys.path.insert(0, os.path.join(swtest.ROOT, "tests"))
import pgcluster  # noqa: E402

ALL = ["mfa-en", "mfa-zh", "fcdo-atom", "rss"]
INTERVAL = 10  # the smallest interval a source may have
TTL = 3  # lease_ttl: the smallest
SLACK = 1.0 + 0.5  # schedule.c's timer slack and the test's own sampling
SPREAD = 5.0  # schedule.c FIRST_POLL_SPREAD: a source taken over starts within it
KILLS = int(os.environ.get("SW_INSTANCE_KILLS", "3"))

DAEMON = """[daemon]
state_dir = {state}
user_agent = speechwatch-e2e/{name}
database = {database}
lease_ttl = {ttl}
recheck_days = 36500
allow_private = yes
"""


def hook_section(url, secret_file):
    return '[notify "hook"]\ntype = webhook\nurl = %s\nsecret_file = %s\n' % (url, secret_file)


class InstancesBase(swtest.TestCase):
    ndb = 0

    @classmethod
    def setUpClass(cls):
        cls.pg = pgcluster.started_or_skip()

    @classmethod
    def tearDownClass(cls):
        cls.pg.stop()

    def setUp(self):
        super().setUp()
        InstancesBase.ndb += 1
        db = "inst%d" % self.ndb
        self.pg.psql("CREATE DATABASE %s" % db)
        env = self.pg.env()
        self.database = "postgresql:host=%s port=%s user=%s dbname=%s" % (
            env["PGHOST"], env["PGPORT"], env["PGUSER"], db)
        self.secret = new_secret()
        self.secret_file = self.write("hook.secret", self.secret, mode=0o600)
        self.recv = Receiver(self, self.secret)
        self.site_log = os.path.join(self.tmp, "site.jsonl")
        self.daemons = {}
        self.starts = {}

    def conf(self, name, sources):
        text = DAEMON.format(state=os.path.join(self.tmp, "state-" + name), name=name,
                             database=self.database, ttl=TTL)
        text += "".join(sources) + hook_section(self.recv.url, self.secret_file)
        return self.write("%s.conf" % name, text)

    def start(self, name, sources):
        conf = self.conf(name, sources)
        self.starts[name] = self.starts.get(name, 0) + 1
        # each life its own log: a failure is read across the kills
        log = os.path.join(self.tmp, "%s-%d.log" % (name, self.starts[name]))
        self.daemons[name] = self.spawn([swtest.BIN, "run", "-c", conf], log=log)
        return self.daemons[name]

    def outputs(self, full=False):
        keep = None if full or os.environ.get("SW_FULL_OUTPUT") else -3000
        return "\n".join("== %s\n%s" % (n, p.output()[keep and keep:])
                         for n, p in self.daemons.items())

    def stop_all(self):
        for name, p in self.daemons.items():
            if p.p.poll() is None:
                p.signal(signal.SIGTERM)
                self.assertEqual(p.wait(30), 0, "%s:\n%s" % (name, p.output()[-3000:]))

    def list_polls(self, paths):
        """{path: [(t, instance name)]} from the site's own log, in time order."""
        out = {p: [] for p in paths}
        for e in swtest.read_jsonl(self.site_log):
            path = e["path"].lstrip("/")
            if path in out and (e["ua"] or "").startswith("speechwatch-e2e/"):
                out[path].append((e["t"], e["ua"].split("/", 1)[1]))
        return out

    def check_no_double_poll(self, polls):
        """Two polls of one list are an interval apart at least, whoever made them: a
        hand-over between instances (or to a killed one's successor, which the site
        sees under the same name) keeps the schedule."""
        pairs = [(t1 - t0, path, a, b, t0) for path, seq in polls.items()
                 for (t0, a), (t1, b) in zip(seq, seq[1:])]
        handovers = [p for p in pairs if p[2] != p[3]]
        if handovers:
            print("%d hand-overs between instances: shortest %.1f s"
                  % (len(handovers), min(handovers)[0]), file=sys.stderr)
        if pairs:
            gap, path, a, b, t0 = min(pairs)
            self.assertGreaterEqual(gap, INTERVAL - SLACK, "%s polled by %s then %s %.1f s "
                                    "later (at %.3f)" % (path, a, b, gap, t0))
            self.assertGreaterEqual(gap, INTERVAL - SLACK, "%s polled by %s then %s %.1f s "
                                    "later (at %.3f)" % (path, a, b, gap, t0))

    def check_one_id_each(self, entries, key):
        """Every alert under one webhook-id; returns {key: webhook-id}."""
        ids = {}
        for e in entries:
            self.assertTrue(e["signature_ok"], e["signature_error"])
            k = key(e)
            if k is None:
                continue
            self.assertEqual(ids.setdefault(k, e["webhook_id"]), e["webhook_id"],
                             "%s alerted under two ids" % (k,))
        return ids


@unittest.skipIf(SITE is None, "skipped: ../shared not found")
class SharingTest(InstancesBase):
    def setUp(self):
        super().setUp()
        self.site, self.port = swtest.start_static_server(SITE, log=self.site_log)
        self.procs.append(self.site)

    def sources(self):
        return [source_section(n, self.port) + "interval = %d\n" % INTERVAL for n in ALL]

    def baselined(self):
        """Every source's first poll is over, its texts stored: a switch to v2 during
        it would give the baseline v2's texts, and the edits would go unseen."""
        out = self.outputs(full=True)
        return all(re.search(r"source=%s first poll.*\n(?:.*\n)*?.*source=%s poll=ok" % (n, n), out)
                   for n in ALL)

    def share(self, n):
        names = ["i%d" % k for k in range(1, n + 1)]
        for name in names:
            self.start(name, self.sources())
            time.sleep(0.5)
        self.assertTrue(wait_for(self.baselined, 60), self.outputs())
        switch_root(self.port, "v2")
        expected = expected_statements(ALL)

        def key(e):
            b = e.get("body") or {}
            if not b.get("type", "").startswith("statement."):
                return None
            return (b["type"], item_path(b["item"]["url"], self.port))

        def all_in():
            got = {key(e) for e in self.recv.entries() if e["status_returned"] == 200}
            return set(expected) <= got
        self.assertTrue(wait_for(all_in, 90), self.outputs())
        time.sleep(INTERVAL)  # a second alert, if any, would come in the next cycle
        self.stop_all()
        entries = self.recv.entries()
        ids = self.check_one_id_each(entries, key)
        self.assertEqual(sorted(ids), sorted(expected), "exactly the expected statements")
        polls = self.list_polls([list_path(s) for s in ALL])
        self.check_no_double_poll(polls)
        pollers = {who for seq in polls.values() for _, who in seq}
        self.assertGreaterEqual(len(pollers), 2, polls)
        print("%d instances: %d statements, %d deliveries, lists polled by %s"
              % (n, len(ids), len(entries), sorted(pollers)), file=sys.stderr)

    def test_two_instances(self):
        self.share(2)

    def test_three_instances(self):
        self.share(3)


class ControlledSiteBase(InstancesBase):
    """NSRC lists on the controlled site, whose own log says who polled what when."""
    NSRC = 6

    def setUp(self):
        super().setUp()
        self.site, self.port = swtest.start_server("controlled_site.py", [])
        self.procs.append(self.site)
        self.items = [1]
        self.set_items()

    def set_items(self):
        body = ('{"items": %s}' % self.items).encode()
        req = urllib.request.Request("http://127.0.0.1:%d/state" % self.port, data=body,
                                     method="POST")
        urllib.request.urlopen(req, timeout=10).read()

    def sources(self):
        return ['[source "s%d"]\nurl = http://127.0.0.1:%d/list?s=%d\nallow_private = yes\n'
                'items = //ul[@class="news"]/li\ninterval = %d\n' % (k, self.port, k, INTERVAL)
                for k in range(1, self.NSRC + 1)]

    def site_polls(self):
        """{list path: [(t, instance name)]} from the site's log, in time order."""
        with urllib.request.urlopen("http://127.0.0.1:%d/state" % self.port, timeout=10) as r:
            log = json.loads(r.read())["log"]
        polls = {}
        for e in log:
            if (e["ua"] or "").startswith("speechwatch-e2e/"):
                polls.setdefault(e["path"], []).append((e["t"], e["ua"].split("/", 1)[1]))
        return polls


class FailoverTest(ControlledSiteBase):
    def setUp(self):
        super().setUp()
        self.kills = []
        self.restarted = None  # (start, end) of the server's restart

    def test_kills_and_a_server_restart_lose_nothing(self):
        rng = random.Random(os.environ.get("SW_SEED", "20"))
        self.start("a", self.sources())
        self.start("b", self.sources())
        self.assertTrue(wait_for(
            lambda: self.outputs(full=True).count("first poll") >= self.NSRC, 60), self.outputs())
        for k in range(KILLS):
            self.items.append(len(self.items) + 1)
            self.set_items()
            time.sleep(rng.uniform(0, INTERVAL))
            victim = rng.choice(["a", "b"])
            self.kills.append((time.time(), victim))
            self.daemons[victim].signal(signal.SIGKILL)
            self.daemons[victim].wait(10)
            time.sleep(rng.uniform(0.2, 2))
            p = self.start(victim, self.sources())
            if k == KILLS // 2:  # under both running: a start needs its server
                self.assertTrue(wait_for(lambda: "started:" in p.output(), 30), p.output())
                self.restarted = [time.time()]
                self.pg.restart(mode="immediate", down=1.0)
                self.restarted.append(time.time())
        expected = {"art?n=%d&s=%d" % (n, s) for n in self.items[1:]
                    for s in range(1, self.NSRC + 1)}

        def key(e):
            b = e.get("body") or {}
            if b.get("type") != "statement.new":
                return None
            return item_path(b["item"]["url"], self.port)

        def missing():
            return expected - {key(e) for e in self.recv.entries() if e["status_returned"] == 200}
        self.assertTrue(wait_for(lambda: not missing(), 120),
                        "missing %s\n%s" % (sorted(missing()), self.outputs()))
        time.sleep(INTERVAL)
        self.stop_all()
        ids = self.check_one_id_each(self.recv.entries(), key)
        self.assertEqual(sorted(ids), sorted(expected))
        self.check_polls()

    def check_polls(self):
        """No double poll, and no list left longer than a take-over allows."""
        polls = self.site_polls()
        if os.environ.get("SW_KEEP_TMP"):
            with open(os.path.join(self.tmp, "polls.json"), "w") as f:
                json.dump({"polls": polls, "kills": self.kills, "restarted": self.restarted}, f)
        self.assertEqual(len(polls), self.NSRC, sorted(polls))
        self.check_no_double_poll(polls)

        # The previous poll's jittered interval; after a kill in between (the last:
        # a survivor killed in turn hands its new sources on again), the lease's
        # expiry and then a round and the first-poll spread, or an interval when the
        # dead owner may have polled unrecorded; the server's restart adds its outage,
        # the reconnection's backoff (1 s, 2 s) and a round, then the spread.
        def bound(t0, t1):
            b = INTERVAL * 1.1
            kills = [tk for tk, _ in self.kills if t0 <= tk <= t1]
            if kills:  # the stored schedule and the spread, or the take-over rule
                b = max(b, INTERVAL * 1.1 + SPREAD,
                        kills[-1] - t0 + TTL + max(TTL / 3 + SPREAD, INTERVAL * 1.1))
            if self.restarted and t0 <= self.restarted[1] and self.restarted[0] <= t1:
                # leases kept (dormant until a round confirms them: the reconnection's
                # full-jitter backoff, doubling from 0.5 s while the server is down, ends
                # within twice the outage), taken as from a dead owner, or given back
                # by a rebalance and taken while the store's own connection is still
                # down (its row unread: an interval from the take)
                down = self.restarted[1] - self.restarted[0]
                back = self.restarted[1] - t0 + 2 * down + 0.5
                b = max(b, back + TTL / 3 + SPREAD,
                        self.restarted[0] - t0 + TTL + INTERVAL * 1.1,
                        back + 2 * TTL / 3 + INTERVAL * 1.1)
            return b + SLACK + 2

        gaps = [(t1 - t0, bound(t0, t1), path) for path, seq in polls.items()
                for (t0, _), (t1, _) in zip(seq, seq[1:])]
        worst = max(gaps)
        print("longest: %.1f s of %s (bound %.1f)" % (worst[0], worst[2], worst[1]),
              file=sys.stderr)
        over = [g for g in gaps if g[0] > g[1]]
        print("%d kills: longest wait between two polls of a list %.1f s (bound %.1f)"
              % (KILLS, worst[0], worst[1]), file=sys.stderr)
        self.assertEqual(over, [])

class LapseTest(ControlledSiteBase):
    """The lease connection blocked longer than an interval: the instance stops
    polling when its trust window closes (a due time falls in the gap), and once
    its renewal gets through, it keeps its leases and polls every list again."""
    NSRC = 2

    def lock_leases(self):
        """A session holding source_leases against every write; ended by unlock."""
        env = dict(os.environ, **self.pg.env())
        env["PGDATABASE"] = self.database.split("dbname=")[1]
        env["PGAPPNAME"] = "sw-test-blocker"
        self.blocker = swtest.Proc([os.path.join(self.pg.bindir, "psql"), "-X", "-q", "-f",
                                    self.write("lock.sql", "BEGIN;\n"
                                               "LOCK TABLE source_leases IN EXCLUSIVE MODE;\n"
                                               "SELECT pg_sleep(3600);\n")], env=env)
        self.procs.append(self.blocker)
        self.assertTrue(wait_for(lambda: self.pg.psql(
            "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database"
            " WHERE l.mode = 'ExclusiveLock' AND l.granted AND l.locktype = 'relation'"
            " AND d.datname = '%s'" % self.database.split("dbname=")[1]) == "1", 30))

    def test_a_lease_unconfirmed_past_a_due_time_is_polled_once_confirmed(self):
        self.start("a", self.sources())
        self.assertTrue(wait_for(
            lambda: self.outputs(full=True).count("first poll") >= self.NSRC, 60), self.outputs())
        self.lock_leases()
        locked = time.time()
        time.sleep(INTERVAL * 1.1 + TTL + 1)  # every list falls due within
        # the server ends the session (a client gone is not seen during pg_sleep)
        self.pg.psql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                     " WHERE application_name = 'sw-test-blocker'")
        self.blocker.wait(10)
        released = time.time()
        # a's reconnection backs off (full jitter, doubling) while its rounds fail
        self.assertTrue(wait_for(lambda: all(
            any(t > released for t, _ in seq) for seq in self.site_polls().values()),
            30), self.outputs())
        print("every list polled again %.1f s after the lock's end"
              % (max(min(t for t, _ in seq if t > released)
                     for seq in self.site_polls().values()) - released), file=sys.stderr)
        self.stop_all()
        polls = self.site_polls()
        self.check_no_double_poll(polls)
        for path, seq in polls.items():
            idle = [t for t, _ in seq if locked + TTL + 0.5 < t < released]
            self.assertEqual(idle, [], "%s polled without a confirmed lease" % path)
        self.assertIn("lease confirmed again", self.outputs(full=True))


if __name__ == "__main__":
    swtest.main()
