/*
 * The standfirst: a summary block (class/id chapo, lead, standfirst,
 * summary, intro, excerpt, teaser...) that belongs to the chosen article,
 * the one just before its first block (past a headline, a date, a byline)
 * or at the very start of it, is the first paragraph, unless the body
 * already says the same. A block labelled as an abstract ("Résumé :",
 * "Summary:") is a description written about the statement (an archive's
 * record of a speech), not its opening words: it is left out. Some of these words
 * ("lead", "standfirst") remove the block before scoring, others leave it
 * to the sibling rule; either way it is found here. A summary that a
 * metadata box separates from the body (GOV.UK's "From: … Published …")
 * is the page's description, not the body's opening, and stays out.
 */
#include <stdlib.h>
#include <string.h>

#include "analyze/article/article_int.h"
#include "common/xmalloc.h"

#define LEAD_GAP 100  /* text allowed between a standfirst and the body (date, byline) */
#define LEAD_SCAN 400 /* elements looked at */
#define LEAD_WORDS 5  /* words of a standfirst at least */
#define LEAD_LEVELS 3 /* the body's box and two boxes around it */

/*
 * Inside page furniture: a removed box above the standfirst, except the
 * article's own <header> or <hgroup>, where standfirsts often sit with
 * the headline.
 */
static int in_furniture(const struct art_doc *d, long s)
{
	if (d->v[s].flags & AF_HIDDEN)
		return 1;
	for (long p = d->v[s].parent; p >= 0; p = d->v[p].parent) {
		unsigned f = d->v[p].flags;
		int header =
		    art_name_is(d->v[p].node, "header") || art_name_is(d->v[p].node, "hgroup");

		if ((f & (AF_STRONG | AF_HIDDEN | AF_LEAD)) || ((f & AF_NEG) && !(f & AF_POS)))
			return 1;
		if ((f & AF_CHROME) && !header)
			return 1;
	}
	return 0;
}

/*
 * Visible text of i, removed or not: a metadata box ("From: … Published …
 * Delivered on: …") between a summary and the body makes the summary the
 * page's, not the body's first paragraph.
 */
static size_t gap_text(const struct art_doc *d, long i)
{
	char *t;
	size_t n;

	if (!(d->v[i].flags & AF_DROP))
		return d->v[i].text;
	if (d->v[i].flags & (AF_JUNK | AF_HIDDEN))
		return 0;
	t = art_node_text(d->v[i].node, 4096);
	n = art_text_len(t, NULL);
	free(t);
	return n;
}

/*
 * The standfirst among the siblings just before root (past a headline, a
 * date, a byline), looking up to LEAD_LEVELS parents while root opens its
 * parent; -1 when there is none.
 */
static long lead_before(const struct art_doc *d, long root)
{
	size_t seen = 0;
	long at = root;

	for (int lvl = 0; lvl < LEAD_LEVELS && at >= 0; lvl++, at = d->v[at].parent) {
		if (d->v[at].node == d->body)
			return -1;
		for (xmlNodePtr n = d->v[at].node->prev; n; n = n->prev) {
			long i = art_idx(n);

			if (i < 0)
				continue;
			if (d->v[i].flags & AF_LEAD)
				return in_furniture(d, i) ? -1 : i;
			if ((d->v[i].flags & AF_HEADING) || d->v[i].h1 > 0)
				continue;
			seen += gap_text(d, i);
			if (seen > LEAD_GAP)
				return -1;
		}
	}
	return -1;
}

/* Visible text between the standfirst s and the first paragraph after it in root. */
static size_t gap_after(const struct art_doc *d, long root, long s)
{
	size_t gap = 0, end = art_subtree_end(d, root);

	for (size_t i = art_subtree_end(d, s); i < end; i++) {
		const struct art_node *e = &d->v[i];

		if (e->flags & (AF_JUNK | AF_HIDDEN))
			continue;
		if (!(e->flags & AF_DROP) && (e->flags & AF_BLOCK) && e->inl >= 25)
			return gap;
		gap += e->own;
		if (gap > LEAD_GAP)
			break;
	}
	return gap;
}

/* A standfirst that opens root and was left out of it, or -1. */
static long lead_inside(const struct art_doc *d, long root)
{
	size_t seen = 0, end = art_subtree_end(d, root);

	for (size_t i = (size_t)root + 1; i < end && i - (size_t)root < LEAD_SCAN; i++) {
		const struct art_node *e = &d->v[i];

		if ((e->flags & AF_LEAD) && (e->flags & AF_DROP))
			return in_furniture(d, (long)i) || gap_after(d, root, (long)i) > LEAD_GAP
				   ? -1
				   : (long)i;
		if (e->flags & (AF_DROP | AF_HEADING))
			continue;
		seen += e->own;
		if (seen > LEAD_GAP)
			return -1;
	}
	return -1;
}

/*
 * Gives s's subtree back (or takes it away again), but for what is never
 * text or is boilerplate on its own (a lead image's caption and credit).
 */
static void set_dropped(struct art_doc *d, long s, int drop)
{
	size_t end = art_subtree_end(d, s);

	d->v[s].flags = drop ? d->v[s].flags | AF_DROP : d->v[s].flags & ~(unsigned)AF_DROP;
	for (size_t i = (size_t)s + 1; i < end; i++) {
		struct art_node *e = &d->v[i];
		unsigned f = e->flags;
		int own = (f & (AF_JUNK | AF_HIDDEN | AF_CHROME)) ||
			  ((f & AF_STRONG) && !(f & AF_LEAD)) || ((f & AF_NEG) && !(f & AF_POS));

		e->flags &= ~(unsigned)AF_DROP;
		if (drop || own || (d->v[e->parent].flags & AF_DROP))
			e->flags |= AF_DROP;
	}
	art_totals(d);
}

/*
 * Puts the chosen article's standfirst in front of *text (recounting
 * *words) when there is one and the text does not already hold it.
 * roots: the chosen blocks in document order.
 */
void art_lead(struct art_doc *d, const long *roots, size_t nroots, char **text, size_t *words)
{
	long s;
	size_t n;
	int dropped;
	char *lead, *joined = NULL;

	if (nroots == 0)
		return;
	art_drop_repeated_lead(*text);
	art_drop_abstract(*text);
	*words = art_count_words(*text);
	s = lead_inside(d, roots[0]);
	if (s < 0)
		s = lead_before(d, roots[0]);
	if (s < 0)
		return;
	dropped = (d->v[s].flags & AF_DROP) != 0;
	if (dropped)
		set_dropped(d, s, 0);
	lead = art_render(d, &s, 1, 1, &n);
	/* a credit line ("ITV, ASSOCIATED PRESS") is no summary, a long box no standfirst */
	if (n >= LEAD_WORDS && d->v[s].text < LEAD_MAX && !art_abstract_label(lead))
		joined = art_join_lead(lead, *text);
	free(lead);
	if (joined == NULL) {
		if (dropped)
			set_dropped(d, s, 1);
		return;
	}
	free(*text);
	*text = joined;
	*words = art_count_words(joined);
}
