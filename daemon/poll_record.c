/*
 * The outcome of a poll in the store (poll_record.h). The source's row is
 * kept in memory (rt->src; the daemon is its only writer): a poll updates
 * it on the loop, and a store job writes a copy, with the health events
 * the poll raised, in one transaction; a quiet poll only marks it dirty
 * and poll_flush writes the dirty rows together.
 */
#include "daemon/poll_record.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/xmalloc.h"
#include "daemon/daemon_int.h"
#include "daemon/event.h"
#include "daemon/event_rows.h"
#include "daemon/outbox.h"
#include "daemon/store.h"
#include "daemon/store_jobs.h"

/* Seconds between a quiet poll's status update and the flush that writes it. */
#define FLUSH_DELAY 0.5

/* Does this poll move the source into or out of failing (events to queue)? */
static int health_moves(const struct source_rt *rt, const struct store_source *s,
			const struct poll_outcome *o)
{
	return (!o->ok && !s->failing && rt->failures >= rt->d->cfg->daemon.fail_after) ||
	       (o->ok && s->failing);
}

struct health_payload {
	const struct source_rt *rt;
	const char *type;
	long failures;
	const struct poll_outcome *o;
	double now;
};

static char *health_json(const char *id, void *arg)
{
	const struct health_payload *h = arg;
	const struct poll_outcome *o = h->o;

	return event_source_json(id, h->type, h->now, h->rt->id, h->rt->cfg->url, h->failures,
				 o ? o->error : NULL, o ? event_fail_reason(o->result) : NULL);
}

/* source.failing / source.recovered, one per channel that takes this source, into ev. */
static void health_events(struct source_rt *rt, const char *type, long failures,
			  const struct poll_outcome *o, double now, struct event_rows *ev)
{
	const struct config *cfg = rt->d->cfg;
	const char *const *channels;
	size_t n = rt->d->outbox ? outbox_channels(rt->d->outbox, &channels) : 0;
	struct health_payload h = {rt, type, failures, o, now};

	for (size_t i = 0; i < n; i++) {
		const struct config_notify *cn = config_notify_find(cfg, channels[i]);

		if (cn && !config_globs_match(&cn->sources, rt->id))
			continue;
		event_rows_add(ev, channels[i], type, rt->id, now, health_json, &h);
	}
	log_warnx("source=%s %s failures=%ld", rt->id, type, failures);
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

void poll_record_schedule(struct source_rt *rt, double next_delay)
{
	if (!rt->src_known)
		return;
	rt->src.next_due = clock_wall() + next_delay;
	mark_dirty(rt);
}

static void clear_dirty(struct source_rt *rt)
{
	if (rt->src_dirty)
		rt->d->ndirty--;
	rt->src_dirty = 0;
}

void poll_outcome_free(struct poll_outcome *o)
{
	free(o->structure);
	free(o->suggestion);
	free(o->etag);
	free(o->last_modified);
	free(o);
}

void poll_record_none(struct source_rt *rt, struct poll_outcome *o)
{
	rt->polled = 1;
	poll_outcome_free(o);
	rt->hooks->finished(rt);
}

/* The poll is over, its outcome written (or not: logged): it counts now. */
static void poll_end(struct source_rt *rt, struct poll_outcome *o)
{
	if (!o->ok)
		rt->d->polls_failed++;
	poll_record_none(rt, o);
}

/* A poll's writes: its row (a copy) and its health events, in one transaction. */
struct record_job {
	struct source_rt *rt;
	struct poll_outcome *o; /* owned: the poll ends when the job is back */
	char *id, *url;
	struct store_source row;
	struct event_rows events;
	int durable;   /* health events: the commit reaches the disk */
	char err[512]; /* out: why the write failed, "" when it did not */
};

static void record_work(struct store *st, void *arg)
{
	struct record_job *j = arg;

	if ((j->durable ? store_begin(st) : store_begin_relaxed(st)) == 0 &&
	    event_rows_insert(st, &j->events, 0) == 0 &&
	    store_source_put(st, j->id, j->url, &j->row) == 0 && store_commit(st) == 0)
		return;
	snprintf(j->err, sizeof(j->err), "%s", store_error(st));
	store_rollback(st);
}

static void record_job_free(struct record_job *j)
{
	free(j->id);
	free(j->url);
	store_source_clear(&j->row);
	event_rows_free(&j->events);
	free(j);
}

static void record_done(void *arg, int cancelled)
{
	struct record_job *j = arg;
	struct source_rt *rt = j->rt;

	if (cancelled) {
		poll_outcome_free(j->o);
		record_job_free(j);
		return;
	}
	rt->jobs_out--;
	if (j->err[0]) {
		log_err("source=%s cannot record poll: %s", rt->id, j->err);
		forget_row(rt);
	} else if (j->events.n > 0 && rt->d->outbox != NULL) {
		outbox_queued(rt->d->outbox, j->events.v[0].created);
	}
	poll_end(rt, j->o);
	record_job_free(j);
}

/*
 * Updates rt->src (known) with the poll's outcome, moves its health state,
 * and sends a copy to the store: relaxed (no fsync: it is not an alert, and
 * the next poll rewrites it), or durable together with its health events.
 * The row sent is no longer dirty.
 */
static void record_submit(struct source_rt *rt, struct poll_outcome *o, double next_delay)
{
	struct record_job *j = xcalloc(1, sizeof(*j));
	struct store_source *s = &rt->src;
	double now = clock_wall();

	j->rt = rt;
	j->o = o;
	j->durable = health_moves(rt, s, o);
	fill_source_row(s, o, rt->failures, now, next_delay);
	if (j->durable) {
		s->failing = !s->failing;
		if (s->failing)
			health_events(rt, "source.failing", rt->failures, o, now, &j->events);
		else
			health_events(rt, "source.recovered", 0, NULL, now, &j->events);
	}
	j->id = xstrdup(rt->id);
	j->url = xstrdup(rt->cfg->url);
	schedule_row_copy(&j->row, s);
	clear_dirty(rt);
	rt->jobs_out++;
	store_jobs_submit(rt->d->jobs, record_work, record_done, j);
}

struct record_wait {
	struct poll_outcome *o;
	double next_delay;
};

/* schedule_read_row's then: the row a poll could not start with, read for its record. */
static void record_after_read(struct source_rt *rt, void *arg)
{
	struct record_wait *w = arg;
	struct poll_outcome *o = w->o;
	double next_delay = w->next_delay;

	free(w);
	if (rt == NULL) {
		poll_outcome_free(o);
	} else if (rt->cfg == NULL) {
		poll_record_none(rt, o);
	} else if (!rt->src_known) {
		/* the row must not be overwritten blindly (the read is logged) */
		log_err("source=%s cannot record poll: its stored row could not be read", rt->id);
		poll_end(rt, o);
	} else {
		record_submit(rt, o, next_delay);
	}
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

void poll_record(struct source_rt *rt, struct poll_outcome *o, double next_delay)
{
	struct record_wait *w;

	if (quiet(rt, o)) {
		fill_source_row(&rt->src, o, rt->failures, clock_wall(), next_delay);
		mark_dirty(rt);
		poll_end(rt, o);
		return;
	}
	if (rt->src_known) {
		record_submit(rt, o, next_delay);
		return;
	}
	w = xcalloc(1, sizeof(*w));
	w->o = o;
	w->next_delay = next_delay;
	schedule_read_row(rt, record_after_read, w);
}

/* The dirty rows of quiet polls, copied: written in one relaxed transaction. */
struct flush_job {
	struct daemon *d;
	size_t n;
	char **ids, **urls;
	struct store_source *rows;
	char err[512]; /* out */
};

static void flush_work(struct store *st, void *arg)
{
	struct flush_job *j = arg;
	int rc = store_begin_relaxed(st);

	for (size_t i = 0; rc == 0 && i < j->n; i++)
		rc = store_source_put(st, j->ids[i], j->urls[i], &j->rows[i]);
	if (rc == 0 && store_commit(st) == 0)
		return;
	snprintf(j->err, sizeof(j->err), "%s", store_error(st));
	store_rollback(st);
}

/* A failed flush: the rows still configured are dirty again; the next quiet poll arms a flush. */
static void flush_failed(struct flush_job *j)
{
	struct daemon *d = j->d;

	log_err("cannot record %zu quiet poll(s): %s", j->n, j->err);
	for (size_t i = 0; i < j->n; i++)
		for (size_t k = 0; k < d->nsources; k++) {
			struct source_rt *rt = d->sources[k];

			if (rt->cfg && !rt->src_dirty && strcmp(rt->id, j->ids[i]) == 0) {
				rt->src_dirty = 1;
				d->ndirty++;
			}
		}
}

static void flush_done(void *arg, int cancelled)
{
	struct flush_job *j = arg;

	j->d->flushes_out--;
	if (!cancelled && j->err[0])
		flush_failed(j);
	for (size_t i = 0; i < j->n; i++) {
		free(j->ids[i]);
		free(j->urls[i]);
		store_source_clear(&j->rows[i]);
	}
	free(j->ids);
	free(j->urls);
	free(j->rows);
	free(j);
}

void poll_flush(struct daemon *d)
{
	struct flush_job *j;
	size_t max = d->ndirty;

	if (d->loop)
		ev_timer_stop(d->loop, &d->flush_timer);
	if (d->ndirty == 0 || d->jobs == NULL)
		return;
	j = xcalloc(1, sizeof(*j));
	j->d = d;
	j->ids = xcalloc(max, sizeof(*j->ids));
	j->urls = xcalloc(max, sizeof(*j->urls));
	j->rows = xcalloc(max, sizeof(*j->rows));
	for (size_t i = 0; i < d->nsources; i++) {
		struct source_rt *rt = d->sources[i];

		if (rt->src_dirty && rt->cfg && j->n < max) {
			j->ids[j->n] = xstrdup(rt->id);
			j->urls[j->n] = xstrdup(rt->cfg->url);
			schedule_row_copy(&j->rows[j->n++], &rt->src);
		}
		clear_dirty(rt);
	}
	d->flushes_out++;
	store_jobs_submit(d->jobs, flush_work, flush_done, j);
}
