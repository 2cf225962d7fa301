#!/usr/bin/python3
"""Hostile HTTP server for the fetch/ tests (Python 3 stdlib only).

Usage: hostile_http.py [DIR]
Binds 127.0.0.1 on a free port and prints the port as the first stdout
line. Serves DIR statically, plus these paths:

  /drip                 1 byte every 2 s (Content-Length 1000)
  /endless              chunked zeros, forever
  /gzip-bomb            gzip of zeros made on the fly: ~10 MiB wire, 10 GiB decoded
  /big                  100 MiB body with Content-Length
  /big-chunked          100 MiB body, chunked (no length to reject early)
  /big-headers          an endless stream of header lines
  /redirect-loop        302 to itself
  /redirect?to=URL      302 to URL
  /status/N             status N; /status/429?retry_after=S adds Retry-After
  /etag                 ETag + Last-Modified; If-None-Match match -> 304
  /count?ms=N           sleeps N ms (default 20), then 200
  /stats                JSON: open, max_open, total connections
  /slow-ok?ms=N         sleeps N ms, then 200 "ok"
  /echo                 any method: echoes method, headers and body as text
  /list?ms=N&items=K    sleeps N ms (default 50), then a small HTML list page:
                        <ul class="news"> with K (default 2) links to /article?n=I
  /article?n=I          a small article page
  /paths                JSON: requests per path (query dropped), for "no
                        connection was made" checks

Stops cleanly on SIGTERM or SIGINT.
"""
import http.server
import json
import os
import signal
import sys
import threading
import time
import urllib.parse
import zlib

ROOT = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else None
LOCK = threading.Lock()
STATS = {"open": 0, "max_open": 0, "total": 0}
PATHS = {}
MIB = 1 << 20


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "hostile/1"

    def log_message(self, fmt, *args):  # quiet: tests read stdout/stderr
        pass

    def setup(self):
        super().setup()
        with LOCK:
            STATS["open"] += 1
            STATS["total"] += 1
            STATS["max_open"] = max(STATS["max_open"], STATS["open"])

    def finish(self):
        try:
            super().finish()
        finally:
            with LOCK:
                STATS["open"] -= 1

    # -- helpers ---------------------------------------------------------
    def send_simple(self, status, body=b"", ctype="text/plain", extra=()):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def query(self):
        return urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)

    def qint(self, name, default):
        try:
            return int(self.query().get(name, [default])[0])
        except ValueError:
            return default

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    def write_chunk(self, data):
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))

    # -- modes -----------------------------------------------------------
    def do_drip(self):
        self.send_response(200)
        self.send_header("Content-Length", "1000")
        self.end_headers()
        for _ in range(1000):
            self.wfile.write(b"x")
            self.wfile.flush()
            time.sleep(2)

    def do_endless(self):
        self.send_response(200)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        block = b"\0" * 65536
        while True:
            self.write_chunk(block)

    def do_gzip_bomb(self):
        self.send_response(200)
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        comp = zlib.compressobj(9, zlib.DEFLATED, 31)
        block = b"\0" * MIB
        for _ in range(10 * 1024):  # 10 GiB decoded
            out = comp.compress(block)
            if out:
                self.wfile.write(out)
        self.wfile.write(comp.flush())

    def do_big(self, chunked):
        total = 100 * MIB
        self.send_response(200)
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(total))
        self.end_headers()
        block = b"b" * MIB
        for _ in range(total // MIB):
            if chunked:
                self.write_chunk(block)
            else:
                self.wfile.write(block)
        if chunked:
            self.wfile.write(b"0\r\n\r\n")

    def do_big_headers(self):
        self.wfile.write(b"HTTP/1.1 200 OK\r\n")
        for i in range(1000000):
            self.wfile.write(b"X-Filler-%d: %s\r\n" % (i, b"f" * 100))

    def do_etag(self):
        tag = '"v1-abc"'
        lm = "Wed, 24 Oct 2019 06:00:00 GMT"
        if self.headers.get("If-None-Match") == tag:
            self.send_response(304)
            self.send_header("ETag", tag)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_simple(200, b"<p>etag page</p>", "text/html; charset=utf-8",
                         [("ETag", tag), ("Last-Modified", lm)])

    def do_list(self):
        time.sleep(self.qint("ms", 50) / 1000.0)
        items = "".join('<li><a href="/article?n=%d">Item %d</a> <span>2024-05-0%d</span></li>\n'
                        % (i, i, 1 + i % 9) for i in range(max(0, min(self.qint("items", 2), 1000))))
        page = ('<!DOCTYPE html><html><head><meta charset="utf-8"><title>List</title></head>'
                '<body><ul class="news">\n%s</ul></body></html>\n' % items)
        self.send_simple(200, page.encode(), "text/html; charset=utf-8")

    def do_article(self):
        n = self.qint("n", 0)
        page = ('<!DOCTYPE html><html><head><meta charset="utf-8"><title>Article %d</title></head>'
                '<body><article><h1>Article %d</h1><p>Text of article %d.</p></article></body></html>\n'
                % (n, n, n))
        self.send_simple(200, page.encode(), "text/html; charset=utf-8")

    def do_paths(self):
        with LOCK:
            body = json.dumps(PATHS).encode()
        self.send_simple(200, body, "application/json")

    def do_stats(self):
        with LOCK:
            body = json.dumps(STATS).encode()
        self.send_simple(200, body, "application/json")

    def do_echo(self):
        body = self.read_body()
        lines = ["%s %s" % (self.command, self.path)]
        lines += ["%s: %s" % (k, v) for k, v in self.headers.items()]
        out = ("\n".join(lines) + "\n\n").encode() + body
        self.send_simple(200, out)

    def do_static(self, path):
        if ROOT is None:
            return self.send_simple(404, b"not found\n")
        rel = os.path.normpath(urllib.parse.unquote(path)).lstrip("/")
        full = os.path.join(ROOT, rel)
        if rel.startswith("..") or not os.path.isfile(full):
            return self.send_simple(404, b"not found\n")
        with open(full, "rb") as f:
            data = f.read()
        ctype = "text/html; charset=utf-8" if full.endswith(".html") else "application/octet-stream"
        self.send_simple(200, data, ctype)

    def route(self):
        path = urllib.parse.urlsplit(self.path).path
        with LOCK:
            PATHS[path] = PATHS.get(path, 0) + 1
        if self.command == "POST" and path != "/echo":
            self.read_body()
        simple = {
            "/drip": self.do_drip, "/endless": self.do_endless,
            "/gzip-bomb": self.do_gzip_bomb, "/big-headers": self.do_big_headers,
            "/etag": self.do_etag, "/stats": self.do_stats, "/echo": self.do_echo,
            "/list": self.do_list, "/article": self.do_article, "/paths": self.do_paths,
            "/big": lambda: self.do_big(False), "/big-chunked": lambda: self.do_big(True),
        }
        if path in simple:
            return simple[path]()
        if path == "/redirect-loop":
            return self.send_simple(302, b"", extra=[("Location", "/redirect-loop")])
        if path == "/redirect":
            to = self.query().get("to", ["/"])[0]
            time.sleep(self.qint("ms", 0) / 1000.0)
            return self.send_simple(302, b"", extra=[("Location", to)])
        if path.startswith("/status/"):
            try:
                code = int(path[len("/status/"):])
            except ValueError:
                code = 400
            extra = []
            if "retry_after" in self.query():
                extra.append(("Retry-After", self.query()["retry_after"][0]))
            return self.send_simple(code, b"status %d\n" % code, extra=extra)
        if path in ("/count", "/slow-ok"):
            time.sleep(self.qint("ms", 20 if path == "/count" else 0) / 1000.0)
            return self.send_simple(200, b"ok\n")
        return self.do_static(path)

    def handle_one_request(self):
        try:
            super().handle_one_request()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def do_GET(self):
        self.route()

    do_POST = do_GET
    do_HEAD = do_GET


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def handle_error(self, request, client_address):
        pass  # clients hanging up on hostile streams is the point


def main():
    server = Server(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)

    def stop(signum, frame):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        server.serve_forever(poll_interval=0.1)
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
