/*
 * daemon/store_pg: the PostgreSQL backend of the store (issue 20), shared
 * between its files (store_pg.c: connection, schema, transactions;
 * store_pg_row.c: queries and rows; store_pg_items.c: sources, items,
 * search; store_pg_events.c: the outbox; store_pg_read.c: the read side's
 * statements; store_pg_maint.c: check, retention, size). Only those files
 * and daemon/pg_conn* include libpq-fe.h.
 *
 * The backend is synchronous, as the store interface is: each operation is
 * one blocking libpq round trip (PQexecParams, text parameters) bounded by
 * the session's statement_timeout and lock_timeout and by TCP keepalives
 * and tcp_user_timeout. It therefore runs where blocking is allowed: the
 * commands (status, search, events, migrate), and in the daemon off the
 * loop (docs/architecture.md, "PostgreSQL").
 *
 * Same schema meaning as SQLite's (store_pg_schema.c): times are unix
 * seconds in double precision, so a migrated store and its events read the
 * same; ids are bigint; the raw page is bytea (zlib, as SQLite keeps it).
 */
#ifndef SW_STORE_PG_H
#define SW_STORE_PG_H

#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

#include "daemon/pg_conn.h"
#include "daemon/store_int.h"

struct store_pg {
	struct store base; /* first: a struct store * is a struct store_pg * */
	PGconn *conn;
	char *conninfo;	   /* as libpq takes it: a postgresql:// URI or key=value pairs */
	char *shown;	   /* conninfo without passwords: what messages name */
	int copy;	   /* store_open_copy: the session is one transaction never committed */
	int savepoint;	   /* copy: a store transaction (savepoint sw) is open */
	char *instance;	   /* who claims events (store_set_instance); "host:pid:random" */
	double claim_secs; /* how long a claim on an event lasts */
	unsigned long round_trips; /* statements sent since opened (bench, store_info) */
	double retry_at;	   /* clock_mono before which a lost connection is not retried */
	double backoff;		   /* s to wait after the next failed reconnection; 0: none yet */
};

static inline struct store_pg *store_pg_of(struct store *st)
{
	return (struct store_pg *)st;
}

/* The schema version this build writes and expects on PostgreSQL. */
#define STORE_PG_SCHEMA_VERSION 8
/* The migration steps (store_pg_schema.c), ascending versions. */
extern const struct pg_conn_step store_pg_steps[];
extern const size_t store_pg_nsteps;

/*
 * Sets the store's error to "SHOWN: what: the server's message" (res's
 * when not NULL, else the connection's), folded to one line, no password;
 * returns -1.
 */
int store_pg_fail(struct store_pg *pg, const char *what, const PGresult *res);

/*
 * 0 when pg has a working connection for the next statement; a connection
 * lost (a server restart, a cut) is made again first, unless a transaction
 * was open on it (its statements must not go on in a new session: it fails
 * until the caller rolls back) or a dry-run copy's, and at most once per
 * backoff step (STORE_PG_RETRY_MIN doubling to STORE_PG_RETRY_MAX). -1 with
 * the error set otherwise. Blocks: the store thread's, never the loop's.
 */
#define STORE_PG_RETRY_MIN 1.0
#define STORE_PG_RETRY_MAX 30.0
int store_pg_usable(struct store_pg *pg, const char *what);

/*
 * Runs sql with n text parameters (NULL entries are SQL NULL), each made
 * valid UTF-8 first (store_pg_utf8_clean: the server refuses anything
 * else, where SQLite keeps any bytes). The result
 * when it succeeded (rows or a command): the caller PQclears it. NULL with
 * the error set ("SHOWN: what: ...") otherwise.
 */
PGresult *store_pg_exec(struct store_pg *pg, const char *what, const char *sql, int n,
			const char *const *params);
/* store_pg_exec for a statement whose rows are not needed: 0 or -1. */
int store_pg_run(struct store_pg *pg, const char *what, const char *sql, int n,
		 const char *const *params);
/*
 * Statements without parameters, several allowed (the simple protocol), in
 * one round trip: 0 or -1. Only for fixed SQL, never for values.
 */
int store_pg_run_plain(struct store_pg *pg, const char *what, const char *sql);
/*
 * store_pg_exec for a statement returning at most one row: 1 with *res
 * set (the caller clears it) when a row came, 0 when none (nothing to
 * clear), -1 with the error set.
 */
int store_pg_row(struct store_pg *pg, const char *what, const char *sql, int n,
		 const char *const *params, PGresult **res);

/* Text of numbers for parameters: one buffer per parameter. */
struct store_pg_num {
	char s[40];
};
const char *store_pg_ll(struct store_pg_num *b, long long v);
/* Round-trips exactly (%.17g). */
const char *store_pg_dbl(struct store_pg_num *b, double v);

/* Bytes as a bytea parameter in hex form ("\x0a1b..."). Caller frees. */
char *store_pg_bytea_param(const unsigned char *data, size_t len);
/* A bytea column's bytes (malloc'd, *len set); NULL and 0 for SQL NULL. */
unsigned char *store_pg_bytea_get(const PGresult *res, int row, int col, size_t *len);

/*
 * store_pg_utf8.c: s with each byte that does not begin a valid UTF-8
 * sequence as U+FFFD (allocated), or NULL when s is valid UTF-8 already.
 */
char *store_pg_utf8_clean(const char *s);

/* Column values: a new string (NULL for SQL NULL), a number (0 for NULL). */
char *store_pg_strdup(const PGresult *res, int row, int col);
long long store_pg_get_ll(const PGresult *res, int row, int col);
double store_pg_get_dbl(const PGresult *res, int row, int col);

/* How a column of a result row lands in a field of a struct. */
enum store_pg_col {
	PGCOL_SKIP,   /* read by the caller (a blob, an enum) */
	PGCOL_TEXT,   /* char *, a new string or NULL */
	PGCOL_INT,    /* int */
	PGCOL_LONG,   /* long */
	PGCOL_INT64,  /* int64_t */
	PGCOL_DOUBLE, /* double */
};
struct store_pg_field {
	enum store_pg_col kind;
	size_t offset; /* offsetof the field */
};
#define STORE_PG_FIELD(type, kind, field)                                                          \
	{                                                                                          \
		kind, offsetof(type, field)                                                        \
	}
/* Reads columns 0..n-1 of row into obj, field by field. */
void store_pg_row_read(const PGresult *res, int row, const struct store_pg_field *f, size_t n,
		       void *obj);
#define STORE_PG_ROW_READ(res, row, fields, obj)                                                   \
	store_pg_row_read(res, row, fields, sizeof(fields) / sizeof((fields)[0]), obj)

/* store_pg_items.c */
int store_pg_source_get(struct store *st, const char *id, struct store_source *out);
int store_pg_source_put(struct store *st, const char *id, const char *url,
			const struct store_source *src);
int store_pg_source_ids(struct store *st, char ***ids, size_t *n);
int store_pg_sources_all(struct store *st, struct store_source **out, size_t *n);
int store_pg_item_find(struct store *st, const char *source_id, const char *url, const char *guid,
		       struct store_item *out);
int store_pg_item_same_text(struct store *st, const char *source_id, const char *url,
			    const char *text_sha256, struct store_item *old);
int store_pg_item_same_listing(struct store *st, const char *source_id, const char *url,
			       const char *title, const char *published, struct store_item *old);
int store_pg_item_seen_elsewhere(struct store *st, const char *source_id, const char *url,
				 const char *norm_url, const char *text_sha256);
int store_pg_item_put(struct store *st, struct store_item *it);
int store_pg_items_unread(struct store *st, const char *source_id, size_t newest, size_t max,
			  struct list_items *out);
int store_pg_items_to_recheck(struct store *st, const char *source_id, double before, size_t max,
			      struct list_items *out);
int store_pg_items_text_newest(struct store *st, const char *source_id, double *when);
int store_pg_item_touch(struct store *st, int64_t id, double now);
int store_pg_item_set_themes(struct store *st, int64_t id, const char *themes,
			     const char *detail_json);
/* store_pg_search.c */
/* A statement's parameters as they are collected: $1, $2... in order, owned. */
struct store_pg_params {
	char **v;
	int n;
};
/* Takes ownership of value; returns its number n ($n). */
int store_pg_param(struct store_pg_params *p, char *value);
void store_pg_params_free(struct store_pg_params *p);
/*
 * An FTS5 MATCH query (store.h's syntax, as SQLite's trigram index reads
 * it) as a condition over the items of alias i, its values added to p:
 * a new SQL text, or NULL with why in err (a bad or unsupported query).
 */
char *store_pg_match_sql(const char *query, struct store_pg_params *p, char *err, size_t errlen);
int store_pg_search(struct store *st, const char *query, const char *since, const char *theme,
		    size_t max, struct store_hit **out, size_t *n);
int store_pg_index_pending(struct store *st, int64_t *n);
int store_pg_index_add(struct store *st, size_t max, size_t *done);

/* store_pg_read.c */
int store_pg_statements(struct store *st, const struct store_statement_filter *f,
			struct store_statement **out, size_t *n);
int store_pg_statement_get(struct store *st, int64_t id, struct store_statement *out);

/* store_pg_maint.c */
int store_pg_check(struct store *st, double budget);
char *store_pg_recovery_steps(const char *rest, const char *location);
int store_pg_prune(struct store *st, struct store_prune *p);
int store_pg_compact(struct store *st);
int store_pg_size(struct store *st, int64_t *bytes, int64_t *free_bytes);

/* store_pg_instances.c */
int store_pg_instances(struct store *st, struct store_instance **out, size_t *n);

/* store_pg_import.c */
int store_pg_import_rows(struct store *st, struct store_import *im);

/* store_pg_events.c */
int store_pg_event_insert(struct store *st, const struct store_event_new *ev);
int store_pg_event_recent(struct store *st, const char *source_id, const char *type, double since);
int store_pg_event_last_of(struct store *st, const char *source_id, const char *type, double *when);
int store_pg_events_due(struct store *st, double now, const struct store_skip *skip, size_t max,
			struct store_event **out, size_t *n);
int store_pg_events_next_due(struct store *st, const struct store_skip *skip, double *when);
int store_pg_event_update(struct store *st, const struct store_event *ev);
int store_pg_events_requeue_sending(struct store *st);
int store_pg_events_list(struct store *st, const struct store_event_filter *f,
			 struct store_event **out, size_t *n);
int store_pg_event_redeliver(struct store *st, const char *id, double when);
int store_pg_channel_counts(struct store *st, const char *channel,
			    struct store_channel_counts *out);

#endif
