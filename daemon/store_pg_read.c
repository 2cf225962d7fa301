/*
 * daemon/store_pg_read: the PostgreSQL backend's statements for the read
 * side, as store_sqlite_read.c gives them: the filtered list, newest first
 * by the date key (published as unix time, else first seen; then id), and
 * one statement with its past versions (item_versions). store.c turns the
 * rows into what store.h promises (diffs, parsed themes).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/xmalloc.h"
#include "daemon/store_pg.h"

/*
 * The list's order. sw_date_key (SCHEMA_READ) reads published as SQLite's
 * strftime('%s') does and is NULL where that is; index items_newest.
 */
#define DATE_KEY "coalesce(sw_date_key(i.published), i.first_seen)"

#define LIST_COLS                                                                                  \
	"i.id, i.source_id, i.url, i.title, i.published, i.language, coalesce(i.words, "           \
	"0), " DATE_KEY ", i.first_seen, i.last_seen, i.theme_scores, "                            \
	"(i.text_sha256 IS NOT NULL)::int + (SELECT count(*) FROM item_versions v "                \
	"WHERE v.item_id = i.id), coalesce((SELECT max(v.replaced) FROM item_versions v "          \
	"WHERE v.item_id = i.id), i.first_seen)"

#define F(kind, field) STORE_PG_FIELD(struct store_statement, kind, field)
static const struct store_pg_field list_fields[] = {
    F(PGCOL_INT64, id),		F(PGCOL_TEXT, source_id),   F(PGCOL_TEXT, url),
    F(PGCOL_TEXT, title),	F(PGCOL_TEXT, published),   F(PGCOL_TEXT, language),
    F(PGCOL_LONG, words),	F(PGCOL_DOUBLE, date),	    F(PGCOL_DOUBLE, first_seen),
    F(PGCOL_DOUBLE, last_seen), F(PGCOL_TEXT, themes_json), F(PGCOL_INT, versions),
    F(PGCOL_DOUBLE, updated),
};
#undef F
#define NLIST (sizeof(list_fields) / sizeof(list_fields[0]))

/*
 * The list's query for f: fixed fragments, each filter adding a condition
 * whose value is the next parameter. NULL with why when f's query is bad.
 */
static char *list_sql(const struct store_statement_filter *f, struct store_pg_params *p, char *why,
		      size_t whylen)
{
	struct store_pg_num num;
	struct buf sql;
	char *match = NULL;

	if (f->query && (match = store_pg_match_sql(f->query, p, why, whylen)) == NULL)
		return NULL;
	buf_init(&sql);
	buf_append_str(&sql,
		       "SELECT " LIST_COLS ", CASE WHEN EXISTS (SELECT 1 FROM item_versions v "
		       "WHERE v.item_id = i.id) THEN i.text END, (SELECT v.text FROM "
		       "item_versions v WHERE v.item_id = i.id ORDER BY v.version DESC "
		       "LIMIT 1) FROM items i WHERE true");
	if (match != NULL)
		buf_printf(&sql, " AND %s", match);
	if (f->source)
		buf_printf(&sql, " AND i.source_id = $%d", store_pg_param(p, xstrdup(f->source)));
	if (f->theme)
		buf_printf(&sql, " AND strpos(',' || i.themes || ',', ',' || $%d || ',') > 0",
			   store_pg_param(p, xstrdup(f->theme)));
	if (f->language)
		buf_printf(&sql, " AND i.language = $%d", store_pg_param(p, xstrdup(f->language)));
	if (f->since > 0)
		buf_printf(&sql, " AND " DATE_KEY " >= $%d",
			   store_pg_param(p, xstrdup(store_pg_dbl(&num, f->since))));
	if (f->before > 0)
		buf_printf(&sql,
			   " AND (" DATE_KEY ", i.id) < (SELECT coalesce(sw_date_key(b.published), "
			   "b.first_seen), b.id FROM items b WHERE b.id = $%d)",
			   store_pg_param(p, xstrdup(store_pg_ll(&num, f->before))));
	buf_printf(&sql, " ORDER BY " DATE_KEY " DESC, i.id DESC LIMIT $%d",
		   store_pg_param(p, xstrdup(store_pg_ll(&num, (long long)f->limit))));
	free(match);
	return buf_steal(&sql);
}

/* An edited statement's list row: its current text and the version before. */
static void read_last_edit(const PGresult *res, int row, struct store_statement *st)
{
	if (st->versions < 2)
		return;
	st->text = store_pg_strdup(res, row, (int)NLIST);
	st->version = xcalloc(1, sizeof(*st->version));
	st->nversions = 1;
	st->version->number = st->versions - 1;
	st->version->text = store_pg_strdup(res, row, (int)NLIST + 1);
}

/* A bad query fails as SQLite's does: "query", errno EINVAL, whatever is stored. */
int store_pg_statements(struct store *st, const struct store_statement_filter *f,
			struct store_statement **out, size_t *n)
{
	struct store_pg *pg = store_pg_of(st);
	struct store_pg_params p = {0};
	char why[256];
	char *sql = list_sql(f, &p, why, sizeof(why));
	PGresult *res;

	if (sql == NULL) {
		snprintf(st->err, sizeof(st->err), "%s: query: %s", pg->shown, why);
		store_pg_params_free(&p);
		errno = EINVAL;
		return -1;
	}
	res = store_pg_exec(pg, "list statements", sql, p.n, (const char *const *)p.v);
	free(sql);
	store_pg_params_free(&p);
	if (res == NULL) {
		errno = EIO;
		return -1;
	}
	for (int r = 0; r < PQntuples(res); r++) {
		struct store_statement *row;

		*out = xreallocarray(*out, *n + 1, sizeof(**out));
		row = &(*out)[(*n)++];
		memset(row, 0, sizeof(*row));
		STORE_PG_ROW_READ(res, r, list_fields, row);
		read_last_edit(res, r, row);
	}
	PQclear(res);
	return 0;
}

/* The columns a single statement adds to a list row. */
#define F(kind, field) STORE_PG_FIELD(struct store_statement, kind, field)
static const struct store_pg_field one_fields[] = {
    F(PGCOL_TEXT, final_url),	F(PGCOL_TEXT, text),	     F(PGCOL_TEXT, raw_sha256),
    F(PGCOL_TEXT, text_sha256), F(PGCOL_DOUBLE, fetched_at),
};
#undef F

#define F(kind, field) STORE_PG_FIELD(struct store_version, kind, field)
static const struct store_pg_field version_fields[] = {
    F(PGCOL_INT, number), F(PGCOL_TEXT, title),	  F(PGCOL_TEXT, text_sha256),
    F(PGCOL_TEXT, text),  F(PGCOL_DOUBLE, since),
};
#undef F
#define NVERSION (sizeof(version_fields) / sizeof(version_fields[0]))

#define ONE_SQL                                                                                    \
	"SELECT " LIST_COLS ", i.final_url, i.text, i.raw_sha256, i.text_sha256, i.fetched_at "    \
	"FROM items i WHERE i.id = $1"
/* Every version, the current one (the item's own text) last. */
#define VERSIONS_SQL                                                                               \
	"SELECT version, title, text_sha256, text, since FROM item_versions WHERE item_id = $1 "   \
	"UNION ALL SELECT (SELECT count(*) + 1 FROM item_versions WHERE item_id = $1), title, "    \
	"text_sha256, text, coalesce((SELECT max(replaced) FROM item_versions "                    \
	"WHERE item_id = $1), first_seen) FROM items WHERE id = $1 AND text_sha256 IS NOT NULL "   \
	"ORDER BY 1"

static int read_versions(struct store_pg *pg, const char *id, struct store_statement *out)
{
	const char *params[] = {id};
	PGresult *res = store_pg_exec(pg, "read statement", VERSIONS_SQL, 1, params);
	int rows;

	if (res == NULL)
		return -1;
	rows = PQntuples(res);
	out->version = xcalloc((size_t)rows + 1, sizeof(*out->version));
	out->nversions = (size_t)rows;
	for (int r = 0; r < rows; r++)
		STORE_PG_ROW_READ(res, r, version_fields, &out->version[r]);
	PQclear(res);
	return 0;
}

/* The statement's row (list columns, then one_fields) and every version, oldest first. */
int store_pg_statement_get(struct store *st, int64_t id, struct store_statement *out)
{
	struct store_pg *pg = store_pg_of(st);
	struct store_pg_field fields[NLIST + sizeof(one_fields) / sizeof(one_fields[0])];
	struct store_pg_num num;
	const char *params[] = {store_pg_ll(&num, id)};
	PGresult *res;
	int rc;

	memcpy(fields, list_fields, sizeof(list_fields));
	memcpy(fields + NLIST, one_fields, sizeof(one_fields));
	rc = store_pg_row(pg, "read statement", ONE_SQL, 1, params, &res);
	if (rc <= 0)
		return rc;
	memset(out, 0, sizeof(*out));
	STORE_PG_ROW_READ(res, 0, fields, out);
	PQclear(res);
	return read_versions(pg, params[0], out) < 0 ? -1 : 1;
}
