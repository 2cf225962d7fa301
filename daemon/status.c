/*
 * daemon/status: the daemon's status from its store, and its JSON (shared
 * by `status --json` and /api/v1/status: one builder, so both keep the same
 * field names).
 */
#include "daemon/status.h"

#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"
#include "config/config.h"
#include "daemon/channels.h"
#include "daemon/event.h"

static void add_channel(struct status *s, struct store *st, const char *id, const char *type)
{
	struct status_channel *c;

	s->channels = xreallocarray(s->channels, s->nchannels + 1, sizeof(*s->channels));
	c = &s->channels[s->nchannels++];
	memset(c, 0, sizeof(*c));
	c->id = id;
	c->type = type;
	if (st)
		store_channel_counts(st, id, &c->counts);
	s->pending += c->counts.pending;
	s->delivered += c->counts.delivered;
	s->dead += c->counts.dead;
}

int status_collect(const struct config *cfg, struct store *st, const char *location,
		   struct status *s)
{
	memset(s, 0, sizeof(*s));
	s->location = location;
	if (st && (store_sources_all(st, &s->rows, &s->nrows) < 0 ||
		   store_size(st, &s->bytes, &s->free_bytes) < 0 ||
		   store_instances(st, &s->instances, &s->ninstances) < 0))
		return -1;
	for (size_t i = 0; i < cfg->nsources; i++) {
		const struct store_source *r = status_row(s, cfg->sources[i].id);

		s->failing += r && r->failing;
	}
	for (size_t i = 0; i < cfg->nnotifies; i++)
		add_channel(s, st, cfg->notifies[i].id, channels_type(&cfg->notifies[i]));
	if (cfg->nnotifies == 0)
		add_channel(s, st, "stdout", "stdout");
	return 0;
}

void status_clear(struct status *s)
{
	for (size_t i = 0; i < s->nrows; i++)
		store_source_clear(&s->rows[i]);
	free(s->rows);
	for (size_t i = 0; i < s->nchannels; i++)
		free(s->channels[i].counts.last_error);
	free(s->channels);
	for (size_t i = 0; i < s->ninstances; i++)
		store_instance_clear(&s->instances[i]);
	free(s->instances);
	memset(s, 0, sizeof(*s));
}

const struct store_source *status_row(const struct status *s, const char *id)
{
	for (size_t i = 0; i < s->nrows; i++)
		if (strcmp(s->rows[i].id, id) == 0)
			return &s->rows[i];
	return NULL;
}

static json_t *jstr(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* A JSON column of the store as an object; null when absent or not JSON. */
static json_t *stored_json(const char *text)
{
	json_t *j = text != NULL ? json_loads(text, 0, NULL) : NULL;

	return j != NULL ? j : json_null();
}

static json_t *source_json(const struct config_source *c, const struct store_source *r)
{
	json_t *o = json_object();

	json_object_set_new(o, "id", json_string(c->id));
	json_object_set_new(o, "url", event_url_json(c->url));
	json_object_set_new(o, "enabled", json_boolean(c->enabled));
	json_object_set_new(o, "last_poll", event_time_json(r ? r->last_poll : 0));
	json_object_set_new(o, "result", jstr(r ? r->last_result : NULL));
	json_object_set_new(o, "http_status", json_integer(r ? r->last_status : 0));
	json_object_set_new(o, "items", json_integer(r ? r->items : 0));
	json_object_set_new(o, "stored_items", json_integer(r ? r->stored_items : 0));
	json_object_set_new(o, "duplicates", json_integer(r ? r->duplicates : 0));
	json_object_set_new(o, "new", json_integer(r ? r->last_new : 0));
	json_object_set_new(o, "changed", json_integer(r ? r->last_changed : 0));
	json_object_set_new(o, "failures", json_integer(r ? r->failures : 0));
	json_object_set_new(o, "failing", json_boolean(r && r->failing));
	json_object_set_new(o, "next_poll", event_time_json(r ? r->next_due : 0));
	json_object_set_new(o, "last_error", jstr(r ? r->last_error : NULL));
	/* after a good poll the field holds what reading the list skipped or changed */
	json_object_set_new(o, "note", jstr(r && r->failures == 0 ? r->last_error : NULL));
	json_object_set_new(o, "reason",
			    jstr(r && r->failures > 0 ? event_fail_reason(r->last_result) : NULL));
	/* a structure stays stored when a source leaves items = auto: not in use then */
	json_object_set_new(o, "structure", stored_json(r && c->items_auto ? r->structure : NULL));
	json_object_set_new(o, "suggestion", stored_json(r ? r->suggestion : NULL));
	return o;
}

static json_t *channel_json(const struct status_channel *c)
{
	json_t *o = json_object();

	json_object_set_new(o, "id", json_string(c->id));
	json_object_set_new(o, "type", json_string(c->type));
	json_object_set_new(o, "pending", json_integer(c->counts.pending));
	json_object_set_new(o, "delivered", json_integer(c->counts.delivered));
	json_object_set_new(o, "dead", json_integer(c->counts.dead));
	json_object_set_new(o, "last_error", jstr(c->counts.last_error));
	return o;
}

static json_t *instances_json(const struct status *s)
{
	json_t *a = json_array();

	for (size_t i = 0; i < s->ninstances; i++) {
		const struct store_instance *in = &s->instances[i];

		json_array_append_new(a, json_pack("{s:s, s:o, s:o, s:f, s:I}", "id", in->id,
						   "started", event_time_json(in->started),
						   "heartbeat", event_time_json(in->heartbeat),
						   "heartbeat_age", in->age, "leases",
						   (json_int_t)in->leases));
	}
	return a;
}

json_t *status_json(const struct config *cfg, const struct status *s)
{
	json_t *root = json_object(), *sources = json_array(), *channels = json_array();
	json_t *tot = json_object();

	for (size_t i = 0; i < cfg->nsources; i++)
		json_array_append_new(
		    sources, source_json(&cfg->sources[i], status_row(s, cfg->sources[i].id)));
	for (size_t i = 0; i < s->nchannels; i++)
		json_array_append_new(channels, channel_json(&s->channels[i]));
	json_object_set_new(root, "sources", sources);
	json_object_set_new(root, "channels", channels);
	json_object_set_new(tot, "sources", json_integer((json_int_t)cfg->nsources));
	json_object_set_new(tot, "failing", json_integer(s->failing));
	json_object_set_new(tot, "pending", json_integer(s->pending));
	json_object_set_new(tot, "delivered", json_integer(s->delivered));
	json_object_set_new(tot, "dead", json_integer(s->dead));
	json_object_set_new(root, "totals", tot);
	json_object_set_new(root, "store",
			    json_pack("{s:s, s:I, s:I}", "location", s->location, "bytes",
				      (json_int_t)s->bytes, "free_bytes",
				      (json_int_t)s->free_bytes));
	json_object_set_new(root, "instances", instances_json(s));
	return root;
}
