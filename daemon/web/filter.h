/*
 * daemon/web/filter: the statement filters of a request's query
 * (theme, source, language, since, q, limit, before), checked, for the
 * JSON API and the feeds. Argument names and rules are in docs/api.md.
 */
#ifndef SW_WEB_FILTER_H
#define SW_WEB_FILTER_H

#include <stddef.h>

#include "daemon/store.h"

struct web_ctx;
struct web_request;

/* A request's filter; f's strings point into the request or into language. */
struct filter {
	struct store_statement_filter f;
	char language[16];
};

/* Which arguments filter_parse reads. */
enum filter_args {
	FILTER_THEME = 1u << 0,
	FILTER_SOURCE = 1u << 1,
	FILTER_LANGUAGE = 1u << 2,
	FILTER_SINCE = 1u << 3,
	FILTER_QUERY = 1u << 4,
	FILTER_LIMIT = 1u << 5,
	FILTER_BEFORE = 1u << 6,
	FILTER_ALL = (1u << 7) - 1,
};

/*
 * Reads the arguments of `which` from req into out (an empty value is
 * absent: a form's blank field). 0, or -1 with *bad the argument's name and
 * err saying what it must be (without echoing the value).
 */
int filter_parse(const struct web_ctx *ctx, const struct web_request *req, unsigned which,
		 struct filter *out, const char **bad, char *err, size_t errlen);

/*
 * since: "YYYY-MM-DD" (UTC midnight), "YYYY-MM-DDTHH:MM:SS" with "Z" or
 * "+HH:MM"/"-HH:MM" (none: UTC), or unix seconds. 0 and *out, or -1.
 */
int filter_parse_since(const char *s, double *out);

/* 1 when id names a configured theme / source. */
int filter_theme_known(const struct web_ctx *ctx, const char *id);
int filter_source_known(const struct web_ctx *ctx, const char *id);

#endif
