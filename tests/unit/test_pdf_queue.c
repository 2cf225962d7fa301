/*
 * daemon/pdf_queue: at most PDF_QUEUE_MAX children read at once, the rest
 * wait in order; a cancelled task is never answered; freeing the queue
 * cancels what is left. The child is this program itself (/proc/self/exe),
 * whose main() answers `pdf-child` as speechwatch does, slowly enough that
 * the tasks overlap.
 */
#include <check.h>
#include <ev.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "daemon/pdf_queue.h"
#include "tests/unit/testutil.h"

#define TASKS 5

struct probe {
	struct pdf_queue *q;
	int calls, order[TASKS], max_running;
	size_t next;
	char texts[TASKS][32];
};

struct answer {
	struct probe *p;
	int index;
};

/* pdf_child_done_fn: notes the order and how many were reading meanwhile. */
static void done(void *arg, const struct pdf_result *r, const char *error)
{
	struct answer *a = arg;
	struct probe *p = a->p;
	/* this task still counts as running while its callback runs */
	int running = (int)pdf_queue_running(p->q);

	if (running > p->max_running)
		p->max_running = running;
	snprintf(p->texts[a->index], sizeof(p->texts[0]), "%s", error ? error : r->text);
	p->order[p->next++] = a->index;
	p->calls++;
}

static int all_answered(void *arg)
{
	struct probe *p = arg;

	return p->calls == TASKS;
}

static int calls_reach(void *arg)
{
	struct probe *p = arg;

	return p->calls >= 3;
}

static void start_all(struct probe *p, struct answer *a, struct pdf_task **t, const char *pdf,
		      size_t len)
{
	memset(p, 0, sizeof(*p));
	p->q = pdf_queue_new(ev_default_loop(EVFLAG_AUTO));
	for (int i = 0; i < TASKS; i++) {
		a[i].p = p;
		a[i].index = i;
		t[i] = pdf_queue_start(p->q, pdf, len, done, &a[i]);
		ck_assert_ptr_nonnull(t[i]);
	}
}

START_TEST(at_most_two_read_at_once_the_rest_in_order)
{
	struct probe p;
	struct answer a[TASKS];
	struct pdf_task *t[TASKS];
	size_t len;
	char *pdf = testutil_tiny_pdf(&len);

	start_all(&p, a, t, pdf, len);
	ck_assert_uint_eq(pdf_queue_running(p.q), PDF_QUEUE_MAX);
	ck_assert_uint_eq(pdf_queue_waiting(p.q), TASKS - PDF_QUEUE_MAX);
	ck_assert_int_eq(p.calls, 0); /* never answered from inside start */
	ck_assert(testutil_loop_until(ev_default_loop(0), all_answered, &p, 60));
	ck_assert_int_le(p.max_running, PDF_QUEUE_MAX);
	for (int i = 0; i < TASKS; i++)
		ck_assert_str_eq(p.texts[i], "Hello world.");
	/*
	 * In order: task k (k >= 2) starts only when k - 1 have been answered,
	 * so it cannot be answered before position k - 1.
	 */
	for (int pos = 0; pos < TASKS; pos++)
		ck_assert_int_le(p.order[pos], pos + 1);
	ck_assert_uint_eq(pdf_queue_running(p.q) + pdf_queue_waiting(p.q), 0);
	pdf_queue_free(p.q);
	free(pdf);
}
END_TEST

START_TEST(cancelled_tasks_are_never_answered_and_free_a_slot)
{
	struct probe p;
	struct answer a[TASKS];
	struct pdf_task *t[TASKS];
	size_t len;
	char *pdf = testutil_tiny_pdf(&len);

	start_all(&p, a, t, pdf, len);
	pdf_queue_cancel(t[0]);		/* running: the first waiting one starts in its place */
	pdf_queue_cancel(t[TASKS - 1]); /* waiting: it never starts */
	ck_assert_uint_eq(pdf_queue_running(p.q), PDF_QUEUE_MAX);
	ck_assert_uint_eq(pdf_queue_waiting(p.q), TASKS - PDF_QUEUE_MAX - 2);
	ck_assert(testutil_loop_until(ev_default_loop(0), calls_reach, &p, 60));
	usleep(300 * 1000); /* a stray answer would come now */
	ev_run(ev_default_loop(0), EVRUN_NOWAIT);
	ck_assert_int_eq(p.calls, TASKS - 2);
	ck_assert_str_eq(p.texts[0], "");
	ck_assert_str_eq(p.texts[TASKS - 1], "");
	pdf_queue_free(p.q);
	free(pdf);
}
END_TEST

START_TEST(free_cancels_what_is_left)
{
	struct probe p;
	struct answer a[TASKS];
	struct pdf_task *t[TASKS];
	size_t len;
	char *pdf = testutil_tiny_pdf(&len);

	start_all(&p, a, t, pdf, len);
	pdf_queue_free(p.q); /* kills and reaps the two children; nobody answered */
	usleep(300 * 1000);
	ev_run(ev_default_loop(0), EVRUN_NOWAIT);
	ck_assert_int_eq(p.calls, 0);
	free(pdf);
}
END_TEST

int main(int argc, char **argv)
{
	Suite *s;
	TCase *tc;

	if (argc > 1 && strcmp(argv[1], "pdf-child") == 0) {
		/* slow enough that the five tasks overlap */
		nanosleep(&(struct timespec){0, 200 * 1000 * 1000}, NULL);
		return pdf_child_main();
	}
	s = suite_create("pdf_queue");
	tc = tcase_create("core");
	tcase_set_timeout(tc, 90);
	tcase_add_test(tc, at_most_two_read_at_once_the_rest_in_order);
	tcase_add_test(tc, cancelled_tasks_are_never_answered_and_free_a_slot);
	tcase_add_test(tc, free_cancels_what_is_left);
	suite_add_tcase(s, tc);
	return testutil_run(s);
}
