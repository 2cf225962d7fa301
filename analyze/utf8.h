/*
 * analyze/utf8: the one UTF-8 reader of analyze/, utf8proc_iterate with
 * the ASCII case first, and the one place that cuts at a character boundary. Inline because the
 * scanners (themes/text.c, the date tokenizer, the article's text measures) call it per character.
 */
#ifndef SW_ANALYZE_UTF8_H
#define SW_ANALYZE_UTF8_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <utf8proc.h>

/*
 * Decodes the character at s, which has len >= 1 readable bytes. Returns
 * its length; *cp receives the code point, or -1 for a byte that starts no
 * valid sequence (stray continuation, overlong, surrogate, truncated,
 * past U+10FFFF): such a byte counts as one character of length 1.
 */
static inline size_t utf8_next(const char *s, size_t len, int32_t *cp)
{
	unsigned char c = (unsigned char)s[0];
	utf8proc_ssize_t r;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	r = utf8proc_iterate((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)len, cp);
	if (r <= 0) {
		*cp = -1;
		return 1;
	}
	return (size_t)r;
}

/* utf8_next on a NUL-terminated string: never reads past its NUL. */
static inline size_t utf8_next_str(const char *s, int32_t *cp)
{
	return utf8_next(s, strnlen(s, 4), cp);
}

/*
 * Where to cut s, which has more than max bytes, to keep at most max bytes
 * without splitting a character: max, or less when s[max] continues one.
 */
static inline size_t utf8_cut(const char *s, size_t max)
{
	while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
		max--;
	return max;
}

#endif
