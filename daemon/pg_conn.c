/*
 * daemon/pg_conn: connecting, failing and reconnecting (pg_conn.h). The
 * statement FIFO and its I/O are in pg_conn_query.c; this file turns the
 * -1 it returns into a lost connection.
 *
 * States: connecting -> ready -> (failure) waiting -> connecting ...
 * A failure closes the socket, fails the statement in flight as outcome
 * unknown, and waits a full-jitter backoff before the next attempt.
 */
#include "daemon/pg_conn_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/xmalloc.h"

static const char *const state_names[] = {
    [PG_CONN_CONNECTING] = "connecting",
    [PG_CONN_READY] = "ready",
    [PG_CONN_WAITING] = "waiting",
};

const char *pg_conn_state_name(enum pg_conn_state s)
{
	return (unsigned)s < sizeof(state_names) / sizeof(state_names[0]) ? state_names[s]
									  : "unknown";
}

static void enter_state(struct pg_conn *c, enum pg_conn_state s)
{
	if (c->state != s)
		log_debug("postgresql: %s -> %s (%s)", state_names[c->state], state_names[s],
			  c->target);
	c->state = s;
}

static double or_default(double v, double def)
{
	return v != 0 ? v : def;
}

static void set_target(struct pg_conn *c)
{
	const char *host = c->pg != NULL ? PQhost(c->pg) : NULL;
	const char *port = c->pg != NULL ? PQport(c->pg) : NULL;

	free(c->target);
	if (host != NULL && *host != '\0')
		c->target = xasprintf("%s:%s", host, port != NULL && *port ? port : "5432");
	else
		c->target = pg_conn_redact(c->s.conninfo);
}

static void status(struct pg_conn *c, int up, const char *error)
{
	c->in_callback++;
	if (c->s.on_status != NULL)
		c->s.on_status(up, error, c->s.arg);
	c->in_callback--;
}

/*
 * A connection attempt failed (was_up 0) or an established one was lost:
 * close it, fail the statement in flight, wait before the next attempt.
 */
static void go_down(struct pg_conn *c, int was_up, const char *why)
{
	char *clean = pg_conn_scrub(why, c->s.conninfo);
	double now = ev_now(c->loop);

	snprintf(c->last_error, sizeof(c->last_error), "postgresql: %s %s %s: %s",
		 was_up ? "connection to" : "connecting to", c->target, was_up ? "lost" : "failed",
		 *clean ? clean : "unknown error");
	free(clean);
	log_warnx("%s", c->last_error);
	ev_io_stop(c->loop, &c->io);
	ev_timer_stop(c->loop, &c->timer);
	enter_state(c, PG_CONN_WAITING);
	if (was_up && now - c->up_since >= c->s.backoff_reset)
		c->attempt = 0;
	c->delay = pg_conn_backoff(c->s.backoff_min, c->s.backoff_max, c->attempt, c->s.jitter());
	if (c->attempt < 64)
		c->attempt++;
	ev_timer_set(&c->timer, c->delay, 0);
	ev_timer_start(c->loop, &c->timer);
	pg_conn_q_fail_inflight(c, c->last_error, 0);
	PQfinish(c->pg);
	c->pg = NULL;
	c->want_write = 0;
	status(c, 0, c->last_error);
}

/* PQsetNoticeProcessor: NOTICEs go to the debug log, not to stderr. */
static void notice_cb(void *arg, const char *message)
{
	struct pg_conn *c = arg;
	char *clean = pg_conn_scrub(message, c->s.conninfo);

	log_debug("postgresql: %s: %s", c->target, clean);
	free(clean);
}

static void start_connect(struct pg_conn *c)
{
	char opts[256] = "";
	const char *keys[] = {"fallback_application_name",
			      "options",
			      "keepalives_idle",
			      "keepalives_interval",
			      "keepalives_count",
			      "dbname",
			      NULL};
	const char *vals[] = {c->s.application_name, opts, "30", "10", "3", c->s.conninfo, NULL};
	size_t n = 0;

	if (c->s.statement_timeout > 0)
		n += (size_t)snprintf(opts + n, sizeof(opts) - n, "-c statement_timeout=%.0f ",
				      c->s.statement_timeout * 1000);
	if (c->s.lock_timeout > 0)
		n += (size_t)snprintf(opts + n, sizeof(opts) - n, "-c lock_timeout=%.0f ",
				      c->s.lock_timeout * 1000);
	if (c->s.idle_in_transaction_timeout > 0)
		snprintf(opts + n, sizeof(opts) - n, "-c idle_in_transaction_session_timeout=%.0f",
			 c->s.idle_in_transaction_timeout * 1000);
	c->pg = PQconnectStartParams(keys, vals, 1);
	if (c->pg == NULL)
		fatalx("out of memory");
	set_target(c);
	enter_state(c, PG_CONN_CONNECTING);
	if (PQstatus(c->pg) == CONNECTION_BAD || pg_conn_q_watch(c, EV_WRITE) < 0) {
		go_down(c, 0, PQerrorMessage(c->pg));
		return;
	}
	PQsetNoticeProcessor(c->pg, notice_cb, c);
	ev_timer_set(&c->timer, c->s.connect_timeout, 0);
	ev_timer_start(c->loop, &c->timer);
}

static void connected(struct pg_conn *c)
{
	ev_timer_stop(c->loop, &c->timer);
	if (PQsetnonblocking(c->pg, 1) != 0 || pg_conn_q_watch(c, EV_READ) < 0) {
		go_down(c, 0, PQerrorMessage(c->pg));
		return;
	}
	c->up_since = ev_now(c->loop);
	enter_state(c, PG_CONN_READY);
	log_info("postgresql: connected to %s", c->target);
	status(c, 1, NULL);
	if (c->state == PG_CONN_READY && pg_conn_q_pump(c) < 0)
		go_down(c, 1, c->why);
}

/* One PQconnectPoll step; the socket may change between calls (docs: libpq-connect). */
static void connect_step(struct pg_conn *c)
{
	PostgresPollingStatusType st = PQconnectPoll(c->pg);

	set_target(c);
	if (st == PGRES_POLLING_OK) {
		connected(c);
		return;
	}
	if (st == PGRES_POLLING_FAILED ||
	    pg_conn_q_watch(c, st == PGRES_POLLING_READING ? EV_READ : EV_WRITE) < 0)
		go_down(c, 0, PQerrorMessage(c->pg));
}

static void io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct pg_conn *c = w->data;

	(void)loop;
	if (c->state == PG_CONN_CONNECTING)
		connect_step(c);
	else if (c->state == PG_CONN_READY && pg_conn_q_io(c, revents) < 0)
		go_down(c, 1, c->why);
}

/* The connect deadline while connecting; the end of the backoff while waiting. */
static void timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct pg_conn *c = w->data;
	char why[64];

	(void)loop;
	(void)revents;
	if (c->state == PG_CONN_CONNECTING && c->pg != NULL) {
		snprintf(why, sizeof(why), "no connection within %.3g s", c->s.connect_timeout);
		go_down(c, 0, why);
	} else {
		start_connect(c);
	}
}

/* The statement in flight ran past its deadline. */
static void qtimer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct pg_conn *c = w->data;
	char why[128];

	(void)loop;
	(void)revents;
	snprintf(why, sizeof(why), "no answer within the statement's deadline (%.3g s): closed",
		 c->head != NULL ? c->head->deadline : 0.0);
	go_down(c, 1, why);
}

static void copy_settings(struct pg_conn *c, const struct pg_conn_settings *s)
{
	c->s = *s;
	c->conninfo = xstrdup(s->conninfo != NULL ? s->conninfo : "");
	c->application_name = xstrdup(s->application_name ? s->application_name : "speechwatch");
	c->s.conninfo = c->conninfo;
	c->s.application_name = c->application_name;
	c->s.connect_timeout = or_default(s->connect_timeout, 10);
	c->s.statement_timeout = or_default(s->statement_timeout, 30);
	c->s.lock_timeout = or_default(s->lock_timeout, 5);
	c->s.idle_in_transaction_timeout = or_default(s->idle_in_transaction_timeout, 10);
	c->s.backoff_min = or_default(s->backoff_min, 0.5);
	c->s.backoff_max = or_default(s->backoff_max, 30);
	c->s.backoff_reset = or_default(s->backoff_reset, 60);
	if (c->s.jitter == NULL)
		c->s.jitter = clock_jitter_unit;
}

struct pg_conn *pg_conn_new(struct ev_loop *loop, const struct pg_conn_settings *s)
{
	struct pg_conn *c = xcalloc(1, sizeof(*c));

	c->loop = loop;
	copy_settings(c, s);
	c->target = pg_conn_redact(c->s.conninfo);
	ev_init(&c->io, io_cb);
	c->io.data = c;
	ev_init(&c->timer, timer_cb);
	c->timer.data = c;
	ev_init(&c->qtimer, qtimer_cb);
	c->qtimer.data = c;
	/* the first attempt starts from the loop, so status never runs inside pg_conn_new */
	c->state = PG_CONN_CONNECTING;
	ev_timer_set(&c->timer, 0, 0);
	ev_timer_start(loop, &c->timer);
	return c;
}

void pg_conn_query(struct pg_conn *c, const char *sql, int nparams, const char *const *params,
		   double deadline, pg_conn_done_fn *done, void *arg)
{
	pg_conn_q_append(c, sql, nparams, params, deadline, done, arg);
	if (pg_conn_q_pump(c) < 0)
		go_down(c, 1, c->why);
}

void pg_conn_free(struct pg_conn *c)
{
	if (c == NULL)
		return;
	ev_io_stop(c->loop, &c->io);
	ev_timer_stop(c->loop, &c->timer);
	ev_timer_stop(c->loop, &c->qtimer);
	c->state = PG_CONN_WAITING; /* nothing is sent from the callbacks below */
	c->in_callback++;
	pg_conn_q_cancel_all(c);
	PQfinish(c->pg);
	free(c->conninfo);
	free(c->application_name);
	free(c->target);
	free(c);
}

enum pg_conn_state pg_conn_state(const struct pg_conn *c)
{
	return c->state;
}

const char *pg_conn_last_error(const struct pg_conn *c)
{
	return c->last_error;
}

size_t pg_conn_pending(const struct pg_conn *c)
{
	return c->pending;
}

double pg_conn_retry_delay(const struct pg_conn *c)
{
	return c->delay;
}

const char *pg_conn_describe(struct pg_conn *c)
{
	if (c->state == PG_CONN_READY)
		snprintf(c->describe, sizeof(c->describe), "postgresql: connected to %s",
			 c->target);
	else if (c->state == PG_CONN_CONNECTING)
		snprintf(c->describe, sizeof(c->describe), "postgresql: connecting to %s",
			 c->target);
	else
		snprintf(c->describe, sizeof(c->describe),
			 "postgresql: waiting %.1f s to reconnect (attempt %u): %s", c->delay,
			 c->attempt + 1, c->last_error);
	return c->describe;
}
