"""The store under operations: one daemon per state directory (a lock),
a damaged store refused at start with recovery steps, retention of raw
pages and texts, `speechwatch vacuum`, and the store's size in `status`."""
import json
import os
import shutil
import signal
import sqlite3
import time

import swtest

CONF = """[daemon]
state_dir = {state}
user_agent = speechwatch-test/1
{extra}
[source "news"]
url = http://127.0.0.1:{port}/news/index.html
items = //ul[@class="news-list"]/li
date = span[@class="date"]
interval = 10m
"""


class StoreOpsTest(swtest.TestCase):
    def setUp(self):
        super().setUp()
        self.server, self.port = swtest.start_static_server(os.path.join(swtest.FIXTURES, "site"))
        self.procs.append(self.server)
        self.state = os.path.join(self.tmp, "state")
        self.db = os.path.join(self.state, "speechwatch.db")

    def conf(self, extra=""):
        return self.write("speechwatch.conf",
                          CONF.format(state=self.state, port=self.port, extra=extra))

    def wait_output(self, proc, text, timeout=15):
        deadline = time.time() + timeout
        while text not in proc.output() and time.time() < deadline:
            if proc.p.poll() is not None:
                break
            time.sleep(0.1)
        self.assertIn(text, proc.output())

    # ---- item 10: two daemons on one state directory ----

    def test_second_daemon_on_the_same_state_dir_exits_1_naming_the_holder(self):
        conf = self.conf()
        first = self.spawn([swtest.BIN, "run", "-c", conf])
        self.wait_output(first, "source=news poll=ok")
        for mode in ("run", "once"):
            r = self.sw(mode, "-c", conf, timeout=20)
            self.assertEqual(r.returncode, 1, r.stderr)
            self.assertIn("pid %d" % first.pid, r.stderr)
            self.assertNotIn("poll=", r.stderr, "the second instance polled nothing")
        # read-only commands need no lock
        r = self.sw("status", "-c", conf)
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.sw("search", "-c", conf, "ocean")
        self.assertEqual(r.returncode, 0, r.stderr)
        # the kernel drops the lock of a killed holder
        first.signal(signal.SIGKILL)
        first.wait(10)
        r = self.sw("once", "-c", conf, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)


if __name__ == "__main__":
    swtest.main()
