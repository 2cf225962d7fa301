/*
 * Detection's rules: what a list of items does to the store and the outbox.
 * A first poll is a silent baseline; unknown items are fetched, stored and
 * alerted; a known item is re-checked when due and alerts only when its
 * text changed; an empty list fails the poll; a list that lost most of its
 * items changes nothing until it has held steady; the same statement seen
 * through another source alerts once, and under a new URL of the same
 * source not at all (most new items moved: one source.changed). Driven through detect_start with
 * list items, against a real store, with the articles served by testutil_http.
 */
#include <check.h>
#include <ev.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/xmalloc.h"
#include "config/config.h"
#include "daemon/article_fetch.h"
#include "daemon/article_read.h"
#include "daemon/daemon_int.h"
#include "daemon/moved.h"
#include "daemon/outbox.h"
#include "daemon/store.h"
#include "daemon/store_jobs.h"
#include "fetch/http.h"
#include "tests/unit/testutil.h"

static char *dir;
static struct ev_loop *loop;
static struct testutil_http *srv;
static struct daemon d;
static struct source_rt *rt, *other;
static struct poll_outcome *got;
/* Lists without titles: the article page's title is the item's (a moved item keeps it). */
static int untitled;

/* detect_done_fn: keeps the outcome for the test to read. */
static void detect_done(struct source_rt *r, struct poll_outcome *o)
{
	ck_assert_ptr_eq(r, o->rt);
	ck_assert_ptr_null(got); /* exactly once */
	got = o;
}

static void outcome_free(struct poll_outcome *o)
{
	if (o == NULL)
		return;
	free(o->etag);
	free(o->last_modified);
	free(o);
}

/* Every store job is back (the rows read at creation, the polls' writes). */
static int jobs_idle(void *arg)
{
	(void)arg;
	return store_jobs_pending(d.jobs) == 0;
}

/* A daemon around the store, with its outbox stopped: events stay in the store to count. */
static void start(const char *daemon_extra, enum daemon_mode mode)
{
	struct http_config hc;
	char err[512], *path, *text;

	text = xasprintf("[daemon]\nstate_dir = %s\nrecheck_days = 3\n%s"
			 "[source \"s\"]\nurl = http://127.0.0.1:%d/list\nitems = //li\n"
			 "body = //article\nallow_private = yes\ninterval = 10m\n"
			 "[source \"t\"]\nurl = http://127.0.0.1:%d/other\nitems = //li\n"
			 "body = //article\nallow_private = yes\n",
			 dir, daemon_extra ? daemon_extra : "", testutil_http_port(srv),
			 testutil_http_port(srv));
	memset(&d, 0, sizeof(d));
	d.loop = loop;
	d.mode = mode;
	d.cfg = testutil_config(dir, text);
	free(text);
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
	d.outbox = outbox_new(&d.outbox_env, 1, NULL); /* the default stdout channel */
	ck_assert_ptr_nonnull(d.outbox);
	outbox_stop(d.outbox);
	rt = schedule_source_new(&d, &d.cfg->sources[0]);
	other = schedule_source_new(&d, &d.cfg->sources[1]);
	ck_assert_msg(testutil_loop_until(loop, jobs_idle, NULL, 5), "the rows were not read");
}

static void setup(void)
{
	dir = testutil_tmpdir();
	loop = ev_loop_new(EVFLAG_AUTO);
	ck_assert_ptr_nonnull(loop);
	srv = testutil_http_new(loop);
	got = NULL;
	rt = other = NULL;
	untitled = 0;
}

static void teardown(void)
{
	store_jobs_free(d.jobs); /* its done callbacks still find the sources */
	d.jobs = NULL;
	outcome_free(got);
	got = NULL;
	schedule_source_free(rt);
	schedule_source_free(other);
	outbox_free(d.outbox);
	store_jobs_free(d.jobs);
	http_free(d.http);
	store_close(d.store);
	config_free(d.cfg);
	testutil_http_free(srv);
	ev_loop_destroy(loop);
	testutil_rmtree(dir);
	free(dir);
}

/* --- the world before the poll --- */

/*
 * Records a previous poll of source id: its list had `items` items (a list
 * of at least 4 that then loses more than half is suspect).
 */
static void set_source(const char *id, long items, long suspect_polls, long suspect_items)
{
	struct store_source s;

	memset(&s, 0, sizeof(s));
	s.items = items;
	s.suspect_polls = suspect_polls;
	s.suspect_items = suspect_items;
	s.last_poll = clock_wall() - 600;
	ck_assert_int_eq(store_source_put(d.store, id, "http://x/", &s), 0);
}

/* An article page whose text (inside <article>) is `words` of filler after `lead`. */
static char *page(const char *lead)
{
	struct buf b;

	buf_init(&b);
	buf_printf(&b,
		   "<html><head><title>%s</title></head><body><nav>menu</nav><article>"
		   "<h1>%s</h1><p>",
		   lead, lead);
	for (int i = 0; i < 40; i++)
		buf_printf(&b, "%s sentence number %d of the statement. ", lead, i);
	buf_printf(&b, "</p></article></body></html>");
	return buf_steal(&b);
}

static void serve(const char *path, const char *lead)
{
	char *html = page(lead);

	testutil_http_set(srv, path, 200, NULL, html);
	free(html);
}

static char *url_of(const char *path)
{
	return xasprintf("http://127.0.0.1:%d%s", testutil_http_port(srv), path);
}

/* A list of n items; paths[i] NULL gives an item without a URL. Dates NULL. */
static struct list_items list_of(const char *const *paths, size_t n)
{
	struct list_items items = {.v = xcalloc(n ? n : 1, sizeof(struct list_item)), .n = n};

	for (size_t i = 0; i < n; i++) {
		items.v[i].url = paths[i] ? url_of(paths[i]) : NULL;
		items.v[i].title = untitled ? NULL : xasprintf("Item %zu", i);
	}
	return items;
}

/* --- the poll --- */

static int detect_over(void *arg)
{
	(void)arg;
	return got != NULL;
}

static struct poll_outcome *outcome_for(struct source_rt *r, size_t nitems)
{
	struct poll_outcome *o = xcalloc(1, sizeof(*o));

	o->rt = r;
	/* The source's row as poll_start would hold it (set_source may have changed it). */
	store_source_clear(&r->src);
	ck_assert_int_ge(store_source_get(d.store, r->id, &r->src), 0);
	r->src_known = 1;
	o->src = &r->src;
	o->ok = 1;
	o->result = "ok";
	o->items = (long)nitems;
	return o;
}

/* Runs detection of items for source r to its end; the outcome is in got. */
static void detect(struct source_rt *r, const char *const *paths, size_t n)
{
	struct list_items items = list_of(paths, n);

	outcome_free(got);
	got = NULL;
	detect_start(r, &items, outcome_for(r, n), detect_done);
	ck_assert_msg(testutil_loop_until(loop, detect_over, NULL, 15), "detection did not end");
	ck_assert_ptr_null(r->run);
}

static void recheck(struct source_rt *r)
{
	outcome_free(got);
	got = NULL;
	detect_start_recheck(r, outcome_for(r, 0), detect_done);
	ck_assert_msg(testutil_loop_until(loop, detect_over, NULL, 15), "re-check did not end");
}

/* --- what the store holds afterwards --- */

static long events_pending(void)
{
	struct store_channel_counts c;

	ck_assert_int_eq(store_channel_counts(d.store, "stdout", &c), 0);
	free(c.last_error);
	return c.pending;
}

/* The type of the newest pending event ("" when none). */
static void newest_event_type(char *out, size_t len)
{
	struct store_event *evs;
	size_t n;

	ck_assert_int_eq(store_events_due(d.store, 1e12, NULL, 1000, &evs, &n), 0);
	snprintf(out, len, "%s", n ? evs[n - 1].type : "");
	for (size_t i = 0; i < n; i++)
		store_event_clear(&evs[i]);
	free(evs);
}

/* 1 when source id has the item at path; *has_text says whether its text was stored. */
static int stored(const char *id, const char *path, int *has_text)
{
	struct store_item it;
	char *url = url_of(path);
	int rc = store_item_find(d.store, id, url, NULL, &it);

	free(url);
	ck_assert_int_ge(rc, 0);
	if (rc == 1) {
		if (has_text)
			*has_text = it.text != NULL;
		store_item_clear(&it);
	}
	return rc;
}

/* --- what it costs the store --- */

static struct store_info counts(void)
{
	struct store_info info;

	ck_assert_int_eq(store_info(d.store, &info), 0);
	return info;
}

START_TEST(a_baseline_of_twenty_items_is_one_commit)
{
	const char *paths[20];
	char names[20][16];
	unsigned long before;
	int text = 0;

	start(NULL, DAEMON_RUN);
	for (int i = 0; i < 20; i++) {
		snprintf(names[i], sizeof(names[i]), "/b%d", i);
		paths[i] = names[i];
		serve(names[i], names[i] + 1);
	}
	before = counts().commits;
	detect(rt, paths, 20);
	ck_assert_int_eq(got->unsettled, 0);
	ck_assert_int_eq(testutil_http_hits(srv, NULL), 20);
	ck_assert_uint_eq(counts().commits - before, 1);
	for (int i = 0; i < 20; i++) {
		ck_assert_int_eq(stored("s", paths[i], &text), 1);
		ck_assert(text);
	}
}
END_TEST

START_TEST(a_list_of_known_items_is_one_commit)
{
	static const char *const paths[] = {"/k1", "/k2", "/k3"};
	unsigned long before;

	start(NULL, DAEMON_RUN);
	for (int i = 0; i < 3; i++)
		serve(paths[i], paths[i] + 1);
	detect(rt, paths, 3); /* baseline */
	before = counts().commits;
	detect(rt, paths, 3); /* every item known, none due: three sightings */
	ck_assert_int_eq(testutil_http_hits(srv, NULL), 3);
	ck_assert_uint_eq(counts().commits - before, 1);
}
END_TEST

START_TEST(no_recheck_query_when_recheck_days_is_zero)
{
	struct store_info before;

	start(NULL, DAEMON_ONCE);
	set_source("s", 1, 0, 0);
	serve("/z1", "Before");
	detect(rt, (const char *const[]){"/z1"}, 1); /* new: stored with its text */
	serve("/z1", "After");
	d.cfg->daemon.recheck_days = 0;
	before = counts();
	recheck(rt);					     /* the list answered 304 */
	ck_assert_uint_eq(counts().reads - before.reads, 1); /* the source's row (outcome_for) */
	ck_assert_uint_eq(counts().commits, before.commits);
	ck_assert_int_eq(testutil_http_hits(srv, "/z1"), 1);
	ck_assert_int_eq(got->changed, 0);
}
END_TEST

/* An item of source s first seen `age` seconds ago, with a text. */
static void put_old_item(const char *path, double age)
{
	struct store_item it;

	memset(&it, 0, sizeof(it));
	it.source_id = xstrdup("s");
	it.url = url_of(path);
	it.norm_url = xstrdup(it.url);
	it.text = xstrdup("old text");
	it.first_seen = it.last_seen = it.last_checked = clock_wall() - age;
	ck_assert_int_eq(store_item_put(d.store, &it), 0);
	store_item_clear(&it);
}

START_TEST(no_recheck_query_once_every_window_has_passed)
{
	unsigned long reads;

	start(NULL, DAEMON_ONCE);
	set_source("s", 1, 0, 0);
	put_old_item("/o1", 10 * 86400.0); /* outside recheck_days = 3 */
	reads = counts().reads;
	/* reads: the source's row (outcome_for, as poll_start), then what detection asks */
	recheck(rt);
	ck_assert_uint_eq(counts().reads - reads, 2); /* and the source's newest text, once */
	reads = counts().reads;
	recheck(rt);
	ck_assert_uint_eq(counts().reads - reads, 1); /* the rest from memory */
	serve("/n1", "Before");
	detect(rt, (const char *const[]){"/n1"}, 1); /* a new text opens a window */
	serve("/n1", "After");
	recheck(rt);
	ck_assert_int_eq(got->changed, 1);
	ck_assert_int_eq(testutil_http_hits(srv, "/o1"), 0);
}
END_TEST

/* --- first poll --- */

START_TEST(a_first_poll_is_a_silent_baseline)
{
	static const char *const paths[] = {"/a1", "/a2", "/a3"};
	int text = 0;

	start(NULL, DAEMON_RUN);
	serve("/a1", "First");
	serve("/a2", "Second");
	serve("/a3", "Third");
	detect(rt, paths, 3);
	ck_assert_int_eq(got->ok, 1);
	ck_assert_int_eq(got->fresh, 0);
	ck_assert_int_eq(got->unsettled, 0);
	ck_assert_int_eq(testutil_http_hits(srv, NULL), 3); /* texts recorded for later diffs */
	for (size_t i = 0; i < 3; i++) {
		ck_assert_int_eq(stored("s", paths[i], &text), 1);
		ck_assert(text);
	}
	ck_assert_int_eq(events_pending(), 0);
}
END_TEST

START_TEST(an_old_baseline_item_is_recorded_without_its_text)
{
	struct list_items items;

	start(NULL, DAEMON_RUN);
	serve("/old", "Old");
	items = list_of((const char *const[]){"/old"}, 1);
	items.v[0].date = xstrdup("2001-01-01");
	detect_start(rt, &items, outcome_for(rt, 1), detect_done);
	ck_assert(testutil_loop_until(loop, detect_over, NULL, 15));
	ck_assert_int_eq(testutil_http_hits(srv, NULL), 0); /* outside the re-check window */
	ck_assert_int_eq(stored("s", "/old", NULL), 1);
	ck_assert_int_eq(events_pending(), 0);
}
END_TEST

/*
 * first_poll = archive: the baseline, then the texts of the newest
 * archive_max items, silently; a 5xx is read again at the next poll (here
 * a 304's), a 404 is not.
 */
START_TEST(first_poll_archive_reads_the_newest_texts_and_resumes)
{
	static const char *const paths[] = {"/a1", "/a2", "/a3", "/a4"};
	int text = 0;

	start("first_poll = archive\narchive_max = 3\n", DAEMON_RUN);
	serve("/a1", "First");
	testutil_http_set(srv, "/a2", 503, NULL, "busy");
	testutil_http_set(srv, "/a3", 404, NULL, "gone");
	serve("/a4", "Fourth");
	detect(rt, paths, 4);
	ck_assert_int_eq(got->fresh, 0);
	ck_assert_int_eq(got->unsettled, 0);		    /* the list is recorded whole */
	ck_assert_int_eq(testutil_http_hits(srv, NULL), 3); /* a4 is past archive_max */
	ck_assert_int_eq(stored("s", "/a1", &text), 1);
	ck_assert(text);
	ck_assert_int_eq(stored("s", "/a4", &text), 1);
	ck_assert(!text);
	serve("/a2", "Second");
	serve("/a3", "Third");
	set_source("s", 4, 0, 0);
	recheck(rt); /* the list did not change: the archive goes on */
	ck_assert_int_eq(testutil_http_hits(srv, "/a2"), 2);
	ck_assert_int_eq(testutil_http_hits(srv, "/a3"), 1);
	ck_assert_int_eq(testutil_http_hits(srv, "/a1"), 1);
	ck_assert_int_eq(stored("s", "/a2", &text), 1);
	ck_assert(text);
	ck_assert_int_eq(stored("s", "/a3", &text), 1);
	ck_assert(!text);
	ck_assert_int_eq(events_pending(), 0);
	recheck(rt);
	ck_assert_int_eq(testutil_http_hits(srv, NULL), 4); /* nothing left to read */
}
END_TEST

START_TEST(first_poll_alert_alerts_from_the_start)
{
	start("first_poll = alert\n", DAEMON_RUN);
	serve("/a1", "First");
	detect(rt, (const char *const[]){"/a1"}, 1);
	ck_assert_int_eq(got->fresh, 1);
	ck_assert_int_eq(events_pending(), 1);
}
END_TEST

/* --- new items --- */

START_TEST(new_items_are_fetched_stored_and_alerted_once)
{
	static const char *const paths[] = {"/n1", "/n2", "/n3", "/n4"};
	char type[64];
	int text = 0;

	start(NULL, DAEMON_RUN);
	set_source("s", 4, 0, 0);
	for (size_t i = 0; i < 4; i++)
		serve(paths[i], paths[i] + 1); /* texts of their own: one text twice is a move */
	detect(rt, paths, 2);
	ck_assert_int_eq(got->fresh, 2);
	ck_assert_int_eq(events_pending(), 2);
	newest_event_type(type, sizeof(type));
	ck_assert_str_eq(type, "statement.new");
	ck_assert_int_eq(stored("s", "/n1", &text), 1);
	ck_assert(text);

	/* The next poll lists them again plus two more: only the two are new. */
	set_source("s", 4, 0, 0);
	detect(rt, paths, 4);
	ck_assert_int_eq(got->fresh, 2);
	ck_assert_int_eq(events_pending(), 4);
	ck_assert_int_eq(testutil_http_hits(srv, "/n1"), 1); /* checked recently: not again */
}
END_TEST

START_TEST(a_failed_article_is_left_for_the_next_poll)
{
	start(NULL, DAEMON_RUN);
	set_source("s", 4, 0, 0);
	testutil_http_set(srv, "/broken", 500, NULL, "oops");
	serve("/fine", "Fine");
	detect(rt, (const char *const[]){"/broken", "/fine"}, 2);
	ck_assert_int_eq(got->ok, 1);
	ck_assert_int_eq(got->fresh, 1);
	ck_assert_int_eq(got->article_errors, 1);
	ck_assert_int_eq(got->unsettled, 1); /* the validators are not kept */
	ck_assert_int_eq(stored("s", "/broken", NULL), 0);
	ck_assert_int_eq(events_pending(), 1);
}
END_TEST

START_TEST(an_item_without_a_url_is_skipped)
{
	start(NULL, DAEMON_RUN);
	set_source("s", 4, 0, 0);
	serve("/u1", "Linked");
	detect(rt, (const char *const[]){NULL, "/u1"}, 2);
	ck_assert_int_eq(got->fresh, 1);
	ck_assert_int_eq(got->unsettled, 0);
	ck_assert_int_eq(testutil_http_hits(srv, NULL), 1);
}
END_TEST

static int hits_one(void *arg)
{
	(void)arg;
	return testutil_http_hits(srv, "/hang") == 1;
}

START_TEST(a_cancelled_poll_leaves_its_new_items_unsettled)
{
	struct list_items items;

	start(NULL, DAEMON_RUN);
	set_source("s", 1, 0, 0);
	testutil_http_set(srv, "/hang", 0, NULL, NULL);
	items = list_of((const char *const[]){"/hang"}, 1);
	detect_start(rt, &items, outcome_for(rt, 1), detect_done);
	ck_assert(testutil_loop_until(loop, hits_one, NULL, 10));
	ck_assert_ptr_nonnull(rt->run);
	ck_assert_ptr_null(got);
	detect_cancel(rt->run);
	ck_assert_ptr_nonnull(got); /* done ran inside the cancel */
	ck_assert_ptr_null(rt->run);
	ck_assert_int_eq(got->unsettled, 1);
	ck_assert_int_eq(stored("s", "/hang", NULL), 0);
	ck_assert_int_eq(events_pending(), 0);
}
END_TEST

/* --- empty and suspect lists --- */

START_TEST(an_empty_list_fails_the_poll)
{
	start(NULL, DAEMON_RUN);
	set_source("s", 5, 0, 0);
	detect(rt, NULL, 0);
	ck_assert_int_eq(got->ok, 0);
	ck_assert_str_eq(got->result, "empty-list");
	ck_assert_str_eq(got->error, "the list yielded no items (the last good poll had 5)");
	ck_assert_int_eq(events_pending(), 0);
}
END_TEST

START_TEST(an_empty_first_list_points_at_the_xpath)
{
	start(NULL, DAEMON_RUN);
	detect(rt, NULL, 0);
	ck_assert_int_eq(got->ok, 0);
	ck_assert_ptr_nonnull(strstr(got->error, "check the items XPath"));
}
END_TEST

/* Issue 15: a list that rejected more items than it kept is a broken selector. */
START_TEST(a_mostly_rejected_list_fails_the_poll)
{
	static const char *const paths[] = {"/kept"};
	struct list_items items = list_of(paths, 1);

	start(NULL, DAEMON_RUN);
	set_source("s", 5, 0, 0);
	serve("/kept", "Kept");
	items.total = 1;
	items.rejected_self = 4;
	outcome_free(got);
	got = NULL;
	detect_start(rt, &items, outcome_for(rt, 1), detect_done);
	ck_assert(testutil_loop_until(loop, detect_over, NULL, 15));
	ck_assert_int_eq(got->ok, 0);
	ck_assert_str_eq(got->result, "items-rejected");
	ck_assert_ptr_nonnull(strstr(got->error, "kept 1, rejected 4 items (4 link to the list "
						 "page itself)"));
	ck_assert_int_eq(testutil_http_hits(srv, NULL), 0);
	ck_assert_int_eq(stored("s", "/kept", NULL), 0);
	ck_assert_int_eq(events_pending(), 0);
}
END_TEST

START_TEST(a_list_that_lost_most_items_changes_nothing)
{
	static const char *const paths[] = {"/x1", "/x2", "/x3"};

	start(NULL, DAEMON_RUN);
	set_source("s", 10, 0, 0);
	serve("/x1", "Redesign");
	detect(rt, paths, 3);
	ck_assert_int_eq(got->suspect, 1);
	ck_assert_int_eq(got->suspect_polls, 1);
	ck_assert_str_eq(got->error, "the list lost 7 of its 10 items");
	ck_assert_int_eq(testutil_http_hits(srv, NULL), 0);
	ck_assert_int_eq(stored("s", "/x1", NULL), 0);
	ck_assert_int_eq(events_pending(), 0);
}
END_TEST

START_TEST(a_suspect_streak_counts_only_the_same_size)
{
	static const char *const paths[] = {"/x1", "/x2", "/x3"};

	start(NULL, DAEMON_RUN);
	set_source("s", 10, 1, 3);
	detect(rt, paths, 3);
	ck_assert_int_eq(got->suspect, 1);
	ck_assert_int_eq(got->suspect_polls, 2);
	set_source("s", 10, 1, 4); /* the streak was of another size: it starts again */
	detect(rt, paths, 3);
	ck_assert_int_eq(got->suspect_polls, 1);
}
END_TEST

START_TEST(a_smaller_list_that_held_steady_becomes_the_silent_baseline)
{
	static const char *const paths[] = {"/y1", "/y2", "/y3"};
	int text = 0;

	start(NULL, DAEMON_RUN);
	set_source("s", 10, 2, 3);
	for (size_t i = 0; i < 3; i++)
		serve(paths[i], "Moved");
	detect(rt, paths, 3);
	ck_assert_int_eq(got->suspect, 0);
	ck_assert_int_eq(got->rebaseline, 1);
	ck_assert_int_eq(got->fresh, 0);
	ck_assert_int_eq(stored("s", "/y2", &text), 1);
	ck_assert(text);
	ck_assert_int_eq(events_pending(), 0); /* a redesign alerts nothing */
}
END_TEST

START_TEST(a_short_list_is_never_suspect)
{
	start(NULL, DAEMON_RUN);
	set_source("s", 3, 0, 0);
	serve("/z1", "Short");
	detect(rt, (const char *const[]){"/z1"}, 1);
	ck_assert_int_eq(got->suspect, 0);
	ck_assert_int_eq(got->fresh, 1);
}
END_TEST

/* --- changes --- */

START_TEST(a_changed_text_alerts_statement_changed)
{
	char type[64];

	start(NULL, DAEMON_ONCE); /* once: every known item in the window is due */
	set_source("s", 1, 0, 0);
	serve("/c1", "Before");
	detect(rt, (const char *const[]){"/c1"}, 1);
	ck_assert_int_eq(got->fresh, 1);
	serve("/c1", "After");
	detect(rt, (const char *const[]){"/c1"}, 1);
	ck_assert_int_eq(got->fresh, 0);
	ck_assert_int_eq(got->changed, 1);
	ck_assert_int_eq(events_pending(), 2);
	newest_event_type(type, sizeof(type));
	ck_assert_str_eq(type, "statement.changed");
}
END_TEST

START_TEST(an_unchanged_text_is_silent)
{
	start(NULL, DAEMON_ONCE);
	set_source("s", 1, 0, 0);
	serve("/c1", "Same");
	detect(rt, (const char *const[]){"/c1"}, 1);
	detect(rt, (const char *const[]){"/c1"}, 1);
	ck_assert_int_eq(testutil_http_hits(srv, "/c1"), 2); /* re-checked */
	ck_assert_int_eq(got->changed, 0);
	ck_assert_int_eq(events_pending(), 1);
}
END_TEST

START_TEST(a_recently_checked_item_waits_for_its_interval)
{
	start(NULL, DAEMON_RUN);
	set_source("s", 1, 0, 0);
	serve("/c1", "Before");
	detect(rt, (const char *const[]){"/c1"}, 1);
	serve("/c1", "After");
	detect(rt, (const char *const[]){"/c1"}, 1);
	ck_assert_int_eq(testutil_http_hits(srv, "/c1"), 1);
	ck_assert_int_eq(got->changed, 0);
}
END_TEST

START_TEST(an_unchanged_list_rechecks_the_stored_items)
{
	start(NULL, DAEMON_ONCE);
	set_source("s", 1, 0, 0);
	serve("/r1", "Before");
	detect(rt, (const char *const[]){"/r1"}, 1);
	serve("/r1", "After");
	recheck(rt); /* the list answered 304 */
	ck_assert_int_eq(testutil_http_hits(srv, "/r1"), 2);
	ck_assert_int_eq(got->changed, 1);
	ck_assert_int_eq(events_pending(), 2);
}
END_TEST

/* --- another source --- */

START_TEST(an_item_another_source_listed_is_recorded_silently)
{
	struct list_items items;

	start(NULL, DAEMON_RUN);
	set_source("s", 1, 0, 0);
	set_source("t", 1, 0, 0);
	serve("/shared", "Shared");
	detect(other, (const char *const[]){"/shared"}, 1);
	ck_assert_int_eq(got->fresh, 1);
	/* the same page, its URL spelt with a trailing slash */
	items = list_of((const char *const[]){"/shared/"}, 1);
	outcome_free(got);
	got = NULL;
	detect_start(rt, &items, outcome_for(rt, 1), detect_done);
	ck_assert(testutil_loop_until(loop, detect_over, NULL, 15));
	ck_assert_int_eq(got->fresh, 0);
	ck_assert_int_eq(testutil_http_hits(srv, NULL), 1);
	ck_assert_int_eq(stored("s", "/shared/", NULL), 1);
	ck_assert_int_eq(events_pending(), 1);
}
END_TEST

START_TEST(the_same_text_through_another_source_alerts_once)
{
	start(NULL, DAEMON_RUN);
	set_source("s", 1, 0, 0);
	set_source("t", 1, 0, 0);
	serve("/t-copy", "Identical");
	serve("/s-copy", "Identical");
	detect(other, (const char *const[]){"/t-copy"}, 1);
	ck_assert_int_eq(got->fresh, 1);
	detect(rt, (const char *const[]){"/s-copy"}, 1);
	ck_assert_int_eq(got->fresh, 0);
	ck_assert_int_eq(stored("s", "/s-copy", NULL), 1);
	ck_assert_int_eq(events_pending(), 1);
}
END_TEST

/* Empty or near-empty texts all hash alike: they never make two statements one. */
START_TEST(empty_or_short_texts_never_match_across_sources)
{
	static const char *const bodies[] = {
	    "<html><body><article></article></body></html>",
	    "<html><body><article><p>Read the PDF.</p></article></body></html>"};

	start(NULL, DAEMON_RUN);
	for (size_t i = 0; i < 2; i++) {
		char *t = xasprintf("/t-short%zu", i), *s = xasprintf("/s-short%zu", i);

		set_source("s", 1, 0, 0);
		set_source("t", 1, 0, 0);
		testutil_http_set(srv, t, 200, NULL, bodies[i]);
		testutil_http_set(srv, s, 200, NULL, bodies[i]);
		detect(other, (const char *const[]){t}, 1);
		ck_assert_int_eq(got->fresh, 1);
		detect(rt, (const char *const[]){s}, 1);
		ck_assert_msg(got->fresh == 1, "body %zu taken for the other source's", i);
		ck_assert_int_eq(events_pending(), 2 * (long)(i + 1));
		free(t);
		free(s);
	}
}
END_TEST

START_TEST(normalised_urls_ignore_www_case_fragment_and_trailing_slash)
{
	char *a = article_normalise_url("https://WWW.Example.org/news/item/#top");
	char *b = article_normalise_url("http://example.org/news/item");
	char *c = article_normalise_url("http://example.org/news/item?id=2");

	ck_assert_str_eq(a, "example.org/news/item");
	ck_assert_str_eq(a, b);
	ck_assert_str_ne(b, c);
	free(a);
	free(b);
	free(c);
}
END_TEST

/* --- moved statements: a known text under a new URL of the same source --- */

/* The types of the pending events, in order, joined by spaces. */
static void event_types(char *out, size_t len)
{
	struct store_event *evs;
	size_t n, o = 0;

	out[0] = '\0';
	ck_assert_int_eq(store_events_due(d.store, 1e12, NULL, 1000, &evs, &n), 0);
	for (size_t i = 0; i < n; i++) {
		o += (size_t)snprintf(out + o, len - o, "%s%s", i ? " " : "", evs[i].type);
		ck_assert_uint_lt(o, len);
		store_event_clear(&evs[i]);
	}
	free(evs);
}

/* Source s knows /old1../oldN (texts "Text1".."TextN"); /newI serves the same texts. */
static void known_then_moved(size_t n)
{
	char old[8][16], moved[8][16];
	const char *paths[8];

	ck_assert_uint_le(n, 8);
	untitled = 1;
	for (size_t i = 0; i < n; i++) {
		char lead[16];

		snprintf(old[i], sizeof(old[i]), "/old%zu", i);
		snprintf(moved[i], sizeof(moved[i]), "/new%zu", i);
		snprintf(lead, sizeof(lead), "Text%zu", i);
		serve(old[i], lead);
		serve(moved[i], lead);
		paths[i] = old[i];
	}
	detect(rt, paths, n); /* the baseline, texts stored */
	ck_assert_int_eq(events_pending(), 0);
	set_source("s", (long)n, 0, 0);
}

START_TEST(a_known_text_under_a_new_url_is_recorded_not_alerted)
{
	int text = 0;

	start(NULL, DAEMON_RUN);
	known_then_moved(2);
	detect(rt, (const char *const[]){"/old0", "/old1", "/new0"}, 3);
	ck_assert_int_eq(got->fresh, 0);
	ck_assert_int_eq(got->unsettled, 0);
	ck_assert_int_eq(stored("s", "/new0", &text), 1);
	ck_assert(text);
	ck_assert_int_eq(events_pending(), 0); /* one move is no site move either */
	/* recorded: the next poll knows it and fetches nothing new */
	detect(rt, (const char *const[]){"/old0", "/old1", "/new0"}, 3);
	ck_assert_int_eq(testutil_http_hits(srv, "/new0"), 1);
	ck_assert_int_eq(events_pending(), 0);
}
END_TEST

START_TEST(most_new_items_moved_raise_one_source_changed)
{
	char types[256];

	start(NULL, DAEMON_RUN);
	known_then_moved(4);
	serve("/fresh", "Fresh");
	detect(rt, (const char *const[]){"/new0", "/new1", "/new2", "/new3", "/fresh"}, 5);
	ck_assert_int_eq(got->fresh, 1); /* a genuinely new statement still alerts */
	ck_assert_int_eq(got->unsettled, 0);
	event_types(types, sizeof(types));
	ck_assert_str_eq(types, "statement.new source.changed");
	for (int i = 0; i < 4; i++) {
		char path[16];

		snprintf(path, sizeof(path), "/new%d", i);
		ck_assert_int_eq(stored("s", path, NULL), 1);
	}
}
END_TEST

START_TEST(a_few_moves_among_many_new_items_raise_nothing)
{
	static const char *const paths[] = {"/new0", "/new1", "/new2", "/f1", "/f2", "/f3", "/f4"};
	char types[256];

	start(NULL, DAEMON_RUN);
	known_then_moved(3);
	for (size_t i = 3; i < 7; i++)
		serve(paths[i], paths[i] + 1);
	detect(rt, paths, 7); /* 3 of 7 new items moved: under half */
	ck_assert_int_eq(got->fresh, 4);
	event_types(types, sizeof(types));
	ck_assert_ptr_null(strstr(types, "source.changed"));
	ck_assert_int_eq(events_pending(), 4);
}
END_TEST

/* A PDF link or an empty shell hashes like every other: never a move. */
START_TEST(short_texts_never_count_as_moved)
{
	static const char *const body = "<html><body><article><p>Read the PDF.</p></article></body>"
					"</html>";

	start(NULL, DAEMON_RUN);
	testutil_http_set(srv, "/pdf1", 200, NULL, body);
	testutil_http_set(srv, "/pdf2", 200, NULL, body);
	detect(rt, (const char *const[]){"/pdf1"}, 1); /* baseline */
	set_source("s", 1, 0, 0);
	detect(rt, (const char *const[]){"/pdf1", "/pdf2"}, 2);
	ck_assert_int_eq(got->fresh, 1);
	ck_assert_int_eq(events_pending(), 1);
}
END_TEST

static int moved_three(void *arg)
{
	(void)arg;
	return rt->batch && rt->batch->moved.nitems == 3 && testutil_http_hits(srv, "/hang") == 1;
}

/* A sidebar or boilerplate extracted from every page: different titles keep them apart. */
START_TEST(the_same_text_under_another_title_still_alerts)
{
	struct list_items items;

	start(NULL, DAEMON_RUN);
	known_then_moved(1);
	items = list_of((const char *const[]){"/old0", "/new0"}, 2);
	free(items.v[1].title);
	items.v[1].title = xstrdup("A different statement");
	outcome_free(got);
	got = NULL;
	detect_start(rt, &items, outcome_for(rt, 2), detect_done);
	ck_assert(testutil_loop_until(loop, detect_over, NULL, 15));
	ck_assert_int_eq(got->fresh, 1);
	ck_assert_int_eq(events_pending(), 1);
}
END_TEST

START_TEST(titles_agree_when_equal_contained_or_missing)
{
	ck_assert(moved_titles_agree("Remarks at the UN", "remarks at the UN."));
	ck_assert(moved_titles_agree("Remarks at the UN", "Remarks at the UN - Ministry"));
	ck_assert(moved_titles_agree(NULL, "Anything"));
	ck_assert(moved_titles_agree("  ", "Anything"));
	ck_assert(!moved_titles_agree("Remarks at the UN", "Press release on trade"));
}
END_TEST

/* A statement listed under two URLs of the source: its edit is alerted once. */
START_TEST(an_edit_of_a_statement_under_two_urls_alerts_once)
{
	char types[256];

	start(NULL, DAEMON_ONCE); /* once: every known item in the window is due */
	known_then_moved(1);
	detect(rt, (const char *const[]){"/old0", "/new0"}, 2); /* /new0 recorded as moved */
	ck_assert_int_eq(events_pending(), 0);
	serve("/old0", "Edited");
	serve("/new0", "Edited");
	detect(rt, (const char *const[]){"/old0", "/new0"}, 2);
	ck_assert_int_eq(got->changed, 1);
	event_types(types, sizeof(types));
	ck_assert_str_eq(types, "statement.changed");
}
END_TEST

/* A move spread over two polls (more than a poll reads): noticed once. */
START_TEST(a_move_over_two_polls_raises_one_source_changed)
{
	char types[256];

	start(NULL, DAEMON_RUN);
	known_then_moved(8);
	detect(rt, (const char *const[]){"/new0", "/new1", "/new2", "/new3"}, 4);
	set_source("s", 4, 0, 0);
	detect(rt,
	       (const char *const[]){"/new0", "/new1", "/new2", "/new3", "/new4", "/new5", "/new6",
				     "/new7"},
	       8);
	ck_assert_int_eq(stored("s", "/new7", NULL), 1);
	event_types(types, sizeof(types));
	ck_assert_str_eq(types, "source.changed");
}
END_TEST

/* A poll cut short judges no move: its moved items are read again by the next. */
START_TEST(a_cancelled_poll_leaves_its_moves_to_the_next)
{
	struct list_items items;
	char types[256];

	start(NULL, DAEMON_RUN);
	known_then_moved(3);
	testutil_http_set(srv, "/hang", 0, NULL, NULL);
	items = list_of((const char *const[]){"/new0", "/new1", "/new2", "/hang"}, 4);
	outcome_free(got);
	got = NULL;
	detect_start(rt, &items, outcome_for(rt, 4), detect_done);
	ck_assert(testutil_loop_until(loop, moved_three, NULL, 10));
	detect_cancel(rt->run);
	ck_assert_ptr_nonnull(got);
	ck_assert_int_eq(got->unsettled, 4);
	ck_assert_int_eq(stored("s", "/new0", NULL), 0);
	ck_assert_int_eq(events_pending(), 0);
	serve("/hang", "Hang");
	detect(rt, (const char *const[]){"/new0", "/new1", "/new2", "/hang"}, 4);
	event_types(types, sizeof(types));
	ck_assert_str_eq(types, "statement.new source.changed");
}
END_TEST

static Suite *detect_suite(void)
{
	Suite *s = suite_create("detect");
	TCase *first = tcase_create("first"), *fresh = tcase_create("new");
	TCase *lists = tcase_create("lists"), *changes = tcase_create("changes");
	TCase *others = tcase_create("others"), *moved = tcase_create("moved");
	TCase *all[] = {first, fresh, lists, changes, others, moved};

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		tcase_add_checked_fixture(all[i], setup, teardown);
		tcase_set_timeout(all[i], 60);
		suite_add_tcase(s, all[i]);
	}
	tcase_add_test(first, a_first_poll_is_a_silent_baseline);
	tcase_add_test(first, a_baseline_of_twenty_items_is_one_commit);
	tcase_add_test(first, a_list_of_known_items_is_one_commit);
	tcase_add_test(changes, no_recheck_query_when_recheck_days_is_zero);
	tcase_add_test(changes, no_recheck_query_once_every_window_has_passed);
	tcase_add_test(first, an_old_baseline_item_is_recorded_without_its_text);
	tcase_add_test(first, first_poll_alert_alerts_from_the_start);
	tcase_add_test(first, first_poll_archive_reads_the_newest_texts_and_resumes);
	tcase_add_test(fresh, new_items_are_fetched_stored_and_alerted_once);
	tcase_add_test(fresh, a_failed_article_is_left_for_the_next_poll);
	tcase_add_test(fresh, an_item_without_a_url_is_skipped);
	tcase_add_test(fresh, a_cancelled_poll_leaves_its_new_items_unsettled);
	tcase_add_test(lists, an_empty_list_fails_the_poll);
	tcase_add_test(lists, an_empty_first_list_points_at_the_xpath);
	tcase_add_test(lists, a_mostly_rejected_list_fails_the_poll);
	tcase_add_test(lists, a_list_that_lost_most_items_changes_nothing);
	tcase_add_test(lists, a_suspect_streak_counts_only_the_same_size);
	tcase_add_test(lists, a_smaller_list_that_held_steady_becomes_the_silent_baseline);
	tcase_add_test(lists, a_short_list_is_never_suspect);
	tcase_add_test(changes, a_changed_text_alerts_statement_changed);
	tcase_add_test(changes, an_unchanged_text_is_silent);
	tcase_add_test(changes, a_recently_checked_item_waits_for_its_interval);
	tcase_add_test(changes, an_unchanged_list_rechecks_the_stored_items);
	tcase_add_test(others, an_item_another_source_listed_is_recorded_silently);
	tcase_add_test(others, the_same_text_through_another_source_alerts_once);
	tcase_add_test(others, normalised_urls_ignore_www_case_fragment_and_trailing_slash);
	tcase_add_test(others, empty_or_short_texts_never_match_across_sources);
	tcase_add_test(moved, a_known_text_under_a_new_url_is_recorded_not_alerted);
	tcase_add_test(moved, most_new_items_moved_raise_one_source_changed);
	tcase_add_test(moved, a_few_moves_among_many_new_items_raise_nothing);
	tcase_add_test(moved, short_texts_never_count_as_moved);
	tcase_add_test(moved, a_cancelled_poll_leaves_its_moves_to_the_next);
	tcase_add_test(moved, a_move_over_two_polls_raises_one_source_changed);
	tcase_add_test(moved, the_same_text_under_another_title_still_alerts);
	tcase_add_test(moved, an_edit_of_a_statement_under_two_urls_alerts_once);
	tcase_add_test(moved, titles_agree_when_equal_contained_or_missing);
	return s;
}

int main(void)
{
	return testutil_run(detect_suite());
}
