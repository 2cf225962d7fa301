"""The ntfy, Slack, Discord and Matrix channels through the real daemon: the
fixture ministry publishes, `once` alerts every channel, each receiver finds
the request exactly as the service's public API takes it; a Matrix send that
failed is retried by the outbox under the same transaction id (idempotent),
and no token reaches the log."""
import os
import urllib.request

import swtest

TOKEN = "tk_e2e0secret0token"
CONF = """[daemon]
state_dir = {state}
recheck_days = 30
[source "news"]
url = http://127.0.0.1:{port}/news/index.html
items = //ul[@class="news-list"]/li
date = span[@class="date"]
include = {root}/config/themes/diplomacy.conf
[notify "phone"]
type = ntfy
url = http://127.0.0.1:{ntfy}/speechwatch-desk
token_file = token
[notify "team"]
type = slack
url = http://127.0.0.1:{slack}/services/T00000000/B00000000/{token}
[notify "server"]
type = discord
url = http://127.0.0.1:{discord}/api/webhooks/1180000000000000000/{token}
[notify "room"]
type = matrix
url = http://127.0.0.1:{matrix}
room = !OGEhHVWSdvArJzumhm:example.org
token_file = token
"""
SERVICES = ("ntfy", "slack", "discord", "matrix")
NEW_TITLES = {"Statement on the review conference of the nuclear non-proliferation treaty"}


class ChatChannelsTest(swtest.TestCase):
    def setUp(self):
        super().setUp()
        self.server, self.port = swtest.start_static_server(os.path.join(swtest.FIXTURES, "site"))
        self.procs.append(self.server)
        self.rx = {}
        for name in SERVICES:
            port_file = os.path.join(self.tmp, name + ".port")
            log = os.path.join(self.tmp, name + ".jsonl")
            proc, port = swtest.start_server(name + "_receiver.py",
                                             ["--port-file", port_file, "--log", log,
                                              "--token", TOKEN], port_file)
            self.procs.append(proc)
            self.rx[name] = (port, log)
        self.write("token", TOKEN + "\n", 0o600)
        self.state = os.path.join(self.tmp, "state")
        self.conf = self.write("speechwatch.conf", CONF.format(
            state=self.state, port=self.port, root=swtest.ROOT, token=TOKEN,
            **{name: self.rx[name][0] for name in SERVICES}))

    def requests(self, name):
        return swtest.read_jsonl(self.rx[name][1])

    def set_mode(self, name, query):
        urllib.request.urlopen("http://127.0.0.1:%d/__mode?%s" % (self.rx[name][0], query)).read()

    def to_v2(self):
        r = self.sw("once", "-c", self.conf)
        self.assertEqual(r.returncode, 0, r.stderr)
        urllib.request.urlopen("http://127.0.0.1:%d/__root?dir=v2" % self.port).read()

    def test_every_channel_gets_a_valid_request(self):
        self.to_v2()
        r = self.sw("once", "-c", self.conf)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn(TOKEN, r.stderr)
        for name in SERVICES:
            reqs = self.requests(name)
            self.assertGreaterEqual(len(reqs), 2, "%s got %d requests" % (name, len(reqs)))
            for req in reqs:
                self.assertEqual(req["errors"], [], "%s: %s" % (name, req["errors"]))
                self.assertLess(req["status_returned"], 300)
        # Each service carries the new statement's title where it shows titles.
        self.assertTrue(NEW_TITLES & {q.get("title") for q in self.requests("ntfy")})
        slack_text = " ".join(q["json"]["text"] for q in self.requests("slack"))
        discord_titles = {e.get("title") for q in self.requests("discord")
                          for e in q["json"].get("embeds", [])}
        matrix_text = " ".join(q["json"]["body"] for q in self.requests("matrix"))
        for title in NEW_TITLES:
            self.assertIn(title, slack_text)
            self.assertIn(title, discord_titles)
            self.assertIn(title, matrix_text)

    def test_matrix_retry_reuses_the_transaction_id(self):
        self.to_v2()
        self.set_mode("matrix", "status=502")
        r = self.sw("once", "-c", self.conf)
        self.assertNotIn(TOKEN, r.stderr)
        failed = [q["txn"] for q in self.requests("matrix")]
        self.assertTrue(failed)
        self.assertTrue(all(q["status_returned"] == 502 for q in self.requests("matrix")))
        self.set_mode("matrix", "status=200")
        r = self.sw("once", "-c", self.conf)
        self.assertNotIn(TOKEN, r.stderr)
        retried = [q["txn"] for q in self.requests("matrix")[len(failed):]
                   if q["status_returned"] == 200]
        self.assertEqual(sorted(set(retried)), sorted(set(failed)),
                         "a retry must reuse the event id as txnId")
        self.assertTrue(all(t.startswith("evt_") for t in failed))


if __name__ == "__main__":
    swtest.main()
