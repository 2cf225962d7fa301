/*
 * fetch/serve_query: the listener's checks of a request's path and query
 * (serve_int.h), before any page sees them.
 */
#include <microhttpd.h>
#include <stdio.h>
#include <string.h>

#include "common/err.h"
#include "fetch/serve.h"
#include "fetch/serve_int.h"

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * MHD_OPTION_UNESCAPE_CALLBACK: "%HH" decoding for the path and the query,
 * except "%00", which stays as it is: a NUL would cut a C string short and
 * make "/healthz%00.txt" the path "/healthz".
 */
size_t serve_unescape_cb(void *cls, struct MHD_Connection *c, char *s)
{
	char *w = s;
	const char *r = s;

	(void)cls;
	(void)c;
	while (*r) {
		int hi = r[0] == '%' ? hexval(r[1]) : -1;
		int lo = hi >= 0 ? hexval(r[2]) : -1;

		if (lo >= 0 && (hi | lo) != 0) {
			*w++ = (char)(hi * 16 + lo);
			r += 3;
		} else {
			*w++ = *r++;
		}
	}
	*w = '\0';
	return (size_t)(w - s);
}

/* 1 if s[0..len) is well-formed UTF-8 (no overlongs, surrogates or NULs). */
static int utf8_valid(const unsigned char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		unsigned c = s[i];
		size_t n = c < 0x80 ? 0 : (c & 0xe0) == 0xc0 ? 1 : (c & 0xf0) == 0xe0 ? 2 : 3;
		unsigned cp = n == 0 ? c : n == 1 ? c & 0x1f : n == 2 ? c & 0x0f : c & 0x07;

		if (c == 0 || (c >= 0x80 && c < 0xc2) || c > 0xf4 || (n > 0 && i + n >= len))
			return 0;
		for (size_t k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if ((n == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
		    (n == 3 && (cp < 0x10000 || cp > 0x10ffff)))
			return 0;
		i += n + 1;
	}
	return 1;
}

/* What the query check found wrong; why[0] == '\0': nothing. */
struct query_check {
	unsigned count;
	char why[160];
};

/* MHD_KeyValueIteratorN: one query argument against the limits. */
static enum MHD_Result query_arg_cb(void *cls, enum MHD_ValueKind kind, const char *key,
				    size_t key_size, const char *value, size_t value_size)
{
	struct query_check *q = cls;

	(void)kind;
	if (++q->count > SERVE_QUERY_MAX_ARGS)
		err_set(q->why, sizeof(q->why), "more than %d query arguments",
			SERVE_QUERY_MAX_ARGS);
	else if (key_size + value_size > SERVE_QUERY_MAX_BYTES)
		err_set(q->why, sizeof(q->why), "a query argument longer than %d bytes",
			SERVE_QUERY_MAX_BYTES);
	else if (!utf8_valid((const unsigned char *)key, key_size) ||
		 (value && !utf8_valid((const unsigned char *)value, value_size)))
		err_set(q->why, sizeof(q->why), "a query argument that is not UTF-8 text");
	return q->why[0] ? MHD_NO : MHD_YES;
}

int serve_query_refused(struct MHD_Connection *conn, char *why, size_t whylen)
{
	struct query_check q = {0, ""};

	MHD_get_connection_values_n(conn, MHD_GET_ARGUMENT_KIND, query_arg_cb, &q);
	if (q.why[0] == '\0')
		return 0;
	snprintf(why, whylen, "%s", q.why);
	return 1;
}
