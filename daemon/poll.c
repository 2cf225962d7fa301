/*
 * One poll of one source: a conditional GET of its page, the items it
 * lists, then (detect.c) the articles that are new or due for a re-check.
 * When all of that is over, the outcome (status, validators, failures, next
 * due time, health events) is written to the store in one transaction.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/xmalloc.h"
#include "daemon/daemon_int.h"
#include "daemon/event.h"
#include "daemon/listing.h"
#include "daemon/metrics.h"
#include "daemon/outbox.h"
#include "daemon/store.h"
#include "daemon/structure.h"
#include "daemon/themeset.h"
#include "fetch/http.h"

/* source.failing / source.recovered, one per channel that takes this source. */
static int queue_health_event(struct source_rt *rt, const char *type, long failures,
			      const struct poll_outcome *o, double now)
{
	const struct config *cfg = rt->d->cfg;
	const char *const *channels;
	size_t n = outbox_channels(rt->d->outbox, &channels);

	for (size_t i = 0; i < n; i++) {
		const struct config_notify *cn = config_notify_find(cfg, channels[i]);
		char id[EVENT_ID_LEN + 1], *payload;
		int rc;

		if (cn && !config_globs_match(&cn->sources, rt->id))
			continue;
		event_new_id(id);
		payload =
		    event_source_json(id, type, now, rt->id, rt->cfg->url, failures,
				      o ? o->error : NULL, o ? event_fail_reason(o->result) : NULL);
		rc = store_event_insert(
		    rt->d->store,
		    &(struct store_event_new){id, channels[i], type, rt->id, 0, payload, now});
		free(payload);
		if (rc < 0)
			return -1;
	}
	log_warnx("source=%s %s failures=%ld", rt->id, type, failures);
	return 0;
}

/* Does this poll move the source into or out of failing (events to queue)? */
static int health_moves(const struct source_rt *rt, const struct store_source *s,
			const struct poll_outcome *o)
{
	return (!o->ok && !s->failing && rt->failures >= rt->d->cfg->daemon.fail_after) ||
	       (o->ok && s->failing);
}

/* Health transitions; returns -1 on a store error (the transaction is rolled back). */
static int update_health(struct source_rt *rt, struct store_source *s, const struct poll_outcome *o,
			 double now)
{
	if (!health_moves(rt, s, o))
		return 0;
	s->failing = !s->failing;
	if (s->failing)
		return queue_health_event(rt, "source.failing", rt->failures, o, now);
	return queue_health_event(rt, "source.recovered", 0, NULL, now);
}

/* Replaces *slot with a copy of value (NULL clears it). */
static void set_text(char **slot, const char *value)
{
	free(*slot);
	*slot = xstrdup_or_null(value);
}

/*
 * The structure items = auto read a good list with is remembered; the
 * suggestion lives as long as the failure it came with.
 */
static void fill_structure(struct store_source *s, const struct poll_outcome *o)
{
	if (o->ok && o->structure != NULL && !o->suspect)
		set_text(&s->structure, o->structure);
	if (!(o->ok && o->status == 304))
		set_text(&s->suggestion, o->ok ? NULL : o->suggestion);
}

static void fill_source_row(struct store_source *s, const struct poll_outcome *o, long failures,
			    double now, double next_delay)
{
	fill_structure(s, o);
	s->last_poll = now;
	s->last_status = o->status;
	free(s->last_result);
	s->last_result = xstrdup(o->suspect ? "suspect-list" : o->result);
	/* A 304 read no list: the note of the last list read still holds. */
	if (!(o->ok && o->status == 304 && s->failures == 0)) {
		free(s->last_error);
		s->last_error = !o->ok ? xstrdup(o->error) : o->note[0] ? xstrdup(o->note) : NULL;
	}
	s->failures = failures;
	s->last_new = o->fresh;
	s->last_changed = o->changed;
	if (o->ok) {
		s->suspect_polls = o->suspect ? o->suspect_polls : 0;
		s->suspect_items = o->suspect ? o->items : 0;
	}
	s->next_due = next_delay >= 0 ? now + next_delay : 0;
	if (o->ok && o->status / 100 == 2 && !o->suspect) {
		/* Keep the validators only when every new item is stored: a 304 must not hide one.
		 */
		int settled = o->unsettled == 0;

		s->items = o->items;
		free(s->etag);
		s->etag = settled ? xstrdup_or_null(o->etag) : NULL;
		free(s->last_modified);
		s->last_modified = settled ? xstrdup_or_null(o->last_modified) : NULL;
	}
}

/* Seconds between a quiet poll's status update and the flush that writes it. */
#define FLUSH_DELAY 0.5

/* The row in memory may be ahead of the store after a failed write: read it again. */
static void forget_row(struct source_rt *rt)
{
	if (rt->src_dirty)
		rt->d->ndirty--;
	store_source_clear(&rt->src);
	memset(&rt->src, 0, sizeof(rt->src));
	rt->src_known = 0;
	rt->src_dirty = 0;
}

static void flush_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	poll_flush(w->data);
}

static void mark_dirty(struct source_rt *rt)
{
	struct daemon *d = rt->d;

	if (!rt->src_dirty) {
		rt->src_dirty = 1;
		d->ndirty++;
	}
	if (!ev_is_active(&d->flush_timer)) {
		ev_timer_init(&d->flush_timer, flush_cb, FLUSH_DELAY, 0.0);
		d->flush_timer.data = d;
		ev_timer_start(d->loop, &d->flush_timer);
	}
}

static void clear_dirty(struct source_rt *rt)
{
	if (rt->src_dirty)
		rt->d->ndirty--;
	rt->src_dirty = 0;
}

void poll_flush(struct daemon *d)
{
	struct store *st = d->store;
	int rc;

	if (d->loop)
		ev_timer_stop(d->loop, &d->flush_timer);
	if (d->ndirty == 0 || st == NULL)
		return;
	rc = store_begin_relaxed(st);
	for (size_t i = 0; rc == 0 && i < d->nsources; i++) {
		struct source_rt *rt = d->sources[i];

		if (rt->src_dirty && rt->cfg)
			rc = store_source_put(st, rt->id, rt->cfg->url, &rt->src);
	}
	if (rc < 0 || store_commit(st) < 0) {
		log_err("cannot record %zu quiet poll(s): %s", d->ndirty, store_error(st));
		store_rollback(st); /* they stay dirty: the next quiet poll arms another flush */
		return;
	}
	for (size_t i = 0; i < d->nsources; i++)
		clear_dirty(d->sources[i]);
	d->ndirty = 0;
}

/*
 * A poll that only rewrites the status row: a 304 that alerted nothing and
 * moves no health state. Its row waits in memory for poll_flush.
 */
static int quiet(const struct source_rt *rt, const struct poll_outcome *o)
{
	return rt->src_known && o->ok && o->status == 304 && o->fresh == 0 && o->changed == 0 &&
	       !health_moves(rt, &rt->src, o);
}

/*
 * Updates rt->src with the poll's outcome and writes it: a quiet poll's row
 * later, with others (poll_flush); any other row at once, relaxed (no fsync:
 * it is not an alert, and the next poll rewrites it), or durable together
 * with its health events. A row written here is no longer dirty.
 */
static void record(struct source_rt *rt, struct poll_outcome *o, double next_delay)
{
	struct store *st = rt->d->store;
	struct store_source *s = &rt->src;
	double now = clock_wall();
	int alerts;

	if (quiet(rt, o)) {
		fill_source_row(s, o, rt->failures, now, next_delay);
		mark_dirty(rt);
		return;
	}
	alerts = !rt->src_known || health_moves(rt, s, o);
	if ((alerts ? store_begin(st) : store_begin_relaxed(st)) < 0)
		goto fail;
	if (!rt->src_known && store_source_get(st, rt->id, s) < 0)
		goto fail; /* the first read failed: the row must not be overwritten blindly */
	rt->src_known = 1;
	alerts = health_moves(rt, s, o);
	fill_source_row(s, o, rt->failures, now, next_delay);
	if (update_health(rt, s, o, now) < 0 || store_source_put(st, rt->id, rt->cfg->url, s) < 0 ||
	    store_commit(st) < 0)
		goto fail;
	clear_dirty(rt);
	if (alerts)
		outbox_queued(rt->d->outbox, now);
	return;
fail:
	log_err("source=%s cannot record poll: %s", rt->id, store_error(st));
	store_rollback(st);
	forget_row(rt);
}

/* "next poll in 4m" for warnings: what happens next. */
static void fmt_next(double delay, char *out, size_t len)
{
	if (delay < 0)
		snprintf(out, len, "no further poll in this run");
	else if (delay < 120)
		snprintf(out, len, "next poll in %.0fs", delay);
	else if (delay < 7200)
		snprintf(out, len, "next poll in %.0fm", delay / 60);
	else
		snprintf(out, len, "next poll in %.1fh", delay / 3600);
}

/* What discover would watch on the page instead, in the log next to the failure. */
static void log_suggestion(struct source_rt *rt, const char *suggestion)
{
	char *text = structure_describe(suggestion);

	if (text != NULL)
		log_warnx("source=%s suggestion (speechwatch discover): %s", rt->id,
			  log_esc(text, 600));
	free(text);
}

static void log_outcome(struct source_rt *rt, const struct poll_outcome *o, double delay)
{
	char next[64];

	fmt_next(delay, next, sizeof(next));
	if (o->suspect)
		log_warnx("source=%s poll=suspect-list status=%ld items=%ld error=\"%s\"; nothing "
			  "marked new or gone, %s",
			  rt->id, o->status, o->items, log_esc(o->error, 200), next);
	else if (o->ok && o->status == 304)
		log_info("source=%s poll=%s status=304 changed=%ld time=%.2fs", rt->id, o->result,
			 o->changed, o->elapsed);
	else if (o->ok)
		log_info("source=%s poll=%s status=%ld items=%ld new=%ld changed=%ld "
			 "article_errors=%ld time=%.2fs",
			 rt->id, o->result, o->status, o->items, o->fresh, o->changed,
			 o->article_errors, o->elapsed);
	else
		log_warnx(
		    "source=%s poll=%s status=%ld failures=%ld reason=%s url=%s error=\"%s\"; "
		    "%s",
		    rt->id, o->result, o->status, rt->failures, event_fail_reason(o->result),
		    log_esc(rt->cfg->url, 200), log_esc(o->error, 200), next);
	if (!o->ok && o->suggestion != NULL)
		log_suggestion(rt, o->suggestion);
}

static void outcome_free(struct poll_outcome *o)
{
	free(o->structure);
	free(o->suggestion);
	free(o->etag);
	free(o->last_modified);
	free(o);
}

/* detect_done_fn, and the end of a poll that detected nothing: record, schedule, report. */
static void poll_complete(struct source_rt *rt, struct poll_outcome *o)
{
	struct daemon *d = rt->d;
	double delay = -1;

	rt->polled = 1;
	if (rt->cfg != NULL) {
		rt->failures = o->ok ? 0 : rt->failures + 1;
		if (!o->ok)
			d->polls_failed++;
		if (!d->stopping && d->mode == DAEMON_RUN)
			delay = schedule_next(rt);
		log_outcome(rt, o, delay);
		metrics_poll(d->metrics, rt->id, o->suspect ? "suspect-list" : o->result, o->ok,
			     o->ok && o->status / 100 == 2 ? o->items : -1, clock_wall());
		record(rt, o, delay);
	}
	outcome_free(o);
	rt->hooks->finished(rt);
}

/* listing_memory.known: an item this source has stored (a structure that finds one is its list). */
static int known_item(void *arg, const char *url)
{
	struct source_rt *rt = arg;
	struct store_item it;
	int rc = store_item_find(rt->d->store, rt->id, url, NULL, &it);

	if (rc == 1)
		store_item_clear(&it);
	return rc == 1;
}

/* items = auto: a structure replaced by another is worth a warning; the first one a note. */
static void log_structure(struct source_rt *rt, const struct listing *l)
{
	char *was, *now;

	if (!l->changed)
		return;
	now = structure_describe(l->structure);
	was = l->previous != NULL ? structure_describe(l->previous) : NULL;
	if (was != NULL)
		log_warnx("source=%s structure changed: %s -> %s", rt->id, log_esc(was, 400),
			  log_esc(now ? now : "?", 400));
	else
		log_info("source=%s structure chosen: %s", rt->id, log_esc(now ? now : "?", 400));
	free(was);
	free(now);
}

static void judge_page(struct source_rt *rt, const struct http_response *resp,
		       struct poll_outcome *o)
{
	const struct listing_memory mem = {rt->src.structure, known_item, rt};
	struct listing l;

	if (listing_read(rt->cfg, resp->final_url ? resp->final_url : rt->cfg->url, resp->body,
			 resp->body_len, resp->content_type, &mem, &l, o->error,
			 sizeof(o->error)) < 0) {
		o->result = "parse-error";
		poll_complete(rt, o);
		return;
	}
	log_structure(rt, &l);
	o->structure = l.structure;
	o->suggestion = l.suggestion;
	l.structure = l.suggestion = NULL;
	o->ok = 1;
	o->result = "ok";
	o->items = (long)l.items.n;
	o->etag = xstrdup_or_null(resp->etag);
	o->last_modified = xstrdup_or_null(resp->last_modified);
	detect_start(rt, &l.items, o, poll_complete); /* takes the items */
	listing_free(&l);
}

/* http_done_fn for a source's list page. */
static void poll_done(const struct http_response *resp, void *arg)
{
	struct poll_outcome *o = arg;
	struct source_rt *rt = o->rt;

	rt->inflight = NULL;
	o->status = resp->status;
	o->elapsed = resp->elapsed_s;
	if (rt->cfg == NULL || resp->result == HTTP_RES_CANCELLED) {
		rt->polled = 1;
		outcome_free(o);
		rt->hooks->finished(rt);
		return;
	}
	metrics_fetch(rt->d->metrics, "list", http_result_name(resp->result), resp->status,
		      resp->body_len, resp->elapsed_s);
	rt->retry_after =
	    (resp->status == 429 || resp->status == 503) ? (double)resp->retry_after_s : 0;
	if (resp->result != HTTP_RES_OK) {
		o->result = http_result_name(resp->result);
		snprintf(o->error, sizeof(o->error), "%s",
			 resp->error ? resp->error : http_result_name(resp->result));
	} else if (resp->status == 304) {
		o->ok = 1;
		o->result = "not-modified";
		detect_start_recheck(rt, o, poll_complete); /* silent edits keep the list */
		return;
	} else if (resp->status / 100 != 2) {
		o->result = "http-error";
		snprintf(o->error, sizeof(o->error), "HTTP %ld", resp->status);
	} else {
		judge_page(rt, resp, o);
		return;
	}
	poll_complete(rt, o);
}

void poll_start(struct source_rt *rt)
{
	struct poll_outcome *o;
	struct http_req req;
	char err[256];

	if (rt->inflight || rt->run || rt->cfg == NULL || rt->d->stopping)
		return;
	o = xcalloc(1, sizeof(*o));
	o->rt = rt;
	if (!rt->src_known && store_source_get(rt->d->store, rt->id, &rt->src) >= 0)
		rt->src_known = 1; /* only when the read at start failed */
	o->src = &rt->src;
	memset(&req, 0, sizeof(req));
	req.url = rt->cfg->url;
	req.follow_redirects = 1;
	req.trusted = 1; /* the operator wrote this URL */
	req.allow_private = rt->cfg->allow_private > 0;
	req.headers = (const char *const *)rt->cfg->headers.v;
	req.proxy = rt->cfg->proxy;
	if (!rt->src_known)
		log_err("source=%s %s", rt->id, store_error(rt->d->store));
	/* A list a script builds changes without its HTML changing: no conditional GET. */
	req.render = rt->cfg->render == RENDER_BROWSER;
	req.if_none_match = req.render ? NULL : rt->src.etag;
	req.if_modified_since = req.render ? NULL : rt->src.last_modified;
	log_debug("source=%s poll url=%s", rt->id, log_esc(rt->cfg->url, 200));
	rt->inflight = http_start(rt->d->http, &req, poll_done, o, err, sizeof(err));
	if (rt->inflight == NULL) {
		o->result = "setup-error";
		snprintf(o->error, sizeof(o->error), "%s", err);
		poll_complete(rt, o);
	}
}
