"""speechwatch sources: one line per source with its state, read-only (before
any store exists, while the daemon runs, without secrets); sources
enable|disable ID through STATE_DIR/sources.state, which a running daemon
honours on reload and `check` counts; the state file is replaced atomically."""
import json
import os
import signal
import subprocess
import time

import swtest

CONF = """[daemon]
state_dir = {state}
fail_after = 1
allow_private = yes

[source "news"]
url = http://127.0.0.1:{port}/list.html
items = //ul[@class="news"]/li
interval = 10s

[source "feed"]
url = http://127.0.0.1:{port}/feed.xml
kind = rss
interval = 2h

[source "gone"]
url = http://127.0.0.1:{port}/missing.html
items = auto
interval = 1d

[source "spare"]
url = http://user@127.0.0.1:{port}/list.html
password_file = {tmp}/password
items = //ul[@class="news"]/li
interval = 10m
enabled = no
"""

RSS = """<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
<link>http://127.0.0.1/</link>
<item><title>Feed one</title><link>http://127.0.0.1/f1</link><guid>f1</guid></item>
<item><title>Feed two</title><link>http://127.0.0.1/f2</link><guid>f2</guid></item>
<item><title>Feed three</title><link>http://127.0.0.1/f3</link><guid>f3</guid></item>
</channel></rss>"""


class SourcesTest(swtest.TestCase):
    def setUp(self):
        super().setUp()
        self.site = os.path.join(self.tmp, "site")
        os.makedirs(self.site)
        with open(os.path.join(self.site, "list.html"), "w") as f:
            f.write('<html><body><ul class="news"><li><a href="/a1.html">Statement one</a></li>'
                    '<li><a href="/a2.html">Statement two</a></li></ul></body></html>')
        for a in ("a1", "a2"):
            with open(os.path.join(self.site, a + ".html"), "w") as f:
                f.write("<html><body><article><h1>%s</h1><p>The minister said today that "
                        "the statement was published in full.</p></article></body></html>" % a)
        with open(os.path.join(self.site, "feed.xml"), "w") as f:
            f.write(RSS)
        self.server, self.port = swtest.start_static_server(self.site)
        self.procs.append(self.server)
        self.state = os.path.join(self.tmp, "state")
        self.conf = self.write("speechwatch.conf", CONF.format(
            state=self.state, port=self.port, tmp=self.tmp))
        self.password = self.write("password", "secret\n", 0o600)

    def lines(self, out):
        """SOURCE -> the words of its line."""
        return {l.split()[0]: l.split() for l in out.splitlines()[1:] if l and l[0] != "*"}

    def json_sources(self):
        r = self.sw("sources", "-c", self.conf, "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        return {s["id"]: s for s in json.loads(r.stdout)["sources"]}

    def test_lists_every_source_before_and_after_polls(self):
        os.unlink(self.password)  # no secret is read: it need not even exist
        r = self.sw("sources", "-c", self.conf)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertFalse(os.path.exists(self.state), "a read-only command made the state_dir")
        got = self.lines(r.stdout)
        self.assertEqual(list(got), ["news", "feed", "gone", "spare"])
        self.assertEqual(got["news"][1:6], ["list", "10s", "enabled", "never", "0"])
        self.assertEqual(got["feed"][1:6], ["feed", "2h", "enabled", "never", "0"])
        self.assertEqual(got["gone"][1:6], ["auto", "1d", "enabled", "never", "0"])
        self.assertEqual(got["spare"][1:6], ["list", "10m", "disabled", "never", "0"])
        js = self.json_sources()
        self.assertIsNone(js["news"]["last_result"])
        self.assertEqual(js["spare"]["enabled"], False)
        self.assertEqual(js["spare"]["enabled_by"], "config")

        self.write("password", "secret\n", 0o600)
        once = self.sw("once", "-c", self.conf)
        self.assertIn("source=gone poll=", once.stderr)
        got = self.lines(self.sw("sources", "-c", self.conf).stdout)
        self.assertEqual(got["news"][4:6], ["ok", "2"])
        self.assertEqual(got["feed"][4:6], ["ok", "3"])
        self.assertEqual(got["gone"][4], "http-error")
        self.assertRegex(" ".join(got["gone"][6:8]), r"^\d{4}-\d\d-\d\d")  # failing since
        self.assertEqual(got["news"][6], "-")
        js = self.json_sources()
        self.assertEqual((js["news"]["last_result"], js["news"]["items"]), ("ok", 2))
        self.assertEqual(js["feed"]["items"], 3)
        self.assertEqual(js["gone"]["failures"], 1)
        self.assertIsNotNone(js["gone"]["failing_since"])
        self.assertIsNone(js["news"]["failing_since"])
        self.assertIsNotNone(js["news"]["last_poll"])

        # failed polls below fail_after: no source.failing yet, their count instead
        conf = self.write("late.conf", CONF.format(state=self.state + "2", port=self.port,
                                                    tmp=self.tmp).replace("fail_after = 1",
                                                                           "fail_after = 3"),
                          0o600)
        self.sw("once", "-c", conf)
        r = self.sw("sources", "-c", conf)
        self.assertIn(" (1 failed poll) ", r.stdout)
        self.assertIsNone(json.loads(self.sw("sources", "-c", conf, "--json").stdout)
                          ["sources"][2]["failing_since"])

    def wait_for(self, proc, text, start=0, timeout=25):
        deadline = time.time() + timeout
        while text not in proc.output()[start:] and time.time() < deadline:
            time.sleep(0.05)
        self.assertIn(text, proc.output()[start:], proc.output())

    def set_state(self, verb, sid):
        r = self.sw("sources", verb, sid, "-c", self.conf)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout

    def test_enable_and_disable_are_honoured_on_reload(self):
        self.set_state("disable", "feed")
        self.set_state("disable", "gone")
        d = self.spawn([swtest.BIN, "run", "-c", self.conf])
        self.wait_for(d, "source=news poll=ok")
        # the sources listing works while the daemon runs (WAL store)
        got = self.lines(self.sw("sources", "-c", self.conf).stdout)
        self.assertEqual(got["feed"][3], "disabled*")
        self.assertEqual(got["news"][3], "enabled")

        mark = len(d.output())
        self.assertIn("stays enabled", self.set_state("enable", "news"))
        out = self.set_state("enable", "spare")  # its catalogue says enabled = no
        self.assertIn("the daemon (pid %d) applies it on reload" % d.pid, out)
        self.set_state("enable", "feed")
        d.signal(signal.SIGHUP)
        self.wait_for(d, "reload: done", mark)
        self.wait_for(d, "source=feed poll=ok", mark)
        self.wait_for(d, "source=spare added by reload", mark)

        mark = len(d.output())
        self.set_state("disable", "feed")
        d.signal(signal.SIGHUP)
        self.wait_for(d, "source=feed removed by reload", mark)
        # news polls every 10 s: past its next poll, feed was not polled again
        self.wait_for(d, "source=news poll=", mark)
        out = d.output()
        self.assertNotIn("source=feed poll=", out[mark:])
        self.assertNotIn("source=gone poll=", out)
        d.signal(signal.SIGTERM)
        self.assertEqual(d.wait(15), 0, d.output())
        got = self.lines(self.sw("sources", "-c", self.conf).stdout)
        self.assertEqual(got["feed"][3:5], ["disabled*", "ok"])

    def test_the_state_file_is_small_exact_and_replaced_atomically(self):
        self.assertIn("disabled", self.set_state("disable", "news"))
        self.set_state("enable", "spare")
        self.set_state("disable", "news")
        path = os.path.join(self.state, "sources.state")
        with open(path) as f:
            body = [l for l in f.read().splitlines() if not l.startswith("#")]
        self.assertEqual(body, ["news disabled", "spare enabled"])
        self.assertEqual(os.stat(path).st_mode & 0o777, 0o644)
        self.assertEqual(sorted(os.listdir(self.state)), ["sources.state"])  # no temp left
        # check counts the effective state
        r = self.sw("check", "-c", self.conf)
        self.assertIn("ok: 4 sources (3 enabled)", r.stdout, r.stderr)
        # the catalogue itself is untouched
        with open(self.conf) as f:
            self.assertIn("enabled = no", f.read())
        # written to a temporary file, fsync'd, renamed, directory fsync'd
        trace = os.path.join(self.tmp, "trace")
        r = subprocess.run(["strace", "-f", "-o", trace, "-e",
                            "trace=openat,fsync,rename,renameat,renameat2,write",
                            swtest.BIN, "sources", "disable", "feed", "-c", self.conf],
                           capture_output=True, text=True,
                           # LeakSanitizer cannot run under ptrace (an ASan build)
                           env=dict(os.environ, ASAN_OPTIONS="detect_leaks=0"))
        if r.returncode != 0 and "ptrace" in r.stderr:
            self.skipTest("skipped: strace cannot trace here")
        with open(trace) as f:
            calls = f.read()
        tmp_at = calls.find("sources.state.")
        fsync_at = calls.find("fsync(", tmp_at)
        rename_at = calls.find("rename", fsync_at)
        self.assertTrue(0 <= tmp_at < fsync_at < rename_at, calls)
        self.assertIn("fsync(", calls[rename_at:])  # the directory
        self.assertNotRegex(calls, r'openat\([^)]*"[^"]*sources\.state", O_WRONLY')

    def test_one_catalogue_source_enabled_without_editing_the_catalogue(self):
        catalogue = os.path.join(swtest.ROOT, "examples", "un-member-states.conf")
        with open(catalogue, "rb") as f:
            before = f.read()
        conf = self.write("un.conf", "[daemon]\nstate_dir = %s\ninclude = %s\n"
                          % (self.state, catalogue), 0o600)
        self.assertIn("ok: 263 sources (0 enabled)", self.sw("check", "-c", conf).stdout)
        r = self.sw("sources", "enable", "belgium-2", "-c", conf)
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.sw("check", "-c", conf)
        self.assertIn("ok: 263 sources (1 enabled)", r.stdout)
        # check names the override at its line of the state file, and the section it overrides
        self.assertRegex(r.stderr, r"sources\.state:\d+: notice: source 'belgium-2' enabled here "
                         r"\(speechwatch sources enable\|disable\), whatever "
                         r".*un-member-states\.conf:\d+ says")
        js = json.loads(self.sw("check", "-c", conf, "--json").stdout)
        self.assertEqual(js["enabled_sources"], 1)
        self.assertEqual([(n["file"], n["line"]) for n in js["notices"]
                          if "'belgium-2' enabled here" in n["message"]],
                         [(os.path.join(self.state, "sources.state"), 3)], js["notices"])
        got = self.lines(self.sw("sources", "-c", conf).stdout)
        self.assertEqual(len(got), 263)
        self.assertEqual(got["belgium-2"][1:4], ["list", "10m", "enabled*"])
        self.assertEqual(got["belgium-1"][3], "disabled")
        with open(catalogue, "rb") as f:
            self.assertEqual(f.read(), before)

    def test_unknown_ids_and_bad_state_files_are_errors(self):
        r = self.sw("sources", "enable", "nope", "-c", self.conf)
        self.assertEqual(r.returncode, 2)
        self.assertIn("no source 'nope'", r.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.state, "sources.state")))
        r = self.sw("sources", "toggle", "news", "-c", self.conf)
        self.assertEqual(r.returncode, 2)
        os.makedirs(self.state)
        with open(os.path.join(self.state, "sources.state"), "w") as f:
            f.write("news disabled\nfeed maybe\n")
        r = self.sw("check", "-c", self.conf)
        self.assertEqual(r.returncode, 2)
        self.assertIn("sources.state:2: expected 'ID enabled' or 'ID disabled'", r.stderr)
        # a running daemon keeps its configuration rather than take a torn one
        with open(os.path.join(self.state, "sources.state"), "w") as f:
            f.write("news disabled\n")
        d = self.spawn([swtest.BIN, "run", "-c", self.conf])
        self.wait_for(d, "source=feed poll=ok")
        self.assertNotIn("source=news poll=", d.output())
        mark = len(d.output())
        with open(os.path.join(self.state, "sources.state"), "a") as f:
            f.write("feed\n")
        d.signal(signal.SIGHUP)
        self.wait_for(d, "still running on the previous configuration", mark)
        self.assertIn("sources.state:2:", d.output()[mark:])
        d.signal(signal.SIGTERM)
        self.assertEqual(d.wait(15), 0, d.output())


if __name__ == "__main__":
    swtest.main()
