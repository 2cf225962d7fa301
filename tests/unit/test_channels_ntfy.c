/*
 * notify/ntfy against tests/servers/ntfy_receiver.py, which checks each
 * publish request as ntfy's API takes it (topic path, ASCII headers, Title
 * as an RFC 2047 encoded-word, Priority, Tags, Click, bearer token, body
 * under 4096 bytes); the verdict rules; the token in no detail.
 */
#include "tests/unit/chanrx.h"

#define TOKEN "tk_AgQdq7mVBoFD37zQVN29RhuMzNIz2"
#define TITLE "关于网络主权的讲话 — Remarks on cyber sovereignty"

static void rx_start(void)
{
	rx_start_script("ntfy_receiver.py", TOKEN);
}

/* A channel on the receiver's topic path; token and priority may be NULL. */
static void ntfy_open(const char *path, const char *token, const char *priority)
{
	const char *kv[12] = {"url", rx_url(path), "tags", "speechwatch, loudspeaker"};
	size_t n = 4;

	if (token) {
		kv[n++] = "token_file";
		kv[n++] = secret_file(token);
	}
	if (priority) {
		kv[n++] = "priority";
		kv[n++] = priority;
	}
	chan_open("ntfy", kv);
}

START_TEST(publish_as_ntfy_takes_it)
{
	char *ev = event_json("evt_ntfy1", TITLE, "We respect cyber sovereignty.");
	json_t *line;
	const char *body;
	struct got g;

	ntfy_open("/speechwatch-alerts", TOKEN, "high");
	rx_mode("");
	send_wait("evt_ntfy1", ev, &g);
	ck_assert_msg(g.verdict == NOTIFY_DELIVERED, "%s", g.detail);
	line = rx_last_clean();
	ck_assert_str_eq(json_string_value(json_object_get(line, "method")), "POST");
	ck_assert_str_eq(json_string_value(json_object_get(line, "path")), "/speechwatch-alerts");
	ck_assert_str_eq(json_string_value(json_object_get(line, "title")), TITLE);
	ck_assert_str_eq(rx_header(line, "priority"), "4");
	ck_assert_str_eq(rx_header(line, "tags"), "speechwatch,loudspeaker,cyber-sovereignty");
	ck_assert_str_eq(rx_header(line, "click"),
			 "https://www.fmprc.gov.cn/eng/xw/zyjh/202611/t20261130_11000005.html");
	ck_assert_str_eq(rx_header(line, "authorization"), "Bearer " TOKEN);
	body = json_string_value(json_object_get(line, "body_text"));
	ck_assert_ptr_nonnull(strstr(body, "Cyber sovereignty (score 0.82)\n"));
	ck_assert_ptr_nonnull(strstr(body, "  * We respect cyber sovereignty.\n"));
	json_decref(line);
	free(ev);
}
END_TEST

START_TEST(public_topic_without_token)
{
	char *ev = event_json("evt_ntfy2", "Plain ASCII title", "x");
	json_t *line;
	struct got g;

	ntfy_open("/open-topic", NULL, NULL);
	rx_mode("");
	send_wait("evt_ntfy2", ev, &g);
	ck_assert_msg(g.verdict == NOTIFY_DELIVERED, "%s", g.detail);
	line = rx_last_clean();
	ck_assert_str_eq(rx_header(line, "title"), "Plain ASCII title");
	ck_assert_str_eq(rx_header(line, "priority"), "3");
	ck_assert_ptr_null(rx_header(line, "authorization"));
	json_decref(line);
	free(ev);
}
END_TEST

START_TEST(long_message_cut_below_4096_bytes)
{
	char *long_ev = repeat_char("网", 3000); /* 9000 bytes */
	char *ev = event_json("evt_ntfy3", "t", long_ev);
	json_t *line;
	const char *body;
	struct got g;

	ntfy_open("/speechwatch-alerts", TOKEN, "5");
	rx_mode("");
	send_wait("evt_ntfy3", ev, &g);
	ck_assert_msg(g.verdict == NOTIFY_DELIVERED, "%s", g.detail);
	line = rx_last_clean(); /* the receiver checked <= 4096 bytes of valid UTF-8 */
	body = json_string_value(json_object_get(line, "body_text"));
	ck_assert_uint_ge(strlen(body), 4090);
	ck_assert_str_eq(body + strlen(body) - strlen("网…"), "网…");
	json_decref(line);
	free(ev);
	free(long_ev);
}
END_TEST

START_TEST(verdicts_and_token_never_shown)
{
	char *ev = event_json("evt_ntfy4", TITLE, "x");

	ntfy_open("/speechwatch-alerts", TOKEN, NULL);
	verdicts_check(ev, TOKEN);
	free(ev);
}
END_TEST

START_TEST(config_errors)
{
	const char *bad_prio[] = {"url", "https://ntfy.sh/t", "priority", "loud", NULL};
	const char *bad_tag[] = {"url", "https://ntfy.sh/t", "tags", "ok, not/ok", NULL};
	const char *no_topic[] = {"url", "https://ntfy.sh/", NULL};
	const char *ftp[] = {"url", "ftp://ntfy.sh/t", NULL};
	const char *bad_token[] = {"url", "https://ntfy.sh/t", "token_file", NULL, NULL};

	ck_assert_ptr_nonnull(strstr(chan_open_error("ntfy", bad_prio), "test.conf:4: "));
	ck_assert_ptr_nonnull(strstr(chan_open_error("ntfy", bad_prio), "priority"));
	ck_assert_ptr_nonnull(strstr(chan_open_error("ntfy", bad_tag), "(line 4)"));
	ck_assert_ptr_nonnull(strstr(chan_open_error("ntfy", bad_tag), "\"not/ok\" is not a tag"));
	ck_assert_ptr_nonnull(strstr(chan_open_error("ntfy", no_topic), "topic URL"));
	ck_assert_ptr_nonnull(strstr(chan_open_error("ntfy", ftp),
				     "url: not an http or https URL with a host (line 3)"));
	ck_assert_ptr_nonnull(strstr(chan_open_error("ntfy", NULL), "url"));
	bad_token[3] = secret_file("tk_a b");
	ck_assert_ptr_nonnull(strstr(chan_open_error("ntfy", bad_token), "token_file:"));
	ck_assert_ptr_null(strstr(chan_open_error("ntfy", bad_token), "tk_a"));
}
END_TEST

static Suite *ntfy_suite(void)
{
	Suite *s = suite_create("ntfy");
	TCase *tc = tcase_create("receiver");

	tcase_add_unchecked_fixture(tc, rx_start, rx_stop);
	tcase_add_checked_fixture(tc, loop_setup, loop_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, publish_as_ntfy_takes_it);
	tcase_add_test(tc, public_topic_without_token);
	tcase_add_test(tc, long_message_cut_below_4096_bytes);
	tcase_add_test(tc, verdicts_and_token_never_shown);
	tcase_add_test(tc, config_errors);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return testutil_run(ntfy_suite());
}
