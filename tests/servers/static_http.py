"""A static HTTP server for tests: serves DIR on 127.0.0.1 on a free port,
writes the port to --port-file, honours If-None-Match / If-Modified-Since
(http.server does the latter) with strong ETags, and counts requests and
304 answers at /__stats (JSON). The directory can be switched at run time
with /__root?dir=NAME (a subdirectory path relative to the first root, or
'.'), so a test can move a site from v1 to v2 without a restart.
With --log FILE each request is appended to FILE as a JSON line
{"t": unix time, "path": ..., "ua": User-Agent}: the server's own record
of who fetched what when. Stops on SIGTERM."""
import argparse
import hashlib
import http.server
import json
import os
import signal
import socketserver
import sys
import threading
import time
import urllib.parse

STATS = {"requests": 0, "not_modified": 0, "by_path": {}}
LOCK = threading.Lock()


class Handler(http.server.SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        sys.stderr.write("%s %s\n" % (self.address_string(), fmt % args))

    def translate_path(self, path):
        rel = urllib.parse.unquote(urllib.parse.urlsplit(path).path).lstrip("/")
        full = os.path.realpath(os.path.join(self.server.root, rel))
        base = os.path.realpath(self.server.root)
        if not (full == base or full.startswith(base + os.sep)):
            return os.path.join(base, "__nonexistent__")
        # Overlay: a path missing from the current root falls back to the base site.
        if not os.path.exists(full) and self.server.root != self.server.base:
            alt = os.path.realpath(os.path.join(self.server.base, rel))
            if alt.startswith(os.path.realpath(self.server.base) + os.sep):
                return alt
        return full

    def do_GET(self):
        parsed = urllib.parse.urlsplit(self.path)
        with LOCK:
            STATS["requests"] += 1
            STATS["by_path"][parsed.path] = STATS["by_path"].get(parsed.path, 0) + 1
            if self.server.log:
                with open(self.server.log, "a", encoding="utf-8") as f:
                    f.write(json.dumps({"t": time.time(), "path": parsed.path,
                                        "ua": self.headers.get("User-Agent")}) + "\n")
        if parsed.path == "/__stats":
            return self.send_json(STATS)
        if parsed.path == "/__root":
            q = urllib.parse.parse_qs(parsed.query)
            self.server.root = os.path.realpath(os.path.join(self.server.base, q.get("dir", ["."])[0]))
            return self.send_json({"root": self.server.root})
        path = self.translate_path(self.path)
        if os.path.isfile(path):
            with open(path, "rb") as f:
                etag = '"%s"' % hashlib.sha256(f.read()).hexdigest()[:32]
            if self.headers.get("If-None-Match") == etag:
                with LOCK:
                    STATS["not_modified"] += 1
                self.send_response(304)
                self.send_header("ETag", etag)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.etag = etag
        return super().do_GET()

    def end_headers(self):
        etag = getattr(self, "etag", None)
        if etag:
            self.send_header("ETag", etag)
            self.etag = None
        super().end_headers()

    def send_json(self, obj):
        body = json.dumps(obj).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def guess_type(self, path):
        if path.endswith(".atom"):
            return "application/atom+xml"
        if path.endswith(".xml"):
            return "application/xml"
        if path.endswith(".shtml"):  # /etc/mime.types may not say so; no charset, as saved
            return "text/html"
        return super().guess_type(path)


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("root")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--log")
    args = ap.parse_args()
    srv = Server(("127.0.0.1", args.port), Handler)
    srv.log = args.log
    srv.base = srv.root = os.path.realpath(args.root)
    signal.signal(signal.SIGTERM, lambda *a: threading.Thread(target=srv.shutdown).start())
    port = srv.server_address[1]
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(str(port))
        os.rename(tmp, args.port_file)
    print(port, flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
