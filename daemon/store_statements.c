/*
 * daemon/store_statements: the store's statements for the read side
 * (store.h, issue 18) over any backend: the backend gives rows and texts;
 * here the diffs are made (the same diff_unified call statement.changed
 * makes), the themes parsed and credentials taken out of URLs.
 */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/article/diff.h"
#include "common/urlcred.h"
#include "common/xmalloc.h"
#include "daemon/store.h"
#include "daemon/store_int.h"

/* Context lines of a diff, as article_fetch.c sends it in statement.changed. */
#define DIFF_CONTEXT 2

static void theme_clear(struct store_theme *t)
{
	free(t->id);
	free(t->label);
	for (size_t i = 0; i < t->nevidence; i++)
		free(t->evidence[i]);
	free(t->evidence);
}

void store_statement_clear(struct store_statement *s)
{
	char **strings[] = {&s->source_id, &s->url,	    &s->title,	    &s->published,
			    &s->language,  &s->themes_json, &s->diff,	    &s->final_url,
			    &s->text,	   &s->raw_sha256,  &s->text_sha256};

	for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++)
		free(*strings[i]);
	for (size_t i = 0; i < s->nthemes; i++)
		theme_clear(&s->themes[i]);
	free(s->themes);
	for (size_t i = 0; i < s->nversions; i++) {
		free(s->version[i].title);
		free(s->version[i].text_sha256);
		free(s->version[i].text);
		free(s->version[i].diff);
	}
	free(s->version);
	memset(s, 0, sizeof(*s));
}

static char *json_strdup(json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));

	return v ? xstrdup(v) : NULL;
}

/* One entry of an event's "themes"; 0, or -1 when it has no id. */
static int theme_parse(json_t *o, struct store_theme *t)
{
	json_t *ev = json_object_get(o, "evidence"), *e;
	size_t i;

	memset(t, 0, sizeof(*t));
	t->id = json_strdup(o, "id");
	if (t->id == NULL)
		return -1;
	t->label = json_strdup(o, "label");
	if (t->label == NULL)
		t->label = xstrdup(t->id);
	t->score = json_number_value(json_object_get(o, "score"));
	t->evidence = xcalloc(json_array_size(ev) + 1, sizeof(*t->evidence));
	json_array_foreach(ev, i, e)
	{
		if (json_is_string(e))
			t->evidence[t->nevidence++] = xstrdup(json_string_value(e));
	}
	return 0;
}

/* s->themes from s->themes_json (the store wrote it; anything else is skipped). */
static void themes_parse(struct store_statement *s)
{
	json_t *arr, *o;
	size_t i;

	if (s->themes_json == NULL)
		return;
	arr = json_loads(s->themes_json, 0, NULL);
	s->themes = xcalloc(json_array_size(arr) + 1, sizeof(*s->themes));
	json_array_foreach(arr, i, o)
	{
		if (theme_parse(o, &s->themes[s->nthemes]) == 0)
			s->nthemes++;
		else
			theme_clear(&s->themes[s->nthemes]);
	}
	json_decref(arr);
}

static char *diff_of(const char *before, const char *after)
{
	if (before == NULL || after == NULL)
		return NULL;
	return diff_unified(before, after, "before", "after", DIFF_CONTEXT);
}

static void strip_credentials(char **url)
{
	char *bare;

	if (*url == NULL || !urlcred_has(*url))
		return;
	bare = urlcred_strip(*url);
	free(*url);
	*url = bare;
}

/* A list row as store.h shows it: its latest diff, and no texts. */
static void list_row_finish(struct store_statement *s)
{
	if (s->nversions == 1) {
		s->diff = diff_of(s->version[0].text, s->text);
		free(s->version[0].text);
	}
	free(s->version);
	s->version = NULL;
	s->nversions = 0;
	free(s->text);
	s->text = NULL;
	strip_credentials(&s->url);
	themes_parse(s);
}

/* Every version's diff from the one before; the latest is also the statement's. */
static void get_finish(struct store_statement *s)
{
	for (size_t i = 1; i < s->nversions; i++)
		s->version[i].diff = diff_of(s->version[i - 1].text, s->version[i].text);
	if (s->nversions > 1 && s->version[s->nversions - 1].diff)
		s->diff = xstrdup(s->version[s->nversions - 1].diff);
	strip_credentials(&s->url);
	strip_credentials(&s->final_url);
	themes_parse(s);
}

int store_statements(struct store *st, const struct store_statement_filter *f,
		     struct store_statement **out, size_t *n)
{
	struct store_statement_filter g = *f;
	size_t indexed;
	int rc;

	*out = NULL;
	*n = 0;
	if (g.limit == 0)
		g.limit = STORE_STATEMENTS_DEFAULT;
	if (g.limit > STORE_STATEMENTS_MAX)
		g.limit = STORE_STATEMENTS_MAX;
	if (g.query && !st->readonly &&
	    store_index_catch_up(st, STORE_INDEX_READ_STEP, &indexed) < 0) {
		errno = EIO;
		return -1;
	}
	st->counts.reads++;
	rc = st->be->statements(st, &g, out, n);
	for (size_t i = 0; i < *n; i++)
		list_row_finish(&(*out)[i]);
	if (rc < 0) {
		int e = errno;

		for (size_t i = 0; i < *n; i++)
			store_statement_clear(&(*out)[i]);
		free(*out);
		*out = NULL;
		*n = 0;
		errno = e;
	}
	return rc;
}

int store_statement_get(struct store *st, int64_t id, struct store_statement *out)
{
	int rc;

	memset(out, 0, sizeof(*out));
	st->counts.reads++;
	rc = st->be->statement_get(st, id, out);
	if (rc == 1)
		get_finish(out);
	else
		store_statement_clear(out);
	return rc;
}
