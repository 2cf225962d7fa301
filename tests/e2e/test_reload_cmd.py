"""`speechwatch reload` (what the unit's ExecReload runs; a minimal Debian
root has no /bin/kill): it finds the daemon through its state lock, sends
SIGHUP and waits for the outcome the daemon records, so that `systemctl
reload` succeeds only when the new config was taken, fails when the daemon
refused it (and kept the old one), and fails clearly when no daemon runs."""
import os
import time

import swtest

CONF = """[daemon]
state_dir = {state}
first_poll = alert
{extra}
[source "site"]
url = http://127.0.0.1:{port}/list.html
items = //ul[@class="news"]/li
interval = 1h
"""


class ReloadCommandTest(swtest.TestCase):
    def setUp(self):
        super().setUp()
        self.site = os.path.join(self.tmp, "site")
        os.makedirs(self.site)
        with open(os.path.join(self.site, "list.html"), "w") as f:
            f.write('<html><body><ul class="news"><li><a href="/a.html">A</a></li></ul></body></html>')
        self.server, self.port = swtest.start_static_server(self.site)
        self.procs.append(self.server)
        self.state = os.path.join(self.tmp, "state")

    def conf(self, extra=""):
        return self.write("speechwatch.conf", CONF.format(state=self.state, port=self.port,
                                                          extra=extra))

    def wait_for(self, proc, text, timeout=20, start=0):
        deadline = time.time() + timeout
        while text not in proc.output()[start:] and time.time() < deadline:
            time.sleep(0.05)
        self.assertIn(text, proc.output()[start:], proc.output())

    def start(self):
        conf = self.conf()
        d = self.spawn([swtest.BIN, "run", "-c", conf])
        self.wait_for(d, "source=site")
        deadline = time.time() + 10
        while not os.path.exists(os.path.join(self.state, "speechwatch.lock")) and time.time() < deadline:
            time.sleep(0.05)
        return conf, d

    def test_reload_applies_the_new_config_in_the_same_process(self):
        conf, d = self.start()
        self.conf("user_agent = reload-test/1")
        mark = len(d.output())
        r = self.sw("reload", "-c", conf)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr + d.output())
        self.assertIn("pid %d" % d.pid, r.stdout)
        self.assertIn("reload: done", d.output()[mark:])
        self.assertIn("reload: [daemon] user_agent applied", d.output()[mark:])
        self.assertIsNone(d.p.poll())
        # Twice: the second answer is told apart from the first.
        r = self.sw("reload", "-c", conf)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(d.output().count("reload: done"), 2)

    def test_a_config_the_daemon_refuses_fails_and_the_old_one_stays(self):
        conf, d = self.start()
        # A file that does not load is not sent at all.
        broken = self.write("broken.conf", CONF.format(state=self.state, port=self.port,
                                                       extra="max_connections = many"))
        r = self.sw("reload", "-c", broken)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("max_connections", r.stderr)
        self.assertIn("not reloaded", r.stderr)
        # The daemon's own refusal: its file now names another state_dir,
        # which only a restart can apply (the command finds the daemon
        # through a file naming the state_dir it holds).
        with open(conf, "w") as f:
            f.write(CONF.format(state=os.path.join(self.tmp, "other"), port=self.port, extra=""))
        self.write("refused.conf", CONF.format(state=self.state, port=self.port, extra=""))
        mark = len(d.output())
        r = self.sw("reload", "-c", os.path.join(self.tmp, "refused.conf"))
        self.assertNotEqual(r.returncode, 0, r.stdout + r.stderr + d.output())
        self.assertIn("state_dir changed", r.stderr)
        self.assertIn("refused", r.stderr)
        self.assertIn("still running on the previous configuration", d.output()[mark:])
        self.assertIsNone(d.p.poll())
        # The old config runs on: a valid file again reloads.
        self.conf()
        r = self.sw("reload", "-c", conf)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr + d.output())

    def test_no_daemon_is_a_clear_error(self):
        conf = self.conf()
        r = self.sw("reload", "-c", conf)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("no daemon runs on " + self.state, r.stderr)


if __name__ == "__main__":
    swtest.main()
