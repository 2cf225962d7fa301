/*
 * daemon/listing: a fetched list page or feed -> its items, by the source's
 * configuration. Glue between fetch/ output and analyze/; shared by polls
 * and `speechwatch preview`.
 *
 * An HTML list whose items fail their check (list_items_verdict: nothing
 * selected, or mostly rejected) comes back with discover's suggestion of
 * the page's list. A source with items = auto has its XPaths chosen by the
 * detector: the structure remembered from the last polls is tried first;
 * when its items fail the check, the detector runs again and a new
 * structure is taken only if it holds an item the source already knows (or
 * no structure was remembered), so that a redesign heals and a page turned
 * into something else does not.
 */
#ifndef SW_LISTING_H
#define SW_LISTING_H

#include <stddef.h>

#include "analyze/page/list.h"

struct config_source;

/* What a poll remembers of a source (items = auto). */
struct listing_memory {
	const char *structure; /* the structure chosen before (structure.h JSON), or NULL */
	/* 1 when url is an item the source has stored; NULL: no store (preview) */
	int (*known)(void *arg, const char *url);
	void *arg;
};

struct listing {
	struct list_items items;
	char *structure;  /* items = auto: the structure the items were read with, or NULL */
	char *previous;	  /* items = auto: the remembered one it replaced, when changed */
	int changed;	  /* items = auto: the structure was chosen by this read */
	char *suggestion; /* the HTML list failed its check: discover's best list, or NULL */
};

/*
 * Parses body (bytes as received, content_type may be NULL) from url with
 * the source's kind, XPaths, encoding and limits. mem may be NULL. Returns
 * 0 and fills out (free with listing_free), or -1 with err filled.
 */
int listing_read(const struct config_source *s, const char *url, const char *body, size_t len,
		 const char *content_type, const struct listing_memory *mem, struct listing *out,
		 char *err, size_t errlen);

void listing_free(struct listing *l);

#endif
