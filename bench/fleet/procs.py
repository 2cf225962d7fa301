"""Child processes of the fleet bench: started with their output in files,
measured with wait4 (user+sys CPU and peak RSS of exactly that child), and
always stopped by pid, also on Ctrl-C, SIGTERM or an exception (stop_all)."""
import os
import signal
import socket
import subprocess
import time

LIVE = {}  # pid -> (Popen, name)


class Timeout(Exception):
    pass


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(args, name, stdout_path, stderr_path, env=None, cwd=None):
    # Everything stays on 127.0.0.1: no proxy from the environment (libcurl and
    # python-requests both read *_proxy).
    full_env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    full_env.update(env or {})
    with open(stdout_path, "wb") as out, open(stderr_path, "wb") as err:
        p = subprocess.Popen(args, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                             env=full_env, cwd=cwd)
    LIVE[p.pid] = (p, name)
    return p


def reap(p, timeout):
    """Waits for p for at most timeout seconds (polling, so the wait is
    bounded); returns (exit code, rusage). On timeout the child is killed and
    Timeout raised."""
    deadline = time.monotonic() + timeout
    while True:
        pid, status, ru = os.wait4(p.pid, os.WNOHANG)
        if pid == p.pid:
            p.returncode = os.waitstatus_to_exitcode(status)
            LIVE.pop(p.pid, None)
            return p.returncode, ru
        if time.monotonic() > deadline:
            name = LIVE.get(p.pid, (p, "child"))[1]
            stop(p, grace=2)
            raise Timeout("%s did not finish within %.0f s" % (name, timeout))
        time.sleep(0.02)


def run(args, name, stdout_path, stderr_path, timeout, env=None):
    """Runs a command to completion: (exit code, cpu seconds, wall seconds, peak RSS in KiB)."""
    t0 = time.monotonic()
    p = start(args, name, stdout_path, stderr_path, env=env)
    code, ru = reap(p, timeout)
    return code, ru.ru_utime + ru.ru_stime, time.monotonic() - t0, ru.ru_maxrss


def stop(p, grace=10.0, sig=signal.SIGTERM):
    """Signals p by pid, waits up to grace seconds, then SIGKILLs it."""
    if p.poll() is None:
        try:
            os.kill(p.pid, sig)
        except ProcessLookupError:
            pass
        try:
            p.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            try:
                os.kill(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            p.wait(timeout=10)
    LIVE.pop(p.pid, None)
    return p.returncode


def stop_all():
    for pid in list(LIVE):
        p, _ = LIVE[pid]
        stop(p, grace=5)


def _term(signum, frame):
    raise SystemExit(128 + signum)


def install_signal_handlers():
    """SIGTERM and SIGHUP unwind like Ctrl-C, so that finally blocks stop the children."""
    signal.signal(signal.SIGTERM, _term)
    signal.signal(signal.SIGHUP, _term)


def proc_sample(pid):
    """(RSS KiB, peak RSS KiB, open fds, cpu seconds) of a live process, from /proc."""
    rss = hwm = 0
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
            elif line.startswith("VmHWM:"):
                hwm = int(line.split()[1])
    fds = len(os.listdir("/proc/%d/fd" % pid))
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    cpu = (int(fields[11]) + int(fields[12])) / tick  # utime, stime (fields 14, 15 of stat)
    return rss, hwm, fds, cpu


def wait_port(port, p, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if p.poll() is not None:
            return False
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.05)
    return False
