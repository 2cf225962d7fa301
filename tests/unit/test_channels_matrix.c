/*
 * notify/matrix against tests/servers/matrix_receiver.py, which checks each
 * request as the client-server API v3 send-event endpoint takes it (PUT,
 * percent-encoded room and transaction ids, bearer access token, message
 * content) and, like a homeserver, recognises a repeated transaction id;
 * the verdict rules, the 429 body's retry_after_ms; the token in no detail.
 */
#include "tests/unit/chanrx.h"

#define TOKEN "syt_c3BlZWNod2F0Y2g_AbCdEfGhIjKlMnOpQrSt_0a1b2c"
#define ROOM "!OGEhHVWSdvArJzumhm:example.org"
#define ROOM_ENC "%21OGEhHVWSdvArJzumhm%3Aexample.org"

static void rx_start(void)
{
	rx_start_script("matrix_receiver.py", TOKEN);
}

static void matrix_open(const char *hs_path)
{
	const char *kv[] = {"url",	  rx_url(hs_path),    "room", ROOM,
			    "token_file", secret_file(TOKEN), NULL};

	chan_open("matrix", kv);
}

static const char *jget(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

START_TEST(send_event_as_matrix_takes_it)
{
	char *ev = event_json("evt_mx1", "Remarks <b>on</b> cyber sovereignty", "Respect & trust.");
	json_t *line, *content;
	struct got g;

	matrix_open("/"); /* a trailing slash on the homeserver URL is dropped */
	rx_mode("");
	send_wait("evt_mx1", ev, &g);
	ck_assert_msg(g.verdict == NOTIFY_DELIVERED, "%s", g.detail);
	line = rx_last_clean();
	ck_assert_str_eq(jget(line, "method"), "PUT");
	ck_assert_str_eq(jget(line, "path"),
			 "/_matrix/client/v3/rooms/" ROOM_ENC "/send/m.room.message/evt_mx1");
	ck_assert_str_eq(jget(line, "room"), ROOM);
	ck_assert_str_eq(jget(line, "txn"), "evt_mx1");
	ck_assert_str_eq(rx_header(line, "authorization"), "Bearer " TOKEN);
	content = json_object_get(line, "json");
	ck_assert_str_eq(jget(content, "msgtype"), "m.notice");
	ck_assert_str_eq(jget(content, "format"), "org.matrix.custom.html");
	ck_assert_ptr_nonnull(strstr(jget(content, "body"),
				     "Remarks <b>on</b> cyber sovereignty\n\n"
				     "Cyber sovereignty (score 0.82)\n"
				     "  * Respect & trust.\n"));
	ck_assert_ptr_nonnull(strstr(jget(content, "formatted_body"),
				     "<b>Remarks &lt;b&gt;on&lt;/b&gt; cyber sovereignty</b><br>"
				     "Cyber sovereignty (score 0.82)<br>"
				     "  &bull; <b>Respect &amp; trust.</b><br>"));
	json_decref(line);
	free(ev);
}
END_TEST

/* The title once, then why: a failing source says its last error. */
START_TEST(event_without_item_is_its_title_and_why)
{
	const char *ev = "{\"type\":\"source.failing\",\"id\":\"evt_mx5\",\"source\":{\"id\":"
			 "\"ru-mid\",\"url\":\"\"},\"failures\":5,\"error\":\"HTTP 503\"}";
	json_t *line, *content;
	struct got g;

	matrix_open("");
	rx_mode("");
	send_wait("evt_mx5", ev, &g);
	ck_assert_msg(g.verdict == NOTIFY_DELIVERED, "%s", g.detail);
	line = rx_last_clean();
	content = json_object_get(line, "json");
	ck_assert_str_eq(jget(content, "body"), "source.failing ru-mid\n\nLast error: HTTP 503\n");
	ck_assert_str_eq(jget(content, "formatted_body"),
			 "<b>source.failing ru-mid</b><br>Last error: HTTP 503<br>");
	json_decref(line);
}
END_TEST

START_TEST(retry_reuses_the_transaction_id)
{
	char *ev = event_json("evt_mx2", "t", "x");
	json_t *all, *a, *b;
	size_t n;
	struct got g;

	matrix_open("");
	rx_mode("status=502");
	send_wait("evt_mx2", ev, &g);
	ck_assert_int_eq(g.verdict, NOTIFY_RETRY);
	rx_mode("");
	send_wait("evt_mx2", ev, &g);
	ck_assert_msg(g.verdict == NOTIFY_DELIVERED, "%s", g.detail);
	all = rx_lines();
	n = json_array_size(all);
	ck_assert_uint_ge(n, 2);
	a = json_array_get(all, n - 2);
	b = json_array_get(all, n - 1);
	ck_assert_str_eq(jget(a, "path"), jget(b, "path"));
	ck_assert_str_eq(jget(b, "txn"), "evt_mx2");
	ck_assert(json_is_true(json_object_get(b, "duplicate")));
	ck_assert_str_eq(jget(a, "event_id"), jget(b, "event_id"));
	json_decref(all);
	free(ev);
}
END_TEST

START_TEST(rate_limit_body_retry_after_ms)
{
	char *ev = event_json("evt_mx3", "t", "x");
	struct got g;

	matrix_open("");
	/* {"errcode": "M_LIMIT_EXCEEDED", "error": "Too many requests", "retry_after_ms": 90500} */
	rx_mode("status=429&body=%7B%22errcode%22%3A%22M_LIMIT_EXCEEDED%22%2C%22error%22%3A%22Too%"
		"20many%20requests%22%2C%22retry_after_ms%22%3A90500%7D");
	send_wait("evt_mx3", ev, &g);
	ck_assert_int_eq(g.verdict, NOTIFY_RETRY);
	ck_assert_double_eq(g.retry_after, 91.);
	ck_assert_ptr_nonnull(strstr(g.detail, "M_LIMIT_EXCEEDED"));
	free(ev);
}
END_TEST

START_TEST(verdicts_and_token_never_shown)
{
	char *ev = event_json("evt_mx4", "t", "x");

	matrix_open("");
	verdicts_check(ev, TOKEN);
	free(ev);
}
END_TEST

START_TEST(config_errors)
{
	const char *no_room[] = {"url", "https://matrix.example.org", "token_file", NULL, NULL};
	const char *alias[] = {"url",	     "https://matrix.example.org",
			       "room",	     "#speeches:example.org",
			       "token_file", NULL,
			       NULL};
	const char *no_token[] = {"url", "https://matrix.example.org", "room", ROOM, NULL};
	const char *no_scheme[] = {"url", "matrix.example.org", "room", ROOM, "token_file", NULL,
				   NULL};

	no_room[3] = alias[5] = no_scheme[5] = secret_file(TOKEN);
	ck_assert_ptr_nonnull(strstr(chan_open_error("matrix", no_room), "room"));
	ck_assert_ptr_nonnull(strstr(chan_open_error("matrix", alias), "not an #alias) (line 4)"));
	ck_assert_ptr_nonnull(strstr(chan_open_error("matrix", no_token), "token_file"));
	ck_assert_ptr_nonnull(strstr(chan_open_error("matrix", no_scheme), "url: not an http"));
	secret_file("syt_a b");
	ck_assert_ptr_nonnull(strstr(chan_open_error("matrix", alias), "token_file:"));
	ck_assert_ptr_null(strstr(chan_open_error("matrix", alias), "syt_a"));
}
END_TEST

static Suite *matrix_suite(void)
{
	Suite *s = suite_create("matrix");
	TCase *tc = tcase_create("receiver");

	tcase_add_unchecked_fixture(tc, rx_start, rx_stop);
	tcase_add_checked_fixture(tc, loop_setup, loop_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, send_event_as_matrix_takes_it);
	tcase_add_test(tc, event_without_item_is_its_title_and_why);
	tcase_add_test(tc, retry_reuses_the_transaction_id);
	tcase_add_test(tc, rate_limit_body_retry_after_ms);
	tcase_add_test(tc, verdicts_and_token_never_shown);
	tcase_add_test(tc, config_errors);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return testutil_run(matrix_suite());
}
