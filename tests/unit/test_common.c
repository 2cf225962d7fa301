#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/clock.h"
#include "common/err.h"
#include "common/log.h"
#include "common/xmalloc.h"
#include "tests/unit/testutil.h"

START_TEST(buf_grows_and_stays_terminated)
{
	struct buf b;

	buf_init(&b);
	ck_assert_str_eq(buf_str(&b), "");
	for (int i = 0; i < 1000; i++)
		buf_printf(&b, "%d,", i);
	ck_assert_uint_gt(b.len, 3000);
	ck_assert_uint_eq(strlen(b.data), b.len);
	ck_assert(strncmp(b.data, "0,1,2,", 6) == 0);
	buf_reset(&b);
	ck_assert_str_eq(buf_str(&b), "");
	buf_append(&b, "a\0b", 3);
	ck_assert_uint_eq(b.len, 3);
	buf_free(&b);
}
END_TEST

START_TEST(buf_steal_returns_owned_string)
{
	struct buf b;
	char *s;

	buf_init(&b);
	s = buf_steal(&b);
	ck_assert_str_eq(s, "");
	free(s);
	buf_append_str(&b, "hello");
	buf_append_char(&b, '!');
	s = buf_steal(&b);
	ck_assert_str_eq(s, "hello!");
	ck_assert_ptr_null(b.data);
	free(s);
}
END_TEST

START_TEST(log_esc_quotes_control_characters)
{
	ck_assert_str_eq(log_esc("a\nb\"c", 100), "a\\x0ab\\x22c");
	ck_assert_str_eq(log_esc("abcdef", 3), "abc...");
	ck_assert_str_eq(log_esc(NULL, 3), "(null)");
}
END_TEST

START_TEST(xasprintf_formats)
{
	char *s = xasprintf("%s-%d", "x", 42);

	ck_assert_str_eq(s, "x-42");
	free(s);
	s = xstrndup("abcdef", 2);
	ck_assert_str_eq(s, "ab");
	free(s);
}
END_TEST

START_TEST(err_set_truncates_and_tolerates_null)
{
	char e[8];

	err_set(e, sizeof(e), "%s:%d: %s", "file.conf", 12, "bad");
	ck_assert_str_eq(e, "file.co");
	err_set(NULL, 10, "ignored %d", 1);
	e[0] = 'x';
	err_set(e, 0, "ignored");
	ck_assert_int_eq(e[0], 'x');
}
END_TEST

START_TEST(clock_values_are_in_range)
{
	double t = clock_wall();

	ck_assert(t > 1.7e9); /* after 2023 */
	for (int i = 0; i < 10000; i++) {
		double u = clock_jitter_unit();
		ck_assert(u >= 0.0 && u < 1.0);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("common");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, buf_grows_and_stays_terminated);
	tcase_add_test(tc, buf_steal_returns_owned_string);
	tcase_add_test(tc, log_esc_quotes_control_characters);
	tcase_add_test(tc, xasprintf_formats);
	tcase_add_test(tc, err_set_truncates_and_tolerates_null);
	tcase_add_test(tc, clock_values_are_in_range);
	suite_add_tcase(s, tc);
	return testutil_run(s);
}
