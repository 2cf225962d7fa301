/*
 * analyze/discover: finds the main list of statements on an HTML page and
 * the feeds the page advertises. Pure functions on a parsed document
 * (analyze/page.h); no I/O. `speechwatch discover` and `items = auto` use it.
 *
 * The detector groups the page's content links by the repeated sibling
 * blocks that hold them (the record-mining idea), scores each group on its
 * titles, dates, URL shape and the page context around it (navigation,
 * footers, pagination, tag clouds, "related" and sidebar boxes lose), and
 * writes each candidate as items/link/title/date XPaths that an operator can
 * read and edit. Every XPath it returns has been evaluated on the page with
 * list_extract_html and yields the candidate's items.
 */
#ifndef SW_ANALYZE_DISCOVER_H
#define SW_ANALYZE_DISCOVER_H

#include <stddef.h>
#include <libxml/tree.h>

#include "analyze/page/list.h"

enum discover_confidence { DISCOVER_LOW = 0, DISCOVER_MEDIUM, DISCOVER_HIGH };

struct discover_candidate {
	char *items;	   /* XPath to each item (never NULL) */
	char *link;	   /* relative to the item, or NULL: the item's href / first a/@href */
	char *title;	   /* relative to the item, or NULL: the link text */
	char *date;	   /* relative to the item, or NULL: the list shows no dates */
	char *date_format; /* strptime form the list's dates need, or NULL */
	double score;	   /* higher is better; comparable within one page only */
	enum discover_confidence confidence;
	size_t count;		      /* items the XPaths yield on this page */
	struct list_items items_seen; /* those items, in page order (at most 10000) */
	char *why; /* one readable line: what the list is and why it ranked here */
};

struct discover_result {
	struct discover_candidate *v; /* best first */
	size_t n;
};

/*
 * The list candidates of doc, best first, at most max (0: 5). page_url
 * resolves links (a <base href> wins). Returns 0 and fills out (free with
 * discover_result_free); out->n is 0 when the page holds no list (a menu is
 * never offered as one). -1 with err only on out-of-memory in libxml2.
 * The document is not changed, except that the _private field of its
 * elements (NULL as libxml2's parser leaves it) is used while the call runs
 * and left NULL.
 * Bounded: at most 200,000 elements and 4,000 links are looked at.
 */
int list_discover(xmlDocPtr doc, const char *page_url, size_t max, struct discover_result *out,
		  char *err, size_t errlen);

void discover_result_free(struct discover_result *r);

/* A feed a page advertises or links to. */
struct feed_link {
	char *url;   /* absolute */
	char *type;  /* "rss", "atom", "rdf", "json" or "guess" */
	char *title; /* the link's title or text, or NULL */
};

struct feed_links {
	struct feed_link *v; /* advertised <link>s first, then <a> links, then guesses */
	size_t n;
};

/*
 * Feeds of doc: <link rel="alternate"|"feed"> of a feed type (not comments
 * feeds, not stylesheets), same-site <a> links that look like feeds, then at
 * most 8 guessed paths under the page's directory and the site root
 * (feed/, rss.xml, atom.xml, ...; CMS paths when <meta name="generator">
 * names the CMS). Commented-out markup is never seen. Duplicates dropped.
 * The caller verifies each by fetching it.
 */
void page_feed_links(xmlDocPtr doc, const char *page_url, struct feed_links *out);

void feed_links_free(struct feed_links *f);

#endif
