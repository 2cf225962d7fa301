"""The read side's HTTP listener (issue 18) with a real client, curl: /healthz,
404, 405, the bearer token, the refusal of a non-loopback listen without
one, and a bind failure named at start-up."""
import os
import re
import shutil
import subprocess
import sqlite3
import time
import unittest

import swtest

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
