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
	ST_SOURCE_ALL,
	ST_ITEM_FIND_URL,
	ST_ITEM_FIND_GUID,
	ST_ITEM_ELSEWHERE,
	ST_ITEM_INSERT,
	ST_ITEM_UPDATE,
	ST_ITEM_TOUCH,
	ST_ITEM_RECHECK,
	ST_ITEM_THEMES,
	ST_SEARCH,
	ST_EVENT_INSERT,
	ST_EVENT_DUE,
	ST_EVENT_NEXT,
	ST_EVENT_UPDATE,
	ST_EVENT_REQUEUE,
	ST_CHANNEL_COUNTS,
	ST_CHANNEL_LAST_ERROR,
	ST__COUNT,
};

#define SOURCE_COLS                                                                                \
	"etag, last_modified, last_poll, last_status, last_result, last_error, "                   \
	"items, failures, next_due, failing, last_new, last_changed, suspect_polls, "              \
	"suspect_items "
#define ITEM_COLS                                                                                  \
	"id, source_id, url, norm_url, guid, title, published, final_url, http_status, etag, "     \
	"last_modified, raw_sha256, text_sha256, text, raw, language, words, fetched_at, "         \
	"first_seen, last_seen, last_checked "

static const char *const stmt_sql[ST__COUNT] = {
    [ST_BEGIN] = "BEGIN IMMEDIATE",
    [ST_COMMIT] = "COMMIT",
    [ST_ROLLBACK] = "ROLLBACK",
    [ST_SOURCE_GET] = "SELECT " SOURCE_COLS "FROM sources WHERE id = ?",
    [ST_SOURCE_ALL] = "SELECT " SOURCE_COLS ", id, url, "
		      "(SELECT count(*) FROM items WHERE items.source_id = sources.id) "
		      "FROM sources ORDER BY id",
    [ST_SOURCE_PUT] = "INSERT INTO sources (id, url, etag, last_modified, last_poll, "
		      "last_status, last_result, last_error, items, failures, next_due, failing, "
		      "last_new, last_changed, suspect_polls, suspect_items) "
		      "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET "
		      "url=excluded.url, etag=excluded.etag, last_modified=excluded.last_modified, "
		      "last_poll=excluded.last_poll, last_status=excluded.last_status, "
		      "last_result=excluded.last_result, last_error=excluded.last_error, "
		      "items=excluded.items, failures=excluded.failures, "
		      "next_due=excluded.next_due, failing=excluded.failing, "
		      "last_new=excluded.last_new, last_changed=excluded.last_changed, "
		      "suspect_polls=excluded.suspect_polls, suspect_items=excluded.suspect_items",
    [ST_SOURCE_IDS] = "SELECT id FROM sources ORDER BY id",
    [ST_ITEM_FIND_URL] = "SELECT " ITEM_COLS "FROM items WHERE source_id = ? AND url = ?",
    [ST_ITEM_FIND_GUID] = "SELECT " ITEM_COLS "FROM items WHERE source_id = ? AND guid = ? "
			  "ORDER BY id LIMIT 1",
    [ST_ITEM_ELSEWHERE] = "SELECT 1 FROM items WHERE "
			  "(norm_url = ?3 AND NOT (source_id = ?1 AND url = ?2)) OR "
			  "(?4 IS NOT NULL AND text_sha256 = ?4 AND source_id <> ?1) LIMIT 1",
    [ST_ITEM_INSERT] =
	"INSERT INTO items (source_id, url, norm_url, guid, title, published, "
	"final_url, http_status, etag, last_modified, raw_sha256, text_sha256, text, "
	"raw, language, words, fetched_at, first_seen, last_seen, last_checked) "
	"VALUES (?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,?21)",
    [ST_ITEM_UPDATE] =
	"UPDATE items SET source_id=?2, url=?3, norm_url=?4, guid=?5, title=?6, "
	"published=?7, final_url=?8, http_status=?9, etag=?10, last_modified=?11, "
	"raw_sha256=?12, text_sha256=?13, text=?14, raw=?15, language=?16, words=?17, "
	"fetched_at=?18, first_seen=?19, last_seen=?20, last_checked=?21 WHERE id=?1",
    [ST_ITEM_TOUCH] = "UPDATE items SET last_seen = ?2 WHERE id = ?1",
    [ST_ITEM_THEMES] = "UPDATE items SET themes = ?2 WHERE id = ?1",
    [ST_SEARCH] =
	"SELECT items.source_id, items.url, items.title, "
	"coalesce(items.published, strftime('%Y-%m-%d', items.first_seen, 'unixepoch')) AS d, "
	"items.themes, snippet(items_fts, 1, '[', ']', '…', 64), items.first_seen "
	"FROM items_fts JOIN items ON items.id = items_fts.rowid "
	"WHERE items_fts MATCH ?1 AND (?2 IS NULL OR d >= ?2) AND "
	"(?3 IS NULL OR ',' || items.themes || ',' LIKE '%,' || ?3 || ',%') "
	"ORDER BY d DESC, items.first_seen DESC LIMIT ?4",
    [ST_ITEM_RECHECK] = "SELECT url, title, published, guid FROM items WHERE source_id = ? AND "
			"text IS NOT NULL AND last_checked <= ? ORDER BY first_seen DESC LIMIT ?",
    [ST_EVENT_INSERT] =
	"INSERT INTO events (id, channel, type, source_id, item_id, payload, state, "
	"attempts, next_attempt, created) VALUES (?,?,?,?,?,?,'queued',0,?,?)",
    [ST_EVENT_DUE] = "SELECT id, channel, type, source_id, item_id, payload, state, attempts, "
		     "next_attempt, created, delivered_at, last_error FROM events "
		     "WHERE state IN ('queued','retry_wait') AND next_attempt <= ? "
		     "ORDER BY next_attempt, created LIMIT ?",
    [ST_EVENT_NEXT] = "SELECT min(next_attempt) FROM events WHERE state IN ('queued','retry_wait')",
    [ST_EVENT_UPDATE] = "UPDATE events SET state=?2, attempts=?3, next_attempt=?4, "
			"delivered_at=?5, last_error=?6 WHERE id=?1",
    [ST_EVENT_REQUEUE] = "UPDATE events SET state='queued' WHERE state='sending'",
    [ST_CHANNEL_COUNTS] = "SELECT total(state IN ('queued','sending','retry_wait')), "
			  "total(state = 'delivered'), total(state = 'dead') FROM events "
			  "WHERE channel = ?",
    [ST_CHANNEL_LAST_ERROR] = "SELECT last_error FROM events WHERE channel = ? AND "
			      "last_error IS NOT NULL AND state IN ('dead','retry_wait') "
			      "ORDER BY created DESC LIMIT 1",
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
    /* 1 -> 2: what the last poll alerted, for status */
    "ALTER TABLE sources ADD COLUMN last_new INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE sources ADD COLUMN last_changed INTEGER NOT NULL DEFAULT 0;",
    /* 2 -> 3: full-text search over every statement (trigram: works for CJK too),
       kept in step with items by triggers; the themes an item was alerted with */
    "ALTER TABLE items ADD COLUMN themes TEXT;"
    "CREATE VIRTUAL TABLE items_fts USING fts5(title, text, content='items',"
    " content_rowid='id', tokenize='trigram');"
    "CREATE TRIGGER items_fts_ai AFTER INSERT ON items BEGIN"
    " INSERT INTO items_fts(rowid, title, text) VALUES (new.id, new.title, new.text); END;"
    "CREATE TRIGGER items_fts_ad AFTER DELETE ON items BEGIN"
    " INSERT INTO items_fts(items_fts, rowid, title, text)"
    " VALUES ('delete', old.id, old.title, old.text); END;"
    "CREATE TRIGGER items_fts_au AFTER UPDATE OF title, text ON items BEGIN"
    " INSERT INTO items_fts(items_fts, rowid, title, text)"
    " VALUES ('delete', old.id, old.title, old.text);"
    " INSERT INTO items_fts(rowid, title, text) VALUES (new.id, new.title, new.text); END;"
    "INSERT INTO items_fts(items_fts) VALUES ('rebuild');",
    /* 3 -> 4: consecutive polls whose list looked suspect, and its size then */
    "ALTER TABLE sources ADD COLUMN suspect_polls INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE sources ADD COLUMN suspect_items INTEGER NOT NULL DEFAULT 0;",
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
				       &st->stmt[i], NULL) != SQLITE_OK ||
		    st->stmt[i] == NULL)
			return fail(st, stmt_sql[i]);
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

static void source_from_row(sqlite3_stmt *s, struct store_source *out)
{
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
	out->last_new = sqlite3_column_int(s, 10);
	out->last_changed = sqlite3_column_int(s, 11);
	out->suspect_polls = sqlite3_column_int(s, 12);
	out->suspect_items = sqlite3_column_int(s, 13);
}

int store_source_get(struct store *st, const char *id, struct store_source *out)
{
	sqlite3_stmt *s = st->stmt[ST_SOURCE_GET];
	int rc;

	memset(out, 0, sizeof(*out));
	sqlite3_bind_text(s, 1, id, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		source_from_row(s, out);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return fail(st, "read source");
	return rc == SQLITE_ROW;
}

int store_sources_all(struct store *st, struct store_source **out, size_t *n)
{
	sqlite3_stmt *s = st->stmt[ST_SOURCE_ALL];
	int rc;

	*out = NULL;
	*n = 0;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_source *src;

		*out = xreallocarray(*out, *n + 1, sizeof(**out));
		src = &(*out)[(*n)++];
		memset(src, 0, sizeof(*src));
		source_from_row(s, src);
		src->id = column_strdup(s, 14);
		src->url = column_strdup(s, 15);
		src->stored_items = sqlite3_column_int(s, 16);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return fail(st, "list sources");
	return 0;
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
	sqlite3_bind_int64(s, 13, src->last_new);
	sqlite3_bind_int64(s, 14, src->last_changed);
	sqlite3_bind_int64(s, 15, src->suspect_polls);
	sqlite3_bind_int64(s, 16, src->suspect_items);
	return step_done(st, s, "write source");
}

void store_source_clear(struct store_source *src)
{
	free(src->id);
	free(src->url);
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

/* ---- items ---- */

void store_item_clear(struct store_item *it)
{
	free(it->source_id);
	free(it->url);
	free(it->norm_url);
	free(it->guid);
	free(it->title);
	free(it->published);
	free(it->final_url);
	free(it->etag);
	free(it->last_modified);
	free(it->raw_sha256);
	free(it->text_sha256);
	free(it->text);
	free(it->raw_z);
	free(it->language);
	memset(it, 0, sizeof(*it));
}

static void item_from_row(sqlite3_stmt *s, struct store_item *it)
{
	const void *blob;
	int n;

	it->id = sqlite3_column_int64(s, 0);
	it->source_id = column_strdup(s, 1);
	it->url = column_strdup(s, 2);
	it->norm_url = column_strdup(s, 3);
	it->guid = column_strdup(s, 4);
	it->title = column_strdup(s, 5);
	it->published = column_strdup(s, 6);
	it->final_url = column_strdup(s, 7);
	it->http_status = sqlite3_column_int(s, 8);
	it->etag = column_strdup(s, 9);
	it->last_modified = column_strdup(s, 10);
	it->raw_sha256 = column_strdup(s, 11);
	it->text_sha256 = column_strdup(s, 12);
	it->text = column_strdup(s, 13);
	blob = sqlite3_column_blob(s, 14);
	n = sqlite3_column_bytes(s, 14);
	if (blob && n > 0) {
		it->raw_z = xmalloc((size_t)n);
		memcpy(it->raw_z, blob, (size_t)n);
		it->raw_z_len = (size_t)n;
	}
	it->language = column_strdup(s, 15);
	it->words = sqlite3_column_int(s, 16);
	it->fetched_at = sqlite3_column_double(s, 17);
	it->first_seen = sqlite3_column_double(s, 18);
	it->last_seen = sqlite3_column_double(s, 19);
	it->last_checked = sqlite3_column_double(s, 20);
}

/* Steps a one-row query into out: 1 found, 0 none, -1 error. */
static int item_query(struct store *st, sqlite3_stmt *s, struct store_item *out)
{
	int rc = sqlite3_step(s);

	if (rc == SQLITE_ROW)
		item_from_row(s, out);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return fail(st, "read item");
	return rc == SQLITE_ROW;
}

int store_item_find(struct store *st, const char *source_id, const char *url, const char *guid,
		    struct store_item *out)
{
	sqlite3_stmt *s;
	int rc;

	memset(out, 0, sizeof(*out));
	if (guid) {
		s = st->stmt[ST_ITEM_FIND_GUID];
		bind_text(s, 1, source_id);
		bind_text(s, 2, guid);
		rc = item_query(st, s, out);
		if (rc != 0 || url == NULL)
			return rc;
	}
	if (url == NULL)
		return 0;
	s = st->stmt[ST_ITEM_FIND_URL];
	bind_text(s, 1, source_id);
	bind_text(s, 2, url);
	return item_query(st, s, out);
}

int store_item_seen_elsewhere(struct store *st, const char *source_id, const char *url,
			      const char *norm_url, const char *text_sha256)
{
	sqlite3_stmt *s = st->stmt[ST_ITEM_ELSEWHERE];
	int rc;

	bind_text(s, 1, source_id);
	bind_text(s, 2, url);
	bind_text(s, 3, norm_url);
	bind_text(s, 4, text_sha256);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return fail(st, "look up item");
	return rc == SQLITE_ROW;
}

int store_item_put(struct store *st, struct store_item *it)
{
	sqlite3_stmt *s = st->stmt[it->id ? ST_ITEM_UPDATE : ST_ITEM_INSERT];

	if (it->id)
		sqlite3_bind_int64(s, 1, it->id);
	bind_text(s, 2, it->source_id);
	bind_text(s, 3, it->url);
	bind_text(s, 4, it->norm_url);
	bind_text(s, 5, it->guid);
	bind_text(s, 6, it->title);
	bind_text(s, 7, it->published);
	bind_text(s, 8, it->final_url);
	sqlite3_bind_int64(s, 9, it->http_status);
	bind_text(s, 10, it->etag);
	bind_text(s, 11, it->last_modified);
	bind_text(s, 12, it->raw_sha256);
	bind_text(s, 13, it->text_sha256);
	bind_text(s, 14, it->text);
	if (it->raw_z)
		sqlite3_bind_blob(s, 15, it->raw_z, (int)it->raw_z_len, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(s, 15);
	bind_text(s, 16, it->language);
	sqlite3_bind_int64(s, 17, it->words);
	sqlite3_bind_double(s, 18, it->fetched_at);
	sqlite3_bind_double(s, 19, it->first_seen);
	sqlite3_bind_double(s, 20, it->last_seen);
	sqlite3_bind_double(s, 21, it->last_checked);
	if (step_done(st, s, "write item") < 0)
		return -1;
	if (it->id == 0)
		it->id = sqlite3_last_insert_rowid(st->db);
	return 0;
}

int store_item_touch(struct store *st, int64_t id, double now)
{
	sqlite3_stmt *s = st->stmt[ST_ITEM_TOUCH];

	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_double(s, 2, now);
	return step_done(st, s, "touch item");
}

/* ---- events (the outbox) ---- */

static const char *const event_state_names[] = {
    [EVENT_QUEUED] = "queued",	       [EVENT_SENDING] = "sending", [EVENT_DELIVERED] = "delivered",
    [EVENT_RETRY_WAIT] = "retry_wait", [EVENT_DEAD] = "dead",
};

const char *store_event_state_name(enum store_event_state s)
{
	return event_state_names[s];
}

static enum store_event_state event_state_of(const char *name)
{
	for (int i = 0; i <= EVENT_DEAD; i++)
		if (name && strcmp(name, event_state_names[i]) == 0)
			return (enum store_event_state)i;
	return EVENT_QUEUED;
}

void store_event_clear(struct store_event *ev)
{
	free(ev->id);
	free(ev->channel);
	free(ev->type);
	free(ev->source_id);
	free(ev->payload);
	free(ev->last_error);
	memset(ev, 0, sizeof(*ev));
}

int store_event_insert(struct store *st, const struct store_event_new *ev)
{
	sqlite3_stmt *s = st->stmt[ST_EVENT_INSERT];

	bind_text(s, 1, ev->id);
	bind_text(s, 2, ev->channel);
	bind_text(s, 3, ev->type);
	bind_text(s, 4, ev->source_id);
	if (ev->item_id)
		sqlite3_bind_int64(s, 5, ev->item_id);
	else
		sqlite3_bind_null(s, 5);
	bind_text(s, 6, ev->payload);
	sqlite3_bind_double(s, 7, ev->created); /* next attempt: now */
	sqlite3_bind_double(s, 8, ev->created);
	return step_done(st, s, "write event");
}

static void event_from_row(sqlite3_stmt *s, struct store_event *ev)
{
	ev->id = column_strdup(s, 0);
	ev->channel = column_strdup(s, 1);
	ev->type = column_strdup(s, 2);
	ev->source_id = column_strdup(s, 3);
	ev->item_id = sqlite3_column_int64(s, 4);
	ev->payload = column_strdup(s, 5);
	ev->state = event_state_of((const char *)sqlite3_column_text(s, 6));
	ev->attempts = sqlite3_column_int(s, 7);
	ev->next_attempt = sqlite3_column_double(s, 8);
	ev->created = sqlite3_column_double(s, 9);
	ev->delivered_at = sqlite3_column_double(s, 10);
	ev->last_error = column_strdup(s, 11);
}

int store_events_due(struct store *st, double now, size_t max, struct store_event **out, size_t *n)
{
	sqlite3_stmt *s = st->stmt[ST_EVENT_DUE];
	int rc;

	*out = NULL;
	*n = 0;
	sqlite3_bind_double(s, 1, now);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)max);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		*out = xreallocarray(*out, *n + 1, sizeof(**out));
		memset(&(*out)[*n], 0, sizeof(**out));
		event_from_row(s, &(*out)[(*n)++]);
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc != SQLITE_DONE)
		return fail(st, "read due events");
	return 0;
}

int store_events_next_due(struct store *st, double *when)
{
	sqlite3_stmt *s = st->stmt[ST_EVENT_NEXT];
	int rc = sqlite3_step(s);

	*when = 0;
	if (rc == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL)
		*when = sqlite3_column_double(s, 0);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return fail(st, "read next due event");
	return 0;
}

int store_event_update(struct store *st, const struct store_event *ev)
{
	sqlite3_stmt *s = st->stmt[ST_EVENT_UPDATE];

	bind_text(s, 1, ev->id);
	bind_text(s, 2, store_event_state_name(ev->state));
	sqlite3_bind_int64(s, 3, ev->attempts);
	sqlite3_bind_double(s, 4, ev->next_attempt);
	if (ev->delivered_at > 0)
		sqlite3_bind_double(s, 5, ev->delivered_at);
	else
		sqlite3_bind_null(s, 5);
	bind_text(s, 6, ev->last_error);
	return step_done(st, s, "update event");
}

int store_events_requeue_sending(struct store *st)
{
	if (step_done(st, st->stmt[ST_EVENT_REQUEUE], "requeue events") < 0)
		return -1;
	return sqlite3_changes(st->db);
}

int store_channel_counts(struct store *st, const char *channel, struct store_channel_counts *out)
{
	sqlite3_stmt *s = st->stmt[ST_CHANNEL_COUNTS];
	int rc;

	memset(out, 0, sizeof(*out));
	bind_text(s, 1, channel);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		out->pending = (long)sqlite3_column_double(s, 0);
		out->delivered = (long)sqlite3_column_double(s, 1);
		out->dead = (long)sqlite3_column_double(s, 2);
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return fail(st, "count events");
	s = st->stmt[ST_CHANNEL_LAST_ERROR];
	bind_text(s, 1, channel);
	if (sqlite3_step(s) == SQLITE_ROW)
		out->last_error = column_strdup(s, 0);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return 0;
}

int store_items_to_recheck(struct store *st, const char *source_id, double before, size_t max,
			   struct list_items *out)
{
	sqlite3_stmt *s = st->stmt[ST_ITEM_RECHECK];
	int rc;

	memset(out, 0, sizeof(*out));
	bind_text(s, 1, source_id);
	sqlite3_bind_double(s, 2, before);
	sqlite3_bind_int64(s, 3, (sqlite3_int64)max);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct list_item *li;

		out->v = xreallocarray(out->v, out->n + 1, sizeof(*out->v));
		li = &out->v[out->n++];
		li->url = column_strdup(s, 0);
		li->title = column_strdup(s, 1);
		li->date = column_strdup(s, 2);
		li->guid = column_strdup(s, 3);
		li->summary = NULL;
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc != SQLITE_DONE)
		return fail(st, "read items to re-check");
	return 0;
}

int store_item_set_themes(struct store *st, int64_t id, const char *themes)
{
	sqlite3_stmt *s = st->stmt[ST_ITEM_THEMES];

	sqlite3_bind_int64(s, 1, id);
	bind_text(s, 2, themes);
	return step_done(st, s, "write item themes");
}

void store_hit_clear(struct store_hit *h)
{
	free(h->source_id);
	free(h->url);
	free(h->title);
	free(h->date);
	free(h->themes);
	free(h->snippet);
	memset(h, 0, sizeof(*h));
}

int store_search(struct store *st, const char *query, const char *since, const char *theme,
		 size_t max, struct store_hit **out, size_t *n)
{
	sqlite3_stmt *s = st->stmt[ST_SEARCH];
	int rc;

	*out = NULL;
	*n = 0;
	bind_text(s, 1, query);
	bind_text(s, 2, since);
	bind_text(s, 3, theme);
	sqlite3_bind_int64(s, 4, (sqlite3_int64)max);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_hit *h;

		*out = xreallocarray(*out, *n + 1, sizeof(**out));
		h = &(*out)[(*n)++];
		h->source_id = column_strdup(s, 0);
		h->url = column_strdup(s, 1);
		h->title = column_strdup(s, 2);
		h->date = column_strdup(s, 3);
		h->themes = column_strdup(s, 4);
		h->snippet = column_strdup(s, 5);
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc != SQLITE_DONE)
		return fail(st, "search");
	return 0;
}
