"""A Debian 12 root booted under systemd for the end-to-end tests: built with
debootstrap (minbase + systemd + the packages the test names), booted with
`systemd-nspawn -b --private-network`, entered with nsenter. The container
has no network but its own loopback; a server for it runs on the host in the
container's network namespace only (nsenter -n), so the host's Python serves
the container's 127.0.0.1.

Booting needs root, systemd-nspawn, debootstrap, nsenter and a Debian
mirror; `why_not()` names what is missing so that a test can skip clearly."""
import os
import shutil
import signal
import subprocess
import time

TOOLS = ["systemd-nspawn", "debootstrap", "nsenter"]
SUITE = "bookworm"
PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def why_not():
    """None when a container can be built and booted here, else the reason."""
    if os.geteuid() != 0:
        return "booting a container needs root"
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if missing:
        return "%s absent (apt-get install systemd-container debootstrap)" % " ".join(missing)
    return None


def mirror():
    """The host's Debian mirror (its apt sources), else deb.debian.org."""
    for path in ["/etc/apt/sources.list.d/debian.sources", "/etc/apt/sources.list"]:
        try:
            with open(path) as f:
                for line in f:
                    words = line.split()
                    if words[:1] == ["URIs:"] and words[1].endswith("/debian"):
                        return words[1]
                    if words[:1] == ["deb"] and len(words) > 2 and words[-2] == SUITE:
                        return words[1]
        except OSError:
            pass
    return "http://deb.debian.org/debian"


class Container:
    """One root directory under TOP, booted at most once."""

    def __init__(self, top, packages):
        self.top = top
        self.root = os.path.join(top, "root")
        self.packages = ["systemd", "systemd-sysv", "dbus"] + list(packages)
        self.log_path = os.path.join(top, "debootstrap.log")
        self.boot_log = os.path.join(top, "boot.log")
        self.bootstrap = None
        self.nspawn = None
        self.pid = None  # the container's init, as the host sees it
        self.servers = []

    def bootstrap_start(self):
        """Starts debootstrap in the background (it downloads; the caller
        builds meanwhile)."""
        log = open(self.log_path, "wb")
        self.bootstrap = subprocess.Popen(
            ["debootstrap", "--variant=minbase", "--include=" + ",".join(self.packages),
             SUITE, self.root, mirror()],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        log.close()

    def bootstrap_wait(self, timeout=900):
        """None when the root is ready, else debootstrap's last words."""
        rc = self.bootstrap.wait(timeout=timeout)
        if rc == 0:
            return None
        with open(self.log_path, errors="replace") as f:
            return "debootstrap failed (%d): %s" % (rc, f.read()[-1500:])

    def boot(self, timeout=120):
        """Boots the root; None once systemd says the system is up, else
        why it is not (with the console's last lines)."""
        log = open(self.boot_log, "wb")
        # --register=no / --keep-unit: the host need not run systemd itself
        self.nspawn = subprocess.Popen(
            ["systemd-nspawn", "-q", "-D", self.root, "-b", "--private-network",
             "--register=no", "--keep-unit", "-M", "swtest%d" % os.getpid()],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        log.close()
        deadline = time.time() + timeout
        while time.time() < deadline and self.pid is None:
            if self.nspawn.poll() is not None:
                return "systemd-nspawn exited: " + self.console()
            self.pid = self._find_init()
            time.sleep(0.2)
        if self.pid is None:
            return "no init process in the container: " + self.console()
        # systemctl answers once PID 1 has made its private socket
        while time.time() < deadline:
            r = self.run(["systemctl", "is-system-running", "--wait"], timeout=timeout)
            state = r.stdout.strip()
            if state in ("running", "degraded"):
                return None
            time.sleep(0.5)
        return "the container's systemd is %r (%s): %s" % (state, r.stderr.strip(),
                                                           self.console())

    def _find_init(self):
        """The nspawn child whose command is systemd: the container's PID 1."""
        children = []
        for task in os.listdir("/proc/%d/task" % self.nspawn.pid):
            try:
                with open("/proc/%d/task/%s/children" % (self.nspawn.pid, task)) as f:
                    children += f.read().split()
            except OSError:
                pass
        for child in children:
            try:
                with open("/proc/%s/comm" % child) as f:
                    if f.read().strip() == "systemd":
                        return int(child)
            except OSError:
                pass
        return None

    def console(self):
        with open(self.boot_log, errors="replace") as f:
            return f.read()[-2000:]

    def run(self, args, timeout=60, env=None):
        """Runs ARGS inside the container (all its namespaces, its root)."""
        full = {"PATH": PATH, "LANG": "C.UTF-8", "DEBIAN_FRONTEND": "noninteractive"}
        full.update(env or {})
        cmd = ["nsenter", "-t", str(self.pid), "-a", "env", "-i"]
        cmd += ["%s=%s" % kv for kv in full.items()] + list(args)
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL)

    def host_path(self, path):
        """The host's name of PATH inside the container's root."""
        return os.path.join(self.root, path.lstrip("/"))

    def serve_in_netns(self, args, log):
        """Starts ARGS (a host program) in the container's network namespace
        only: it sees the host's files and the container's loopback."""
        out = open(log, "wb")
        p = subprocess.Popen(["nsenter", "-t", str(self.pid), "-n"] + list(args),
                             stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        out.close()
        self.servers.append(p)
        return p

    def run_in_netns(self, args, timeout=30):
        """Runs ARGS (a host program) on the container's loopback."""
        return subprocess.run(["nsenter", "-t", str(self.pid), "-n"] + list(args),
                              capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL)

    def stop(self):
        """Stops the servers and powers the container off (SIGKILL after 30 s)."""
        for p in self.servers:
            if p.poll() is None:
                p.kill()
            p.wait(timeout=10)
        if self.bootstrap is not None and self.bootstrap.poll() is None:
            self.bootstrap.kill()
            self.bootstrap.wait(timeout=30)
        if self.nspawn is not None and self.nspawn.poll() is None:
            # nspawn asks the container's systemd to power off on SIGTERM
            self.nspawn.send_signal(signal.SIGTERM)
            try:
                self.nspawn.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.nspawn.kill()
                self.nspawn.wait(timeout=10)
