"""The Debian package (issue 17, delivers 8 and 9): `dpkg-buildpackage -us -uc -b`
builds a .deb from a clean copy of the tree (the files git knows, not the
working build/ directory) with the binary, the systemd unit where Debian 12
looks for it, the manual pages, the theme packs, the examples and bash/zsh
completion; the unit keeps DynamicUser and reloads without /bin/kill; the
dependencies come from the linked libraries; lintian finds no error.
The package build runs with nocheck here (debian/rules would otherwise run
the unit tests); skipped where the Debian build tools are absent.
BootedContainerTest installs it into a booted Debian 12 container and runs
the service under that systemd (tests/e2e/nspawn.py)."""
import os
import shutil
import subprocess
import sys
import tempfile
import time

import nspawn
import swtest

TOOLS = ["dpkg-buildpackage", "dh", "dpkg-deb", "dpkg-checkbuilddeps", "git"]

WANTED = [
    "./usr/bin/speechwatch",
    "./lib/systemd/system/speechwatch.service",
    "./usr/share/man/man8/speechwatch.8.gz",
    "./usr/share/man/man5/speechwatch.conf.5.gz",
    "./usr/share/speechwatch/themes/diplomacy.conf",
    "./usr/share/speechwatch/themes/consular.conf",
    "./usr/share/bash-completion/completions/speechwatch",
    "./usr/share/zsh/vendor-completions/_speechwatch",
    "./etc/speechwatch/speechwatch.conf",
    "./etc/speechwatch/speechwatch.conf.example",
    "./usr/share/doc/speechwatch/copyright",
    "./usr/share/doc/speechwatch/examples/speechwatch.conf.example",
    "./usr/share/doc/speechwatch/examples/un-member-states.conf",
]

# Shared libraries the binary links: each must be a declared dependency.
LIBS = ["libcurl4", "libxml2", "libsqlite3-0", "libev4", "libjansson4", "libinih1",
        "libutf8proc2", "libstemmer0d", "libssl3", "libsystemd0", "zlib1g",
        "libmicrohttpd12", "libpoppler-glib8", "libpq5"]


def run(args, cwd=None, timeout=120, env=None):
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          env=env, stdin=subprocess.DEVNULL)


class Package:
    """The .deb, built once per run for both test classes."""
    top = src = build = deb = skip_reason = None
    built = False

    @classmethod
    def get(cls):
        if not cls.built:
            cls.built = True
            try:
                cls.make()
            except swtest.unittest.SkipTest as e:
                cls.skip_reason = str(e)
        return cls

    @classmethod
    def make(cls):
        if "asan" in os.environ.get("SW_BUILD", ""):
            # the package is built with Debian's flags from the sources, not
            # from this build: the sanitizer pass would build the same .deb again
            raise swtest.unittest.SkipTest("skipped: the package is checked in the normal pass")
        missing = [t for t in TOOLS if shutil.which(t) is None]
        if missing:
            raise swtest.unittest.SkipTest(
                "skipped: Debian build tools absent (%s; apt-get install debhelper dpkg-dev)"
                % " ".join(missing))
        if run(["git", "-C", swtest.ROOT, "rev-parse"]).returncode != 0:
            raise swtest.unittest.SkipTest("skipped: %s is not a git checkout" % swtest.ROOT)
        cls.top = tempfile.mkdtemp(prefix="sw-deb-")
        cls.src = os.path.join(cls.top, "speechwatch")
        cls.copy_tree()
        deps = run(["dpkg-checkbuilddeps"], cwd=cls.src)
        if "Unmet build dependencies" in deps.stderr:  # else the build says what is wrong
            raise swtest.unittest.SkipTest("skipped: " + deps.stderr.strip())
        env = dict(os.environ, DEB_BUILD_OPTIONS="nocheck parallel=2")
        cls.build = run(["dpkg-buildpackage", "-us", "-uc", "-b"], cwd=cls.src, timeout=900,
                        env=env)
        debs = [f for f in os.listdir(cls.top)
                if f.startswith("speechwatch_") and f.endswith(".deb")]
        cls.deb = os.path.join(cls.top, debs[0]) if len(debs) == 1 else None

    @classmethod
    def copy_tree(cls):
        """The files git tracks or would track (committed or not), as they are now."""
        ls = run(["git", "-C", swtest.ROOT, "ls-files", "-z", "--cached", "--others",
                  "--exclude-standard"])
        for rel in filter(None, ls.stdout.split("\0")):
            src = os.path.join(swtest.ROOT, rel)
            if not os.path.isfile(src):  # deleted in the work tree
                continue
            dst = os.path.join(cls.src, rel)
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            shutil.copy2(src, dst)

    @classmethod
    def check(cls, test):
        """Skips TEST when the package cannot be built here; fails it when
        the build failed."""
        if cls.skip_reason:
            test.skipTest(cls.skip_reason)
        test.assertEqual(cls.build.returncode, 0,
                         cls.build.stdout[-4000:] + cls.build.stderr[-4000:])
        test.assertIsNotNone(cls.deb, os.listdir(cls.top))


def tearDownModule():
    if Package.top:
        shutil.rmtree(Package.top, ignore_errors=True)


class DebTest(swtest.TestCase):
    def setUp(self):
        super().setUp()
        pkg = Package.get()
        pkg.check(self)
        self.deb = pkg.deb

    def test_contents(self):
        r = run(["dpkg-deb", "-c", self.deb])
        self.assertEqual(r.returncode, 0, r.stderr)
        names = [l.split()[5] for l in r.stdout.splitlines()]
        for want in WANTED:
            self.assertIn(want, names)
        self.assertFalse([n for n in names if n.startswith("./usr/local")], names)
        info = run(["dpkg-deb", "-e", self.deb, os.path.join(self.tmp, "control")])
        self.assertEqual(info.returncode, 0, info.stderr)
        with open(os.path.join(self.tmp, "control", "conffiles")) as f:
            self.assertIn("/etc/speechwatch/speechwatch.conf\n", f.read())

    def test_unit_and_config_fit_the_install_paths(self):
        x = os.path.join(self.tmp, "root")
        self.assertEqual(run(["dpkg-deb", "-x", self.deb, x]).returncode, 0)
        with open(os.path.join(x, "lib/systemd/system/speechwatch.service")) as f:
            unit = f.read()
        self.assertIn("ExecStart=/usr/bin/speechwatch run", unit)
        self.assertIn("ExecReload=/usr/bin/speechwatch reload", unit)
        execs = [l for l in unit.splitlines() if l.startswith("Exec")]
        self.assertFalse([l for l in execs if "kill" in l], execs)
        self.assertIn("DynamicUser=yes", unit)
        with open(os.path.join(x, "etc/speechwatch/speechwatch.conf")) as f:
            self.assertIn("include = /usr/share/speechwatch/themes/*.conf", f.read())
        # The packaged binary runs and checks the packaged config, its packs
        # read from the package's own tree (include rewritten to it).
        with open(os.path.join(x, "etc/speechwatch/speechwatch.conf")) as f:
            conf = f.read().replace("/usr/share/speechwatch", os.path.join(x, "usr/share/speechwatch"))
        path = self.write("packaged.conf", conf.replace("/var/lib/speechwatch", self.tmp))
        r = run([os.path.join(x, "usr/bin/speechwatch"), "check", "-c", path])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_dependencies(self):
        r = run(["dpkg-deb", "-f", self.deb, "Depends"])
        depends = r.stdout
        for lib in LIBS:
            self.assertRegex(depends, r"(^|, )%s( |,|$)" % lib, depends)

    def test_lintian_has_no_error(self):
        if shutil.which("lintian") is None:
            self.skipTest("skipped: lintian not installed")
        r = run(["lintian", self.deb], timeout=300)
        errors = [l for l in r.stdout.splitlines() if l.startswith("E:")]
        self.assertEqual(errors, [], r.stdout + r.stderr)


# The site the container's daemon watches: the demo's, served on the
# container's own loopback. NEW is the statement that v2 of the site adds.
SITE = os.path.join(swtest.FIXTURES, "site")
NEW = "Statement on the review conference of the nuclear non-proliferation treaty"
# A statement published as a PDF, added to the site's copy: read under the
# unit's sandbox by the PDF child, which must be allowed to set its rlimits.
PDF_FIRST = "The delegation presented the joint communique on maritime cooperation."
PDF_LIST = ('<!DOCTYPE html><html><body><ul><li><a href="communique.pdf">Joint communique'
            '</a></li></ul></body></html>')
CONF = """[daemon]
state_dir = /var/lib/speechwatch

[source "demo-news"]
url      = http://127.0.0.1:%(port)d/news/index.html
items    = //ul[@class="news-list"]/li
date     = span[@class="date"]
interval = 10s

[source "demo-pdf"]
url        = http://127.0.0.1:%(port)d/docs/index.html
items      = //ul/li
first_poll = alert
interval   = 1h

include = /usr/share/speechwatch/themes/diplomacy.conf

[http]
listen = 127.0.0.1:8428
"""
# Short enough to see the watchdog act within the test.
DROP_IN = "[Service]\nWatchdogSec=3s\nRestartSec=1s\nTimeoutAbortSec=5s\n"


class BootedContainerTest(swtest.TestCase):
    """Issue 17, deliver 9: the .deb installed with apt-get into a booted
    Debian 12 container, and the service under its systemd: start with
    READY, an alert in the journal, reload with the same main PID, a broken
    configuration refused on reload, the watchdog, a restart after SIGKILL
    and a clean stop. The steps run in order on one container."""

    @classmethod
    def setUpClass(cls):
        cls.ct = None
        cls.why_not = nspawn.why_not()
        if cls.why_not or "asan" in os.environ.get("SW_BUILD", ""):
            cls.why_not = cls.why_not or "the package is checked in the normal pass"
            return
        cls.top = tempfile.mkdtemp(prefix="sw-nspawn-", dir="/var/tmp")
        start = time.time()
        cls.ct = nspawn.Container(cls.top, LIBS)
        cls.ct.bootstrap_start()  # downloads while the package builds
        pkg = Package.get()
        cls.why_not = cls.ct.bootstrap_wait() or pkg.skip_reason
        if cls.why_not is None and pkg.deb:
            shutil.copy(pkg.deb, cls.ct.host_path("/root"))
            cls.why_not = cls.ct.boot()
        print("container ready after %.0f s" % (time.time() - start), file=sys.stderr)

    @classmethod
    def tearDownClass(cls):
        if cls.ct:
            cls.ct.stop()
            shutil.rmtree(cls.top, ignore_errors=True)

    def setUp(self):
        super().setUp()
        if self.why_not:
            self.skipTest("skipped: no booted container: " + self.why_not)
        Package.check(self)

    def sh(self, *args, timeout=60):
        return self.ct.run(list(args), timeout=timeout)

    def ok(self, *args, timeout=60):
        r = self.sh(*args, timeout=timeout)
        self.assertEqual(r.returncode, 0, "%s: %s%s" % (" ".join(args), r.stdout, r.stderr))
        return r.stdout

    def unit(self):
        """The service's properties as a dict."""
        props = "ActiveState,SubState,MainPID,StatusText,NRestarts,Result,ExecMainStatus"
        out = self.ok("systemctl", "show", "speechwatch", "-p", props)
        return dict(l.split("=", 1) for l in out.splitlines() if "=" in l)

    def journal(self):
        return self.ok("journalctl", "-u", "speechwatch", "-o", "cat", "--no-pager")

    def wait_for(self, what, cond, seconds):
        deadline = time.time() + seconds
        while time.time() < deadline:
            if cond():
                return
            time.sleep(0.5)
        self.fail("%s within %d s; unit %s; journal:\n%s"
                  % (what, seconds, self.unit(), self.journal()[-3000:]))

    def test_1_installs_with_apt(self):
        deb = "/root/" + os.path.basename(Package.deb)
        self.ok("apt-get", "install", "-y", "--no-install-recommends", deb, timeout=300)
        self.ok("speechwatch", "--version")
        self.assertFalse(os.path.exists(self.ct.host_path("/bin/kill")),
                         "the root should lack /bin/kill, as a minimal Debian does")
        port_file = os.path.join(self.top, "port")
        self.ct.serve_in_netns(["/usr/bin/python3", os.path.join(swtest.ROOT, "tests", "servers",
                               "static_http.py"), self.site_with_a_pdf(), "--port-file",
                               port_file],
                               os.path.join(self.top, "server.log"))
        self.wait_for("the site's port", lambda: os.path.exists(port_file)
                      and os.path.getsize(port_file) > 0, 15)
        with open(port_file) as f:
            type(self).port = int(f.read())
        self.write_conf(CONF % {"port": self.port})
        drop = self.ct.host_path("/etc/systemd/system/speechwatch.service.d/test.conf")
        os.makedirs(os.path.dirname(drop))
        with open(drop, "w") as f:
            f.write(DROP_IN)
        self.ok("systemctl", "daemon-reload")

    def site_with_a_pdf(self):
        """The demo site's copy with a list of one PDF statement under docs/."""
        site = os.path.join(self.top, "site")
        shutil.copytree(SITE, site)
        os.makedirs(os.path.join(site, "docs"))
        with open(os.path.join(site, "docs", "index.html"), "w") as f:
            f.write(PDF_LIST)
        sys.path.insert(0, os.path.join(swtest.ROOT, "tests"))
        import pdfgen  # python3-cairo: test_deb runs under /usr/bin/python3
        paras = [PDF_FIRST + " " + "Both sides agreed to meet again next year. " * 12] * 3
        pdfgen.statement(os.path.join(site, "docs", "communique.pdf"), "DejaVu Sans", paras,
                         header="MINISTRY OF FOREIGN AFFAIRS", footer="Page %d",
                         title="Joint communique", meta_title="Joint communique")
        return site

    def write_conf(self, text):
        with open(self.ct.host_path("/etc/speechwatch/speechwatch.conf"), "w") as f:
            f.write(text)

    def test_2_starts_ready_and_alerts(self):
        # Type=notify: start returns once the daemon said READY=1
        self.ok("systemctl", "restart", "speechwatch", timeout=90)
        u = self.unit()
        self.assertEqual((u["ActiveState"], u["SubState"]), ("active", "running"), u)
        self.assertTrue(u["StatusText"], u)
        type(self).main_pid = u["MainPID"]
        self.wait_for("the first poll", lambda: "source=demo-news poll=ok" in self.journal(), 30)
        switch = "import urllib.request; urllib.request.urlopen(" \
                 "'http://127.0.0.1:%d/__root?dir=v2').read()" % self.port
        r = self.ct.run_in_netns(["/usr/bin/python3", "-c", switch])
        self.assertEqual(r.returncode, 0, r.stderr)
        # the stdout channel's event line, in the journal
        self.wait_for("the new statement's alert", lambda: self.alerts() == 1, 40)
        # the PDF statement was read by the PDF child inside the sandbox
        self.wait_for("the PDF statement's alert", lambda: any(
            l.startswith("{") and '"format":"pdf"' in l.replace(" ", "") and PDF_FIRST in l
            for l in self.journal().splitlines()), 40)
        # the [http] listener works inside the unit's sandbox (issue 18)
        r = self.ct.run_in_netns(["curl", "-s", "-i", "http://127.0.0.1:8428/healthz"])
        self.assertRegex(r.stdout, r"^HTTP/1.1 200 OK", r.stdout + r.stderr + self.journal())
        self.assertTrue(r.stdout.endswith("\n\nok\n"), r.stdout)  # text mode: CRLF read as LF

    def alerts(self):
        return sum(1 for l in self.journal().splitlines()
                   if l.startswith("{") and NEW in l and "statement.new" in l)

    def test_3_reload_keeps_the_main_pid(self):
        self.ok("systemctl", "reload", "speechwatch", timeout=60)
        u = self.unit()
        self.assertEqual((u["ActiveState"], u["MainPID"]), ("active", self.main_pid), u)

    def test_4_broken_config_is_refused_on_reload(self):
        path = "/etc/speechwatch/speechwatch.conf"
        self.write_conf(CONF % {"port": self.port} + "\n[source \"broken\"]\ninterval = often\n")
        r = self.sh("systemctl", "reload", "speechwatch", timeout=60)
        self.assertNotEqual(r.returncode, 0, r.stdout + r.stderr)
        u = self.unit()
        self.assertEqual((u["ActiveState"], u["MainPID"]), ("active", self.main_pid), u)
        self.assertIn(path + ":", self.journal())  # the error names the file and line
        self.write_conf(CONF % {"port": self.port})
        self.ok("systemctl", "reload", "speechwatch", timeout=60)

    def test_5_watchdog_restarts_a_hung_daemon(self):
        time.sleep(7)  # over two watchdog periods: the pings keep it alive
        u = self.unit()
        self.assertEqual((u["MainPID"], u["NRestarts"]), (self.main_pid, "0"), u)
        self.ok("systemctl", "kill", "-s", "SIGSTOP", "--kill-who=main", "speechwatch")
        self.wait_for("a restart after the watchdog timeout",
                      lambda: self.restarted(self.main_pid, 1), 40)
        self.assertIn("Watchdog timeout", self.ok("journalctl", "-u", "speechwatch",
                                                  "--no-pager"))

    def restarted(self, old_pid, restarts):
        u = self.unit()
        if u["ActiveState"] == "active" and u["MainPID"] not in ("0", old_pid) \
                and int(u["NRestarts"]) >= restarts:
            type(self).main_pid = u["MainPID"]
            return True
        return False

    def test_6_restarts_after_sigkill_and_loses_nothing(self):
        old = self.main_pid
        self.ok("systemctl", "kill", "-s", "SIGKILL", "--kill-who=main", "speechwatch")
        self.wait_for("a restart after SIGKILL", lambda: self.restarted(old, 2), 30)
        polls = self.journal().count("source=demo-news poll=")
        self.wait_for("a poll after the restart",
                      lambda: self.journal().count("source=demo-news poll=") > polls, 30)
        self.assertEqual(self.alerts(), 1, "the restarted daemon alerted again")

    def test_7_stops_cleanly(self):
        self.ok("systemctl", "stop", "speechwatch", timeout=60)
        u = self.unit()
        self.assertEqual((u["ActiveState"], u["Result"], u["ExecMainStatus"]),
                         ("inactive", "success", "0"), u)


if __name__ == "__main__":
    swtest.main()
