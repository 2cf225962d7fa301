#include "daemon/store.h"

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/err.h"
#include "common/log.h"
#include "common/urlcred.h"
#include "common/xmalloc.h"
#include "daemon/pg_conn.h"
#include "daemon/store_int.h"

/* Every backend, by scheme. A later backend is one more row and its files. */
static const struct store_backend *const backends[] = {
    &store_sqlite_backend,
    &store_pg_backend,
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
	err_set(err, errlen,
		"%s: no store backend for \"%.*s:\" (known: a file path, sqlite:PATH, "
		"postgresql://... or postgresql:KEY=VALUE ...)",
		loc, (int)n, loc);
	return NULL;
}

char *store_location_for(const char *state_dir)
{
	/* a state_dir that reads as a scheme ("db:x") must stay a path */
	return xasprintf("%s%s/speechwatch.db", scheme_len(state_dir) ? "sqlite:" : "", state_dir);
}

char *store_location_of(const char *database, const char *state_dir)
{
	return database != NULL ? xstrdup(database) : store_location_for(state_dir);
}

int store_on_server(const char *location)
{
	const char *rest;
	const struct store_backend *be = backend_for(location, &rest, NULL, 0);

	return be != NULL && be != &store_sqlite_backend;
}

char *store_server_conninfo(const char *location)
{
	const char *rest;

	if (!store_on_server(location) || strncmp(location, "postgresql:", 11) != 0)
		return NULL;
	rest = location + 11;
	return strncmp(rest, "//", 2) == 0 ? xstrdup(location) : xstrdup(rest);
}

char *store_location_shown(const char *location)
{
	return store_on_server(location) ? pg_conn_redact(location) : xstrdup(location);
}

static struct store *open_at(const char *location, int readonly, char *err, size_t errlen)
{
	const char *rest;
	const struct store_backend *be;
	struct store *st;

	errno = 0; /* EBADMSG from the backend only */
	be = backend_for(location, &rest, err, errlen);
	if (be == NULL)
		return NULL;
	st = be->open(rest, readonly, err, errlen);
	if (st == NULL)
		return NULL;
	st->be = be;
	st->location = store_location_shown(location);
	st->readonly = readonly;
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

struct store *store_open_copy(const char *location, char *err, size_t errlen)
{
	const char *rest;
	const struct store_backend *be = backend_for(location, &rest, err, errlen);
	struct store *st = be ? be->open_copy(rest, err, errlen) : NULL;

	if (st == NULL)
		return NULL;
	st->be = be;
	st->location = store_location_shown(location);
	return st;
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

void store_bind_thread(struct store *st, pthread_t owner)
{
	st->owner = owner;
	st->bound = 1;
}

void store_unbind_thread(struct store *st)
{
	st->bound = 0;
}

/* Every operation passes here: a use off the owning thread stops the daemon at once. */
static struct store *owned(struct store *st)
{
	if (st->bound && !pthread_equal(st->owner, pthread_self())) {
		log_err("internal error: the store %s was used outside the store thread",
			st->location);
		abort();
	}
	return st;
}

/* A read operation is about to run: counted (store_info). */
static struct store *rd(struct store *st)
{
	owned(st);
	st->counts.reads++;
	return st;
}

/* A write operation is about to run; outside a transaction it commits on its own. */
static struct store *wr(struct store *st)
{
	owned(st);
	st->counts.writes++;
	if (!st->in_txn)
		st->counts.commits++;
	return st;
}

/* What store_begin* return: the transaction is open on success. */
static int began(struct store *st, int rc)
{
	st->in_txn = rc == 0;
	return rc;
}

int store_begin(struct store *st)
{
	owned(st);
	return began(st, st->be->begin(st));
}

int store_begin_relaxed(struct store *st)
{
	owned(st);
	return began(st, st->be->begin_relaxed(st));
}

int store_commit(struct store *st)
{
	int rc = owned(st)->be->commit(st);

	if (rc == 0) {
		st->in_txn = 0;
		st->counts.commits++;
	}
	return rc;
}

int store_read_begin(struct store *st)
{
	return owned(st)->be->read_begin(st);
}

void store_read_end(struct store *st)
{
	owned(st)->be->read_end(st);
}

void store_rollback(struct store *st)
{
	st->in_txn = 0;
	owned(st)->be->rollback(st);
}

int store_info(struct store *st, struct store_info *out)
{
	*out = st->counts;
	out->backend = st->be->name;
	out->schema_version = 0;
	return owned(st)->be->info(st, out);
}

/*
 * The one way a store struct is cleared: frees the strings at these offsets
 * of obj (size bytes), then zeroes it.
 */
static void clear_strings(void *obj, size_t size, const size_t *offs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(*(char **)(void *)((char *)obj + offs[i]));
	memset(obj, 0, size);
}
#define CLEAR_STRINGS(obj, offs)                                                                   \
	clear_strings(obj, sizeof(*(obj)), offs, sizeof(offs) / sizeof(offs[0]))

int store_verify(struct store *st)
{
	return owned(st)->be->verify(st);
}

int store_check(struct store *st, double budget)
{
	return owned(st)->be->check(st, budget);
}

char *store_recovery_steps(const char *location)
{
	const char *rest;
	const struct store_backend *be = backend_for(location, &rest, NULL, 0);

	return be ? be->recovery_steps(rest, location) : xstrdup("");
}

int store_prune(struct store *st, struct store_prune *p)
{
	p->raw_dropped = p->text_dropped = 0;
	p->finished = 0;
	return wr(st)->be->prune(st, p);
}

int store_compact(struct store *st)
{
	return wr(st)->be->compact(st);
}

int store_size(struct store *st, int64_t *bytes, int64_t *free_bytes)
{
	*bytes = *free_bytes = 0;
	return rd(st)->be->size(st, bytes, free_bytes);
}

int store_export_rows(struct store *st, const char *table, store_row_fn *fn, void *arg)
{
	if (st->be->export_rows == NULL) {
		err_set(st->err, sizeof(st->err), "%s store: cannot copy its rows out",
			st->be->name);
		return -1;
	}
	return rd(st)->be->export_rows(st, table, fn, arg);
}

int store_import_rows(struct store *st, struct store_import *im)
{
	if (st->be->import_rows == NULL) {
		err_set(st->err, sizeof(st->err), "%s store: cannot copy rows in", st->be->name);
		return -1;
	}
	return wr(st)->be->import_rows(st, im);
}

/* ---- sources ---- */

int store_source_get(struct store *st, const char *id, struct store_source *out)
{
	return rd(st)->be->source_get(st, id, out);
}

/* The row keeps the URL without "user:password@": credentials stay in the config. */
int store_source_put(struct store *st, const char *id, const char *url,
		     const struct store_source *src)
{
	char *bare = urlcred_strip(url);
	int rc = wr(st)->be->source_put(st, id, bare, src);

	free(bare);
	return rc;
}

int store_source_ids(struct store *st, char ***ids, size_t *n)
{
	return rd(st)->be->source_ids(st, ids, n);
}

int store_sources_all(struct store *st, struct store_source **out, size_t *n)
{
	return rd(st)->be->sources_all(st, out, n);
}

void store_source_clear(struct store_source *src)
{
	static const size_t strings[] = {
	    offsetof(struct store_source, id),
	    offsetof(struct store_source, url),
	    offsetof(struct store_source, etag),
	    offsetof(struct store_source, last_modified),
	    offsetof(struct store_source, last_result),
	    offsetof(struct store_source, last_error),
	    offsetof(struct store_source, structure),
	    offsetof(struct store_source, suggestion),
	};

	CLEAR_STRINGS(src, strings);
}

/* ---- items ---- */

int store_item_find(struct store *st, const char *source_id, const char *url, const char *guid,
		    struct store_item *out)
{
	return rd(st)->be->item_find(st, source_id, url, guid, out);
}

int store_item_seen_elsewhere(struct store *st, const char *source_id, const char *url,
			      const char *norm_url, const char *text_sha256)
{
	return rd(st)->be->item_seen_elsewhere(st, source_id, url, norm_url, text_sha256);
}

int store_item_same_text(struct store *st, const char *source_id, const char *url,
			 const char *text_sha256, struct store_item *old)
{
	return rd(st)->be->item_same_text(st, source_id, url, text_sha256, old);
}

int store_item_same_listing(struct store *st, const char *source_id, const char *url,
			    const char *title, const char *published, struct store_item *old)
{
	return rd(st)->be->item_same_listing(st, source_id, url, title, published, old);
}

int store_item_put(struct store *st, struct store_item *it)
{
	return wr(st)->be->item_put(st, it);
}

int store_items_to_recheck(struct store *st, const char *source_id, double before, size_t max,
			   struct list_items *out)
{
	return rd(st)->be->items_to_recheck(st, source_id, before, max, out);
}

int store_items_unread(struct store *st, const char *source_id, size_t newest, size_t max,
		       struct list_items *out)
{
	return rd(st)->be->items_unread(st, source_id, newest, max, out);
}

int store_items_text_newest(struct store *st, const char *source_id, double *when)
{
	return rd(st)->be->items_text_newest(st, source_id, when);
}

int store_item_touch(struct store *st, int64_t id, double now)
{
	return wr(st)->be->item_touch(st, id, now);
}

int store_item_set_themes(struct store *st, int64_t id, const char *themes, const char *detail_json)
{
	return wr(st)->be->item_set_themes(st, id, themes, detail_json);
}

void store_item_clear(struct store_item *it)
{
#define F(f) offsetof(struct store_item, f)
	static const size_t strings[] = {
	    F(source_id),   F(url),	  F(norm_url), F(guid),		 F(title),
	    F(published),   F(final_url), F(etag),     F(last_modified), F(raw_sha256),
	    F(text_sha256), F(text),	  F(language),
	};
#undef F

	free(it->raw_z);
	CLEAR_STRINGS(it, strings);
}

int store_index_pending(struct store *st, int64_t *n)
{
	return rd(st)->be->index_pending(st, n);
}

int store_index_catch_up(struct store *st, size_t max, size_t *done)
{
	*done = 0;
	if (st->in_txn)
		return wr(st)->be->index_add(st, max, done);
	if (store_begin(st) < 0)
		return -1;
	if (wr(st)->be->index_add(st, max, done) < 0) {
		store_rollback(st);
		return -1;
	}
	return store_commit(st);
}

int store_index_all(struct store *st)
{
	size_t done;

	do {
		if (store_index_catch_up(st, STORE_INDEX_BATCH, &done) < 0)
			return -1;
	} while (done == STORE_INDEX_BATCH);
	return 0;
}

int store_search(struct store *st, const char *query, const char *since, const char *theme,
		 size_t max, struct store_hit **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	if (!st->readonly && store_index_all(st) < 0)
		return -1;
	return rd(st)->be->search(st, query, since, theme, max, out, n);
}

void store_hit_clear(struct store_hit *h)
{
	static const size_t strings[] = {
	    offsetof(struct store_hit, source_id), offsetof(struct store_hit, url),
	    offsetof(struct store_hit, title),	   offsetof(struct store_hit, date),
	    offsetof(struct store_hit, themes),	   offsetof(struct store_hit, snippet),
	};

	CLEAR_STRINGS(h, strings);
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
	static const size_t strings[] = {
	    offsetof(struct store_event, id),	   offsetof(struct store_event, channel),
	    offsetof(struct store_event, type),	   offsetof(struct store_event, source_id),
	    offsetof(struct store_event, payload), offsetof(struct store_event, last_error),
	};

	CLEAR_STRINGS(ev, strings);
}

int store_event_recent(struct store *st, const char *source_id, const char *type, double since)
{
	return rd(st)->be->event_recent(st, source_id, type, since);
}

int store_event_last_of(struct store *st, const char *source_id, const char *type, double *when)
{
	return rd(st)->be->event_last_of(st, source_id, type, when);
}

int store_event_insert(struct store *st, const struct store_event_new *ev)
{
	return wr(st)->be->event_insert(st, ev);
}

int store_events_due(struct store *st, double now, const struct store_skip *skip, size_t max,
		     struct store_event **out, size_t *n)
{
	return rd(st)->be->events_due(st, now, skip, max, out, n);
}

int store_events_next_due(struct store *st, const struct store_skip *skip, double *when)
{
	return rd(st)->be->events_next_due(st, skip, when);
}

int store_event_update(struct store *st, const struct store_event *ev)
{
	return wr(st)->be->event_update(st, ev);
}

int store_events_requeue_sending(struct store *st)
{
	return wr(st)->be->events_requeue_sending(st);
}

int store_events_list(struct store *st, const struct store_event_filter *f,
		      struct store_event **out, size_t *n)
{
	return rd(st)->be->events_list(st, f, out, n);
}

int store_event_redeliver(struct store *st, const char *id, double when)
{
	return wr(st)->be->event_redeliver(st, id, when);
}

void store_set_busy_wait(struct store *st, int ms)
{
	st->be->set_busy_wait(st, ms);
}

int store_channel_counts(struct store *st, const char *channel, struct store_channel_counts *out)
{
	return rd(st)->be->channel_counts(st, channel, out);
}

void store_instance_clear(struct store_instance *in)
{
	free(in->id);
	memset(in, 0, sizeof(*in));
}

int store_instances(struct store *st, struct store_instance **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	return st->be->instances ? rd(st)->be->instances(st, out, n) : 0;
}

void store_set_instance(struct store *st, const char *id, double claim_secs)
{
	if (st->be->set_instance)
		st->be->set_instance(st, id, claim_secs);
}

char *store_instance_name(void)
{
	char host[256] = "localhost";

	if (gethostname(host, sizeof(host) - 1) != 0)
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	return xasprintf("%s:%ld:%08lx", host, (long)getpid(),
			 (unsigned long)(clock_jitter_unit() * 4294967295.0));
}
