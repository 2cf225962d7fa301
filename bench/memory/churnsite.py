"""A site whose lists keep publishing: the churn of bench/memory.

/list/K.html   source K's list: its 20 newest items; a new item every
               PERIOD seconds (0: never), at a per-source offset
/a/K/N.html    article N of source K: about 6 KB of text in one of several
               languages, with names, numbers and dates never seen before
               (what fills word caches), sometimes a theme phrase

Listens on 127.0.0.1; writes its port to PORT_FILE. Stops on SIGTERM.
Usage: churnsite.py PERIOD PORT_FILE
"""
import hashlib
import http.server
import signal
import sys
import time

PERIOD = float(sys.argv[1])
T0 = time.time()
WORDS = {
    "en": "the minister said government will publish report public spending next month "
          "answer every question raised parliament council security cooperation".split(),
    "fr": "le ministre a déclaré que le gouvernement publiera rapport dépenses publiques "
          "mois prochain répondra chaque question parlement conseil sécurité".split(),
    "de": "der minister sagte die regierung werde den bericht über öffentliche ausgaben "
          "nächsten monat veröffentlichen jede frage parlament rat sicherheit".split(),
}
LANGS = sorted(WORDS)


def newest(k):
    if PERIOD <= 0:
        return 20
    return 20 + int((time.time() - T0 + k * 7.3) / PERIOD)


def article(k, n):
    lang = LANGS[(k + n) % len(LANGS)]
    words = WORDS[lang]
    h = hashlib.sha256(b"%d/%d" % (k, n)).hexdigest()
    out = []
    for i in range(900):
        if i % 9 == 4:  # a token never seen before: a name, a number, a date
            out.append("%s%s" % (h[i % 56:i % 56 + 6], i))
        else:
            out.append(words[(i * 7 + n) % len(words)])
    if n % 3 == 0:
        out.insert(30, "cyber sovereignty")
    text = " ".join(out)
    return ("<html lang='%s'><head><title>Statement %d</title></head><body><nav>menu</nav>"
            "<article><h1>Statement %d of source %d</h1><p>%s</p></article></body></html>"
            % (lang, n, n, k, text))


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, code, body):
        body = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        parts = self.path.strip("/").split("/")
        try:
            if parts[0] == "list":
                k = int(parts[1].split(".")[0])
                top = newest(k)
                lis = "".join("<li><a href='/a/%d/%d.html'>Statement %d</a></li>" % (k, n, n)
                              for n in range(top, top - 20, -1))
                return self.send(200, "<html><body><ul>%s</ul></body></html>" % lis)
            if parts[0] == "a":
                return self.send(200, article(int(parts[1]), int(parts[2].split(".")[0])))
        except (IndexError, ValueError):
            pass
        self.send(404, "no")


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # the daemon stopping mid-request is not news


def main():
    srv = Server(("127.0.0.1", 0), Handler)
    with open(sys.argv[2], "w") as f:
        f.write(str(srv.server_address[1]))
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    srv.serve_forever()


if __name__ == "__main__":
    main()
