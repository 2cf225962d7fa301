/*
 * notify/webhook: the "webhook" backend. One HTTP POST per attempt through
 * fetch/http, signed per Standard Webhooks with a timestamp taken at the
 * attempt, redirects not followed (a 3xx is an answer, and a failure), and
 * the answer turned into a verdict (hardening.md "Webhooks").
 */
#include "notify/notify_int.h"

#include <curl/curl.h>
#include <math.h>
#include <openssl/crypto.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "common/xmalloc.h"

#define WEBHOOK_MAX_ANSWER (64u << 10) /* we quote 200 bytes; the rest is noise */

struct webhook {
	/* the keys, filled by notify/settings.c from webhook_keys */
	char *url;
	char *secret; /* secret_file's first line: "whsec_<base64>" */
	double timeout;
	/* derived by webhook_open() */
	char *ua_header; /* "User-Agent: ..." or NULL */
	unsigned char key[NOTIFY_KEY_MAX];
	size_t keylen;
	long timeout_s;
};

#define W(f) offsetof(struct webhook, f)
static const struct notify_key webhook_keys[] = {
    {"url", NOTIFY_KEY_URL, W(url), NULL, 0, 0, NULL, NOTIFY_KEY_REQUIRED,
     "receives an HTTP POST per event; redirects are not followed"},
    {"secret_file", NOTIFY_KEY_SECRET_FILE, W(secret), NULL, 0, 0, NULL, NOTIFY_KEY_REQUIRED,
     "a private file (mode 600) holding whsec_<base64>, the Standard Webhooks key"},
    {"timeout", NOTIFY_KEY_DURATION, W(timeout), "30s", 1, 300, NULL, 0,
     "time allowed for one delivery attempt"},
    {NULL, 0, 0, NULL, 0, 0, NULL, 0, NULL},
};
#undef W

static int webhook_secret(struct webhook *w, struct notify_section *sec)
{
	char msg[256];
	int keylen;

	if (strncmp(w->secret, "whsec_", 6) != 0) {
		notify_section_error(sec, "secret_file",
				     "secret_file: the secret must start with 'whsec_'");
		return -1;
	}
	keylen = notify_secret_decode(w->secret, w->key, sizeof(w->key), msg, sizeof(msg));
	if (keylen < 0) {
		notify_section_error(sec, "secret_file", "secret_file: %s", msg);
		return -1;
	}
	w->keylen = (size_t)keylen;
	return 0;
}

/* notify_backend.open */
static int webhook_open(struct notify_channel *ch, struct notify_section *sec)
{
	const char *ua = sec->cfg->user_agent;
	struct webhook *w = ch->priv;
	int bad = 0;

	if (!notify_url_web(w->url)) { /* else refused on every attempt */
		notify_section_error(sec, "url", "url: not an http or https URL");
		bad = -1;
	}
	if (ua && strpbrk(ua, "\r\n")) {
		notify_section_error(sec, NULL, "user_agent: line break");
		bad = -1;
	}
	if (webhook_secret(w, sec) < 0)
		bad = -1;
	w->timeout_s = (long)ceil(w->timeout);
	if (ua && ua[0])
		w->ua_header = xasprintf("User-Agent: %s", ua);
	return bad;
}

/* notify_backend.free */
static void webhook_free(struct notify_channel *ch)
{
	struct webhook *w = ch->priv;

	OPENSSL_cleanse(w->key, sizeof(w->key));
	free(w->ua_header);
}

static void webhook_outcome(struct notify_outcome *o, enum notify_verdict v, const char *what,
			    const struct http_response *r, struct buf *d)
{
	o->verdict = v;
	buf_printf(d, "HTTP %ld", r->status);
	if (what)
		buf_printf(d, ": %s", what);
	if (r->body_len > 0) {
		buf_append_str(d, ": ");
		notify_escape(d, r->body, r->body_len, NOTIFY_DETAIL_BODY);
	}
}

/* Verdict for an answer that arrived; also used when only the body was too big. */
static void webhook_classify_status(const struct http_response *r, struct notify_outcome *o,
				    struct buf *d)
{
	long s = r->status;

	if (s >= 200 && s <= 299)
		webhook_outcome(o, NOTIFY_DELIVERED, NULL, r, d);
	else if (s >= 300 && s <= 399)
		webhook_outcome(o, NOTIFY_RETRY, "redirect not followed (use the final URL)", r, d);
	else if (s == 410)
		webhook_outcome(o, NOTIFY_GONE, "receiver says the endpoint is gone", r, d);
	else if (s == 408 || s == 429 || (s >= 500 && s <= 599))
		webhook_outcome(o, NOTIFY_RETRY, NULL, r, d);
	else if (s >= 400 && s <= 499)
		webhook_outcome(o, NOTIFY_PERMANENT, NULL, r, d);
	else
		webhook_outcome(o, NOTIFY_RETRY, "unexpected status", r, d);
}

void webhook_classify(const struct http_response *r, struct notify_outcome *o, struct buf *d)
{
	o->status = r->status;
	o->retry_after_s = r->retry_after_s > 0 ? (double)r->retry_after_s : 0.;
	o->cancelled = 0;
	if (r->result == HTTP_RES_OK || (r->result == HTTP_RES_TOO_BIG && r->status >= 200)) {
		webhook_classify_status(r, o, d);
		return;
	}
	/* Policy refusals will not change by themselves; everything else may. */
	o->verdict = r->result == HTTP_RES_BLOCKED ? NOTIFY_PERMANENT : NOTIFY_RETRY;
	o->cancelled = r->result == HTTP_RES_CANCELLED;
	notify_transport_detail(d, r);
}

/* notify_classify_fn */
static void webhook_verdict(const struct notify_channel *ch, const struct http_response *r,
			    struct notify_outcome *o, struct buf *d)
{
	(void)ch;
	webhook_classify(r, o, d);
}

/* http_done_fn: one attempt answered (or failed, or cancelled). */
static void webhook_done(const struct http_response *r, void *arg)
{
	notify_http_finish(arg, r, webhook_verdict);
}

static int webhook_send(struct notify_channel *ch, struct notify_pending *p, const char *event_id,
			const char *body, size_t len, char *err, size_t errlen)
{
	struct webhook *w = ch->priv;
	char sig[NOTIFY_SIGNATURE_MAX];
	long now = (long)time(NULL); /* wall clock: the receiver compares it to its own */
	char *id_h = xasprintf("webhook-id: %s", event_id);
	char *ts_h = xasprintf("webhook-timestamp: %ld", now);
	char *sig_h = NULL;
	const char *headers[6] = {"Content-Type: application/json", id_h, ts_h, NULL, NULL, NULL};
	size_t nh = 3;
	struct http_req req = {
	    .url = w->url,
	    .method = "POST",
	    .headers = headers,
	    .body = body,
	    .body_len = len,
	    .follow_redirects = 0,
	    .trusted = 1, /* the operator wrote this URL */
	    .timeout_s = w->timeout_s,
	    .max_body = WEBHOOK_MAX_ANSWER,
	};

	if (notify_sign_key(w->key, w->keylen, event_id, now, body, len, sig, sizeof(sig)) < 0) {
		snprintf(err, errlen, "channel %s: signing failed", ch->id);
		goto done;
	}
	sig_h = xasprintf("webhook-signature: %s", sig);
	headers[nh++] = sig_h;
	if (w->ua_header)
		headers[nh++] = w->ua_header;
	p->req = http_start(ch->http, &req, webhook_done, p, err, errlen);
done:
	free(id_h);
	free(ts_h);
	free(sig_h);
	return p->req ? 0 : -1;
}

const struct notify_backend notify_webhook_backend = {
    .name = "webhook",
    .keys = webhook_keys,
    .priv_size = sizeof(struct webhook),
    .needs_http = 1,
    .open = webhook_open,
    .send = webhook_send,
    .cancel = notify_cancel_request,
    .free = webhook_free,
};
