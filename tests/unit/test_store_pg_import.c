/*
 * The store's row copy (store_export_rows, store_import_rows: speechwatch
 * migrate). Export is SQLite's: its values as text. Import is
 * PostgreSQL's: on the store testutil_store_fresh gives, which under
 * SW_TEST_PG is PostgreSQL (the rows go in, a second copy changes nothing,
 * a differing row is updated, an item under another id is left out); on
 * SQLite the same calls are refused, which is SQLite's contract.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"
#include "daemon/store.h"
#include "tests/unit/testutil.h"

/* The values of one exported items row by column name. */
struct seen {
	int rows;
	char *raw, *first_seen, *fetched_at, *id;
	int guid_null;
	int stop_after; /* stop the export at this row (0: never) */
};

static const char *col(size_t n, const char *const *names, const char *const *values,
		       const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return values[i];
	ck_abort_msg("no column %s", name);
	return NULL;
}

static int take_item(void *arg, size_t n, const char *const *names, const char *const *values)
{
	struct seen *s = arg;

	if (++s->rows == 1) {
		s->raw = xstrdup(col(n, names, values, "raw"));
		s->first_seen = xstrdup(col(n, names, values, "first_seen"));
		s->fetched_at = xstrdup(col(n, names, values, "fetched_at"));
		s->id = xstrdup(col(n, names, values, "id"));
		s->guid_null = col(n, names, values, "guid") == NULL;
	}
	return s->stop_after > 0 && s->rows >= s->stop_after;
}

static struct store *sqlite_with_item(char **dir)
{
	char err[512], *path, src[] = "news", url[] = "http://h/1", text[] = "a text";
	unsigned char raw[] = {0x00, 0x5c, 0xff, 0x10};
	struct store_item it;
	struct store *st;

	*dir = testutil_tmpdir();
	path = xasprintf("sqlite:%s/speechwatch.db", *dir);
	st = store_open(path, err, sizeof(err));
	free(path);
	ck_assert_msg(st != NULL, "%s", err);
	memset(&it, 0, sizeof(it));
	it.source_id = src;
	it.url = it.norm_url = url;
	it.text = text;
	it.raw_z = raw;
	it.raw_z_len = sizeof(raw);
	it.first_seen = it.last_seen = 1733500000.1234567;
	it.fetched_at = 0.1;
	ck_assert_int_eq(store_begin(st), 0);
	ck_assert_int_eq(store_item_put(st, &it), 0);
	ck_assert_int_eq(store_commit(st), 0);
	return st;
}

START_TEST(test_export_values_as_text)
{
	char *dir;
	struct store *st = sqlite_with_item(&dir);
	struct seen s = {0};

	ck_assert_int_eq(store_export_rows(st, "items", take_item, &s), 0);
	ck_assert_int_eq(s.rows, 1);
	ck_assert_str_eq(s.raw, "\\x005cff10");
	ck_assert_str_eq(s.id, "1");
	ck_assert(strtod(s.first_seen, NULL) == 1733500000.1234567); /* all 17 digits */
	ck_assert_str_eq(s.fetched_at, "0.10000000000000001");
	ck_assert(s.guid_null);
	free(s.raw), free(s.first_seen), free(s.fetched_at), free(s.id);

	ck_assert_int_eq(store_export_rows(st, "schema_version", take_item, &s), -1);
	ck_assert_ptr_nonnull(strstr(store_error(st), "no table"));
	memset(&s, 0, sizeof(s));
	s.stop_after = 1;
	ck_assert_int_eq(store_export_rows(st, "items", take_item, &s), -1);
	ck_assert_ptr_nonnull(strstr(store_error(st), "stopped"));
	free(s.raw), free(s.first_seen), free(s.fetched_at), free(s.id);
	store_close(st);
	testutil_rmtree(dir);
	free(dir);
}
END_TEST

static const char *const item_cols[] = {"id",	       "source_id",  "url",	  "norm_url",
					"text_sha256", "first_seen", "last_seen", "raw"};
#define NITEM (sizeof(item_cols) / sizeof(item_cols[0]))

struct left {
	int n;
	char msg[1024];
};

static void left_out(void *arg, size_t row, const char *message)
{
	struct left *l = arg;

	(void)row;
	l->n++;
	snprintf(l->msg, sizeof(l->msg), "%s", message);
}

/* Imports rows (nrows of NITEM) into items in one transaction; the result. */
static int import_items(struct store *st, const char *const *values, size_t nrows,
			struct store_import *im, struct left *l)
{
	int rc;

	memset(im, 0, sizeof(*im));
	im->table = "items";
	im->ncols = NITEM;
	im->names = item_cols;
	im->nrows = nrows;
	im->values = values;
	im->left_out = left_out;
	im->arg = l;
	ck_assert_int_eq(store_begin(st), 0);
	rc = store_import_rows(st, im);
	if (rc == 0)
		ck_assert_int_eq(store_commit(st), 0);
	else
		store_rollback(st);
	return rc;
}

static const char *const two[] = {
    "1",	  "news",    "http://h/1", "h/1",  "aa",	 "1733500000.1234567",
    "1733500001", "\\x00ff", "7",	   "news", "http://h/7", "h/7",
    NULL,	  "0.5",     "0.5",	   NULL,
};

/* A version row for item 1, as SQLite's trigger wrote it when its text changed. */
static int import_version(struct store *st, struct store_import *im)
{
	static const char *const names[] = {"item_id", "version", "text_sha256", "since",
					    "replaced"};
	static const char *const row[] = {"1", "1", "aa", "1733500000.1234567", "1733500002"};

	memset(im, 0, sizeof(*im));
	im->table = "item_versions";
	im->ncols = 5;
	im->names = names;
	im->nrows = 1;
	im->values = row;
	ck_assert_int_eq(store_begin(st), 0);
	ck_assert_int_eq(store_import_rows(st, im), 0);
	return store_commit(st);
}

static void check_import_pg(struct store *st)
{
	struct store_import im;
	struct left l = {0};
	const char *changed[NITEM] = {
	    "1", "news", "http://h/1", "h/1", "bb", "1733500000.1234567", "1733500002", "\\x00ff"};
	const char *other[NITEM] = {"9", "news", "http://h/7", "h/7", NULL, "1", "1", NULL};
	const char *bad[] = {"x"};

	ck_assert_int_eq(import_items(st, two, 2, &im, &l), 0);
	ck_assert_uint_eq(im.added, 2);
	ck_assert_int_eq(import_items(st, two, 2, &im, &l), 0);
	ck_assert_uint_eq(im.unchanged, 2);
	ck_assert_uint_eq(im.added + im.updated, 0);
	/* a new text: updated, and the trigger keeping versions stays quiet */
	ck_assert_int_eq(import_items(st, changed, 1, &im, &l), 0);
	ck_assert_uint_eq(im.updated, 1);
	ck_assert_int_eq(import_version(st, &im), 0);
	ck_assert_uint_eq(im.added, 1);
	/* the same (source_id, url) under another id: named and left out */
	ck_assert_int_eq(import_items(st, other, 1, &im, &l), 0);
	ck_assert_uint_eq(im.skipped, 1);
	ck_assert_int_eq(l.n, 1);
	ck_assert_msg(strstr(l.msg, "http://h/7") && strstr(l.msg, "item 7"), "%s", l.msg);
	/* a column the table does not have */
	memset(&im, 0, sizeof(im));
	im.table = "items";
	im.ncols = 1;
	im.names = (const char *const[]){"nonsense"};
	im.nrows = 1;
	im.values = bad;
	ck_assert_int_eq(store_begin(st), 0);
	ck_assert_int_eq(store_import_rows(st, &im), -1);
	ck_assert_ptr_nonnull(strstr(store_error(st), "nonsense"));
	store_rollback(st);
}

START_TEST(test_import_rows)
{
	char err[512], *loc = testutil_store_fresh();
	struct store *st = store_open(loc, err, sizeof(err));
	struct store_import im;
	struct left l = {0};

	ck_assert_msg(st != NULL, "%s", err);
	if (testutil_store_is_pg()) {
		check_import_pg(st);
	} else {
		ck_assert_int_eq(import_items(st, two, 2, &im, &l), -1);
		ck_assert_ptr_nonnull(strstr(store_error(st), "cannot copy rows in"));
	}
	store_close(st);
	testutil_store_done(loc);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("store_pg_import");
	TCase *tc = tcase_create("copy");

	tcase_add_test(tc, test_export_values_as_text);
	tcase_add_test(tc, test_import_rows);
	suite_add_tcase(s, tc);
	return testutil_run(s);
}
