/*
 * notify: alert channels. A channel takes an event already rendered as JSON
 * (by daemon/, once, stored in its outbox) and delivers it byte-for-byte:
 * "webhook" POSTs it through fetch/http with Standard Webhooks signature
 * headers, "mail" renders it as a MIME message and submits it by SMTP
 * through fetch/smtp, "stdout" prints it as one line. Backends are chosen
 * by name. notify/ knows nothing of the store or config/:
 * it takes plain structs, and daemon/ decides what a verdict means
 * (retry schedule, dead letter, disabling a gone channel, logging).
 */
#ifndef SW_NOTIFY_H
#define SW_NOTIFY_H

#include <stddef.h>

struct ev_loop;
struct http;
struct notify_channel;

/* What the daemon should do with the event after one attempt. */
enum notify_verdict {
	NOTIFY_DELIVERED = 0, /* 2xx, or written to stdout */
	NOTIFY_RETRY,	      /* 3xx, 408, 429, 5xx, network, timeout, cancelled; SMTP 4xx, TLS */
	NOTIFY_PERMANENT,     /* other 4xx, refused by policy: dead-letter now; SMTP 5xx */
	NOTIFY_GONE,	      /* 410: disable the channel until reload */
};

/* Channel settings; strings are borrowed and copied by notify_channel_new(). */
struct notify_channel_config {
	const char *id;		/* channel name, for messages */
	const char *type;	/* "webhook" | "mail" | "stdout" */
	const char *url;	/* webhook: http(s) URL the operator wrote */
	const char *secret;	/* webhook: "whsec_<base64>"; NULL sends unsigned */
	const char *user_agent; /* webhook: NULL keeps the http engine's */
	double timeout_s;	/* webhook, mail: whole attempt, 0 = 30 s / 60 s; (0, 3600] */
	/* mail (docs/mail.md); lists are NULL-terminated */
	const char *smtp_url;	   /* smtp://host[:port][/ehlo-name] or smtps://host[:port] */
	const char *tls;	   /* smtp://: "required" (NULL) | "opportunistic" | "none" */
	const char *from;	   /* From: "addr" or "Display Name <addr>" */
	const char *envelope_from; /* MAIL FROM address; NULL: from's address */
	const char *const *to;	   /* at least one mailbox ("addr" or "Name <addr>") */
	const char *const *cc;	   /* or NULL */
	const char *user;	   /* SMTP AUTH user; NULL: no AUTH */
	const char *password;	   /* the password itself (daemon reads password_file) */
	const char *ca_file;	   /* CA bundle for TLS verification; NULL: the system's */
	const char *subject; /* subject template; NULL: "[speechwatch] {title} — {themes}" */
	const char *body;    /* body template text (body_file's contents); NULL: default */
	int html;	     /* 1: add a text/html alternative (evidence in bold) */
	double digest_s;     /* daemon's digest period; 0 = one mail per event; >= 0 */
};

/* The result of one attempt. Strings live only during the callback. */
struct notify_outcome {
	enum notify_verdict verdict;
	long status;	      /* HTTP status or SMTP reply code, 0 if none */
	double retry_after_s; /* receiver's Retry-After in seconds, 0 if none */
	const char *detail;   /* "HTTP 503: <first 200 bytes, escaped>", "SMTP 550: <reply>" */
	int cancelled;	      /* 1: stopped by notify_channel_close(); verdict is RETRY */
};

/* Called exactly once per accepted notify_send(), later, from the loop. */
typedef void notify_done_fn(const struct notify_outcome *o, void *arg);

/* Longest string notify_sign() writes, NUL included ("v1," + 44 + NUL). */
#define NOTIFY_SIGNATURE_MAX 48

/*
 * Creates a channel of cfg->type on loop. http is the daemon's engine
 * (borrowed; required by "webhook", may be NULL for "stdout"). Free
 * channels before the engine; if the engine goes first, its http_free()
 * finishes their sends as cancelled and they must not send again. Checks
 * the URL (http/https) and decodes the secret now, so a bad one is a
 * config error. Returns NULL with err filled.
 */
struct notify_channel *notify_channel_new(struct ev_loop *loop, struct http *http,
					  const struct notify_channel_config *cfg, char *err,
					  size_t errlen);

/*
 * Stops every pending send: each done callback runs now, before this
 * returns, with verdict NOTIFY_RETRY and cancelled = 1. Later sends are
 * refused. Callbacks run from here must not free the channel.
 */
void notify_channel_close(struct notify_channel *ch);

/* Closes (see above) and frees. NULL is fine. */
void notify_channel_free(struct notify_channel *ch);

/*
 * Sends one event. event_id (printable ASCII, no spaces, at most 255 bytes)
 * is the stable id reused on every retry (webhook-id, mail Message-ID);
 * body_json/len are sent as they are (stdout: insignificant line breaks
 * removed; mail: rendered, and a JSON array of events makes one digest
 * mail). Both are copied.
 * Returns 0 and done(outcome, arg) runs exactly once, later, from the loop
 * (never inside this call); or -1 with err filled if nothing was started
 * (bad argument, closed channel), and done is not called. Each call is a
 * fresh attempt: a new webhook-timestamp and signature.
 */
int notify_send(struct notify_channel *ch, const char *event_id, const char *body_json, size_t len,
		notify_done_fn *done, void *arg, char *err, size_t errlen);

/* Number of sends whose callback has not run yet. */
size_t notify_pending(const struct notify_channel *ch);

/* The channel's id and type as configured. */
const char *notify_channel_id(const struct notify_channel *ch);
const char *notify_channel_type(const struct notify_channel *ch);

/* "delivered", "retry", "permanent", "gone" (for logs and the store). */
const char *notify_verdict_name(enum notify_verdict v);

/*
 * Standard Webhooks signature: writes "v1,<base64 HMAC-SHA256 of
 * id.timestamp.body>" keyed with the base64-decoded secret ("whsec_" prefix
 * and "=" padding optional, surrounding whitespace ignored; 16 to 256 key
 * bytes). Returns 0, or -1 with out set to "" when the secret is invalid or
 * outlen < NOTIFY_SIGNATURE_MAX.
 */
int notify_sign(const char *secret, const char *id, long timestamp, const char *body, size_t len,
		char *out, size_t outlen);

/*
 * Seconds to wait before the next attempt after `attempt` failed attempts
 * (1 after the first failure): 5 s, 5 min, 30 min, 2 h, 5 h, then 10 h each,
 * scaled by 0.8 + 0.4 * jitter_unit (jitter_unit in [0,1), clamped: +-20%).
 * A larger retry_after_s is used instead, capped at 24 h. Pure.
 */
double notify_retry_delay(int attempt, double retry_after_s, double jitter_unit);

#endif
