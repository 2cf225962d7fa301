/*
 * Candidate scoring: every paragraph of 25+ characters scores by its length
 * and commas (less its link share) and hands the score to its ancestors
 * with decaying weight; an ancestor's total is scaled by its own link
 * density. The best block then absorbs an ancestor that clearly holds more
 * of the article and siblings that look like more of the same.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "analyze/article/article_int.h"

#define MIN_PARA 25
#define SCORE_LEVELS 5

static double tag_base(const struct art_node *e)
{
	const char *name = (const char *)e->node->name;
	double s = 0;

	if (strcasecmp(name, "div") == 0 || strcasecmp(name, "article") == 0)
		s = 5;
	else if (strcasecmp(name, "pre") == 0 || strcasecmp(name, "td") == 0 ||
		 strcasecmp(name, "blockquote") == 0)
		s = 3;
	else if ((e->flags & AF_LIST) || strcasecmp(name, "li") == 0 ||
		 strcasecmp(name, "dd") == 0 || strcasecmp(name, "dt") == 0 ||
		 strcasecmp(name, "address") == 0 || strcasecmp(name, "form") == 0)
		s = -3;
	else if ((e->flags & AF_HEADING) || strcasecmp(name, "th") == 0)
		s = -5;
	if (e->flags & AF_POS)
		s += 25;
	if (e->flags & (AF_NEG | AF_STRONG))
		s -= 25;
	return s;
}

static void add_score(struct art_doc *d, long i, double s)
{
	struct art_node *e = &d->v[i];

	if (!(e->flags & AF_SCORED)) {
		e->flags |= AF_SCORED;
		e->score = tag_base(e);
	}
	e->score += s;
}

static void score_paragraphs(struct art_doc *d)
{
	static const double div[SCORE_LEVELS] = {1, 2, 6, 9, 12};

	for (size_t i = 0; i < d->n; i++) {
		struct art_node *e = &d->v[i];
		double s, len = (double)e->inl;
		long p = e->parent;

		if ((e->flags & (AF_DROP | AF_HEADING)) || !(e->flags & AF_BLOCK) ||
		    e->inl < MIN_PARA)
			continue;
		s = 1 + e->inl_commas + (len / 100 > 3 ? 3 : len / 100);
		s *= 1 - (double)e->inl_link / len;
		for (int lvl = 0; lvl < SCORE_LEVELS && p >= 0; lvl++) {
			add_score(d, p, s / div[lvl]);
			p = d->v[p].parent;
		}
	}
}

static long best_candidate(struct art_doc *d)
{
	long best = -1;

	for (size_t i = 0; i < d->n; i++) {
		struct art_node *e = &d->v[i];

		if (!(e->flags & AF_SCORED) || (e->flags & AF_DROP))
			continue;
		if (e->text > 0)
			e->score *= 1 - (double)e->link / (double)e->text;
		if (best < 0 || e->score > d->v[best].score)
			best = (long)i;
	}
	return best;
}

static int is_ancestor(const struct art_doc *d, long anc, long i)
{
	for (int k = 0; i >= 0 && k < 4096; k++, i = d->v[i].parent)
		if (i == anc)
			return 1;
	return 0;
}

/*
 * When several strong candidates share an ancestor (an article split into
 * sections), that ancestor is the article.
 */
static long common_ancestor(const struct art_doc *d, long top)
{
	long alt[5];
	size_t nalt = 0;
	double min = d->v[top].score * 0.75;

	for (size_t i = 0; i < d->n && nalt < 5; i++)
		if ((long)i != top && (d->v[i].flags & AF_SCORED) && !(d->v[i].flags & AF_DROP) &&
		    d->v[i].score >= min && !is_ancestor(d, (long)i, top) &&
		    !is_ancestor(d, top, (long)i))
			alt[nalt++] = (long)i;
	if (nalt < 2)
		return top;
	for (long a = d->v[top].parent; a >= 0 && d->v[a].node != d->body; a = d->v[a].parent) {
		int k = 0;

		for (size_t j = 0; j < nalt; j++)
			k += is_ancestor(d, a, alt[j]);
		if (k >= 2)
			return a;
	}
	return top;
}

/* Climbs while the parent scores higher (readability's rule), or is the only child. */
static long climb(const struct art_doc *d, long top)
{
	double last = d->v[top].score, threshold = last / 3;
	long p;

	for (p = d->v[top].parent; p >= 0 && d->v[p].node != d->body; p = d->v[p].parent) {
		if (!(d->v[p].flags & AF_SCORED))
			continue;
		if (d->v[p].score < threshold)
			break;
		if (d->v[p].score > last) {
			top = p;
			break;
		}
		last = d->v[p].score;
	}
	while ((p = d->v[top].parent) >= 0 && d->v[p].node != d->body &&
	       d->v[p].text == d->v[top].text && d->v[p].imgs == d->v[top].imgs &&
	       d->v[p].parent >= 0)
		top = p;
	return top;
}

static int sentence_end(xmlNodePtr n)
{
	char *t = art_node_text(n, 4096);
	size_t k = strlen(t);
	int r = k > 0 && strchr(".!?\"", t[k - 1]) != NULL;

	free(t);
	return r;
}

/*
 * A sibling of the best block joins it when it scores well itself or reads
 * like one paragraph of prose: a long block with few links, or a short one
 * without links that ends a sentence.
 */
static int sibling_fits(const struct art_doc *d, long top, long s)
{
	const struct art_node *e = &d->v[s];
	double threshold = d->v[top].score * 0.2;
	double ld;

	if (threshold < 10)
		threshold = 10;
	if (e->h1 > 0 || e->text == 0) /* the headline's box: kicker, byline, date */
		return 0;
	if ((e->flags & AF_SCORED) && e->score >= threshold)
		return 1;
	if (!(e->flags & AF_BLOCK) || (e->flags & (AF_HEADING | AF_LIST | AF_TABLE)) || e->h1 > 0 ||
	    e->blocks > 1)
		return 0;
	ld = (double)e->link / (double)e->text;
	if (e->text > 80 && ld < 0.25)
		return 1;
	return e->link == 0 && sentence_end(e->node);
}

/*
 * Chooses the article: up to max element indexes, in document order.
 * Returns how many (0 when the page has no paragraph at all).
 */
size_t art_choose(struct art_doc *d, long *out, size_t max)
{
	long top, parent;
	size_t n = 0;

	score_paragraphs(d);
	top = best_candidate(d);
	if (top < 0 || max == 0)
		return 0;
	top = common_ancestor(d, top);
	top = climb(d, top);
	parent = d->v[top].parent;
	if (parent < 0) {
		out[0] = top;
		return 1;
	}
	for (xmlNodePtr c = d->v[parent].node->children; c && n < max; c = c->next) {
		long s = art_idx(c);

		if (s < 0 || (d->v[s].flags & AF_DROP))
			continue;
		if (s == top || sibling_fits(d, top, s))
			out[n++] = s;
	}
	return n;
}
