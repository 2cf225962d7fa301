/*
 * daemon/store_pg_row: one statement to the server and its rows back, for
 * every file of the PostgreSQL backend (store_pg.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/err.h"
#include "common/log.h"
#include "common/xmalloc.h"
#include "daemon/store_pg.h"

int store_pg_fail(struct store_pg *pg, const char *what, const PGresult *res)
{
	const char *why = res != NULL ? PQresultErrorMessage(res) : NULL;
	char *clean;

	if (why == NULL || *why == '\0')
		why = pg->conn != NULL ? PQerrorMessage(pg->conn) : "not connected";
	clean = pg_conn_scrub(why, pg->conninfo);
	snprintf(pg->base.err, sizeof(pg->base.err), "%s: %s: %s", pg->shown, what,
		 *clean ? clean : "unknown error");
	free(clean);
	return -1;
}

int store_pg_usable(struct store_pg *pg, const char *what)
{
	double now = clock_mono();

	if (pg->conn != NULL && PQstatus(pg->conn) == CONNECTION_OK)
		return 0;
	if (pg->conn == NULL || pg->copy || pg->base.in_txn || now < pg->retry_at)
		return store_pg_fail(pg, what, NULL);
	PQreset(pg->conn);
	if (PQstatus(pg->conn) == CONNECTION_OK) {
		log_info("%s: connected again", pg->shown);
		pg->backoff = 0;
		return 0;
	}
	pg->backoff = pg->backoff > 0 ? pg->backoff * 2 : STORE_PG_RETRY_MIN;
	if (pg->backoff > STORE_PG_RETRY_MAX)
		pg->backoff = STORE_PG_RETRY_MAX;
	pg->retry_at = now + pg->backoff;
	store_pg_fail(pg, what, NULL);
	log_warnx("%s (the next attempt in %.0fs)", pg->base.err, pg->backoff);
	return -1;
}

static PGresult *exec_raw(struct store_pg *pg, const char *what, const char *sql, int n,
			  const char *const *params)
{
	PGresult *res;
	ExecStatusType rc;

	if (store_pg_usable(pg, what) < 0)
		return NULL;
	pg->round_trips++;
	res = PQexecParams(pg->conn, sql, n, NULL, params, NULL, NULL, 0);
	rc = PQresultStatus(res);
	if (rc == PGRES_TUPLES_OK || rc == PGRES_COMMAND_OK)
		return res;
	store_pg_fail(pg, what, res);
	PQclear(res);
	return NULL;
}

/* Copies are made only of the parameters that need cleaning (rare). */
PGresult *store_pg_exec(struct store_pg *pg, const char *what, const char *sql, int n,
			const char *const *params)
{
	char **owned = NULL;
	const char **clean = NULL;
	PGresult *res;
	char *c;

	for (int i = 0; i < n; i++) {
		if (params[i] == NULL || (c = store_pg_utf8_clean(params[i])) == NULL)
			continue;
		if (owned == NULL) {
			owned = xcalloc((size_t)n, sizeof(*owned));
			clean = xcalloc((size_t)n, sizeof(*clean));
			memcpy(clean, params, (size_t)n * sizeof(*clean));
		}
		owned[i] = c;
		clean[i] = c;
	}
	res = exec_raw(pg, what, sql, n, clean != NULL ? clean : params);
	for (int i = 0; owned != NULL && i < n; i++)
		free(owned[i]);
	free(owned);
	free(clean);
	return res;
}

int store_pg_run(struct store_pg *pg, const char *what, const char *sql, int n,
		 const char *const *params)
{
	PGresult *res = store_pg_exec(pg, what, sql, n, params);

	PQclear(res);
	return res != NULL ? 0 : -1;
}

int store_pg_run_plain(struct store_pg *pg, const char *what, const char *sql)
{
	PGresult *res;
	ExecStatusType rc;

	if (store_pg_usable(pg, what) < 0)
		return -1;
	pg->round_trips++;
	res = PQexec(pg->conn, sql);
	rc = PQresultStatus(res);
	if (rc != PGRES_TUPLES_OK && rc != PGRES_COMMAND_OK) {
		store_pg_fail(pg, what, res);
		PQclear(res);
		return -1;
	}
	PQclear(res);
	return 0;
}

int store_pg_row(struct store_pg *pg, const char *what, const char *sql, int n,
		 const char *const *params, PGresult **res)
{
	*res = store_pg_exec(pg, what, sql, n, params);
	if (*res == NULL)
		return -1;
	if (PQntuples(*res) > 0)
		return 1;
	PQclear(*res);
	*res = NULL;
	return 0;
}

const char *store_pg_ll(struct store_pg_num *b, long long v)
{
	snprintf(b->s, sizeof(b->s), "%lld", v);
	return b->s;
}

const char *store_pg_dbl(struct store_pg_num *b, double v)
{
	snprintf(b->s, sizeof(b->s), "%.17g", v);
	return b->s;
}

char *store_pg_bytea_param(const unsigned char *data, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	char *s = xmalloc(3 + 2 * len);
	char *p = s;

	*p++ = '\\';
	*p++ = 'x';
	for (size_t i = 0; i < len; i++) {
		*p++ = hex[data[i] >> 4];
		*p++ = hex[data[i] & 15];
	}
	*p = '\0';
	return s;
}

unsigned char *store_pg_bytea_get(const PGresult *res, int row, int col, size_t *len)
{
	unsigned char *raw, *copy;
	size_t n = 0;

	*len = 0;
	if (PQgetisnull(res, row, col))
		return NULL;
	raw = PQunescapeBytea((const unsigned char *)PQgetvalue(res, row, col), &n);
	if (raw == NULL) /* out of memory in libpq: read as no bytes, as NULL is */
		return NULL;
	copy = xmalloc(n ? n : 1);
	memcpy(copy, raw, n);
	PQfreemem(raw);
	*len = n;
	return copy;
}

char *store_pg_strdup(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? NULL : xstrdup(PQgetvalue(res, row, col));
}

long long store_pg_get_ll(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? 0 : strtoll(PQgetvalue(res, row, col), NULL, 10);
}

double store_pg_get_dbl(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? 0 : strtod(PQgetvalue(res, row, col), NULL);
}

void store_pg_row_read(const PGresult *res, int row, const struct store_pg_field *f, size_t n,
		       void *obj)
{
	for (size_t i = 0; i < n; i++) {
		void *p = (char *)obj + f[i].offset;
		int col = (int)i;

		switch (f[i].kind) {
		case PGCOL_SKIP:
			break;
		case PGCOL_TEXT:
			*(char **)p = store_pg_strdup(res, row, col);
			break;
		case PGCOL_INT:
			*(int *)p = (int)store_pg_get_ll(res, row, col);
			break;
		case PGCOL_LONG:
			*(long *)p = (long)store_pg_get_ll(res, row, col);
			break;
		case PGCOL_INT64:
			*(int64_t *)p = (int64_t)store_pg_get_ll(res, row, col);
			break;
		case PGCOL_DOUBLE:
			*(double *)p = store_pg_get_dbl(res, row, col);
			break;
		}
	}
}
