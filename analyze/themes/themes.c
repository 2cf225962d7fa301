/*
 * analyze/themes: scoring a text (the scan, scoring and evidence live in
 * themes_scan.c, themes_score.c and themes_evidence.c; compilation in
 * themes_compile.c) and the JSON forms of a result. The formula and its
 * reasons: docs/themes.md.
 */
#include "analyze/themes/themes.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "analyze/themes/text.h"
#include "analyze/themes/themes_int.h"
#include "common/buf.h"
#include "common/xmalloc.h"

int themes_score(const struct themes *th, const char *utf8_text, size_t len, const char *lang_hint,
		 struct theme_result **out)
{
	struct theme_result *r = xcalloc(1, sizeof(*r));
	struct scorer sc;

	memset(&sc, 0, sizeof(sc));
	if (!utf8_text)
		len = 0;
	sc.th = th;
	sc.text = utf8_text;
	sc.lang =
	    len ? text_detect_language(utf8_text, len, lang_hint) : text_lang_from_tag(lang_hint);
	sc.wc = themes_cache_get(th, sc.lang);
	buf_init(&sc.fold);
	if (len) {
		themes_scan_text(&sc, utf8_text, len);
		themes_segment_text(&sc);
	}
	sc.rendered = xcalloc(sc.nsents ? sc.nsents : 1, sizeof(char *));
	snprintf(r->language, sizeof(r->language), "%s", text_lang_code(sc.lang));
	r->words = sc.tokens;
	r->nthemes = th->n;
	r->themes = xreallocarray(NULL, th->n ? th->n : 1, sizeof(*r->themes));
	themes_score_all(&sc, r);
	buf_free(&sc.fold);
	for (size_t i = 0; i < sc.nsents; i++)
		free(sc.rendered[i]);
	free(sc.rendered);
	free(sc.hits);
	free(sc.sents);
	free(sc.spos);
	for (size_t i = 0; i < sc.nsegs; i++)
		free(sc.seg_rendered[i]);
	free(sc.seg_rendered);
	free(sc.segs);
	free(sc.sent_seg);
	free(sc.groups);
	free(sc.ss);
	*out = r;
	return 0;
}

void theme_result_free(struct theme_result *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nthemes; i++) {
		for (size_t k = 0; k < r->themes[i].nevidence; k++)
			free(r->themes[i].evidence[k]);
		free(r->themes[i].segment_start);
	}
	free(r->themes);
	free(r);
}

/* JSON rendering (jansson does the escaping). */

static json_t *segment_json(const struct theme_score *ts)
{
	json_t *o = json_object();

	json_object_set_new(o, "index", json_integer((json_int_t)ts->segment));
	if (ts->segment_start)
		json_object_set_new(o, "start", json_string(ts->segment_start));
	return o;
}

static double round4(double x)
{
	return round(x * 10000.0) / 10000.0;
}

static json_t *score_json(const struct theme_score *ts)
{
	json_t *o = json_object(), *ev = json_array();

	json_object_set_new(o, "id", json_string(ts->id));
	json_object_set_new(o, "label", json_string(ts->label));
	json_object_set_new(o, "score", json_real(round4(ts->score)));
	json_object_set_new(o, "threshold", json_real(ts->threshold));
	json_object_set_new(o, "above", json_boolean(ts->above));
	for (size_t k = 0; k < ts->nevidence; k++)
		json_array_append_new(ev, json_string(ts->evidence[k]));
	json_object_set_new(o, "evidence", ev);
	if (ts->by_segment)
		json_object_set_new(o, "segment", segment_json(ts));
	return o;
}

static char *dump(json_t *root, size_t flags)
{
	char *s = json_dumps(root, flags | JSON_REAL_PRECISION(6));
	char *copy;

	json_decref(root);
	if (!s)
		return xstrdup("{}");
	copy = xstrdup(s);
	free(s);
	return copy;
}

char *themes_result_json(const struct theme_result *r, int pretty)
{
	json_t *root = json_object(), *arr = json_array();

	json_object_set_new(root, "language", json_string(r->language));
	json_object_set_new(root, "words", json_integer((json_int_t)r->words));
	for (size_t i = 0; i < r->nthemes; i++)
		json_array_append_new(arr, score_json(&r->themes[i]));
	json_object_set_new(root, "themes", arr);
	return dump(root, pretty ? JSON_INDENT(2) | JSON_PRESERVE_ORDER : JSON_PRESERVE_ORDER);
}

char *themes_result_jsonl(const struct theme_result *r, const char *id)
{
	json_t *root = json_object(), *labels = json_array(), *scores = json_object();

	json_object_set_new(root, "id", id ? json_string(id) : json_null());
	for (size_t i = 0; i < r->nthemes; i++) {
		const struct theme_score *ts = &r->themes[i];
		if (ts->above)
			json_array_append_new(labels, json_string(ts->id));
		json_object_set_new(scores, ts->id, json_real(round4(ts->score)));
	}
	json_object_set_new(root, "labels", labels);
	json_object_set_new(root, "scores", scores);
	return dump(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
}
