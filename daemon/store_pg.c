/*
 * daemon/store_pg: the PostgreSQL backend's connection, schema and
 * transactions (store_pg.h says where it may run and why it blocks).
 *
 * The location is "postgresql://…" (a libpq URI) or "postgresql:" followed
 * by key=value pairs ("postgresql:service=newsroom", "postgresql:host=/run/pg
 * dbname=sw"). Each session runs with statement, lock and idle-in-transaction
 * time-outs, TCP keepalives and a user time-out, in UTC; a conninfo of the
 * operator's may set any of them itself (its keys come last and win).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/log.h"
#include "common/xmalloc.h"
#include "daemon/store_pg.h"

/* Seconds a schema change waits for another instance's lock before it fails. */
#define MIGRATE_LOCK_WAIT 30
#define SESSION_OPTIONS                                                                            \
	"-c statement_timeout=30s -c lock_timeout=5s -c TimeZone=UTC"                              \
	" -c idle_in_transaction_session_timeout=60s"

/* The conninfo libpq takes for the text after "postgresql:". Allocated. */
static char *conninfo_of(const char *rest)
{
	return strncmp(rest, "//", 2) == 0 ? xasprintf("postgresql:%s", rest) : xstrdup(rest);
}

static void notice_quiet(void *arg, const char *message)
{
	(void)arg;
	log_debug("postgresql: %s", log_esc(message, 300));
}

/*
 * Connects with the session's defaults before the operator's conninfo
 * (expand_dbname: the keys of the conninfo override those before it).
 */
static int pg_connect(struct store_pg *pg, int readonly, int copy)
{
	const char *options = copy ? SESSION_OPTIONS " -c idle_in_transaction_session_timeout=0"
			      : readonly ? SESSION_OPTIONS " -c default_transaction_read_only=on"
					 : SESSION_OPTIONS;
	const char *keys[] = {"connect_timeout",  "keepalives_idle",  "keepalives_interval",
			      "keepalives_count", "tcp_user_timeout", "fallback_application_name",
			      "options",	  "dbname",	      NULL};
	const char *vals[] = {"10",	     "30",    "10",	    "3", "60000",
			      "speechwatch", options, pg->conninfo, NULL};

	pg->conn = PQconnectdbParams(keys, vals, 1);
	if (pg->conn == NULL || PQstatus(pg->conn) != CONNECTION_OK)
		return store_pg_fail(pg, "cannot connect", NULL);
	PQsetNoticeProcessor(pg->conn, notice_quiet, NULL);
	return 0;
}

/*
 * The schema version in the database, 0 when it has none, -1 on error
 * (two statements: a query naming a missing table fails at parse time).
 */
static int schema_version(struct store_pg *pg)
{
	PGresult *res;
	int v = 0, rc;

	rc =
	    store_pg_row(pg, "read the schema version",
			 "SELECT 1 WHERE to_regclass('schema_version') IS NOT NULL", 0, NULL, &res);
	PQclear(res);
	if (rc <= 0)
		return rc;
	if (store_pg_row(pg, "read the schema version",
			 "SELECT coalesce(max(version), 0) FROM schema_version", 0, NULL, &res) < 0)
		return -1;
	v = res != NULL ? (int)store_pg_get_ll(res, 0, 0) : 0;
	PQclear(res);
	return v;
}

/* Read-write opens migrate; read-only ones insist on this build's schema. */
static int pg_setup(struct store_pg *pg, int readonly)
{
	char err[512];
	int v;

	if (!readonly && pg_conn_migrate(pg->conninfo, store_pg_steps, store_pg_nsteps,
					 MIGRATE_LOCK_WAIT, NULL, err, sizeof(err)) < 0) {
		err_set(pg->base.err, sizeof(pg->base.err), "%s: %s", pg->shown, err);
		return -1;
	}
	if ((v = schema_version(pg)) < 0)
		return -1;
	if (v != STORE_PG_SCHEMA_VERSION) {
		snprintf(pg->base.err, sizeof(pg->base.err),
			 "%s: not a speechwatch database of version %d (found %d)", pg->shown,
			 STORE_PG_SCHEMA_VERSION, v);
		return -1;
	}
	return 0;
}

static void store_pg_close(struct store *st)
{
	struct store_pg *pg = store_pg_of(st);

	/*
	 * A transaction still open (a copy's) is rolled back before the
	 * connection goes: the server would do it too, but only after the
	 * client left, and until then its row locks make other sessions'
	 * SKIP LOCKED pass the rows by.
	 */
	if (pg->conn != NULL && PQstatus(pg->conn) == CONNECTION_OK &&
	    PQtransactionStatus(pg->conn) != PQTRANS_IDLE)
		PQclear(PQexec(pg->conn, "ROLLBACK"));
	PQfinish(pg->conn);
	free(pg->conninfo);
	free(pg->shown);
	free(pg->instance);
	free(pg);
}

static struct store_pg *pg_new(const char *rest)
{
	struct store_pg *pg = xcalloc(1, sizeof(*pg));

	pg->instance = store_instance_name(); /* until the daemon names it */
	pg->claim_secs = STORE_CLAIM_DEFAULT;

	pg->conninfo = conninfo_of(rest);
	pg->shown = pg_conn_redact(pg->conninfo);
	if (strncmp(pg->shown, "postgresql:", 11) != 0) {
		char *named = xasprintf("postgresql:%s", pg->shown);

		free(pg->shown);
		pg->shown = named;
	}
	return pg;
}

static struct store *pg_open_fail(struct store_pg *pg, char *err, size_t errlen)
{
	err_set(err, errlen, "%s", pg->base.err);
	store_pg_close(&pg->base);
	errno = 0;
	return NULL;
}

static struct store *store_pg_open(const char *rest, int readonly, char *err, size_t errlen)
{
	struct store_pg *pg = pg_new(rest);

	if (pg_connect(pg, readonly, 0) < 0 || pg_setup(pg, readonly) < 0)
		return pg_open_fail(pg, err, errlen);
	return &pg->base;
}

/*
 * The copy dry-run works on: the whole session is one transaction that is
 * never committed (the store's own transactions are savepoints in it), so
 * nothing it writes reaches the database and other sessions never see it.
 */
static struct store *store_pg_open_copy(const char *rest, char *err, size_t errlen)
{
	struct store_pg *pg = pg_new(rest);

	if (pg_connect(pg, 0, 1) < 0 || pg_setup(pg, 0) < 0 ||
	    store_pg_run(pg, "begin the copy", "BEGIN ISOLATION LEVEL REPEATABLE READ", 0, NULL) <
		0)
		return pg_open_fail(pg, err, errlen);
	pg->copy = 1;
	return &pg->base;
}

/*
 * 1 when the database holds a store (or cannot be asked: opening it then
 * says why), 0 when it answers and has none.
 */
static int store_pg_exists(const char *rest)
{
	struct store_pg *pg = pg_new(rest);
	int v = pg_connect(pg, 1, 0) == 0 ? schema_version(pg) : -1;

	store_pg_close(&pg->base);
	return v != 0;
}

/* BEGIN and a SET LOCAL in one round trip (the simple protocol takes both). */
static int begin_with(struct store_pg *pg, const char *sql)
{
	if (store_pg_run_plain(pg, "begin", sql) == 0)
		return 0;
	if (pg->conn != NULL && PQtransactionStatus(pg->conn) != PQTRANS_IDLE)
		PQclear(PQexec(pg->conn, "ROLLBACK")); /* BEGIN ran, the SET did not */
	return -1;
}

/*
 * A transaction that may mark items seen and write their events: its
 * commit waits for the server's WAL flush whatever the server's default
 * (many run with synchronous_commit off for speed). Else a server crash
 * could lose an event the outbox had already sent, and the next poll
 * would alert the same statement again under a new id.
 */
static int store_pg_begin(struct store *st)
{
	struct store_pg *pg = store_pg_of(st);

	if (!pg->copy)
		return begin_with(pg, "BEGIN; SET LOCAL synchronous_commit = on");
	if (store_pg_run(pg, "begin", "SAVEPOINT sw", 0, NULL) < 0)
		return -1;
	pg->savepoint = 1;
	return 0;
}

/*
 * A poll's status rows: the commit does not wait for the server's WAL
 * flush (synchronous_commit off for this transaction). A crash of the
 * server may lose the last few such commits, never an item or an event:
 * the same promise as SQLite's synchronous=NORMAL here.
 */
static int store_pg_begin_relaxed(struct store *st)
{
	struct store_pg *pg = store_pg_of(st);

	if (pg->copy)
		return store_pg_begin(st);
	return begin_with(pg, "BEGIN; SET LOCAL synchronous_commit = off");
}

static int store_pg_commit(struct store *st)
{
	struct store_pg *pg = store_pg_of(st);

	if (!pg->copy)
		return store_pg_run(pg, "commit", "COMMIT", 0, NULL);
	if (!pg->savepoint) { /* sent anyway, it would fail the whole copy */
		snprintf(pg->base.err, sizeof(pg->base.err), "%s: commit: no transaction",
			 pg->shown);
		return -1;
	}
	if (store_pg_run(pg, "commit", "RELEASE SAVEPOINT sw", 0, NULL) < 0)
		return -1;
	pg->savepoint = 0;
	return 0;
}

static void store_pg_rollback(struct store *st)
{
	struct store_pg *pg = store_pg_of(st);

	if (pg->conn == NULL)
		return;
	if (pg->copy) {
		/* only an open savepoint: rolling back to none would fail the whole copy */
		if (pg->savepoint &&
		    store_pg_run(pg, "rollback", "ROLLBACK TO SAVEPOINT sw", 0, NULL) == 0)
			store_pg_run(pg, "rollback", "RELEASE SAVEPOINT sw", 0, NULL);
		pg->savepoint = 0;
		return;
	}
	if (PQtransactionStatus(pg->conn) != PQTRANS_IDLE)
		store_pg_run(pg, "rollback", "ROLLBACK", 0, NULL);
}

/* One snapshot for a run of lookups: a read-only repeatable-read transaction. */
static int store_pg_read_begin(struct store *st)
{
	struct store_pg *pg = store_pg_of(st);

	if (pg->copy)
		return 0; /* the copy's whole session is one snapshot already */
	return store_pg_run(pg, "begin reading", "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
			    0, NULL);
}

static void store_pg_read_end(struct store *st)
{
	struct store_pg *pg = store_pg_of(st);

	if (!pg->copy && pg->conn != NULL && PQtransactionStatus(pg->conn) != PQTRANS_IDLE)
		store_pg_run(pg, "end reading", "COMMIT", 0, NULL);
}

static int store_pg_info(struct store *st, struct store_info *out)
{
	struct store_pg *pg = store_pg_of(st);

	out->schema_version = schema_version(pg);
	out->round_trips = pg->round_trips;
	return out->schema_version < 0 ? -1 : 0;
}

/*
 * PostgreSQL checks its own pages (checksums, WAL); what is ours to verify
 * is that the database holds this build's tables and they can be read.
 */
static int store_pg_verify(struct store *st)
{
	struct store_pg *pg = store_pg_of(st);
	int v = schema_version(pg);

	if (v < 0)
		return -1;
	if (v != STORE_PG_SCHEMA_VERSION) {
		snprintf(pg->base.err, sizeof(pg->base.err), "%s: schema version %d, expected %d",
			 pg->shown, v, STORE_PG_SCHEMA_VERSION);
		return -1;
	}
	return store_pg_run(pg, "read the tables",
			    "SELECT (SELECT count(*) FROM sources), (SELECT count(*) FROM events),"
			    " (SELECT max(id) FROM items)",
			    0, NULL);
}

static void store_pg_set_instance(struct store *st, const char *id, double claim_secs)
{
	struct store_pg *pg = store_pg_of(st);

	free(pg->instance);
	pg->instance = xstrdup(id);
	pg->claim_secs = claim_secs > 0 ? claim_secs : STORE_CLAIM_DEFAULT;
}

/* How long a statement waits for a row lock another session holds. */
static void store_pg_set_busy_wait(struct store *st, int ms)
{
	struct store_pg *pg = store_pg_of(st);
	struct store_pg_num b;
	const char *p[] = {store_pg_ll(&b, ms)};

	store_pg_run(pg, "set the lock wait", "SELECT set_config('lock_timeout', $1, false)", 1, p);
}

const struct store_backend store_pg_backend = {
    .name = "postgresql",
    .open = store_pg_open,
    .open_copy = store_pg_open_copy,
    .exists = store_pg_exists,
    .close = store_pg_close,
    .begin = store_pg_begin,
    .begin_relaxed = store_pg_begin_relaxed,
    .commit = store_pg_commit,
    .rollback = store_pg_rollback,
    .read_begin = store_pg_read_begin,
    .read_end = store_pg_read_end,
    .info = store_pg_info,
    .verify = store_pg_verify,
    .check = store_pg_check,
    .recovery_steps = store_pg_recovery_steps,
    .prune = store_pg_prune,
    .compact = store_pg_compact,
    .size = store_pg_size,
    .import_rows = store_pg_import_rows,
    .source_get = store_pg_source_get,
    .source_put = store_pg_source_put,
    .source_ids = store_pg_source_ids,
    .sources_all = store_pg_sources_all,
    .item_find = store_pg_item_find,
    .item_seen_elsewhere = store_pg_item_seen_elsewhere,
    .item_same_text = store_pg_item_same_text,
    .item_same_listing = store_pg_item_same_listing,
    .item_put = store_pg_item_put,
    .items_to_recheck = store_pg_items_to_recheck,
    .items_unread = store_pg_items_unread,
    .items_text_newest = store_pg_items_text_newest,
    .item_touch = store_pg_item_touch,
    .item_set_themes = store_pg_item_set_themes,
    .search = store_pg_search,
    .index_pending = store_pg_index_pending,
    .index_add = store_pg_index_add,
    .statements = store_pg_statements,
    .statement_get = store_pg_statement_get,
    .event_insert = store_pg_event_insert,
    .event_recent = store_pg_event_recent,
    .event_last_of = store_pg_event_last_of,
    .events_due = store_pg_events_due,
    .events_next_due = store_pg_events_next_due,
    .event_update = store_pg_event_update,
    .events_requeue_sending = store_pg_events_requeue_sending,
    .events_list = store_pg_events_list,
    .event_redeliver = store_pg_event_redeliver,
    .set_busy_wait = store_pg_set_busy_wait,
    .channel_counts = store_pg_channel_counts,
    .instances = store_pg_instances,
    .set_instance = store_pg_set_instance,
};
