/*
 * tests/unit/chanrx.h: the harness the chat-channel tests share (one test
 * program per channel includes it). It starts tests/servers/<x>_receiver.py
 * on a free port of 127.0.0.1 (killed by pid), runs a real libev loop and
 * http engine, sends through notify_channel_new/notify_send, and reads the
 * receiver's JSON log, where the receiver has already written what in the
 * request differs from the service's public API ("errors").
 * Functions are static inline so a test may leave some unused.
 */
#ifndef SW_TESTS_CHANRX_H
#define SW_TESTS_CHANRX_H

#include <check.h>
#include <ev.h>
#include <jansson.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/xmalloc.h"
#include "fetch/http.h"
#include "notify/notify.h"
#include "tests/unit/testutil.h"

static pid_t rx_pid = -1;
static int rx_port;
static char rx_dir[64], rx_log[128], rx_portfile[128];
static struct ev_loop *loop;
static struct http *eng;
static struct notify_channel *chan;

/* Starts tests/servers/<script> expecting token (NULL: none). */
static inline void rx_start_script(const char *script, const char *token)
{
	char *path = xasprintf("%s/tests/servers/%s", testutil_root_dir(), script);

	snprintf(rx_dir, sizeof(rx_dir), "/tmp/sw-test-chan-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(rx_dir));
	snprintf(rx_log, sizeof(rx_log), "%s/log.jsonl", rx_dir);
	snprintf(rx_portfile, sizeof(rx_portfile), "%s/port", rx_dir);
	{
		const char *argv[] = {path,    "--port-file", rx_portfile,
				      "--log", rx_log,	      token ? "--token" : NULL,
				      token,   NULL};

		rx_pid = testutil_server_spawn(argv, 1);
	}
	free(path);
	rx_port = testutil_read_port_file(rx_portfile);
	ck_assert_msg(rx_port > 0, "%s did not start", script);
}

static inline void rx_stop(void)
{
	char token[160];

	testutil_server_stop(&rx_pid);
	snprintf(token, sizeof(token), "%s/token", rx_dir);
	unlink(token);
	unlink(rx_log);
	unlink(rx_portfile);
	rmdir(rx_dir);
}

static inline const char *rx_url(const char *path)
{
	static char bufs[4][512];
	static int i;

	i = (i + 1) % 4;
	snprintf(bufs[i], sizeof(bufs[i]), "http://127.0.0.1:%d%s", rx_port, path);
	return bufs[i];
}

static inline void guard_fire(struct ev_loop *l, struct ev_timer *w, int revents)
{
	(void)l;
	(void)revents;
	*(int *)w->data = 1;
}

/* Runs the loop until *flag >= n; fails after max_s. */
static inline void run_until(const int *flag, int n, double max_s)
{
	struct ev_timer guard;
	int expired = 0;

	ev_timer_init(&guard, guard_fire, max_s, 0.);
	guard.data = &expired;
	ev_timer_start(loop, &guard);
	while (*flag < n && !expired)
		ev_run(loop, EVRUN_ONCE);
	ev_timer_stop(loop, &guard);
	ck_assert_msg(*flag >= n, "only %d of %d callbacks in %.0f s", *flag, n, max_s);
}

static inline void loop_setup(void)
{
	struct http_config c = {.user_agent = "speechwatch-test/1", .connect_timeout_s = 3};
	char err[256] = "";

	loop = ev_loop_new(EVFLAG_AUTO);
	ck_assert_ptr_nonnull(loop);
	eng = http_new(loop, &c, err, sizeof(err));
	ck_assert_msg(eng != NULL, "http_new: %s", err);
	chan = NULL;
}

static inline void loop_teardown(void)
{
	notify_channel_free(chan);
	chan = NULL;
	http_free(eng);
	eng = NULL;
	ev_loop_destroy(loop);
}

struct got_http {
	int calls;
	long status;
};

static inline void on_http(const struct http_response *r, void *arg)
{
	struct got_http *g = arg;

	g->status = r->status;
	g->calls++;
}

/* GET /__mode?QUERY: how the receiver answers from now on. */
static inline void rx_mode(const char *query)
{
	char path[512], err[256] = "";
	struct got_http g = {0};
	struct http_req req = {.url = path, .trusted = 1};

	snprintf(path, sizeof(path), "%s", rx_url("/__mode?"));
	snprintf(path + strlen(path), sizeof(path) - strlen(path), "%s", query);
	ck_assert_msg(http_start(eng, &req, on_http, &g, err, sizeof(err)) != NULL, "%s", err);
	run_until(&g.calls, 1, 10);
	ck_assert_int_eq(g.status, 200);
}

/* Every request the receiver logged, in order. Caller decrefs. */
static inline json_t *rx_lines(void)
{
	json_t *all = json_array();
	FILE *f = fopen(rx_log, "r");
	char *line = NULL;
	size_t cap = 0;

	if (f == NULL)
		return all;
	while (getline(&line, &cap, f) > 0) {
		json_error_t e;
		json_t *j = json_loads(line, 0, &e);

		ck_assert_msg(j != NULL, "bad log line: %s", e.text);
		json_array_append_new(all, j);
	}
	free(line);
	fclose(f);
	return all;
}

/* The last request, checked to be what the service accepts. Caller decrefs. */
static inline json_t *rx_last_clean(void)
{
	json_t *all = rx_lines();
	size_t n = json_array_size(all);
	json_t *last, *errs;

	ck_assert_msg(n > 0, "the receiver saw no request");
	last = json_incref(json_array_get(all, n - 1));
	json_decref(all);
	errs = json_object_get(last, "errors");
	if (json_array_size(errs) > 0) {
		char *s = json_dumps(errs, 0);

		ck_abort_msg("receiver found: %s", s);
	}
	return last;
}

static inline const char *rx_header(json_t *line, const char *name)
{
	return json_string_value(json_object_get(json_object_get(line, "headers"), name));
}

struct got {
	int calls;
	enum notify_verdict verdict;
	long status;
	double retry_after;
	char detail[1024];
};

static inline void on_done(const struct notify_outcome *o, void *arg)
{
	struct got *g = arg;

	g->calls++;
	g->verdict = o->verdict;
	g->status = o->status;
	g->retry_after = o->retry_after_s;
	ck_assert_ptr_nonnull(o->detail);
	snprintf(g->detail, sizeof(g->detail), "%s", o->detail);
}

/* One attempt, waited for. */
static inline void send_wait(const char *id, const char *body, struct got *g)
{
	char err[256] = "";

	memset(g, 0, sizeof(*g));
	ck_assert_msg(notify_send(chan, id, body, strlen(body), on_done, g, err, sizeof(err)) == 0,
		      "notify_send: %s", err);
	ck_assert_int_eq(g->calls, 0); /* never from inside notify_send */
	run_until(&g->calls, 1, 20);
	ck_assert_int_eq(g->calls, 1);
}

/* A private (mode 600) file holding s, for the *_file keys; removed by rx_stop(). */
static inline const char *secret_file(const char *s)
{
	static char path[160];
	FILE *f;

	snprintf(path, sizeof(path), "%s/token", rx_dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(s, f);
	fclose(f);
	ck_assert_int_eq(chmod(path, 0600), 0);
	return path;
}

/*
 * notify_channel_new() for a [notify "test"] section of type written in
 * test.conf at line 2, its lines the "key", "value" pairs of kv
 * (NULL-terminated) at lines 3, 4, ...
 */
static inline struct notify_channel *chan_try(const char *type, const char *const *kv, char *err,
					      size_t errlen)
{
	struct notify_line l[16];
	size_t n = 0;

	for (; kv && kv[2 * n] && n < 16; n++)
		l[n] = (struct notify_line){kv[2 * n], kv[2 * n + 1], "test.conf", (int)n + 3};
	struct notify_channel_config cfg = {
	    .id = "test", .type = type, .file = "test.conf", .line = 2, .lines = l, .nlines = n};

	return notify_channel_new(loop, eng, &cfg, err, errlen);
}

/* chan = such a channel, or a failure naming the error. */
static inline void chan_open(const char *type, const char *const *kv)
{
	char err[512] = "";

	chan = chan_try(type, kv, err, sizeof(err));
	ck_assert_msg(chan != NULL, "notify_channel_new: %s", err);
}

/* The errors notify_channel_new() gives for such a section (which must fail). */
static inline const char *chan_open_error(const char *type, const char *const *kv)
{
	static char err[1024];
	struct notify_channel *ch;

	err[0] = '\0';
	ch = chan_try(type, kv, err, sizeof(err));
	ck_assert_msg(ch == NULL, "channel opened, expected an error");
	return err;
}

/*
 * The verdict rules every channel obeys: 500 retry; 429 with Retry-After
 * retry after at least that long; 400 permanent; 410 gone. The receiver
 * echoes the request's Authorization and path into its error bodies, and
 * secret must appear in no detail.
 */
static inline void verdicts_check(const char *body, const char *secret)
{
	struct got g;

	rx_mode("status=500&echo=1");
	send_wait("evt_verdict500", body, &g);
	ck_assert_int_eq(g.verdict, NOTIFY_RETRY);
	ck_assert_int_eq(g.status, 500);
	ck_assert_msg(strstr(g.detail, secret) == NULL, "secret in detail: %s", g.detail);
	rx_mode("status=429&retry_after=120&echo=1");
	send_wait("evt_verdict429", body, &g);
	ck_assert_int_eq(g.verdict, NOTIFY_RETRY);
	ck_assert_double_ge(g.retry_after, 120.);
	ck_assert_msg(strstr(g.detail, secret) == NULL, "secret in detail: %s", g.detail);
	rx_mode("status=400&echo=1");
	send_wait("evt_verdict400", body, &g);
	ck_assert_int_eq(g.verdict, NOTIFY_PERMANENT);
	ck_assert_msg(strstr(g.detail, secret) == NULL, "secret in detail: %s", g.detail);
	ck_assert_ptr_nonnull(strstr(g.detail, "[redacted]"));
	rx_mode("status=410&echo=1");
	send_wait("evt_verdict410", body, &g);
	ck_assert_int_eq(g.verdict, NOTIFY_GONE);
	ck_assert_msg(strstr(g.detail, secret) == NULL, "secret in detail: %s", g.detail);
	rx_mode("status=408");
	send_wait("evt_verdict408", body, &g);
	ck_assert_int_eq(g.verdict, NOTIFY_RETRY);
}

/* A statement.new event as daemon/event.c writes it, with a title of the caller's. */
static inline char *event_json(const char *id, const char *title, const char *evidence)
{
	json_t *ev = json_pack(
	    "{s:s, s:s, s:s, s:{s:s, s:s}, s:{s:s, s:s, s:s, s:s}, s:[{s:s, s:s, s:f, s:[s]}]}",
	    "type", "statement.new", "id", id, "detected_at", "2026-11-30T05:31:41Z", "source",
	    "id", "cn-mfa-en-speeches", "url", "https://www.fmprc.gov.cn/eng/xw/zyjh/", "item",
	    "url", "https://www.fmprc.gov.cn/eng/xw/zyjh/202611/t20261130_11000005.html", "title",
	    title, "published", "2026-11-30T14:06:00+08:00", "excerpt",
	    "Distinguished guests, ladies and gentlemen, ...", "themes", "id", "cyber-sovereignty",
	    "label", "Cyber sovereignty", "score", 0.82, "evidence", evidence);
	char *s;

	ck_assert_ptr_nonnull(ev);
	s = json_dumps(ev, JSON_COMPACT);
	json_decref(ev);
	return s;
}

/* A string of n copies of the UTF-8 character c (e.g. "网"). */
static inline char *repeat_char(const char *c, size_t n)
{
	size_t w = strlen(c);
	char *s = xmalloc(n * w + 1);

	for (size_t i = 0; i < n; i++)
		memcpy(s + i * w, c, w);
	s[n * w] = '\0';
	return s;
}

#endif
