"""`speechwatch once --dry-run` (issue 17, item 7): polls and detects as
`once` does and prints the events it would send, one JSON line each as the
stdout channel writes them; stores nothing (the store file keeps every
byte, or is not created) and sends nothing (the webhook receiver gets no
request). A real `once` afterwards still finds the same items new."""
import hashlib
import json
import os
import signal
import sqlite3
import time
import urllib.request

import swtest
from pipeline_util import new_secret, webhook_section

CONF = """[daemon]
state_dir = {state}
first_poll = {first}
recheck_days = 0
[source "site"]
url = http://127.0.0.1:{port}/{path}
items = //ul[@class="news"]/li
"""


class DryRunTest(swtest.TestCase):
    def setUp(self):
        super().setUp()
        self.server, self.port = swtest.start_server("controlled_site.py", [])
        self.procs.append(self.server)
        self.state = os.path.join(self.tmp, "state")
        self.db = os.path.join(self.state, "speechwatch.db")
        secret = new_secret()
        secret_file = self.write("hook.secret", secret + "\n", 0o600)
        self.receiver, rport, self.received = swtest.start_webhook_receiver(self.tmp, secret)
        self.procs.append(self.receiver)
        self.hook = webhook_section("hook", "http://127.0.0.1:%d/hook" % rport, secret_file)

    def steer(self, **state):
        req = urllib.request.Request("http://127.0.0.1:%d/state" % self.port,
                                     data=json.dumps(state).encode(), method="POST")
        urllib.request.urlopen(req, timeout=5).read()

    def conf(self, first="baseline", path="list"):
        return self.write("speechwatch.conf", CONF.format(
            state=self.state, port=self.port, first=first, path=path) + self.hook)

    def checksum(self):
        with open(self.db, "rb") as f:
            return hashlib.sha256(f.read()).hexdigest()

    def state_files(self):
        return sorted(os.listdir(self.state)) if os.path.isdir(self.state) else []

    def recorded_items(self):
        if not os.path.exists(self.db):
            return None
        db = sqlite3.connect(self.db, timeout=5)
        try:
            row = db.execute("SELECT items FROM sources WHERE id = 'site'").fetchone()
        except sqlite3.OperationalError:
            return None
        finally:
            db.close()
        return row[0] if row else None

    @staticmethod
    def events(out):
        return [json.loads(l) for l in out.splitlines()]

    def titles(self, events, kind="statement.new"):
        return sorted(e["item"]["title"] for e in events if e["type"] == kind)

    def test_new_items_are_printed_not_stored_not_sent(self):
        conf = self.conf()
        self.steer(items=[1])
        r = self.sw("once", "-c", conf)  # the baseline
        self.assertEqual(r.returncode, 0, r.stderr)
        files, before = self.state_files(), self.checksum()
        self.steer(items=[3, 2, 1])
        r = self.sw("once", "--dry-run", "-c", conf)
        self.assertEqual(r.returncode, 0, r.stderr)
        events = self.events(r.stdout)
        self.assertEqual(self.titles(events), ["Statement number 2", "Statement number 3"])
        self.assertTrue(all(e["id"].startswith("evt_") for e in events))
        self.assertIn("2 event(s) would have been sent", r.stderr)
        self.assertEqual(self.checksum(), before)
        self.assertEqual(self.state_files(), files)
        self.assertEqual(swtest.read_jsonl(self.received), [])
        r = self.sw("once", "-c", conf)  # the real one: still new, and delivered
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(sorted(e["body"]["item"]["title"]
                                for e in swtest.read_jsonl(self.received)),
                         ["Statement number 2", "Statement number 3"])
        self.assertNotEqual(self.checksum(), before)

    def test_a_first_dry_run_creates_no_store(self):
        conf = self.conf(first="alert")
        self.steer(items=[1, 2])
        r = self.sw("once", "--dry-run", "-c", conf)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.titles(self.events(r.stdout)),
                         ["Statement number 1", "Statement number 2"])
        self.assertFalse(os.path.exists(self.state), self.state_files())
        self.assertEqual(swtest.read_jsonl(self.received), [])
        r = self.sw("once", "-c", conf)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(len(swtest.read_jsonl(self.received)), 2)

    def test_a_failed_poll_exits_1_and_prints_nothing(self):
        conf = self.conf(path="nothing-here")
        r = self.sw("once", "--dry-run", "-c", conf)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertEqual(r.stdout, "")
        self.assertFalse(os.path.exists(self.state))

    def test_beside_a_running_daemon(self):
        conf = self.conf()
        self.steer(items=[1])
        d = self.spawn([swtest.BIN, "run", "-c", conf])
        deadline = time.time() + 20
        while self.recorded_items() != 1:  # the baseline and the source's row are written
            self.assertLess(time.time(), deadline, d.output())
            time.sleep(0.05)
        self.assertTrue(os.path.exists(self.db + "-wal"))  # the daemon's log: no immutable copy
        self.steer(items=[2, 1])
        r = self.sw("once", "--dry-run", "-c", conf)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.titles(self.events(r.stdout)), ["Statement number 2"])
        self.assertEqual(swtest.read_jsonl(self.received), [])
        d.signal(signal.SIGTERM)
        self.assertEqual(d.wait(20), 0, d.output())

    def test_dry_run_is_an_option_of_once_only(self):
        r = self.sw("run", "--dry-run", "-c", self.conf())
        self.assertEqual(r.returncode, 2)
        self.assertIn("--dry-run is an option of once", r.stderr)


if __name__ == "__main__":
    swtest.main()
