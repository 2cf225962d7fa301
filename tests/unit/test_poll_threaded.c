/*
 * A poll cycle with the store on its own thread (store_jobs.h threaded, as
 * a PostgreSQL store runs and as SPEECHWATCH_STORE_THREAD=1 runs SQLite):
 * a first poll's baseline, a first_poll = archive source's reading, new,
 * changed and moved items with their events and source.changed, a quiet
 * 304 flushed by poll_flush, a failure's source.failing. The store is
 * bound to the thread, so any store call from the loop aborts the test
 * (daemon/store.c owned()); what the store holds is asked through jobs too.
 */
#include <check.h>
#include <ev.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/xmalloc.h"
#include "config/config.h"
#include "daemon/daemon_int.h"
#include "daemon/outbox.h"
#include "daemon/store.h"
#include "daemon/store_jobs.h"
#include "fetch/http.h"
#include "tests/unit/testutil.h"

static char *dir;
static struct ev_loop *loop;
static struct testutil_http *srv;
static struct daemon d;
static size_t finished;
static int finished_removed_idle; /* a finished source was removed and nothing pointed at it */

/* source_hooks.finished: counts; a removed source must be free to forget by now. */
static void poll_finished(struct source_rt *rt)
{
	finished++;
	finished_removed_idle = rt->cfg == NULL && !source_busy(rt);
}

static int jobs_idle(void *arg)
{
	(void)arg;
	return store_jobs_pending(d.jobs) == 0;
}

/* Source s (/list) and source a (/alist, first_poll = archive); the outbox's stdout, stopped. */
static void start(void)
{
	struct http_config hc;
	char err[512], *path, *text;
	int port = testutil_http_port(srv);

	text = xasprintf("[daemon]\nstate_dir = %s\nrecheck_days = 3\nfail_after = 1\n"
			 "[source \"s\"]\nurl = http://127.0.0.1:%d/list\nitems = //li\n"
			 "body = //article\nallow_private = yes\n"
			 "[source \"a\"]\nurl = http://127.0.0.1:%d/alist\nitems = //li\n"
			 "body = //article\nallow_private = yes\nfirst_poll = archive\n",
			 dir, port, port);
	memset(&d, 0, sizeof(d));
	d.loop = loop;
	d.mode = DAEMON_ONCE; /* every stored text is due for a re-check at each poll */
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
	d.outbox = outbox_new(&d.outbox_env, 1, NULL); /* its first look runs inline */
	ck_assert_ptr_nonnull(d.outbox);
	outbox_stop(d.outbox);
	ck_assert_int_eq(store_jobs_start_thread(d.jobs, err, sizeof(err)), 0); /* as daemon_run */
	d.sources = xcalloc(2, sizeof(*d.sources));
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
	start();
}

static void teardown(void)
{
	store_jobs_free(d.jobs); /* ends the thread: the store is the test's again */
	ev_timer_stop(loop, &d.flush_timer);
	for (size_t i = 0; i < d.nsources; i++)
		schedule_source_free(d.sources[i]);
	free(d.sources);
	outbox_free(d.outbox);
	http_free(d.http);
	store_close(d.store);
	config_free(d.cfg);
	testutil_http_free(srv);
	ev_loop_destroy(loop);
	testutil_rmtree(dir);
	free(dir);
}

/* An article page: its text (inside <article>) is 40 sentences about lead. */
static void serve_page(const char *path, const char *lead)
{
	struct buf b;

	buf_init(&b);
	buf_printf(&b, "<html><head><title>%s</title></head><body><article><h1>%s</h1><p>", lead,
		   lead);
	for (int i = 0; i < 40; i++)
		buf_printf(&b, "%s sentence number %d of the statement. ", lead, i);
	buf_printf(&b, "</p></article></body></html>");
	testutil_http_set(srv, path, 200, "Content-Type: text/html\r\n", buf_str(&b));
	buf_free(&b);
}

/* A list page at path: pairs of (article path, title), NULL-ended. */
static void serve_list(const char *path, const char *const *v)
{
	struct buf b;

	buf_init(&b);
	buf_append_str(&b, "<html><body><ul>");
	for (; *v; v += 2)
		buf_printf(&b, "<li><a href=\"http://127.0.0.1:%d%s\">%s</a></li>",
			   testutil_http_port(srv), v[0], v[1]);
	buf_append_str(&b, "</ul></body></html>");
	testutil_http_set(srv, path, 200, "Content-Type: text/html\r\n", buf_str(&b));
	buf_free(&b);
}

static int polls_over(void *arg)
{
	return finished >= *(size_t *)arg && store_jobs_pending(d.jobs) == 0;
}

/* Polls the first n sources and runs the loop until they ended and every job is back. */
static void poll_all(size_t n)
{
	size_t want = finished + n;

	for (size_t i = 0; i < n; i++)
		poll_start(d.sources[i]);
	ck_assert_msg(testutil_loop_until(loop, polls_over, &want, 20), "the polls did not end");
}

/* What the store holds, gathered by a job on the store's thread. */
struct facts {
	int port;
	long pending;	   /* events queued for stdout */
	char types[8][32]; /* their types, oldest first */
	size_t ntypes;
	int failing; /* source s's row */
	char result[32];
	int text[8];		  /* paths[i] of facts_of has a stored text (-1: no item) */
	const char *const *paths; /* "s:/a1", ... */
};

static void item_text(struct store *st, struct facts *f, size_t i)
{
	struct store_item it;
	char id[8], *url;
	int rc;

	snprintf(id, sizeof(id), "%.*s", (int)(strchr(f->paths[i], ':') - f->paths[i]),
		 f->paths[i]);
	url = xasprintf("http://127.0.0.1:%d%s", f->port, strchr(f->paths[i], ':') + 1);
	rc = store_item_find(st, id, url, NULL, &it);
	f->text[i] = rc == 1 ? it.text != NULL : -1;
	if (rc == 1)
		store_item_clear(&it);
	free(url);
}

static void facts_work(struct store *st, void *arg)
{
	struct facts *f = arg;
	struct store_channel_counts c;
	struct store_event *evs = NULL;
	struct store_source s;
	size_t n = 0;

	if (store_channel_counts(st, "stdout", &c) == 0) {
		f->pending = c.pending;
		free(c.last_error);
	}
	if (store_events_due(st, 1e12, NULL, 1000, &evs, &n) == 0)
		for (size_t i = 0; i < n; i++) {
			if (f->ntypes < 8)
				snprintf(f->types[f->ntypes++], 32, "%s", evs[i].type);
			store_event_clear(&evs[i]);
		}
	free(evs);
	if (store_source_get(st, "s", &s) == 1) {
		f->failing = s.failing;
		snprintf(f->result, sizeof(f->result), "%s", s.last_result ? s.last_result : "");
		store_source_clear(&s);
	}
	for (size_t i = 0; f->paths && f->paths[i]; i++)
		item_text(st, f, i);
}

static void facts_done(void *arg, int cancelled)
{
	(void)arg;
	(void)cancelled;
	finished += 1000; /* seen by facts_back */
}

static int facts_back(void *arg)
{
	return finished >= *(size_t *)arg;
}

static void facts_of(struct facts *f, const char *const *paths)
{
	size_t want = finished + 1000;

	memset(f, 0, sizeof(*f));
	f->port = testutil_http_port(srv);
	f->paths = paths;
	store_jobs_submit(d.jobs, facts_work, facts_done, f);
	ck_assert_msg(testutil_loop_until(loop, facts_back, &want, 10), "the store did not answer");
	finished -= 1000;
}

/* The event types queued, oldest first, joined with spaces. */
static void types_of(const struct facts *f, char *out, size_t len)
{
	out[0] = '\0';
	for (size_t i = 0; i < f->ntypes; i++)
		snprintf(out + strlen(out), len - strlen(out), "%s%s", i ? " " : "", f->types[i]);
}

static size_t count_type(const struct facts *f, const char *type)
{
	size_t n = 0;

	for (size_t i = 0; i < f->ntypes; i++)
		n += strcmp(f->types[i], type) == 0;
	return n;
}

/* A baseline, then new, changed and moved items, a quiet 304, a failure: all off the loop. */
START_TEST(a_poll_cycle_never_uses_the_store_from_the_loop)
{
	static const char *const first[] = {"/a1",	    "Statement A1", "/a2",
					    "Statement A2", "/a3",	    "Statement A3",
					    "/a4",	    "Statement A4", NULL};
	static const char *const second[] = {"/n1", "Statement N1", "/a1", "Statement A1",
					     "/m2", "Statement A2", "/m3", "Statement A3",
					     "/m4", "Statement A4", NULL};
	static const char *const archive[] = {"/b1", "Archived B1", "/b2", "Archived B2", NULL};
	static const char *const paths[] = {"s:/a1", "s:/n1", "s:/m2", "a:/b1", "a:/b2", NULL};
	struct facts f;
	char types[256];

	for (int i = 1; i <= 4; i++) {
		char path[16], lead[32];

		snprintf(path, sizeof(path), "/a%d", i);
		snprintf(lead, sizeof(lead), "Statement A%d", i);
		serve_page(path, lead);
	}
	serve_page("/b1", "Archived B1");
	serve_page("/b2", "Archived B2");
	serve_list("/list", first);
	serve_list("/alist", archive);
	poll_all(2); /* s: a baseline; a: recorded, then its archive read */
	facts_of(&f, paths);
	ck_assert_int_eq(f.pending, 0);
	ck_assert_int_eq(f.text[0], 1);
	ck_assert_int_eq(f.text[3], 1);
	ck_assert_int_eq(f.text[4], 1);
	ck_assert_str_eq(f.result, "ok");

	serve_page("/a1", "Statement A1 edited"); /* a re-check finds the edit */
	serve_page("/n1", "Statement N1");
	serve_page("/m2", "Statement A2"); /* three statements moved to new URLs */
	serve_page("/m3", "Statement A3");
	serve_page("/m4", "Statement A4");
	serve_list("/list", second);
	poll_all(1);
	facts_of(&f, paths);
	types_of(&f, types, sizeof(types));
	ck_assert_msg(f.pending == 3, "pending %ld: %s", f.pending, types);
	ck_assert_uint_eq(count_type(&f, "statement.new"), 1);
	ck_assert_uint_eq(count_type(&f, "statement.changed"), 1);
	ck_assert_uint_eq(count_type(&f, "source.changed"), 1);
	ck_assert_int_eq(f.text[1], 1);
	ck_assert_int_eq(f.text[2], 1); /* a moved item is recorded with its text, silently */

	testutil_http_set(srv, "/list", 304, NULL, NULL);
	poll_all(1); /* quiet: its row waits in memory */
	ck_assert_uint_eq(d.ndirty, 1);
	poll_flush(&d);
	ck_assert_msg(testutil_loop_until(loop, jobs_idle, NULL, 5), "no flush");
	ck_assert_uint_eq(d.ndirty, 0);
	facts_of(&f, NULL);
	ck_assert_str_eq(f.result, "not-modified");
	ck_assert_int_eq(f.pending, 3);

	testutil_http_set(srv, "/list", 500, NULL, "down");
	poll_all(1);
	facts_of(&f, NULL);
	ck_assert_int_eq(f.failing, 1);
	ck_assert_str_eq(f.result, "http-error");
	ck_assert_int_eq(f.pending, 4);
	ck_assert_uint_eq(count_type(&f, "source.failing"), 1);
	ck_assert_uint_eq(d.polls_failed, 1); /* counted once its record was written */
}
END_TEST

static int gate; /* hold_work waits for it */

/* A job that keeps the store's thread busy until the test opens the gate. */
static void hold_work(struct store *st, void *arg)
{
	(void)st;
	(void)arg;
	while (!__atomic_load_n(&gate, __ATOMIC_ACQUIRE))
		usleep(1000);
}

static int record_out(void *arg)
{
	struct source_rt *rt = arg;

	return rt->inflight == NULL && rt->jobs_out > 0;
}

static int one_finished(void *arg)
{
	(void)arg;
	return finished == 1;
}

/*
 * A reload that removes a source while its poll's write is out (reload.c
 * retire_rest: rt->cfg = NULL, kept while source_busy) must keep it until
 * the write is back; then the poll ends and the source can be forgotten.
 */
START_TEST(a_source_removed_while_its_write_is_out_is_kept_until_it_is_back)
{
	struct source_rt *rt = d.sources[0];
	const struct config_source *cfg = rt->cfg;
	struct facts f;

	testutil_http_set(srv, "/list", 500, NULL, "down");
	__atomic_store_n(&gate, 0, __ATOMIC_RELEASE);
	store_jobs_submit(d.jobs, hold_work, NULL, NULL);
	poll_start(rt);
	ck_assert_msg(testutil_loop_until(loop, record_out, rt, 10), "no write went out");
	rt->cfg = NULL; /* what retire_rest does */
	ck_assert(source_busy(rt));
	ck_assert_uint_eq(finished, 0);
	__atomic_store_n(&gate, 1, __ATOMIC_RELEASE);
	ck_assert_msg(testutil_loop_until(loop, one_finished, NULL, 10), "the poll did not end");
	ck_assert(finished_removed_idle);
	ck_assert_uint_eq(rt->jobs_out, 0);
	ck_assert_int_eq(rt->polled, 1);
	rt->cfg = cfg;
	facts_of(&f, NULL);
	ck_assert_int_eq(f.failing, 1); /* the write that was out is in the store */
}
END_TEST

static Suite *poll_threaded_suite(void)
{
	Suite *s = suite_create("poll_threaded");
	TCase *tc = tcase_create("cycle");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, a_poll_cycle_never_uses_the_store_from_the_loop);
	tcase_add_test(tc, a_source_removed_while_its_write_is_out_is_kept_until_it_is_back);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return testutil_run(poll_threaded_suite());
}
