"""`speechwatch migrate --from sqlite:PATH --to postgresql://...` (issue 20,
deliverable 5): a store the daemon filled over the fixture site is copied
into a PostgreSQL started for the test, every row of sources, items,
item_versions and events equal column by column; a second run copies
nothing; after the SQLite store grew, only what is new or changed; an item
PostgreSQL holds under another id is named and left out; refusals say why
and never show a password."""
import fcntl
import json
import os
import re
import sqlite3
import subprocess
import sys
import urllib.request

import swtest
from pipeline_util import new_secret

sys.path.insert(0, os.path.join(swtest.ROOT, "tests"))
import pgcluster  # noqa: E402

CONF = """[daemon]
state_dir = {state}
first_poll = alert
recheck_days = 30
[source "news"]
url = http://127.0.0.1:{port}/news/index.html
items = //ul[@class="news-list"]/li
date = span[@class="date"]
include = {root}/config/themes/diplomacy.conf
[notify "out"]
type = stdout
[notify "hook"]
type = webhook
url = http://127.0.0.1:{dead}/hook
secret_file = {secret}
"""

# Each table with its key: the rows are compared in this order.
TABLES = {"sources": "id", "items": "id", "item_versions": "item_id, version",
          "events": "id"}
LINE = re.compile(r"^(\w+): copied (\d+) new, (\d+) updated, (\d+) unchanged(?:, (\d+) left out)?$")


def sqlite_value(v):
    """A SQLite value as PostgreSQL's JSON shows the same column."""
    if isinstance(v, bytes):
        return "\\x" + v.hex()
    return v


class MigrateTest(swtest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.pg = pgcluster.started_or_skip()
        cls.ndb = 0

    @classmethod
    def tearDownClass(cls):
        cls.pg.stop()

    def setUp(self):
        super().setUp()
        MigrateTest.ndb += 1
        self.db = "migrate%d" % self.ndb
        self.pg.psql("CREATE DATABASE %s" % self.db)
        env = self.pg.env()
        self.to = "postgresql:host=%s port=%s user=%s dbname=%s" % (
            env["PGHOST"], env["PGPORT"], env["PGUSER"], self.db)
        self.server, self.port = swtest.start_static_server(os.path.join(swtest.FIXTURES, "site"))
        self.procs.append(self.server)
        self.state = os.path.join(self.tmp, "state")
        self.conf = self.write("speechwatch.conf", CONF.format(
            state=self.state, port=self.port, root=swtest.ROOT, dead=pgcluster.free_port(),
            secret=self.write("hook.secret", new_secret(), mode=0o600)))
        self.db_path = os.path.join(self.state, "speechwatch.db")

    def poll(self, version="."):
        urllib.request.urlopen("http://127.0.0.1:%d/__root?dir=%s" % (self.port, version)).read()
        r = self.sw("once", "-c", self.conf, timeout=120)
        self.assertTrue(os.path.exists(self.db_path), r.stderr)

    def psql(self, sql):
        r = subprocess.run([os.path.join(self.pg.bindir, "psql"), "-X", "-A", "-t", "-v",
                            "ON_ERROR_STOP=1", "-c", sql], capture_output=True, text=True,
                           timeout=60, env=dict(os.environ, **dict(self.pg.env(), PGDATABASE=self.db)),
                           stdin=subprocess.DEVNULL)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout.strip()

    def migrate(self, to=None, source=None, status=0):
        r = self.sw("migrate", "--from", source or "sqlite:" + self.db_path,
                    "--to", to or self.to, timeout=120)
        self.assertEqual(r.returncode, status, r.stdout + r.stderr)
        if os.environ.get("SW_SHOW"):
            print(r.stdout + r.stderr, file=sys.stderr)
        counts = {}
        for line in r.stdout.splitlines():
            m = LINE.match(line)
            self.assertIsNotNone(m, line)
            counts[m.group(1)] = tuple(int(g or 0) for g in m.groups()[1:])
        if status == 0:
            self.assertEqual(sorted(counts), sorted(TABLES))
        return counts, r

    def sqlite_rows(self, table):
        con = sqlite3.connect("file:%s?mode=ro" % self.db_path, uri=True)
        try:
            cur = con.execute("SELECT * FROM %s ORDER BY %s" % (table, TABLES[table]))
            names = [d[0] for d in cur.description]
            return [dict(zip(names, map(sqlite_value, row))) for row in cur]
        finally:
            con.close()

    def pg_rows(self, table):
        return json.loads(self.psql("SELECT coalesce(json_agg(t ORDER BY %s), '[]') FROM %s t"
                                    % (TABLES[table], table)))

    def assert_same_rows(self, tables=TABLES):
        for table in tables:
            want, got = self.sqlite_rows(table), self.pg_rows(table)
            self.assertEqual(len(got), len(want), table)
            for w, g in zip(want, got):
                # PostgreSQL's own columns (the outbox's claims) start empty
                extra = {k: g.pop(k) for k in list(g) if k not in w}
                self.assertEqual(g, w, table)
                self.assertFalse(any(v is not None for v in extra.values()), extra)

    def test_search_answers_the_same_on_both_stores(self):
        """Issue 20, deliverable 3: the copied store searched through
        `[daemon] database` gives what the SQLite store gives."""
        self.poll()
        self.poll("v2")
        self.migrate()
        with open(self.conf, encoding="utf-8") as f:
            pg_conf = self.write("pg.conf", f.read().replace(
                "[daemon]\n", "[daemon]\ndatabase = %s\n" % self.to, 1))
        queries = [["ocean"], ["ocean treaty"], ['"ocean treaty"'], ["ratification OR tariffs"],
                   ["security NOT ocean"], ["non-proliferation"], ["trad*"], ["Protectionism"],
                   ["ICT", "--json"], ["treaty", "--since", "2026-01-01"],
                   ["treaty", "--theme", "arms-control"], ['AND "unbalanced'], ["zzzznothing"]]
        hits = 0
        for q in queries:
            want = self.sw("search", "-c", self.conf, *q)
            got = self.sw("search", "-c", pg_conf, *q)
            self.assertEqual((got.returncode, got.stdout), (want.returncode, want.stdout), q)
            hits += want.stdout.count("\n") if want.returncode == 0 else 0
        self.assertGreater(hits, 5)  # the queries do find statements

    def test_every_row_copied_then_nothing_then_what_is_new(self):
        self.poll()
        items = self.sqlite_rows("items")
        self.assertGreaterEqual(len(items), 3)
        self.assertTrue(any(it["raw"] for it in items), "some raw pages to copy")
        self.assertTrue(any(it["theme_scores"] for it in items))
        states = {e["state"] for e in self.sqlite_rows("events")}
        self.assertGreaterEqual(len(states), 2, states)
        counts, _ = self.migrate()
        for table in TABLES:
            n = len(self.sqlite_rows(table))
            self.assertEqual(counts[table], (n, 0, 0, 0), table)
        self.assert_same_rows()

        counts, _ = self.migrate()
        for table in TABLES:
            self.assertEqual(counts[table][:2], (0, 0), table)
            self.assertEqual(counts[table][2], len(self.sqlite_rows(table)), table)

        before = {t: len(self.sqlite_rows(t)) for t in TABLES}
        self.poll("v2")
        versions = self.sqlite_rows("item_versions")
        self.assertGreater(len(versions), 0, "v2 changes a statement's text")
        counts, _ = self.migrate()
        self.assertEqual(counts["items"][0], len(self.sqlite_rows("items")) - before["items"])
        self.assertGreater(counts["items"][1], 0, "the changed statement and touched items")
        self.assertEqual(counts["item_versions"], (len(versions) - before["item_versions"], 0,
                                                   before["item_versions"], 0))
        self.assertEqual(counts["events"][0], len(self.sqlite_rows("events")) - before["events"])
        self.assert_same_rows()

        # A daemon on PostgreSQL goes on after the largest id copied.
        top = max(it["id"] for it in self.sqlite_rows("items"))
        new_id = int(self.psql("INSERT INTO items (source_id, url, norm_url, first_seen, last_seen)"
                               " VALUES ('news', 'http://x/new', 'x/new', 1, 1) RETURNING id")
                     .splitlines()[0])
        self.assertGreater(new_id, top)

    def test_item_under_another_id_is_named_and_left_out(self):
        self.poll()
        self.migrate()
        items = self.sqlite_rows("items")
        with_event = {e["item_id"] for e in self.sqlite_rows("events") if e["item_id"]}
        moved = next(it for it in items if it["id"] in with_event)
        taken = next(it for it in items if it["id"] != moved["id"])
        # A PostgreSQL daemon wrote one under another id, and another id for other URL.
        self.psql("UPDATE items SET id = 100000 WHERE id = %d" % moved["id"])
        self.psql("UPDATE items SET url = 'http://elsewhere/x' WHERE id = %d" % taken["id"])
        counts, r = self.migrate(status=1)
        self.assertIn(moved["url"], r.stderr)
        self.assertIn("item 100000", r.stderr)
        self.assertIn(taken["url"], r.stderr)
        self.assertIn("http://elsewhere/x", r.stderr)
        self.assertIn("2 item(s) left out", r.stderr)
        self.assertEqual(counts["items"][3], 2)
        self.assertGreaterEqual(counts["events"][3], 1)
        self.assertEqual(self.psql("SELECT url FROM items WHERE id = %d" % taken["id"]),
                         "http://elsewhere/x", "the other item is not overwritten")
        self.assertEqual(self.psql("SELECT count(*) FROM items WHERE url = '%s'"
                                   % moved["url"].replace("'", "''")), "1")

    def test_older_sqlite_schema_is_migrated_in_a_copy(self):
        self.poll()
        con = sqlite3.connect(self.db_path)
        con.executescript("DROP INDEX items_newest; DROP TRIGGER items_versions_au;"
                          " DROP TABLE item_versions; ALTER TABLE items DROP COLUMN theme_scores;"
                          " PRAGMA user_version = 7;")
        con.close()
        counts, _ = self.migrate()
        self.assertGreaterEqual(counts["items"][0], 3)
        self.assertGreater(int(self.psql("SELECT count(*) FROM items WHERE theme_scores IS NOT NULL")),
                           0, "theme_scores filled by the 7 -> 8 step from the events")
        con = sqlite3.connect(self.db_path)
        self.assertEqual(con.execute("PRAGMA user_version").fetchone()[0], 7, "file untouched")
        con.close()

    def test_refusals_and_no_password_shown(self):
        r = self.sw("migrate", "--from", "sqlite:" + self.db_path, "--to", self.to)
        self.assertEqual(r.returncode, 1)
        self.assertIn("no such store", r.stderr)
        self.poll()
        for args in (["--from", self.db_path], ["--to", self.to],
                     ["--from", self.db_path, "--to", "sqlite:/tmp/x.db"],
                     ["--from", self.to, "--to", self.to]):
            r = self.sw("migrate", *args)
            self.assertEqual(r.returncode, 2, args)
            self.assertIn("speechwatch migrate", r.stderr)
        port = pgcluster.free_port()
        r = self.sw("migrate", "--from", self.db_path,
                    "--to", "postgresql://speechwatch:s3cretpw@127.0.0.1:%d/x" % port)
        self.assertEqual(r.returncode, 1)
        self.assertIn("127.0.0.1", r.stderr)
        self.assertIn(str(port), r.stderr)
        self.assertNotIn("s3cretpw", r.stdout + r.stderr)
        env = self.pg.env()
        uri = "postgresql://speechwatch:s3cretpw@/%s?host=%s&port=%s" % (
            self.db, env["PGHOST"], env["PGPORT"])
        _, r = self.migrate(to=uri)
        self.assertNotIn("s3cretpw", r.stdout + r.stderr)
        self.assertEqual(self.psql("SELECT count(*) FROM sources"), "1")

    def test_refused_while_the_daemon_holds_the_state_directory(self):
        self.poll()
        with open(os.path.join(self.state, "speechwatch.lock"), "w") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            f.write("%d\n" % os.getpid())
            f.flush()
            r = self.sw("migrate", "--from", "sqlite:" + self.db_path, "--to", self.to)
            here = subprocess.run([swtest.BIN, "migrate", "--from", "speechwatch.db", "--to",
                                   self.to], cwd=self.state, capture_output=True, text=True,
                                  timeout=60, stdin=subprocess.DEVNULL)
        for r in (r, here):
            self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
            self.assertIn(str(os.getpid()), r.stderr)
            self.assertIn("stop the daemon", r.stderr)
        self.assertEqual(self.psql("SELECT to_regclass('items') IS NULL"), "t", "nothing written")


if __name__ == "__main__":
    swtest.main()
