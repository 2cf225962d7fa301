#!/usr/bin/python3
"""A minimal speechwatch webhook receiver (Python 3 standard library only).

It checks the Standard Webhooks signature of every POST, refuses stale or
replayed deliveries, de-duplicates by event id (delivery is at-least-once)
and prints one line per accepted event.

    WEBHOOK_SECRET=whsec_... python3 receiver.py --port 8000
    WEBHOOK_SECRET_FILE=/path/to/secret python3 receiver.py --port 8000

Answers: 204 accepted (or a duplicate), 401 bad or missing signature,
400 bad body, 413 too large. speechwatch retries anything but 2xx, 410
(which disables the channel) and other 4xx (which dead-letter the event).
"""
import argparse
import base64
import binascii
import hashlib
import hmac
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOLERANCE_S = 5 * 60  # reject timestamps further than this from our clock
MAX_BODY = 1 << 20


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
    try:
        ts = int(timestamp)
    except ValueError:
        return "bad webhook-timestamp"
    now = time.time() if now is None else now
    if abs(now - ts) > TOLERANCE_S:
        return "timestamp outside the tolerance (replay or clock skew)"
    want = expected_signature(key, msg_id, timestamp, body)
    # The header may carry several space-separated "v1,<base64>" signatures
    # (e.g. while a secret is rotated); one match is enough.
    for sig in signatures.split():
        version, _, value = sig.partition(",")
        if version == "v1" and hmac.compare_digest(value, want):
            return None
    return "no valid v1 signature"


class Receiver(BaseHTTPRequestHandler):
    key = b""
    seen = set()  # event ids already handled: deliveries are at-least-once
    lock = threading.Lock()

    def answer(self, status, text=""):
        data = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        try:
            length = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            return self.answer(400, "bad Content-Length\n")
        if length < 0 or length > MAX_BODY:
            return self.answer(413, "too large\n")
        body = self.rfile.read(length)
        why = verify(self.key, {k.lower(): v for k, v in self.headers.items()}, body)
        if why:
            return self.answer(401, why + "\n")
        try:
            event = json.loads(body)
        except ValueError:
            return self.answer(400, "body is not JSON\n")
        with self.lock:
            duplicate = event.get("id") in self.seen
        if not duplicate:  # else a retry of something we already have
            self.handle_event(event)
            # Remembered only once handled: a crash before this line makes
            # speechwatch retry, and the retry is handled rather than dropped.
            with self.lock:
                self.seen.add(event.get("id"))
        return self.answer(204)

    def handle_event(self, event):
        kind = event.get("type")
        src = event.get("source", {}).get("id")
        if kind in ("statement.new", "statement.changed"):
            item = event.get("item", {})
            themes = ", ".join("%s %.2f" % (t["id"], t["score"]) for t in event.get("themes", []))
            print("%s %s %s: %s [%s]" % (event["id"], kind, src, item.get("title"), themes), flush=True)
        elif kind in ("source.failing", "source.recovered"):
            print("%s %s %s: %s" % (event["id"], kind, src, event.get("error") or "ok"), flush=True)
        else:
            print("%s %s" % (event.get("id"), kind), flush=True)

    def log_message(self, fmt, *args):
        sys.stderr.write("receiver: " + (fmt % args) + "\n")


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
