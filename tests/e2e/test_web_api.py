"""The JSON API of the read side (issue 18) with curl against the real daemon
on the demo site: /api/v1/statements (filters, paging, one statement with its
versions), /api/v1/status; field names as the webhook events and
`status --json` have them and as docs/api.md documents them; every bad query
value a 400 whose JSON names the argument."""
import json
import os
import re
import unittest
import urllib.parse

import swtest
import webdemo


def keys_of(value, prefix=""):
    """Every key path of a JSON value ("item.sha256.raw"); array elements share their parent's."""
    out = set()
    if isinstance(value, dict):
        for k, v in value.items():
            out.add(prefix + k)
            out |= keys_of(v, prefix + k + ".")
    elif isinstance(value, list):
        for v in value:
            out |= keys_of(v, prefix)
    return out


def documented_names():
    """Every field name docs/api.md writes in backquotes (each part of `history[].sha256.text`)."""
    with open(os.path.join(swtest.ROOT, "docs", "api.md"), encoding="utf-8") as f:
        found = re.findall(r"`([A-Za-z_0-9]+(?:(?:\[\])?\.[A-Za-z_0-9]+)*)`", f.read())
    return {part.replace("[]", "") for name in found for part in name.split(".")}


@unittest.skipIf(webdemo.CURL is None, "skipped: curl not installed")
class WebApiTest(webdemo.DemoWeb):
    def test_statements_and_status_speak_the_events_and_status_json(self):
        self.run_demo()
        got = self.get_json("/api/v1/statements")
        self.assertIsNone(got["next"])
        listed = got["statements"]
        events = {e["item"]["url"]: e for e in self.events()}
        self.assertEqual(len(events), 2, self.daemon.output())
        for s in listed:
            self.assertEqual(s["source"], {"id": "demo-news",
                                           "url": "http://127.0.0.1:%d/news/index.html" % self.site})
            e = events.get(s["item"]["url"])
            if e is None:
                self.assertIsNone(s["themes"], "a baseline statement was never scored")
                continue
            # the same names and values as the event that alerted it
            for k in ("url", "title", "published", "language", "words"):
                self.assertEqual(s["item"][k], e["item"][k], k)
            self.assertEqual(s["themes"], e["themes"])
            self.assertEqual(s["diff"], e.get("diff"))
            self.assertEqual(s["edited"], e["type"] == "statement.changed")
        self.assertNotIn(b"s3cret", self.get("/api/v1/statements")[2])

        edited = next(s for s in listed if s["edited"])
        one = self.get_json("/api/v1/statements/%d" % edited["id"])
        e = events[edited["item"]["url"]]
        self.assertEqual(one["item"]["sha256"], e["item"]["sha256"])
        self.assertEqual([v["version"] for v in one["history"]], [1, 2])
        self.assertIsNone(one["history"][0]["diff"])
        self.assertEqual(one["history"][1]["diff"], e["diff"])
        self.assertEqual(one["history"][1]["sha256"]["text"], e["item"]["sha256"]["text"])
        self.assertEqual(one["item"]["text"], one["history"][1]["text"])

        status = self.get_json("/api/v1/status")
        r = self.sw("status", "--json", "-c", self.conf)
        cli = json.loads(r.stdout)
        self.assertEqual(keys_of(status), keys_of(cli))
        self.assertEqual([s["id"] for s in status["sources"]], [s["id"] for s in cli["sources"]])
        self.assertEqual(status["totals"]["sources"], cli["totals"]["sources"])

        names = documented_names()
        for path in sorted(keys_of(got) | keys_of(one) | keys_of(status)):
            self.assertIn(path.split(".")[-1], names, "%s is not in docs/api.md" % path)

        # filters and paging
        theme = next(s for s in listed if s["themes"])["themes"][0]["id"]
        by_theme = self.get_json("/api/v1/statements?theme=" + theme)["statements"]
        self.assertTrue(by_theme and all(theme in [t["id"] for t in s["themes"] or []]
                                         for s in by_theme), by_theme)
        self.assertEqual(len(self.get_json("/api/v1/statements?source=demo-news")["statements"]),
                         len(listed))
        word = edited["item"]["title"].split()[0]
        found = self.get_json("/api/v1/statements?q=" + urllib.parse.quote('"%s"' % word))
        self.assertIn(edited["id"], [s["id"] for s in found["statements"]])
        page, seen = self.get_json("/api/v1/statements?limit=1"), []
        while True:
            seen += [s["id"] for s in page["statements"]]
            if page["next"] is None:
                break
            page = self.get_json(page["next"])
        self.assertEqual(seen, [s["id"] for s in listed])
        self.assertEqual(self.get("/api/v1/statements/999999")[0], 404)

    def test_bad_values_are_400_naming_the_argument(self):
        self.start_site()
        self.start_daemon()
        bad = [("limit", "0"), ("limit", "501"), ("limit", "x"), ("since", "last week"),
               ("since", "2026-02-30T25:00:00Z"), ("before", "-1"), ("theme", "no-such-theme"),
               ("source", "../../etc/passwd"), ("language", "<b>"), ("q", '"unbalanced'),
               ("q", "x" * 600)]
        for name, value in bad:
            with self.subTest(name=name, value=value):
                status, head, body = self.get("/api/v1/statements?%s=%s" % (
                    name, urllib.parse.quote(value)))
                self.assertEqual(status, 400, head)
                self.assertIn("Content-Type: application/json", head)
                err = json.loads(body)
                self.assertEqual(err["argument"], name)
                self.assertTrue(err["error"].startswith(name + ": "), err)
                if len(value) > 3:  # the value is not echoed
                    self.assertNotIn(value, err["error"])
        # and the daemon goes on answering
        self.assertEqual(self.get("/healthz")[0], 200)


if __name__ == "__main__":
    swtest.main()
