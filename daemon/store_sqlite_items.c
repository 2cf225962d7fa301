/*
 * daemon/store_sqlite_items: the SQLite backend's sources, items and
 * full-text search (contracts in store.h).
 */
#include "daemon/store_sqlite.h"

#include <sqlite3.h>
#include <stdint.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"

#define F(kind, field) STORE_SQLITE_FIELD(struct store_source, kind, field)
static const struct store_sqlite_field source_fields[] = {
    F(COL_TEXT, etag),		F(COL_TEXT, last_modified), F(COL_DOUBLE, last_poll),
    F(COL_LONG, last_status),	F(COL_TEXT, last_result),   F(COL_TEXT, last_error),
    F(COL_LONG, items),		F(COL_LONG, failures),	    F(COL_DOUBLE, next_due),
    F(COL_INT, failing),	F(COL_LONG, last_new),	    F(COL_LONG, last_changed),
    F(COL_LONG, suspect_polls), F(COL_LONG, suspect_items), F(COL_TEXT, structure),
    F(COL_TEXT, suggestion),
};
#undef F

static void source_from_row(sqlite3_stmt *s, struct store_source *out)
{
	STORE_SQLITE_ROW_READ(s, source_fields, out);
}

int store_sqlite_source_get(struct store *st, const char *id, struct store_source *out)
{
	struct store_sqlite *sq = store_sqlite_of(st);
	sqlite3_stmt *s = sq->stmt[ST_SOURCE_GET];
	int rc;

	memset(out, 0, sizeof(*out));
	sqlite3_bind_text(s, 1, id, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		source_from_row(s, out);
	return store_sqlite_row_result(sq, s, rc, "read source");
}

/* Fills each source's duplicates (its rows are in id order, as the query's are not). */
static int sources_duplicates(struct store_sqlite *sq, struct store_source *src, size_t n)
{
	sqlite3_stmt *s = sq->stmt[ST_SOURCE_DUPLICATES];
	int rc;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(s, 0);

		for (size_t i = 0; id && i < n; i++)
			if (strcmp(src[i].id, id) == 0)
				src[i].duplicates = sqlite3_column_int(s, 1);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return store_sqlite_fail(sq, "count duplicates");
	return 0;
}

int store_sqlite_sources_all(struct store *st, struct store_source **out, size_t *n)
{
	struct store_sqlite *sq = store_sqlite_of(st);
	sqlite3_stmt *s = sq->stmt[ST_SOURCE_ALL];
	int rc;

	*out = NULL;
	*n = 0;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_source *src;

		*out = xreallocarray(*out, *n + 1, sizeof(**out));
		src = &(*out)[(*n)++];
		memset(src, 0, sizeof(*src));
		source_from_row(s, src);
		src->id = store_sqlite_column_strdup(s, 16);
		src->url = store_sqlite_column_strdup(s, 17);
		src->stored_items = sqlite3_column_int(s, 18);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return store_sqlite_fail(sq, "list sources");
	return sources_duplicates(sq, *out, *n);
}

static void bind_source(sqlite3_stmt *s, const char *id, const char *url,
			const struct store_source *src)
{
	store_sqlite_bind_text(s, 1, id);
	store_sqlite_bind_text(s, 2, url);
	store_sqlite_bind_text(s, 3, src->etag);
	store_sqlite_bind_text(s, 4, src->last_modified);
	sqlite3_bind_double(s, 5, src->last_poll);
	sqlite3_bind_int64(s, 6, src->last_status);
	store_sqlite_bind_text(s, 7, src->last_result);
	store_sqlite_bind_text(s, 8, src->last_error);
	sqlite3_bind_int64(s, 9, src->items);
	sqlite3_bind_int64(s, 10, src->failures);
	sqlite3_bind_double(s, 11, src->next_due);
	sqlite3_bind_int(s, 12, src->failing);
	sqlite3_bind_int64(s, 13, src->last_new);
	sqlite3_bind_int64(s, 14, src->last_changed);
	sqlite3_bind_int64(s, 15, src->suspect_polls);
	sqlite3_bind_int64(s, 16, src->suspect_items);
	store_sqlite_bind_text(s, 17, src->structure);
	store_sqlite_bind_text(s, 18, src->suggestion);
}

/* Its row is updated, or inserted the first time: the same columns either way. */
int store_sqlite_source_put(struct store *st, const char *id, const char *url,
			    const struct store_source *src)
{
	struct store_sqlite *sq = store_sqlite_of(st);

	bind_source(sq->stmt[ST_SOURCE_UPDATE], id, url, src);
	if (store_sqlite_step_done(sq, sq->stmt[ST_SOURCE_UPDATE], "write source") < 0)
		return -1;
	if (sqlite3_changes(sq->db) > 0)
		return 0;
	bind_source(sq->stmt[ST_SOURCE_PUT], id, url, src);
	return store_sqlite_step_done(sq, sq->stmt[ST_SOURCE_PUT], "write source");
}

int store_sqlite_source_ids(struct store *st, char ***ids, size_t *n)
{
	struct store_sqlite *sq = store_sqlite_of(st);
	sqlite3_stmt *s = sq->stmt[ST_SOURCE_IDS];
	int rc;

	*ids = NULL;
	*n = 0;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		*ids = xreallocarray(*ids, *n + 1, sizeof(**ids));
		(*ids)[(*n)++] = store_sqlite_column_strdup(s, 0);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return store_sqlite_fail(sq, "list sources");
	return 0;
}

#define F(kind, field) STORE_SQLITE_FIELD(struct store_item, kind, field)
static const struct store_sqlite_field item_fields[] = {
    F(COL_INT64, id),	       F(COL_TEXT, source_id),	   F(COL_TEXT, url),
    F(COL_TEXT, norm_url),     F(COL_TEXT, guid),	   F(COL_TEXT, title),
    F(COL_TEXT, published),    F(COL_TEXT, final_url),	   F(COL_LONG, http_status),
    F(COL_TEXT, etag),	       F(COL_TEXT, last_modified), F(COL_TEXT, raw_sha256),
    F(COL_TEXT, text_sha256),  F(COL_TEXT, text),	   F(COL_SKIP, raw_z),
    F(COL_TEXT, language),     F(COL_LONG, words),	   F(COL_DOUBLE, fetched_at),
    F(COL_DOUBLE, first_seen), F(COL_DOUBLE, last_seen),   F(COL_DOUBLE, last_checked),
};
#undef F
#define ITEM_COL_RAW 14

static void item_from_row(sqlite3_stmt *s, struct store_item *it)
{
	const void *blob = sqlite3_column_blob(s, ITEM_COL_RAW);
	int n = sqlite3_column_bytes(s, ITEM_COL_RAW);

	STORE_SQLITE_ROW_READ(s, item_fields, it);
	if (blob && n > 0) {
		it->raw_z = xmalloc((size_t)n);
		memcpy(it->raw_z, blob, (size_t)n);
		it->raw_z_len = (size_t)n;
	}
}

/* Steps a one-row query into out: 1 found, 0 none, -1 error. */
static int item_query(struct store_sqlite *sq, sqlite3_stmt *s, struct store_item *out)
{
	int rc = sqlite3_step(s);

	if (rc == SQLITE_ROW)
		item_from_row(s, out);
	return store_sqlite_row_result(sq, s, rc, "read item");
}

int store_sqlite_item_find(struct store *st, const char *source_id, const char *url,
			   const char *guid, struct store_item *out)
{
	struct store_sqlite *sq = store_sqlite_of(st);
	sqlite3_stmt *s;
	int rc;

	memset(out, 0, sizeof(*out));
	if (guid) {
		s = sq->stmt[ST_ITEM_FIND_GUID];
		store_sqlite_bind_text(s, 1, source_id);
		store_sqlite_bind_text(s, 2, guid);
		rc = item_query(sq, s, out);
		if (rc != 0 || url == NULL)
			return rc;
	}
	if (url == NULL)
		return 0;
	s = sq->stmt[ST_ITEM_FIND_URL];
	store_sqlite_bind_text(s, 1, source_id);
	store_sqlite_bind_text(s, 2, url);
	return item_query(sq, s, out);
}

int store_sqlite_item_seen_elsewhere(struct store *st, const char *source_id, const char *url,
				     const char *norm_url, const char *text_sha256)
{
	struct store_sqlite *sq = store_sqlite_of(st);
	sqlite3_stmt *s = sq->stmt[ST_ITEM_ELSEWHERE];
	int rc;

	store_sqlite_bind_text(s, 1, source_id);
	store_sqlite_bind_text(s, 2, url);
	store_sqlite_bind_text(s, 3, norm_url);
	store_sqlite_bind_text(s, 4, text_sha256);
	rc = sqlite3_step(s);
	return store_sqlite_row_result(sq, s, rc, "look up item");
}

/* Steps a query of (id, url, title) into old (when not NULL): 1 found, 0 none, -1 error. */
static int old_item_query(struct store_sqlite *sq, sqlite3_stmt *s, struct store_item *old)
{
	int rc;

	if (old)
		memset(old, 0, sizeof(*old));
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && old) {
		old->id = sqlite3_column_int64(s, 0);
		old->url = store_sqlite_column_strdup(s, 1);
		old->title = store_sqlite_column_strdup(s, 2);
	}
	return store_sqlite_row_result(sq, s, rc, "look up a moved item");
}

int store_sqlite_item_same_text(struct store *st, const char *source_id, const char *url,
				const char *text_sha256, struct store_item *old)
{
	struct store_sqlite *sq = store_sqlite_of(st);
	sqlite3_stmt *s = sq->stmt[ST_ITEM_SAME_TEXT];

	store_sqlite_bind_text(s, 1, source_id);
	store_sqlite_bind_text(s, 2, url);
	store_sqlite_bind_text(s, 3, text_sha256);
	return old_item_query(sq, s, old);
}

int store_sqlite_item_same_listing(struct store *st, const char *source_id, const char *url,
				   const char *title, const char *published, struct store_item *old)
{
	struct store_sqlite *sq = store_sqlite_of(st);
	sqlite3_stmt *s = sq->stmt[ST_ITEM_SAME_LISTING];

	store_sqlite_bind_text(s, 1, source_id);
	store_sqlite_bind_text(s, 2, url);
	store_sqlite_bind_text(s, 3, title);
	store_sqlite_bind_text(s, 4, published);
	return old_item_query(sq, s, old);
}

int store_sqlite_item_put(struct store *st, struct store_item *it)
{
	struct store_sqlite *sq = store_sqlite_of(st);
	sqlite3_stmt *s = sq->stmt[it->id ? ST_ITEM_UPDATE : ST_ITEM_INSERT];

	if (it->id)
		sqlite3_bind_int64(s, 1, it->id);
	store_sqlite_bind_text(s, 2, it->source_id);
	store_sqlite_bind_text(s, 3, it->url);
	store_sqlite_bind_text(s, 4, it->norm_url);
	store_sqlite_bind_text(s, 5, it->guid);
	store_sqlite_bind_text(s, 6, it->title);
	store_sqlite_bind_text(s, 7, it->published);
	store_sqlite_bind_text(s, 8, it->final_url);
	sqlite3_bind_int64(s, 9, it->http_status);
	store_sqlite_bind_text(s, 10, it->etag);
	store_sqlite_bind_text(s, 11, it->last_modified);
	store_sqlite_bind_text(s, 12, it->raw_sha256);
	store_sqlite_bind_text(s, 13, it->text_sha256);
	store_sqlite_bind_text(s, 14, it->text);
	if (it->raw_z)
		sqlite3_bind_blob(s, 15, it->raw_z, (int)it->raw_z_len, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(s, 15);
	store_sqlite_bind_text(s, 16, it->language);
	sqlite3_bind_int64(s, 17, it->words);
	sqlite3_bind_double(s, 18, it->fetched_at);
	sqlite3_bind_double(s, 19, it->first_seen);
	sqlite3_bind_double(s, 20, it->last_seen);
	sqlite3_bind_double(s, 21, it->last_checked);
	if (store_sqlite_step_done(sq, s, "write item") < 0)
		return -1;
	if (it->id == 0)
		it->id = sqlite3_last_insert_rowid(sq->db);
	return 0;
}

int store_sqlite_item_touch(struct store *st, int64_t id, double now)
{
	struct store_sqlite *sq = store_sqlite_of(st);
	sqlite3_stmt *s = sq->stmt[ST_ITEM_TOUCH];

	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_double(s, 2, now);
	return store_sqlite_step_done(sq, s, "touch item");
}

int store_sqlite_items_text_newest(struct store *st, const char *source_id, double *when)
{
	struct store_sqlite *sq = store_sqlite_of(st);
	sqlite3_stmt *s = sq->stmt[ST_ITEM_TEXT_NEWEST];
	int rc;

	*when = 0;
	store_sqlite_bind_text(s, 1, source_id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*when = sqlite3_column_double(s, 0); /* NULL (no item) reads as 0 */
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_sqlite_fail(sq, "read newest item with text");
	return 0;
}

/* Steps s (bound) to its end, each row (url, title, published, guid) a list item of out. */
static int read_list_items(struct store_sqlite *sq, sqlite3_stmt *s, struct list_items *out,
			   const char *what)
{
	int rc;

	memset(out, 0, sizeof(*out));
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct list_item *li;

		out->v = xreallocarray(out->v, out->n + 1, sizeof(*out->v));
		li = &out->v[out->n++];
		li->url = store_sqlite_column_strdup(s, 0);
		li->title = store_sqlite_column_strdup(s, 1);
		li->date = store_sqlite_column_strdup(s, 2);
		li->guid = store_sqlite_column_strdup(s, 3);
		li->summary = NULL;
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc != SQLITE_DONE)
		return store_sqlite_fail(sq, what);
	return 0;
}

int store_sqlite_items_to_recheck(struct store *st, const char *source_id, double before,
				  size_t max, struct list_items *out)
{
	struct store_sqlite *sq = store_sqlite_of(st);
	sqlite3_stmt *s = sq->stmt[ST_ITEM_RECHECK];

	store_sqlite_bind_text(s, 1, source_id);
	sqlite3_bind_double(s, 2, before);
	sqlite3_bind_int64(s, 3, (sqlite3_int64)max);
	return read_list_items(sq, s, out, "read items to re-check");
}

int store_sqlite_items_unread(struct store *st, const char *source_id, size_t newest, size_t max,
			      struct list_items *out)
{
	struct store_sqlite *sq = store_sqlite_of(st);
	sqlite3_stmt *s = sq->stmt[ST_ITEM_UNREAD];

	store_sqlite_bind_text(s, 1, source_id);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)newest);
	sqlite3_bind_int64(s, 3, (sqlite3_int64)max);
	return read_list_items(sq, s, out, "read the archive still to fetch");
}

int store_sqlite_item_set_themes(struct store *st, int64_t id, const char *themes,
				 const char *detail_json)
{
	struct store_sqlite *sq = store_sqlite_of(st);
	sqlite3_stmt *s = sq->stmt[ST_ITEM_THEMES];

	sqlite3_bind_int64(s, 1, id);
	store_sqlite_bind_text(s, 2, themes);
	store_sqlite_bind_text(s, 3, detail_json);
	return store_sqlite_step_done(sq, s, "write item themes");
}

int store_sqlite_search(struct store *st, const char *query, const char *since, const char *theme,
			size_t max, struct store_hit **out, size_t *n)
{
	struct store_sqlite *sq = store_sqlite_of(st);
	sqlite3_stmt *s = sq->stmt[ST_SEARCH];
	int rc;

	*out = NULL;
	*n = 0;
	store_sqlite_bind_text(s, 1, query);
	store_sqlite_bind_text(s, 2, since);
	store_sqlite_bind_text(s, 3, theme);
	sqlite3_bind_int64(s, 4, (sqlite3_int64)max);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_hit *h;

		*out = xreallocarray(*out, *n + 1, sizeof(**out));
		h = &(*out)[(*n)++];
		h->source_id = store_sqlite_column_strdup(s, 0);
		h->url = store_sqlite_column_strdup(s, 1);
		h->title = store_sqlite_column_strdup(s, 2);
		h->date = store_sqlite_column_strdup(s, 3);
		h->themes = store_sqlite_column_strdup(s, 4);
		h->snippet = store_sqlite_column_strdup(s, 5);
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc != SQLITE_DONE)
		return store_sqlite_fail(sq, "search");
	return 0;
}

int store_sqlite_index_pending(struct store *st, int64_t *n)
{
	struct store_sqlite *sq = store_sqlite_of(st);
	sqlite3_stmt *s = sq->stmt[ST_INDEX_PENDING];
	int rc = sqlite3_step(s);

	*n = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
	sqlite3_reset(s);
	if (rc != SQLITE_ROW)
		return store_sqlite_fail(sq, "count statements to index");
	return 0;
}

/* The rows first, then the mark past them: both statements pick the same rows. */
int store_sqlite_index_add(struct store *st, size_t max, size_t *done)
{
	struct store_sqlite *sq = store_sqlite_of(st);
	sqlite3_int64 lim = max > INT64_MAX ? INT64_MAX : (sqlite3_int64)max;

	*done = 0;
	sqlite3_bind_int64(sq->stmt[ST_INDEX_ADD], 1, lim);
	if (store_sqlite_step_done(sq, sq->stmt[ST_INDEX_ADD], "index statements") < 0)
		return -1;
	*done = (size_t)sqlite3_changes(sq->db);
	sqlite3_bind_int64(sq->stmt[ST_INDEX_MARK], 1, lim);
	return store_sqlite_step_done(sq, sq->stmt[ST_INDEX_MARK], "mark statements indexed");
}
