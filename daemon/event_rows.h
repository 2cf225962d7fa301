/*
 * daemon/event_rows: events built on the loop (ids, channels, payloads:
 * they need the config, the outbox's channels and the themes) and inserted
 * later by a store job, in the transaction that records their cause
 * (store_jobs.h). The rows own their strings.
 */
#ifndef SW_EVENT_ROWS_H
#define SW_EVENT_ROWS_H

#include <stddef.h>
#include <stdint.h>

struct store;

struct event_row {
	char *id, *channel, *type, *source_id;
	char *payload;
	double created;
};

struct event_rows {
	struct event_row *v;
	size_t n;
};

/* Appends an event (strings copied, payload taken over); its id is minted here, once. */
void event_rows_add(struct event_rows *r, const char *channel, const char *type,
		    const char *source_id, double created,
		    char *(*payload)(const char *id, void *arg), void *arg);

/* Inserts every row, for item_id (0: none). 0, or -1 at the first store error. */
int event_rows_insert(struct store *st, const struct event_rows *r, int64_t item_id);

void event_rows_free(struct event_rows *r);

#endif
