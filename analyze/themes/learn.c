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
 * weight. The threshold of each theme maximises F1 over the held-out
 * scores of a k-fold cross-validation that runs the real engine
 * (themes_score) on theme files learned from the other folds; for
 * single-label data, F1 of "the best theme if above its threshold". See
 * docs/themes.md.
 */
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/themes/text.h"
#include "analyze/themes/themes.h"
#include "common/err.h"
#include "common/xmalloc.h"

#define WEIGHT_MIN 0.2
#define WEIGHT_MAX 4.0
#define FALLBACK_PHRASES 5

struct example {
	char *text;
	uint32_t *labels; /* indices into labels */
	size_t nlabels;
	int fold;
};

struct feat {
	char *key;     /* stems joined by ' ' */
	char *surface; /* folded words as first seen, for the theme file */
	uint32_t *ex;  /* examples containing it, ascending, unique */
	size_t nex;
};

struct occ {
	char *key, *surface;
	uint32_t ex;
};

struct learner {
	const struct learn_opts *o;
	struct example *ex;
	size_t nex;
	char **labels;
	size_t nlabels;
	struct feat *feats;
	size_t nfeats;
};

void learn_opts_default(struct learn_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->folds = 5;
	o->max_phrases = 40;
	o->min_z = 2.5;
	o->min_count = 2;
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

struct cand {
	double z, delta;
	size_t feat;
};

struct selection {
	struct cand **c; /* per label */
	size_t *n, *cap;
};

static int cand_cmp(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;

	if (x->z != y->z)
		return x->z > y->z ? -1 : 1;
	return x->feat < y->feat ? -1 : x->feat > y->feat;
}

static int has_label(const struct example *e, size_t l)
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
		if ((yk[l] >= (size_t)L->o->min_count && z > 0) ||
		    (L->o->max_negative > 0 && z <= -L->o->neg_z))
			cand_push(s, l, (struct cand){z, d, f});
	}
}

/*
 * Keeps the max_phrases candidates with the highest z (at least min_z, or
 * the FALLBACK_PHRASES best when none is: a label with few examples still
 * gets a theme) and the max_negative with the lowest (counter-evidence:
 * words of the other labels).
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
	npos = nstrong ? nstrong : npos < FALLBACK_PHRASES ? npos : FALLBACK_PHRASES;
	if (nneg > (size_t)L->o->max_negative)
		nneg = (size_t)L->o->max_negative;
	if (npos > (size_t)L->o->max_phrases)
		npos = (size_t)L->o->max_phrases;
	if (nneg > 0) /* c may be NULL for a label without candidates */
		memmove(c + npos, c + n - nneg, nneg * sizeof(*c));
	s->n[l] = npos + nneg;
}

static void select_features(const struct learner *L, int fold, struct selection *s)
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

static void selection_free(const struct learner *L, struct selection *s)
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

/* Compiles a selection into themes with threshold 0 (scores only). */
static struct themes *selection_compile(const struct learner *L, const struct selection *s)
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

/* Thresholds by cross-validation. */

struct pair {
	double score;
	int pos; /* the example has this label */
	int top; /* this label's theme scored highest on the example */
};

static int pair_cmp(const void *a, const void *b)
{
	const struct pair *x = a, *y = b;

	return x->score > y->score ? -1 : x->score < y->score;
}

static void score_fold(const struct learner *L, int fold, struct pair **pairs)
{
	struct selection s;
	struct themes *th;

	select_features(L, fold, &s);
	th = selection_compile(L, &s);
	selection_free(L, &s);
	if (!th)
		return;
	for (size_t e = 0; e < L->nex; e++) {
		struct theme_result *r;
		if (L->ex[e].fold != fold)
			continue;
		themes_score(th, L->ex[e].text, strlen(L->ex[e].text), L->o->lang, &r);
		for (size_t t = 0; t < r->nthemes; t++)
			for (size_t l = 0; l < L->nlabels; l++)
				if (strcmp(r->themes[t].id, L->labels[l]) == 0)
					pairs[l][e] = (struct pair){
					    r->themes[t].score, has_label(&L->ex[e], l),
					    t == 0 && r->themes[t].score > 0};
		theme_result_free(r);
	}
	themes_free(th);
}

/*
 * The threshold with the best F1 over p (sorted in place); *f1 receives it.
 * missed: positives that cannot be predicted whatever the threshold.
 */
static double best_threshold(struct pair *p, size_t n, size_t missed, double *f1)
{
	size_t pos = missed, tp = 0, fp = 0;
	double best = 0, thr = 1.0;

	for (size_t i = 0; i < n; i++)
		pos += p[i].pos != 0;
	qsort(p, n, sizeof(*p), pair_cmp);
	for (size_t i = 0; i < n && p[i].score > 0; i++) {
		double f, next;
		tp += p[i].pos != 0;
		fp += p[i].pos == 0;
		next = i + 1 < n ? p[i + 1].score : 0;
		if (next == p[i].score)
			continue;
		f = 2.0 * (double)tp / (double)(2 * tp + fp + (pos - tp));
		if (f > best) {
			best = f;
			thr = floor((p[i].score + next) / 2 * 10000.0) / 10000.0;
			if (thr <= next)
				thr = p[i].score;
		}
	}
	*f1 = best;
	return thr > 0 ? thr : 0.0001;
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

/*
 * For single-label data, where the decision is the best theme if it
 * reaches its threshold: the threshold with the best F1 of that rule, over
 * the examples on which the label's theme scored highest (p is reordered).
 */
static double top_threshold(struct pair *p, size_t n, double *f1)
{
	size_t k = 0, missed = 0;

	for (size_t i = 0; i < n; i++) {
		if (p[i].top) {
			struct pair t = p[k];
			p[k++] = p[i];
			p[i] = t;
		} else if (p[i].pos) {
			missed++;
		}
	}
	return best_threshold(p, k, missed, f1);
}

static int double_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/*
 * A label whose held-out examples were never found at any threshold (a
 * handful of examples, none sharing a word) has no F1 to choose by. It
 * takes the median threshold of the labels that had one, rather than 1.0,
 * which would learn a theme that can never fire from data that has it.
 */
static void fill_untuned_thresholds(double *thr, const double *f1, size_t n)
{
	double *tuned = xcalloc(n ? n : 1, sizeof(*tuned));
	size_t k = 0;

	for (size_t l = 0; l < n; l++)
		if (f1[l] > 0)
			tuned[k++] = thr[l];
	if (k > 0) {
		qsort(tuned, k, sizeof(*tuned), double_cmp);
		for (size_t l = 0; l < n; l++)
			if (f1[l] <= 0)
				thr[l] = tuned[k / 2];
	}
	free(tuned);
}

static int single_label(const struct learner *L)
{
	for (size_t e = 0; e < L->nex; e++)
		if (L->ex[e].nlabels > 1)
			return 0;
	return 1;
}

static void write_file(const struct learner *L, struct pair **pairs, struct buf *out)
{
	struct selection s;
	int single = single_label(L);

	select_features(L, -1, &s);
	buf_printf(out,
		   "; Learned by speechwatch learn from %zu examples and %zu labels.\n"
		   "; Phrases: unigrams and bigrams ranked by the z-score of their log-odds\n"
		   "; ratio (informative Dirichlet prior); weight = the log-odds ratio;\n"
		   "; negative weights: words of the other labels (counter-evidence).\n"
		   "; Threshold: best F1 over %d-fold cross-validation. Edit freely.\n",
		   L->nex, L->nlabels, L->o->folds);
	if (single)
		buf_append_str(
		    out, "; Single-label data: thresholds are tuned for taking only the best\n"
			 "; theme (the first of classify's labels) when above its threshold.\n");
	double *thr = xcalloc(L->nlabels, sizeof(*thr)), *f1 = xcalloc(L->nlabels, sizeof(*f1));
	for (size_t l = 0; l < L->nlabels; l++)
		thr[l] = single ? top_threshold(pairs[l], L->nex, &f1[l])
				: best_threshold(pairs[l], L->nex, 0, &f1[l]);
	fill_untuned_thresholds(thr, f1, L->nlabels);
	for (size_t l = 0; l < L->nlabels; l++)
		write_theme(L, &s, l, thr[l], f1[l], out);
	free(thr);
	free(f1);
	selection_free(L, &s);
}

int learn_from_jsonl(const char *data, size_t len, const struct learn_opts *opts, struct buf *out,
		     char *err, size_t errlen)
{
	struct learn_opts defaults;
	struct learner L;
	struct pair **pairs = NULL;
	int rc = -1;

	learn_opts_default(&defaults);
	memset(&L, 0, sizeof(L));
	L.o = opts ? opts : &defaults;
	if (L.o->folds < 2 || L.o->folds > 20 || L.o->max_phrases < 1 || L.o->min_count < 1) {
		err_set(err, errlen, "folds must be 2..20, max_phrases and min_count >= 1");
		return -1;
	}
	if (read_examples(&L, data, len, err, errlen) < 0)
		goto done;
	build_features(&L);
	pairs = xcalloc(L.nlabels, sizeof(*pairs));
	for (size_t l = 0; l < L.nlabels; l++)
		pairs[l] = xcalloc(L.nex, sizeof(**pairs));
	for (int f = 0; f < L.o->folds; f++)
		score_fold(&L, f, pairs);
	write_file(&L, pairs, out);
	rc = 0;
done:
	for (size_t l = 0; pairs && l < L.nlabels; l++)
		free(pairs[l]);
	free(pairs);
	learner_free(&L);
	return rc;
}
