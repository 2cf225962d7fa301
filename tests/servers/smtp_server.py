#!/usr/bin/python3
"""A real SMTP server for the mail tests (Debian's python3-aiosmtpd).

Run with /usr/bin/python3. Listens on 127.0.0.1 (port 0 picks a free one and
writes it to --port-file), and appends one JSON line per accepted message to
--log: {"mail_from", "rcpt_tos", "data_b64", "tls", "auth_user", "auth_mechanism"}.

  --starttls --cert C --key K   offer STARTTLS with that certificate
  --auth user:password          advertise AUTH (PLAIN and LOGIN) and check it;
                                AUTH is allowed without TLS (tests only)
  --auth-mech PLAIN|LOGIN       advertise only this mechanism
  --reject CODE                 answer CODE (4xx or 5xx) at --reject-at
  --reject-at mail|rcpt|data    where to refuse (default rcpt)
  --refuse-rcpt PATTERN         answer 550 (user unknown) to RCPT TO:<ADDR> when ADDR
                                matches PATTERN (fnmatch), accept the others (repeatable)
"""
import argparse
import asyncio
import base64
import fnmatch
import json
import logging
import os
import signal
import ssl
import sys
import warnings

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

REPLY_TEXT = {
    "450": "4.2.1 Mailbox busy, try again later (test)",
    "451": "4.3.0 Local error in processing (test)",
    "550": "5.1.1 <{addr}>: Recipient address rejected: User unknown (test)",
    "552": "5.3.4 Message size exceeds fixed limit (test)",
    "554": "5.7.1 Message refused by policy (test)",
}


class Handler:
    def __init__(self, args):
        self.args = args

    def _refuse(self, where, addr=""):
        if self.args.reject and self.args.reject_at == where:
            code = self.args.reject
            text = REPLY_TEXT.get(code, "refused (test)").replace("{addr}", addr)
            return "%s %s" % (code, text)
        return None

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        refused = self._refuse("mail", address)
        if refused:
            return refused
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        refused = self._refuse("rcpt", address)
        if any(fnmatch.fnmatchcase(address, p) for p in self.args.refuse_rcpt or []):
            refused = "550 " + REPLY_TEXT["550"].replace("{addr}", address)
        if refused:
            return refused
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        refused = self._refuse("data")
        if refused:
            return refused
        auth = session.auth_data
        entry = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "data_b64": base64.b64encode(envelope.original_content).decode("ascii"),
            "tls": session.ssl is not None,
            "auth_user": auth.login.decode("utf-8", "replace")
            if isinstance(auth, LoginPassword) else None,
            "auth_mechanism": getattr(session, "sw_mechanism", None),
        }
        with open(self.args.log, "a", encoding="utf-8") as f:
            f.write(json.dumps(entry) + "\n")
        return "250 2.0.0 Message accepted for delivery (test)"


def make_authenticator(user, password):
    def check(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword)
              and auth_data.login == user.encode()
              and auth_data.password == password.encode())
        session.sw_mechanism = mechanism
        return AuthResult(success=ok, handled=False, auth_data=auth_data)
    return check


def smtp_kwargs(args):
    kw = {"hostname": "sw-test.localhost", "decode_data": False}
    if args.starttls:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(args.cert, args.key)
        kw["tls_context"] = ctx
        kw["require_starttls"] = False
    if args.auth:
        user, _, password = args.auth.partition(":")
        kw["authenticator"] = make_authenticator(user, password)
        kw["auth_required"] = True
        kw["auth_require_tls"] = False
        if args.auth_mech:
            others = {"PLAIN", "LOGIN"} - {args.auth_mech.upper()}
            kw["auth_exclude_mechanism"] = list(others)
    return kw


async def serve(args):
    handler = Handler(args)
    kw = smtp_kwargs(args)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(handler, **kw), "127.0.0.1", args.port)
    port = server.sockets[0].getsockname()[1]
    stop = loop.create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, lambda: stop.done() or stop.set_result(None))
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % port)
        os.rename(tmp, args.port_file)
    print(port, flush=True)
    await stop
    server.close()


def main():
    # aiosmtpd warns about AUTH without TLS: that is what --auth tests.
    warnings.simplefilter("ignore")
    # Failed TLS handshakes (a test's point) are logged with tracebacks otherwise.
    logging.getLogger("mail.log").setLevel(logging.CRITICAL)
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--port-file")
    p.add_argument("--log", required=True)
    p.add_argument("--starttls", action="store_true")
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--auth")
    p.add_argument("--auth-mech")
    p.add_argument("--reject", choices=sorted(REPLY_TEXT))
    p.add_argument("--reject-at", choices=["mail", "rcpt", "data"], default="rcpt")
    p.add_argument("--refuse-rcpt", action="append", metavar="PATTERN")
    args = p.parse_args()
    if args.starttls and not (args.cert and args.key):
        p.error("--starttls needs --cert and --key")
    asyncio.run(serve(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
