#include "daemon/themeset.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/themes/themes.h"
#include "common/xmalloc.h"
#include "config/config.h"

static void def_from_config(const struct config_theme *t, struct theme_def *d,
			    struct theme_phrase **phrases)
{
	*phrases = xcalloc(t->nphrases, sizeof(**phrases));
	for (size_t i = 0; i < t->nphrases; i++) {
		(*phrases)[i].weight = t->phrases[i].weight;
		(*phrases)[i].text = t->phrases[i].text;
	}
	memset(d, 0, sizeof(*d));
	d->id = t->id;
	d->label = t->label;
	d->threshold = t->threshold;
	d->phrases = *phrases;
	d->nphrases = t->nphrases;
	d->requires = (const char *const *)t->requires.v;
	d->nrequires = t->requires.n;
	d->excludes = (const char *const *)t->excludes.v;
	d->nexcludes = t->excludes.n;
}

struct themes *themeset_compile(const struct config *cfg, char *err, size_t errlen)
{
	struct theme_def *defs;
	struct theme_phrase **phrases;
	struct themes *th;

	if (cfg->nthemes == 0) {
		snprintf(err, errlen, "no themes configured");
		return NULL;
	}
	defs = xcalloc(cfg->nthemes, sizeof(*defs));
	phrases = xcalloc(cfg->nthemes, sizeof(*phrases));
	for (size_t i = 0; i < cfg->nthemes; i++)
		def_from_config(&cfg->themes[i], &defs[i], &phrases[i]);
	th = themes_compile(defs, cfg->nthemes, err, errlen);
	for (size_t i = 0; i < cfg->nthemes; i++)
		free(phrases[i]);
	free(phrases);
	free(defs);
	return th;
}

struct themes *themeset_load(const char *path, char *err, size_t errlen)
{
	struct themes *th = NULL;
	struct config *cfg;
	struct buf errors;

	buf_init(&errors);
	cfg = config_load_with(path, 0, &errors); /* themes only: no secrets */
	if (cfg == NULL)
		snprintf(err, errlen, "%s", buf_str(&errors));
	else
		th = themeset_compile(cfg, err, errlen);
	config_free(cfg);
	buf_free(&errors);
	return th;
}

size_t themeset_check(const struct config *cfg, struct buf *errors)
{
	size_t bad = 0;

	for (size_t i = 0; i < cfg->nthemes; i++) {
		const struct config_theme *t = &cfg->themes[i];
		struct theme_phrase *phrases;
		struct theme_def def;
		struct themes *th;
		char err[512];

		def_from_config(t, &def, &phrases);
		th = themes_compile(&def, 1, err, sizeof(err));
		free(phrases);
		if (th == NULL) {
			buf_printf(errors, "%s:%d: %s\n", t->at.file, t->at.line, err);
			bad++;
		}
		themes_free(th);
	}
	return bad;
}

int themeset_build(const struct config *cfg, struct themes **out, struct buf *errors)
{
	char err[512];

	*out = NULL;
	if (cfg->nthemes == 0)
		return 0;
	*out = themeset_compile(cfg, err, sizeof(err));
	if (*out != NULL)
		return 0;
	/* Only a failure pays for the per-theme compiles that name a FILE:LINE. */
	if (themeset_check(cfg, errors) == 0)
		buf_printf(errors, "themes: %s\n", err);
	return -1;
}

void themeset_filter_source(struct theme_result *r, const struct config_source *src)
{
	size_t keep = 0;

	if (r == NULL || src->themes.n == 0)
		return;
	for (size_t i = 0; i < r->nthemes; i++) {
		if (config_globs_match(&src->themes, r->themes[i].id)) {
			r->themes[keep++] = r->themes[i];
			continue;
		}
		for (size_t e = 0; e < r->themes[i].nevidence; e++)
			free(r->themes[i].evidence[e]);
		free(r->themes[i].segment_start);
	}
	r->nthemes = keep;
}

int themeset_channel_wants(const struct config_notify *n, const char *source_id,
			   const struct theme_result *r)
{
	if (!config_globs_match(&n->sources, source_id))
		return 0;
	if (n->themes.n == 0 && n->min_score <= 0)
		return 1;
	for (size_t i = 0; r && i < r->nthemes; i++) {
		const struct theme_score *t = &r->themes[i];

		if (t->above && t->score >= n->min_score && config_globs_match(&n->themes, t->id))
			return 1;
	}
	return 0;
}
