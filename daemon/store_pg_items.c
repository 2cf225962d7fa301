/*
 * daemon/store_pg_items: the PostgreSQL backend's sources and items
 * (contracts in store.h; search is store_pg_search.c). Each statement is
 * the SQLite backend's (store_sqlite.c) with the same results and order:
 * where SQLite compares text bytewise (ORDER BY a source id or a published
 * date), the column is compared COLLATE "C", since the database's own
 * collation may order "Z" after "a" or skip punctuation.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"
#include "daemon/store_pg.h"

#define SOURCE_COLS                                                                                \
	"etag, last_modified, last_poll, last_status, last_result, last_error, "                   \
	"items, failures, next_due, failing, last_new, last_changed, suspect_polls, "              \
	"suspect_items, structure, suggestion "
#define ITEM_COLS                                                                                  \
	"id, source_id, url, norm_url, guid, title, published, final_url, http_status, etag, "     \
	"last_modified, raw_sha256, text_sha256, text, raw, language, words, fetched_at, "         \
	"first_seen, last_seen, last_checked "

#define F(kind, field) STORE_PG_FIELD(struct store_source, kind, field)
static const struct store_pg_field source_fields[] = {
    F(PGCOL_TEXT, etag),	  F(PGCOL_TEXT, last_modified), F(PGCOL_DOUBLE, last_poll),
    F(PGCOL_LONG, last_status),	  F(PGCOL_TEXT, last_result),	F(PGCOL_TEXT, last_error),
    F(PGCOL_LONG, items),	  F(PGCOL_LONG, failures),	F(PGCOL_DOUBLE, next_due),
    F(PGCOL_INT, failing),	  F(PGCOL_LONG, last_new),	F(PGCOL_LONG, last_changed),
    F(PGCOL_LONG, suspect_polls), F(PGCOL_LONG, suspect_items), F(PGCOL_TEXT, structure),
    F(PGCOL_TEXT, suggestion),
};
#undef F
#define SOURCE_NCOLS (sizeof(source_fields) / sizeof(source_fields[0]))

int store_pg_source_get(struct store *st, const char *id, struct store_source *out)
{
	struct store_pg *pg = store_pg_of(st);
	const char *p[] = {id};
	PGresult *res;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = store_pg_row(pg, "read source", "SELECT " SOURCE_COLS "FROM sources WHERE id = $1", 1,
			  p, &res);
	if (rc == 1) {
		STORE_PG_ROW_READ(res, 0, source_fields, out);
		PQclear(res);
	}
	return rc;
}

/*
 * Each source with its items counted, and with the later copies of a text
 * of enough words it already had under an older URL: the duplicates that
 * store_item_same_text finds. Only texts stored more than once (a walk of
 * the text_sha256 index) have their rows read.
 */
#define SOURCES_ALL_SQL                                                                            \
	"SELECT " SOURCE_COLS ", s.id, s.url,"                                                     \
	" (SELECT count(*) FROM items WHERE items.source_id = s.id), coalesce(d.n, 0)"             \
	" FROM sources s LEFT JOIN (SELECT a.source_id, count(*) AS n FROM items a"                \
	"  WHERE a.text_sha256 IN (SELECT text_sha256 FROM items WHERE text_sha256 IS NOT NULL"    \
	"   GROUP BY text_sha256 HAVING count(*) > 1) AND a.words >= $1"                           \
	"  AND EXISTS (SELECT 1 FROM items b WHERE b.text_sha256 = a.text_sha256"                  \
	"   AND b.source_id = a.source_id AND b.id < a.id)"                                        \
	"  GROUP BY a.source_id) d ON d.source_id = s.id"                                          \
	" ORDER BY s.id COLLATE \"C\""

int store_pg_sources_all(struct store *st, struct store_source **out, size_t *n)
{
	struct store_pg *pg = store_pg_of(st);
	struct store_pg_num b;
	const char *p[] = {store_pg_ll(&b, STORE_TEXT_MATCH_MIN_WORDS)};
	PGresult *res;
	int rows;

	*out = NULL;
	*n = 0;
	res = store_pg_exec(pg, "list sources", SOURCES_ALL_SQL, 1, p);
	if (res == NULL)
		return -1;
	rows = PQntuples(res);
	if (rows > 0)
		*out = xcalloc((size_t)rows, sizeof(**out));
	for (int r = 0; r < rows; r++) {
		struct store_source *src = &(*out)[r];

		STORE_PG_ROW_READ(res, r, source_fields, src);
		src->id = store_pg_strdup(res, r, SOURCE_NCOLS);
		src->url = store_pg_strdup(res, r, SOURCE_NCOLS + 1);
		src->stored_items = (long)store_pg_get_ll(res, r, SOURCE_NCOLS + 2);
		src->duplicates = (long)store_pg_get_ll(res, r, SOURCE_NCOLS + 3);
	}
	*n = (size_t)rows;
	PQclear(res);
	return 0;
}

/*
 * One statement either way (a round trip to the server costs more than
 * the unique index's probe that made SQLite update first).
 */
#define SOURCE_PUT_SQL                                                                             \
	"INSERT INTO sources (id, url, etag, last_modified, last_poll, last_status, last_result,"  \
	" last_error, items, failures, next_due, failing, last_new, last_changed, suspect_polls,"  \
	" suspect_items, structure, suggestion)"                                                   \
	" VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18)"                 \
	" ON CONFLICT (id) DO UPDATE SET url=$2, etag=$3, last_modified=$4, last_poll=$5,"         \
	" last_status=$6, last_result=$7, last_error=$8, items=$9, failures=$10, next_due=$11,"    \
	" failing=$12, last_new=$13, last_changed=$14, suspect_polls=$15, suspect_items=$16,"      \
	" structure=$17, suggestion=$18"

int store_pg_source_put(struct store *st, const char *id, const char *url,
			const struct store_source *src)
{
	struct store_pg_num b[12];
	const char *p[] = {
	    id,
	    url,
	    src->etag,
	    src->last_modified,
	    store_pg_dbl(&b[0], src->last_poll),
	    store_pg_ll(&b[1], src->last_status),
	    src->last_result,
	    src->last_error,
	    store_pg_ll(&b[2], src->items),
	    store_pg_ll(&b[3], src->failures),
	    store_pg_dbl(&b[4], src->next_due),
	    store_pg_ll(&b[5], src->failing),
	    store_pg_ll(&b[6], src->last_new),
	    store_pg_ll(&b[7], src->last_changed),
	    store_pg_ll(&b[8], src->suspect_polls),
	    store_pg_ll(&b[9], src->suspect_items),
	    src->structure,
	    src->suggestion,
	};

	return store_pg_run(store_pg_of(st), "write source", SOURCE_PUT_SQL, 18, p);
}

int store_pg_source_ids(struct store *st, char ***ids, size_t *n)
{
	PGresult *res;
	int rows;

	*ids = NULL;
	*n = 0;
	res = store_pg_exec(store_pg_of(st), "list sources",
			    "SELECT id FROM sources ORDER BY id COLLATE \"C\"", 0, NULL);
	if (res == NULL)
		return -1;
	rows = PQntuples(res);
	if (rows > 0)
		*ids = xcalloc((size_t)rows, sizeof(**ids));
	for (int r = 0; r < rows; r++)
		(*ids)[r] = store_pg_strdup(res, r, 0);
	*n = (size_t)rows;
	PQclear(res);
	return 0;
}

#define F(kind, field) STORE_PG_FIELD(struct store_item, kind, field)
static const struct store_pg_field item_fields[] = {
    F(PGCOL_INT64, id),		 F(PGCOL_TEXT, source_id),     F(PGCOL_TEXT, url),
    F(PGCOL_TEXT, norm_url),	 F(PGCOL_TEXT, guid),	       F(PGCOL_TEXT, title),
    F(PGCOL_TEXT, published),	 F(PGCOL_TEXT, final_url),     F(PGCOL_LONG, http_status),
    F(PGCOL_TEXT, etag),	 F(PGCOL_TEXT, last_modified), F(PGCOL_TEXT, raw_sha256),
    F(PGCOL_TEXT, text_sha256),	 F(PGCOL_TEXT, text),	       F(PGCOL_SKIP, raw_z),
    F(PGCOL_TEXT, language),	 F(PGCOL_LONG, words),	       F(PGCOL_DOUBLE, fetched_at),
    F(PGCOL_DOUBLE, first_seen), F(PGCOL_DOUBLE, last_seen),   F(PGCOL_DOUBLE, last_checked),
};
#undef F
#define ITEM_COL_RAW 14

/* Runs a query of ITEM_COLS for at most one row into out: 1 found, 0 none, -1 error. */
static int item_query(struct store_pg *pg, const char *sql, int n, const char *const *p,
		      struct store_item *out)
{
	PGresult *res;
	int rc = store_pg_row(pg, "read item", sql, n, p, &res);

	if (rc != 1)
		return rc;
	STORE_PG_ROW_READ(res, 0, item_fields, out);
	/* as SQLite reads it: an empty blob is no blob */
	out->raw_z = store_pg_bytea_get(res, 0, ITEM_COL_RAW, &out->raw_z_len);
	if (out->raw_z != NULL && out->raw_z_len == 0) {
		free(out->raw_z);
		out->raw_z = NULL;
	}
	PQclear(res);
	return 1;
}

int store_pg_item_find(struct store *st, const char *source_id, const char *url, const char *guid,
		       struct store_item *out)
{
	struct store_pg *pg = store_pg_of(st);
	const char *by_guid[] = {source_id, guid};
	const char *by_url[] = {source_id, url};
	int rc;

	memset(out, 0, sizeof(*out));
	if (guid) {
		rc = item_query(pg,
				"SELECT " ITEM_COLS "FROM items WHERE source_id = $1 AND guid = $2"
				" ORDER BY id LIMIT 1",
				2, by_guid, out);
		if (rc != 0 || url == NULL)
			return rc;
	}
	if (url == NULL)
		return 0;
	return item_query(pg, "SELECT " ITEM_COLS "FROM items WHERE source_id = $1 AND url = $2", 2,
			  by_url, out);
}

int store_pg_item_seen_elsewhere(struct store *st, const char *source_id, const char *url,
				 const char *norm_url, const char *text_sha256)
{
	const char *p[] = {source_id, url, norm_url, text_sha256};
	PGresult *res;
	int rc = store_pg_row(store_pg_of(st), "look up item",
			      "SELECT 1 FROM items WHERE"
			      " (norm_url = $3 AND NOT (source_id = $1 AND url = $2)) OR"
			      " ($4::text IS NOT NULL AND text_sha256 = $4 AND source_id <> $1)"
			      " LIMIT 1",
			      4, p, &res);

	PQclear(res);
	return rc;
}

/* Runs a query of (id, url, title) into old (when not NULL): 1 found, 0 none, -1 error. */
static int old_item_query(struct store_pg *pg, const char *sql, int n, const char *const *p,
			  struct store_item *old)
{
	PGresult *res;
	int rc;

	if (old)
		memset(old, 0, sizeof(*old));
	rc = store_pg_row(pg, "look up a moved item", sql, n, p, &res);
	if (rc == 1 && old) {
		old->id = (int64_t)store_pg_get_ll(res, 0, 0);
		old->url = store_pg_strdup(res, 0, 1);
		old->title = store_pg_strdup(res, 0, 2);
	}
	PQclear(res);
	return rc;
}

int store_pg_item_same_text(struct store *st, const char *source_id, const char *url,
			    const char *text_sha256, struct store_item *old)
{
	const char *p[] = {source_id, url, text_sha256};

	return old_item_query(store_pg_of(st),
			      "SELECT id, url, title FROM items WHERE text_sha256 = $3"
			      " AND source_id = $1 AND url <> $2 ORDER BY id LIMIT 1",
			      3, p, old);
}

int store_pg_item_same_listing(struct store *st, const char *source_id, const char *url,
			       const char *title, const char *published, struct store_item *old)
{
	const char *p[] = {source_id, url, title, published};

	return old_item_query(store_pg_of(st),
			      "SELECT id, url, title FROM items WHERE source_id = $1 AND url <> $2"
			      " AND text IS NULL AND text_sha256 IS NULL AND title = $3"
			      " AND published = $4 ORDER BY id LIMIT 1",
			      4, p, old);
}

#define ITEM_INSERT_SQL                                                                            \
	"INSERT INTO items (source_id, url, norm_url, guid, title, published, final_url,"          \
	" http_status, etag, last_modified, raw_sha256, text_sha256, text, raw, language, words,"  \
	" fetched_at, first_seen, last_seen, last_checked) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,"    \
	" $10,$11,$12,$13,$14::bytea,$15,$16,$17,$18,$19,$20) RETURNING id"
/*
 * Every column, text_sha256 among them: the trigger items_versions_au
 * keeps the text this replaces when its hash changes (store_pg_schema.c).
 */
#define ITEM_UPDATE_SQL                                                                            \
	"UPDATE items SET source_id=$2, url=$3, norm_url=$4, guid=$5, title=$6, published=$7,"     \
	" final_url=$8, http_status=$9, etag=$10, last_modified=$11, raw_sha256=$12,"              \
	" text_sha256=$13, text=$14, raw=$15::bytea, language=$16, words=$17, fetched_at=$18,"     \
	" first_seen=$19, last_seen=$20, last_checked=$21 WHERE id=$1"

/* Inserts it (setting it->id) when it has no id yet, else updates its row. */
int store_pg_item_put(struct store *st, struct store_item *it)
{
	struct store_pg *pg = store_pg_of(st);
	struct store_pg_num b[7];
	char *raw = it->raw_z ? store_pg_bytea_param(it->raw_z, it->raw_z_len) : NULL;
	const char *p[] = {
	    store_pg_ll(&b[0], it->id),
	    it->source_id,
	    it->url,
	    it->norm_url,
	    it->guid,
	    it->title,
	    it->published,
	    it->final_url,
	    store_pg_ll(&b[1], it->http_status),
	    it->etag,
	    it->last_modified,
	    it->raw_sha256,
	    it->text_sha256,
	    it->text,
	    raw,
	    it->language,
	    store_pg_ll(&b[2], it->words),
	    store_pg_dbl(&b[3], it->fetched_at),
	    store_pg_dbl(&b[4], it->first_seen),
	    store_pg_dbl(&b[5], it->last_seen),
	    store_pg_dbl(&b[6], it->last_checked),
	};
	PGresult *res;
	int rc;

	if (it->id) {
		rc = store_pg_run(pg, "write item", ITEM_UPDATE_SQL, 21, p);
		free(raw);
		return rc;
	}
	/* all but the id, which the server numbers */
	rc = store_pg_row(pg, "write item", ITEM_INSERT_SQL, 20, p + 1, &res);
	free(raw);
	if (rc == 1)
		it->id = (int64_t)store_pg_get_ll(res, 0, 0);
	PQclear(res);
	return rc < 0 ? -1 : 0;
}

int store_pg_item_touch(struct store *st, int64_t id, double now)
{
	struct store_pg_num b[2];
	const char *p[] = {store_pg_ll(&b[0], id), store_pg_dbl(&b[1], now)};

	return store_pg_run(store_pg_of(st), "touch item",
			    "UPDATE items SET last_seen = $2 WHERE id = $1", 2, p);
}

/*
 * The latest of each text's publication day (items_published_day: what
 * SQLite's strftime('%s', substr(published, 1, 10)) reads, NULL for what it
 * cannot) and its first sighting; 0 when the source has no text.
 */
int store_pg_items_text_newest(struct store *st, const char *source_id, double *when)
{
	const char *p[] = {source_id};
	PGresult *res;
	int rc;

	*when = 0;
	rc = store_pg_row(store_pg_of(st), "read newest item with text",
			  "SELECT max(greatest(coalesce(items_published_day(published), 0),"
			  " first_seen)) FROM items WHERE source_id = $1 AND text IS NOT NULL",
			  1, p, &res);
	if (rc < 0)
		return -1;
	if (rc == 1)
		*when = store_pg_get_dbl(res, 0, 0); /* NULL (no item) reads as 0 */
	PQclear(res);
	return 0;
}

/* Each row (url, title, published, guid) of res a list item of out. */
static void read_list_items(const PGresult *res, struct list_items *out)
{
	int rows = PQntuples(res);

	if (rows > 0)
		out->v = xcalloc((size_t)rows, sizeof(*out->v));
	for (int r = 0; r < rows; r++) {
		struct list_item *li = &out->v[r];

		li->url = store_pg_strdup(res, r, 0);
		li->title = store_pg_strdup(res, r, 1);
		li->date = store_pg_strdup(res, r, 2);
		li->guid = store_pg_strdup(res, r, 3);
		li->summary = NULL;
	}
	out->n = (size_t)rows;
}

/* Runs a query of list items into out: 0, or -1 with the error set. */
static int list_query(struct store_pg *pg, const char *what, const char *sql, int n,
		      const char *const *p, struct list_items *out)
{
	PGresult *res;

	memset(out, 0, sizeof(*out));
	res = store_pg_exec(pg, what, sql, n, p);
	if (res == NULL)
		return -1;
	read_list_items(res, out);
	PQclear(res);
	return 0;
}

/*
 * A count for LIMIT: beyond int64 it is no limit (NULL), as SQLite reads
 * the negative number such a size_t binds as.
 */
static const char *limit_param(struct store_pg_num *b, size_t max)
{
	return max > (size_t)INT64_MAX ? NULL : store_pg_ll(b, (long long)max);
}

int store_pg_items_to_recheck(struct store *st, const char *source_id, double before, size_t max,
			      struct list_items *out)
{
	struct store_pg_num b[2];
	const char *p[] = {source_id, store_pg_dbl(&b[0], before), limit_param(&b[1], max)};

	/* ties in first sighting in the order stored, as SQLite's sort leaves them */
	return list_query(store_pg_of(st), "read items to re-check",
			  "SELECT url, title, published, guid FROM items WHERE source_id = $1"
			  " AND text IS NOT NULL AND last_checked <= $2"
			  " ORDER BY first_seen DESC, id LIMIT $3",
			  3, p, out);
}

/*
 * The newest items of the source: by list date (ISO 8601 text, compared
 * bytewise as SQLite does, so a malformed date sorts where SQLite puts it
 * and never fails the query), else in the order first seen (a list's own
 * order); of them, those never fetched. Index items_source_listed.
 */
#define ITEMS_NEWEST_ORDER "ORDER BY published IS NULL, published COLLATE \"C\" DESC, id "
#define ITEMS_UNREAD_SQL                                                                           \
	"SELECT url, title, published, guid FROM (SELECT id, url, title, published, guid, text,"   \
	" fetched_at FROM items WHERE source_id = $1 " ITEMS_NEWEST_ORDER "LIMIT $2) newest"       \
	" WHERE text IS NULL AND coalesce(fetched_at, 0) = 0 " ITEMS_NEWEST_ORDER "LIMIT $3"

int store_pg_items_unread(struct store *st, const char *source_id, size_t newest, size_t max,
			  struct list_items *out)
{
	struct store_pg_num b[2];
	const char *p[] = {source_id, limit_param(&b[0], newest), limit_param(&b[1], max)};

	return list_query(store_pg_of(st), "read the archive still to fetch", ITEMS_UNREAD_SQL, 3,
			  p, out);
}

int store_pg_item_set_themes(struct store *st, int64_t id, const char *themes,
			     const char *detail_json)
{
	struct store_pg_num b;
	const char *p[] = {store_pg_ll(&b, id), themes, detail_json};

	return store_pg_run(store_pg_of(st), "write item themes",
			    "UPDATE items SET themes = $2, theme_scores = $3 WHERE id = $1", 3, p);
}
