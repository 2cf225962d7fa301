#!/usr/bin/python3
"""A minimal speechwatch webhook receiver (Python 3 standard library only).

It checks the Standard Webhooks signature of every POST, refuses stale or
replayed deliveries, de-duplicates on the verified webhook-id header
(delivery is at-least-once) and prints one line per accepted event, with
control and bidi characters from the event escaped.

    WEBHOOK_SECRET=whsec_... python3 receiver.py --port 8000
    WEBHOOK_SECRET_FILE=/path/to/secret python3 receiver.py --port 8000

Answers: 204 accepted (or a duplicate), 401 bad or missing signature,
400 bad body (not a JSON object, or not UTF-8), 413 too large, 500 when
handling the event failed (speechwatch then retries it). speechwatch retries anything but 2xx, 410
(which disables the channel) and other 4xx (which dead-letter the event).
"""
import argparse
import base64
import binascii
import hashlib
import hmac
import collections
import json
import os
import re
import sys
import threading
import time
import unicodedata
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOLERANCE_S = 5 * 60  # reject timestamps further than this from our clock
MAX_BODY = 1 << 20
MAX_SEEN = 100000  # webhook-ids remembered for de-duplication

# Exactly what the header grammar allows: int() would also take "1_0",
# " 10", "+10" and non-ASCII digits, and base64 compares need ASCII.
DIGITS = re.compile(r"[0-9]{1,15}")
MSG_ID = re.compile(r"[\x21-\x7e]{1,256}")


def decode_secret(secret):
    """'whsec_<base64>' -> key bytes (the prefix is optional)."""
    s = secret.strip()
    if s.startswith("whsec_"):
        s = s[len("whsec_"):]
    return base64.b64decode(s + "=" * (-len(s) % 4), validate=True)


def expected_signature(key, msg_id, timestamp, body):
    signed = msg_id.encode() + b"." + timestamp.encode() + b"." + body
    return base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def verify(key, headers, body, now=None):
    """Returns None if the delivery is authentic, else the reason."""
    msg_id = headers.get("webhook-id")
    timestamp = headers.get("webhook-timestamp")
    signatures = headers.get("webhook-signature")
    if not msg_id or not timestamp or not signatures:
        return "missing webhook-id, webhook-timestamp or webhook-signature"
    if not MSG_ID.fullmatch(msg_id):
        return "bad webhook-id"
    if not DIGITS.fullmatch(timestamp):
        return "bad webhook-timestamp"
    now = time.time() if now is None else now
    if abs(now - int(timestamp)) > TOLERANCE_S:
        return "timestamp outside the tolerance (replay or clock skew)"
    want = expected_signature(key, msg_id, timestamp, body).encode("ascii")
    # The header may carry several space-separated "v1,<base64>" signatures
    # (e.g. while a secret is rotated); one match is enough. Compared as
    # bytes: compare_digest refuses str with non-ASCII characters.
    for sig in signatures.split():
        version, _, value = sig.partition(",")
        raw = value.encode("utf-8", "replace")
        if version == "v1" and hmac.compare_digest(raw, want):
            return None
    return "no valid v1 signature"


def printable(value):
    """value as text safe for a terminal: controls, bidi and line
    separators from a web page are shown as \\u{XXXX}, not acted on."""
    text = value if isinstance(value, str) else json.dumps(value)
    return "".join("\\u{%04X}" % ord(c) if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp")
                   else c for c in text)


def field(obj, *path):
    """obj[path[0]][path[1]]..., or None where a level is missing or not an object."""
    for key in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def score(value):
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    return "%.2f" % value if ok else printable(value)


def parse_event(body):
    """The event object of a body, or None: a signed body is still untrusted
    in shape (an array, a number, bad UTF-8)."""
    try:
        event = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    return event if isinstance(event, dict) else None


class Receiver(BaseHTTPRequestHandler):
    key = b""
    # webhook-ids already handled, oldest first: deliveries are at-least-once
    seen = collections.OrderedDict()
    # held from the duplicate check until the id is recorded, so two
    # concurrent deliveries of one event are handled once
    lock = threading.Lock()

    def answer(self, status, text=""):
        data = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        length = self.headers.get("Content-Length", "0")
        if not DIGITS.fullmatch(length):
            return self.answer(400, "bad Content-Length\n")
        if int(length) > MAX_BODY:
            return self.answer(413, "too large\n")
        body = self.rfile.read(int(length))
        headers = {k.lower(): v for k, v in self.headers.items()}
        why = verify(self.key, headers, body)
        if why:
            return self.answer(401, why + "\n")
        event = parse_event(body)
        if event is None:
            return self.answer(400, "body is not a JSON object\n")
        # The verified header, not the body's "id", names the delivery.
        msg_id = headers["webhook-id"]
        with self.lock:
            if msg_id in self.seen:  # a retry of something we already have
                return self.answer(204)
            try:
                self.handle_event(msg_id, event)
            except Exception as e:  # not remembered: speechwatch retries it
                return self.answer(500, "cannot handle the event: %s\n" % type(e).__name__)
            # Remembered only once handled: a crash before this line makes
            # speechwatch retry, and the retry is handled rather than dropped.
            self.seen[msg_id] = True
            if len(self.seen) > MAX_SEEN:
                self.seen.popitem(last=False)
        return self.answer(204)

    def handle_event(self, msg_id, event):
        kind = field(event, "type")
        src = field(event, "source", "id")
        if kind in ("statement.new", "statement.changed"):
            themes = field(event, "themes")
            themes = ", ".join("%s %s" % (printable(field(t, "id")), score(field(t, "score")))
                               for t in (themes if isinstance(themes, list) else []))
            line = "%s %s %s: %s [%s]" % (msg_id, printable(kind), printable(src),
                                          printable(field(event, "item", "title")), themes)
        elif kind in ("source.failing", "source.recovered"):
            line = "%s %s %s: %s" % (msg_id, printable(kind), printable(src),
                                     printable(field(event, "error") or "ok"))
        elif kind == "source.changed":
            line = "%s %s %s: %s" % (msg_id, printable(kind), printable(src),
                                     printable(field(event, "message")))
        else:
            line = "%s %s" % (msg_id, printable(kind))
        print(line, flush=True)

    def log_message(self, fmt, *args):
        sys.stderr.write("receiver: " + printable(fmt % args) + "\n")


def main():
    ap = argparse.ArgumentParser(description="speechwatch webhook receiver")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8000, help="0 picks a free port")
    ap.add_argument("--port-file", help="write the port here once listening")
    args = ap.parse_args()
    secret = os.environ.get("WEBHOOK_SECRET")
    if not secret and os.environ.get("WEBHOOK_SECRET_FILE"):
        with open(os.environ["WEBHOOK_SECRET_FILE"], encoding="ascii") as f:
            secret = f.read()
    if not secret:
        print("receiver: set WEBHOOK_SECRET or WEBHOOK_SECRET_FILE", file=sys.stderr)
        return 2
    try:
        Receiver.key = decode_secret(secret)
    except (binascii.Error, ValueError):
        print("receiver: the secret is not whsec_<base64>", file=sys.stderr)
        return 2
    server = ThreadingHTTPServer((args.host, args.port), Receiver)
    port = server.server_address[1]
    if args.port_file:
        with open(args.port_file + ".tmp", "w") as f:
            f.write("%d\n" % port)
        os.replace(args.port_file + ".tmp", args.port_file)
    print("receiver: listening on %s:%d" % (args.host, port), file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
