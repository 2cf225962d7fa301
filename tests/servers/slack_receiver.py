"""A Slack incoming-webhook stand-in for tests: checks a request as Slack's
public API takes it (https://api.slack.com/messaging/webhooks, Block Kit).
Python 3 stdlib only.

POST /services/T.../B.../<secret> with a JSON object: "text" (the fallback,
a non-empty string) and "blocks", at most 50, each a known type; a header
is plain_text of at most 150 characters, section and context texts are
mrkdwn or plain_text of at most 3,000; in mrkdwn, "<" only opens a link and
"&" only an escape. Answers "ok" like Slack. --token is the URL's secret
segment. Options: see chat_receiver.py.
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import chat_receiver  # noqa: E402
from chat_receiver import chars, need  # noqa: E402


def check_text(errors, obj, where, types, limit):
    if not need(errors, isinstance(obj, dict), "%s: text is not an object" % where):
        return
    need(errors, obj.get("type") in types, "%s: text type %r" % (where, obj.get("type")))
    t = obj.get("text")
    if not need(errors, isinstance(t, str) and t, "%s: empty text" % where):
        return
    need(errors, chars(t) <= limit, "%s: %d characters > %d" % (where, chars(t), limit))
    if obj.get("type") == "mrkdwn":
        need(errors, re.search(r"<(?!https?://)", t) is None, "%s: raw '<' in mrkdwn" % where)
        need(errors, re.search(r"&(?!amp;|lt;|gt;)", t) is None, "%s: raw '&' in mrkdwn" % where)


def check_block(errors, i, b):
    where = "blocks[%d]" % i
    kind = b.get("type") if isinstance(b, dict) else None
    if kind == "header":
        check_text(errors, b.get("text"), where, ("plain_text",), 150)
    elif kind == "section":
        check_text(errors, b.get("text"), where, ("mrkdwn", "plain_text"), 3000)
    elif kind == "context":
        els = b.get("elements")
        if need(errors, isinstance(els, list) and 0 < len(els) <= 10, where + ": elements"):
            for k, e in enumerate(els):
                check_text(errors, e, "%s.elements[%d]" % (where, k), ("mrkdwn", "plain_text"), 3000)
    elif kind != "divider":
        errors.append("%s: unknown block type %r" % (where, kind))


def check(req, token):
    errors = []
    need(errors, req["method"] == "POST", "method %s" % req["method"])
    need(errors, req["path"] == "/services/T00000000/B00000000/%s" % token,
         "path is not the webhook's")
    need(errors, req["headers"].get("content-type", "").startswith("application/json"),
         "Content-Type %r" % req["headers"].get("content-type"))
    js = req["json"]
    if not need(errors, isinstance(js, dict), "body is not a JSON object"):
        return errors
    need(errors, isinstance(js.get("text"), str) and js["text"], "no fallback text")
    blocks = js.get("blocks")
    if need(errors, isinstance(blocks, list) and 0 < len(blocks) <= 50, "blocks: 1 to 50"):
        for i, b in enumerate(blocks):
            check_block(errors, i, b)
    return errors


if __name__ == "__main__":
    chat_receiver.main("slack", check, 200, "ok")
