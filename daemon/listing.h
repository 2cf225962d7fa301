/*
 * daemon/listing: a fetched list page or feed -> its items, by the source's
 * configuration. Glue between fetch/ output and analyze/; shared by polls
 * and `speechwatch preview`.
 */
#ifndef SW_LISTING_H
#define SW_LISTING_H

#include <stddef.h>

#include "analyze/page/list.h"

struct config_source;

/*
 * Parses body (bytes as received, content_type may be NULL) from url with
 * the source's kind, XPaths, encoding and limits. Returns 0 and fills out
 * (caller frees with list_items_free), or -1 with err filled.
 */
int listing_items(const struct config_source *s, const char *url, const char *body, size_t len,
		  const char *content_type, struct list_items *out, char *err, size_t errlen);

#endif
