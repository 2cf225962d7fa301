/*
 * Shared by the benches only: reads a theme file (INI, design.md format)
 * into theme_def structs with libinih, and slurps files. The product's
 * reader is config/; analyze/ does no I/O.
 */
#ifndef BENCH_INI_H
#define BENCH_INI_H

#include <stdint.h>
#include <stdio.h>

#include "analyze/themes.h"
#include "common/buf.h"

static char *bench_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct buf b;
	char tmp[65536];
	size_t n;

	if (!f)
		return NULL;
	buf_init(&b);
	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
		buf_append(&b, tmp, n);
	fclose(f);
	*len = b.len;
	return buf_steal(&b);
}
#include <ini.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/themes.h"
#include "common/xmalloc.h"

struct ini_theme {
	struct theme_def def;
	struct theme_phrase *ph;
	char **req, **exc;
	size_t cap;
};

struct ini_themes {
	struct ini_theme *v;
	size_t n;
};

static char **ini_push_str(char **v, size_t *n, const char *s)
{
	v = xreallocarray(v, *n + 1, sizeof(*v));
	v[(*n)++] = xstrdup(s);
	return v;
}

/* ini_handler */
static int ini_theme_kv(void *user, const char *section, const char *name, const char *value)
{
	struct ini_themes *ts = user;
	struct ini_theme *t;
	const char *q = strchr(section, '"');
	size_t idlen;
	char *end;

	if (strncmp(section, "theme", 5) != 0 || !q || !strchr(q + 1, '"'))
		return 1;
	idlen = (size_t)(strchr(q + 1, '"') - q - 1);
	if (!ts->n || strncmp(ts->v[ts->n - 1].def.id, q + 1, idlen) != 0 ||
	    ts->v[ts->n - 1].def.id[idlen]) {
		ts->v = xreallocarray(ts->v, ts->n + 1, sizeof(*ts->v));
		memset(&ts->v[ts->n], 0, sizeof(ts->v[ts->n]));
		ts->v[ts->n].def.id = xstrndup(q + 1, idlen);
		ts->v[ts->n].def.threshold = 0.3;
		ts->n++;
	}
	t = &ts->v[ts->n - 1];
	if (strcmp(name, "label") == 0) {
		t->def.label = xstrdup(value);
	} else if (strcmp(name, "threshold") == 0) {
		t->def.threshold = strtod(value, NULL);
	} else if (strcmp(name, "phrase") == 0) {
		double w = strtod(value, &end);
		if (end == value)
			return 0;
		while (*end == ' ')
			end++;
		if (t->def.nphrases == t->cap) {
			t->cap = t->cap ? t->cap * 2 : 32;
			t->ph = xreallocarray(t->ph, t->cap, sizeof(*t->ph));
		}
		t->ph[t->def.nphrases].weight = w;
		t->ph[t->def.nphrases].text = xstrdup(end);
		t->ph[t->def.nphrases].lang = NULL;
		t->def.nphrases++;
		t->def.phrases = t->ph;
	} else if (strcmp(name, "requires") == 0) {
		t->req = ini_push_str(t->req, &t->def.nrequires, value);
		t->def.requires = (const char *const *)t->req;
	} else if (strcmp(name, "excludes") == 0) {
		t->exc = ini_push_str(t->exc, &t->def.nexcludes, value);
		t->def.excludes = (const char *const *)t->exc;
	}
	return 1;
}

static void ini_themes_free(struct ini_themes *ts)
{
	for (size_t i = 0; i < ts->n; i++) {
		struct ini_theme *t = &ts->v[i];
		for (size_t k = 0; k < t->def.nphrases; k++)
			free((char *)(uintptr_t)t->ph[k].text);
		for (size_t k = 0; k < t->def.nrequires; k++)
			free(t->req[k]);
		for (size_t k = 0; k < t->def.nexcludes; k++)
			free(t->exc[k]);
		free(t->ph);
		free(t->req);
		free(t->exc);
		free((char *)(uintptr_t)t->def.id);
		free((char *)(uintptr_t)t->def.label);
	}
	free(ts->v);
	ts->v = NULL;
	ts->n = 0;
}

/* Returns the compiled themes of a file or string, or NULL (err filled). */
static struct themes *bench_themes_compile(const char *path, const char *string, char *err,
					   size_t errlen)
{
	struct ini_themes ts = {NULL, 0};
	struct theme_def *defs;
	struct themes *th;
	int r =
	    path ? ini_parse(path, ini_theme_kv, &ts) : ini_parse_string(string, ini_theme_kv, &ts);

	if (r != 0) {
		snprintf(err, errlen, "%s: line %d: parse error", path ? path : "string", r);
		ini_themes_free(&ts);
		return NULL;
	}
	defs = xcalloc(ts.n ? ts.n : 1, sizeof(*defs));
	for (size_t i = 0; i < ts.n; i++)
		defs[i] = ts.v[i].def;
	th = themes_compile(defs, ts.n, err, errlen);
	free(defs);
	ini_themes_free(&ts);
	return th;
}

#endif
