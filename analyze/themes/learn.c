/*
 * analyze/learn: learns a theme file from labelled examples.
 *
 * Features are the unigrams and bigrams (within a sentence) of normalised,
 * stemmed tokens, counted once per example. For each label, features are
 * ranked by the z-score of their log-odds ratio with an informative
 * Dirichlet prior (Monroe, Colaresi and Quinn 2008, "Fightin' Words"): the
 * prior pseudo-count of a feature is a tenth of its count over all
 * examples, which shrinks rare features and needs no stop-word list. The
 * top features become phrases weighted by their log-odds ratio, the
 * bottom ones (the other labels' words) counter-evidence with a negative
 * weight. Thresholds, and min_phrases when it is left to the data, come
 * from the inner cross-validation of
 * learn_cv.c. This file reads the examples, extracts and selects the
 * features and writes the theme file. See docs/themes.md.
 */
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/themes/learn_int.h"
#include "analyze/themes/text.h"
#include "analyze/themes/themes.h"
#include "common/err.h"
#include "common/xmalloc.h"

void learn_opts_default(struct learn_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->folds = 5;
	o->max_phrases = 40;
	o->min_z = 2.5;
	o->min_count = 2;
	o->min_phrases = 0;
	o->max_negative = 40;
	o->neg_z = 0.25;
	o->prior = 0.1;
}

static int ignored(const struct learn_opts *o, const char *label)
{
	for (size_t i = 0; i < o->nignore; i++)
		if (o->ignore[i] && strcmp(o->ignore[i], label) == 0)
			return 1;
	return 0;
}

static uint32_t label_index(struct learner *L, const char *label)
{
	for (size_t i = 0; i < L->nlabels; i++)
		if (strcmp(L->labels[i], label) == 0)
			return (uint32_t)i;
	L->labels = xreallocarray(L->labels, L->nlabels + 1, sizeof(char *));
	L->labels[L->nlabels] = xstrdup(label);
	return (uint32_t)L->nlabels++;
}

/* Parses one JSON line into an example; returns 0, 1 (skip: blank), or -1. */
static int parse_line(struct learner *L, const char *line, size_t len, struct example *e,
		      const char **why)
{
	json_error_t jerr;
	json_t *root, *text, *labels, *v;
	size_t i;

	while (len && (line[len - 1] == '\r' || line[len - 1] == ' '))
		len--;
	if (len == 0)
		return 1;
	root = json_loadb(line, len, 0, &jerr);
	*why = "not a JSON object";
	if (!root || !json_is_object(root))
		goto fail;
	text = json_object_get(root, "text");
	labels = json_object_get(root, "labels");
	*why = "text is not a string";
	if (!json_is_string(text))
		goto fail;
	*why = "labels is not an array of strings";
	if (!json_is_array(labels))
		goto fail;
	memset(e, 0, sizeof(*e));
	e->labels = xcalloc(json_array_size(labels) + 1, sizeof(uint32_t));
	json_array_foreach(labels, i, v)
	{
		if (!json_is_string(v)) {
			free(e->labels);
			goto fail;
		}
		if (!ignored(L->o, json_string_value(v)))
			e->labels[e->nlabels++] = label_index(L, json_string_value(v));
	}
	e->text = xstrndup(json_string_value(text), json_string_length(text));
	json_decref(root);
	return 0;
fail:
	json_decref(root);
	return -1;
}

static int read_examples(struct learner *L, const char *data, size_t len, char *err, size_t errlen)
{
	size_t pos = 0, lineno = 0, cap = 0;

	while (pos < len) {
		const char *nl = memchr(data + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (data + pos)) : len - pos;
		const char *why;
		struct example e;
		int r = parse_line(L, data + pos, n, &e, &why);
		lineno++;
		pos += n + 1;
		if (r < 0) {
			err_set(err, errlen, "line %zu: %s", lineno, why);
			return -1;
		}
		if (r > 0)
			continue;
		if (L->nex == cap) {
			cap = cap ? cap * 2 : 256;
			L->ex = xreallocarray(L->ex, cap, sizeof(*L->ex));
		}
		e.fold = (int)(L->nex % (size_t)L->o->folds);
		L->ex[L->nex++] = e;
	}
	if (L->nex == 0 || L->nlabels == 0) {
		err_set(err, errlen, "no labelled examples");
		return -1;
	}
	return 0;
}

/* Feature extraction. */

struct occ {
	char *key, *surface;
	uint32_t ex;
};

struct occ_list {
	struct occ *v;
	size_t n, cap;
};

static void occ_push(struct occ_list *l, const char *key, const char *surface, uint32_t ex)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 4096;
		l->v = xreallocarray(l->v, l->cap, sizeof(*l->v));
	}
	l->v[l->n++] = (struct occ){xstrdup(key), xstrdup(surface), ex};
}

static void join(struct buf *out, const char *a, const char *b)
{
	buf_reset(out);
	buf_append_str(out, a);
	/* CJK characters are written without a space between them. */
	if (!(text_token_is_cjk(a, strlen(a)) && text_token_is_cjk(b, strlen(b))))
		buf_append_char(out, ' ');
	buf_append_str(out, b);
}

static void example_features(const struct learner *L, uint32_t ei, struct occ_list *occ)
{
	const char *s = L->ex[ei].text;
	enum text_lang lang = text_detect_language(s, strlen(s), L->o->lang);
	struct stemmer *st = stem_new(lang);
	struct buf word, stem, pstem, pword, key, surf;
	struct text_scan sc;
	struct text_span sp;
	enum text_event ev;

	buf_init(&word), buf_init(&stem), buf_init(&pstem), buf_init(&pword);
	buf_init(&key), buf_init(&surf);
	text_scan_init(&sc, s, strlen(s));
	while ((ev = text_scan_next(&sc, &sp)) != TEXT_END) {
		const char *t;
		size_t tl;
		if (ev == TEXT_BOUNDARY) {
			buf_reset(&pstem);
			continue;
		}
		buf_reset(&word);
		text_fold_token(s + sp.start, sp.end - sp.start, &word);
		t = stem_word(st, buf_str(&word), word.len, &tl);
		buf_reset(&stem);
		buf_append(&stem, t, tl);
		occ_push(occ, buf_str(&stem), buf_str(&word), ei);
		if (pstem.len) {
			join(&key, buf_str(&pstem), buf_str(&stem));
			join(&surf, buf_str(&pword), buf_str(&word));
			occ_push(occ, buf_str(&key), buf_str(&surf), ei);
		}
		buf_reset(&pstem), buf_append(&pstem, stem.data, stem.len);
		buf_reset(&pword), buf_append(&pword, word.data, word.len);
	}
	stem_free(st);
	buf_free(&word), buf_free(&stem), buf_free(&pstem), buf_free(&pword);
	buf_free(&key), buf_free(&surf);
}

static int occ_cmp(const void *a, const void *b)
{
	const struct occ *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	if (c)
		return c;
	return x->ex < y->ex ? -1 : x->ex > y->ex;
}

/* Groups occurrences into features seen in at least min_count examples. */
static void build_features(struct learner *L)
{
	struct occ_list occ = {NULL, 0, 0};
	size_t i = 0, cap = 0;

	for (size_t e = 0; e < L->nex; e++)
		example_features(L, (uint32_t)e, &occ);
	if (occ.n)
		qsort(occ.v, occ.n, sizeof(*occ.v), occ_cmp);
	while (i < occ.n) {
		size_t j = i, nex = 0;
		struct feat f;
		while (j < occ.n && strcmp(occ.v[j].key, occ.v[i].key) == 0)
			j++;
		f.ex = xmalloc((j - i) * sizeof(uint32_t));
		for (size_t k = i; k < j; k++)
			if (nex == 0 || f.ex[nex - 1] != occ.v[k].ex)
				f.ex[nex++] = occ.v[k].ex;
		f.nex = nex;
		if (nex >= (size_t)L->o->min_count) {
			f.key = occ.v[i].key;
			f.surface = occ.v[i].surface;
			occ.v[i].key = occ.v[i].surface = NULL;
			if (L->nfeats == cap) {
				cap = cap ? cap * 2 : 1024;
				L->feats = xreallocarray(L->feats, cap, sizeof(*L->feats));
			}
			L->feats[L->nfeats++] = f;
		} else {
			free(f.ex);
		}
		i = j;
	}
	for (size_t k = 0; k < occ.n; k++) {
		free(occ.v[k].key);
		free(occ.v[k].surface);
	}
	free(occ.v);
}

/* Selection: log-odds with an informative Dirichlet prior. */

static int cand_cmp(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;

	if (x->z != y->z)
		return x->z > y->z ? -1 : 1;
	return x->feat < y->feat ? -1 : x->feat > y->feat;
}

int learn_has_label(const struct example *e, size_t l)
{
	for (size_t i = 0; i < e->nlabels; i++)
		if (e->labels[i] == l)
			return 1;
	return 0;
}

static void cand_push(struct selection *s, size_t l, struct cand c)
{
	if (s->n[l] == s->cap[l]) {
		s->cap[l] = s->cap[l] ? s->cap[l] * 2 : 64;
		s->c[l] = xreallocarray(s->c[l], s->cap[l], sizeof(struct cand));
	}
	s->c[l][s->n[l]++] = c;
}

/*
 * Adds to counts[label] the training examples (those outside fold) that
 * contain feature f, per label; returns how many there are.
 */
static size_t feature_counts(const struct learner *L, size_t f, int fold, size_t *counts)
{
	size_t n = 0;

	for (size_t k = 0; k < L->feats[f].nex; k++) {
		const struct example *e = &L->ex[L->feats[f].ex[k]];
		if (e->fold == fold)
			continue;
		n++;
		for (size_t i = 0; i < e->nlabels; i++)
			counts[e->labels[i]]++;
	}
	return n;
}

/* Totals per label over the training examples (fold -1: all). */
static size_t label_totals(const struct learner *L, int fold, size_t *nk)
{
	size_t total = 0;

	memset(nk, 0, L->nlabels * sizeof(size_t));
	for (size_t f = 0; f < L->nfeats; f++)
		total += feature_counts(L, f, fold, nk);
	return total;
}

static void score_feature(const struct learner *L, size_t f, int fold, const size_t *nk,
			  size_t total, size_t *yk, struct selection *s)
{
	size_t yw;

	memset(yk, 0, L->nlabels * sizeof(size_t));
	yw = feature_counts(L, f, fold, yk);
	for (size_t l = 0; l < L->nlabels; l++) {
		double a = L->o->prior * (double)yw, a0 = L->o->prior * (double)total;
		double yi = (double)yk[l], yj = (double)(yw - yk[l]);
		double ni = (double)nk[l], nj = (double)(total - nk[l]);
		double d, var;
		double z;
		d = log((yi + a) / (ni + a0 - yi - a)) - log((yj + a) / (nj + a0 - yj - a));
		var = 1.0 / (yi + a) + 1.0 / (yj + a);
		z = d / sqrt(var);
		if ((yk[l] >= (size_t)L->min_count && z > 0) ||
		    (L->o->max_negative > 0 && z <= -L->o->neg_z))
			cand_push(s, l, (struct cand){z, d, f});
	}
}

/*
 * Keeps the max_phrases candidates with the highest z (at least min_z;
 * when fewer reach it, up to min_phrases with z >= FILL_Z; when none does,
 * the FALLBACK_PHRASES best: a label with few examples still gets a
 * theme) and the max_negative with the lowest (counter-evidence: words of
 * the other labels). z grows with the square root of a feature's count, so
 * a label of 20 examples rarely has more than a handful of words at 2.5
 * while its next words are still its own.
 */
static void keep_best(const struct learner *L, struct selection *s, size_t l)
{
	struct cand *c = s->c[l];
	size_t n = s->n[l], npos = 0, nstrong = 0, nneg;

	if (n)
		qsort(c, n, sizeof(*c), cand_cmp);
	while (npos < n && c[npos].z > 0)
		npos++;
	nneg = n - npos;
	while (nstrong < npos && c[nstrong].z >= L->o->min_z)
		nstrong++;
	while (nstrong < (size_t)L->min_phrases && nstrong < npos && c[nstrong].z >= FILL_Z)
		nstrong++;
	npos = nstrong ? nstrong : npos < FALLBACK_PHRASES ? npos : FALLBACK_PHRASES;
	if (nneg > (size_t)L->o->max_negative)
		nneg = (size_t)L->o->max_negative;
	if (npos > (size_t)L->o->max_phrases)
		npos = (size_t)L->o->max_phrases;
	if (nneg > 0) /* c may be NULL for a label without candidates */
		memmove(c + npos, c + n - nneg, nneg * sizeof(*c));
	s->n[l] = npos + nneg;
}

void learn_select(const struct learner *L, int fold, struct selection *s)
{
	size_t *nk = xcalloc(L->nlabels, sizeof(size_t));
	size_t *yk = xcalloc(L->nlabels, sizeof(size_t));
	size_t total = label_totals(L, fold, nk);

	s->c = xcalloc(L->nlabels, sizeof(*s->c));
	s->n = xcalloc(L->nlabels, sizeof(size_t));
	s->cap = xcalloc(L->nlabels, sizeof(size_t));
	for (size_t f = 0; f < L->nfeats; f++)
		score_feature(L, f, fold, nk, total, yk, s);
	for (size_t l = 0; l < L->nlabels; l++)
		keep_best(L, s, l);
	free(nk);
	free(yk);
}

void learn_selection_free(const struct learner *L, struct selection *s)
{
	for (size_t l = 0; l < L->nlabels; l++)
		free(s->c[l]);
	free(s->c);
	free(s->n);
	free(s->cap);
}

/* The log-odds ratio as a phrase weight: |w| clipped to [WEIGHT_MIN, WEIGHT_MAX]. */
static double weight_of(double delta)
{
	double a = fabs(delta), w = a < WEIGHT_MIN ? WEIGHT_MIN : a > WEIGHT_MAX ? WEIGHT_MAX : a;

	return round((delta < 0 ? -w : w) * 100.0) / 100.0;
}

/* The weight written for candidate i of label l. */
static double cand_weight(const struct selection *s, size_t l, size_t i)
{
	return weight_of(s->c[l][i].delta);
}

struct themes *learn_selection_compile(const struct learner *L, const struct selection *s)
{
	struct theme_def *defs = xcalloc(L->nlabels, sizeof(*defs));
	struct theme_phrase **ph = xcalloc(L->nlabels, sizeof(*ph));
	struct themes *th;
	char err[256];

	for (size_t l = 0; l < L->nlabels; l++) {
		ph[l] = xcalloc(s->n[l] + 1, sizeof(**ph));
		for (size_t i = 0; i < s->n[l]; i++) {
			ph[l][i].weight = cand_weight(s, l, i);
			ph[l][i].text = L->feats[s->c[l][i].feat].surface;
		}
		defs[l].id = L->labels[l];
		defs[l].phrases = ph[l];
		defs[l].nphrases = s->n[l];
	}
	th = themes_compile(defs, L->nlabels, err, sizeof(err));
	for (size_t l = 0; l < L->nlabels; l++)
		free(ph[l]);
	free(ph);
	free(defs);
	return th;
}

static void slug(const char *label, size_t l, struct buf *out)
{
	size_t start = out->len;
	int dash = 0;

	for (const char *p = label; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c >= 0x80) {
			if (dash && out->len > start)
				buf_append_char(out, '-');
			buf_append_char(out, (char)c);
			dash = 0;
		} else if (c >= 'A' && c <= 'Z') {
			if (dash && out->len > start)
				buf_append_char(out, '-');
			buf_append_char(out, (char)(c | 0x20));
			dash = 0;
		} else {
			dash = 1;
		}
	}
	if (out->len == start)
		buf_printf(out, "theme-%zu", l + 1);
}

static int safe_value(const char *s)
{
	return strlen(s) < 120 && !strpbrk(s, ";#\"\n\r[]");
}

static void write_theme(const struct learner *L, const struct selection *s, size_t l, double thr,
			double f1, struct buf *out)
{
	size_t usable = 0;

	for (size_t i = 0; i < s->n[l]; i++)
		usable += s->c[l][i].z > 0 && safe_value(L->feats[s->c[l][i].feat].surface);
	if (usable == 0) {
		buf_printf(out, "\n; label \"%s\": too few examples to learn a phrase\n",
			   safe_value(L->labels[l]) ? L->labels[l] : "?");
		return;
	}
	buf_append_str(out, "\n[theme \"");
	slug(L->labels[l], l, out);
	buf_append_str(out, "\"]\n");
	if (safe_value(L->labels[l]))
		buf_printf(out, "label = %s\n", L->labels[l]);
	buf_printf(out, "threshold = %.4f\n", thr);
	if (f1 > 0)
		buf_printf(out, "; cross-validated F1 at this threshold: %.3f\n", f1);
	else
		buf_append_str(out,
			       "; never found in cross-validation: the median threshold of the "
			       "other themes\n");
	for (size_t i = 0; i < s->n[l]; i++) {
		const char *text = L->feats[s->c[l][i].feat].surface;
		if (safe_value(text))
			buf_printf(out, "phrase = %.2f %s\n", cand_weight(s, l, i), text);
	}
}

static void learner_free(struct learner *L)
{
	for (size_t e = 0; e < L->nex; e++) {
		free(L->ex[e].text);
		free(L->ex[e].labels);
	}
	free(L->ex);
	for (size_t l = 0; l < L->nlabels; l++)
		free(L->labels[l]);
	free(L->labels);
	for (size_t f = 0; f < L->nfeats; f++) {
		free(L->feats[f].key);
		free(L->feats[f].surface);
		free(L->feats[f].ex);
	}
	free(L->feats);
}

/* The settings the cross-validation compared, when there was a choice. */
static void write_choice(const struct learn_cv *cv, struct buf *out)
{
	if (cv->ntried < 2)
		return;
	buf_append_str(out, "; Settings compared by the cross-validation (F1 micro, macro):\n");
	for (size_t i = 0; i < cv->ntried; i++)
		buf_printf(out,
			   ";   phrases seen in >= %d example(s), >= %d per label: %.3f, %.3f%s\n",
			   cv->tried[i].min_count, cv->tried[i].min_phrases, cv->tried[i].micro,
			   cv->tried[i].macro, i == cv->chosen ? " (chosen)" : "");
}

static void write_file(const struct learner *L, const struct learn_cv *cv, struct buf *out)
{
	struct selection s;

	learn_select(L, -1, &s);
	buf_printf(out,
		   "; Learned by speechwatch learn from %zu examples and %zu labels.\n"
		   "; Phrases: unigrams and bigrams ranked by the z-score of their log-odds\n"
		   "; ratio (informative Dirichlet prior); weight = the log-odds ratio;\n"
		   "; negative weights: words of the other labels (counter-evidence).\n"
		   "; Threshold: best F1 over %d-fold cross-validation. Edit freely.\n",
		   L->nex, L->nlabels, L->o->folds);
	if (cv->single)
		buf_append_str(
		    out, "; Single-label data: thresholds are tuned for taking only the best\n"
			 "; theme (the first of classify's labels) when above its threshold.\n");
	write_choice(cv, out);
	for (size_t l = 0; l < L->nlabels; l++)
		write_theme(L, &s, l, cv->thr[l], cv->f1[l], out);
	learn_selection_free(L, &s);
}

int learn_from_jsonl(const char *data, size_t len, const struct learn_opts *opts, struct buf *out,
		     char *err, size_t errlen)
{
	struct learn_opts defaults;
	struct learner L;
	struct learn_cv cv;
	int rc = -1;

	learn_opts_default(&defaults);
	memset(&L, 0, sizeof(L));
	L.o = opts ? opts : &defaults;
	if (L.o->folds < 2 || L.o->folds > 20 || L.o->max_phrases < 1 || L.o->min_count < 1 ||
	    L.o->min_phrases < 0) {
		err_set(err, errlen,
			"folds must be 2..20, max_phrases and min_count >= 1, min_phrases >= 0");
		return -1;
	}
	if (read_examples(&L, data, len, err, errlen) < 0)
		goto done;
	build_features(&L);
	learn_cv_run(&L, &cv);
	write_file(&L, &cv, out);
	learn_cv_free(&cv);
	rc = 0;
done:
	learner_free(&L);
	return rc;
}
