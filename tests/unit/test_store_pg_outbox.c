/*
 * The outbox on a threaded store (store_jobs.h): the store is bound to the
 * store thread, as a server's store is while the daemon's loop runs, so any
 * use of it from the loop aborts the test (daemon/store.c). Events are
 * inserted through a second connection of the test's own, the outbox
 * delivers them to a receiver inside the test's loop, and their outcomes
 * are read back through that connection. Alone on SQLite; under
 * `SW_TEST_PG=1 tests/pgcluster.py run --` on PostgreSQL (tests/e2e/test_store_pg.py).
 */
#include <check.h>
#include <ev.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/xmalloc.h"
#include "config/config.h"
#include "daemon/outbox.h"
#include "daemon/store.h"
#include "daemon/store_jobs.h"
#include "fetch/http.h"
#include "tests/unit/testutil.h"

#define HOOK_KEY "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" /* 24 zero bytes, base64 */

static char *dir, *loc;
static struct ev_loop *loop;
static struct testutil_http *srv;
static struct http *engine;
static struct store *worked; /* the outbox's: bound to the store thread */
static struct store *mine;   /* the test's own connection to the same store */
static struct store_jobs *jobs;
static struct config *cfg;
static struct outbox *ob;
static int polls_done_answer;

/* outbox_env.polls_done */
static int fake_polls_done(void *arg)
{
	(void)arg;
	return polls_done_answer;
}

/* outbox_env.work_finished */
static void nothing(void *arg)
{
	(void)arg;
}

static void setup(void)
{
	struct http_config hc;
	char err[512];

	dir = testutil_tmpdir();
	loc = testutil_store_fresh();
	loop = ev_loop_new(EVFLAG_AUTO);
	srv = testutil_http_new(loop);
	memset(&hc, 0, sizeof(hc));
	hc.allow_private = 1;
	engine = http_new(loop, &hc, err, sizeof(err));
	ck_assert_msg(engine != NULL, "%s", err);
	worked = store_open(loc, err, sizeof(err));
	ck_assert_msg(worked != NULL, "%s", err);
	mine = store_open(loc, err, sizeof(err));
	ck_assert_msg(mine != NULL, "%s", err);
	jobs = store_jobs_new(loop, worked, 1, err, sizeof(err));
	ck_assert_msg(jobs != NULL, "%s", err);
	polls_done_answer = 1;
}

static void teardown(void)
{
	outbox_free(ob);
	ob = NULL;
	store_jobs_free(jobs);
	config_free(cfg);
	cfg = NULL;
	http_free(engine);
	testutil_http_free(srv);
	store_close(worked);
	store_close(mine);
	ev_loop_destroy(loop);
	testutil_store_done(loc);
	testutil_rmtree(dir);
	free(dir);
}

/* The outbox of one webhook channel "hook" at the test's receiver, plus extra keys. */
static void make_outbox(const char *extra, int once)
{
	char *secret = xasprintf("%s/hook.secret", dir);
	FILE *f = fopen(secret, "w");
	char *text;
	struct outbox_env env;

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(chmod(secret, 0600), 0);
	fputs("whsec_" HOOK_KEY "\n", f);
	ck_assert_int_eq(fclose(f), 0);
	text = xasprintf("[daemon]\nstate_dir = %s\n[notify \"hook\"]\ntype = webhook\n"
			 "url = http://127.0.0.1:%d/hook\nsecret_file = %s\n%s",
			 dir, testutil_http_port(srv), secret, extra ? extra : "");
	cfg = testutil_config(dir, text);
	free(text);
	free(secret);
	env = (struct outbox_env){.loop = loop,
				  .jobs = jobs,
				  .http = engine,
				  .cfg = cfg,
				  .once = once,
				  .polls_done = fake_polls_done,
				  .work_finished = nothing};
	ob = outbox_new(&env, 1, NULL);
	ck_assert_ptr_nonnull(ob);
}

/* n events hook evt_<prefix>0... committed through the test's connection. */
static void insert_events(const char *prefix, int n)
{
	ck_assert_int_eq(store_begin(mine), 0);
	for (int i = 0; i < n; i++) {
		char *id = xasprintf("evt_%s%d", prefix, i);
		char *payload = xasprintf("{\"id\":\"%s\",\"type\":\"statement.new\"}", id);
		struct store_event_new ev = {id, "hook",  "statement.new", "src",
					     0,	 payload, clock_wall()};

		ck_assert_msg(store_event_insert(mine, &ev) == 0, "%s", store_error(mine));
		free(id);
		free(payload);
	}
	ck_assert_int_eq(store_commit(mine), 0);
}

/* The event as the store holds it (the test's connection; claims nothing). */
static struct store_event stored(const char *id)
{
	struct store_event_filter f = {id, NULL, 0, 0, 0};
	struct store_event *evs, ev;
	size_t n;

	ck_assert_int_eq(store_events_list(mine, &f, &evs, &n), 0);
	ck_assert_uint_eq(n, 1);
	ev = evs[0];
	free(evs);
	return ev;
}

static struct store_channel_counts counts(void)
{
	struct store_channel_counts c;

	ck_assert_int_eq(store_channel_counts(mine, "hook", &c), 0);
	free(c.last_error);
	c.last_error = NULL;
	return c;
}

static int delivered_is(void *arg)
{
	return counts().delivered == *(long *)arg;
}

static int in_state(void *arg)
{
	const char *id = arg;
	struct store_event ev = stored(id + 1);
	int yes = (int)ev.state == id[0] - '0';

	store_event_clear(&ev);
	return yes;
}

/* Runs the loop until the event id is in state s (in the store). */
static void wait_state(const char *id, enum store_event_state s)
{
	char *arg = xasprintf("%d%s", (int)s, id);

	ck_assert_msg(testutil_loop_until(loop, in_state, arg, 15), "%s never %s", id,
		      store_event_state_name(s));
	free(arg);
}

static int never(void *arg)
{
	(void)arg;
	return 0;
}

static void settle(double seconds)
{
	testutil_loop_until(loop, never, NULL, seconds);
}

START_TEST(queued_events_are_delivered_and_recorded_off_the_loop)
{
	long three = 3;
	struct store_event ev;

	make_outbox(NULL, 0);
	testutil_http_set(srv, "/hook", 200, NULL, "ok");
	insert_events("a", 3);
	outbox_queued(ob, clock_wall());
	ck_assert_msg(testutil_loop_until(loop, delivered_is, &three, 15), "not delivered");
	ev = stored("evt_a1");
	ck_assert_int_eq(ev.state, EVENT_DELIVERED);
	ck_assert_int_eq(ev.attempts, 1);
	ck_assert(ev.delivered_at > 0);
	store_event_clear(&ev);
	settle(0.3);
	ck_assert_uint_eq(testutil_http_hits(srv, "/hook"), 3); /* each once */
	ck_assert_int_eq(counts().pending, 0);
}
END_TEST

/*
 * More events than one look takes, kicked again and again while sends are
 * out: no event is picked by a look while its attempt is in the air.
 */
START_TEST(many_events_with_kicks_in_between_are_each_sent_once)
{
	long n = 150;

	make_outbox(NULL, 0);
	testutil_http_set(srv, "/hook", 200, NULL, "ok");
	insert_events("m", (int)n);
	for (int i = 0; i < 40; i++) {
		outbox_queued(ob, clock_wall());
		ev_run(loop, EVRUN_NOWAIT);
	}
	ck_assert_msg(testutil_loop_until(loop, delivered_is, &n, 30), "not delivered");
	settle(0.5);
	ck_assert_uint_eq(testutil_http_hits(srv, "/hook"), (size_t)n);
}
END_TEST

START_TEST(a_refusal_is_recorded_as_a_retry_and_a_permanent_one_as_dead)
{
	struct store_event ev;

	make_outbox(NULL, 0);
	testutil_http_set(srv, "/hook", 503, NULL, "busy");
	insert_events("r", 1);
	outbox_queued(ob, clock_wall());
	wait_state("evt_r0", EVENT_RETRY_WAIT);
	ev = stored("evt_r0");
	ck_assert_int_eq(ev.attempts, 1);
	ck_assert_ptr_nonnull(strstr(ev.last_error, "503"));
	ck_assert(ev.next_attempt > clock_wall() + 3);
	store_event_clear(&ev);
	ck_assert(outbox_next_due(ob) > clock_wall() + 3); /* the retry's time, in memory */

	testutil_http_set(srv, "/hook", 400, NULL, "bad");
	insert_events("p", 1);
	outbox_queued(ob, clock_wall());
	wait_state("evt_p0", EVENT_DEAD);
	ck_assert_uint_eq(testutil_http_hits(srv, "/hook"), 2);
}
END_TEST

static int ob_idle(void *arg)
{
	(void)arg;
	return outbox_idle(ob);
}

START_TEST(once_mode_is_idle_only_after_the_outcomes_are_recorded)
{
	long two = 2;

	make_outbox(NULL, 1);
	testutil_http_set(srv, "/hook", 200, NULL, "ok");
	insert_events("o", 2);
	outbox_kick(ob);
	ck_assert(testutil_loop_until(loop, ob_idle, NULL, 15));
	ck_assert_int_eq(counts().delivered, two); /* recorded by the time it is idle */
	ck_assert_uint_eq(testutil_http_hits(srv, "/hook"), 2);
}
END_TEST

static int in_flight_one(void *arg)
{
	(void)arg;
	return outbox_in_flight(ob) == 1 && testutil_http_hits(srv, "/hook") == 1;
}

START_TEST(a_retired_outbox_records_its_send_then_goes)
{
	struct config *old;
	struct outbox *next;
	struct outbox_env env;
	long one = 1;

	make_outbox(NULL, 0);
	testutil_http_set(srv, "/hook", 0, NULL, NULL); /* held until released */
	insert_events("t", 1);
	outbox_queued(ob, clock_wall());
	ck_assert(testutil_loop_until(loop, in_flight_one, NULL, 15));
	old = cfg;
	cfg = config_load(old->path, NULL); /* the same file again, as a reload reads it */
	ck_assert_ptr_nonnull(cfg);
	env = (struct outbox_env){.loop = loop,
				  .jobs = jobs,
				  .http = engine,
				  .cfg = cfg,
				  .polls_done = fake_polls_done,
				  .work_finished = nothing};
	next = outbox_new(&env, 0, NULL);
	ck_assert_ptr_nonnull(next);
	outbox_retire(ob, old, next); /* takes ob and old */
	ob = next;
	testutil_http_release(srv, 200);
	ck_assert_msg(testutil_loop_until(loop, delivered_is, &one, 15), "not recorded");
	settle(0.3);
	ck_assert_uint_eq(testutil_http_hits(srv, "/hook"), 1);
}
END_TEST

/* Freed with a send and store jobs out: the answers that come back touch nothing freed. */
START_TEST(a_free_with_jobs_out_leaves_the_event_to_the_next_start)
{
	struct store_event ev;

	make_outbox(NULL, 0);
	testutil_http_set(srv, "/hook", 0, NULL, NULL);
	insert_events("f", 2);
	outbox_queued(ob, clock_wall());
	ck_assert(testutil_loop_until(loop, in_flight_one, NULL, 15) || outbox_in_flight(ob) == 2);
	outbox_kick(ob); /* one more look out as it goes */
	outbox_free(ob); /* the cancelled sends' outcomes: a job */
	ob = NULL;
	store_jobs_stop_thread(jobs); /* runs what was submitted: the daemon's stop */
	ev = stored("evt_f0");
	ck_assert_int_eq(ev.state, EVENT_QUEUED);
	ck_assert_int_eq(ev.attempts, 1);
	store_event_clear(&ev);
}
END_TEST

/* On the store thread: the store's busy wait, short as the daemon's (SQLite). */
static void short_busy_wait(struct store *st, void *arg)
{
	(void)arg;
	store_set_busy_wait(st, 50);
}

/*
 * Another process holds the SQLite database (python3's sqlite3, BEGIN
 * EXCLUSIVE) until the returned pipe is closed (pclose).
 */
static FILE *hold_lock(void)
{
	char *marker = xasprintf("%s/locked", dir);
	char *cmd = xasprintf("python3 -c \"import sqlite3,sys; c=sqlite3.connect('%s',"
			      " isolation_level=None); c.execute('BEGIN EXCLUSIVE');"
			      " open('%s','w').close(); sys.stdin.read()\"",
			      loc, marker);
	FILE *p = popen(cmd, "w");
	struct stat sb;
	int tries = 0;

	ck_assert_ptr_nonnull(p);
	while (stat(marker, &sb) != 0 && tries++ < 500)
		usleep(10000);
	ck_assert_msg(tries < 500, "the lock holder did not start");
	free(cmd);
	free(marker);
	return p;
}

/* The outcome's write refused on the thread: kept on the loop, written by a later look. */
START_TEST(an_outcome_refused_on_the_thread_is_kept_and_written_later)
{
	struct store_event ev;
	FILE *holder;
	long one = 1;

	if (testutil_store_is_pg())
		return; /* the lock is SQLite's; PostgreSQL's refusals: test_store_pg_claims */
	store_jobs_submit(jobs, short_busy_wait, NULL, NULL);
	make_outbox(NULL, 0);
	testutil_http_set(srv, "/hook", 0, NULL, NULL); /* held until released */
	insert_events("k", 1);
	outbox_queued(ob, clock_wall());
	ck_assert(testutil_loop_until(loop, in_flight_one, NULL, 15));
	holder = hold_lock();
	testutil_http_release(srv, 200);
	settle(1.0);
	pclose(holder);
	ev = stored("evt_k0");
	ck_assert_int_eq(ev.state, EVENT_SENDING); /* not written yet: never due, never re-sent */
	store_event_clear(&ev);
	ck_assert_msg(testutil_loop_until(loop, delivered_is, &one, 15), "outcome not written");
	settle(0.3);
	ck_assert_uint_eq(testutil_http_hits(srv, "/hook"), 1);
}
END_TEST

static Suite *outbox_thread_suite(void)
{
	Suite *s = suite_create("outbox on the store thread");
	TCase *tc = tcase_create("threaded");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, queued_events_are_delivered_and_recorded_off_the_loop);
	tcase_add_test(tc, many_events_with_kicks_in_between_are_each_sent_once);
	tcase_add_test(tc, a_refusal_is_recorded_as_a_retry_and_a_permanent_one_as_dead);
	tcase_add_test(tc, once_mode_is_idle_only_after_the_outcomes_are_recorded);
	tcase_add_test(tc, a_retired_outbox_records_its_send_then_goes);
	tcase_add_test(tc, a_free_with_jobs_out_leaves_the_event_to_the_next_start);
	tcase_add_test(tc, an_outcome_refused_on_the_thread_is_kept_and_written_later);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return testutil_run(outbox_thread_suite());
}
