"""`speechwatch run` under a test that plays systemd: NOTIFY_SOCKET is a Unix
datagram socket we read. READY, reloads (bad config kept out, good config
swapped in with RELOADING/READY), WATCHDOG, graceful SIGTERM; and `once`."""
import os
import signal
import socket
import sqlite3
import threading
import time

import swtest

CONF = """[daemon]
state_dir = {state}
user_agent = speechwatch-test/1
[source "news"]
url = http://127.0.0.1:{port}/news/index.html
items = //ul[@class="news-list"]/li
date = span[@class="date"]
interval = {interval}
"""
EXTRA_SOURCE = """[source "news-again"]
url = http://127.0.0.1:{port}/news/index.html?again
items = //ul[@class="news-list"]/li
"""


class FakeSystemd:
    """Reads the notify socket continuously, as systemd does (a full socket
    queue would block the daemon's sd_notify)."""

    def __init__(self, path):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.sock.settimeout(0.1)
        self.messages = []
        self.cond = threading.Condition()
        self.running = True
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()
        self.cursor = 0

    def _read(self):
        while self.running:
            try:
                data = self.sock.recv(4096).decode()
            except (socket.timeout, OSError):
                continue
            with self.cond:
                self.messages.append(data)
                self.cond.notify_all()

    def wait_for(self, wanted, timeout=10):
        """Messages from the cursor up to the first one holding `wanted`."""
        deadline = time.time() + timeout
        with self.cond:
            while True:
                for i in range(self.cursor, len(self.messages)):
                    if wanted in self.messages[i].split("\n"):
                        seen = self.messages[self.cursor:i + 1]
                        self.cursor = i + 1
                        return seen
                left = deadline - time.time()
                if left <= 0:
                    raise AssertionError("no %r within %ss; got %r" % (wanted, timeout, self.messages[self.cursor:]))
                self.cond.wait(left)

    def drain(self, seconds):
        time.sleep(seconds)
        with self.cond:
            seen = self.messages[self.cursor:]
            self.cursor = len(self.messages)
            return seen

    def close(self):
        self.running = False
        self.thread.join()
        self.sock.close()


class RunTest(swtest.TestCase):
    def setUp(self):
        super().setUp()
        self.server, self.port = swtest.start_static_server(os.path.join(swtest.FIXTURES, "site"))
        self.procs.append(self.server)
        self.state = os.path.join(self.tmp, "state")

    def conf(self, interval="10m", extra=""):
        return CONF.format(state=self.state, port=self.port, interval=interval) + extra

    def test_systemd_protocol_reload_watchdog_and_stop(self):
        conf = self.write("speechwatch.conf", self.conf())
        sd = FakeSystemd(os.path.join(self.tmp, "notify.sock"))
        try:
            d = self.spawn([swtest.BIN, "run", "-c", conf],
                           env={"NOTIFY_SOCKET": sd.path, "WATCHDOG_USEC": "400000"})
            sd.wait_for("READY=1")
            # Watchdog pings at half of WATCHDOG_USEC: several within a second.
            pings = [m for m in sd.drain(1.0) if m == "WATCHDOG=1"]
            self.assertGreaterEqual(len(pings), 3, sd.messages)

            # A broken config: the daemon stays up on the old one and logs FILE:LINE.
            self.write("speechwatch.conf", self.conf() + "intervall = 5m\n")
            d.signal(signal.SIGHUP)
            deadline = time.time() + 10
            while "still running on the previous" not in d.output() and time.time() < deadline:
                time.sleep(0.05)
            out = d.output()
            self.assertIn("%s:9: unknown key 'intervall' (did you mean 'interval'?)" % conf, out)
            self.assertIn("still running on the previous configuration", out)
            self.assertIsNone(d.p.poll())
            self.assertNotIn("RELOADING=1", "\n".join(sd.drain(0.3)))

            # A good config: RELOADING=1 then READY=1, and the new source is polled.
            self.write("speechwatch.conf", self.conf(extra=EXTRA_SOURCE.format(port=self.port)))
            d.signal(signal.SIGHUP)
            seen = sd.wait_for("READY=1")
            states = [m for m in seen if m in ("RELOADING=1", "READY=1")]
            self.assertEqual(states, ["RELOADING=1", "READY=1"], seen)
            deadline = time.time() + 15
            while "source=news-again poll=ok" not in d.output() and time.time() < deadline:
                time.sleep(0.1)
            self.assertIn("source=news-again poll=ok", d.output())

            # SIGTERM: STOPPING=1 and exit 0 within 10 s.
            t0 = time.time()
            d.signal(signal.SIGTERM)
            sd.wait_for("STOPPING=1")
            self.assertEqual(d.wait(10), 0, d.output())
            self.assertLess(time.time() - t0, 10)
        finally:
            sd.close()

    def test_runs_without_systemd_and_polls_with_journald_prefixes(self):
        conf = self.write("speechwatch.conf", self.conf())
        d = self.spawn([swtest.BIN, "run", "-c", conf])
        deadline = time.time() + 15
        while "source=news poll=ok" not in d.output() and time.time() < deadline:
            time.sleep(0.1)
        out = d.output()
        self.assertIn("source=news poll=ok status=200 items=3", out)
        for line in out.splitlines():
            self.assertRegex(line, r"^<[0-7]>", "every log line has a journald priority")
        d.signal(signal.SIGINT)
        self.assertEqual(d.wait(10), 0)

    def test_once_polls_then_exits_and_second_poll_is_not_modified(self):
        conf = self.write("speechwatch.conf", self.conf())
        r = self.sw("once", "-c", conf)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("source=news poll=ok status=200 items=3", r.stderr)
        r = self.sw("once", "-c", conf)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("source=news poll=not-modified status=304", r.stderr)
        db = sqlite3.connect(os.path.join(self.state, "speechwatch.db"))
        row = db.execute("SELECT last_status, last_result, items, etag FROM sources WHERE id='news'").fetchone()
        self.assertEqual(row[0], 304)
        self.assertEqual(row[1], "not-modified")
        self.assertEqual(row[2], 3)
        self.assertTrue(row[3])
        self.assertEqual(db.execute("PRAGMA journal_mode").fetchone()[0], "wal")

    def test_once_exits_1_when_a_source_fails(self):
        conf = self.write("speechwatch.conf", self.conf().replace("/news/index.html", "/missing.html"))
        r = self.sw("once", "-c", conf)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("source=news poll=http-error status=404", r.stderr)

    def test_bad_config_refused_at_start_with_exit_2(self):
        conf = self.write("speechwatch.conf", self.conf() + "bogus = 1\n")
        r = self.sw("run", "-c", conf)
        self.assertEqual(r.returncode, 2)
        self.assertIn(conf + ":9: unknown key 'bogus'", r.stderr)


if __name__ == "__main__":
    swtest.main()
