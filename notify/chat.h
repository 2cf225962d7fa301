/*
 * notify/chat (internal to notify/): what the chat channels (ntfy, slack,
 * discord, matrix) share. Each renders the event through notify/render
 * into its service's request and sends it with one HTTP request through
 * fetch/http; the answer becomes a verdict by the webhook rules (2xx
 * delivered; 408, 429, 5xx, network retry; other 4xx permanent; 410 gone),
 * Retry-After taken from the header or, for services that put it there,
 * the body. The channel's secret (a token, or the secret part of a webhook
 * URL) is cut out of every detail.
 */
#ifndef SW_NOTIFY_CHAT_H
#define SW_NOTIFY_CHAT_H

#include <jansson.h>
#include <stddef.h>

#include "notify/notify_int.h"
#include "notify/render.h"

/*
 * What every chat backend's priv starts with (its first member, so the
 * shared send path finds it): the fields of its "url" and "timeout" keys
 * and what chat_open() derives. chat_open() checks the url as curl parses
 * it and never quotes it; a Slack or Discord URL, which is a credential, is
 * a NOTIFY_KEY_URL with NOTIFY_KEY_SECRET, so the settings parser does
 * not quote it either.
 */
struct chat {
	char *url;	/* key: the service's URL (the settings parser owns it) */
	double timeout; /* key: seconds for one attempt */
	char *secret;	/* cut out of details; NULL: none; owned, wiped by chat_close() */
	long timeout_s;
	char *auth; /* "Authorization: Bearer <token>" or NULL; owned, wiped by chat_close() */
	/* Seconds the service asks to wait, from a 429 body; 0 if none. NULL: header only. */
	double (*body_retry_after)(const char *body, size_t len);
	/*
	 * For chat_send_json(): the event's JSON message (NULL: could not be
	 * built), and a URL of its own in *url (allocated) for a service
	 * that addresses each message; *url NULL: the channel's url.
	 */
	json_t *(*payload)(struct chat *c, struct render_events *r, const char *event_id,
			   char **url);
	const char *method; /* for chat_send_json(); NULL: POST */
};

/*
 * Checks the url key is an http(s) URL (without quoting it) and derives the
 * timeout. Returns 0, or -1 with the error added to sec.
 */
int chat_open(struct chat *c, struct notify_section *sec);

/*
 * chat_open() for a service whose webhook URL holds its credential (Slack,
 * Discord): the URL's last path segment becomes the secret; a URL without
 * one is an error that names example, never the URL.
 */
int chat_open_webhook(struct chat *c, struct notify_section *sec, const char *example);

/*
 * Checks token (key names the key that holds it, as chat_token_ok()) and
 * makes it the secret and the Authorization: Bearer header. Returns 0, or
 * -1 with the error added to sec.
 */
int chat_bearer(struct chat *c, struct notify_section *sec, const char *key, const char *token);

/* Wipes and frees the secret and the Authorization header. */
void chat_close(struct chat *c);

/* notify_backend.free for a backend whose priv derives nothing beyond struct chat. */
void chat_free(struct notify_channel *ch);

/*
 * The secret part of a webhook URL (Slack, Discord): its last path
 * segment, allocated; NULL when the path has none.
 */
char *chat_url_secret(const char *url);

/*
 * A whitespace-free token (no line break can reach a header): 1 if s is
 * one, else 0 with an error at key that does not quote it.
 */
int chat_token_ok(struct notify_section *sec, const char *key, const char *s);

/*
 * Appends the (first) event's summary in fmt (notify/render.h): the evidence (each
 * theme, its score and sentences), the excerpt and the link, blank lines
 * between; the title when there is none of them (source.failing, test).
 */
void chat_summary(struct render_events *r, enum render_format fmt, struct buf *out);

/* Number of characters (code points) in valid UTF-8 s[0..len). */
size_t chat_utf8_count(const char *s, size_t len);

/* Bytes of the longest prefix of s[0..len) with at most max characters. */
size_t chat_utf8_prefix(const char *s, size_t len, size_t max);

/*
 * Cuts b to at most max characters, never inside a UTF-8 sequence; a cut
 * text ends in "…" (counted in max). max >= 1.
 */
void chat_cap(struct buf *b, size_t max);

/* A JSON string of s cut as chat_cap() does. */
json_t *chat_json_str(const char *s, size_t max);

/*
 * Starts one attempt of p: method (POST or PUT) to url with headers
 * (NULL-terminated "Name: value" list) and body, all copied. The verdict
 * reaches notify_finish(p) later from the loop. Returns 0, or -1 with err
 * filled (done is then not called).
 */
int chat_start(struct notify_channel *ch, struct notify_pending *p, const char *method,
	       const char *url, const char *const *headers, const char *body, size_t len, char *err,
	       size_t errlen);

/*
 * chat_start() with payload (taken: released here) as compact JSON and
 * "Content-Type: application/json" ahead of headers (NULL-terminated, at
 * most CHAT_JSON_HEADERS_MAX, or NULL). A NULL payload or more headers is
 * an error: -1 with err filled, nothing sent.
 */
#define CHAT_JSON_HEADERS_MAX 4
int chat_start_json(struct notify_channel *ch, struct notify_pending *p, const char *method,
		    const char *url, const char *const *headers, json_t *payload, char *err,
		    size_t errlen);

/*
 * notify_backend.send for a JSON chat service: renders the event, builds
 * the message with c->payload and sends it (c->method, default POST) with
 * c->auth when set, by chat_start_json().
 */
int chat_send_json(struct notify_channel *ch, struct notify_pending *p, const char *event_id,
		   const char *body, size_t len, char *err, size_t errlen);

/* Replaces every occurrence of secret in d with "[redacted]". */
void chat_redact(struct buf *d, const char *secret);

/* The verdict for one answer, Retry-After from the header or the body hint, secret cut. */
void chat_classify(const struct chat *c, const struct http_response *r, struct notify_outcome *o,
		   struct buf *d);

#endif
