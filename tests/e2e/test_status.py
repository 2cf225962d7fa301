"""`speechwatch status`: per-source poll results and per-channel counts, human
and --json, read from the store while the daemon runs."""
import json
import os
import signal
import time

import swtest

CONF = """[daemon]
state_dir = {state}
[source "news"]
url = http://127.0.0.1:{port}/news/index.html
items = //ul[@class="news-list"]/li
date = span[@class="date"]
[source "broken"]
url = http://127.0.0.1:{port}/missing.html
items = //li
[source "off"]
url = http://127.0.0.1:{port}/news/index.html
items = //li
enabled = no
"""


def validate_against_schema(test, doc):
    """status --json must follow docs/status.schema.json (python3-jsonschema)."""
    try:
        import jsonschema
    except ImportError:
        test.skipTest("python3-jsonschema not installed")
    with open(os.path.join(swtest.ROOT, "docs", "status.schema.json")) as f:
        schema = json.load(f)
    jsonschema.validate(doc, schema)


class StatusTest(swtest.TestCase):
    def setUp(self):
        super().setUp()
        self.server, self.port = swtest.start_static_server(os.path.join(swtest.FIXTURES, "site"))
        self.procs.append(self.server)
        self.state = os.path.join(self.tmp, "state")
        self.conf = self.write("speechwatch.conf", CONF.format(state=self.state, port=self.port))

    def test_schema_rejects_a_wrong_document(self):
        import jsonschema
        with self.assertRaises(jsonschema.ValidationError):
            validate_against_schema(self, {"sources": [], "channels": [], "totals": {"sources": "3"}})

    def test_before_any_run(self):
        j = json.loads(self.sw("status", "-c", self.conf, "--json").stdout)
        validate_against_schema(self, j)
        r = self.sw("status", "-c", self.conf)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("no state yet", r.stdout)
        self.assertRegex(r.stdout, r"news\s+never")

    def test_after_a_poll_human_and_json(self):
        self.sw("once", "-c", self.conf)
        r = self.sw("status", "-c", self.conf)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"news\s+\d{4}-\d\d-\d\dT[\d:]+Z\s+ok\s+200\s+3\s")
        self.assertRegex(r.stdout, r"broken\s+\S+\s+http-error\s+404")
        self.assertIn("error: HTTP 404", r.stdout)
        self.assertRegex(r.stdout, r"off\s+never\s+disabled")
        self.assertRegex(r.stdout, r"stdout\s+stdout\s+0\s+0\s+0")
        j = json.loads(self.sw("status", "-c", self.conf, "--json").stdout)
        validate_against_schema(self, j)
        src = {s["id"]: s for s in j["sources"]}
        self.assertEqual(src["news"]["result"], "ok")
        self.assertEqual(src["news"]["http_status"], 200)
        self.assertEqual(src["news"]["items"], 3)
        self.assertEqual(src["broken"]["failures"], 1)
        self.assertEqual(src["broken"]["last_error"], "HTTP 404")
        self.assertFalse(src["off"]["enabled"])
        self.assertEqual(j["totals"]["sources"], 3)
        self.assertEqual(j["channels"][0]["id"], "stdout")

    def test_works_while_the_daemon_runs(self):
        d = self.spawn([swtest.BIN, "run", "-c", self.conf])
        deadline = time.time() + 15
        while "source=news poll=ok" not in d.output() and time.time() < deadline:
            time.sleep(0.1)
        r = self.sw("status", "-c", self.conf, "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        validate_against_schema(self, json.loads(r.stdout))
        src = {s["id"]: s for s in json.loads(r.stdout)["sources"]}
        self.assertEqual(src["news"]["result"], "ok")
        self.assertIsNotNone(src["news"]["next_poll"])
        d.signal(signal.SIGTERM)
        self.assertEqual(d.wait(10), 0)


if __name__ == "__main__":
    swtest.main()
