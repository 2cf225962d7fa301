/*
 * When each source is polled: its interval plus up to 10% jitter so that
 * sources configured together drift apart, exponential backoff after
 * failures (2x, 4x, capped at 6x the interval), and never sooner than a
 * server's Retry-After. Timers run on libev's monotonic clock.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/xmalloc.h"
#include "daemon/daemon_int.h"
#include "daemon/store.h"
#include "daemon/store_jobs.h"

#define JITTER_FRACTION 0.10
#define BACKOFF_CAP 6.0
#define FIRST_POLL_SPREAD 5.0 /* seconds over which overdue sources start */
/*
 * Timer slack: due times are rounded up to the next whole TIMER_SLACK seconds
 * of the loop's clock, so that sources falling due in the same second are
 * polled in one wake-up. Waking once per poll costs several times the poll's
 * own work (cold caches, an epoll round each: issue 13's quiet cycle), and a
 * poll up to a second late is nothing against intervals of ten seconds or more.
 */
#define TIMER_SLACK 1.0

/* ev_timer callback: a source is due. */
static void source_due_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct source_rt *rt = w->data;

	(void)loop;
	(void)revents;
	rt->hooks->due(rt);
}

static void arm_first(struct source_rt *rt)
{
	rt->first_wanted = 0;
	schedule_at(rt, rt->d->mode == DAEMON_ONCE ? 0 : schedule_first_delay(rt));
}

struct row_job {
	struct source_rt *rt;
	char *id;		 /* in: the source */
	struct store_source row; /* out */
	int read;		 /* out: the row was read (absent: all zero) */
	char err[512];		 /* out: why not */
	void (*then)(struct source_rt *rt, void *arg);
	void *arg;
};

/* On the store's side: the row. */
static void row_work(struct store *st, void *arg)
{
	struct row_job *j = arg;

	j->read = store_source_get(st, j->id, &j->row) >= 0;
	if (!j->read)
		snprintf(j->err, sizeof(j->err), "%s", store_error(st));
}

/* Back on the loop: the row is kept in memory (the daemon is its only writer). */
static void row_done(void *arg, int cancelled)
{
	struct row_job *j = arg;
	struct source_rt *rt = cancelled ? NULL : j->rt;

	if (rt != NULL) {
		rt->jobs_out--;
		rt->row_reading = 0;
		if (j->read && !rt->src_known) {
			store_source_clear(&rt->src);
			rt->src = j->row;
			memset(&j->row, 0, sizeof(j->row));
			rt->src_known = 1;
		} else if (!j->read) {
			log_err("source=%s %s", rt->id, j->err);
		}
	}
	store_source_clear(&j->row);
	free(j->id);
	if (rt != NULL && rt->cfg != NULL && rt->first_wanted)
		arm_first(rt); /* a timer fired while the read was out (poll_start) */
	j->then(rt, j->arg);
	free(j);
}

void schedule_read_row(struct source_rt *rt, void (*then)(struct source_rt *rt, void *arg),
		       void *arg)
{
	struct row_job *j = xcalloc(1, sizeof(*j));

	j->rt = rt;
	j->id = xstrdup(rt->id);
	j->then = then;
	j->arg = arg;
	rt->jobs_out++;
	rt->row_reading = 1;
	store_jobs_submit(rt->d->jobs, row_work, row_done, j);
}

/* The first read of a source's row is back: its failures count on, its first poll is armed. */
static void first_row(struct source_rt *rt, void *arg)
{
	(void)arg;
	if (rt == NULL)
		return;
	if (rt->cfg == NULL) {
		if (!source_busy(rt))
			rt->hooks->finished(rt);
		return;
	}
	if (rt->src_known)
		rt->failures = rt->src.failures;
}

struct source_rt *schedule_source_new(struct daemon *d, const struct config_source *cfg)
{
	struct source_rt *rt = xcalloc(1, sizeof(*rt));

	rt->d = d;
	rt->hooks = &d->hooks;
	rt->id = xstrdup(cfg->id);
	rt->cfg = cfg;
	ev_timer_init(&rt->timer, source_due_cb, 0.0, 0.0);
	rt->timer.data = rt;
	/* The only read of its row: polls keep it in memory (a failed read is retried by the poll).
	 */
	schedule_read_row(rt, first_row, NULL);
	return rt;
}

void schedule_first(struct source_rt *rt)
{
	if (rt->row_reading)
		rt->first_wanted = 1;
	else
		arm_first(rt);
}

void schedule_row_copy(struct store_source *out, const struct store_source *row)
{
	*out = *row;
	out->etag = xstrdup_or_null(row->etag);
	out->last_modified = xstrdup_or_null(row->last_modified);
	out->last_result = xstrdup_or_null(row->last_result);
	out->last_error = xstrdup_or_null(row->last_error);
	out->structure = xstrdup_or_null(row->structure);
	out->suggestion = xstrdup_or_null(row->suggestion);
	out->id = xstrdup_or_null(row->id);
	out->url = xstrdup_or_null(row->url);
}

void schedule_source_free(struct source_rt *rt)
{
	if (rt == NULL)
		return;
	ev_timer_stop(rt->d->loop, &rt->timer);
	store_source_clear(&rt->src);
	free(rt->id);
	free(rt);
}

double schedule_align(double now, double delay, double slack)
{
	double due;

	if (!(delay > 0) || !(slack > 0))
		return delay > 0 ? delay : 0; /* "now" stays now */
	due = ceil((now + delay) / slack) * slack;
	return due - now;
}

void schedule_at(struct source_rt *rt, double delay)
{
	struct ev_loop *loop = rt->d->loop;

	ev_timer_stop(loop, &rt->timer);
	ev_timer_set(&rt->timer, schedule_align(ev_now(loop), delay, TIMER_SLACK), 0.0);
	ev_timer_start(loop, &rt->timer);
}

double schedule_next(struct source_rt *rt)
{
	double mult = 1.0, delay;

	if (rt->d->stopping || rt->d->mode == DAEMON_ONCE)
		return -1;
	for (long i = 0; i < rt->failures && mult < BACKOFF_CAP; i++)
		mult *= 2.0;
	if (mult > BACKOFF_CAP)
		mult = BACKOFF_CAP;
	delay = schedule_interval(rt) * mult;
	if (rt->retry_after > delay)
		delay = rt->retry_after;
	log_debug("source=%s next poll in %.1fs (failures=%ld)", rt->id, delay, rt->failures);
	schedule_at(rt, delay);
	return delay;
}

double schedule_interval(const struct source_rt *rt)
{
	return rt->cfg->interval * (1.0 + JITTER_FRACTION * clock_jitter_unit());
}

double schedule_first_delay(struct source_rt *rt)
{
	double now = clock_wall(), delay = 0;

	if (rt->src_known && rt->src.next_due > 0) {
		if (rt->src.next_due > now)
			delay = rt->src.next_due - now;
		if (delay > rt->cfg->interval * BACKOFF_CAP)
			delay =
			    rt->cfg->interval; /* the clock moved back, or the interval shrank */
	}
	/* Overdue sources start spread out rather than all in the first second. */
	return delay + FIRST_POLL_SPREAD * clock_jitter_unit();
}

double schedule_takeover_delay(struct source_rt *rt, double ran_out)
{
	double due = rt->src_known ? rt->src.next_due : 0, delay;

	if (ran_out <= 0 || due >= ran_out)
		return schedule_first_delay(rt);
	/*
	 * Its row's poll fell due before the last owner's lease ran out: that
	 * owner may have made it, and more, without storing the row (killed
	 * after the request, or cut off from the store), as late as the end.
	 */
	delay = ran_out + schedule_interval(rt) - clock_wall();
	log_debug("source=%s its last owner's lease ran out %.1fs ago, after the poll its row set: "
		  "polled an interval after that",
		  rt->id, clock_wall() - ran_out);
	return delay > 0 ? delay : 0;
}

void schedule_stop_all(struct daemon *d)
{
	for (size_t i = 0; i < d->nsources; i++)
		ev_timer_stop(d->loop, &d->sources[i]->timer);
}
