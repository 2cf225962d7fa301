"""The store under operations: one daemon per state directory (a lock),
a damaged store refused at start with recovery steps, retention of raw
pages and texts, `speechwatch vacuum`, and the store's size in `status`."""
import json
import os
import random
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

    # ---- item 15: a damaged store is refused at start ----

    def damaged_copy(self, how):
        """A real store from a poll, copied, then damaged in one of three ways."""
        r = self.sw("once", "-c", self.conf(), timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        good = os.path.join(self.tmp, "good.db")
        shutil.copy(self.db, good)
        self.assertEqual(sqlite3.connect(good).execute("PRAGMA quick_check").fetchone()[0], "ok")
        shutil.copy(good, self.db)
        size = os.path.getsize(self.db)
        page = 4096
        with open(self.db, "r+b") as f:
            if how == "truncated":
                f.truncate(size // page // 2 * page)
            elif how == "scribbled":
                f.seek(size // page // 2 * page)
                f.write(random.Random(14).randbytes(page))
            elif how == "header":
                f.seek(0)
                f.write(b"this is not sqlite" * 4)
        return good

    def test_a_damaged_store_is_refused_with_recovery_steps(self):
        for how in ("truncated", "scribbled", "header"):
            with self.subTest(how=how):
                shutil.rmtree(self.state, ignore_errors=True)
                self.damaged_copy(how)
                r = self.sw("once", "-c", self.conf(), timeout=30)
                self.assertEqual(r.returncode, 1, r.stderr)
                self.assertIn("damaged", r.stderr)
                self.assertIn("To recover", r.stderr)
                self.assertIn("mv %s %s.damaged" % (self.db, self.db), r.stderr)
                self.assertNotIn("poll=", r.stderr, "nothing ran on the damaged store")

    def test_the_recovery_steps_work(self):
        self.damaged_copy("scribbled")
        os.rename(self.db, self.db + ".damaged")
        r = self.sw("once", "-c", self.conf(), timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("poll=ok", r.stderr)


if __name__ == "__main__":
    swtest.main()
