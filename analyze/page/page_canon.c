/*
 * The address a page declares for itself: <link rel="canonical"> or
 * <meta property="og:url">. A copy of a page
 * served from elsewhere (a mirror, an archive, a page saved and served from
 * a test machine) still links to its own site by absolute URLs; the
 * declared address says which site that is, so that its list items are
 * not taken for links to other sites.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "analyze/page/list.h"
#include "analyze/page/page.h"

#define XC(s) ((const xmlChar *)(s))

/* 1 when the space-separated token list s holds tok (ASCII case-insensitive). */
static int has_token(const char *s, const char *tok)
{
	size_t n = strlen(tok);

	while (s != NULL && *s != '\0') {
		size_t len;

		s += strspn(s, " \t\r\n");
		len = strcspn(s, " \t\r\n");
		if (len == n && strncasecmp(s, tok, n) == 0)
			return 1;
		s += len;
	}
	return 0;
}

/* The URL one <link> or <meta> element of <head> declares, or NULL (borrowed from libxml2). */
static xmlChar *declared_by(xmlNodePtr n)
{
	xmlChar *key, *val = NULL;

	if (xmlStrcasecmp(n->name, XC("link")) == 0) {
		key = xmlGetNoNsProp(n, XC("rel"));
		if (key != NULL && has_token((const char *)key, "canonical"))
			val = xmlGetNoNsProp(n, XC("href"));
	} else if (xmlStrcasecmp(n->name, XC("meta")) == 0) {
		key = xmlGetNoNsProp(n, XC("property"));
		if (key != NULL && strcasecmp((const char *)key, "og:url") == 0)
			val = xmlGetNoNsProp(n, XC("content"));
	} else {
		return NULL;
	}
	xmlFree(key);
	return val;
}

/* The element after n in document order, or NULL; iterative. */
static xmlNodePtr next_element(xmlNodePtr n)
{
	if (n->children != NULL && n->children->type == XML_ELEMENT_NODE)
		return n->children;
	if (n->children != NULL && xmlNextElementSibling(n->children) != NULL)
		return xmlNextElementSibling(n->children);
	for (; n != NULL && n->type == XML_ELEMENT_NODE; n = n->parent)
		if (xmlNextElementSibling(n) != NULL)
			return xmlNextElementSibling(n);
	return NULL;
}

/*
 * Looked for in the first DECLARED_SCAN elements in document order, not
 * only among <head>'s children: markup before <head> (a browser
 * extension's <div> in a saved page) makes the parser move the head's
 * elements into <body>.
 */
#define DECLARED_SCAN 2000

char *page_declared_url(xmlDocPtr doc, const char *page_url)
{
	xmlNodePtr n = doc != NULL ? xmlDocGetRootElement(doc) : NULL;
	size_t seen = 0;

	for (; n != NULL && seen < DECLARED_SCAN; n = next_element(n), seen++) {
		xmlChar *href;
		char *url;

		if ((href = declared_by(n)) == NULL)
			continue;
		url = page_url != NULL ? list_resolve_url(page_url, (const char *)href) : NULL;
		xmlFree(href);
		if (url != NULL &&
		    (strncasecmp(url, "http://", 7) == 0 || strncasecmp(url, "https://", 8) == 0))
			return url;
		free(url);
	}
	return NULL;
}
