#include "daemon/listing.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/page/page.h"
#include "common/urlcred.h"
#include "config/config.h"

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
			   struct list_items *out, char *err, size_t errlen)
{
	return list_extract_feed(doc, url, (size_t)s->max_items, out, err, errlen);
}

/* An HTML list page: the source's XPaths. */
static int items_from_xpath(xmlDocPtr doc, const struct config_source *s, const char *url,
			    struct list_items *out, char *err, size_t errlen)
{
	struct list_spec spec;

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
	return list_extract_html(doc, url, &spec, out, err, errlen);
}

/*
 * The source-kind seam: how items are read from a parsed page, by what the
 * page turned out to be. A new way of reading lists (discovery, a rendered
 * page) is one function and one row here.
 */
static const struct listing_kind {
	enum page_kind page;
	int (*items)(xmlDocPtr doc, const struct config_source *s, const char *url,
		     struct list_items *out, char *err, size_t errlen);
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

int listing_items(const struct config_source *s, const char *url, const char *body, size_t len,
		  const char *content_type, struct list_items *out, char *err, size_t errlen)
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
		rc = lk->items(doc, s, url, out, err, errlen);
	else
		snprintf(err, errlen, "no reader for this kind of page");
	xmlFreeDoc(doc);
	if (rc == 0)
		strip_credentials(out);
	return rc;
}
