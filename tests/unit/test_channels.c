/*
 * notify/chat: what the chat channels share — counting and cutting by
 * characters (never inside a UTF-8 sequence), the summary built on
 * notify/render, secrets cut out of details, and the 429 body hint taken
 * over a smaller header.
 * Each channel has its own test against its receiver (test_channels_*.c).
 */
#include <check.h>
#include <jansson.h>
#include <string.h>

#include "common/buf.h"
#include "notify/chat.h"
#include "tests/unit/testutil.h"

START_TEST(utf8_count_and_prefix)
{
	const char *s = "a网é😀b"; /* 1 + 3 + 2 + 4 + 1 bytes, 5 characters */

	ck_assert_uint_eq(chat_utf8_count(s, strlen(s)), 5);
	ck_assert_uint_eq(chat_utf8_prefix(s, strlen(s), 0), 0);
	ck_assert_uint_eq(chat_utf8_prefix(s, strlen(s), 1), 1);
	ck_assert_uint_eq(chat_utf8_prefix(s, strlen(s), 2), 4);
	ck_assert_uint_eq(chat_utf8_prefix(s, strlen(s), 3), 6);
	ck_assert_uint_eq(chat_utf8_prefix(s, strlen(s), 4), 10);
	ck_assert_uint_eq(chat_utf8_prefix(s, strlen(s), 9), strlen(s));
}
END_TEST

START_TEST(cap_counts_characters_and_marks_the_cut)
{
	struct buf b;

	buf_init(&b);
	buf_append_str(&b, "网网网网网"); /* 5 characters, 15 bytes */
	chat_cap(&b, 5);
	ck_assert_str_eq(buf_str(&b), "网网网网网");
	chat_cap(&b, 4);
	ck_assert_str_eq(buf_str(&b), "网网网…");
	ck_assert_uint_eq(chat_utf8_count(b.data, b.len), 4);
	buf_reset(&b);
	buf_append_str(&b, "ab😀cd");
	chat_cap(&b, 3);
	ck_assert_str_eq(buf_str(&b), "ab…");
	buf_free(&b);
}
END_TEST

START_TEST(json_str_is_capped_valid_utf8)
{
	json_t *j = chat_json_str("😀😀😀😀", 3);

	ck_assert_ptr_nonnull(j);
	ck_assert_str_eq(json_string_value(j), "😀😀…");
	json_decref(j);
}
END_TEST

START_TEST(redact_every_occurrence)
{
	struct buf d;

	buf_init(&d);
	buf_append_str(&d, "HTTP 401: tok_x bad tok_x!");
	chat_redact(&d, "tok_x");
	ck_assert_str_eq(buf_str(&d), "HTTP 401: [redacted] bad [redacted]!");
	chat_redact(&d, NULL);
	chat_redact(&d, "");
	ck_assert_str_eq(buf_str(&d), "HTTP 401: [redacted] bad [redacted]!");
	buf_free(&d);
}
END_TEST

START_TEST(summary_per_format)
{
	const char *ev = "{\"type\":\"statement.new\",\"id\":\"evt_1\",\"source\":{\"id\":\"s1\","
			 "\"url\":\"https://"
			 "l/\"},\"item\":{\"url\":\"https://a/"
			 "1\",\"title\":\"T\",\"excerpt\":\"E_1\"},\"themes\":"
			 "[{\"id\":\"x\",\"label\":\"X\",\"score\":0.5,\"evidence\":[\"S1\"]}]}";
	struct render_events *r = render_parse(ev, strlen(ev), "evt_1", NULL, 0);
	struct buf b;

	ck_assert_ptr_nonnull(r);
	buf_init(&b);
	chat_summary(r, RENDER_TEXT, &b);
	ck_assert_str_eq(buf_str(&b), "X (score 0.50)\n  * S1\n\nE_1\n\nhttps://a/1\n");
	buf_reset(&b);
	chat_summary(r, RENDER_MARKDOWN, &b);
	ck_assert_str_eq(buf_str(&b), "X (score 0.50)\n  • **S1**\n\nE\\_1\n\n<https://a/1>\n");
	buf_free(&b);
	render_free(r);
}
END_TEST

START_TEST(summary_without_item_is_the_title)
{
	const char *ev = "{\"type\":\"source.failing\",\"source\":{\"id\":\"s1\",\"url\":\"\"}}";
	struct render_events *r = render_parse(ev, strlen(ev), "evt_9", NULL, 0);
	struct buf b;

	ck_assert_ptr_nonnull(r);
	buf_init(&b);
	chat_summary(r, RENDER_TEXT, &b);
	ck_assert_str_eq(buf_str(&b), "source.failing s1");
	buf_free(&b);
	render_free(r);
}
END_TEST

static double hint_64(const char *body, size_t len)
{
	(void)body;
	(void)len;
	return 64.2;
}

START_TEST(classify_takes_the_larger_retry_hint)
{
	char secret[] = "sekrit";
	struct chat c = {.secret = secret, .body_retry_after = hint_64};
	struct http_response r = {
	    .result = HTTP_RES_OK, .status = 429, .body = "sekrit", .body_len = 6};
	struct notify_outcome o = {0};
	struct buf d;

	buf_init(&d);
	r.retry_after_s = 10;
	chat_classify(&c, &r, &o, &d);
	ck_assert_int_eq(o.verdict, NOTIFY_RETRY);
	ck_assert_double_eq(o.retry_after_s, 65.);
	ck_assert_ptr_null(strstr(buf_str(&d), "sekrit"));
	buf_reset(&d);
	r.retry_after_s = 100;
	chat_classify(&c, &r, &o, &d);
	ck_assert_double_eq(o.retry_after_s, 100.);
	buf_reset(&d);
	r.status = 503;
	chat_classify(&c, &r, &o, &d);
	ck_assert_double_eq(o.retry_after_s, 100.);
	buf_free(&d);
}
END_TEST

START_TEST(url_checks)
{
	ck_assert(notify_url_web("https://ntfy.sh/alerts"));
	ck_assert(notify_url_web("http://127.0.0.1:8080/x"));
	ck_assert(!notify_url_web("ftp://h/x"));
	ck_assert(!notify_url_web("not a url"));
	ck_assert(!notify_url_web(NULL));
}
END_TEST

START_TEST(json_start_refuses_more_headers_than_it_holds)
{
	const char *five[] = {"A: 1", "B: 2", "C: 3", "D: 4", "E: 5", NULL};
	char url[] = "http://127.0.0.1:9/x", id[] = "c5";
	struct chat c = {.url = url};
	struct notify_channel ch = {.id = id, .priv = &c};
	struct notify_pending p = {.ch = &ch};
	char err[128] = "";

	/* No http engine: refused before anything would be sent. */
	ck_assert_int_eq(
	    chat_start_json(&ch, &p, "POST", c.url, five, json_object(), err, sizeof(err)), -1);
	ck_assert_str_eq(err, "channel c5: more than 4 headers");
	ck_assert_ptr_null(p.req);
}
END_TEST

static Suite *channels_suite(void)
{
	Suite *s = suite_create("channels");
	TCase *tc = tcase_create("chat");

	tcase_add_test(tc, utf8_count_and_prefix);
	tcase_add_test(tc, cap_counts_characters_and_marks_the_cut);
	tcase_add_test(tc, json_str_is_capped_valid_utf8);
	tcase_add_test(tc, redact_every_occurrence);
	tcase_add_test(tc, summary_per_format);
	tcase_add_test(tc, summary_without_item_is_the_title);
	tcase_add_test(tc, classify_takes_the_larger_retry_hint);
	tcase_add_test(tc, url_checks);
	tcase_add_test(tc, json_start_refuses_more_headers_than_it_holds);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return testutil_run(channels_suite());
}
