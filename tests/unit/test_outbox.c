/*
 * The outbox's promises: the legal moves of an event and nothing else, the
 * retry schedule, dead letters (permanent refusal, 410, retry_for, a channel
 * that is gone), cancellation and restart, reload, and once mode. Against a
 * real store in a temporary directory and a webhook channel whose receiver
 * is a small HTTP server inside the test's own loop.
 */
#include <check.h>
#include <ev.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/xmalloc.h"
#include "config/config.h"
#include "daemon/metrics.h"
#include "daemon/outbox.h"
#include "daemon/redeliver.h"
#include "daemon/store.h"
#include "daemon/store_jobs.h"
#include "fetch/http.h"
#include "tests/unit/testutil.h"

#define HOOK_KEY "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" /* 24 zero bytes, base64 */

static char *dir;
static struct ev_loop *loop;
static struct testutil_http *srv;
static struct http *engine;
static struct store *st;
static struct store_jobs *jobs; /* inline: the store stays the test's to read */
static struct config *cfg;
static struct outbox *ob;
/* env.metrics of make_outbox's outbox, NULL unless a test sets it */
static struct metrics *metrics;
static int polls_done_answer = 1;
static int work_calls;

/* outbox_env.polls_done */
static int fake_polls_done(void *arg)
{
	(void)arg;
	return polls_done_answer;
}

/* outbox_env.work_finished */
static void count_work(void *arg)
{
	(void)arg;
	work_calls++;
}

static void setup(void)
{
	struct http_config hc;
	char err[512], *path;

	dir = testutil_tmpdir();
	loop = ev_loop_new(EVFLAG_AUTO);
	ck_assert_ptr_nonnull(loop);
	srv = testutil_http_new(loop);
	memset(&hc, 0, sizeof(hc));
	hc.allow_private = 1;
	engine = http_new(loop, &hc, err, sizeof(err));
	ck_assert_msg(engine != NULL, "%s", err);
	path = xasprintf("%s/speechwatch.db", dir);
	st = store_open(path, err, sizeof(err));
	ck_assert_msg(st != NULL, "%s", err);
	free(path);
	jobs = store_jobs_new(loop, st, 0, err, sizeof(err));
	ck_assert_msg(jobs != NULL, "%s", err);
	polls_done_answer = 1;
	work_calls = 0;
}

static void teardown(void)
{
	outbox_free(ob);
	ob = NULL;
	store_jobs_free(jobs);
	metrics_free(metrics);
	metrics = NULL;
	config_free(cfg);
	cfg = NULL;
	http_free(engine);
	testutil_http_free(srv);
	store_close(st);
	ev_loop_destroy(loop);
	testutil_rmtree(dir);
	free(dir);
	unsetenv("SPEECHWATCH_TEST_CLOCK_OFFSET_FILE");
}

/* The config of one webhook channel "hook" at the test server, plus extra keys. */
/* Writes dir/name (mode 0600, as secret files must be); returns its path. */
static char *write_secret(const char *name, const char *text)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(chmod(path, 0600), 0);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
	return path;
}

static struct config *load_config(const char *extra)
{
	char *secret = write_secret("hook.secret", "whsec_" HOOK_KEY "\n");
	char *text = xasprintf("[daemon]\nstate_dir = %s\n[notify \"hook\"]\ntype = webhook\n"
			       "url = http://127.0.0.1:%d/hook\nsecret_file = %s\n%s",
			       dir, testutil_http_port(srv), secret, extra ? extra : "");
	struct config *c = testutil_config(dir, text);

	free(secret);
	free(text);
	return c;
}

static struct outbox_env env_for(const struct config *c, int once)
{
	struct outbox_env env = {.loop = loop,
				 .jobs = jobs,
				 .http = engine,
				 .cfg = c,
				 .once = once,
				 .polls_done = fake_polls_done,
				 .work_finished = count_work,
				 .metrics = metrics};

	return env;
}

/* cfg and ob for the hook channel. */
static void make_outbox(const char *extra, int once)
{
	struct outbox_env env;

	cfg = load_config(extra);
	env = env_for(cfg, once);
	ob = outbox_new(&env, 1, NULL);
	ck_assert_ptr_nonnull(ob);
}

static void insert_event(const char *id, const char *channel, double created)
{
	char *payload = xasprintf("{\"id\":\"%s\",\"type\":\"statement.new\"}", id);

	ck_assert_int_eq(store_begin(st), 0);
	ck_assert_int_eq(
	    store_event_insert(st, &(struct store_event_new){id, channel, "statement.new", "src", 0,
							     payload, created}),
	    0);
	ck_assert_int_eq(store_commit(st), 0);
	free(payload);
}

/* Reads back an event that is queued or retry_wait; 0 when it is not (sending, done). */
static int find_due(const char *id, struct store_event *out)
{
	struct store_event *evs;
	size_t n;
	int found = 0;

	ck_assert_int_eq(store_events_due(st, 1e12, NULL, 1000, &evs, &n), 0);
	for (size_t i = 0; i < n; i++) {
		if (!found && strcmp(evs[i].id, id) == 0) {
			*out = evs[i];
			memset(&evs[i], 0, sizeof(evs[i]));
			found = 1;
		}
		store_event_clear(&evs[i]);
	}
	free(evs);
	return found;
}

static struct store_channel_counts counts(const char *channel)
{
	struct store_channel_counts c;

	ck_assert_int_eq(store_channel_counts(st, channel, &c), 0);
	free(c.last_error);
	c.last_error = NULL;
	return c;
}

static int delivered_is(void *arg)
{
	return counts("hook").delivered == *(long *)arg;
}

static int dead_is(void *arg)
{
	return counts("hook").dead == *(long *)arg;
}

static int hits_reach(void *arg)
{
	return testutil_http_hits(srv, NULL) >= *(size_t *)arg;
}

static int ob_idle(void *arg)
{
	(void)arg;
	return outbox_idle(ob);
}

static int is_retry_wait(void *arg)
{
	struct store_event ev;
	int yes = 0;

	if (find_due(arg, &ev)) {
		yes = ev.state == EVENT_RETRY_WAIT;
		store_event_clear(&ev);
	}
	return yes;
}

static void wait_delivered(long n)
{
	ck_assert_msg(testutil_loop_until(loop, delivered_is, &n, 10), "not delivered");
}

static void wait_dead(long n)
{
	ck_assert_msg(testutil_loop_until(loop, dead_is, &n, 10), "not dead-lettered");
}

static void wait_retry(const char *id)
{
	char copy[64];

	snprintf(copy, sizeof(copy), "%s", id);
	ck_assert_msg(testutil_loop_until(loop, is_retry_wait, copy, 10), "no retry_wait");
}

/* Lets the loop run for a while (to show that nothing happens). */
static int never(void *arg)
{
	(void)arg;
	return 0;
}

static void settle(double seconds)
{
	testutil_loop_until(loop, never, NULL, seconds);
}

/* Sets a pending event's next attempt, and its age when age >= 0. */
static void set_next_attempt(const char *id, double when, double age)
{
	struct store_event ev;

	ck_assert(find_due(id, &ev));
	ev.next_attempt = when;
	if (age >= 0)
		ev.age = age;
	ck_assert_int_eq(store_event_update(st, &ev), 0);
	store_event_clear(&ev);
}

/* Makes a waiting event due now, as if its retry time had come. */
static void make_due_now(const char *id)
{
	struct store_event ev;

	ck_assert(find_due(id, &ev));
	ev.next_attempt = clock_wall() - 1;
	ck_assert_int_eq(store_event_update(st, &ev), 0);
	store_event_clear(&ev);
}

/* --- the table of moves --- */

START_TEST(legal_moves_are_exactly_the_designed_ones)
{
	enum store_event_state q = EVENT_QUEUED, s = EVENT_SENDING, d = EVENT_DELIVERED,
			       r = EVENT_RETRY_WAIT, x = EVENT_DEAD;
	/* [from][to], in the enum's order: queued, sending, delivered, retry_wait, dead */
	static const int legal[5][5] = {
	    {0, 1, 0, 0, 1}, /* queued: an attempt starts, or its channel is gone */
	    {1, 0, 1, 1, 1}, /* sending: cancelled, delivered, retry, dead */
	    {0, 0, 0, 0, 0}, /* delivered: final */
	    {0, 1, 0, 0, 1}, /* retry_wait: the next attempt, or its channel is gone */
	    {0, 0, 0, 0, 0}, /* dead: final */
	};

	ck_assert_int_eq(q, 0);
	ck_assert_int_eq(s, 1);
	ck_assert_int_eq(d, 2);
	ck_assert_int_eq(r, 3);
	ck_assert_int_eq(x, 4);
	for (int from = 0; from < 5; from++)
		for (int to = 0; to < 5; to++)
			ck_assert_msg(outbox_move_legal(from, to) == legal[from][to], "%s -> %s",
				      store_event_state_name(from), store_event_state_name(to));
}
END_TEST

/* An event as the store holds it, forced into state `state` for a test of outbox_enter. */
static struct store_event stored_in(const char *id, enum store_event_state state)
{
	struct store_event ev;

	insert_event(id, "hook", clock_wall());
	ck_assert(find_due(id, &ev));
	ev.state = state;
	ck_assert_int_eq(store_event_update(st, &ev), 0);
	return ev;
}

START_TEST(enter_refuses_every_illegal_move_and_changes_nothing)
{
	char id[32];
	int n = 0;

	make_outbox(NULL, 0);
	outbox_stop(ob);
	for (int from = 0; from < 5; from++) {
		for (int to = 0; to < 5; to++) {
			struct store_event ev;
			struct store_channel_counts before, after;

			if (outbox_move_legal(from, to))
				continue;
			snprintf(id, sizeof(id), "evt_illegal%d", n++);
			ev = stored_in(id, from);
			ev.attempts = 7;
			before = counts("hook");
			ck_assert_int_eq(outbox_enter(ob, &ev, to, "test"), -1);
			ck_assert_int_eq(ev.state, from);
			ck_assert_int_eq(ev.attempts, 7);
			after = counts("hook");
			ck_assert_int_eq(after.pending, before.pending);
			ck_assert_int_eq(after.delivered, before.delivered);
			ck_assert_int_eq(after.dead, before.dead);
			store_event_clear(&ev);
		}
	}
	ck_assert_int_eq(n, 25 - 8); /* eight legal moves */
}
END_TEST

START_TEST(enter_saves_every_legal_move)
{
	struct store_event ev, got;

	make_outbox(NULL, 0);
	outbox_stop(ob);
	ev = stored_in("evt_walk", EVENT_QUEUED);
	ck_assert_int_eq(outbox_enter(ob, &ev, EVENT_SENDING, "test"), 0);
	ck_assert_int_eq(ev.attempts, 1);
	ck_assert(!find_due("evt_walk", &got)); /* sending: not due, still pending */
	ck_assert_int_eq(counts("hook").pending, 1);
	ev.next_attempt = clock_wall() - 1;
	ck_assert_int_eq(outbox_enter(ob, &ev, EVENT_RETRY_WAIT, "test"), 0);
	ck_assert(find_due("evt_walk", &got));
	ck_assert_int_eq(got.state, EVENT_RETRY_WAIT);
	ck_assert_int_eq(got.attempts, 1);
	store_event_clear(&got);
	ck_assert_int_eq(outbox_enter(ob, &ev, EVENT_SENDING, "test"), 0);
	ck_assert_int_eq(ev.attempts, 2);
	ck_assert_int_eq(outbox_enter(ob, &ev, EVENT_QUEUED, "cancelled"), 0);
	ck_assert(find_due("evt_walk", &got));
	ck_assert_int_eq(got.state, EVENT_QUEUED);
	ck_assert_int_eq(got.attempts, 2);
	store_event_clear(&got);
	ck_assert_int_eq(outbox_enter(ob, &ev, EVENT_SENDING, "test"), 0);
	ck_assert(ev.delivered_at == 0);
	ck_assert_int_eq(outbox_enter(ob, &ev, EVENT_DELIVERED, "test"), 0);
	ck_assert(ev.delivered_at > 0);
	ck_assert_int_eq(counts("hook").delivered, 1);
	ck_assert_int_eq(counts("hook").pending, 0);
	store_event_clear(&ev);

	ev = stored_in("evt_q_dead", EVENT_QUEUED);
	ck_assert_int_eq(outbox_enter(ob, &ev, EVENT_DEAD, "test"), 0);
	store_event_clear(&ev);
	ev = stored_in("evt_r_dead", EVENT_RETRY_WAIT);
	ck_assert_int_eq(outbox_enter(ob, &ev, EVENT_DEAD, "test"), 0);
	store_event_clear(&ev);
	ev = stored_in("evt_s_dead", EVENT_SENDING);
	ck_assert_int_eq(outbox_enter(ob, &ev, EVENT_DEAD, "test"), 0);
	store_event_clear(&ev);
	ck_assert_int_eq(counts("hook").dead, 3);
}
END_TEST

/* Judged attempts reach the metrics by channel and the state entered; other moves do not. */
START_TEST(judged_attempts_are_counted_by_channel_and_outcome)
{
	struct store_event ev;

	metrics = metrics_new();
	make_outbox(NULL, 0);
	outbox_stop(ob);
	ev = stored_in("evt_count", EVENT_QUEUED);
	ck_assert_int_eq(outbox_enter(ob, &ev, EVENT_SENDING, "test"), 0);
	ck_assert_int_eq(outbox_enter(ob, &ev, EVENT_RETRY_WAIT, "test"), 0);
	ck_assert_int_eq(outbox_enter(ob, &ev, EVENT_SENDING, "test"), 0);
	ck_assert_int_eq(outbox_enter(ob, &ev, EVENT_QUEUED, "cancelled"), 0);
	ck_assert_int_eq(outbox_enter(ob, &ev, EVENT_DELIVERED, "illegal"), -1);
	ck_assert_int_eq(outbox_enter(ob, &ev, EVENT_SENDING, "test"), 0);
	ck_assert_int_eq(outbox_enter(ob, &ev, EVENT_DELIVERED, "test"), 0);
	store_event_clear(&ev);
	ev = stored_in("evt_count_dead", EVENT_QUEUED);
	ck_assert_int_eq(outbox_enter(ob, &ev, EVENT_DEAD, "test"), 0);
	store_event_clear(&ev);
	ck_assert_double_eq(metrics_value(metrics, METRIC_DELIVERIES, "hook", "delivered"), 1);
	ck_assert_double_eq(metrics_value(metrics, METRIC_DELIVERIES, "hook", "retry_wait"), 1);
	ck_assert_double_eq(metrics_value(metrics, METRIC_DELIVERIES, "hook", "dead"), 1);
	ck_assert_double_eq(metrics_value(metrics, METRIC_DELIVERIES, "hook", "sending"), 0);
	ck_assert_double_eq(metrics_value(metrics, METRIC_DELIVERIES, "hook", "queued"), 0);
}
END_TEST

/* --- delivery --- */

START_TEST(a_due_event_is_delivered_byte_for_byte_with_its_id)
{
	make_outbox(NULL, 0);
	testutil_http_set(srv, "/hook", 200, NULL, "ok");
	insert_event("evt_one", "hook", clock_wall());
	outbox_kick(ob);
	wait_delivered(1);
	ck_assert_int_eq(testutil_http_hits(srv, "/hook"), 1);
	ck_assert_ptr_nonnull(strstr(testutil_http_last(srv), "webhook-id: evt_one\r\n"));
	ck_assert_ptr_nonnull(strstr(testutil_http_last(srv),
				     "\r\n\r\n{\"id\":\"evt_one\",\"type\":\"statement.new\"}"));
	ck_assert_int_eq(counts("hook").pending, 0);
	ck_assert_int_gt(work_calls, 0);
	settle(0.2);
	ck_assert_int_eq(testutil_http_hits(srv, "/hook"), 1); /* never twice */
}
END_TEST

/* The outbox's store jobs (store_jobs.h) are all back. */
static int jobs_back(void *arg)
{
	(void)arg;
	return store_jobs_pending(jobs) == 0;
}

/* The outbox's next due time, held in memory, is what the store would answer. */
static void assert_next_due_is_the_stores(void)
{
	double want;

	ck_assert_int_eq(store_events_next_due(st, NULL, &want), 0);
	ck_assert_msg(outbox_next_due(ob) == want, "in memory %.3f, in the store %.3f",
		      outbox_next_due(ob), want);
}

START_TEST(next_due_in_memory_follows_inserts_retries_and_deliveries)
{
	double now = clock_wall();

	/* pending before the outbox opens (a new event is due at once: then moved on) */
	insert_event("evt_later", "hook", now);
	set_next_attempt("evt_later", now + 3600, -1);
	make_outbox(NULL, 0);
	ck_assert(testutil_loop_until(loop, jobs_back, NULL, 10)); /* its first reading */
	assert_next_due_is_the_stores();
	ck_assert(outbox_next_due(ob) == now + 3600);
	testutil_http_push(srv, "/hook", 503, NULL, "busy");
	testutil_http_set(srv, "/hook", 200, NULL, "ok");
	insert_event("evt_now", "hook", now);
	outbox_queued(ob, now);
	assert_next_due_is_the_stores();
	wait_retry("evt_now"); /* sent, refused: retry_wait a few seconds on */
	settle(0.1);
	assert_next_due_is_the_stores();
	ck_assert(outbox_next_due(ob) > now && outbox_next_due(ob) < now + 3600);
	make_due_now("evt_now");
	outbox_kick(ob);
	wait_delivered(1);
	settle(0.1);
	assert_next_due_is_the_stores();
	ck_assert(outbox_next_due(ob) == now + 3600);
}
END_TEST

START_TEST(retries_follow_the_schedule_then_deliver)
{
	struct store_event ev;
	double wait;

	make_outbox(NULL, 0);
	testutil_http_push(srv, "/hook", 503, NULL, "busy");
	testutil_http_push(srv, "/hook", 503, NULL, "busy");
	testutil_http_set(srv, "/hook", 200, NULL, "ok");
	insert_event("evt_retry", "hook", clock_wall());
	outbox_kick(ob);
	wait_retry("evt_retry");
	ck_assert(find_due("evt_retry", &ev));
	wait = ev.next_attempt - clock_wall();
	ck_assert_msg(wait > 3.5 && wait <= 6.0, "first retry after 5 s +-20%%, not %.1f", wait);
	ck_assert_int_eq(ev.attempts, 1);
	ck_assert_ptr_nonnull(strstr(ev.last_error, "503"));
	store_event_clear(&ev);
	settle(0.2);
	ck_assert_int_eq(testutil_http_hits(srv, "/hook"), 1); /* the outbox waits */
	ck_assert(!outbox_idle(ob));			       /* a timer for the retry */

	make_due_now("evt_retry");
	outbox_kick(ob);
	{
		size_t two = 2;

		ck_assert(testutil_loop_until(loop, hits_reach, &two, 10));
	}
	wait_retry("evt_retry");
	ck_assert(find_due("evt_retry", &ev));
	ck_assert_int_eq(ev.attempts, 2);
	wait = ev.next_attempt - clock_wall();
	ck_assert_msg(wait > 230 && wait <= 360, "second retry after 5 min +-20%%, not %.1f", wait);
	store_event_clear(&ev);

	make_due_now("evt_retry");
	outbox_kick(ob);
	wait_delivered(1);
	ck_assert_int_eq(testutil_http_hits(srv, "/hook"), 3);
}
END_TEST

START_TEST(retry_after_is_honoured)
{
	struct store_event ev;
	double wait;

	make_outbox(NULL, 0);
	testutil_http_set(srv, "/hook", 429, "Retry-After: 120\r\n", "slow down");
	insert_event("evt_429", "hook", clock_wall());
	outbox_kick(ob);
	wait_retry("evt_429");
	ck_assert(find_due("evt_429", &ev));
	wait = ev.next_attempt - clock_wall();
	ck_assert_msg(wait > 118 && wait <= 121, "Retry-After 120, not %.1f", wait);
	store_event_clear(&ev);
}
END_TEST

START_TEST(a_permanent_refusal_dead_letters_at_once)
{
	make_outbox(NULL, 0);
	testutil_http_set(srv, "/hook", 400, NULL, "bad");
	insert_event("evt_400", "hook", clock_wall());
	outbox_kick(ob);
	wait_dead(1);
	settle(0.2);
	ck_assert_int_eq(testutil_http_hits(srv, "/hook"), 1);
	ck_assert_int_eq(counts("hook").pending, 0);
}
END_TEST

static int pending_is(void *arg)
{
	return counts("hook").pending == *(long *)arg && outbox_in_flight(ob) == 0;
}

/* One 410 disables the channel: nothing more is sent, nothing is dead-lettered. */
START_TEST(gone_disables_the_channel_until_reload)
{
	struct store_channel_counts c;
	struct outbox_env env;
	struct config *cfg2;
	struct outbox *next;
	long two = 2;

	make_outbox(NULL, 0);
	testutil_http_set(srv, "/hook", 410, NULL, "gone");
	insert_event("evt_410", "hook", clock_wall());
	outbox_kick(ob);
	wait_retry("evt_410");
	insert_event("evt_after", "hook", clock_wall());
	outbox_queued(ob, clock_wall());
	settle(1.0);
	ck_assert_int_eq(testutil_http_hits(srv, "/hook"), 1); /* the second was never sent */
	ck_assert(testutil_loop_until(loop, pending_is, &two, 1));
	ck_assert_int_eq(counts("hook").dead, 0); /* stranded events stay pending */
	ck_assert_int_eq(store_channel_counts(st, "hook", &c), 0);
	ck_assert_ptr_nonnull(c.last_error);
	ck_assert_ptr_nonnull(strstr(c.last_error, "410"));
	free(c.last_error);
	ck_assert(outbox_next_due(ob) == 0); /* no timer spins on the waiting events */

	/* a reload builds the channel again: both are delivered */
	testutil_http_set(srv, "/hook", 200, NULL, "ok");
	cfg2 = load_config(NULL);
	env = env_for(cfg2, 0);
	next = outbox_new(&env, 0, NULL);
	ck_assert_ptr_nonnull(next);
	outbox_retire(ob, cfg, next);
	ob = next;
	cfg = cfg2;
	outbox_kick(ob);
	ck_assert_msg(testutil_loop_until(loop, delivered_is, &two, 10), "not delivered");
	ck_assert_int_eq(testutil_http_hits(srv, "/hook"), 3);
}
END_TEST

START_TEST(retry_for_ends_in_a_dead_letter)
{
	make_outbox("retry_for = 1h\n", 0);
	testutil_http_set(srv, "/hook", 503, NULL, "busy");
	insert_event("evt_old", "hook", clock_wall());
	set_next_attempt("evt_old", clock_wall(), 7200); /* retried for 2 h already */
	outbox_kick(ob);
	wait_dead(1);
	ck_assert_int_eq(testutil_http_hits(srv, "/hook"), 1);
}
END_TEST

START_TEST(an_event_for_a_removed_channel_dead_letters_unsent)
{
	make_outbox(NULL, 0);
	insert_event("evt_orphan", "removed", clock_wall());
	outbox_kick(ob);
	settle(0.3);
	ck_assert_int_eq(counts("removed").dead, 1);
	ck_assert_int_eq(testutil_http_hits(srv, NULL), 0);
}
END_TEST

START_TEST(run_mode_waits_for_next_attempt)
{
	struct store_event ev;

	make_outbox(NULL, 0);
	insert_event("evt_later", "hook", clock_wall());
	ck_assert(find_due("evt_later", &ev));
	ev.state = EVENT_RETRY_WAIT;
	ev.next_attempt = clock_wall() + 3600;
	ck_assert_int_eq(store_event_update(st, &ev), 0);
	store_event_clear(&ev);
	outbox_kick(ob);
	settle(0.3);
	ck_assert_int_eq(testutil_http_hits(srv, NULL), 0);
	ck_assert(!outbox_idle(ob)); /* its timer is armed for the hour */
}
END_TEST

/* --- once mode --- */

START_TEST(once_mode_tries_every_pending_event_once_then_is_idle)
{
	struct store_event ev;
	size_t three = 3;

	make_outbox(NULL, 1);
	testutil_http_set(srv, "/hook", 503, NULL, "busy");
	insert_event("evt_a", "hook", clock_wall());
	insert_event("evt_b", "hook", clock_wall());
	insert_event("evt_c", "hook", clock_wall());
	ck_assert(find_due("evt_c", &ev)); /* a retry far in the future is due in once mode */
	ev.state = EVENT_RETRY_WAIT;
	ev.next_attempt = clock_wall() + 3600;
	ck_assert_int_eq(store_event_update(st, &ev), 0);
	store_event_clear(&ev);
	outbox_kick(ob);
	ck_assert(testutil_loop_until(loop, hits_reach, &three, 10));
	ck_assert(testutil_loop_until(loop, ob_idle, NULL, 10));
	ck_assert_int_gt(work_calls, 0);
	outbox_kick(ob); /* tried in this run: not again */
	settle(0.3);
	ck_assert_int_eq(testutil_http_hits(srv, "/hook"), 3);
	ck_assert(outbox_idle(ob)); /* no timer waits for the retries */
	ck_assert_int_eq(counts("hook").pending, 3);
}
END_TEST

START_TEST(once_mode_delivers_and_reports_completion)
{
	make_outbox(NULL, 1);
	testutil_http_set(srv, "/hook", 200, NULL, "ok");
	insert_event("evt_once", "hook", clock_wall());
	outbox_kick(ob);
	wait_delivered(1);
	ck_assert(testutil_loop_until(loop, ob_idle, NULL, 10));
	ck_assert_int_gt(work_calls, 0);
	ck_assert_uint_eq(outbox_in_flight(ob), 0);
}
END_TEST

/* --- stop, restart, reload --- */

static int in_flight_one(void *arg)
{
	(void)arg;
	return outbox_in_flight(ob) == 1 && testutil_http_hits(srv, "/hook") == 1;
}

START_TEST(a_cancelled_send_goes_back_to_queued)
{
	struct store_event ev;

	make_outbox(NULL, 0);
	testutil_http_set(srv, "/hook", 0, NULL, NULL); /* the receiver never answers */
	insert_event("evt_cut", "hook", clock_wall());
	outbox_kick(ob);
	ck_assert(testutil_loop_until(loop, in_flight_one, NULL, 10));
	ck_assert(!find_due("evt_cut", &ev)); /* sending */
	outbox_free(ob);
	ob = NULL;
	ck_assert(find_due("evt_cut", &ev));
	ck_assert_int_eq(ev.state, EVENT_QUEUED);
	ck_assert_int_eq(ev.attempts, 1);
	store_event_clear(&ev);
}
END_TEST

START_TEST(a_start_requeues_what_a_crash_left_sending)
{
	struct store_event ev = stored_in("evt_crash", EVENT_SENDING);
	struct outbox_env env;

	store_event_clear(&ev);
	cfg = load_config(NULL);
	env = env_for(cfg, 0);
	ob = outbox_new(&env, 0, NULL); /* a reload's outbox leaves it alone */
	ck_assert_ptr_nonnull(ob);
	ck_assert(!find_due("evt_crash", &ev));
	outbox_free(ob);
	ob = outbox_new(&env, 1, NULL);
	ck_assert_ptr_nonnull(ob);
	ck_assert(find_due("evt_crash", &ev));
	ck_assert_int_eq(ev.state, EVENT_QUEUED);
	store_event_clear(&ev);
}
END_TEST

START_TEST(a_retired_outbox_finishes_its_send)
{
	struct config *cfg2;
	struct outbox_env env;
	struct outbox *next;

	make_outbox(NULL, 0);
	testutil_http_set(srv, "/hook", 0, NULL, NULL);
	insert_event("evt_reload", "hook", clock_wall());
	outbox_kick(ob);
	ck_assert(testutil_loop_until(loop, in_flight_one, NULL, 10));
	cfg2 = load_config(NULL);
	env = env_for(cfg2, 0);
	next = outbox_new(&env, 0, NULL);
	ck_assert_ptr_nonnull(next);
	outbox_retire(ob, cfg, next); /* takes ob and cfg */
	ob = next;
	cfg = cfg2;
	ck_assert_int_eq(counts("hook").pending, 1);
	testutil_http_release(srv, 200);
	wait_delivered(1);
	settle(0.2);
	ck_assert_int_eq(testutil_http_hits(srv, "/hook"), 1); /* not cancelled and re-sent */
}
END_TEST

START_TEST(shutdown_cancels_the_sends_of_retired_outboxes)
{
	struct config *cfg2;
	struct outbox_env env;
	struct outbox *next;
	struct store_event ev;

	make_outbox(NULL, 0);
	testutil_http_set(srv, "/hook", 0, NULL, NULL);
	insert_event("evt_shut", "hook", clock_wall());
	outbox_kick(ob);
	ck_assert(testutil_loop_until(loop, in_flight_one, NULL, 10));
	cfg2 = load_config(NULL);
	env = env_for(cfg2, 0);
	next = outbox_new(&env, 0, NULL);
	outbox_retire(ob, cfg, next);
	ob = next;
	cfg = cfg2;
	outbox_free(ob); /* frees the retired one too */
	ob = NULL;
	ck_assert(find_due("evt_shut", &ev));
	ck_assert_int_eq(ev.state, EVENT_QUEUED);
	store_event_clear(&ev);
}
END_TEST

START_TEST(a_bad_channel_is_reported_at_its_line)
{
	struct config *bad;
	struct outbox_env env;
	struct buf errors;
	char *good = write_secret("good.secret", "whsec_" HOOK_KEY "\n");
	char *poor = write_secret("bad.secret", "whsec_AAAA\n"); /* a 3-byte key */
	char *text = xasprintf("[daemon]\nstate_dir = %s\n[notify \"ok\"]\ntype = webhook\n"
			       "url = http://127.0.0.1:1/hook\nsecret_file = %s\n"
			       "[notify \"short\"]\ntype = webhook\n"
			       "url = http://127.0.0.1:1/hook\nsecret_file = %s\n",
			       dir, good, poor);

	free(good);
	free(poor);
	bad = testutil_config(dir, text);
	free(text);
	env = env_for(bad, 0);
	buf_init(&errors);
	ck_assert_ptr_null(outbox_new(&env, 0, &errors));
	ck_assert_msg(strstr(buf_str(&errors), "speechwatch.conf:7: notify 'short': ") != NULL,
		      "%s", buf_str(&errors));
	ck_assert_ptr_null(strstr(buf_str(&errors), "'ok'"));
	buf_free(&errors);
	config_free(bad);
}
END_TEST

/* --- store faults: a full disk, a lock held by another process --- */

/* Writes beyond `bytes` fail with EFBIG, as a full disk makes them fail (SQLite: an I/O error). */
static void limit_file_size(rlim_t bytes)
{
	struct rlimit rl;

	signal(SIGXFSZ, SIG_IGN);
	ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &rl), 0);
	rl.rlim_cur = bytes == RLIM_INFINITY ? rl.rlim_max : bytes;
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &rl), 0);
}

START_TEST(a_full_disk_pauses_deliveries_then_delivers_everything_once)
{
	long three = 3;

	make_outbox(NULL, 0);
	testutil_http_set(srv, "/hook", 200, NULL, "ok");
	insert_event("evt_full1", "hook", clock_wall());
	insert_event("evt_full2", "hook", clock_wall());
	insert_event("evt_full3", "hook", clock_wall());
	limit_file_size(1);
	outbox_kick(ob);
	settle(2.0);
	/* "sending" could not be recorded: nothing is sent, and no storm of retries */
	ck_assert_int_eq(testutil_http_hits(srv, NULL), 0);
	ck_assert(!outbox_idle(ob)); /* a back-off timer looks again */
	limit_file_size(RLIM_INFINITY);
	ck_assert_msg(testutil_loop_until(loop, delivered_is, &three, 10), "not delivered");
	settle(0.3);
	ck_assert_int_eq(testutil_http_hits(srv, "/hook"), 3); /* each once */
	ck_assert_int_eq(counts("hook").pending, 0);
}
END_TEST

/*
 * Another process holds the database (python3's sqlite3, BEGIN EXCLUSIVE)
 * until the returned pipe is closed (pclose).
 */
static FILE *hold_lock(void)
{
	char *marker = xasprintf("%s/locked", dir);
	char *cmd =
	    xasprintf("python3 -c \"import sqlite3,sys; c=sqlite3.connect('%s/speechwatch.db',"
		      " isolation_level=None); c.execute('BEGIN EXCLUSIVE');"
		      " open('%s','w').close(); sys.stdin.read()\"",
		      dir, marker);
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

/* ev_timer callback: the longest the loop went without running its timers. */
static double last_tick, longest_gap;
static void tick_cb(struct ev_loop *l, ev_timer *w, int revents)
{
	double now = clock_wall();

	(void)l;
	(void)w;
	(void)revents;
	if (last_tick > 0 && now - last_tick > longest_gap)
		longest_gap = now - last_tick;
	last_tick = now;
}

START_TEST(a_locked_store_sends_nothing_unrecorded_and_never_freezes_the_loop)
{
	ev_timer tick;
	FILE *holder;
	long three = 3;

	make_outbox(NULL, 0);
	store_set_busy_wait(st, 50); /* as the daemon's loop does */
	testutil_http_set(srv, "/hook", 200, NULL, "ok");
	insert_event("evt_lock1", "hook", clock_wall());
	insert_event("evt_lock2", "hook", clock_wall());
	insert_event("evt_lock3", "hook", clock_wall());
	holder = hold_lock();
	last_tick = longest_gap = 0;
	ev_timer_init(&tick, tick_cb, 0.05, 0.05);
	ev_timer_start(loop, &tick);
	outbox_kick(ob);
	settle(2.0);
	ck_assert_int_eq(testutil_http_hits(srv, NULL), 0);
	ck_assert_msg(longest_gap < 0.5, "the loop froze for %.2fs", longest_gap);
	pclose(holder);
	ck_assert_msg(testutil_loop_until(loop, delivered_is, &three, 10), "not delivered");
	ev_timer_stop(loop, &tick);
	ck_assert_int_eq(testutil_http_hits(srv, "/hook"), 3);
}
END_TEST

START_TEST(an_outcome_the_store_refused_is_written_when_it_accepts_again)
{
	struct store_event ev;
	FILE *holder;
	long one = 1;

	make_outbox(NULL, 0);
	store_set_busy_wait(st, 50);
	testutil_http_set(srv, "/hook", 0, NULL, NULL); /* held until released */
	insert_event("evt_late", "hook", clock_wall());
	outbox_kick(ob);
	ck_assert(testutil_loop_until(loop, in_flight_one, NULL, 10));
	holder = hold_lock();
	testutil_http_release(srv, 200);
	settle(1.0);
	pclose(holder);
	ck_assert(!find_due("evt_late", &ev)); /* still "sending" in the store: never re-sent */
	ck_assert_msg(testutil_loop_until(loop, delivered_is, &one, 10), "outcome not written");
	settle(0.3);
	ck_assert_int_eq(testutil_http_hits(srv, "/hook"), 1);
}
END_TEST

START_TEST(a_start_on_a_locked_store_requeues_interrupted_events_later)
{
	struct store_event ev = stored_in("evt_crash_locked", EVENT_SENDING);
	FILE *holder;
	long one = 1;

	store_event_clear(&ev);
	store_set_busy_wait(st, 50);
	testutil_http_set(srv, "/hook", 200, NULL, "ok");
	holder = hold_lock();
	make_outbox(NULL, 0); /* at start: the requeue is refused */
	outbox_kick(ob);
	settle(0.5);
	ck_assert_int_eq(testutil_http_hits(srv, NULL), 0);
	pclose(holder);
	ck_assert_msg(testutil_loop_until(loop, delivered_is, &one, 10), "never requeued");
	ck_assert_int_eq(testutil_http_hits(srv, "/hook"), 1);
}
END_TEST

/* --- clock steps (SPEECHWATCH_TEST_CLOCK_OFFSET_FILE moves clock_wall) --- */

static void set_clock_offset(double seconds)
{
	char *path = xasprintf("%s/clock-offset", dir);
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fprintf(f, "%.3f\n", seconds);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(setenv("SPEECHWATCH_TEST_CLOCK_OFFSET_FILE", path, 1), 0);
	free(path);
}

START_TEST(a_wall_clock_stepped_back_an_hour_does_not_delay_a_retry)
{
	set_clock_offset(0);
	make_outbox(NULL, 0);
	testutil_http_push(srv, "/hook", 503, NULL, "busy");
	testutil_http_set(srv, "/hook", 200, NULL, "ok");
	insert_event("evt_step", "hook", clock_wall());
	outbox_kick(ob);
	wait_retry("evt_step"); /* the retry is due in 4-6 s */
	set_clock_offset(-3600);
	wait_delivered(1);
	ck_assert_int_eq(testutil_http_hits(srv, "/hook"), 2);
}
END_TEST

START_TEST(a_clock_days_slow_then_corrected_does_not_dead_letter_early)
{
	struct store_event ev;
	size_t two = 2;

	set_clock_offset(-4 * 86400.0); /* queued while the clock was four days slow */
	make_outbox("retry_for = 1h\n", 0);
	testutil_http_set(srv, "/hook", 503, NULL, "busy");
	insert_event("evt_slow", "hook", clock_wall());
	outbox_kick(ob);
	wait_retry("evt_slow");
	set_clock_offset(0); /* NTP corrects it */
	ck_assert(testutil_loop_until(loop, hits_reach, &two, 10));
	wait_retry("evt_slow");
	ck_assert_int_eq(counts("hook").dead, 0);
	ck_assert(find_due("evt_slow", &ev));
	ck_assert_int_eq(ev.attempts, 2);
	/* its age: two attempts and the 5 s wait, then the next wait (5 min +-20%) */
	ck_assert_msg(ev.age > 240 && ev.age < 400, "age %.1f", ev.age);
	store_event_clear(&ev);
}
END_TEST

/* --- the operator's redelivery (events redeliver / enable-channel) --- */

static long redeliver(unsigned states)
{
	struct redeliver_sel sel = {NULL, 0, states, "hook", 0};
	char err[256];
	long moved = redeliver_events(st, &sel, err, sizeof(err));

	ck_assert_msg(moved >= 0, "%s", err);
	return moved;
}

START_TEST(a_redelivered_dead_event_is_sent_again_once_the_outbox_rescans)
{
	struct store_event_filter f = {"evt_again", NULL, 0, 0, 0};
	struct store_event *evs;
	size_t n;

	make_outbox(NULL, 0);
	testutil_http_set(srv, "/hook", 400, NULL, "bad");
	insert_event("evt_again", "hook", clock_wall());
	outbox_kick(ob);
	wait_dead(1);
	testutil_http_set(srv, "/hook", 200, NULL, "ok");
	ck_assert_int_eq(redeliver(1u << EVENT_DEAD), 1);
	settle(0.5);
	/* the outbox keeps its due time in memory: a change behind its back waits... */
	ck_assert_int_eq(testutil_http_hits(srv, "/hook"), 1);
	ck_assert(outbox_next_due(ob) == 0);
	outbox_rescan(ob); /* ...until it is told (SIGUSR1 in the daemon) */
	wait_delivered(1);
	ck_assert_int_eq(testutil_http_hits(srv, "/hook"), 2);
	ck_assert_ptr_nonnull(strstr(testutil_http_last(srv), "webhook-id: evt_again\r\n"));
	ck_assert_ptr_nonnull(strstr(testutil_http_last(srv), "\"id\":\"evt_again\""));
	ck_assert_int_eq(store_events_list(st, &f, &evs, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(evs[0].attempts, 2); /* a new attempt of the same event */
	store_event_clear(&evs[0]);
	free(evs);
}
END_TEST

START_TEST(a_rescan_enables_a_channel_410_disabled)
{
	long two = 2;

	make_outbox(NULL, 0);
	testutil_http_set(srv, "/hook", 410, NULL, "gone");
	insert_event("evt_gone1", "hook", clock_wall());
	outbox_kick(ob);
	wait_retry("evt_gone1");
	insert_event("evt_gone2", "hook", clock_wall());
	outbox_queued(ob, clock_wall());
	settle(0.5);
	ck_assert_int_eq(testutil_http_hits(srv, "/hook"), 1);
	testutil_http_set(srv, "/hook", 200, NULL, "ok");
	ck_assert_int_eq(redeliver(1u << EVENT_RETRY_WAIT), 1); /* enable-channel hook */
	outbox_rescan(ob);
	ck_assert_msg(testutil_loop_until(loop, delivered_is, &two, 10), "not delivered");
	ck_assert_int_eq(testutil_http_hits(srv, "/hook"), 3);
	/* still gone after a rescan: disabled again by its next attempt */
	testutil_http_set(srv, "/hook", 410, NULL, "gone");
	insert_event("evt_gone3", "hook", clock_wall());
	outbox_queued(ob, clock_wall());
	wait_retry("evt_gone3");
	insert_event("evt_gone4", "hook", clock_wall());
	outbox_queued(ob, clock_wall());
	settle(0.5);
	ck_assert_int_eq(testutil_http_hits(srv, "/hook"), 4);
}
END_TEST

static Suite *outbox_suite(void)
{
	Suite *s = suite_create("outbox");
	TCase *moves = tcase_create("moves"), *send = tcase_create("delivery");
	TCase *once = tcase_create("once"), *life = tcase_create("lifecycle");
	TCase *faults = tcase_create("faults"), *clocks = tcase_create("clocks");
	TCase *again = tcase_create("redelivery");

	tcase_add_checked_fixture(moves, setup, teardown);
	tcase_add_test(moves, legal_moves_are_exactly_the_designed_ones);
	tcase_add_test(moves, enter_refuses_every_illegal_move_and_changes_nothing);
	tcase_add_test(moves, judged_attempts_are_counted_by_channel_and_outcome);
	tcase_add_test(moves, enter_saves_every_legal_move);
	suite_add_tcase(s, moves);
	tcase_add_checked_fixture(send, setup, teardown);
	tcase_add_test(send, a_due_event_is_delivered_byte_for_byte_with_its_id);
	tcase_add_test(send, retries_follow_the_schedule_then_deliver);
	tcase_add_test(send, next_due_in_memory_follows_inserts_retries_and_deliveries);
	tcase_add_test(send, retry_after_is_honoured);
	tcase_add_test(send, a_permanent_refusal_dead_letters_at_once);
	tcase_add_test(send, gone_disables_the_channel_until_reload);
	tcase_add_test(send, retry_for_ends_in_a_dead_letter);
	tcase_add_test(send, an_event_for_a_removed_channel_dead_letters_unsent);
	tcase_add_test(send, run_mode_waits_for_next_attempt);
	suite_add_tcase(s, send);
	tcase_add_checked_fixture(once, setup, teardown);
	tcase_add_test(once, once_mode_tries_every_pending_event_once_then_is_idle);
	tcase_add_test(once, once_mode_delivers_and_reports_completion);
	suite_add_tcase(s, once);
	tcase_add_checked_fixture(life, setup, teardown);
	tcase_add_test(life, a_cancelled_send_goes_back_to_queued);
	tcase_add_test(life, a_start_requeues_what_a_crash_left_sending);
	tcase_add_test(life, a_retired_outbox_finishes_its_send);
	tcase_add_test(life, shutdown_cancels_the_sends_of_retired_outboxes);
	tcase_add_test(life, a_bad_channel_is_reported_at_its_line);
	suite_add_tcase(s, life);
	tcase_add_checked_fixture(faults, setup, teardown);
	tcase_set_timeout(faults, 60);
	tcase_add_test(faults, a_full_disk_pauses_deliveries_then_delivers_everything_once);
	tcase_add_test(faults, a_locked_store_sends_nothing_unrecorded_and_never_freezes_the_loop);
	tcase_add_test(faults, an_outcome_the_store_refused_is_written_when_it_accepts_again);
	tcase_add_test(faults, a_start_on_a_locked_store_requeues_interrupted_events_later);
	suite_add_tcase(s, faults);
	tcase_add_checked_fixture(clocks, setup, teardown);
	tcase_set_timeout(clocks, 30);
	tcase_add_test(clocks, a_wall_clock_stepped_back_an_hour_does_not_delay_a_retry);
	tcase_add_test(clocks, a_clock_days_slow_then_corrected_does_not_dead_letter_early);
	suite_add_tcase(s, clocks);
	tcase_add_checked_fixture(again, setup, teardown);
	tcase_add_test(again, a_redelivered_dead_event_is_sent_again_once_the_outbox_rescans);
	tcase_add_test(again, a_rescan_enables_a_channel_410_disabled);
	suite_add_tcase(s, again);
	return s;
}

int main(void)
{
	return testutil_run(outbox_suite());
}
