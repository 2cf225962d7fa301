/*
 * daemon/redeliver: the operator's second chance for events (speechwatch
 * events redeliver, events enable-channel). The chosen events go back to
 * queued in one store transaction, each with a log line; the outbox then
 * sends them as any other pending event: a new attempt of the same event,
 * same id and payload, so receivers de-duplicate. A daemon holding the
 * state directory's lock is told with SIGUSR1 (it keeps the next due time
 * in memory and would not look otherwise); without one, the next once or
 * run sends them.
 */
#ifndef SW_REDELIVER_H
#define SW_REDELIVER_H

#include <stddef.h>

struct store;

/*
 * Which events: the given ids (nids > 0), else every event in one of the
 * states of the mask (1 << enum store_event_state), of channel (NULL: any),
 * created at or after since (0: any).
 */
struct redeliver_sel {
	const char *const *ids;
	size_t nids;
	unsigned states;
	const char *channel;
	double since;
};

/*
 * Moves the selected events that are dead, delivered or retry_wait to
 * queued, due now (store_event_redeliver), all in one transaction; logs
 * "event=ID channel=C redelivery requested (old -> queued)" for each and
 * says why for a given id it leaves alone (queued or sending already).
 * Returns how many moved, or -1 with err (nothing moved): the store
 * failed, or a given id is unknown.
 */
long redeliver_events(struct store *st, const struct redeliver_sel *sel, char *err, size_t errlen);

/*
 * Tells the daemon (run or once) holding state_dir's lock to look at its
 * outbox again: SIGUSR1 to the pid in the lock file. 1 when told, 0 when
 * no daemon holds the lock, -1 with err when one does but cannot be told
 * (another user's process, an unreadable lock file).
 */
int redeliver_wake(const char *state_dir, char *err, size_t errlen);

#endif
