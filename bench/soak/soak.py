#!/usr/bin/env python3
"""Issue 14's soak: `speechwatch run` for a long time (default 30 minutes)
against 200 list pages of bench/fleet's synthetic ministry site, with churn
(new articles published on a few pages every few seconds), a webhook receiver
that is slow and fails for a while every few minutes (the injected fault),
and a reload (SIGHUP, with a changed config) every minute.

Sampled every --sample seconds from /proc: RSS and open fds of the daemon.
Reported: first / last / max, and the least-squares slope per minute after
the warm-up (first --warmup minutes) and over the second half; error lines
(<0>..<3>) and warnings (<4>) of the daemon's log, split into the injected
fault (a delivery attempt failing with HTTP 503 while the receiver is told to
fail) and everything else. Exit 1 when the daemon died, exited non-zero on
SIGTERM, or logged an error or warning that is not the injected fault.

    bench/soak/soak.py                            # 30 minutes
    bench/soak/soak.py --minutes 5 --json /tmp/soak.json
Everything runs on 127.0.0.1 and stops by itself; all children are stopped by
pid at the end (also on Ctrl-C)."""
import argparse
import base64
import json
import os
import re
import shutil
import signal
import sqlite3
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "bench", "fleet"))
import fleetsite  # noqa: E402
import procs  # noqa: E402

INJECTED = re.compile(r"attempt=\d+ failed, retry in \d+s: .*\b503\b")


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--minutes", type=float, default=30)
    ap.add_argument("--sources", type=int, default=200)
    ap.add_argument("--interval", type=int, default=20, help="poll interval of each source, s")
    ap.add_argument("--churn", type=float, default=10, help="seconds between publications")
    ap.add_argument("--churn-pages", type=int, default=2, help="pages that get 2 new articles")
    ap.add_argument("--reload", type=float, default=60, help="seconds between SIGHUPs")
    ap.add_argument("--fault-every", type=float, default=150, help="seconds between receiver faults")
    ap.add_argument("--fault-for", type=float, default=30, help="seconds the receiver fails (503)")
    ap.add_argument("--slow-ms", type=int, default=100, help="receiver delay outside faults")
    ap.add_argument("--sample", type=float, default=10, help="seconds between /proc samples")
    ap.add_argument("--warmup", type=float, default=3, help="minutes left out of the slope")
    ap.add_argument("--bin", default=os.path.join(ROOT, "build", "speechwatch"))
    ap.add_argument("--json", help="also write the results here")
    ap.add_argument("--keep", action="store_true", help="keep the temp dir (logs, state)")
    return ap.parse_args()


def write_config(path, state, port, hook_url, secret_file, n, interval, gen):
    """The config of reload generation gen: odd generations add a source and
    change the webhook's retry_for, so that every reload really changes it."""
    lines = ["include = %s" % os.path.join(ROOT, "config", "themes", "*.conf"), "[daemon]",
             "state_dir = %s" % state, "allow_private = yes", "user_agent = speechwatch-soak/1",
             '[notify "hook"]', "type = webhook", "url = %s" % hook_url,
             "secret_file = %s" % secret_file, "retry_for = %dh" % (72 if gen % 2 == 0 else 48)]
    for i in range(n + (gen % 2)):
        lines += ['[source "p%05d"]' % i, "url = http://127.0.0.1:%d/mfa/press/list-%05d.html"
                  % (port, i % n),
                  "items = %s" % fleetsite.LIST_XPATH, "date = %s" % fleetsite.DATE_XPATH,
                  "interval = %ds" % interval]
    tmp = path + ".new"
    with open(tmp, "w") as f:
        f.write("\n".join(lines) + "\n")
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


def set_mode(port, query):
    with urllib.request.urlopen("http://127.0.0.1:%d/__mode?%s" % (port, query), timeout=10) as r:
        r.read()


def slope(points):
    """Least-squares slope of [(minutes, value)], or None with < 3 points."""
    if len(points) < 3:
        return None
    n = len(points)
    mx = sum(p[0] for p in points) / n
    my = sum(p[1] for p in points) / n
    sxx = sum((p[0] - mx) ** 2 for p in points)
    return sum((p[0] - mx) * (p[1] - my) for p in points) / sxx if sxx else None


def classify_log(path):
    out = {"errors": 0, "warnings": 0, "injected": 0, "unexpected": []}
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            m = re.match(r"<([0-4])>", line)
            if not m:
                continue
            out["errors" if m.group(1) != "4" else "warnings"] += 1
            if m.group(1) == "4" and INJECTED.search(line):
                out["injected"] += 1
            elif len(out["unexpected"]) < 50:
                out["unexpected"].append(line.rstrip())
            else:
                out["unexpected"].append("...")
    return out


def event_counts(state):
    with sqlite3.connect("file:%s?mode=ro" % os.path.join(state, "speechwatch.db"), uri=True,
                         timeout=30) as c:
        return dict(c.execute("SELECT state, count(*) FROM events GROUP BY state").fetchall())


class Soak:
    def __init__(self, args, tmp):
        self.a, self.tmp = args, tmp
        self.samples, self.published, self.faults, self.reloads = [], 0, 0, 0
        self.site = fleetsite.Site(os.path.join(tmp, "site"), args.sources)

    def start_servers(self):
        os.makedirs(self.site.root)
        self.site.generate()
        pf = os.path.join(self.tmp, "site.port")
        p = procs.start([sys.executable, os.path.join(ROOT, "tests/servers/static_http.py"),
                         self.site.root, "--port-file", pf], "site", os.devnull,
                        os.path.join(self.tmp, "site.log"))
        self.site_port = self.wait_port_file(pf, p)
        self.secret = "whsec_" + base64.b64encode(os.urandom(24)).decode()
        self.secret_file = os.path.join(self.tmp, "hook.secret")
        with open(self.secret_file, "w") as f:
            f.write(self.secret)
        os.chmod(self.secret_file, 0o600)
        pf = os.path.join(self.tmp, "hook.port")
        self.hook_log = os.path.join(self.tmp, "receiver.jsonl")
        p = procs.start([sys.executable, os.path.join(ROOT, "tests/servers/webhook_receiver.py"),
                         "--secret", self.secret, "--port-file", pf, "--log", self.hook_log],
                        "receiver", os.devnull, os.path.join(self.tmp, "receiver.err"))
        self.hook_port = self.wait_port_file(pf, p)
        set_mode(self.hook_port, "mode=slow&ms=%d" % self.a.slow_ms)

    @staticmethod
    def wait_port_file(path, p):
        for _ in range(200):
            if p.poll() is not None:
                raise SystemExit("a server exited at start")
            if os.path.exists(path) and open(path).read().strip():
                return int(open(path).read())
            time.sleep(0.05)
        raise SystemExit("a server did not start")

    def config(self, gen):
        write_config(self.conf, self.state, self.site_port,
                     "http://127.0.0.1:%d/hook" % self.hook_port, self.secret_file,
                     self.a.sources, self.a.interval, gen)

    def run(self):
        a = self.a
        self.start_servers()
        self.state = os.path.join(self.tmp, "state")
        self.conf = os.path.join(self.tmp, "speechwatch.conf")
        self.config(0)
        self.log = os.path.join(self.tmp, "daemon.log")
        d = procs.start([a.bin, "run", "-c", self.conf], "speechwatch", os.devnull, self.log)
        t0 = time.monotonic()
        end = t0 + a.minutes * 60
        nxt = {"sample": t0 + a.sample, "churn": t0 + 60, "reload": t0 + a.reload, "fault": t0 + a.fault_every}
        fault_end = None
        while time.monotonic() < end and d.poll() is None:
            now = time.monotonic()
            if now >= nxt["sample"]:
                rss, hwm, fds, cpu = procs.proc_sample(d.pid)
                self.samples.append(((now - t0) / 60, rss, fds, hwm, cpu))
                nxt["sample"] += a.sample
            if now >= nxt["churn"]:  # the first minute is the baseline poll
                frac = a.churn_pages / a.sources
                _, new = self.site.change(frac)
                self.published += len(new)
                nxt["churn"] += a.churn
            if now >= nxt["reload"]:
                self.reloads += 1
                self.config(self.reloads)
                d.send_signal(signal.SIGHUP)
                nxt["reload"] += a.reload
            if now >= nxt["fault"]:
                set_mode(self.hook_port, "mode=fail503")
                self.faults += 1
                fault_end = now + a.fault_for
                nxt["fault"] += a.fault_every
            if fault_end and now >= fault_end:
                set_mode(self.hook_port, "mode=slow&ms=%d" % a.slow_ms)
                fault_end = None
            time.sleep(0.2)
        died = d.poll() is not None
        rc = d.poll() if died else procs.stop(d, grace=30)
        return died, rc

    def report(self, died, rc, wall):
        a = self.a
        warm = [s for s in self.samples if s[0] >= a.warmup]
        half = [s for s in self.samples if s[0] >= a.minutes / 2]
        log = classify_log(self.log)
        recv = []
        if os.path.exists(self.hook_log):
            with open(self.hook_log, encoding="utf-8") as f:
                recv = [json.loads(x) for x in f if x.strip()]
        res = {
            "minutes": round(wall / 60, 2), "sources": a.sources, "interval_s": a.interval,
            "published_articles": self.published, "reloads": self.reloads, "faults": self.faults,
            "daemon_died": died, "exit_code": rc,
            "rss_kib": {"first": self.samples[0][1] if self.samples else None,
                        "last": self.samples[-1][1] if self.samples else None,
                        "max": max((s[1] for s in self.samples), default=None),
                        "slope_per_min_after_warmup": slope([(s[0], s[1]) for s in warm]),
                        "slope_per_min_second_half": slope([(s[0], s[1]) for s in half])},
            "fds": {"first": self.samples[0][2] if self.samples else None,
                    "last": self.samples[-1][2] if self.samples else None,
                    "max": max((s[2] for s in self.samples), default=None),
                    "slope_per_min_after_warmup": slope([(s[0], s[2]) for s in warm])},
            "cpu_s": self.samples[-1][4] if self.samples else None,
            "log": {k: v for k, v in log.items() if k != "unexpected"},
            "unexpected_log_lines": log["unexpected"],
            "events": event_counts(self.state),
            "receiver": {"requests": len(recv),
                         "ok": sum(1 for e in recv if e.get("status_returned") == 200),
                         "bad_signature": sum(1 for e in recv if not e.get("signature_ok"))},
            "samples": [[round(s[0], 2), s[1], s[2]] for s in self.samples],
        }
        res["ok"] = not died and rc == 0 and not log["unexpected"] and \
            res["receiver"]["bad_signature"] == 0
        return res


def print_report(res):
    r, f = res["rss_kib"], res["fds"]

    def fmt(v):
        return "n/a" if v is None else "%.1f" % v
    print("## soak: %.1f min, %d sources every %d s" % (res["minutes"], res["sources"], res["interval_s"]))
    print()
    print("| what | first | last | max | slope/min after warm-up | slope/min 2nd half |")
    print("|---|---|---|---|---|---|")
    print("| RSS KiB | %s | %s | %s | %s | %s |" % (r["first"], r["last"], r["max"],
          fmt(r["slope_per_min_after_warmup"]), fmt(r["slope_per_min_second_half"])))
    print("| open fds | %s | %s | %s | %s | |" % (f["first"], f["last"], f["max"],
          fmt(f["slope_per_min_after_warmup"])))
    print()
    print("published %d articles; %d reloads; %d receiver faults; events %s; receiver %s; "
          "daemon CPU %.0f s; exit %s%s" % (res["published_articles"], res["reloads"], res["faults"],
                                         res["events"], res["receiver"], res["cpu_s"] or 0,
                                         res["exit_code"], " (DIED)" if res["daemon_died"] else ""))
    print("log: %s" % res["log"])
    for line in res["unexpected_log_lines"]:
        print("  unexpected: " + line)
    print("result: %s" % ("ok" if res["ok"] else "FAILED"))


def main():
    a = parse_args()
    if not os.access(a.bin, os.X_OK):
        raise SystemExit("%s: not built (make)" % a.bin)
    procs.install_signal_handlers()
    tmp = tempfile.mkdtemp(prefix="sw-soak-")
    t = time.monotonic()
    try:
        s = Soak(a, tmp)
        died, rc = s.run()
        res = s.report(died, rc, time.monotonic() - t)
    finally:
        procs.stop_all()
    print_report(res)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(res, f, indent=1)
    if a.keep or not res["ok"]:
        print("logs and state kept in %s" % tmp)
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0 if res["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
