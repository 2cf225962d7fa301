/*
 * daemon/metrics and the /metrics page: series kept per label values,
 * counters that only grow, histograms with cumulative buckets, the text
 * exposition format 0.0.4 (HELP, TYPE, escaped label values, le="+Inf",
 * _sum, _count), bounded series, and the page's gauges read from a real
 * store. The e2e test (tests/e2e/test_web_metrics.py) parses the same text
 * with prometheus_client; here the exact lines are asserted.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/clock.h"
#include "common/xmalloc.h"
#include "config/config.h"
#include "daemon/metrics.h"
#include "daemon/store.h"
#include "daemon/web/web.h"
#include "tests/unit/testutil.h"

static struct metrics *m;
static struct buf out;

static void setup(void)
{
	m = metrics_new();
	buf_init(&out);
}

static void teardown(void)
{
	metrics_free(m);
	buf_free(&out);
}

static const char *render(void)
{
	buf_reset(&out);
	metrics_render(m, &out);
	return buf_str(&out);
}

/* Fails with the whole text when line is not one of its lines. */
static void has_line(const char *text, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = text; (p = strstr(p, line)) != NULL; p++)
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return;
	ck_abort_msg("no line \"%s\" in:\n%s", line, text);
}

START_TEST(series_are_kept_per_label_values)
{
	metrics_poll(m, "mfa", "ok", 1, 20, 1700000000);
	metrics_poll(m, "mfa", "ok", 1, 20, 1700000600);
	metrics_poll(m, "mfa", "timeout", 0, -1, 1700001200);
	metrics_poll(m, "mod", "not-modified", 1, -1, 1700000300);
	ck_assert_double_eq(metrics_value(m, METRIC_POLLS, "mfa", "ok"), 2);
	ck_assert_double_eq(metrics_value(m, METRIC_POLLS, "mfa", "timeout"), 1);
	ck_assert_double_eq(metrics_value(m, METRIC_POLLS, "mod", "not-modified"), 1);
	ck_assert_double_eq(metrics_value(m, METRIC_POLLS, "mod", "ok"), 0);
	ck_assert_double_eq(metrics_value(m, METRIC_ITEMS_SEEN, "mfa", NULL), 40);
	/* the failed poll did not move the last success */
	ck_assert_double_eq(metrics_value(m, METRIC_LAST_POLL_OK, "mfa", NULL), 1700000600);
	ck_assert_double_eq(metrics_value(m, METRIC_LAST_POLL_OK, "mod", NULL), 1700000300);
}
END_TEST

START_TEST(counters_only_grow_and_calls_must_fit_the_type)
{
	metrics_add(m, METRIC_DELIVERIES, "hook", "delivered", 3);
	metrics_add(m, METRIC_DELIVERIES, "hook", "delivered", -1);
	metrics_set(m, METRIC_DELIVERIES, "hook", "delivered", 0);
	metrics_observe(m, METRIC_DELIVERIES, "hook", "delivered", 1);
	ck_assert_double_eq(metrics_value(m, METRIC_DELIVERIES, "hook", "delivered"), 3);
	metrics_add(m, METRIC_FETCH_SECONDS, "list", NULL, 1);
	ck_assert_double_eq(metrics_value(m, METRIC_FETCH_SECONDS, "list", NULL), 0);
	metrics_set(m, METRIC_LAST_POLL_OK, "mfa", NULL, 5);
	metrics_set(m, METRIC_LAST_POLL_OK, "mfa", NULL, 2);
	ck_assert_double_eq(metrics_value(m, METRIC_LAST_POLL_OK, "mfa", NULL), 2);
}
END_TEST

START_TEST(a_null_registry_takes_updates_and_renders_the_families)
{
	metrics_poll(NULL, "mfa", "ok", 1, 3, 1);
	metrics_fetch(NULL, "list", "ok", 200, 10, 0.1);
	ck_assert_double_eq(metrics_value(NULL, METRIC_POLLS, "mfa", "ok"), 0);
	metrics_render(NULL, &out);
	has_line(buf_str(&out), "# TYPE speechwatch_polls_total counter");
	ck_assert_ptr_null(strstr(buf_str(&out), "mfa"));
}
END_TEST

START_TEST(render_writes_help_type_and_samples)
{
	const char *t;

	metrics_poll(m, "mfa", "ok", 1, 20, 1700000000.5);
	metrics_add(m, METRIC_STATEMENTS, "mfa", "new", 2);
	metrics_fetch(m, "list", "ok", 200, 2048, 0.2);
	metrics_fetch(m, "list", "ok", 304, 0, 0.02);
	metrics_fetch(m, "article", "timeout", 0, 0, 60.5);
	t = render();
	has_line(t, "# HELP speechwatch_polls_total Polls of a source's list page that ended, "
		    "by result (ok, not-modified, http-error, timeout, suspect-list, ...).");
	has_line(t, "# TYPE speechwatch_polls_total counter");
	has_line(t, "speechwatch_polls_total{source=\"mfa\",result=\"ok\"} 1");
	has_line(t, "# TYPE speechwatch_last_successful_poll_timestamp_seconds gauge");
	has_line(t, "speechwatch_last_successful_poll_timestamp_seconds{source=\"mfa\"} "
		    "1700000000.5");
	has_line(t, "speechwatch_items_seen_total{source=\"mfa\"} 20");
	has_line(t, "speechwatch_statements_total{source=\"mfa\",change=\"new\"} 2");
	has_line(t, "speechwatch_fetches_total{kind=\"list\",result=\"ok\"} 2");
	has_line(t, "speechwatch_fetches_total{kind=\"article\",result=\"timeout\"} 1");
	has_line(t, "speechwatch_http_responses_total{kind=\"list\",status=\"200\"} 1");
	has_line(t, "speechwatch_http_responses_total{kind=\"list\",status=\"304\"} 1");
	/* a transfer without a response has no status and no body size */
	ck_assert_ptr_null(strstr(t, "status=\"0\""));
	ck_assert_ptr_null(strstr(t, "speechwatch_fetch_response_bytes_count{kind=\"article\"}"));
	has_line(t, "speechwatch_metrics_dropped_total 0");
}
END_TEST

START_TEST(histograms_have_cumulative_buckets_inf_sum_and_count)
{
	const char *t;

	metrics_observe(m, METRIC_FETCH_SECONDS, "list", NULL, 0.005);
	metrics_observe(m, METRIC_FETCH_SECONDS, "list", NULL, 0.01); /* le is inclusive */
	metrics_observe(m, METRIC_FETCH_SECONDS, "list", NULL, 0.3);
	metrics_observe(m, METRIC_FETCH_SECONDS, "list", NULL, 100);
	t = render();
	has_line(t, "# TYPE speechwatch_fetch_duration_seconds histogram");
	has_line(t, "speechwatch_fetch_duration_seconds_bucket{kind=\"list\",le=\"0.01\"} 2");
	has_line(t, "speechwatch_fetch_duration_seconds_bucket{kind=\"list\",le=\"0.25\"} 2");
	has_line(t, "speechwatch_fetch_duration_seconds_bucket{kind=\"list\",le=\"0.5\"} 3");
	has_line(t, "speechwatch_fetch_duration_seconds_bucket{kind=\"list\",le=\"60\"} 3");
	has_line(t, "speechwatch_fetch_duration_seconds_bucket{kind=\"list\",le=\"+Inf\"} 4");
	has_line(t, "speechwatch_fetch_duration_seconds_sum{kind=\"list\"} 100.315");
	has_line(t, "speechwatch_fetch_duration_seconds_count{kind=\"list\"} 4");
	metrics_observe(m, METRIC_FETCH_BYTES, "list", NULL, 16777216);
	has_line(render(),
		 "speechwatch_fetch_response_bytes_bucket{kind=\"list\",le=\"16777216\"} 1");
}
END_TEST

/* Whole thousandths are written without printf; the rest must not lose digits. */
START_TEST(values_are_written_as_the_format_reads_them)
{
	static const struct {
		double v;
		const char *text;
	} cases[] = {
	    {0, "x 0"},
	    {12, "x 12"},
	    {0.25, "x 0.25"},
	    {-3.5, "x -3.5"},
	    {100.315, "x 100.315"},
	    {1700000000.123, "x 1700000000.123"},
	    {16777216, "x 16777216"},
	    {1e-7, "x 1e-07"},
	    {0.1 + 0.2, "x 0.30000000000000004"},
	    {0.0001234, "x 0.0001234"},
	    {1e13, "x 10000000000000"},
	    {NAN, "x NaN"},
	    {INFINITY, "x +Inf"},
	    {-INFINITY, "x -Inf"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		buf_reset(&out);
		metrics_write_sample(&out, "x", NULL, NULL, cases[i].v);
		has_line(buf_str(&out), cases[i].text);
	}
}
END_TEST

START_TEST(label_values_are_escaped)
{
	const char *t;

	/* channel ids are config words; the renderer must not rely on it */
	metrics_add(m, METRIC_DELIVERIES, "a\"b\\c\nd} x 1", "dead", 1);
	t = render();
	has_line(t,
		 "speechwatch_deliveries_total{channel=\"a\\\"b\\\\c\\nd} x 1\",outcome=\"dead\"} "
		 "1");
	metrics_write_sample(&out, "speechwatch_x", "channel", "q\"\n", 2);
	has_line(buf_str(&out), "speechwatch_x{channel=\"q\\\"\\n\"} 2");
	buf_reset(&out);
	metrics_write_head(&out, "speechwatch_x", "gauge", "back\\slash\nnew line");
	ck_assert_str_eq(
	    buf_str(&out),
	    "# HELP speechwatch_x back\\\\slash\\nnew line\n# TYPE speechwatch_x gauge\n");
}
END_TEST

START_TEST(series_are_bounded_and_drops_counted)
{
	char id[32], *longer = xmalloc(600);

	memset(longer, 'x', 599);
	longer[599] = '\0';
	metrics_add(m, METRIC_ITEMS_SEEN, longer, NULL, 1);
	ck_assert_double_eq(metrics_value(m, METRIC_DROPPED, NULL, NULL), 1);
	for (int i = 0; i < METRICS_MAX_SERIES + 5; i++) {
		snprintf(id, sizeof(id), "s%d", i);
		metrics_add(m, METRIC_ITEMS_SEEN, id, NULL, 1);
	}
	ck_assert_double_eq(metrics_value(m, METRIC_DROPPED, NULL, NULL), 6);
	ck_assert_double_eq(metrics_value(m, METRIC_ITEMS_SEEN, "s0", NULL), 1);
	ck_assert_double_eq(metrics_value(m, METRIC_ITEMS_SEEN, id, NULL), 0);
	/* a known series still counts when the family is full */
	metrics_add(m, METRIC_ITEMS_SEEN, "s0", NULL, 1);
	ck_assert_double_eq(metrics_value(m, METRIC_ITEMS_SEEN, "s0", NULL), 2);
	has_line(render(), "speechwatch_metrics_dropped_total 6");
	free(longer);
}
END_TEST

START_TEST(a_kept_block_lives_for_its_age_only)
{
	ck_assert_ptr_null(metrics_kept(m, 100, 5));
	metrics_keep(m, "gauges\n", 100);
	ck_assert_str_eq(metrics_kept(m, 104.9, 5), "gauges\n");
	ck_assert_ptr_null(metrics_kept(m, 105, 5));
	ck_assert_ptr_null(metrics_kept(m, 99, 5)); /* a clock before it: not trusted */
	metrics_keep(m, "newer\n", 200);
	ck_assert_str_eq(metrics_kept(m, 200, 5), "newer\n");
	metrics_keep(NULL, "x", 1);
	ck_assert_ptr_null(metrics_kept(NULL, 1, 5));
}
END_TEST

/* The page against a store in a temp dir with two channels and a few events. */
static struct config *page_config(const char *dir)
{
	char *text = xasprintf("[daemon]\nstate_dir = %s\n"
			       "[notify \"out\"]\ntype = stdout\n"
			       "[notify \"log\"]\ntype = stdout\n",
			       dir);
	struct config *c = testutil_config(dir, text);

	free(text);
	return c;
}

static void add_event(struct store *st, const char *id, const char *channel,
		      enum store_event_state state)
{
	struct store_event ev;

	ck_assert_int_eq(store_begin(st), 0);
	ck_assert_int_eq(
	    store_event_insert(st, &(struct store_event_new){id, channel, "statement.new", "src", 0,
							     "{}", 1700000000}),
	    0);
	ck_assert_int_eq(store_commit(st), 0);
	memset(&ev, 0, sizeof(ev));
	ev.id = xstrdup(id);
	ev.state = state;
	ck_assert_int_eq(store_event_update(st, &ev), 0);
	free(ev.id);
}

static void page(const struct web_ctx *ctx, struct web_reply *rep)
{
	struct web_request req = {"GET", "/metrics", NULL, NULL};

	memset(rep, 0, sizeof(*rep));
	buf_init(&rep->body);
	rep->status = 200;
	web_page_metrics(ctx, &req, rep);
}

START_TEST(the_page_adds_outbox_and_store_gauges)
{
	char *dir = testutil_tmpdir(), *path = xasprintf("%s/speechwatch.db", dir), err[512];
	struct config *cfg = page_config(dir);
	struct store *st = store_open(path, err, sizeof(err));
	struct web_ctx ctx = {.store = st, .cfg = cfg, .metrics = m, .now = 1700000000};
	struct web_reply rep;
	const char *t;

	ck_assert_msg(st != NULL, "%s", err);
	add_event(st, "evt_1", "out", EVENT_QUEUED);
	add_event(st, "evt_2", "out", EVENT_RETRY_WAIT);
	add_event(st, "evt_3", "out", EVENT_DEAD);
	add_event(st, "evt_4", "log", EVENT_DELIVERED);
	metrics_poll(m, "mfa", "ok", 1, 3, 1700000000);
	page(&ctx, &rep);
	t = buf_str(&rep.body);
	ck_assert_int_eq(rep.status, 200);
	ck_assert_str_eq(rep.content_type, "text/plain; version=0.0.4; charset=utf-8");
	has_line(t, "speechwatch_polls_total{source=\"mfa\",result=\"ok\"} 1");
	has_line(t, "# TYPE speechwatch_outbox_pending_events gauge");
	has_line(t, "speechwatch_outbox_pending_events{channel=\"out\"} 2");
	has_line(t, "speechwatch_outbox_pending_events{channel=\"log\"} 0");
	has_line(t, "speechwatch_outbox_dead_events{channel=\"out\"} 1");
	has_line(t, "speechwatch_outbox_dead_events{channel=\"log\"} 0");
	ck_assert_ptr_nonnull(strstr(t, "\nspeechwatch_store_size_bytes "));
	ck_assert_ptr_null(strstr(t, "\nspeechwatch_store_size_bytes 0\n"));
	has_line(t, "speechwatch_store_read_ok 1");
	buf_free(&rep.body);

	/* read at most every METRICS_STORE_EVERY seconds; the counters are always new */
	add_event(st, "evt_5", "out", EVENT_QUEUED);
	metrics_poll(m, "mfa", "ok", 1, 3, 1700000000);
	page(&ctx, &rep);
	has_line(buf_str(&rep.body), "speechwatch_outbox_pending_events{channel=\"out\"} 2");
	has_line(buf_str(&rep.body), "speechwatch_polls_total{source=\"mfa\",result=\"ok\"} 2");
	buf_free(&rep.body);
	metrics_keep(m, "old\n", clock_mono() - METRICS_STORE_EVERY);
	page(&ctx, &rep);
	has_line(buf_str(&rep.body), "speechwatch_outbox_pending_events{channel=\"out\"} 3");
	ck_assert_ptr_null(strstr(buf_str(&rep.body), "old\n"));
	buf_free(&rep.body);

	ctx.store = NULL; /* no store: its gauges are left out, and that is said */
	ctx.metrics = NULL;
	page(&ctx, &rep);
	t = buf_str(&rep.body);
	ck_assert_ptr_null(strstr(t, "speechwatch_outbox_pending_events"));
	has_line(t, "speechwatch_store_read_ok 0");
	buf_free(&rep.body);
	store_close(st);
	config_free(cfg);
	testutil_rmtree(dir);
	free(dir);
	free(path);
}
END_TEST

/* Updates of every kind between two renders: a registry's second render equals a first one. */
static void update_round(struct metrics *r, int round)
{
	char src[16];

	for (int i = round; i < 150; i += 3) {
		snprintf(src, sizeof(src), "s%03d", i);
		metrics_poll(r, src, i % 2 ? "ok" : "not-modified", 1, 9 * i * round,
			     1700000000.5 + round);
	}
	metrics_poll(r, "s070", "timeout", 0, -1, 0); /* a new series in the middle */
	metrics_fetch(r, "list", "ok", 200 + round, 5000u * (unsigned)round, 0.02 * round);
	metrics_set(r, METRIC_LAST_POLL_OK, "s003", NULL, 1e15 + round); /* longer values */
}

START_TEST(a_render_after_updates_equals_a_fresh_one)
{
	struct metrics *fresh = metrics_new();
	struct buf want;

	buf_init(&want);
	for (int round = 0; round < 3; round++) {
		update_round(m, round);
		update_round(fresh, round);
		render(); /* m renders at every round, fresh only at the end */
	}
	metrics_render(fresh, &want);
	ck_assert_str_eq(render(), buf_str(&want));
	ck_assert_str_eq(render(), buf_str(&want)); /* nothing changed: the same again */
	metrics_free(fresh);
	buf_free(&want);
}
END_TEST

static Suite *metrics_suite(void)
{
	Suite *s = suite_create("metrics");
	TCase *tc = tcase_create("registry");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, series_are_kept_per_label_values);
	tcase_add_test(tc, counters_only_grow_and_calls_must_fit_the_type);
	tcase_add_test(tc, a_null_registry_takes_updates_and_renders_the_families);
	tcase_add_test(tc, render_writes_help_type_and_samples);
	tcase_add_test(tc, histograms_have_cumulative_buckets_inf_sum_and_count);
	tcase_add_test(tc, values_are_written_as_the_format_reads_them);
	tcase_add_test(tc, label_values_are_escaped);
	tcase_add_test(tc, series_are_bounded_and_drops_counted);
	tcase_add_test(tc, a_kept_block_lives_for_its_age_only);
	tcase_add_test(tc, the_page_adds_outbox_and_store_gauges);
	tcase_add_test(tc, a_render_after_updates_equals_a_fresh_one);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return testutil_run(metrics_suite());
}
