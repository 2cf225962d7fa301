"""A site made of fixed answers, for the feed-discovery tests.

usage: feed_site.py ROUTES.json --port-file FILE

ROUTES.json maps a request target (path plus query, as sent) to an answer:
    {"/news/": {"type": "text/html", "body": "<html>..."},
     "/feed/": {"status": 302, "location": "/"},
     "/atom.xml": {"type": "application/atom+xml", "body": "<feed ..."}}
"status" defaults to 200; "@PORT@" in a body or location is replaced by
the server's port (for absolute links to another name of the same server). Every other target answers 404. The Content-Type
is sent as given (no charset is added). Each request is counted; GET
/__hits answers the counts as JSON, GET /__agents the last User-Agent per
target. Listens on 127.0.0.1 on a free port,
written to FILE. Stops on SIGTERM.
"""
import argparse
import http.server
import json
import os
import signal
import sys
import threading

HITS = {}
AGENTS = {}
LOCK = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, status, body=b"", ctype="text/plain", headers=()):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/__hits":
            with LOCK:
                body = json.dumps(HITS).encode()
            return self.answer(200, body, "application/json")
        if self.path == "/__agents":
            with LOCK:
                body = json.dumps(AGENTS).encode()
            return self.answer(200, body, "application/json")
        with LOCK:
            HITS[self.path] = HITS.get(self.path, 0) + 1
            AGENTS[self.path] = self.headers.get("User-Agent")
        route = self.server.routes.get(self.path)
        if route is None:
            return self.answer(404, b"not found")
        status = route.get("status", 200)
        port = str(self.server.server_address[1])
        headers = ([("Location", route["location"].replace("@PORT@", port))]
                   if "location" in route else [])
        self.answer(status, route.get("body", "").replace("@PORT@", port).encode("utf-8"),
                    route.get("type", "text/html"), headers)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("routes")
    ap.add_argument("--port-file", required=True)
    a = ap.parse_args()
    with open(a.routes, encoding="utf-8") as f:
        routes = json.load(f)
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.routes = routes
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=srv.shutdown).start())
    with open(a.port_file + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(a.port_file + ".tmp", a.port_file)
    srv.serve_forever()
    sys.exit(0)


if __name__ == "__main__":
    main()
