/*
 * daemon/outbox_fault: what the outbox does when the store refuses a write
 * (disk full, a lock held by another process). An episode starts at the
 * first failure, is logged once and shown in the systemd status, and ends
 * with the next look at the due events in which every write succeeded.
 * Meanwhile no attempt starts (it could not be recorded first), the outbox
 * looks again after a back-off (1 s doubling to 60 s), and outcomes of sends
 * that finished are kept here and written first.
 */
#ifndef SW_OUTBOX_FAULT_H
#define SW_OUTBOX_FAULT_H

#include <stddef.h>

struct store;
struct store_event;

struct outbox_fault {
	int failing;		     /* an episode is under way */
	int pass_failed;	     /* a store operation failed in this look at the due events */
	double backoff;		     /* seconds until the next look */
	struct store_event *unsaved; /* judged, not written: the store rows say "sending" */
	size_t nunsaved;
};

/* A store operation (what) failed: the first failure of an episode is logged and shown. */
void outbox_fault_trouble(struct outbox_fault *f, struct store *st, const char *what);
/* Ends an episode (logged, shown). */
void outbox_fault_recovered(struct outbox_fault *f);
/* Writes ev's state; a failure is trouble, a success ends an episode. */
int outbox_fault_save(struct outbox_fault *f, struct store *st, const struct store_event *ev);
/* Keeps what a write of ev needs, to be written by outbox_fault_flush. */
void outbox_fault_keep(struct outbox_fault *f, const struct store_event *ev);
/* Writes the kept outcomes, oldest first; -1 while the store still refuses. */
int outbox_fault_flush(struct outbox_fault *f, struct store *st);
/* The delay before the next look in an episode; the one after doubles. */
double outbox_fault_next_backoff(struct outbox_fault *f);
/* A retired outbox's kept outcomes go to its successor (to), which looks after a back-off. */
void outbox_fault_hand_over(struct outbox_fault *from, struct outbox_fault *to);
void outbox_fault_free(struct outbox_fault *f);

#endif
