/*
 * daemon/web/api: the read side's JSON API (docs/api.md): statements with
 * the field names of the webhook events, and the daemon's status as
 * `status --json` prints it. Pages of web.h.
 */
#ifndef SW_WEB_API_H
#define SW_WEB_API_H

#include "daemon/web/web.h"

/* /api/v1/statements?theme=&source=&language=&since=&q=&limit=&before= */
void web_page_api_statements(const struct web_ctx *ctx, const struct web_request *req,
			     struct web_reply *out);

/* /api/v1/statements/ID: one statement whole, with every version. */
void web_page_api_statement(const struct web_ctx *ctx, const struct web_request *req,
			    struct web_reply *out);

/* /api/v1/status */
void web_page_api_status(const struct web_ctx *ctx, const struct web_request *req,
			 struct web_reply *out);

#endif
