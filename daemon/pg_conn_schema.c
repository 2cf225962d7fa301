/*
 * daemon/pg_conn_schema: schema versions on PostgreSQL, at start-up
 * (pg_conn.h, pg_conn_migrate). Blocking libpq on purpose: nothing else
 * runs yet, and one transaction under an advisory lock is the whole
 * protocol between instances starting together.
 */
#include "daemon/pg_conn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/log.h"
#include "common/xmalloc.h"

#define STR2(x) #x
#define STR(x) STR2(x)

/* err = "postgresql: what: why", why folded and without the password. */
static void fail(char *err, size_t errlen, const char *conninfo, const char *what, const char *why)
{
	char *clean = pg_conn_scrub(why != NULL ? why : "", conninfo);

	err_set(err, errlen, "postgresql: %s: %s", what, *clean ? clean : "unknown error");
	free(clean);
}

/* PQsetNoticeProcessor: "already exists, skipping" and the like, not on stderr. */
static void notice_cb(void *arg, const char *message)
{
	(void)arg;
	log_debug("postgresql: %s", log_esc(message, 300));
}

static PGconn *mig_connect(const char *conninfo, char *err, size_t errlen)
{
	const char *keys[] = {"connect_timeout", "fallback_application_name", "dbname", NULL};
	const char *vals[] = {"10", "speechwatch", conninfo, NULL};
	PGconn *pg = PQconnectdbParams(keys, vals, 1);
	char *target, *what;

	if (pg != NULL && PQstatus(pg) == CONNECTION_OK) {
		PQsetNoticeProcessor(pg, notice_cb, NULL);
		return pg;
	}
	target = pg_conn_redact(conninfo);
	what = xasprintf("connecting to %s failed", target);
	fail(err, errlen, conninfo, what, pg != NULL ? PQerrorMessage(pg) : "out of memory");
	free(what);
	free(target);
	PQfinish(pg);
	return NULL;
}

/* Runs sql (several statements allowed when nparams is 0); 0, or -1 with err filled. */
static int mig_exec(PGconn *pg, const char *sql, int nparams, const char *const *params,
		    const char *what, char *err, size_t errlen, PGresult **out)
{
	PGresult *res = nparams == 0 ? PQexec(pg, sql)
				     : PQexecParams(pg, sql, nparams, NULL, params, NULL, NULL, 0);
	ExecStatusType st = PQresultStatus(res);

	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
		if (out != NULL)
			*out = res;
		else
			PQclear(res);
		return 0;
	}
	fail(err, errlen, NULL, what, res != NULL ? PQresultErrorMessage(res) : PQerrorMessage(pg));
	PQclear(res);
	return -1;
}

/* BEGIN, the lock, the version table; the version in place, or -1. */
static int mig_begin(PGconn *pg, double lock_timeout, char *err, size_t errlen)
{
	char sql[96];
	PGresult *res;
	int have;

	snprintf(sql, sizeof(sql), "BEGIN; SET LOCAL lock_timeout = %.0f",
		 lock_timeout > 0 ? lock_timeout * 1000 : 0);
	if (mig_exec(pg, sql, 0, NULL, "starting the schema transaction", err, errlen, NULL) < 0 ||
	    mig_exec(pg, "SELECT pg_advisory_xact_lock(" STR(PG_CONN_SCHEMA_LOCK) ")", 0, NULL,
		     "waiting for the schema lock", err, errlen, NULL) < 0 ||
	    mig_exec(pg,
		     "CREATE TABLE IF NOT EXISTS schema_version (version integer PRIMARY KEY, "
		     "applied_at timestamptz NOT NULL DEFAULT now())",
		     0, NULL, "creating schema_version", err, errlen, NULL) < 0 ||
	    mig_exec(pg, "SELECT coalesce(max(version), 0) FROM schema_version", 0, NULL,
		     "reading schema_version", err, errlen, &res) < 0)
		return -1;
	have = atoi(PQgetvalue(res, 0, 0));
	PQclear(res);
	return have;
}

/* Runs and records the steps newer than have; the number run, or -1. */
static int mig_steps(PGconn *pg, int have, const struct pg_conn_step *steps, size_t nsteps,
		     char *err, size_t errlen)
{
	char what[64], v[16];
	const char *params[] = {v};
	size_t i;
	int n = 0;

	for (i = 0; i < nsteps; i++) {
		if (steps[i].version <= have)
			continue;
		snprintf(what, sizeof(what), "schema step %d", steps[i].version);
		snprintf(v, sizeof(v), "%d", steps[i].version);
		if (mig_exec(pg, steps[i].sql, 0, NULL, what, err, errlen, NULL) < 0 ||
		    mig_exec(pg, "INSERT INTO schema_version (version) VALUES ($1::integer)", 1,
			     params, what, err, errlen, NULL) < 0)
			return -1;
		n++;
	}
	return n;
}

int pg_conn_migrate(const char *conninfo, const struct pg_conn_step *steps, size_t nsteps,
		    double lock_timeout, int *applied, char *err, size_t errlen)
{
	int newest = nsteps > 0 ? steps[nsteps - 1].version : 0;
	int have, n = -1;
	PGconn *pg;

	if (applied != NULL)
		*applied = 0;
	if ((pg = mig_connect(conninfo, err, errlen)) == NULL)
		return -1;
	if ((have = mig_begin(pg, lock_timeout, err, errlen)) < 0)
		goto done;
	if (have > newest) {
		err_set(err, errlen,
			"postgresql: the database's schema version %d is newer than this "
			"program's %d: refusing it (run a newer speechwatch)",
			have, newest);
		goto done;
	}
	if ((n = mig_steps(pg, have, steps, nsteps, err, errlen)) < 0 ||
	    mig_exec(pg, "COMMIT", 0, NULL, "committing the schema", err, errlen, NULL) < 0) {
		n = -1;
		goto done;
	}
	if (applied != NULL)
		*applied = n;
done:
	PQfinish(pg); /* a transaction left open is rolled back by the server */
	return n < 0 ? -1 : newest;
}
