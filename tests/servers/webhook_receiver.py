"""A Standard Webhooks receiver for tests (Python 3 standard library only).

Usage:
    /usr/bin/python3 tests/servers/webhook_receiver.py --secret whsec_... \
        --port-file PATH --log PATH [--port N] [--tolerance SECONDS] [--mode MODE]

Listens on 127.0.0.1 (port 0 = a free port unless --port is given), writes the
port number to --port-file (atomically: written to PATH.tmp, then renamed) and
also prints it on stdout. Stops on SIGTERM.

Every POST (any path except /__*) is verified independently of speechwatch:
headers webhook-id, webhook-timestamp and webhook-signature ("v1,<base64>",
a space-separated list; any matching entry counts) must be present, the
signature must be base64 HMAC-SHA256 of "id.timestamp.body" keyed with the
base64-decoded part of the secret after "whsec_", and the timestamp must be
within --tolerance seconds (default 300) of the receiver's clock.

One JSON line per request is appended to --log BEFORE the answer is sent (so
a client that has its answer can read the line):
    {"webhook_id": str|null, "timestamp": str|null, "signature_ok": bool,
     "body": <parsed JSON, or null if the body is not JSON>,
     "status_returned": int,
     # extras: "path", "method", "signature_error" (why not ok, or null),
     # "body_sha256" (hex of the raw bytes), "body_len", "content_type",
     # "user_agent", "mode", "received_at" (unix seconds, float)}

The answer depends on the current mode, changed at run time with
GET /__mode?mode=... (answers {"mode": ...} as JSON):
    mode=ok                          200
    mode=fail503[&retry_after=N]     503, with "Retry-After: N" when N is given
    mode=gone                        410
    mode=bad                         400
    mode=redirect                    302 with "Location: /redirected" (a client
                                     that follows it shows up in the log with
                                     path /redirected)
    mode=slow&ms=N                   sleeps N ms, then 200
    mode=sequence&sequence=503,503,200
    sequence=503,503,200             (same; also mode=sequence=503,503,200)
                                     answers the listed statuses in turn, one
                                     per POST; the last one repeats once the
                                     list is used up; retry_after=N applies to
                                     the 429/503 entries
Setting a mode restarts a sequence. GET /__stats returns JSON counts:
    {"requests", "signature_ok", "signature_bad", "by_status": {code: n},
     "by_id": {webhook_id: n}, "mode"}
GET /__health answers 200 "ok".
"""
import argparse
import base64
import binascii
import hashlib
import hmac
import http.server
import json
import os
import signal
import socketserver
import sys
import threading
import time
import urllib.parse

MAX_BODY = 16 << 20
LOCK = threading.Lock()
STATE = {
    "mode": "ok",
    "retry_after": None,
    "ms": 0,
    "sequence": [],
    "seq_index": 0,
}
STATS = {"requests": 0, "signature_ok": 0, "signature_bad": 0, "by_status": {}, "by_id": {}}
REASON = {200: "OK", 302: "Found", 400: "Bad Request", 410: "Gone", 503: "Service Unavailable"}


def decode_secret(secret):
    if secret.startswith("whsec_"):
        secret = secret[len("whsec_"):]
    secret = secret.strip()
    secret += "=" * (-len(secret) % 4)
    return base64.b64decode(secret, validate=True)


def verify(key, tolerance, msg_id, ts, sig_header, body):
    """Returns None when the request is correctly signed, else the reason."""
    if not msg_id or not ts or not sig_header:
        return "missing webhook-id, webhook-timestamp or webhook-signature"
    try:
        ts_int = int(ts)
    except ValueError:
        return "timestamp is not an integer"
    if abs(time.time() - ts_int) > tolerance:
        return "timestamp outside tolerance"
    signed = msg_id.encode() + b"." + ts.encode() + b"." + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest())
    for entry in sig_header.split(" "):
        version, _, sig = entry.partition(",")
        if version != "v1":
            continue
        if hmac.compare_digest(sig.encode(), expected):
            return None
    return "no matching v1 signature"


def parse_mode(query):
    """Returns the new state fields from a /__mode query, or raises ValueError."""
    q = urllib.parse.parse_qs(query, keep_blank_values=True)
    mode = q.get("mode", [""])[0]
    seq = q.get("sequence", [""])[0]
    if mode.startswith("sequence="):
        mode, seq = "sequence", mode[len("sequence="):]
    if not mode and seq:
        mode = "sequence"
    if mode not in ("ok", "fail503", "gone", "bad", "redirect", "slow", "sequence"):
        raise ValueError("unknown mode %r" % mode)
    new = {"mode": mode, "retry_after": None, "ms": 0, "sequence": [], "seq_index": 0}
    if q.get("retry_after", [""])[0]:
        new["retry_after"] = int(q["retry_after"][0])
    if q.get("ms", [""])[0]:
        new["ms"] = int(q["ms"][0])
    if mode == "sequence":
        new["sequence"] = [int(s) for s in seq.split(",") if s.strip()]
        if not new["sequence"]:
            raise ValueError("empty sequence")
    return new


def next_answer():
    """(status, extra headers, delay in seconds) for the next POST."""
    with LOCK:
        mode = STATE["mode"]
        ra = STATE["retry_after"]
        if mode == "sequence":
            seq = STATE["sequence"]
            status = seq[min(STATE["seq_index"], len(seq) - 1)]
            STATE["seq_index"] += 1
        else:
            status = {"ok": 200, "fail503": 503, "gone": 410, "bad": 400,
                      "redirect": 302, "slow": 200}[mode]
        delay = STATE["ms"] / 1000.0 if mode == "slow" else 0
    headers = []
    if status in (429, 503) and ra is not None:
        headers.append(("Retry-After", str(ra)))
    if status in (301, 302, 303, 307, 308):
        headers.append(("Location", "/redirected"))
    return status, headers, delay, mode


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        sys.stderr.write("%s %s\n" % (self.address_string(), fmt % args))

    def answer(self, status, body, headers=(), ctype="text/plain"):
        data = body.encode() if isinstance(body, str) else body
        try:
            self.send_response(status, REASON.get(status))
            for k, v in headers:
                self.send_header(k, v)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def answer_json(self, obj, status=200):
        self.answer(status, json.dumps(obj), ctype="application/json")

    def do_GET(self):
        parsed = urllib.parse.urlsplit(self.path)
        if parsed.path == "/__stats":
            with LOCK:
                snapshot = json.loads(json.dumps(dict(STATS, mode=STATE["mode"])))
            return self.answer_json(snapshot)
        if parsed.path == "/__mode":
            try:
                new = parse_mode(parsed.query)
            except ValueError as e:
                return self.answer_json({"error": str(e)}, 400)
            with LOCK:
                STATE.update(new)
            return self.answer_json({"mode": new["mode"], "sequence": new["sequence"]})
        if parsed.path == "/__health":
            return self.answer(200, "ok")
        self.record_and_answer(b"")

    def do_POST(self):
        try:
            length = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            length = -1
        if length < 0 or length > MAX_BODY:
            self.close_connection = True
            return self.answer(413, "bad or too large Content-Length")
        self.record_and_answer(self.rfile.read(length))

    def record_and_answer(self, body):
        srv = self.server
        msg_id = self.headers.get("webhook-id")
        ts = self.headers.get("webhook-timestamp")
        why = verify(srv.key, srv.tolerance, msg_id, ts, self.headers.get("webhook-signature"), body)
        try:
            parsed = json.loads(body.decode("utf-8")) if body else None
        except (UnicodeDecodeError, ValueError):
            parsed = None
        status, headers, delay, mode = next_answer()
        line = {
            "webhook_id": msg_id,
            "timestamp": ts,
            "signature_ok": why is None,
            "body": parsed,
            "status_returned": status,
            "path": urllib.parse.urlsplit(self.path).path,
            "method": self.command,
            "signature_error": why,
            "body_sha256": hashlib.sha256(body).hexdigest(),
            "body_len": len(body),
            "content_type": self.headers.get("Content-Type"),
            "user_agent": self.headers.get("User-Agent"),
            "mode": mode,
            "received_at": time.time(),
        }
        with LOCK:
            STATS["requests"] += 1
            STATS["signature_ok" if why is None else "signature_bad"] += 1
            key = str(status)
            STATS["by_status"][key] = STATS["by_status"].get(key, 0) + 1
            if msg_id is not None:
                STATS["by_id"][msg_id] = STATS["by_id"].get(msg_id, 0) + 1
            with open(srv.log_path, "a", encoding="utf-8") as f:
                f.write(json.dumps(line) + "\n")
                f.flush()
        if delay > 0:
            time.sleep(delay)
        self.answer(status, "answer %d from webhook_receiver (%s)\n" % (status, mode), headers)


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    ap = argparse.ArgumentParser(description="Standard Webhooks test receiver")
    ap.add_argument("--secret", required=True, help="whsec_... secret")
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True, help="JSON lines, one per request")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--tolerance", type=int, default=300, help="timestamp tolerance, seconds")
    ap.add_argument("--mode", default="ok", help="initial mode, as the mode= query value")
    args = ap.parse_args()
    try:
        key = decode_secret(args.secret)
    except (binascii.Error, ValueError) as e:
        sys.exit("webhook_receiver: bad --secret: %s" % e)
    STATE.update(parse_mode("mode=" + urllib.parse.quote(args.mode, safe="=,")))
    srv = Server(("127.0.0.1", args.port), Handler)
    srv.key = key
    srv.tolerance = args.tolerance
    srv.log_path = args.log
    signal.signal(signal.SIGTERM, lambda *a: threading.Thread(target=srv.shutdown).start())
    port = srv.server_address[1]
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
    os.rename(tmp, args.port_file)
    print(port, flush=True)
    srv.serve_forever()
    srv.server_close()


if __name__ == "__main__":
    main()
