/*
 * daemon/store_pg_import: rows of another store written into PostgreSQL
 * (store_import_rows in store.h), for `speechwatch migrate`. Each row is
 * one upsert on the table's primary key whose update happens only when
 * the row differs, so a second copy of the same rows writes nothing and
 * says so (RETURNING tells an insert from an update; no row back: equal).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/err.h"
#include "common/xmalloc.h"
#include "daemon/store_pg.h"

/* The tables a copy writes, with the columns of their primary key. */
static const struct import_table {
	const char *name;
	const char *key[2];
} tables[] = {
    {"sources", {"id", NULL}},
    {"items", {"id", NULL}},
    {"item_versions", {"item_id", "version"}},
    {"events", {"id", NULL}},
};

/* The index of column name among im's, or -1. */
static int col_of(const struct store_import *im, const char *name)
{
	for (size_t i = 0; i < im->ncols; i++)
		if (strcmp(im->names[i], name) == 0)
			return (int)i;
	return -1;
}

static const struct import_table *table_named(const char *name)
{
	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
		if (strcmp(tables[i].name, name) == 0)
			return &tables[i];
	return NULL;
}

/* 1 when the table here has a column name. */
static int has_column(const PGresult *res, const char *name)
{
	for (int r = 0; r < PQntuples(res); r++)
		if (strcmp(PQgetvalue(res, r, 0), name) == 0)
			return 1;
	return 0;
}

/* Every column given is one of the table's here, and its key is among them. */
static int check_columns(struct store_pg *pg, const struct import_table *t,
			 const struct store_import *im)
{
	const char *p[] = {t->name};
	PGresult *res = store_pg_exec(pg, "read the columns",
				      "SELECT column_name::text FROM information_schema.columns"
				      " WHERE table_schema = current_schema() AND table_name = $1",
				      1, p);
	const char *missing = NULL;

	if (res == NULL)
		return -1;
	for (size_t i = 0; i < im->ncols && missing == NULL; i++)
		if (!has_column(res, im->names[i]))
			missing = im->names[i];
	PQclear(res);
	for (size_t k = 0; k < 2 && missing == NULL; k++)
		if (t->key[k] != NULL && col_of(im, t->key[k]) < 0)
			missing = t->key[k];
	if (missing != NULL) {
		err_set(pg->base.err, sizeof(pg->base.err),
			"%s: %s: no column \"%s\" on both sides", pg->shown, t->name, missing);
		return -1;
	}
	return 0;
}

/* Appends the quoted column names, each after prefix, joined by commas. */
static void append_cols(struct buf *b, const char *const *quoted, size_t n, const char *prefix)
{
	for (size_t i = 0; i < n; i++)
		buf_printf(b, "%s%s%s", i ? ", " : "", prefix, quoted[i]);
}

/*
 * INSERT ... ON CONFLICT (key) DO UPDATE ... WHERE the row differs,
 * returning 1 for an insert and 0 for an update (xmax is 0 only on a row
 * version no transaction has locked or replaced: a fresh insert).
 */
static char *upsert_sql(struct store_pg *pg, const struct import_table *t,
			const struct store_import *im)
{
	char **q = xcalloc(im->ncols, sizeof(*q));
	struct buf b;

	for (size_t i = 0; i < im->ncols; i++) {
		char *e = PQescapeIdentifier(pg->conn, im->names[i], strlen(im->names[i]));

		q[i] = xstrdup(e != NULL ? e : "\"?\"");
		PQfreemem(e);
	}
	buf_init(&b);
	buf_printf(&b, "INSERT INTO %s AS o (", t->name);
	append_cols(&b, (const char *const *)q, im->ncols, "");
	buf_append_str(&b, ") VALUES (");
	for (size_t i = 0; i < im->ncols; i++)
		buf_printf(&b, "%s$%zu", i ? ", " : "", i + 1);
	buf_printf(&b, ") ON CONFLICT (%s%s%s) DO UPDATE SET ", t->key[0], t->key[1] ? ", " : "",
		   t->key[1] ? t->key[1] : "");
	for (size_t i = 0; i < im->ncols; i++)
		buf_printf(&b, "%s%s = EXCLUDED.%s", i ? ", " : "", q[i], q[i]);
	buf_append_str(&b, " WHERE (");
	append_cols(&b, (const char *const *)q, im->ncols, "o.");
	buf_append_str(&b, ") IS DISTINCT FROM (");
	append_cols(&b, (const char *const *)q, im->ncols, "EXCLUDED.");
	buf_append_str(&b, ") RETURNING (o.xmax = 0)::int");
	for (size_t i = 0; i < im->ncols; i++)
		free(q[i]);
	free(q);
	return buf_steal(&b);
}

/* Column name of row, or NULL (SQL NULL, or no such column). */
static const char *value_of(const struct store_import *im, size_t row, const char *name)
{
	int c = col_of(im, name);

	return c < 0 ? NULL : im->values[row * im->ncols + (size_t)c];
}

/*
 * An items row is another item's here: its id holds another (source_id,
 * url), or its (source_id, url) has another id (a daemon on this database
 * stored it on its own). 1 with why in msg, 0 when not, -1 on error.
 */
static int item_conflict(struct store_pg *pg, const struct store_import *im, size_t row, char *msg,
			 size_t msglen)
{
	const char *p[] = {value_of(im, row, "id"), value_of(im, row, "source_id"),
			   value_of(im, row, "url")};
	PGresult *res;
	int rc = store_pg_row(pg, "look for the item",
			      "SELECT id, source_id, url FROM items"
			      " WHERE (id = $1 AND (source_id <> $2 OR url <> $3))"
			      " OR (source_id = $2 AND url = $3 AND id <> $1) LIMIT 1",
			      3, p, &res);

	if (rc <= 0)
		return rc;
	if (strcmp(PQgetvalue(res, 0, 0), p[0] ? p[0] : "") == 0)
		snprintf(msg, msglen,
			 "item %s (source %s, %s) left out: item %s here is another one"
			 " (source %s, %s)",
			 p[0], p[1], p[2], p[0], PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2));
	else
		snprintf(msg, msglen,
			 "item %s (source %s, %s) left out: this database has it as item %s", p[0],
			 p[1], p[2], PQgetvalue(res, 0, 0));
	PQclear(res);
	return 1;
}

/*
 * An item whose text changes gets its text hash cleared first, so that
 * the trigger keeping past versions does not fire on the copy: the past
 * versions come as item_versions rows of their own, numbered as they were.
 */
static int item_quiet_versions(struct store_pg *pg, const struct store_import *im, size_t row)
{
	const char *p[] = {value_of(im, row, "id"), value_of(im, row, "text_sha256")};

	if (p[1] == NULL)
		return 0;
	return store_pg_run(
	    pg, "prepare the item",
	    "UPDATE items SET text_sha256 = NULL WHERE id = $1 AND text_sha256 <> $2", 2, p);
}

/* One row: inserted, updated or left equal, counted. 0 or -1. */
static int upsert_row(struct store_pg *pg, const char *sql, struct store_import *im, size_t row)
{
	PGresult *res;
	int rc =
	    store_pg_row(pg, im->table, sql, (int)im->ncols, im->values + row * im->ncols, &res);

	if (rc < 0)
		return -1;
	if (rc == 0)
		im->unchanged++;
	else if (strcmp(PQgetvalue(res, 0, 0), "1") == 0)
		im->added++;
	else
		im->updated++;
	PQclear(res);
	return 0;
}

/* An items row: checked against the items here first. 0 or -1. */
static int import_item(struct store_pg *pg, const char *sql, struct store_import *im, size_t row)
{
	char msg[1024];
	int rc = item_conflict(pg, im, row, msg, sizeof(msg));

	if (rc < 0)
		return -1;
	if (rc > 0) {
		im->skipped++;
		if (im->left_out != NULL)
			im->left_out(im->arg, row, msg);
		return 0;
	}
	if (item_quiet_versions(pg, im, row) < 0)
		return -1;
	return upsert_row(pg, sql, im, row);
}

/* New items of this database's own get ids after every copied one. */
static int items_id_after_max(struct store_pg *pg)
{
	return store_pg_run(pg, "move the item ids on",
			    "SELECT setval(s, m) FROM"
			    " (SELECT pg_get_serial_sequence('items', 'id')::regclass AS s) AS q,"
			    " (SELECT max(id) AS m FROM items) AS i"
			    " WHERE m > coalesce(pg_sequence_last_value(s), 0)",
			    0, NULL);
}

int store_pg_import_rows(struct store *st, struct store_import *im)
{
	struct store_pg *pg = store_pg_of(st);
	const struct import_table *t = table_named(im->table);
	int items, rc = 0;
	char *sql;

	if (t == NULL) {
		err_set(st->err, sizeof(st->err), "%s: no table \"%s\" to copy into", pg->shown,
			im->table);
		return -1;
	}
	items = strcmp(t->name, "items") == 0;
	if (im->nrows == 0 || check_columns(pg, t, im) < 0)
		return im->nrows == 0 ? 0 : -1;
	if (items && (col_of(im, "source_id") < 0 || col_of(im, "url") < 0)) {
		err_set(st->err, sizeof(st->err), "%s: items: no source_id or url to copy",
			pg->shown);
		return -1;
	}
	sql = upsert_sql(pg, t, im);
	for (size_t r = 0; r < im->nrows && rc == 0; r++)
		rc = items ? import_item(pg, sql, im, r) : upsert_row(pg, sql, im, r);
	free(sql);
	if (rc == 0 && items)
		rc = items_id_after_max(pg);
	return rc;
}
