/*
 * notify/slack against tests/servers/slack_receiver.py, which checks each
 * request as Slack's incoming webhooks take it (path, JSON text + blocks,
 * Block Kit limits, escaped mrkdwn); the verdict rules; the URL's secret
 * segment in no detail.
 */
#include "notify/chat.h"
#include "tests/unit/chanrx.h"

#define HOOK_SECRET "XXXXXXXXXXXXXXXXXXXXXXXX"
#define HOOK_PATH "/services/T00000000/B00000000/" HOOK_SECRET

static void rx_start(void)
{
	rx_start_script("slack_receiver.py", HOOK_SECRET);
}

static void slack_open(void)
{
	const char *kv[] = {"url", rx_url(HOOK_PATH), NULL};

	chan_open("slack", kv);
}

static json_t *block(json_t *line, size_t i)
{
	return json_array_get(json_object_get(json_object_get(line, "json"), "blocks"), i);
}

static const char *block_text(json_t *b)
{
	return json_string_value(json_object_get(json_object_get(b, "text"), "text"));
}

START_TEST(webhook_as_slack_takes_it)
{
	char *ev = event_json("evt_slack1", "Remarks <at> the WIC & more",
			      "We oppose <!channel> hegemony & bullying.");
	json_t *line, *ctx;
	struct got g;

	slack_open();
	rx_mode("");
	send_wait("evt_slack1", ev, &g);
	ck_assert_msg(g.verdict == NOTIFY_DELIVERED, "%s", g.detail);
	line = rx_last_clean();
	ck_assert_str_eq(json_string_value(json_object_get(line, "path")), HOOK_PATH);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(line, "json"), "text")),
			 "Remarks &lt;at&gt; the WIC &amp; more "
			 "https://www.fmprc.gov.cn/eng/xw/zyjh/202611/t20261130_11000005.html");
	ck_assert_str_eq(json_string_value(json_object_get(block(line, 0), "type")), "header");
	ck_assert_str_eq(block_text(block(line, 0)), "Remarks <at> the WIC & more");
	ck_assert_str_eq(block_text(block(line, 1)),
			 "Cyber sovereignty (score 0.82)\n"
			 "  * We oppose &lt;!channel&gt; hegemony &amp; bullying.\n"
			 "\nDistinguished guests, ladies and gentlemen, ...");
	ctx = json_array_get(json_object_get(block(line, 2), "elements"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(ctx, "text")),
			 "cn-mfa-en-speeches · 2026-11-30T14:06:00+08:00 · "
			 "<https://www.fmprc.gov.cn/eng/xw/zyjh/202611/"
			 "t20261130_11000005.html|Open the statement>");
	json_decref(line);
	free(ev);
}
END_TEST

START_TEST(block_kit_limits_in_characters)
{
	char *title = repeat_char("网", 400);
	char *evidence = repeat_char("é", 5000);
	char *ev = event_json("evt_slack2", title, evidence);
	json_t *line;
	const char *h, *s;
	struct got g;

	slack_open();
	rx_mode("");
	send_wait("evt_slack2", ev, &g);
	ck_assert_msg(g.verdict == NOTIFY_DELIVERED, "%s", g.detail);
	line = rx_last_clean(); /* the receiver counted 150 and 3,000 characters */
	h = block_text(block(line, 0));
	s = block_text(block(line, 1));
	ck_assert_uint_eq(chat_utf8_count(h, strlen(h)), 150);
	ck_assert_uint_eq(chat_utf8_count(s, strlen(s)), 3000);
	ck_assert_str_eq(s + strlen(s) - strlen("é…"), "é…");
	json_decref(line);
	free(ev);
	free(title);
	free(evidence);
}
END_TEST

START_TEST(verdicts_and_url_secret_never_shown)
{
	char *ev = event_json("evt_slack3", "t", "x");

	slack_open();
	verdicts_check(ev, HOOK_SECRET);
	free(ev);
}
END_TEST

START_TEST(config_errors)
{
	const char *no_scheme[] = {"url", "hooks.slack.com/services/T0/B0/" HOOK_SECRET, NULL};
	const char *no_path[] = {"url", "https://hooks.slack.com/", NULL};
	const char *slow[] = {"url", "https://hooks.slack.com/services/T0/B0/x", "timeout", "1h",
			      NULL};

	ck_assert_ptr_nonnull(strstr(chan_open_error("slack", NULL), "url"));
	ck_assert_ptr_nonnull(strstr(chan_open_error("slack", no_scheme), "url: not an http"));
	/* the URL is a credential: never quoted back */
	ck_assert_ptr_null(strstr(chan_open_error("slack", no_scheme), HOOK_SECRET));
	ck_assert_ptr_nonnull(strstr(chan_open_error("slack", no_path), "no webhook path"));
	ck_assert_ptr_nonnull(strstr(chan_open_error("slack", slow), "test.conf:4: "));
}
END_TEST

static Suite *slack_suite(void)
{
	Suite *s = suite_create("slack");
	TCase *tc = tcase_create("receiver");

	tcase_add_unchecked_fixture(tc, rx_start, rx_stop);
	tcase_add_checked_fixture(tc, loop_setup, loop_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, webhook_as_slack_takes_it);
	tcase_add_test(tc, block_kit_limits_in_characters);
	tcase_add_test(tc, verdicts_and_url_secret_never_shown);
	tcase_add_test(tc, config_errors);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return testutil_run(slack_suite());
}
