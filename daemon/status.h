/*
 * daemon/status: what the daemon has been doing, read from its store — the
 * sources' poll state, the channels' outbox counts, the store's size — for
 * `speechwatch status` (text and --json) and the read side's
 * /api/v1/status, which share the JSON built here.
 */
#ifndef SW_STATUS_H
#define SW_STATUS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "daemon/store.h"

struct config;

/* One channel's outbox counts. */
struct status_channel {
	const char *id, *type; /* borrowed from the config */
	struct store_channel_counts counts;
};

struct status {
	struct store_source *rows; /* every source row of the store, in id order */
	size_t nrows;
	struct status_channel *channels; /* the config's channels, else "stdout" */
	size_t nchannels;
	long pending, delivered, dead; /* over every channel */
	long failing;		       /* configured sources failing */
	const char *location;	       /* of the store, borrowed */
	int64_t bytes, free_bytes;     /* store_size; 0 when there is no store */
	struct store_instance *instances; /* sharing the store (PostgreSQL); else none */
	size_t ninstances;
};

/*
 * Fills s for cfg from st (NULL: no store yet, every count 0); location is
 * borrowed for s->location. 0, or -1 with store_error(st); s is to be
 * cleared either way.
 */
int status_collect(const struct config *cfg, struct store *st, const char *location,
		   struct status *s);

void status_clear(struct status *s);

/* The store row of source id, or NULL. */
const struct store_source *status_row(const struct status *s, const char *id);

/*
 * status --json: {"sources": [...], "channels": [...], "totals": {...},
 * "store": {...}, "instances": [...]} (docs/status.md). URLs without credentials. New reference.
 */
json_t *status_json(const struct config *cfg, const struct status *s);

#endif
