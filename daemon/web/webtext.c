/*
 * daemon/web/webtext: a small strict UTF-8 decoder, so that what the pages
 * send is always valid whatever the network gave the store.
 */
#include "daemon/web/webtext.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common/buf.h"

/*
 * The code point at p (n bytes left) and its length in *len; -1 (len 1)
 * for a byte that does not start a valid sequence.
 */
static long decode(const unsigned char *p, size_t n, size_t *len)
{
	static const long min[] = {0, 0, 0x80, 0x800, 0x10000};
	size_t need = p[0] < 0x80	      ? 1
		      : (p[0] & 0xE0) == 0xC0 ? 2
		      : (p[0] & 0xF0) == 0xE0 ? 3
		      : (p[0] & 0xF8) == 0xF0 ? 4
					      : 0;
	long cp;

	*len = 1;
	if (need == 0 || need > n)
		return -1;
	cp = need == 1 ? p[0] : p[0] & (0x7F >> need);
	for (size_t i = 1; i < need; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return -1;
		cp = cp << 6 | (p[i] & 0x3F);
	}
	if (cp < min[need] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return -1;
	*len = need;
	return cp;
}

/* XML 1.0's Char production. */
static int xml_char(long cp)
{
	if (cp < 0x20)
		return cp == 0x9 || cp == 0xA || cp == 0xD;
	return cp != 0xFFFE && cp != 0xFFFF;
}

char *webtext_clean(const char *s, int flags)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n, len;
	struct buf b;

	if (s == NULL)
		return NULL;
	n = strlen(s);
	buf_init(&b);
	while (n > 0) {
		long cp = decode(p, n, &len);

		if (cp < 0)
			buf_append_str(&b, "\xEF\xBF\xBD");
		else if (!(flags & WEBTEXT_XML) || xml_char(cp))
			buf_append(&b, (const char *)p, len);
		p += len;
		n -= len;
	}
	return buf_steal(&b);
}
