/*
 * One poll of one source: a conditional GET of its page, then the items it
 * lists. The poll's outcome (status, validators, failures, next due time)
 * is written to the store in one transaction.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "common/xmalloc.h"
#include "daemon/daemon_int.h"
#include "daemon/listing.h"
#include "daemon/store.h"
#include "fetch/http.h"

struct poll_outcome {
	int ok;		    /* the poll succeeded (200 with items, or 304) */
	const char *result; /* "ok", "not-modified", "http-error", "timeout", ... */
	char error[512];    /* when !ok */
	long items;	    /* items found (200 only) */
};

static void record(struct source_rt *rt, const struct http_response *resp,
		   const struct poll_outcome *o, double next_delay)
{
	struct store *st = rt->d->store;
	struct store_source s;
	int have = store_source_get(st, rt->id, &s);
	double now = (double)time(NULL);

	if (have < 0) {
		log_err("source=%s %s", rt->id, store_error(st));
		return;
	}
	s.last_poll = now;
	s.last_status = resp->status;
	free(s.last_result);
	s.last_result = xstrdup(o->result);
	free(s.last_error);
	s.last_error = o->ok ? NULL : xstrdup(o->error);
	s.failures = rt->failures;
	s.next_due = next_delay >= 0 ? now + next_delay : 0;
	if (o->ok && resp->status / 100 == 2) {
		s.items = o->items;
		free(s.etag);
		s.etag = xstrdup_or_null(resp->etag);
		free(s.last_modified);
		s.last_modified = xstrdup_or_null(resp->last_modified);
	}
	if (store_begin(st) < 0 || store_source_put(st, rt->id, rt->cfg->url, &s) < 0 ||
	    store_commit(st) < 0) {
		log_err("source=%s cannot record poll: %s", rt->id, store_error(st));
		store_rollback(st);
	}
	store_source_clear(&s);
}

static void judge_page(struct source_rt *rt, const struct http_response *resp,
		       struct poll_outcome *o)
{
	struct list_items items;

	if (listing_items(rt->cfg, resp->final_url ? resp->final_url : rt->cfg->url, resp->body,
			  resp->body_len, resp->content_type, &items, o->error,
			  sizeof(o->error)) < 0) {
		o->result = "parse-error";
		return;
	}
	o->ok = 1;
	o->result = "ok";
	o->items = (long)items.n;
	list_items_free(&items);
}

static void judge(struct source_rt *rt, const struct http_response *resp, struct poll_outcome *o)
{
	memset(o, 0, sizeof(*o));
	if (resp->result != HTTP_RES_OK) {
		o->result = http_result_name(resp->result);
		snprintf(o->error, sizeof(o->error), "%s",
			 resp->error ? resp->error : http_result_name(resp->result));
	} else if (resp->status == 304) {
		o->ok = 1;
		o->result = "not-modified";
	} else if (resp->status / 100 != 2) {
		o->result = "http-error";
		snprintf(o->error, sizeof(o->error), "HTTP %ld", resp->status);
	} else {
		judge_page(rt, resp, o);
	}
}

static void log_outcome(struct source_rt *rt, const struct http_response *resp,
			const struct poll_outcome *o)
{
	if (o->ok)
		log_info("source=%s poll=%s status=%ld items=%ld time=%.2fs", rt->id, o->result,
			 resp->status, o->items, resp->elapsed_s);
	else
		log_warnx("source=%s poll=%s status=%ld failures=%ld url=%s error=\"%s\"", rt->id,
			  o->result, resp->status, rt->failures, log_esc(rt->cfg->url, 200),
			  log_esc(o->error, 200));
}

/* http_done_fn for a source's list page. */
static void poll_done(const struct http_response *resp, void *arg)
{
	struct source_rt *rt = arg;
	struct daemon *d = rt->d;
	struct poll_outcome o;
	double delay = -1;

	rt->inflight = NULL;
	rt->polled = 1;
	if (rt->cfg == NULL || resp->result == HTTP_RES_CANCELLED) {
		daemon_poll_finished(d, rt);
		return; /* removed by a reload, or shutting down */
	}
	judge(rt, resp, &o);
	rt->failures = o.ok ? 0 : rt->failures + 1;
	rt->retry_after =
	    (resp->status == 429 || resp->status == 503) ? (double)resp->retry_after_s : 0;
	if (!o.ok)
		d->polls_failed++;
	log_outcome(rt, resp, &o);
	if (!d->stopping && d->mode == DAEMON_RUN)
		delay = schedule_next(rt);
	record(rt, resp, &o, delay);
	daemon_poll_finished(d, rt);
}

static void poll_fail_now(struct source_rt *rt, const char *why)
{
	log_warnx("source=%s poll=setup-error url=%s error=\"%s\"", rt->id,
		  log_esc(rt->cfg->url, 200), log_esc(why, 200));
	rt->failures++;
	rt->polled = 1;
	rt->d->polls_failed++;
	if (rt->d->mode == DAEMON_RUN)
		schedule_next(rt);
	daemon_poll_finished(rt->d, rt);
}

void poll_start(struct source_rt *rt)
{
	struct store_source st;
	struct http_req req;
	char err[256];
	int have;

	if (rt->inflight || rt->cfg == NULL || rt->d->stopping)
		return;
	have = store_source_get(rt->d->store, rt->id, &st);
	memset(&req, 0, sizeof(req));
	req.url = rt->cfg->url;
	req.follow_redirects = 1;
	req.trusted = 1; /* the operator wrote this URL */
	req.allow_private = rt->cfg->allow_private > 0;
	req.headers = (const char *const *)rt->cfg->headers.v;
	req.proxy = rt->cfg->proxy;
	if (have == 1) {
		req.if_none_match = st.etag;
		req.if_modified_since = st.last_modified;
	}
	log_debug("source=%s poll url=%s", rt->id, log_esc(rt->cfg->url, 200));
	rt->inflight = http_start(rt->d->http, &req, poll_done, rt, err, sizeof(err));
	if (have == 1)
		store_source_clear(&st);
	if (rt->inflight == NULL)
		poll_fail_now(rt, err);
}
