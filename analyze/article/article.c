/*
 * analyze/article: main text and metadata of an article page.
 *
 * The cascade: strict boilerplate removal, candidate scoring and cleanup
 * first; when that leaves almost nothing (an unusual layout tripping a
 * class rule), the same scoring again with only hidden parts removed, and
 * the longer result wins. A source's body XPath bypasses the cascade.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/xpath.h>

#include "analyze/article/article.h"
#include "analyze/article/article_int.h"
#include "analyze/page/list_int.h"
#include "common/xmalloc.h"

#define MAX_ROOTS 256
#define MIN_WORDS 60
#define LOOSE_MIN_WORDS 30 /* words the fallback needs when strict rules found none */
#define MAX_TRIES 3	   /* blocks set aside before a page has no main text */

struct pick {
	long roots[MAX_ROOTS];
	size_t n;
	char *text;
	size_t words;
};

static void drop_fresh(struct art_doc *d, int strict)
{
	art_reset(d);
	art_totals(d);
	art_drop_chrome(d, strict);
	art_totals(d);
}

/* Sets the chosen blocks aside and forgets every score, to choose again. */
static void set_aside(struct art_doc *d, const struct pick *p)
{
	for (size_t k = 0; k < p->n; k++)
		d->v[p->roots[k]].flags |= AF_DROP;
	art_drop_subtrees(d);
	for (size_t i = 0; i < d->n; i++) {
		d->v[i].flags &= ~(unsigned)AF_SCORED;
		d->v[i].score = 0;
	}
	art_totals(d);
}

/*
 * The best block that reads as prose: a sidebar of names can outscore a
 * short statement by its many lines, so a pick that is not prose is set
 * aside and the next best tried.
 */
static void pick_run(struct art_doc *d, int strict, struct pick *p)
{
	drop_fresh(d, strict);
	for (int tries = 0; tries <= MAX_TRIES; tries++) {
		p->n = art_choose(d, p->roots, MAX_ROOTS);
		p->text = art_render(d, p->roots, p->n, 1, &p->words);
		if (art_text_is_prose(p->text))
			return;
		free(p->text);
		if (p->n == 0)
			break;
		set_aside(d, p);
	}
	/* no article: the page as it was for the metadata, and no text */
	drop_fresh(d, strict);
	p->n = 0;
	p->text = xstrdup("");
	p->words = 0;
}

static void extract_auto(struct art_doc *d, struct article *out, long *roots, size_t *nroots)
{
	struct pick *best = xcalloc(1, sizeof(*best));
	struct pick *loose;

	pick_run(d, 1, best);
	if (best->words < MIN_WORDS) {
		loose = xcalloc(1, sizeof(*loose));
		pick_run(d, 0, loose);
		/* from nothing, the fallback must find an article, not a footer's line */
		if (loose->words > best->words * 2 &&
		    (best->n > 0 || loose->words >= LOOSE_MIN_WORDS)) {
			free(best->text);
			free(best);
			best = loose;
		} else {
			/* back to the strict flags: metadata looks at what was dropped */
			free(loose->text);
			free(loose);
			free(best->text);
			pick_run(d, 1, best);
		}
	}
	art_lead(d, best->roots, best->n, &best->text, &best->words);
	/* the statement is the document the page links to */
	if (art_only_document_link(d, best->roots, best->n, best->words))
		best->n = 0;
	out->text = best->text;
	out->words = best->words;
	memcpy(roots, best->roots, best->n * sizeof(*roots));
	*nroots = best->n;
	free(best);
}

static xmlXPathObjectPtr eval_xpath(xmlDocPtr doc, const char *expr, char *err, size_t errlen)
{
	/* has-class() and the operation limit, as for list pages */
	xmlXPathContextPtr ctx = list_xpath_context(doc);
	xmlXPathObjectPtr obj = NULL;

	if (ctx == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	obj = xmlXPathEvalExpression((const xmlChar *)expr, ctx);
	xmlXPathFreeContext(ctx);
	if (obj == NULL)
		snprintf(err, errlen, "invalid XPath: %s", expr);
	return obj;
}

static int drop_matches(struct art_doc *d, const char *expr, char *err, size_t errlen)
{
	xmlXPathObjectPtr obj = eval_xpath(d->doc, expr, err, errlen);
	xmlNodeSetPtr set;

	if (obj == NULL)
		return -1;
	set = obj->nodesetval;
	for (int i = 0; set && i < set->nodeNr; i++) {
		long k = art_idx(set->nodeTab[i]);

		if (k >= 0)
			d->v[k].flags |= AF_DROP;
	}
	xmlXPathFreeObject(obj);
	art_drop_subtrees(d);
	return 0;
}

static int inside_any(const struct art_doc *d, long k, const long *roots, size_t n)
{
	for (long p = d->v[k].parent; p >= 0; p = d->v[p].parent)
		for (size_t j = 0; j < n; j++)
			if (roots[j] == p)
				return 1;
	return 0;
}

/* The body XPath's elements (outermost only), in document order. */
static int extract_xpath(struct art_doc *d, const struct article_opts *opts, struct article *out,
			 long *roots, size_t *nroots, char *err, size_t errlen)
{
	xmlXPathObjectPtr obj;
	xmlNodeSetPtr set;
	size_t n = 0;

	for (size_t i = 0; i < ARTICLE_MAX_EXCLUDE && opts->exclude[i]; i++)
		if (drop_matches(d, opts->exclude[i], err, errlen) < 0)
			return -1;
	art_totals(d);
	obj = eval_xpath(d->doc, opts->body, err, errlen);
	if (obj == NULL)
		return -1;
	set = obj->nodesetval;
	for (int i = 0; set && i < set->nodeNr && n < MAX_ROOTS; i++) {
		long k = art_idx(set->nodeTab[i]);

		if (k >= 0 && !(d->v[k].flags & AF_DROP) && !inside_any(d, k, roots, n))
			roots[n++] = k;
	}
	xmlXPathFreeObject(obj);
	out->text = art_render(d, roots, n, 0, &out->words);
	out->body_nodes = n;
	*nroots = n;
	return 0;
}

int article_extract(xmlDocPtr doc, const char *url, const struct article_opts *opts,
		    struct article *out, char *err, size_t errlen)
{
	struct art_doc d;
	long *roots = NULL;
	size_t nroots = 0;
	struct art_titles titles;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (doc == NULL) {
		snprintf(err, errlen, "no document");
		return -1;
	}
	if (art_index(&d, doc, err, errlen) < 0)
		return -1;
	roots = xcalloc(MAX_ROOTS, sizeof(*roots));
	art_totals(&d);
	art_classify(&d);
	if (opts && opts->body) {
		if (extract_xpath(&d, opts, out, roots, &nroots, err, errlen) < 0)
			goto fail;
	} else {
		extract_auto(&d, out, roots, &nroots);
	}
	art_meta(&d, url, opts, roots, nroots, out, &titles);
	art_title(&d, &titles, out);
	if (nroots == 0 || out->words == 0)
		art_no_text(&d, url, opts && opts->body ? opts->body : NULL, out);
	rc = 0;
fail:
	free(roots);
	art_release(&d);
	if (rc < 0)
		article_free(out);
	return rc;
}

void article_free(struct article *a)
{
	if (a == NULL)
		return;
	free(a->title);
	free(a->text);
	free(a->date);
	free(a->language);
	free(a->byline);
	free(a->canonical_url);
	free(a->no_text);
	free(a->document_url);
	memset(a, 0, sizeof(*a));
}
