/*
 * daemon/pg_conn against a real PostgreSQL: run it through
 * tests/e2e/test_pg_conn.py (or `python3 tests/pgcluster.py run --
 * build/tests/test_pg_conn`), which starts a throw-away server and sets
 * PGHOST & co. Without PGHOST it skips (exit 77). The pure parts are in
 * test_pg_conn_text.c. Also pg_conn_migrate (schema versions), each case on
 * a database of its own.
 */
#include <arpa/inet.h>
#include <check.h>
#include <ev.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/xmalloc.h"
#include "daemon/pg_conn.h"
#include "tests/unit/testutil.h"

#define MAXR 128
#define STR2(x) #x
#define STR(x) STR2(x)
#define PG_LOCK_TEXT STR(PG_CONN_SCHEMA_LOCK)

static struct ev_loop *loop;
static struct pg_conn *conn;
static struct {
	int n;
	int id[MAXR], failed[MAXR], unknown[MAXR], cancelled[MAXR], rows[MAXR];
	char val[MAXR][128], err[MAXR][512], state[MAXR][8];
} got;
static struct {
	int ups, downs;
	double at[64], delay[64];
	char last[768];
} st;
static char notified[256];

static void on_done(const struct pg_conn_reply *r, void *arg)
{
	int i = got.n++;
	const char *s;

	ck_assert_int_lt(i, MAXR);
	got.id[i] = (int)(intptr_t)arg;
	got.failed[i] = r->error != NULL;
	got.unknown[i] = r->outcome_unknown;
	got.cancelled[i] = r->cancelled;
	snprintf(got.err[i], sizeof(got.err[i]), "%s", r->error ? r->error : "");
	if (r->res != NULL && (s = PQresultErrorField(r->res, PG_DIAG_SQLSTATE)) != NULL)
		snprintf(got.state[i], sizeof(got.state[i]), "%s", s);
	if (r->error == NULL && r->res != NULL && PQntuples(r->res) > 0) {
		got.rows[i] = PQntuples(r->res);
		snprintf(got.val[i], sizeof(got.val[i]), "%s", PQgetvalue(r->res, 0, 0));
	}
}

static void on_status(int up, const char *error, void *arg)
{
	(void)arg;
	if (up) {
		st.ups++;
		return;
	}
	ck_assert_ptr_nonnull(error);
	if (st.downs < 64) {
		st.at[st.downs] = ev_now(loop);
		st.delay[st.downs] = pg_conn_retry_delay(conn);
	}
	st.downs++;
	snprintf(st.last, sizeof(st.last), "%s", error);
}

static void on_notify(const char *channel, const char *payload, void *arg)
{
	(void)arg;
	snprintf(notified, sizeof(notified), "%s:%s", channel, payload);
}

static double almost_one(void)
{
	return 0.999;
}

static struct pg_conn_settings settings(const char *conninfo)
{
	struct pg_conn_settings s = {
	    .conninfo = conninfo, .on_status = on_status, .on_notify = on_notify};
	return s;
}

static void setup(void)
{
	memset(&got, 0, sizeof(got));
	memset(&st, 0, sizeof(st));
	notified[0] = '\0';
	loop = ev_loop_new(EVFLAG_AUTO);
	conn = NULL;
}

static void teardown(void)
{
	pg_conn_free(conn);
	ev_loop_destroy(loop);
}

static int n_target;
static int have_n(void *arg)
{
	(void)arg;
	return got.n >= n_target;
}

/* Runs the loop until n replies came, failing the test after timeout seconds. */
static void wait_replies(int n, double timeout)
{
	n_target = n;
	ck_assert_msg(testutil_loop_until(loop, have_n, NULL, timeout),
		      "%d of %d replies within %.0f s; last status: %s", got.n, n, timeout,
		      st.last);
}

static int downs_target;
static int have_downs(void *arg)
{
	(void)arg;
	return st.downs >= downs_target;
}

static void wait_downs(int n, double timeout)
{
	downs_target = n;
	ck_assert_msg(testutil_loop_until(loop, have_downs, NULL, timeout),
		      "%d of %d failures within %.0f s", st.downs, n, timeout);
}

static void spin(double seconds)
{
	testutil_loop_until(loop, have_n, NULL, 0); /* updates the clock */
	n_target = MAXR + 1;
	testutil_loop_until(loop, have_n, NULL, seconds);
}

static void query(const char *sql, int id)
{
	pg_conn_query(conn, sql, 0, NULL, 0, on_done, (void *)(intptr_t)id);
}

static struct pg_conn *open_default(void)
{
	struct pg_conn_settings s = settings("");

	s.application_name = "sw-pg-conn-test";
	conn = pg_conn_new(loop, &s);
	return conn;
}

/* A blocking side connection, as the test's "operator". */
static void operator_sql(const char *sql, const char *expect)
{
	PGconn *k = PQconnectdb("");
	PGresult *r;

	ck_assert_msg(PQstatus(k) == CONNECTION_OK, "%s", PQerrorMessage(k));
	r = PQexec(k, sql);
	ck_assert_msg(PQresultStatus(r) == PGRES_TUPLES_OK, "%s", PQresultErrorMessage(r));
	if (expect != NULL)
		ck_assert_str_eq(PQgetvalue(r, 0, 0), expect);
	PQclear(r);
	PQfinish(k);
}

static void terminate_test_session(void)
{
	operator_sql("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
		     "WHERE application_name = 'sw-pg-conn-test'",
		     "1");
}

START_TEST(parameterised_query_returns_rows)
{
	const char *p[] = {"x", "3"};
	const char *pn[] = {NULL};

	open_default();
	pg_conn_query(conn, "SELECT $1::text || g FROM generate_series(1, $2::int) g", 2, p, 5,
		      on_done, (void *)1);
	pg_conn_query(conn, "SELECT $1::text IS NULL", 1, pn, 0, on_done, (void *)2);
	ck_assert_uint_eq(pg_conn_pending(conn), 2);
	wait_replies(2, 10);
	ck_assert_int_eq(got.failed[0], 0);
	ck_assert_int_eq(got.rows[0], 3);
	ck_assert_str_eq(got.val[0], "x1");
	ck_assert_str_eq(got.val[1], "t");
	ck_assert_int_eq(st.ups, 1);
	ck_assert_int_eq(pg_conn_state(conn), PG_CONN_READY);
	ck_assert_uint_eq(pg_conn_pending(conn), 0);
	ck_assert_ptr_nonnull(strstr(pg_conn_describe(conn), "postgresql: connected to "));
}
END_TEST

static int ticks;
static void tick_cb(struct ev_loop *l, ev_timer *w, int revents)
{
	(void)l;
	(void)w;
	(void)revents;
	ticks++;
}

START_TEST(loop_keeps_ticking_during_a_slow_query)
{
	ev_timer t;

	open_default();
	query("SELECT 1", 0);
	wait_replies(1, 10); /* connected */
	ticks = 0;
	ev_timer_init(&t, tick_cb, 0.1, 0.1);
	ev_timer_start(loop, &t);
	query("SELECT pg_sleep(1)", 1);
	wait_replies(2, 10);
	ev_timer_stop(loop, &t);
	ck_assert_int_eq(got.failed[1], 0);
	ck_assert_msg(ticks >= 7, "only %d ticks of 100 ms during pg_sleep(1)", ticks);
}
END_TEST

START_TEST(many_queued_queries_answer_in_order)
{
	char sql[64];
	int i;

	open_default();
	for (i = 0; i < 60; i++) {
		snprintf(sql, sizeof(sql), "SELECT %d", i * 7);
		query(sql, i);
	}
	wait_replies(60, 20);
	for (i = 0; i < 60; i++) {
		snprintf(sql, sizeof(sql), "%d", i * 7);
		ck_assert_int_eq(got.id[i], i);
		ck_assert_int_eq(got.failed[i], 0);
		ck_assert_str_eq(got.val[i], sql);
	}
}
END_TEST

START_TEST(a_bad_query_fails_alone)
{
	open_default();
	query("SELEC 1", 1);
	query("SELECT 2", 2);
	wait_replies(2, 10);
	ck_assert_int_eq(got.failed[0], 1);
	ck_assert_int_eq(got.unknown[0], 0);
	ck_assert_str_eq(got.state[0], "42601");
	ck_assert_ptr_nonnull(strstr(got.err[0], "syntax error"));
	ck_assert_ptr_null(strchr(got.err[0], '\n'));
	ck_assert_int_eq(got.failed[1], 0);
	ck_assert_str_eq(got.val[1], "2");
	ck_assert_int_eq(st.downs, 0);
}
END_TEST

START_TEST(server_side_timeouts_are_set)
{
	struct pg_conn_settings s = settings("");

	s.statement_timeout = 0.2;
	conn = pg_conn_new(loop, &s);
	query("SHOW lock_timeout", 1);
	query("SHOW idle_in_transaction_session_timeout", 2);
	query("SELECT pg_sleep(3)", 3);
	query("SELECT 4", 4);
	wait_replies(4, 10);
	ck_assert_str_eq(got.val[0], "5s");
	ck_assert_str_eq(got.val[1], "10s");
	ck_assert_int_eq(got.failed[2], 1);
	ck_assert_str_eq(got.state[2], "57014"); /* canceling statement due to statement timeout */
	ck_assert_int_eq(got.unknown[2], 0);
	ck_assert_str_eq(got.val[3], "4");
	ck_assert_int_eq(st.downs, 0);
}
END_TEST

START_TEST(notifications_reach_the_callback)
{
	open_default();
	query("LISTEN sw_test", 1);
	query("NOTIFY sw_test, 'hello'", 2);
	wait_replies(2, 10);
	ck_assert_str_eq(notified, "sw_test:hello");
}
END_TEST

START_TEST(terminated_backend_fails_in_flight_and_reconnects)
{
	open_default();
	query("SELECT pg_sleep(5)", 1);
	query("SELECT 42", 2);
	spin(0.5);
	ck_assert_int_eq(got.n, 0);
	terminate_test_session();
	wait_replies(2, 10);
	ck_assert_int_eq(got.id[0], 1);
	ck_assert_int_eq(got.failed[0], 1);
	ck_assert_int_eq(got.unknown[0], 1);
	ck_assert_ptr_nonnull(strstr(got.err[0], "postgresql: connection to "));
	ck_assert_int_eq(got.failed[1], 0);
	ck_assert_str_eq(got.val[1], "42");
	ck_assert_int_eq(st.downs, 1);
	ck_assert_int_eq(st.ups, 2);
	ck_assert(st.delay[0] <= 0.5);
}
END_TEST

START_TEST(server_restart_is_survived)
{
	const char *script = getenv("SW_PGCLUSTER_SCRIPT"), *dir = getenv("SW_PGCLUSTER_DIR");
	char *cmd;

	if (script == NULL || dir == NULL) {
		printf("skipped: restart needs tests/pgcluster.py run\n");
		return;
	}
	open_default();
	query("SELECT pg_sleep(5)", 1);
	spin(0.5);
	cmd = xasprintf("python3 '%s' restart '%s'", script, dir);
	ck_assert_int_eq(system(cmd), 0); /* blocks the loop: the server is back after */
	free(cmd);
	query("SELECT 7", 2);
	wait_replies(2, 20);
	ck_assert_int_eq(got.unknown[0], 1);
	ck_assert_int_eq(got.failed[1], 0);
	ck_assert_str_eq(got.val[1], "7");
	ck_assert_int_ge(st.downs, 1);
	ck_assert_int_eq(st.ups, 2);
	query("SELECT 8", 3);
	wait_replies(3, 10);
	ck_assert_str_eq(got.val[2], "8");
}
END_TEST

START_TEST(client_deadline_closes_and_reconnects)
{
	double t0;

	open_default();
	query("SELECT 0", 0);
	wait_replies(1, 10);
	t0 = ev_time();
	pg_conn_query(conn, "SELECT pg_sleep(3)", 0, NULL, 0.3, on_done, (void *)1);
	query("SELECT 2", 2);
	wait_replies(3, 10);
	ck_assert_int_eq(got.unknown[1], 1);
	ck_assert_ptr_nonnull(strstr(got.err[1], "deadline"));
	ck_assert_str_eq(got.val[2], "2");
	ck_assert_msg(ev_time() - t0 < 2.0, "the deadline did not cut the 3 s statement");
	ck_assert_int_eq(st.downs, 1);
	ck_assert_int_eq(st.ups, 2);
}
END_TEST

START_TEST(password_never_in_messages)
{
	static const char *const infos[] = {
	    "host=127.0.0.1 port=1 user=u password=secret connect_timeout=1",
	    "postgresql://u:secret@[::1/db",
	    "host=127.0.0.1 port=1 password='secret' bogus",
	};
	struct pg_conn_settings s;
	size_t i;

	for (i = 0; i < sizeof(infos) / sizeof(infos[0]); i++) {
		memset(&st, 0, sizeof(st));
		s = settings(infos[i]);
		conn = pg_conn_new(loop, &s);
		query("SELECT 1", (int)i);
		wait_downs(1, 10);
		ck_assert_ptr_nonnull(strstr(st.last, "postgresql: connecting to "));
		ck_assert_msg(strstr(st.last, "secret") == NULL, "%s", st.last);
		ck_assert_msg(strstr(pg_conn_last_error(conn), "secret") == NULL, "%s",
			      pg_conn_last_error(conn));
		ck_assert_msg(strstr(pg_conn_describe(conn), "secret") == NULL, "%s",
			      pg_conn_describe(conn));
		pg_conn_free(conn);
		conn = NULL;
	}
	ck_assert_ptr_nonnull(strstr(st.last, "failed: "));
	ck_assert_int_eq(got.n, 3);
	ck_assert_int_eq(got.cancelled[0] + got.cancelled[1] + got.cancelled[2], 3);
}
END_TEST

/* A TCP port that takes connections into its backlog and never answers. */
static int silent_listener(int *port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(listen(fd, 4), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

START_TEST(connect_deadline_on_a_silent_server)
{
	char info[96];
	struct pg_conn_settings s;
	ev_timer t;
	double t0;
	int port, fd = silent_listener(&port);

	snprintf(info, sizeof(info), "hostaddr=127.0.0.1 port=%d", port);
	s = settings(info);
	s.connect_timeout = 0.4;
	s.backoff_min = 5; /* one attempt in this test */
	ticks = 0;
	ev_timer_init(&t, tick_cb, 0.05, 0.05);
	ev_timer_start(loop, &t);
	t0 = ev_time();
	conn = pg_conn_new(loop, &s);
	wait_downs(1, 10);
	ev_timer_stop(loop, &t);
	ck_assert_msg(ev_time() - t0 >= 0.35 && ev_time() - t0 < 2, "failed after %.2f s",
		      ev_time() - t0);
	ck_assert_msg(strstr(st.last, "no connection within 0.4 s") != NULL, "%s", st.last);
	ck_assert_msg(ticks >= 5, "only %d ticks of 50 ms while connecting", ticks);
	close(fd);
}
END_TEST

static char *empty_socket_dir(void)
{
	char *dir = testutil_tmpdir();
	char *info = xasprintf("host=%s port=5432", dir);

	testutil_rmtree(dir); /* nothing listens there */
	free(dir);
	return info;
}

START_TEST(no_server_retries_with_growing_delays)
{
	char *info = empty_socket_dir();
	struct pg_conn_settings s = settings(info);
	double bound, gap;
	int i;

	s.backoff_min = 0.05;
	s.backoff_max = 0.4;
	s.jitter = almost_one;
	conn = pg_conn_new(loop, &s);
	wait_downs(7, 10);
	ck_assert_ptr_nonnull(strstr(st.last, "postgresql: connecting to "));
	ck_assert_ptr_nonnull(strstr(st.last, "No such file or directory"));
	ck_assert_int_eq(pg_conn_state(conn), PG_CONN_WAITING);
	ck_assert_ptr_nonnull(strstr(pg_conn_describe(conn), "to reconnect (attempt "));
	for (i = 0; i < 6; i++) {
		bound = 0.05 * (1 << i) < 0.4 ? 0.05 * (1 << i) : 0.4;
		gap = st.at[i + 1] - st.at[i];
		ck_assert_msg(st.delay[i] > bound * 0.99 && st.delay[i] <= bound, "delay %d: %g", i,
			      st.delay[i]);
		ck_assert_msg(gap >= bound * 0.95 && gap < bound + 1.0, "gap %d: %g (bound %g)", i,
			      gap, bound);
	}
	free(info);
}
END_TEST

START_TEST(no_server_delays_stay_within_bounds)
{
	char *info = empty_socket_dir();
	struct pg_conn_settings s = settings(info);
	int i;

	s.backoff_min = 0.02;
	s.backoff_max = 0.2;
	conn = pg_conn_new(loop, &s);
	wait_downs(10, 10);
	for (i = 0; i < 10; i++) {
		double bound = 0.02 * (1 << i) < 0.2 ? 0.02 * (1 << i) : 0.2;

		ck_assert_msg(st.delay[i] >= 0 && st.delay[i] <= bound, "delay %d: %g", i,
			      st.delay[i]);
	}
	free(info);
}
END_TEST

START_TEST(backoff_resets_after_a_stable_connection)
{
	struct pg_conn_settings s = settings("");

	s.application_name = "sw-pg-conn-test";
	s.backoff_min = 0.05;
	s.backoff_reset = 1.5;
	s.jitter = almost_one;
	conn = pg_conn_new(loop, &s);
	query("SELECT 1", 1);
	wait_replies(1, 10);
	terminate_test_session();
	wait_downs(1, 10); /* then the query waits for the new session */
	query("SELECT 2", 2);
	wait_replies(2, 10); /* reconnected after 0.05 s */
	terminate_test_session();
	wait_downs(2, 10);
	query("SELECT 3", 3);
	wait_replies(3, 10); /* after 0.1 s: the connection did not live 1.5 s */
	spin(1.6);
	terminate_test_session();
	wait_downs(3, 10);
	query("SELECT 4", 4);
	wait_replies(4, 10);
	ck_assert_int_eq(got.failed[1] + got.failed[2] + got.failed[3], 0);
	ck_assert_int_eq(st.downs, 3);
	ck_assert_double_eq_tol(st.delay[0], 0.05 * 0.999, 1e-9);
	ck_assert_double_eq_tol(st.delay[1], 0.1 * 0.999, 1e-9);
	ck_assert_double_eq_tol(st.delay[2], 0.05 * 0.999, 1e-9);
}
END_TEST

START_TEST(free_cancels_pending_queries)
{
	open_default();
	query("SELECT pg_sleep(5)", 1);
	query("SELECT 2", 2);
	query("SELECT 3", 3);
	spin(0.5);
	ck_assert_int_eq(got.n, 0);
	pg_conn_free(conn);
	conn = NULL;
	ck_assert_int_eq(got.n, 3);
	ck_assert_int_eq(got.id[0], 1);
	ck_assert_int_eq(got.cancelled[0] + got.cancelled[1] + got.cancelled[2], 3);
	ck_assert_int_eq(got.unknown[0], 1);
	ck_assert_int_eq(got.unknown[1], 0);
	ck_assert_int_eq(got.id[2], 3);
}
END_TEST

/* A new, empty database for one schema test; its conninfo (static). */
static const char *fresh_db(const char *name)
{
	static char info[128];
	char sql[128];
	PGconn *k = PQconnectdb("");
	PGresult *r;

	ck_assert_msg(PQstatus(k) == CONNECTION_OK, "%s", PQerrorMessage(k));
	PQclear(PQexec(k, "SET client_min_messages = warning"));
	snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s", name);
	PQclear(PQexec(k, sql));
	snprintf(sql, sizeof(sql), "CREATE DATABASE %s", name);
	r = PQexec(k, sql);
	ck_assert_msg(PQresultStatus(r) == PGRES_COMMAND_OK, "%s", PQresultErrorMessage(r));
	PQclear(r);
	PQfinish(k);
	snprintf(info, sizeof(info), "dbname=%s", name);
	return info;
}

/* The first cell of sql's answer on conninfo, or the error text. */
static char *ask(const char *conninfo, const char *sql)
{
	PGconn *k = PQconnectdb(conninfo);
	PGresult *r = PQexec(k, sql);
	char *out = xstrdup(PQresultStatus(r) == PGRES_TUPLES_OK ? PQgetvalue(r, 0, 0)
								 : PQresultErrorMessage(r));

	PQclear(r);
	PQfinish(k);
	return out;
}

static void assert_answer(const char *conninfo, const char *sql, const char *want)
{
	char *got_s = ask(conninfo, sql);

	ck_assert_str_eq(got_s, want);
	free(got_s);
}

static const struct pg_conn_step steps[] = {
    {1, "CREATE TABLE t (id integer PRIMARY KEY)"},
    {2, "ALTER TABLE t ADD COLUMN name text; CREATE INDEX t_name ON t (name)"},
};

START_TEST(migrate_applies_missing_steps_once)
{
	const char *db = fresh_db("sw_schema_once");
	char err[512] = "";
	int n = -1;

	ck_assert_int_eq(pg_conn_migrate(db, steps, 1, 5, &n, err, sizeof(err)), 1);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(pg_conn_migrate(db, steps, 2, 5, &n, err, sizeof(err)), 2);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(pg_conn_migrate(db, steps, 2, 5, &n, err, sizeof(err)), 2);
	ck_assert_int_eq(n, 0);
	assert_answer(db,
		      "SELECT string_agg(version::text, ',' ORDER BY version) FROM schema_version",
		      "1,2");
	assert_answer(db, "SELECT count(*) FROM pg_indexes WHERE indexname = 't_name'", "1");
}
END_TEST

START_TEST(migrate_is_all_or_nothing)
{
	const char *db = fresh_db("sw_schema_atomic");
	const struct pg_conn_step bad[] = {
	    steps[0], steps[1], {3, "CREATE TABLE t3 (x integer); SELEC 1"}};
	char err[512] = "";
	int n = -1;

	ck_assert_int_eq(pg_conn_migrate(db, bad, 3, 5, &n, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "postgresql: schema step 3: ERROR:  syntax error") != NULL, "%s",
		      err);
	ck_assert_int_eq(n, 0);
	assert_answer(db, "SELECT count(*) FROM pg_tables WHERE tablename IN ('t', 't3')", "0");
	assert_answer(db, "SELECT to_regclass('schema_version') IS NULL", "t");
}
END_TEST

START_TEST(migrate_refuses_a_newer_database)
{
	const char *db = fresh_db("sw_schema_newer");
	const struct pg_conn_step future[] = {steps[0], steps[1], {9, "SELECT 1"}};
	char err[512] = "";

	ck_assert_int_eq(pg_conn_migrate(db, future, 3, 5, NULL, err, sizeof(err)), 9);
	ck_assert_int_eq(pg_conn_migrate(db, steps, 2, 5, NULL, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "schema version 9 is newer than this program's 2") != NULL, "%s",
		      err);
	assert_answer(db, "SELECT max(version) FROM schema_version", "9");
}
END_TEST

START_TEST(concurrent_migrations_take_turns)
{
	const char *db = fresh_db("sw_schema_race");
	const struct pg_conn_step slow[] = {
	    {1, "CREATE TABLE c (x integer); SELECT pg_sleep(0.5)"}};
	pid_t pid[2];
	int i, status, applied = 0;

	for (i = 0; i < 2; i++) {
		pid[i] = fork();
		ck_assert_int_ge(pid[i], 0);
		if (pid[i] == 0) {
			char err[512];
			int n = -1;

			if (pg_conn_migrate(db, slow, 1, 10, &n, err, sizeof(err)) != 1) {
				fprintf(stderr, "%s\n", err);
				_exit(9);
			}
			_exit(n);
		}
	}
	for (i = 0; i < 2; i++) {
		ck_assert_int_eq(waitpid(pid[i], &status, 0), pid[i]);
		ck_assert(WIFEXITED(status));
		ck_assert_int_le(WEXITSTATUS(status), 1);
		applied += WEXITSTATUS(status);
	}
	ck_assert_int_eq(applied, 1);
}
END_TEST

START_TEST(migrate_gives_up_at_lock_timeout)
{
	const char *db = fresh_db("sw_schema_locked");
	PGconn *holder = PQconnectdb(db);
	char err[512] = "";
	double t0;

	PQclear(PQexec(holder, "BEGIN"));
	PQclear(PQexec(holder, "SELECT pg_advisory_xact_lock(" PG_LOCK_TEXT ")"));
	t0 = ev_time();
	ck_assert_int_eq(pg_conn_migrate(db, steps, 2, 0.3, NULL, err, sizeof(err)), -1);
	ck_assert_msg(ev_time() - t0 < 3, "waited %.1f s", ev_time() - t0);
	ck_assert_msg(strstr(err, "waiting for the schema lock") != NULL, "%s", err);
	ck_assert_msg(strstr(err, "lock timeout") != NULL, "%s", err);
	PQfinish(holder);
	ck_assert_int_eq(pg_conn_migrate(db, steps, 2, 0.3, NULL, err, sizeof(err)), 2);
}
END_TEST

START_TEST(migrate_error_has_no_password)
{
	char err[512] = "";

	ck_assert_int_eq(
	    pg_conn_migrate("postgresql://u:secret@[::1/db", steps, 2, 1, NULL, err, sizeof(err)),
	    -1);
	ck_assert_msg(strstr(err, "postgresql: connecting to ") != NULL, "%s", err);
	ck_assert_msg(strstr(err, "secret") == NULL, "%s", err);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("pg_conn");
	TCase *tc = tcase_create("live");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 40);
	tcase_add_test(tc, parameterised_query_returns_rows);
	tcase_add_test(tc, loop_keeps_ticking_during_a_slow_query);
	tcase_add_test(tc, many_queued_queries_answer_in_order);
	tcase_add_test(tc, a_bad_query_fails_alone);
	tcase_add_test(tc, server_side_timeouts_are_set);
	tcase_add_test(tc, notifications_reach_the_callback);
	tcase_add_test(tc, terminated_backend_fails_in_flight_and_reconnects);
	tcase_add_test(tc, server_restart_is_survived);
	tcase_add_test(tc, client_deadline_closes_and_reconnects);
	tcase_add_test(tc, password_never_in_messages);
	tcase_add_test(tc, connect_deadline_on_a_silent_server);
	tcase_add_test(tc, no_server_retries_with_growing_delays);
	tcase_add_test(tc, no_server_delays_stay_within_bounds);
	tcase_add_test(tc, backoff_resets_after_a_stable_connection);
	tcase_add_test(tc, free_cancels_pending_queries);
	suite_add_tcase(s, tc);
	tc = tcase_create("schema");
	tcase_set_timeout(tc, 40);
	tcase_add_test(tc, migrate_applies_missing_steps_once);
	tcase_add_test(tc, migrate_is_all_or_nothing);
	tcase_add_test(tc, migrate_refuses_a_newer_database);
	tcase_add_test(tc, concurrent_migrations_take_turns);
	tcase_add_test(tc, migrate_gives_up_at_lock_timeout);
	tcase_add_test(tc, migrate_error_has_no_password);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	const char *host = getenv("PGHOST");

	if (host == NULL || *host == '\0') {
		printf("skipped: no PostgreSQL server (PGHOST unset; tests/e2e/test_pg_conn.py "
		       "starts one)\n");
		return 77;
	}
	return testutil_run(suite());
}
