/*
 * daemon/reloadstatus: the outcome a daemon records after each reload and
 * `speechwatch reload` waits for: written whole, read back with its pid,
 * count and messages; a missing file is "no answer yet", a damaged one is
 * an error rather than a success.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/xmalloc.h"
#include "daemon/reloadstatus.h"
#include "tests/unit/testutil.h"

static char *dir;

static void setup(void)
{
	dir = testutil_tmpdir();
}

static void teardown(void)
{
	testutil_rmtree(dir);
}

static void put(const char *text)
{
	char *path = xasprintf("%s/reload.status", dir);
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	free(path);
}

START_TEST(no_file_is_no_answer)
{
	struct reload_status rs;

	ck_assert_int_eq(reloadstatus_read(dir, &rs), 0);
}
END_TEST

START_TEST(a_success_reads_back_with_pid_and_count)
{
	struct reload_status rs;

	ck_assert_int_eq(reloadstatus_write(dir, 3, 1, NULL), 0);
	ck_assert_int_eq(reloadstatus_read(dir, &rs), 1);
	ck_assert_int_eq(rs.pid, (long)getpid());
	ck_assert_uint_eq(rs.seq, 3);
	ck_assert_int_eq(rs.ok, 1);
	ck_assert_str_eq(rs.detail, "");
}
END_TEST

START_TEST(a_refusal_keeps_its_messages_and_replaces_the_last_outcome)
{
	struct reload_status rs;
	char *tmp = xasprintf("%s/reload.status.tmp", dir);

	ck_assert_int_eq(reloadstatus_write(dir, 1, 1, NULL), 0);
	ck_assert_int_eq(reloadstatus_write(dir, 2, 0, "a.conf:3: bad\nb.conf:4: worse\n"), 0);
	ck_assert_int_eq(reloadstatus_read(dir, &rs), 1);
	ck_assert_uint_eq(rs.seq, 2);
	ck_assert_int_eq(rs.ok, 0);
	ck_assert_str_eq(rs.detail, "a.conf:3: bad\nb.conf:4: worse\n");
	ck_assert_int_eq(access(tmp, F_OK), -1); /* renamed into place */
	free(tmp);
}
END_TEST

START_TEST(a_damaged_file_is_an_error_not_a_success)
{
	struct reload_status rs;

	put("12 4 maybe\n");
	ck_assert_int_eq(reloadstatus_read(dir, &rs), -1);
	put("12 4 ok"); /* cut before its newline: not whole */
	ck_assert_int_eq(reloadstatus_read(dir, &rs), -1);
	put("garbage\n");
	ck_assert_int_eq(reloadstatus_read(dir, &rs), -1);
}
END_TEST

START_TEST(an_unwritable_state_dir_fails)
{
	char *missing = xasprintf("%s/none", dir);

	ck_assert_int_eq(reloadstatus_write(missing, 1, 1, NULL), -1);
	free(missing);
}
END_TEST

static Suite *reloadstatus_suite(void)
{
	Suite *s = suite_create("reloadstatus");
	TCase *tc = tcase_create("status");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, no_file_is_no_answer);
	tcase_add_test(tc, a_success_reads_back_with_pid_and_count);
	tcase_add_test(tc, a_refusal_keeps_its_messages_and_replaces_the_last_outcome);
	tcase_add_test(tc, a_damaged_file_is_an_error_not_a_success);
	tcase_add_test(tc, an_unwritable_state_dir_fails);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return testutil_run(reloadstatus_suite());
}
