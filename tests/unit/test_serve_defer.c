/*
 * fetch/serve: deferred answers (serve_defer / serve_finish) on a real
 * socket. The answer function of "/later..." keeps the handle; the test
 * finishes it when it likes, as a store job's done would. The connection
 * waits meanwhile without holding the loop, keeps its deadline, and a
 * client that hangs up or a listener that is freed leaves nothing behind
 * (ASan runs this too).
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <ev.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/clock.h"
#include "common/xmalloc.h"
#include "fetch/serve.h"
#include "tests/unit/testutil.h"

#define MAX_HELD 64

static struct ev_loop *loop;
static struct serve *sv;
static struct serve_pending *held[MAX_HELD];
static int nheld, calls;
static struct buf args_seen; /* "name=value;" per argument of the last deferred request */

static void note_arg(void *cls, const char *name, const char *value)
{
	buf_printf(cls, "%s=%s;", name, value ? value : "(none)");
}

/* serve_answer_fn: "/later..." defers, "/at-once" defers and finishes at once, others 200. */
static void answer(void *arg, const struct serve_request *req, struct serve_reply *out)
{
	struct serve_reply now = {200, "text/plain; charset=utf-8", {NULL, 0, 0}, NULL};

	(void)arg;
	calls++;
	if (strncmp(req->path, "/later", 6) == 0) {
		buf_reset(&args_seen);
		req->each_arg(req, note_arg, &args_seen);
		ck_assert_int_lt(nheld, MAX_HELD);
		held[nheld++] = serve_defer(req);
		buf_append_str(&out->body, "ignored"); /* a deferred request's OUT is not sent */
		return;
	}
	if (strcmp(req->path, "/at-once") == 0) {
		buf_append_str(&now.body, "at once\n");
		serve_finish(serve_defer(req), &now);
		return;
	}
	buf_printf(&out->body, "page %s\n", req->path);
}

static struct sockaddr_in loopback(int port)
{
	struct sockaddr_in in;

	memset(&in, 0, sizeof(in));
	in.sin_family = AF_INET;
	in.sin_port = htons((uint16_t)port);
	in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return in;
}

static void setup(void)
{
	struct sockaddr_in in = loopback(0);
	char err[256] = "";

	nheld = calls = 0;
	buf_init(&args_seen);
	loop = ev_loop_new(EVFLAG_AUTO);
	sv = serve_new(loop, (struct sockaddr *)&in, sizeof(in), answer, NULL, err, sizeof(err));
	ck_assert_msg(sv != NULL, "%s", err);
}

static void teardown(void)
{
	serve_free(sv);
	ev_loop_destroy(loop);
	buf_free(&args_seen);
}

static int dial(void)
{
	struct sockaddr_in in = loopback(serve_port(sv));
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&in, sizeof(in)), 0);
	fcntl(fd, F_SETFL, O_NONBLOCK);
	return fd;
}

static void spin(double seconds)
{
	for (double until = clock_mono() + seconds; clock_mono() < until;) {
		ev_run(loop, EVRUN_NOWAIT);
		usleep(1000);
	}
}

static void send_all(int fd, const char *text)
{
	ck_assert_int_eq(send(fd, text, strlen(text), MSG_NOSIGNAL), (ssize_t)strlen(text));
}

/*
 * Runs the loop until the reply on fd holds `until` (NULL: until the peer
 * closes), or 5 s pass; returns what came. Caller frees.
 */
static char *read_reply(int fd, const char *until)
{
	struct buf got;
	double deadline = clock_mono() + 5;
	char chunk[4096];

	buf_init(&got);
	while (clock_mono() < deadline) {
		ssize_t n;

		ev_run(loop, EVRUN_NOWAIT);
		n = recv(fd, chunk, sizeof(chunk), 0);
		if (n > 0)
			buf_append(&got, chunk, (size_t)n);
		else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK))
			break;
		else
			usleep(1000);
		if (until && strstr(buf_str(&got), until))
			break;
	}
	return buf_steal(&got);
}

/* Bytes waiting on fd now (0 when none). */
static ssize_t waiting(int fd)
{
	char chunk[4096];
	ssize_t n = recv(fd, chunk, sizeof(chunk), MSG_PEEK);

	return n > 0 ? n : 0;
}

static void finish(int i, int status, const char *body)
{
	struct serve_reply r = {status, "text/plain; charset=utf-8", {NULL, 0, 0}, NULL};

	buf_append_str(&r.body, body);
	serve_finish(held[i], &r);
	held[i] = NULL;
}

START_TEST(a_deferred_answer_comes_when_finished_and_the_loop_goes_on_meanwhile)
{
	int a = dial(), b = dial();
	char *r;

	send_all(a, "GET /later?x=1&bare&x=2 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
	spin(0.3);
	ck_assert_int_eq(nheld, 1);
	ck_assert_str_eq(buf_str(&args_seen), "x=1;bare=(none);x=2;");
	ck_assert_int_eq(waiting(a), 0);
	/* another client is answered while the first waits */
	send_all(b, "GET /other HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
	r = read_reply(b, NULL);
	ck_assert_ptr_nonnull(strstr(r, "page /other"));
	free(r);
	ck_assert_int_eq(waiting(a), 0);
	finish(0, 200, "late answer\n");
	r = read_reply(a, NULL);
	ck_assert_msg(strncmp(r, "HTTP/1.1 200", 12) == 0, "%s", r);
	ck_assert_ptr_nonnull(strstr(r, "\r\n\r\nlate answer\n"));
	ck_assert_ptr_null(strstr(r, "ignored"));
	ck_assert_ptr_nonnull(strstr(r, "X-Content-Type-Options: nosniff"));
	free(r);
	close(a);
	close(b);
}
END_TEST

START_TEST(an_answer_finished_inside_the_answer_function_is_sent_at_once)
{
	int fd = dial();
	char *r;

	send_all(fd, "GET /at-once HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
	r = read_reply(fd, NULL);
	ck_assert_msg(strncmp(r, "HTTP/1.1 200", 12) == 0, "%s", r);
	ck_assert_ptr_nonnull(strstr(r, "\r\n\r\nat once\n"));
	free(r);
	close(fd);
}
END_TEST

/* Keep-alive: the connection's next request is read once a deferred one is answered. */
START_TEST(keep_alive_goes_on_after_a_deferred_answer)
{
	int fd = dial();
	char *r;

	send_all(fd, "GET /later/1 HTTP/1.1\r\nHost: t\r\n\r\n");
	spin(0.2);
	ck_assert_int_eq(nheld, 1);
	finish(0, 200, "one\n");
	r = read_reply(fd, "one\n");
	ck_assert_ptr_nonnull(strstr(r, "one\n"));
	free(r);
	send_all(fd, "GET /later/2 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
	spin(0.2);
	ck_assert_int_eq(nheld, 2);
	finish(1, 404, "two\n");
	r = read_reply(fd, NULL);
	ck_assert_msg(strncmp(r, "HTTP/1.1 404", 12) == 0, "%s", r);
	ck_assert_ptr_nonnull(strstr(r, "two\n"));
	free(r);
	close(fd);
}
END_TEST

/* The deadline holds while the answer is out: 503 from the listener, the late answer dropped. */
START_TEST(the_deadline_answers_503_and_a_late_finish_is_dropped)
{
	int fd = dial();
	char *r;

	serve_set_deadline(sv, 1.0);
	send_all(fd, "GET /later HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
	r = read_reply(fd, NULL);
	ck_assert_msg(strncmp(r, "HTTP/1.1 503", 12) == 0, "%s", r);
	ck_assert_ptr_nonnull(strstr(r, "took too long"));
	free(r);
	close(fd);
	ck_assert_int_eq(nheld, 1);
	finish(0, 200, "too late\n"); /* freed, nothing sent */
	spin(0.1);
}
END_TEST

/*
 * Clients that hang up while their answer is out: each connection is gone
 * once its answer is given (more of them than one address may hold at
 * once), and the listener still answers.
 */
START_TEST(clients_that_hang_up_while_their_answer_is_out_leave_nothing)
{
	int n = SERVE_MAX_PER_ADDRESS + 4, fd;
	char *r;

	for (int i = 0; i < n; i++) {
		fd = dial();
		send_all(fd, "GET /later HTTP/1.1\r\nHost: t\r\n\r\n");
		spin(0.05);
		ck_assert_int_eq(nheld, i + 1);
		close(fd);
		spin(0.02);
		finish(i, 200, "nobody reads this\n");
		spin(0.05);
	}
	fd = dial();
	send_all(fd, "GET /after HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
	r = read_reply(fd, NULL);
	ck_assert_ptr_nonnull(strstr(r, "page /after"));
	free(r);
	close(fd);
}
END_TEST

/* serve_free with answers out: the connections close; the handles are finished later. */
START_TEST(freeing_the_listener_with_answers_out)
{
	int a = dial(), b = dial();
	char *r;

	send_all(a, "GET /later/a HTTP/1.1\r\nHost: t\r\n\r\n");
	send_all(b, "GET /later/b HTTP/1.1\r\nHost: t\r\n\r\n");
	spin(0.2);
	ck_assert_int_eq(nheld, 2);
	serve_free(sv);
	sv = NULL;
	r = read_reply(a, NULL); /* closed (with a 503 or without a reply) */
	free(r);
	finish(0, 200, "gone\n");
	finish(1, 200, "gone\n");
	close(a);
	close(b);
}
END_TEST

/* An answer given (its connection resumed) and the listener freed before MHD ran again. */
START_TEST(freeing_the_listener_right_after_a_finish)
{
	int fd = dial();
	char *r;

	send_all(fd, "GET /later HTTP/1.1\r\nHost: t\r\n\r\n");
	spin(0.2);
	ck_assert_int_eq(nheld, 1);
	finish(0, 200, "given\n");
	serve_free(sv);
	sv = NULL;
	r = read_reply(fd, NULL);
	free(r);
	close(fd);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("serve_defer");
	TCase *tc = tcase_create("serve_defer");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, a_deferred_answer_comes_when_finished_and_the_loop_goes_on_meanwhile);
	tcase_add_test(tc, an_answer_finished_inside_the_answer_function_is_sent_at_once);
	tcase_add_test(tc, keep_alive_goes_on_after_a_deferred_answer);
	tcase_add_test(tc, the_deadline_answers_503_and_a_late_finish_is_dropped);
	tcase_add_test(tc, clients_that_hang_up_while_their_answer_is_out_leave_nothing);
	tcase_add_test(tc, freeing_the_listener_with_answers_out);
	tcase_add_test(tc, freeing_the_listener_right_after_a_finish);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return testutil_run(suite());
}
