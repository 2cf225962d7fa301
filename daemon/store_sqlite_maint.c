/*
 * daemon/store_sqlite_maint: the SQLite backend's upkeep — the start-up
 * check and what to do about a damaged store, the size on disk, retention
 * of raw pages and texts, and compaction. None of it runs on the hot path.
 */
#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "common/xmalloc.h"
#include "daemon/store_sqlite.h"

/* The tables checked whole before the budget applies: small, and what must not be lost. */
static const char *const check_first[] = {"sources", "events", "fts_state"};

/*
 * Stops a check at its deadline: the integrity check is one long step that
 * no progress handler can break into, so a thread waits out the budget and
 * calls sqlite3_interrupt (thread-safe) unless the check ended first.
 */
struct check_timer {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int done;
	struct timespec until; /* CLOCK_MONOTONIC */
	sqlite3 *db;
};

static void timespec_add_ms(struct timespec *ts, long ms)
{
	ts->tv_nsec += ms * 1000000L;
	while (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

static void *check_timer_main(void *arg)
{
	struct check_timer *t = arg;
	int rc = 0;

	pthread_mutex_lock(&t->mu);
	while (!t->done && rc != ETIMEDOUT)
		rc = pthread_cond_timedwait(&t->cv, &t->mu, &t->until);
	/*
	 * SQLite clears an interrupt that comes before the statement's first
	 * step (no statement active then), so a deadline that passes before
	 * the check has started is repeated every 10 ms until the check ends.
	 */
	while (!t->done) {
		sqlite3_interrupt(t->db);
		timespec_add_ms(&t->until, 10);
		pthread_cond_timedwait(&t->cv, &t->mu, &t->until);
	}
	pthread_mutex_unlock(&t->mu);
	return NULL;
}

/* Starts the timer of budget seconds; 0, or -1 when no thread could start (no limit then). */
static int check_timer_start(struct check_timer *t, pthread_t *th, sqlite3 *db, double budget)
{
	pthread_condattr_t ca;

	memset(t, 0, sizeof(*t));
	t->db = db;
	clock_gettime(CLOCK_MONOTONIC, &t->until);
	t->until.tv_sec += (time_t)budget;
	t->until.tv_nsec += (long)((budget - (double)(time_t)budget) * 1e9);
	if (t->until.tv_nsec >= 1000000000L) {
		t->until.tv_sec++;
		t->until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_init(&t->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&t->cv, &ca);
	pthread_condattr_destroy(&ca);
	return pthread_create(th, NULL, check_timer_main, t) == 0 ? 0 : -1;
}

static void check_timer_end(struct check_timer *t, pthread_t th, int started)
{
	pthread_mutex_lock(&t->mu);
	t->done = 1;
	pthread_cond_signal(&t->cv);
	pthread_mutex_unlock(&t->mu);
	if (started)
		pthread_join(th, NULL);
	pthread_cond_destroy(&t->cv);
	pthread_mutex_destroy(&t->mu);
}

/*
 * One PRAGMA quick_check: 0 ok, 1 interrupted by the deadline, -1 with
 * the error set (errno EBADMSG for damage).
 */
static int quick_check(struct store_sqlite *sq, const char *sql)
{
	sqlite3_stmt *s = NULL;
	int rc = SQLITE_ERROR, ok = 0, damaged = 0;

	if (sqlite3_prepare_v2(sq->db, sql, -1, &s, NULL) == SQLITE_OK)
		rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		const char *r = (const char *)sqlite3_column_text(s, 0);

		ok = r && strcmp(r, "ok") == 0;
		damaged = !ok;
		if (!ok)
			snprintf(sq->base.err, sizeof(sq->base.err), "%s: damaged: %s", sq->path,
				 r ? r : "?");
	} else if (rc != SQLITE_INTERRUPT) {
		damaged = store_sqlite_damaged(sq);
		store_sqlite_fail(sq, damaged ? "damaged" : "quick_check");
	}
	sqlite3_finalize(s);
	errno = damaged ? EBADMSG : 0;
	return rc == SQLITE_INTERRUPT ? 1 : ok ? 0 : -1;
}

/*
 * PRAGMA quick_check: every b-tree page's structure, free list and record
 * format, without matching index entries to rows (integrity_check's
 * costly part). It reads the whole file: about 4 s a GiB from the page
 * cache, many times that from disk (docs/performance.md). So the small
 * tables go first, whole; the rest of the file as far as the budget goes.
 */
int store_sqlite_check(struct store *st, double budget)
{
	struct store_sqlite *sq = store_sqlite_of(st);
	struct check_timer t;
	pthread_t th;
	char sql[64];
	int rc, timed = 0;

	for (size_t i = 0; i < sizeof(check_first) / sizeof(check_first[0]); i++) {
		snprintf(sql, sizeof(sql), "PRAGMA quick_check(%s)", check_first[i]);
		if (quick_check(sq, sql) < 0)
			return -1;
	}
	if (budget > 0)
		timed = check_timer_start(&t, &th, sq->db, budget) == 0;
	rc = quick_check(sq, "PRAGMA quick_check(1)");
	if (budget > 0)
		check_timer_end(&t, th, timed);
	return rc;
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
 * An item seen "after" p->future (a clock that was ahead) does not end it.
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
		double seen = sqlite3_column_double(s, 1);

		if (seen >= newest && (p->future <= 0 || seen <= p->future)) {
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

/* The past texts of the items whose text goes (keep_text_days): retention covers every version. */
static int prune_versions(struct store_sqlite *sq, int64_t after, int64_t last, double before)
{
	sqlite3_stmt *s;
	int rc;

	if (before <= 0 || last <= after)
		return 0;
	if (sqlite3_prepare_v2(sq->db,
			       "UPDATE item_versions SET text = NULL WHERE item_id > ?1 AND "
			       "item_id <= ?2 AND text IS NOT NULL AND item_id IN (SELECT id FROM "
			       "items WHERE id > ?1 AND id <= ?2 AND first_seen < ?3)",
			       -1, &s, NULL) != SQLITE_OK)
		return store_sqlite_fail(sq, "prune");
	sqlite3_bind_int64(s, 1, after);
	sqlite3_bind_int64(s, 2, last);
	sqlite3_bind_double(s, 3, before);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : store_sqlite_fail(sq, "prune");
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
	    prune_versions(sq, p->after, last, p->text_before) < 0 ||
	    store_sqlite_step_done(sq, sq->stmt[ST_COMMIT], "commit") < 0) {
		store_sqlite_step_done(sq, sq->stmt[ST_ROLLBACK], "rollback");
		return -1;
	}
	p->after = last;
	return 0;
}

/*
 * A text leaving the search index only adds a delete marker to FTS5's
 * segments; 'optimize' merges them into one, without what was deleted.
 * VACUUM then rewrites the database through the WAL (which grows to the
 * size of the store); the checkpoint that follows writes it back and
 * truncates it.
 */
int store_sqlite_compact(struct store *st)
{
	struct store_sqlite *sq = store_sqlite_of(st);

	if (sqlite3_exec(sq->db, "INSERT INTO items_fts(items_fts) VALUES ('optimize')", NULL, NULL,
			 NULL) != SQLITE_OK)
		return store_sqlite_fail(sq, "optimize the search index");
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
