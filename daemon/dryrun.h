/*
 * daemon/dryrun: once --dry-run. The daemon polls and detects as `once`
 * does, on a private in-memory copy of the store, with its outbox stopped:
 * the store on disk is neither written nor created, and no channel is sent
 * anything. At the end the events that would have been sent are printed.
 */
#ifndef SW_DRYRUN_H
#define SW_DRYRUN_H

struct store;

/* The in-memory copy of the store at location (empty when there is none); NULL, logged. */
struct store *dryrun_open_store(const char *location);

/*
 * Prints every event created at or after since (unix time), oldest first,
 * each payload on one line of standard output, as the stdout channel
 * writes it. Returns how many, or -1 (logged).
 */
long dryrun_print(struct store *st, double since);

#endif
