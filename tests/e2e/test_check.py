"""`speechwatch check`: accepts the design.md example, rejects broken configs
with FILE:LINE messages and exit 2 (table-driven)."""
import os
import re
import shutil

import swtest

GOOD_THEME = '[theme "cyber"]\nphrase = 3 cyber sovereignty\n'
GOOD_SOURCE = '[source "s1"]\nurl = http://127.0.0.1:8080/x.html\nitems = //li\n'

# (name, config text, expected line, expected message fragment)
BROKEN = [
    ("unknown section", "[sourc \"x\"]\nurl = http://a/\n", 1, "unknown section 'sourc' (did you mean 'source'?)"),
    ("unknown key with hint", GOOD_SOURCE + "intervall = 10m\n", 4, "unknown key 'intervall' (did you mean 'interval'?)"),
    ("unknown key, no hint", "[daemon]\nwibble = 3\n", 2, "unknown key 'wibble'"),
    ("missing url", '[source "s1"]\nitems = //li\n', 1, "missing required key 'url'"),
    ("bad url scheme", '[source "s1"]\nurl = ftp://example.org/x\n', 2, "bad URL 'ftp://example.org/x'"),
    ("url without host", '[source "s1"]\nurl = http:///x\n', 2, "bad URL"),
    ("bad duration", GOOD_SOURCE + "interval = 10 minutes\n", 4, "bad duration '10 minutes'"),
    ("duration out of range", GOOD_SOURCE + "interval = 1s\n", 4, "interval: 1s out of range"),
    ("bad xpath", '[source "s1"]\nurl = http://a.org/\nitems = //ul[@class="x"\n', 3, "bad XPath '//ul[@class=\"x\"'"),
    ("duplicate source id", GOOD_SOURCE + GOOD_SOURCE, 4, "duplicate source 's1' (first defined at line 1)"),
    ("unknown theme referenced", GOOD_THEME + GOOD_SOURCE + "themes = climate-*\n", 6, "unknown theme 'climate-*'"),
    ("bad bool", GOOD_SOURCE + "enabled = perhaps\n", 4, "'perhaps' is not yes or no"),
    ("bad enum", "[daemon]\nfirst_poll = sometimes\n", 2, "'sometimes' is not one of: baseline, alert"),
    ("number out of range", "[daemon]\nmax_per_host = 0\n", 2, "max_per_host: 0 out of range"),
    ("not a number", GOOD_THEME + "threshold = high\n", 3, "threshold: 'high' is not a number"),
    ("duplicate key", "[daemon]\nmax_per_host = 2\nmax_per_host = 3\n", 3, "duplicate key 'max_per_host' (first set at line 2)"),
    ("key outside section", "max_per_host = 2\n", 1, "outside of any section"),
    ("theme without phrases", '[theme "t"]\nlabel = T\n', 1, "missing required key 'phrase'"),
    ("bad phrase", '[theme "t"]\nphrase = cyber sovereignty\n', 2, "phrase must be 'WEIGHT words'"),
    ("webhook without secret", GOOD_THEME + '[notify "n"]\ntype = webhook\nurl = https://h.example/x\n', 3, "needs 'secret_file'"),
    ("missing secret file", GOOD_THEME + '[notify "n"]\ntype = webhook\nurl = https://h.example/x\nsecret_file = nope.secret\n', 3, "nope.secret': No such file"),
    ("secret readable by others", GOOD_THEME + '[notify "n"]\ntype = webhook\nurl = https://h.example/x\nsecret_file = open.secret\n', 3, "readable by group or others"),
    ("mail without to", '[notify "m"]\ntype = mail\nsmtp_url = smtp://127.0.0.1:25\nfrom = a@b.example\n', 1, "needs 'to'"),
    ("not a line", "[daemon]\njust some words\n", 2, "expected 'key = value'"),
    ("unnamed source", "[source]\nurl = http://a.org/\n", 1, "needs a name"),
    ("bad id", '[source "a b"]\nurl = http://a.org/\n', 1, "bad source id 'a b'"),
    ("include missing", "include = nothere.conf\n", 1, "include 'nothere.conf': no such file"),
    ("theme phrase without words", '[theme "t"]\nphrase = 2 ...\n', 1, 'theme "t": phrase 1'),
    ("bad requires rule", '[theme "t"]\nphrase = 2 cyber\nrequires = treaty within lots of words\n', 1, 'theme "t"'),
    ("mail template placeholder", '[notify "desk"]\ntype = mail\nsmtp_url = smtp://127.0.0.1:2525\nfrom = a@example.org\nto = b@example.org\nsubject = {nope}\n', 1, "unknown placeholder {nope}"),
    ("unknown channel type", '[notify "n"]\ntype = pigeon\n', 2, 'unknown type "pigeon" (webhook, mail, stdout'),
    ("unknown key of the channel's type", '[notify "m"]\ntype = mail\nsmtp_url = smtp://127.0.0.1:25\nfrom = a@b.example\nto = c@d.example\nsubjet = x\n', 6, "unknown key 'subjet' (did you mean 'subject'?)"),
    ("key of another channel type", '[notify "o"]\ntype = stdout\nurl = https://h.example/x\n', 3, "unknown key 'url' in [notify] of type stdout"),
    ("bad value of a channel key", '[notify "m"]\ntype = mail\nsmtp_url = smtp://127.0.0.1:25\ntls = maybe\nfrom = a@b.example\nto = c@d.example\n', 4, "tls: must be one of: opportunistic, required, none (not 'maybe')"),
    ("digest on a type that sends one event", '[notify "o"]\ntype = stdout\ndigest = 1h\n', 1, "digest: type stdout sends one event per request"),
    ("line too long", GOOD_SOURCE + "title = " + "x" * 300 + "\n", 4, "line longer than"),
]


class CheckTest(swtest.TestCase):
    def check(self, path):
        return self.sw("check", "-c", path)

    def test_design_example_is_accepted(self):
        src = os.path.join(swtest.FIXTURES, "config", "design-example.conf")
        conf = os.path.join(self.tmp, "speechwatch.conf")
        shutil.copy(src, conf)
        self.write("analysts.secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n", 0o600)
        r = self.check(conf)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.strip(), "ok: 1 source, 2 themes, 2 channels")

    def test_each_broken_config_is_refused_with_file_and_line(self):
        self.write("open.secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n", 0o644)
        for name, text, line, fragment in BROKEN:
            with self.subTest(name=name):
                path = self.write("broken.conf", text)
                r = self.check(path)
                self.assertEqual(r.returncode, 2, "%s: exit %d, stderr %r" % (name, r.returncode, r.stderr))
                want = "%s:%d: " % (path, line)
                lines = [l for l in r.stderr.splitlines() if l.startswith(want)]
                self.assertTrue(any(fragment in l for l in lines),
                                "%s: wanted %r%s in:\n%s" % (name, want, fragment, r.stderr))
        self.assertGreaterEqual(len(BROKEN), 15)

    def test_all_errors_reported_in_one_run(self):
        path = self.write("many.conf", "[daemon]\nmax_per_host = 0\nfirst_poll = x\n[sourc \"y\"]\n")
        r = self.check(path)
        self.assertEqual(r.returncode, 2)
        self.assertEqual(len([l for l in r.stderr.splitlines() if l.startswith(path + ":")]), 3, r.stderr)

    def test_channel_checks_run_beside_bad_keys(self):
        # A bad timeout did hide the backend's own check of the url (a
        # second run showed it); a url in error is judged only once.
        path = self.write("chan.conf", GOOD_THEME
                          + '[notify "s"]\ntype = slack\nurl = https://hooks.slack.com/\ntimeout = 1h\n'
                          + '[notify "d"]\ntype = discord\nurl = discord.com/api/webhooks/1/tok_X\ntimeout = 1h\n')
        r = self.check(path)
        self.assertEqual(r.returncode, 2, r.stderr)
        errs = [l for l in r.stderr.splitlines() if l.startswith(path + ":")]
        self.assertTrue(any(l.startswith(path + ":6: ") and "timeout: 1h out of range" in l for l in errs), r.stderr)
        self.assertTrue(any(l.startswith(path + ":3: ") and "url: no webhook path" in l for l in errs), r.stderr)
        self.assertEqual(len([l for l in errs if "notify 'd'" in l]), 2, r.stderr)
        self.assertNotIn("tok_X", r.stderr)

    def test_include_relative_to_including_file_and_errors_name_the_included_file(self):
        self.write("conf.d/themes.conf", GOOD_THEME)
        self.write("conf.d/bad.conf", "\n[daemon]\nmax_per_host = nine\n")
        main = self.write("main.conf", "include = conf.d/themes.conf\n" + GOOD_SOURCE + "themes = cyber\n")
        r = self.check(main)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("ok: 1 source, 1 theme, 0 channels", r.stdout)
        main2 = self.write("main2.conf", GOOD_SOURCE + "include = conf.d/*.conf\ninterval = 5m\n")
        r = self.check(main2)
        self.assertEqual(r.returncode, 2)
        bad = os.path.join(self.tmp, "conf.d/bad.conf")
        self.assertIn(bad + ":3: max_per_host: 'nine' is not a number", r.stderr)

    def test_include_loop_is_refused(self):
        path = self.write("loop.conf", "include = loop.conf\n")
        r = self.check(path)
        self.assertEqual(r.returncode, 2)
        self.assertIn(path + ":1: include of '" + path + "': this file was already read",
                      r.stderr)
        self.write("a.conf", "include = ./b.conf\n")
        self.write("b.conf", "include = a.conf\n")
        r = self.check(os.path.join(self.tmp, "a.conf"))
        self.assertEqual(r.returncode, 2)
        self.assertIn("b.conf:1: include of", r.stderr)
        self.assertIn("already read", r.stderr)

    def test_files_including_each_others_directory_do_not_multiply(self):
        # Each of six files includes all of them: without the read-once rule
        # this expands to the depth limit (6^8 reads; 8.9 MB of errors for 5).
        for i in range(6):
            self.write("conf.d/%d.conf" % i, "include = *.conf\n")
        main = self.write("main.conf", GOOD_SOURCE + "include = conf.d/*.conf\n")
        r = self.sw("check", "-c", main, timeout=60)
        self.assertEqual(r.returncode, 2)
        self.assertLess(len(r.stderr), 20000, r.stderr[:2000])
        self.assertIn("already read", r.stderr)

    def test_include_chain_deeper_than_the_limit_is_refused(self):
        for i in range(12):
            self.write("chain%d.conf" % i, "include = chain%d.conf\n" % (i + 1))
        self.write("chain12.conf", GOOD_SOURCE)
        r = self.check(os.path.join(self.tmp, "chain0.conf"))
        self.assertEqual(r.returncode, 2)
        self.assertIn("nested too deep", r.stderr)

    def test_file_writable_by_others_is_refused(self):
        path = self.write("ww.conf", GOOD_SOURCE, 0o666)
        r = self.check(path)
        self.assertEqual(r.returncode, 2)
        self.assertIn(path + ":1: file is writable by others", r.stderr)

    def test_file_not_utf8_is_refused(self):
        path = os.path.join(self.tmp, "latin1.conf")
        with open(path, "wb") as f:
            f.write(b"[daemon]\nuser_agent = caf\xe9\n")
        r = self.check(path)
        self.assertEqual(r.returncode, 2)
        self.assertIn(path + ":2: file is not valid UTF-8", r.stderr)

    def test_missing_file(self):
        r = self.check(os.path.join(self.tmp, "absent.conf"))
        self.assertEqual(r.returncode, 2)
        self.assertIn("absent.conf:0: cannot read: No such file", r.stderr)

    def test_default_config_path_from_environment(self):
        path = self.write("env.conf", GOOD_SOURCE)
        r = self.sw("check", env={"SPEECHWATCH_CONFIG": path})
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_help_version_and_usage_errors(self):
        self.assertEqual(self.sw("--help").returncode, 0)
        self.assertRegex(self.sw("--version").stdout, r"^speechwatch \d+\.\d+")
        self.assertEqual(self.sw("check", "--help").returncode, 0)
        self.assertEqual(self.sw("frobnicate").returncode, 2)
        self.assertEqual(self.sw().returncode, 2)
        self.assertEqual(self.sw("check", "--bogus").returncode, 2)


if __name__ == "__main__":
    swtest.main()
