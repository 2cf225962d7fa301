/*
 * daemon/store_jobs: inline and threaded, done always from the loop, in
 * order; a slow job does not hold the loop; free cancels what never ran.
 */
#include <check.h>
#include <ev.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/store.h"
#include "daemon/store_jobs.h"
#include "tests/unit/testutil.h"

#define NJOBS 20

static struct ev_loop *loop;
static pthread_t loop_thread;
static int order[NJOBS], norder, cancelled, ticks, in_submit;
static int ran_elsewhere[NJOBS];

struct arg {
	int i;
	double sleep;
};

static void work(struct store *st, void *p)
{
	struct arg *a = p;
	struct store_info info;

	ck_assert_int_eq(store_info(st, &info), 0); /* the store is usable there */
	ran_elsewhere[a->i] = !pthread_equal(pthread_self(), loop_thread);
	if (a->sleep > 0) {
		struct timespec ts = {0, (long)(a->sleep * 1e9)};

		nanosleep(&ts, NULL);
	}
}

static void done(void *p, int was_cancelled)
{
	struct arg *a = p;

	ck_assert(pthread_equal(pthread_self(), loop_thread));
	ck_assert_int_eq(in_submit, 0); /* never from inside submit */
	if (was_cancelled)
		cancelled++;
	else
		order[norder++] = a->i;
}

static void on_tick(struct ev_loop *l, ev_timer *w, int revents)
{
	(void)l;
	(void)w;
	(void)revents;
	ticks++;
}

static struct store *st;
static char *loc;
static struct arg args[NJOBS];

static void setup(void)
{
	char err[512];

	loc = testutil_store_fresh();
	st = store_open(loc, err, sizeof(err));
	ck_assert_msg(st != NULL, "%s", err);
	loop = ev_loop_new(EVFLAG_AUTO);
	loop_thread = pthread_self();
	norder = cancelled = ticks = in_submit = 0;
	memset(ran_elsewhere, 0, sizeof(ran_elsewhere));
	for (int i = 0; i < NJOBS; i++)
		args[i] = (struct arg){i, 0};
}

static void teardown(void)
{
	ev_loop_destroy(loop);
	store_close(st);
	testutil_store_done(loc);
}

static void submit_all(struct store_jobs *q)
{
	for (int i = 0; i < NJOBS; i++) {
		in_submit = 1;
		store_jobs_submit(q, work, done, &args[i]);
		in_submit = 0;
	}
}

/* The loop runs while jobs are out, and returns once none is left. */
static void run_until_done(struct store_jobs *q)
{
	ev_run(loop, 0);
	ck_assert_int_eq(store_jobs_pending(q), 0);
}

static void check_in_order(void)
{
	ck_assert_int_eq(norder, NJOBS);
	for (int i = 0; i < NJOBS; i++)
		ck_assert_int_eq(order[i], i);
}

START_TEST(inline_jobs_run_at_once_and_report_from_the_loop)
{
	char err[256];
	struct store_jobs *q = store_jobs_new(loop, st, 0, err, sizeof(err));

	submit_all(q);
	ck_assert_int_eq(norder, 0); /* done waits for the loop */
	ck_assert_int_eq(store_jobs_pending(q), NJOBS);
	run_until_done(q);
	check_in_order();
	for (int i = 0; i < NJOBS; i++)
		ck_assert_int_eq(ran_elsewhere[i], 0);
	store_jobs_free(q);
}
END_TEST

START_TEST(threaded_jobs_run_on_the_thread_in_order)
{
	char err[256];
	struct store_jobs *q = store_jobs_new(loop, st, 1, err, sizeof(err));

	ck_assert_ptr_nonnull(q);
	submit_all(q);
	run_until_done(q);
	check_in_order();
	for (int i = 0; i < NJOBS; i++)
		ck_assert_int_eq(ran_elsewhere[i], 1);
	store_jobs_free(q);
}
END_TEST

START_TEST(a_slow_job_does_not_hold_the_loop)
{
	char err[256];
	struct store_jobs *q = store_jobs_new(loop, st, 1, err, sizeof(err));
	ev_timer t;

	args[0].sleep = 0.5;
	ev_timer_init(&t, on_tick, 0.02, 0.02);
	ev_timer_start(loop, &t);
	store_jobs_submit(q, work, done, &args[0]);
	while (store_jobs_pending(q) > 0)
		ev_run(loop, EVRUN_ONCE); /* the timer wakes it meanwhile */
	ev_timer_stop(loop, &t);
	ck_assert_int_eq(norder, 1);
	ck_assert_msg(ticks >= 10, "the loop ticked %d times in 0.5 s", ticks);
	store_jobs_free(q);
}
END_TEST

START_TEST(free_waits_for_the_running_job_and_cancels_the_rest)
{
	char err[256];
	struct store_jobs *q = store_jobs_new(loop, st, 1, err, sizeof(err));
	struct timespec ts = {0, 50 * 1000 * 1000};

	args[0].sleep = 0.3;
	submit_all(q);
	nanosleep(&ts, NULL); /* the first job is running */
	store_jobs_free(q);
	ck_assert_int_eq(norder + cancelled, NJOBS);
	ck_assert_int_ge(norder, 1);	/* the one running finished */
	ck_assert_int_ge(cancelled, 1); /* the queued ones never ran */
	ck_assert_int_eq(order[0], 0);
}
END_TEST

/* The thread owns the store: the loop's use of it is a bug caught at once, not a race. */
START_TEST(the_loop_using_a_threaded_store_aborts)
{
	char err[256];
	struct store_jobs *q = store_jobs_new(loop, st, 1, err, sizeof(err));
	struct store_info info;

	store_jobs_submit(q, work, done, &args[0]);
	run_until_done(q); /* the thread has bound the store by now */
	store_info(st, &info);
	ck_abort_msg("store_info from the loop went through");
}
END_TEST

/* Once the thread is gone the store is the caller's again (closing, a last write). */
START_TEST(free_gives_the_store_back)
{
	char err[256];
	struct store_jobs *q = store_jobs_new(loop, st, 1, err, sizeof(err));
	struct store_info info;

	store_jobs_submit(q, work, done, &args[0]);
	run_until_done(q);
	store_jobs_free(q);
	ck_assert_int_eq(store_info(st, &info), 0);
}
END_TEST

/*
 * The daemon's shape: inline at the start, on the thread while the loop
 * runs, inline again after: stopping runs every job submitted, not cancels.
 */
START_TEST(start_and_stop_thread_move_the_store_and_lose_no_job)
{
	char err[256];
	struct store_jobs *q = store_jobs_new(loop, st, 0, err, sizeof(err));
	struct store_info info;

	ck_assert_int_eq(store_jobs_start_thread(q, err, sizeof(err)), 0);
	args[0].sleep = 0.1;
	submit_all(q);
	store_jobs_stop_thread(q); /* without running the loop */
	check_in_order();
	ck_assert_int_eq(cancelled, 0);
	ck_assert_int_eq(store_jobs_pending(q), 0);
	for (int i = 0; i < NJOBS; i++)
		ck_assert_int_eq(ran_elsewhere[i], 1);
	ck_assert_int_eq(store_info(st, &info), 0); /* the caller's again */
	norder = 0;
	store_jobs_submit(q, work, done, &args[1]); /* inline now: ran at once, here */
	ck_assert_int_eq(ran_elsewhere[1], 0);
	run_until_done(q);
	ck_assert_int_eq(store_jobs_start_thread(q, err, sizeof(err)), 0); /* and back */
	store_jobs_submit(q, work, done, &args[2]);
	run_until_done(q);
	ck_assert_int_eq(ran_elsewhere[2], 1);
	store_jobs_free(q);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("store_jobs");
	TCase *tc = tcase_create("jobs");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, inline_jobs_run_at_once_and_report_from_the_loop);
	tcase_add_test(tc, threaded_jobs_run_on_the_thread_in_order);
	tcase_add_test(tc, a_slow_job_does_not_hold_the_loop);
	tcase_add_test(tc, free_waits_for_the_running_job_and_cancels_the_rest);
	tcase_add_test_raise_signal(tc, the_loop_using_a_threaded_store_aborts, SIGABRT);
	tcase_add_test(tc, free_gives_the_store_back);
	tcase_add_test(tc, start_and_stop_thread_move_the_store_and_lose_no_job);
	suite_add_tcase(s, tc);
	return testutil_run(s);
}
