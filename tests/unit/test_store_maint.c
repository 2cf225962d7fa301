/* The store's upkeep: the start-up check, the state_dir lock. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/xmalloc.h"
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
	ck_assert_int_eq(store_check(st), 0);
	store_close(st);
	scribble(3);
	st = open_ok();
	errno = 0;
	ck_assert_int_eq(store_check(st), -1);
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
	suite_add_tcase(s, tc);
	return testutil_run(s);
}
