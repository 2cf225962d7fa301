/*
 * daemon/store_pg_events: the PostgreSQL backend's outbox — events, their
 * states and the per-channel counts (contracts in store.h), giving what
 * store_sqlite_events.c gives: the same rows, order and error conventions.
 */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/xmalloc.h"
#include "daemon/store_pg.h"

#define STR2(x) #x
#define STR(x) STR2(x)

#define EVENT_COLUMNS                                                                              \
	"id, channel, type, source_id, item_id, payload, state, attempts, next_attempt, created,"  \
	" delivered_at, last_error, age"

/*
 * A count the caller gives as size_t, as a LIMIT parameter: NULL (no
 * limit) for one no bigint holds, which SQLite reads as -1 (no limit) too.
 */
static const char *limit_param(struct store_pg_num *b, size_t max)
{
	return max > (size_t)LLONG_MAX ? NULL : store_pg_ll(b, (long long)max);
}

/*
 * An id minted once (issue 20): inserting it again fails as SQLite's
 * primary key makes it fail, -1 with the error naming the store, and the
 * caller's transaction stays usable as SQLite's does (ON CONFLICT instead
 * of a unique violation, which would abort the whole transaction).
 */
int store_pg_event_insert(struct store *st, const struct store_event_new *ev)
{
	struct store_pg *pg = store_pg_of(st);
	struct store_pg_num item, next, created;
	/* due now, whichever of the two clocks is behind (store.h) */
	const char *p[] = {ev->id,
			   ev->channel,
			   ev->type,
			   ev->source_id,
			   ev->item_id ? store_pg_ll(&item, ev->item_id) : NULL,
			   ev->payload,
			   store_pg_dbl(&next, fmin(ev->created, clock_steady())),
			   store_pg_dbl(&created, ev->created)};
	PGresult *res;
	int added;

	res = store_pg_exec(pg, "write event",
			    "INSERT INTO events (id, channel, type, source_id, item_id, payload,"
			    " state, attempts, next_attempt, created)"
			    " VALUES ($1, $2, $3, $4, $5, $6, 'queued', 0, $7, $8)"
			    " ON CONFLICT (id) DO NOTHING",
			    8, p);
	if (res == NULL)
		return -1;
	added = atoi(PQcmdTuples(res));
	PQclear(res);
	if (added == 1)
		return 0;
	snprintf(pg->base.err, sizeof(pg->base.err), "%s: write event: event %s is stored already",
		 pg->shown, ev->id);
	return -1;
}

int store_pg_event_recent(struct store *st, const char *source_id, const char *type, double since)
{
	struct store_pg *pg = store_pg_of(st);
	struct store_pg_num b;
	const char *p[] = {source_id, type, store_pg_dbl(&b, since)};
	PGresult *res;
	int rc;

	rc = store_pg_row(pg, "look up recent events",
			  "SELECT 1 FROM events WHERE source_id = $1 AND type = $2"
			  " AND created >= $3 LIMIT 1",
			  3, p, &res);
	PQclear(res);
	return rc;
}

int store_pg_event_last_of(struct store *st, const char *source_id, const char *type, double *when)
{
	struct store_pg *pg = store_pg_of(st);
	const char *p[] = {source_id, type};
	PGresult *res;
	int rc;

	*when = 0;
	rc = store_pg_row(pg, "read the last event of a source",
			  "SELECT max(created) FROM events WHERE source_id = $1 AND type = $2", 2,
			  p, &res);
	if (rc < 0)
		return -1;
	if (rc == 1)
		*when = store_pg_get_dbl(res, 0, 0); /* NULL (none) reads as 0 */
	PQclear(res);
	return 0;
}

#define F(kind, field) STORE_PG_FIELD(struct store_event, kind, field)
static const struct store_pg_field event_fields[] = {
    F(PGCOL_TEXT, id),	      F(PGCOL_TEXT, channel),	     F(PGCOL_TEXT, type),
    F(PGCOL_TEXT, source_id), F(PGCOL_INT64, item_id),	     F(PGCOL_TEXT, payload),
    F(PGCOL_SKIP, state),     F(PGCOL_LONG, attempts),	     F(PGCOL_DOUBLE, next_attempt),
    F(PGCOL_DOUBLE, created), F(PGCOL_DOUBLE, delivered_at), F(PGCOL_TEXT, last_error),
    F(PGCOL_DOUBLE, age),
};
#undef F
#define EVENT_COL_STATE 6

/* The rows of sql (EVENT_COLUMNS) as events (*out, *n). what names a failure. */
static int events_collect(struct store_pg *pg, const char *what, const char *sql, int n_params,
			  const char *const *params, struct store_event **out, size_t *n)
{
	PGresult *res = store_pg_exec(pg, what, sql, n_params, params);
	int rows;

	*out = NULL;
	*n = 0;
	if (res == NULL)
		return -1;
	rows = PQntuples(res);
	if (rows > 0)
		*out = xcalloc((size_t)rows, sizeof(**out));
	for (int r = 0; r < rows; r++) {
		STORE_PG_ROW_READ(res, r, event_fields, &(*out)[r]);
		(*out)[r].state = store_event_state_parse(PQgetvalue(res, r, EVENT_COL_STATE));
	}
	*n = (size_t)rows;
	PQclear(res);
	return 0;
}

/* skip's channels as a text[] parameter. Caller frees. */
static char *skip_param(const struct store_skip *skip)
{
	return pg_conn_text_array(skip ? skip->channels : NULL, skip ? skip->n : 0);
}

/*
 * Shared by several instances, a due event is *claimed*: rows that are due
 * and not claimed by another instance (or whose claim ran out: that
 * instance died or hung, and a 'sending' row of its goes back to 'queued'),
 * locked with SKIP LOCKED so that two instances never take the same one,
 * and stamped with this instance and a claim that ends claim_secs later
 * by the server's clock. Only the claimant sends it (event_update).
 */
int store_pg_events_due(struct store *st, double now, const struct store_skip *skip, size_t max,
			struct store_event **out, size_t *n)
{
	struct store_pg *pg = store_pg_of(st);
	struct store_pg_num b_now, b_max, b_claim;
	char *skipped = skip_param(skip);
	const char *p[] = {store_pg_dbl(&b_now, now), limit_param(&b_max, max), skipped,
			   pg->instance, store_pg_dbl(&b_claim, pg->claim_secs)};
	int rc;

	rc = events_collect(
	    pg, "claim due events",
	    "WITH c AS MATERIALIZED (SELECT id FROM events"
	    " WHERE ((state IN ('queued','retry_wait') AND next_attempt <= $1"
	    " AND (claimed_by IS NULL OR claimed_by = $4 OR claimed_until < now()))"
	    " OR (state = 'sending' AND claimed_until < now()))"
	    " AND channel <> ALL ($3::text[])"
	    " ORDER BY next_attempt, created, id COLLATE \"C\" LIMIT $2 FOR UPDATE SKIP LOCKED),"
	    " u AS (UPDATE events e SET claimed_by = $4,"
	    " claimed_until = now() + make_interval(secs => $5::double precision),"
	    " state = CASE WHEN e.state = 'sending' THEN 'queued' ELSE e.state END"
	    " FROM c WHERE e.id = c.id RETURNING e.*)"
	    " SELECT " EVENT_COLUMNS " FROM u ORDER BY next_attempt, created, id COLLATE \"C\"",
	    5, p, out, n);
	free(skipped);
	return rc;
}

/*
 * Another instance's claim holds its event until the claim ends: then it is
 * due here (this clock's now plus what is left of the claim).
 */
int store_pg_events_next_due(struct store *st, const struct store_skip *skip, double *when)
{
	struct store_pg *pg = store_pg_of(st);
	char *skipped = skip_param(skip);
	struct store_pg_num b_now;
	const char *p[] = {skipped, pg->instance, store_pg_dbl(&b_now, clock_steady())};
	PGresult *res;
	int rc;

	*when = 0;
	rc = store_pg_row(pg, "read next due event",
			  "SELECT min(CASE WHEN claimed_by <> $2 AND claimed_until > now()"
			  " THEN greatest(next_attempt, $3::double precision"
			  " + extract(epoch FROM claimed_until - now())) ELSE next_attempt END)"
			  " FROM events WHERE (state IN ('queued','retry_wait')"
			  " OR (state = 'sending' AND claimed_by <> $2))"
			  " AND channel <> ALL ($1::text[])",
			  3, p, &res);
	free(skipped);
	if (rc < 0)
		return -1;
	if (rc == 1)
		*when = store_pg_get_dbl(res, 0, 0); /* NULL (none pending) reads as 0 */
	PQclear(res);
	return 0;
}

/*
 * The settle rules of a shared outbox: a delivery counts from any
 * instance (a late success still prevents one more send); any other move
 * only from the event's claimant, or of an event nobody claimed (the
 * operator's), so a stale instance cannot reschedule an event another one
 * has claimed since: 0 rows then, which is not an error (the claimant
 * answers for it). While 'sending' the claim runs on; after, it ends.
 */
int store_pg_event_update(struct store *st, const struct store_event *ev)
{
	struct store_pg *pg = store_pg_of(st);
	struct store_pg_num att, next, done, age, claim;
	const char *p[] = {ev->id,
			   store_event_state_name(ev->state),
			   store_pg_ll(&att, ev->attempts),
			   store_pg_dbl(&next, ev->next_attempt),
			   ev->delivered_at > 0 ? store_pg_dbl(&done, ev->delivered_at) : NULL,
			   ev->last_error,
			   store_pg_dbl(&age, ev->age),
			   pg->instance,
			   store_pg_dbl(&claim, pg->claim_secs)};

	return store_pg_run(
	    pg, "update event",
	    "UPDATE events SET state = $2, attempts = $3, next_attempt = $4,"
	    " delivered_at = $5, last_error = $6, age = $7,"
	    " claimed_by = CASE WHEN $2 = 'sending' THEN $8 END,"
	    " claimed_until = CASE WHEN $2 = 'sending'"
	    " THEN now() + make_interval(secs => $9::double precision) END"
	    " WHERE id = $1 AND CASE WHEN $2 = 'delivered' THEN state <> 'delivered'"
	    " ELSE claimed_by IS NULL OR claimed_by = $8 END",
	    9, p);
}

/* The rows a command changed (PQcmdTuples), or -1 with the error set. */
static int changed_rows(struct store_pg *pg, const char *what, const char *sql, int n,
			const char *const *params)
{
	PGresult *res = store_pg_exec(pg, what, sql, n, params);
	int rows;

	if (res == NULL)
		return -1;
	rows = atoi(PQcmdTuples(res));
	PQclear(res);
	return rows;
}

/*
 * At start: 'sending' rows go back to the queue unless another instance
 * that is alive (a heartbeat within STORE_CLAIM_DEFAULT) holds a claim on
 * them: a claim of this one, of none, of an instance gone (as this process
 * before a restart, under another pid) or one that ran out.
 */
int store_pg_events_requeue_sending(struct store *st)
{
	struct store_pg *pg = store_pg_of(st);
	const char *p[] = {pg->instance};

	return changed_rows(
	    pg, "requeue events",
	    "UPDATE events SET state = 'queued', claimed_by = NULL, claimed_until = NULL"
	    " WHERE state = 'sending' AND (claimed_by IS NULL OR claimed_by = $1"
	    " OR claimed_until < now() OR NOT EXISTS (SELECT 1 FROM instances i"
	    " WHERE i.instance_id = events.claimed_by"
	    " AND i.heartbeat_at > now() - make_interval(secs => " STR(STORE_CLAIM_DEFAULT) ")))",
	    1, p);
}

/*
 * The operator's view: a walk of the outbox, newest first. The states
 * mask's bits follow enum store_event_state, as SQLite's statement reads
 * them. Ids of one time compare bytewise (COLLATE "C"), as in SQLite,
 * whatever the database's collation.
 */
int store_pg_events_list(struct store *st, const struct store_event_filter *f,
			 struct store_event **out, size_t *n)
{
	struct store_pg *pg = store_pg_of(st);
	struct store_pg_num states, since, limit;
	const char *p[] = {f->id, f->channel, store_pg_ll(&states, (long long)f->states),
			   store_pg_dbl(&since, f->since),
			   f->limit ? limit_param(&limit, f->limit) : NULL};

	return events_collect(
	    pg, "list events",
	    "SELECT " EVENT_COLUMNS " FROM events"
	    " WHERE ($1::text IS NULL OR id = $1) AND ($2::text IS NULL OR channel = $2)"
	    " AND ($3::bigint = 0 OR ($3::bigint >> (CASE state WHEN 'queued' THEN 0"
	    " WHEN 'sending' THEN 1 WHEN 'delivered' THEN 2 WHEN 'retry_wait' THEN 3"
	    " ELSE 4 END)) & 1 = 1) AND created >= $4"
	    " ORDER BY created DESC, id COLLATE \"C\" DESC LIMIT $5",
	    5, p, out, n);
}

int store_pg_event_redeliver(struct store *st, const char *id, double when)
{
	struct store_pg_num b;
	const char *p[] = {id, store_pg_dbl(&b, when)};
	int rows = changed_rows(store_pg_of(st), "redeliver event",
				"UPDATE events SET state = 'queued', next_attempt = $2, age = 0,"
				" claimed_by = NULL, claimed_until = NULL"
				" WHERE id = $1 AND state IN ('dead','delivered','retry_wait')",
				2, p);

	return rows < 0 ? -1 : rows > 0;
}

/*
 * One round trip (/metrics reads it every scrape): the counts per state
 * and the last error of the newest dead or retrying event.
 */
int store_pg_channel_counts(struct store *st, const char *channel, struct store_channel_counts *out)
{
	struct store_pg *pg = store_pg_of(st);
	const char *p[] = {channel};
	PGresult *res;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = store_pg_row(
	    pg, "count events",
	    "SELECT count(*) FILTER (WHERE state IN ('queued','sending','retry_wait')),"
	    " count(*) FILTER (WHERE state = 'delivered'),"
	    " count(*) FILTER (WHERE state = 'dead'),"
	    " (SELECT last_error FROM events WHERE channel = $1"
	    "  AND last_error IS NOT NULL AND state IN ('dead','retry_wait')"
	    "  ORDER BY created DESC, id COLLATE \"C\" DESC LIMIT 1)"
	    " FROM events WHERE channel = $1",
	    1, p, &res);
	if (rc < 0)
		return -1;
	if (rc == 1) {
		out->pending = (long)store_pg_get_ll(res, 0, 0);
		out->delivered = (long)store_pg_get_ll(res, 0, 1);
		out->dead = (long)store_pg_get_ll(res, 0, 2);
		out->last_error = store_pg_strdup(res, 0, 3);
	}
	PQclear(res);
	return 0;
}
