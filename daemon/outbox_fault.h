/*
 * daemon/outbox_fault: what the outbox does when the store refuses a write
 * (disk full, a lock held by another process). An episode starts at the
 * first failure, is logged once and shown in the systemd status, and ends
 * with the next look at the due events in which every write succeeded.
 * Meanwhile no attempt starts (it could not be recorded first), the outbox
 * looks again after a back-off (1 s doubling to 60 s), and outcomes of sends
 * that finished are kept here and written first by the next look's job.
 * Everything here runs on the loop: the store's reasons come as text from
 * the jobs (outbox_store.h).
 */
#ifndef SW_OUTBOX_FAULT_H
#define SW_OUTBOX_FAULT_H

#include <stddef.h>

struct store_event;

struct outbox_fault {
	int failing;		     /* an episode is under way */
	double backoff;		     /* seconds until the next look */
	struct store_event *unsaved; /* judged, not written: the store rows say "sending" */
	size_t nunsaved;
};

/*
 * A store operation (what) failed for the reason err: the first failure of
 * an episode is logged and shown.
 */
void outbox_fault_trouble(struct outbox_fault *f, const char *what, const char *err);
/* Ends an episode (logged, shown). */
void outbox_fault_recovered(struct outbox_fault *f);
/* Keeps what a write of ev needs, to be written again by a later look. */
void outbox_fault_keep(struct outbox_fault *f, const struct store_event *ev);
/* The kept outcomes, oldest first, handed over (the caller frees them); *n 0: none. */
void outbox_fault_take(struct outbox_fault *f, struct store_event **evs, size_t *n);
/* Kept outcomes a look could not write go back, before those kept since (copied). */
void outbox_fault_put_back(struct outbox_fault *f, const struct store_event *evs, size_t n);
/* The delay before the next look in an episode; the one after doubles. */
double outbox_fault_next_backoff(struct outbox_fault *f);
/* A retired outbox's kept outcomes go to its successor (to), which looks after a back-off. */
void outbox_fault_hand_over(struct outbox_fault *from, struct outbox_fault *to);
void outbox_fault_free(struct outbox_fault *f);

#endif
