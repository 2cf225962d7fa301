/*
 * daemon/store_sqlite_read: the SQLite backend's statements for the read
 * side (issue 18): the filtered list, newest first, and one statement with
 * its past versions (table item_versions, migration 8). store.c turns the
 * rows into what store.h promises (diffs, parsed themes).
 */
#include "daemon/store_sqlite.h"

#include <errno.h>
#include <sqlite3.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/xmalloc.h"

/* The list's order: published as unix time, else first seen (index items_newest). */
#define DATE_KEY "coalesce(CAST(strftime('%s', i.published) AS REAL), i.first_seen)"
#define KEY_OF(t) "coalesce(CAST(strftime('%s', " t ".published) AS REAL), " t ".first_seen)"

#define LIST_COLS                                                                                  \
	"i.id, i.source_id, i.url, i.title, i.published, i.language, coalesce(i.words, "           \
	"0), " DATE_KEY ", i.first_seen, i.last_seen, i.theme_scores, "                            \
	"(i.text_sha256 IS NOT NULL) + (SELECT count(*) FROM item_versions v "                     \
	"WHERE v.item_id = i.id), coalesce((SELECT max(v.replaced) FROM item_versions v "          \
	"WHERE v.item_id = i.id), i.first_seen) "

#define F(kind, field) STORE_SQLITE_FIELD(struct store_statement, kind, field)
static const struct store_sqlite_field list_fields[] = {
    F(COL_INT64, id),	      F(COL_TEXT, source_id),	F(COL_TEXT, url),
    F(COL_TEXT, title),	      F(COL_TEXT, published),	F(COL_TEXT, language),
    F(COL_LONG, words),	      F(COL_DOUBLE, date),	F(COL_DOUBLE, first_seen),
    F(COL_DOUBLE, last_seen), F(COL_TEXT, themes_json), F(COL_INT, versions),
    F(COL_DOUBLE, updated),
};
#undef F
#define NLIST (sizeof(list_fields) / sizeof(list_fields[0]))

/*
 * The list's query for f: fixed fragments only, each filter set adding one
 * condition whose value is bound in the same order (bind_filter). Always a
 * walk of items_newest in order: every filter is tested on the index's
 * columns (rowid included, for q), so only the rows of the page are read,
 * whatever the planner would guess of a source's or a query's size.
 */
static char *list_sql(const struct store_statement_filter *f)
{
	struct buf sql;

	buf_init(&sql);
	buf_append_str(&sql,
		       "SELECT " LIST_COLS ", "
		       "CASE WHEN EXISTS (SELECT 1 FROM item_versions v WHERE v.item_id = "
		       "i.id) THEN i.text END, "
		       "(SELECT v.text FROM item_versions v WHERE v.item_id = i.id "
		       "ORDER BY v.version DESC LIMIT 1) FROM items i INDEXED BY items_newest "
		       "WHERE 1");
	if (f->source)
		buf_append_str(&sql, " AND i.source_id = ?");
	if (f->theme)
		buf_append_str(&sql, " AND instr(',' || i.themes || ',', ',' || ? || ',') > 0");
	if (f->language)
		buf_append_str(&sql, " AND i.language = ?");
	if (f->since > 0)
		buf_append_str(&sql, " AND " DATE_KEY " >= ?");
	if (f->query)
		buf_append_str(
		    &sql, " AND i.id IN (SELECT rowid FROM items_fts WHERE items_fts MATCH ?)");
	if (f->before > 0)
		buf_append_str(&sql, " AND (" DATE_KEY ", i.id) < (SELECT " KEY_OF(
					 "b") ", b.id FROM items b WHERE b.id = ?)");
	buf_append_str(&sql, " ORDER BY " DATE_KEY " DESC, i.id DESC LIMIT ?");
	return buf_steal(&sql);
}

static void bind_filter(sqlite3_stmt *s, const struct store_statement_filter *f)
{
	int i = 1;

	if (f->source)
		store_sqlite_bind_text(s, i++, f->source);
	if (f->theme)
		store_sqlite_bind_text(s, i++, f->theme);
	if (f->language)
		store_sqlite_bind_text(s, i++, f->language);
	if (f->since > 0)
		sqlite3_bind_double(s, i++, f->since);
	if (f->query)
		store_sqlite_bind_text(s, i++, f->query);
	if (f->before > 0)
		sqlite3_bind_int64(s, i++, f->before);
	sqlite3_bind_int64(s, i, (sqlite3_int64)f->limit);
}

/* An edited statement's list row: its current text and the version before. */
static void read_last_edit(sqlite3_stmt *s, struct store_statement *st)
{
	if (st->versions < 2)
		return;
	st->text = store_sqlite_column_strdup(s, (int)NLIST);
	st->version = xcalloc(1, sizeof(*st->version));
	st->nversions = 1;
	st->version->number = st->versions - 1;
	st->version->text = store_sqlite_column_strdup(s, (int)NLIST + 1);
}

/* FTS5 reports a query it cannot parse as a plain SQLITE_ERROR. */
static int list_fail(struct store_sqlite *sq, const struct store_statement_filter *f, int rc)
{
	int bad_query = f->query && (rc & 0xff) == SQLITE_ERROR;

	store_sqlite_fail(sq, bad_query ? "query" : "list statements");
	errno = bad_query ? EINVAL : EIO;
	return -1;
}

/*
 * The list tests q only on the rows it walks (none in an empty store): the
 * query is parsed here first, so that a bad one fails whatever is stored.
 */
static int query_check(struct store_sqlite *sq, const struct store_statement_filter *f)
{
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(
	    sq->db, "SELECT 1 FROM items_fts WHERE items_fts MATCH ? LIMIT 1", -1, &s, NULL);

	if (rc == SQLITE_OK) {
		store_sqlite_bind_text(s, 1, f->query);
		rc = sqlite3_step(s);
	}
	sqlite3_finalize(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : list_fail(sq, f, rc);
}

int store_sqlite_statements(struct store *st, const struct store_statement_filter *f,
			    struct store_statement **out, size_t *n)
{
	struct store_sqlite *sq = store_sqlite_of(st);
	char *sql;
	sqlite3_stmt *s = NULL;
	int rc;

	if (f->query && query_check(sq, f) < 0)
		return -1;
	sql = list_sql(f);
	rc = sqlite3_prepare_v2(sq->db, sql, -1, &s, NULL);
	free(sql);
	if (rc != SQLITE_OK)
		return list_fail(sq, f, rc);
	bind_filter(s, f);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_statement *row;

		*out = xreallocarray(*out, *n + 1, sizeof(**out));
		row = &(*out)[(*n)++];
		memset(row, 0, sizeof(*row));
		store_sqlite_row_read(s, list_fields, NLIST, row);
		read_last_edit(s, row);
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : list_fail(sq, f, rc);
}

/* The columns a single statement adds to a list row. */
#define F(kind, field) STORE_SQLITE_FIELD(struct store_statement, kind, field)
static const struct store_sqlite_field one_fields[] = {
    F(COL_TEXT, final_url),   F(COL_TEXT, text),	 F(COL_TEXT, raw_sha256),
    F(COL_TEXT, text_sha256), F(COL_DOUBLE, fetched_at),
};
#undef F

#define F(kind, field) STORE_SQLITE_FIELD(struct store_version, kind, field)
static const struct store_sqlite_field version_fields[] = {
    F(COL_INT, number), F(COL_TEXT, title),   F(COL_TEXT, text_sha256),
    F(COL_TEXT, text),	F(COL_DOUBLE, since),
};
#undef F

/* Runs sql (one bound id) and reads each row through fields into a new array element. */
static int read_rows(struct store_sqlite *sq, const char *sql, int64_t id,
		     const struct store_sqlite_field *fields, size_t nfields, size_t size,
		     void **out, size_t *n)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if (sqlite3_prepare_v2(sq->db, sql, -1, &s, NULL) != SQLITE_OK)
		return store_sqlite_fail(sq, "read statement");
	sqlite3_bind_int64(s, 1, id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		char *row;

		*out = xreallocarray(*out, *n + 1, size);
		row = (char *)*out + size * (*n)++;
		memset(row, 0, size);
		store_sqlite_row_read(s, fields, nfields, row);
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : store_sqlite_fail(sq, "read statement");
}

#define ONE_SQL                                                                                    \
	"SELECT " LIST_COLS ", i.final_url, i.text, i.raw_sha256, i.text_sha256, i.fetched_at "    \
	"FROM items i WHERE i.id = ?1"
/* Every version, the current one (the item's own text) last. */
#define VERSIONS_SQL                                                                               \
	"SELECT version, title, text_sha256, text, since FROM item_versions WHERE item_id = ?1 "   \
	"UNION ALL SELECT (SELECT count(*) + 1 FROM item_versions WHERE item_id = ?1), title, "    \
	"text_sha256, text, coalesce((SELECT max(replaced) FROM item_versions "                    \
	"WHERE item_id = ?1), first_seen) FROM items WHERE id = ?1 AND text_sha256 IS NOT NULL "   \
	"ORDER BY 1"

/* The statement's row (list columns, then one_fields) and every version, oldest first. */
int store_sqlite_statement_get(struct store *st, int64_t id, struct store_statement *out)
{
	struct store_sqlite *sq = store_sqlite_of(st);
	struct store_sqlite_field fields[NLIST + sizeof(one_fields) / sizeof(one_fields[0])];
	void *rows = NULL, *versions = NULL;
	size_t n = 0, nv = 0;
	int rc;

	memcpy(fields, list_fields, sizeof(list_fields));
	memcpy(fields + NLIST, one_fields, sizeof(one_fields));
	rc = read_rows(sq, ONE_SQL, id, fields, sizeof(fields) / sizeof(fields[0]), sizeof(*out),
		       &rows, &n);
	if (n == 0) {
		free(rows);
		return rc;
	}
	*out = *(struct store_statement *)rows;
	free(rows);
	if (rc == 0)
		rc = read_rows(sq, VERSIONS_SQL, id, version_fields,
			       sizeof(version_fields) / sizeof(version_fields[0]),
			       sizeof(struct store_version), &versions, &nv);
	out->version = versions;
	out->nversions = nv;
	return rc < 0 ? -1 : 1;
}
