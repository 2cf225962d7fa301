"""`make install` into a DESTDIR, and the systemd unit it installs: the
unit's paths follow PREFIX and `systemd-analyze security` rates it OK."""
import os
import shutil
import subprocess

import swtest

BUILD = os.environ.get("SW_BUILD", "build")


class InstallTest(swtest.TestCase):
    def install(self, prefix):
        dest = os.path.join(self.tmp, "dest")
        r = subprocess.run(["make", "-s", "-C", swtest.ROOT, "BUILD=" + BUILD, "install",
                            "PREFIX=" + prefix, "DESTDIR=" + dest],
                           capture_output=True, text=True, timeout=300)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        return dest

    def test_install_lays_out_binary_unit_config_and_themes(self):
        dest = self.install("/usr/local")
        binary = os.path.join(dest, "usr/local/bin/speechwatch")
        self.assertTrue(os.access(binary, os.X_OK))
        r = subprocess.run([binary, "--version"], capture_output=True, text=True)
        self.assertRegex(r.stdout, r"^speechwatch \d")
        unit = os.path.join(dest, "usr/local/lib/systemd/system/speechwatch.service")
        with open(unit) as f:
            text = f.read()
        self.assertIn("ExecStart=/usr/local/bin/speechwatch run", text)
        self.assertNotIn("@BINDIR@", text)
        example = os.path.join(dest, "etc/speechwatch/speechwatch.conf.example")
        self.assertTrue(os.path.isfile(example))
        self.assertTrue(os.path.isfile(os.path.join(dest, "usr/local/share/man/man8/speechwatch.8")))
        self.assertTrue(os.path.isfile(os.path.join(dest, "usr/local/share/man/man5/speechwatch.conf.5")))
        themes = os.path.join(dest, "usr/local/share/speechwatch/themes")
        self.assertTrue(os.path.isdir(themes))
        for name in os.listdir(os.path.join(swtest.ROOT, "config", "themes")):
            if name.endswith(".conf"):
                self.assertTrue(os.path.isfile(os.path.join(themes, name)), name)

    def test_installed_example_config_passes_check(self):
        dest = self.install("/usr/local")
        example = os.path.join(dest, "etc/speechwatch/speechwatch.conf.example")
        conf = os.path.join(self.tmp, "example.conf")
        # The example includes the themes from the install prefix; point it at DESTDIR.
        with open(example) as f:
            text = f.read().replace("/usr/local/share", os.path.join(dest, "usr/local/share"))
        self.write("example.conf", text)
        r = self.sw("check", "-c", conf)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("ok: 1 source (0 enabled)", r.stdout)

    def test_the_copied_example_includes_the_packs_of_any_prefix(self):
        """docs/systemd.md: install, then cp the example to speechwatch.conf."""
        for prefix in ("/usr", "/opt/sw"):
            with self.subTest(prefix=prefix):
                dest = self.install(prefix)
                etc = os.path.join(dest, "etc/speechwatch")
                shutil.copy(os.path.join(etc, "speechwatch.conf.example"),
                            os.path.join(etc, "speechwatch.conf"))
                with open(os.path.join(etc, "speechwatch.conf")) as f:
                    text = f.read()
                self.assertIn("\ninclude = %s/share/speechwatch/themes/*.conf\n" % prefix, text)
                self.assertNotIn("/usr/local", text)
                # the installed tree lives under DESTDIR: the include is moved there to resolve
                self.write("copied.conf", text.replace(prefix + "/share", dest + prefix + "/share"))
                r = self.sw("check", "-c", os.path.join(self.tmp, "copied.conf"))
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertRegex(r.stdout, r"^ok: 1 source \(0 enabled\), [1-9]\d* themes")
                shutil.rmtree(dest)

    def test_unit_prefix_follows_install_prefix(self):
        dest = self.install("/opt/sw")
        with open(os.path.join(dest, "opt/sw/lib/systemd/system/speechwatch.service")) as f:
            self.assertIn("ExecStart=/opt/sw/bin/speechwatch run", f.read())

    def test_unit_security_exposure_is_ok(self):
        if shutil.which("systemd-analyze") is None:
            self.skipTest("systemd-analyze not installed")
        dest = self.install("/usr/local")
        unit = os.path.join(dest, "usr/local/lib/systemd/system/speechwatch.service")
        r = subprocess.run(["systemd-analyze", "security", "--offline=true", "--threshold=20", unit],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stdout[-2000:] + r.stderr)
        line = [l for l in r.stdout.splitlines() if "Overall exposure level" in l]
        self.assertTrue(line, r.stdout[-500:])
        score = float(line[0].split(":")[1].split()[0])
        self.assertLessEqual(score, 2.0)
        for key in ("Type=notify", "WatchdogSec=", "DynamicUser=yes", "StateDirectory=speechwatch",
                    "ExecReload=/usr/local/bin/speechwatch reload -c /etc/speechwatch/speechwatch.conf",
                    "Restart=on-failure"):
            with open(unit) as f:
                self.assertIn(key, f.read())


if __name__ == "__main__":
    swtest.main()
