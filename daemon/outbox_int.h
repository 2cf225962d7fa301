/*
 * daemon/outbox internals, shared by outbox.c (events' moves, sends,
 * outcomes, lifecycle) and outbox_look.c (the looks at the due events and
 * the attempts they start). outbox_look.c calls into outbox.c, never the
 * other way: outbox.c names outbox_look_cb and outbox_look_done only as
 * callbacks.
 *
 * Store work is done by store jobs (outbox_store.h): one look (or the first
 * reading at open) out at a time, `looking`; an attempt starts only once
 * its "sending" row is written, and no look is submitted between a look and
 * the writes it decided, so a look never sees an event that is already
 * being sent as due. A job's answer reaches its outbox through a link that
 * the outbox clears when it is freed: an answer that comes back later frees
 * itself and touches nothing else.
 */
#ifndef SW_OUTBOX_INT_H
#define SW_OUTBOX_INT_H

#include <ev.h>

#include "daemon/outbox.h"
#include "daemon/outbox_fault.h"
#include "daemon/outbox_store.h"
#include "daemon/store_jobs.h"

struct notify_channel;
struct notify_outcome;

struct chan {
	struct notify_channel *nc;
	const struct config_notify *cfg; /* NULL for the default stdout channel */
	int gone;			 /* 410 seen: disabled until reload */
	double digest;			 /* seconds between digest mails, 0: none */
	double next_digest;		 /* wall time the next digest may go */
};

/* One attempt: one event, or (digest channels) several in one message. */
struct send {
	struct outbox *ob;
	struct store_event *evs;
	size_t nev;
	struct chan *ch;
	double jitter;	/* one draw per attempt: a digest retries as one */
	double started; /* clock_mono() as the attempt started: its share of the age */
	struct send *next;
};

/* What a job's answer finds its outbox by; freed with the last job after the outbox. */
struct outbox_link {
	struct outbox *ob; /* NULL once the outbox is freed */
	size_t jobs;	   /* submitted, done not called yet */
};

struct outbox {
	struct outbox_env env;
	struct outbox_link *link;
	struct chan *chans;
	size_t nchans;
	const char **ids;
	struct send *in_flight;
	size_t nflight;
	ev_timer timer;
	/*
	 * Earliest next_attempt of the pending events, 0: none. Read from the
	 * store when the outbox opens and after each look at the due events;
	 * between those, events only join the pending set (outbox_queued, a
	 * retry, a cancelled send), so a minimum keeps it exact. noted: the
	 * minimum of those joins since the reading out was submitted, which
	 * its answer does not include.
	 */
	double next_due;
	double noted;
	int looking;	/* a look (or the first reading) is out: the next one waits */
	int look_again; /* kicked meanwhile: look again when it is back */
	int stopped;
	char **tried; /* once mode: ids attempted in this run */
	size_t ntried;
	struct config *retired_cfg; /* set by outbox_retire: freed with ob */
	struct outbox *owner;	    /* retired: the current outbox, which holds it in... */
	struct outbox *retired;	    /* ...this list of outboxes finishing their sends */
	struct outbox *next_retired;
	int requeue_pending; /* the start's requeue of "sending" events is still to be written */
	struct outbox_fault fault; /* the store refuses writes: outbox_fault.h */
	char **gone_ids;	   /* channels disabled by 410 Gone: their events wait */
	size_t ngone;
};

/* outbox.c */
struct chan *outbox_chan_find(struct outbox *ob, const char *id);
/* Is ev being sent, or (once mode) was it tried in this run? */
int outbox_busy_with(const struct outbox *ob, const char *id);
/* The state change of a move in memory only (outbox_enter without the write); -1 illegal. */
int outbox_move(struct outbox *ob, struct store_event *ev, enum store_event_state to,
		const char *why);
/* A judged move (delivered, retry_wait, dead) counted in the metrics. */
void outbox_count(struct outbox *ob, const struct store_event *ev);
/* Logs a move written (or, recorded 0, one that stands but is not written yet). */
void outbox_log_move(const struct outbox_item *it, int recorded);
/* Outcomes to write: a job for outbox_enter_into, submitted by outbox_record. */
struct outbox_job *outbox_record_new(void);
void outbox_record(struct outbox *ob, struct outbox_job *j);
/* outbox_enter, the write added to rec rather than submitted alone. */
int outbox_enter_into(struct outbox *ob, struct store_event *ev, enum store_event_state to,
		      const char *why, struct outbox_job *rec);
/* Takes over evs (n events of channel chan, "sending" recorded) and sends them as one attempt. */
void outbox_send(struct outbox *ob, size_t chan, struct store_event *evs, size_t n);
/* Submits j (its kind and done set by the caller) with the outbox's link. */
void outbox_submit(struct outbox *ob, struct outbox_job *j, store_job_done_fn *done);
/* In a job's done: its outbox, NULL when freed since or cancelled (then free j only). */
struct outbox *outbox_back(struct outbox_job *j, int cancelled);
/* The outbox that schedules ob's retries: its owner once retired. */
struct outbox *outbox_scheduler(struct outbox *ob);
/* A reading came back: next_due is the store's answer and the joins since. */
void outbox_set_next_due(struct outbox *ob, double read);
/* The timer for the next due event, from memory; while the store fails, the back-off. */
void outbox_arm_next(struct outbox *ob);
/* Tells the daemon that work ended (env.work_finished, when it has one). */
void outbox_finished(struct outbox *ob);
/* A retired outbox with nothing out is freed (later, from the loop). */
void outbox_reap_if_drained(struct outbox *ob);

/* outbox_look.c: the timer's callback, and the done of a look (also of the first reading). */
void outbox_look_cb(struct ev_loop *loop, ev_timer *w, int revents);
void outbox_look_done(void *arg, int cancelled);

#endif
