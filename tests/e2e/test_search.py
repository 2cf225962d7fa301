"""`speechwatch search`: full-text search over every statement stored, newest
first, with --since, --theme and --json; and the demo script end to end."""
import json
import os
import signal
import sqlite3
import time
import subprocess
import urllib.request

import swtest

CONF = """[daemon]
state_dir = {state}
first_poll = alert
recheck_days = 30
[source "news"]
url = http://127.0.0.1:{port}/news/index.html
items = //ul[@class="news-list"]/li
date = span[@class="date"]
include = {root}/config/themes/diplomacy.conf
"""


class SearchTest(swtest.TestCase):
    def setUp(self):
        super().setUp()
        self.server, self.port = swtest.start_static_server(os.path.join(swtest.FIXTURES, "site"))
        self.procs.append(self.server)
        self.conf = self.write("speechwatch.conf", CONF.format(
            state=os.path.join(self.tmp, "state"), port=self.port, root=swtest.ROOT))
        r = self.sw("once", "-c", self.conf)
        self.assertEqual(r.returncode, 0, r.stderr)

    def search(self, *args):
        r = self.sw("search", "-c", self.conf, "--json", *args)
        self.assertEqual(r.returncode, 0, r.stderr)
        return [json.loads(l) for l in r.stdout.splitlines()]

    def test_phrase_found_with_snippet_newest_first(self):
        hits = self.search('"United Nations"')
        self.assertEqual([h["title"] for h in hits],
                         ["Remarks at the open-ended working group on ICT security"])
        self.assertIn("[United Nations]", hits[0]["snippet"])
        self.assertEqual(len(self.search("United Nations")), 1)  # both words, anywhere
        hits = self.search("treaty")
        self.assertGreaterEqual(len(hits), 1)
        dates = [h["date"] for h in hits]
        self.assertEqual(dates, sorted(dates, reverse=True))

    def test_since_and_theme_filters(self):
        self.assertEqual(len(self.search("the", "--since", "2026-11-19")), 1)
        hits = self.search("the", "--theme", "trade")
        self.assertEqual([h["title"] for h in hits], ["Address to the regional trade forum"])
        self.assertIn("trade", hits[0]["themes"].split(","))

    def test_human_output_and_odd_queries(self):
        r = self.sw("search", "-c", self.conf, "Paris Agreement")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("1 statement", r.stdout)
        r = self.sw("search", "-c", self.conf, 'AND "unbalanced')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.sw("search", "-c", self.conf).returncode, 2)
        self.assertEqual(self.sw("search", "-c", self.conf, "x", "--since", "yesterday").returncode, 2)


class SearchHistoryTest(swtest.TestCase):
    def test_phrase_from_an_article_seen_three_polls_ago(self):
        server, port = swtest.start_static_server(os.path.join(swtest.FIXTURES, "site"))
        self.procs.append(server)
        conf = self.write("speechwatch.conf", CONF.format(
            state=os.path.join(self.tmp, "state"), port=port, root=swtest.ROOT))
        for version in (".", "v2", "v2"):  # three polls; the first saw the trade address
            urllib.request.urlopen("http://127.0.0.1:%d/__root?dir=%s" % (port, version)).read()
            self.assertEqual(self.sw("once", "-c", conf).returncode, 0)
        r = self.sw("search", "-c", conf, "--json", "\"unilateral tariffs\"")
        hits = [json.loads(l) for l in r.stdout.splitlines()]
        self.assertEqual([h["title"] for h in hits], ["Address to the regional trade forum"])
        self.assertIn("[unilateral tariffs]", hits[0]["snippet"])


def unindexed(db):
    """Statements stored but not yet in the search index, read without writing."""
    c = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    try:
        return c.execute("SELECT count(*) FROM items WHERE id > "
                         "(SELECT indexed_upto FROM fts_state)").fetchone()[0]
    finally:
        c.close()


def indexed_hits(db, query):
    c = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    try:
        return c.execute("SELECT count(*) FROM items_fts WHERE items_fts MATCH ?",
                         (query,)).fetchone()[0]
    finally:
        c.close()


class LazyIndexTest(swtest.TestCase):
    """Storing a statement does not index it (issue 13: half a first cycle);
    search indexes what is pending before it searches, `run` in the background."""

    def setUp(self):
        super().setUp()
        self.server, self.port = swtest.start_static_server(os.path.join(swtest.FIXTURES, "site"))
        self.procs.append(self.server)
        self.state = os.path.join(self.tmp, "state")
        self.db = os.path.join(self.state, "speechwatch.db")
        self.conf = self.write("speechwatch.conf", CONF.format(
            state=self.state, port=self.port, root=swtest.ROOT))

    def test_once_stores_unindexed_and_search_indexes_first(self):
        self.assertEqual(self.sw("once", "-c", self.conf).returncode, 0)
        self.assertGreater(unindexed(self.db), 0)
        r = self.sw("search", "-c", self.conf, "--json", '"United Nations"')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(len(r.stdout.splitlines()), 1)
        self.assertEqual(unindexed(self.db), 0)
        self.assertNotIn("not yet indexed", r.stderr)

    def test_run_indexes_in_the_background(self):
        d = self.spawn([swtest.BIN, "run", "-c", self.conf])
        deadline, state = time.time() + 30, None
        while time.time() < deadline and state != (0, 1):
            time.sleep(0.1)
            try:
                state = (unindexed(self.db), indexed_hits(self.db, '"United Nations"'))
            except sqlite3.OperationalError:
                pass  # not there or not yet migrated
        self.assertEqual(state, (0, 1), d.output())  # nothing pending, the speech found
        d.signal(signal.SIGTERM)
        self.assertEqual(d.wait(20), 0, d.output())


class DemoTest(swtest.TestCase):
    def test_demo_shows_a_new_and_a_changed_statement_with_themes(self):
        r = subprocess.run(["bash", os.path.join(swtest.ROOT, "tests", "demo", "run")],
                           capture_output=True, text=True, timeout=120,
                           env=dict(os.environ, SPEECHWATCH_BIN=swtest.BIN))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("statement.new  Statement on the review conference", r.stdout)
        self.assertIn("statement.changed  Remarks at the open-ended working group", r.stdout)
        self.assertIn("theme arms-control", r.stdout)
        self.assertIn("diff +We support a permanent programme of action", r.stdout)


if __name__ == "__main__":
    swtest.main()
