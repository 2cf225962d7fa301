/*
 * daemon/poll_record: the end of a poll — its outcome written to the
 * store (status row, validators, failures, next due time, health events)
 * by a store job (store_jobs.h), or for a quiet poll kept in memory until
 * poll_flush writes the dirty rows together.
 */
#ifndef SW_POLL_RECORD_H
#define SW_POLL_RECORD_H

struct poll_outcome;
struct source_rt;

/*
 * Records the poll's outcome o (taken over) of rt, next_delay the seconds
 * to its next poll (< 0: none). Ends the poll once the write is back (or
 * at once for a quiet poll): counts it (rt->polled, failures in once mode)
 * and calls rt->hooks->finished.
 */
void poll_record(struct source_rt *rt, struct poll_outcome *o, double next_delay);

/* Ends a poll that records nothing (a removed source, a cancelled request); o is freed. */
void poll_record_none(struct source_rt *rt, struct poll_outcome *o);

/*
 * rt's next poll moved to next_delay seconds from now outside a poll (a
 * lease taken over): its row says so, written with the quiet polls' rows,
 * so that a next owner, should this one die before it, knows that no poll
 * was made before then. Nothing when the row is not known.
 */
void poll_record_schedule(struct source_rt *rt, double next_delay);

/* Frees o and what it owns. */
void poll_outcome_free(struct poll_outcome *o);

#endif
