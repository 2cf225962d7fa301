/*
 * daemon/store_pg_maint: the PostgreSQL backend's upkeep — the start-up
 * check and what to do when the store fails, the size the store takes,
 * retention of raw pages and texts, and VACUUM (contracts in store.h; the
 * reference is store_sqlite_maint.c). None of it runs on the hot path.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"
#include "daemon/store_pg.h"

/*
 * The store's tables (store_pg_schema.c), for its size and VACUUM. Their
 * indexes (the search's trigram index on items among them) and TOAST
 * tables go with them.
 */
#define STORE_TABLES "schema_version, sources, items, item_versions, events"
#define STORE_TABLES_ARRAY "{schema_version,sources,items,item_versions,events}"

/* SQLSTATEs of damaged data: data_corrupted, index_corrupted. */
static int sqlstate_damaged(const char *state)
{
	return state != NULL && (strcmp(state, "XX001") == 0 || strcmp(state, "XX002") == 0);
}

/*
 * Runs sql (no parameters) for the check: 0 read, 1 cancelled by the
 * statement timeout when `timed` (the budget ran out), -1 with the error
 * set ("damaged" and errno EBADMSG when the server found damaged data).
 */
static int check_read(struct store_pg *pg, const char *what, const char *sql, int timed)
{
	PGresult *res;
	const char *state;
	int rc = -1, damaged;

	pg->round_trips++;
	res = PQexecParams(pg->conn, sql, 0, NULL, NULL, NULL, NULL, 0);
	state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	damaged = sqlstate_damaged(state);
	errno = 0;
	if (PQresultStatus(res) == PGRES_TUPLES_OK)
		rc = 0;
	else if (timed && state != NULL && strcmp(state, "57014") == 0)
		rc = 1; /* query_canceled: the check's statement_timeout */
	else
		store_pg_fail(pg, damaged ? "damaged" : what, res);
	if (rc < 0 && damaged)
		errno = EBADMSG;
	PQclear(res);
	return rc;
}

/* The schema version is this build's: 0, else -1 with the error set. */
static int check_version(struct store_pg *pg)
{
	PGresult *res;
	long long v = 0;

	if (store_pg_row(pg, "read the schema version",
			 "SELECT coalesce(max(version), 0) FROM schema_version", 0, NULL, &res) < 0)
		return -1;
	if (res != NULL)
		v = store_pg_get_ll(res, 0, 0);
	PQclear(res);
	if (v == STORE_PG_SCHEMA_VERSION)
		return 0;
	snprintf(pg->base.err, sizeof(pg->base.err), "%s: schema version %lld, expected %d",
		 pg->shown, v, STORE_PG_SCHEMA_VERSION);
	return -1;
}

/*
 * The items' part of the check, under a statement timeout of budget
 * seconds (0: none) that lasts only as long as the check's own read-only
 * transaction (a savepoint inside one already open, a copy's session's
 * among them, rolled back likewise). length() reads each text whole, and
 * || each raw page, out of TOAST (octet_length alone reads only a value's
 * header).
 */
static int check_items(struct store_pg *pg, double budget)
{
	struct store_pg_num b;
	long long ms = budget > 0 ? (long long)fmax(1, ceil(fmin(budget, 1e9) * 1000)) : 0;
	const char *p[] = {store_pg_ll(&b, ms)};
	int inner = pg->copy || PQtransactionStatus(pg->conn) != PQTRANS_IDLE;
	char keep[sizeof(pg->base.err)];
	int rc, saved;

	if (store_pg_run(pg, "check", inner ? "SAVEPOINT sw_check" : "BEGIN READ ONLY", 0, NULL) <
	    0)
		return -1;
	rc = store_pg_run(pg, "check", "SELECT set_config('statement_timeout', $1, true)", 1, p);
	if (rc == 0)
		rc = check_read(pg, "read the items",
				"SELECT (SELECT count(*) + sum(length(text))"
				" + sum(octet_length(raw || '\\x'::bytea)) FROM items),"
				" (SELECT count(*) + sum(length(text)) FROM item_versions)",
				1);
	saved = errno;
	memcpy(keep, pg->base.err, sizeof(keep)); /* the check's error, not the rollback's */
	if (inner) {
		store_pg_run(pg, "check", "ROLLBACK TO SAVEPOINT sw_check", 0, NULL);
		store_pg_run(pg, "check", "RELEASE SAVEPOINT sw_check", 0, NULL);
	} else {
		store_pg_run(pg, "check", "ROLLBACK", 0, NULL);
	}
	if (rc < 0)
		memcpy(pg->base.err, keep, sizeof(keep));
	errno = saved;
	return rc;
}

/*
 * PostgreSQL checks its own pages as it reads them (their headers, and
 * their checksums when the cluster has them) and keeps itself consistent
 * through its WAL; there is no quick_check to run. What the check verifies
 * is that the database holds this build's schema and that the store can
 * be read: sources and events whole, texts included; items and their
 * versions, texts and raw pages included, as far as `budget` seconds go.
 * Damage the server reports (SQLSTATE XX001, XX002) is errno EBADMSG.
 */
int store_pg_check(struct store *st, double budget)
{
	struct store_pg *pg = store_pg_of(st);
	int rc;

	if (check_version(pg) < 0)
		return -1;
	rc = check_read(pg, "read sources and events",
			"SELECT (SELECT count(*) + sum(length(structure)) + sum(length(suggestion))"
			" FROM sources), (SELECT count(*) + sum(length(payload))"
			" + sum(length(last_error)) FROM events)",
			0);
	return rc < 0 ? -1 : check_items(pg, budget);
}

/*
 * The location the operator gave, without its password: a URI as it is,
 * key=value pairs after "postgresql:" (as store_pg.c names the store).
 */
static char *shown_location(const char *rest)
{
	char *conninfo, *redacted, *shown;

	if (strncmp(rest, "//", 2) == 0) {
		conninfo = xasprintf("postgresql:%s", rest);
		shown = pg_conn_redact(conninfo);
		free(conninfo);
		return shown;
	}
	redacted = pg_conn_redact(rest);
	shown = xasprintf("postgresql:%s", redacted);
	free(redacted);
	return shown;
}

char *store_pg_recovery_steps(const char *rest, const char *location)
{
	char *shown = shown_location(rest);
	/* what pg_isready and psql take: the conninfo, its password left out */
	const char *conninfo = strncmp(shown, "postgresql://", 13) == 0 ? shown : shown + 11;
	char *steps;

	(void)location; /* it may carry a password: rest is named, redacted, instead */
	steps = xasprintf(
	    "the PostgreSQL store %s failed; speechwatch will not run on it. To recover:\n"
	    "  1. is the server up and reachable from this host? pg_isready -d '%s'\n"
	    "  2. do the credentials work? psql -d '%s' -c 'SELECT version FROM schema_version'\n"
	    "     (expects %d), with the password as configured (~/.pgpass, PGPASSFILE or the\n"
	    "     service file); the server's log says why a login was refused (pg_hba.conf,\n"
	    "     the role's rights)\n"
	    "  3. if the server reports damaged data (its log), restore the database from a\n"
	    "     pg_dump (pg_restore) or from a base backup and its WAL archive (point-in-time\n"
	    "     recovery); events written after that point are lost, and statements first\n"
	    "     seen after it may be alerted again\n"
	    "see speechwatch(8), STORE RECOVERY",
	    shown, conninfo, conninfo, STORE_PG_SCHEMA_VERSION);
	free(shown);
	return steps;
}

/* A count given as size_t, as a LIMIT parameter (NULL: no limit). */
static const char *limit_param(struct store_pg_num *b, size_t max)
{
	return max > (size_t)LLONG_MAX ? NULL : store_pg_ll(b, (long long)max);
}

/*
 * The batch to prune after p->after: up to p->max items first seen before
 * the newer cutoff, in id order; *last is its last id. A newer item, or the
 * end of the table, finishes the visit: ids follow first sightings, so
 * nothing older lies beyond (a clock stepped back only keeps some longer).
 * An item seen "after" p->future (a clock that was ahead) does not end it.
 */
static int prune_range(struct store_pg *pg, struct store_prune *p, int64_t *last)
{
	double newest = p->raw_before > p->text_before ? p->raw_before : p->text_before;
	struct store_pg_num after, max;
	const char *params[] = {store_pg_ll(&after, p->after), limit_param(&max, p->max)};
	PGresult *res;
	int rows, r;

	*last = p->after;
	res = store_pg_exec(pg, "prune",
			    "SELECT id, first_seen FROM items WHERE id > $1"
			    " ORDER BY id LIMIT $2",
			    2, params);
	if (res == NULL)
		return -1;
	rows = PQntuples(res);
	for (r = 0; r < rows; r++) {
		double seen = store_pg_get_dbl(res, r, 1);

		if (seen >= newest && (p->future <= 0 || seen <= p->future)) {
			p->finished = 1;
			break;
		}
		*last = (int64_t)store_pg_get_ll(res, r, 0);
	}
	if (r == rows && (size_t)rows < p->max)
		p->finished = 1;
	PQclear(res);
	return 0;
}

/*
 * Sets one column (raw, or text with its past versions' texts) to NULL in
 * ids (after, last] first seen before `before`; *n: the items changed. An
 * index on items' texts (search's) follows its rows.
 */
static int prune_column(struct store_pg *pg, int text, int64_t after, int64_t last, double before,
			size_t *n)
{
	struct store_pg_num a, l, b;
	const char *p[] = {store_pg_ll(&a, after), store_pg_ll(&l, last), store_pg_dbl(&b, before)};
	PGresult *res;

	if (before <= 0 || last <= after)
		return 0;
	res = store_pg_exec(pg, "prune",
			    text ? "UPDATE items SET text = NULL WHERE id > $1 AND id <= $2"
				   " AND first_seen < $3 AND text IS NOT NULL"
				 : "UPDATE items SET raw = NULL WHERE id > $1 AND id <= $2"
				   " AND first_seen < $3 AND raw IS NOT NULL",
			    3, p);
	if (res == NULL)
		return -1;
	*n = (size_t)strtoul(PQcmdTuples(res), NULL, 10);
	PQclear(res);
	if (!text)
		return 0;
	/* retention covers every version of a text */
	return store_pg_run(
	    pg, "prune",
	    "UPDATE item_versions SET text = NULL WHERE item_id > $1"
	    " AND item_id <= $2 AND text IS NOT NULL AND item_id IN"
	    " (SELECT id FROM items WHERE id > $1 AND id <= $2 AND first_seen < $3)",
	    3, p);
}

/* One transaction of the call's own (the backend's begin: a savepoint in a copy). */
int store_pg_prune(struct store *st, struct store_prune *p)
{
	struct store_pg *pg = store_pg_of(st);
	int64_t last;

	if (st->be->begin(st) < 0)
		return -1;
	if (prune_range(pg, p, &last) < 0 ||
	    prune_column(pg, 0, p->after, last, p->raw_before, &p->raw_dropped) < 0 ||
	    prune_column(pg, 1, p->after, last, p->text_before, &p->text_dropped) < 0 ||
	    st->be->commit(st) < 0) {
		st->be->rollback(st);
		return -1;
	}
	p->after = last;
	return 0;
}

/*
 * VACUUM (ANALYZE) of the store's tables, not VACUUM FULL: the database
 * may be shared by other instances that keep running, and FULL would lock
 * them out for the whole rewrite. The space of pruned values becomes free
 * inside the tables (reused before they grow) and empty pages at their
 * ends go back to the file system. Without the session's statement
 * timeout: on a large store it takes longer. Not inside a transaction
 * (PostgreSQL refuses it there).
 */
int store_pg_compact(struct store *st)
{
	struct store_pg *pg = store_pg_of(st);
	int rc;

	if (store_pg_run(pg, "vacuum", "SELECT set_config('statement_timeout', '0', false)", 0,
			 NULL) < 0)
		return -1;
	rc = store_pg_run(pg, "vacuum", "VACUUM (ANALYZE) " STORE_TABLES, 0, NULL);
	if (store_pg_run(pg, "vacuum", "RESET statement_timeout", 0, NULL) < 0)
		rc = -1;
	return rc;
}

/*
 * The store's tables with their indexes and TOAST (pg_total_relation_size).
 * free_bytes is 0, not an estimate: how much of that is free inside the
 * tables is not known without an extension (pgstattuple, pg_freespacemap)
 * that the store cannot count on.
 */
int store_pg_size(struct store *st, int64_t *bytes, int64_t *free_bytes)
{
	struct store_pg *pg = store_pg_of(st);
	const char *p[] = {STORE_TABLES_ARRAY};
	PGresult *res;

	if (store_pg_row(pg, "size",
			 "SELECT coalesce(sum(pg_total_relation_size(to_regclass(t))), 0)::bigint"
			 " FROM unnest($1::text[]) AS t",
			 1, p, &res) < 0)
		return -1;
	*bytes = res != NULL ? (int64_t)store_pg_get_ll(res, 0, 0) : 0;
	*free_bytes = 0;
	PQclear(res);
	return 0;
}
