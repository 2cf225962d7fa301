/*
 * daemon/pdf_child: the runner on the default loop. The child is this test
 * program itself (/proc/self/exe), whose main() answers the hidden command
 * `pdf-child` as speechwatch does.
 */
#include <check.h>
#include <errno.h>
#include <ev.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <stdio.h>
#include <unistd.h>

#include "daemon/pdf_child.h"
#include "tests/unit/testutil.h"

struct answer {
	int calls;
	char *text, *title, *date, *error;
	size_t pages;
};

/* pdf_child_done_fn: keeps copies (the result is borrowed) */
static void done(void *arg, const struct pdf_result *r, const char *error)
{
	struct answer *a = arg;

	a->calls++;
	if (error) {
		a->error = strdup(error);
		return;
	}
	a->text = strdup(r->text);
	a->title = r->title ? strdup(r->title) : NULL;
	a->date = r->date ? strdup(r->date) : NULL;
	a->pages = r->pages;
}

static int answered(void *arg)
{
	return ((struct answer *)arg)->calls > 0;
}

static void answer_free(struct answer *a)
{
	free(a->text);
	free(a->title);
	free(a->date);
	free(a->error);
}

/* Runs one job on the default loop until its callback. */
static void run(const char *data, size_t len, struct answer *a)
{
	struct ev_loop *loop = ev_default_loop(EVFLAG_AUTO);
	char err[128];

	memset(a, 0, sizeof(*a));
	ck_assert_ptr_nonnull(pdf_child_start(loop, data, len, done, a, err, sizeof(err)));
	ck_assert(testutil_loop_until(loop, answered, a, 30));
	ck_assert_int_eq(a->calls, 1);
}

START_TEST(reads_a_pdf_in_a_child)
{
	struct answer a;
	size_t len;
	char *pdf = testutil_tiny_pdf(&len);

	run(pdf, len, &a);
	ck_assert_ptr_null(a.error);
	ck_assert_str_eq(a.text, "Hello world.");
	ck_assert_str_eq(a.title, "Joint statement");
	ck_assert_str_eq(a.date, "2024-03-12T10:00:00+08:00");
	ck_assert_uint_eq(a.pages, 1);
	ck_assert_int_eq(waitpid(-1, NULL, WNOHANG), -1); /* reaped */
	answer_free(&a);
	free(pdf);
}
END_TEST

START_TEST(lower_limits_of_the_parent_are_kept)
{
	struct rlimit cpu = {10, 10}, got;
	struct answer a;
	size_t len;
	char *pdf = testutil_tiny_pdf(&len);

	/* this test's own process (Check forks one per test): the child may not raise it */
	ck_assert_int_eq(setrlimit(RLIMIT_CPU, &cpu), 0);
	run(pdf, len, &a);
	ck_assert_ptr_null(a.error);
	ck_assert_str_eq(a.text, "Hello world.");
	ck_assert_int_eq(getrlimit(RLIMIT_CPU, &got), 0);
	ck_assert_uint_eq(got.rlim_max, 10);
	answer_free(&a);
	free(pdf);
}
END_TEST

START_TEST(a_refusal_is_a_clear_error)
{
	struct answer a;

	run("<html>no</html>", 15, &a);
	ck_assert_str_eq(a.error, "pdf: not a PDF: no %PDF- signature");
	ck_assert_ptr_null(a.text);
	answer_free(&a);
	run("%PDF-1.4\nbroken", 15, &a);
	ck_assert_msg(strncmp(a.error, "pdf: damaged: ", 14) == 0, "%s", a.error);
	answer_free(&a);
}
END_TEST

START_TEST(cancel_kills_and_reaps_without_a_callback)
{
	struct ev_loop *loop = ev_default_loop(EVFLAG_AUTO);
	struct answer a;
	struct pdf_child *c;
	char err[128];
	size_t len;
	char *pdf = testutil_tiny_pdf(&len);

	memset(&a, 0, sizeof(a));
	c = pdf_child_start(loop, pdf, len, done, &a, err, sizeof(err));
	ck_assert_ptr_nonnull(c);
	pdf_child_cancel(c);
	ev_run(loop, EVRUN_NOWAIT);
	ck_assert_int_eq(a.calls, 0);
	errno = 0;
	ck_assert_int_eq(waitpid(-1, NULL, WNOHANG), -1);
	ck_assert_int_eq(errno, ECHILD);
	free(pdf);
}
END_TEST

/* Runs a job whose child misbehaves as PDF_CHILD_TEST says; returns its error. */
static char *misbehave(const char *how)
{
	struct answer a;
	size_t len;
	char *pdf = testutil_tiny_pdf(&len);

	setenv("PDF_CHILD_TEST", how, 1);
	run(pdf, len, &a);
	unsetenv("PDF_CHILD_TEST");
	free(pdf);
	ck_assert_ptr_null(a.text);
	ck_assert_ptr_nonnull(a.error);
	free(a.title);
	free(a.date);
	return a.error; /* the caller frees */
}

START_TEST(failures_become_clear_messages)
{
	static const char *const cases[][2] = {
	    {"crash", "pdf: parser crashed (Aborted)"},
	    {"oom", "pdf: memory limit (512 MiB) reached"},
	    {"flood", "pdf: answer larger than 12582912 bytes"},
	    {"garbage", "pdf: the parser's answer is unreadable"},
	    {"exit", "pdf: parser failed (exit status 9)"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *e = misbehave(cases[i][0]);

		ck_assert_str_eq(e, cases[i][1]);
		free(e);
	}
}
END_TEST

START_TEST(stderr_noise_of_an_answer_is_no_failure)
{
	struct answer a;
	size_t len;
	char *pdf = testutil_tiny_pdf(&len);

	setenv("PDF_CHILD_TEST", "noisy", 1);
	run(pdf, len, &a);
	unsetenv("PDF_CHILD_TEST");
	ck_assert_ptr_null(a.error);
	ck_assert_str_eq(a.text, "Hello world.");
	answer_free(&a);
	free(pdf);
}
END_TEST

static int ticks;

static void tick_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents;
	ticks++;
}

START_TEST(a_hung_child_is_killed_at_the_deadline)
{
	struct ev_loop *loop = ev_default_loop(EVFLAG_AUTO);
	ev_timer tick;
	char *e;

	/* the loop goes on serving others while the child hangs */
	ev_timer_init(&tick, tick_cb, 0.5, 0.5);
	ev_timer_start(loop, &tick);
	ticks = 0;
	e = misbehave("hang");
	ev_timer_stop(loop, &tick);
	ck_assert_str_eq(e, "pdf: killed after 20 s");
	ck_assert_int_ge(ticks, 36);
	free(e);
}
END_TEST

START_TEST(two_jobs_at_once)
{
	struct ev_loop *loop = ev_default_loop(EVFLAG_AUTO);
	struct answer a, b;
	char err[128];
	size_t len;
	char *pdf = testutil_tiny_pdf(&len);

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	ck_assert_ptr_nonnull(pdf_child_start(loop, pdf, len, done, &a, err, sizeof(err)));
	ck_assert_ptr_nonnull(pdf_child_start(loop, "nothing", 7, done, &b, err, sizeof(err)));
	ck_assert(testutil_loop_until(loop, answered, &a, 30));
	ck_assert(testutil_loop_until(loop, answered, &b, 30));
	ck_assert_str_eq(a.text, "Hello world.");
	ck_assert_str_eq(b.error, "pdf: not a PDF: no %PDF- signature");
	answer_free(&a);
	answer_free(&b);
	free(pdf);
}
END_TEST

/* The child's side as speechwatch's main() runs it, or a misbehaving one. */
static int child(void)
{
	const char *how = getenv("PDF_CHILD_TEST");
	static char flood[1 << 16];

	if (how == NULL)
		return pdf_child_main();
	if (strcmp(how, "noisy") == 0) {
		fputs("Syntax Error: Invalid allocation table\n", stderr); /* a good file's noise */
		return pdf_child_main();
	}
	if (strcmp(how, "crash") == 0)
		abort();
	if (strcmp(how, "oom") == 0) {
		fputs("terminate called after throwing an instance of 'std::bad_alloc'\n", stderr);
		abort();
	}
	if (strcmp(how, "flood") == 0) {
		memset(flood, 'x', sizeof(flood));
		for (int i = 0; i < 256; i++)
			if (fwrite(flood, 1, sizeof(flood), stdout) != sizeof(flood))
				return 1;
		return 0;
	}
	if (strcmp(how, "garbage") == 0)
		return puts("{\"text\": ") < 0;
	if (strcmp(how, "exit") == 0)
		return 9;
	for (;;)
		pause(); /* hang */
}

int main(int argc, char **argv)
{
	Suite *s;
	TCase *tc;

	if (argc > 1 && strcmp(argv[1], "pdf-child") == 0)
		return child();
	s = suite_create("pdf_child");
	tc = tcase_create("core");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, reads_a_pdf_in_a_child);
	tcase_add_test(tc, a_refusal_is_a_clear_error);
	tcase_add_test(tc, lower_limits_of_the_parent_are_kept);
	tcase_add_test(tc, cancel_kills_and_reaps_without_a_callback);
	tcase_add_test(tc, failures_become_clear_messages);
	tcase_add_test(tc, stderr_noise_of_an_answer_is_no_failure);
	tcase_add_test(tc, a_hung_child_is_killed_at_the_deadline);
	tcase_add_test(tc, two_jobs_at_once);
	suite_add_tcase(s, tc);
	return testutil_run(s);
}
