/*
 * What a quiet poll costs the store: each source's row is read once and then
 * kept in memory, and the status rows of 304 polls that end close together
 * are written in one relaxed transaction (poll_flush) — always before once
 * mode returns, and never over a row a durable write (source.failing) has
 * just written. Driven through poll_start against a real store, the list
 * pages served by testutil_http; the store's own counters are asserted, not
 * timings.
 */
#include <check.h>
#include <ev.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"
#include "config/config.h"
#include "daemon/daemon_int.h"
#include "daemon/metrics.h"
#include "daemon/outbox.h"
#include "daemon/store.h"
#include "daemon/store_jobs.h"
#include "fetch/http.h"
#include "tests/unit/testutil.h"

#define NSRC 5

static char *dir;
static struct ev_loop *loop;
static struct testutil_http *srv;
static struct daemon d;
static size_t finished;

/* source_hooks.finished: counts the polls that ended. */
static void poll_finished(struct source_rt *rt)
{
	(void)rt;
	finished++;
}

/* The config text of NSRC sources /l0 ... /l4, recheck_days = 0, with daemon_extra. */
static char *config_text(const char *daemon_extra)
{
	struct buf b;

	buf_init(&b);
	buf_printf(&b, "[daemon]\nstate_dir = %s\nrecheck_days = 0\n%s", dir,
		   daemon_extra ? daemon_extra : "");
	for (int i = 0; i < NSRC; i++)
		buf_printf(&b,
			   "[source \"s%d\"]\nurl = http://127.0.0.1:%d/l%d\nitems = //li\n"
			   "allow_private = yes\ninterval = 10m\n",
			   i, testutil_http_port(srv), i);
	return buf_steal(&b);
}

/* Every list answers 304. */
static void serve_304(void)
{
	char path[24];

	for (int i = 0; i < NSRC; i++) {
		snprintf(path, sizeof(path), "/l%d", i);
		testutil_http_set(srv, path, 304, "ETag: \"v1\"\r\n", NULL);
	}
}

/* Every store job is back (the rows read at creation, the polls' writes). */
static int jobs_idle(void *arg)
{
	(void)arg;
	return store_jobs_pending(d.jobs) == 0;
}

/* A run-mode daemon around the store with every source, its outbox stopped. */
static void start(const char *daemon_extra)
{
	struct http_config hc;
	char err[512], *path, *text = config_text(daemon_extra);

	memset(&d, 0, sizeof(d));
	d.loop = loop;
	d.mode = DAEMON_RUN;
	d.cfg = testutil_config(dir, text);
	free(text);
	d.hooks.due = poll_start;
	d.hooks.finished = poll_finished;
	path = xasprintf("%s/speechwatch.db", dir);
	d.store = store_open(path, err, sizeof(err));
	ck_assert_msg(d.store != NULL, "%s", err);
	free(path);
	memset(&hc, 0, sizeof(hc));
	hc.allow_private = 1;
	d.http = http_new(loop, &hc, err, sizeof(err));
	ck_assert_msg(d.http != NULL, "%s", err);
	d.jobs = store_jobs_new(loop, d.store, 0, err, sizeof(err));
	ck_assert_msg(d.jobs != NULL, "%s", err);
	d.outbox_env = (struct outbox_env){loop, d.jobs, d.http, d.cfg, 0, NULL, NULL, NULL, NULL};
	d.outbox = outbox_new(&d.outbox_env, 1, NULL);
	ck_assert_ptr_nonnull(d.outbox);
	outbox_stop(d.outbox);
	d.sources = xcalloc(NSRC, sizeof(*d.sources));
	for (size_t i = 0; i < d.cfg->nsources; i++)
		d.sources[d.nsources++] = schedule_source_new(&d, &d.cfg->sources[i]);
	ck_assert_msg(testutil_loop_until(loop, jobs_idle, NULL, 5), "the rows were not read");
}

static void setup(void)
{
	dir = testutil_tmpdir();
	loop = ev_loop_new(EVFLAG_AUTO);
	ck_assert_ptr_nonnull(loop);
	srv = testutil_http_new(loop);
	finished = 0;
	memset(&d, 0, sizeof(d));
}

static void teardown(void)
{
	store_jobs_free(d.jobs); /* its done callbacks still find the sources */
	d.jobs = NULL;
	if (d.loop)
		ev_timer_stop(loop, &d.flush_timer);
	for (size_t i = 0; i < d.nsources; i++)
		schedule_source_free(d.sources[i]);
	free(d.sources);
	outbox_free(d.outbox);
	store_jobs_free(d.jobs);
	http_free(d.http);
	metrics_free(d.metrics);
	store_close(d.store);
	config_free(d.cfg);
	testutil_http_free(srv);
	ev_loop_destroy(loop);
	testutil_rmtree(dir);
	free(dir);
}

static struct store_info counts(void)
{
	struct store_info info;

	ck_assert_int_eq(store_info(d.store, &info), 0);
	return info;
}

static int polls_over(void *arg)
{
	return finished >= *(size_t *)arg;
}

static int flushed(void *arg)
{
	(void)arg;
	return d.ndirty == 0;
}

/* Polls sources [0, n) at once and runs the loop until every poll ended. */
static void poll_all(size_t n)
{
	size_t want = finished + n;

	for (size_t i = 0; i < n; i++)
		poll_start(d.sources[i]);
	ck_assert_msg(testutil_loop_until(loop, polls_over, &want, 15), "the polls did not end");
}

/* The stored result of source id, or "" when it has no row. */
static void stored_result(struct store *st, const char *id, char *out, size_t len)
{
	struct store_source s;
	int rc = store_source_get(st, id, &s);

	ck_assert_int_ge(rc, 0);
	snprintf(out, len, "%s", rc == 1 && s.last_result ? s.last_result : "");
	store_source_clear(&s);
}

START_TEST(quiet_polls_ending_together_are_one_commit)
{
	unsigned long before;
	char result[64];

	serve_304();
	start(NULL);
	before = counts().commits;
	poll_all(NSRC);
	ck_assert_uint_eq(d.ndirty, NSRC);
	ck_assert_uint_eq(counts().commits - before, 0); /* waiting for the flush */
	ck_assert_msg(testutil_loop_until(loop, flushed, NULL, 5), "no flush");
	ck_assert_uint_eq(counts().commits - before, 1);
	for (int i = 0; i < NSRC; i++) {
		char id[16];

		snprintf(id, sizeof(id), "s%d", i);
		stored_result(d.store, id, result, sizeof(result));
		ck_assert_str_eq(result, "not-modified");
	}
}
END_TEST

START_TEST(a_poll_reads_no_source_row)
{
	unsigned long before;

	serve_304();
	start(NULL);
	before = counts().reads; /* each source's row was read once, at creation */
	for (int round = 0; round < 3; round++) {
		poll_all(NSRC);
		poll_flush(&d);
	}
	ck_assert_uint_eq(counts().reads - before, 0);
	ck_assert_int_eq(testutil_http_hits(srv, NULL), 3 * NSRC);
}
END_TEST

START_TEST(a_failing_write_leaves_no_dirty_row)
{
	struct store_source s;
	unsigned long before;

	serve_304();
	start("fail_after = 1\n");
	poll_all(1); /* quiet: dirty */
	ck_assert_uint_eq(d.ndirty, 1);
	testutil_http_set(srv, "/l0", 500, NULL, "down");
	before = counts().commits;
	poll_all(1); /* fails: source.failing with its row, durable at once */
	ck_assert_uint_eq(counts().commits - before, 1);
	ck_assert_uint_eq(d.ndirty, 0);
	ck_assert_int_eq(d.sources[0]->src_dirty, 0);
	poll_flush(&d); /* has nothing left to write over it */
	ck_assert_uint_eq(counts().commits - before, 1);
	ck_assert_int_eq(store_source_get(d.store, "s0", &s), 1);
	ck_assert_int_eq(s.failing, 1);
	ck_assert_str_eq(s.last_result, "http-error");
	store_source_clear(&s);
}
END_TEST

/* A list page of source s0 linking to the articles named in paths ("/a1", ...). */
static void serve_list(const char *const *paths)
{
	struct buf b;

	buf_init(&b);
	buf_append_str(&b, "<html><body><ul>");
	for (; *paths; paths++)
		buf_printf(&b, "<li><a href=\"http://127.0.0.1:%d%s\">Statement %s</a></li>",
			   testutil_http_port(srv), *paths, *paths + 1);
	buf_append_str(&b, "</ul></body></html>");
	testutil_http_set(srv, "/l0", 200, "Content-Type: text/html\r\n", buf_str(&b));
	buf_free(&b);
}

/* The facts a poll knows reach the metrics: result, items, fetches, statements. */
START_TEST(a_poll_is_counted_in_the_metrics)
{
	static const char *const first[] = {"/a1", "/a2", NULL};
	static const char *const second[] = {"/a3", "/a1", "/a2", NULL};
	double ok_at;

	start(NULL);
	d.metrics = metrics_new();
	serve_list(first);
	poll_all(1); /* the baseline: its articles answer 404, not retried */
	ck_assert_double_eq(metrics_value(d.metrics, METRIC_POLLS, "s0", "ok"), 1);
	ck_assert_double_eq(metrics_value(d.metrics, METRIC_HTTP_STATUS, "article", "404"), 2);
	ck_assert_double_eq(metrics_value(d.metrics, METRIC_ITEMS_SEEN, "s0", NULL), 2);
	ck_assert_double_eq(metrics_value(d.metrics, METRIC_FETCHES, "list", "ok"), 1);
	ck_assert_double_eq(metrics_value(d.metrics, METRIC_HTTP_STATUS, "list", "200"), 1);
	ck_assert_double_eq(metrics_value(d.metrics, METRIC_FETCH_BYTES, "list", NULL), 1);
	ck_assert_double_eq(metrics_value(d.metrics, METRIC_FETCH_SECONDS, "list", NULL), 1);
	ok_at = metrics_value(d.metrics, METRIC_LAST_POLL_OK, "s0", NULL);
	ck_assert(ok_at > 1.7e9);

	serve_list(second);
	testutil_http_set(srv, "/a3", 200, "Content-Type: text/html\r\n",
			  "<html><head><title>Three</title></head><body><article><h1>Three</h1>"
			  "<p>The minister met the delegation and discussed the treaty at "
			  "length with the visitors from abroad.</p></article></body></html>");
	poll_all(1);
	ck_assert_double_eq(metrics_value(d.metrics, METRIC_POLLS, "s0", "ok"), 2);
	ck_assert_double_eq(metrics_value(d.metrics, METRIC_ITEMS_SEEN, "s0", NULL), 5);
	ck_assert_double_eq(metrics_value(d.metrics, METRIC_FETCHES, "article", "ok"), 3);
	ck_assert_double_eq(metrics_value(d.metrics, METRIC_HTTP_STATUS, "article", "200"), 1);
	ck_assert_double_eq(metrics_value(d.metrics, METRIC_STATEMENTS, "s0", "new"), 1);
	ck_assert_double_eq(metrics_value(d.metrics, METRIC_STATEMENTS, "s0", "changed"), 0);
	ck_assert(metrics_value(d.metrics, METRIC_LAST_POLL_OK, "s0", NULL) >= ok_at);
	ok_at = metrics_value(d.metrics, METRIC_LAST_POLL_OK, "s0", NULL);

	testutil_http_set(srv, "/l0", 500, NULL, "down");
	poll_all(1);
	ck_assert_double_eq(metrics_value(d.metrics, METRIC_POLLS, "s0", "http-error"), 1);
	ck_assert_double_eq(metrics_value(d.metrics, METRIC_HTTP_STATUS, "list", "500"), 1);
	ck_assert_double_eq(metrics_value(d.metrics, METRIC_ITEMS_SEEN, "s0", NULL), 5);
	ck_assert_double_eq(metrics_value(d.metrics, METRIC_LAST_POLL_OK, "s0", NULL), ok_at);
}
END_TEST

/* once mode through the whole daemon: its rows are in the store when daemon_run returns. */
START_TEST(once_mode_flushes_before_it_returns)
{
	struct daemon *od;
	struct config *cfg;
	char *text, *conf, result[64];

	serve_304();
	text = config_text(NULL);
	cfg = testutil_config(dir, text);
	free(text);
	conf = xasprintf("%s/speechwatch.conf", dir);
	od = daemon_new(cfg, NULL, conf, DAEMON_ONCE);
	ck_assert_ptr_nonnull(od);
	ck_assert_int_eq(daemon_run(od), 0);
	ck_assert_uint_eq(od->ndirty, 0);
	for (int i = 0; i < NSRC; i++) {
		char id[16];

		snprintf(id, sizeof(id), "s%d", i);
		stored_result(od->store, id, result, sizeof(result));
		ck_assert_str_eq(result, "not-modified");
	}
	daemon_free(od);
	free(conf);
}
END_TEST

static void setup_default_loop(void)
{
	dir = testutil_tmpdir();
	loop = ev_default_loop(EVFLAG_AUTO); /* the daemon's own loop */
	ck_assert_ptr_nonnull(loop);
	srv = testutil_http_new(loop);
	finished = 0;
	memset(&d, 0, sizeof(d));
}

static Suite *poll_suite(void)
{
	Suite *s = suite_create("poll");
	TCase *quiet = tcase_create("quiet"), *once = tcase_create("once");

	tcase_add_checked_fixture(quiet, setup, teardown);
	tcase_add_checked_fixture(once, setup_default_loop, teardown);
	tcase_set_timeout(quiet, 60);
	tcase_set_timeout(once, 60);
	suite_add_tcase(s, quiet);
	suite_add_tcase(s, once);
	tcase_add_test(quiet, quiet_polls_ending_together_are_one_commit);
	tcase_add_test(quiet, a_poll_reads_no_source_row);
	tcase_add_test(quiet, a_failing_write_leaves_no_dirty_row);
	tcase_add_test(quiet, a_poll_is_counted_in_the_metrics);
	tcase_add_test(once, once_mode_flushes_before_it_returns);
	return s;
}

int main(void)
{
	return testutil_run(poll_suite());
}
