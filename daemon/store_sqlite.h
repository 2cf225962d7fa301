/*
 * daemon/store_sqlite: the SQLite backend of the store, shared between its
 * files (store_sqlite.c: open, schema, transactions; store_sqlite_items.c:
 * sources, items, search; store_sqlite_events.c: the outbox;
 * store_sqlite_read.c: statements for the read side). Only those
 * files include sqlite3.h; this header names its types without it.
 */
#ifndef SW_STORE_SQLITE_H
#define SW_STORE_SQLITE_H

#include "daemon/store_int.h"

struct sqlite3;
struct sqlite3_stmt;

enum store_sqlite_stmt {
	ST_BEGIN,
	ST_BEGIN_READ,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_SYNC_NORMAL,
	ST_SYNC_FULL,
	ST_SOURCE_GET,
	ST_SOURCE_UPDATE,
	ST_SOURCE_PUT,
	ST_SOURCE_IDS,
	ST_SOURCE_ALL,
	ST_SOURCE_DUPLICATES,
	ST_ITEM_FIND_URL,
	ST_ITEM_FIND_GUID,
	ST_ITEM_ELSEWHERE,
	ST_ITEM_SAME_TEXT,
	ST_ITEM_SAME_LISTING,
	ST_ITEM_INSERT,
	ST_ITEM_UPDATE,
	ST_ITEM_TOUCH,
	ST_ITEM_RECHECK,
	ST_ITEM_UNREAD,
	ST_ITEM_TEXT_NEWEST,
	ST_ITEM_THEMES,
	ST_SEARCH,
	ST_INDEX_PENDING,
	ST_INDEX_ADD,
	ST_INDEX_MARK,
	ST_EVENT_INSERT,
	ST_EVENT_RECENT,
	ST_EVENT_LAST_OF,
	ST_EVENT_DUE,
	ST_EVENT_NEXT,
	ST_EVENT_UPDATE,
	ST_EVENT_REQUEUE,
	ST_EVENT_LIST,
	ST_EVENT_REDELIVER,
	ST_CHANNEL_COUNTS,
	ST_CHANNEL_LAST_ERROR,
	ST__COUNT,
};

struct store_sqlite {
	struct store base; /* first: a struct store * is a struct store_sqlite * */
	struct sqlite3 *db;
	char *path;
	struct sqlite3_stmt *stmt[ST__COUNT];
	int relaxed; /* the open transaction commits with synchronous=NORMAL */
};

static inline struct store_sqlite *store_sqlite_of(struct store *st)
{
	return (struct store_sqlite *)st;
}

/* Sets the store's error to "PATH: what: sqlite's message"; returns -1. */
int store_sqlite_fail(struct store_sqlite *sq, const char *what);
/*
 * The end of a one-row query whose step returned rc (its row already read):
 * resets s; 1 when there was a row, 0 when none, -1 on error (what says which).
 */
int store_sqlite_row_result(struct store_sqlite *sq, struct sqlite3_stmt *s, int rc,
			    const char *what);
/* Steps a statement that returns no rows we need, then resets it. 0 or -1. */
int store_sqlite_step_done(struct store_sqlite *sq, struct sqlite3_stmt *s, const char *what);
/* The column as a new string, or NULL for SQL NULL. */
char *store_sqlite_column_strdup(struct sqlite3_stmt *s, int col);
/* How a column of a result row lands in a field of a struct. */
enum store_sqlite_col {
	COL_SKIP,   /* read by the caller (a blob, an enum) */
	COL_TEXT,   /* char *, a new string or NULL */
	COL_INT,    /* int */
	COL_LONG,   /* long */
	COL_INT64,  /* int64_t */
	COL_DOUBLE, /* double */
};
struct store_sqlite_field {
	enum store_sqlite_col kind;
	size_t offset; /* offsetof the field */
};
/* One entry of a field table: {kind, offsetof(type, field)}. */
#define STORE_SQLITE_FIELD(type, kind, field)                                                      \
	{                                                                                          \
		kind, offsetof(type, field)                                                        \
	}
/* Reads columns 0..n-1 of the current row of s into obj, field by field. */
void store_sqlite_row_read(struct sqlite3_stmt *s, const struct store_sqlite_field *f, size_t n,
			   void *obj);
#define STORE_SQLITE_ROW_READ(s, fields, obj)                                                      \
	store_sqlite_row_read(s, fields, sizeof(fields) / sizeof((fields)[0]), obj)

/* Binds v, or NULL when v is NULL. */
void store_sqlite_bind_text(struct sqlite3_stmt *s, int i, const char *v);

/* store_sqlite_items.c */
int store_sqlite_source_get(struct store *st, const char *id, struct store_source *out);
int store_sqlite_source_put(struct store *st, const char *id, const char *url,
			    const struct store_source *src);
int store_sqlite_source_ids(struct store *st, char ***ids, size_t *n);
int store_sqlite_sources_all(struct store *st, struct store_source **out, size_t *n);
int store_sqlite_item_find(struct store *st, const char *source_id, const char *url,
			   const char *guid, struct store_item *out);
int store_sqlite_item_same_text(struct store *st, const char *source_id, const char *url,
				const char *text_sha256, struct store_item *old);
int store_sqlite_item_same_listing(struct store *st, const char *source_id, const char *url,
				   const char *title, const char *published,
				   struct store_item *old);
int store_sqlite_item_seen_elsewhere(struct store *st, const char *source_id, const char *url,
				     const char *norm_url, const char *text_sha256);
int store_sqlite_item_put(struct store *st, struct store_item *it);
int store_sqlite_items_unread(struct store *st, const char *source_id, size_t newest, size_t max,
			      struct list_items *out);
int store_sqlite_items_to_recheck(struct store *st, const char *source_id, double before,
				  size_t max, struct list_items *out);
int store_sqlite_items_text_newest(struct store *st, const char *source_id, double *when);
int store_sqlite_item_touch(struct store *st, int64_t id, double now);
int store_sqlite_item_set_themes(struct store *st, int64_t id, const char *themes,
				 const char *detail_json);
int store_sqlite_search(struct store *st, const char *query, const char *since, const char *theme,
			size_t max, struct store_hit **out, size_t *n);
int store_sqlite_index_pending(struct store *st, int64_t *n);
int store_sqlite_index_add(struct store *st, size_t max, size_t *done);

/* store_sqlite_read.c */
int store_sqlite_statements(struct store *st, const struct store_statement_filter *f,
			    struct store_statement **out, size_t *n);
int store_sqlite_statement_get(struct store *st, int64_t id, struct store_statement *out);

/* 1 when the last error of sq's connection says the file is damaged (or no database). */
int store_sqlite_damaged(struct store_sqlite *sq);

/* store_sqlite_maint.c */
int store_sqlite_check(struct store *st, double budget);
char *store_sqlite_recovery_steps(const char *path, const char *location);
int store_sqlite_prune(struct store *st, struct store_prune *p);
int store_sqlite_compact(struct store *st);
int store_sqlite_size(struct store *st, int64_t *bytes, int64_t *free_bytes);

/* store_sqlite_export.c */
int store_sqlite_export_rows(struct store *st, const char *table, store_row_fn *fn, void *arg);

/* store_sqlite_events.c */
int store_sqlite_event_insert(struct store *st, const struct store_event_new *ev);
int store_sqlite_event_recent(struct store *st, const char *source_id, const char *type,
			      double since);
int store_sqlite_event_last_of(struct store *st, const char *source_id, const char *type,
			       double *when);
int store_sqlite_events_due(struct store *st, double now, const struct store_skip *skip, size_t max,
			    struct store_event **out, size_t *n);
int store_sqlite_events_next_due(struct store *st, const struct store_skip *skip, double *when);
int store_sqlite_event_update(struct store *st, const struct store_event *ev);
int store_sqlite_events_requeue_sending(struct store *st);
int store_sqlite_events_list(struct store *st, const struct store_event_filter *f,
			     struct store_event **out, size_t *n);
int store_sqlite_event_redeliver(struct store *st, const char *id, double when);
void store_sqlite_set_busy_wait(struct store *st, int ms);
int store_sqlite_channel_counts(struct store *st, const char *channel,
				struct store_channel_counts *out);

#endif
