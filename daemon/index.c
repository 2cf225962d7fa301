/*
 * daemon/index: keeps the search index up in the background (run mode).
 * A poll stores its statements unindexed (store.h, store_index_catch_up):
 * indexing 20 baseline titles per list page as they were stored cost half
 * of a first poll cycle. INDEX_SETTLE after a poll (and every INDEX_PERIOD)
 * this asks the store what is pending and indexes it INDEX_STEP statements
 * at a time, INDEX_GAP apart, so that no step holds the loop (and the polls
 * in it) for long. Each step is a store job (store_jobs.h): off the loop
 * when the store is a server's. `once` leaves indexing to the next `run`
 * or `search`.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/log.h"
#include "common/xmalloc.h"
#include "daemon/daemon_int.h"
#include "daemon/store.h"
#include "daemon/store_jobs.h"

#define INDEX_PERIOD 60.0 /* seconds between looks when no poll asked for one */
#define INDEX_SETTLE 2.0  /* after a poll: later polls of a busy cycle share the look */
#define INDEX_GAP 0.2	  /* seconds between steps while catching up */
#define INDEX_STEP 500	  /* statements per step: about 40 ms of trigram indexing */

struct index_job {
	struct daemon *d;
	int more;      /* out: statements still pending after the step */
	char err[512]; /* out: why the step failed, "" when it did not */
};

/* On the store's side: one step. */
static void index_work(struct store *st, void *arg)
{
	struct index_job *j = arg;
	int64_t pending = 0;
	size_t done = 0;

	if (store_index_pending(st, &pending) < 0 || pending == 0)
		return;
	if (store_index_catch_up(st, INDEX_STEP, &done) < 0) {
		snprintf(j->err, sizeof(j->err), "%s", store_error(st));
		return;
	}
	if ((int64_t)done >= pending)
		log_debug("search index: caught up (%zu statement(s))", done);
	j->more = (int64_t)done < pending;
}

/* Back on the loop: the next look, sooner while more is pending. */
static void index_done(void *arg, int cancelled)
{
	struct index_job *j = arg;
	struct index_keeper *k = &j->d->index;

	k->busy = 0;
	if (!cancelled && !k->stopped) {
		if (j->err[0])
			log_warnx("search index: %s (retried in %.0fs)", j->err, INDEX_PERIOD);
		k->timer.repeat = j->more ? INDEX_GAP : k->soon ? INDEX_SETTLE : INDEX_PERIOD;
		k->soon = 0;
		ev_timer_again(j->d->loop, &k->timer);
	}
	free(j);
}

/* ev_timer callback: a step goes out; its answer arms the next. */
static void index_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct daemon *d = w->data;
	struct index_job *j = xcalloc(1, sizeof(*j));

	(void)revents;
	ev_timer_stop(loop, w);
	d->index.busy = 1;
	j->d = d;
	store_jobs_submit(d->jobs, index_work, index_done, j);
}

void index_start(struct daemon *d)
{
	d->index.stopped = 0;
	ev_timer_init(&d->index.timer, index_cb, 0.0, INDEX_PERIOD);
	d->index.timer.data = d;
	ev_timer_start(d->loop,
		       &d->index.timer); /* a first look now: a restart may find a backlog */
}

void index_soon(struct daemon *d)
{
	ev_timer *w = &d->index.timer;

	if (d->index.busy) {
		d->index.soon = 1;
		return;
	}
	if (ev_is_active(w) && ev_timer_remaining(d->loop, w) <= INDEX_SETTLE)
		return;
	w->repeat = INDEX_SETTLE;
	ev_timer_again(d->loop, w);
}

void index_stop(struct daemon *d)
{
	d->index.stopped = 1;
	if (d->loop)
		ev_timer_stop(d->loop, &d->index.timer);
}
