/*
 * analyze/discover internals: the page index (discover_scan.c), the
 * candidate lists and their scores (discover_list.c, discover_score.c) and
 * the XPath writer (discover_xpath.c). Not a public interface.
 *
 * While list_discover runs, every indexed element's _private holds its
 * pre-order index + 1 (0: not indexed); dsc_page_free clears them again.
 */
#ifndef SW_ANALYZE_DISCOVER_INT_H
#define SW_ANALYZE_DISCOVER_INT_H

#include <stddef.h>
#include <stdint.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>

#include "analyze/page/discover.h"
#include "common/buf.h"
#include "common/hmap.h"

#define DSC_MAX_NODES 200000 /* elements indexed; the rest of a page is not seen */
#define DSC_MAX_ANCHORS 4000 /* links considered */
#define DSC_LEVELS 6	     /* ancestors of a link tried as its record */
#define DSC_MAX_BUCKETS 24000
#define DSC_TOP 16	   /* lists scored in full */
#define DSC_SAMPLE 300	   /* items of one list whose features are read */
#define DSC_ITEM_LINKS 64  /* links of one item looked at */
#define DSC_WALK 400	   /* nodes walked inside one item */
#define DSC_DATE_BYTES 40  /* longer text is not a dedicated date */
#define DSC_MAX_ITEMS 2000 /* items kept per bucket */

enum dsc_kind {
	DSC_ITEM = 0, /* may be a statement */
	DSC_NAV,      /* the site root or an ancestor of the page: navigation */
	DSC_PAGER,    /* the page itself with another page number */
};

struct dsc_anchor {
	xmlNodePtr node;
	char *url;	/* absolute, no fragment */
	uint32_t pre;	/* pre-order index of node */
	uint32_t units; /* text units of its text */
	uint8_t kind;	/* enum dsc_kind */
	uint8_t onsite; /* same host as the page */
};

struct dsc_node {
	xmlNodePtr node;
	uint32_t end;	 /* pre-order index just after its subtree */
	uint32_t a0, a1; /* its links: page->a[a0..a1) */
	uint32_t t0, t1; /* cumulative text units at entry and exit */
};

struct dsc_page {
	xmlDocPtr doc;
	char *base; /* <base href> resolved, else the page URL */
	char *self; /* the page URL, normalised */
	char *decl; /* the address the page declares (page_declared_url), or NULL */
	struct dsc_node *nodes;
	size_t nn, ncap;
	struct dsc_anchor *a;
	size_t na, acap;
	struct hmap classes; /* class token -> elements carrying it */
	char *title;	     /* " words " of <title> and the first <h1>, lower-cased */
	uint32_t units;	     /* text units of the whole page */
	uint32_t h1_pre;     /* pre-order index of the first <h1>, or UINT32_MAX */
};

/* A run of same-signature siblings (or one record) that holds links. */
struct dsc_list {
	xmlNodePtr parent;
	xmlNodePtr *items;
	size_t n, cap;
	uint32_t level;	  /* ancestors between the deepest link and an item */
	uint64_t urlhash; /* the primary URLs in order */
	double tq, df, dfp, uh, uq, loc, multi, idl;	       /* dfp: dates date_parse reads */
	double ctx, head, pager, chrono, early, prelim, score; /* early: before the <h1> */
	int dropped;
	int cousins; /* items under several same-signature parents */
};

/* discover_scan.c */
int dsc_page_index(struct dsc_page *pg, xmlDocPtr doc, const char *page_url);
void dsc_page_free(struct dsc_page *pg);
/* Pre-order index of an indexed element, or -1. */
long dsc_pre(const xmlNode *n);
/* Index entry of n, or NULL when n was not indexed. */
const struct dsc_node *dsc_node_of(const struct dsc_page *pg, const xmlNode *n);
/* Text units of s: 1 per visible character, 3 per CJK one. */
uint32_t dsc_units(const char *s);
/* Lower-cased words of s (CJK characters one by one), space-separated, in out. */
void dsc_words(const char *s, struct buf *out);
/* Collapsed text of node (bounded). Caller frees. */
char *dsc_text(xmlNodePtr node, size_t cap);
/* Class tokens of n without digits or state words ("active", "odd"...), into out. */
void dsc_sig_classes(const xmlNode *n, struct buf *out);
/* Elements of the page carrying class token tok. */
uint32_t dsc_class_count(const struct dsc_page *pg, const char *tok, size_t len);

/* discover_list.c: candidate lists. */
struct dsc_lists {
	struct dsc_list *v;
	size_t n;
};
void dsc_lists_build(struct dsc_page *pg, struct dsc_lists *out);
void dsc_lists_free(struct dsc_lists *ls);

/* discover_score.c */
struct dsc_item {
	const struct dsc_anchor *primary; /* the link with the most text */
	uint32_t targets;		  /* distinct URLs in the item with a title-like text */
	xmlNodePtr title_node;		  /* the primary link, or a heading beside a "more" link */
	uint32_t title_units;		  /* text units of title_node */
	xmlNodePtr date_node;		  /* element or text node holding a date, or NULL */
	char date[40];			  /* its ISO form, or "" when unreadable */
	int date_attr;			  /* date read from <time datetime>, not its text */
	int date_before; /* 1: the <dt> before the item; 2: the heading before its parent */
};
/* The features of one item; its date only when dates is set. */
void dsc_item_read(const struct dsc_page *pg, xmlNodePtr item, int dates, struct dsc_item *out);
/* The cheap part of the score (titles, URL set, size). */
void dsc_score_prelim(const struct dsc_page *pg, struct dsc_list *l);
/* The full score: dates, context, heading, pager, chronology. */
void dsc_score_full(const struct dsc_page *pg, struct dsc_list *l);
/* own context of one element: -2..+1 */
double dsc_own_ctx(const xmlNode *n);
/* The record around a lone item's primary link (one-item lists). */
xmlNodePtr dsc_record_root(const struct dsc_page *pg, const struct dsc_anchor *primary);

/* discover_date.c: "%m/%d/%y" when the list's numeric dates prove month/day, else NULL. */
char *dsc_date_format(const struct dsc_page *pg, const struct dsc_list *l);

/* discover_xpath.c: one XPath context per page, and the node-sets of items XPaths tried. */
#define DSC_XCACHE 64
struct dsc_xcache {
	xmlXPathContextPtr ctx;
	unsigned long budget; /* libxml2 operations left for the page */
	char *expr[DSC_XCACHE];
	xmlXPathObjectPtr res[DSC_XCACHE];
	size_t n;
};
/* 0, or -1 when libxml2 cannot make a context. Free with dsc_xcache_free either way. */
int dsc_xcache_init(struct dsc_xcache *xc, xmlDocPtr doc);
void dsc_xcache_free(struct dsc_xcache *xc);
/* Fills items/link/title/date of c for list l. 0, or -1 when no XPath fits. */
int dsc_xpath_write(const struct dsc_page *pg, const struct dsc_list *l, struct dsc_xcache *xc,
		    struct discover_candidate *c);

#endif
