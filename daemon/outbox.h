/*
 * daemon/outbox: delivery of the events the store holds. Each event is
 * sent through its channel (notify/); the answer moves it along
 * queued -> sending -> delivered | retry_wait -> ... -> dead, and every move
 * is written to the store before the next attempt. A 410 disables a channel
 * until a reload; its events stay pending meanwhile. Ids never change, so a
 * receiver can de-duplicate the repeats that at-least-once delivery allows.
 * The outbox reads and writes the store only through store jobs
 * (store_jobs.h, outbox_store.h): the sends stay on the loop, the store's
 * work goes to the store thread when there is one.
 */
#ifndef SW_OUTBOX_H
#define SW_OUTBOX_H

#include <stddef.h>

#include "daemon/store.h"

struct buf;
struct config;
struct ev_loop;
struct http;
struct metrics;
struct outbox;
struct store_jobs;

/* What an outbox works with and how it reports upward; copied by outbox_new. */
struct outbox_env {
	struct ev_loop *loop;
	struct store_jobs *jobs; /* its store's jobs: every read and write of the outbox */
	struct http *http;
	const struct config *cfg; /* its [notify] sections; must outlive the outbox */
	/*
	 * Once mode: every pending event is due at once and tried once in the
	 * run, no timer waits for a retry, and digests wait for polls_done.
	 */
	int once;
	int (*polls_done)(void *arg);	  /* once mode: every source polled, none running */
	void (*work_finished)(void *arg); /* an attempt or a look at the due events ended */
	void *arg;
	struct metrics *metrics; /* deliveries by channel and outcome; NULL: none kept */
};

/*
 * Opens the channels of env->cfg (a stdout channel when none is configured).
 * NULL when one cannot open: with errors, every failure is appended to it as
 * "FILE:LINE: notify 'x': ..." (a reload validates channels by building the
 * outbox it will use); without, it is logged. Its first store job reads the
 * next due time and, at start, queues again the events left "sending" by an
 * earlier process; after a reload they are not: they belong to the retired
 * outbox. Until that job is back no look at the due events goes out.
 */
struct outbox *outbox_new(const struct outbox_env *env, int at_start, struct buf *errors);
/*
 * Cancels sends in flight, also of the outboxes it took over (events go
 * back to queued: store jobs, so with a store thread those that never ran
 * leave them "sending" for the next start to queue again); frees. The
 * answers of its jobs still out then free themselves.
 */
void outbox_free(struct outbox *ob);

/*
 * Reload: ob (the outbox of the configuration cfg) starts no more sends;
 * those in flight finish on their channels and are judged as usual, then
 * ob and cfg are freed once their outcomes' jobs are back too. So a SIGHUP
 * does not cancel and re-send a delivery that is under way. successor (the
 * new outbox) takes ownership of both, and of the outboxes ob had taken
 * over; it schedules their retries and writes their outcomes the store
 * refused.
 */
void outbox_retire(struct outbox *ob, struct config *cfg, struct outbox *successor);

/*
 * The state machine of one event: queued | retry_wait -> sending (one more
 * attempt) -> delivered | retry_wait | dead, queued -> dead and retry_wait
 * -> dead (its channel is gone), sending -> queued (a stop cancelled the
 * send). Is from -> to one of these moves?
 */
int outbox_move_legal(enum store_event_state from, enum store_event_state to);

/*
 * The one place an event changes state: checks the move is legal, changes
 * ev, and writes it to the store by a store job, whose answer logs
 * "event=ID channel=C <why> (old -> new)". Entering sending counts an
 * attempt; entering delivered stamps delivered_at. Entering delivered,
 * retry_wait or dead counts a judged attempt in the metrics
 * (speechwatch_deliveries_total), recorded in the store or not. The caller
 * sets next_attempt and last_error first. -1 (logged, ev unchanged) for an
 * illegal move, else 0. When the store refuses the write (outbox_fault.h),
 * the move stands and is written again before any attempt starts; a move to
 * sending is not (the row stays as it was: the outbox's own attempts are
 * recorded before they start, by the look that decides them).
 */
int outbox_enter(struct outbox *ob, struct store_event *ev, enum store_event_state to,
		 const char *why);

/* The channel ids events are written for, in config order. */
size_t outbox_channels(const struct outbox *ob, const char *const **ids);

/* Look for due events soon (from the loop, not now): at start, and in tests. */
void outbox_kick(struct outbox *ob);

/*
 * Events due at `when` were committed (statement or health events): the
 * outbox's next due time (kept in memory, no query per poll) moves up to
 * it, and it looks for due events soon. A poll that queued nothing does
 * not call it.
 */
void outbox_queued(struct outbox *ob, double when);

/*
 * The operator changed the outbox behind the daemon's back (events
 * redeliver / enable-channel, which send SIGUSR1): channels disabled by 410
 * Gone are enabled again, as a reload would, and the next due time is read
 * from the store again; then it looks for due events soon. A channel whose
 * receiver still answers 410 is disabled again by its next attempt.
 */
void outbox_rescan(struct outbox *ob);

/*
 * The earliest next attempt among pending (queued or retry_wait) events, as
 * the outbox holds it in memory, 0 when none: what store_events_next_due
 * would answer.
 */
double outbox_next_due(const struct outbox *ob);

/* Sends in flight. */
size_t outbox_in_flight(const struct outbox *ob);
/* Once mode: 1 when every event was tried in this run and nothing (send, store job) is out. */
int outbox_idle(const struct outbox *ob);

/* Stops scheduling new attempts (graceful stop); in-flight sends finish. */
void outbox_stop(struct outbox *ob);

#endif
