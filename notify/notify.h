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

/* One raw "key = value" line of a [notify] section, borrowed from the config. */
struct notify_line {
	const char *key;
	const char *value;
	const char *file; /* where it was written, for messages */
	int line;
};

/*
 * One [notify "id"] section as notify/ needs it: the keys every channel
 * shares are the daemon's business; every other line goes to the backend
 * named by type, whose key table (notify/settings.h) reads and checks them.
 * Everything is borrowed and must outlive notify_channel_new() only.
 */
struct notify_channel_config {
	const char *id;		/* channel name, for messages */
	const char *type;	/* a backend's name: "webhook", "mail", "stdout", ... */
	const char *user_agent; /* the daemon's; NULL keeps the http engine's */
	double digest_s;	/* the daemon's digest period, 0 = off; > 0 needs a digest type */
	const char *file;	/* the section's header, for messages; NULL: "(config)" */
	int line;
	int type_line;			 /* line of "type = ...", 0: the header's */
	const struct notify_line *lines; /* the backend's keys, in file order */
	size_t nlines;
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
 * (borrowed; required by "webhook" and "mail", may be NULL for "stdout").
 * Free channels before the engine; if the engine goes first, its
 * http_free() finishes their sends as cancelled and they must not send
 * again. Reads and checks every key now (files named by keys included), so
 * a bad one is a config error. Returns NULL with err filled with every
 * problem, one "FILE:LINE: notify 'id': message" per line (no final
 * newline; cut at errlen).
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
