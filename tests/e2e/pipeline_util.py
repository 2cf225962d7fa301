"""Helpers for the pipeline end-to-end tests (issue 4): the fixture site's
truth, configs built from it, the webhook receiver as a child process, an
in-process recorder that keeps raw requests so a test can check Standard
Webhooks signatures itself, and the event schema checks of design.md."""
import base64
import datetime
import hashlib
import hmac
import http.server
import json
import os
import re
import socketserver
import sqlite3
import threading
import time
import urllib.request

import swtest

SITE = swtest.shared_path("fixtures", "site")
EXPECTED = json.load(open(os.path.join(SITE, "expected.json"), encoding="utf-8")) if SITE else None
THEMES_CONF = os.path.join(swtest.ROOT, "config", "themes", "diplomacy.conf")

# The fixture sources as speechwatch sources. Item selectors and bodies come
# from expected.json; link/title/date are prose there, so they are written here.
FIXTURE_SOURCES = {
    "mfa-en": {"link": "a/@href", "title": "a/@title", "date": "span"},
    "mfa-zh": {"link": "a/@href", "title": "a", "date": "span"},
    "fcdo-atom": {},
    "rss": {},
}

ISO_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
ISO_ANY = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$")
HEX64 = re.compile(r"^[0-9a-f]{64}$")


def new_secret():
    return "whsec_" + base64.b64encode(os.urandom(24)).decode()


def css_to_xpath(css, style="has-class"):
    """The simple CSS of expected.json ("div.a > ul > li", "div.x", "#id") as
    XPath 1.0: style "has-class" uses parsel's has-class(), "classic" the
    contains(concat(...)) idiom."""
    out = ""
    for step in re.split(r"\s*(>)\s*|\s+", css.strip()):
        if step is None or step == ">":
            out += "/" if step == ">" else ""
            continue
        m = re.match(r"^([a-zA-Z0-9*]*)((?:[.#][\w-]+)*)$", step)
        if not m:
            raise ValueError("unsupported selector step %r in %r" % (step, css))
        tag = m.group(1) or "*"
        preds = ""
        for kind, name in re.findall(r"([.#])([\w-]+)", m.group(2)):
            if kind == "#":
                preds += '[@id="%s"]' % name
            elif style == "has-class":
                preds += '[has-class("%s")]' % name
            else:
                preds += '[contains(concat(" ",normalize-space(@class)," ")," %s ")]' % name
        out += ("" if out.endswith("/") else "//") + tag + preds
    return out


def source_entry(name):
    return EXPECTED["sources"][name]


def list_path(name):
    s = source_entry(name)
    return s.get("list") or s.get("feed")


def source_section(name, port, body_style="has-class", sid=None, query=""):
    """One [source] section for fixture source `name`; body_style None = automatic extraction."""
    s = source_entry(name)
    sel = s["selectors"]
    lines = ['[source "%s"]' % (sid or name),
             "url = http://127.0.0.1:%d/%s%s" % (port, list_path(name), query),
             "allow_private = yes"]
    if s["kind"] == "html-list":
        lines.append("items = " + css_to_xpath(sel["item"], body_style or "has-class"))
    for key, val in FIXTURE_SOURCES[name].items():
        lines.append("%s = %s" % (key, val))
    if body_style:
        lines.append("body = " + css_to_xpath(sel["article_body"], body_style))
    return "\n".join(lines) + "\n"


def daemon_section(state, extra=""):
    return ("include = %s\n[daemon]\nstate_dir = %s\nuser_agent = speechwatch-e2e/1\n"
            "recheck_days = 36500\nallow_private = yes\n%s" % (THEMES_CONF, state, extra))


def webhook_section(cid, url, secret_file, extra=""):
    return ('[notify "%s"]\ntype = webhook\nurl = %s\nsecret_file = %s\n%s'
            % (cid, url, secret_file, extra))


def expected_statements(names):
    """{(type, path): v2 item info} for the v1 -> v2 change of the named sources."""
    out = {}
    for name in names:
        v2 = source_entry(name)["versions"]["v2"]
        by_path = {it["path"]: it for it in v2["items"]}
        for p in v2["new"]:
            out[("statement.new", p)] = dict(by_path[p], source=name)
        for p in v2["changed"]:
            out[("statement.changed", p)] = dict(by_path[p], source=name,
                                                   detail=v2["changed_detail"][p])
    return out


def item_path(url, port):
    prefix = "http://127.0.0.1:%d/" % port
    return url[len(prefix):] if url.startswith(prefix) else url


def switch_root(port, d):
    with urllib.request.urlopen("http://127.0.0.1:%d/__root?dir=%s" % (port, d), timeout=10) as r:
        r.read()


def changed_sentences(before, after):
    """Sentences of `after` not in `before`, and of `before` not in `after`."""
    def split(t):
        return [s.strip() for s in re.split(r"(?<=[.!?。！？])\s*", t) if s.strip()]
    b, a = split(before), split(after)
    return [s for s in a if s not in b], [s for s in b if s not in a]


class Receiver:
    """tests/servers/webhook_receiver.py as a child process of the test."""

    count = 0

    def __init__(self, tc, secret, port=None, mode="ok"):
        Receiver.count += 1
        self.log = os.path.join(tc.tmp, "receiver-%d.jsonl" % Receiver.count)
        port_file = os.path.join(tc.tmp, "receiver-%d.port" % Receiver.count)
        args = ["--secret", secret, "--port-file", port_file, "--log", self.log, "--mode", mode]
        if port:
            args += ["--port", str(port)]
        self.proc, self.port = swtest.start_server("webhook_receiver.py", args, port_file)
        tc.procs.append(self.proc)
        self.url = "http://127.0.0.1:%d/hook" % self.port

    def entries(self):
        return swtest.read_jsonl(self.log)

    def set_mode(self, query):
        with urllib.request.urlopen("http://127.0.0.1:%d/__mode?%s" % (self.port, query), timeout=10) as r:
            return json.loads(r.read())


class Recorder:
    """An in-process webhook endpoint that keeps every request raw (headers and
    body bytes) so the test verifies the signature with hmac itself."""

    def __init__(self, tc):
        self.requests = []
        self.lock = threading.Lock()
        rec = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, fmt, *args):
                pass

            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(n)
                with rec.lock:
                    rec.requests.append({"headers": {k.lower(): v for k, v in self.headers.items()},
                                         "body": body, "received_at": time.time()})
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

        class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
            daemon_threads = True

        self.srv = Server(("127.0.0.1", 0), Handler)
        self.port = self.srv.server_address[1]
        self.url = "http://127.0.0.1:%d/raw" % self.port
        self.thread = threading.Thread(target=self.srv.serve_forever, daemon=True)
        self.thread.start()
        tc.addCleanup(self.close)

    def snapshot(self):
        with self.lock:
            return list(self.requests)

    def close(self):
        self.srv.shutdown()
        self.srv.server_close()


def verify_signature(secret, headers, body, tolerance=300):
    """Standard Webhooks check written independently of speechwatch and of
    webhook_receiver.py. Returns None when correct, else the reason."""
    msg_id = headers.get("webhook-id")
    ts = headers.get("webhook-timestamp")
    sig = headers.get("webhook-signature")
    if not msg_id or not ts or not sig:
        return "missing header"
    if not ts.isdigit() or abs(time.time() - int(ts)) > tolerance:
        return "bad timestamp %r" % ts
    key = base64.b64decode(secret[len("whsec_"):])
    mac = hmac.new(key, b"%s.%s.%s" % (msg_id.encode(), ts.encode(), body), hashlib.sha256).digest()
    want = "v1," + base64.b64encode(mac).decode()
    if not any(hmac.compare_digest(s, want) for s in sig.split(" ")):
        return "signature mismatch: %r" % sig
    return None


def parse_iso_utc(s):
    return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc).timestamp()


def check_envelope(tc, body, webhook_id, t0, t1):
    """type, id == webhook-id, detected_at ISO within [t0, t1], source object."""
    tc.assertIsInstance(body, dict)
    tc.assertIn(body.get("type"), ("statement.new", "statement.changed", "source.failing",
                                   "source.recovered", "test"))
    tc.assertIsInstance(body.get("id"), str)
    tc.assertTrue(body["id"].startswith("evt_"), body["id"])
    tc.assertEqual(body["id"], webhook_id, "payload id must equal the webhook-id header")
    tc.assertRegex(body.get("detected_at", ""), ISO_UTC)
    when = parse_iso_utc(body["detected_at"])
    tc.assertTrue(t0 - 2 <= when <= t1 + 2, "detected_at %s outside the test run" % body["detected_at"])
    src = body.get("source")
    tc.assertIsInstance(src, dict)
    tc.assertIsInstance(src.get("id"), str)
    tc.assertIsInstance(src.get("url"), str)


def check_statement(tc, body, webhook_id, exp, port, t0, t1, source_url=None):
    """The schema of design.md for statement events, against the fixture truth `exp`."""
    check_envelope(tc, body, webhook_id, t0, t1)
    if source_url:
        tc.assertEqual(body["source"]["url"], source_url)
    it = body.get("item")
    tc.assertIsInstance(it, dict)
    tc.assertEqual(it.get("url"), "http://127.0.0.1:%d/%s" % (port, exp["path"]))
    tc.assertEqual(it.get("title"), exp["title"])
    tc.assertIsInstance(it.get("published"), str)
    tc.assertRegex(it["published"], ISO_ANY)
    tc.assertTrue(it["published"].startswith(exp["date"]), (it["published"], exp["date"]))
    art = EXPECTED["articles"].get("v2/" + exp["path"]) or EXPECTED["articles"][exp["path"]]
    tc.assertIsInstance(it.get("language"), str)
    tc.assertEqual(it["language"].split("-")[0], art["lang"].split("-")[0])
    tc.assertIsInstance(it.get("words"), int)
    tc.assertNotIsInstance(it.get("words"), bool)
    tc.assertGreater(it["words"], 20)
    if "words" in art:
        tc.assertLess(abs(it["words"] - art["words"]), 0.2 * art["words"] + 5, (it["words"], art["words"]))
    tc.assertIsInstance(it.get("excerpt"), str)
    tc.assertLessEqual(len(it["excerpt"]), 300)
    tc.assertGreater(len(it["excerpt"]), 20)
    first = " ".join(art["first_sentence"].split())
    tc.assertTrue(" ".join(it["excerpt"].split()).startswith(first[:60]),
                  "excerpt %r does not start with the first sentence %r" % (it["excerpt"][:80], first[:60]))
    sha = it.get("sha256")
    tc.assertIsInstance(sha, dict)
    tc.assertRegex(sha.get("raw") or "", HEX64)
    tc.assertRegex(sha.get("text") or "", HEX64)
    with open(os.path.join(SITE, "v2", exp["path"]), "rb") as f:
        tc.assertEqual(sha["raw"], hashlib.sha256(f.read()).hexdigest(), "sha256.raw of the served bytes")
    tc.assertRegex(it.get("fetched_at") or "", ISO_UTC)
    tc.assertTrue(t0 - 2 <= parse_iso_utc(it["fetched_at"]) <= t1 + 2)
    themes = body.get("themes")
    tc.assertIsInstance(themes, list)
    for t in themes:
        tc.assertIsInstance(t, dict)
        tc.assertIsInstance(t.get("id"), str)
        tc.assertIsInstance(t.get("label"), str)
        tc.assertIsInstance(t.get("score"), (int, float))
        tc.assertNotIsInstance(t.get("score"), bool)
        tc.assertTrue(0 <= t["score"] <= 1, t)
        tc.assertIsInstance(t.get("evidence"), list)
        for e in t["evidence"]:
            tc.assertIsInstance(e, str)
    tc.assertIn(art["primary_theme"], [t["id"] for t in themes],
                "the article's primary theme reaches the event")
    if body["type"] == "statement.changed":
        diff = body.get("diff")
        tc.assertIsInstance(diff, str)
        added, removed = changed_sentences(exp["detail"]["before"], exp["detail"]["after"])
        tc.assertTrue(added and removed)
        plus = [l[1:] for l in diff.splitlines() if l.startswith("+") and not l.startswith("+++")]
        minus = [l[1:] for l in diff.splitlines() if l.startswith("-") and not l.startswith("---")]
        for s in added:
            tc.assertTrue(any(s in " ".join(l.split()) for l in plus), "edited sentence %r not added in diff:\n%s" % (s, diff))
        for s in removed:
            tc.assertTrue(any(s in " ".join(l.split()) for l in minus), "old sentence %r not removed in diff:\n%s" % (s, diff))
    else:
        tc.assertNotIn("diff", body, "diff only for statement.changed")


def db(state):
    return sqlite3.connect(os.path.join(state, "speechwatch.db"), timeout=10)


def event_states(state):
    with db(state) as c:
        return dict(c.execute("SELECT state, count(*) FROM events GROUP BY state").fetchall())


def wait_for(pred, timeout, step=0.1):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(step)
    return pred()
