/*
 * The shared outbox (issue 20): two instances on one PostgreSQL store
 * never get the same due event, a claim that ran out goes to the other,
 * a stale claimant's failure cannot reschedule the new claim while its
 * late success still counts, and a live instance's sends are not
 * requeued by another's start. PostgreSQL only: tests/e2e/test_store_pg.py
 * runs it with SW_TEST_PG=1 (SQLite has one instance and claims nothing).
 */
#include <check.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/clock.h"
#include "daemon/store.h"
#include "tests/unit/testutil.h"

static char *loc;
static struct store *a, *b;

static struct store *open_as(const char *id, double claim)
{
	char err[512];
	struct store *st = store_open(loc, err, sizeof(err));

	ck_assert_msg(st != NULL, "%s", err);
	store_set_instance(st, id, claim);
	return st;
}

static void setup(void)
{
	loc = testutil_store_fresh();
	a = open_as("a", 1.0);
	b = open_as("b", 1.0);
}

static void teardown(void)
{
	store_close(a);
	store_close(b);
	testutil_store_done(loc);
}

static void put_events(int n)
{
	char id[32];

	for (int i = 0; i < n; i++) {
		snprintf(id, sizeof(id), "evt_%02d", i);
		ck_assert_int_eq(
		    store_event_insert(a, &(struct store_event_new){id, "hook", "statement.new",
								    "src", 0, "{}", (double)i}),
		    0);
	}
}

/* Claims up to max due events for st; their ids joined by "," into out. */
static size_t claim(struct store *st, size_t max, char *out, size_t outlen)
{
	struct store_event *v;
	size_t n;

	ck_assert_int_eq(store_events_due(st, 1e12, NULL, max, &v, &n), 0);
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		strncat(out, v[i].id, outlen - strlen(out) - 2);
		strcat(out, ",");
		store_event_clear(&v[i]);
	}
	free(v);
	return n;
}

static void sleep_s(double s)
{
	struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};

	nanosleep(&ts, NULL);
}

/* Moves event id as instance st sees it. */
static int move(struct store *st, const char *id, enum store_event_state to, double next)
{
	struct store_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.id = (char *)(uintptr_t)id;
	ev.state = to;
	ev.attempts = 1;
	ev.next_attempt = next;
	ev.delivered_at = to == EVENT_DELIVERED ? 1 : 0;
	return store_event_update(st, &ev);
}

static const char *state_of(const char *id, char *buf, size_t len)
{
	struct store_event *v;
	size_t n;
	struct store_event_filter f = {.id = id};

	ck_assert_int_eq(store_events_list(a, &f, &v, &n), 0);
	ck_assert_uint_eq(n, 1);
	snprintf(buf, len, "%s", store_event_state_name(v[0].state));
	store_event_clear(&v[0]);
	free(v);
	return buf;
}

START_TEST(two_instances_never_get_the_same_event)
{
	char got_a[512], got_b[512], again[512];

	put_events(10);
	ck_assert_uint_eq(claim(a, 4, got_a, sizeof(got_a)), 4);
	ck_assert_uint_eq(claim(b, 10, got_b, sizeof(got_b)), 6);
	ck_assert_str_eq(got_a, "evt_00,evt_01,evt_02,evt_03,");
	ck_assert_str_eq(got_b, "evt_04,evt_05,evt_06,evt_07,evt_08,evt_09,");
	ck_assert_uint_eq(claim(a, 10, again, sizeof(again)), 4); /* its own, still */
	ck_assert_str_eq(again, got_a);
}
END_TEST

START_TEST(a_claim_that_ran_out_goes_to_the_other)
{
	char got[512], buf[32];

	put_events(3);
	ck_assert_uint_eq(claim(a, 10, got, sizeof(got)), 3);
	ck_assert_int_eq(move(a, "evt_00", EVENT_SENDING, 0), 0); /* then a dies mid-send */
	ck_assert_uint_eq(claim(b, 10, got, sizeof(got)), 0);
	sleep_s(1.3);
	ck_assert_uint_eq(claim(b, 10, got, sizeof(got)), 3);
	ck_assert_str_eq(state_of("evt_00", buf, sizeof(buf)), "queued"); /* back from sending */
}
END_TEST

START_TEST(a_stale_failure_cannot_reschedule_but_a_late_success_counts)
{
	char got[512], buf[32];

	put_events(2);
	ck_assert_uint_eq(claim(a, 10, got, sizeof(got)), 2);
	sleep_s(1.3);
	ck_assert_uint_eq(claim(b, 10, got, sizeof(got)), 2);
	ck_assert_int_eq(move(b, "evt_00", EVENT_SENDING, 0), 0);
	/* a, late, fails evt_00: no effect on b's claim */
	ck_assert_int_eq(move(a, "evt_00", EVENT_RETRY_WAIT, 1e12), 0);
	ck_assert_str_eq(state_of("evt_00", buf, sizeof(buf)), "sending");
	/* a, late, delivered evt_01: that counts, b will not send it again */
	ck_assert_int_eq(move(a, "evt_01", EVENT_DELIVERED, 0), 0);
	ck_assert_str_eq(state_of("evt_01", buf, sizeof(buf)), "delivered");
	ck_assert_int_eq(move(b, "evt_00", EVENT_DELIVERED, 0), 0);
	ck_assert_uint_eq(claim(b, 10, got, sizeof(got)), 0);
}
END_TEST

static void heartbeat(const char *id, int alive)
{
	PGconn *c = PQconnectdb("");
	const char *p[] = {id};
	PGresult *r = PQexecParams(c,
				   alive ? "INSERT INTO instances (instance_id) VALUES ($1)"
					 : "DELETE FROM instances WHERE instance_id = $1",
				   1, NULL, p, NULL, NULL, 0);

	ck_assert_int_eq(PQresultStatus(r), PGRES_COMMAND_OK);
	PQclear(r);
	PQfinish(c);
}

START_TEST(a_start_requeues_only_sends_of_instances_gone)
{
	char got[512];
	struct store *a2;

	store_close(a);
	a = open_as("a", 60); /* a long claim: only liveness can free it */
	put_events(1);
	heartbeat("a", 1);
	ck_assert_uint_eq(claim(a, 10, got, sizeof(got)), 1);
	ck_assert_int_eq(move(a, "evt_00", EVENT_SENDING, 0), 0);
	ck_assert_int_eq(store_events_requeue_sending(b), 0); /* a is alive and sending */
	heartbeat("a", 0);
	a2 = open_as("a-restarted", 60);
	ck_assert_int_eq(store_events_requeue_sending(a2), 1); /* a is gone */
	ck_assert_uint_eq(claim(a2, 10, got, sizeof(got)), 1);
	store_close(a2);
}
END_TEST

START_TEST(next_due_waits_for_another_instances_claim)
{
	char got[512];
	double when, now;

	put_events(1);
	ck_assert_uint_eq(claim(a, 10, got, sizeof(got)), 1);
	now = clock_steady();
	ck_assert_int_eq(store_events_next_due(b, NULL, &when), 0);
	ck_assert_msg(when > now + 0.5 && when < now + 1.5, "due in %.2f s", when - now);
	ck_assert_int_eq(store_events_next_due(a, NULL, &when), 0);
	ck_assert(when == 0); /* a's own: due since created */
}
END_TEST

int main(void)
{
	Suite *s;
	TCase *tc;

	if (!testutil_store_is_pg()) {
		printf("skipped: claims are PostgreSQL's (tests/e2e/test_store_pg.py)\n");
		return EXIT_SUCCESS;
	}
	s = suite_create("claims");
	tc = tcase_create("claims");
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, two_instances_never_get_the_same_event);
	tcase_add_test(tc, a_claim_that_ran_out_goes_to_the_other);
	tcase_add_test(tc, a_stale_failure_cannot_reschedule_but_a_late_success_counts);
	tcase_add_test(tc, a_start_requeues_only_sends_of_instances_gone);
	tcase_add_test(tc, next_due_waits_for_another_instances_claim);
	suite_add_tcase(s, tc);
	return testutil_run(s);
}
