/*
 * daemon/deliveries: what `once` says about its deliveries when it exits.
 * Its exit status promises that every event was delivered: an event that
 * died during the run, or is still waiting when the run ends, makes it fail
 * with one line per channel naming how many and the channel's last error.
 */
#ifndef SW_DELIVERIES_H
#define SW_DELIVERIES_H

#include <stddef.h>

struct config;
struct store;

/*
 * The dead counts of cfg's channels (the "stdout" channel when cfg has none)
 * before the run, so that events dead from an earlier run do not fail this
 * one. Returns the snapshot; deliveries_report() frees it.
 */
struct deliveries *deliveries_begin(const struct config *cfg, struct store *st);

/*
 * Logs, as an error, one line per channel with events that died since
 * deliveries_begin() or are still pending (with the channel's last error),
 * frees snap and returns how many channels it named (0: all delivered).
 * cfg must name the same channels as at deliveries_begin() (once mode does
 * not reload). A store that cannot count counts as a failure too.
 */
size_t deliveries_report(struct deliveries *snap, const struct config *cfg, struct store *st);

#endif
