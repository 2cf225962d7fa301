/*
 * daemon/store_sqlite_maint: the SQLite backend's upkeep — the start-up
 * check and what to do about a damaged store, the size on disk, retention
 * of raw pages and texts, and compaction. None of it runs on the hot path.
 */
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/xmalloc.h"
#include "daemon/store_sqlite.h"

/*
 * PRAGMA quick_check: every b-tree page's structure, free list and record
 * format, without matching index entries to rows (integrity_check's
 * costly part). Reads the whole file once.
 */
int store_sqlite_check(struct store *st)
{
	struct store_sqlite *sq = store_sqlite_of(st);
	sqlite3_stmt *s = NULL;
	int ok = 0, damaged;

	if (sqlite3_prepare_v2(sq->db, "PRAGMA quick_check(1)", -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW) {
		const char *r = (const char *)sqlite3_column_text(s, 0);

		ok = r && strcmp(r, "ok") == 0;
		if (!ok)
			snprintf(sq->base.err, sizeof(sq->base.err), "%s: damaged: %s", sq->path,
				 r ? r : "?");
		damaged = !ok;
	} else {
		damaged = store_sqlite_damaged(sq);
		store_sqlite_fail(sq, damaged ? "damaged" : "quick_check");
	}
	sqlite3_finalize(s);
	errno = damaged ? EBADMSG : 0;
	return ok ? 0 : -1;
}

char *store_sqlite_recovery_steps(const char *path, const char *location)
{
	return xasprintf(
	    "the store %s is damaged; speechwatch will not run on it. To recover:\n"
	    "  1. keep speechwatch stopped and set the damaged files aside:\n"
	    "     mv %s %s.damaged (and %s-wal, %s-shm if present, likewise)\n"
	    "  2. restore a copy taken while speechwatch was stopped (or with sqlite3 .backup) as\n"
	    "     %s\n"
	    "     or start without one: speechwatch creates a new store, each source takes a new\n"
	    "     baseline without alerting, and events not yet delivered are lost\n"
	    "  3. to read what the damaged store still holds: sqlite3 %s.damaged .recover\n"
	    "see speechwatch(8), STORE RECOVERY",
	    location, path, path, path, path, path, path);
}

/*
 * The batch to prune after p->after: up to p->max items first seen before
 * the newer cutoff, in id order; *last is its last id. A newer item, or the
 * end of the table, finishes the visit: ids follow first sightings, so
 * nothing older lies beyond (a clock stepped back only keeps some longer).
 */
static int prune_range(struct store_sqlite *sq, struct store_prune *p, int64_t *last)
{
	double newest = p->raw_before > p->text_before ? p->raw_before : p->text_before;
	sqlite3_stmt *s;
	size_t n = 0;
	int rc;

	*last = p->after;
	if (sqlite3_prepare_v2(
		sq->db, "SELECT id, first_seen FROM items WHERE id > ?1 ORDER BY id LIMIT ?2", -1,
		&s, NULL) != SQLITE_OK)
		return store_sqlite_fail(sq, "prune");
	sqlite3_bind_int64(s, 1, p->after);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)p->max);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (sqlite3_column_double(s, 1) >= newest) {
			p->finished = 1;
			break;
		}
		*last = sqlite3_column_int64(s, 0);
		n++;
	}
	if (rc == SQLITE_DONE && n < p->max)
		p->finished = 1;
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_sqlite_fail(sq, "prune");
	return 0;
}

/*
 * Sets one column (raw or text) to NULL in ids (after, last] first seen
 * before `before`. Clearing text goes through the items_fts_au trigger:
 * an indexed row's old text leaves the search index; a row not yet
 * indexed will be indexed as it is now.
 */
static int prune_column(struct store_sqlite *sq, const char *col, int64_t after, int64_t last,
			double before, size_t *n)
{
	char sql[160];
	sqlite3_stmt *s;
	int rc;

	if (before <= 0 || last <= after)
		return 0;
	snprintf(sql, sizeof(sql),
		 "UPDATE items SET %s = NULL WHERE id > ?1 AND id <= ?2 AND first_seen < ?3 "
		 "AND %s IS NOT NULL",
		 col, col);
	if (sqlite3_prepare_v2(sq->db, sql, -1, &s, NULL) != SQLITE_OK)
		return store_sqlite_fail(sq, "prune");
	sqlite3_bind_int64(s, 1, after);
	sqlite3_bind_int64(s, 2, last);
	sqlite3_bind_double(s, 3, before);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return store_sqlite_fail(sq, "prune");
	*n = (size_t)sqlite3_changes(sq->db);
	return 0;
}

int store_sqlite_prune(struct store *st, struct store_prune *p)
{
	struct store_sqlite *sq = store_sqlite_of(st);
	int64_t last;

	if (store_sqlite_step_done(sq, sq->stmt[ST_BEGIN], "begin") < 0)
		return -1;
	if (prune_range(sq, p, &last) < 0 ||
	    prune_column(sq, "raw", p->after, last, p->raw_before, &p->raw_dropped) < 0 ||
	    prune_column(sq, "text", p->after, last, p->text_before, &p->text_dropped) < 0 ||
	    store_sqlite_step_done(sq, sq->stmt[ST_COMMIT], "commit") < 0) {
		store_sqlite_step_done(sq, sq->stmt[ST_ROLLBACK], "rollback");
		return -1;
	}
	p->after = last;
	return 0;
}

/*
 * VACUUM rewrites the database through the WAL (which grows to the size of
 * the store); the checkpoint that follows writes it back and truncates it.
 */
int store_sqlite_compact(struct store *st)
{
	struct store_sqlite *sq = store_sqlite_of(st);

	if (sqlite3_exec(sq->db, "VACUUM", NULL, NULL, NULL) != SQLITE_OK)
		return store_sqlite_fail(sq, "vacuum");
	if (sqlite3_exec(sq->db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL) != SQLITE_OK)
		return store_sqlite_fail(sq, "checkpoint");
	return 0;
}

/* The integer a PRAGMA returns, or -1. */
static int64_t pragma_int(struct store_sqlite *sq, const char *sql)
{
	sqlite3_stmt *s;
	int64_t v = -1;

	if (sqlite3_prepare_v2(sq->db, sql, -1, &s, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

/* The database file and its WAL; free pages are inside the file, reused before it grows. */
int store_sqlite_size(struct store *st, int64_t *bytes, int64_t *free_bytes)
{
	struct store_sqlite *sq = store_sqlite_of(st);
	char *wal = xasprintf("%s-wal", sq->path);
	int64_t pages = pragma_int(sq, "PRAGMA freelist_count");
	int64_t page_size = pragma_int(sq, "PRAGMA page_size");
	struct stat sb;

	if (stat(sq->path, &sb) == 0)
		*bytes += sb.st_size;
	if (stat(wal, &sb) == 0)
		*bytes += sb.st_size;
	free(wal);
	if (pages < 0 || page_size < 0)
		return store_sqlite_fail(sq, "size");
	*free_bytes = pages * page_size;
	return 0;
}
