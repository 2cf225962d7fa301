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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "common/xmalloc.h"

#define WEBHOOK_TIMEOUT_DEFAULT_S 30.
#define WEBHOOK_TIMEOUT_MAX_S 3600.
#define WEBHOOK_MAX_ANSWER (64u << 10) /* we quote 200 bytes; the rest is noise */

struct webhook {
	char *url;
	char *ua_header; /* "User-Agent: ..." or NULL */
	unsigned char key[NOTIFY_KEY_MAX];
	size_t keylen; /* 0: unsigned */
	long timeout_s;
};

/* http or https, as curl parses it: anything else would be refused per attempt. */
static int webhook_url_check(const char *url, char *err, size_t errlen)
{
	CURLU *u = curl_url();
	char *scheme = NULL;
	int ok;

	if (u == NULL)
		return -1;
	ok = curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	     curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
	     (strcasecmp(scheme, "http") == 0 || strcasecmp(scheme, "https") == 0);
	curl_free(scheme);
	curl_url_cleanup(u);
	if (!ok)
		snprintf(err, errlen, "url: not an http or https URL");
	return ok ? 0 : -1;
}

static int webhook_settings(struct webhook *w, const struct notify_channel_config *cfg, char *err,
			    size_t errlen)
{
	double t = cfg->timeout_s == 0. ? WEBHOOK_TIMEOUT_DEFAULT_S : cfg->timeout_s;
	int keylen;

	if (cfg->url == NULL || cfg->url[0] == '\0') {
		snprintf(err, errlen, "url: missing");
		return -1;
	}
	if (webhook_url_check(cfg->url, err, errlen) < 0)
		return -1;
	if (!(t > 0. && t <= WEBHOOK_TIMEOUT_MAX_S)) {
		snprintf(err, errlen, "timeout: must be in (0, %.0f] seconds",
			 WEBHOOK_TIMEOUT_MAX_S);
		return -1;
	}
	w->timeout_s = (long)ceil(t);
	if (cfg->user_agent && strpbrk(cfg->user_agent, "\r\n")) {
		snprintf(err, errlen, "user_agent: line break");
		return -1;
	}
	if (cfg->secret) {
		keylen = notify_secret_decode(cfg->secret, w->key, sizeof(w->key), err, errlen);
		if (keylen < 0)
			return -1;
		w->keylen = (size_t)keylen;
	}
	return 0;
}

static void webhook_free(struct notify_channel *ch)
{
	struct webhook *w = ch->priv;

	if (w == NULL)
		return;
	OPENSSL_cleanse(w->key, sizeof(w->key));
	free(w->url);
	free(w->ua_header);
	free(w);
	ch->priv = NULL;
}

static int webhook_open(struct notify_channel *ch, const struct notify_channel_config *cfg,
			char *err, size_t errlen)
{
	struct webhook *w = xcalloc(1, sizeof(*w));
	char msg[256] = "";

	ch->priv = w;
	if (ch->http == NULL)
		snprintf(msg, sizeof(msg), "webhook needs the http engine");
	else if (webhook_settings(w, cfg, msg, sizeof(msg)) == 0) {
		w->url = xstrdup(cfg->url);
		if (cfg->user_agent && cfg->user_agent[0])
			w->ua_header = xasprintf("User-Agent: %s", cfg->user_agent);
		return 0;
	}
	snprintf(err, errlen, "channel %s: %s", ch->id, msg);
	webhook_free(ch);
	return -1;
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
	buf_printf(d, "%s: ", http_result_name(r->result));
	notify_escape(d, r->error ? r->error : "", r->error ? strlen(r->error) : 0,
		      NOTIFY_DETAIL_BODY);
}

/* http_done_fn: one attempt answered (or failed, or cancelled). */
static void webhook_done(const struct http_response *r, void *arg)
{
	struct notify_pending *p = arg;
	struct notify_outcome o = {0};
	struct buf d;

	p->req = NULL;
	buf_init(&d);
	webhook_classify(r, &o, &d);
	o.detail = buf_str(&d);
	notify_finish(p, &o);
	buf_free(&d);
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

	if (w->keylen > 0) {
		if (notify_sign_key(w->key, w->keylen, event_id, now, body, len, sig, sizeof(sig)) <
		    0) {
			snprintf(err, errlen, "channel %s: signing failed", ch->id);
			goto done;
		}
		sig_h = xasprintf("webhook-signature: %s", sig);
		headers[nh++] = sig_h;
	}
	if (w->ua_header)
		headers[nh++] = w->ua_header;
	p->req = http_start(ch->http, &req, webhook_done, p, err, errlen);
done:
	free(id_h);
	free(ts_h);
	free(sig_h);
	return p->req ? 0 : -1;
}

static void webhook_cancel(struct notify_channel *ch, struct notify_pending *p)
{
	/* Runs webhook_done with HTTP_RES_CANCELLED before returning. */
	if (p->req)
		http_cancel(ch->http, p->req);
	else
		notify_finish_cancelled(p);
}

const struct notify_backend notify_webhook_backend = {
    .name = "webhook",
    .open = webhook_open,
    .send = webhook_send,
    .cancel = webhook_cancel,
    .free = webhook_free,
};
