"""The PostgreSQL store in a database whose collation is not bytewise
(issue 20).

tests/pgcluster.py makes its cluster with --locale=C, where text sorts
byte by byte as in SQLite; an operator's database is usually created
with a language's collation (Debian's default en_US.UTF-8), where "a"
sorts before "B" and punctuation is skipped. Here the sources-and-items
unit test build/tests/test_store_pg_items (SW_BUILD: build/asan under
check-asan) runs in a database made with ICU's en-US collation: its
orderings (source ids, published dates) must still be SQLite's.
Skipped when the PostgreSQL server binaries are absent or the server was
built without ICU.
"""
import os
import subprocess
import sys

import swtest

sys.path.insert(0, os.path.join(swtest.ROOT, "tests"))
import pgcluster  # noqa: E402

BUILD = os.environ.get("SW_BUILD") or "build"
DATABASE = "sw_en_us"


def unit_binary():
    base = BUILD if os.path.isabs(BUILD) else os.path.join(swtest.ROOT, BUILD)
    return os.path.join(base, "tests", "test_store_pg_items")


class StorePgCollationTest(swtest.TestCase):
    def test_items_keep_sqlite_order_under_a_language_collation(self):
        pg = pgcluster.started_or_skip()
        self.addCleanup(pg.stop)
        binary = unit_binary()
        self.assertTrue(os.access(binary, os.X_OK), "%s not built (make tests)" % binary)
        try:
            pg.psql("CREATE DATABASE %s TEMPLATE template0 LOCALE_PROVIDER icu"
                    " ICU_LOCALE 'en-US' LOCALE 'C'" % DATABASE)
        except RuntimeError as e:
            self.skipTest("no ICU collation in this PostgreSQL: %s" % e)
        env = dict(os.environ, **pg.env())
        env.update(PGDATABASE=DATABASE, SW_TEST_PG="1", CK_DEFAULT_TIMEOUT="60")
        # the database really orders as a language does: "a" before "B"
        self.assertEqual(pg.psql("SELECT string_agg(x, ',' ORDER BY x) FROM"
                                 " (VALUES ('B'), ('a')) v(x)").split("\n")[-1], "B,a")
        r = subprocess.run([os.path.join(pg.bindir, "psql"), "-X", "-A", "-t", "-c",
                            "SELECT string_agg(x, ',' ORDER BY x)"
                            " FROM (VALUES ('B'), ('a')) v(x)"],
                           capture_output=True, text=True, env=env, timeout=30,
                           stdin=subprocess.DEVNULL)
        self.assertEqual(r.stdout.strip(), "a,B", r.stderr)
        r = subprocess.run([binary], capture_output=True, text=True, env=env, timeout=300)
        out = r.stdout + r.stderr
        self.assertEqual(r.returncode, 0, out[-6000:])
        self.assertIn("Failures: 0, Errors: 0", out)


if __name__ == "__main__":
    swtest.main()
