/*
 * notify/chat: settings, character-safe cutting and the one-request send
 * path shared by the chat channels (see chat.h).
 */
#include "notify/chat.h"

#include <curl/curl.h>
#include <math.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/xmalloc.h"

#define CHAT_MAX_ANSWER (64u << 10) /* we quote 200 bytes; the rest is noise */
#define CHAT_ELLIPSIS "…"

/* ---- text ------------------------------------------------------------------ */

void chat_summary(struct render_events *r, enum render_format fmt, struct buf *out)
{
	static const enum render_field parts[] = {RENDER_EVIDENCE, RENDER_EXCERPT, RENDER_URL};
	size_t start = out->len;

	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		const char *v = render_value(r, 0, parts[i], fmt);
		size_t n = strlen(v);

		if (n == 0)
			continue;
		if (out->len > start)
			buf_append_char(out, '\n');
		buf_append_str(out, v);
		if (v[n - 1] != '\n')
			buf_append_char(out, '\n');
	}
	if (out->len == start)
		buf_append_str(out, render_value(r, 0, RENDER_TITLE, fmt));
}

/* ---- characters ------------------------------------------------------------ */

static int utf8_cont(unsigned char c)
{
	return (c & 0xc0) == 0x80;
}

size_t chat_utf8_count(const char *s, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		n += !utf8_cont((unsigned char)s[i]);
	return n;
}

size_t chat_utf8_prefix(const char *s, size_t len, size_t max)
{
	size_t chars = 0, i = 0;

	for (; i < len; i++) {
		if (!utf8_cont((unsigned char)s[i]) && chars++ == max)
			break;
	}
	return i;
}

void chat_cap(struct buf *b, size_t max)
{
	size_t keep;

	if (b->len == 0 || chat_utf8_count(b->data, b->len) <= max)
		return;
	keep = chat_utf8_prefix(b->data, b->len, max > 0 ? max - 1 : 0);
	b->len = keep;
	b->data[keep] = '\0';
	buf_append_str(b, CHAT_ELLIPSIS);
}

json_t *chat_json_str(const char *s, size_t max)
{
	struct buf b;
	json_t *j;

	buf_init(&b);
	buf_append_str(&b, s ? s : "");
	chat_cap(&b, max);
	j = json_stringn(buf_str(&b), b.len);
	buf_free(&b);
	return j ? j : json_string("");
}

/* ---- settings -------------------------------------------------------------- */

char *chat_url_secret(const char *url)
{
	char *path = notify_url_part(url, CURLUPART_PATH), *secret = NULL;
	const char *last;

	if (path) {
		last = strrchr(path, '/');
		last = last ? last + 1 : path;
		if (last[0] != '\0')
			secret = xstrdup(last);
	}
	free(path);
	return secret;
}

int chat_open(struct chat *c, struct notify_section *sec)
{
	if (!notify_url_web(c->url)) {
		notify_section_error(sec, "url", "url: not an http or https URL with a host");
		return -1;
	}
	c->timeout_s = (long)ceil(c->timeout);
	return 0;
}

int chat_token_ok(struct notify_section *sec, const char *key, const char *s)
{
	if (s && s[0] && strpbrk(s, " \t\r\n") == NULL)
		return 1;
	notify_section_error(sec, key, "%s: the token is empty or contains white space", key);
	return 0;
}

int chat_open_webhook(struct chat *c, struct notify_section *sec, const char *example)
{
	if (chat_open(c, sec) < 0)
		return -1;
	c->secret = chat_url_secret(c->url);
	if (c->secret)
		return 0;
	notify_section_error(sec, "url", "url: no webhook path (%s)", example);
	return -1;
}

int chat_bearer(struct chat *c, struct notify_section *sec, const char *key, const char *token)
{
	if (!chat_token_ok(sec, key, token))
		return -1;
	c->secret = xstrdup(token);
	c->auth = xasprintf("Authorization: Bearer %s", token);
	return 0;
}

/* Wipes and frees *s. */
static void chat_wipe(char **s)
{
	if (*s)
		OPENSSL_cleanse(*s, strlen(*s));
	free(*s);
	*s = NULL;
}

void chat_close(struct chat *c)
{
	chat_wipe(&c->secret);
	chat_wipe(&c->auth);
}

void chat_free(struct notify_channel *ch)
{
	chat_close(ch->priv);
}

/* ---- sending --------------------------------------------------------------- */

void chat_redact(struct buf *d, const char *secret)
{
	size_t n = secret ? strlen(secret) : 0;
	struct buf out;
	const char *p, *hit;

	if (n == 0 || d->len == 0 || strstr(buf_str(d), secret) == NULL)
		return;
	buf_init(&out);
	for (p = buf_str(d); (hit = strstr(p, secret)) != NULL; p = hit + n) {
		buf_append(&out, p, (size_t)(hit - p));
		buf_append_str(&out, "[redacted]");
	}
	buf_append_str(&out, p);
	buf_reset(d);
	buf_append(d, out.data, out.len);
	buf_free(&out);
}

void chat_classify(const struct chat *c, const struct http_response *r, struct notify_outcome *o,
		   struct buf *d)
{
	double hint;

	webhook_classify(r, o, d);
	if (o->verdict == NOTIFY_RETRY && r->status == 429 && c->body_retry_after && r->body) {
		hint = c->body_retry_after(r->body, r->body_len);
		if (hint > o->retry_after_s)
			o->retry_after_s = ceil(hint);
	}
	chat_redact(d, c->secret);
}

/* notify_classify_fn */
static void chat_verdict(const struct notify_channel *ch, const struct http_response *r,
			 struct notify_outcome *o, struct buf *d)
{
	chat_classify(ch->priv, r, o, d);
}

/* http_done_fn: one attempt answered (or failed, or cancelled). */
static void chat_done(const struct http_response *r, void *arg)
{
	notify_http_finish(arg, r, chat_verdict);
}

int chat_start(struct notify_channel *ch, struct notify_pending *p, const char *method,
	       const char *url, const char *const *headers, const char *body, size_t len, char *err,
	       size_t errlen)
{
	const struct chat *c = ch->priv;
	struct http_req req = {
	    .url = url,
	    .method = method,
	    .headers = headers,
	    .body = body,
	    .body_len = len,
	    .follow_redirects = 0, /* a 3xx is an answer: use the final URL */
	    .trusted = 1,	   /* the operator wrote this URL */
	    .timeout_s = c->timeout_s,
	    .max_body = CHAT_MAX_ANSWER,
	};
	char msg[256] = "";
	struct buf d;

	p->req = http_start(ch->http, &req, chat_done, p, msg, sizeof(msg));
	if (p->req)
		return 0;
	buf_init(&d);
	buf_append_str(&d, msg);
	chat_redact(&d, c->secret);
	snprintf(err, errlen, "channel %s: %s", ch->id, buf_str(&d));
	buf_free(&d);
	return -1;
}

int chat_start_json(struct notify_channel *ch, struct notify_pending *p, const char *method,
		    const char *url, const char *const *headers, json_t *payload, char *err,
		    size_t errlen)
{
	const char *all[CHAT_JSON_HEADERS_MAX + 2] = {"Content-Type: application/json"};
	char *json = payload ? json_dumps(payload, JSON_COMPACT) : NULL;
	size_t n = 0;
	int rc = -1;

	while (headers && headers[n] && n <= CHAT_JSON_HEADERS_MAX)
		n++;
	memcpy(all + 1, headers ? headers : all + 1, n * sizeof(*all));
	if (n > CHAT_JSON_HEADERS_MAX) /* a programming error: refuse, never drop a header */
		snprintf(err, errlen, "channel %s: more than %d headers", ch->id,
			 CHAT_JSON_HEADERS_MAX);
	else if (json)
		rc = chat_start(ch, p, method, url, all, json, strlen(json), err, errlen);
	else
		snprintf(err, errlen, "channel %s: could not build the message", ch->id);
	json_decref(payload);
	free(json);
	return rc;
}

int chat_send_json(struct notify_channel *ch, struct notify_pending *p, const char *event_id,
		   const char *body, size_t len, char *err, size_t errlen)
{
	struct chat *c = ch->priv;
	const char *headers[] = {c->auth, NULL};
	struct render_events *r = render_parse(body, len, event_id, err, errlen);
	char *url = NULL;
	json_t *payload;
	int rc;

	if (r == NULL)
		return -1;
	payload = c->payload(c, r, event_id, &url);
	rc = chat_start_json(ch, p, c->method ? c->method : "POST", url ? url : c->url, headers,
			     payload, err, errlen);
	render_free(r);
	free(url);
	return rc;
}
