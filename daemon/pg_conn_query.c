/*
 * daemon/pg_conn_query: the statement FIFO of a pg_conn and its I/O on the
 * loop (pg_conn_int.h). One statement in flight; PQgetResult only once
 * PQisBusy says it will not block; a PQflush that has not finished waits
 * for the socket to be writable *or* readable (the server may need us to
 * read before it reads on, docs: libpq-async).
 */
#include "daemon/pg_conn_int.h"

#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"

void pg_conn_q_append(struct pg_conn *c, const char *sql, int nparams, const char *const *params,
		      double deadline, pg_conn_done_fn *done, void *arg)
{
	struct pg_query *q = xcalloc(1, sizeof(*q));
	int i;

	q->sql = xstrdup(sql);
	q->nparams = nparams;
	q->params = xcalloc((size_t)(nparams > 0 ? nparams : 1), sizeof(char *));
	for (i = 0; i < nparams; i++)
		q->params[i] = params[i] != NULL ? xstrdup(params[i]) : NULL;
	q->deadline = deadline;
	q->done = done;
	q->arg = arg;
	if (c->tail != NULL)
		c->tail->next = q;
	else
		c->head = q;
	c->tail = q;
	c->pending++;
}

static struct pg_query *q_pop(struct pg_conn *c)
{
	struct pg_query *q = c->head;

	c->head = q->next;
	if (c->head == NULL)
		c->tail = NULL;
	c->pending--;
	return q;
}

/* Calls q's callback (once), then frees q. */
static void q_deliver(struct pg_conn *c, struct pg_query *q, const struct pg_conn_reply *r)
{
	int i;

	c->in_callback++;
	if (q->done != NULL)
		q->done(r, q->arg);
	c->in_callback--;
	for (i = 0; i < q->nparams; i++)
		free(q->params[i]);
	free(q->params);
	free(q->sql);
	free(q);
}

int pg_conn_q_watch(struct pg_conn *c, int events)
{
	int fd = PQsocket(c->pg);

	ev_io_stop(c->loop, &c->io);
	if (fd < 0)
		return -1;
	/* always set: the descriptor may be a new socket with an old number */
	ev_io_set(&c->io, fd, events);
	ev_io_start(c->loop, &c->io);
	return 0;
}

static int lost(struct pg_conn *c)
{
	snprintf(c->why, sizeof(c->why), "%s", PQerrorMessage(c->pg));
	return -1;
}

static int q_flush(struct pg_conn *c)
{
	int r = PQflush(c->pg);

	if (r < 0)
		return lost(c);
	c->want_write = r == 1;
	return pg_conn_q_watch(c, EV_READ | (c->want_write ? EV_WRITE : 0));
}

static void q_fail_unsent(struct pg_conn *c)
{
	struct pg_query *q = q_pop(c);
	char *msg = pg_conn_scrub(PQerrorMessage(c->pg), c->s.conninfo);
	struct pg_conn_reply r = {.error = msg};

	q_deliver(c, q, &r);
	free(msg);
}

int pg_conn_q_pump(struct pg_conn *c)
{
	struct pg_query *q;

	while (c->state == PG_CONN_READY && !c->inflight && c->head != NULL && !c->in_callback) {
		q = c->head;
		if (PQsendQueryParams(c->pg, q->sql, q->nparams, NULL,
				      (const char *const *)q->params, NULL, NULL, 0)) {
			c->inflight = 1;
			if (q->deadline > 0) {
				ev_timer_set(&c->qtimer, q->deadline, 0);
				ev_timer_start(c->loop, &c->qtimer);
			}
			return q_flush(c);
		}
		if (PQstatus(c->pg) == CONNECTION_BAD) {
			c->inflight = 1; /* part of it may have gone out */
			return lost(c);
		}
		q_fail_unsent(c); /* refused as written (too many parameters...) */
	}
	return 0;
}

/* SQLSTATEs after which the statement may or may not have taken effect. */
static int sqlstate_unknown(const PGresult *res)
{
	const char *st = PQresultErrorField(res, PG_DIAG_SQLSTATE);

	return st != NULL && (strncmp(st, "08", 2) == 0 || strncmp(st, "57P", 3) == 0);
}

static int res_failed(const PGresult *res)
{
	ExecStatusType st = PQresultStatus(res);

	return st == PGRES_FATAL_ERROR || st == PGRES_BAD_RESPONSE || st == PGRES_NONFATAL_ERROR;
}

/* The statement's last result, or its first error. */
static void q_keep(struct pg_conn *c, PGresult *res)
{
	if (c->res != NULL && res_failed(c->res)) {
		PQclear(res);
		return;
	}
	PQclear(c->res);
	c->res = res;
}

/* PQgetResult said NULL: the in-flight statement is over. */
static void q_finish(struct pg_conn *c)
{
	struct pg_query *q = q_pop(c);
	struct pg_conn_reply r = {.res = c->res};
	char *msg = NULL;

	c->res = NULL;
	c->inflight = 0;
	ev_timer_stop(c->loop, &c->qtimer);
	if (r.res != NULL && res_failed(r.res)) {
		msg = pg_conn_scrub(PQresultErrorMessage(r.res), c->s.conninfo);
		r.error = msg;
		r.outcome_unknown = sqlstate_unknown(r.res);
	}
	q_deliver(c, q, &r);
	PQclear(r.res);
	free(msg);
}

static void q_notifies(struct pg_conn *c)
{
	PGnotify *n;

	while ((n = PQnotifies(c->pg)) != NULL) {
		c->in_callback++;
		if (c->s.on_notify != NULL)
			c->s.on_notify(n->relname, n->extra, c->s.arg);
		c->in_callback--;
		PQfreemem(n);
	}
}

int pg_conn_q_io(struct pg_conn *c, int revents)
{
	PGresult *res;

	if ((revents & EV_READ) && !PQconsumeInput(c->pg))
		return lost(c);
	if (c->want_write && q_flush(c) < 0)
		return -1;
	while (c->inflight && !c->want_write && !PQisBusy(c->pg)) {
		if ((res = PQgetResult(c->pg)) != NULL) {
			q_keep(c, res);
			continue;
		}
		q_finish(c);
		if (pg_conn_q_pump(c) < 0)
			return -1;
	}
	q_notifies(c);
	if (PQstatus(c->pg) == CONNECTION_BAD)
		return lost(c);
	return pg_conn_q_pump(c);
}

void pg_conn_q_fail_inflight(struct pg_conn *c, const char *error, int cancelled)
{
	struct pg_conn_reply r = {.error = error, .outcome_unknown = 1, .cancelled = cancelled};
	struct pg_query *q;

	ev_timer_stop(c->loop, &c->qtimer);
	if (!c->inflight)
		return;
	c->inflight = 0;
	q = q_pop(c);
	r.res = c->res;
	c->res = NULL;
	q_deliver(c, q, &r);
	PQclear(r.res);
}

void pg_conn_q_cancel_all(struct pg_conn *c)
{
	struct pg_conn_reply r = {.error = "postgresql: cancelled (connection closed)",
				  .cancelled = 1};

	pg_conn_q_fail_inflight(c, r.error, 1);
	while (c->head != NULL)
		q_deliver(c, q_pop(c), &r);
}
