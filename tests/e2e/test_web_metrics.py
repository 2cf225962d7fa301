"""/metrics of a running daemon (issue 18), read by real clients: curl
fetches it, Prometheus' Python parser (prometheus_client's
text_string_to_metric_families) reads it, and the values must be what
happened: the demo site's poll, its items, the statements new and changed
after the site switches to v2 and the deliveries a webhook receiver
confirms, with the outbox empty afterwards. Every family shown is documented
in docs/metrics.md."""
import base64
import os
import re
import subprocess
import time
import urllib.request

import swtest

try:
    from prometheus_client.parser import text_string_to_metric_families
except ImportError:  # python3-prometheus-client (Debian) is a test dependency
    text_string_to_metric_families = None

CONF = """[daemon]
state_dir = {state}
recheck_days = 30

[http]
listen = 127.0.0.1:{http}

[source "demo-news"]
url      = http://127.0.0.1:{site}/news/index.html
items    = //ul[@class="news-list"]/li
date     = span[@class="date"]
interval = 10s

include = {themes}/diplomacy.conf

[notify "hook"]
type = webhook
url = http://127.0.0.1:{recv}/hooks/speechwatch
secret_file = {secret}
"""


class WebMetricsTest(swtest.TestCase):
    def setUp(self):
        super().setUp()
        if text_string_to_metric_families is None:
            self.skipTest("skipped: python3-prometheus-client not installed")

    def start(self):
        site, self.site = swtest.start_server(
            "static_http.py", [os.path.join(swtest.ROOT, "tests", "fixtures", "site"),
                               "--port-file", os.path.join(self.tmp, "site.port")],
            os.path.join(self.tmp, "site.port"))
        self.procs.append(site)
        secret = "whsec_" + base64.b64encode(os.urandom(24)).decode()
        secret_file = self.write("webhook.secret", secret + "\n", 0o600)
        recv, self.recv, self.recv_log = swtest.start_webhook_receiver(self.tmp, secret)
        self.procs.append(recv)
        self.http = swtest.free_port()
        conf = self.write("speechwatch.conf", CONF.format(
            state=os.path.join(self.tmp, "state"), http=self.http, site=self.site,
            recv=self.recv, secret=secret_file,
            themes=os.path.join(swtest.ROOT, "config", "themes")))
        self.started = time.time()
        self.daemon = self.spawn([swtest.BIN, "run", "-c", conf])

    def scrape(self):
        """(content type, {(sample name, ((label, value), ...)): value}) by curl and the parser."""
        r = subprocess.run(["curl", "-sS", "--max-time", "5", "-D", "-", "-o",
                            os.path.join(self.tmp, "metrics.txt"),
                            "http://127.0.0.1:%d/metrics" % self.http],
                           capture_output=True, text=True, timeout=10)
        self.assertEqual(r.returncode, 0, r.stderr + self.daemon.output())
        self.assertIn(" 200 ", r.stdout.split("\r\n", 1)[0])
        ctype = re.search(r"(?im)^content-type:\s*(.*?)\s*$", r.stdout).group(1)
        with open(os.path.join(self.tmp, "metrics.txt"), encoding="utf-8") as f:
            self.text = f.read()
        samples, self.types = {}, {}
        for fam in text_string_to_metric_families(self.text):
            self.types[fam.name] = fam.type
            for s in fam.samples:
                samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
        return ctype, samples

    def value(self, samples, name, **labels):
        return samples.get((name, tuple(sorted(labels.items()))), 0)

    def wait_for(self, what, cond, timeout=40):
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                _, samples = self.scrape()
                if cond(samples):
                    return samples
            except AssertionError:
                pass  # the listener is not up yet
            time.sleep(0.3)
        self.fail("timed out waiting for %s:\n%s\n%s" % (what, getattr(self, "text", ""),
                                                         self.daemon.output()))

    def delivered(self):
        return [g for g in swtest.read_jsonl(self.recv_log)
                if g["status_returned"] == 200 and g["signature_ok"]]

    def test_metrics_say_what_happened(self):
        self.start()
        v = self.value
        samples = self.wait_for("the first poll", lambda s: v(
            s, "speechwatch_polls_total", source="demo-news", result="ok") >= 1)
        ctype, samples = self.scrape()
        self.assertEqual(ctype, "text/plain; version=0.0.4; charset=utf-8")
        self.assertEqual(self.types["speechwatch_polls"], "counter")
        self.assertEqual(self.types["speechwatch_fetch_duration_seconds"], "histogram")
        self.assertEqual(self.types["speechwatch_outbox_pending_events"], "gauge")
        # v1 lists three statements, on every list page read (200; a 304 lists none)
        self.assertEqual(v(samples, "speechwatch_items_seen_total", source="demo-news"),
                         3 * v(samples, "speechwatch_http_responses_total", kind="list",
                               status="200"))
        self.assertEqual(v(samples, "speechwatch_statements_total", source="demo-news",
                           change="new"), 0)  # the first poll is the baseline
        last = v(samples, "speechwatch_last_successful_poll_timestamp_seconds", source="demo-news")
        self.assertTrue(self.started - 1 <= last <= time.time() + 1, last)
        self.assertGreaterEqual(v(samples, "speechwatch_http_responses_total", kind="list",
                                  status="200"), 1)
        self.assertGreater(v(samples, "speechwatch_store_size_bytes"), 0)
        self.assertEqual(v(samples, "speechwatch_store_read_ok"), 1)

        urllib.request.urlopen("http://127.0.0.1:%d/__root?dir=v2" % self.site, timeout=5).read()
        # The outbox gauges are read from the store at most every 5 s, so a
        # pending count of 0 may predate the new events: wait on the
        # delivery counter, which the daemon keeps live, as well.
        samples = self.wait_for("the new and changed statements, delivered", lambda s: (
            v(s, "speechwatch_statements_total", source="demo-news", change="new") >= 1
            and v(s, "speechwatch_statements_total", source="demo-news", change="changed") >= 1
            and v(s, "speechwatch_deliveries_total", channel="hook", outcome="delivered")
            >= v(s, "speechwatch_statements_total", source="demo-news", change="new")
            + v(s, "speechwatch_statements_total", source="demo-news", change="changed")
            and v(s, "speechwatch_outbox_pending_events", channel="hook") == 0))
        got = self.delivered()
        types = [g["body"]["type"] for g in got]
        self.assertEqual(v(samples, "speechwatch_statements_total", source="demo-news",
                           change="new"), types.count("statement.new"), types)
        self.assertEqual(v(samples, "speechwatch_statements_total", source="demo-news",
                           change="changed"), types.count("statement.changed"), types)
        self.assertEqual(v(samples, "speechwatch_deliveries_total", channel="hook",
                           outcome="delivered"), len(got))
        self.assertEqual(v(samples, "speechwatch_deliveries_total", channel="hook",
                           outcome="dead"), 0)
        self.assertEqual(v(samples, "speechwatch_outbox_dead_events", channel="hook"), 0)
        self.assertGreaterEqual(v(samples, "speechwatch_http_responses_total", kind="article",
                                  status="200"), 2)
        self.check_histogram(samples, "speechwatch_fetch_duration_seconds", "list")
        self.check_histogram(samples, "speechwatch_fetch_response_bytes", "article")
        self.check_documented()
        self.daemon.signal(15)
        self.assertEqual(self.daemon.wait(20), 0, self.daemon.output())

    def check_histogram(self, samples, name, kind):
        """Cumulative buckets ending in +Inf, which equals _count."""
        buckets = sorted((float(dict(k[1])["le"]), val) for k, val in samples.items()
                         if k[0] == name + "_bucket" and dict(k[1]).get("kind") == kind)
        self.assertEqual(buckets[-1][0], float("inf"))
        counts = [c for _, c in buckets]
        self.assertEqual(counts, sorted(counts), buckets)
        count = self.value(samples, name + "_count", kind=kind)
        self.assertEqual(counts[-1], count)
        self.assertGreater(count, 0)
        self.assertGreater(self.value(samples, name + "_sum", kind=kind), 0)

    def check_documented(self):
        with open(os.path.join(swtest.ROOT, "docs", "metrics.md"), encoding="utf-8") as f:
            doc = f.read()
        names = set(re.findall(r"^# TYPE (\S+)", self.text, re.M))
        self.assertGreaterEqual(len(names), 15)
        missing = sorted(n for n in names if "`%s`" % n not in doc)
        self.assertEqual(missing, [], "families missing from docs/metrics.md")


if __name__ == "__main__":
    swtest.main()
