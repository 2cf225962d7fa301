/*
 * daemon/store_pg_instances: the instances sharing a PostgreSQL store, as
 * status shows them (daemon/lease.c writes the rows). Ages are measured
 * by the server's clock, as every lease decision is.
 */
#include <stdlib.h>

#include "common/xmalloc.h"
#include "daemon/store_pg.h"

int store_pg_instances(struct store *st, struct store_instance **out, size_t *n)
{
	struct store_pg *pg = store_pg_of(st);
	PGresult *res = store_pg_exec(
	    pg, "read the instances",
	    "SELECT i.instance_id, extract(epoch FROM i.started_at),"
	    " extract(epoch FROM i.heartbeat_at), extract(epoch FROM now() - i.heartbeat_at),"
	    " (SELECT count(*) FROM source_leases l WHERE l.owner = i.instance_id"
	    " AND l.lease_until > now())"
	    " FROM instances i ORDER BY i.instance_id COLLATE \"C\"",
	    0, NULL);
	int rows;

	if (res == NULL)
		return -1;
	rows = PQntuples(res);
	*out = xcalloc((size_t)rows + 1, sizeof(**out));
	for (int i = 0; i < rows; i++) {
		struct store_instance *in = &(*out)[i];

		in->id = store_pg_strdup(res, i, 0);
		in->started = store_pg_get_dbl(res, i, 1);
		in->heartbeat = store_pg_get_dbl(res, i, 2);
		in->age = store_pg_get_dbl(res, i, 3);
		in->leases = (long)store_pg_get_ll(res, i, 4);
	}
	*n = (size_t)rows;
	PQclear(res);
	return 0;
}
