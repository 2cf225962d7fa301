#!/usr/bin/python3
"""A throw-away PostgreSQL server for one test (issue 20).

initdb in a temporary directory (trust authentication, no fsync), started
with pg_ctl on a Unix socket in that directory (no port to clash), or on a
free loopback port when a test needs TCP. initdb and postgres refuse to run
as root, so when the test runs as root (CI, in a container) they run as
`nobody` through setpriv, and the directory is given to that user. The
server is stopped by pid at the end, also when the test fails (context
manager, and atexit as a last resort).

As a module:

    with pgcluster.Cluster() as pg:      # raises Unavailable without binaries
        env = pg.env()                   # PGHOST PGPORT PGUSER PGDATABASE
        pg.psql("SELECT 1")
        pg.terminate_backends()          # every client session dies
        pg.restart(mode="immediate")     # a database crash and recovery

As a command:

    python3 tests/pgcluster.py run [--tcp] -- build/tests/test_pg_conn
        runs the program with PG* set (and SW_PGCLUSTER_DIR, SW_PGCLUSTER_SCRIPT
        for a program that wants to restart the server), exits with its status;
        77 with "skipped: PostgreSQL server binaries not installed" when absent.
    python3 tests/pgcluster.py restart DIR [--mode immediate|fast] [--down SECONDS]
    python3 tests/pgcluster.py terminate DIR
"""
import atexit
import glob
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import unittest
import time

SKIP_MESSAGE = "skipped: PostgreSQL server binaries not installed"
USER = "speechwatch"
DATABASE = "postgres"


class Unavailable(Exception):
    """The server binaries are not installed."""


def started_or_skip(**kw):
    """A started Cluster(**kw); a test that calls it is skipped, saying why, when
    the server binaries are absent."""
    try:
        return Cluster(**kw).start()
    except Unavailable as e:
        raise unittest.SkipTest(str(e))


def find_bindir():
    """The directory holding initdb, pg_ctl and postgres (SW_PG_BIN, Debian's
    /usr/lib/postgresql/N/bin, newest first, or PATH), or None."""
    cands = [os.environ.get("SW_PG_BIN", "")]
    cands += sorted(glob.glob("/usr/lib/postgresql/*/bin"),
                    key=lambda p: int(p.split("/")[-2]) if p.split("/")[-2].isdigit() else 0,
                    reverse=True)
    initdb = shutil.which("initdb")
    if initdb:
        cands.append(os.path.dirname(initdb))
    for d in cands:
        if d and all(os.access(os.path.join(d, b), os.X_OK) for b in ("initdb", "pg_ctl", "postgres")):
            return d
    return None


def alive(pid):
    """pid runs and is not a zombie (the postmaster's parent is whoever
    adopted it, which in a container may never reap it)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except (OSError, IndexError):
        pass
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """One server: start() (or `with`), stop(). State is kept in DIR/cluster.json
    so another process (Cluster.attach) can restart it."""

    def __init__(self, tcp=False, settings=None):
        self.tcp = tcp
        # Extra server settings ({name: value}, passed as -c name=value), e.g.
        # shared_preload_libraries for a bench; none by default.
        self.settings = dict(settings or {})
        self.dir = None
        self.pid = None
        self.port = 5432
        self.uid = self.gid = None
        self.bindir = None

    # -- running the server's programs as its owner --
    def _cmd(self, prog, *args):
        cmd = [os.path.join(self.bindir, prog)] + list(args)
        if self.uid is not None:
            cmd = ["setpriv", "--reuid=%d" % self.uid, "--regid=%d" % self.gid,
                   "--clear-groups", "--"] + cmd
        return cmd

    def _run(self, prog, *args, timeout=60):
        r = subprocess.run(self._cmd(prog, *args), cwd=self.dir, capture_output=True, text=True,
                           timeout=timeout, stdin=subprocess.DEVNULL)
        if r.returncode != 0:
            raise RuntimeError("%s failed (%d): %s%s%s" % (prog, r.returncode, r.stdout, r.stderr,
                                                          self._log_tail()))
        return r.stdout

    def _log_tail(self):
        try:
            with open(os.path.join(self.dir, "server.log"), errors="replace") as f:
                return "\nserver.log:\n" + f.read()[-3000:]
        except OSError:
            return ""

    @property
    def data(self):
        return os.path.join(self.dir, "data")

    def _options(self):
        opts = "-k %s -p %d -c fsync=off -c synchronous_commit=off -c full_page_writes=off" % (
            self.dir, self.port)
        opts += "".join(" -c %s=%s" % kv for kv in sorted(self.settings.items()))
        return opts + (" -c listen_addresses=127.0.0.1" if self.tcp else " -c listen_addresses=''")

    def _read_pid(self):
        with open(os.path.join(self.data, "postmaster.pid")) as f:
            self.pid = int(f.readline())

    def _save(self):
        with open(os.path.join(self.dir, "cluster.json"), "w") as f:
            json.dump({"tcp": self.tcp, "port": self.port, "uid": self.uid, "gid": self.gid,
                       "bindir": self.bindir, "pid": self.pid, "settings": self.settings}, f)

    @classmethod
    def attach(cls, directory):
        """The cluster another process started in directory."""
        with open(os.path.join(directory, "cluster.json")) as f:
            st = json.load(f)
        c = cls(tcp=st["tcp"], settings=st.get("settings"))
        c.dir, c.port, c.uid, c.gid, c.bindir, c.pid = (
            directory, st["port"], st["uid"], st["gid"], st["bindir"], st["pid"])
        return c

    def start(self):
        self.bindir = find_bindir()
        if self.bindir is None:
            raise Unavailable(SKIP_MESSAGE)
        if os.geteuid() == 0:  # initdb and postgres refuse root
            pw = pwd.getpwnam("nobody")
            self.uid, self.gid = pw.pw_uid, pw.pw_gid
        self.dir = tempfile.mkdtemp(prefix="sw-pg-")
        atexit.register(self.stop)
        os.chmod(self.dir, 0o755)  # the socket's directory: clients of any user
        if self.uid is not None:
            os.chown(self.dir, self.uid, self.gid)
        if self.tcp:
            self.port = free_port()
        self._run("initdb", "-D", self.data, "-U", USER, "--auth=trust", "--no-sync",
                  "-E", "UTF8", "--locale=C")
        self._pg_ctl_start()
        return self

    def _pg_ctl_start(self):
        self._run("pg_ctl", "-D", self.data, "-o", self._options(), "-l",
                  os.path.join(self.dir, "server.log"), "-w", "-t", "60", "start")
        self._read_pid()
        self._save()

    def restart(self, mode="immediate", down=0.0):
        """Stops the server (immediate: as a crash, no shutdown checkpoint) and
        starts it again on the same socket/port, down seconds later (an
        outage longer than a client's lease); returns when it accepts
        connections."""
        self._run("pg_ctl", "-D", self.data, "-m", mode, "-w", "stop")
        time.sleep(down)
        self._pg_ctl_start()

    def env(self):
        return {"PGHOST": "127.0.0.1" if self.tcp else self.dir, "PGPORT": str(self.port),
                "PGUSER": USER, "PGDATABASE": DATABASE}

    def conninfo(self):
        e = self.env()
        return "host=%s port=%s user=%s dbname=%s" % (e["PGHOST"], e["PGPORT"], e["PGUSER"],
                                                      e["PGDATABASE"])

    def psql(self, sql, timeout=30):
        """Runs sql with psql (unaligned, tuples only); returns its output."""
        r = subprocess.run([os.path.join(self.bindir, "psql"), "-X", "-A", "-t", "-v",
                            "ON_ERROR_STOP=1", "-c", sql], capture_output=True, text=True,
                           timeout=timeout, env=dict(os.environ, **self.env()),
                           stdin=subprocess.DEVNULL)
        if r.returncode != 0:
            raise RuntimeError("psql: %s" % r.stderr)
        return r.stdout.strip()

    def terminate_backends(self):
        """pg_terminate_backend on every other client session; returns how many."""
        return int(self.psql("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                             "WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()"))

    def stop(self):
        """Stops the server by pid (SIGQUIT: immediate shutdown, then SIGKILL)
        and removes the directory. Safe to call twice."""
        if self.dir is None:
            return
        try:
            self._read_pid()  # a restart by another process changed it
        except (OSError, ValueError):
            pass
        if self.pid:
            self._kill(self.pid)
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir = None

    @staticmethod
    def _kill(pid):
        for sig, wait in ((signal.SIGQUIT, 10), (signal.SIGKILL, 5)):
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                return
            end = time.time() + wait
            while time.time() < end:
                if not alive(pid):
                    return
                time.sleep(0.05)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def _cmd_run(argv):
    tcp = "--tcp" in argv[:argv.index("--")] if "--" in argv else False
    prog = argv[argv.index("--") + 1:] if "--" in argv else []
    if not prog:
        sys.exit("usage: pgcluster.py run [--tcp] -- PROGRAM [ARGS...]")
    try:
        pg = Cluster(tcp=tcp).start()
    except Unavailable as e:
        print(e)
        return 77
    try:
        env = dict(os.environ, **pg.env())
        env["SW_PGCLUSTER_DIR"] = pg.dir
        env["SW_PGCLUSTER_SCRIPT"] = os.path.abspath(__file__)
        return subprocess.call(prog, env=env)
    finally:
        pg.stop()


def main(argv):
    if len(argv) >= 1 and argv[0] == "run":
        return _cmd_run(argv[1:])
    if len(argv) >= 2 and argv[0] == "restart":
        mode = argv[argv.index("--mode") + 1] if "--mode" in argv else "immediate"
        down = float(argv[argv.index("--down") + 1]) if "--down" in argv else 0.0
        Cluster.attach(argv[1]).restart(mode=mode, down=down)
        return 0
    if len(argv) >= 2 and argv[0] == "terminate":
        print(Cluster.attach(argv[1]).terminate_backends())
        return 0
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
