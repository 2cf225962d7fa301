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
#include "common/printable.h"
#include "common/urlcred.h"
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

/* Room reserved is room kept: the appends that fit it move nothing. */
START_TEST(buf_reserve_makes_room_for_appends)
{
	struct buf b;
	const char *at;

	buf_init(&b);
	buf_append_str(&b, "ab");
	buf_reserve(&b, 1000);
	ck_assert_uint_ge(b.cap, 1003);
	ck_assert_str_eq(buf_str(&b), "ab");
	at = b.data;
	for (int i = 0; i < 100; i++)
		buf_append_str(&b, "0123456789");
	ck_assert_ptr_eq(b.data, at);
	ck_assert_uint_eq(b.len, 1002);
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

/* Runs fn with stderr going to a temp file; returns what was written by then (caller frees). */
static char *stderr_during(void (*fn)(void))
{
	FILE *tmp = tmpfile();
	int saved = dup(2);
	char *out = xcalloc(1, 4096);

	ck_assert_ptr_nonnull(tmp);
	fflush(stderr);
	ck_assert_int_ge(dup2(fileno(tmp), 2), 0);
	fn();
	ck_assert_int_ge(dup2(saved, 2), 0);
	close(saved);
	rewind(tmp);
	ck_assert(fread(out, 1, 4095, tmp) < 4095);
	fclose(tmp);
	return out;
}

static void held_info_then_nothing(void)
{
	log_hold(1);
	log_info("first %d", 1);
	log_info("second");
}

static void held_info_then_warning(void)
{
	log_info("third");
	log_warnx("a warning");
}

static void flush_then_release(void)
{
	log_info("fourth");
	log_flush();
	log_info("fifth");
	log_hold(0);
	log_info("sixth");
}

START_TEST(held_lines_wait_for_a_flush_or_a_warning)
{
	char *a = stderr_during(held_info_then_nothing);
	char *b = stderr_during(held_info_then_warning);
	char *c = stderr_during(flush_then_release);

	ck_assert_str_eq(a, ""); /* held */
	/* a warning writes what was held first, in order, then itself */
	ck_assert_str_eq(b, "<6>first 1\n<6>second\n<6>third\n<4>a warning\n");
	ck_assert_str_eq(c, "<6>fourth\n<6>fifth\n<6>sixth\n");
	free(a);
	free(b);
	free(c);
}
END_TEST

START_TEST(log_esc_quotes_control_characters)
{
	ck_assert_str_eq(log_esc("a\nb\"c", 100), "a\\x0ab\\x22c");
	ck_assert_str_eq(log_esc("abcdef", 3), "abc...");
	ck_assert_str_eq(log_esc(NULL, 3), "(null)");
}
END_TEST

/* Terminal and log injection: controls, C1, bidi and broken UTF-8 are escaped. */
START_TEST(printable_escapes_controls_bidi_and_bad_utf8)
{
	static const struct {
		const char *in, *out;
		int flags;
	} cases[] = {
	    {"plain caf\xc3\xa9 \xe2\x80\x94 \xe6\x97\xa5",
	     "plain caf\xc3\xa9 \xe2\x80\x94 \xe6\x97\xa5", 0},
	    {"\x1b[2J\x1b[1;31mred", "\\x1b[2J\\x1b[1;31mred", 0},
	    {"a\x7f\x01z", "a\\x7f\\x01z", 0},
	    {"c1 \xc2\x9b"
	     "31m \xc2\x85!",
	     "c1 \\u{009B}31m \\u{0085}!", 0},
	    {"evil\xe2\x80\xaegnp.exe", "evil\\u{202E}gnp.exe", 0},
	    {"\xe2\x81\xa6x\xe2\x81\xa9 \xe2\x80\x8f \xd8\x9c \xe2\x80\xa8",
	     "\\u{2066}x\\u{2069} \\u{200F} \\u{061C} \\u{2028}", 0},
	    {"bad \xff \xc3 \xed\xa0\x80 \xc0\xaf", "bad \\xff \\xc3 \\xed\\xa0\\x80 \\xc0\\xaf",
	     0},
	    {"cut \xe2\x80", "cut \\xe2\\x80", 0},
	    {"two\nlines\tand\r", "two\\x0alines\\x09and\\x0d", 0},
	    {"two\nlines\tand\r", "two\nlines\tand\\x0d", PRINTABLE_LINES},
	    {"back\\slash \"q\"", "back\\slash \"q\"", 0},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = printable(cases[i].in, cases[i].flags);

		ck_assert_msg(strcmp(got, cases[i].out) == 0, "case %zu: got '%s'", i, got);
		ck_assert_int_eq(
		    printable_is_clean(cases[i].in, strlen(cases[i].in), cases[i].flags),
		    strcmp(cases[i].in, cases[i].out) == 0);
		free(got);
	}
	{
		char *empty = printable(NULL, 0);

		ck_assert_str_eq(empty, "");
		free(empty);
	}
}
END_TEST

static void log_hostile_title(void)
{
	log_warnx("title '%s' from %s",
		  "\x1b[2J\xc2\x9b"
		  "1;31mred\xe2\x80\xae"
		  "fdp.exe\ntail",
		  log_esc("\xe2\x80\xaex", 20));
}

/* The whole log line is escaped, also text a caller did not pass through log_esc. */
START_TEST(log_lines_escape_what_callers_did_not)
{
	char *out = stderr_during(log_hostile_title);

	ck_assert_str_eq(out, "<4>title '\\x1b[2J\\u{009B}1;31mred\\u{202E}fdp.exe tail' from "
			      "\\u{202E}x\n");
	free(out);
}
END_TEST

/* Credentials in URLs stay in the request: stripped, redacted, re-applied per origin. */
START_TEST(urlcred_strips_redacts_and_applies_per_origin)
{
	static const struct {
		const char *in, *stripped;
	} strip[] = {
	    {"http://user:pw@host.example/list?a=b", "http://host.example/list?a=b"},
	    {"https://tok@host.example:8443", "https://host.example:8443"},
	    {"http://u:p%40x@h/a@b", "http://h/a@b"},
	    {"http://h/path?x=a@b#c", "http://h/path?x=a@b#c"},
	    {"mailto:a@b", "mailto:a@b"},
	    {"/relative@x", "/relative@x"},
	};
	char *s;

	for (size_t i = 0; i < sizeof(strip) / sizeof(strip[0]); i++) {
		s = urlcred_strip(strip[i].in);
		ck_assert_str_eq(s, strip[i].stripped);
		ck_assert_int_eq(urlcred_has(strip[i].in), strcmp(strip[i].in, s) != 0);
		free(s);
	}
	ck_assert_ptr_null(urlcred_strip(NULL));
	s = urlcred_redact("poll url=http://alice:s3cret@h.example/x failed; "
			   "retry https://TOKEN@api.example/?q=a@b and ftp://h/");
	ck_assert_str_eq(s, "poll url=http://alice:***@h.example/x failed; "
			    "retry https://***@api.example/?q=a@b and ftp://h/");
	free(s);
	ck_assert_ptr_null(urlcred_redact("no credentials http://h/a@b, a@b ://x@y"));
	s = urlcred_apply("http://H.example/a/1", "http://u:p@h.example/list");
	ck_assert_str_eq(s, "http://u:p@H.example/a/1");
	free(s);
	ck_assert_ptr_null(urlcred_apply("http://other.example/a", "http://u:p@h.example/list"));
	ck_assert_ptr_null(urlcred_apply("https://h.example/a", "http://u:p@h.example/list"));
	ck_assert_ptr_null(urlcred_apply("http://h.example:81/a", "http://u:p@h.example/list"));
	ck_assert_ptr_null(urlcred_apply("http://h.example/a", "http://h.example/list"));
	ck_assert_ptr_null(urlcred_apply("http://x:y@h.example/a", "http://u:p@h.example/list"));
	s = urlcred_with_password("https://alice@h.example/l?x=@", "p@ss:w/rd ~é");
	ck_assert_str_eq(s, "https://alice:p%40ss%3Aw%2Frd%20~%C3%A9@h.example/l?x=@");
	free(s);
	ck_assert_ptr_null(urlcred_with_password("https://h.example/", "pw"));
	ck_assert_ptr_null(urlcred_with_password("https://a:b@h.example/", "pw"));
	ck_assert_ptr_null(urlcred_with_password("https://@h.example/", "pw"));
}
END_TEST

static void log_credentialed_url(void)
{
	log_info("source=s url=%s", "http://alice:s3cret@h.example/list");
}

/* Whatever a caller formats, a URL's password does not reach the log. */
START_TEST(log_lines_hide_url_passwords)
{
	char *out = stderr_during(log_credentialed_url);

	ck_assert_str_eq(out, "<6>source=s url=http://alice:***@h.example/list\n");
	free(out);
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
	tcase_add_test(tc, buf_reserve_makes_room_for_appends);
	tcase_add_test(tc, log_esc_quotes_control_characters);
	tcase_add_test(tc, printable_escapes_controls_bidi_and_bad_utf8);
	tcase_add_test(tc, log_lines_escape_what_callers_did_not);
	tcase_add_test(tc, urlcred_strips_redacts_and_applies_per_origin);
	tcase_add_test(tc, log_lines_hide_url_passwords);
	tcase_add_test(tc, held_lines_wait_for_a_flush_or_a_warning);
	tcase_add_test(tc, xasprintf_formats);
	tcase_add_test(tc, err_set_truncates_and_tolerates_null);
	tcase_add_test(tc, clock_values_are_in_range);
	tcase_add_test(tc, clock_steady_ignores_wall_clock_steps);
	tcase_add_test(tc, hmap_maps_bytes_to_values_and_grows);
	suite_add_tcase(s, tc);
	return testutil_run(s);
}
