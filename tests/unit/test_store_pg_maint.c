/*
 * The store's upkeep on either backend (issue 20): the start-up check,
 * the recovery steps, retention, compaction and size. Alone this runs on
 * SQLite, under tests/pgcluster.py with SW_TEST_PG=1 on PostgreSQL, and
 * every check holds on both. Ported from test_store_maint.c where it does
 * not depend on SQLite's files (a scribbled page, the file shrinking).
 */
#include <check.h>
#include <errno.h>
#include <libpq-fe.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/xmalloc.h"
#include "daemon/store.h"
#include "tests/unit/testutil.h"

static char *location;
static struct store *st;
static char src_a[] = "a", src_b[] = "b", src_c[] = "c", src_d[] = "d", src_e[] = "e",
	    src_f[] = "f";

static void setup(void)
{
	char err[512];

	location = testutil_store_fresh();
	st = store_open(location, err, sizeof(err));
	ck_assert_msg(st != NULL, "store_open: %s", err);
}

static void teardown(void)
{
	store_close(st);
	testutil_store_done(location);
}

/* The text item i of source s has. */
static void text_of(char *buf, size_t len, const char *s, int i)
{
	snprintf(buf, len, "statement %s %d on maritime boundaries %0100d", s, i, i);
}

/* n items of source s with a text and a raw page each, first seen `age` days before now. */
static void put_items(char *s, int n, double age)
{
	double now = (double)time(NULL);

	ck_assert_int_eq(store_begin(st), 0);
	for (int i = 0; i < n; i++) {
		struct store_item it;
		char url[64], text[256], title[] = "Title", hash[] = "h";

		memset(&it, 0, sizeof(it));
		snprintf(url, sizeof(url), "http://h/%s/%d", s, i);
		text_of(text, sizeof(text), s, i);
		it.source_id = s;
		it.url = it.norm_url = url;
		it.title = title;
		it.text = text;
		it.text_sha256 = hash;
		it.raw_sha256 = hash;
		it.raw_z = (unsigned char *)text;
		it.raw_z_len = strlen(text);
		it.first_seen = it.last_seen = it.last_checked = now - age * 86400;
		ck_assert_msg(store_item_put(st, &it) == 0, "%s", store_error(st));
	}
	ck_assert_int_eq(store_commit(st), 0);
}

/* Item i of source s still has its raw page (raw) and its text (text). */
static void assert_kept(const char *s, int i, int raw, int text)
{
	struct store_item it;
	char url[64], want[256];

	snprintf(url, sizeof(url), "http://h/%s/%d", s, i);
	memset(&it, 0, sizeof(it));
	ck_assert_int_eq(store_item_find(st, s, url, NULL, &it), 1);
	ck_assert_msg((it.raw_z != NULL) == raw, "%s raw", url);
	ck_assert_msg((it.text != NULL) == text, "%s text", url);
	text_of(want, sizeof(want), s, i);
	if (text)
		ck_assert_str_eq(it.text, want);
	if (raw) {
		ck_assert_uint_eq(it.raw_z_len, strlen(want));
		ck_assert_int_eq(memcmp(it.raw_z, want, it.raw_z_len), 0);
	}
	ck_assert_str_eq(it.title, "Title");
	store_item_clear(&it);
}

static void put_event(const char *id, double created)
{
	char *payload = xasprintf("{\"id\":\"%s\",\"text\":\"%0500d\"}", id, 0);
	struct store_event_new ev = {id, "hook", "statement.new", "src", 0, payload, created};

	ck_assert_msg(store_event_insert(st, &ev) == 0, "%s", store_error(st));
	free(payload);
}

START_TEST(check_passes_on_a_sound_store)
{
	ck_assert_msg(store_check(st, 0) == 0, "%s", store_error(st)); /* empty */
	put_event("evt_1", 1);
	ck_assert_msg(store_check(st, 0) == 0, "%s", store_error(st));
	ck_assert_msg(store_check(st, 60) == 0, "%s", store_error(st));
}
END_TEST

/* One value of sql through a connection of the test's own (PG* variables). Caller frees. */
static char *pg_value(const char *sql)
{
	PGconn *c = PQconnectdb("");
	PGresult *r;
	char *v;

	ck_assert_msg(PQstatus(c) == CONNECTION_OK, "%s", PQerrorMessage(c));
	r = PQexec(c, sql);
	ck_assert_msg(PQresultStatus(r) == PGRES_TUPLES_OK || PQresultStatus(r) == PGRES_COMMAND_OK,
		      "%s", PQresultErrorMessage(r));
	v = xstrdup(PQntuples(r) > 0 ? PQgetvalue(r, 0, 0) : "");
	PQclear(r);
	PQfinish(c);
	return v;
}

/*
 * A page the server finds damaged fails the check with errno EBADMSG, as
 * SQLite's quick_check does (test_store_maint.c scribbles its file): the
 * events table's first page is overwritten on disk while it is clean in
 * the server's cache, then the server restarts and reads it.
 */
START_TEST(a_damaged_page_fails_the_check_as_damaged)
{
	const char *script = getenv("SW_PGCLUSTER_SCRIPT"), *dir = getenv("SW_PGCLUSTER_DIR");
	char err[512], junk[64], *file, *rel, *cmd;
	FILE *f;

	if (!testutil_store_is_pg() || script == NULL || dir == NULL) {
		printf("skipped: PostgreSQL only (test_store_maint.c has SQLite's)\n");
		return;
	}
	for (int i = 0; i < 200; i++) {
		snprintf(junk, sizeof(junk), "evt_%03d", i);
		put_event(junk, i);
	}
	ck_assert_int_eq(store_check(st, 0), 0); /* sets hint bits: dirty pages, flushed now */
	free(pg_value("CHECKPOINT"));
	rel = pg_value("SELECT pg_relation_filepath('events')");
	file = xasprintf("%s/data/%s", dir, rel);
	memset(junk, 0x5a, sizeof(junk));
	f = fopen(file, "r+b");
	ck_assert_msg(f != NULL, "%s", file);
	ck_assert_uint_eq(fwrite(junk, 1, sizeof(junk), f), sizeof(junk));
	fclose(f);
	cmd = xasprintf("/usr/bin/python3 '%s' restart '%s' --mode fast", script, dir);
	ck_assert_int_eq(system(cmd), 0);
	store_close(st);
	st = store_open(location, err, sizeof(err));
	ck_assert_msg(st != NULL, "store_open: %s", err);
	errno = 0;
	ck_assert_int_eq(store_check(st, 0), -1);
	ck_assert_int_eq(errno, EBADMSG);
	ck_assert_msg(strstr(store_error(st), "damaged") != NULL, "%s", store_error(st));
	free(cmd);
	free(file);
	free(rel);
}
END_TEST

/* A check of a dry run's copy leaves what was written to the copy in place. */
START_TEST(a_check_of_a_copy_keeps_its_writes)
{
	char err[512];
	struct store *copy;
	struct store *orig = st;
	struct store_event *v;
	size_t n;

	put_event("evt_1", 1);
	copy = store_open_copy(location, err, sizeof(err));
	ck_assert_msg(copy != NULL, "%s", err);
	st = copy;
	put_event("evt_2", 2);
	ck_assert_msg(store_check(copy, 60) == 0, "%s", store_error(copy));
	ck_assert_msg(store_check(copy, 0) == 0, "%s", store_error(copy));
	ck_assert_int_eq(store_events_due(copy, 10, NULL, 10, &v, &n), 0);
	ck_assert_uint_eq(n, 2);
	for (size_t i = 0; i < n; i++)
		store_event_clear(&v[i]);
	free(v);
	st = orig;
	store_close(copy);
	ck_assert_int_eq(store_events_due(st, 10, NULL, 10, &v, &n), 0);
	ck_assert_uint_eq(n, 1);
	store_event_clear(&v[0]);
	free(v);
}
END_TEST

/* With a source and items: the items are read as far as the budget goes. */
START_TEST(check_within_a_budget_says_when_it_stopped_early)
{
	struct store_prune p;
	struct store_source src;
	char structure[] = "{\"items\":\"//li\"}";

	memset(&src, 0, sizeof(src));
	src.structure = structure;
	ck_assert_msg(store_source_put(st, "s1", "http://h/", &src) == 0, "%s", store_error(st));
	put_items(src_a, 20000, 0); /* a check of ~0.1 s: the budget runs out first */
	ck_assert_int_eq(store_check(st, 1e-9), 1);
	ck_assert_msg(store_check(st, 60) == 0, "%s", store_error(st));
	ck_assert_msg(store_check(st, 0) == 0, "%s", store_error(st));
	/* the budget was the check's only: a long statement after it runs whole */
	memset(&p, 0, sizeof(p));
	p.raw_before = (double)time(NULL) + 60;
	p.max = SIZE_MAX;
	ck_assert_msg(store_prune(st, &p) == 0, "%s", store_error(st));
	ck_assert_uint_eq(p.raw_dropped, 20000);
}
END_TEST

/* The operator's steps name the store, never its password. */
START_TEST(recovery_steps_name_the_store_without_its_password)
{
	static const char *const locs[] = {
	    "postgresql://sw:s3cret@db.example:5433/news",
	    "postgresql:host=/run/postgresql dbname=news password=s3cret",
	    "postgresql:service=newsroom",
	};
	static const char *const want[] = {
	    "postgresql://sw:***@db.example:5433/news",
	    "postgresql:host=/run/postgresql dbname=news password=***",
	    "postgresql:service=newsroom",
	};
	char *steps;

	for (size_t i = 0; i < sizeof(locs) / sizeof(locs[0]); i++) {
		steps = store_recovery_steps(locs[i]);
		ck_assert_msg(strstr(steps, want[i]) != NULL, "%s", steps);
		ck_assert_msg(strstr(steps, "s3cret") == NULL, "%s", steps);
		ck_assert_msg(strstr(steps, "pg_isready") && strstr(steps, "pg_dump"), "%s", steps);
		free(steps);
	}
	steps = store_recovery_steps(location);
	ck_assert_msg(strstr(steps, location) != NULL, "%s", steps);
	free(steps);
}
END_TEST

START_TEST(prune_visits_old_items_in_steps)
{
	struct store_prune p;
	double now = (double)time(NULL);
	size_t raw = 0, text = 0, calls = 0;

	put_items(src_a, 25, 40);  /* ids 1-25: 40 days old */
	put_items(src_b, 10, 20);  /* 26-35: 20 days old */
	put_items(src_c, 5, 0);	   /* 36-40 */
	put_items(src_d, 1, -400); /* 41: a clock a year ahead: does not end a visit */
	put_items(src_e, 2, 40);   /* 42-43: seen after it, 40 days ago */
	put_items(src_f, 1, 0);	   /* 44 */
	memset(&p, 0, sizeof(p));
	p.future = now + 86400.0;
	p.raw_before = now - 10 * 86400.0;
	p.text_before = now - 30 * 86400.0;
	p.max = 4;
	do {
		ck_assert_msg(store_prune(st, &p) == 0, "%s", store_error(st));
		raw += p.raw_dropped;
		text += p.text_dropped;
		calls++;
	} while (!p.finished);
	ck_assert_uint_eq(raw, 35);
	ck_assert_uint_eq(text, 25);
	ck_assert_uint_eq(calls, 9); /* 35 old items, 4 a step: stops at the first newer one */
	ck_assert_int_eq(p.after, 35);
	assert_kept("a", 0, 0, 0);
	assert_kept("a", 24, 0, 0);
	assert_kept("b", 3, 0, 1);
	assert_kept("c", 0, 1, 1);
	assert_kept("e", 0, 1, 1);
	/* a visit from after the recent ones finds e's behind the clock error */
	p.after = 40;
	p.finished = 0;
	ck_assert_int_eq(store_prune(st, &p), 0);
	ck_assert_uint_eq(p.raw_dropped, 2);
	ck_assert_uint_eq(p.text_dropped, 2);
	ck_assert_int_eq(p.finished, 1);
	ck_assert_int_eq(p.after, 43);
	assert_kept("d", 0, 1, 1);
	assert_kept("e", 1, 0, 0);
	assert_kept("f", 0, 1, 1);
	/* again: nothing left to drop, and a visit with a large step finishes at once */
	memset(&p, 0, sizeof(p));
	p.raw_before = p.text_before = now - 30 * 86400.0;
	p.max = SIZE_MAX;
	ck_assert_int_eq(store_prune(st, &p), 0);
	ck_assert_uint_eq(p.raw_dropped + p.text_dropped, 0);
	ck_assert_int_eq(p.finished, 1);
	ck_assert_int_eq(store_verify(st), 0);
}
END_TEST

START_TEST(nothing_is_pruned_without_cutoffs)
{
	struct store_prune p;

	put_items(src_a, 5, 400);
	memset(&p, 0, sizeof(p));
	p.max = 100;
	ck_assert_int_eq(store_prune(st, &p), 0);
	ck_assert_int_eq(p.finished, 1);
	ck_assert_int_eq(p.after, 0); /* every item is newer than no cutoff */
	ck_assert_uint_eq(p.raw_dropped + p.text_dropped, 0);
	assert_kept("a", 4, 1, 1);
}
END_TEST

/*
 * The texts of an item's past versions go with its text (read back through
 * store_statement_get: on PostgreSQL that needs store_pg_read.c).
 */
START_TEST(prune_drops_the_texts_of_past_versions)
{
	struct store_item it;
	struct store_statement s;
	struct store_prune p;
	double old = (double)time(NULL) - 40 * 86400.0;
	char text2[] = "the statement as edited later on maritime boundaries", hash2[] = "h2";

	put_items(src_a, 1, 40);
	memset(&it, 0, sizeof(it));
	ck_assert_int_eq(store_item_find(st, "a", "http://h/a/0", NULL, &it), 1);
	free(it.text);
	free(it.text_sha256);
	it.text = xstrdup(text2);
	it.text_sha256 = xstrdup(hash2);
	it.fetched_at = old + 86400.0;
	ck_assert_int_eq(store_begin(st), 0);
	ck_assert_msg(store_item_put(st, &it) == 0, "%s", store_error(st));
	ck_assert_int_eq(store_commit(st), 0);
	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(store_statement_get(st, it.id, &s), 1);
	ck_assert_uint_eq(s.nversions, 2);
	ck_assert_ptr_nonnull(s.version[0].text);
	store_statement_clear(&s);
	memset(&p, 0, sizeof(p));
	p.text_before = (double)time(NULL);
	p.max = 10;
	ck_assert_int_eq(store_prune(st, &p), 0);
	ck_assert_uint_eq(p.text_dropped, 1);
	ck_assert_int_eq(store_statement_get(st, it.id, &s), 1);
	ck_assert_uint_eq(s.nversions, 2);
	ck_assert_ptr_null(s.version[0].text);
	ck_assert_ptr_null(s.version[1].text);
	ck_assert_str_eq(s.version[0].text_sha256, "h"); /* the history stays */
	store_statement_clear(&s);
	store_item_clear(&it);
}
END_TEST

/* The size counts what is stored; compaction runs outside a transaction and keeps it all. */
START_TEST(size_grows_with_the_store_and_compact_keeps_it)
{
	int64_t empty, full, after, free_bytes = -1;
	char id[32];
	struct store_event *v;
	size_t n;

	ck_assert_msg(store_size(st, &empty, &free_bytes) == 0, "%s", store_error(st));
	ck_assert_int_gt(empty, 0);
	ck_assert_int_ge(free_bytes, 0);
	ck_assert_int_eq(store_begin(st), 0);
	for (int i = 0; i < 2000; i++) {
		snprintf(id, sizeof(id), "evt_%04d", i);
		put_event(id, i);
	}
	ck_assert_int_eq(store_commit(st), 0);
	ck_assert_int_eq(store_size(st, &full, &free_bytes), 0);
	ck_assert_msg(full > empty + 500 * 2000, "%lld -> %lld", (long long)empty, (long long)full);
	ck_assert_msg(store_compact(st) == 0, "%s", store_error(st));
	ck_assert_int_eq(store_size(st, &after, &free_bytes), 0);
	ck_assert_int_gt(after, 0);
	ck_assert_int_ge(free_bytes, 0);
	ck_assert_int_le(free_bytes, after);
	ck_assert_int_eq(store_events_due(st, 1e12, NULL, SIZE_MAX, &v, &n), 0);
	ck_assert_uint_eq(n, 2000);
	for (size_t i = 0; i < n; i++)
		store_event_clear(&v[i]);
	free(v);
	ck_assert_msg(store_check(st, 0) == 0, "%s", store_error(st));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("store_pg_maint");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, check_passes_on_a_sound_store);
	tcase_add_test(tc, a_check_of_a_copy_keeps_its_writes);
	tcase_add_test(tc, a_damaged_page_fails_the_check_as_damaged);
	tcase_add_test(tc, recovery_steps_name_the_store_without_its_password);
	tcase_add_test(tc, size_grows_with_the_store_and_compact_keeps_it);
	/* these need store_pg_items.c on PostgreSQL (store_item_put) */
	tcase_add_test(tc, check_within_a_budget_says_when_it_stopped_early);
	tcase_add_test(tc, prune_visits_old_items_in_steps);
	tcase_add_test(tc, nothing_is_pruned_without_cutoffs);
	/* and this store_statement_get (store_pg_read.c) */
	tcase_add_test(tc, prune_drops_the_texts_of_past_versions);
	suite_add_tcase(s, tc);
	return testutil_run(s);
}
