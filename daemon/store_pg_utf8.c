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
#include "common/utf8.h"
#include "daemon/store_pg.h"

/* The length of the longest prefix of s (n bytes) that is valid UTF-8. */
static size_t utf8_valid_prefix(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, k;

	while (i < n && (k = utf8_seq(p + i, n - i)) > 0)
		i += k;
	return i;
}

char *store_pg_utf8_clean(const char *s)
{
	size_t n = strlen(s), i = utf8_valid_prefix(s, n), k;
	struct buf b;

	if (i == n)
		return NULL;
	buf_init(&b);
	buf_append(&b, s, i);
	while (i < n) {
		k = utf8_seq((const unsigned char *)s + i, n - i);
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
