/* placeholder until its helper writes it (branch pgstore only) */
#include "daemon/store_pg.h"

int store_pg_check(struct store *st, double budget)
{
	(void)st;
	(void)budget;
	return -1;
}

char *store_pg_recovery_steps(const char *rest, const char *location)
{
	(void)rest;
	(void)location;
	return NULL;
}

int store_pg_prune(struct store *st, struct store_prune *p)
{
	(void)st;
	(void)p;
	return -1;
}

int store_pg_compact(struct store *st)
{
	(void)st;
	return -1;
}

int store_pg_size(struct store *st, int64_t *bytes, int64_t *free_bytes)
{
	(void)st;
	(void)bytes;
	(void)free_bytes;
	return -1;
}
