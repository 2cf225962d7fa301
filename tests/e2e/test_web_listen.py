"""The read side's HTTP listener (issue 18) with a real client, curl: /healthz,
404, 405, the bearer token, the refusal of a non-loopback listen without
one, a bind failure named at start-up; and hostile clients (slowloris,
10,000 connections, oversize headers, path traversal, bad query values),
each while the daemon polls the demo site: its polls stay on time and
another client is answered."""
import os
import re
import shutil
import signal
import socket
import subprocess
import sqlite3
import threading
import time
import unittest

import swtest
import web_hostile

CURL = shutil.which("curl")
TOKEN = "0123456789abcdef0123456789abcdef"

CONF = """[daemon]
state_dir = {tmp}/state

[source "demo-news"]
url      = http://127.0.0.1:{site}/news/index.html
items    = //ul[@class="news-list"]/li
date     = span[@class="date"]
interval = 10s

[http]
listen = {listen}
{extra}
"""


def curl(url, *args, timeout=20):
    """(status, headers, body) of one request by curl; status 0 when none came."""
    r = subprocess.run([CURL, "-s", "-S", "-i", "--max-time", "10"] + list(args) + [url],
                       capture_output=True, timeout=timeout)
    out = r.stdout.decode("utf-8", "replace")
    head, _, body = out.partition("\r\n\r\n")
    m = re.match(r"HTTP/1\.1 (\d+)", head)
    return (int(m.group(1)) if m else 0), head, body


class ListenBase(swtest.TestCase):
    """A daemon in run mode against the demo site, with [http] listen on a free port."""

    def start(self, extra="", listen=None):
        self.site, self.site_port = swtest.start_static_server(
            os.path.join(swtest.FIXTURES, "site"))
        self.procs.append(self.site)
        self.port = swtest.free_port()
        self.conf = self.write("speechwatch.conf", CONF.format(
            tmp=self.tmp, site=self.site_port, listen=listen or "127.0.0.1:%d" % self.port,
            extra=extra))
        self.daemon = self.spawn([swtest.BIN, "run", "-c", self.conf])
        self.wait_log("http: listening on")
        self.base = "http://127.0.0.1:%d" % self.port
        return self.daemon

    def wait_log(self, text, timeout=20):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if text in self.daemon.output():
                return
            self.assertIsNone(self.daemon.p.poll(), self.daemon.output())
            time.sleep(0.05)
        self.fail("no %r in the log:\n%s" % (text, self.daemon.output()))


@unittest.skipIf(CURL is None, "skipped: curl not installed")
class ListenTest(ListenBase):
    def test_healthz_404_405_and_security_headers(self):
        self.start()
        status, head, body = curl(self.base + "/healthz")
        self.assertEqual((status, body), (200, "ok\n"), head)
        self.assertIn("X-Content-Type-Options: nosniff", head)
        self.assertRegex(head, r"Content-Security-Policy: default-src 'none'")
        self.assertNotIn("script-src", head)
        self.assertIn("Cache-Control: no-cache", head)
        status, head, _ = curl(self.base + "/healthz", "-I")
        self.assertEqual(status, 200, head)
        self.assertIn("Content-Length: 3", head)
        self.assertEqual(curl(self.base + "/no/such/page")[0], 404)
        for method in ("POST", "PUT", "DELETE", "OPTIONS"):
            status, head, _ = curl(self.base + "/healthz", "-X", method)
            self.assertEqual(status, 405, method)
            self.assertIn("Allow: GET, HEAD", head)

    def test_healthz_503_when_the_store_is_not_writable(self):
        self.start()
        self.assertEqual(curl(self.base + "/healthz")[0], 200)
        db = sqlite3.connect(os.path.join(self.tmp, "state", "speechwatch.db"), timeout=10,
                             isolation_level=None)
        db.execute("BEGIN IMMEDIATE")  # another writer holds the store
        try:
            status, _, body = curl(self.base + "/healthz")
        finally:
            db.execute("ROLLBACK")
            db.close()
        self.assertEqual(status, 503, body)
        self.assertIn("store not writable", body)
        self.assertEqual(curl(self.base + "/healthz")[0], 200)

    def test_loopback_without_token_answers_only_loopback_host_names(self):
        """DNS rebinding: a page elsewhere points its own name at 127.0.0.1 and
        the browser sends that name as Host."""
        self.start()
        status, _, body = curl(self.base + "/healthz", "-H", "Host: evil.example:%d" % self.port)
        self.assertEqual(status, 403, body)
        self.assertEqual(curl(self.base + "/x", "-H", "Host: 127.0.0.1.evil.example")[0], 403)
        for host in ("localhost:%d" % self.port, "LOCALHOST", "127.0.0.1", "127.1.2.3:80",
                     "[::1]:%d" % self.port):
            self.assertEqual(curl(self.base + "/healthz", "-H", "Host: " + host)[0], 200, host)

    def test_token_required_accepted_refused(self):
        token_file = self.write("token", TOKEN + "\n", mode=0o600)
        self.start(extra="token_file = %s" % token_file)
        self.assertIn("bearer token required", self.daemon.output())
        status, head, _ = curl(self.base + "/no/such/page")
        self.assertEqual(status, 401)
        self.assertIn("WWW-Authenticate: Bearer", head)
        self.assertEqual(curl(self.base + "/x", "-H", "Authorization: Bearer wrong")[0], 401)
        self.assertEqual(curl(self.base + "/x", "-H", "Authorization: Bearer " + TOKEN[:-1])[0],
                         401)
        self.assertEqual(curl(self.base + "/x", "-H", "Authorization: Basic " + TOKEN)[0], 401)
        # the right token reaches the router (which has no page at /x)
        self.assertEqual(curl(self.base + "/x", "-H", "Authorization: Bearer " + TOKEN)[0], 404)
        self.assertEqual(curl(self.base + "/x", "--oauth2-bearer", TOKEN)[0], 404)
        # a supervisor's probe carries no token
        self.assertEqual(curl(self.base + "/healthz")[0], 200)
        # the token guards whatever name the client used
        self.assertEqual(curl(self.base + "/x", "--oauth2-bearer", TOKEN,
                              "-H", "Host: speechwatch.example")[0], 404)

    def test_reload_takes_a_new_token_and_keeps_the_listener(self):
        token_file = self.write("token", TOKEN + "\n", mode=0o600)
        self.start(extra="token_file = %s" % token_file)
        new = "fedcba9876543210fedcba9876543210"
        self.write("token", new + "\n", mode=0o600)
        self.daemon.signal(signal.SIGHUP)
        self.wait_log("reload: done")
        self.assertEqual(curl(self.base + "/x", "--oauth2-bearer", new)[0], 404)
        self.assertEqual(curl(self.base + "/x", "--oauth2-bearer", TOKEN)[0], 401)
        # a new address needs a restart: the listener stays where it is, with its token
        other = swtest.free_port()
        with open(self.conf) as f:
            text = f.read()
        self.write("speechwatch.conf", text.replace(
            "listen = 127.0.0.1:%d" % self.port, "listen = 127.0.0.1:%d" % other))
        self.daemon.signal(signal.SIGHUP)
        self.wait_log("[http] listen changed (127.0.0.1:%d -> 127.0.0.1:%d): it takes effect "
                      "at the next restart" % (self.port, other))
        self.assertEqual(curl(self.base + "/x", "--oauth2-bearer", new)[0], 404)
        self.assertEqual(curl(self.base + "/x")[0], 401)
        self.assertEqual(curl("http://127.0.0.1:%d/healthz" % other)[0], 0)

    def test_ipv6_loopback(self):
        with socket.socket(socket.AF_INET6) as s:
            try:
                s.bind(("::1", 0))
            except OSError:
                self.skipTest("skipped: no IPv6 loopback here")
        port = swtest.free_port()
        self.start(listen="[::1]:%d" % port)
        self.assertIn("http: listening on http://[::1]:%d/" % port, self.daemon.output())
        status, _, body = curl("http://[::1]:%d/healthz" % port, "-g")
        self.assertEqual((status, body), (200, "ok\n"))

    def test_stops_cleanly_and_once_never_listens(self):
        self.start()
        self.daemon.signal(signal.SIGTERM)
        self.assertEqual(self.daemon.wait(20), 0, self.daemon.output())
        self.assertIn("stopped", self.daemon.output())
        with socket.socket() as s:  # the listening socket went with it
            s.bind(("127.0.0.1", self.port))
        r = self.sw("once", "-c", self.conf, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("mode once", r.stderr)
        self.assertNotIn("http: listening", r.stderr)

    def test_port_taken_is_a_startup_error_naming_the_address(self):
        self.start()
        with open(self.conf) as f:
            text = f.read()
        other = self.write("other.conf", text.replace(
            "state_dir = %s/state" % self.tmp, "state_dir = %s/state2" % self.tmp))
        r = self.sw("run", "-c", other, timeout=30)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("cannot listen on 127.0.0.1:%d: Address already in use" % self.port,
                      r.stderr)


POLL_LINE = re.compile(r"source=demo-news poll=(\S+) status=(\d+).*? time=([\d.]+)s")
INTERVAL = 10.0
# the schedule's own spread: 10 % jitter and a 1 s timer slack
LATEST_GAP = INTERVAL * 1.1 + 1.0 + 1.5


class PollClock(threading.Thread):
    """Notes when each poll line of the daemon appears (the log has no clock)."""

    def __init__(self, proc):
        super().__init__(daemon=True)
        self.proc = proc
        self.polls = []  # (arrival, result, status, seconds the poll took)
        self.halt = threading.Event()

    def run(self):
        while not self.halt.is_set():
            found = POLL_LINE.findall(self.proc.output())
            now = time.time()
            for result, status, took in found[len(self.polls):]:
                self.polls.append((now, result, int(status), float(took)))
            self.halt.wait(0.05)

    def wait_polls(self, n, timeout):
        deadline = time.time() + timeout
        while len(self.polls) < n and time.time() < deadline:
            time.sleep(0.05)
        return len(self.polls) >= n


PATHS_404 = ["/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
             "/healthz%00", "/healthz%00.txt", "/%00", "/..%2f..%2fetc/passwd",
             "/static/../../../etc/passwd", "/./healthz", "//etc/passwd", "/etc/passwd",
             "/statement/..", "/statement/%2e%2e/%2e%2e/etc/passwd", "/statement/./1",
             "/statement/1%00", "/static/style.css/../../etc/passwd", "/static/"]
QUERIES_400 = ["/healthz?q=%ff", "/healthz?q=%C0%AF", "/healthz?%fe=1",
               "/healthz?" + "&".join("a%d=1" % i for i in range(40)),
               "/healthz?q=" + "v" * 2000]


def raw_get(target, extra=b""):
    return b"GET " + target.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extra + \
        b"Connection: close\r\n\r\n"


@unittest.skipIf(CURL is None, "skipped: curl not installed")
class HostileTest(ListenBase):
    """Each attack runs until at least one poll has happened under it."""

    def other_client(self, source="127.0.0.200"):
        """(status, seconds) of /healthz asked by curl from another loopback address."""
        t = time.time()
        status = curl(self.base + "/healthz", "--interface", source)[0]
        return status, time.time() - t

    def under_attack(self, attack, clock, others_served=True):
        """Runs attack until a poll starts and ends under it; checks another client
        meanwhile. Returns the other client's answers."""
        n0 = len(clock.polls)
        attack.start()
        answers = []
        deadline = time.time() + LATEST_GAP + 3
        while len(clock.polls) == n0 and time.time() < deadline:
            answers.append(self.other_client())
            time.sleep(0.5)
        attack.stop()
        self.assertIsNone(attack.error)
        self.assertGreater(len(clock.polls), n0, "no poll while %s ran:\n%s" % (
            type(attack).__name__, self.daemon.output()[-3000:]))
        self.other_took += [took for status, took in answers if status == 200]
        if others_served:
            self.assertTrue(answers, "no other client asked")
            for status, took in answers:
                self.assertEqual(status, 200, answers)
                self.assertLess(took, 2.0, answers)
        return answers

    def assert_healthy_after(self):
        deadline = time.time() + 10
        while time.time() < deadline and curl(self.base + "/healthz")[0] != 200:
            time.sleep(0.2)
        self.assertEqual(curl(self.base + "/healthz")[0], 200)
        self.assertIsNone(self.daemon.p.poll(), self.daemon.output())

    def test_hostile_inputs_leave_polls_on_time(self):
        self.other_took = []
        self.start()
        clock = PollClock(self.daemon)
        clock.start()
        self.addCleanup(clock.halt.set)
        self.assertTrue(clock.wait_polls(1, 30), self.daemon.output())
        host, port = "127.0.0.1", self.port

        with self.subTest("slowloris: headers dribbled on every connection one address may have"):
            slow = web_hostile.Slowloris(host, port, n=16, pace=1.0)
            self.under_attack(slow, clock)
            # the dribblers were held, not served: the listener waits for whole headers
            self.assertEqual(slow.closed_by_server, 0)
            self.assert_healthy_after()

        with self.subTest("a silent connection is closed after the idle timeout"):
            s = web_hostile.connect_from("127.0.0.1", host, port, timeout=30)
            t = time.time()
            self.assertEqual(s.recv(1), b"")
            s.close()
            self.assertLess(time.time() - t, 10 + 5)

        with self.subTest("10,000 connections attempted and held"):
            flood = web_hostile.Flood(host, port, total=10000)
            # other clients may be refused while the flood holds every slot
            self.under_attack(flood, clock, others_served=False)
            self.assertEqual(flood.attempted, 10000)
            self.assert_healthy_after()  # answered again once they closed

        with self.subTest("oversize headers"):
            big = web_hostile.Repeat(host, port, {
                "one 64 KiB header": raw_get("/healthz", b"X-Big: " + b"h" * 65536 + b"\r\n"),
                "2000 headers": raw_get("/healthz", b"".join(
                    b"X-H%d: v\r\n" % i for i in range(2000))),
                "64 KiB path": raw_get("/" + "p" * 65536)})
            self.under_attack(big, clock)
            for name, lines in big.answers.items():
                for line in lines:
                    self.assertRegex(line, r"^(HTTP/1.1 (431|414|413) |$)", name)
            self.assert_healthy_after()

        with self.subTest("path traversal and encoded NULs"):
            walk = web_hostile.Repeat(host, port, {p: raw_get(p) for p in PATHS_404})
            self.under_attack(walk, clock)
            for path, lines in walk.answers.items():
                self.assertEqual(lines, {"HTTP/1.1 404 Not Found"}, path)
            for path in PATHS_404:
                self.assertEqual(curl(self.base + path, "--path-as-is")[0], 404, path)

        with self.subTest("bad query values"):
            bad = web_hostile.Repeat(host, port, {q: raw_get(q) for q in QUERIES_400})
            self.under_attack(bad, clock)
            for q, lines in bad.answers.items():
                self.assertEqual(lines, {"HTTP/1.1 400 Bad Request"}, q[:80])
            self.assert_healthy_after()

        clock.halt.set()
        clock.join()
        polls = clock.polls
        print("polls: gaps %s, took %s; other client: slowest %.2fs" % (
            ["%.1f" % (b[0] - a[0]) for a, b in zip(polls, polls[1:])],
            ["%.2f" % p[3] for p in polls], max(self.other_took)))
        self.assertGreaterEqual(len(polls), 6, polls)
        for (t0, *_), (t1, *_) in zip(polls, polls[1:]):
            self.assertLessEqual(t1 - t0, LATEST_GAP, "a poll came late: %r" % polls)
        for _, result, status, took in polls:
            self.assertIn(result, ("ok", "not-modified"), polls)
            self.assertLess(took, 2.0, polls)


class CheckTest(swtest.TestCase):
    def conf(self, http):
        return self.write("speechwatch.conf",
                          "[daemon]\nstate_dir = %s/state\n\n[http]\n%s\n" % (self.tmp, http))

    def test_non_loopback_without_token_is_refused_by_check(self):
        path = self.conf("listen = 0.0.0.0:8428")
        r = self.sw("check", "-c", path)
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn("%s:5: listen = 0.0.0.0:8428 is not a loopback address" % path, r.stderr)

    def test_non_loopback_with_token_or_anonymous_passes_check(self):
        token = self.write("token", TOKEN + "\n", mode=0o600)
        for http in ("listen = 0.0.0.0:8428\ntoken_file = %s" % token,
                     "listen = [::]:8428\nallow_anonymous = yes",
                     "listen = [::1]:8428", "listen = 127.0.0.1:8428"):
            with self.subTest(http=http):
                r = self.sw("check", "-c", self.conf(http))
                self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_token_file_readable_by_others_is_refused(self):
        token = self.write("token", TOKEN + "\n", mode=0o644)
        path = self.conf("listen = 0.0.0.0:8428\ntoken_file = %s" % token)
        r = self.sw("check", "-c", path)
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn("%s:6: token_file '%s': readable by group or others" % (path, token),
                      r.stderr)


if __name__ == "__main__":
    swtest.main()
