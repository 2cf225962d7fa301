/*
 * daemon/pg_conn_int: the body of struct pg_conn, shared by pg_conn.c
 * (connecting, backoff, the public calls) and pg_conn_query.c (the FIFO
 * and the query I/O). Calls go one way: pg_conn.c calls pg_conn_q_*, which
 * report a lost connection by returning -1 with c->why filled, and never
 * call back.
 */
#ifndef SW_PG_CONN_INT_H
#define SW_PG_CONN_INT_H

#include <ev.h>

#include "daemon/pg_conn.h"

struct pg_query {
	struct pg_query *next;
	char *sql;
	char **params; /* nparams entries, NULL for SQL NULL */
	int nparams;
	double deadline;
	pg_conn_done_fn *done;
	void *arg;
};

struct pg_conn {
	struct ev_loop *loop;
	struct pg_conn_settings s; /* conninfo and application_name point at: */
	char *conninfo, *application_name;
	char *target; /* host:port, or the redacted conninfo */
	PGconn *pg;   /* NULL while waiting */
	enum pg_conn_state state;
	ev_io io;
	ev_timer timer;	 /* connect deadline, or the backoff wait */
	ev_timer qtimer; /* the in-flight statement's deadline */
	int want_write;	 /* PQflush has more to send */
	struct pg_query *head, *tail;
	size_t pending;
	int inflight;	  /* head has been sent */
	PGresult *res;	  /* the in-flight statement's result so far */
	int in_callback;  /* a user callback is running: do not send from inside */
	unsigned attempt; /* failed attempts since the last reset */
	double up_since, delay;
	char why[512]; /* libpq's words for the latest failure, unscrubbed */
	char last_error[768];
	char describe[1024];
};

/* Appends a copy of the statement to the FIFO. */
void pg_conn_q_append(struct pg_conn *c, const char *sql, int nparams, const char *const *params,
		      double deadline, pg_conn_done_fn *done, void *arg);
/* Sends the head of the FIFO when connected, idle and outside callbacks; -1: lost. */
int pg_conn_q_pump(struct pg_conn *c);
/* The socket is ready (ev_io revents): read, flush, deliver, send the next; -1: lost. */
int pg_conn_q_io(struct pg_conn *c, int revents);
/* Watch PQsocket for events (EV_READ and/or EV_WRITE); -1 when libpq has no socket. */
int pg_conn_q_watch(struct pg_conn *c, int events);
/* Fails the statement in flight, if any, as outcome unknown with error. */
void pg_conn_q_fail_inflight(struct pg_conn *c, const char *error, int cancelled);
/* Every statement gets its callback with cancelled set; the FIFO is empty after. */
void pg_conn_q_cancel_all(struct pg_conn *c);

#endif
