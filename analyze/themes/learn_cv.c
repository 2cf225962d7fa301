/*
 * analyze/themes/learn_cv: the cross-validation inside `learn`. Each fold's
 * theme file is learned from the other folds and the fold is scored by the
 * real engine (themes_score); the pooled held-out scores give each theme's
 * threshold (F1 of "every theme above threshold", or for single-label data
 * of "the best theme if above its threshold") and choose min_phrases, how
 * many phrases a label with few strong ones keeps, which depends on the
 * data. See docs/themes.md "Learning".
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/themes/learn_int.h"
#include "common/xmalloc.h"

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

	learn_select(L, fold, &s);
	th = learn_selection_compile(L, &s);
	learn_selection_free(L, &s);
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
					    r->themes[t].score, learn_has_label(&L->ex[e], l),
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

/* Thresholds (and their F1) from the held-out scores; pairs are left as they were. */
static void thresholds(const struct learner *L, struct pair **pairs, int single, double *thr,
		       double *f1)
{
	struct pair *p = xcalloc(L->nex ? L->nex : 1, sizeof(*p));

	for (size_t l = 0; l < L->nlabels; l++) {
		memcpy(p, pairs[l], L->nex * sizeof(*p));
		thr[l] = single ? top_threshold(p, L->nex, &f1[l])
				: best_threshold(p, L->nex, 0, &f1[l]);
	}
	fill_untuned_thresholds(thr, f1, L->nlabels);
	free(p);
}

struct counts {
	size_t tp, fp, fn;
};

/* Adds example e's decisions at thresholds thr to c (per label). */
static void count_decisions(const struct learner *L, struct pair **pairs, size_t e, int single,
			    const double *thr, struct counts *c)
{
	for (size_t l = 0; l < L->nlabels; l++) {
		const struct pair *p = &pairs[l][e];
		int said = p->score > 0 && p->score >= thr[l] && (!single || p->top);
		if (said && p->pos)
			c[l].tp++;
		else if (said)
			c[l].fp++;
		else if (p->pos)
			c[l].fn++;
	}
}

/* Micro- and macro-F1 of the decisions at thresholds thr over the held-out scores. */
static void decision_f1(const struct learner *L, struct pair **pairs, int single, const double *thr,
			double *micro, double *macro)
{
	struct counts *c = xcalloc(L->nlabels, sizeof(*c)), sum = {0, 0, 0};
	size_t nl = 0;

	for (size_t e = 0; e < L->nex; e++)
		count_decisions(L, pairs, e, single, thr, c);
	*macro = 0;
	for (size_t l = 0; l < L->nlabels; l++) {
		sum.tp += c[l].tp, sum.fp += c[l].fp, sum.fn += c[l].fn;
		if (c[l].tp + c[l].fn == 0)
			continue;
		*macro += c[l].tp
			      ? 2.0 * (double)c[l].tp / (double)(2 * c[l].tp + c[l].fp + c[l].fn)
			      : 0.0;
		nl++;
	}
	*macro = nl ? *macro / (double)nl : 0.0;
	*micro = sum.tp ? 2.0 * (double)sum.tp / (double)(2 * sum.tp + sum.fp + sum.fn) : 0.0;
	free(c);
}

/* One setting's cross-validation: held-out scores, thresholds, their quality. */
static void cv_try(struct learner *L, struct learn_setting *st, struct pair **pairs, double *thr,
		   double *f1, int single)
{
	L->min_count = st->min_count;
	L->min_phrases = st->min_phrases;
	for (size_t l = 0; l < L->nlabels; l++)
		memset(pairs[l], 0, L->nex * sizeof(**pairs));
	for (int f = 0; f < L->o->folds; f++)
		score_fold(L, f, pairs);
	thresholds(L, pairs, single, thr, f1);
	decision_f1(L, pairs, single, thr, &st->micro, &st->macro);
}

/*
 * The settings to try, the default first: min_phrases 10 and 5 unless o
 * fixes it. (min_count 1 was a choice too: it won the inner folds on small
 * labels and lost on the outer ones, see docs/themes.md.)
 */
static size_t grid(const struct learn_opts *o, struct learn_setting *v)
{
	static const int phrases[] = {10, 5};
	size_t n = 0;

	for (size_t j = 0; j < 2 && (j == 0 || o->min_phrases == 0); j++)
		v[n++] = (struct learn_setting){
		    o->min_count, o->min_phrases > 0 ? o->min_phrases : phrases[j], 0, 0};
	return n;
}

static struct pair **pairs_new(const struct learner *L)
{
	struct pair **pairs = xcalloc(L->nlabels, sizeof(*pairs));

	for (size_t l = 0; l < L->nlabels; l++)
		pairs[l] = xcalloc(L->nex ? L->nex : 1, sizeof(**pairs));
	return pairs;
}

static void pairs_free(const struct learner *L, struct pair **pairs)
{
	for (size_t l = 0; l < L->nlabels; l++)
		free(pairs[l]);
	free(pairs);
}

void learn_cv_run(struct learner *L, struct learn_cv *cv)
{
	struct pair **pairs = pairs_new(L);
	double *thr = xcalloc(L->nlabels, sizeof(double)),
	       *f1 = xcalloc(L->nlabels, sizeof(double));

	memset(cv, 0, sizeof(*cv));
	cv->single = single_label(L);
	cv->thr = xcalloc(L->nlabels, sizeof(double));
	cv->f1 = xcalloc(L->nlabels, sizeof(double));
	cv->ntried = grid(L->o, cv->tried);
	for (size_t i = 0; i < cv->ntried; i++) {
		struct learn_setting *st = &cv->tried[i], *best = &cv->tried[cv->chosen];
		cv_try(L, st, pairs, thr, f1, cv->single);
		if (i > 0 && st->micro + st->macro <= best->micro + best->macro)
			continue;
		cv->chosen = i;
		memcpy(cv->thr, thr, L->nlabels * sizeof(double));
		memcpy(cv->f1, f1, L->nlabels * sizeof(double));
	}
	L->min_count = cv->tried[cv->chosen].min_count;
	L->min_phrases = cv->tried[cv->chosen].min_phrases;
	free(thr);
	free(f1);
	pairs_free(L, pairs);
}

void learn_cv_free(struct learn_cv *cv)
{
	free(cv->thr);
	free(cv->f1);
}
