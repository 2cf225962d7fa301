#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/clock.h"
#include "common/err.h"
#include "common/hmap.h"
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

/* A step of the wall clock moves clock_wall at once and clock_steady not at all. */
START_TEST(clock_steady_ignores_wall_clock_steps)
{
	char path[] = "/tmp/sw-clock-XXXXXX";
	int fd = mkstemp(path);
	double w0, s0;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "-3600\n", 6), 6);
	close(fd);
	w0 = clock_wall();
	s0 = clock_steady();
	ck_assert(fabs(s0 - w0) < 1.0);
	ck_assert_int_eq(setenv("SPEECHWATCH_TEST_CLOCK_OFFSET_FILE", path, 1), 0);
	ck_assert(fabs(clock_wall() - (w0 - 3600)) < 1.0); /* stepped back an hour */
	ck_assert(clock_steady() >= s0 && clock_steady() - s0 < 1.0);
	ck_assert_int_eq(unsetenv("SPEECHWATCH_TEST_CLOCK_OFFSET_FILE"), 0);
	ck_assert(fabs(clock_wall() - w0) < 1.0);
	ck_assert(clock_mono() > 0);
	unlink(path);
}
END_TEST

START_TEST(hmap_maps_bytes_to_values_and_grows)
{
	struct hmap m;
	char key[16];
	const uint32_t *v;

	hmap_init(&m, 4);
	ck_assert_ptr_null(hmap_get(&m, "a", 1, hmap_hash("a", 1)));
	/* enough keys to grow the 4-slot table several times */
	for (uint32_t i = 0; i < 1000; i++) {
		int n = snprintf(key, sizeof(key), "k%u", i);
		hmap_put(&m, key, (size_t)n, hmap_hash(key, (size_t)n), i * 7);
	}
	ck_assert_uint_eq(m.n, 1000);
	ck_assert_uint_ge(m.cap, 2000);
	for (uint32_t i = 0; i < 1000; i++) {
		int n = snprintf(key, sizeof(key), "k%u", i);
		v = hmap_get(&m, key, (size_t)n, hmap_hash(key, (size_t)n));
		ck_assert_ptr_nonnull(v);
		ck_assert_uint_eq(*v, i * 7);
	}
	/* keys are byte strings: a prefix, an embedded NUL and "" are other keys */
	ck_assert_ptr_null(hmap_get(&m, "k1", 1, hmap_hash("k1", 1)));
	hmap_put(&m, "a\0b", 3, hmap_hash("a\0b", 3), 1);
	hmap_put(&m, "", 0, hmap_hash("", 0), 2);
	ck_assert_ptr_null(hmap_get(&m, "a", 1, hmap_hash("a", 1)));
	ck_assert_uint_eq(*hmap_get(&m, "a\0b", 3, hmap_hash("a\0b", 3)), 1);
	ck_assert_uint_eq(*hmap_get(&m, "", 0, hmap_hash("", 0)), 2);
	ck_assert_uint_gt(hmap_memory(&m), m.keys.len);
	/* FNV-1a 32-bit reference values */
	ck_assert_uint_eq(hmap_hash("", 0), 2166136261u);
	ck_assert_uint_eq(hmap_hash("a", 1), 0xe40c292cu);
	hmap_free(&m);
	hmap_free(&m);
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
	tcase_add_test(tc, clock_steady_ignores_wall_clock_steps);
	tcase_add_test(tc, hmap_maps_bytes_to_values_and_grows);
	suite_add_tcase(s, tc);
	return testutil_run(s);
}
