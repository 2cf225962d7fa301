"""A Discord webhook stand-in for tests: checks an execute-webhook request as
Discord's public API takes it
(https://discord.com/developers/docs/resources/webhook#execute-webhook).
Python 3 stdlib only.

POST /api/webhooks/<id>/<token> with a JSON object; "content" at most 2,000
characters, "embeds" at most 10, each with title <= 256, description
<= 4,096, footer.text <= 2,048, fields <= 25 (name 256, value 1,024), url
and timestamp well-formed, all of them together <= 6,000 characters;
content or embeds present; "allowed_mentions": {"parse": []} (no pings).
Characters are code points, as Discord counts them. Answers 204 like
Discord without ?wait=true. --token is the URL's token segment.
Options: see chat_receiver.py (a 429 body may carry {"retry_after": S}).
"""
import datetime
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import chat_receiver  # noqa: E402
from chat_receiver import chars, need  # noqa: E402


def check_embed(errors, i, em):
    where = "embeds[%d]" % i
    if not need(errors, isinstance(em, dict), where + " is not an object"):
        return 0
    total = 0
    for key, limit in (("title", 256), ("description", 4096)):
        if key in em:
            n = chars(em[key])
            need(errors, 0 <= n <= limit, "%s.%s: %d characters > %d" % (where, key, n, limit))
            total += n
    footer = (em.get("footer") or {}).get("text", "")
    need(errors, chars(footer) <= 2048, where + ".footer.text too long")
    total += chars(footer)
    fields = em.get("fields", [])
    need(errors, len(fields) <= 25, where + ": more than 25 fields")
    for f in fields:
        need(errors, chars(f.get("name")) <= 256 and chars(f.get("value")) <= 1024,
             where + ": field too long")
        total += chars(f.get("name")) + chars(f.get("value"))
    if "url" in em:
        need(errors, re.match(r"https?://\S+$", em["url"]) is not None, where + ".url")
    if "timestamp" in em:
        try:
            datetime.datetime.fromisoformat(em["timestamp"].replace("Z", "+00:00"))
        except ValueError:
            errors.append(where + ".timestamp is not ISO 8601")
    return total


def check(req, token):
    errors = []
    need(errors, req["method"] == "POST", "method %s" % req["method"])
    need(errors, re.fullmatch(r"/api/webhooks/[0-9]+/%s" % re.escape(token or ""), req["path"])
         is not None, "path is not the webhook's")
    need(errors, req["headers"].get("content-type", "").startswith("application/json"),
         "Content-Type")
    js = req["json"]
    if not need(errors, isinstance(js, dict), "body is not a JSON object"):
        return errors
    content = js.get("content", "")
    need(errors, chars(content) <= 2000, "content: %d characters > 2000" % chars(content))
    embeds = js.get("embeds", [])
    need(errors, content or embeds, "neither content nor embeds")
    if need(errors, isinstance(embeds, list) and len(embeds) <= 10, "embeds: at most 10"):
        total = sum(check_embed(errors, i, em) for i, em in enumerate(embeds))
        need(errors, total <= 6000, "embeds: %d characters > 6000" % total)
    need(errors, js.get("allowed_mentions") == {"parse": []}, "mentions not switched off")
    return errors


if __name__ == "__main__":
    chat_receiver.main("discord", check, 204, "")
