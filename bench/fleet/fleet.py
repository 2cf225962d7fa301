#!/usr/bin/python3
"""Fleet benchmark: speechwatch against urlwatch on N list pages served by a
local nginx, through a first, a no-change and a 5 %-changed cycle, plus a
`run`-mode soak. See bench/fleet/README.md. Prints markdown tables on stdout
(progress on stderr); exits 1 when a check fails (wrong alerts, failed
polls, a tool that exits non-zero)."""
import argparse
import base64
import collections
import json
import os
import re
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fleetsite  # noqa: E402
import procs  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CYCLES = ["first", "no change", "5 % changed"]
POLL_RE = re.compile(r"source=(\S+) poll=(\S+)")
UW_RE = re.compile(r"^(NEW|CHANGED|ERROR|UNCHANGED): .*\( (http\S+) \)\s*$")
T0 = time.monotonic()


def note(msg):
    sys.stderr.write("[fleet %6.1fs] %s\n" % (time.monotonic() - T0, msg))
    sys.stderr.flush()


def load():
    return "%.2f" % os.getloadavg()[0]


class Nginx:
    """nginx with its own config, pid, logs and temp paths under tmp, one
    process (master_process off) on a free 127.0.0.1 port, stopped by pid."""

    def __init__(self, tmp, site_root, ims):
        self.ims = ims
        self.tmp = tmp
        self.site_root = site_root
        self.access = os.path.join(tmp, "nginx-access.log")
        self.p = None
        self.port = None

    def _conf(self, port):
        t = self.tmp
        for d in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            os.makedirs(os.path.join(t, "nginx-tmp", d), exist_ok=True)
        text = """daemon off;
master_process off;
worker_processes 1;
pid %(t)s/nginx.pid;
error_log %(t)s/nginx-error.log warn;
worker_rlimit_nofile 8192;
events { worker_connections 4096; }
http {
    types { text/html html; text/css css; application/javascript js; }
    default_type application/octet-stream;
    charset utf-8;
    log_format fleet '$status $request_method $uri "$http_user_agent" $msec';
    access_log %(t)s/nginx-access.log fleet;
    client_body_temp_path %(t)s/nginx-tmp/body;
    proxy_temp_path %(t)s/nginx-tmp/proxy;
    fastcgi_temp_path %(t)s/nginx-tmp/fastcgi;
    uwsgi_temp_path %(t)s/nginx-tmp/uwsgi;
    scgi_temp_path %(t)s/nginx-tmp/scgi;
    sendfile on;
    keepalive_timeout 65;
    keepalive_requests 100000;
    if_modified_since %(ims)s;
    server {
        listen 127.0.0.1:%(port)d;
        server_name localhost;
        root %(root)s;
        location / { }
    }
}
""" % {"t": t, "port": port, "root": self.site_root, "ims": self.ims}
        path = os.path.join(t, "nginx.conf")
        with open(path, "w") as f:
            f.write(text)
        return path

    def start(self, nginx_bin):
        for _ in range(5):  # a free port can be taken between bind and nginx's listen
            port = procs.free_port()
            conf = self._conf(port)
            p = procs.start([nginx_bin, "-p", self.tmp, "-e", os.path.join(self.tmp, "nginx-error.log"),
                             "-c", conf], "nginx", os.path.join(self.tmp, "nginx.out"),
                            os.path.join(self.tmp, "nginx.err"))
            if procs.wait_port(port, p):
                self.p, self.port = p, port
                note("nginx pid %d on 127.0.0.1:%d" % (p.pid, port))
                return port
            procs.stop(p, grace=2)
        with open(os.path.join(self.tmp, "nginx.err")) as f:
            raise RuntimeError("nginx did not start: " + f.read()[-2000:])

    def offset(self):
        return os.path.getsize(self.access) if os.path.exists(self.access) else 0

    def requests_since(self, offset):
        """Counter of 'STATUS' and of 'list'/'article'/'other' for log lines after offset."""
        c = collections.Counter()
        with open(self.access, "rb") as f:
            f.seek(offset)
            for line in f.read().decode("utf-8", "replace").splitlines():
                parts = line.split(" ", 3)
                if len(parts) < 3:
                    continue
                c[parts[0]] += 1
                uri = parts[2]
                c["list" if "/list-" in uri else "article" if "/a0" in uri else "other"] += 1
        return c

    def stop(self):
        if self.p is not None:
            procs.stop(self.p, grace=10, sig=procs.signal.SIGQUIT)
            self.p = None


class Receiver:
    """tests/servers/webhook_receiver.py on a free 127.0.0.1 port, verifying
    Standard Webhooks signatures and logging each POST as a JSON line."""

    def __init__(self, tmp):
        self.tmp = tmp
        self.log = os.path.join(tmp, "receiver.jsonl")
        self.secret_file = os.path.join(tmp, "hook.secret")
        self.p = None
        self.url = None

    def start(self):
        secret = "whsec_" + base64.b64encode(os.urandom(32)).decode()
        fd = os.open(self.secret_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secret)
        port_file = os.path.join(self.tmp, "receiver.port")
        self.p = procs.start(["/usr/bin/python3", os.path.join(ROOT, "tests", "servers", "webhook_receiver.py"),
                              "--secret", secret, "--port-file", port_file, "--log", self.log],
                             "webhook receiver", os.path.join(self.tmp, "receiver.out"),
                             os.path.join(self.tmp, "receiver.err"))
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and self.p.poll() is None:
            if os.path.exists(port_file) and os.path.getsize(port_file) > 0:
                with open(port_file) as f:
                    self.url = "http://127.0.0.1:%d/hook" % int(f.read().strip())
                note("webhook receiver pid %d at %s" % (self.p.pid, self.url))
                return
            time.sleep(0.05)
        raise RuntimeError("the webhook receiver did not start")

    def offset(self):
        return os.path.getsize(self.log) if os.path.exists(self.log) else 0

    def events_since(self, offset):
        """The events POSTed after offset (bodies), and how many were not signed right."""
        bodies, bad = [], 0
        if not os.path.exists(self.log):
            return bodies, bad
        with open(self.log, "rb") as f:
            f.seek(offset)
            for line in f.read().decode("utf-8", "replace").splitlines():
                if line.strip():
                    rec = json.loads(line)
                    bad += not rec.get("signature_ok")
                    bodies.append(rec.get("body") or {})
        return bodies, bad

    def stop(self):
        if self.p is not None:
            procs.stop(self.p, grace=5)
            self.p = None


def status_text(c):
    codes = sorted(k for k in c if k.isdigit())
    s = " ".join("%s:%d" % (k, c[k]) for k in codes) or "none"
    return "%s (lists %d, articles %d)" % (s, c["list"], c["article"])


def themes_dir(binary):
    """The theme packs of the tree the binary was built in (BUILD/speechwatch), else this tree's."""
    d = os.path.join(os.path.dirname(os.path.dirname(binary)), "config", "themes")
    return d if os.path.isdir(d) else os.path.join(ROOT, "config", "themes")


def sw_config(path, state, port, site, args, interval=None, hook=None, daemon_extra=()):
    """speechwatch's config: N sources; events on stdout, or to the webhook
    hook = (url, secret file) when given; daemon_extra: more [daemon] lines
    (bench/instances: database, user_agent)."""
    lines = ["[daemon]", "state_dir = %s" % state, "recheck_days = %d" % args.recheck_days,
             "max_connections = %d" % args.max_connections, "max_per_host = %d" % args.max_per_host,
             "include = %s" % os.path.join(themes_dir(args.bin), "*.conf")] + list(daemon_extra)
    if hook:
        lines += ['[notify "hook"]', "type = webhook", "url = %s" % hook[0], "secret_file = %s" % hook[1]]
    for i in range(site.n):
        lines += ['[source "p%05d"]' % i, "url = http://127.0.0.1:%d%s" % (port, site.list_path(i)),
                  "items = %s" % fleetsite.LIST_XPATH, "date = %s" % fleetsite.DATE_XPATH]
        if interval:
            lines.append("interval = %ds" % interval)
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    os.chmod(path, 0o644)


def uw_files(d, port, site, args):
    os.makedirs(os.path.join(d, "home"), exist_ok=True)
    jobs = []
    for i in range(site.n):
        job = "name: p%05d\nurl: http://127.0.0.1:%d%s\n" % (i, port, site.list_path(i))
        if args.urlwatch_filter == "xpath":
            job += "filter:\n  - xpath: '//ul[@class=\"news-list\"]'\n  - html2text\n"
        jobs.append(job)
    with open(os.path.join(d, "urls.yaml"), "w") as f:
        f.write("---\n".join(jobs))
    # Only the stdout reporter (to a file): nothing is sent anywhere.
    with open(os.path.join(d, "urlwatch.yaml"), "w") as f:
        f.write("display:\n  new: true\n  error: true\n  unchanged: false\n"
                "report:\n  stdout:\n    enabled: true\n    color: false\n"
                "  email:\n    enabled: false\n  text:\n    details: true\n    footer: false\n")


def sw_polls(stderr_path):
    results = collections.Counter()
    with open(stderr_path, encoding="utf-8", errors="replace") as f:
        for line in f:
            m = POLL_RE.search(line)
            if m:
                results[m.group(2)] += 1
    return results


def first_failure(stderr_path):
    with open(stderr_path, encoding="utf-8", errors="replace") as f:
        for line in f:
            m = POLL_RE.search(line)
            if m and m.group(2) not in ("ok", "not-modified"):
                return line.strip()[:300]
    return "none"


def stdout_events(stdout_path):
    with open(stdout_path, encoding="utf-8", errors="replace") as f:
        return [json.loads(line) for line in f if line.strip().startswith("{")]


def sw_events(events):
    """(Counter of event types, URLs of statement.new events)."""
    ev = collections.Counter(e.get("type") for e in events)
    return ev, [e["item"]["url"] for e in events if e.get("type") == "statement.new"]


def uw_report(stdout_path):
    kinds = collections.defaultdict(set)
    with open(stdout_path, encoding="utf-8", errors="replace") as f:
        for line in f:
            m = UW_RE.match(line.strip())
            if m:
                kinds[m.group(1)].add(m.group(2))
    return kinds


class Bench:
    def __init__(self, args, tmp):
        self.args = args
        self.tmp = tmp
        self.rows = []  # per tool per cycle
        self.soak_rows = []
        self.failures = []

    def check(self, ok, what):
        if not ok:
            self.failures.append(what)
            note("CHECK FAILED: " + what)
        return ok

    def events(self, stdout_path, receiver_offset):
        """The events of one speechwatch run, from its stdout or from the receiver's log."""
        if not self.receiver:
            return stdout_events(stdout_path)
        bodies, bad = self.receiver.events_since(receiver_offset)
        self.check(bad == 0, "webhook: %d deliveries with a bad signature" % bad)
        return bodies

    def run_sw(self, cycle, truth_urls):
        a, t = self.args, self.tmp
        out = os.path.join(t, "sw-%s.out" % cycle.replace(" ", "_").replace("%", "pct"))
        err = out[:-4] + ".err"
        off = self.nginx.offset()
        roff = self.receiver.offset() if self.receiver else 0
        code, cpu, wall, rss = procs.run([a.bin, "once", "-c", self.sw_conf], "speechwatch once", out, err,
                                         timeout=a.run_timeout)
        reqs = self.nginx.requests_since(off)
        polls = sw_polls(err)
        ev, new = sw_events(self.events(out, roff))
        failed = sum(v for k, v in polls.items() if k not in ("ok", "not-modified"))
        want = {"http://127.0.0.1:%d%s" % (self.port, p) for p in truth_urls}
        got = set(new)
        exact = got == want and len(new) == len(want) and ev["statement.changed"] == 0
        self.check(code == 0, "speechwatch once exit %d in cycle %s" % (code, cycle))
        self.check(sum(polls.values()) == a.n, "speechwatch polled %d of %d sources in cycle %s"
                   % (sum(polls.values()), a.n, cycle))
        self.check(failed == 0, "speechwatch: %d failed polls in cycle %s (%s)" % (failed, cycle, dict(polls)))
        self.check(exact, "speechwatch alerts in cycle %s: %d expected, %d new (%d missing, %d extra), "
                   "%d changed" % (cycle, len(want), len(new), len(want - got), len(got - want),
                                   ev["statement.changed"]))
        alerts = "%d new%s" % (len(new), ", exact" if exact else ", WRONG")
        self.rows.append(dict(cycle=cycle, tool="speechwatch", cpu=cpu, wall=wall, rss_kb=rss,
                              requests=dict(reqs), failed=failed, alerts=alerts, load=load(),
                              polls=dict(polls)))
        if failed:
            note("first failed poll: " + first_failure(err))
        note("speechwatch %s: cpu %.2fs wall %.1fs rss %.0f MB, %s, failed %d, %s"
             % (cycle, cpu, wall, rss / 1024, status_text(reqs), failed, alerts))

    def run_uw(self, cycle, truth_pages):
        a, t = self.args, self.tmp
        d = os.path.join(t, "urlwatch")
        out = os.path.join(t, "uw-%s.out" % cycle.replace(" ", "_").replace("%", "pct"))
        err = out[:-4] + ".err"
        off = self.nginx.offset()
        cmd = ["/usr/bin/urlwatch", "--urls", os.path.join(d, "urls.yaml"), "--config",
               os.path.join(d, "urlwatch.yaml"), "--hooks", os.path.join(d, "hooks.py"),
               "--cache", os.path.join(d, "cache.db")]
        code, cpu, wall, rss = procs.run(cmd, "urlwatch", out, err, timeout=a.run_timeout,
                                         env={"HOME": os.path.join(d, "home"), "LC_ALL": "C.UTF-8"})
        reqs = self.nginx.requests_since(off)
        kinds = uw_report(out)
        failed = len(kinds["ERROR"])
        self.check(code == 0, "urlwatch exit %d in cycle %s" % (code, cycle))
        self.check(failed == 0, "urlwatch: %d errors in cycle %s" % (failed, cycle))
        want = {"http://127.0.0.1:%d%s" % (self.port, p) for p in truth_pages}
        if cycle == CYCLES[0]:
            exact = len(kinds["NEW"]) == a.n and not kinds["CHANGED"]
        else:
            exact = kinds["CHANGED"] == want and not kinds["NEW"]
        self.check(exact, "urlwatch reports in cycle %s: %d changed pages expected, %d changed, %d new"
                   % (cycle, len(want), len(kinds["CHANGED"]), len(kinds["NEW"])))
        alerts = "%d pages %s%s" % (len(kinds["NEW"]) + len(kinds["CHANGED"]),
                                   "new" if cycle == CYCLES[0] else "changed", "" if exact else ", WRONG")
        self.rows.append(dict(cycle=cycle, tool="urlwatch", cpu=cpu, wall=wall, rss_kb=rss,
                              requests=dict(reqs), failed=failed, alerts=alerts, load=load()))
        note("urlwatch %s: cpu %.2fs wall %.1fs rss %.0f MB, %s, failed %d, %s"
             % (cycle, cpu, wall, rss / 1024, status_text(reqs), failed, alerts))

    def hook(self):
        return (self.receiver.url, self.receiver.secret_file) if self.receiver else None

    def cycles(self, site):
        a = self.args
        self.sw_conf = os.path.join(self.tmp, "speechwatch.conf")
        sw_config(self.sw_conf, os.path.join(self.tmp, "sw-state"), self.port, site, a, hook=self.hook())
        uw_files(os.path.join(self.tmp, "urlwatch"), self.port, site, a)
        for cycle in CYCLES[:a.cycles]:
            pages, new = [], []
            if cycle == CYCLES[2]:
                pages, new = site.change(a.change)
                note("changed %d list pages, %d new articles" % (len(pages), len(new)))
            note("cycle %s (load %s)" % (cycle, load()))
            if not a.no_speechwatch:
                self.run_sw(cycle, new)
            if not a.no_urlwatch:
                self.run_uw(cycle, pages)

    def soak(self, site):
        """`speechwatch run` over soak_cycles cycles of soak_interval; a cycle
        ends when N more polls have been logged. Samples /proc/PID each cycle."""
        a, t = self.args, self.tmp
        conf = os.path.join(t, "soak.conf")
        sw_config(conf, os.path.join(t, "soak-state"), self.port, site, a, interval=a.soak_interval,
                  hook=self.hook())
        roff = self.receiver.offset() if self.receiver else 0
        out, err = os.path.join(t, "soak.out"), os.path.join(t, "soak.err")
        p = procs.start([a.bin, "run", "-c", conf], "speechwatch run", out, err)
        note("soak: speechwatch run pid %d, %d cycles of %ds" % (p.pid, a.soak_cycles, a.soak_interval))
        deadline = time.monotonic() + a.run_timeout + a.soak_cycles * a.soak_interval * 2 + 30
        prev_cpu, prev_fail, cycle, t_prev = 0.0, 0, 0, time.monotonic()
        try:
            while cycle < a.soak_cycles and time.monotonic() < deadline:
                time.sleep(0.2)
                if p.poll() is not None:
                    self.check(False, "speechwatch run exited %s during the soak" % p.returncode)
                    break
                polls = sw_polls(err)
                if sum(polls.values()) < (cycle + 1) * a.n:
                    continue
                rss, hwm, fds, cpu = procs.proc_sample(p.pid)
                failed = sum(v for k, v in polls.items() if k not in ("ok", "not-modified"))
                if failed > prev_fail and prev_fail == 0:
                    note("soak: first failed poll: " + first_failure(err))
                cycle += 1
                now = time.monotonic()
                self.soak_rows.append(dict(cycle=cycle, polls=sum(polls.values()), cpu=cpu - prev_cpu,
                                           wall=now - t_prev, rss_kb=rss, hwm_kb=hwm, fds=fds,
                                           failed=failed - prev_fail, load=load(), poll_results=dict(polls)))
                note("soak cycle %d: cpu %.3fs rss %.1f MB peak %.1f MB fds %d failed %d"
                     % (cycle, cpu - prev_cpu, rss / 1024, hwm / 1024, fds, failed - prev_fail))
                prev_cpu, prev_fail, t_prev = cpu, failed, now
            self.check(cycle == a.soak_cycles, "soak: %d of %d cycles completed in time" % (cycle, a.soak_cycles))
            bad = {k: v for k, v in sw_polls(err).items() if k not in ("ok", "not-modified")}
            self.check(not bad, "soak: failed polls %s" % bad)
        finally:
            code = procs.stop(p, grace=15)
        self.check(code == 0, "speechwatch run exit %s after SIGTERM" % code)
        ev, _ = sw_events(self.events(out, roff))
        self.check(sum(ev.values()) == 0, "soak: quiet site but events %s" % dict(ev))

    def main(self):
        a = self.args
        site_root = os.path.join(self.tmp, "site")
        os.makedirs(site_root)
        site = fleetsite.Site(site_root, a.n)
        note("generating %d list pages and %d articles (load %s)" % (a.n, a.n * fleetsite.ITEMS, load()))
        site.generate()
        note("site generated")
        self.nginx = Nginx(self.tmp, site_root, a.nginx_ims)
        self.receiver = Receiver(self.tmp) if a.channel == "webhook" else None
        try:
            if self.receiver:
                self.receiver.start()
            self.port = self.nginx.start(a.nginx)
            if a.cycles:
                self.cycles(site)
            if a.soak_cycles:
                self.soak(site)
        finally:
            self.nginx.stop()
            if self.receiver:
                self.receiver.stop()


def failed_text(r):
    """'0', or the count with its kinds of poll result, e.g. '12 (timeout 12)'."""
    kinds = {k: v for k, v in r.get("polls", {}).items() if k not in ("ok", "not-modified")}
    if not r["failed"] or not kinds:
        return str(r["failed"])
    return "%d (%s)" % (r["failed"], ", ".join("%s %d" % kv for kv in sorted(kinds.items())))


def ratio(u, s):
    r = u["cpu"] / max(s["cpu"], 0.005)
    return ("%.2f×" if r < 1 else "%.1f×") % r


def mark(u, s):
    return "†" if u["failed"] or s["failed"] else ""


def fmt_mb(kb):
    return "%.0f" % (kb / 1024)


def git_head():
    try:
        with open(os.path.join(ROOT, ".git")) as f:  # a worktree: "gitdir: PATH"
            gitdir = f.read().split(":", 1)[1].strip()
    except (IsADirectoryError, FileNotFoundError, IndexError):
        gitdir = os.path.join(ROOT, ".git")
    try:
        with open(os.path.join(gitdir, "HEAD")) as f:
            head = f.read().strip()
        if head.startswith("ref: "):
            ref = head[5:]
            for base in (gitdir, os.path.join(gitdir, "..", "..")):
                if os.path.exists(os.path.join(base, ref)):
                    with open(os.path.join(base, ref)) as f:
                        return ref.rsplit("/", 1)[-1] + "@" + f.read().strip()[:10]
            return ref
        return head[:10]
    except OSError:
        return "unknown"


def results(b, args, started_load):
    meta = dict(date=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), revision=args.label or git_head(),
                bin=os.path.relpath(args.bin, ROOT) if args.bin.startswith(ROOT) else args.bin,
                urlwatch_filter=args.urlwatch_filter, nginx_ims=args.nginx_ims,
                max_connections=args.max_connections, max_per_host=args.max_per_host,
                recheck_days=args.recheck_days, soak_interval=args.soak_interval, channel=args.channel,
                cpus=os.cpu_count(), load_start=started_load, load_end=load())
    return dict(n=args.n, meta=meta, rows=b.rows, soak=b.soak_rows, failures=b.failures)


def soak_summary(soak):
    """(mean quiet CPU, max quiet CPU, RSS first quiet, RSS last, fds first quiet, fds last) or None."""
    quiet = soak[1:]
    if not quiet:
        return None
    cpu = sorted(r["cpu"] for r in quiet)
    return (cpu[len(cpu) // 2], max(cpu), quiet[0]["rss_kb"] / 1024, quiet[-1]["rss_kb"] / 1024,
            quiet[0]["fds"], quiet[-1]["fds"])


def report(res, out=sys.stdout):
    p = lambda s="": out.write(s + "\n")  # noqa: E731
    m = res.get("meta", {})
    n = "{:,}".format(res["n"])
    p("## Fleet bench: N = %s list pages (%s, %s)" % (n, m.get("date", "?"), m.get("revision", "?")))
    p()
    p("speechwatch `%s` (events: %s), urlwatch 2.25 (filter: %s), nginx on 127.0.0.1 (if_modified_since %s), "
      "max_connections %s, max_per_host %s, recheck_days %s; %s CPUs, load %s at start, %s at end."
      % tuple(m.get(k, "?") for k in ("bin", "channel", "urlwatch_filter", "nginx_ims", "max_connections",
                                      "max_per_host", "recheck_days", "cpus", "load_start", "load_end")))
    rows = res["rows"]
    if rows:
        p()
        p("| cycle | tool | CPU s (user+sys) | wall s | peak RSS MB | requests by status | failed polls | alerts |")
        p("|---|---|---|---|---|---|---|---|")
        for r in rows:
            p("| %s | %s | %.2f | %.1f | %s | %s | %s | %s |"
              % (r["cycle"], r["tool"], r["cpu"], r["wall"], fmt_mb(r["rss_kb"]),
                 status_text(collections.Counter(r["requests"])), failed_text(r), r["alerts"]))
        by = {(r["cycle"], r["tool"]): r for r in rows}
        pairs = [c for c in CYCLES if (c, "urlwatch") in by and (c, "speechwatch") in by]
        if pairs:
            p()
            p("| N | cycle | urlwatch CPU s | speechwatch CPU s | CPU ratio | wall ratio | peak RSS MB uw / sw |")
            p("|---|---|---|---|---|---|---|")
            for c in pairs:
                u, s = by[(c, "urlwatch")], by[(c, "speechwatch")]
                p("| %s | %s | %.2f | %.2f | **%s**%s | %.1f× | %s / %s |"
                  % (n, c, u["cpu"], s["cpu"], ratio(u, s), mark(u, s),
                     u["wall"] / max(s["wall"], 0.005), fmt_mb(u["rss_kb"]), fmt_mb(s["rss_kb"])))
            if any(mark(by[(c, "urlwatch")], by[(c, "speechwatch")]) for c in pairs):
                p()
                p("† not comparable: a tool had failed polls, so it did less work than the other.")
    if res["soak"]:
        p()
        p("`speechwatch run` soak, interval %ss (cycle 1 is the baseline):" % m.get("soak_interval", "?"))
        p()
        p("| cycle | polls (total) | CPU s | wall s | RSS MB | peak RSS MB | open fds | failed polls |")
        p("|---|---|---|---|---|---|---|---|")
        for r in res["soak"]:
            p("| %d | %d | %.3f | %.1f | %.1f | %.1f | %d | %d |"
              % (r["cycle"], r["polls"],
                 r["cpu"], r["wall"], r["rss_kb"] / 1024, r["hwm_kb"] / 1024, r["fds"], r["failed"]))
        s = soak_summary(res["soak"])
        if s:
            p()
            p("Quiet `run` cycle CPU: median %.3f s, max %.3f s over %d cycles; RSS %.1f → %.1f MB; fds %d → %d."
              % (s[0], s[1], len(res["soak"]) - 1, s[2], s[3], s[4], s[5]))
    p()
    f = res["failures"]
    p("Checks: " + ("all passed (alerts exactly the new items, no failed polls)." if not f
                    else "%d FAILED: %s" % (len(f), "; ".join(f))))


def compare(before, after, out=sys.stdout):
    """The before/after table of docs/performance.md, from two result files."""
    p = lambda s="": out.write(s + "\n")  # noqa: E731
    n = "{:,}".format(after["n"])
    mb, ma = before.get("meta", {}), after.get("meta", {})
    p("Before: %s (%s, load %s→%s). After: %s (%s, load %s→%s)."
      % (mb.get("revision", "?"), mb.get("date", "?"), mb.get("load_start", "?"), mb.get("load_end", "?"),
         ma.get("revision", "?"), ma.get("date", "?"), ma.get("load_start", "?"), ma.get("load_end", "?")))
    p()
    p("| N | cycle | urlwatch CPU s before / after | speechwatch CPU s before | after | ratio before | after "
      "| sw peak RSS MB before / after | failed polls before / after |")
    p("|---|---|---|---|---|---|---|---|---|")
    dagger = False
    bb = {(r["cycle"], r["tool"]): r for r in before["rows"]}
    ba = {(r["cycle"], r["tool"]): r for r in after["rows"]}
    for c in CYCLES:
        keys = [(c, "urlwatch"), (c, "speechwatch")]
        if not all(k in bb and k in ba for k in keys):
            continue
        ub, sb, ua, sa = bb[keys[0]], bb[keys[1]], ba[keys[0]], ba[keys[1]]
        dagger = dagger or bool(mark(ub, sb) or mark(ua, sa))
        p("| %s | %s | %.2f / %.2f | %.2f | %.2f | %s%s | **%s**%s | %s / %s | %d / %d |"
          % (n, c, ub["cpu"], ua["cpu"], sb["cpu"], sa["cpu"], ratio(ub, sb),
             mark(ub, sb), ratio(ua, sa), mark(ua, sa), fmt_mb(sb["rss_kb"]),
             fmt_mb(sa["rss_kb"]), sb["failed"], sa["failed"]))
    sb, sa = soak_summary(before["soak"]), soak_summary(after["soak"])
    if sb and sa:
        p("| %s | quiet `run` cycle (median, max) | | %.3f, %.3f | %.3f, %.3f | | | %.1f→%.1f / %.1f→%.1f "
          "| fds %d→%d / %d→%d |" % (n, sb[0], sb[1], sa[0], sa[1], sb[2], sb[3], sa[2], sa[3],
                                    sb[4], sb[5], sa[4], sa[5]))
    if dagger:
        p()
        p("† not comparable: a tool had failed polls, so it did less work than the other.")
    p()
    p("After: " + ("all checks passed." if not after["failures"] else "FAILED: " + "; ".join(after["failures"])))


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=1000, help="list pages (sources, urlwatch jobs); default 1000")
    ap.add_argument("--quick", action="store_true", help="N=100 and a 3-cycle soak: about a minute")
    ap.add_argument("--cycles", type=int, default=3, choices=range(0, 4),
                    help="how many of first, no change, 5%% changed to run (default 3)")
    ap.add_argument("--soak-cycles", type=int, default=10, help="run-mode soak cycles (0: no soak)")
    ap.add_argument("--soak-interval", type=int, default=10, help="source interval in the soak (s, >= 10)")
    ap.add_argument("--change", type=float, default=0.05, help="fraction of list pages changed (0.05)")
    ap.add_argument("--bin", default=os.path.join(ROOT, "build", "speechwatch"))
    ap.add_argument("--nginx", default="/usr/sbin/nginx")
    ap.add_argument("--nginx-ims", choices=["before", "exact"], default="before",
                    help="nginx if_modified_since: before (default) answers urlwatch's conditional "
                    "requests 304 as RFC 7232 would (its If-None-Match matches); exact is nginx's "
                    "default, under which urlwatch, which sends its check time as If-Modified-Since, "
                    "always gets 200")
    ap.add_argument("--max-connections", type=int, default=32)
    ap.add_argument("--max-per-host", type=int, default=2)
    ap.add_argument("--recheck-days", type=int, default=0)
    ap.add_argument("--urlwatch-filter", choices=["xpath", "none"], default="xpath",
                    help="xpath: the list element + html2text, as a urlwatch user would (default); "
                    "none: diff the raw page")
    ap.add_argument("--channel", choices=["stdout", "webhook"], default="stdout",
                    help="where speechwatch sends events: stdout (default), or a signed webhook to "
                    "tests/servers/webhook_receiver.py on 127.0.0.1")
    ap.add_argument("--no-urlwatch", action="store_true")
    ap.add_argument("--no-speechwatch", action="store_true")
    ap.add_argument("--run-timeout", type=float, default=0,
                    help="bound on one once/urlwatch run and on the soak's first cycle (default 120 + 0.2 s × N)")
    ap.add_argument("--label", help="what was measured, for the tables (default: this tree's branch@commit)")
    ap.add_argument("--json", help="also write the results to this file")
    ap.add_argument("--compare", metavar="BEFORE.json",
                    help="also print the before/after table against an earlier --json file "
                    "(bench/fleet/results/before-n*.json)")
    ap.add_argument("--report", metavar="RESULT.json",
                    help="run nothing: print the tables of a --json file (with --compare, the before/after table)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory (site, logs, state)")
    a = ap.parse_args(argv)
    if a.quick:
        a.n = 100
        a.soak_cycles = min(a.soak_cycles, 3)
    if a.soak_interval < 10:
        ap.error("--soak-interval: speechwatch's interval is at least 10 s")
    if a.run_timeout <= 0:
        a.run_timeout = 120 + 0.2 * a.n
    a.bin = os.path.abspath(a.bin)
    return a


def load_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def main(argv):
    args = parse_args(argv)
    if args.report:
        res = load_json(args.report)
        report(res)
        if args.compare:
            print()
            compare(load_json(args.compare), res)
        return 1 if res["failures"] else 0
    for path in (args.bin, args.nginx, "/usr/bin/urlwatch"):
        if not os.access(path, os.X_OK):
            sys.exit("fleet: %s is missing (bench/fleet/run.sh builds and installs what is needed)" % path)
    procs.install_signal_handlers()
    started_load = load()
    tmp = tempfile.mkdtemp(prefix="sw-fleet-")
    b = Bench(args, tmp)
    try:
        b.main()
    except procs.Timeout as e:
        b.check(False, str(e))
    except (KeyboardInterrupt, SystemExit) as e:
        b.check(False, "interrupted (%s)" % (type(e).__name__ if isinstance(e, KeyboardInterrupt)
                                            else "exit status %s" % e.code))
    finally:
        procs.stop_all()
        res = results(b, args, started_load)
        report(res)
        if args.compare:
            print()
            compare(load_json(args.compare), res)
        if args.json:
            with open(args.json, "w") as f:
                json.dump(res, f, indent=1)
        if args.keep:
            note("kept %s" % tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return 1 if b.failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
