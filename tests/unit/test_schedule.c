/* When sources are polled: interval + jitter, backoff to 6x, Retry-After. */
#include <check.h>
#include <ev.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "config/config.h"
#include "daemon/daemon_int.h"
#include "tests/unit/testutil.h"

static struct daemon d;
static struct config_source src;
static struct source_rt rt;

static void setup(void)
{
	static char id[] = "s";

	memset(&d, 0, sizeof(d));
	memset(&src, 0, sizeof(src));
	memset(&rt, 0, sizeof(rt));
	d.loop = ev_loop_new(EVFLAG_AUTO);
	d.mode = DAEMON_RUN;
	src.interval = 600;
	rt.d = &d;
	rt.cfg = &src;
	rt.id = id;
	ev_timer_init(&rt.timer, NULL, 0.0, 0.0);
}

static void teardown(void)
{
	ev_timer_stop(d.loop, &rt.timer);
	ev_loop_destroy(d.loop);
}

START_TEST(interval_with_at_most_ten_percent_jitter)
{
	double lo = 1e9, hi = 0;

	for (int i = 0; i < 200; i++) {
		double delay = schedule_next(&rt);

		lo = delay < lo ? delay : lo;
		hi = delay > hi ? delay : hi;
		ck_assert(ev_is_active(&rt.timer));
	}
	ck_assert(lo >= 600 && hi <= 660);
	ck_assert_msg(hi - lo > 10, "jitter spreads polls (%g..%g)", lo, hi);
}
END_TEST

START_TEST(due_times_round_up_to_the_timer_slack)
{
	double a = schedule_align(100.25, 10.1, 1.0), b = schedule_align(100.75, 9.7, 1.0);

	/* due at 110.35 and 110.45: both fire at 111, in one wake-up */
	ck_assert(a >= 10.1 && a < 10.1 + 1.0);
	ck_assert(100.25 + a == 111.0 && 100.75 + b == 111.0);
	ck_assert(schedule_align(100.25, 0, 1.0) == 0); /* "now" is not delayed */
	ck_assert(schedule_align(100.25, -3, 1.0) == 0);
	ck_assert(schedule_align(100.25, 5, 0) == 5); /* no slack */
	/* the armed timer carries the rounding: it ends on a whole second of the loop's clock */
	schedule_at(&rt, 10.1);
	a = ev_now(d.loop) + ev_timer_remaining(d.loop, &rt.timer);
	ck_assert_msg(a - (double)(long)a < 1e-6 || (double)(long)a + 1 - a < 1e-6, "%f", a);
}
END_TEST

START_TEST(backoff_doubles_and_stops_at_six_times)
{
	static const double mult[] = {1, 2, 4, 6, 6, 6};

	for (long f = 0; f < 6; f++) {
		double delay;

		rt.failures = f;
		delay = schedule_next(&rt);
		ck_assert_msg(delay >= 600 * mult[f] && delay <= 660 * mult[f],
			      "failures=%ld delay=%g", f, delay);
	}
}
END_TEST

START_TEST(retry_after_wins_when_larger)
{
	rt.retry_after = 7200;
	ck_assert(schedule_next(&rt) == 7200);
	rt.retry_after = 5;
	ck_assert(schedule_next(&rt) >= 600);
}
END_TEST

START_TEST(nothing_scheduled_when_stopping_or_once)
{
	d.stopping = 1;
	ck_assert(schedule_next(&rt) < 0);
	d.stopping = 0;
	d.mode = DAEMON_ONCE;
	ck_assert(schedule_next(&rt) < 0);
	ck_assert(!ev_is_active(&rt.timer));
}
END_TEST

/*
 * A source taken over: its row's schedule stands when the last owner gave
 * the lease back, or its lease ran out before the row's poll fell due;
 * else that owner may have polled unrecorded up to the end of its lease,
 * and the first poll waits an interval from there.
 */
START_TEST(a_take_over_waits_an_interval_after_a_lease_that_ran_out_late)
{
	double now = clock_wall(), delay;

	rt.src_known = 1;
	rt.src.next_due = now + 100;
	delay = schedule_takeover_delay(&rt, 0); /* given back */
	ck_assert_msg(delay >= 99 && delay <= 106, "%g", delay);
	delay = schedule_takeover_delay(&rt, now - 5); /* ran out before the due time */
	ck_assert_msg(delay >= 99 && delay <= 106, "%g", delay);
	rt.src.next_due = now - 30; /* due, and the owner's lease ran out after that */
	delay = schedule_takeover_delay(&rt, now - 20);
	ck_assert_msg(delay >= 579 && delay <= 641, "%g", delay);
	rt.src_known = 0; /* no row: its owner may have polled at any time */
	delay = schedule_takeover_delay(&rt, now - 1000);
	ck_assert_msg(delay == 0, "%g", delay);
	delay = schedule_takeover_delay(&rt, now);
	ck_assert_msg(delay >= 599 && delay <= 661, "%g", delay);
	rt.src_known = 1;
	rt.src.next_due = now - 3; /* given back late: the row is whole, polled at once */
	delay = schedule_takeover_delay(&rt, 0);
	ck_assert_msg(delay >= 0 && delay <= 5.5, "%g", delay);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("schedule");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, interval_with_at_most_ten_percent_jitter);
	tcase_add_test(tc, due_times_round_up_to_the_timer_slack);
	tcase_add_test(tc, backoff_doubles_and_stops_at_six_times);
	tcase_add_test(tc, retry_after_wins_when_larger);
	tcase_add_test(tc, nothing_scheduled_when_stopping_or_once);
	tcase_add_test(tc, a_take_over_waits_an_interval_after_a_lease_that_ran_out_late);
	suite_add_tcase(s, tc);
	return testutil_run(s);
}
