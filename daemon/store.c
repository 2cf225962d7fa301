#include "daemon/store.h"

#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"

enum stmt_id {
	ST_BEGIN,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_SOURCE_GET,
	ST_SOURCE_PUT,
	ST_SOURCE_IDS,
	ST__COUNT,
};

static const char *const stmt_sql[ST__COUNT] = {
    [ST_BEGIN] = "BEGIN IMMEDIATE",
    [ST_COMMIT] = "COMMIT",
    [ST_ROLLBACK] = "ROLLBACK",
    [ST_SOURCE_GET] = "SELECT etag, last_modified, last_poll, last_status, last_result, "
		      "last_error, items, failures, next_due, failing FROM sources WHERE id = ?",
    [ST_SOURCE_PUT] = "INSERT INTO sources (id, url, etag, last_modified, last_poll, "
		      "last_status, last_result, last_error, items, failures, next_due, failing) "
		      "VALUES (?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET "
		      "url=excluded.url, etag=excluded.etag, last_modified=excluded.last_modified, "
		      "last_poll=excluded.last_poll, last_status=excluded.last_status, "
		      "last_result=excluded.last_result, last_error=excluded.last_error, "
		      "items=excluded.items, failures=excluded.failures, "
		      "next_due=excluded.next_due, failing=excluded.failing",
    [ST_SOURCE_IDS] = "SELECT id FROM sources ORDER BY id",
};

/* Each entry migrates from version i to i+1, in one transaction. */
static const char *const migrations[] = {
    /* 0 -> 1 */
    "CREATE TABLE sources ("
    " id TEXT PRIMARY KEY, url TEXT NOT NULL, etag TEXT, last_modified TEXT,"
    " last_poll REAL NOT NULL DEFAULT 0, last_status INTEGER NOT NULL DEFAULT 0,"
    " last_result TEXT, last_error TEXT, items INTEGER NOT NULL DEFAULT 0,"
    " failures INTEGER NOT NULL DEFAULT 0, next_due REAL NOT NULL DEFAULT 0,"
    " failing INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE items ("
    " id INTEGER PRIMARY KEY, source_id TEXT NOT NULL, url TEXT NOT NULL,"
    " norm_url TEXT NOT NULL, guid TEXT, title TEXT, published TEXT,"
    " final_url TEXT, http_status INTEGER, etag TEXT, last_modified TEXT,"
    " raw_sha256 TEXT, text_sha256 TEXT, text TEXT, raw BLOB, language TEXT,"
    " words INTEGER, fetched_at REAL, first_seen REAL NOT NULL, last_seen REAL NOT NULL,"
    " last_checked REAL, UNIQUE (source_id, url));"
    "CREATE INDEX items_norm_url ON items (norm_url);"
    "CREATE INDEX items_text_sha256 ON items (text_sha256);"
    "CREATE TABLE events ("
    " id TEXT PRIMARY KEY, channel TEXT NOT NULL, type TEXT NOT NULL,"
    " source_id TEXT, item_id INTEGER, payload TEXT NOT NULL,"
    " state TEXT NOT NULL DEFAULT 'queued', attempts INTEGER NOT NULL DEFAULT 0,"
    " next_attempt REAL NOT NULL DEFAULT 0, created REAL NOT NULL,"
    " delivered_at REAL, last_error TEXT);"
    "CREATE INDEX events_due ON events (state, next_attempt);",
};

struct store {
	sqlite3 *db;
	char *path;
	char err[512];
	sqlite3_stmt *stmt[ST__COUNT];
};

static int fail(struct store *st, const char *what)
{
	snprintf(st->err, sizeof(st->err), "%s: %s: %s", st->path, what,
		 st->db ? sqlite3_errmsg(st->db) : "cannot open");
	return -1;
}

const char *store_path(const struct store *st)
{
	return st->path;
}

const char *store_error(const struct store *st)
{
	return st->err;
}

static int exec(struct store *st, const char *sql, const char *what)
{
	char *msg = NULL;

	if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(st->err, sizeof(st->err), "%s: %s: %s", st->path, what,
			 msg ? msg : sqlite3_errmsg(st->db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

int store_schema_version(struct store *st)
{
	sqlite3_stmt *s;
	int v = -1;

	if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL) != SQLITE_OK)
		return fail(st, "read schema version");
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return v;
}

static int migrate(struct store *st)
{
	int have = store_schema_version(st);
	int want = (int)(sizeof(migrations) / sizeof(migrations[0]));
	char sql[64];

	if (have < 0)
		return -1;
	if (have > want) {
		snprintf(st->err, sizeof(st->err),
			 "%s: schema version %d is newer than this speechwatch (%d)", st->path,
			 have, want);
		return -1;
	}
	for (int v = have; v < want; v++) {
		if (exec(st, "BEGIN IMMEDIATE", "migrate") < 0)
			return -1;
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v + 1);
		if (exec(st, migrations[v], "migrate") < 0 || exec(st, sql, "migrate") < 0 ||
		    exec(st, "COMMIT", "migrate") < 0) {
			sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
			return -1;
		}
	}
	return 0;
}

static int prepare_all(struct store *st)
{
	for (int i = 0; i < ST__COUNT; i++)
		if (sqlite3_prepare_v3(st->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
				       &st->stmt[i], NULL) != SQLITE_OK)
			return fail(st, "prepare");
	return 0;
}

static struct store *store_open_flags(const char *path, int flags, int readonly, char *err,
				      size_t errlen)
{
	struct store *st = xcalloc(1, sizeof(*st));

	st->path = xstrdup(path);
	if (sqlite3_open_v2(path, &st->db, flags, NULL) != SQLITE_OK) {
		fail(st, "open");
		goto fail;
	}
	sqlite3_extended_result_codes(st->db, 1);
	sqlite3_busy_timeout(st->db, 5000);
	if (!readonly &&
	    (exec(st, "PRAGMA journal_mode = WAL", "set WAL mode") < 0 ||
	     exec(st, "PRAGMA synchronous = FULL", "set synchronous") < 0 || migrate(st) < 0))
		goto fail;
	if (exec(st, "PRAGMA foreign_keys = ON", "pragma") < 0)
		goto fail;
	if (readonly && store_schema_version(st) != STORE_SCHEMA_VERSION) {
		snprintf(st->err, sizeof(st->err), "%s: not a speechwatch database of version %d",
			 path, STORE_SCHEMA_VERSION);
		goto fail;
	}
	if (prepare_all(st) < 0)
		goto fail;
	return st;
fail:
	snprintf(err, errlen, "%s", st->err);
	store_close(st);
	return NULL;
}

struct store *store_open(const char *path, char *err, size_t errlen)
{
	return store_open_flags(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, 0, err, errlen);
}

struct store *store_open_readonly(const char *path, char *err, size_t errlen)
{
	return store_open_flags(path, SQLITE_OPEN_READONLY, 1, err, errlen);
}

void store_close(struct store *st)
{
	if (st == NULL)
		return;
	for (int i = 0; i < ST__COUNT; i++)
		sqlite3_finalize(st->stmt[i]);
	if (st->db)
		sqlite3_close(st->db);
	free(st->path);
	free(st);
}

static int step_done(struct store *st, sqlite3_stmt *s, const char *what)
{
	int rc = sqlite3_step(s);

	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return fail(st, what);
	return 0;
}

int store_begin(struct store *st)
{
	return step_done(st, st->stmt[ST_BEGIN], "begin");
}

int store_commit(struct store *st)
{
	return step_done(st, st->stmt[ST_COMMIT], "commit");
}

void store_rollback(struct store *st)
{
	if (!sqlite3_get_autocommit(st->db))
		step_done(st, st->stmt[ST_ROLLBACK], "rollback");
}

int store_integrity_check(struct store *st)
{
	sqlite3_stmt *s;
	int ok = 0;

	if (sqlite3_prepare_v2(st->db, "PRAGMA integrity_check", -1, &s, NULL) != SQLITE_OK)
		return fail(st, "integrity check");
	if (sqlite3_step(s) == SQLITE_ROW) {
		const char *r = (const char *)sqlite3_column_text(s, 0);

		ok = r && strcmp(r, "ok") == 0;
		if (!ok)
			snprintf(st->err, sizeof(st->err), "%s: integrity check: %s", st->path,
				 r ? r : "?");
	}
	sqlite3_finalize(s);
	return ok ? 0 : -1;
}

static char *column_strdup(sqlite3_stmt *s, int col)
{
	const unsigned char *t = sqlite3_column_text(s, col);

	return t ? xstrdup((const char *)t) : NULL;
}

static void bind_text(sqlite3_stmt *s, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(s, i);
}

int store_source_get(struct store *st, const char *id, struct store_source *out)
{
	sqlite3_stmt *s = st->stmt[ST_SOURCE_GET];
	int rc;

	memset(out, 0, sizeof(*out));
	sqlite3_bind_text(s, 1, id, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		out->etag = column_strdup(s, 0);
		out->last_modified = column_strdup(s, 1);
		out->last_poll = sqlite3_column_double(s, 2);
		out->last_status = sqlite3_column_int(s, 3);
		out->last_result = column_strdup(s, 4);
		out->last_error = column_strdup(s, 5);
		out->items = sqlite3_column_int(s, 6);
		out->failures = sqlite3_column_int(s, 7);
		out->next_due = sqlite3_column_double(s, 8);
		out->failing = sqlite3_column_int(s, 9);
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return fail(st, "read source");
	return rc == SQLITE_ROW;
}

int store_source_put(struct store *st, const char *id, const char *url,
		     const struct store_source *src)
{
	sqlite3_stmt *s = st->stmt[ST_SOURCE_PUT];

	bind_text(s, 1, id);
	bind_text(s, 2, url);
	bind_text(s, 3, src->etag);
	bind_text(s, 4, src->last_modified);
	sqlite3_bind_double(s, 5, src->last_poll);
	sqlite3_bind_int64(s, 6, src->last_status);
	bind_text(s, 7, src->last_result);
	bind_text(s, 8, src->last_error);
	sqlite3_bind_int64(s, 9, src->items);
	sqlite3_bind_int64(s, 10, src->failures);
	sqlite3_bind_double(s, 11, src->next_due);
	sqlite3_bind_int(s, 12, src->failing);
	return step_done(st, s, "write source");
}

void store_source_clear(struct store_source *src)
{
	free(src->etag);
	free(src->last_modified);
	free(src->last_result);
	free(src->last_error);
	memset(src, 0, sizeof(*src));
}

int store_source_ids(struct store *st, char ***ids, size_t *n)
{
	sqlite3_stmt *s = st->stmt[ST_SOURCE_IDS];
	int rc;

	*ids = NULL;
	*n = 0;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		*ids = xreallocarray(*ids, *n + 1, sizeof(**ids));
		(*ids)[(*n)++] = column_strdup(s, 0);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return fail(st, "list sources");
	return 0;
}
