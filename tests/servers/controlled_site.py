"""A small list-and-articles site whose behaviour a test steers at run time.

Run with /usr/bin/python3; listens on 127.0.0.1 on a free port and prints it
on its first stdout line. Stops on SIGTERM.

GET  /list         an HTML list (<ul class="news">) of the current items, with
                   a strong ETag (If-None-Match -> 304)
GET  /art?n=N      article N: delayed by ms[N], 500 when N is in fail, an empty
                   page (only a script) when N is in empty
GET  /state        the state as JSON, with per-path hit counts
POST /state        merges a JSON object into the state, e.g.
                   {"items": [1, 2], "ms": {"2": 5000}, "fail": [2], "empty": []}
                   "links": {"N": URL} lists item N with that href instead;
                   "redirect": {"N": URL} makes /art?n=N answer 302 to URL
Every GET is recorded in the state's "seen" as [path?query, X-Api-Key or null],
and each of /list in "log" as {"t": unix time, "path": path?query, "ua": User-Agent}.
A list asked for with ?s=K links its items as /art?n=N&s=K (several sources
on one site, each with statements of its own).
"""
import hashlib
import http.server
import json
import signal
import threading
import time
import urllib.parse

STATE = {"items": [1], "ms": {}, "fail": [], "empty": [], "hits": {}, "links": {},
         "redirect": {}, "seen": [], "log": []}
LOCK = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, code, body=b"", ctype="text/html; charset=utf-8", headers=()):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        with LOCK:
            STATE["hits"][url.path] = STATE["hits"].get(url.path, 0) + 1
            if url.path != "/state":
                STATE["seen"].append([self.path, self.headers.get("X-Api-Key")])
            if url.path == "/list":
                STATE["log"].append({"t": time.time(), "path": self.path,
                                     "ua": self.headers.get("User-Agent")})
            state = json.loads(json.dumps(STATE))
        if url.path == "/list":
            return self.list_page(state, query.get("s", [""])[0])
        if url.path == "/art":
            return self.article(state, int(query["n"][0]), query.get("s", [""])[0])
        if url.path == "/state":
            return self.send(200, json.dumps(state).encode(), "application/json")
        self.send(404)

    def list_page(self, state, source):
        tail = "&s=%s" % urllib.parse.quote(source) if source else ""
        items = "".join('<li><a href="%s">Statement number %d</a> <span>2030-01-01</span></li>\n'
                        % (state["links"].get(str(n), "/art?n=%d%s" % (n, tail)), n)
                        for n in state["items"])
        page = ('<html><body><ul class="news">\n%s</ul></body></html>' % items).encode()
        tag = '"%s"' % hashlib.sha1(page).hexdigest()[:16]
        if self.headers.get("If-None-Match") == tag:
            return self.send(304, b"", headers=[("ETag", tag)])
        self.send(200, page, headers=[("ETag", tag)])

    def article(self, state, n, source=""):
        time.sleep(state["ms"].get(str(n), 0) / 1000.0)
        if str(n) in state["redirect"]:
            return self.send(302, b"", headers=[("Location", state["redirect"][str(n)])])
        if n in state["fail"]:
            return self.send(500, b"server error")
        if n in state["empty"]:
            return self.send(200, b"<html><head><title>Document %d</title></head>"
                                  b"<body><script>render()</script></body></html>" % n)
        origin = " from source %s" % source if source else ""
        text = " ".join("Paragraph %d of statement %d%s on cyber sovereignty and the United Nations."
                        % (p, n, origin) for p in range(6))
        self.send(200, ("<html><head><title>Statement number %d</title></head><body><article>"
                        "<h1>Statement number %d</h1><p>%s</p></article></body></html>"
                        % (n, n, text)).encode())

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with LOCK:
            STATE.update(json.loads(body))
        self.send(200, b"ok")


def main():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    signal.signal(signal.SIGTERM, lambda *a: threading.Thread(target=srv.shutdown).start())
    print(srv.server_address[1], flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
