/* placeholder until its helper writes it (branch pgstore only) */
#include "daemon/store_pg.h"

int store_pg_search(struct store *st, const char *query, const char *since, const char *theme,
		    size_t max, struct store_hit **out, size_t *n)
{
	(void)st;
	(void)query;
	(void)since;
	(void)theme;
	(void)max;
	(void)out;
	(void)n;
	return -1;
}

int store_pg_index_pending(struct store *st, int64_t *n)
{
	(void)st;
	(void)n;
	return -1;
}

int store_pg_index_add(struct store *st, size_t max, size_t *done)
{
	(void)st;
	(void)max;
	(void)done;
	return -1;
}
