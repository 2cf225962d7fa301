/*
 * analyze/list internals shared by list.c (HTML lists), feed.c (feeds) and
 * xpath_ext.c (XPath set-up). Not a public interface.
 */
#ifndef SW_ANALYZE_LIST_INT_H
#define SW_ANALYZE_LIST_INT_H

#include <stddef.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>

#include "analyze/page/date.h"
#include "analyze/page/list.h"
#include "common/buf.h"
#include "common/hmap.h"

/* libxml2 string literal without BAD_CAST, which drops const. */
#define XC(s) ((const xmlChar *)(s))

#define LIST_HARD_CAP 10000	     /* items per page, whatever max_items says */
#define LIST_TEXT_CAP 16384	     /* bytes kept of one title, date or summary */
#define LIST_HTML_CAP 262144	     /* bytes of an HTML fragment parsed for its text */
#define LIST_URL_CAP 8192	     /* longer hrefs are ignored */
#define LIST_WALK_CAP 20000	     /* nodes visited to read one text value */
#define LIST_XPATH_OPS 2000000UL     /* libxml2 opLimit for one evaluation */
#define LIST_XPATH_BUDGET 50000000UL /* operations for a whole page */

/*
 * Item accumulator: de-duplicates by key (URL, or guid for feeds) and keeps
 * at most `limit` items. A page with more is read to its end (within the
 * XPath budget) and cut, holding at most 2 * limit items meanwhile: when
 * every item has a date, the newest by date are kept; otherwise a cut by
 * max_items keeps the first ones, and a cut by the hard cap keeps the first
 * and the last half (an archive lists its newest first or last, so a new
 * item is at one end). The kept items stay in page order.
 */
struct list_acc {
	struct list_items *out;
	size_t limit;	  /* keep this many items */
	int hard;	  /* limit is the hard cap, not the source's max_items */
	int all_dated;	  /* every item so far has a date */
	struct hmap seen; /* keys of the items kept */
};

void list_acc_init(struct list_acc *acc, struct list_items *out, size_t max_items);
/* 1 when further items cannot change what is kept (the first `limit` of an undated list). */
int list_acc_full(const struct list_acc *acc);
/*
 * Appends item (takes ownership of its strings) unless key (borrowed from
 * the item's own strings, may be NULL = never a duplicate) was seen; then
 * the item's strings are freed. Returns 1 if appended.
 */
int list_acc_add(struct list_acc *acc, struct list_item *item, const char *key);
/* Cuts the list to the limit (out->total, out->cut say what was left out). */
void list_acc_done(struct list_acc *acc);

/*
 * The site of an HTML list page, to judge its items by (list_check.c):
 * the page itself and the hosts its links may point to.
 */
struct list_site {
	char *self;	 /* the page's URL, normalised (list_site_same_page) */
	char *host;	 /* the page's host without "www.", or NULL */
	char *parent;	 /* its parent domain (two labels or more), or NULL */
	char *base_host; /* the <base href>'s host without "www.", or NULL */
	char *decl_host; /* the host of the page's declared address (page_declared_url) */
	int offsite;	 /* links to other hosts are accepted */
};

enum list_reject {
	LIST_ACCEPT = 0,
	LIST_REJECT_NOLINK,
	LIST_REJECT_SELF,
	LIST_REJECT_OFFSITE,
	LIST_REJECT_UNTITLED
};

/* page_url and base (either may be NULL) are borrowed. */
void list_site_init(struct list_site *site, const char *page_url, const char *base,
		    const char *declared, int offsite);
void list_site_free(struct list_site *site);
/* Whether item (url set, title set) is kept, or why not. */
enum list_reject list_site_check(const struct list_site *site, const struct list_item *item);
/* Counts one rejection of kind why in items. */
void list_count_reject(struct list_items *items, enum list_reject why);

/*
 * The numeric dates of an HTML list's items (list_dates.c), by item URL,
 * so that the list reads them all in one order once it is read.
 */
struct list_dates {
	struct hmap idx; /* item URL -> index in v */
	struct date_nums *v;
	size_t n, cap;
};

/* Records the three numbers of text's date for url, if it is written that way. */
void list_dates_note(struct list_dates *ld, const char *url, const char *text);
/*
 * Rewrites the dates of items recorded in ld to the one order that fits
 * them all (see list_dates.c); sets items->date_order_ambiguous when it had
 * to fall back on the language's order. Nothing when spec has a date_format.
 */
void list_dates_settle(struct list_dates *ld, struct list_items *items,
		       const struct list_spec *spec);
void list_dates_free(struct list_dates *ld);

/* What list_items_note says of a list whose date order nothing decided. */
#define LIST_DATE_AMBIGUOUS_NOTE                                                                   \
	"date-order-ambiguous: the numeric dates read as day/month and as month/day alike; "       \
	"read in the language's usual order (set date_format to decide)"

/* Frees the strings of one item. */
void list_item_clear(struct list_item *item);

/*
 * Appends the string value of node (element, attribute, text, document) to
 * out, reading at most LIST_WALK_CAP nodes and until out holds cap bytes;
 * iterative. blocks: put a space at block-level HTML element boundaries.
 */
void list_node_text(xmlNodePtr node, int blocks, struct buf *out, size_t cap);

/* The collapsed text of node (list_node_text with blocks, then list_collapse), capped. */
char *list_node_value(xmlNodePtr node, size_t cap);

/*
 * Trims s and collapses runs of whitespace (ASCII, U+00A0, U+3000 and the
 * other Unicode spaces) to one space. Returns a new string (xmalloc).
 */
char *list_collapse(const char *s);

/* HTML fragment -> collapsed text (entities decoded, tags dropped). */
char *list_html_to_text(const char *html);

/*
 * Resolves href against base (either may be relative only if the other is
 * absolute); any scheme. NULL when invalid. Used for xml:base chains.
 */
char *list_resolve_any(const char *base, const char *href);

/*
 * A new XPath context on doc with the extension functions registered and
 * the op limit set. NULL on out of memory in libxml2.
 */
xmlXPathContextPtr list_xpath_context(xmlDocPtr doc);

/*
 * Evaluates comp with node as context node. One evaluation may use at most
 * LIST_XPATH_OPS libxml2 operations and at most *budget; the operations used
 * are taken off *budget (a page-wide allowance). Returns the result (caller
 * frees) or NULL on error (limit hit, bad argument types, ...).
 */
xmlXPathObjectPtr list_xpath_eval(xmlXPathContextPtr ctx, xmlXPathCompExprPtr comp, xmlNodePtr node,
				  unsigned long *budget);

/* The message of ctx's last XPath error, or a generic one. Borrowed. */
const char *list_xpath_error(xmlXPathContextPtr ctx);

/*
 * Rewrites an item-relative expression so that a location path starting
 * with "//" is read as ".//" (catalogue selectors are written that way but
 * meant relative to the item). Returns a new string.
 */
char *list_xpath_relative(const char *expr);

#endif
