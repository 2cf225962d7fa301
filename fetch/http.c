/*
 * fetch/http: the engine. Owns the multi handle and the request lists and
 * guarantees the callback contract: every started request's done callback
 * runs exactly once, from the loop (never from inside http_start), and a
 * callback may start or cancel other requests. Requests wait in
 * http_queue.c's queue until a connection slot is free.
 */
#include "fetch/http_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/xmalloc.h"

static const char *const result_names[] = {
    [HTTP_RES_OK] = "ok",
    [HTTP_RES_NETWORK] = "network",
    [HTTP_RES_TIMEOUT] = "timeout",
    [HTTP_RES_TOO_BIG] = "too-big",
    [HTTP_RES_BLOCKED] = "blocked",
    [HTTP_RES_REDIRECTS] = "redirects",
    [HTTP_RES_TLS] = "tls",
    [HTTP_RES_PROTOCOL] = "protocol",
    [HTTP_RES_CANCELLED] = "cancelled",
};

const char *http_result_name(enum http_result r)
{
	if ((unsigned)r >= sizeof(result_names) / sizeof(result_names[0]) || !result_names[r])
		return "unknown";
	return result_names[r];
}

size_t http_pending(const struct http *h)
{
	return h ? h->pending : 0;
}

void http_stats(const struct http *h, struct http_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (h == NULL)
		return;
	st->queued = h->nqueued;
	st->active = h->nactive;
	st->pending = h->pending;
}

/* Takes r out of whatever holds it, so nothing can finish it twice. */
static void http_detach(struct http_req_handle *r)
{
	struct http *h = r->h;
	CURLMcode mc;

	if (r->state == REQ_ACTIVE) {
		TAILQ_REMOVE(&h->active, r, entry);
		mc = curl_multi_remove_handle(h->multi, r->easy);
		if (mc != CURLM_OK)
			log_warnx("http: curl_multi_remove_handle: %s", curl_multi_strerror(mc));
	} else if (r->state == REQ_DEFERRED) {
		TAILQ_REMOVE(&h->deferred, r, entry);
	} else if (r->state == REQ_RENDER_QUEUED || r->state == REQ_RENDERING) {
		http_render_leave(r);
		return;
	}
	http_queue_leave(r); /* a queued one leaves its queue, an active one frees its slot */
}

/* The one place a done callback is called. A freed slot goes to the next in the queue. */
void http_finish(struct http_req_handle *r, enum http_result res, const char *msg)
{
	struct http *h = r->h;
	struct http_response resp;

	http_detach(r);
	r->state = REQ_FINISHING;
	h->pending--;
	http_req_response(r, res, msg, &resp);
	r->done(&resp, r->arg);
	http_req_free(r);
	http_queue_pump(h);
	http_render_pump(h);
}

/*
 * A redirect fetch/ follows itself (http_hop.c): the next hop queues like
 * a new request under its own host's limit. 0 if r's answer is final.
 */
static int http_follow(struct http_req_handle *r)
{
	struct http *h = r->h;
	char *msg = NULL, *key = NULL;
	enum http_result res;
	int next = http_hop_next(r, &msg);

	if (next == 0)
		return 0;
	if (next < 0) {
		free(r->deferred_err);
		r->deferred_err = msg; /* lives as long as r */
		r->deferred_res = HTTP_RES_REDIRECTS;
		http_finish(r, HTTP_RES_REDIRECTS, msg);
		return 1;
	}
	http_detach(r);
	http_req_release_easy(r);
	r->state = REQ_NEW;
	res = http_req_precheck(r, &msg, &key);
	if (res == HTTP_RES_OK)
		http_queue_add(r, key);
	else
		http_defer(r, res, msg);
	free(key);
	http_queue_pump(h);
	return 1;
}

void http_transfer_done(struct http_req_handle *r, CURLcode rc)
{
	const char *msg;
	enum http_result res;

	if (r->state != REQ_ACTIVE)
		return;
	if (rc == CURLE_OK && http_follow(r))
		return;
	res = http_req_classify(r, rc, &msg);
	http_finish(r, res, msg);
}

/* ev_timer callback: finishes requests deferred before this round began. */
static void http_defer_fire(struct ev_loop *loop, struct ev_timer *w, int revents)
{
	struct http *h = w->data;
	unsigned gen = h->defer_gen++;
	struct http_req_handle *r;

	(void)loop;
	(void)revents;
	while ((r = TAILQ_FIRST(&h->deferred)) != NULL && r->defer_gen == gen)
		http_finish(r, r->deferred_res, r->deferred_err);
}

void http_defer(struct http_req_handle *r, enum http_result res, char *msg)
{
	struct http *h = r->h;

	free(r->deferred_err);
	r->deferred_err = msg;
	r->deferred_res = res;
	r->state = REQ_DEFERRED;
	r->defer_gen = h->defer_gen;
	TAILQ_INSERT_TAIL(&h->deferred, r, entry);
	if (!ev_is_active(&h->defer_timer)) {
		ev_timer_set(&h->defer_timer, 0., 0.);
		ev_timer_start(h->loop, &h->defer_timer);
	}
}

/* *c = in with defaults for zero fields; its strings still point into in. */
static int http_config_fill(struct http_config *c, const struct http_config *in, char *err,
			    size_t errlen)
{
	*c = in ? *in : (struct http_config){0};
	if (c->max_connections < 0 || c->max_per_host < 0 || c->connect_timeout_s < 0 ||
	    c->timeout_s < 0 || c->low_speed_bytes < 0 || c->low_speed_time_s < 0 ||
	    c->max_redirects < 0) {
		snprintf(err, errlen, "negative http limit");
		return -1;
	}
	c->max_connections = c->max_connections ? c->max_connections : 32;
	c->max_per_host = c->max_per_host ? c->max_per_host : 2;
	c->connect_timeout_s = c->connect_timeout_s ? c->connect_timeout_s : 15;
	c->timeout_s = c->timeout_s ? c->timeout_s : 60;
	c->low_speed_bytes = c->low_speed_bytes ? c->low_speed_bytes : 100;
	c->low_speed_time_s = c->low_speed_time_s ? c->low_speed_time_s : 20;
	c->max_body = c->max_body ? c->max_body : 8u << 20;
	c->max_header = c->max_header ? c->max_header : 64u << 10;
	c->max_redirects = c->max_redirects ? c->max_redirects : 5;
	c->max_renders = c->max_renders > 0 ? c->max_renders : 1;
	return 0;
}

/* Makes c the engine's settings, with its own copies of the strings. */
static void http_config_take(struct http *h, const struct http_config *c)
{
	h->cfg = *c;
	h->user_agent = xstrdup_or_null(c->user_agent);
	h->proxy = xstrdup_or_null(c->proxy);
	h->browser = xstrdup_or_null(c->browser);
	h->cfg.user_agent = h->user_agent;
	h->cfg.proxy = h->proxy;
	h->cfg.browser = h->browser;
}

/*
 * curl's own limits stay as a safety net under the queue's. The queue
 * keeps at most max_connections transfers active and max_per_host per
 * key, so these never make a transfer wait inside curl (where its timeout
 * would run) except where the queue cannot see: a redirect to another
 * host, which curl still holds to max_per_host. They also bound the idle
 * connections curl keeps open, and so the daemon's file descriptors.
 */
static int http_multi_limits(struct http *h, char *err, size_t errlen)
{
	CURLMcode mc;

	mc = curl_multi_setopt(h->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, h->cfg.max_connections);
	if (mc == CURLM_OK)
		mc =
		    curl_multi_setopt(h->multi, CURLMOPT_MAX_HOST_CONNECTIONS, h->cfg.max_per_host);
	if (mc == CURLM_OK)
		mc = curl_multi_setopt(h->multi, CURLMOPT_MAXCONNECTS, h->cfg.max_connections);
	if (mc != CURLM_OK) {
		snprintf(err, errlen, "curl multi limits: %s", curl_multi_strerror(mc));
		return -1;
	}
	return 0;
}

struct http *http_new(struct ev_loop *loop, const struct http_config *cfg, char *err, size_t errlen)
{
	struct http *h = xcalloc(1, sizeof(*h));
	struct http_config c;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(err, errlen, "curl_global_init failed");
		free(h);
		return NULL;
	}
	h->loop = loop;
	TAILQ_INIT(&h->active);
	TAILQ_INIT(&h->deferred);
	TAILQ_INIT(&h->render_queue);
	TAILQ_INIT(&h->rendering);
	http_queue_init(h);
	ev_timer_init(&h->defer_timer, http_defer_fire, 0., 0.);
	h->defer_timer.data = h;
	if (http_config_fill(&c, cfg, err, errlen) < 0)
		goto fail;
	http_config_take(h, &c);
	h->multi = curl_multi_init();
	if (h->multi == NULL) {
		snprintf(err, errlen, "curl_multi_init failed");
		goto fail;
	}
	if (http_ev_init(h, err, errlen) < 0 || http_multi_limits(h, err, errlen) < 0)
		goto fail;
	return h;
fail:
	if (h->multi)
		curl_multi_cleanup(h->multi);
	free(h->user_agent);
	free(h->proxy);
	free(h->browser);
	free(h);
	curl_global_cleanup();
	return NULL;
}

int http_reconfigure(struct http *h, const struct http_config *cfg, char *err, size_t errlen)
{
	char *user_agent = h->user_agent, *proxy = h->proxy, *browser = h->browser;
	struct http_config c, old = h->cfg;
	char ignored[8];

	if (http_config_fill(&c, cfg, err, errlen) < 0)
		return -1;
	http_config_take(h, &c);
	if (http_multi_limits(h, err, errlen) < 0) { /* all or nothing */
		free(h->user_agent);
		free(h->proxy);
		free(h->browser);
		h->cfg = old;
		h->user_agent = user_agent;
		h->proxy = proxy;
		h->browser = browser;
		(void)http_multi_limits(h, ignored, sizeof(ignored)); /* accepted before */
		return -1;
	}
	free(user_agent);
	free(proxy);
	free(browser);
	http_queue_relimit(h);
	http_queue_pump(h); /* higher limits may free slots; no callback runs */
	http_render_pump(h);
	return 0;
}

void http_free(struct http *h)
{
	struct http_req_handle *r;

	if (h == NULL)
		return;
	h->closing = 1; /* callbacks below cannot start new requests */
	while ((r = TAILQ_FIRST(&h->active)) != NULL)
		http_finish(r, HTTP_RES_CANCELLED, "cancelled");
	/* No slot is taken any more: every queued request is next in turn, oldest first. */
	while ((r = http_queue_next(h)) != NULL)
		http_finish(r, HTTP_RES_CANCELLED, "cancelled");
	while ((r = TAILQ_FIRST(&h->deferred)) != NULL)
		http_finish(r, HTTP_RES_CANCELLED, "cancelled");
	http_render_cancel_all(h);
	ev_timer_stop(h->loop, &h->defer_timer);
	http_queue_close(h);
	http_req_pool_free(h);
	curl_multi_cleanup(h->multi);
	http_ev_close(h);
	free(h->user_agent);
	free(h->proxy);
	free(h->browser);
	free(h);
	curl_global_cleanup();
}

struct http_req_handle *http_start(struct http *h, const struct http_req *req, http_done_fn *done,
				   void *arg, char *err, size_t errlen)
{
	struct http_req_handle *r;

	if (h == NULL || req == NULL || done == NULL) {
		snprintf(err, errlen, "missing argument");
		return NULL;
	}
	if (h->closing) {
		snprintf(err, errlen, "http engine is shutting down");
		return NULL;
	}
	r = http_req_new(h, req, err, errlen);
	if (r == NULL)
		return NULL;
	return http_submit(h, r, done, arg);
}

struct http_req_handle *http_submit(struct http *h, struct http_req_handle *r, http_done_fn *done,
				    void *arg)
{
	enum http_result res;
	char *msg, *key = NULL;

	r->done = done;
	r->arg = arg;
	h->pending++;
	res = http_req_precheck(r, &msg, &key);
	if (res != HTTP_RES_OK) {
		http_defer(r, res, msg);
		return r;
	}
	if (r->render) {
		free(key);
		http_render_add(r);
		return r;
	}
	http_queue_add(r, key);
	free(key);
	http_queue_pump(h); /* starts it now if its slot is free; no callback runs */
	return r;
}

void http_cancel(struct http *h, struct http_req_handle *r)
{
	if (h == NULL || r == NULL || r->h != h)
		return;
	/* Cancelling a request from inside its own done callback does nothing. */
	if (r->state != REQ_ACTIVE && r->state != REQ_DEFERRED && r->state != REQ_QUEUED &&
	    r->state != REQ_RENDER_QUEUED && r->state != REQ_RENDERING)
		return;
	http_finish(r, HTTP_RES_CANCELLED, "cancelled");
}
