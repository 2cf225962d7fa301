/* placeholder until its helper writes it (branch pgstore only) */
#include "daemon/store_pg.h"

int store_pg_source_get(struct store *st, const char *id, struct store_source *out)
{
	(void)st;
	(void)id;
	(void)out;
	return -1;
}

int store_pg_source_put(struct store *st, const char *id, const char *url,
			const struct store_source *src)
{
	(void)st;
	(void)id;
	(void)url;
	(void)src;
	return -1;
}

int store_pg_source_ids(struct store *st, char ***ids, size_t *n)
{
	(void)st;
	(void)ids;
	(void)n;
	return -1;
}

int store_pg_sources_all(struct store *st, struct store_source **out, size_t *n)
{
	(void)st;
	(void)out;
	(void)n;
	return -1;
}

int store_pg_item_find(struct store *st, const char *source_id, const char *url, const char *guid,
		       struct store_item *out)
{
	(void)st;
	(void)source_id;
	(void)url;
	(void)guid;
	(void)out;
	return -1;
}

int store_pg_item_same_text(struct store *st, const char *source_id, const char *url,
			    const char *text_sha256, struct store_item *old)
{
	(void)st;
	(void)source_id;
	(void)url;
	(void)text_sha256;
	(void)old;
	return -1;
}

int store_pg_item_same_listing(struct store *st, const char *source_id, const char *url,
			       const char *title, const char *published, struct store_item *old)
{
	(void)st;
	(void)source_id;
	(void)url;
	(void)title;
	(void)published;
	(void)old;
	return -1;
}

int store_pg_item_seen_elsewhere(struct store *st, const char *source_id, const char *url,
				 const char *norm_url, const char *text_sha256)
{
	(void)st;
	(void)source_id;
	(void)url;
	(void)norm_url;
	(void)text_sha256;
	return -1;
}

int store_pg_item_put(struct store *st, struct store_item *it)
{
	(void)st;
	(void)it;
	return -1;
}

int store_pg_items_unread(struct store *st, const char *source_id, size_t newest, size_t max,
			  struct list_items *out)
{
	(void)st;
	(void)source_id;
	(void)newest;
	(void)max;
	(void)out;
	return -1;
}

int store_pg_items_to_recheck(struct store *st, const char *source_id, double before, size_t max,
			      struct list_items *out)
{
	(void)st;
	(void)source_id;
	(void)before;
	(void)max;
	(void)out;
	return -1;
}

int store_pg_items_text_newest(struct store *st, const char *source_id, double *when)
{
	(void)st;
	(void)source_id;
	(void)when;
	return -1;
}

int store_pg_item_touch(struct store *st, int64_t id, double now)
{
	(void)st;
	(void)id;
	(void)now;
	return -1;
}

int store_pg_item_set_themes(struct store *st, int64_t id, const char *themes,
			     const char *detail_json)
{
	(void)st;
	(void)id;
	(void)themes;
	(void)detail_json;
	return -1;
}
