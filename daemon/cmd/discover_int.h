/*
 * daemon/cmd/discover: what `speechwatch discover` found on one page, shared
 * by the command (cmd_discover.c: fetch, verify, rank) and its output
 * (cmd_discover_out.c: text, JSON, the [source] section). Not a public
 * interface.
 */
#ifndef SW_DISCOVER_INT_H
#define SW_DISCOVER_INT_H

#include <stddef.h>

#include "analyze/page/discover.h"
#include "analyze/page/list.h"

/* A feed candidate after fetching it. */
struct checked_feed {
	char *url;
	char *advertised; /* feed_link.type: "rss", "atom", "rdf", "json", "guess" */
	char *title;	  /* the link's title or text, or NULL */
	const char *kind; /* config kind once verified: "rss" (RSS and RDF) or "atom" */
	struct list_items items;
	size_t shared; /* items of the best HTML list that the feed holds too */
	char *dropped; /* why it is not proposed, or NULL when it is */
};

enum proposal_type { PROPOSAL_LIST, PROPOSAL_FEED };

struct proposal {
	enum proposal_type type;
	const struct discover_candidate *list; /* PROPOSAL_LIST (borrowed) */
	const struct checked_feed *feed;       /* PROPOSAL_FEED (borrowed) */
	int tier;			       /* the ranking's class; lower first */
	enum discover_confidence confidence;
};

/* Everything one run found; the output functions only read it. */
struct discover_found {
	const char *page_url; /* the page's final URL */
	struct discover_result lists;
	struct checked_feed *feeds;
	size_t nfeeds;
	struct proposal *props; /* best first */
	size_t nprops;
};

/*
 * Ranks the lists and the verified feeds of f into f->props: a feed holding
 * most (60 %) of the best list's items first, then the best list, then feeds
 * sharing some of its items, then the other lists, then feeds sharing none.
 * With no list, verified feeds in the order the page gave them.
 */
void discover_rank(struct discover_found *f);

/* The number of items of list that feed holds (URLs compared without scheme and "www."). */
size_t discover_shared(const struct list_items *list, const struct list_items *feed);

/* A source id from url: host without "www." and the last path word, [A-Za-z0-9._-], <= 64. */
char *discover_source_id(const char *url);

/*
 * The ready `[source "ID"]` section of proposal p (page_url is the list
 * page): url, kind, the XPaths or none for a feed, date_format,
 * enabled = no. Page strings are escaped (common/printable.h). Caller frees.
 */
char *discover_source_section(const struct proposal *p, const char *page_url);

const char *discover_confidence_name(enum discover_confidence c);

/* Prints f for a terminal (escaped) or as the JSON document of docs/speechwatch.8. */
void discover_print_text(const struct discover_found *f);
void discover_print_json(const struct discover_found *f, const char *typed_url);

#endif
