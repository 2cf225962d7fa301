#include "daemon/store.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/xmalloc.h"
#include "daemon/store_int.h"

/* Every backend, by scheme. A later backend is one more row and its files. */
static const struct store_backend *const backends[] = {
    &store_sqlite_backend,
};
#define NBACKENDS (sizeof(backends) / sizeof(backends[0]))

/* Length of the URI scheme that starts loc ("pg" in "pg://x"), 0 when loc is a path. */
static size_t scheme_len(const char *loc)
{
	size_t i = 0;

	if (!isalpha((unsigned char)loc[0]))
		return 0;
	while (isalnum((unsigned char)loc[i]) || loc[i] == '+' || loc[i] == '-' || loc[i] == '.')
		i++;
	return loc[i] == ':' ? i : 0;
}

/*
 * The backend for loc and, in *rest, what it is given: a path without a
 * scheme is SQLite's, "NAME:rest" is backend NAME's. NULL for any other
 * scheme, with err naming the location and the scheme.
 */
static const struct store_backend *backend_for(const char *loc, const char **rest, char *err,
					       size_t errlen)
{
	size_t n = scheme_len(loc);

	*rest = loc + (n ? n + 1 : 0);
	if (n == 0)
		return &store_sqlite_backend;
	for (size_t i = 0; i < NBACKENDS; i++)
		if (strlen(backends[i]->name) == n && strncmp(loc, backends[i]->name, n) == 0)
			return backends[i];
	err_set(err, errlen, "%s: no store backend for \"%.*s:\" (known: a file path, sqlite:PATH)",
		loc, (int)n, loc);
	return NULL;
}

char *store_location_for(const char *state_dir)
{
	/* a state_dir that reads as a scheme ("db:x") must stay a path */
	return xasprintf("%s%s/speechwatch.db", scheme_len(state_dir) ? "sqlite:" : "", state_dir);
}

static struct store *open_at(const char *location, int readonly, char *err, size_t errlen)
{
	const char *rest;
	const struct store_backend *be = backend_for(location, &rest, err, errlen);
	struct store *st;

	if (be == NULL)
		return NULL;
	st = be->open(rest, readonly, err, errlen);
	if (st == NULL)
		return NULL;
	st->be = be;
	st->location = xstrdup(location);
	return st;
}

struct store *store_open(const char *location, char *err, size_t errlen)
{
	return open_at(location, 0, err, errlen);
}

struct store *store_open_readonly(const char *location, char *err, size_t errlen)
{
	return open_at(location, 1, err, errlen);
}

int store_exists(const char *location)
{
	const char *rest;
	const struct store_backend *be = backend_for(location, &rest, NULL, 0);

	return be ? be->exists(rest) : -1;
}

void store_close(struct store *st)
{
	char *location;

	if (st == NULL)
		return;
	location = st->location;
	st->be->close(st);
	free(location);
}

const char *store_location(const struct store *st)
{
	return st->location;
}

const char *store_error(const struct store *st)
{
	return st->err;
}

int store_begin(struct store *st)
{
	return st->be->begin(st);
}

int store_commit(struct store *st)
{
	return st->be->commit(st);
}

void store_rollback(struct store *st)
{
	st->be->rollback(st);
}

int store_info(struct store *st, struct store_info *out)
{
	memset(out, 0, sizeof(*out));
	out->backend = st->be->name;
	return st->be->info(st, out);
}

int store_verify(struct store *st)
{
	return st->be->verify(st);
}

/* ---- sources ---- */

int store_source_get(struct store *st, const char *id, struct store_source *out)
{
	return st->be->source_get(st, id, out);
}

int store_source_put(struct store *st, const char *id, const char *url,
		     const struct store_source *src)
{
	return st->be->source_put(st, id, url, src);
}

int store_source_ids(struct store *st, char ***ids, size_t *n)
{
	return st->be->source_ids(st, ids, n);
}

int store_sources_all(struct store *st, struct store_source **out, size_t *n)
{
	return st->be->sources_all(st, out, n);
}

void store_source_clear(struct store_source *src)
{
	free(src->id);
	free(src->url);
	free(src->etag);
	free(src->last_modified);
	free(src->last_result);
	free(src->last_error);
	memset(src, 0, sizeof(*src));
}

/* ---- items ---- */

int store_item_find(struct store *st, const char *source_id, const char *url, const char *guid,
		    struct store_item *out)
{
	return st->be->item_find(st, source_id, url, guid, out);
}

int store_item_seen_elsewhere(struct store *st, const char *source_id, const char *url,
			      const char *norm_url, const char *text_sha256)
{
	return st->be->item_seen_elsewhere(st, source_id, url, norm_url, text_sha256);
}

int store_item_put(struct store *st, struct store_item *it)
{
	return st->be->item_put(st, it);
}

int store_items_to_recheck(struct store *st, const char *source_id, double before, size_t max,
			   struct list_items *out)
{
	return st->be->items_to_recheck(st, source_id, before, max, out);
}

int store_item_touch(struct store *st, int64_t id, double now)
{
	return st->be->item_touch(st, id, now);
}

int store_item_set_themes(struct store *st, int64_t id, const char *themes)
{
	return st->be->item_set_themes(st, id, themes);
}

void store_item_clear(struct store_item *it)
{
	free(it->source_id);
	free(it->url);
	free(it->norm_url);
	free(it->guid);
	free(it->title);
	free(it->published);
	free(it->final_url);
	free(it->etag);
	free(it->last_modified);
	free(it->raw_sha256);
	free(it->text_sha256);
	free(it->text);
	free(it->raw_z);
	free(it->language);
	memset(it, 0, sizeof(*it));
}

int store_search(struct store *st, const char *query, const char *since, const char *theme,
		 size_t max, struct store_hit **out, size_t *n)
{
	return st->be->search(st, query, since, theme, max, out, n);
}

void store_hit_clear(struct store_hit *h)
{
	free(h->source_id);
	free(h->url);
	free(h->title);
	free(h->date);
	free(h->themes);
	free(h->snippet);
	memset(h, 0, sizeof(*h));
}

/* ---- events (the outbox) ---- */

static const char *const event_state_names[] = {
    [EVENT_QUEUED] = "queued",	       [EVENT_SENDING] = "sending", [EVENT_DELIVERED] = "delivered",
    [EVENT_RETRY_WAIT] = "retry_wait", [EVENT_DEAD] = "dead",
};

const char *store_event_state_name(enum store_event_state s)
{
	return event_state_names[s];
}

enum store_event_state store_event_state_parse(const char *name)
{
	for (int i = 0; i <= EVENT_DEAD; i++)
		if (name && strcmp(name, event_state_names[i]) == 0)
			return (enum store_event_state)i;
	return EVENT_QUEUED;
}

void store_event_clear(struct store_event *ev)
{
	free(ev->id);
	free(ev->channel);
	free(ev->type);
	free(ev->source_id);
	free(ev->payload);
	free(ev->last_error);
	memset(ev, 0, sizeof(*ev));
}

int store_event_insert(struct store *st, const struct store_event_new *ev)
{
	return st->be->event_insert(st, ev);
}

int store_events_due(struct store *st, double now, size_t max, struct store_event **out, size_t *n)
{
	return st->be->events_due(st, now, max, out, n);
}

int store_events_next_due(struct store *st, double *when)
{
	return st->be->events_next_due(st, when);
}

int store_event_update(struct store *st, const struct store_event *ev)
{
	return st->be->event_update(st, ev);
}

int store_events_requeue_sending(struct store *st)
{
	return st->be->events_requeue_sending(st);
}

int store_channel_counts(struct store *st, const char *channel, struct store_channel_counts *out)
{
	return st->be->channel_counts(st, channel, out);
}
