#!/usr/bin/python3
"""The daemon on PostgreSQL (issue 20): one `speechwatch run` on SQLite, then
two `speechwatch run` instances on one throw-away PostgreSQL, over the same
synthetic ministry site of N list pages (bench/fleet), interval 10 s.
Per cycle: the daemons' CPU (/proc), the PostgreSQL server's CPU (postmaster
and backends, /proc), and the statements the server ran (pg_stat_statements),
split into the lease connection's and the store's. See bench/instances/README.md.
Markdown on stdout, progress on stderr; exit 1 when a check failed."""
import argparse
import collections
import json
import os
import re
import shutil
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "bench", "fleet"))
sys.path.insert(0, os.path.join(ROOT, "tests"))
import fleet  # noqa: E402
import fleetsite  # noqa: E402
import pgcluster  # noqa: E402
import procs  # noqa: E402
from fleet import load, note  # noqa: E402

DB = "bench"
INTERVAL = 10  # every source's interval: the minimum
PG_SETTINGS = {"shared_preload_libraries": "pg_stat_statements", "pg_stat_statements.max": "10000"}
# The lease connection's statements (daemon/lease.c): every one names
# source_leases, or registers the instance's heartbeat. The store's outbox
# claim reads `instances` too, so that name alone does not tell.
LEASE_RE = re.compile(r"source_leases|INSERT INTO instances")
# Sent in one round trip with its BEGIN (store_pg.c begin_relaxed), counted
# as a statement of its own by pg_stat_statements.
PIGGYBACK_RE = re.compile(r"^SET LOCAL synchronous_commit")
STATEMENTS_SQL = ("SELECT coalesce(json_object_agg(queryid, json_build_array(q, c)), '{}') FROM "
                  "(SELECT queryid, min(query) q, sum(calls) c FROM pg_stat_statements s "
                  "JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = '%s' GROUP BY queryid) x" % DB)
BACKENDS_SQL = ("SELECT coalesce(json_object_agg(pid, application_name), '{}') FROM pg_stat_activity "
                "WHERE datname = '%s'" % DB)


def proc_cpu(pid, children=False):
    """utime + stime (+ cutime + cstime of reaped children) of pid in seconds, and its ppid."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])
    if children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / os.sysconf("SC_CLK_TCK"), int(fields[1])


def server_cpu(postmaster):
    """{pid: cpu seconds} of the postmaster (with its exited children) and its live children."""
    out = {postmaster: proc_cpu(postmaster, children=True)[0]}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                cpu, ppid = proc_cpu(int(d))
            except (OSError, IndexError, ValueError):
                continue
            if ppid == postmaster:
                out[int(d)] = cpu
    return out


def list_fetches(access_log, offset):
    """{list URI: [(time, user agent)]} after offset in nginx's log, in log order."""
    out = collections.defaultdict(list)
    with open(access_log, "rb") as f:
        f.seek(offset)
        for line in f.read().decode("utf-8", "replace").splitlines():
            m = re.match(r'\d+ \S+ (\S*/list-\S+) "([^"]*)" ([\d.]+)', line)
            if m:
                out[m.group(1)].append((float(m.group(3)), m.group(2)))
    return out


def gaps(fetches):
    """(seconds, by another instance) between two fetches of one list in a row."""
    return [(t1 - t0, a != b) for seq in fetches.values() for (t0, a), (t1, b) in zip(seq, seq[1:])]


def ua_requests(access_log, offset):
    """{user agent: Counter of 'list'/'article' and of the list URIs} after offset in nginx's log."""
    out = collections.defaultdict(collections.Counter)
    with open(access_log, "rb") as f:
        f.seek(offset)
        for line in f.read().decode("utf-8", "replace").splitlines():
            m = re.match(r'(\d+) \S+ (\S+) "([^"]*)"', line)
            if m:
                c = out[m.group(3)]
                c["list" if "/list-" in m.group(2) else "article"] += 1
                if "/list-" in m.group(2):
                    c["uri " + m.group(2)] += 1
    return out


class Daemon:
    def __init__(self, name, conf, tmp):
        self.name, self.conf = name, conf
        self.out = os.path.join(tmp, name + ".out")
        self.err = os.path.join(tmp, name + ".err")
        self.p = None

    def start(self, binary):
        self.p = procs.start([binary, "run", "-c", self.conf], "speechwatch run " + self.name,
                             self.out, self.err)
        note("%s: speechwatch run pid %d" % (self.name, self.p.pid))

    def polls(self):
        return fleet.sw_polls(self.err)


class Bench(fleet.Bench):
    """fleet.Bench's checks and event reading; runs the two setups."""

    def __init__(self, args, tmp):
        super().__init__(args, tmp)
        self.receiver = None
        self.setups = []

    def kinds(self):
        a = self.args
        return ["first"] + ["quiet"] * a.quiet + (["5 % changed", "quiet"] if a.change else [])

    def sample(self, daemons, pg):
        s = {"t": time.monotonic(), "nginx": self.nginx.offset(),
             "cpu": {d.name: procs.proc_sample(d.p.pid)[3] for d in daemons},
             "polls": {d.name: dict(d.polls()) for d in daemons}}
        if pg:
            s["server"] = server_cpu(pg.pid)
            s["apps"] = json.loads(pg.psql(BACKENDS_SQL))
            s["statements"] = json.loads(pg.psql(STATEMENTS_SQL))
        return s

    def cycle_row(self, kind, prev, cur, daemons, pg):
        n_polls = {d.name: sum(cur["polls"][d.name].values()) - sum(prev["polls"][d.name].values())
                   for d in daemons}
        row = {"cycle": kind, "wall": cur["t"] - prev["t"], "load": load(), "polls": n_polls,
               "cpu": {d.name: cur["cpu"][d.name] - prev["cpu"][d.name] for d in daemons}}
        reqs = ua_requests(self.nginx.access, prev["nginx"])
        row["requests"] = {ua: {"list": c["list"], "article": c["article"]} for ua, c in reqs.items()}
        lists = [{k for k in c if k.startswith("uri ")} for c in reqs.values()]
        row["lists_by_both"] = len(lists[0] & lists[1]) if len(lists) == 2 else 0
        if pg:
            row.update(self.pg_row(prev, cur))
        return row

    @staticmethod
    def pg_row(prev, cur):
        """Server CPU (split by connection kind) and statements over one cycle."""
        # A backend that exits moves its CPU into the postmaster's cutime:
        # the total is right, and what the daemons' live connections did is split out.
        srv = {"store": 0.0, "lease": 0.0}
        for pid, cpu in cur["server"].items():
            app = cur["apps"].get(str(pid))
            if app and pid != next(iter(cur["server"])):
                srv["lease" if app == "speechwatch leases" else "store"] += cpu - prev["server"].get(pid, 0.0)
        srv["other"] = sum(cur["server"].values()) - sum(prev["server"].values()) - srv["store"] - srv["lease"]
        stm = {"store": 0, "lease": 0, "piggyback": 0}
        top = collections.Counter()
        for qid, (query, calls) in cur["statements"].items():
            d = calls - prev["statements"].get(qid, [query, 0])[1]
            kind = "lease" if LEASE_RE.search(query) else "store"
            stm[kind] += d
            stm["piggyback"] += d if PIGGYBACK_RE.match(query) else 0
            if d:
                top[" ".join(query.split())[:90]] += d
        return {"server_cpu": srv, "statements": stm, "top": top.most_common(12)}

    def run_setup(self, label, site, daemons, pg=None):
        a = self.args
        kinds = self.kinds()
        prev = self.sample([], pg)  # before the start: the start-up (schema, leases) is in cycle 1
        prev["cpu"] = {d.name: 0.0 for d in daemons}
        prev["polls"] = {d.name: {} for d in daemons}
        for d in daemons:
            d.start(a.bin)
            time.sleep(a.stagger)
        rows, new, start = [], [], prev["nginx"]
        deadline = time.monotonic() + a.run_timeout + len(kinds) * INTERVAL * 3
        try:
            while len(rows) < len(kinds) and time.monotonic() < deadline:
                time.sleep(0.2)
                dead = [d.name for d in daemons if d.p.poll() is not None]
                if not self.check(not dead, "%s: %s exited during the run" % (label, dead)):
                    break
                if sum(sum(d.polls().values()) for d in daemons) < (len(rows) + 1) * a.n:
                    continue
                cur = self.sample(daemons, pg)
                rows.append(self.cycle_row(kinds[len(rows)], prev, cur, daemons, pg))
                note("%s %s" % (label, brief(rows[-1])))
                prev = cur
                if len(rows) < len(kinds) and kinds[len(rows)] == "5 % changed":
                    _, new = site.change(a.change)
                    note("changed %d list pages: %d new articles" % (round(a.n * a.change), len(new)))
            self.check(len(rows) == len(kinds), "%s: %d of %d cycles in time" % (label, len(rows), len(kinds)))
        finally:
            codes = {d.name: procs.stop(d.p, grace=20) for d in daemons}
        self.check(all(c == 0 for c in codes.values()), "%s: exit statuses after SIGTERM %s" % (label, codes))
        self.judge(label, daemons, new)
        g = gaps(list_fetches(self.nginx.access, start))
        # No list fetched twice within one interval (less schedule.c's timer
        # slack), by one instance or by two, as tests/e2e/test_instances.py checks it.
        short = [round(t, 2) for t, _ in g if t < INTERVAL - 1.5]
        self.check(not short, "%s: %d list fetches %s s after the one before" % (label, len(short), short[:5]))
        hand = [t for t, other in g if other]
        self.setups.append({"label": label, "instances": [d.name for d in daemons], "rows": rows,
                            "shortest_gap": min((t for t, _ in g), default=None),
                            "handovers": len(hand), "shortest_handover": min(hand, default=None)})

    def judge(self, label, daemons, new):
        polls = collections.Counter()
        events = []
        for d in daemons:
            polls.update(d.polls())
            events += self.events(d.out, 0)
        bad = {k: v for k, v in polls.items() if k not in ("ok", "not-modified")}
        self.check(not bad, "%s: failed polls %s" % (label, bad))
        ev, urls = fleet.sw_events(events)
        want = {"http://127.0.0.1:%d%s" % (self.port, p) for p in new}
        self.check(set(urls) == want and len(urls) == len(want) and ev["statement.changed"] == 0,
                   "%s: %d statement.new for %d new articles (%d missing, %d repeated), events %s"
                   % (label, len(urls), len(want), len(want - set(urls)), len(urls) - len(set(urls)),
                      dict(ev)))

    def config(self, name, site, extra):
        conf = os.path.join(self.tmp, name + ".conf")
        fleet.sw_config(conf, os.path.join(self.tmp, "state-" + name), self.port, site, self.args,
                        interval=INTERVAL, daemon_extra=["user_agent = speechwatch-bench/" + name] + extra)
        return Daemon(name, conf, self.tmp)

    def main(self):
        a = self.args
        root = os.path.join(self.tmp, "site")
        os.makedirs(root)
        note("generating %d list pages (load %s)" % (a.n, load()))
        site = fleetsite.Site(root, a.n)
        site.generate()
        self.nginx = fleet.Nginx(self.tmp, root, "before")
        try:
            self.port = self.nginx.start(a.nginx)
            if not a.no_sqlite:
                self.run_setup("sqlite", site, [self.config("sqlite", site, [])])
                site = fleetsite.Site(root, a.n)
                site.generate()  # back to the unchanged site for the next setup
            self.run_pg(site)
        finally:
            self.nginx.stop()

    def run_pg(self, site):
        a = self.args
        with pgcluster.Cluster(settings=PG_SETTINGS) as pg:
            pg.psql("CREATE DATABASE %s" % DB)
            pg.psql("CREATE EXTENSION pg_stat_statements")  # in postgres: the bench's own queries stay out
            e = pg.env()
            db = "database = postgresql:host=%s port=%s user=%s dbname=%s" % (
                e["PGHOST"], e["PGPORT"], e["PGUSER"], DB)
            extra = [db, "lease_ttl = %d" % a.lease_ttl]
            names = ["pg%d" % (k + 1) for k in range(a.instances)]
            self.run_setup("postgresql", site, [self.config(n, site, extra) for n in names], pg)


def brief(r):
    s = "%s: wall %.1fs polls %s cpu %s" % (r["cycle"], r["wall"], r["polls"],
                                             {k: round(v, 2) for k, v in r["cpu"].items()})
    if "statements" in r:
        s += " server %s statements %s" % ({k: round(v, 2) for k, v in r["server_cpu"].items()},
                                           r["statements"])
    return s


def per_poll(r, key):
    polls = sum(r["polls"].values())
    st = r["statements"]
    if key == "rt":
        return (st["store"] - st["piggyback"]) / polls if polls else 0
    return st[key] / polls if polls else 0


def report(res, out=sys.stdout):
    w = out.write
    w("## The daemon on PostgreSQL: %s\n\n" % res["what"])
    w("N = %d sources, interval 10 s, %s; load at start %s, %d cores.\n\n"
      % (res["n"], res["label"], res["load"], res["cores"]))
    w("| setup | cycle | wall s | polls | daemon CPU s | server CPU s (store + lease + other) "
      "| store statements | store round trips / poll | lease statements | list requests by UA |\n")
    w("|---|---|---|---|---|---|---|---|---|---|\n")
    for s in res["setups"]:
        for r in s["rows"]:
            cpu = " + ".join("%.2f" % r["cpu"][n] for n in s["instances"])
            if len(s["instances"]) > 1:
                cpu += " = %.2f" % sum(r["cpu"].values())
            ua = ", ".join("%s %d" % (k.split("/")[-1], v["list"]) for k, v in sorted(r["requests"].items()))
            polls = " + ".join(str(r["polls"][n]) for n in s["instances"])
            if "statements" in r:
                sc = r["server_cpu"]
                srv = "%.2f (%.2f + %.2f + %.2f)" % (sum(sc.values()), sc["store"], sc["lease"], sc["other"])
                st = r["statements"]
                pg = (srv, "%d" % st["store"], "%.1f" % per_poll(r, "rt"), "%d" % st["lease"])
            else:
                pg = ("—", "—", "—", "—")
            w("| %s | %s | %.1f | %s | %s | %s | %s | %s | %s | %s |\n"
              % ((s["label"], r["cycle"], r["wall"], polls, cpu) + pg + (ua,)))
    w("\nLists polled by both instances within one cycle: %s.\n"
      % ", ".join("%s %d" % (r["cycle"], r["lists_by_both"])
                  for s in res["setups"] if len(s["instances"]) > 1 for r in s["rows"]))
    for s in res["setups"]:
        if s.get("shortest_gap") is not None:
            w("%s: shortest gap between two fetches of one list %.2f s (interval %d s)"
              % (s["label"], s["shortest_gap"], INTERVAL))
            if s["handovers"]:
                w("; %d lists passed from one instance to another, the shortest gap then %.2f s"
                  % (s["handovers"], s["shortest_handover"]))
            w(".\n")
    for s in res["setups"]:
        for r in s["rows"][:2]:
            if r.get("top"):
                w("\nStatements, %s, cycle %s (both instances):\n\n| calls | statement |\n|---|---|\n"
                  % (s["label"], r["cycle"]))
                for q, c in r["top"]:
                    w("| %d | `%s` |\n" % (c, q.replace("|", "\\|")))
    w("\nChecks: %s\n" % ("all passed" if not res["failures"] else "; ".join(res["failures"])))


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=1000, help="list pages = sources (default 1000)")
    ap.add_argument("--quick", action="store_true", help="N=50, 2 quiet cycles")
    ap.add_argument("--quiet", type=int, default=3, help="quiet cycles after the first (default 3)")
    ap.add_argument("--change", type=float, default=0.05,
                    help="fraction of lists given 2 new articles in the changed cycle (0: none)")
    ap.add_argument("--instances", type=int, default=2, help="instances on PostgreSQL (default 2)")
    ap.add_argument("--lease-ttl", type=int, default=30, help="[daemon] lease_ttl (default 30)")
    ap.add_argument("--stagger", type=float, default=0.5, help="seconds between instance starts")
    ap.add_argument("--no-sqlite", action="store_true", help="skip the SQLite setup")
    ap.add_argument("--bin", default=os.path.join(ROOT, "build", "speechwatch"))
    ap.add_argument("--nginx", default="/usr/sbin/nginx")
    ap.add_argument("--max-connections", type=int, default=32)
    ap.add_argument("--max-per-host", type=int, default=2)
    ap.add_argument("--recheck-days", type=int, default=0)
    ap.add_argument("--run-timeout", type=float, default=0, help="bound on a setup's first cycle")
    ap.add_argument("--json", help="also write the results to this file")
    ap.add_argument("--report", metavar="RESULT.json", help="run nothing: print the tables of a --json file")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    a = ap.parse_args(argv)
    if a.quick:
        a.n, a.quiet = 50, 2
    if a.run_timeout <= 0:
        a.run_timeout = 120 + 0.2 * a.n
    a.bin = os.path.abspath(a.bin)
    return a


def main(argv):
    a = parse_args(argv)
    if a.report:
        with open(a.report, encoding="utf-8") as f:
            report(json.load(f))
        return 0
    procs.install_signal_handlers()
    tmp = tempfile.mkdtemp(prefix="sw-instances-")
    os.chmod(tmp, 0o755)  # the daemons read the site and write state; PostgreSQL runs as nobody elsewhere
    started = load()
    b = Bench(a, tmp)
    try:
        b.main()
    except pgcluster.Unavailable as e:
        print(e)
        return 77
    finally:
        procs.stop_all()
        if a.keep:
            note("kept " + tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    res = {"what": "%d instances vs one on SQLite" % a.instances, "n": a.n, "label": fleet.git_head(),
           "load": started, "cores": os.cpu_count(), "setups": b.setups, "failures": b.failures}
    if a.json:
        with open(a.json, "w", encoding="utf-8") as f:
            json.dump(res, f, indent=1)
    report(res)
    return 1 if b.failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
