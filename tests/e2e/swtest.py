"""Helpers shared by the end-to-end tests: the binary, temporary state,
free ports, and processes that are always cleaned up by pid.

Each test file is a plain unittest module; run it with /usr/bin/python3.
"""
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

ROOT = os.environ.get("SW_ROOT") or os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.environ.get("SPEECHWATCH_BIN") or os.path.join(ROOT, "build", "speechwatch")
SHARED = os.environ.get("SW_SHARED") or os.path.join(ROOT, "..", "shared")
FIXTURES = os.path.join(ROOT, "tests", "fixtures")


def shared_path(*parts):
    """Path inside ../shared, or None when ../shared is absent."""
    p = os.path.join(SHARED, *parts)
    return p if os.path.exists(p) else None


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Proc:
    """A child process whose output goes to a file; killed by pid on close."""

    def __init__(self, args, env=None, cwd=None, log=None):
        self.log_path = log or tempfile.mktemp(prefix="sw-proc-", suffix=".log")
        self.log = open(self.log_path, "wb")
        full_env = dict(os.environ)
        full_env.update(env or {})
        self.p = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT,
                                  stdin=subprocess.DEVNULL, env=full_env, cwd=cwd)
        self.pid = self.p.pid

    def output(self):
        self.log.flush()
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def signal(self, sig):
        if self.p.poll() is None:
            os.kill(self.pid, sig)

    def wait(self, timeout):
        return self.p.wait(timeout=timeout)

    def close(self):
        if self.p.poll() is None:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.p.wait(timeout=10)
        self.log.close()
        if os.environ.get("SW_KEEP_TMP"):
            return  # kept with the test's directory, to be read after a failure
        try:
            os.unlink(self.log_path)
        except FileNotFoundError:
            pass


def start_server(script, args, port_file=None):
    """Starts tests/servers/SCRIPT on 127.0.0.1 and waits for its port: from
    port_file when the server writes one, else from its first stdout line.
    Returns (Proc, port); the caller closes the Proc (by pid)."""
    path = os.path.join(ROOT, "tests", "servers", script)
    proc = Proc(["/usr/bin/python3", path] + list(args))
    deadline = time.time() + 15
    while time.time() < deadline:
        if port_file:
            if os.path.exists(port_file) and os.path.getsize(port_file) > 0:
                with open(port_file) as f:
                    return proc, int(f.read().strip())
        else:
            first = proc.output().split("\n", 1)
            if len(first) == 2 and first[0].strip().isdigit():
                return proc, int(first[0])
        if proc.p.poll() is not None:
            break
        time.sleep(0.05)
    out = proc.output()
    proc.close()
    raise RuntimeError("%s did not start: %s" % (script, out))


def start_static_server(directory, log=None):
    """A real HTTP server on 127.0.0.1 serving directory; returns (Proc, port).
    log: a file where the server records each request (static_http.py --log)."""
    port_file = tempfile.mktemp(prefix="sw-port-")
    extra = ["--log", log] if log else []
    try:
        return start_server("static_http.py", [directory, "--port-file", port_file] + extra,
                            port_file)
    finally:
        if os.path.exists(port_file):
            os.unlink(port_file)


class TestCase(unittest.TestCase):
    """Gives each test a temporary directory and closes its processes."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="sw-e2e-")
        self.procs = []
        # Cleanups run even when setUp itself fails or skips (tearDown would not).
        if not os.environ.get("SW_KEEP_TMP"):
            self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)
        self.addCleanup(self._close_procs)

    def _close_procs(self):
        for p in self.procs:
            p.close()

    def spawn(self, args, **kw):
        p = Proc(args, **kw)
        self.procs.append(p)
        return p

    def sw(self, *args, env=None, timeout=60):
        """Runs the binary to completion; returns CompletedProcess (text)."""
        full_env = dict(os.environ)
        full_env.update(env or {})
        return subprocess.run([BIN] + list(args), capture_output=True, text=True,
                              timeout=timeout, env=full_env, stdin=subprocess.DEVNULL)

    def write(self, name, text, mode=0o644):
        path = os.path.join(self.tmp, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(path, mode)
        return path


def main():
    """unittest.main with a closing line the runner understands."""
    prog = unittest.main(exit=False, verbosity=2)
    r = prog.result
    # Count tests, not subtests: a test with several failing subtests fails once.
    failed = len({t.id() if not hasattr(t, "test_case") else t.test_case.id()
                  for t, _ in r.failures + r.errors})
    skipped = len(r.skipped)
    for _, reason in r.skipped:
        print(reason if reason.startswith("skipped:") else "skipped: " + reason)
    print("%d passed, %d failed, %d skipped" % (r.testsRun - failed - skipped, failed, skipped))
    # 77: every test skipped (tests/run-all counts the program as skipped)
    sys.exit(1 if failed else 77 if r.testsRun and skipped == r.testsRun else 0)


def start_webhook_receiver(tmp, secret, port=None):
    """The Standard Webhooks receiver of tests/servers; returns (Proc, port, log path)."""
    port_file = os.path.join(tmp, "receiver.port.%d" % time.time_ns())
    log = os.path.join(tmp, "receiver.%d.jsonl" % time.time_ns())
    args = ["--secret", secret, "--port-file", port_file, "--log", log]
    if port:
        args += ["--port", str(port)]
    proc, port = start_server("webhook_receiver.py", args, port_file)
    return proc, port, log


def read_jsonl(path):
    """The complete lines of a JSON Lines file a server may still be writing:
    a last line without its newline is not written yet and is left out."""
    import json
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as f:
        return [json.loads(l) for l in f if l.endswith("\n") and l.strip()]
