/*
 * notify: signatures (Standard Webhooks test vector), secret decoding, the
 * retry schedule, verdicts, and real deliveries through fetch/http on a real
 * libev loop to tests/servers/webhook_receiver.py (started once per test
 * case on a free port, killed by pid), which checks every signature on its
 * own in Python. The stdout channel writes into a file or pipe put on fd 1.
 */
#include <check.h>
#include <ev.h>
#include <jansson.h>
#include <openssl/evp.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/xmalloc.h"
#include "fetch/http.h"
#include "notify/notify.h"
#include "notify/notify_int.h"
#include "tests/unit/testutil.h"

#define SECRET "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

static pid_t rx_pid = -1;
static int rx_port;
static char rx_dir[64];
static char rx_log[128];
static char rx_portfile[128];

static struct ev_loop *loop;
static struct http *eng;
static struct notify_channel *chan;

/* ---- the receiver ------------------------------------------------------ */

static void rx_start(void)
{
	char *script = testutil_server_script("webhook_receiver.py");

	snprintf(rx_dir, sizeof(rx_dir), "/tmp/sw-test-notify-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(rx_dir));
	snprintf(rx_log, sizeof(rx_log), "%s/log.jsonl", rx_dir);
	snprintf(rx_portfile, sizeof(rx_portfile), "%s/port", rx_dir);
	{
		const char *argv[] = {script,	   "--secret", SECRET, "--port-file",
				      rx_portfile, "--log",    rx_log, NULL};

		rx_pid = testutil_server_spawn(argv, 0);
	}
	free(script);
	rx_port = testutil_read_port_file(rx_portfile);
	ck_assert_msg(rx_port > 0, "webhook_receiver.py did not start");
}

static void rx_stop(void)
{
	testutil_server_stop(&rx_pid);
	unlink(rx_log);
	unlink(rx_portfile);
	rmdir(rx_dir);
}

static const char *rx_url(const char *path)
{
	static char bufs[4][256];
	static int i;

	i = (i + 1) % 4;
	snprintf(bufs[i], sizeof(bufs[i]), "http://127.0.0.1:%d%s", rx_port, path);
	return bufs[i];
}

/* ---- loop, engine, waiting --------------------------------------------- */

static void guard_fire(struct ev_loop *l, struct ev_timer *w, int revents)
{
	(void)l;
	(void)revents;
	*(int *)w->data = 1;
}

/* Runs the loop until *flag >= n; fails after max_s. */
static void run_until(const int *flag, int n, double max_s)
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

static void loop_setup(void)
{
	struct http_config c = {
	    .user_agent = "speechwatch-test/1",
	    .connect_timeout_s = 3,
	    .timeout_s = 20,
	};
	char err[256] = "";

	loop = ev_loop_new(EVFLAG_AUTO);
	ck_assert_ptr_nonnull(loop);
	eng = http_new(loop, &c, err, sizeof(err));
	ck_assert_msg(eng != NULL, "http_new: %s", err);
	chan = NULL;
}

static void loop_teardown(void)
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

static void on_http(const struct http_response *r, void *arg)
{
	struct got_http *g = arg;

	g->status = r->status;
	g->calls++;
}

/* Sets the receiver's mode with GET /__mode?QUERY. */
static void rx_mode(const char *query)
{
	char path[256], err[256] = "";
	struct got_http g = {0};
	struct http_req req = {.url = path, .trusted = 1};

	snprintf(path, sizeof(path), "%s", rx_url(""));
	snprintf(path + strlen(path), sizeof(path) - strlen(path), "/__mode?%s", query);
	ck_assert_msg(http_start(eng, &req, on_http, &g, err, sizeof(err)) != NULL, "%s", err);
	run_until(&g.calls, 1, 10);
	ck_assert_int_eq(g.status, 200);
}

/* ---- sending ----------------------------------------------------------- */

struct got {
	int calls;
	enum notify_verdict verdict;
	long status;
	double retry_after;
	int cancelled;
	char detail[512];
	struct notify_channel **free_me; /* a callback that frees its channel */
};

static void on_done(const struct notify_outcome *o, void *arg)
{
	struct got *g = arg;

	g->calls++;
	g->verdict = o->verdict;
	g->status = o->status;
	g->retry_after = o->retry_after_s;
	g->cancelled = o->cancelled;
	ck_assert_ptr_nonnull(o->detail);
	snprintf(g->detail, sizeof(g->detail), "%s", o->detail);
	if (g->free_me) {
		notify_channel_free(*g->free_me);
		*g->free_me = NULL;
	}
}

static void start_send(struct notify_channel *ch, const char *id, const char *body, struct got *g)
{
	char err[256] = "";

	ck_assert_msg(notify_send(ch, id, body, strlen(body), on_done, g, err, sizeof(err)) == 0,
		      "notify_send: %s", err);
	ck_assert_int_eq(g->calls, 0); /* never from inside notify_send */
}

static void send_wait(struct notify_channel *ch, const char *id, const char *body, struct got *g)
{
	memset(g, 0, sizeof(*g));
	start_send(ch, id, body, g);
	run_until(&g->calls, 1, 20);
	ck_assert_int_eq(g->calls, 1);
}

/* A private file holding secret, as secret_file names it; the caller frees the path. */
static char *secret_file(const char *secret)
{
	char *path = xstrdup("/tmp/sw-test-secret-XXXXXX");
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, secret, strlen(secret)), (ssize_t)strlen(secret));
	close(fd);
	return path;
}

/*
 * A channel from the raw lines config/ would hand on for [notify "id"]:
 * url, secret_file (the secret written to a private file) and timeout,
 * each left out when NULL / 0.
 */
static struct notify_channel *hook_channel(struct http *h, const char *id, const char *type,
					   const char *url, const char *secret, double timeout_s,
					   char *err, size_t errlen)
{
	struct notify_line l[3];
	struct notify_channel_config c = {.id = id,
					  .type = type,
					  .user_agent = "speechwatch-notify-test/2",
					  .file = "test.conf",
					  .line = 1,
					  .lines = l};
	char *path = secret ? secret_file(secret) : NULL;
	char *timeout = timeout_s != 0 ? xasprintf("%g", timeout_s) : NULL;
	struct notify_channel *ch;

	if (url)
		l[c.nlines++] = (struct notify_line){"url", url, "test.conf", 3};
	if (path)
		l[c.nlines++] = (struct notify_line){"secret_file", path, "test.conf", 4};
	if (timeout)
		l[c.nlines++] = (struct notify_line){"timeout", timeout, "test.conf", 5};
	ch = notify_channel_new(loop, h, &c, err, errlen);
	if (path)
		unlink(path);
	free(path);
	free(timeout);
	return ch;
}

static struct notify_channel *webhook_new(const char *url, const char *secret, double timeout_s)
{
	char err[512] = "";
	struct notify_channel *ch =
	    hook_channel(eng, "test-hook", "webhook", url, secret, timeout_s, err, sizeof(err));

	ck_assert_msg(ch != NULL, "notify_channel_new: %s", err);
	return ch;
}

/* Every log line with this webhook-id, in order. Caller decrefs. */
static json_t *rx_lines(const char *id)
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
		const char *wid;

		ck_assert_msg(j != NULL, "bad log line: %s", e.text);
		wid = json_string_value(json_object_get(j, "webhook_id"));
		if (wid && strcmp(wid, id) == 0)
			json_array_append(all, j);
		json_decref(j);
	}
	free(line);
	fclose(f);
	return all;
}

static long rx_count_path(const char *path)
{
	FILE *f = fopen(rx_log, "r");
	char *line = NULL;
	size_t cap = 0;
	long n = 0;

	if (f == NULL)
		return 0;
	while (getline(&line, &cap, f) > 0) {
		json_t *j = json_loads(line, 0, NULL);
		const char *p = json_string_value(json_object_get(j, "path"));

		n += p && strcmp(p, path) == 0;
		json_decref(j);
	}
	free(line);
	fclose(f);
	return n;
}

static void sha256_hex(const char *s, size_t len, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	ck_assert_int_eq(EVP_Digest(s, len, md, &mdlen, EVP_sha256(), NULL), 1);
	for (unsigned i = 0; i < mdlen; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* ---- pure: signatures and secrets --------------------------------------- */

START_TEST(sign_test_vector)
{
	char sig[NOTIFY_SIGNATURE_MAX];
	const char *body = "{\"test\": 2432232314}";

	ck_assert_int_eq(notify_sign(SECRET, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body,
				     strlen(body), sig, sizeof(sig)),
			 0);
	ck_assert_str_eq(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
	/* Any change to id, timestamp or body changes it. */
	ck_assert_int_eq(notify_sign(SECRET, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265331, body,
				     strlen(body), sig, sizeof(sig)),
			 0);
	ck_assert_str_ne(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
	/* Too small an output buffer is refused, not truncated. */
	ck_assert_int_eq(notify_sign(SECRET, "x", 1, body, strlen(body), sig, 20), -1);
	ck_assert_str_eq(sig, "");
}
END_TEST

START_TEST(secret_padding_variants)
{
	/* 16 bytes: base64 needs "==" padding; 17: "="; 18: none. */
	static const char *const same16[] = {
	    "whsec_AAECAwQFBgcICQoLDA0ODw==", "whsec_AAECAwQFBgcICQoLDA0ODw",
	    "AAECAwQFBgcICQoLDA0ODw==", "  whsec_AAECAwQFBgcICQoLDA0ODw==\n"};
	unsigned char key[NOTIFY_KEY_MAX];
	char err[128], ref[NOTIFY_SIGNATURE_MAX], sig[NOTIFY_SIGNATURE_MAX];

	ck_assert_int_eq(notify_secret_decode(same16[0], key, sizeof(key), err, sizeof(err)), 16);
	for (int i = 0; i < 16; i++)
		ck_assert_int_eq(key[i], i);
	ck_assert_int_eq(notify_sign(same16[0], "id", 5, "b", 1, ref, sizeof(ref)), 0);
	for (size_t i = 1; i < sizeof(same16) / sizeof(same16[0]); i++) {
		ck_assert_int_eq(notify_sign(same16[i], "id", 5, "b", 1, sig, sizeof(sig)), 0);
		ck_assert_str_eq(sig, ref);
	}
	ck_assert_int_eq(
	    notify_secret_decode("whsec_AAECAwQFBgcICQoLDA0ODxA=", key, sizeof(key), err, 128), 17);
	ck_assert_int_eq(key[16], 16);
	ck_assert_int_eq(
	    notify_secret_decode("whsec_AAECAwQFBgcICQoLDA0ODxA", key, sizeof(key), err, 128), 17);
	ck_assert_int_eq(
	    notify_secret_decode("whsec_AAECAwQFBgcICQoLDA0ODxAR", key, sizeof(key), err, 128), 18);
	ck_assert_int_eq(key[17], 17);
	ck_assert_int_eq(notify_secret_decode(SECRET, key, sizeof(key), err, 128), 24);
}
END_TEST

START_TEST(secret_invalid)
{
	static const char *const bad[] = {
	    "",
	    "whsec_",
	    "   \n",
	    "whsec_AAECAwQFBgcICQoLDA0ODw=",   /* padding does not complete the quantum */
	    "whsec_AAECAwQFBgcICQoLDA0ODw===", /* too much padding */
	    "whsec_AAECAwQF=BgcICQoLDA0ODw==", /* "=" inside */
	    "whsec_AAECAwQFBgcICQoLDA0ODwAAA", /* 4n+1 data characters */
	    "whsec_AAECAwQF-gcICQoLDA0ODw==",  /* URL-safe alphabet */
	    "whsec_AAEC AwQFBgcICQoLDA0ODw==", /* space inside */
	    "whsec_AAECAwQFBgcICQoLDA0OD",     /* 4n+1 again */
	    "whsec_AAECAwQFBgcICQoL",	       /* 12 bytes: too short a key */
	};
	unsigned char key[NOTIFY_KEY_MAX];
	char err[128], sig[NOTIFY_SIGNATURE_MAX], big[2000];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(notify_secret_decode(bad[i], key, sizeof(key), err, sizeof(err)) ==
				  -1,
			      "\"%s\" accepted", bad[i]);
	/* 27 characters (4n+3), unpadded: 20 bytes; 21 characters (4n+1) never decode. */
	ck_assert_int_eq(notify_secret_decode("whsec_AAECAwQFBgcICQoLDA0ODxAREhM", key, sizeof(key),
					      err, sizeof(err)),
			 20);
	/* Over 256 key bytes. */
	memset(big, 'A', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ck_assert_int_eq(notify_secret_decode(big, key, sizeof(key), err, sizeof(err)), -1);
	ck_assert_int_eq(notify_sign("whsec_!!!!", "id", 1, "", 0, sig, sizeof(sig)), -1);
	ck_assert_int_eq(notify_sign(NULL, "id", 1, "", 0, sig, sizeof(sig)), -1);
}
END_TEST

/* ---- pure: retry schedule ----------------------------------------------- */

START_TEST(retry_schedule)
{
	static const double base[] = {5, 300, 1800, 7200, 18000, 36000, 36000, 36000};

	for (int a = 1; a <= 8; a++) {
		ck_assert_double_eq_tol(notify_retry_delay(a, 0, 0.5), base[a - 1], 1e-9);
		ck_assert_double_eq_tol(notify_retry_delay(a, 0, 0.), base[a - 1] * 0.8, 1e-9);
		ck_assert_double_eq_tol(notify_retry_delay(a, 0, 0.999999), base[a - 1] * 1.2,
					base[a - 1] * 1e-5);
	}
	ck_assert_double_eq_tol(notify_retry_delay(1000, 0, 0.5), 36000, 1e-9);
	ck_assert_double_eq_tol(notify_retry_delay(0, 0, 0.5), 5, 1e-9);
	ck_assert_double_eq_tol(notify_retry_delay(-3, 0, 0.5), 5, 1e-9);
	/* Out-of-range jitter is clamped, never more than +-20%. */
	ck_assert_double_eq_tol(notify_retry_delay(2, 0, -7), 240, 1e-9);
	ck_assert_double_eq_tol(notify_retry_delay(2, 0, 9), 360, 1e-9);
	ck_assert_double_eq_tol(notify_retry_delay(2, 0, NAN), 240, 1e-9);
	/* A larger Retry-After wins, exactly; a smaller one does not shorten. */
	ck_assert_double_eq_tol(notify_retry_delay(1, 120, 0.5), 120, 1e-9);
	ck_assert_double_eq_tol(notify_retry_delay(3, 120, 0.5), 1800, 1e-9);
	/* Capped at 24 h. */
	ck_assert_double_eq_tol(notify_retry_delay(1, 1e9, 0.5), 86400, 1e-9);
	ck_assert_double_eq_tol(notify_retry_delay(6, INFINITY, 0.5), 86400, 1e-9);
	ck_assert_double_eq_tol(notify_retry_delay(1, NAN, 0.5), 5, 1e-9);
	ck_assert_double_eq_tol(notify_retry_delay(1, -50, 0.5), 5, 1e-9);
}
END_TEST

/* ---- pure: verdicts for every kind of answer ---------------------------- */

static enum notify_verdict classify(enum http_result res, long status, const char *body,
				    long retry_after, struct buf *d, struct notify_outcome *o)
{
	struct http_response r = {
	    .result = res,
	    .status = status,
	    .body = body,
	    .body_len = strlen(body),
	    .retry_after_s = retry_after,
	    .error = res == HTTP_RES_OK ? NULL : "reason given",
	};

	buf_reset(d);
	memset(o, 0, sizeof(*o));
	webhook_classify(&r, o, d);
	return o->verdict;
}

START_TEST(classify_table)
{
	static const struct {
		enum http_result res;
		long status;
		enum notify_verdict v;
	} rows[] = {
	    {HTTP_RES_OK, 200, NOTIFY_DELIVERED},
	    {HTTP_RES_OK, 202, NOTIFY_DELIVERED},
	    {HTTP_RES_OK, 204, NOTIFY_DELIVERED},
	    {HTTP_RES_OK, 299, NOTIFY_DELIVERED},
	    {HTTP_RES_OK, 301, NOTIFY_RETRY},
	    {HTTP_RES_OK, 302, NOTIFY_RETRY},
	    {HTTP_RES_OK, 307, NOTIFY_RETRY},
	    {HTTP_RES_OK, 400, NOTIFY_PERMANENT},
	    {HTTP_RES_OK, 401, NOTIFY_PERMANENT},
	    {HTTP_RES_OK, 404, NOTIFY_PERMANENT},
	    {HTTP_RES_OK, 408, NOTIFY_RETRY},
	    {HTTP_RES_OK, 410, NOTIFY_GONE},
	    {HTTP_RES_OK, 413, NOTIFY_PERMANENT},
	    {HTTP_RES_OK, 429, NOTIFY_RETRY},
	    {HTTP_RES_OK, 500, NOTIFY_RETRY},
	    {HTTP_RES_OK, 503, NOTIFY_RETRY},
	    {HTTP_RES_OK, 599, NOTIFY_RETRY},
	    {HTTP_RES_OK, 600, NOTIFY_RETRY},
	    {HTTP_RES_OK, 0, NOTIFY_RETRY},
	    {HTTP_RES_NETWORK, 0, NOTIFY_RETRY},
	    {HTTP_RES_TIMEOUT, 0, NOTIFY_RETRY},
	    {HTTP_RES_TLS, 0, NOTIFY_RETRY},
	    {HTTP_RES_PROTOCOL, 0, NOTIFY_RETRY},
	    {HTTP_RES_BLOCKED, 0, NOTIFY_PERMANENT},
	    {HTTP_RES_TOO_BIG, 200, NOTIFY_DELIVERED},
	    {HTTP_RES_TOO_BIG, 503, NOTIFY_RETRY},
	    {HTTP_RES_TOO_BIG, 0, NOTIFY_RETRY},
	    {HTTP_RES_CANCELLED, 0, NOTIFY_RETRY},
	};
	struct notify_outcome o;
	struct buf d;

	buf_init(&d);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		ck_assert_msg(classify(rows[i].res, rows[i].status, "", 0, &d, &o) == rows[i].v,
			      "row %zu (%s %ld): %s", i, http_result_name(rows[i].res),
			      rows[i].status, notify_verdict_name(o.verdict));
	classify(HTTP_RES_OK, 503, "busy\r\n\x01", 42, &d, &o);
	ck_assert_str_eq(buf_str(&d), "HTTP 503: busy\\x0d\\n\\x01");
	ck_assert_double_eq(o.retry_after_s, 42);
	ck_assert_int_eq(o.status, 503);
	classify(HTTP_RES_OK, 302, "", 0, &d, &o);
	ck_assert_ptr_nonnull(strstr(buf_str(&d), "redirect not followed"));
	classify(HTTP_RES_CANCELLED, 0, "", 0, &d, &o);
	ck_assert_int_eq(o.cancelled, 1);
	classify(HTTP_RES_TIMEOUT, 0, "", 0, &d, &o);
	ck_assert_str_eq(buf_str(&d), "timeout: reason given");
	buf_free(&d);
}
END_TEST

START_TEST(detail_quotes_at_most_200_bytes)
{
	char body[1000];
	struct notify_outcome o;
	struct buf d;

	memset(body, 'x', sizeof(body) - 1);
	body[sizeof(body) - 1] = '\0';
	buf_init(&d);
	classify(HTTP_RES_OK, 400, body, 0, &d, &o);
	ck_assert_uint_eq(d.len, strlen("HTTP 400: ") + 200 + 3);
	ck_assert_str_eq(d.data + d.len - 3, "...");
	buf_free(&d);
	ck_assert_str_eq(notify_verdict_name(NOTIFY_GONE), "gone");
	ck_assert_str_eq(notify_verdict_name((enum notify_verdict)77), "unknown");
}
END_TEST

/* ---- channel creation and argument checks ------------------------------- */

START_TEST(channel_config_errors)
{
	static const struct {
		const char *type, *url, *secret;
		double timeout;
		const char *want;
	} rows[] = {
	    {"pigeon", "http://h/", NULL, 0, "unknown type"},
	    {NULL, "http://h/", NULL, 0, "unknown type"},
	    {"webhook", NULL, NULL, 0, "url: missing"},
	    {"webhook", "ftp://h/x", NULL, 0, "http or https"},
	    {"webhook", "not a url", NULL, 0, "http or https"},
	    {"webhook", "http://h/", "whsec_***", 0, "base64"},
	    {"webhook", "http://h/", "whsec_AAECAwQFBgcICQoL", 0, "12 bytes"},
	    {"webhook", "http://h/", NULL, -1, "timeout"},
	    {"webhook", "http://h/", NULL, 7200, "timeout"},
	    {"webhook", "http://h/", NULL, NAN, "timeout"},
	};
	char err[512];

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		err[0] = '\0';
		ck_assert_msg(hook_channel(eng, "c1", rows[i].type, rows[i].url, rows[i].secret,
					   rows[i].timeout, err, sizeof(err)) == NULL,
			      "row %zu accepted", i);
		ck_assert_msg(strstr(err, rows[i].want) != NULL, "row %zu: %s", i, err);
		ck_assert_msg(strstr(err, "c1") != NULL, "row %zu names no channel: %s", i, err);
	}
	ck_assert_ptr_null(
	    hook_channel(NULL, "c2", "webhook", "http://h/", SECRET, 0, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "http engine"));
}
END_TEST

START_TEST(send_argument_errors)
{
	struct notify_channel_config c = {.id = "out", .type = "stdout"};
	char err[256], longid[300];
	struct got g = {0};

	chan = notify_channel_new(loop, NULL, &c, err, sizeof(err));
	ck_assert_ptr_nonnull(chan);
	ck_assert_str_eq(notify_channel_type(chan), "stdout");
	ck_assert_str_eq(notify_channel_id(chan), "out");
	ck_assert_int_eq(notify_send(chan, "", "{}", 2, on_done, &g, err, sizeof(err)), -1);
	ck_assert_int_eq(notify_send(chan, "a b", "{}", 2, on_done, &g, err, sizeof(err)), -1);
	ck_assert_int_eq(notify_send(chan, "a\r\nX: y", "{}", 2, on_done, &g, err, sizeof(err)),
			 -1);
	memset(longid, 'a', sizeof(longid) - 1);
	longid[sizeof(longid) - 1] = '\0';
	ck_assert_int_eq(notify_send(chan, longid, "{}", 2, on_done, &g, err, sizeof(err)), -1);
	ck_assert_int_eq(notify_send(chan, "evt_1", "{}", 2, NULL, &g, err, sizeof(err)), -1);
	ck_assert_int_eq(notify_send(NULL, "evt_1", "{}", 2, on_done, &g, err, sizeof(err)), -1);
	ck_assert_uint_eq(notify_pending(chan), 0);
	ev_run(loop, EVRUN_NOWAIT);
	ck_assert_int_eq(g.calls, 0);
}
END_TEST

/* ---- stdout channel ------------------------------------------------------ */

/* Puts fd on stdout; returns a dup of the old stdout for stdout_restore(). */
static int stdout_swap(int fd)
{
	int saved;

	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	ck_assert_int_ge(saved, 0);
	ck_assert_int_ge(dup2(fd, STDOUT_FILENO), 0);
	return saved;
}

static void stdout_restore(int saved)
{
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
}

static char *read_all(int fd)
{
	struct buf b;
	char chunk[4096];
	ssize_t n;

	buf_init(&b);
	lseek(fd, 0, SEEK_SET);
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		buf_append(&b, chunk, (size_t)n);
	return buf_steal(&b);
}

START_TEST(stdout_one_line_per_event)
{
	struct notify_channel_config c = {.id = "out", .type = "stdout"};
	const char *compact = "{\"id\":\"evt_1\",\"t\":\"caf\xc3\xa9 \\\"q\\\"\"}";
	const char *pretty = "{\n  \"id\": \"evt_2\",\n  \"text\": \"line one\\nline  two\",\n"
			     "  \"n\": [1,\r\n    2]\n}\n";
	char tmpl[] = "/tmp/sw-test-notify-out-XXXXXX";
	int fd = mkstemp(tmpl), saved;
	struct got g1 = {0}, g2 = {0};
	json_t *j;
	char *out, *nl;
	char err[256];

	ck_assert_int_ge(fd, 0);
	unlink(tmpl);
	chan = notify_channel_new(loop, NULL, &c, err, sizeof(err));
	ck_assert_ptr_nonnull(chan);
	saved = stdout_swap(fd);
	start_send(chan, "evt_1", compact, &g1);
	start_send(chan, "evt_2", pretty, &g2);
	ck_assert_uint_eq(notify_pending(chan), 2);
	run_until(&g2.calls, 1, 5);
	stdout_restore(saved);
	ck_assert_int_eq(g1.calls, 1);
	ck_assert_int_eq(g1.verdict, NOTIFY_DELIVERED);
	ck_assert_int_eq(g2.verdict, NOTIFY_DELIVERED);
	ck_assert_uint_eq(notify_pending(chan), 0);
	out = read_all(fd);
	close(fd);
	/* Line 1: byte-for-byte. Line 2: one line, same JSON. */
	nl = strchr(out, '\n');
	ck_assert_ptr_nonnull(nl);
	*nl = '\0';
	ck_assert_str_eq(out, compact);
	ck_assert_str_eq(nl + 1, "{\"id\": \"evt_2\",\"text\": \"line one\\nline  two\",\"n\": "
				 "[1,2]}\n");
	j = json_loads(nl + 1, 0, NULL);
	ck_assert_ptr_nonnull(j);
	ck_assert_str_eq(json_string_value(json_object_get(j, "text")), "line one\nline  two");
	json_decref(j);
	free(out);
}
END_TEST

START_TEST(stdout_broken_pipe_is_retry)
{
	struct notify_channel_config c = {.id = "out", .type = "stdout"};
	int p[2], saved;
	struct got g;
	char err[256];

	signal(SIGPIPE, SIG_IGN); /* as the daemon does */
	ck_assert_int_eq(pipe(p), 0);
	close(p[0]);
	chan = notify_channel_new(loop, NULL, &c, err, sizeof(err));
	ck_assert_ptr_nonnull(chan);
	saved = stdout_swap(p[1]);
	send_wait(chan, "evt_1", "{}", &g);
	stdout_restore(saved);
	close(p[1]);
	ck_assert_int_eq(g.verdict, NOTIFY_RETRY);
	ck_assert_msg(strstr(g.detail, "stdout:") != NULL, "%s", g.detail);
}
END_TEST

START_TEST(stdout_close_cancels_pending)
{
	struct notify_channel_config c = {.id = "out", .type = "stdout"};
	struct got g1 = {0}, g2 = {0};
	char err[256];

	chan = notify_channel_new(loop, NULL, &c, err, sizeof(err));
	ck_assert_ptr_nonnull(chan);
	start_send(chan, "evt_1", "{}", &g1);
	start_send(chan, "evt_2", "{}", &g2);
	notify_channel_close(chan);
	ck_assert_int_eq(g1.calls, 1);
	ck_assert_int_eq(g2.calls, 1);
	ck_assert_int_eq(g1.verdict, NOTIFY_RETRY);
	ck_assert_int_eq(g1.cancelled, 1);
	ck_assert_uint_eq(notify_pending(chan), 0);
	ck_assert_int_eq(notify_send(chan, "evt_3", "{}", 2, on_done, &g1, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "closed"));
	ev_run(loop, EVRUN_NOWAIT);
	ck_assert_int_eq(g1.calls, 1);
	ck_assert_int_eq(g2.calls, 1);
}
END_TEST

/* ---- webhooks against the receiver -------------------------------------- */

START_TEST(webhook_delivered_with_valid_signature)
{
	const char *body = "{\"type\":\"statement.new\",\"id\":\"evt_ok1\",\"item\":{\"title\":"
			   "\"\xe7\xbd\x91\xe7\xbb\x9c\xe4\xb8\xbb\xe6\x9d\x83 \\u00e9\"},\n"
			   " \"score\": 0.82}";
	char want_sha[65];
	long t0 = (long)time(NULL), t1, ts;
	json_t *lines, *l;
	struct got g;

	rx_mode("mode=ok");
	chan = webhook_new(rx_url("/hook"), SECRET, 0);
	send_wait(chan, "evt_ok1", body, &g);
	t1 = (long)time(NULL);
	ck_assert_msg(g.verdict == NOTIFY_DELIVERED, "%s", g.detail);
	ck_assert_int_eq(g.status, 200);
	lines = rx_lines("evt_ok1");
	ck_assert_uint_eq(json_array_size(lines), 1);
	l = json_array_get(lines, 0);
	ck_assert_msg(json_is_true(json_object_get(l, "signature_ok")), "receiver: %s",
		      json_string_value(json_object_get(l, "signature_error")));
	sha256_hex(body, strlen(body), want_sha);
	ck_assert_str_eq(json_string_value(json_object_get(l, "body_sha256")), want_sha);
	ck_assert_int_eq(json_integer_value(json_object_get(l, "body_len")),
			 (json_int_t)strlen(body));
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(l, "body"), "id")),
			 "evt_ok1");
	ck_assert_str_eq(json_string_value(json_object_get(l, "content_type")), "application/json");
	ck_assert_str_eq(json_string_value(json_object_get(l, "user_agent")),
			 "speechwatch-notify-test/2");
	ck_assert_str_eq(json_string_value(json_object_get(l, "method")), "POST");
	ts = atol(json_string_value(json_object_get(l, "timestamp")));
	ck_assert_int_ge(ts, t0);
	ck_assert_int_le(ts, t1);
	json_decref(lines);
}
END_TEST

START_TEST(webhook_fresh_timestamp_same_id)
{
	const char *body = "{\"id\":\"evt_ts\"}";
	json_t *lines;
	long ts1, ts2;
	struct got g;

	rx_mode("mode=sequence&sequence=503,200");
	chan = webhook_new(rx_url("/hook"), SECRET, 0);
	send_wait(chan, "evt_ts", body, &g);
	ck_assert_int_eq(g.verdict, NOTIFY_RETRY);
	ck_assert_int_eq(g.status, 503);
	usleep(1100000); /* the timestamp has one-second resolution */
	send_wait(chan, "evt_ts", body, &g);
	ck_assert_msg(g.verdict == NOTIFY_DELIVERED, "%s", g.detail);
	lines = rx_lines("evt_ts");
	ck_assert_uint_eq(json_array_size(lines), 2);
	for (int i = 0; i < 2; i++)
		ck_assert(json_is_true(json_object_get(json_array_get(lines, i), "signature_ok")));
	ts1 = atol(json_string_value(json_object_get(json_array_get(lines, 0), "timestamp")));
	ts2 = atol(json_string_value(json_object_get(json_array_get(lines, 1), "timestamp")));
	ck_assert_int_gt(ts2, ts1);
	json_decref(lines);
}
END_TEST

START_TEST(webhook_503_retry_after)
{
	struct got g;

	rx_mode("mode=fail503&retry_after=7");
	chan = webhook_new(rx_url("/hook"), SECRET, 0);
	send_wait(chan, "evt_503", "{}", &g);
	ck_assert_int_eq(g.verdict, NOTIFY_RETRY);
	ck_assert_int_eq(g.status, 503);
	ck_assert_double_eq(g.retry_after, 7);
	ck_assert_msg(strncmp(g.detail, "HTTP 503: answer 503", 20) == 0, "%s", g.detail);
	ck_assert_double_eq_tol(notify_retry_delay(1, g.retry_after, 0.5), 7, 1e-9);
}
END_TEST

START_TEST(webhook_429_is_retry)
{
	struct got g;

	rx_mode("mode=sequence&sequence=429&retry_after=3");
	chan = webhook_new(rx_url("/hook"), SECRET, 0);
	send_wait(chan, "evt_429", "{}", &g);
	ck_assert_int_eq(g.verdict, NOTIFY_RETRY);
	ck_assert_int_eq(g.status, 429);
	ck_assert_double_eq(g.retry_after, 3);
}
END_TEST

START_TEST(webhook_410_gone)
{
	struct got g;

	rx_mode("mode=gone");
	chan = webhook_new(rx_url("/hook"), SECRET, 0);
	send_wait(chan, "evt_410", "{}", &g);
	ck_assert_int_eq(g.verdict, NOTIFY_GONE);
	ck_assert_int_eq(g.status, 410);
	ck_assert_msg(strncmp(g.detail, "HTTP 410", 8) == 0, "%s", g.detail);
}
END_TEST

START_TEST(webhook_400_permanent)
{
	struct got g;

	rx_mode("mode=bad");
	chan = webhook_new(rx_url("/hook"), SECRET, 0);
	send_wait(chan, "evt_400", "{}", &g);
	ck_assert_int_eq(g.verdict, NOTIFY_PERMANENT);
	ck_assert_int_eq(g.status, 400);
	ck_assert_msg(strncmp(g.detail, "HTTP 400: answer 400", 20) == 0, "%s", g.detail);
}
END_TEST

START_TEST(webhook_302_not_followed)
{
	json_t *lines;
	struct got g;

	rx_mode("mode=redirect");
	chan = webhook_new(rx_url("/hook"), SECRET, 0);
	send_wait(chan, "evt_302", "{}", &g);
	ck_assert_int_eq(g.verdict, NOTIFY_RETRY);
	ck_assert_int_eq(g.status, 302);
	ck_assert_ptr_nonnull(strstr(g.detail, "redirect not followed"));
	lines = rx_lines("evt_302");
	ck_assert_uint_eq(json_array_size(lines), 1);
	json_decref(lines);
	ck_assert_int_eq(rx_count_path("/redirected"), 0);
}
END_TEST

/* A port nothing listens on: bound, then closed. */
static int closed_port(void)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	int port;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

START_TEST(webhook_connection_refused)
{
	char u[128];
	struct got g;

	snprintf(u, sizeof(u), "http://127.0.0.1:%d/hook", closed_port());
	chan = webhook_new(u, SECRET, 0);
	send_wait(chan, "evt_refused", "{}", &g);
	ck_assert_int_eq(g.verdict, NOTIFY_RETRY);
	ck_assert_int_eq(g.status, 0);
	ck_assert_msg(strncmp(g.detail, "network: ", 9) == 0, "%s", g.detail);
}
END_TEST

START_TEST(webhook_timeout)
{
	double t0;
	struct got g;

	rx_mode("mode=slow&ms=3000");
	chan = webhook_new(rx_url("/hook"), SECRET, 1);
	t0 = ev_time();
	send_wait(chan, "evt_slow", "{}", &g);
	ck_assert_int_eq(g.verdict, NOTIFY_RETRY);
	ck_assert_msg(strncmp(g.detail, "timeout: ", 9) == 0, "%s", g.detail);
	ck_assert_double_lt(ev_time() - t0, 2.5);
	rx_mode("mode=ok");
}
END_TEST

/*
 * config/ always required secret_file; the channel now owns that rule, so
 * there is no unsigned webhook any more: one without a secret is refused.
 */
START_TEST(webhook_refused_without_secret)
{
	char err[512] = "";

	chan = hook_channel(eng, "nosig", "webhook", rx_url("/hook"), NULL, 0, err, sizeof(err));
	ck_assert_ptr_null(chan);
	ck_assert_msg(strstr(err, "test.conf:1: notify 'nosig': secret_file: missing (type "
				  "webhook needs 'secret_file')") != NULL,
		      "%s", err);
}
END_TEST

START_TEST(webhook_close_cancels_in_flight)
{
	struct got g1 = {0}, g2 = {0};
	char err[256];

	rx_mode("mode=slow&ms=1500");
	chan = webhook_new(rx_url("/hook"), SECRET, 0);
	start_send(chan, "evt_c1", "{}", &g1);
	start_send(chan, "evt_c2", "{}", &g2);
	ev_run(loop, EVRUN_NOWAIT); /* let the transfers start */
	ck_assert_uint_eq(notify_pending(chan), 2);
	notify_channel_close(chan);
	ck_assert_int_eq(g1.calls, 1);
	ck_assert_int_eq(g2.calls, 1);
	ck_assert_int_eq(g1.verdict, NOTIFY_RETRY);
	ck_assert_int_eq(g2.cancelled, 1);
	ck_assert_uint_eq(notify_pending(chan), 0);
	ck_assert_int_eq(notify_send(chan, "evt_c3", "{}", 2, on_done, &g1, err, sizeof(err)), -1);
	rx_mode("mode=ok");
}
END_TEST

START_TEST(webhook_callback_may_free_channel)
{
	struct got g = {0};

	rx_mode("mode=gone");
	chan = webhook_new(rx_url("/hook"), SECRET, 0);
	g.free_me = &chan;
	start_send(chan, "evt_free", "{}", &g);
	run_until(&g.calls, 1, 20);
	ck_assert_ptr_null(chan);
	ck_assert_int_eq(g.verdict, NOTIFY_GONE);
}
END_TEST

START_TEST(webhook_engine_free_cancels)
{
	struct got g = {0};

	rx_mode("mode=slow&ms=1500");
	chan = webhook_new(rx_url("/hook"), SECRET, 0);
	start_send(chan, "evt_engine", "{}", &g);
	http_free(eng); /* the daemon's order may be engine first */
	eng = NULL;
	ck_assert_int_eq(g.calls, 1);
	ck_assert_int_eq(g.cancelled, 1);
	ck_assert_uint_eq(notify_pending(chan), 0);
	notify_channel_free(chan);
	chan = NULL;
}
END_TEST

static Suite *notify_suite(void)
{
	Suite *s = suite_create("notify");
	TCase *pure = tcase_create("pure");
	TCase *out = tcase_create("stdout");
	TCase *hook = tcase_create("webhook");

	tcase_add_test(pure, sign_test_vector);
	tcase_add_test(pure, secret_padding_variants);
	tcase_add_test(pure, secret_invalid);
	tcase_add_test(pure, retry_schedule);
	tcase_add_test(pure, classify_table);
	tcase_add_test(pure, detail_quotes_at_most_200_bytes);
	suite_add_tcase(s, pure);
	tcase_add_checked_fixture(out, loop_setup, loop_teardown);
	tcase_add_test(out, channel_config_errors);
	tcase_add_test(out, send_argument_errors);
	tcase_add_test(out, stdout_one_line_per_event);
	tcase_add_test(out, stdout_broken_pipe_is_retry);
	tcase_add_test(out, stdout_close_cancels_pending);
	suite_add_tcase(s, out);
	tcase_add_unchecked_fixture(hook, rx_start, rx_stop);
	tcase_add_checked_fixture(hook, loop_setup, loop_teardown);
	tcase_set_timeout(hook, 30);
	tcase_add_test(hook, webhook_delivered_with_valid_signature);
	tcase_add_test(hook, webhook_fresh_timestamp_same_id);
	tcase_add_test(hook, webhook_503_retry_after);
	tcase_add_test(hook, webhook_429_is_retry);
	tcase_add_test(hook, webhook_410_gone);
	tcase_add_test(hook, webhook_400_permanent);
	tcase_add_test(hook, webhook_302_not_followed);
	tcase_add_test(hook, webhook_connection_refused);
	tcase_add_test(hook, webhook_timeout);
	tcase_add_test(hook, webhook_refused_without_secret);
	tcase_add_test(hook, webhook_close_cancels_in_flight);
	tcase_add_test(hook, webhook_callback_may_free_channel);
	tcase_add_test(hook, webhook_engine_free_cancels);
	suite_add_tcase(s, hook);
	return s;
}

int main(void)
{
	return testutil_run(notify_suite());
}
