/*
 * daemon/structure: list structures to and from the store's JSON, and as
 * one readable line (contracts in structure.h).
 */
#include "daemon/structure.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/buf.h"
#include "common/log.h"
#include "common/xmalloc.h"
#include "config/config.h"

void structure_from_candidate(struct structure *st, const struct discover_candidate *c,
			      double chosen_at)
{
	memset(st, 0, sizeof(*st));
	st->items = xstrdup(c->items);
	st->link = xstrdup_or_null(c->link);
	st->title = xstrdup_or_null(c->title);
	st->date = xstrdup_or_null(c->date);
	st->date_format = xstrdup_or_null(c->date_format);
	st->count = (long)c->count;
	st->chosen_at = chosen_at;
}

static json_t *str_or_null(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

char *structure_json(const struct structure *st)
{
	json_t *o = json_object();
	char when[32];
	char *s;

	json_object_set_new(o, "items", str_or_null(st->items));
	json_object_set_new(o, "link", str_or_null(st->link));
	json_object_set_new(o, "title", str_or_null(st->title));
	json_object_set_new(o, "date", str_or_null(st->date));
	json_object_set_new(o, "date_format", str_or_null(st->date_format));
	json_object_set_new(o, "count", json_integer(st->count));
	if (st->chosen_at > 0) {
		time_t t = (time_t)st->chosen_at;
		struct tm tm;

		gmtime_r(&t, &tm);
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
		json_object_set_new(o, "chosen_at", json_string(when));
	}
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (s == NULL)
		fatalx("cannot serialise a list structure (out of memory?)");
	return s;
}

static char *json_strdup(json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));

	return v != NULL ? xstrdup(v) : NULL;
}

/* "2026-12-06T06:30:00Z" -> unix time, 0 when absent or malformed. */
static double parse_when(const char *s)
{
	struct tm tm;
	const char *end;

	if (s == NULL)
		return 0;
	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return end != NULL && *end == '\0' ? (double)timegm(&tm) : 0;
}

int structure_parse(const char *json, struct structure *out)
{
	json_t *o = json != NULL ? json_loads(json, 0, NULL) : NULL;

	memset(out, 0, sizeof(*out));
	if (o == NULL || !json_is_object(o) || !json_is_string(json_object_get(o, "items"))) {
		json_decref(o);
		return -1;
	}
	out->items = json_strdup(o, "items");
	out->link = json_strdup(o, "link");
	out->title = json_strdup(o, "title");
	out->date = json_strdup(o, "date");
	out->date_format = json_strdup(o, "date_format");
	out->count = (long)json_integer_value(json_object_get(o, "count"));
	out->chosen_at = parse_when(json_string_value(json_object_get(o, "chosen_at")));
	json_decref(o);
	return 0;
}

void structure_clear(struct structure *st)
{
	free(st->items);
	free(st->link);
	free(st->title);
	free(st->date);
	free(st->date_format);
	memset(st, 0, sizeof(*st));
}

void structure_spec(const struct structure *st, const struct config_source *s,
		    struct list_spec *spec)
{
	memset(spec, 0, sizeof(*spec));
	spec->items = st->items;
	spec->link = st->link;
	spec->title = st->title;
	spec->date = st->date;
	spec->date_format = s->date_format != NULL ? s->date_format : st->date_format;
	spec->language = s->language;
	spec->max_items = (size_t)s->max_items;
	spec->offsite = s->offsite;
}

char *structure_describe(const char *json)
{
	struct structure st;
	struct buf b;

	if (structure_parse(json, &st) < 0)
		return NULL;
	buf_init(&b);
	buf_printf(&b, "items=\"%s\"", st.items);
	if (st.link != NULL)
		buf_printf(&b, " link=\"%s\"", st.link);
	if (st.title != NULL)
		buf_printf(&b, " title=\"%s\"", st.title);
	if (st.date != NULL)
		buf_printf(&b, " date=\"%s\"", st.date);
	buf_printf(&b, " (%ld item%s)", st.count, st.count == 1 ? "" : "s");
	structure_clear(&st);
	return buf_steal(&b);
}
