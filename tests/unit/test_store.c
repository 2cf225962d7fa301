#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/xmalloc.h"
#include "daemon/store.h"
#include "tests/unit/testutil.h"

static char dir[] = "/tmp/sw-store-XXXXXX";
static char *db_path;

static void setup(void)
{
	strcpy(dir, "/tmp/sw-store-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	db_path = xasprintf("%s/speechwatch.db", dir);
}

static void teardown(void)
{
	char *cmd = xasprintf("rm -rf '%s'", dir);

	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
	free(db_path);
}

static struct store *open_ok(void)
{
	char err[512];
	struct store *st = store_open(db_path, err, sizeof(err));

	ck_assert_msg(st != NULL, "store_open: %s", err);
	return st;
}

/* The schema version the store reports, or -1. */
static int schema_version(struct store *st)
{
	struct store_info info;

	if (store_info(st, &info) < 0)
		return -1;
	ck_assert_str_eq(info.backend, "sqlite");
	return info.schema_version;
}

START_TEST(migrates_an_empty_file)
{
	struct store *st;
	FILE *f = fopen(db_path, "w"); /* an empty file, as touch(1) leaves it */

	ck_assert_ptr_nonnull(f);
	fclose(f);
	st = open_ok();
	ck_assert_int_eq(schema_version(st), STORE_SCHEMA_VERSION);
	ck_assert_int_eq(store_verify(st), 0);
	store_close(st);
}
END_TEST

START_TEST(reopen_keeps_source_state)
{
	struct store *st = open_ok();
	struct store_source s, got;
	char **ids;
	size_t n;

	memset(&s, 0, sizeof(s));
	s.etag = xstrdup("\"abc\"");
	s.last_modified = xstrdup("Thu, 24 Oct 2019 06:06:00 GMT");
	s.last_poll = 1700000000.5;
	s.last_status = 200;
	s.last_result = xstrdup("ok");
	s.items = 12;
	s.failures = 0;
	s.next_due = 1700000600;
	ck_assert_int_eq(store_begin(st), 0);
	ck_assert_int_eq(store_source_put(st, "mfa-en", "http://127.0.0.1/x", &s), 0);
	ck_assert_int_eq(store_commit(st), 0);
	store_source_clear(&s);
	store_close(st);

	st = open_ok();
	ck_assert_int_eq(schema_version(st), STORE_SCHEMA_VERSION);
	ck_assert_int_eq(store_source_get(st, "mfa-en", &got), 1);
	ck_assert_str_eq(got.etag, "\"abc\"");
	ck_assert_str_eq(got.last_result, "ok");
	ck_assert_ptr_null(got.last_error);
	ck_assert_int_eq(got.items, 12);
	ck_assert(got.last_poll == 1700000000.5);
	store_source_clear(&got);
	ck_assert_int_eq(store_source_get(st, "absent", &got), 0);
	ck_assert_int_eq(store_source_ids(st, &ids, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(ids[0], "mfa-en");
	free(ids[0]);
	free(ids);
	store_close(st);
}
END_TEST

START_TEST(rollback_discards_the_transaction)
{
	struct store *st = open_ok();
	struct store_source s, got;

	memset(&s, 0, sizeof(s));
	s.items = 5;
	ck_assert_int_eq(store_begin(st), 0);
	ck_assert_int_eq(store_source_put(st, "a", "http://a/", &s), 0);
	store_rollback(st);
	ck_assert_int_eq(store_source_get(st, "a", &got), 0);
	store_close(st);
}
END_TEST

START_TEST(refuses_a_newer_schema)
{
	struct store *st = open_ok();
	char err[512];
	char *cmd;

	store_close(st);
	cmd = xasprintf("sqlite3 '%s' 'PRAGMA user_version = 99'", db_path);
	if (system(cmd) != 0) {
		free(cmd);
		return; /* the sqlite3 shell is installed by .ci/deps; without it skip */
	}
	free(cmd);
	st = store_open(db_path, err, sizeof(err));
	ck_assert_ptr_null(st);
	ck_assert_msg(strstr(err, "newer") && strstr(err, db_path), "err: %s", err);
}
END_TEST

START_TEST(unwritable_location_names_the_path)
{
	char err[512];
	struct store *st = store_open("/nonexistent-dir/x/speechwatch.db", err, sizeof(err));

	ck_assert_ptr_null(st);
	ck_assert_msg(strstr(err, "/nonexistent-dir/x/speechwatch.db") != NULL, "err: %s", err);
}
END_TEST

/* The child: write in a tight loop of transactions until killed. */
static void write_forever(void)
{
	char err[512];
	struct store *st = store_open(db_path, err, sizeof(err));
	struct store_source s;
	char id[32], etag[64];

	if (st == NULL)
		_exit(3);
	memset(&s, 0, sizeof(s));
	for (long i = 0;; i++) {
		snprintf(id, sizeof(id), "src-%ld", i % 50);
		snprintf(etag, sizeof(etag), "\"etag-%ld\"", i);
		s.etag = etag;
		s.items = i;
		if (store_begin(st) < 0 || store_source_put(st, id, "http://x/", &s) < 0 ||
		    store_commit(st) < 0)
			_exit(4);
	}
}

START_TEST(kill9_inside_a_write_loop_leaves_a_sound_database)
{
	srandom((unsigned)time(NULL));
	for (int round = 0; round < 8; round++) {
		pid_t pid = fork();
		int status;
		struct store *st;
		char **ids;
		size_t n;

		ck_assert_int_ge(pid, 0);
		if (pid == 0)
			write_forever();
		usleep(20000 + (useconds_t)(random() % 200000));
		ck_assert_int_eq(kill(pid, SIGKILL), 0);
		ck_assert_int_eq(waitpid(pid, &status, 0), pid);
		ck_assert_msg(WIFSIGNALED(status), "writer exited early (status %d)", status);
		st = open_ok();
		ck_assert_msg(store_verify(st) == 0, "%s", store_error(st));
		ck_assert_int_eq(store_source_ids(st, &ids, &n), 0);
		for (size_t i = 0; i < n; i++)
			free(ids[i]);
		free(ids);
		store_close(st);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("store");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, migrates_an_empty_file);
	tcase_add_test(tc, reopen_keeps_source_state);
	tcase_add_test(tc, rollback_discards_the_transaction);
	tcase_add_test(tc, refuses_a_newer_schema);
	tcase_add_test(tc, unwritable_location_names_the_path);
	tcase_add_test(tc, kill9_inside_a_write_loop_leaves_a_sound_database);
	suite_add_tcase(s, tc);
	return testutil_run(s);
}
