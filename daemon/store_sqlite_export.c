/*
 * daemon/store_sqlite_export: a SQLite store's rows as text, table by
 * table, for `speechwatch migrate` (store_export_rows in store.h: the
 * text form of each value).
 */
#include "daemon/store_sqlite.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/err.h"
#include "common/xmalloc.h"

/* The tables a copy carries, each in its primary key's order. */
static const struct export_table {
	const char *name;
	const char *order;
} tables[] = {
    {"sources", "id"},
    {"items", "id"},
    {"item_versions", "item_id, version"},
    {"events", "id"},
};

static const struct export_table *table_named(const char *name)
{
	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
		if (strcmp(tables[i].name, name) == 0)
			return &tables[i];
	return NULL;
}

/* "\x" and two hex digits per byte: PostgreSQL's bytea input. */
static char *bytea_hex(const unsigned char *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	char *s = xmalloc(2 * n + 3), *o = s;

	*o++ = '\\';
	*o++ = 'x';
	for (size_t i = 0; i < n; i++) {
		*o++ = hex[p[i] >> 4];
		*o++ = hex[p[i] & 15];
	}
	*o = '\0';
	return s;
}

/*
 * Column col of the current row as text (allocated), NULL for SQL NULL.
 * A column declared BLOB (the raw page) is bytes whatever SQLite holds in
 * it: hex; a blob elsewhere is a text SQLite kept without a type: its
 * bytes as they are.
 */
static char *value_text(sqlite3_stmt *s, int col)
{
	const char *decl = sqlite3_column_decltype(s, col);
	int type = sqlite3_column_type(s, col);

	if (type == SQLITE_NULL)
		return NULL;
	if (decl != NULL && strcasecmp(decl, "BLOB") == 0) {
		const void *p = sqlite3_column_blob(s, col);

		return bytea_hex(p, (size_t)sqlite3_column_bytes(s, col));
	}
	if (type == SQLITE_INTEGER)
		return xasprintf("%lld", (long long)sqlite3_column_int64(s, col));
	if (type == SQLITE_FLOAT)
		return xasprintf("%.17g", sqlite3_column_double(s, col));
	return store_sqlite_column_strdup(s, col);
}

/* Gives each row of s to fn; 0 at the end, -1 with the error set. */
static int each_row(struct store_sqlite *sq, sqlite3_stmt *s, const char *table, store_row_fn *fn,
		    void *arg)
{
	int ncols = sqlite3_column_count(s), rc = SQLITE_DONE, stop = 0;
	const char **names = xcalloc((size_t)ncols + 1, sizeof(*names));
	char **values = xcalloc((size_t)ncols + 1, sizeof(*values));

	for (int i = 0; i < ncols; i++)
		names[i] = sqlite3_column_name(s, i);
	while (!stop && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		for (int i = 0; i < ncols; i++)
			values[i] = value_text(s, i);
		stop = fn(arg, (size_t)ncols, names, (const char *const *)values);
		for (int i = 0; i < ncols; i++)
			free(values[i]);
	}
	free(names);
	free(values);
	if (stop) {
		err_set(sq->base.err, sizeof(sq->base.err), "%s: %s: the copy stopped", sq->path,
			table);
		return -1;
	}
	return rc == SQLITE_DONE ? 0 : store_sqlite_fail(sq, table);
}

int store_sqlite_export_rows(struct store *st, const char *table, store_row_fn *fn, void *arg)
{
	struct store_sqlite *sq = store_sqlite_of(st);
	const struct export_table *t = table_named(table);
	sqlite3_stmt *s;
	char *sql;
	int rc;

	if (t == NULL) {
		err_set(st->err, sizeof(st->err), "%s: no table \"%s\" to copy", sq->path, table);
		return -1;
	}
	sql = xasprintf("SELECT * FROM %s ORDER BY %s", t->name, t->order);
	rc = sqlite3_prepare_v2(sq->db, sql, -1, &s, NULL);
	free(sql);
	if (rc != SQLITE_OK)
		return store_sqlite_fail(sq, table);
	rc = each_row(sq, s, table, fn, arg);
	sqlite3_finalize(s);
	return rc;
}
