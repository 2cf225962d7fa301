/*
 * daemon/store_sqlite: the SQLite backend of the store — opening with WAL
 * and synchronous=FULL, the schema and its migrations, transactions, and the
 * backend's operations table. Rows live in store_sqlite_items.c and
 * store_sqlite_events.c.
 */
#include "daemon/store_sqlite.h"

#include <ctype.h>
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/buf.h"
#include "common/err.h"
#include "common/xmalloc.h"

#define SOURCE_COLS                                                                                \
	"etag, last_modified, last_poll, last_status, last_result, last_error, "                   \
	"items, failures, next_due, failing, last_new, last_changed, suspect_polls, "              \
	"suspect_items, structure, suggestion "
#define ITEM_COLS                                                                                  \
	"id, source_id, url, norm_url, guid, title, published, final_url, http_status, etag, "     \
	"last_modified, raw_sha256, text_sha256, text, raw, language, words, fetched_at, "         \
	"first_seen, last_seen, last_checked "

#define STR_(x) #x
#define STR(x) STR_(x)

static const char *const stmt_sql[ST__COUNT] = {
    [ST_BEGIN] = "BEGIN IMMEDIATE",
    [ST_BEGIN_READ] = "BEGIN DEFERRED",
    [ST_COMMIT] = "COMMIT",
    [ST_ROLLBACK] = "ROLLBACK",
    [ST_SYNC_NORMAL] = "PRAGMA synchronous = NORMAL",
    [ST_SYNC_FULL] = "PRAGMA synchronous = FULL",
    [ST_SOURCE_GET] = "SELECT " SOURCE_COLS "FROM sources WHERE id = ?",
    [ST_SOURCE_ALL] = "SELECT " SOURCE_COLS ", id, url, "
		      "(SELECT count(*) FROM items WHERE items.source_id = sources.id) "
		      "FROM sources ORDER BY id",
    /*
     * store_item_same_text's finds, per source: only texts stored more than
     * once (a walk of the text_sha256 index) have their rows read, so the
     * big rows of every other item are left alone.
     */
    [ST_SOURCE_DUPLICATES] =
	"SELECT a.source_id, count(*) FROM items a WHERE a.text_sha256 IN "
	"(SELECT text_sha256 FROM items WHERE text_sha256 IS NOT NULL GROUP BY text_sha256 "
	"HAVING count(*) > 1) AND a.words >= " STR(
	    STORE_TEXT_MATCH_MIN_WORDS) " AND EXISTS "
					"(SELECT 1 FROM items b WHERE b.text_sha256 = "
					"a.text_sha256 AND "
					"b.source_id = a.source_id AND b.id < a.id) GROUP BY "
					"a.source_id",
    /* Update first: an upsert tries the insert (and its unique index) every time. */
    [ST_SOURCE_UPDATE] = "UPDATE sources SET url=?2, etag=?3, last_modified=?4, last_poll=?5, "
			 "last_status=?6, last_result=?7, last_error=?8, items=?9, failures=?10, "
			 "next_due=?11, failing=?12, last_new=?13, last_changed=?14, "
			 "suspect_polls=?15, suspect_items=?16, structure=?17, suggestion=?18 "
			 "WHERE id=?1",
    [ST_SOURCE_PUT] =
	"INSERT INTO sources (id, url, etag, last_modified, last_poll, "
	"last_status, last_result, last_error, items, failures, next_due, failing, "
	"last_new, last_changed, suspect_polls, suspect_items, structure, suggestion) "
	"VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18)",
    [ST_SOURCE_IDS] = "SELECT id FROM sources ORDER BY id",
    [ST_ITEM_FIND_URL] = "SELECT " ITEM_COLS "FROM items WHERE source_id = ? AND url = ?",
    [ST_ITEM_FIND_GUID] = "SELECT " ITEM_COLS "FROM items WHERE source_id = ? AND guid = ? "
			  "ORDER BY id LIMIT 1",
    [ST_ITEM_ELSEWHERE] = "SELECT 1 FROM items WHERE "
			  "(norm_url = ?3 AND NOT (source_id = ?1 AND url = ?2)) OR "
			  "(?4 IS NOT NULL AND text_sha256 = ?4 AND source_id <> ?1) LIMIT 1",
    [ST_ITEM_SAME_TEXT] =
	"SELECT id, url, title FROM items WHERE text_sha256 = ?3 AND source_id = ?1 "
	"AND url <> ?2 ORDER BY id LIMIT 1",
    [ST_ITEM_SAME_LISTING] = "SELECT id, url, title FROM items WHERE source_id = ?1 AND "
			     "url <> ?2 AND text IS NULL AND text_sha256 IS NULL AND title = ?3 "
			     "AND published = ?4 ORDER BY id LIMIT 1",
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
    [ST_ITEM_THEMES] = "UPDATE items SET themes = ?2, theme_scores = ?3 WHERE id = ?1",
    [ST_SEARCH] =
	"SELECT items.source_id, items.url, items.title, "
	"coalesce(items.published, strftime('%Y-%m-%d', items.first_seen, 'unixepoch')) AS d, "
	"items.themes, snippet(items_fts, 1, '[', ']', '…', 64), items.first_seen "
	"FROM items_fts JOIN items ON items.id = items_fts.rowid "
	"WHERE items_fts MATCH ?1 AND (?2 IS NULL OR d >= ?2) AND "
	"(?3 IS NULL OR ',' || items.themes || ',' LIKE '%,' || ?3 || ',%') "
	"ORDER BY d DESC, items.first_seen DESC LIMIT ?4",
    [ST_INDEX_PENDING] =
	"SELECT count(*) FROM items WHERE id > (SELECT indexed_upto FROM fts_state)",
    [ST_INDEX_ADD] = "INSERT INTO items_fts(rowid, title, text) SELECT id, title, text FROM items "
		     "WHERE id > (SELECT indexed_upto FROM fts_state) ORDER BY id LIMIT ?1",
    [ST_INDEX_MARK] = "UPDATE fts_state SET indexed_upto = coalesce((SELECT max(id) FROM "
		      "(SELECT id FROM items WHERE id > indexed_upto ORDER BY id LIMIT ?1)), "
		      "indexed_upto)",
    [ST_ITEM_RECHECK] = "SELECT url, title, published, guid FROM items WHERE source_id = ? AND "
			"text IS NOT NULL AND last_checked <= ? ORDER BY first_seen DESC LIMIT ?",
    /* newest: by list date, else in the order first seen (a list's own order) */
    [ST_ITEM_UNREAD] =
	"SELECT url, title, published, guid FROM (SELECT id, url, title, published, guid, text, "
	"fetched_at FROM items WHERE source_id = ? ORDER BY published IS NULL, published DESC, id "
	"LIMIT ?) WHERE text IS NULL AND coalesce(fetched_at, 0) = 0 "
	"ORDER BY published IS NULL, published DESC, id LIMIT ?",
    [ST_ITEM_TEXT_NEWEST] =
	"SELECT max(max(coalesce(CAST(strftime('%s', substr(published, 1, 10)) AS REAL), 0), "
	"first_seen)) FROM items WHERE source_id = ? AND text IS NOT NULL",
    [ST_EVENT_INSERT] =
	"INSERT INTO events (id, channel, type, source_id, item_id, payload, state, "
	"attempts, next_attempt, created) VALUES (?,?,?,?,?,?,'queued',0,?,?)",
    /* rare (a source's site moved): a walk of the outbox without an index of its own */
    [ST_EVENT_RECENT] = "SELECT 1 FROM events WHERE source_id = ?1 AND type = ?2 AND "
			"created >= ?3 LIMIT 1",
    /* `sources` only, once per source: the same walk */
    [ST_EVENT_LAST_OF] = "SELECT max(created) FROM events WHERE source_id = ?1 AND type = ?2",
    [ST_EVENT_DUE] = "SELECT id, channel, type, source_id, item_id, payload, state, attempts, "
		     "next_attempt, created, delivered_at, last_error, age FROM events "
		     "WHERE state IN ('queued','retry_wait') AND next_attempt <= ?1 "
		     "AND channel NOT IN (SELECT value FROM json_each(?3)) "
		     "ORDER BY next_attempt, created LIMIT ?2",
    [ST_EVENT_NEXT] = "SELECT min(next_attempt) FROM events WHERE state IN ('queued','retry_wait') "
		      "AND channel NOT IN (SELECT value FROM json_each(?1))",
    [ST_EVENT_UPDATE] = "UPDATE events SET state=?2, attempts=?3, next_attempt=?4, "
			"delivered_at=?5, last_error=?6, age=?7 WHERE id=?1",
    [ST_EVENT_REQUEUE] = "UPDATE events SET state='queued' WHERE state='sending'",
    /* events list: the operator's view; a walk of the outbox, newest first */
    [ST_EVENT_LIST] = "SELECT id, channel, type, source_id, item_id, payload, state, attempts, "
		      "next_attempt, created, delivered_at, last_error, age FROM events "
		      "WHERE (?1 IS NULL OR id = ?1) AND (?2 IS NULL OR channel = ?2) "
		      "AND (?3 = 0 OR (?3 >> (CASE state WHEN 'queued' THEN 0 "
		      "WHEN 'sending' THEN 1 WHEN 'delivered' THEN 2 WHEN 'retry_wait' THEN 3 "
		      "ELSE 4 END)) & 1) AND created >= ?4 "
		      "ORDER BY created DESC, id DESC LIMIT ?5",
    [ST_EVENT_REDELIVER] = "UPDATE events SET state='queued', next_attempt=?2, age=0 "
			   "WHERE id=?1 AND state IN ('dead','delivered','retry_wait')",
    [ST_CHANNEL_COUNTS] = "SELECT total(state IN ('queued','sending','retry_wait')), "
			  "total(state = 'delivered'), total(state = 'dead') FROM events "
			  "WHERE channel = ?",
    /* max() picks the newest row without the temporary b-tree an ORDER BY
       would build at each call (a malloc and a heap trim: /metrics reads it
       every scrape); SQLite takes a bare column from the row of the max. */
    [ST_CHANNEL_LAST_ERROR] = "SELECT last_error, max(created) FROM events WHERE channel = ? "
			      "AND last_error IS NOT NULL AND state IN ('dead','retry_wait')",
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
    /* 4 -> 5: the search index is kept up lazily (store_index_catch_up): items
       with id <= indexed_upto are in it. Indexing each baseline title as it
       was stored cost half a first poll cycle (issue 13); the triggers now
       only keep already-indexed rows in step. An insert at or under the
       mark (the highest id reused after a delete) is indexed at once. */
    "CREATE TABLE fts_state (id INTEGER PRIMARY KEY CHECK (id = 1),"
    " indexed_upto INTEGER NOT NULL);"
    "INSERT INTO fts_state VALUES (1, (SELECT coalesce(max(id), 0) FROM items));"
    "DROP TRIGGER items_fts_ai; DROP TRIGGER items_fts_ad; DROP TRIGGER items_fts_au;"
    "CREATE TRIGGER items_fts_ai AFTER INSERT ON items"
    " WHEN new.id <= (SELECT indexed_upto FROM fts_state) BEGIN"
    " INSERT INTO items_fts(rowid, title, text) VALUES (new.id, new.title, new.text); END;"
    "CREATE TRIGGER items_fts_ad AFTER DELETE ON items"
    " WHEN old.id <= (SELECT indexed_upto FROM fts_state) BEGIN"
    " INSERT INTO items_fts(items_fts, rowid, title, text)"
    " VALUES ('delete', old.id, old.title, old.text); END;"
    "CREATE TRIGGER items_fts_au AFTER UPDATE OF title, text ON items"
    " WHEN old.id <= (SELECT indexed_upto FROM fts_state) BEGIN"
    " INSERT INTO items_fts(items_fts, rowid, title, text)"
    " VALUES ('delete', old.id, old.title, old.text);"
    " INSERT INTO items_fts(rowid, title, text) VALUES (new.id, new.title, new.text); END;",
    /* 5 -> 6: retry_for counts an event's own retry time (struct store_event.age),
       not the wall clock since created; a pending event starts with what it had */
    "ALTER TABLE events ADD COLUMN age REAL NOT NULL DEFAULT 0;"
    "UPDATE events SET age = max(0, next_attempt - created)"
    " WHERE state IN ('queued','sending','retry_wait');",
    /* 6 -> 7: items = auto remembers the list structure it chose (JSON: XPaths, item
       count, when chosen); a source whose XPaths stopped matching keeps discover's
       suggestion (JSON) until a good poll (issue 15) */
    "ALTER TABLE sources ADD COLUMN structure TEXT;"
    "ALTER TABLE sources ADD COLUMN suggestion TEXT;",
    /* 7 -> 8: the read side (issue 18). theme_scores: the themes of the current text
       with scores and evidence (JSON, as events send them); for items alerted before,
       taken from their latest statement event. item_versions: every text an item had
       before its current one, written by the trigger in the transaction that replaces
       it, whichever path stores the new text; items edited before have no past
       versions (their old texts were not kept). items_newest: the read side's order
       (store_sqlite_read.c, DATE_KEY) with the columns its filters test, so that a
       page reads the rows it shows and not those it passes over (a row's late
       columns sit behind its text and raw page). */
    "ALTER TABLE items ADD COLUMN theme_scores TEXT;"
    "UPDATE items SET theme_scores = e.t FROM (SELECT item_id, max(created),"
    " json_extract(payload, '$.themes') AS t FROM events"
    " WHERE type IN ('statement.new', 'statement.changed') AND item_id IS NOT NULL"
    " AND json_valid(payload) GROUP BY item_id) AS e"
    " WHERE items.id = e.item_id AND json_type(e.t) = 'array';"
    "CREATE TABLE item_versions ("
    " item_id INTEGER NOT NULL REFERENCES items (id) ON DELETE CASCADE,"
    " version INTEGER NOT NULL, title TEXT, text_sha256 TEXT NOT NULL, text TEXT,"
    " since REAL NOT NULL, replaced REAL NOT NULL, PRIMARY KEY (item_id, version));"
    "CREATE TRIGGER items_versions_au AFTER UPDATE OF text_sha256 ON items"
    " WHEN old.text_sha256 IS NOT NULL AND new.text_sha256 IS NOT NULL"
    " AND new.text_sha256 <> old.text_sha256 BEGIN"
    " INSERT INTO item_versions (item_id, version, title, text_sha256, text, since, replaced)"
    " VALUES (old.id, (SELECT count(*) + 1 FROM item_versions WHERE item_id = old.id),"
    " old.title, old.text_sha256, old.text,"
    " coalesce((SELECT max(replaced) FROM item_versions WHERE item_id = old.id),"
    " old.first_seen), coalesce(new.fetched_at, new.last_seen)); END;"
    "CREATE INDEX items_newest ON items (coalesce(CAST(strftime('%s', published) AS REAL),"
    " first_seen), id, source_id, language, themes);",
};

int store_sqlite_fail(struct store_sqlite *sq, const char *what)
{
	snprintf(sq->base.err, sizeof(sq->base.err), "%s: %s: %s", sq->path, what,
		 sq->db ? sqlite3_errmsg(sq->db) : "cannot open");
	return -1;
}

int store_sqlite_damaged(struct store_sqlite *sq)
{
	int rc = sq->db ? sqlite3_errcode(sq->db) & 0xff : SQLITE_OK;

	return rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB;
}

static int exec(struct store_sqlite *sq, const char *sql, const char *what)
{
	char *msg = NULL;

	if (sqlite3_exec(sq->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(sq->base.err, sizeof(sq->base.err), "%s: %s: %s", sq->path, what,
			 msg ? msg : sqlite3_errmsg(sq->db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

/* The schema version on disk (PRAGMA user_version), or -1. */
static int user_version(struct store_sqlite *sq)
{
	sqlite3_stmt *s;
	int v = -1;

	if (sqlite3_prepare_v2(sq->db, "PRAGMA user_version", -1, &s, NULL) != SQLITE_OK)
		return store_sqlite_fail(sq, "read schema version");
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return v;
}

static int migrate(struct store_sqlite *sq)
{
	int have = user_version(sq);
	int want = (int)(sizeof(migrations) / sizeof(migrations[0]));
	char sql[64];

	if (have < 0)
		return -1;
	if (have > want) {
		snprintf(sq->base.err, sizeof(sq->base.err),
			 "%s: schema version %d is newer than this speechwatch (%d)", sq->path,
			 have, want);
		return -1;
	}
	for (int v = have; v < want; v++) {
		if (exec(sq, "BEGIN IMMEDIATE", "migrate") < 0)
			return -1;
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v + 1);
		if (exec(sq, migrations[v], "migrate") < 0 || exec(sq, sql, "migrate") < 0 ||
		    exec(sq, "COMMIT", "migrate") < 0) {
			sqlite3_exec(sq->db, "ROLLBACK", NULL, NULL, NULL);
			return -1;
		}
	}
	return 0;
}

static int prepare_all(struct store_sqlite *sq)
{
	for (int i = 0; i < ST__COUNT; i++)
		if (sqlite3_prepare_v3(sq->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
				       &sq->stmt[i], NULL) != SQLITE_OK ||
		    sq->stmt[i] == NULL)
			return store_sqlite_fail(sq, stmt_sql[i]);
	return 0;
}

static void store_sqlite_close(struct store *st)
{
	struct store_sqlite *sq = store_sqlite_of(st);

	for (int i = 0; i < ST__COUNT; i++)
		sqlite3_finalize(sq->stmt[i]);
	if (sq->db)
		sqlite3_close(sq->db);
	free(sq->path);
	free(sq);
}

/* Read-write opens create and migrate; read-only ones insist on the current schema. */
static int store_sqlite_setup(struct store_sqlite *sq, int readonly)
{
	sqlite3_extended_result_codes(sq->db, 1);
	sqlite3_busy_timeout(sq->db, 5000);
	if (!readonly &&
	    (exec(sq, "PRAGMA journal_mode = WAL", "set WAL mode") < 0 ||
	     exec(sq, "PRAGMA synchronous = FULL", "set synchronous") < 0 || migrate(sq) < 0))
		return -1;
	if (exec(sq, "PRAGMA foreign_keys = ON", "pragma") < 0)
		return -1;
	if (readonly && user_version(sq) != STORE_SCHEMA_VERSION) {
		snprintf(sq->base.err, sizeof(sq->base.err),
			 "%s: not a speechwatch database of version %d", sq->path,
			 STORE_SCHEMA_VERSION);
		return -1;
	}
	return prepare_all(sq);
}

static struct store *store_sqlite_open(const char *path, int readonly, char *err, size_t errlen)
{
	struct store_sqlite *sq = xcalloc(1, sizeof(*sq));
	int flags = readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	int damaged;

	sq->path = xstrdup(path);
	if (*path == '\0') {
		snprintf(sq->base.err, sizeof(sq->base.err), "sqlite: the location names no file");
		goto fail;
	}
	if (sqlite3_open_v2(path, &sq->db, flags, NULL) != SQLITE_OK) {
		store_sqlite_fail(sq, "open");
		goto fail;
	}
	if (store_sqlite_setup(sq, readonly) < 0)
		goto fail;
	return &sq->base;
fail:
	err_set(err, errlen, "%s", sq->base.err);
	damaged = store_sqlite_damaged(sq);
	store_sqlite_close(&sq->base);
	errno = damaged ? EBADMSG : 0;
	return NULL;
}

/*
 * A read-only URI for path. Without a write-ahead log beside it no process
 * is writing the store (the daemon keeps one while it has the store open):
 * it is then opened immutable, which creates no -wal or -shm file either.
 */
static char *readonly_uri(const char *path)
{
	char *wal = xasprintf("%s-wal", path);
	struct stat sb;
	int quiet = stat(wal, &sb) != 0;
	struct buf uri;

	free(wal);
	buf_init(&uri);
	buf_append_str(&uri, "file:");
	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		if (isalnum(*p) || strchr("/-._~", *p))
			buf_append_char(&uri, (char)*p);
		else
			buf_printf(&uri, "%%%02X", *p);
	}
	buf_append_str(&uri, quiet ? "?mode=ro&immutable=1" : "?mode=ro");
	return buf_steal(&uri);
}

/* Copies the database at path, opened read-only, into sq's (empty) connection. */
static int copy_in(struct store_sqlite *sq, const char *path)
{
	sqlite3 *src = NULL;
	sqlite3_backup *b = NULL;
	char *uri = readonly_uri(path);
	int rc = sqlite3_open_v2(uri, &src, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL);

	free(uri);
	if (rc == SQLITE_OK) {
		sqlite3_busy_timeout(src, 5000);
		b = sqlite3_backup_init(sq->db, "main", src, "main");
		rc = b ? sqlite3_backup_step(b, -1) : sqlite3_errcode(sq->db);
		sqlite3_backup_finish(b);
	}
	if (rc != SQLITE_DONE)
		snprintf(sq->base.err, sizeof(sq->base.err), "%s: cannot copy: %s", path,
			 sqlite3_errstr(rc));
	sqlite3_close(src);
	return rc == SQLITE_DONE ? 0 : -1;
}

static struct store *store_sqlite_open_copy(const char *path, char *err, size_t errlen)
{
	struct store_sqlite *sq = xcalloc(1, sizeof(*sq));
	struct stat sb;

	sq->path = xstrdup(path);
	if (sqlite3_open_v2(":memory:", &sq->db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		store_sqlite_fail(sq, "open a copy in memory");
		goto fail;
	}
	if (strcmp(path, ":memory:") != 0 && stat(path, &sb) == 0 && copy_in(sq, path) < 0)
		goto fail;
	if (store_sqlite_setup(sq, 0) < 0)
		goto fail;
	return &sq->base;
fail:
	err_set(err, errlen, "%s", sq->base.err);
	store_sqlite_close(&sq->base);
	return NULL;
}

/* ":memory:" is never there before it is opened, like a file not yet created. */
static int store_sqlite_exists(const char *path)
{
	struct stat sb;

	return strcmp(path, ":memory:") != 0 && stat(path, &sb) == 0;
}

int store_sqlite_step_done(struct store_sqlite *sq, sqlite3_stmt *s, const char *what)
{
	int rc = sqlite3_step(s);

	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return store_sqlite_fail(sq, what);
	return 0;
}

int store_sqlite_row_result(struct store_sqlite *sq, sqlite3_stmt *s, int rc, const char *what)
{
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_sqlite_fail(sq, what);
	return rc == SQLITE_ROW;
}

static int store_sqlite_begin(struct store *st)
{
	struct store_sqlite *sq = store_sqlite_of(st);

	return store_sqlite_step_done(sq, sq->stmt[ST_BEGIN], "begin");
}

/* A deferred transaction only reads: its first SELECT takes the snapshot. */
static int store_sqlite_read_begin(struct store *st)
{
	struct store_sqlite *sq = store_sqlite_of(st);

	return store_sqlite_step_done(sq, sq->stmt[ST_BEGIN_READ], "begin reading");
}

static void store_sqlite_read_end(struct store *st)
{
	struct store_sqlite *sq = store_sqlite_of(st);

	if (!sqlite3_get_autocommit(sq->db))
		store_sqlite_step_done(sq, sq->stmt[ST_COMMIT], "end reading");
}

/*
 * WAL with synchronous=NORMAL: the commit appends to the WAL without an
 * fsync; the next FULL commit's fsync of the same (sequential) WAL, or a
 * checkpoint, makes it durable. A killed process loses nothing either way.
 */
static int store_sqlite_begin_relaxed(struct store *st)
{
	struct store_sqlite *sq = store_sqlite_of(st);

	if (store_sqlite_step_done(sq, sq->stmt[ST_SYNC_NORMAL], "relax synchronous") < 0)
		return -1;
	sq->relaxed = 1;
	if (store_sqlite_begin(st) == 0)
		return 0;
	sq->relaxed = 0;
	store_sqlite_step_done(sq, sq->stmt[ST_SYNC_FULL], "restore synchronous");
	return -1;
}

/* After a relaxed transaction: every later one is FULL again. */
static void end_relaxed(struct store_sqlite *sq)
{
	if (!sq->relaxed || !sqlite3_get_autocommit(sq->db))
		return;
	sq->relaxed = 0;
	store_sqlite_step_done(sq, sq->stmt[ST_SYNC_FULL], "restore synchronous");
}

static int store_sqlite_commit(struct store *st)
{
	struct store_sqlite *sq = store_sqlite_of(st);
	int rc = store_sqlite_step_done(sq, sq->stmt[ST_COMMIT], "commit");

	end_relaxed(sq);
	return rc;
}

static void store_sqlite_rollback(struct store *st)
{
	struct store_sqlite *sq = store_sqlite_of(st);

	if (!sqlite3_get_autocommit(sq->db))
		store_sqlite_step_done(sq, sq->stmt[ST_ROLLBACK], "rollback");
	end_relaxed(sq);
}

static int store_sqlite_info(struct store *st, struct store_info *out)
{
	out->schema_version = user_version(store_sqlite_of(st));
	return out->schema_version < 0 ? -1 : 0;
}

/* PRAGMA integrity_check: "ok", or the first problem found. */
static int store_sqlite_verify(struct store *st)
{
	struct store_sqlite *sq = store_sqlite_of(st);
	sqlite3_stmt *s;
	int ok = 0;

	if (sqlite3_prepare_v2(sq->db, "PRAGMA integrity_check", -1, &s, NULL) != SQLITE_OK)
		return store_sqlite_fail(sq, "integrity check");
	if (sqlite3_step(s) == SQLITE_ROW) {
		const char *r = (const char *)sqlite3_column_text(s, 0);

		ok = r && strcmp(r, "ok") == 0;
		if (!ok)
			snprintf(sq->base.err, sizeof(sq->base.err), "%s: integrity check: %s",
				 sq->path, r ? r : "?");
	} else {
		store_sqlite_fail(sq, "integrity check");
	}
	sqlite3_finalize(s);
	return ok ? 0 : -1;
}

char *store_sqlite_column_strdup(sqlite3_stmt *s, int col)
{
	const unsigned char *t = sqlite3_column_text(s, col);

	return t ? xstrdup((const char *)t) : NULL;
}

void store_sqlite_row_read(sqlite3_stmt *s, const struct store_sqlite_field *f, size_t n, void *obj)
{
	for (size_t i = 0; i < n; i++) {
		void *p = (char *)obj + f[i].offset;
		int col = (int)i;

		switch (f[i].kind) {
		case COL_SKIP:
			break;
		case COL_TEXT:
			*(char **)p = store_sqlite_column_strdup(s, col);
			break;
		case COL_INT:
			*(int *)p = sqlite3_column_int(s, col);
			break;
		case COL_LONG:
			*(long *)p = (long)sqlite3_column_int64(s, col);
			break;
		case COL_INT64:
			*(int64_t *)p = sqlite3_column_int64(s, col);
			break;
		case COL_DOUBLE:
			*(double *)p = sqlite3_column_double(s, col);
			break;
		}
	}
}

void store_sqlite_bind_text(sqlite3_stmt *s, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(s, i);
}

const struct store_backend store_sqlite_backend = {
    .name = "sqlite",
    .open = store_sqlite_open,
    .open_copy = store_sqlite_open_copy,
    .exists = store_sqlite_exists,
    .close = store_sqlite_close,
    .begin = store_sqlite_begin,
    .begin_relaxed = store_sqlite_begin_relaxed,
    .commit = store_sqlite_commit,
    .rollback = store_sqlite_rollback,
    .read_begin = store_sqlite_read_begin,
    .read_end = store_sqlite_read_end,
    .info = store_sqlite_info,
    .verify = store_sqlite_verify,
    .check = store_sqlite_check,
    .recovery_steps = store_sqlite_recovery_steps,
    .prune = store_sqlite_prune,
    .compact = store_sqlite_compact,
    .size = store_sqlite_size,
    .export_rows = store_sqlite_export_rows,
    .source_get = store_sqlite_source_get,
    .source_put = store_sqlite_source_put,
    .source_ids = store_sqlite_source_ids,
    .sources_all = store_sqlite_sources_all,
    .item_find = store_sqlite_item_find,
    .item_seen_elsewhere = store_sqlite_item_seen_elsewhere,
    .item_same_text = store_sqlite_item_same_text,
    .item_same_listing = store_sqlite_item_same_listing,
    .item_put = store_sqlite_item_put,
    .items_to_recheck = store_sqlite_items_to_recheck,
    .items_unread = store_sqlite_items_unread,
    .items_text_newest = store_sqlite_items_text_newest,
    .item_touch = store_sqlite_item_touch,
    .item_set_themes = store_sqlite_item_set_themes,
    .search = store_sqlite_search,
    .index_pending = store_sqlite_index_pending,
    .index_add = store_sqlite_index_add,
    .statements = store_sqlite_statements,
    .statement_get = store_sqlite_statement_get,
    .event_insert = store_sqlite_event_insert,
    .event_recent = store_sqlite_event_recent,
    .event_last_of = store_sqlite_event_last_of,
    .events_due = store_sqlite_events_due,
    .events_next_due = store_sqlite_events_next_due,
    .event_update = store_sqlite_event_update,
    .events_requeue_sending = store_sqlite_events_requeue_sending,
    .events_list = store_sqlite_events_list,
    .event_redeliver = store_sqlite_event_redeliver,
    .set_busy_wait = store_sqlite_set_busy_wait,
    .channel_counts = store_sqlite_channel_counts,
};
