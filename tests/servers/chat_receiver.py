"""The shared core of the chat-service test receivers (Python 3 standard library only).

Not run on its own: tests/servers/<service>_receiver.py passes a check
function that knows what the service's public API expects, and calls main().

Usage of every receiver built on it:
    /usr/bin/python3 tests/servers/<service>_receiver.py --port-file PATH --log PATH \
        [--token TOKEN] [--port N]

Listens on 127.0.0.1 (port 0 = a free port), writes the port number to
--port-file (atomically, through PATH.tmp) and stops on SIGTERM.

Every request outside /__* is checked by the service's check(req, token),
which returns a list of problems (empty when the request is exactly what
the service accepts) and may set req["answer_body"] to answer a good
request with; each is logged as one JSON line BEFORE the answer:
    {"method", "path" (raw, still percent-encoded), "query", "headers" (dict,
     names lower-case), "body_text" (UTF-8 or null), "json" (parsed or null),
     "errors": [str], "status_returned"}

The answer: a request with problems gets 400 with the problems as text.
Otherwise the current mode decides, set with GET /__mode?status=N
[&retry_after=S][&body=TEXT][&echo=1]:
    status       the status of the answers (default: the service's success)
    retry_after  adds "Retry-After: S"
    body         the answer body (default: the service's success body, or a
                 short error text); "{retry_after}" in it is replaced by S
    echo=1       appends the request's Authorization header and path to the
                 body, as a careless server might, so a test can prove the
                 client never shows them
"""
import argparse
import http.server
import json
import os
import signal
import socketserver
import sys
import threading
import urllib.parse

LOCK = threading.Lock()
STATE = {"status": None, "retry_after": None, "body": None, "echo": False}


def parse_mode(query):
    q = urllib.parse.parse_qs(query, keep_blank_values=True)
    new = {"status": None, "retry_after": None, "body": None, "echo": False}
    if q.get("status", [""])[0]:
        new["status"] = int(q["status"][0])
    if q.get("retry_after", [""])[0]:
        new["retry_after"] = q["retry_after"][0]
    if "body" in q:
        new["body"] = q["body"][0]
    new["echo"] = q.get("echo", ["0"])[0] == "1"
    return new


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        sys.stderr.write("%s %s\n" % (self.address_string(), fmt % args))

    def answer(self, status, body, headers=(), ctype="text/plain"):
        data = body.encode() if isinstance(body, str) else body
        try:
            self.send_response(status)
            for k, v in headers:
                self.send_header(k, v)
            if status != 204:
                self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if status != 204:
                self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def do_GET(self):
        parsed = urllib.parse.urlsplit(self.path)
        if parsed.path == "/__mode":
            try:
                new = parse_mode(parsed.query)
            except ValueError as e:
                return self.answer(400, str(e))
            with LOCK:
                STATE.update(new)
            return self.answer(200, json.dumps(new), ctype="application/json")
        self.record_and_answer(b"")

    def read_body(self):
        try:
            length = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            return None
        if length < 0 or length > (4 << 20):
            return None
        return self.rfile.read(length)

    def do_POST(self):
        body = self.read_body()
        if body is None:
            self.close_connection = True
            return self.answer(413, "bad Content-Length")
        self.record_and_answer(body)

    do_PUT = do_POST

    def request_record(self, body):
        parsed = urllib.parse.urlsplit(self.path)
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            text = None
        try:
            js = json.loads(text) if text else None
        except ValueError:
            js = None
        return {
            "method": self.command,
            "path": parsed.path,
            "query": parsed.query,
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "body_text": text,
            "json": js,
        }

    def choose_answer(self, req):
        srv = self.server
        with LOCK:
            mode = dict(STATE)
        if req["errors"]:
            return 400, "request rejected by test receiver: %s" % "; ".join(req["errors"]), []
        status = mode["status"] or srv.ok_status
        body = mode["body"]
        if body is None:
            ok_body = req.get("answer_body", srv.ok_body)
            body = ok_body if 200 <= status < 300 else "error %d from test receiver" % status
        headers = []
        if mode["retry_after"] is not None:
            headers.append(("Retry-After", mode["retry_after"]))
            body = body.replace("{retry_after}", mode["retry_after"])
        if mode["echo"]:
            body += " auth=%s path=%s" % (req["headers"].get("authorization"), self.path)
        return status, body, headers

    def record_and_answer(self, body):
        req = self.request_record(body)
        req["errors"] = self.server.check(req, self.server.token)
        status, text, headers = self.choose_answer(req)
        req["status_returned"] = status
        with LOCK:
            with open(self.server.log_path, "a", encoding="utf-8") as f:
                f.write(json.dumps(req) + "\n")
        ctype = "application/json" if text.startswith("{") else "text/plain"
        self.answer(status, text, headers, ctype)


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main(name, check, ok_status, ok_body):
    """Runs a receiver: check(req, token) -> [problems]; ok_* answer a good request."""
    ap = argparse.ArgumentParser(description="%s test receiver" % name)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True, help="JSON lines, one per request")
    ap.add_argument("--token", default=None, help="the token the client must send")
    ap.add_argument("--port", type=int, default=0)
    args = ap.parse_args()
    srv = Server(("127.0.0.1", args.port), Handler)
    srv.check, srv.token, srv.log_path = check, args.token, args.log
    srv.ok_status, srv.ok_body = ok_status, ok_body
    signal.signal(signal.SIGTERM, lambda *a: threading.Thread(target=srv.shutdown).start())
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, args.port_file)
    srv.serve_forever()
    srv.server_close()


def need(errors, cond, what):
    """Appends what to errors unless cond holds; returns cond."""
    if not cond:
        errors.append(what)
    return cond


def chars(s):
    """Characters as the services count them: code points."""
    return len(s) if isinstance(s, str) else -1
