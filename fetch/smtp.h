/*
 * fetch/smtp: mail submission through libcurl's SMTP on the same engine as
 * fetch/http (one multi handle, the daemon's libev loop, asynchronous, the
 * same done-callback contract, limits and SSRF hooks). Only smtp:// and
 * smtps:// are allowed for these requests; TLS verification stays on.
 */
#ifndef SW_FETCH_SMTP_H
#define SW_FETCH_SMTP_H

#include <stddef.h>

#include "fetch/http.h"

/* How smtp:// gets TLS; smtps:// is TLS from the first byte whatever this says. */
enum smtp_tls {
	SMTP_TLS_REQUIRED = 0,	/* STARTTLS or fail (CURLUSESSL_ALL) */
	SMTP_TLS_OPPORTUNISTIC, /* STARTTLS when offered (CURLUSESSL_TRY) */
	SMTP_TLS_NONE,		/* plain text */
};

/* One submission. All strings are borrowed and copied by smtp_start(). */
struct smtp_req {
	const char *url;  /* smtp://host[:port] or smtps://host[:port] */
	const char *helo; /* EHLO name; NULL: the URL's path, else curl's default */
	enum smtp_tls tls;
	const char *mail_from;	 /* envelope sender, a bare address (no <>) */
	const char *const *rcpt; /* NULL-terminated envelope recipients, at least one */
	const char *user;	 /* AUTH (curl picks PLAIN, LOGIN, ...); NULL: no AUTH */
	const char *password;
	const char *ca_file; /* CA bundle for verification; NULL: the system's */
	const void *message; /* the RFC 5322 message, CRLF line ends, not dot-stuffed */
	size_t message_len;
	int trusted;	   /* 1: the operator wrote this host, so it may be private */
	int allow_private; /* 1: any host may be private */
	long timeout_s;	   /* 0: the daemon default */
};

/*
 * Starts a submission; done(resp, arg) runs later, from the loop, exactly
 * once. In the response, status is the server's last SMTP reply code (250
 * after a delivered message) and body/body_len its last reply, all lines,
 * as sent ("550 5.1.1 <x@y>: User unknown\r\n"; QUIT's 221 is skipped).
 * A reply of 4xx/5xx that ended the conversation gives HTTP_RES_PROTOCOL
 * with that status; TLS and certificate failures HTTP_RES_TLS; a server that
 * cannot be reached HTTP_RES_NETWORK or _TIMEOUT. Returns a handle valid
 * until done runs (http_cancel() works on it, also while it waits in the
 * engine's queue for a connection slot), or NULL with err filled when the
 * request is malformed (done is then not called). Recipients refused
 * while others were accepted come in resp->protocol_note: "a@x: 550 5.1.1
 * no such user; b@x: 450 ...".
 */
struct http_req_handle *smtp_start(struct http *h, const struct smtp_req *req, http_done_fn *done,
				   void *arg, char *err, size_t errlen);

/* 1 if addr can be an envelope address: printable ASCII or UTF-8, no spaces, <>, or controls. */
int smtp_addr_valid(const char *addr);

#endif
