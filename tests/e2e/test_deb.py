"""The Debian package (issue 17, deliver 8): `dpkg-buildpackage -us -uc -b`
builds a .deb from a clean copy of the tree (the files git knows, not the
working build/ directory) with the binary, the systemd unit where Debian 12
looks for it, the manual pages, the theme packs, the examples and bash/zsh
completion; the unit keeps DynamicUser and reloads without /bin/kill; the
dependencies come from the linked libraries; lintian finds no error.
The package build runs with nocheck here (debian/rules would otherwise run
the unit tests); skipped where the Debian build tools are absent."""
import os
import shutil
import subprocess
import tempfile

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
        "libmicrohttpd12"]


def run(args, cwd=None, timeout=120, env=None):
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          env=env, stdin=subprocess.DEVNULL)


class DebTest(swtest.TestCase):
    @classmethod
    def setUpClass(cls):
        # Each test skips on its own (setUp): the runner counts skipped tests.
        cls.top = None
        try:
            cls.build_package()
            cls.skip_reason = None
        except swtest.unittest.SkipTest as e:
            cls.skip_reason = str(e)

    @classmethod
    def build_package(cls):
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
            shutil.rmtree(cls.top, ignore_errors=True)
            raise swtest.unittest.SkipTest("skipped: " + deps.stderr.strip())
        env = dict(os.environ, DEB_BUILD_OPTIONS="nocheck parallel=2")
        cls.build = run(["dpkg-buildpackage", "-us", "-uc", "-b"], cwd=cls.src, timeout=900,
                        env=env)
        debs = [f for f in os.listdir(cls.top)
                if f.startswith("speechwatch_") and f.endswith(".deb")]
        cls.deb = os.path.join(cls.top, debs[0]) if len(debs) == 1 else None

    @classmethod
    def tearDownClass(cls):
        if cls.top:
            shutil.rmtree(cls.top, ignore_errors=True)

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

    def setUp(self):
        super().setUp()
        if self.skip_reason:
            self.skipTest(self.skip_reason)
        self.assertEqual(self.build.returncode, 0,
                         self.build.stdout[-4000:] + self.build.stderr[-4000:])
        self.assertIsNotNone(self.deb, os.listdir(self.top))

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


if __name__ == "__main__":
    swtest.main()
