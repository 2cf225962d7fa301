"""A real headless browser for the end-to-end tests: Debian's chromium driven
over the DevTools protocol on a pipe (--remote-debugging-pipe: JSON messages
ended by NUL, commands on the child's fd 3, answers on its fd 4), with
nothing but the standard library. It loads a page as a phone would, collects
every console error, uncaught exception and failed load, evaluates
JavaScript in the page (the DOM as the browser built it) and takes
screenshots. The browser runs with a fresh profile directory, without
network services of its own, and is killed by pid on close."""
import base64
import fcntl
import json
import os
import select
import shutil
import signal
import subprocess
import tempfile
import time

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--remote-debugging-pipe"]


def available():
    return os.access(CHROMIUM, os.X_OK)


class Browser:
    def __init__(self, log_path, timeout=30):
        self.timeout = timeout
        self.profile = tempfile.mkdtemp(prefix="sw-chromium-")
        self.log = open(log_path, "wb")
        to_child_r, self.to_child = os.pipe()
        self.from_child, from_child_w = os.pipe()
        # High numbers first, so the child's dup2 onto 3 and 4 cannot clobber either.
        hi_r = fcntl.fcntl(to_child_r, fcntl.F_DUPFD, 10)
        hi_w = fcntl.fcntl(from_child_w, fcntl.F_DUPFD, 10)
        os.close(to_child_r)
        os.close(from_child_w)

        def child_fds():
            os.dup2(hi_r, 3)
            os.dup2(hi_w, 4)

        self.p = subprocess.Popen([CHROMIUM] + FLAGS + ["--user-data-dir=" + self.profile],
                                  stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log,
                                  preexec_fn=child_fds, pass_fds=(3, 4))
        os.close(hi_r)
        os.close(hi_w)
        self.next_id = 0
        self.pending = b""
        self.events = []
        self.session = None

    def close(self):
        if self.p.poll() is None:
            try:
                self.call("Browser.close", session=False)
                self.p.wait(timeout=5)
            except Exception:  # a browser that does not answer is killed below
                pass
        if self.p.poll() is None:
            os.kill(self.p.pid, signal.SIGKILL)
            self.p.wait(timeout=10)
        for fd in (self.to_child, self.from_child):
            os.close(fd)
        self.log.close()
        shutil.rmtree(self.profile, ignore_errors=True)

    def _read_message(self, deadline):
        while b"\0" not in self.pending:
            left = deadline - time.time()
            if left <= 0 or not select.select([self.from_child], [], [], left)[0]:
                raise TimeoutError("chromium did not answer in time")
            chunk = os.read(self.from_child, 1 << 16)
            if not chunk:
                raise EOFError("chromium closed its pipe")
            self.pending += chunk
        msg, self.pending = self.pending.split(b"\0", 1)
        return json.loads(msg)

    def call(self, method, params=None, session=True):
        """Sends a command (to the page's session unless session=False) and
        returns its result; events read meanwhile are kept in self.events."""
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session and self.session:
            msg["sessionId"] = self.session
        os.write(self.to_child, json.dumps(msg).encode() + b"\0")
        deadline = time.time() + self.timeout
        while True:
            got = self._read_message(deadline)
            if got.get("id") == self.next_id:
                if "error" in got:
                    raise RuntimeError("%s: %s" % (method, got["error"]))
                return got.get("result", {})
            self.events.append(got)

    def wait_event(self, method):
        deadline = time.time() + self.timeout
        for e in self.events:
            if e.get("method") == method:
                return e
        while True:
            got = self._read_message(deadline)
            self.events.append(got)
            if got.get("method") == method:
                return got

    def open(self, url, width=390, height=844, mobile=True):
        """Loads url in a new tab the size of a phone (or not) and waits for its load event."""
        target = self.call("Target.createTarget", {"url": "about:blank"}, session=False)
        self.session = self.call("Target.attachToTarget",
                                 {"targetId": target["targetId"], "flatten": True},
                                 session=False)["sessionId"]
        for domain in ("Runtime", "Log", "Page", "Network"):
            self.call(domain + ".enable")
        # A page's policy does not bind this script: it records what the policy refused.
        self.call("Page.addScriptToEvaluateOnNewDocument", {"source": (
            "window.__refused = [];"
            "document.addEventListener('securitypolicyviolation', e => window.__refused.push("
            "e.violatedDirective + ' ' + e.blockedURI));")})
        self.call("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile})
        self.events = []
        nav = self.call("Page.navigate", {"url": url})
        if nav.get("errorText"):
            raise RuntimeError("navigate %s: %s" % (url, nav["errorText"]))
        self.wait_event("Page.loadEventFired")

    def errors(self):
        """Console errors, uncaught exceptions, failed loads and what the page's
        content security policy refused, since open()."""
        out = []
        for e in self.events:
            m, p = e.get("method"), e.get("params", {})
            if m == "Runtime.exceptionThrown":
                d = p["exceptionDetails"]
                out.append("%s %s" % (d.get("text"), d.get("exception", {}).get("description")))
            elif m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                out.append("console.%s: %s" % (p["type"], p.get("args")))
            elif m == "Log.entryAdded" and p["entry"].get("level") == "error":
                out.append("log: %s %s" % (p["entry"].get("text"), p["entry"].get("url", "")))
            elif m == "Network.loadingFailed":
                out.append("load failed: %s" % p.get("errorText"))
        for refused in self.evaluate("window.__refused || []"):
            out.append("content security policy refused: %s" % refused)
        return out

    def evaluate(self, expression):
        """The value of a JavaScript expression in the page (JSON-serialisable)."""
        r = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in r:
            raise RuntimeError("evaluate: %s" % r["exceptionDetails"])
        return r["result"].get("value")

    def dom(self):
        """The document as the browser built it (what --dump-dom prints)."""
        return self.evaluate("document.documentElement.outerHTML")

    def screenshot(self, path):
        """A PNG of the whole page to path."""
        data = self.call("Page.captureScreenshot",
                         {"format": "png", "captureBeyondViewport": True})["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))
        return path
