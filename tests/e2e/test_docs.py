"""docs/: the webhook receiver example verifies signatures as documented (and
as the daemon signs), the man pages render without groff warnings, and the
pages cannot go stale: every config key of config/keys.c is documented in
speechwatch.conf(5), every documented key exists, and every field the
daemon puts in an event is described in docs/events.md."""
import base64
import hashlib
import hmac
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import swtest

DOCS = os.path.join(swtest.ROOT, "docs")
RECEIVER = os.path.join(DOCS, "examples", "receiver.py")
KEY = bytes(range(32))
SECRET = "whsec_" + base64.b64encode(KEY).decode()


def sign(key, msg_id, ts, body):
    mac = hmac.new(key, ("%s.%d." % (msg_id, ts)).encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


def config_keys():
    """{section: [key names]} parsed from the key tables of config/keys.c, with
    [notify] extended by every channel type's own table (struct notify_key in
    notify/*.c): config/ reads only the keys every channel shares."""
    with open(os.path.join(swtest.ROOT, "config", "keys.c"), encoding="utf-8") as f:
        src = f.read()
    tables = {}
    for m in re.finditer(r"static const struct key_def (\w+)_keys\[\] = \{(.*?)\n\};", src, re.S):
        tables[m.group(1)] = re.findall(r'\{"([a-z_]+)",\s*KT_', m.group(2))
    backends = channel_keys()
    assert len(backends) >= 2, backends
    for keys in backends.values():
        tables["notify"] += [k for k in keys if k not in tables["notify"]]
    return tables


def channel_keys():
    """{channel type's table: [key names]} from the notify_key tables of notify/."""
    tables = {}
    notify = os.path.join(swtest.ROOT, "notify")
    for name in sorted(os.listdir(notify)):
        if not name.endswith(".c"):
            continue
        with open(os.path.join(notify, name), encoding="utf-8") as f:
            src = f.read()
        for m in re.finditer(r"const struct notify_key (\w+)_keys\[\] = \{(.*?)\n\};", src, re.S):
            tables[m.group(1)] = re.findall(r'\{"([a-z_]+)",\s*NOTIFY_KEY_', m.group(2))
    return tables


class ReceiverBase(swtest.TestCase):
    """docs/examples/receiver.py running on a free port."""

    def setUp(self):
        super().setUp()
        port_file = os.path.join(self.tmp, "port")
        self.rx = self.spawn([sys.executable, RECEIVER, "--port", "0", "--port-file", port_file],
                             env={"WEBHOOK_SECRET": SECRET})
        deadline = time.time() + 10
        while not os.path.exists(port_file):
            self.assertIsNone(self.rx.p.poll(), self.rx.output())
            self.assertLess(time.time(), deadline, "receiver did not start")
            time.sleep(0.05)
        with open(port_file) as f:
            self.url = "http://127.0.0.1:%d/hook" % int(f.read())

    def post(self, body, headers):
        req = urllib.request.Request(self.url, data=body, method="POST",
                                     headers=dict({"Content-Type": "application/json"}, **headers))
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status
        except urllib.error.HTTPError as e:
            return e.code

    def event(self, eid="evt_abcdefghijklmnopqrstuvwxyz"):
        return json.dumps({"type": "statement.new", "id": eid, "detected_at": "2026-11-30T05:31:41Z",
                           "source": {"id": "mfa-en", "url": "http://x.example/"},
                           "item": {"title": "Speech"}, "themes": [
                               {"id": "cyber", "label": "Cyber", "score": 0.5, "evidence": []}]},
                          separators=(",", ":")).encode()

    def headers(self, eid, ts, sig):
        return {"webhook-id": eid, "webhook-timestamp": str(ts), "webhook-signature": sig}


class ReceiverTest(ReceiverBase):
    def test_signed_event_is_accepted_and_bad_ones_are_refused(self):
        eid, now, body = "evt_abcdefghijklmnopqrstuvwxyz", int(time.time()), self.event()
        good = sign(KEY, eid, now, body)
        self.assertEqual(self.post(body, self.headers(eid, now, good)), 204)
        # one bit of the body changed, a wrong key, a stale timestamp, no signature
        self.assertEqual(self.post(body.replace(b"Speech", b"Speeck"),
                                   self.headers(eid, now, good)), 401)
        self.assertEqual(self.post(body, self.headers(eid, now, sign(b"k" * 32, eid, now, body))),
                         401)
        old = now - 3600
        self.assertEqual(self.post(body, self.headers(eid, old, sign(KEY, eid, old, body))), 401)
        self.assertEqual(self.post(body, {"webhook-id": eid, "webhook-timestamp": str(now)}), 401)
        # several signatures (key rotation): one valid one suffices
        self.assertEqual(self.post(body, self.headers(eid, now, "v1,AAAA " + good)), 204)
        # the retry above was a duplicate: handled once
        out = self.rx.output()
        self.assertEqual(out.count(eid + " statement.new mfa-en: Speech [cyber 0.50]"), 1, out)

    def test_the_daemon_signature_is_accepted(self):
        """notify-test signs with the daemon's code: the receiver must accept it."""
        secret = self.write("hook.secret", SECRET + "\n", 0o600)
        conf = self.write("sw.conf", '[daemon]\nstate_dir = %s\n[notify "hook"]\ntype = webhook\n'
                          "url = %s\nsecret_file = %s\n" % (os.path.join(self.tmp, "state"),
                                                            self.url, secret))
        r = self.sw("notify-test", "-c", conf, "hook", timeout=60)
        if r.returncode == 2 and "unknown command" in r.stderr:
            print("skipped: this build has no notify-test")
            return
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        deadline = time.time() + 5
        while " test" not in self.rx.output() and time.time() < deadline:
            time.sleep(0.05)
        self.assertRegex(self.rx.output(), r"evt_[a-z2-7]{26} test\n")


class HostileReceiverTest(ReceiverBase):
    """The sample users copy, against requests a forger or a broken proxy
    could send (issue 14, item 5): no crash, exact header grammar, and
    de-duplication on the webhook-id it verified."""

    def raw_post(self, body, headers):
        """POST with header values as given (bytes allowed); the status, or
        None when the connection closed without an answer (a crash)."""
        port = int(self.url.split(":")[2].split("/")[0])
        lines = [b"POST /hook HTTP/1.1", b"Host: 127.0.0.1", b"Connection: close",
                 b"Content-Type: application/json"]
        if "Content-Length" not in headers:
            lines.append(b"Content-Length: %d" % len(body))
        for name, value in headers.items():
            value = value if isinstance(value, bytes) else value.encode("ascii")
            lines.append(name.encode("ascii") + b": " + value)
        with socket.create_connection(("127.0.0.1", port), timeout=10) as c:
            c.sendall(b"\r\n".join(lines) + b"\r\n\r\n" + body)
            reply = b""
            while True:
                chunk = c.recv(4096)
                if not chunk:
                    break
                reply += chunk
        m = re.match(rb"HTTP/1\.[01] (\d{3}) ", reply)
        return int(m.group(1)) if m else None

    def signed(self, eid, body, ts=None):
        ts = int(time.time()) if ts is None else ts
        return self.headers(eid, ts, sign(KEY, eid, ts, body))

    def assertAlive(self):
        eid = "evt_alivealivealivealivealiveal"
        self.assertEqual(self.raw_post(self.event(eid), self.signed(eid, self.event(eid))), 204)

    def test_signed_bodies_that_are_not_an_event_object(self):
        for body in (b"[]", b'[{"id":"evt_x","type":"test"}]', b"42", b'"x"', b"null",
                     b"\xff\xfe{}", b"{not json"):
            with self.subTest(body=body):
                self.assertEqual(self.raw_post(body, self.signed("evt_notanobject", body)), 400)
        self.assertAlive()

    def test_odd_shapes_inside_a_signed_object_are_printed_not_fatal(self):
        body = json.dumps({"type": "statement.new", "id": "evt_shape", "source": "mfa",
                           "item": 5, "themes": [1, {"id": ["x"], "score": "high"}]}).encode()
        self.assertEqual(self.raw_post(body, self.signed("evt_shape", body)), 204)
        self.assertAlive()

    def test_non_ascii_header_values_are_refused(self):
        body, now = self.event(), int(time.time())
        good = sign(KEY, "evt_abcdefghijklmnopqrstuvwxyz", now, body)
        for sig in (b"v1,\xc3\xa9t\xc3\xa9", b"v1,\xe9", good.encode() + b"\xc3\xa9",
                    b"v1,\xe2\x9c\x93 " + good.encode()[:-1] + b"A"):
            with self.subTest(sig=sig):
                hdr = self.headers("evt_abcdefghijklmnopqrstuvwxyz", now, "")
                hdr["webhook-signature"] = sig
                self.assertEqual(self.raw_post(body, hdr), 401)
        # a non-ASCII webhook-id, even signed over its bytes
        eid = "evt_\u00e9"
        hdr = {"webhook-id": eid.encode("latin-1"), "webhook-timestamp": str(now),
               "webhook-signature": sign(KEY, eid, now, body)}
        self.assertEqual(self.raw_post(body, hdr), 401)
        self.assertAlive()

    def test_timestamps_outside_the_header_grammar(self):
        body, now = self.event(), str(int(time.time()))
        for ts in (now[:-1] + "_" + now[-1], " " + now, now + " ", "+" + now,
                   "".join(chr(0x660 + int(d)) for d in now), now + ".0", "-" + now):
            with self.subTest(ts=ts):
                eid = "evt_abcdefghijklmnopqrstuvwxyz"
                mac = hmac.new(KEY, ("%s.%s." % (eid, ts)).encode() + body, hashlib.sha256)
                hdr = {"webhook-id": eid, "webhook-timestamp": ts.encode("utf-8"),
                       "webhook-signature": "v1," + base64.b64encode(mac.digest()).decode()}
                self.assertEqual(self.raw_post(body, hdr), 401)
        self.assertEqual(self.raw_post(body, {**self.signed("evt_cl", body),
                                              "Content-Length": b"1_0"}), 400)
        self.assertAlive()
        self.assertNotIn("evt_abcdefghijklmnopqrstuvwxyz statement.new", self.rx.output())

    def test_duplicates_are_the_verified_webhook_id(self):
        body = self.event("evt_same_body_id")
        # two deliveries with the same body id but different webhook-ids: two events
        self.assertEqual(self.raw_post(body, self.signed("evt_first", body)), 204)
        self.assertEqual(self.raw_post(body, self.signed("evt_second", body)), 204)
        # the same webhook-id with another body id: a retry, handled once
        other = self.event("evt_other_body_id")
        self.assertEqual(self.raw_post(other, self.signed("evt_first", other)), 204)
        self.assertAlive()
        out = self.rx.output()
        self.assertEqual(out.count("evt_first statement.new"), 1, out)
        self.assertEqual(out.count("evt_second statement.new"), 1, out)

    def test_titles_are_printed_escaped(self):
        body = json.dumps({"type": "statement.new", "id": "evt_t", "source": {"id": "s"},
                           "item": {"title": "\x1b[2JAlert \u202eexe.txt\u0085"},
                           "themes": []}).encode()
        self.assertEqual(self.raw_post(body, self.signed("evt_t", body)), 204)
        self.assertAlive()
        out = self.rx.output()
        self.assertIn("evt_t statement.new s: \\u{001B}[2JAlert \\u{202E}exe.txt\\u{0085} []",
                      out)
        self.assertNotIn("\x1b", out)


class ManPageTest(swtest.TestCase):
    PAGES = ("speechwatch.8", "speechwatch.conf.5")

    def test_pages_render_without_warnings(self):
        if shutil.which("groff") is None:
            print("skipped: groff not installed")
            return
        for page in self.PAGES:
            path = os.path.join(DOCS, page)
            for device in ("-Tutf8", "-Tascii"):
                with self.subTest(page=page, device=device):
                    r = subprocess.run(["groff", "-ww", "-z", "-man", device, path],
                                       capture_output=True, text=True, timeout=60)
                    self.assertEqual(r.returncode, 0, r.stderr)
                    self.assertEqual(r.stderr, "")
            if shutil.which("man"):
                r = subprocess.run(["man", "--warnings", "-l", path], capture_output=True,
                                   text=True, timeout=60, env=dict(os.environ, MANWIDTH="80"))
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertEqual(r.stderr, "", page)
                self.assertIn("NAME", r.stdout)

    def conf_page(self):
        with open(os.path.join(DOCS, "speechwatch.conf.5"), encoding="utf-8") as f:
            return f.read()

    def test_every_config_key_is_documented(self):
        tables = config_keys()
        self.assertEqual(sorted(tables), ["daemon", "http", "notify", "source", "theme"])
        self.assertGreater(sum(len(v) for v in tables.values()), 40)
        page = self.conf_page()
        for section, keys in tables.items():
            # the section's part of the page: from its .SH to the next .SH
            m = re.search(r'^\.SH THE \[%s[^\n]*\n(.*?)(?=^\.SH )' % section, page, re.M | re.S)
            self.assertIsNotNone(m, "no section for [%s]" % section)
            for key in keys:
                with self.subTest(section=section, key=key):
                    found = re.search(r"(?m)^\.TP\n\.B %s$" % re.escape(key), m.group(1))
                    self.assertTrue(found, "[%s] %s is not in docs/speechwatch.conf.5" % (
                        section, key))

    def test_every_channel_key_has_help(self):
        """A channel type's key table is its reference: each row ends with help text."""
        notify = os.path.join(swtest.ROOT, "notify")
        rows = 0
        for name in sorted(os.listdir(notify)):
            if not name.endswith(".c"):
                continue
            with open(os.path.join(notify, name), encoding="utf-8") as f:
                src = f.read()
            for m in re.finditer(r'\{"([a-z_]+)",\s*NOTIFY_KEY_\w+,(.*?)\},\s*\n', src, re.S):
                rows += 1
                with self.subTest(file=name, key=m.group(1)):
                    self.assertRegex(m.group(2), r'"[^"]{8,}"\s*$')
        self.assertGreater(rows, 10)

    def test_every_documented_key_exists(self):
        known = {k for keys in config_keys().values() for k in keys}
        documented = set(re.findall(r"(?m)^\.TP\n\.B ([a-z_]+)$", self.conf_page()))
        self.assertEqual(documented - known, set())


class EventsDocTest(swtest.TestCase):
    def test_every_event_field_is_documented(self):
        with open(os.path.join(swtest.ROOT, "daemon", "event.c"), encoding="utf-8") as f:
            fields = set(re.findall(r'json_object_set_new\(\w+, "([a-z_]+)"', f.read()))
        self.assertGreater(len(fields), 15)
        with open(os.path.join(DOCS, "events.md"), encoding="utf-8") as f:
            doc = f.read()
        for field in sorted(fields):
            with self.subTest(field=field):
                self.assertRegex(doc, r"`(\w+\.)?%s`" % re.escape(field))
        for header in ("webhook-id", "webhook-timestamp", "webhook-signature", "Retry-After"):
            self.assertIn(header, doc)


if __name__ == "__main__":
    swtest.main()
