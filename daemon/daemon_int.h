/* Internal to daemon/: the shared structs of daemon.c, schedule.c and poll.c. */
#ifndef SW_DAEMON_INT_H
#define SW_DAEMON_INT_H

#include <ev.h>
#include <stddef.h>

#include "config/config.h"
#include "daemon/daemon.h"

struct http;
struct http_req_handle;
struct store;

/* Runtime state of one configured source. */
struct source_rt {
	struct daemon *d;
	char *id;
	const struct config_source *cfg; /* into d->cfg; NULL once removed by a reload */
	ev_timer timer;
	struct http_req_handle *inflight;
	long failures;	    /* consecutive failed polls */
	double retry_after; /* seconds the server asked for, 0 if none */
	int polled;	    /* at least one poll finished (once mode) */
};

struct daemon {
	struct ev_loop *loop;
	struct config *cfg;
	char *config_path;
	enum daemon_mode mode;
	struct store *store;
	struct http *http;
	struct source_rt **sources;
	size_t nsources;
	ev_signal sig_term, sig_int, sig_hup;
	ev_timer stop_timer; /* bounds the graceful stop */
	int stopping;
	int exit_status;
	size_t polls_failed; /* in once mode: decides the exit status */
};

/* schedule.c */
struct source_rt *schedule_source_new(struct daemon *d, const struct config_source *cfg);
void schedule_source_free(struct source_rt *rt);
/* Arms rt's timer for the next poll: after `delay` seconds (plus jitter). */
void schedule_at(struct source_rt *rt, double delay);
/* Arms rt's timer after a poll (interval, or backoff after failures); returns the delay. */
double schedule_next(struct source_rt *rt);
/* Delay before the first poll of rt in run mode, from the stored next_due. */
double schedule_first_delay(struct source_rt *rt);
/* Stops every source timer (graceful stop). */
void schedule_stop_all(struct daemon *d);

/* poll.c: starts a poll of rt now (no-op if one is in flight). */
void poll_start(struct source_rt *rt);

/* daemon.c: called when a poll finished; lets once mode and stop complete. */
void daemon_poll_finished(struct daemon *d, struct source_rt *rt);

/* reload.c: SIGHUP. */
void daemon_reload(struct daemon *d);

#endif
