"""Exit statuses an operator's cron job and monitoring rely on
(speechwatch(8) EXIT STATUS): `once` fails when a delivery of its run died
or is still pending at exit, naming the channel on stderr; `status` answers
like a monitoring plugin (0 healthy, 1 warning, 2 error), with or without
--json."""
import base64
import json
import os
import re
import sqlite3
import urllib.request

import swtest

SECRET = "whsec_" + base64.b64encode(bytes(range(32))).decode()
CONF = """[daemon]
state_dir = {state}
first_poll = alert
[source "news"]
url = http://127.0.0.1:{port}/news/index.html
items = //ul[@class="news-list"]/li
date = span[@class="date"]
[notify "hook"]
type = webhook
url = http://127.0.0.1:{rx}/hook
secret_file = {secret}
"""


class ExitStatusBase(swtest.TestCase):
    def setUp(self):
        super().setUp()
        self.server, self.port = swtest.start_static_server(os.path.join(swtest.FIXTURES, "site"))
        self.procs.append(self.server)
        rx, self.rx_port, self.rx_log = swtest.start_webhook_receiver(self.tmp, SECRET)
        self.procs.append(rx)
        self.state = os.path.join(self.tmp, "state")
        secret = self.write("hook.secret", SECRET + "\n", mode=0o600)
        self.conf = self.write("speechwatch.conf", CONF.format(
            state=self.state, port=self.port, rx=self.rx_port, secret=secret))

    def mode(self, mode):
        url = "http://127.0.0.1:%d/__mode?mode=%s" % (self.rx_port, mode)
        urllib.request.urlopen(url, timeout=5).read()

    def db(self, sql):
        db = sqlite3.connect(os.path.join(self.state, "speechwatch.db"))
        db.execute(sql)
        db.commit()
        db.close()


class OnceExitTest(ExitStatusBase):
    def test_all_delivered_is_0(self):
        r = self.sw("once", "-c", self.conf)
        self.assertEqual(r.returncode, 0, r.stderr[-3000:])
        self.assertEqual(len(swtest.read_jsonl(self.rx_log)), 3)
        self.assertNotIn("once: channel=", r.stderr)

    def test_dead_letters_of_the_run_fail_it_and_are_named(self):
        self.mode("bad")  # 400: permanent, dead at once
        r = self.sw("once", "-c", self.conf)
        self.assertEqual(r.returncode, 1, r.stderr[-3000:])
        lines = [l for l in r.stderr.splitlines() if "once: channel=" in l]
        self.assertEqual(len(lines), 1, r.stderr[-3000:])
        self.assertRegex(lines[0], r'^<3>.*once: channel=hook dead=3 pending=0 last_error=".*400')
        # the next run has nothing new: the old dead letters do not fail it
        r = self.sw("once", "-c", self.conf)
        self.assertEqual(r.returncode, 0, r.stderr[-3000:])
        self.assertNotIn("once: channel=", r.stderr)

    def test_events_left_pending_fail_the_run(self):
        self.mode("fail503")  # retried later: still pending when once exits
        r = self.sw("once", "-c", self.conf)
        self.assertEqual(r.returncode, 1, r.stderr[-3000:])
        self.assertRegex(r.stderr, r'once: channel=hook dead=0 pending=3 last_error=".*503')
        self.mode("ok")
        self.db("UPDATE events SET next_attempt = 0")
        r = self.sw("once", "-c", self.conf)
        self.assertEqual(r.returncode, 0, r.stderr[-3000:])
        self.assertNotIn("once: channel=", r.stderr)


class StatusExitTest(ExitStatusBase):
    def status(self, *extra):
        """(text exit status, --json exit status, parsed JSON or None)."""
        text = self.sw("status", "-c", self.conf, *extra)
        js = self.sw("status", "-c", self.conf, "--json", *extra)
        return text.returncode, js.returncode, json.loads(js.stdout) if js.stdout else None

    def test_healthy_is_0(self):
        self.assertEqual(self.status()[:2], (0, 0), "before any run")
        self.assertEqual(self.sw("once", "-c", self.conf).returncode, 0)
        text, js, j = self.status()
        self.assertEqual((text, js), (0, 0))
        self.assertEqual(j["totals"]["delivered"], 3)

    def test_dead_events_are_a_warning(self):
        self.mode("bad")
        self.sw("once", "-c", self.conf)
        text, js, j = self.status()
        self.assertEqual((text, js), (1, 1))
        self.assertEqual(j["totals"]["dead"], 3, "--json output as before")
        self.assertEqual(sorted(j), ["channels", "instances", "sources", "store", "totals"])

    def test_a_failing_source_is_a_warning(self):
        with open(self.conf, encoding="utf-8") as f:
            text = f.read()
        text = text.replace("first_poll = alert", "first_poll = alert\nfail_after = 1")
        self.write("speechwatch.conf", text.replace("/news/index.html", "/no-such-page.html"))
        self.mode("bad")  # the source.failing event dies too: only the source must warn
        self.sw("once", "-c", self.conf)
        self.db("DELETE FROM events")
        text, js, j = self.status()
        self.assertEqual(j["totals"]["failing"], 1)
        self.assertEqual(j["totals"]["dead"], 0)
        self.assertEqual((text, js), (1, 1))

    def test_a_store_that_cannot_be_read_is_critical(self):
        os.makedirs(self.state)
        with open(os.path.join(self.state, "speechwatch.db"), "wb") as f:
            f.write(b"this is not sqlite" * 512)
        text, js, _ = self.status()
        self.assertEqual((text, js), (2, 2))

    def test_a_broken_config_is_critical(self):
        self.write("speechwatch.conf", "[daemon]\nno_such_key = 1\n")
        text, js, _ = self.status()
        self.assertEqual((text, js), (2, 2))
        self.assertEqual(self.sw("status", "-c", self.conf, "extra").returncode, 2)


if __name__ == "__main__":
    swtest.main()
