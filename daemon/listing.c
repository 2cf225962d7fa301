#include "daemon/listing.h"

#include <stdio.h>
#include <string.h>

#include "analyze/page/page.h"
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

int listing_items(const struct config_source *s, const char *url, const char *body, size_t len,
		  const char *content_type, struct list_items *out, char *err, size_t errlen)
{
	enum page_kind kind = PAGE_AUTO;
	struct list_spec spec;
	xmlDocPtr doc;
	int rc;

	memset(out, 0, sizeof(*out));
	if (len == 0) {
		snprintf(err, errlen, "empty response body");
		return -1;
	}
	doc = page_parse(body, len, content_type, s->encoding, page_kind_of(s->kind), NULL, &kind,
			 err, errlen);
	if (doc == NULL)
		return -1;
	if (kind == PAGE_XML) {
		rc = list_extract_feed(doc, url, (size_t)s->max_items, out, err, errlen);
	} else if (s->items == NULL) {
		snprintf(err, errlen, "the page is HTML but source '%s' has no 'items' XPath",
			 s->id);
		rc = -1;
	} else {
		memset(&spec, 0, sizeof(spec));
		spec.items = s->items;
		spec.link = s->link;
		spec.title = s->title;
		spec.date = s->date;
		spec.date_format = s->date_format;
		spec.language = s->language;
		spec.max_items = (size_t)s->max_items;
		rc = list_extract_html(doc, url, &spec, out, err, errlen);
	}
	xmlFreeDoc(doc);
	return rc;
}
