/*
 * daemon/retain: in run mode, RETAIN_DELAY after the start and every
 * RETAIN_PERIOD, the store's items are visited oldest first, RETAIN_STEP
 * at a time and RETAIN_GAP apart, so that no step holds the loop long;
 * each step is a store job (store_jobs.h), off the loop when the store is a
 * server's.
 * `once` leaves retention to `run` and `speechwatch vacuum`.
 */
#include "daemon/retain.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/xmalloc.h"
#include "config/config.h"
#include "daemon/daemon_int.h"
#include "daemon/store.h"
#include "daemon/store_jobs.h"

#define RETAIN_DELAY 5.0	   /* after the start: the first polls go first */
#define RETAIN_PERIOD (6 * 3600.0) /* between visits */
#define RETAIN_GAP 0.5		   /* between steps of one visit */
#define RETAIN_FUTURE 86400.0	   /* first seen over a day ahead: a clock error */
#define RETAIN_STEP 200		   /* items per step (a few ms each when texts go) */

static double days_before(double now, long days)
{
	return days > 0 ? now - (double)days * 86400.0 : 0;
}

void retain_cutoffs(const struct config *cfg, double now, double *raw_before, double *text_before)
{
	long text_days = cfg->daemon.keep_text_days, recheck = cfg->daemon.recheck_days;

	for (size_t i = 0; i < cfg->nsources; i++)
		if (cfg->sources[i].recheck_days > recheck)
			recheck = cfg->sources[i].recheck_days;
	if (text_days > 0 && text_days < recheck + 2)
		text_days = recheck + 2;
	*raw_before = days_before(now, cfg->daemon.keep_raw_days);
	*text_before = days_before(now, text_days);
}

int retain_all(struct store *st, const struct config *cfg, size_t *raw, size_t *text)
{
	struct store_prune p;

	memset(&p, 0, sizeof(p));
	retain_cutoffs(cfg, clock_wall(), &p.raw_before, &p.text_before);
	p.future = clock_wall() + RETAIN_FUTURE;
	p.max = 1000;
	*raw = *text = 0;
	while (!p.finished) {
		if (store_prune(st, &p) < 0)
			return -1;
		*raw += p.raw_dropped;
		*text += p.text_dropped;
	}
	return 0;
}

struct retain_job {
	struct daemon *d;
	struct store_prune p; /* in: where the visit is; out: where it got */
	char err[512];	      /* out: why the step failed, "" when it did not */
};

/* On the store's side: one step of the visit. */
static void retain_work(struct store *st, void *arg)
{
	struct retain_job *j = arg;

	if (store_prune(st, &j->p) < 0)
		snprintf(j->err, sizeof(j->err), "%s", store_error(st));
}

/* What a step did; returns whether the visit goes on. */
static int retain_step_done(struct retain *r, const struct retain_job *j)
{
	r->p = j->p;
	if (j->err[0]) {
		log_warnx("retention: %s (retried in %.0fh)", j->err, RETAIN_PERIOD / 3600);
		r->p.finished = 1;
	}
	r->raw += r->p.raw_dropped;
	r->text += r->p.text_dropped;
	if (!r->p.finished)
		return 1;
	if (r->raw || r->text)
		log_info("retention: dropped %zu raw page(s) and %zu text(s)", r->raw, r->text);
	memset(&r->p, 0, sizeof(r->p));
	r->raw = r->text = 0;
	return 0;
}

/* Back on the loop: the next step RETAIN_GAP later, or the next visit. */
static void retain_done(void *arg, int cancelled)
{
	struct retain_job *j = arg;
	struct retain *r = &j->d->retain;

	r->busy = 0;
	if (!cancelled && !r->stopped) {
		r->timer.repeat = retain_step_done(r, j) ? RETAIN_GAP : RETAIN_PERIOD;
		ev_timer_again(j->d->loop, &r->timer);
	}
	free(j);
}

/* ev_timer callback: a step goes out as a store job; its answer arms the next. */
static void retain_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct daemon *d = w->data;
	struct retain *r = &d->retain;
	struct retain_job *j = xcalloc(1, sizeof(*j));

	(void)revents;
	ev_timer_stop(loop, w);
	if (r->p.after == 0) {
		retain_cutoffs(d->cfg, clock_wall(), &r->p.raw_before, &r->p.text_before);
		r->p.future = clock_wall() + RETAIN_FUTURE;
	}
	r->p.max = RETAIN_STEP;
	r->busy = 1;
	j->d = d;
	j->p = r->p;
	store_jobs_submit(d->jobs, retain_work, retain_done, j);
}

void retain_start(struct daemon *d)
{
	memset(&d->retain, 0, sizeof(d->retain));
	ev_timer_init(&d->retain.timer, retain_cb, RETAIN_DELAY, RETAIN_PERIOD);
	d->retain.timer.data = d;
	ev_timer_start(d->loop, &d->retain.timer);
}

void retain_stop(struct daemon *d)
{
	d->retain.stopped = 1;
	if (d->loop)
		ev_timer_stop(d->loop, &d->retain.timer);
}
