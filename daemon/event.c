#include "daemon/event.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "analyze/themes/themes.h"
#include "common/log.h"
#include "common/urlcred.h"
#include "common/xmalloc.h"
#include "daemon/store.h"

#define EXCERPT_CHARS 300

void event_new_id(char *out)
{
	static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
	unsigned char rnd[26];
	size_t got = 0;

	while (got < sizeof(rnd)) {
		ssize_t n = getrandom(rnd + got, sizeof(rnd) - got, 0);

		if (n < 0)
			fatal("getrandom");
		got += (size_t)n;
	}
	memcpy(out, "evt_", 4);
	for (size_t i = 0; i < sizeof(rnd); i++)
		out[4 + i] = alphabet[rnd[i] & 31];
	out[4 + sizeof(rnd)] = '\0';
}

void event_format_time(double t, char *out, size_t outlen)
{
	time_t secs = (time_t)t;
	struct tm tm;

	gmtime_r(&secs, &tm);
	strftime(out, outlen, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

json_t *event_time_json(double t)
{
	char when[32];

	if (t <= 0)
		return json_null();
	event_format_time(t, when, sizeof(when));
	return json_string(when);
}

json_t *event_url_json(const char *url)
{
	char *bare = urlcred_strip(url);
	json_t *j = str_or_null(bare);

	free(bare);
	return j;
}

/* The first EXCERPT_CHARS characters of text, cut at a UTF-8 boundary, paragraphs joined. */
static json_t *excerpt(const char *text)
{
	char buf[EXCERPT_CHARS * 4 + 4];
	size_t o = 0, chars = 0;

	if (text == NULL)
		return json_string("");
	for (const char *p = text; *p && chars < EXCERPT_CHARS; chars++) {
		size_t n = 1;

		while (p[n] && ((unsigned char)p[n] & 0xC0) == 0x80)
			n++;
		if (*p == '\n') {
			if (o > 0 && buf[o - 1] != ' ')
				buf[o++] = ' ';
		} else {
			memcpy(buf + o, p, n);
			o += n;
		}
		p += n;
	}
	buf[o] = '\0';
	{
		json_t *j = json_string(buf);

		return j ? j : json_string("");
	}
}

static json_t *item_json(const struct store_item *it)
{
	json_t *o = json_object();
	json_t *sha = json_object();
	char fetched[32];

	event_format_time(it->fetched_at, fetched, sizeof(fetched));
	json_object_set_new(sha, "raw", str_or_null(it->raw_sha256));
	json_object_set_new(sha, "text", str_or_null(it->text_sha256));
	json_object_set_new(o, "url", event_url_json(it->url ? it->url : ""));
	json_object_set_new(o, "final_url", event_url_json(it->final_url));
	json_object_set_new(o, "title", json_string(it->title ? it->title : ""));
	json_object_set_new(o, "published", str_or_null(it->published));
	json_object_set_new(o, "language", str_or_null(it->language));
	json_object_set_new(o, "words", json_integer(it->words));
	json_object_set_new(o, "format", json_string(it->format ? it->format : "html"));
	json_object_set_new(o, "excerpt", excerpt(it->text));
	json_object_set_new(o, "sha256", sha);
	json_object_set_new(o, "fetched_at", json_string(fetched));
	return o;
}

/* The segment of a long text that carried theme t: {"index", "start"}. */
static json_t *segment_json(const struct theme_score *t)
{
	json_t *o = json_object();

	json_object_set_new(o, "index", json_integer((json_int_t)t->segment));
	json_object_set_new(o, "start", json_string(t->segment_start ? t->segment_start : ""));
	return o;
}

static json_t *themes_json(const struct theme_result *r)
{
	json_t *arr = json_array();

	for (size_t i = 0; r && i < r->nthemes; i++) {
		const struct theme_score *t = &r->themes[i];
		json_t *o, *ev;

		if (!t->above)
			continue;
		o = json_object();
		ev = json_array();
		for (size_t e = 0; e < t->nevidence; e++)
			json_array_append_new(ev, json_string(t->evidence[e]));
		json_object_set_new(o, "id", json_string(t->id));
		json_object_set_new(o, "label", json_string(t->label));
		json_object_set_new(o, "score",
				    json_real((double)(long)(t->score * 1000 + 0.5) / 1000));
		json_object_set_new(o, "evidence", ev);
		if (t->by_segment)
			json_object_set_new(o, "segment", segment_json(t));
		json_array_append_new(arr, o);
	}
	return arr;
}

char *event_themes_json(const struct theme_result *r)
{
	json_t *arr = themes_json(r);
	char *s = json_dumps(arr, JSON_COMPACT | JSON_PRESERVE_ORDER);

	json_decref(arr);
	if (s == NULL)
		fatalx("cannot serialise themes (out of memory?)");
	return s;
}

static json_t *envelope(const char *id, const char *type, double detected_at, const char *source_id,
			const char *source_url)
{
	json_t *o = json_object();
	json_t *src = json_object();
	char when[32];

	event_format_time(detected_at, when, sizeof(when));
	json_object_set_new(src, "id", json_string(source_id));
	json_object_set_new(src, "url", event_url_json(source_url ? source_url : ""));
	json_object_set_new(o, "type", json_string(type));
	json_object_set_new(o, "id", json_string(id));
	json_object_set_new(o, "detected_at", json_string(when));
	json_object_set_new(o, "source", src);
	return o;
}

static char *dump(json_t *o)
{
	char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);

	json_decref(o);
	if (s == NULL)
		fatalx("cannot serialise an event (out of memory?)");
	return s;
}

char *event_statement_json(const char *id, const char *type, double detected_at,
			   const char *source_id, const char *source_url,
			   const struct store_item *it, const struct theme_result *themes,
			   const char *diff)
{
	json_t *o = envelope(id, type, detected_at, source_id, source_url);

	json_object_set_new(o, "item", item_json(it));
	json_object_set_new(o, "themes", themes_json(themes));
	if (diff)
		json_object_set_new(o, "diff", json_string(diff));
	return dump(o);
}

char *event_source_json(const char *id, const char *type, double detected_at, const char *source_id,
			const char *source_url, long failures, const char *error,
			const char *reason)
{
	json_t *o = envelope(id, type, detected_at, source_id, source_url);
	char *redacted = urlcred_redact(error); /* an error may quote the URL */

	json_object_set_new(o, "failures", json_integer(failures));
	json_object_set_new(o, "error", str_or_null(redacted ? redacted : error));
	if (reason != NULL)
		json_object_set_new(o, "reason", json_string(reason));
	free(redacted);
	return dump(o);
}

const char *event_fail_reason(const char *result)
{
	if (result != NULL && strcmp(result, "empty-list") == 0)
		return "selector-no-match";
	return result;
}

char *event_source_changed_json(const char *id, double detected_at, const char *source_id,
				const char *source_url, long moved, long read, const char *old_url,
				const char *new_url)
{
	json_t *o = envelope(id, "source.changed", detected_at, source_id, source_url);
	json_t *ex = json_object();
	char *old_bare = urlcred_strip(old_url), *new_bare = urlcred_strip(new_url);
	char *msg =
	    xasprintf("%ld of the %ld new items of this poll are statements the source "
		      "already had under other URLs (e.g. %s -> %s): the site has moved its pages. "
		      "They were recorded without alerts.",
		      moved, read, old_bare ? old_bare : "?", new_bare ? new_bare : "?");

	json_object_set_new(o, "reason", json_string("urls-moved"));
	json_object_set_new(o, "moved", json_integer(moved));
	json_object_set_new(o, "new_items", json_integer(read));
	json_object_set_new(ex, "old_url", event_url_json(old_url));
	json_object_set_new(ex, "new_url", event_url_json(new_url));
	json_object_set_new(o, "example", ex);
	json_object_set_new(o, "message", json_string(msg));
	free(old_bare);
	free(new_bare);
	free(msg);
	return dump(o);
}

char *event_test_json(const char *id, double detected_at, const char *channel)
{
	json_t *o = envelope(id, "test", detected_at, "speechwatch", "");

	json_object_set_new(o, "channel", json_string(channel));
	json_object_set_new(o, "message", json_string("speechwatch test event"));
	return dump(o);
}
