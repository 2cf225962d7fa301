#include "daemon/deliveries.h"

#include <stdlib.h>

#include "common/log.h"
#include "common/xmalloc.h"
#include "config/config.h"
#include "daemon/store.h"

struct deliveries {
	size_t n;
	long *dead; /* per channel, in cfg's order; -1: could not be counted */
};

/* The channel ids the outbox delivers to: the configured ones, or stdout. */
static size_t channel_count(const struct config *cfg)
{
	return cfg->nnotifies > 0 ? cfg->nnotifies : 1;
}

static const char *channel_id(const struct config *cfg, size_t i)
{
	return cfg->nnotifies > 0 ? cfg->notifies[i].id : "stdout";
}

struct deliveries *deliveries_begin(const struct config *cfg, struct store *st)
{
	struct deliveries *snap = xcalloc(1, sizeof(*snap));

	snap->n = channel_count(cfg);
	snap->dead = xcalloc(snap->n, sizeof(*snap->dead));
	for (size_t i = 0; i < snap->n; i++) {
		struct store_channel_counts c = {0};

		snap->dead[i] = store_channel_counts(st, channel_id(cfg, i), &c) < 0 ? -1 : c.dead;
		free(c.last_error);
	}
	return snap;
}

/* One channel's line; returns 1 when it had something to say. */
static int report_channel(const char *id, long dead_before, struct store *st)
{
	struct store_channel_counts c = {0};
	long dead;

	if (dead_before < 0 || store_channel_counts(st, id, &c) < 0) {
		log_err("once: channel=%s deliveries unknown: the store cannot count them", id);
		free(c.last_error);
		return 1;
	}
	dead = c.dead - dead_before;
	if (dead > 0 || c.pending > 0)
		log_err("once: channel=%s dead=%ld pending=%ld last_error=\"%s\"", id,
			dead > 0 ? dead : 0, c.pending,
			log_esc(c.last_error ? c.last_error : "", 300));
	free(c.last_error);
	return dead > 0 || c.pending > 0;
}

size_t deliveries_report(struct deliveries *snap, const struct config *cfg, struct store *st)
{
	size_t bad = 0;

	for (size_t i = 0; i < snap->n && i < channel_count(cfg); i++)
		bad += (size_t)report_channel(channel_id(cfg, i), snap->dead[i], st);
	free(snap->dead);
	free(snap);
	return bad;
}
