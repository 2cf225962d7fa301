/* placeholder until its helper writes it (branch pgstore only) */
#include "daemon/store_pg.h"

int store_pg_statements(struct store *st, const struct store_statement_filter *f,
			struct store_statement **out, size_t *n)
{
	(void)st;
	(void)f;
	(void)out;
	(void)n;
	return -1;
}

int store_pg_statement_get(struct store *st, int64_t id, struct store_statement *out)
{
	(void)st;
	(void)id;
	(void)out;
	return -1;
}
