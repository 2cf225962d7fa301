"""An ntfy server stand-in for tests: checks a publish request as ntfy's
public API (https://docs.ntfy.sh/publish/) takes it. Python 3 stdlib only.

POST (or PUT) /<topic>, the topic 1-64 of [-_A-Za-z0-9]; the message is the
UTF-8 body, at most 4096 bytes (longer becomes an attachment); headers are
ASCII, Title is plain or an RFC 2047 encoded-word, Priority 1-5 or a name,
Tags a comma-separated list, Click a web URL. A topic other than
/open-topic is protected: "Authorization: Bearer <--token>" is required.
The decoded title is logged as "title". Options: see chat_receiver.py.
"""
import base64
import binascii
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import chat_receiver  # noqa: E402
from chat_receiver import need  # noqa: E402

PRIORITIES = {"1", "2", "3", "4", "5", "min", "low", "default", "high", "max", "urgent"}


def decode_title(value, errors):
    m = re.fullmatch(r"=\?UTF-8\?B\?([A-Za-z0-9+/=]*)\?=", value, re.IGNORECASE)
    if not m:
        return value
    try:
        return base64.b64decode(m.group(1), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as e:
        errors.append("Title encoded-word does not decode: %s" % e)
        return None


def check(req, token):
    errors = []
    h = req["headers"]
    need(errors, req["method"] in ("POST", "PUT"), "method %s" % req["method"])
    need(errors, re.fullmatch(r"/[-_A-Za-z0-9]{1,64}", req["path"]) is not None,
         "path %r is not /<topic>" % req["path"])
    for k, v in h.items():
        need(errors, all(32 <= ord(c) < 127 for c in v), "header %s is not ASCII" % k)
    text = req["body_text"]
    if need(errors, text is not None, "body is not UTF-8"):
        need(errors, 0 < len(text.encode()) <= 4096, "body of %d bytes" % len(text.encode()))
    if need(errors, "title" in h, "no Title"):
        req["title"] = decode_title(h["title"], errors)
    need(errors, h.get("priority", "3") in PRIORITIES, "Priority %r" % h.get("priority"))
    if "tags" in h:
        need(errors, all(t.strip() for t in h["tags"].split(",")), "empty tag in %r" % h["tags"])
    if "click" in h:
        need(errors, re.match(r"https?://", h["click"]) is not None, "Click %r" % h["click"])
    if req["path"] == "/open-topic":
        need(errors, "authorization" not in h, "Authorization sent to a public topic")
    else:
        need(errors, h.get("authorization") == "Bearer %s" % token, "missing or wrong token")
    return errors


if __name__ == "__main__":
    chat_receiver.main("ntfy", check, 200,
                       '{"id":"sPs9kXf2","time":1764480701,"event":"message","topic":"t"}')
