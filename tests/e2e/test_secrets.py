"""Read-only commands read no secret files (issue 17, item 4): with the
set-up of docs/systemd.md the secrets exist only while the service runs
(LoadCredential=) and only for its user, yet status, search, preview,
extract and classify must work for anyone who can read the config and the
store. The commands that send (once, run) and check still read and report
every secret."""
import base64
import os

import swtest

SECRET = "whsec_" + base64.b64encode(bytes(range(32))).decode()
CONF = """[daemon]
state_dir = {state}
first_poll = alert
[source "news"]
url = http://127.0.0.1:{port}/news/index.html
items = //ul[@class="news-list"]/li
date = span[@class="date"]
[source "members"]
url = http://reader@127.0.0.1:{port}/news/index.html
items = //ul[@class="news-list"]/li
password_file = {creds}/members.password
include = {root}/config/themes/diplomacy.conf
[notify "hook"]
type = webhook
url = http://127.0.0.1:{rx}/hook
secret_file = {creds}/hook.secret
"""


class SecretsTest(swtest.TestCase):
    def setUp(self):
        super().setUp()
        site = os.path.join(swtest.FIXTURES, "site")
        self.server, self.port = swtest.start_static_server(site)
        self.procs.append(self.server)
        rx, rx_port, self.rx_log = swtest.start_webhook_receiver(self.tmp, SECRET)
        self.procs.append(rx)
        self.creds = os.path.join(self.tmp, "credentials")
        self.write("credentials/members.password", "pw-1\n", mode=0o600)
        self.write("credentials/hook.secret", SECRET + "\n", mode=0o600)
        self.conf = self.write("speechwatch.conf", CONF.format(
            state=os.path.join(self.tmp, "state"), port=self.port, rx=rx_port,
            creds=self.creds, root=swtest.ROOT))
        r = self.sw("once", "-c", self.conf)
        self.assertEqual(r.returncode, 0, r.stderr[-3000:])
        self.assertEqual(len(swtest.read_jsonl(self.rx_log)), 3, "the items, once")
        # the service stopped: its credentials are gone
        for name in os.listdir(self.creds):
            os.unlink(os.path.join(self.creds, name))
        os.rmdir(self.creds)

    def test_read_only_commands_need_no_secret(self):
        page = os.path.join(swtest.FIXTURES, "site", "news", "index.html")
        for args in (["status"], ["status", "--json"], ["search", "statement"],
                     ["preview", "news"], ["extract", page], ["classify", page]):
            with self.subTest(command=args[0]):
                r = self.sw(args[0], "-c", self.conf, *args[1:])
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertNotIn("password_file", r.stderr)
                self.assertNotIn("secret_file", r.stderr)

    def test_commands_that_send_or_validate_report_the_missing_secret(self):
        for command in ("check", "once", "run"):
            with self.subTest(command=command):
                r = self.sw(command, "-c", self.conf, timeout=20)
                self.assertEqual(r.returncode, 2, r.stderr)
                self.assertRegex(r.stderr, r"source 'members': password_file '.*members"
                                           r"\.password': No such file or directory")
        # with the source's password back, the channel's secret is the one missing
        self.write("credentials/members.password", "pw-1\n", mode=0o600)
        r = self.sw("check", "-c", self.conf)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("secret_file", r.stderr)
        self.assertIn("hook.secret", r.stderr)

    def test_preview_reads_the_password_of_the_source_it_fetches_only(self):
        r = self.sw("preview", "-c", self.conf, "members")
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("password_file", r.stderr)
        self.write("credentials/members.password", "pw-1\n", mode=0o600)
        r = self.sw("preview", "-c", self.conf, "members")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn("pw-1", r.stdout + r.stderr)


if __name__ == "__main__":
    swtest.main()
