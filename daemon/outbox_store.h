/*
 * daemon/outbox_store: the outbox's store work, done by store jobs
 * (store_jobs.h), off the loop when the store is a server's. A job carries
 * copies of everything it writes and slots for everything it reads;
 * outbox_job_work touches only the store and its job. The loop side
 * (daemon/outbox.c, outbox_look.c) fills a job, submits it and applies the
 * answer in its done. The steps, each only when asked, in this order:
 * requeue what a stop left "sending" (at start), write the rows, read the
 * due events, read the next due time. A refused step ends the job there
 * (what and err say which and why), unless each_write asks for every row
 * to be tried (the outcomes of sends: they stand whatever the store says).
 */
#ifndef SW_OUTBOX_STORE_H
#define SW_OUTBOX_STORE_H

#include <stddef.h>

#include "daemon/store.h"

struct outbox_link;

/* What a row is to the loop side; the work writes every kind the same way. */
enum outbox_item_kind {
	OUTBOX_ITEM_KEPT, /* an outcome the store refused earlier: written again first */
	OUTBOX_ITEM_MOVE, /* an event entered a state (outbox_enter) */
	OUTBOX_ITEM_HOLD, /* a digest's event waits for the period's end (next_attempt) */
	OUTBOX_ITEM_SEND, /* an attempt starts: "sending" is recorded before anything is sent */
};

struct outbox_item {
	struct store_event ev; /* the row to write (owned, with the payload a send needs) */
	/* SEND: the row if the attempt cannot start (owned; queued, attempts as before) */
	struct store_event undo;
	size_t group; /* SEND: the items of one attempt (a digest) share it: 1, 2, ... */
	/* loop side only */
	enum outbox_item_kind kind;
	enum store_event_state from; /* MOVE: for the log line */
	char *why;		     /* MOVE, SEND: for the log line (owned) */
	size_t chan;		     /* SEND: the channel's index in its outbox */
	/* out */
	int written; /* ev is in the store (SEND: and the attempt may start) */
	int refused; /* the store refused this row */
};

struct outbox_job {
	struct outbox_link *link; /* loop side: the outbox the answer is for */
	int kind;		  /* loop side: which done applies it */
	double now;		  /* loop side: clock_steady() as the job was made */
	/* in */
	int requeue;		   /* at start: events left "sending" go back to queued */
	struct outbox_item *items; /* written in order */
	size_t nitems;
	int each_write; /* try every row even after one was refused */
	int read_due;	/* read the due events (at most max, next attempt <= horizon) */
	double horizon;
	size_t max;
	int read_next; /* read the earliest next attempt */
	char **skip;   /* channels left alone (410 Gone), owned */
	size_t nskip;
	/* out */
	int requeued; /* events requeued */
	struct store_event *due;
	size_t ndue;
	double next_due; /* 0: none pending */
	char what[96];	 /* the step refused, "" when none was */
	char err[512];	 /* the store's reason */
};

/* store_job_work_fn: the steps asked for, on arg (a struct outbox_job). */
void outbox_job_work(struct store *st, void *arg);

/* An empty job; skip: the channel ids left alone (copied). */
struct outbox_job *outbox_job_new(const char *const *skip, size_t nskip);
/* Appends a row of kind k, a copy of ev; returns it to fill in. */
struct outbox_item *outbox_job_add(struct outbox_job *j, enum outbox_item_kind k,
				   const struct store_event *ev);
void outbox_job_free(struct outbox_job *j);

/* A deep copy of src. */
void outbox_event_copy(struct store_event *dst, const struct store_event *src);

#endif
