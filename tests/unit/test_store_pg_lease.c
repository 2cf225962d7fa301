/*
 * daemon/lease against a real PostgreSQL: tests/e2e/test_store_pg.py runs
 * it with SW_TEST_PG=1 under tests/pgcluster.py. Alone only the pure
 * check runs. Short leases (ttl 1.5 s, rounds every 0.3 s) keep it quick.
 */
#include <check.h>
#include <ev.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/xmalloc.h"
#include "daemon/lease.h"
#include "daemon/pg_conn.h"
#include "daemon/store.h"
#include "daemon/store_pg.h"
#include "tests/unit/testutil.h"

#define NSRC 10
#define TTL 1.5
#define TICK 0.3

static struct ev_loop *loop;
static const char *ids[NSRC] = {"s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9"};

struct member {
	struct pg_conn *c;
	struct leases *l;
};

static struct member a, b;
static int overlaps, stopped;

static void start_member(struct member *m, const char *name, size_t nids)
{
	struct pg_conn_settings cs = {.conninfo = "", .lock_timeout = 20};
	struct lease_settings ls = {.instance = name, .ttl = TTL, .tick = TICK};

	m->c = pg_conn_new(loop, &cs);
	m->l = leases_new(loop, m->c, &ls);
	leases_set_sources(m->l, ids, nids);
}

/* Ends m without giving anything back, as a crash does. */
static void kill_member(struct member *m)
{
	leases_free(m->l);
	pg_conn_free(m->c);
	m->l = NULL;
	m->c = NULL;
}

static size_t held(const struct member *m)
{
	size_t n = 0;

	for (size_t i = 0; m->l && i < NSRC; i++)
		n += leases_held(m->l, ids[i], NULL);
	return n;
}

/* Every 20 ms: no source is held by both at once. */
static void on_watch(struct ev_loop *l, ev_timer *w, int revents)
{
	(void)l;
	(void)w;
	(void)revents;
	for (size_t i = 0; a.l && b.l && i < NSRC; i++)
		overlaps += leases_held(a.l, ids[i], NULL) && leases_held(b.l, ids[i], NULL);
}

/* Runs the loop until pred holds or secs pass; 1 when it held. */
static int run_until(int (*pred)(void), double secs)
{
	ev_timer watch;
	double end = ev_time() + secs;

	ev_timer_init(&watch, on_watch, 0.02, 0.02);
	ev_timer_start(loop, &watch);
	while (!(pred && pred()) && ev_time() < end)
		ev_run(loop, EVRUN_ONCE);
	ev_timer_stop(loop, &watch);
	return pred ? pred() : 1;
}

static int all_held_by_b(void)
{
	return held(&b) == NSRC;
}

static int all_held_by_a(void)
{
	return held(&a) == NSRC;
}

static int split_evenly(void)
{
	return held(&a) == NSRC / 2 && held(&b) == NSRC / 2;
}

static void setup(void)
{
	char err[512], *loc = testutil_store_fresh();

	testutil_store_done(loc);
	ck_assert_msg(
	    pg_conn_migrate("", store_pg_steps, store_pg_nsteps, 10, NULL, err, sizeof(err)) > 0,
	    "%s", err);
	loop = ev_loop_new(EVFLAG_AUTO);
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	overlaps = stopped = 0;
}

static void teardown(void)
{
	kill_member(&a);
	kill_member(&b);
	ev_loop_destroy(loop);
}

/* What status reads: each instance with its leases and a fresh heartbeat. */
static void check_status_shows_both(void)
{
	char err[512];
	struct store *st = store_open("postgresql:", err, sizeof(err));
	struct store_instance *in;
	size_t n;

	ck_assert_msg(st != NULL, "%s", err);
	ck_assert_int_eq(store_instances(st, &in, &n), 0);
	ck_assert_int_eq(n, 2);
	ck_assert_str_eq(in[0].id, "a");
	ck_assert_str_eq(in[1].id, "b");
	for (size_t i = 0; i < n; i++) {
		ck_assert_int_eq(in[i].leases, NSRC / 2);
		ck_assert_msg(in[i].age >= 0 && in[i].age < 2 * TICK + 0.5, "age %.2f", in[i].age);
		ck_assert(in[i].heartbeat >= in[i].started);
		store_instance_clear(&in[i]);
	}
	free(in);
	store_close(st);
}

START_TEST(two_instances_split_the_sources_and_never_overlap)
{
	start_member(&a, "a", NSRC);
	ck_assert(run_until(all_held_by_a, 5));
	start_member(&b, "b", NSRC);
	ck_assert_msg(run_until(split_evenly, 10), "a %zu b %zu", held(&a), held(&b));
	run_until(NULL, 2); /* and it stays so */
	ck_assert_int_eq(held(&a), NSRC / 2);
	ck_assert_int_eq(held(&b), NSRC / 2);
	ck_assert_int_eq(overlaps, 0);
	check_status_shows_both();
}
END_TEST

START_TEST(a_dead_owners_sources_are_taken_over_after_the_lease_runs_out)
{
	long long before, after;
	double t0, killed, ran_out;

	start_member(&a, "a", NSRC);
	ck_assert(run_until(all_held_by_a, 5));
	ck_assert(leases_held(a.l, "s3", &before));
	ck_assert(leases_ran_out(a.l, "s3") == 0); /* nobody held it before */
	kill_member(&a);
	t0 = ev_time();
	killed = clock_wall();
	start_member(&b, "b", NSRC);
	ck_assert(run_until(all_held_by_b, 10));
	/* not before the lease ran out, and within it and two rounds */
	ck_assert_msg(ev_time() - t0 > TTL * 0.5, "taken after %.2f s", ev_time() - t0);
	ck_assert_msg(ev_time() - t0 < TTL + 3 * TICK + 1, "taken after %.2f s", ev_time() - t0);
	ck_assert(leases_held(b.l, "s3", &after));
	ck_assert_int_gt(after, before); /* a new epoch fences a's late writes */
	/* when a's lease ran out: a may have polled until then; b's next round forgets it */
	ran_out = leases_ran_out(b.l, "s3");
	ck_assert_msg(ran_out > killed - 0.5 && ran_out < killed + TTL + 0.5,
		      "ran out %.2f s after", ran_out - killed);
	run_until(NULL, 2 * TICK);
	ck_assert(leases_ran_out(b.l, "s3") == 0);
}
END_TEST

static void on_stopped(void *arg)
{
	(void)arg;
	stopped = 1;
}

START_TEST(a_graceful_stop_hands_everything_over_at_once)
{
	double t0;

	start_member(&a, "a", NSRC);
	ck_assert(run_until(all_held_by_a, 5));
	start_member(&b, "b", NSRC);
	run_until(split_evenly, 10);
	leases_stop(a.l, on_stopped, NULL);
	ck_assert_int_eq(held(&a), 0); /* stops polling before the server hears */
	t0 = ev_time();
	ck_assert(run_until(all_held_by_b, 5));
	ck_assert_int_eq(stopped, 1);
	ck_assert_msg(ev_time() - t0 < TTL, "took %.2f s", ev_time() - t0);
	ck_assert_int_eq(overlaps, 0);
	for (size_t i = 0; i < NSRC; i++) /* given back: its rows are whole */
		ck_assert(leases_ran_out(b.l, ids[i]) == 0);
}
END_TEST

static int a_holds_none(void)
{
	return held(&a) == 0;
}

/*
 * A renewal that cannot get through: the trust window closes by itself.
 * Once through, the leases that ran out meanwhile are its own again under
 * the same epoch: nobody took them, so nobody polled in between.
 */
START_TEST(an_instance_that_cannot_renew_stops_at_its_trust_deadline)
{
	PGconn *blocker = PQconnectdb("");
	PGresult *r;
	long long before, after;
	double t0;

	start_member(&a, "a", NSRC);
	ck_assert(run_until(all_held_by_a, 5));
	ck_assert(leases_held(a.l, "s3", &before));
	r = PQexec(blocker, "BEGIN; SELECT * FROM source_leases FOR UPDATE");
	ck_assert_int_eq(PQresultStatus(r), PGRES_TUPLES_OK);
	PQclear(r);
	t0 = ev_time();
	ck_assert(run_until(a_holds_none, 5));
	ck_assert_msg(ev_time() - t0 < TTL + 0.2, "held %.2f s", ev_time() - t0);
	run_until(NULL, TTL); /* past every lease's end */
	r = PQexec(blocker, "ROLLBACK");
	PQclear(r);
	PQfinish(blocker);
	ck_assert(run_until(all_held_by_a, 10)); /* and holds them again afterwards */
	ck_assert(leases_held(a.l, "s3", &after));
	ck_assert_int_eq(after, before);
	ck_assert(leases_ran_out(a.l, "s3") == 0);
}
END_TEST

static int a_holds_five(void)
{
	return held(&a) == 5;
}

START_TEST(sources_no_longer_listed_are_given_back)
{
	PGconn *c = PQconnectdb("");
	PGresult *r;

	start_member(&a, "a", NSRC);
	ck_assert(run_until(all_held_by_a, 5));
	leases_set_sources(a.l, ids, 5);
	ck_assert(run_until(a_holds_five, 5));
	run_until(NULL, 2 * TICK);
	r = PQexec(c, "SELECT count(*) FROM source_leases WHERE owner IS NULL");
	ck_assert_str_eq(PQgetvalue(r, 0, 0), "5");
	PQclear(r);
	PQfinish(c);
}
END_TEST

START_TEST(text_arrays_escape_quotes_and_backslashes)
{
	const char *v[] = {"plain", "with \"quote\"", "back\\slash", "comma,brace}"};
	char *s = pg_conn_text_array(v, 4);

	ck_assert_str_eq(s,
			 "{\"plain\",\"with \\\"quote\\\"\",\"back\\\\slash\",\"comma,brace}\"}");
	free(s);
	s = pg_conn_text_array(v, 0);
	ck_assert_str_eq(s, "{}");
	free(s);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("lease");
	TCase *pure = tcase_create("pure"), *tc = tcase_create("postgresql");

	tcase_add_test(pure, text_arrays_escape_quotes_and_backslashes);
	suite_add_tcase(s, pure);
	if (!testutil_store_is_pg()) {
		printf("skipped: the lease cases need PostgreSQL (tests/e2e/test_store_pg.py)\n");
		return testutil_run(s);
	}
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, two_instances_split_the_sources_and_never_overlap);
	tcase_add_test(tc, a_dead_owners_sources_are_taken_over_after_the_lease_runs_out);
	tcase_add_test(tc, a_graceful_stop_hands_everything_over_at_once);
	tcase_add_test(tc, an_instance_that_cannot_renew_stops_at_its_trust_deadline);
	tcase_add_test(tc, sources_no_longer_listed_are_given_back);
	suite_add_tcase(s, tc);
	return testutil_run(s);
}
