"""daemon/pg_conn against a real PostgreSQL (issue 20), and the throw-away
server that tests/pgcluster.py gives every PostgreSQL test.

The C unit test build/tests/test_pg_conn (SW_BUILD: build/asan under
check-asan) skips when it is run alone; here it runs under
`tests/pgcluster.py run`, which starts a server for it. Skipped only when
the PostgreSQL server binaries are not installed.
"""
import os
import subprocess
import sys
import time

import swtest

sys.path.insert(0, os.path.join(swtest.ROOT, "tests"))
import pgcluster  # noqa: E402

BUILD = os.environ.get("SW_BUILD") or "build"
SCRIPT = os.path.join(swtest.ROOT, "tests", "pgcluster.py")


def unit_binary():
    base = BUILD if os.path.isabs(BUILD) else os.path.join(swtest.ROOT, BUILD)
    return os.path.join(base, "tests", "test_pg_conn")


class PgConnUnitTest(swtest.TestCase):
    def test_unit_test_against_a_real_server(self):
        if pgcluster.find_bindir() is None:
            self.skipTest(pgcluster.SKIP_MESSAGE)
        binary = unit_binary()
        self.assertTrue(os.access(binary, os.X_OK), "%s not built (make tests)" % binary)
        start = time.time()
        r = subprocess.run(["/usr/bin/python3", SCRIPT, "run", "--", binary],
                           capture_output=True, text=True, timeout=180,
                           env=dict(os.environ, CK_DEFAULT_TIMEOUT="60"))
        out = r.stdout + r.stderr
        self.assertEqual(r.returncode, 0, out[-6000:])
        # 15 connection cases and 6 of pg_conn_migrate: none may skip quietly
        self.assertIn("100%: Checks: 21, Failures: 0, Errors: 0", out)
        self.assertNotIn("skipped", r.stdout)
        print("test_pg_conn under pgcluster: %.1f s" % (time.time() - start))


class PgClusterTest(swtest.TestCase):
    def start(self, **kw):
        try:
            pg = pgcluster.Cluster(**kw).start()
        except pgcluster.Unavailable as e:
            self.skipTest(str(e))
        self.addCleanup(pg.stop)
        return pg

    def test_unix_socket_server_restart_terminate_stop(self):
        pg = self.start()
        directory, pid = pg.dir, pg.pid
        self.assertEqual(pg.psql("SELECT current_user"), "speechwatch")
        self.assertEqual(pg.psql("SHOW listen_addresses"), "")
        if os.geteuid() == 0:  # the server never runs as root
            with open("/proc/%d/status" % pid) as f:
                uid = [ln.split()[1] for ln in f if ln.startswith("Uid:")][0]
            self.assertNotEqual(uid, "0")
        sleeper = subprocess.Popen([os.path.join(pg.bindir, "psql"), "-X", "-c",
                                    "SELECT pg_sleep(30)"], env=dict(os.environ, **pg.env()),
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.addCleanup(sleeper.kill)
        deadline = time.time() + 10
        while time.time() < deadline and pg.psql(
                "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep%'") == "0":
            time.sleep(0.05)
        self.assertEqual(pg.terminate_backends(), 1)
        self.assertNotEqual(sleeper.wait(timeout=10), 0)
        pg.restart(mode="immediate")
        self.assertNotEqual(pg.pid, pid)
        self.assertFalse(pgcluster.alive(pid))
        self.assertEqual(pg.psql("SELECT 1"), "1")
        new_pid = pg.pid
        pg.stop()
        self.assertFalse(pgcluster.alive(new_pid))
        self.assertFalse(os.path.exists(directory))

    def test_tcp_on_a_free_loopback_port(self):
        pg = self.start(tcp=True)
        env = pg.env()
        self.assertEqual(env["PGHOST"], "127.0.0.1")
        self.assertEqual(pg.psql("SELECT inet_server_port()"), env["PGPORT"])

    def test_run_command_passes_the_exit_status(self):
        bindir = pgcluster.find_bindir()
        if bindir is None:
            self.skipTest(pgcluster.SKIP_MESSAGE)
        r = subprocess.run(["/usr/bin/python3", SCRIPT, "run", "--", "sh", "-c",
                            '"$0"/psql -X -At -c "SELECT 40 + 2" && test -S "$PGHOST/.s.PGSQL.$PGPORT"'
                            ' && echo "$SW_PGCLUSTER_DIR" && exit 3', bindir],
                           capture_output=True, text=True, timeout=120)
        self.assertEqual(r.returncode, 3, r.stdout + r.stderr)
        lines = r.stdout.split()
        self.assertEqual(lines[0], "42")
        self.assertFalse(os.path.exists(lines[1]), "the cluster's directory is left behind")


if __name__ == "__main__":
    swtest.main()
