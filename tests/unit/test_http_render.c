/*
 * fetch/render through fetch/http: requests with .render run a "browser"
 * as a child process on the default loop. The browsers here are small
 * shell scripts standing in for chromium, so that the contract is tested
 * without it: the arguments chromium gets (headless, no sandbox, jitless,
 * a fresh profile, network limited to the page's host), the DOM becoming a
 * 200 text/html response, the deadline killing the whole process group, the
 * output cap, max_renders serialising, cancellation, a missing browser, and
 * credentials and untrusted hosts kept from the browser.
 */
#include <check.h>
#include <ev.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/xmalloc.h"
#include "fetch/http.h"
#include "fetch/render.h"
#include "tests/unit/testutil.h"

static char *dir;
static struct ev_loop *loop;

struct answer {
	int calls;
	enum http_result res;
	long status;
	char *body, *type, *error;
	double at; /* ev_now when it came */
};

static void setup(void)
{
	dir = testutil_tmpdir();
	loop = ev_default_loop(EVFLAG_AUTO);
	setenv("TMPDIR", dir, 1); /* the profiles go here: each must be removed */
}

static void teardown(void)
{
	testutil_rmtree(dir);
	free(dir);
}

/* An executable script dir/name with body; returns its path (caller frees). */
static char *script(const char *name, const char *body)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fprintf(f, "#!/bin/sh\n%s\n", body);
	fclose(f);
	chmod(path, 0755);
	return path;
}

/* http_done_fn: keeps copies (the response is borrowed) */
static void done(const struct http_response *r, void *arg)
{
	struct answer *a = arg;

	a->calls++;
	a->res = r->result;
	a->status = r->status;
	a->body = xstrdup(r->body ? r->body : "");
	a->type = xstrdup_or_null(r->content_type);
	a->error = xstrdup_or_null(r->error);
	a->at = ev_now(loop);
}

static void answer_free(struct answer *a)
{
	free(a->body);
	free(a->type);
	free(a->error);
}

static struct http *engine(const char *browser, long max_renders, long timeout_s)
{
	struct http_config c = {.browser = browser,
				.max_renders = max_renders,
				.timeout_s = timeout_s,
				.max_body = 4096};
	char err[256];
	struct http *h = http_new(loop, &c, err, sizeof(err));

	ck_assert_msg(h != NULL, "%s", err);
	return h;
}

static struct http_req_handle *start(struct http *h, const char *url, struct answer *a)
{
	struct http_req req = {.url = url, .follow_redirects = 1, .trusted = 1, .render = 1};
	char err[256];
	struct http_req_handle *r = http_start(h, &req, done, a, err, sizeof(err));

	ck_assert_msg(r != NULL, "%s", err);
	return r;
}

/* Runs the loop until every answer came, at most 20 s. */
static void wait_for(struct answer *a, size_t n)
{
	double end = ev_now(loop) + 20;

	for (;;) {
		size_t got = 0;

		for (size_t i = 0; i < n; i++)
			got += a[i].calls;
		if (got == n || ev_now(loop) > end)
			break;
		ev_run(loop, EVRUN_ONCE);
	}
	for (size_t i = 0; i < n; i++)
		ck_assert_int_eq(a[i].calls, 1);
}

static int profiles_left(void)
{
	char *cmd = xasprintf("ls %s | grep -c speechwatch-render- >/dev/null", dir);
	int rc = system(cmd);

	free(cmd);
	return rc == 0;
}

START_TEST(the_dom_is_a_200_html_answer_and_the_browser_gets_its_limits)
{
	char *b = script("browser", "printf '<html><body>'; for a; do printf '<p>%s</p>' \"$a\"; "
				    "done; printf 'HOME=%s</body></html>' \"$HOME\"");
	struct http *h = engine(b, 0, 10);
	struct answer a = {0};

	start(h, "http://news.example:8080/list?x=1", &a);
	wait_for(&a, 1);
	ck_assert_int_eq(a.res, HTTP_RES_OK);
	ck_assert_int_eq(a.status, 200);
	ck_assert_str_eq(a.type, "text/html; charset=utf-8");
	ck_assert_ptr_nonnull(strstr(a.body, "<p>--headless</p>"));
	ck_assert_ptr_nonnull(strstr(a.body, "<p>--dump-dom</p>"));
	ck_assert_ptr_nonnull(strstr(a.body, "<p>--no-sandbox</p>"));
	ck_assert_ptr_nonnull(
	    strstr(a.body, "<p>--no-zygote</p>")); /* the unit refuses the zygote */
	ck_assert_ptr_nonnull(strstr(a.body, "<p>--js-flags=--jitless"));
	ck_assert_ptr_nonnull(strstr(a.body, "<p>--virtual-time-budget="));
	ck_assert_ptr_nonnull(
	    strstr(a.body, "<p>--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE news.example</p>"));
	ck_assert_ptr_nonnull(
	    strstr(a.body, "<p>--proxy-bypass-list=<-loopback>;news.example</p>"));
	ck_assert_ptr_nonnull(strstr(a.body, "<p>--user-data-dir="));
	ck_assert_ptr_nonnull(strstr(a.body, "<p>http://news.example:8080/list?x=1</p>"));
	ck_assert_ptr_nonnull(strstr(a.body, "HOME=")); /* the profile, not the daemon's home */
	ck_assert_ptr_null(strstr(a.body, "HOME=/root"));
	ck_assert_msg(!profiles_left(), "the profile directory was left behind");
	answer_free(&a);
	http_free(h);
	free(b);
}
END_TEST

/* 1 while pid runs (a killed process is a zombie until init reaps it). */
static int running(pid_t pid)
{
	char *path = xasprintf("/proc/%d/stat", (int)pid);
	size_t len;
	char *stat = testutil_slurp(path, &len);
	char *end = stat ? strrchr(stat, ')') : NULL;
	int alive = end != NULL && end[1] == ' ' && end[2] != 'Z' && end[2] != 'X';

	free(stat);
	free(path);
	return alive;
}

/* The browser forks a helper that would outlive it: the deadline kills the group. */
START_TEST(the_deadline_kills_the_whole_process_group)
{
	char *pidfile = xasprintf("%s/helper.pid", dir);
	char *body = xasprintf("sleep 60 & echo $! > %s; sleep 60", pidfile);
	char *b = script("browser", body);
	struct http *h = engine(b, 0, 1);
	struct answer a = {0};
	char *text;
	size_t len;
	pid_t helper;

	start(h, "http://news.example/", &a);
	wait_for(&a, 1);
	ck_assert_int_eq(a.res, HTTP_RES_TIMEOUT);
	ck_assert_str_eq(a.error, "render: browser killed after 1 s (the page never finished)");
	text = testutil_slurp(pidfile, &len);
	ck_assert_ptr_nonnull(text);
	helper = (pid_t)atol(text);
	ck_assert_int_gt(helper, 0);
	for (int i = 0; i < 100 && running(helper); i++)
		usleep(20000);
	ck_assert_msg(!running(helper), "the browser's helper %d outlived the deadline", helper);
	ck_assert_msg(!profiles_left(), "the profile directory was left behind");
	free(text);
	answer_free(&a);
	http_free(h);
	free(b);
	free(body);
	free(pidfile);
}
END_TEST

START_TEST(a_page_over_the_cap_is_too_big)
{
	char *b = script("browser", "head -c 100000 /dev/zero | tr '\\\\0' x");
	struct http *h = engine(b, 0, 10);
	struct answer a = {0};

	start(h, "http://news.example/", &a);
	wait_for(&a, 1);
	ck_assert_int_eq(a.res, HTTP_RES_TOO_BIG);
	ck_assert_str_eq(a.error, "render: page larger than 4096 bytes");
	answer_free(&a);
	http_free(h);
	free(b);
}
END_TEST

START_TEST(a_failed_load_is_named)
{
	char *b = script("browser", "echo '[1:1:ERROR:headless_command_handler.cc:403] Page load "
				    "failed: net::ERR_CONNECTION_REFUSED' >&2; exit 0");
	struct http *h = engine(b, 0, 10);
	struct answer a = {0};

	start(h, "http://news.example/", &a);
	wait_for(&a, 1);
	ck_assert_int_eq(a.res, HTTP_RES_NETWORK);
	ck_assert_str_eq(a.error, "render: page load failed: net::ERR_CONNECTION_REFUSED");
	answer_free(&a);
	http_free(h);
	free(b);
}
END_TEST

START_TEST(max_renders_one_runs_them_one_after_another)
{
	char *b = script("browser", "sleep 0.4; echo '<html></html>'");
	struct http *h = engine(b, 1, 10);
	struct answer a[3] = {{0}};
	double t0 = ev_now(loop);

	for (int i = 0; i < 3; i++)
		start(h, "http://news.example/", &a[i]);
	wait_for(a, 3);
	ck_assert(a[0].at < a[1].at && a[1].at < a[2].at); /* first in, first out */
	ck_assert_msg(a[2].at - t0 >= 1.1, "three renders of 0.4 s took %.2f s", a[2].at - t0);
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(a[i].res, HTTP_RES_OK);
		answer_free(&a[i]);
	}
	http_free(h);
	t0 = ev_now(loop);
	h = engine(b, 3, 10);
	memset(a, 0, sizeof(a));
	for (int i = 0; i < 3; i++)
		start(h, "http://news.example/", &a[i]);
	wait_for(a, 3);
	ck_assert_msg(a[2].at - t0 < 1.1, "max_renders = 3 took %.2f s", a[2].at - t0);
	for (int i = 0; i < 3; i++)
		answer_free(&a[i]);
	http_free(h);
	free(b);
}
END_TEST

START_TEST(cancel_and_free_end_running_and_waiting_renders)
{
	char *b = script("browser", "sleep 30");
	struct http *h = engine(b, 1, 30);
	struct answer a[3] = {{0}};
	struct http_req_handle *r0 = start(h, "http://news.example/", &a[0]);

	start(h, "http://news.example/", &a[1]);
	start(h, "http://news.example/", &a[2]);
	ck_assert_uint_eq(http_pending(h), 3);
	http_cancel(h, r0); /* the running one: its browser is killed and reaped */
	ck_assert_int_eq(a[0].calls, 1);
	ck_assert_int_eq(a[0].res, HTTP_RES_CANCELLED);
	ck_assert_uint_eq(http_pending(h), 2);
	http_free(h); /* the next one started, the last waits: both cancelled */
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(a[i].calls, 1);
		ck_assert_int_eq(a[i].res, HTTP_RES_CANCELLED);
		answer_free(&a[i]);
	}
	ck_assert_msg(!profiles_left(), "the profile directory was left behind");
	free(b);
}
END_TEST

START_TEST(a_missing_browser_or_credentials_fail_clearly)
{
	struct http *h = engine("/nonexistent/chromium", 0, 10);
	struct answer a[2] = {{0}};

	start(h, "http://news.example/", &a[0]);
	ck_assert_int_eq(a[0].calls, 0); /* never from inside http_start */
	start(h, "http://user:secret@news.example/", &a[1]);
	wait_for(a, 2);
	ck_assert_int_eq(a[0].res, HTTP_RES_PROTOCOL);
	ck_assert_str_eq(a[0].error,
			 "render = browser: the browser /nonexistent/chromium is not installed");
	ck_assert_ptr_nonnull(strstr(a[1].error, "a URL with credentials cannot be given"));
	answer_free(&a[0]);
	answer_free(&a[1]);
	http_free(h);
}
END_TEST

/* A link on another host (untrusted) is fetched by curl, not the browser. */
START_TEST(an_untrusted_host_is_not_rendered)
{
	char *b = script("browser", "echo '<html>rendered</html>'");
	struct http *h = engine(b, 0, 5);
	struct http_req req = {.url = "http://127.0.0.1:9/", .render = 1};
	struct answer a = {0};
	char err[256];

	ck_assert_ptr_nonnull(http_start(h, &req, done, &a, err, sizeof(err)));
	wait_for(&a, 1);
	ck_assert_int_eq(a.res, HTTP_RES_BLOCKED); /* curl's address policy, not the browser */
	ck_assert_ptr_null(strstr(a.body, "rendered"));
	answer_free(&a);
	http_free(h);
	free(b);
}
END_TEST

/* A link to a PDF is read as a document (curl), never shown in the browser's viewer. */
START_TEST(a_pdf_link_is_not_rendered)
{
	char *b = script("browser", "echo '<html>rendered</html>'");
	struct http *h = engine(b, 0, 5);
	struct http_req req = {
	    .url = "http://127.0.0.1:9/doc/Statement.PDF", .render = 1, .trusted = 1};
	struct answer a = {0};
	char err[256];

	ck_assert_ptr_nonnull(http_start(h, &req, done, &a, err, sizeof(err)));
	wait_for(&a, 1);
	ck_assert_int_eq(a.res, HTTP_RES_NETWORK); /* curl found nothing on port 9 */
	ck_assert_ptr_null(strstr(a.body, "rendered"));
	answer_free(&a);
	http_free(h);
	free(b);
}
END_TEST

START_TEST(the_browser_is_found_in_path)
{
	char *b = script("chromium-browser", "exit 0");
	char *old = xstrdup(getenv("PATH") ? getenv("PATH") : "");
	char *found;

	setenv("PATH", dir, 1);
	found = render_find_browser(NULL);
	ck_assert_str_eq(found, b);
	free(found);
	ck_assert_ptr_null(render_find_browser("/nonexistent/chromium"));
	ck_assert_ptr_null(render_find_browser("relative/chromium"));
	found = render_find_browser(b);
	ck_assert_str_eq(found, b);
	free(found);
	setenv("PATH", "/nonexistent", 1);
	ck_assert_ptr_null(render_find_browser(NULL));
	setenv("PATH", old, 1);
	free(old);
	free(b);
}
END_TEST

/*
 * A distribution's wrapper script named chromium stands for the binary it
 * runs, /usr/lib/chromium/chromium, when that is installed (Debian): the
 * wrapper fails under the unit. A script with no such binary is itself.
 */
START_TEST(a_wrapper_script_gives_way_to_its_binary)
{
	char *w = script("chromium", "exec /usr/lib/chromium/chromium \"$@\"");
	char *old = xstrdup(getenv("PATH") ? getenv("PATH") : "");
	int debian = access("/usr/lib/chromium/chromium", X_OK) == 0;
	char *found;

	setenv("PATH", dir, 1);
	found = render_find_browser(NULL);
	ck_assert_str_eq(found, debian ? "/usr/lib/chromium/chromium" : w);
	free(found);
	found = render_find_browser(w);
	ck_assert_str_eq(found, debian ? "/usr/lib/chromium/chromium" : w);
	free(found);
	unlink(w);
	setenv("PATH", old, 1);
	free(old);
	free(w);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("http_render");
	TCase *tc = tcase_create("render");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, the_dom_is_a_200_html_answer_and_the_browser_gets_its_limits);
	tcase_add_test(tc, the_deadline_kills_the_whole_process_group);
	tcase_add_test(tc, a_page_over_the_cap_is_too_big);
	tcase_add_test(tc, a_failed_load_is_named);
	tcase_add_test(tc, max_renders_one_runs_them_one_after_another);
	tcase_add_test(tc, cancel_and_free_end_running_and_waiting_renders);
	tcase_add_test(tc, a_missing_browser_or_credentials_fail_clearly);
	tcase_add_test(tc, an_untrusted_host_is_not_rendered);
	tcase_add_test(tc, a_pdf_link_is_not_rendered);
	tcase_add_test(tc, the_browser_is_found_in_path);
	tcase_add_test(tc, a_wrapper_script_gives_way_to_its_binary);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return testutil_run(suite());
}
