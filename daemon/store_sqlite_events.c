/*
 * daemon/store_sqlite_events: the SQLite backend's outbox — events, their
 * states and the per-channel counts (contracts in store.h).
 */
#include "daemon/store_sqlite.h"

#include <jansson.h>
#include <math.h>
#include <sqlite3.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/xmalloc.h"

int store_sqlite_event_insert(struct store *st, const struct store_event_new *ev)
{
	struct store_sqlite *sq = store_sqlite_of(st);
	sqlite3_stmt *s = sq->stmt[ST_EVENT_INSERT];

	store_sqlite_bind_text(s, 1, ev->id);
	store_sqlite_bind_text(s, 2, ev->channel);
	store_sqlite_bind_text(s, 3, ev->type);
	store_sqlite_bind_text(s, 4, ev->source_id);
	if (ev->item_id)
		sqlite3_bind_int64(s, 5, ev->item_id);
	else
		sqlite3_bind_null(s, 5);
	store_sqlite_bind_text(s, 6, ev->payload);
	/* due now, whichever of the two clocks is behind (store.h) */
	sqlite3_bind_double(s, 7, fmin(ev->created, clock_steady()));
	sqlite3_bind_double(s, 8, ev->created);
	return store_sqlite_step_done(sq, s, "write event");
}

int store_sqlite_event_recent(struct store *st, const char *source_id, const char *type,
			      double since)
{
	struct store_sqlite *sq = store_sqlite_of(st);
	sqlite3_stmt *s = sq->stmt[ST_EVENT_RECENT];
	int rc;

	store_sqlite_bind_text(s, 1, source_id);
	store_sqlite_bind_text(s, 2, type);
	sqlite3_bind_double(s, 3, since);
	rc = sqlite3_step(s);
	return store_sqlite_row_result(sq, s, rc, "look up recent events");
}

int store_sqlite_event_last_of(struct store *st, const char *source_id, const char *type,
			       double *when)
{
	struct store_sqlite *sq = store_sqlite_of(st);
	sqlite3_stmt *s = sq->stmt[ST_EVENT_LAST_OF];
	int rc;

	*when = 0;
	store_sqlite_bind_text(s, 1, source_id);
	store_sqlite_bind_text(s, 2, type);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*when = sqlite3_column_double(s, 0); /* NULL (none) reads as 0 */
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_sqlite_fail(sq, "read the last event of a source");
	return 0;
}

#define F(kind, field) STORE_SQLITE_FIELD(struct store_event, kind, field)
static const struct store_sqlite_field event_fields[] = {
    F(COL_TEXT, id),	    F(COL_TEXT, channel),	 F(COL_TEXT, type),
    F(COL_TEXT, source_id), F(COL_INT64, item_id),	 F(COL_TEXT, payload),
    F(COL_SKIP, state),	    F(COL_LONG, attempts),	 F(COL_DOUBLE, next_attempt),
    F(COL_DOUBLE, created), F(COL_DOUBLE, delivered_at), F(COL_TEXT, last_error),
    F(COL_DOUBLE, age),
};
#undef F
#define EVENT_COL_STATE 6

static void event_from_row(sqlite3_stmt *s, struct store_event *ev)
{
	STORE_SQLITE_ROW_READ(s, event_fields, ev);
	ev->state = store_event_state_parse((const char *)sqlite3_column_text(s, EVENT_COL_STATE));
}

/* The rows of the bound statement s as events (*out, *n); resets s. what names a failure. */
static int events_collect(struct store_sqlite *sq, sqlite3_stmt *s, struct store_event **out,
			  size_t *n, const char *what)
{
	int rc;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		*out = xreallocarray(*out, *n + 1, sizeof(**out));
		memset(&(*out)[*n], 0, sizeof(**out));
		event_from_row(s, &(*out)[(*n)++]);
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc != SQLITE_DONE)
		return store_sqlite_fail(sq, what);
	return 0;
}

/* Binds skip's channels at index i as a JSON array, for json_each(). */
static void bind_skip(sqlite3_stmt *s, int i, const struct store_skip *skip)
{
	json_t *a = json_array();
	char *text;

	for (size_t k = 0; skip && k < skip->n; k++)
		json_array_append_new(a, json_string(skip->channels[k]));
	text = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	sqlite3_bind_text(s, i, text ? text : "[]", -1, SQLITE_TRANSIENT);
	free(text);
}

int store_sqlite_events_due(struct store *st, double now, const struct store_skip *skip, size_t max,
			    struct store_event **out, size_t *n)
{
	struct store_sqlite *sq = store_sqlite_of(st);
	sqlite3_stmt *s = sq->stmt[ST_EVENT_DUE];

	*out = NULL;
	*n = 0;
	sqlite3_bind_double(s, 1, now);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)max);
	bind_skip(s, 3, skip);
	return events_collect(sq, s, out, n, "read due events");
}

int store_sqlite_events_next_due(struct store *st, const struct store_skip *skip, double *when)
{
	struct store_sqlite *sq = store_sqlite_of(st);
	sqlite3_stmt *s = sq->stmt[ST_EVENT_NEXT];
	int rc;

	bind_skip(s, 1, skip);
	rc = sqlite3_step(s);
	*when = 0;
	if (rc == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL)
		*when = sqlite3_column_double(s, 0);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_sqlite_fail(sq, "read next due event");
	return 0;
}

int store_sqlite_event_update(struct store *st, const struct store_event *ev)
{
	struct store_sqlite *sq = store_sqlite_of(st);
	sqlite3_stmt *s = sq->stmt[ST_EVENT_UPDATE];

	store_sqlite_bind_text(s, 1, ev->id);
	store_sqlite_bind_text(s, 2, store_event_state_name(ev->state));
	sqlite3_bind_int64(s, 3, ev->attempts);
	sqlite3_bind_double(s, 4, ev->next_attempt);
	if (ev->delivered_at > 0)
		sqlite3_bind_double(s, 5, ev->delivered_at);
	else
		sqlite3_bind_null(s, 5);
	store_sqlite_bind_text(s, 6, ev->last_error);
	sqlite3_bind_double(s, 7, ev->age);
	return store_sqlite_step_done(sq, s, "update event");
}

int store_sqlite_events_requeue_sending(struct store *st)
{
	struct store_sqlite *sq = store_sqlite_of(st);
	if (store_sqlite_step_done(sq, sq->stmt[ST_EVENT_REQUEUE], "requeue events") < 0)
		return -1;
	return sqlite3_changes(sq->db);
}

int store_sqlite_events_list(struct store *st, const struct store_event_filter *f,
			     struct store_event **out, size_t *n)
{
	struct store_sqlite *sq = store_sqlite_of(st);
	sqlite3_stmt *s = sq->stmt[ST_EVENT_LIST];

	*out = NULL;
	*n = 0;
	store_sqlite_bind_text(s, 1, f->id);
	store_sqlite_bind_text(s, 2, f->channel);
	sqlite3_bind_int64(s, 3, (sqlite3_int64)f->states);
	sqlite3_bind_double(s, 4, f->since);
	sqlite3_bind_int64(s, 5, f->limit ? (sqlite3_int64)f->limit : -1);
	return events_collect(sq, s, out, n, "list events");
}

int store_sqlite_event_redeliver(struct store *st, const char *id, double when)
{
	struct store_sqlite *sq = store_sqlite_of(st);
	sqlite3_stmt *s = sq->stmt[ST_EVENT_REDELIVER];

	store_sqlite_bind_text(s, 1, id);
	sqlite3_bind_double(s, 2, when);
	if (store_sqlite_step_done(sq, s, "redeliver event") < 0)
		return -1;
	return sqlite3_changes(sq->db) > 0;
}

/* The connection's busy handler: the daemon's loop waits briefly (store.h). */
void store_sqlite_set_busy_wait(struct store *st, int ms)
{
	sqlite3_busy_timeout(store_sqlite_of(st)->db, ms);
}

int store_sqlite_channel_counts(struct store *st, const char *channel,
				struct store_channel_counts *out)
{
	struct store_sqlite *sq = store_sqlite_of(st);
	sqlite3_stmt *s = sq->stmt[ST_CHANNEL_COUNTS];
	int rc;

	memset(out, 0, sizeof(*out));
	store_sqlite_bind_text(s, 1, channel);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		out->pending = (long)sqlite3_column_double(s, 0);
		out->delivered = (long)sqlite3_column_double(s, 1);
		out->dead = (long)sqlite3_column_double(s, 2);
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_sqlite_fail(sq, "count events");
	s = sq->stmt[ST_CHANNEL_LAST_ERROR];
	store_sqlite_bind_text(s, 1, channel);
	if (sqlite3_step(s) == SQLITE_ROW)
		out->last_error = store_sqlite_column_strdup(s, 0);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return 0;
}
