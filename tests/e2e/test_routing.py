"""Channel routing (themes globs, min_score, sources globs) and a webhook that
answers 410 Gone: its channel is disabled until reload, loudly."""
import os
import sqlite3
import urllib.request

import swtest

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
CONF = """[daemon]
state_dir = {state}
recheck_days = 30
[source "news"]
url = http://127.0.0.1:{port}/news/index.html
items = //ul[@class="news-list"]/li
date = span[@class="date"]
include = {root}/config/themes/diplomacy.conf
[notify "arms"]
type = webhook
url = http://127.0.0.1:{r1}/hook
secret_file = hook.secret
themes = arms-*
[notify "cyber"]
type = webhook
url = http://127.0.0.1:{r2}/hook
secret_file = hook.secret
themes = cyber-*
min_score = 0.5
[notify "elsewhere"]
type = webhook
url = http://127.0.0.1:{r3}/hook
secret_file = hook.secret
sources = other-*
"""


class RoutingTest(swtest.TestCase):
    def setUp(self):
        super().setUp()
        self.server, self.port = swtest.start_static_server(os.path.join(swtest.FIXTURES, "site"))
        self.procs.append(self.server)
        self.recv = []
        for _ in range(3):
            proc, port, log = swtest.start_webhook_receiver(self.tmp, SECRET)
            self.procs.append(proc)
            self.recv.append((port, log))
        self.write("hook.secret", SECRET + "\n", 0o600)
        self.state = os.path.join(self.tmp, "state")
        self.conf = self.write("speechwatch.conf", CONF.format(
            state=self.state, port=self.port, root=swtest.ROOT,
            r1=self.recv[0][0], r2=self.recv[1][0], r3=self.recv[2][0]))

    def to_v2(self):
        self.assertEqual(self.sw("once", "-c", self.conf).returncode, 0)
        urllib.request.urlopen("http://127.0.0.1:%d/__root?dir=v2" % self.port).read()

    def bodies(self, i):
        return [e["body"] for e in swtest.read_jsonl(self.recv[i][1])]

    def test_each_channel_gets_what_it_asked_for(self):
        self.to_v2()
        r = self.sw("once", "-c", self.conf)
        self.assertEqual(r.returncode, 0, r.stderr)
        arms, cyber, elsewhere = self.bodies(0), self.bodies(1), self.bodies(2)
        self.assertEqual([(b["type"], b["item"]["title"]) for b in arms],
                         [("statement.new", "Statement on the review conference of the nuclear "
                                            "non-proliferation treaty")])
        self.assertEqual([(b["type"], b["item"]["title"]) for b in cyber],
                         [("statement.changed", "Remarks at the open-ended working group on ICT security")])
        self.assertTrue(all(t["score"] >= 0.5 for t in cyber[0]["themes"] if t["id"].startswith("cyber-")))
        self.assertEqual(elsewhere, [])

    def test_410_disables_the_channel_until_reload(self):
        urllib.request.urlopen("http://127.0.0.1:%d/__mode?mode=gone" % self.recv[0][0]).read()
        self.to_v2()
        r = self.sw("once", "-c", self.conf)
        self.assertIn("channel=arms answered 410 Gone: channel DISABLED until reload", r.stderr)
        db = sqlite3.connect(os.path.join(self.state, "speechwatch.db"))
        states = dict(db.execute("SELECT channel, state FROM events"))
        # issue 14: the event stays pending (not dead) for when the channel is back
        self.assertEqual(states["arms"], "retry_wait")
        self.assertEqual(states["cyber"], "delivered")
        # a restart (like a reload) builds the channel again and sends it
        urllib.request.urlopen("http://127.0.0.1:%d/__mode?mode=ok" % self.recv[0][0]).read()
        r = self.sw("once", "-c", self.conf)
        self.assertEqual(r.returncode, 0, r.stderr)
        states = dict(db.execute("SELECT channel, state FROM events"))
        self.assertEqual(states["arms"], "delivered")
        seen = swtest.read_jsonl(self.recv[0][1])  # the attempt answered 410, then the delivery
        self.assertEqual([e["status_returned"] for e in seen], [410, 200])
        self.assertEqual(seen[0]["webhook_id"], seen[1]["webhook_id"])


if __name__ == "__main__":
    swtest.main()
