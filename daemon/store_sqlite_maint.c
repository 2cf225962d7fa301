/*
 * daemon/store_sqlite_maint: the SQLite backend's upkeep — the start-up
 * check and what to do about a damaged store, the size on disk, retention
 * of raw pages and texts, and compaction. None of it runs on the hot path.
 */
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "common/xmalloc.h"
#include "daemon/store_sqlite.h"

int store_sqlite_damaged(struct store_sqlite *sq)
{
	int rc = sq->db ? sqlite3_errcode(sq->db) & 0xff : SQLITE_OK;

	return rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB;
}

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
