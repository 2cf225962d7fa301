/* The store's upkeep: the start-up check, the state_dir lock. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/xmalloc.h"
#include "config/config.h"
#include "daemon/retain.h"
#include "daemon/statelock.h"
#include "daemon/store.h"
#include "tests/unit/testutil.h"

static char *dir;
static char *db_path;
static char src_a[] = "a";

static void setup(void)
{
	dir = testutil_tmpdir();
	db_path = xasprintf("%s/speechwatch.db", dir);
}

static void teardown(void)
{
	testutil_rmtree(dir);
	free(dir);
	free(db_path);
}

static struct store *open_ok(void)
{
	char err[512];
	struct store *st = store_open(db_path, err, sizeof(err));

	ck_assert_msg(st != NULL, "store_open: %s", err);
	return st;
}

/* n items of source s with a text each, first seen `age` days before now. */
static void put_items(struct store *st, char *s, int n, double age)
{
	double now = (double)time(NULL);

	ck_assert_int_eq(store_begin(st), 0);
	for (int i = 0; i < n; i++) {
		struct store_item it;
		char url[64], text[256], title[] = "Title", hash[] = "h";

		memset(&it, 0, sizeof(it));
		snprintf(url, sizeof(url), "http://h/%s/%d", s, i);
		snprintf(text, sizeof(text), "statement %s %d on maritime boundaries %0100d", s, i,
			 i);
		it.source_id = s;
		it.url = it.norm_url = url;
		it.title = title;
		it.text = text;
		it.text_sha256 = hash;
		it.raw_sha256 = hash;
		it.raw_z = (unsigned char *)text;
		it.raw_z_len = strlen(text);
		it.first_seen = it.last_seen = it.last_checked = now - age * 86400;
		ck_assert_int_eq(store_item_put(st, &it), 0);
	}
	ck_assert_int_eq(store_commit(st), 0);
}

/* Overwrites page `page` (4 KiB pages) of the closed store with a fixed pattern. */
static void scribble(long page)
{
	FILE *f = fopen(db_path, "r+b");
	unsigned char junk[4096];

	ck_assert_ptr_nonnull(f);
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (unsigned char)(i * 131 + 7);
	ck_assert_int_eq(fseek(f, page * 4096, SEEK_SET), 0);
	ck_assert_uint_eq(fwrite(junk, 1, sizeof(junk), f), sizeof(junk));
	fclose(f);
}

START_TEST(check_passes_on_a_sound_store_and_finds_a_scribbled_page)
{
	struct store *st = open_ok();

	put_items(st, src_a, 200, 0);
	ck_assert_int_eq(store_check(st, 0), 0);
	store_close(st);
	scribble(3);
	st = open_ok();
	errno = 0;
	ck_assert_int_eq(store_check(st, 0), -1);
	ck_assert_int_eq(errno, EBADMSG);
	ck_assert_msg(strstr(store_error(st), "damaged") != NULL, "%s", store_error(st));
	store_close(st);
}
END_TEST

START_TEST(a_store_that_is_no_database_fails_open_as_damaged)
{
	char err[512], *steps;
	struct store *st = open_ok();

	put_items(st, src_a, 10, 0);
	store_close(st);
	scribble(0);
	errno = 0;
	ck_assert_ptr_null(store_open(db_path, err, sizeof(err)));
	ck_assert_int_eq(errno, EBADMSG);
	steps = store_recovery_steps(db_path);
	ck_assert_msg(strstr(steps, db_path) && strstr(steps, ".damaged"), "%s", steps);
	free(steps);
}
END_TEST

START_TEST(an_unwritable_location_is_not_called_damaged)
{
	char err[512];
	char *bad = xasprintf("%s/missing/speechwatch.db", dir);

	errno = EBADMSG;
	ck_assert_ptr_null(store_open(bad, err, sizeof(err)));
	ck_assert_int_ne(errno, EBADMSG);
	free(bad);
}
END_TEST

START_TEST(a_second_lock_on_the_state_dir_names_the_holder)
{
	char err[256], want[64];
	int fd = statelock_take(dir, err, sizeof(err)), fd2;

	ck_assert_msg(fd >= 0, "%s", err);
	/* flock belongs to the open file: a second open is refused, even in one process */
	ck_assert_int_eq(statelock_take(dir, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "(pid %ld)", (long)getpid());
	ck_assert_msg(strstr(err, want) != NULL, "%s", err);
	statelock_release(fd);
	fd2 = statelock_take(dir, err, sizeof(err));
	ck_assert_msg(fd2 >= 0, "%s", err);
	statelock_release(fd2);
}
END_TEST

/* Hits of query in the search index. */
static size_t hits(struct store *st, const char *query)
{
	struct store_hit *h;
	size_t n;

	ck_assert_msg(store_search(st, query, NULL, NULL, 1000, &h, &n) == 0, "%s",
		      store_error(st));
	for (size_t i = 0; i < n; i++)
		store_hit_clear(&h[i]);
	free(h);
	return n;
}

START_TEST(prune_visits_old_items_in_steps_and_search_follows)
{
	struct store *st = open_ok();
	struct store_prune p;
	double now = (double)time(NULL);
	size_t raw = 0, text = 0, calls = 0;
	static char src_b[] = "b", src_c[] = "c", src_d[] = "d", src_e[] = "e", src_f[] = "f";

	put_items(st, src_a, 25, 40); /* 40 days old, indexed below */
	ck_assert_uint_eq(hits(st, "maritime"), 25);
	ck_assert_uint_eq(hits(st, "\"statement a \""), 25);
	put_items(st, src_b, 10, 20); /* 20 days old, not yet indexed */
	put_items(st, src_c, 5, 0);
	put_items(st, src_d, 1, -400); /* a clock a year ahead: does not end a visit */
	put_items(st, src_e, 2, 40);   /* seen after it, 40 days ago */
	put_items(st, src_f, 1, 0);
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
	/* a visit from after the recent ones finds e's behind the clock error */
	p.after = 40;
	p.finished = 0;
	ck_assert_int_eq(store_prune(st, &p), 0);
	ck_assert_uint_eq(p.raw_dropped, 2);
	ck_assert_uint_eq(p.text_dropped, 2);
	ck_assert_int_eq(p.finished, 1);
	/* a's texts left the index; b's (indexed now) and c's are found */
	ck_assert_uint_eq(hits(st, "maritime"), 17);
	ck_assert_uint_eq(hits(st, "\"statement a \""), 0);
	ck_assert_uint_eq(hits(st, "Title"), 44);
	ck_assert_int_eq(store_verify(st), 0);
	store_close(st);
}
END_TEST

START_TEST(nothing_is_pruned_without_cutoffs)
{
	struct store *st = open_ok();
	struct store_prune p;

	put_items(st, src_a, 5, 400);
	memset(&p, 0, sizeof(p));
	p.max = 100;
	ck_assert_int_eq(store_prune(st, &p), 0);
	ck_assert_int_eq(p.finished, 1);
	ck_assert_uint_eq(p.raw_dropped + p.text_dropped, 0);
	store_close(st);
}
END_TEST

START_TEST(compact_gives_freed_space_back_and_size_says_so)
{
	struct store *st = open_ok();
	struct store_prune p;
	int64_t bytes, free_bytes, after, free_after;

	put_items(st, src_a, 300, 40);
	memset(&p, 0, sizeof(p));
	p.raw_before = p.text_before = (double)time(NULL);
	p.max = 1000;
	ck_assert_int_eq(store_prune(st, &p), 0);
	ck_assert_int_eq(store_size(st, &bytes, &free_bytes), 0);
	ck_assert_int_gt(bytes, 0);
	ck_assert_msg(store_compact(st) == 0, "%s", store_error(st));
	ck_assert_int_eq(store_size(st, &after, &free_after), 0);
	ck_assert_int_eq(free_after, 0);
	ck_assert_int_lt(after, bytes);
	store_close(st);
}
END_TEST

START_TEST(retention_keys_and_the_recheck_window)
{
	double raw, text, now = 1e9;
	struct config *cfg = testutil_config(dir, "[daemon]\nkeep_raw_days = 7\n"
						  "keep_text_days = 4\nrecheck_days = 3\n"
						  "[source \"s\"]\nurl = http://h/\nitems = //li\n"
						  "recheck_days = 5\n");

	ck_assert_int_eq(cfg->daemon.keep_raw_days, 7);
	ck_assert_int_eq(cfg->daemon.keep_text_days, 4);
	retain_cutoffs(cfg, now, &raw, &text);
	ck_assert_double_eq(raw, now - 7 * 86400.0);
	/* 4 days would drop texts the source still re-checks: at least 5 + 2 */
	ck_assert_double_eq(text, now - 7 * 86400.0);
	config_free(cfg);
	cfg = testutil_config(dir, "[daemon]\nkeep_text_days = 30\n");
	ck_assert_int_eq(cfg->daemon.keep_raw_days, 0);
	retain_cutoffs(cfg, now, &raw, &text);
	ck_assert_double_eq(raw, 0);
	ck_assert_double_eq(text, now - 30 * 86400.0);
	config_free(cfg);
}
END_TEST

START_TEST(check_within_a_budget_says_when_it_stopped_early)
{
	struct store *st = open_ok();

	put_items(st, src_a, 20000, 0); /* a check of ~0.1 s: the timer thread comes first */
	ck_assert_int_eq(store_check(st, 1e-9), 1);
	ck_assert_int_eq(store_check(st, 60), 0);
	store_close(st);
}
END_TEST

START_TEST(compact_takes_dropped_texts_out_of_the_search_index)
{
	struct store *st = open_ok();
	struct store_prune p;
	int64_t indexed, after, free_bytes;

	put_items(st, src_a, 1000, 40);
	ck_assert_uint_eq(hits(st, "maritime"), 1000); /* indexes them */
	ck_assert_int_eq(store_compact(st), 0);
	ck_assert_int_eq(store_size(st, &indexed, &free_bytes), 0);
	memset(&p, 0, sizeof(p));
	p.text_before = (double)time(NULL);
	p.max = 5000;
	ck_assert_int_eq(store_prune(st, &p), 0);
	ck_assert_uint_eq(p.text_dropped, 1000);
	ck_assert_int_eq(store_compact(st), 0);
	ck_assert_int_eq(store_size(st, &after, &free_bytes), 0);
	/* the texts' trigrams were most of it: without them in the index it shrinks well */
	ck_assert_msg(after < indexed / 2, "%lld -> %lld bytes", (long long)indexed,
		      (long long)after);
	ck_assert_uint_eq(hits(st, "maritime"), 0);
	store_close(st);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("store_maint");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, check_passes_on_a_sound_store_and_finds_a_scribbled_page);
	tcase_add_test(tc, a_store_that_is_no_database_fails_open_as_damaged);
	tcase_add_test(tc, an_unwritable_location_is_not_called_damaged);
	tcase_add_test(tc, a_second_lock_on_the_state_dir_names_the_holder);
	tcase_add_test(tc, prune_visits_old_items_in_steps_and_search_follows);
	tcase_add_test(tc, nothing_is_pruned_without_cutoffs);
	tcase_add_test(tc, compact_gives_freed_space_back_and_size_says_so);
	tcase_add_test(tc, retention_keys_and_the_recheck_window);
	tcase_add_test(tc, check_within_a_budget_says_when_it_stopped_early);
	tcase_add_test(tc, compact_takes_dropped_texts_out_of_the_search_index);
	suite_add_tcase(s, tc);
	return testutil_run(s);
}
