/*
 * daemon/store_jobs: store work off the loop (docs/architecture.md,
 * "PostgreSQL"). A job is a step of the pipeline over the synchronous store
 * interface (look a list's items up, write a poll's batch, a retention
 * step): `work` runs with the store, then `done` runs on the loop with the
 * job's own data. Threaded (a store on a server), work runs on the store
 * thread, one job at a time in the order submitted, and the loop goes on
 * meanwhile; the thread touches nothing but the job's argument and its
 * store. Inline (SQLite: a local file), work runs at once inside submit.
 * Either way `done` is called later from the loop, never inside submit, so
 * callers have one order of events to think about.
 */
#ifndef SW_STORE_JOBS_H
#define SW_STORE_JOBS_H

#include <stddef.h>

struct ev_loop;
struct store;
struct store_jobs;

/* Runs with the jobs' store: on the store thread, or inline. Touches only arg and st. */
typedef void store_job_work_fn(struct store *st, void *arg);
/* Runs on the loop after work; cancelled: work never ran (store_jobs_free). */
typedef void store_job_done_fn(void *arg, int cancelled);

/*
 * Jobs over st (which they own from now on while threaded: nothing else may
 * use it). threaded 0: inline. NULL when the thread cannot be started, with
 * err filled.
 */
struct store_jobs *store_jobs_new(struct ev_loop *loop, struct store *st, int threaded, char *err,
				  size_t errlen);

/*
 * Moves an inline q onto a thread of its own (0 if it is there already):
 * the daemon starts with its store inline, for the synchronous reads of its
 * start, and puts it on the thread when the loop starts. -1, err filled,
 * when the thread cannot be started; q stays inline.
 */
int store_jobs_start_thread(struct store_jobs *q, char *err, size_t errlen);

/*
 * Runs every job submitted (done is called for each), ends the thread and
 * makes q inline again, the store the caller's: the loop has stopped and
 * what remains (last rows, a report, closing) is synchronous.
 */
void store_jobs_stop_thread(struct store_jobs *q);

/* Queues a job; done (may be NULL) is called exactly once, from the loop. */
void store_jobs_submit(struct store_jobs *q, store_job_work_fn *work, store_job_done_fn *done,
		       void *arg);

/* Jobs submitted whose done has not been called yet. */
size_t store_jobs_pending(const struct store_jobs *q);

/*
 * Waits for the job running now, calls done (cancelled = 1) for those that
 * never ran and done for the finished ones not yet told, stops the thread
 * and frees q. The store stays the caller's to close.
 */
void store_jobs_free(struct store_jobs *q);

#endif
