/*
 * daemon/store: the durable state in SQLite (WAL, synchronous=FULL): sources,
 * items, and the outbox of events. The only file that includes sqlite3.h.
 * Every failure comes back as -1 with a message naming the database path.
 */
#ifndef SW_STORE_H
#define SW_STORE_H

#include <stddef.h>
#include <stdint.h>

struct store;

#define STORE_SCHEMA_VERSION 1

/* Poll state of one source, as the daemon needs it between runs. */
struct store_source {
	char *etag;
	char *last_modified;
	double last_poll;  /* unix time, 0 = never */
	long last_status;  /* HTTP status of the last poll, 0 if none */
	char *last_result; /* "ok", "not-modified", "timeout", ... or NULL */
	char *last_error;  /* text of the last failure, or NULL */
	long items;	   /* items on the page at the last good poll */
	long failures;	   /* consecutive failed polls */
	double next_due;   /* unix time */
	int failing;	   /* a source.failing event was sent and not yet recovered */
};

/* Opens (creating and migrating) the database at path. NULL with err on failure. */
struct store *store_open(const char *path, char *err, size_t errlen);

/* Opens an existing database read-only (status while the daemon runs). */
struct store *store_open_readonly(const char *path, char *err, size_t errlen);

void store_close(struct store *st);

const char *store_path(const struct store *st);
/* The last error message (names the path). Borrowed. */
const char *store_error(const struct store *st);

int store_begin(struct store *st);
int store_commit(struct store *st);
void store_rollback(struct store *st);

/* The schema version found on disk (PRAGMA user_version). */
int store_schema_version(struct store *st);
/* 0 when PRAGMA integrity_check says "ok". */
int store_integrity_check(struct store *st);

/* Fills out (caller frees with store_source_clear); 1 found, 0 unknown, -1 error. */
int store_source_get(struct store *st, const char *id, struct store_source *out);
/* Inserts or replaces the poll state of source id. */
int store_source_put(struct store *st, const char *id, const char *url,
		     const struct store_source *src);
void store_source_clear(struct store_source *src);

/* Ids of every source in the store, in id order (caller frees each and the array). */
int store_source_ids(struct store *st, char ***ids, size_t *n);

#endif
