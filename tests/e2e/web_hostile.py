"""Hostile clients of the read side's listener, for tests/e2e/test_web_listen.py:
each runs in a thread until told to stop, so that a test can watch the
daemon's polls (and other clients) while it goes on."""
import resource
import socket
import threading
import time


def raise_nofile(want):
    """Raises the soft RLIMIT_NOFILE towards want (up to the hard limit); returns it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY:
        want = min(want, hard)
    if soft != resource.RLIM_INFINITY and soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def connect_from(source, host, port, timeout=5):
    """A blocking socket to host:port bound to the local address source."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.bind((source, 0))
    s.connect((host, port))
    return s


class Attack(threading.Thread):
    """A hostile client in a thread: run() repeats self.step() until stop()."""

    def __init__(self):
        super().__init__(daemon=True)
        self.halt = threading.Event()
        self.rounds = 0
        self.error = None

    def run(self):
        try:
            self.begin()
            while not self.halt.is_set():
                self.step()
                self.rounds += 1
        except Exception as e:  # reported by the test
            self.error = "%s: %r" % (type(self).__name__, e)
        finally:
            self.end()

    def begin(self):
        pass

    def step(self):
        self.halt.wait(0.1)

    def end(self):
        pass

    def stop(self):
        self.halt.set()
        self.join(timeout=60)


class Slowloris(Attack):
    """n connections from source that dribble a request's headers, a byte every
    `pace` seconds, and never finish them."""

    def __init__(self, host, port, n=16, source="127.0.0.1", pace=1.0):
        super().__init__()
        self.host, self.port, self.n, self.source, self.pace = host, port, n, source, pace
        self.socks = []
        self.closed_by_server = 0

    def begin(self):
        for _ in range(self.n):
            s = connect_from(self.source, self.host, self.port)
            s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
            self.socks.append(s)

    def step(self):
        for s in list(self.socks):
            try:
                s.sendall(b"X")
            except OSError:
                self.closed_by_server += 1
                self.socks.remove(s)
                s.close()
        self.halt.wait(self.pace)

    def end(self):
        for s in self.socks:
            s.close()


class Flood(Attack):
    """Attempts `total` connections (non-blocking connects, from several loopback
    source addresses so that the listener's overall limit is reached, not only
    its per-address one) and holds them open until stopped."""

    def __init__(self, host, port, total=10000, sources=8):
        super().__init__()
        self.host, self.port, self.total = host, port, total
        self.sources = ["127.0.0.%d" % (i + 1) for i in range(sources)]
        self.socks = []
        self.attempted = 0

    def begin(self):
        raise_nofile(self.total + 512)
        for i in range(self.total):
            if self.halt.is_set():
                break
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            try:
                s.bind((self.sources[i % len(self.sources)], 0))
                s.connect_ex((self.host, self.port))
            except OSError:
                s.close()
                continue
            self.attempted += 1
            self.socks.append(s)

    def end(self):
        for s in self.socks:
            s.close()
        self.socks = []


class Repeat(Attack):
    """Sends each raw request of `requests` on its own connection, over and over;
    records every answer's status line (or '' when the connection was closed
    without one)."""

    def __init__(self, host, port, requests):
        super().__init__()
        self.host, self.port, self.requests = host, port, requests
        self.answers = {}

    def step(self):
        for name, raw in self.requests.items():
            s = connect_from("127.0.0.1", self.host, self.port)
            try:
                s.sendall(raw)
                got = b""
                while b"\r\n" not in got:
                    chunk = s.recv(4096)
                    if not chunk:
                        break
                    got += chunk
            except OSError:
                got = b""
            finally:
                s.close()
            line = got.split(b"\r\n", 1)[0].decode("latin-1") if b"\r\n" in got else ""
            self.answers.setdefault(name, set()).add(line)
        self.halt.wait(0.05)
