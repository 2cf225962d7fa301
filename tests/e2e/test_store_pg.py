"""The store on PostgreSQL (issue 20).

1. Every build/tests/test_store_pg_* program holds backend-neutral checks
   of the store: run alone (the unit pass) they use SQLite; here they run
   again with SW_TEST_PG=1 on a throw-away PostgreSQL, so the same checks
   prove the two backends give the same answers.
2. `[daemon] database` names a PostgreSQL store: the commands read it, a
   password in it is never shown, `run` refuses it clearly for now, and a
   value that names no store is an error at its line.

Skipped only when the PostgreSQL server binaries are not installed.
"""
import glob
import os
import sys
import time

import swtest

sys.path.insert(0, os.path.join(swtest.ROOT, "tests"))
import pgcluster  # noqa: E402

BUILD = os.environ.get("SW_BUILD") or "build"


def contract_programs():
    base = BUILD if os.path.isabs(BUILD) else os.path.join(swtest.ROOT, BUILD)
    return sorted(glob.glob(os.path.join(base, "tests", "test_store_pg_*")))


class PgTestCase(swtest.TestCase):
    def cluster(self):
        pg = pgcluster.started_or_skip()
        self.addCleanup(pg.stop)
        return pg


class ContractOnPostgres(PgTestCase):
    def test_store_checks_pass_on_postgresql_too(self):
        programs = contract_programs()
        self.assertTrue(programs, "no build/tests/test_store_pg_* built (make tests)")
        for prog in programs:
            start = time.time()
            pg = self.cluster()  # one each: a program may damage or restart its server
            env = dict(pg.env(), SW_TEST_PG="1", CK_DEFAULT_TIMEOUT="120",
                       SW_PGCLUSTER_DIR=pg.dir,
                       SW_PGCLUSTER_SCRIPT=os.path.join(swtest.ROOT, "tests", "pgcluster.py"))
            r = self.sw_prog(prog, env)
            pg.stop()
            out = r.stdout + r.stderr
            self.assertEqual(r.returncode, 0, "%s on PostgreSQL:\n%s" % (prog, out[-6000:]))
            self.assertIn("Failures: 0, Errors: 0", out)
            self.assertNotIn("skipped", r.stdout)
            print("%s on PostgreSQL: %.1f s" % (os.path.basename(prog), time.time() - start))

    def sw_prog(self, prog, env):
        import subprocess
        full = dict(os.environ)
        full.update(env)
        return subprocess.run([prog], capture_output=True, text=True, timeout=600, env=full)


CONF = """[daemon]
state_dir = {state}
database = {database}
[source "news"]
url = http://127.0.0.1:9/news/
items = //li
"""


class DatabaseKey(PgTestCase):
    def conf(self, database):
        return self.write("sw.conf", CONF.format(state=os.path.join(self.tmp, "state"),
                                                 database=database))

    def test_commands_read_a_postgresql_store_and_never_show_its_password(self):
        pg = self.cluster()
        pg.psql("ALTER USER speechwatch PASSWORD 'hunter2secret'")
        url = "postgresql://speechwatch:hunter2secret@/postgres?host=%s&port=%d" % (
            pg.dir, pg.port)
        conf = self.conf(url)
        for args in (["status"], ["status", "--json"], ["search", "statement"],
                     ["events", "list"], ["sources"]):
            r = self.sw(*args, "-c", conf)
            out = r.stdout + r.stderr
            self.assertNotIn("hunter2secret", out, args)
            self.assertNotIn("Traceback", out)
            if args[0] != "search":  # search needs a store to search
                self.assertIn(r.returncode, (0, 1), "%s: %s" % (args, out))
        r = self.sw("status", "-c", conf)
        self.assertIn("no state yet: postgresql://speechwatch:***@", r.stdout)

    def test_once_makes_and_fills_a_postgresql_store(self):
        pg = self.cluster()
        conf = self.conf("postgresql:" + pg.conninfo())
        r = self.sw("once", "-c", conf, timeout=60)
        self.assertEqual(r.returncode, 1, r.stderr)  # its one source cannot be reached
        self.assertIn("source=news", r.stderr)
        self.assertIn("1", pg.psql("SELECT count(*) FROM sources WHERE id = 'news'"))
        r = self.sw("status", "-c", conf)
        self.assertIn("news", r.stdout)

    def test_check_says_whether_the_server_holds_a_store(self):
        pg = self.cluster()
        conf = self.conf("postgresql:" + pg.conninfo())
        r = self.sw("check", "-c", conf)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("sw.conf:3: notice: database postgresql:", r.stderr)
        self.assertIn("answers and holds no store yet", r.stderr)
        # a SQLite store (a once over a dead source) copied there: now it holds one
        sqlite_conf = self.write("sqlite.conf", CONF.replace("database = {database}\n", "")
                                 .format(state=os.path.join(self.tmp, "state")))
        self.sw("once", "-c", sqlite_conf, timeout=60)
        r = self.sw("migrate", "--from", "sqlite:" + os.path.join(self.tmp, "state",
                                                                "speechwatch.db"),
                    "--to", "postgresql:" + pg.conninfo())
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        r = self.sw("check", "-c", conf)
        self.assertIn("holds a speechwatch store", r.stderr)
        # a server that does not answer: a warning naming it, not an error
        r = self.sw("check", "-c", self.conf("postgresql:host=%s port=1 user=speechwatch"
                                             % pg.dir))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("warning: database:", r.stderr)
        self.assertIn("port=1", r.stderr)

    def test_a_value_that_names_no_store_is_an_error_at_its_line(self):
        conf = self.conf("mysql://db/sw")
        r = self.sw("check", "-c", conf)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("sw.conf:3", r.stderr + r.stdout)
        self.assertIn("database", r.stderr + r.stdout)

    def test_a_service_name_is_a_postgresql_store(self):
        pg = self.cluster()
        services = self.write("pg_service.conf", "[sw]\nhost=%s\nport=%d\nuser=speechwatch\n"
                              "dbname=postgres\n" % (pg.dir, pg.port))
        conf = self.conf("service=sw")
        r = self.sw("status", "-c", conf, env={"PGSERVICEFILE": services})
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("no state yet: postgresql:service=sw", r.stdout)
        # the same without the service file: the server cannot be found, and status says so
        r = self.sw("status", "-c", conf, env={"PGSERVICEFILE": "/nonexistent"})
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("postgresql:service=sw", r.stderr)


if __name__ == "__main__":
    swtest.main()
