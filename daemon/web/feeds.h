/*
 * daemon/web/feeds: Atom 1.0 feeds of the newest statements — all of them,
 * one theme's, one source's — so that any feed reader can follow a theme.
 * Entry ids are built from the source id and the store's statement id and
 * never change (docs/api.md). Pages of web.h.
 */
#ifndef SW_WEB_FEEDS_H
#define SW_WEB_FEEDS_H

#include "daemon/web/web.h"

/* /feeds/all.atom */
void web_page_feed_all(const struct web_ctx *ctx, const struct web_request *req,
		       struct web_reply *out);

/* /feeds/theme/ID.atom (route prefix "/feeds/theme/"); 404 for a theme not configured. */
void web_page_feed_theme(const struct web_ctx *ctx, const struct web_request *req,
			 struct web_reply *out);

/* /feeds/source/ID.atom (route prefix "/feeds/source/"); 404 for a source not configured. */
void web_page_feed_source(const struct web_ctx *ctx, const struct web_request *req,
			  struct web_reply *out);

#endif
