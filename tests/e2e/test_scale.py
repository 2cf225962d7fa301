"""Many sources, few connections (issue 13): the wait for a slot is not
counted against a transfer.

3,000 sources on one local server (tests/servers/hostile_http.py, whose
/list pages answer after 20 ms) go through one `speechwatch once` with
max_connections = 8 (max_per_host = 8, so the total is the limit that
binds). Even at full speed the last of them cannot start before about
3000 * 20 ms / 8 = 7.5 s, while the transfer timeout is 3 s: every poll
succeeds only because a transfer's timeouts start when it starts, not
when it is queued. When all 3,000 went into libcurl at once, the ones
waiting in its queue failed with poll=timeout.

Checked: 3,000 distinct "poll=ok" lines, `status --json` showing every
source ok with no failures, the server seeing each list page once and
never more than 8 connections open at once. Outcomes only, no timing.
"""
import json
import urllib.request

import swtest

NSOURCES = 3000
MAX_CONNECTIONS = 8
DELAY_MS = 20
TIMEOUT_S = 3  # far below the run's length (NSOURCES * DELAY_MS / MAX_CONNECTIONS)


def get_json(port, path):
    with urllib.request.urlopen("http://127.0.0.1:%d%s" % (port, path), timeout=10) as r:
        return json.loads(r.read().decode())


class ScaleTest(swtest.TestCase):
    def test_3000_sources_8_connections_no_queue_timeouts(self):
        self.assertGreater(NSOURCES * DELAY_MS / 1000.0 / MAX_CONNECTIONS, 2 * TIMEOUT_S)
        proc, port = swtest.start_server("hostile_http.py", [])
        self.procs.append(proc)
        parts = ["[daemon]\nstate_dir = %s/state\nmax_connections = %d\nmax_per_host = %d\n"
                 "timeout = %ds\n" % (self.tmp, MAX_CONNECTIONS, MAX_CONNECTIONS, TIMEOUT_S)]
        for i in range(NSOURCES):
            parts.append('[source "s%04d"]\nurl = http://127.0.0.1:%d/list?ms=%d&items=1&src=%d\n'
                         'items = //ul[@class="news"]/li\ndate = span\n' % (i, port, DELAY_MS, i))
        conf = self.write("speechwatch.conf", "".join(parts))

        r = self.sw("once", "-c", conf, timeout=150)
        self.assertEqual(r.returncode, 0, r.stderr[-3000:])
        failed = [l for l in r.stderr.splitlines() if " poll=" in l and " poll=ok " not in l]
        self.assertEqual(failed[:5], [], "%d poll(s) failed" % len(failed))
        ok = {l.split()[0] for l in r.stderr.splitlines() if " poll=ok status=200 items=1 " in l}
        self.assertEqual(len(ok), NSOURCES, r.stderr[-3000:])

        st = self.sw("status", "-c", conf, "--json")
        self.assertEqual(st.returncode, 0, st.stderr)
        sources = json.loads(st.stdout)["sources"]
        self.assertEqual(len(sources), NSOURCES)
        bad = [s for s in sources if s["result"] != "ok" or s["failures"] or s["last_error"]]
        self.assertEqual(bad[:3], [], "%d source(s) not ok" % len(bad))

        stats = get_json(port, "/stats")
        paths = get_json(port, "/paths")
        print("scale: %d sources ok; server: %d list requests, %d connections, at most %d open"
              % (len(ok), paths.get("/list", 0), stats["total"], stats["max_open"]))
        self.assertEqual(paths.get("/list"), NSOURCES)
        self.assertLessEqual(stats["max_open"], MAX_CONNECTIONS, stats)


if __name__ == "__main__":
    swtest.main()
