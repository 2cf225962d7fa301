/*
 * daemon/pg_conn: one PostgreSQL connection driven by the daemon's libev
 * loop (docs/architecture.md, "PostgreSQL connection"). libpq's
 * non-blocking API on the loop: the connection is made with
 * PQconnectStartParams/PQconnectPoll under a deadline, queries go out one
 * at a time from a FIFO (PQsendQueryParams, text parameters), results are
 * read as the socket becomes readable. The loop never waits on the
 * network, with one exception that libpq imposes: a host *name* is resolved
 * synchronously inside libpq, so a daemon that must never stall gives
 * hostaddr= or a Unix socket directory.
 *
 * A failed or lost connection is made again after a full-jitter backoff
 * (0.5 s doubling to a 30 s cap, back to 0.5 s once a connection has lived
 * a minute). Queries still queued survive a reconnect; the one in flight
 * fails with outcome_unknown set (it may or may not have run). Every
 * message this module makes names the server as host:port and never
 * carries the password of the conninfo.
 */
#ifndef SW_PG_CONN_H
#define SW_PG_CONN_H

#include <libpq-fe.h>
#include <stddef.h>

struct ev_loop;
struct pg_conn;

enum pg_conn_state {
	PG_CONN_CONNECTING, /* PQconnectPoll under way */
	PG_CONN_READY,	    /* connected: idle or one query in flight */
	PG_CONN_WAITING,    /* a connection failed; backoff until the next try */
};

/*
 * What a query came to, given to its callback. On success res is the
 * statement's result and error is NULL. On failure error says why (one line)
 * and res is the server's error result when there was one (its SQLSTATE:
 * PQresultErrorField(res, PG_DIAG_SQLSTATE)), else NULL. outcome_unknown:
 * the connection failed while the query was in flight, so it may have run
 * (and committed) or not; the caller retries only what is idempotent.
 * cancelled: pg_conn_free ended it. All of it lives only during the
 * callback (the module clears res afterwards).
 */
struct pg_conn_reply {
	PGresult *res;
	const char *error;
	int outcome_unknown;
	int cancelled;
};

typedef void pg_conn_done_fn(const struct pg_conn_reply *reply, void *arg);
/*
 * Status: up is 1 each time a connection is established (error NULL), 0 each
 * time one is lost or an attempt fails (error: the same text as
 * pg_conn_last_error). After an up, whatever a session needs (LISTEN,
 * SET) has to be queued again: the new session starts clean.
 */
typedef void pg_conn_status_fn(int up, const char *error, void *arg);
/* A NOTIFY on a channel this session listens to; strings live during the call. */
typedef void pg_conn_notify_fn(const char *channel, const char *payload, void *arg);

/*
 * Zero means the default for each number. The server-side timeouts go into
 * the session's "options" (a conninfo that sets options= replaces them);
 * a negative one leaves the server's own setting.
 */
struct pg_conn_settings {
	const char *conninfo;		    /* key=value string or postgresql:// URI */
	const char *application_name;	    /* NULL: "speechwatch" */
	double connect_timeout;		    /* s for one attempt; default 10 */
	double statement_timeout;	    /* s; default 30 */
	double lock_timeout;		    /* s; default 5 */
	double idle_in_transaction_timeout; /* s; default 10 */
	double backoff_min, backoff_max;    /* s; defaults 0.5 and 30 */
	double backoff_reset;		    /* s a connection must live to reset it; 60 */
	double (*jitter)(void);		    /* [0, 1); NULL: clock_jitter_unit */
	pg_conn_status_fn *on_status;	    /* may be NULL */
	pg_conn_notify_fn *on_notify;	    /* may be NULL */
	void *arg;			    /* for both */
};

/*
 * Starts connecting at once (the first status callback comes from the
 * loop). s and its strings are copied. Never NULL: a conninfo libpq cannot
 * parse is a failed attempt like any other (pg_conn_last_error says why).
 */
struct pg_conn *pg_conn_new(struct ev_loop *loop, const struct pg_conn_settings *s);

/*
 * Queues one statement with nparams text parameters ($1...; a NULL entry
 * is SQL NULL). sql and params are copied. deadline > 0: seconds the
 * statement may take once sent before the connection is closed (the only
 * way to stop it without blocking: PQcancel blocks in libpq 15); the reply
 * is then outcome_unknown and the connection is made again. Time spent in
 * the queue does not count. done is called exactly once (may be NULL).
 * Callbacks may queue more statements; none may call pg_conn_free.
 */
void pg_conn_query(struct pg_conn *c, const char *sql, int nparams, const char *const *params,
		   double deadline, pg_conn_done_fn *done, void *arg);

/* Closes the connection and frees c. Every statement not yet answered gets
 * its callback with cancelled set (outcome_unknown too for the one in flight),
 * during this call; those callbacks must not use c. Status is not called. */
void pg_conn_free(struct pg_conn *c);

enum pg_conn_state pg_conn_state(const struct pg_conn *c);
const char *pg_conn_state_name(enum pg_conn_state s);
/* "" before any failure; else the latest failure, one line, no password. */
const char *pg_conn_last_error(const struct pg_conn *c);
/*
 * One line for status and logs: "postgresql: connected to /run/pg:5432",
 * "postgresql: connecting to ...", "postgresql: waiting 1.2 s to reconnect
 * (attempt 3): <last error>". Valid until the next call on c.
 */
const char *pg_conn_describe(struct pg_conn *c);
/* Statements queued and not yet answered, the one in flight included. */
size_t pg_conn_pending(const struct pg_conn *c);
/* The delay drawn for the current (or latest) backoff wait, in seconds. */
double pg_conn_retry_delay(const struct pg_conn *c);

/*
 * Start-up only: blocks (call it before ev_run, or from a migrate command).
 * Brings the database's schema to the newest of steps (ascending versions
 * > 0; each sql may hold several statements) in one transaction:
 * SET LOCAL lock_timeout (seconds, 0: no limit), then
 * pg_advisory_xact_lock(PG_CONN_SCHEMA_LOCK) so that instances starting
 * together migrate one after the other (that wait counts against
 * lock_timeout too), schema_version(version, applied_at) created when
 * absent and read, each missing step run and recorded, commit. All or
 * nothing: a failing step leaves the database as it was. Refuses a database
 * whose version is newer than the newest step (an older binary must not
 * write a schema it does not know). Returns the version in place afterwards
 * and sets *applied (may be NULL) to the number of steps run; -1 with err
 * filled (one line, no password) on failure.
 */
/* "swschema" as a big-endian 64-bit number; written in SQL as it stands */
#define PG_CONN_SCHEMA_LOCK 8320245707380714849
struct pg_conn_step {
	int version;
	const char *sql;
};
int pg_conn_migrate(const char *conninfo, const struct pg_conn_step *steps, size_t nsteps,
		    double lock_timeout, int *applied, char *err, size_t errlen);

/*
 * Pure parts, exported for tests. The backoff before attempt number
 * attempt (0 after a success): unit * min(cap, min * 2^attempt), unit in
 * [0, 1) (full jitter).
 */
double pg_conn_backoff(double min, double cap, unsigned attempt, double unit);
/*
 * The text form of a PostgreSQL array of n strings ({"a","b\"c"}: every
 * element quoted, its quotes and backslashes escaped), for a text[]
 * parameter. Allocated.
 */
char *pg_conn_text_array(const char *const *v, size_t n);

/*
 * conninfo (key=value or URI) with every password replaced by "***":
 * password=... values (quoted or not), a URI's "user:secret@" and its
 * ?password= / &password= parameters. Allocated.
 */
char *pg_conn_redact(const char *conninfo);
/*
 * text with each occurrence of conninfo's passwords (as pg_conn_redact
 * finds them) replaced by "***", and newlines and tabs folded into single
 * blanks, trailing blanks dropped. Allocated. conninfo may be NULL.
 */
char *pg_conn_scrub(const char *text, const char *conninfo);

#endif
