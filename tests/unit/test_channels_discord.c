/*
 * notify/discord against tests/servers/discord_receiver.py, which checks
 * each request as Discord's execute-webhook takes it (path, JSON content and
 * embeds, the 2,000/4,096/6,000-character limits counted in code points,
 * mentions off); the verdict rules, the 429 body's retry_after; the
 * webhook token in no detail.
 */
#include "notify/chat.h"
#include "tests/unit/chanrx.h"

#define HOOK_TOKEN "aBcD-eFgH_1234567890abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTU"
#define HOOK_PATH "/api/webhooks/1180000000000000000/" HOOK_TOKEN

static void rx_start(void)
{
	rx_start_script("discord_receiver.py", HOOK_TOKEN);
}

static void discord_open(void)
{
	const char *kv[] = {"url", rx_url(HOOK_PATH), NULL};

	chan_open("discord", kv);
}

static json_t *embed(json_t *line)
{
	return json_array_get(json_object_get(json_object_get(line, "json"), "embeds"), 0);
}

static const char *jget(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

START_TEST(webhook_as_discord_takes_it)
{
	char *ev = event_json("evt_disc1", "Remarks *on* cyber_space",
			      "@everyone should respect cyber sovereignty.");
	json_t *line, *em;
	struct got g;

	discord_open();
	rx_mode("");
	send_wait("evt_disc1", ev, &g);
	ck_assert_msg(g.verdict == NOTIFY_DELIVERED, "%s", g.detail);
	ck_assert_int_eq(g.status, 204);
	line = rx_last_clean();
	ck_assert_str_eq(jget(json_object_get(line, "json"), "content"),
			 "**Remarks \\*on\\* cyber\\_space** — Cyber sovereignty");
	em = embed(line);
	ck_assert_str_eq(jget(em, "title"), "Remarks *on* cyber_space");
	ck_assert_str_eq(jget(em, "url"),
			 "https://www.fmprc.gov.cn/eng/xw/zyjh/202611/t20261130_11000005.html");
	ck_assert_str_eq(jget(em, "timestamp"), "2026-11-30T05:31:41Z");
	ck_assert_str_eq(
	    jget(em, "description"),
	    "Cyber sovereignty (score 0.82)\n"
	    "  • **@everyone should respect cyber sovereignty.**\n"
	    "\nDistinguished guests, ladies and gentlemen, ...\n"
	    "\n<https://www.fmprc.gov.cn/eng/xw/zyjh/202611/t20261130_11000005.html>\n");
	json_decref(line);
	free(ev);
}
END_TEST

START_TEST(limits_in_characters_never_inside_one)
{
	char *title = repeat_char("😀", 2500);	  /* 10,000 bytes */
	char *evidence = repeat_char("网", 5000); /* 15,000 bytes */
	char *ev = event_json("evt_disc2", title, evidence);
	json_t *line, *em;
	const char *content, *desc;
	struct got g;

	discord_open();
	rx_mode("");
	send_wait("evt_disc2", ev, &g);
	ck_assert_msg(g.verdict == NOTIFY_DELIVERED, "%s", g.detail);
	line = rx_last_clean(); /* the receiver counted code points and parsed UTF-8 */
	content = jget(json_object_get(line, "json"), "content");
	em = embed(line);
	desc = jget(em, "description");
	ck_assert_uint_eq(chat_utf8_count(content, strlen(content)), 2000);
	ck_assert_uint_eq(chat_utf8_count(jget(em, "title"), strlen(jget(em, "title"))), 256);
	ck_assert_uint_eq(chat_utf8_count(desc, strlen(desc)), 4096);
	ck_assert_str_eq(content + strlen(content) - strlen("😀…"), "😀…");
	ck_assert_str_eq(desc + strlen(desc) - strlen("网…"), "网…");
	json_decref(line);
	free(ev);
	free(title);
	free(evidence);
}
END_TEST

START_TEST(rate_limit_body_retry_after)
{
	char *ev = event_json("evt_disc3", "t", "x");
	struct got g;

	discord_open();
	/* {"message": "You are being rate limited.", "retry_after": 64.57, "global": false} */
	rx_mode("status=429&retry_after=1&body=%7B%22message%22%3A%22You%20are%20being%20rate%"
		"20limited.%22%2C%22retry_after%22%3A64.57%2C%22global%22%3Afalse%7D");
	send_wait("evt_disc3", ev, &g);
	ck_assert_int_eq(g.verdict, NOTIFY_RETRY);
	ck_assert_double_eq(g.retry_after, 65.);
	free(ev);
}
END_TEST

START_TEST(verdicts_and_token_never_shown)
{
	char *ev = event_json("evt_disc4", "t", "x");

	discord_open();
	verdicts_check(ev, HOOK_TOKEN);
	free(ev);
}
END_TEST

START_TEST(config_errors)
{
	const char *no_path[] = {"url", "https://discord.com/", NULL};
	const char *no_scheme[] = {"url", "discord.com/api/webhooks/1/" HOOK_TOKEN, NULL};

	ck_assert_ptr_nonnull(strstr(chan_open_error("discord", NULL), "url"));
	ck_assert_ptr_nonnull(strstr(chan_open_error("discord", no_path), "no webhook path"));
	ck_assert_ptr_nonnull(strstr(chan_open_error("discord", no_scheme), "url: not an http"));
	/* the URL is a credential: never quoted back */
	ck_assert_ptr_null(strstr(chan_open_error("discord", no_scheme), HOOK_TOKEN));
}
END_TEST

static Suite *discord_suite(void)
{
	Suite *s = suite_create("discord");
	TCase *tc = tcase_create("receiver");

	tcase_add_unchecked_fixture(tc, rx_start, rx_stop);
	tcase_add_checked_fixture(tc, loop_setup, loop_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, webhook_as_discord_takes_it);
	tcase_add_test(tc, limits_in_characters_never_inside_one);
	tcase_add_test(tc, rate_limit_body_retry_after);
	tcase_add_test(tc, verdicts_and_token_never_shown);
	tcase_add_test(tc, config_errors);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return testutil_run(discord_suite());
}
