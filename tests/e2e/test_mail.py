"""Mail channel end to end: the daemon polls the fixture site v1 -> v2 and a
real SMTP server (aiosmtpd) receives exactly the new-item and changed-item
mails, which Python's email package decodes (UTF-8 subjects, GBK section
too); Message-ID is stable across a forced re-send; a 5xx reply
dead-letters with the server's text visible in status; a 4xx is retried;
one refused recipient of three does not stop the mail to the other two
(delivered once, with a warning naming it), all three refused dead-letters."""
import base64
import email
import email.policy
import json
import os
import sqlite3
import time
import urllib.request

import swtest

SITE = swtest.shared_path("fixtures", "site")
SOURCES = """
[source "mfa-en"]
url = http://127.0.0.1:{port}/mfa-en/index.html
items = //div[has-class("newsLst_mod")]/ul/li
title = a/@title
date = span
[source "mfa-zh"]
url = http://127.0.0.1:{port}/mfa-zh/index.html
items = //div[has-class("newsBd")]/ul/li
date = span
"""


def start_smtp(tmp, *extra):
    """tests/servers/smtp_server.py (aiosmtpd); returns (Proc, port, log path)."""
    port_file = os.path.join(tmp, "smtp.port.%d" % time.time_ns())
    log = os.path.join(tmp, "smtp.%d.jsonl" % time.time_ns())
    proc, port = swtest.start_server("smtp_server.py",
                                     ["--port-file", port_file, "--log", log] + list(extra), port_file)
    return proc, port, log


def start_smtp_on(tmp, port):
    return start_smtp(tmp, "--port", str(port))


def messages(log):
    return [email.message_from_bytes(base64.b64decode(m["data_b64"]), policy=email.policy.default)
            for m in swtest.read_jsonl(log)]


class MailTest(swtest.TestCase):
    def setUp(self):
        super().setUp()
        if SITE is None:
            self.skipTest("skipped: ../shared not found")
        with open(os.path.join(SITE, "expected.json"), encoding="utf-8") as f:
            self.expected = json.load(f)
        self.server, self.port = swtest.start_static_server(SITE)
        self.procs.append(self.server)
        self.state = os.path.join(self.tmp, "state")

    def config(self, smtp_port, extra=""):
        text = ("[daemon]\nstate_dir = %s\nrecheck_days = 30000\n" % self.state
                + SOURCES.format(port=self.port)
                + "include = %s/config/themes/diplomacy.conf\n" % swtest.ROOT
                + '[notify "desk"]\ntype = mail\nsmtp_url = smtp://127.0.0.1:%d\n' % smtp_port
                + "tls = none\nfrom = speechwatch@example.org\nto = desk@example.org\n" + extra)
        return self.write("speechwatch.conf", text)

    def switch(self, version):
        urllib.request.urlopen("http://127.0.0.1:%d/__root?dir=%s" % (self.port, version), timeout=5).read()

    def expected_titles(self):
        new, changed = set(), set()
        for sid in ("mfa-en", "mfa-zh"):
            v1 = {i["path"] for i in self.expected["sources"][sid]["versions"]["v1"]["items"]}
            for it in self.expected["sources"][sid]["versions"]["v2"]["items"]:
                if it["path"] not in v1:
                    new.add(it["title"])
        for path, art in self.expected["articles"].items():
            if art.get("source") in ("mfa-en", "mfa-zh") and art.get("version") == "v2" and art.get("edited"):
                changed.add(art["title"])
        return new, changed

    def test_v1_to_v2_mails_decode_and_message_id_is_stable(self):
        smtp, sport, log = start_smtp(self.tmp)
        self.procs.append(smtp)
        conf = self.config(sport)
        r = self.sw("once", "-c", conf)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(messages(log), [], "baseline poll sends nothing")
        self.switch("v2")
        r = self.sw("once", "-c", conf)
        self.assertEqual(r.returncode, 0, r.stderr)
        msgs = messages(log)
        new_titles, changed_titles = self.expected_titles()
        subjects = [str(m["subject"]) for m in msgs]
        got_titles = {s[len("[speechwatch] "):].split(" — ")[0] for s in subjects}
        self.assertEqual(len(msgs), len(new_titles) + 2, subjects)  # one edit per source
        self.assertTrue(new_titles <= got_titles, (new_titles, got_titles))
        self.assertTrue(any("外交部" in t or "网络" in t or "数字" in t for t in got_titles), got_titles)
        if changed_titles:
            self.assertTrue(changed_titles <= got_titles, (changed_titles, got_titles))
        with_evidence = 0
        for m in msgs:
            body = m.get_body(preferencelist=("plain",)).get_content()
            self.assertIn("Link:      http://127.0.0.1:%d/" % self.port, body)
            # Evidence: "<theme label> (score 0.xx)" then quoted sentences.
            if " — " in str(m["subject"]) and str(m["subject"]).split(" — ")[-1]:
                self.assertRegex(body, r"\(score 0\.\d\d\)\r?\n  \* \S")
                with_evidence += 1
            self.assertRegex(str(m["message-id"]), r"^<evt_[a-z2-7]{26}@example\.org>$")
        self.assertGreater(with_evidence, 0)
        # A forced re-send of one event carries the same Message-ID.
        db = sqlite3.connect(os.path.join(self.state, "speechwatch.db"))
        eid = db.execute("SELECT id FROM events ORDER BY created LIMIT 1").fetchone()[0]
        db.execute("UPDATE events SET state = 'queued', next_attempt = 0 WHERE id = ?", (eid,))
        db.commit()
        db.close()
        before = len(msgs)
        r = self.sw("once", "-c", conf)
        self.assertEqual(r.returncode, 0, r.stderr)
        msgs = messages(log)
        self.assertEqual(len(msgs), before + 1)
        self.assertEqual(str(msgs[-1]["message-id"]), "<%s@example.org>" % eid)
        self.assertEqual(sum(1 for m in msgs if str(m["message-id"]) == "<%s@example.org>" % eid), 2)

    def test_digest_sends_one_mail_with_every_event(self):
        smtp, sport, log = start_smtp(self.tmp)
        self.procs.append(smtp)
        conf = self.config(sport, "digest = 1h\n")
        self.sw("once", "-c", conf)
        self.switch("v2")
        r = self.sw("once", "-c", conf)
        self.assertEqual(r.returncode, 0, r.stderr)
        msgs = messages(log)
        self.assertEqual(len(msgs), 1, [str(m["subject"]) for m in msgs])
        new_titles, _ = self.expected_titles()
        body = msgs[0].get_body(preferencelist=("plain",)).get_content()
        for t in new_titles:
            self.assertIn(t, body)
        self.assertRegex(str(msgs[0]["subject"]), r"^\[speechwatch\] \d+ alerts: ")
        db = sqlite3.connect(os.path.join(self.state, "speechwatch.db"))
        states = {s for (s,) in db.execute("SELECT state FROM events")}
        self.assertEqual(states, {"delivered"})

    def test_server_down_then_back(self):
        port = swtest.free_port()
        conf = self.config(port)
        self.sw("once", "-c", conf)
        self.switch("v2")
        r = self.sw("once", "-c", conf)
        self.assertIn("failed, retry in", r.stderr)
        smtp, sport, log = start_smtp_on(self.tmp, port)
        self.procs.append(smtp)
        r = self.sw("once", "-c", conf)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertGreater(len(messages(log)), 0)
        st = json.loads(self.sw("status", "-c", conf, "--json").stdout)
        self.assertEqual(st["channels"][0]["pending"], 0)
        self.assertEqual(st["channels"][0]["dead"], 0)

    def test_5xx_dead_letters_with_reply_text_and_4xx_retries(self):
        smtp, sport, log = start_smtp(self.tmp, "--reject", "550")
        self.procs.append(smtp)
        conf = self.config(sport)
        self.sw("once", "-c", conf)
        self.switch("v2")
        r = self.sw("once", "-c", conf)
        self.assertIn("dead-lettered (permanent)", r.stderr)
        st = json.loads(self.sw("status", "-c", conf, "--json").stdout)
        desk = st["channels"][0]
        self.assertGreater(desk["dead"], 0)
        self.assertIn("550", desk["last_error"])
        self.assertIn("Recipient address rejected", desk["last_error"])
        smtp.close()
        smtp, sport2, log2 = start_smtp(self.tmp, "--reject", "450")
        self.procs.append(smtp)
        conf = self.config(sport2)
        db = sqlite3.connect(os.path.join(self.state, "speechwatch.db"))
        db.execute("UPDATE events SET state = 'queued', next_attempt = 0, attempts = 0")
        db.commit()
        db.close()
        r = self.sw("once", "-c", conf)
        self.assertIn("failed, retry in", r.stderr)
        st = json.loads(self.sw("status", "-c", conf, "--json").stdout)
        self.assertEqual(st["channels"][0]["dead"], 0)
        self.assertGreater(st["channels"][0]["pending"], 0)

    def poll_v1_v2(self, conf):
        r = self.sw("once", "-c", conf)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.switch("v2")
        return self.sw("once", "-c", conf)

    def event_rows(self):
        db = sqlite3.connect(os.path.join(self.state, "speechwatch.db"))
        rows = db.execute("SELECT id, state, attempts FROM events").fetchall()
        db.close()
        return rows

    def test_one_refused_recipient_does_not_stop_the_others(self):
        smtp, sport, log = start_smtp(self.tmp, "--refuse-rcpt", "typo@example.org")
        self.procs.append(smtp)
        conf = self.config(sport, "to = typo@example.org\nto = b@example.org\n")
        r = self.poll_v1_v2(conf)
        self.assertEqual(r.returncode, 0, r.stderr)
        rows = self.event_rows()
        self.assertGreater(len(rows), 0)
        self.assertEqual({(state, attempts) for _, state, attempts in rows}, {("delivered", 1)}, rows)
        # Each event reached the two others, exactly once.
        entries = swtest.read_jsonl(log)
        self.assertEqual([e["rcpt_tos"] for e in entries],
                         [["desk@example.org", "b@example.org"]] * len(rows))
        ids = sorted(str(m["message-id"]) for m in messages(log))
        self.assertEqual(ids, sorted("<%s@example.org>" % eid for eid, _, _ in rows))
        # Not silent: one warning per attempt naming the address and the reply.
        warn = [l for l in r.stderr.splitlines() if l.startswith("<4>smtp: ")]
        self.assertEqual(len(warn), len(rows), r.stderr)
        for line in warn:
            self.assertIn("1 of 3 recipient(s) refused, sent to the others: typo@example.org: "
                          "550 5.1.1 <typo@example.org>: Recipient address rejected", line)
        # Nothing is retried later.
        r = self.sw("once", "-c", conf)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(len(swtest.read_jsonl(log)), len(rows))
        desk = json.loads(self.sw("status", "-c", conf, "--json").stdout)["channels"][0]
        self.assertEqual((desk["pending"], desk["dead"]), (0, 0))

    def test_every_recipient_refused_dead_letters(self):
        refuse = []
        for addr in ("desk@example.org", "typo@example.org", "b@example.org"):
            refuse += ["--refuse-rcpt", addr]
        smtp, sport, log = start_smtp(self.tmp, *refuse)
        self.procs.append(smtp)
        conf = self.config(sport, "to = typo@example.org\nto = b@example.org\n")
        r = self.poll_v1_v2(conf)
        self.assertIn("dead-lettered (permanent)", r.stderr)
        self.assertIn("<4>smtp: 3 of 3 recipient(s) refused: desk@example.org: 550 5.1.1", r.stderr)
        self.assertEqual(swtest.read_jsonl(log), [])
        rows = self.event_rows()
        self.assertGreater(len(rows), 0)
        self.assertEqual({(state, attempts) for _, state, attempts in rows}, {("dead", 1)}, rows)
        desk = json.loads(self.sw("status", "-c", conf, "--json").stdout)["channels"][0]
        self.assertIn("SMTP 550: ", desk["last_error"])
        self.assertIn("refused: desk@example.org: 550", desk["last_error"])


if __name__ == "__main__":
    swtest.main()
