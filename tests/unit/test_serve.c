/*
 * fetch/serve: the listener on a real socket, driven by the test's own
 * loop. Requests are written by hand on a plain socket (so that broken and
 * hostile ones can be sent too) and the loop runs until the reply is in.
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

static struct ev_loop *loop;
static struct serve *sv;

/* What the answer function saw last, and how often it was called. */
static struct {
	int calls;
	char method[16], path[2048], q[2048], remote[64], auth[256];
	int q_absent;
} seen;

/* serve_answer_fn: records the request; "/401" answers 401, others 200 with a body. */
static void answer(void *arg, const struct serve_request *req, struct serve_reply *out)
{
	const char *q = req->arg(req, "q");

	(void)arg;
	seen.calls++;
	snprintf(seen.method, sizeof(seen.method), "%s", req->method);
	snprintf(seen.path, sizeof(seen.path), "%s", req->path);
	snprintf(seen.q, sizeof(seen.q), "%s", q ? q : "");
	seen.q_absent = q == NULL;
	snprintf(seen.remote, sizeof(seen.remote), "%s", req->remote);
	snprintf(seen.auth, sizeof(seen.auth), "%s", req->authorization ? req->authorization : "");
	if (strcmp(req->path, "/401") == 0)
		out->status = 401;
	out->content_type = "text/html; charset=utf-8";
	buf_printf(&out->body, "<p>page %s</p>", req->path);
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

	memset(&seen, 0, sizeof(seen));
	loop = ev_loop_new(EVFLAG_AUTO);
	sv = serve_new(loop, (struct sockaddr *)&in, sizeof(in), answer, NULL, err, sizeof(err));
	ck_assert_msg(sv != NULL, "%s", err);
	ck_assert_int_gt(serve_port(sv), 0);
}

static void teardown(void)
{
	serve_free(sv);
	ev_loop_destroy(loop);
}

/* A connected socket to the listener from local address 127.0.0.SOURCE. */
static int dial_from(int source)
{
	struct sockaddr_in in = loopback(serve_port(sv));
	struct sockaddr_in from = loopback(0);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	from.sin_addr.s_addr = htonl(0x7f000000u | (unsigned)source);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&from, sizeof(from)), 0);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&in, sizeof(in)), 0);
	return fd;
}

static int dial(void)
{
	return dial_from(1);
}

/* Runs the loop for a while without waiting for anything in particular. */
static void spin(double seconds)
{
	for (double until = clock_mono() + seconds; clock_mono() < until;)
		ev_run(loop, EVRUN_NOWAIT);
}

/* Runs the loop until fd's peer closes (or 5 s pass); returns what came. Caller frees. */
static char *drain(int fd)
{
	struct buf got;
	double deadline = clock_mono() + 5;
	char chunk[4096];

	buf_init(&got);
	fcntl(fd, F_SETFL, O_NONBLOCK);
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
	}
	return buf_steal(&got);
}

/* Sends raw on a fresh connection; returns the whole reply (the server closes). */
static char *exchange(const char *raw)
{
	int fd = dial();
	size_t len = strlen(raw), off = 0;
	char *out;

	while (off < len) {
		ssize_t n = send(fd, raw + off, len - off, 0);

		ck_assert_int_gt(n, 0);
		off += (size_t)n;
	}
	out = drain(fd);
	close(fd);
	return out;
}

/* GET target with Connection: close (and extra header lines, each ending in \r\n). */
static char *get(const char *target, const char *extra)
{
	char *raw = xasprintf("GET %s HTTP/1.1\r\nHost: test\r\n%sConnection: close\r\n\r\n",
			      target, extra);
	char *out = exchange(raw);

	free(raw);
	return out;
}

static int status_of(const char *reply)
{
	int status = 0;

	sscanf(reply, "HTTP/1.1 %d", &status);
	return status;
}

static const char *body_of(const char *reply)
{
	const char *p = strstr(reply, "\r\n\r\n");

	return p ? p + 4 : "";
}

START_TEST(get_reaches_the_answer_with_decoded_path_and_arguments)
{
	char *r = get("/a%20b/c?q=caf%C3%A9+au+lait&x=1", "Authorization: Bearer T0k\r\n");

	ck_assert_int_eq(status_of(r), 200);
	ck_assert_int_eq(seen.calls, 1);
	ck_assert_str_eq(seen.method, "GET");
	ck_assert_str_eq(seen.path, "/a b/c");
	ck_assert_str_eq(seen.q, "café au lait");
	ck_assert_str_eq(seen.remote, "127.0.0.1");
	ck_assert_str_eq(seen.auth, "Bearer T0k");
	ck_assert_str_eq(body_of(r), "<p>page /a b/c</p>");
	ck_assert_ptr_nonnull(strstr(r, "Content-Type: text/html; charset=utf-8\r\n"));
	ck_assert_ptr_nonnull(strstr(r, "X-Content-Type-Options: nosniff\r\n"));
	ck_assert_ptr_nonnull(strstr(r, "Content-Security-Policy: default-src 'none'; "));
	ck_assert_ptr_null(strstr(r, "script-src"));
	ck_assert_ptr_nonnull(strstr(r, "Cache-Control: no-cache\r\n"));
	free(r);
	r = get("/", "");
	ck_assert_int_eq(seen.q_absent, 1);
	ck_assert_str_eq(seen.auth, "");
	free(r);
}
END_TEST

START_TEST(head_sends_the_length_without_the_body)
{
	char *r = exchange("HEAD /x HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");

	ck_assert_int_eq(status_of(r), 200);
	ck_assert_str_eq(seen.method, "HEAD");
	ck_assert_ptr_nonnull(strstr(r, "Content-Length: 14\r\n")); /* "<p>page /x</p>" */
	ck_assert_str_eq(body_of(r), "");
	free(r);
}
END_TEST

START_TEST(other_methods_are_refused_before_any_page)
{
	static const char *const methods[] = {"POST", "PUT", "DELETE", "OPTIONS", "PATCH", "TRACE"};

	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		char *raw =
		    xasprintf("%s /x HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", methods[i]);
		char *r = exchange(raw);

		ck_assert_msg(status_of(r) == 405, "%s: %s", methods[i], r);
		ck_assert_ptr_nonnull(strstr(r, "Allow: GET, HEAD\r\n"));
		free(raw);
		free(r);
	}
	ck_assert_int_eq(seen.calls, 0);
}
END_TEST

START_TEST(a_body_is_refused)
{
	char *r = exchange("GET /x HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n"
			   "Connection: close\r\n\r\nhello");

	ck_assert_int_eq(status_of(r), 413);
	free(r);
	r = exchange("GET /x HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n"
		     "Connection: close\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
	ck_assert_int_eq(status_of(r), 413);
	free(r);
	ck_assert_int_eq(seen.calls, 0);
}
END_TEST

START_TEST(encoded_nul_stays_encoded_and_dots_are_decoded)
{
	char *r = get("/healthz%00.txt?q=a%00b", "");

	ck_assert_int_eq(status_of(r), 200);
	ck_assert_str_eq(seen.path, "/healthz%00.txt");
	ck_assert_str_eq(seen.q, "a%00b");
	free(r);
	r = get("/%2e%2e/%2E%2E/etc/passwd", "");
	ck_assert_str_eq(seen.path, "/../../etc/passwd"); /* the router refuses it */
	free(r);
}
END_TEST

START_TEST(query_limits)
{
	struct buf target;
	char *r;

	buf_init(&target);
	buf_append_str(&target, "/x?a0=1");
	for (int i = 1; i < SERVE_QUERY_MAX_ARGS; i++)
		buf_printf(&target, "&a%d=1", i);
	r = get(buf_str(&target), "");
	ck_assert_int_eq(status_of(r), 200); /* 32 arguments: the limit */
	free(r);
	buf_append_str(&target, "&one=more");
	r = get(buf_str(&target), "");
	ck_assert_int_eq(status_of(r), 400);
	ck_assert_str_eq(body_of(r), "more than 32 query arguments\n");
	free(r);

	buf_reset(&target);
	buf_append_str(&target, "/x?q=");
	for (int i = 0; i < SERVE_QUERY_MAX_BYTES; i++)
		buf_append_char(&target, 'v');
	r = get(buf_str(&target), "");
	ck_assert_int_eq(status_of(r), 400);
	free(r);
	buf_free(&target);

	static const char *const not_utf8[] = {"/x?q=%ff", "/x?q=%C0%AF", "/x?q=%ED%A0%80",
					       "/x?q=%E2%82", "/x?%fe=1"};
	for (size_t i = 0; i < sizeof(not_utf8) / sizeof(not_utf8[0]); i++) {
		r = get(not_utf8[i], "");
		ck_assert_msg(status_of(r) == 400, "%s: %s", not_utf8[i], r);
		ck_assert_str_eq(body_of(r), "a query argument that is not UTF-8 text\n");
		free(r);
	}
	ck_assert_int_eq(seen.calls, 1);
}
END_TEST

START_TEST(long_path_and_oversize_headers)
{
	struct buf target;
	char *r, *big;

	buf_init(&target);
	buf_append_char(&target, '/');
	for (int i = 0; i < SERVE_PATH_MAX; i++)
		buf_append_char(&target, 'p');
	r = get(buf_str(&target), "");
	ck_assert_int_eq(status_of(r), 414);
	free(r);
	buf_free(&target);

	big = xmalloc(SERVE_REQUEST_MEMORY + 64);
	memset(big, 'h', SERVE_REQUEST_MEMORY + 32);
	memcpy(big, "X-Big: ", 7);
	strcpy(big + SERVE_REQUEST_MEMORY + 32, "\r\n");
	r = get("/x", big);
	ck_assert_msg(status_of(r) == 431 || status_of(r) == 414 || r[0] == '\0', "%s", r);
	free(r);
	free(big);
	ck_assert_int_eq(seen.calls, 0);
	r = get("/after", "");
	ck_assert_int_eq(status_of(r), 200);
	free(r);
}
END_TEST

START_TEST(unauthorized_carries_the_bearer_challenge)
{
	char *r = get("/401", "");

	ck_assert_int_eq(status_of(r), 401);
	ck_assert_ptr_nonnull(strstr(r, "WWW-Authenticate: Bearer realm=\"speechwatch\"\r\n"));
	free(r);
}
END_TEST

START_TEST(keep_alive_answers_requests_in_turn)
{
	char *r = exchange("GET /one HTTP/1.1\r\nHost: t\r\n\r\n"
			   "GET /two HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");

	ck_assert_int_eq(seen.calls, 2);
	ck_assert_ptr_nonnull(strstr(r, "<p>page /one</p>HTTP/1.1 200"));
	ck_assert_str_eq(seen.path, "/two");
	free(r);
}
END_TEST

/*
 * One address holds at most SERVE_MAX_PER_ADDRESS connections: one more is
 * closed unanswered, and once they close the next is answered.
 */
START_TEST(connections_per_address_are_bounded)
{
	int fds[SERVE_MAX_PER_ADDRESS];
	char *r;

	for (int i = 0; i < SERVE_MAX_PER_ADDRESS; i++)
		fds[i] = dial();
	spin(0.3); /* let the listener accept them */
	r = get("/over", "");
	ck_assert_msg(r[0] == '\0', "answered past the limit: %s", r);
	free(r);
	for (int i = 0; i < SERVE_MAX_PER_ADDRESS; i++)
		close(fds[i]);
	spin(0.3);
	r = get("/again", "");
	ck_assert_int_eq(status_of(r), 200);
	ck_assert_int_eq(seen.calls, 1);
	free(r);
}
END_TEST

/*
 * At the overall limit the listener stops accepting; once the clients close,
 * it accepts again by itself (libmicrohttpd puts its listening socket back
 * only when it runs: serve.c runs it again after a run that closed some).
 */
START_TEST(a_full_listener_accepts_again_once_clients_close)
{
	enum { N = SERVE_MAX_CLIENTS + 8 };
	int fds[N];
	char *r;

	for (int i = 0; i < N; i++) {
		fds[i] = dial_from(2 + i / SERVE_MAX_PER_ADDRESS);
		spin(0.01);
	}
	spin(0.3);
	for (int i = 0; i < N; i++)
		close(fds[i]);
	spin(0.3);
	r = get("/after-the-flood", "");
	ck_assert_msg(status_of(r) == 200, "not answered after the clients closed: '%s'", r);
	free(r);
}
END_TEST

/* Sends text on fd (a blocking socket) whole. */
static void send_all(int fd, const char *text)
{
	ck_assert_int_eq(send(fd, text, strlen(text), 0), (ssize_t)strlen(text));
}

/* Reads what fd has now (it is non-blocking); -1 once the peer has closed. */
static ssize_t peek_closed(int fd)
{
	char chunk[4096];
	ssize_t n = recv(fd, chunk, sizeof(chunk), MSG_DONTWAIT);

	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return 0;
	return n <= 0 ? -1 : n;
}

/*
 * A client that dribbles its headers (a byte every 0.2 s, so that the idle
 * timeout never fires) is cut off at the request deadline.
 */
START_TEST(dribbled_headers_are_cut_off_at_the_deadline)
{
	int fd = dial();
	double start = clock_mono(), cut = 0;

	serve_set_deadline(sv, 1.0);
	send_all(fd, "GET /slow HTTP/1.1\r\nHost: t\r\n");
	while (clock_mono() - start < 4 && cut == 0) {
		spin(0.2);
		if (peek_closed(fd) < 0 || send(fd, "X", 1, MSG_NOSIGNAL) < 0)
			cut = clock_mono() - start;
	}
	close(fd);
	ck_assert_msg(cut >= 1.0 && cut < 2.5, "cut after %.2fs", cut);
	ck_assert_int_eq(seen.calls, 0);
}
END_TEST

/* The deadline counts from the previous answer: a keep-alive client that asks in time is served. */
START_TEST(the_deadline_restarts_with_each_request)
{
	int fd = dial();
	char *r;

	serve_set_deadline(sv, 1.0);
	send_all(fd, "GET /1 HTTP/1.1\r\nHost: t\r\n\r\n");
	spin(0.7);
	send_all(fd, "GET /2 HTTP/1.1\r\nHost: t\r\n\r\n");
	spin(0.7);
	send_all(fd, "GET /3 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
	r = drain(fd);
	close(fd);
	ck_assert_int_eq(seen.calls, 3);
	ck_assert_str_eq(seen.path, "/3");
	ck_assert_ptr_nonnull(strstr(r, "<p>page /3</p>"));
	free(r);
}
END_TEST

START_TEST(a_taken_port_is_an_error_naming_the_address)
{
	struct sockaddr_in in = loopback(serve_port(sv));
	char err[256] = "", want[64];

	ck_assert_ptr_null(
	    serve_new(loop, (struct sockaddr *)&in, sizeof(in), answer, NULL, err, sizeof(err)));
	snprintf(want, sizeof(want), "127.0.0.1:%d: Address already in use", serve_port(sv));
	ck_assert_str_eq(err, want);
}
END_TEST

START_TEST(ipv6_loopback)
{
	struct sockaddr_in6 in6;
	char err[256] = "";
	struct serve *six;
	int fd = socket(AF_INET6, SOCK_STREAM, 0);

	memset(&in6, 0, sizeof(in6));
	in6.sin6_family = AF_INET6;
	in6.sin6_addr = in6addr_loopback;
	if (fd < 0 || bind(fd, (struct sockaddr *)&in6, sizeof(in6)) < 0) {
		printf("skipped: no IPv6 loopback here\n");
		if (fd >= 0)
			close(fd);
		return;
	}
	close(fd);
	six = serve_new(loop, (struct sockaddr *)&in6, sizeof(in6), answer, NULL, err, sizeof(err));
	ck_assert_msg(six != NULL, "%s", err);
	in6.sin6_port = htons((uint16_t)serve_port(six));
	fd = socket(AF_INET6, SOCK_STREAM, 0);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&in6, sizeof(in6)), 0);
	ck_assert_int_eq(
	    send(fd, "GET /v6 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", 48, 0), 48);
	free(drain(fd));
	close(fd);
	ck_assert_str_eq(seen.path, "/v6");
	ck_assert_str_eq(seen.remote, "::1");
	serve_free(six);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("serve");
	TCase *tc = tcase_create("serve");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, get_reaches_the_answer_with_decoded_path_and_arguments);
	tcase_add_test(tc, head_sends_the_length_without_the_body);
	tcase_add_test(tc, other_methods_are_refused_before_any_page);
	tcase_add_test(tc, a_body_is_refused);
	tcase_add_test(tc, encoded_nul_stays_encoded_and_dots_are_decoded);
	tcase_add_test(tc, query_limits);
	tcase_add_test(tc, long_path_and_oversize_headers);
	tcase_add_test(tc, unauthorized_carries_the_bearer_challenge);
	tcase_add_test(tc, keep_alive_answers_requests_in_turn);
	tcase_add_test(tc, connections_per_address_are_bounded);
	tcase_add_test(tc, a_full_listener_accepts_again_once_clients_close);
	tcase_add_test(tc, dribbled_headers_are_cut_off_at_the_deadline);
	tcase_add_test(tc, the_deadline_restarts_with_each_request);
	tcase_add_test(tc, a_taken_port_is_an_error_naming_the_address);
	tcase_add_test(tc, ipv6_loopback);
	suite_add_tcase(s, tc);
	return testutil_run(s);
}
