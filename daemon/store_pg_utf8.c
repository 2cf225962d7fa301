/*
 * daemon/store_pg_utf8: text parameters PostgreSQL accepts. A database in
 * UTF-8 refuses a string that is not ("invalid byte sequence"), where
 * SQLite stores any bytes: an ETag or Last-Modified with a Latin-1 byte a
 * server sent, a title of a page that mis-declared its charset. Failing
 * the statement would fail the poll's whole transaction on every poll;
 * instead each byte that does not begin a valid sequence is written as
 * U+FFFD. A lookup cleans its key the same way and finds what was written.
 */
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/err.h"
#include "daemon/store_pg.h"

/* Parameters one statement of this backend has at most (an item's row: 21). */
#define UTF8_MAX_PARAMS 32

/* Length of the valid UTF-8 sequence at p (1..4), or 0 if invalid or cut short. */
static size_t utf8_seq(const unsigned char *p)
{
	size_t need;
	unsigned cp;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xC2 && p[0] <= 0xDF)
		need = 2, cp = p[0] & 0x1F;
	else if (p[0] >= 0xE0 && p[0] <= 0xEF)
		need = 3, cp = p[0] & 0x0F;
	else if (p[0] >= 0xF0 && p[0] <= 0xF4)
		need = 4, cp = p[0] & 0x07;
	else
		return 0;
	for (size_t k = 1; k < need; k++) { /* the NUL at the end stops it too */
		if ((p[k] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[k] & 0x3F);
	}
	if ((need == 3 && cp < 0x800) || (need == 4 && cp < 0x10000) || cp > 0x10FFFF ||
	    (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return need;
}

/* The length of the longest prefix of s that is valid UTF-8. */
static size_t utf8_valid_prefix(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, k;

	while (p[i] != '\0' && (k = utf8_seq(p + i)) > 0)
		i += k;
	return i;
}

char *store_pg_utf8_clean(const char *s)
{
	size_t i = utf8_valid_prefix(s), k;
	struct buf b;

	if (s[i] == '\0')
		return NULL;
	buf_init(&b);
	buf_append(&b, s, i);
	while (s[i] != '\0') {
		k = utf8_seq((const unsigned char *)s + i);
		if (k == 0) {
			buf_append(&b, "\xef\xbf\xbd", 3);
			k = 1;
		} else {
			buf_append(&b, s + i, k);
		}
		i += k;
	}
	return buf_steal(&b);
}

PGresult *store_pg_exec_text(struct store_pg *pg, const char *what, const char *sql, int n,
			     const char *const *params)
{
	const char *clean[UTF8_MAX_PARAMS] = {NULL};
	char *owned[UTF8_MAX_PARAMS] = {NULL};
	PGresult *res;

	if (n > UTF8_MAX_PARAMS) { /* a programming error: refused, never truncated */
		err_set(pg->base.err, sizeof(pg->base.err), "%s: %s: %d parameters (at most %d)",
			pg->shown, what, n, UTF8_MAX_PARAMS);
		return NULL;
	}
	for (int i = 0; i < n; i++) {
		owned[i] = params[i] != NULL ? store_pg_utf8_clean(params[i]) : NULL;
		clean[i] = owned[i] != NULL ? owned[i] : params[i];
	}
	res = store_pg_exec(pg, what, sql, n, clean);
	for (int i = 0; i < n; i++)
		free(owned[i]);
	return res;
}
