/*
 * config/: the [http] section (config/http.c): listen addresses, the rule
 * that a non-loopback listen needs a token or an explicit allow_anonymous,
 * and token_file read like a password file.
 */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/buf.h"
#include "common/xmalloc.h"
#include "config/config.h"
#include "tests/unit/testutil.h"

#define TOKEN "0123456789abcdef0123456789abcdef"

static char *dir;
static char *main_path;
static struct buf errs;

static void setup(void)
{
	dir = testutil_tmpdir();
	main_path = xasprintf("%s/main.conf", dir);
	buf_init(&errs);
}

static void teardown(void)
{
	testutil_rmtree(dir);
	free(dir);
	free(main_path);
	buf_free(&errs);
}

static char *write_mode(const char *name, const char *text, mode_t mode)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	ck_assert_int_eq(chmod(path, mode), 0);
	return path;
}

/* Loads "[http]\n" + body (so body's first line is line 2), with or without secrets. */
static struct config *load_with(const char *body, unsigned flags)
{
	char *text = xasprintf("[http]\n%s", body);

	free(write_mode("main.conf", text, 0600));
	free(text);
	buf_reset(&errs);
	return config_load_with(main_path, flags, &errs);
}

static struct config *load_ok(const char *body)
{
	struct config *cfg = load_with(body, CONFIG_LOAD_SECRETS);

	ck_assert_msg(cfg != NULL, "refused:\n%s", buf_str(&errs));
	return cfg;
}

static void refused(const char *body, int line, const char *message)
{
	char *want = xasprintf("%s:%d: %s", main_path, line, message);

	ck_assert_ptr_null(load_with(body, CONFIG_LOAD_SECRETS));
	ck_assert_msg(strstr(buf_str(&errs), want) != NULL, "want: %s\ngot:\n%s", want,
		      buf_str(&errs));
	free(want);
}

START_TEST(off_by_default)
{
	struct config *cfg = load_ok("");

	ck_assert_ptr_null(cfg->http.listen);
	ck_assert_ptr_null(cfg->http.token);
	ck_assert_int_eq(cfg->http.allow_anonymous, 0);
	config_free(cfg);
}
END_TEST

START_TEST(ipv4_and_ipv6_listen_addresses)
{
	struct config *cfg = load_ok("listen = 127.0.0.1:8428\n");
	const struct sockaddr_in *in = (const struct sockaddr_in *)&cfg->http.addr;
	const struct sockaddr_in6 *in6;

	ck_assert_int_eq(in->sin_family, AF_INET);
	ck_assert_int_eq(ntohs(in->sin_port), 8428);
	ck_assert_uint_eq(ntohl(in->sin_addr.s_addr), 0x7f000001u);
	ck_assert_int_eq(cfg->http.addrlen, sizeof(*in));
	ck_assert_int_eq(cfg->http.loopback, 1);
	ck_assert_int_eq(cfg->http.at.line, 2);
	config_free(cfg);

	cfg = load_ok("listen = [::1]:0\n");
	in6 = (const struct sockaddr_in6 *)&cfg->http.addr;
	ck_assert_int_eq(in6->sin6_family, AF_INET6);
	ck_assert_int_eq(ntohs(in6->sin6_port), 0);
	ck_assert_int_eq(cfg->http.loopback, 1);
	config_free(cfg);

	cfg = load_ok("listen = 127.8.9.10:65535\n");
	ck_assert_int_eq(cfg->http.loopback, 1);
	config_free(cfg);
}
END_TEST

START_TEST(bad_listen_addresses)
{
	static const char *const bad[] = {
	    "localhost:8428", "127.0.0.1",    "127.0.0.1:",	"127.0.0.1:65536", "127.0.0.1:80x",
	    "::1:8428",	      "[::1]8428",    "[::1:8428",	"[]:8428",	   "1.2.3:8428",
	    ":8428",	      "127.0.0.1:-1", "[127.0.0.1]:80",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *body = xasprintf("listen = %s\n", bad[i]);
		char *msg = xasprintf("listen: '%s' is not ADDRESS:PORT", bad[i]);

		refused(body, 2, msg);
		free(body);
		free(msg);
	}
}
END_TEST

START_TEST(non_loopback_needs_a_token_or_allow_anonymous)
{
	char *token = write_mode("token", TOKEN "\n", 0600);
	char *with_token = xasprintf("listen = 0.0.0.0:8428\ntoken_file = %s\n", token);
	struct config *cfg;

	refused("\nlisten = 0.0.0.0:8428\n", 3,
		"listen = 0.0.0.0:8428 is not a loopback address: set token_file");
	refused("listen = [::]:8428\n", 2, "listen = [::]:8428 is not a loopback address");
	refused("listen = 192.168.1.5:80\nallow_anonymous = no\n", 2,
		"listen = 192.168.1.5:80 is not a loopback address");
	refused("listen = [::ffff:10.0.0.1]:80\n", 2,
		"listen = [::ffff:10.0.0.1]:80 is not a loopback address");

	cfg = load_ok("listen = 0.0.0.0:8428\nallow_anonymous = yes\n");
	ck_assert_int_eq(cfg->http.loopback, 0);
	ck_assert_int_eq(cfg->http.allow_anonymous, 1);
	config_free(cfg);

	cfg = load_ok(with_token);
	ck_assert_str_eq(cfg->http.token, TOKEN);
	config_free(cfg);
	free(with_token);
	free(token);
}
END_TEST

START_TEST(token_file_is_a_private_secret)
{
	char *open_to_all = write_mode("open", TOKEN "\n", 0644);
	char *short_one = write_mode("short", "abc\n", 0600);
	char *spaced = write_mode("spaced", "0123456789 abcdef0123456789\n", 0600);
	char *empty = write_mode("empty", "\n", 0600);
	char *body, *want;
	const char *paths[] = {open_to_all, short_one, spaced, empty, "/nonexistent/token"};
	const char *why[] = {"readable by group or others", "at least 16 characters",
			     "at least 16 characters", "empty", "No such file"};

	for (size_t i = 0; i < 5; i++) {
		body = xasprintf("listen = 127.0.0.1:8428\ntoken_file = %s\n", paths[i]);
		want = xasprintf("token_file '%s': ", paths[i]);
		refused(body, 3, want);
		ck_assert_msg(strstr(buf_str(&errs), why[i]), "%s", buf_str(&errs));
		free(body);
		free(want);
	}
	free(open_to_all);
	free(short_one);
	free(spaced);
	free(empty);
}
END_TEST

START_TEST(token_file_is_read_only_with_secrets)
{
	struct config *cfg = load_with("listen = 0.0.0.0:1\ntoken_file = /nonexistent/token\n", 0);

	ck_assert_msg(cfg != NULL, "%s", buf_str(&errs));
	ck_assert_ptr_null(cfg->http.token);
	ck_assert_str_eq(cfg->http.token_file, "/nonexistent/token");
	config_free(cfg);
}
END_TEST

START_TEST(token_and_allow_anonymous_contradict)
{
	char *token = write_mode("token", TOKEN "\n", 0600);
	char *body =
	    xasprintf("listen = 127.0.0.1:1\ntoken_file = %s\nallow_anonymous = yes\n", token);

	refused(body, 3, "[http] token_file and allow_anonymous = yes contradict each other");
	free(body);
	free(token);
}
END_TEST

START_TEST(section_takes_no_name_and_knows_its_keys)
{
	buf_reset(&errs);
	free(write_mode("main.conf", "[http \"x\"]\nlisten = 127.0.0.1:1\n", 0600));
	ck_assert_ptr_null(config_load(main_path, &errs));
	ck_assert_msg(strstr(buf_str(&errs), ":1: [http] takes no name"), "%s", buf_str(&errs));
	refused("listen = 127.0.0.1:1\nlisten = 127.0.0.1:2\n", 3, "duplicate key 'listen'");
	refused("lisen = 127.0.0.1:1\n", 2, "unknown key 'lisen' (did you mean 'listen'?)");
	refused("allow_anonymous = maybe\n", 2, "allow_anonymous: 'maybe' is not yes or no");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("config_http");
	TCase *tc = tcase_create("http");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, off_by_default);
	tcase_add_test(tc, ipv4_and_ipv6_listen_addresses);
	tcase_add_test(tc, bad_listen_addresses);
	tcase_add_test(tc, non_loopback_needs_a_token_or_allow_anonymous);
	tcase_add_test(tc, token_file_is_a_private_secret);
	tcase_add_test(tc, token_file_is_read_only_with_secrets);
	tcase_add_test(tc, token_and_allow_anonymous_contradict);
	tcase_add_test(tc, section_takes_no_name_and_knows_its_keys);
	suite_add_tcase(s, tc);
	return testutil_run(s);
}
