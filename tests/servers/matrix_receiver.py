"""A Matrix homeserver stand-in for tests: checks a send-event request as the
client-server API v3 takes it
(PUT /_matrix/client/v3/rooms/{roomId}/send/{eventType}/{txnId}).
Python 3 stdlib only.

PUT to that path with eventType m.room.message, the room id and the
transaction id each one percent-encoded path segment (no raw "!", ":" or
"/"), the room id starting with "!"; "Authorization: Bearer <--token>";
a JSON object with msgtype m.text or m.notice and a non-empty body, and
format org.matrix.custom.html with a formatted_body when either is given.
Like a homeserver, it remembers transaction ids: a repeated one answers the
same event_id and stores nothing new ("duplicate": true in the log line).
Logged extras: "room" and "txn" (decoded), "event_id". Options: see
chat_receiver.py (a 429 body may carry {"retry_after_ms": N}).
"""
import os
import re
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import chat_receiver  # noqa: E402
from chat_receiver import need  # noqa: E402

PATH = re.compile(r"/_matrix/client/v3/rooms/([^/]+)/send/m\.room\.message/([^/]+)")
TXNS = {}


def check_content(errors, js):
    if not need(errors, isinstance(js, dict), "body is not a JSON object"):
        return
    need(errors, js.get("msgtype") in ("m.text", "m.notice"), "msgtype %r" % js.get("msgtype"))
    need(errors, isinstance(js.get("body"), str) and js["body"], "empty body")
    if "format" in js or "formatted_body" in js:
        need(errors, js.get("format") == "org.matrix.custom.html", "format %r" % js.get("format"))
        need(errors, isinstance(js.get("formatted_body"), str), "formatted_body")


def check(req, token):
    errors = []
    need(errors, req["method"] == "PUT", "method %s" % req["method"])
    m = PATH.fullmatch(req["path"])
    if need(errors, m is not None, "path %r is not the send-event endpoint" % req["path"]):
        raw_room, raw_txn = m.group(1), m.group(2)
        need(errors, not re.search(r"[!:#@]", raw_room), "room id not percent-encoded")
        req["room"] = urllib.parse.unquote(raw_room)
        req["txn"] = urllib.parse.unquote(raw_txn)
        need(errors, req["room"].startswith("!"), "room id %r" % req["room"])
    need(errors, req["headers"].get("authorization") == "Bearer %s" % token,
         "missing or wrong access token")
    need(errors, "access_token" not in req["query"], "token in the query string")
    check_content(errors, req["json"])
    if not errors:
        key = (token, req["txn"])
        req["duplicate"] = key in TXNS
        TXNS.setdefault(key, "$ev%d:example.org" % len(TXNS))
        req["event_id"] = TXNS[key]
        req["answer_body"] = '{"event_id":"%s"}' % TXNS[key]
    return errors


if __name__ == "__main__":
    chat_receiver.main("matrix", check, 200, '{"event_id":"$unset"}')
