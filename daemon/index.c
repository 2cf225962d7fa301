/*
 * daemon/index: keeps the search index up in the background (run mode).
 * A poll stores its statements unindexed (store.h, store_index_catch_up):
 * indexing 20 baseline titles per list page as they were stored cost half
 * of a first poll cycle. INDEX_SETTLE after a poll (and every INDEX_PERIOD)
 * this asks the store what is pending and indexes it INDEX_STEP statements
 * at a time, INDEX_GAP apart, so that no step holds the loop (and the polls
 * in it) for long. `once` leaves indexing to the next `run` or `search`.
 */
#include <stdint.h>

#include "common/log.h"
#include "daemon/daemon_int.h"
#include "daemon/store.h"

#define INDEX_PERIOD 60.0 /* seconds between looks when no poll asked for one */
#define INDEX_SETTLE 2.0  /* after a poll: later polls of a busy cycle share the look */
#define INDEX_GAP 0.2	  /* seconds between steps while catching up */
#define INDEX_STEP 500	  /* statements per step: about 40 ms of trigram indexing */

/* One step: returns whether more is pending. */
static int index_step(struct daemon *d)
{
	int64_t pending = 0;
	size_t done = 0;

	if (store_index_pending(d->store, &pending) < 0 || pending == 0)
		return 0;
	if (store_index_catch_up(d->store, INDEX_STEP, &done) < 0) {
		log_warnx("search index: %s (retried in %.0fs)", store_error(d->store),
			  INDEX_PERIOD);
		return 0;
	}
	if ((int64_t)done >= pending)
		log_debug("search index: caught up (%zu statement(s))", done);
	return (int64_t)done < pending;
}

/* ev_timer callback. */
static void index_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct daemon *d = w->data;

	(void)revents;
	w->repeat = index_step(d) ? INDEX_GAP : INDEX_PERIOD;
	ev_timer_again(loop, w);
}

void index_start(struct daemon *d)
{
	ev_timer_init(&d->index_timer, index_cb, 0.0, INDEX_PERIOD);
	d->index_timer.data = d;
	ev_timer_start(d->loop,
		       &d->index_timer); /* a first look now: a restart may find a backlog */
}

void index_soon(struct daemon *d)
{
	ev_timer *w = &d->index_timer;

	if (ev_is_active(w) && ev_timer_remaining(d->loop, w) <= INDEX_SETTLE)
		return;
	w->repeat = INDEX_SETTLE;
	ev_timer_again(d->loop, w);
}

void index_stop(struct daemon *d)
{
	if (d->loop)
		ev_timer_stop(d->loop, &d->index_timer);
}
