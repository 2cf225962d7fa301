/*
 * Internal to daemon/: the shared structs of the runtime. The pipeline runs
 * downward and reports upward only through callbacks given at creation:
 * daemon.c -> schedule.c (source_hooks.due) -> poll.c -> detect.c
 * (detect_done_fn) -> article_fetch.c (article_done_fn) -> store, outbox
 * (outbox_env.work_finished, .polls_done) -> back to daemon.c through
 * source_hooks.finished. No file calls a function of a file that calls it.
 */
#ifndef SW_DAEMON_INT_H
#define SW_DAEMON_INT_H

#include <ev.h>
#include <stddef.h>

#include "config/config.h"
#include "analyze/page/list.h"
#include "daemon/daemon.h"
#include "daemon/outbox.h"
#include "daemon/store.h"

struct article_batch;
struct http;
struct http_req_handle;
struct metrics;
struct outbox;
struct pdf_queue;
struct poll_run;
struct share;
struct store;
struct store_jobs;
struct source_rt;
struct themes;

/*
 * How a source's runtime reports upward, filled by daemon.c and given to each
 * source_rt at creation: schedule.c and poll.c call through it, never into
 * daemon.c.
 */
struct source_hooks {
	void (*due)(struct source_rt *rt);	/* its timer fired: start a poll */
	void (*finished)(struct source_rt *rt); /* a poll ended (recorded or cancelled) */
};

/* Runtime state of one configured source. */
struct source_rt {
	struct daemon *d;
	const struct source_hooks *hooks; /* d->hooks */
	char *id;
	const struct config_source *cfg; /* into d->cfg; NULL once removed by a reload */
	ev_timer timer;
	struct http_req_handle *inflight; /* the list page request */
	struct poll_run *run;		  /* articles of the current poll, or NULL */
	struct article_batch *batch;	  /* the run's writes without alerts (article_fetch.h) */
	long failures;			  /* consecutive failed polls */
	double retry_after;		  /* seconds the server asked for, 0 if none */
	int polled;			  /* at least one poll finished (once mode) */
	/*
	 * The newest publication day (else first sighting) of its items with a
	 * text, from store_items_text_newest: every re-check window ends a fixed
	 * time after it, so a poll past that asks the store nothing. Valid while
	 * text_newest_known; storing a text clears that (article_fetch.c).
	 */
	double text_newest;
	int text_newest_known;
	/* first_poll = archive: nothing was left to read at the last look (daemon/archive.h) */
	int archive_done;
	/*
	 * Its store row, read once (schedule_source_new, or the next poll when
	 * that read failed) and kept here: the daemon is the only writer of
	 * source rows, so a poll reads none. Valid while src_known. src_dirty:
	 * a quiet poll updated it and the store is behind until poll_flush.
	 */
	struct store_source src;
	int src_known;
	int src_dirty;
	/*
	 * Store jobs out that point at it (store_jobs.h): a reload that removes
	 * the source keeps it until the last is back (source_busy).
	 */
	size_t jobs_out;
	int row_reading; /* the read of its row is out as a store job */
	/*
	 * share.c: the epoch of its lease at the last lease round, 0 when not
	 * held. A new epoch is a new tenure: another instance may have polled
	 * it since, so its schedule is read again (waking while that is out).
	 */
	long long lease_epoch;
	int waking;
	int first_wanted; /* schedule_first came while it was: the read's answer arms the timer */
};

/* A poll or a store job still points at rt: a reload must not free it yet. */
static inline int source_busy(const struct source_rt *rt)
{
	return rt->inflight != NULL || rt->run != NULL || rt->jobs_out > 0;
}

/*
 * A store job of rt that is not part of a poll came back: a source a
 * reload removed meanwhile is forgotten once nothing else points at it.
 */
static inline void source_job_back(struct source_rt *rt)
{
	rt->jobs_out--;
	if (rt->cfg == NULL && !source_busy(rt))
		rt->hooks->finished(rt);
}

/* retain.c: a visit of the store applying keep_raw_days / keep_text_days */
struct retain {
	ev_timer timer;
	struct store_prune p; /* the visit under way; p.after == 0: none */
	size_t raw, text;     /* dropped so far in this visit */
	int busy;	      /* a step is out as a store job */
	int stopped;	      /* retain_stop ran: a step that comes back arms nothing */
};

/* index.c: the search index kept up in run mode */
struct index_keeper {
	ev_timer timer;
	int busy;    /* a step is out as a store job */
	int soon;    /* index_soon came while it was */
	int stopped; /* index_stop ran */
};

struct daemon {
	struct ev_loop *loop;
	struct config *cfg;
	char *config_path;
	enum daemon_mode mode;
	int dry_run; /* once --dry-run: a store copy in memory, the outbox stopped (dryrun.h) */
	struct store *store;
	struct http *http;
	struct outbox *outbox;
	struct themes *themes; /* NULL when no themes are configured */
	struct source_hooks hooks;
	struct outbox_env outbox_env; /* with d->cfg; a reload copies it for the new config */
	struct source_rt **sources;
	size_t nsources;
	ev_signal sig_term, sig_int, sig_hup, sig_usr1;
	ev_timer stop_timer; /* bounds the graceful stop */
	int stopping;
	int exit_status;
	size_t polls_failed;	   /* in once mode: decides the exit status */
	ev_timer flush_timer;	   /* writes the dirty source rows (poll.c) */
	size_t ndirty;		   /* sources with src_dirty set */
	size_t flushes_out;	   /* poll_flush jobs not back: rows not yet in the store */
	struct index_keeper index; /* the search index kept up in run mode (index.c) */
	struct store_jobs *jobs;   /* store work off the loop (store_jobs.h) */
	struct retain retain;
	int lock_fd;		 /* statelock of state_dir, held while the daemon lives */
	struct webserve *web;	 /* the [http] listener (run mode with listen set), or NULL */
	unsigned long reloads;	 /* SIGHUPs handled: reload.status's SEQ (reloadstatus.h) */
	struct metrics *metrics; /* what /metrics shows, with the listener only (metrics.h) */
	struct pdf_queue *pdfs;	 /* PDF statements read in child processes (pdf_queue.h) */
	struct share *share;	 /* run mode on a server's store: leases (share.h), or NULL */
};

/* index.c: run mode keeps the search index up in the background */
void index_start(struct daemon *d);
/* A poll finished and may have stored statements: look within INDEX_SETTLE seconds. */
void index_soon(struct daemon *d);
void index_stop(struct daemon *d);

/* retain.c: run mode applies retention RETAIN_DELAY after the start, then every RETAIN_PERIOD */
void retain_start(struct daemon *d);
void retain_stop(struct daemon *d);

/* schedule.c: a source's runtime; its stored row is read by a store job (schedule_first waits) */
struct source_rt *schedule_source_new(struct daemon *d, const struct config_source *cfg);
/* Arms rt's first poll (now in once mode, else from its stored next_due) once its row is read. */
void schedule_first(struct source_rt *rt);
/*
 * Reads rt's stored row as a store job, then calls then(rt, arg) on the
 * loop (rt->src_known says whether it was read) as its last step: then
 * owns what follows, a reload that removed the source meanwhile
 * (rt->cfg == NULL, rt no longer busy) included. When the daemon stopped
 * before the job ran, then(NULL, arg) only frees arg.
 */
void schedule_read_row(struct source_rt *rt, void (*then)(struct source_rt *rt, void *arg),
		       void *arg);
/* A copy of row into out (caller clears it with store_source_clear). */
void schedule_row_copy(struct store_source *out, const struct store_source *row);
void schedule_source_free(struct source_rt *rt);
/* Arms rt's timer for the next poll: after `delay` seconds, rounded up to the timer slack. */
void schedule_at(struct source_rt *rt, double delay);
/* The delay from `now` to now + delay rounded up to a multiple of `slack`; 0 stays 0. */
double schedule_align(double now, double delay, double slack);
/* Arms rt's timer after a poll (interval, or backoff after failures); returns the delay. */
double schedule_next(struct source_rt *rt);
/* Delay before the first poll of rt in run mode, from the stored next_due. */
double schedule_first_delay(struct source_rt *rt);
/*
 * Delay before the first poll of a source whose lease this instance took:
 * schedule_first_delay, unless the last owner's lease ran out (ran_out,
 * unix time; 0 when it was given back) after the poll its row set fell
 * due: then an interval after ran_out, so that a poll that owner made
 * without storing its row is not repeated within an interval.
 */
double schedule_takeover_delay(struct source_rt *rt, double ran_out);
/* Its interval with the jitter every poll gets (up to 10 % more). */
double schedule_interval(const struct source_rt *rt);
/* Stops every source timer (graceful stop). */
void schedule_stop_all(struct daemon *d);

/* poll.c: starts a poll of rt now (no-op if one is in flight); the hooks' `due`. */
void poll_start(struct source_rt *rt);
/*
 * poll.c: writes every dirty source row (quiet polls since the last flush)
 * in one relaxed transaction. Runs from a short timer after the first dirty
 * mark; call it before the store is closed or the sources change (once-mode
 * exit, stop, reload). Rows stay dirty when it fails.
 */
void poll_flush(struct daemon *d);

/* Outcome of one poll, written to the store when the poll's work is done. */
struct poll_outcome {
	/*
	 * The source's row (rt->src; all zero for a new source or when it could
	 * not be read): its validators, last list size and suspect streak feed
	 * detection; poll.c updates it when the poll ends.
	 */
	const struct store_source *src;
	struct source_rt *rt; /* the polled source */
	int ok;		      /* the poll succeeded (200 with items, or 304) */
	const char *result;   /* "ok", "not-modified", "http-error", "timeout", ... */
	char error[512];      /* when !ok */
	char note[512];	      /* when ok: what reading the list skipped or changed (status) */
	long items;	      /* items found (200 only) */
	long status;
	char *etag, *last_modified; /* validators of the list page (200 only) */
	double elapsed;
	int suspect;	    /* the list lost most of its items: nothing detected */
	long suspect_polls; /* this poll's place in a streak of suspect polls */
	int rebaseline;	    /* a smaller list held steady: accept it silently */
	long fresh, changed, skipped, article_errors;
	long unsettled;	  /* new or baseline items not stored (failed, skipped, cancelled):
			     the list's validators are not kept, so the next poll sees them again */
	char *structure;  /* items = auto: the structure the list was read with (JSON) */
	char *suggestion; /* the list failed its check: discover's best list (JSON), or NULL */
};

/* The poll's detection is over (every article job answered): o goes back to the poller. */
typedef void detect_done_fn(struct source_rt *rt, struct poll_outcome *o);

/*
 * detect.c: compares the page's items (taken over) with the store and fetches
 * what is new or due; done runs exactly once, maybe before this returns.
 */
void detect_start(struct source_rt *rt, struct list_items *items, struct poll_outcome *o,
		  detect_done_fn *done);
/* detect.c: the list did not change (304): re-check the stored items that are due. */
void detect_start_recheck(struct source_rt *rt, struct poll_outcome *o, detect_done_fn *done);
/* detect.c: cancels a run's article fetches (reload, stop); its done runs. */
void detect_cancel(struct poll_run *run);

/* reload.c: SIGHUP. */
void daemon_reload(struct daemon *d);

#endif
