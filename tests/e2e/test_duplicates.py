"""Issue 15, failure 5: the same text under two URLs gave two alerts, and a
site that moved every article to new URLs re-alerted all its statements.
Real `speechwatch once` polls of a real HTTP server on loopback, alerts read
at a real webhook receiver: a statement listed again under a second URL is
recorded, not alerted; a site moving its 20 statements raises exactly one
source.changed (per channel that takes the source) and no statement.new,
while a genuinely new statement of the same poll is still alerted; a poll
killed with SIGKILL in the middle of such a move records none of it, and
the poll after the restart raises the one source.changed and no alert."""
import json
import os
import signal
import sqlite3
import time
import urllib.request

import swtest

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
CONF = """[daemon]
state_dir = {state}
recheck_days = 0
[source "s"]
url = http://127.0.0.1:{port}/{page}
items = //ul[@class="news"]/li
date = span
allow_private = yes
[notify "hook"]
type = webhook
url = http://127.0.0.1:{hook}/hook
secret_file = hook.secret
[notify "elsewhere"]
type = webhook
url = http://127.0.0.1:{hook}/hook
secret_file = hook.secret
sources = other-*
"""

WORDS = ("The minister said today that the government will publish the full "
         "report on public spending next month and answer every question raised. ")


def article(n):
    """Statement n: the same text whatever URL serves it."""
    return ("<html><head><title>Statement %d</title></head><body><article>"
            "<h1>Statement %d</h1><p>%s</p></article></body></html>") % (n, n, WORDS * 4 + str(n))


def list_page(paths, dated=False):
    """A list of "a/N.html" paths, each titled "Statement N" (wherever it lives),
    dated 2020-01-N when dated."""
    def li(p):
        n = p.split("/")[-1].split(".")[0]
        date = " <span>2020-01-%02d</span>" % (int(n) % 28 + 1) if dated else ""
        return '<li><a href="/%s">Statement %s</a>%s</li>\n' % (p, n, date)
    items = "".join(li(p) for p in paths)
    return '<html><body><ul class="news">\n%s</ul></body></html>' % items


class DuplicatesTest(swtest.TestCase):
    def setUp(self):
        super().setUp()
        self.site = os.path.join(self.tmp, "site")
        for d in ("a", "b"):
            os.makedirs(os.path.join(self.site, d))
        self.state = os.path.join(self.tmp, "state")
        self.write("hook.secret", SECRET + "\n", 0o600)
        self.hook, self.hook_port, self.hook_log = swtest.start_webhook_receiver(self.tmp, SECRET)
        self.procs.append(self.hook)

    def config(self, port, page):
        return self.write("speechwatch.conf", CONF.format(
            state=self.state, port=port, page=page, hook=self.hook_port))

    def put(self, name, text):
        with open(os.path.join(self.site, name), "w", encoding="utf-8") as f:
            f.write(text)

    def static_site(self, statements):
        for n in statements:
            self.put("a/%d.html" % n, article(n))
            self.put("b/%d.html" % n, article(n))  # the same statement, moved
        server, port = swtest.start_static_server(self.site)
        self.procs.append(server)
        return port

    def once(self, conf):
        r = self.sw("once", "-c", conf, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stderr

    def events(self):
        return [e["body"] for e in swtest.read_jsonl(self.hook_log)]

    def types(self):
        return [ev["type"] for ev in self.events()]

    def stored_urls(self):
        con = sqlite3.connect(os.path.join(self.state, "speechwatch.db"))
        try:
            return [r[0] for r in con.execute("SELECT url FROM items WHERE source_id = 's'")]
        finally:
            con.close()

    def test_a_statement_under_a_second_url_is_recorded_not_alerted(self):
        port = self.static_site(range(1, 5))
        conf = self.config(port, "list.html")
        self.put("list.html", list_page(["a/%d.html" % n for n in (1, 2, 3)]))
        self.once(conf)
        self.assertEqual(self.types(), [], "the first poll is a silent baseline")
        self.put("list.html", list_page(["a/%d.html" % n for n in (4, 1, 2, 3)]))
        self.once(conf)
        self.assertEqual(self.types(), ["statement.new"])
        # The same statement listed again under a second URL.
        self.put("list.html", list_page(["b/4.html"] + ["a/%d.html" % n for n in (4, 1, 2, 3)]))
        err = self.once(conf)
        self.assertEqual(self.types(), ["statement.new"], "no second alert")
        self.assertIn("same text as http://127.0.0.1:%d/a/4.html" % port, err)
        self.assertIn("http://127.0.0.1:%d/b/4.html" % port, self.stored_urls(), "recorded")
        self.once(conf)
        self.assertEqual(self.types(), ["statement.new"], "recorded as seen: not again")
        st = self.sw("status", "-c", conf)
        self.assertEqual(st.returncode, 0, st.stderr)
        self.assertIn("recorded as duplicates: 1", st.stdout)
        st = self.sw("status", "--json", "-c", conf)
        self.assertEqual(json.loads(st.stdout)["sources"][0]["duplicates"], 1)

    def test_a_site_moving_every_statement_raises_one_source_changed(self):
        port = self.static_site(range(1, 22))
        conf = self.config(port, "list.html")
        self.put("list.html", list_page(["a/%d.html" % n for n in range(20, 0, -1)]))
        self.once(conf)
        self.assertEqual(self.types(), [])
        # All 20 move to b/, and statement 21 is genuinely new.
        moved = ["b/%d.html" % n for n in range(20, 0, -1)]
        self.put("list.html", list_page(["a/21.html"] + moved))
        err = self.once(conf)
        self.assertEqual(sorted(self.types()), ["source.changed", "statement.new"],
                         "one notice (the channel for other sources gets none), one alert")
        new = [ev for ev in self.events() if ev["type"] == "statement.new"][0]
        self.assertEqual(new["item"]["url"], "http://127.0.0.1:%d/a/21.html" % port)
        changed = [ev for ev in self.events() if ev["type"] == "source.changed"][0]
        self.assertEqual(changed["source"]["id"], "s")
        self.assertEqual((changed["moved"], changed["new_items"]), (20, 21))
        old, moved = changed["example"]["old_url"], changed["example"]["new_url"]
        self.assertEqual(old.replace("/a/", "/b/"), moved)
        self.assertIn("20 of the 21 new items", changed["message"])
        self.assertIn("source.changed", err)
        self.assertEqual(len(self.stored_urls()), 41, "the moved items are recorded")
        self.once(conf)
        self.assertEqual(len(self.events()), 2, "nothing more on the next poll")


    def test_old_statements_recorded_without_their_text_move_silently_too(self):
        """A first poll records statements older than recheck_days without
        reading them: a move of those is recognised by title and list date."""
        port = self.static_site(range(1, 22))
        conf = self.config(port, "list.html")
        self.put("list.html", list_page(["a/%d.html" % n for n in range(20, 0, -1)], True))
        self.once(conf)
        self.put("list.html", list_page(["a/21.html"] + ["b/%d.html" % n for n in range(20, 0, -1)],
                                        True))
        err = self.once(conf)
        self.assertEqual(sorted(self.types()), ["source.changed", "statement.new"])
        self.assertIn("same title and date as http://127.0.0.1:%d/a/" % port, err)
        self.once(conf)
        self.assertEqual(len(self.events()), 2)


class CrashTest(swtest.TestCase):
    """SIGKILL while a move is being read: nothing of it is recorded, and the
    restarted poll raises the one notice and no alert."""

    def setUp(self):
        super().setUp()
        self.state = os.path.join(self.tmp, "state")
        self.write("hook.secret", SECRET + "\n", 0o600)
        self.hook, self.hook_port, self.hook_log = swtest.start_webhook_receiver(self.tmp, SECRET)
        self.procs.append(self.hook)
        self.site, self.port = swtest.start_server("controlled_site.py", [])
        self.procs.append(self.site)
        self.conf = self.write("speechwatch.conf", CONF.format(
            state=self.state, port=self.port, page="list", hook=self.hook_port))

    def steer(self, state):
        req = urllib.request.Request("http://127.0.0.1:%d/state" % self.port,
                                     data=json.dumps(state).encode(), method="POST")
        urllib.request.urlopen(req, timeout=10).read()

    def seen(self):
        with urllib.request.urlopen("http://127.0.0.1:%d/state" % self.port, timeout=10) as r:
            return [s[0] for s in json.loads(r.read())["seen"]]

    def types(self):
        return [e["body"]["type"] for e in swtest.read_jsonl(self.hook_log)]

    def test_a_poll_killed_mid_move_alerts_nothing_after_the_restart(self):
        items = list(range(1, 7))
        self.steer({"items": items})
        r = self.sw("once", "-c", self.conf, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        moved = {str(n): "/art?n=%d&moved=1" % n for n in items}
        self.steer({"links": moved, "ms": {"6": 20000}})  # the last one hangs
        p = self.spawn([swtest.BIN, "once", "-c", self.conf])
        deadline = time.time() + 30
        while time.time() < deadline and not all(u in self.seen() for u in moved.values()):
            time.sleep(0.05)
        self.assertTrue(all(u in self.seen() for u in moved.values()), p.output())
        time.sleep(0.5)  # the five others are read and judged meanwhile
        p.signal(signal.SIGKILL)
        p.wait(10)
        con = sqlite3.connect(os.path.join(self.state, "speechwatch.db"))
        try:
            recorded = con.execute("SELECT count(*) FROM items WHERE url LIKE '%moved=1%'")
            self.assertEqual(recorded.fetchone()[0], 0, "a poll cut short records no move")
        finally:
            con.close()
        self.steer({"ms": {}})
        r = self.sw("once", "-c", self.conf, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.types(), ["source.changed"])
        r = self.sw("once", "-c", self.conf, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.types(), ["source.changed"], "the moves were recorded")


if __name__ == "__main__":
    swtest.main()
