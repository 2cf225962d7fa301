#include "daemon/listing.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/page/discover.h"
#include "analyze/page/page.h"
#include "common/clock.h"
#include "common/urlcred.h"
#include "common/xmalloc.h"
#include "config/config.h"
#include "daemon/structure.h"

static enum page_kind page_kind_of(enum config_kind k)
{
	switch (k) {
	case SOURCE_KIND_HTML:
		return PAGE_HTML;
	case SOURCE_KIND_RSS:
	case SOURCE_KIND_ATOM:
		return PAGE_XML;
	default:
		return PAGE_AUTO;
	}
}

/* A feed: the RSS/RDF/Atom rules, no XPath needed. */
static int items_from_feed(xmlDocPtr doc, const struct config_source *s, const char *url,
			   const struct listing_memory *mem, struct listing *out, char *err,
			   size_t errlen)
{
	(void)mem;
	return list_extract_feed(doc, url, (size_t)s->max_items, &out->items, err, errlen);
}

/* discover's best list on the page as a suggestion (structure.h JSON), or NULL. */
static char *suggestion_of(const struct discover_result *r)
{
	struct structure st;
	char *json;

	if (r->n == 0 || r->v[0].count == 0)
		return NULL;
	structure_from_candidate(&st, &r->v[0], 0);
	json = structure_json(&st);
	structure_clear(&st);
	return json;
}

static char *suggest(xmlDocPtr doc, const char *url)
{
	struct discover_result r;
	char err[256];
	char *json;

	if (list_discover(doc, url, 1, &r, err, sizeof(err)) < 0)
		return NULL; /* out of memory in libxml2: the failure stands without it */
	json = suggestion_of(&r);
	discover_result_free(&r);
	return json;
}

/* Reads the list with st into items; 0 when the items pass their check. */
static int read_with(xmlDocPtr doc, const struct config_source *s, const char *url,
		     const struct structure *st, struct list_items *items)
{
	struct list_spec spec;
	char err[256];

	structure_spec(st, s, &spec);
	if (list_extract_html(doc, url, &spec, items, err, sizeof(err)) < 0)
		return -1;
	return list_items_verdict(items) == LIST_USABLE ? 0 : -1;
}

/* 1 when one of c's items is an item the source has stored. */
static int holds_known(const struct discover_candidate *c, const struct listing_memory *mem)
{
	for (size_t i = 0; i < c->items_seen.n; i++)
		if (c->items_seen.v[i].url != NULL && mem->known(mem->arg, c->items_seen.v[i].url))
			return 1;
	return 0;
}

/*
 * The candidate that is the source's list: the best one when nothing was
 * remembered; else the best one that holds a known item (a redesign keeps
 * the statements). NULL when none.
 */
static const struct discover_candidate *pick(const struct discover_result *r,
					     const struct listing_memory *mem, int had)
{
	for (size_t i = 0; i < r->n; i++) {
		if (r->v[i].count == 0)
			continue;
		if (!had)
			return &r->v[i];
		if (mem->known != NULL && holds_known(&r->v[i], mem))
			return &r->v[i];
	}
	return NULL;
}

/* The detector's choice c becomes the structure the items are read with. */
static void take(xmlDocPtr doc, const struct config_source *s, const char *url,
		 const struct discover_candidate *c, const struct listing_memory *mem, int had,
		 struct listing *out)
{
	struct structure chosen;

	list_items_free(&out->items);
	structure_from_candidate(&chosen, c, clock_wall());
	read_with(doc, s, url, &chosen, &out->items); /* its verdict is the poll's */
	out->structure = structure_json(&chosen);
	out->previous = had ? xstrdup(mem->structure) : NULL;
	out->changed = 1;
	structure_clear(&chosen);
}

/* items = auto: the remembered structure, else the detector's (listing.h). */
static int items_auto(xmlDocPtr doc, const struct config_source *s, const char *url,
		      const struct listing_memory *mem, struct listing *out, char *err,
		      size_t errlen)
{
	struct structure old;
	struct discover_result r;
	const struct discover_candidate *c;
	int had = mem != NULL && structure_parse(mem->structure, &old) == 0;

	if (had && read_with(doc, s, url, &old, &out->items) == 0) {
		out->structure = xstrdup(mem->structure);
		structure_clear(&old);
		return 0;
	}
	if (had)
		structure_clear(&old);
	if (list_discover(doc, url, 5, &r, err, errlen) < 0)
		return -1;
	c = pick(&r, mem, had);
	if (c != NULL)
		take(doc, s, url, c, mem, had, out);
	else
		out->suggestion = suggestion_of(&r); /* the old items, or none, fail the poll */
	discover_result_free(&r);
	return 0;
}

/* An HTML list page: the source's XPaths, or the detector's for items = auto. */
static int items_from_xpath(xmlDocPtr doc, const struct config_source *s, const char *url,
			    const struct listing_memory *mem, struct listing *out, char *err,
			    size_t errlen)
{
	struct list_spec spec;

	if (s->items_auto)
		return items_auto(doc, s, url, mem, out, err, errlen);
	if (s->items == NULL) {
		snprintf(err, errlen, "the page is HTML but source '%s' has no 'items' XPath",
			 s->id);
		return -1;
	}
	memset(&spec, 0, sizeof(spec));
	spec.items = s->items;
	spec.link = s->link;
	spec.title = s->title;
	spec.date = s->date;
	spec.date_format = s->date_format;
	spec.language = s->language;
	spec.max_items = (size_t)s->max_items;
	spec.offsite = s->offsite;
	if (list_extract_html(doc, url, &spec, &out->items, err, errlen) < 0)
		return -1;
	if (list_items_verdict(&out->items) != LIST_USABLE)
		out->suggestion = suggest(doc, url);
	return 0;
}

/*
 * The source-kind seam: how items are read from a parsed page, by what the
 * page turned out to be. A new way of reading lists (a rendered page) is
 * one function and one row here.
 */
static const struct listing_kind {
	enum page_kind page;
	int (*items)(xmlDocPtr doc, const struct config_source *s, const char *url,
		     const struct listing_memory *mem, struct listing *out, char *err,
		     size_t errlen);
} listing_kinds[] = {
    {PAGE_XML, items_from_feed},
    {PAGE_HTML, items_from_xpath},
};

static const struct listing_kind *listing_kind_of(enum page_kind k)
{
	for (size_t i = 0; i < sizeof(listing_kinds) / sizeof(listing_kinds[0]); i++)
		if (listing_kinds[i].page == k)
			return &listing_kinds[i];
	return NULL;
}

/*
 * Links resolved against a source url with "user:password@" inherit it (and
 * a page may write its own): the items' URLs are stored, shown and sent in
 * events, so they lose the userinfo here; article_fetch puts the source's
 * back for requests to the source's own origin.
 */
static void strip_credentials(struct list_items *items)
{
	for (size_t i = 0; i < items->n; i++) {
		char *bare;

		if (!urlcred_has(items->v[i].url))
			continue;
		bare = urlcred_strip(items->v[i].url);
		free(items->v[i].url);
		items->v[i].url = bare;
	}
}

int listing_read(const struct config_source *s, const char *url, const char *body, size_t len,
		 const char *content_type, const struct listing_memory *mem, struct listing *out,
		 char *err, size_t errlen)
{
	enum page_kind kind = PAGE_AUTO;
	const struct listing_kind *lk;
	xmlDocPtr doc;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (len == 0) {
		snprintf(err, errlen, "empty response body");
		return -1;
	}
	doc = page_parse(body, len, content_type, s->encoding, page_kind_of(s->kind), NULL, &kind,
			 err, errlen);
	if (doc == NULL)
		return -1;
	lk = listing_kind_of(kind);
	if (lk != NULL)
		rc = lk->items(doc, s, url, mem, out, err, errlen);
	else
		snprintf(err, errlen, "no reader for this kind of page");
	xmlFreeDoc(doc);
	if (rc == 0)
		strip_credentials(&out->items);
	else
		listing_free(out);
	return rc;
}

void listing_free(struct listing *l)
{
	list_items_free(&l->items);
	free(l->structure);
	free(l->previous);
	free(l->suggestion);
	memset(l, 0, sizeof(*l));
}
