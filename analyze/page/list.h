/*
 * analyze/list: the items of a list page or feed. Pure functions on a parsed
 * document (analyze/page.h).
 */
#ifndef SW_ANALYZE_LIST_H
#define SW_ANALYZE_LIST_H

#include <stddef.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>

struct list_item {
	char *url;     /* absolute, fragment dropped */
	char *title;   /* trimmed, whitespace collapsed; may be "" */
	char *date;    /* ISO 8601 or NULL */
	char *guid;    /* feed guid/id, or NULL */
	char *summary; /* feed summary/description as text, or NULL */
};

/* How a list over the hard cap of items was cut (list_acc.c). */
enum list_cut { LIST_CUT_NONE, LIST_CUT_NEWEST_BY_DATE, LIST_CUT_PAGE_ENDS };

struct list_items {
	struct list_item *v;
	size_t n;
	/* the numeric dates fit D/M and M/D alike: read in the language's usual order */
	int date_order_ambiguous;
	size_t total;	   /* distinct items the page held (more than n when cut) */
	enum list_cut cut; /* set when the hard cap, not max_items, cut the list */
	int guids_ignored; /* a feed repeated one guid for different links: items by link */
	/*
	 * Items of an HTML list left out as not statements of the list
	 * (list_check.c): no usable link, a link back to the list page itself
	 * (what a link XPath that selects nothing resolves to), a link to
	 * another site, a title empty after trimming. Each selected node
	 * counts, before duplicates are merged.
	 */
	size_t rejected_nolink, rejected_self, rejected_offsite, rejected_untitled;
};

/* How to read a list page (the source's config). NULL fields take defaults. */
struct list_spec {
	const char *items;	 /* XPath to each item: a link or a block holding one */
	const char *link;	 /* relative to the item; default: its href or first a/@href */
	const char *title;	 /* relative to the item; default: the link text */
	const char *date;	 /* relative to the item; default: none */
	const char *date_format; /* strptime form tried first, or NULL */
	const char *language;	 /* hint for dates, or NULL */
	size_t max_items;	 /* 0: no limit (a hard cap of 10000 still applies) */
	int offsite;		 /* accept links to other sites (default: rejected) */
};

/*
 * Items of an HTML list page. page_url resolves relative links (a <base
 * href> in the page wins). Returns 0 and fills out (caller frees with
 * list_items_free), or -1 with err filled (bad XPath, ...).
 */
int list_extract_html(xmlDocPtr doc, const char *page_url, const struct list_spec *spec,
		      struct list_items *out, char *err, size_t errlen);

/* Items of an RSS 0.9x/2.0, RSS 1.0 (RDF) or Atom 0.3/1.0 feed. Same contract. */
int list_extract_feed(xmlDocPtr doc, const char *page_url, size_t max_items, struct list_items *out,
		      char *err, size_t errlen);

void list_items_free(struct list_items *items);

/* What a list read from a page is worth (list_items_verdict). */
enum list_verdict {
	LIST_USABLE,	      /* items, and at most as many rejected as kept */
	LIST_NO_MATCH,	      /* the XPaths selected nothing at all */
	LIST_MOSTLY_REJECTED, /* more items rejected than kept (maybe all) */
};

/* Sum of the rejected counts of items. */
size_t list_items_rejected(const struct list_items *items);

/*
 * Whether items can be trusted as the page's list: a poll of an empty or
 * mostly rejected list is a failed poll (a broken selector), never an
 * empty success.
 */
enum list_verdict list_items_verdict(const struct list_items *items);

/*
 * One plain sentence on what reading the list left out or changed (a list
 * cut to the hard cap, a feed's repeated guids, rejected items) into out; 0 when there is
 * nothing to say, 1 otherwise.
 */
int list_items_note(const struct list_items *items, char *out, size_t len);

/*
 * Registers speechwatch's XPath extension functions on ctx: has-class("a b")
 * as in Scrapy's selector library (true when the context node's class
 * attribute holds every listed class).
 */
void list_xpath_register(xmlXPathContextPtr ctx);

/* Resolves href against base with curl_url(); drops the fragment. NULL if invalid. */
char *list_resolve_url(const char *base, const char *href);

#endif
