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

    # ---- item 20: retention, vacuum, the store's size ----

    def stored_with_texts(self):
        """Three statements alerted with their texts and raw pages, indexed for
        search; the ocean and cyber ones then made 40 days old.

        Retention walks the items in id order and stops at the first one too new
        (ids grow with first sightings in a real store), so the two aged must have
        the lowest ids: one fetch at a time stores them in the list's order."""
        r = self.sw("once", "-c", self.conf("first_poll = alert\nmax_per_host = 1"), timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.sw("search", "-c", self.conf(), "Protectionism")  # indexes them all
        self.assertEqual(r.returncode, 0, r.stderr)
        db = sqlite3.connect(self.db)
        self.assertEqual(db.execute("SELECT count(*) FROM items WHERE text IS NOT NULL "
                                    "AND raw IS NOT NULL").fetchone()[0], 3)
        self.assertEqual(db.execute("SELECT indexed_upto FROM fts_state").fetchone()[0], 3)
        order = [u.rsplit("/", 1)[1] for (u,) in db.execute("SELECT url FROM items ORDER BY id")]
        self.assertEqual(order[-1], "address-trade-forum.html", order)
        with db:
            db.execute("UPDATE items SET first_seen = first_seen - 40 * 86400 "
                       "WHERE url LIKE '%ocean%' OR url LIKE '%cyber%'")
        events = db.execute("SELECT id, payload FROM events ORDER BY id").fetchall()
        self.assertEqual(len(events), 3)
        db.close()
        return events

    def search_urls(self, query):
        r = self.sw("search", "-c", self.conf(), query, "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        return sorted(json.loads(line)["url"].rsplit("/", 1)[1] for line in r.stdout.splitlines())

    def assert_retained(self, events, raw_gone, text_gone):
        db = sqlite3.connect(self.db)
        rows = {u.rsplit("/", 1)[1]: (raw, text, rh, th) for u, raw, text, rh, th in db.execute(
            "SELECT url, raw IS NOT NULL, text IS NOT NULL, raw_sha256, text_sha256 FROM items")}
        self.assertEqual(len(rows), 3, "items are kept")
        for name, (raw, text, rh, th) in rows.items():
            old = "ocean" in name or "cyber" in name
            self.assertEqual(raw, 0 if old and raw_gone else 1, name)
            self.assertEqual(text, 0 if old and text_gone else 1, name)
            self.assertIsNotNone(rh, "the raw page's hash is kept")
            self.assertIsNotNone(th, "the text's hash is kept")
        self.assertEqual(db.execute("SELECT id, payload FROM events ORDER BY id").fetchall(),
                         events, "events are kept as they were")
        # the search index matches the items table (FTS5's own check of a content table)
        db.execute("INSERT INTO items_fts(items_fts, rank) VALUES ('integrity-check', 1)")
        db.close()

    def test_vacuum_drops_old_raw_pages_and_texts_and_search_follows(self):
        events = self.stored_with_texts()
        self.assertEqual(self.search_urls("biodiversity"), ["statement-ocean-treaty.html"])
        conf = self.conf("keep_raw_days = 10\nkeep_text_days = 30")
        r = self.sw("vacuum", "-c", conf, "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        out = json.loads(r.stdout)
        self.assertEqual((out["raw_dropped"], out["text_dropped"]), (2, 2))
        self.assertEqual(out["bytes_after"], os.path.getsize(self.db))
        self.assert_retained(events, raw_gone=True, text_gone=True)
        self.assertEqual(self.search_urls("biodiversity"), [], "a dropped text is not found")
        self.assertEqual(self.search_urls("eleven norms"), [])
        self.assertEqual(self.search_urls("Protectionism"), ["address-trade-forum.html"])
        self.assertEqual(self.search_urls("ocean treaty"), ["statement-ocean-treaty.html"],
                         "its title still is")
        # nothing more to drop; the default keeps everything
        r = self.sw("vacuum", "-c", conf)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("dropped 0 raw page(s) and 0 text(s)", r.stdout)

    def test_texts_inside_the_recheck_window_are_kept(self):
        events = self.stored_with_texts()
        r = self.sw("vacuum", "-c", self.conf("keep_text_days = 1\nrecheck_days = 60"))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assert_retained(events, raw_gone=False, text_gone=False)

    def test_the_running_daemon_applies_retention_and_vacuum_waits_for_it(self):
        events = self.stored_with_texts()
        conf = self.conf("keep_raw_days = 10")
        d = self.spawn([swtest.BIN, "run", "-c", conf])
        self.wait_output(d, "retention: dropped 2 raw page(s) and 0 text(s)", timeout=30)
        r = self.sw("vacuum", "-c", conf)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("pid %d" % d.pid, r.stderr)
        d.signal(signal.SIGTERM)
        self.assertEqual(d.wait(15), 0)
        self.assert_retained(events, raw_gone=True, text_gone=False)

    def test_status_reports_the_store_size(self):
        conf = self.conf()
        j = json.loads(self.sw("status", "-c", conf, "--json").stdout)
        self.assertEqual(j["store"], {"location": self.db, "bytes": 0, "free_bytes": 0})
        self.stored_with_texts()
        j = json.loads(self.sw("status", "-c", conf, "--json").stdout)
        size = os.path.getsize(self.db)
        if os.path.exists(self.db + "-wal"):
            size += os.path.getsize(self.db + "-wal")
        self.assertEqual(j["store"]["bytes"], size)
        self.assertGreaterEqual(j["store"]["free_bytes"], 0)
        import test_status
        test_status.validate_against_schema(self, j)
        r = self.sw("status", "-c", conf)
        self.assertRegex(r.stdout, r"store %s: \d+\.\d MiB" % self.db)


if __name__ == "__main__":
    swtest.main()
