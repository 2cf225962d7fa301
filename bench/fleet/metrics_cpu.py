#!/usr/bin/python3
"""What /metrics costs the daemon (issue 18: "no more than 5 % extra CPU").

The fleet bench's `run` soak (bench/fleet/README.md: N list pages on a local
nginx, every source at interval 10 s) in two modes:

  off  no [http] section: no listener, no metrics registry;
  on   [http] listen on 127.0.0.1 and a client fetching /metrics every
       second for the whole run (the registry counts every poll).

A pair is one daemon of each mode running side by side, each on its own
copy of a state made by one `once` (so every poll is a quiet 304, the case
where the daemon does least and the scrapes weigh most), measured over the
same window: after both have done their first cycle (N polls), the CPU
(user+sys from /proc/PID/stat) of each over the next --window cycles. Side
by side, the shared machine's load falls on both alike (runs one after the
other differed by 40 % in the same mode); pairs alternate which mode starts
first. Prints a markdown table, the ratio on/off per pair and over all; exits
1 when a check fails (a failed poll, a failed or unparsable scrape, a
non-zero exit).

    bench/fleet/metrics_cpu.py                 # N=1000, 3 pairs of 12 cycles: ~8 min
    bench/fleet/metrics_cpu.py --n 200 --pairs 1 --window 3    # a quick look
"""
import argparse
import json
import os
import shutil
import sys
import tempfile
import http.client
import threading
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fleet  # noqa: E402
import fleetsite  # noqa: E402
import procs  # noqa: E402

try:
    from prometheus_client.parser import text_string_to_metric_families
except ImportError:
    text_string_to_metric_families = None


class Scraper(threading.Thread):
    """GET /metrics every `period` seconds (on a fixed schedule) until stopped."""

    def __init__(self, port, period, path, keep_alive):
        super().__init__(daemon=True)
        self.port = port
        self.path = path
        self.url = "http://127.0.0.1:%d%s" % (port, path)
        self.period = period
        self.keep_alive = keep_alive
        self.conn = None
        self.stop_flag = threading.Event()
        self.ok = self.failed = 0
        self.latency = []
        self.last = None
        self.error = None

    def fetch(self, opener):
        """One GET: on a kept connection (as Prometheus' scraper does) or a new one."""
        if not self.keep_alive:
            with opener.open(self.url, timeout=5) as r:
                return r.read()
        try:
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
            self.conn.request("GET", self.path)
            r = self.conn.getresponse()
            body = r.read()
            if r.status != 200:
                raise OSError("status %d" % r.status)
            return body
        except (OSError, http.client.HTTPException):
            if self.conn is not None:
                self.conn.close()
            self.conn = None
            raise OSError("scrape failed")

    def run(self):
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        due = time.monotonic()
        while not self.stop_flag.is_set():
            t0 = time.monotonic()
            try:
                body = self.fetch(opener)
                self.ok += 1
                self.latency.append(time.monotonic() - t0)
                self.last = body
            except OSError as e:
                if self.ok:  # before the listener is up, a refusal is expected
                    self.failed += 1
                    self.error = str(e)
            due += self.period
            self.stop_flag.wait(max(0.0, due - time.monotonic()))

    def stop(self):
        self.stop_flag.set()
        self.join(10)


def write_config(path, state, port, site, args, http_port):
    fleet.sw_config(path, state, port, site, args, interval=args.interval)
    if http_port:
        with open(path, "a") as f:
            f.write("[http]\nlisten = 127.0.0.1:%d\n" % http_port)


class Bench:
    def __init__(self, args, tmp):
        self.args, self.tmp = args, tmp
        self.rows, self.failures = [], []

    def check(self, ok, what):
        if not ok:
            self.failures.append(what)
            fleet.note("CHECK FAILED: " + what)

    def baseline(self, site):
        """One `once` writes the state every run starts from: 20 x N items, validators kept."""
        a = self.args
        conf = os.path.join(self.tmp, "once.conf")
        state = os.path.join(self.tmp, "state0")
        fleet.sw_config(conf, state, self.port, site, a)
        code, cpu, wall, _ = procs.run([a.bin, "once", "-c", conf], "speechwatch once",
                                       os.path.join(self.tmp, "once.out"),
                                       os.path.join(self.tmp, "once.err"), 120 + 0.2 * a.n)
        self.check(code == 0, "once exited %s" % code)
        fleet.note("baseline: once cpu %.2fs wall %.1fs" % (cpu, wall))
        return state

    def wait_polls(self, runs, want, deadline):
        """Until every run has logged `want` polls; False (a check failed) otherwise."""
        while time.monotonic() < deadline:
            for r in runs:
                if r["p"].poll() is not None:
                    self.check(False, "run %d: speechwatch run exited %s" % (r["run"], r["p"].returncode))
                    return False
            if all(sum(fleet.sw_polls(r["err"]).values()) >= want for r in runs):
                return True
            time.sleep(0.2)
        self.check(False, "timed out waiting for %d polls" % want)
        return False

    def start(self, i, mode, site, state0):
        """`speechwatch run` on a copy of state0; in mode on with [http] and a scraper."""
        a, t = self.args, os.path.join(self.tmp, "run%d" % i)
        os.makedirs(t)
        state = os.path.join(t, "state")
        shutil.copytree(state0, state)
        http_port = procs.free_port() if mode == "on" else 0
        conf = os.path.join(t, "run.conf")
        write_config(conf, state, self.port, site, a, http_port)
        err = os.path.join(t, "run.err")
        p = procs.start([a.bin, "run", "-c", conf], "speechwatch run", os.path.join(t, "run.out"), err)
        scraper = Scraper(http_port, a.scrape_period, a.path, not a.close) if http_port and a.scrape_period > 0 else None
        if scraper:
            scraper.start()
        return dict(run=i, mode=mode, p=p, err=err, scraper=scraper, state=state,
                    row=dict(run=i, mode=mode, load=fleet.load()))

    def measure(self, runs):
        """CPU of each run over --window cycles after its first."""
        a = self.args
        deadline = time.monotonic() + 120 + 0.2 * a.n + 3 * (1 + a.window) * a.interval
        if not self.wait_polls(runs, a.n, deadline):
            return
        for r in runs:
            r["cpu0"], r["w0"] = procs.proc_sample(r["p"].pid)[3], time.monotonic()
            r["polls0"] = sum(fleet.sw_polls(r["err"]).values())
            r["scrapes0"] = r["scraper"].ok if r["scraper"] else 0
        if not self.wait_polls(runs, a.n * (1 + a.window), deadline):
            return
        for r in runs:
            rss, _, fds, cpu1 = procs.proc_sample(r["p"].pid)
            polls = fleet.sw_polls(r["err"])
            r["row"].update(cpu=cpu1 - r["cpu0"], wall=time.monotonic() - r["w0"],
                            polls=sum(polls.values()) - r["polls0"], rss_kb=rss, fds=fds,
                            scrapes=(r["scraper"].ok - r["scrapes0"]) if r["scraper"] else 0)
            bad = {k: v for k, v in polls.items() if k not in ("ok", "not-modified")}
            self.check(not bad, "run %d: failed polls %s" % (r["run"], bad))

    def finish(self, r):
        if r["scraper"]:
            r["scraper"].stop()
        code = procs.stop(r["p"], grace=15)
        self.check(code == 0, "run %d: exit %s after SIGTERM" % (r["run"], code))
        if r["scraper"]:
            self.judge_scrapes(r["run"], r["scraper"], r["row"])
        self.rows.append(r["row"])
        fleet.note("run %d (%s): %s" % (r["run"], r["mode"], json.dumps(r["row"])))
        if not self.args.keep:
            shutil.rmtree(r["state"], ignore_errors=True)

    def pair(self, k, first, site, state0):
        """Both modes side by side over the same window, started in the order given."""
        order = [first, "off" if first == "on" else "on"]
        runs = []
        try:
            for mode in order:
                runs.append(self.start(2 * k + len(runs) + 1, mode, site, state0))
            self.measure(runs)
        finally:
            for r in runs:
                self.finish(r)

    def judge_scrapes(self, i, scraper, row):
        self.check(scraper.failed == 0, "run %d: %d scrapes failed (%s)"
                   % (i, scraper.failed, scraper.error))
        self.check(scraper.last is not None, "run %d: no scrape answered" % i)
        if scraper.latency:
            lat = sorted(scraper.latency)
            row.update(scrape_ms_median=1000 * lat[len(lat) // 2], scrape_ms_max=1000 * lat[-1])
        if scraper.last is None:
            return
        row["scrape_bytes"] = len(scraper.last)
        if text_string_to_metric_families is None or self.args.path != "/metrics":
            return
        polls = 0
        for fam in text_string_to_metric_families(scraper.last.decode("utf-8")):
            if fam.name == "speechwatch_polls":
                polls = sum(s.value for s in fam.samples if s.name == "speechwatch_polls_total")
        row["polls_counted"] = polls
        self.check(polls >= self.args.n, "run %d: /metrics counted %d polls" % (i, polls))

    def main(self):
        a = self.args
        site_root = os.path.join(self.tmp, "site")
        os.makedirs(site_root)
        site = fleetsite.Site(site_root, a.n)
        fleet.note("generating %d list pages (load %s)" % (a.n, fleet.load()))
        site.generate()
        self.nginx = fleet.Nginx(self.tmp, site_root, "before")
        try:
            self.port = self.nginx.start(a.nginx)
            state0 = self.baseline(site)
            for k in range(a.pairs):
                self.pair(k, "off" if k % 2 == 0 else "on", site, state0)
        finally:
            self.nginx.stop()


def summary(rows):
    """([on/off of each pair], on/off of the sums) over the pairs that completed."""
    pairs = {}
    for r in rows:
        if "cpu" in r:
            pairs.setdefault((r["run"] - 1) // 2, {})[r["mode"]] = r["cpu"]
    done = [p for p in pairs.values() if p.get("off") and "on" in p]
    if not done:
        return None
    return ([p["on"] / p["off"] for p in done],
            sum(p["on"] for p in done) / sum(p["off"] for p in done))


def report(res, out=sys.stdout):
    a = res["meta"]
    p = lambda s="": out.write(s + "\n")  # noqa: E731
    p("%s CPU cost: N=%d, interval %ds, %d quiet cycles measured a run, fetched every %gs "
      "in mode on, pairs side by side (%s; load %s at start)"
      % (a.get("path", "/metrics"), a["n"], a["interval"], a["window"], a["scrape_period"],
         a["label"], a["load"]))
    p()
    p("| run | mode | polls | CPU s | ms / cycle | scrapes | scrape median / max ms | scrape KB | load |")
    p("|---|---|---|---|---|---|---|---|---|")
    for r in res["rows"]:
        if "cpu" not in r:
            p("| %d | %s | did not complete | | | | | | %s |" % (r["run"], r["mode"], r["load"]))
            continue
        cycles = r["polls"] / a["n"]
        lat = ("%.1f / %.1f" % (r["scrape_ms_median"], r["scrape_ms_max"])
               if "scrape_ms_median" in r else "—")
        p("| %d | %s | %d | %.2f | %.1f | %d | %s | %s | %s |"
          % (r["run"], r["mode"], r["polls"], r["cpu"], 1000 * r["cpu"] / cycles, r["scrapes"], lat,
             "%.0f" % (r["scrape_bytes"] / 1024) if "scrape_bytes" in r else "—", r["load"]))
    s = summary(res["rows"])
    p()
    if s:
        p("on/off per pair: %s; over all pairs: **%.3f** (%+.1f %%; target ≤ +5 %%)"
          % (", ".join("%.3f" % x for x in s[0]), s[1], 100 * (s[1] - 1)))
    for f in res["failures"]:
        p("CHECK FAILED: " + f)


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=1000, help="list pages (sources); default 1000")
    ap.add_argument("--interval", type=int, default=10, help="source interval, s (>= 10)")
    ap.add_argument("--window", type=int, default=12, help="quiet cycles measured a run (default 12)")
    ap.add_argument("--pairs", type=int, default=3, help="pairs of runs side by side (default 3)")
    ap.add_argument("--scrape-period", type=float, default=1.0,
                    help="seconds between scrapes (1); 0: the listener on, never scraped (what the "
                    "registry's updates and an idle listener cost)")
    ap.add_argument("--path", default="/metrics",
                    help="what the client fetches (/healthz: the listener's own cost)")
    ap.add_argument("--close", action="store_true",
                    help="a new connection for every scrape (default: one kept open, as "
                    "Prometheus keeps its connections to a target)")
    ap.add_argument("--bin", default=os.path.join(fleet.ROOT, "build", "speechwatch"))
    ap.add_argument("--nginx", default="/usr/sbin/nginx")
    ap.add_argument("--json", help="save the run here")
    ap.add_argument("--report", help="print the tables of a saved run and exit")
    ap.add_argument("--keep", action="store_true", help="keep the temp directory")
    ap.add_argument("--label", help="what was measured (default: branch@commit)")
    args = ap.parse_args(argv)
    # what fleet.sw_config reads
    args.recheck_days, args.max_connections, args.max_per_host = 0, 32, 2
    return args


def main(argv):
    args = parse_args(argv)
    if args.report:
        with open(args.report) as f:
            res = json.load(f)
        report(res)
        return 1 if res["failures"] else 0
    for path in (args.bin, args.nginx):
        if not os.access(path, os.X_OK):
            sys.exit("metrics_cpu: %s is missing (make; bench/fleet/run.sh installs nginx)" % path)
    procs.install_signal_handlers()
    meta = dict(path=args.path, keep_alive=not args.close, n=args.n, interval=args.interval, window=args.window, scrape_period=args.scrape_period,
                label=args.label or fleet.git_head(), load=fleet.load())
    tmp = tempfile.mkdtemp(prefix="sw-metrics-cpu-")
    b = Bench(args, tmp)
    try:
        b.main()
    except (KeyboardInterrupt, SystemExit) as e:
        b.check(False, "interrupted (%s)" % type(e).__name__)
    finally:
        procs.stop_all()
        res = dict(meta=meta, rows=b.rows, failures=b.failures)
        report(res)
        if args.json:
            with open(args.json, "w") as f:
                json.dump(res, f, indent=1)
        if args.keep:
            fleet.note("kept %s" % tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return 1 if b.failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
