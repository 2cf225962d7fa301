/*
 * list_discover: the page index (discover_scan.c), candidate lists and
 * their scores (discover_list.c, discover_score.c), XPaths
 * (discover_xpath.c); here each candidate is verified by running
 * list_extract_html with its XPaths, and ranked with a confidence.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/page/discover.h"
#include "analyze/page/discover_int.h"
#include "analyze/page/list.h"
#include "common/buf.h"
#include "common/err.h"
#include "common/hmap.h"
#include "common/xmalloc.h"

#define DISCOVER_MAX 5
#define DISCOVER_MIN_SCORE 0.8 /* below: not a list of statements */
#define DISCOVER_MIN_TQ 0.5    /* mean title quality below: a menu, tags, a pager */

static void candidate_clear(struct discover_candidate *c)
{
	free(c->items);
	free(c->link);
	free(c->title);
	free(c->date);
	free(c->date_format);
	free(c->why);
	list_items_free(&c->items_seen);
	memset(c, 0, sizeof(*c));
}

void discover_result_free(struct discover_result *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->n; i++)
		candidate_clear(&r->v[i]);
	free(r->v);
	r->v = NULL;
	r->n = 0;
}

static int candidate_extract(const struct dsc_page *pg, struct discover_candidate *c)
{
	struct list_spec spec;
	char err[256];

	memset(&spec, 0, sizeof(spec));
	spec.items = c->items;
	spec.link = c->link;
	spec.title = c->title;
	spec.date = c->date;
	spec.date_format = c->date_format;
	list_items_free(&c->items_seen);
	if (list_extract_html(pg->doc, pg->self, &spec, &c->items_seen, err, sizeof(err)) != 0)
		return -1;
	c->count = c->items_seen.n;
	return 0;
}

static size_t candidate_dated(const struct discover_candidate *c)
{
	size_t i, n = 0;

	for (i = 0; i < c->items_seen.n; i++)
		n += c->items_seen.v[i].date != NULL;
	return n;
}

/*
 * Runs the XPaths: drops the date XPath when it reads fewer dates than the
 * list showed. 0 when the candidate yields items.
 */
static int candidate_verify(const struct dsc_page *pg, const struct dsc_list *l,
			    struct discover_candidate *c)
{
	if (candidate_extract(pg, c) != 0 || c->count == 0)
		return -1;
	if (c->date != NULL && (double)candidate_dated(c) < 0.5 * l->dfp * (double)c->count) {
		free(c->date);
		c->date = NULL;
		if (candidate_extract(pg, c) != 0 || c->count == 0)
			return -1;
	}
	return 0;
}

static void candidate_why(const struct dsc_list *l, struct discover_candidate *c)
{
	struct buf b;

	buf_init(&b);
	buf_printf(&b,
		   "%zu item%s under <%s>; titles %.2f, dated %.0f%%, one URL shape %.0f%%, "
		   "on-site %.0f%%",
		   c->count, c->count == 1 ? "" : "s", (const char *)l->parent->name, l->tq,
		   100.0 * l->df, 100.0 * l->uh, 100.0 * l->loc);
	if (l->ctx != 0)
		buf_printf(&b, ", context %+.2f", l->ctx);
	if (l->head > 0)
		buf_append_str(&b, ", heading matches the page title");
	else if (l->head < -0.5)
		buf_append_str(&b, ", heading names a side box");
	else if (l->head < 0)
		buf_append_str(&b, ", heading unlike the page title");
	if (l->pager > 0)
		buf_append_str(&b, ", pagination follows");
	if (l->chrono > 0)
		buf_append_str(&b, ", newest first");
	if (l->early < 0)
		buf_append_str(&b, ", before the page heading");
	buf_printf(&b, "; score %.2f", l->score);
	c->why = buf_steal(&b);
}

/*
 * The best list: high with a score of 3 and a margin of 1 over the runner-up
 * (a different URL set), medium with a margin of 0.5, else low. Runners-up
 * are low: they are offered, not recommended.
 */
static void result_confidence(struct discover_result *r)
{
	double margin;
	size_t i;

	for (i = 0; i < r->n; i++)
		r->v[i].confidence = DISCOVER_LOW;
	if (r->n == 0)
		return;
	margin = r->v[0].score - (r->n > 1 ? r->v[1].score : 0.0);
	if (r->v[0].score >= 3.0 && margin >= 1.0)
		r->v[0].confidence = DISCOVER_HIGH;
	else if (margin >= 0.5)
		r->v[0].confidence = DISCOVER_MEDIUM;
}

/* Writes and checks the XPaths of the best lists; -1 when libxml2 cannot make an XPath context. */
#define DISCOVER_SAME 0.8 /* share of a candidate's URLs a better one has: the same list */

/*
 * 1 when most of c's URLs are in seen (the URLs of the better candidates):
 * the same list read another way (its links alone, or one item's
 * wrapper). Otherwise adds c's URLs to seen.
 */
static int candidate_repeats(struct hmap *seen, const struct discover_candidate *c)
{
	size_t i, n = c->count < 500 ? c->count : 500, hit = 0;

	for (i = 0; i < n; i++) {
		const char *u = c->items_seen.v[i].url;

		hit += hmap_get(seen, u, strlen(u), hmap_hash(u, strlen(u))) != NULL;
	}
	if ((double)hit >= DISCOVER_SAME * (double)n)
		return 1;
	for (i = 0; i < n; i++) {
		const char *u = c->items_seen.v[i].url;
		uint32_t h = hmap_hash(u, strlen(u));

		if (hmap_get(seen, u, strlen(u), h) == NULL)
			hmap_put(seen, u, strlen(u), h, 1);
	}
	return 0;
}

static int result_fill(const struct dsc_page *pg, struct dsc_lists *ls, size_t max,
		       struct discover_result *out)
{
	struct dsc_xcache xc;
	struct hmap seen;
	size_t i;

	out->v = xcalloc(max, sizeof(*out->v));
	if (dsc_xcache_init(&xc, pg->doc) != 0) {
		dsc_xcache_free(&xc);
		return -1;
	}
	hmap_init(&seen, 256);
	for (i = 0; i < ls->n && out->n < max; i++) {
		const struct dsc_list *l = &ls->v[i];
		struct discover_candidate *c = &out->v[out->n];

		if (l->score < DISCOVER_MIN_SCORE || l->tq < DISCOVER_MIN_TQ)
			continue;
		if (dsc_xpath_write(pg, l, &xc, c) == 0 && c->date != NULL)
			c->date_format = dsc_date_format(pg, l);
		if (c->items == NULL || c->link == NULL || candidate_verify(pg, l, c) != 0 ||
		    candidate_repeats(&seen, c)) {
			candidate_clear(c);
			continue;
		}
		c->score = l->score;
		candidate_why(l, c);
		out->n++;
	}
	dsc_xcache_free(&xc);
	hmap_free(&seen);
	result_confidence(out);
	return 0;
}

int list_discover(xmlDocPtr doc, const char *page_url, size_t max, struct discover_result *out,
		  char *err, size_t errlen)
{
	struct dsc_page pg;
	struct dsc_lists ls;
	int rc;

	memset(out, 0, sizeof(*out));
	if (max == 0)
		max = DISCOVER_MAX;
	if (doc == NULL || page_url == NULL) {
		err_set(err, errlen, "no document or no page URL");
		return -1;
	}
	if (dsc_page_index(&pg, doc, page_url) != 0) {
		dsc_page_free(&pg);
		return 0;
	}
	memset(&ls, 0, sizeof(ls));
	dsc_lists_build(&pg, &ls);
	rc = result_fill(&pg, &ls, max, out);
	dsc_lists_free(&ls);
	dsc_page_free(&pg);
	if (rc != 0) {
		discover_result_free(out);
		err_set(err, errlen, "out of memory in libxml2 (XPath context)");
	}
	return rc;
}
