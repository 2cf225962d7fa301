"""The daemon's outbox when the store refuses writes (issue 14, items 8, 9
and 13). Another process holds the database: due events are not sent while
their attempt cannot be recorded, the loop never waits on the lock for long
(systemd's watchdog keeps being pinged), the systemd status names the
failure, and everything is delivered once when the lock goes away. The
state directory's file system is full (a 4 MiB tmpfs, so root only: skipped
otherwise): no webhook storm, one error line, and everything is delivered
once when space returns."""
import errno
import os
import subprocess
import socket
import sqlite3
import threading
import time

import swtest
from pipeline_util import Receiver, new_secret, webhook_section, wait_for

CONF = """[daemon]
state_dir = {state}
user_agent = speechwatch-test/1
[source "news"]
url = http://127.0.0.1:{port}/news/index.html
items = //ul[@class="news-list"]/li
interval = 1h
"""


class TimedNotify:
    """A NOTIFY_SOCKET that records when each message arrived."""

    def __init__(self, path):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.sock.settimeout(0.1)
        self.messages = []
        self.running = True
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        while self.running:
            try:
                data = self.sock.recv(4096).decode()
            except (socket.timeout, OSError):
                continue
            self.messages.append((time.monotonic(), data))

    def pings_between(self, t0, t1):
        return [t for t, m in self.messages if m == "WATCHDOG=1" and t0 <= t <= t1]

    def texts(self):
        return [m for _, m in self.messages]

    def close(self):
        self.running = False
        self.thread.join()
        self.sock.close()


class OutboxFaultTest(swtest.TestCase):
    def setup_daemon(self, state, lead=4):
        """A store in state with three events due in lead s; returns (conf, db, receiver, due)."""
        site, port = swtest.start_static_server(os.path.join(swtest.FIXTURES, "site"))
        self.procs.append(site)
        secret = new_secret()
        recv = Receiver(self, secret)
        conf = self.write("speechwatch.conf", CONF.format(state=state, port=port) + webhook_section(
            "hook", recv.url, self.write("hook.secret", secret, mode=0o600)))
        r = self.sw("once", "-c", conf)  # creates the store (a baseline poll)
        self.assertEqual(r.returncode, 0, r.stderr)
        db = os.path.join(state, "speechwatch.db")
        due = time.time() + lead
        with sqlite3.connect(db) as c:
            for i in range(3):
                c.execute("INSERT INTO events (id, channel, type, source_id, payload, state, "
                          "attempts, next_attempt, created) VALUES (?, 'hook', 'test.ping', "
                          "'news', ?, 'queued', 0, ?, ?)",
                          ("evt_flt%d" % i, '{"id":"evt_flt%d","type":"test.ping"}' % i, due, due))
        c.close()
        return conf, db, recv, due

    def test_a_full_disk_makes_no_webhook_storm_and_loses_nothing(self):
        if os.geteuid() != 0:
            self.skipTest("skipped: mounting a small tmpfs needs root")
        state = os.path.join(self.tmp, "state")
        os.makedirs(state)
        if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", state],
                          capture_output=True).returncode != 0:
            self.skipTest("skipped: cannot mount a tmpfs here")
        self.addCleanup(subprocess.run, ["umount", "-l", state], capture_output=True)
        # The disk must be full before the events fall due: a slow start (ASan, a
        # loaded machine) took more than 4 s, and the daemon rightly sent them.
        conf, db, recv, due = self.setup_daemon(state, lead=20)
        d = self.spawn([swtest.BIN, "run", "-c", conf])
        self.assertTrue(wait_for(lambda: "source=news poll=" in d.output(), 15), d.output())
        filler = os.path.join(state, "filler")
        with open(filler, "wb") as f:
            try:
                while True:
                    f.write(b"\0" * 65536)
                    f.flush()
            except OSError as e:
                self.assertEqual(e.errno, errno.ENOSPC)
        self.assertLess(time.time(), due, "the disk filled only after the events fell due")
        time.sleep(max(0, due - time.time()) + 5)
        ids = lambda: [e["webhook_id"] for e in recv.entries() if e["webhook_id"].startswith("evt_flt")]
        self.assertEqual(ids(), [], "sent while the disk was full")
        out = d.output()
        self.assertEqual(out.count("deliveries paused"), 1, out)
        self.assertLess(len(out.splitlines()), 50, "a log storm")
        os.unlink(filler)
        self.assertTrue(wait_for(lambda: len(ids()) >= 3, 15), d.output())
        time.sleep(0.5)
        self.assertEqual(sorted(ids()), ["evt_flt0", "evt_flt1", "evt_flt2"])
        self.assertIn("deliveries resume", d.output())

    def test_a_locked_store_pauses_deliveries_without_freezing_the_loop(self):
        state = os.path.join(self.tmp, "state")
        conf, db, recv, due = self.setup_daemon(state)
        before = len(recv.entries())
        sd = TimedNotify(os.path.join(self.tmp, "notify.sock"))
        try:
            d = self.spawn([swtest.BIN, "run", "-c", conf],
                           env={"NOTIFY_SOCKET": sd.path, "WATCHDOG_USEC": "400000"})
            self.assertTrue(wait_for(lambda: "READY=1" in sd.texts(), 15), d.output())
            holder = sqlite3.connect(db, isolation_level=None, timeout=10)
            holder.execute("BEGIN EXCLUSIVE")  # as a backup or an sqlite3 shell would
            t0 = time.monotonic()
            time.sleep(max(0, due - time.time()) + 6)
            t1 = time.monotonic()
            pings = self.pings_between_checked(sd, t0, t1)
            gaps = [b - a for a, b in zip(pings, pings[1:])]
            self.assertLess(max(gaps), 1.5, "the loop froze: watchdog gaps %r" % gaps)
            self.assertEqual(len(recv.entries()), before, "sent while the store was locked")
            self.assertTrue(any(m.startswith("STATUS=store failing") for m in sd.texts()), sd.texts())
            self.assertEqual(d.output().count("deliveries paused"), 1, d.output())
            holder.execute("ROLLBACK")
            holder.close()
            ids = lambda: [e["webhook_id"] for e in recv.entries() if e["webhook_id"].startswith("evt_flt")]
            self.assertTrue(wait_for(lambda: len(ids()) >= 3, 15), d.output())
            time.sleep(0.5)
            self.assertEqual(sorted(ids()), ["evt_flt0", "evt_flt1", "evt_flt2"])
            self.assertIn("deliveries resume", d.output())
        finally:
            sd.close()

    def pings_between_checked(self, sd, t0, t1):
        pings = sd.pings_between(t0, t1)
        self.assertGreaterEqual(len(pings), 2, sd.texts())
        return [t0] + pings + [t1]


if __name__ == "__main__":
    swtest.main()
