#include "daemon/redeliver.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "common/clock.h"
#include "common/err.h"
#include "common/log.h"
#include "common/xmalloc.h"
#include "daemon/statelock.h"
#include "daemon/store.h"

/*
 * Due at once for the daemon too: its clock_steady() may be behind this
 * process's wall clock after a step, so no later than the event's creation.
 */
static double due_now(const struct store_event *ev)
{
	return fmin(ev->created, clock_steady());
}

/* The log line of one event after the commit: moved, or a given one left alone. */
static void log_outcome(const struct store_event *ev, int moved, int given)
{
	if (moved)
		log_info("event=%s channel=%s redelivery requested (%s -> queued)", ev->id,
			 ev->channel, store_event_state_name(ev->state));
	else if (given)
		log_info("event=%s channel=%s is %s already: left as it is", ev->id, ev->channel,
			 store_event_state_name(ev->state));
}

/* Appends the event with this id to *evs; -1 with err when the store has none. */
static int select_id(struct store *st, const char *id, struct store_event **evs, size_t *n,
		     char *err, size_t errlen)
{
	struct store_event_filter f = {id, NULL, 0, 0, 1};
	struct store_event *one;
	size_t got;

	if (store_events_list(st, &f, &one, &got) < 0) {
		err_set(err, errlen, "%s", store_error(st));
		return -1;
	}
	if (got == 0) {
		err_set(err, errlen, "no event '%s' in the store (events list shows their ids)",
			id);
		return -1;
	}
	*evs = xreallocarray(*evs, *n + 1, sizeof(**evs));
	(*evs)[(*n)++] = one[0];
	free(one);
	return 0;
}

/* The selection's events into *evs (caller frees, also on -1); -1 with err. */
static int select_events(struct store *st, const struct redeliver_sel *sel,
			 struct store_event **evs, size_t *n, char *err, size_t errlen)
{
	struct store_event_filter f = {NULL, sel->channel, sel->states, sel->since, 0};

	*evs = NULL;
	*n = 0;
	for (size_t i = 0; i < sel->nids; i++)
		if (select_id(st, sel->ids[i], evs, n, err, errlen) < 0)
			return -1;
	if (sel->nids == 0 && store_events_list(st, &f, evs, n) < 0) {
		err_set(err, errlen, "%s", store_error(st));
		return -1;
	}
	return 0;
}

static void free_events(struct store_event *evs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		store_event_clear(&evs[i]);
	free(evs);
}

long redeliver_events(struct store *st, const struct redeliver_sel *sel, char *err, size_t errlen)
{
	struct store_event *evs = NULL;
	size_t n = 0;
	char *moved = NULL;
	long count = 0;

	if (store_begin(st) < 0) {
		err_set(err, errlen, "%s", store_error(st));
		return -1;
	}
	if (select_events(st, sel, &evs, &n, err, errlen) < 0)
		goto fail;
	moved = xcalloc(n + 1, 1);
	for (size_t i = 0; i < n; i++) {
		int rc = store_event_redeliver(st, evs[i].id, due_now(&evs[i]));

		if (rc < 0)
			goto store_fail;
		moved[i] = (char)rc;
		count += rc;
	}
	if (store_commit(st) < 0)
		goto store_fail;
	for (size_t i = 0; i < n; i++)
		log_outcome(&evs[i], moved[i], sel->nids > 0);
	free(moved);
	free_events(evs, n);
	return count;
store_fail:
	err_set(err, errlen, "%s", store_error(st));
fail:
	store_rollback(st);
	free(moved);
	free_events(evs, n);
	return -1;
}

int redeliver_wake(const char *state_dir, char *err, size_t errlen)
{
	long pid;
	int held = statelock_holder(state_dir, &pid, err, errlen);

	if (held <= 0)
		return held;
	if (kill((pid_t)pid, SIGUSR1) < 0) {
		err_set(err, errlen, "cannot signal the daemon (pid %ld): %s", pid,
			strerror(errno));
		return -1;
	}
	return 1;
}
