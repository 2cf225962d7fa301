/* placeholder until its helper writes it (branch pgstore only) */
#include "daemon/store_pg.h"

int store_pg_event_insert(struct store *st, const struct store_event_new *ev)
{
	(void)st;
	(void)ev;
	return -1;
}

int store_pg_event_recent(struct store *st, const char *source_id, const char *type, double since)
{
	(void)st;
	(void)source_id;
	(void)type;
	(void)since;
	return -1;
}

int store_pg_event_last_of(struct store *st, const char *source_id, const char *type, double *when)
{
	(void)st;
	(void)source_id;
	(void)type;
	(void)when;
	return -1;
}

int store_pg_events_due(struct store *st, double now, const struct store_skip *skip, size_t max,
			struct store_event **out, size_t *n)
{
	(void)st;
	(void)now;
	(void)skip;
	(void)max;
	(void)out;
	(void)n;
	return -1;
}

int store_pg_events_next_due(struct store *st, const struct store_skip *skip, double *when)
{
	(void)st;
	(void)skip;
	(void)when;
	return -1;
}

int store_pg_event_update(struct store *st, const struct store_event *ev)
{
	(void)st;
	(void)ev;
	return -1;
}

int store_pg_events_requeue_sending(struct store *st)
{
	(void)st;
	return -1;
}

int store_pg_events_list(struct store *st, const struct store_event_filter *f,
			 struct store_event **out, size_t *n)
{
	(void)st;
	(void)f;
	(void)out;
	(void)n;
	return -1;
}

int store_pg_event_redeliver(struct store *st, const char *id, double when)
{
	(void)st;
	(void)id;
	(void)when;
	return -1;
}

int store_pg_channel_counts(struct store *st, const char *channel, struct store_channel_counts *out)
{
	(void)st;
	(void)channel;
	(void)out;
	return -1;
}
