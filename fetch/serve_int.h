/*
 * Internal to fetch/serve*.c: the checks of a request's path and query
 * (serve_query.c) that serve.c hands to MHD or applies before a page.
 */
#ifndef SW_SERVE_INT_H
#define SW_SERVE_INT_H

#include <stddef.h>

struct MHD_Connection;

/*
 * MHD_OPTION_UNESCAPE_CALLBACK: "%HH" decoding for the path and the query,
 * except "%00", which stays as it is.
 */
size_t serve_unescape_cb(void *cls, struct MHD_Connection *c, char *s);

/*
 * 1 when the query passes a limit (SERVE_QUERY_MAX_ARGS arguments,
 * SERVE_QUERY_MAX_BYTES each) or is not UTF-8, with why filled; else 0.
 */
int serve_query_refused(struct MHD_Connection *conn, char *why, size_t whylen);

#endif
