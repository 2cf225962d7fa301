/*
 * daemon/web/router.c: the route table, the paths no page may see, and
 * /healthz against a real store in a temporary directory.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/xmalloc.h"
#include "daemon/store.h"
#include "daemon/web/web.h"
#include "tests/unit/testutil.h"

static char *dir;
static char *location;
static struct store *st;

static void setup(void)
{
	char err[512];

	dir = testutil_tmpdir();
	location = store_location_for(dir);
	st = store_open(location, err, sizeof(err));
	ck_assert_msg(st != NULL, "%s", err);
}

static void teardown(void)
{
	store_close(st);
	free(location);
	testutil_rmtree(dir);
	free(dir);
}

static const char *no_args(const struct web_request *req, const char *name)
{
	(void)req;
	(void)name;
	return NULL;
}

/* web_answer for path with the store; returns the status, the body in *body (caller frees). */
static int ask(const char *path, double lag, char **body)
{
	struct web_ctx ctx = {.store = st, .now = 1e9, .loop_lag = lag};
	struct web_request req = {"GET", path, no_args, NULL};
	struct web_reply out = {200, "text/plain; charset=utf-8", {NULL, 0, 0}, NULL};

	web_answer(&ctx, &req, &out);
	ck_assert_ptr_nonnull(out.content_type);
	*body = buf_steal(&out.body);
	return out.status;
}

START_TEST(healthz_ok_on_a_writable_store_and_a_turning_loop)
{
	char *body;

	ck_assert_int_eq(ask("/healthz", 0.01, &body), 200);
	ck_assert_str_eq(body, "ok\n");
	free(body);
}
END_TEST

START_TEST(healthz_503_when_the_loop_was_held)
{
	char *body;

	ck_assert_int_eq(ask("/healthz", 12.4, &body), 503);
	ck_assert_str_eq(body, "loop stalled: busy for 12s before this request\n");
	free(body);
}
END_TEST

START_TEST(healthz_503_when_another_writer_holds_the_store)
{
	char err[512], *body;
	struct store *other = store_open(location, err, sizeof(err));

	ck_assert_msg(other != NULL, "%s", err);
	store_set_busy_wait(st, 10);
	ck_assert_int_eq(store_begin(other), 0);
	ck_assert_int_eq(ask("/healthz", 0, &body), 503);
	ck_assert_msg(strncmp(body, "store not writable: ", 20) == 0, "%s", body);
	ck_assert_msg(strstr(body, "locked") != NULL, "%s", body);
	ck_assert_msg(strstr(body, dir) == NULL, "the store's path is shown: %s", body);
	free(body);
	store_rollback(other);
	store_close(other);
	ck_assert_int_eq(ask("/healthz", 0, &body), 200);
	free(body);
	/* the probe wrote nothing and left no transaction open */
	ck_assert_int_eq(store_begin(st), 0);
	store_rollback(st);
}
END_TEST

START_TEST(unknown_and_suspect_paths_are_404)
{
	static const char *const paths[] = {
	    "/nope",
	    "/healthz/",
	    "/healthz%00.txt",
	    "/../../etc/passwd",
	    "/healthz/..",
	    "/./healthz",
	    "healthz",
	    "",
	    "//healthz",
	    "/HEALTHZ",
	    "/static/../healthz",
	    "http://x/healthz",
	    "/statement/..",
	    "/statement/../../etc/passwd",
	    "/statement/./1",
	    "/static/style.css/..",
	};

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		char *body;

		ck_assert_msg(ask(paths[i], 0, &body) == 404, "%s", paths[i]);
		ck_assert_str_eq(body, "not found\n");
		free(body);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("web_router");
	TCase *tc = tcase_create("router");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, healthz_ok_on_a_writable_store_and_a_turning_loop);
	tcase_add_test(tc, healthz_503_when_the_loop_was_held);
	tcase_add_test(tc, healthz_503_when_another_writer_holds_the_store);
	tcase_add_test(tc, unknown_and_suspect_paths_are_404);
	suite_add_tcase(s, tc);
	return testutil_run(s);
}
