#include "common/printable.h"

#include <stdint.h>
#include <string.h>

/*
 * The length of the valid UTF-8 sequence at s (at most n bytes) and its code
 * point; 0 when the bytes there are not one (bad lead, short, overlong,
 * surrogate or above U+10FFFF).
 */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	static const uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
	size_t len = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc0 ? 2 : 0;
	uint32_t v;

	if (len == 0 || s[0] > 0xf4 || len > n)
		return 0;
	v = s[0] & (0x7f >> len);
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3f);
	}
	if (v < min[len] || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return len;
}

/* C1 controls, bidi controls and the Unicode line/paragraph separators. */
static int unsafe_code_point(uint32_t cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || cp == 0x061c || cp == 0x200e || cp == 0x200f ||
	       (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

static int unsafe_byte(unsigned char c, int flags)
{
	if ((flags & PRINTABLE_LINES) && (c == '\n' || c == '\t'))
		return 0;
	return c < 0x20 || c == 0x7f;
}

/*
 * How many bytes at s pass unchanged (*esc_len then 0), or 0 with *esc_len
 * the bytes one escape stands for (*cp_out its code point, or -1 for a
 * single raw byte).
 */
static size_t clean_run(const unsigned char *s, size_t n, int flags, size_t *esc_len,
			int32_t *cp_out)
{
	size_t i = 0;

	while (i < n) {
		uint32_t cp;
		size_t k;

		if (s[i] < 0x80) {
			if (unsafe_byte(s[i], flags))
				break;
			i++;
			continue;
		}
		k = utf8_decode(s + i, n - i, &cp);
		if (k == 0 || unsafe_code_point(cp)) {
			if (i == 0) {
				*esc_len = k ? k : 1;
				*cp_out = k ? (int32_t)cp : -1;
			}
			break;
		}
		i += k;
	}
	if (i == 0 && n > 0 && s[0] < 0x80) {
		*esc_len = 1;
		*cp_out = -1;
	}
	return i;
}

void printable_append(struct buf *b, const char *s, size_t len, int flags)
{
	const unsigned char *p = (const unsigned char *)s;

	while (len > 0) {
		size_t esc_len = 0;
		int32_t cp = -1;
		size_t run = clean_run(p, len, flags, &esc_len, &cp);

		if (run > 0) {
			buf_append(b, p, run);
		} else if (cp >= 0) {
			buf_printf(b, "\\u{%04X}", (unsigned)cp);
			run = esc_len;
		} else {
			buf_printf(b, "\\x%02x", p[0]);
			run = 1;
		}
		p += run;
		len -= run;
	}
}

char *printable(const char *s, int flags)
{
	struct buf b;

	buf_init(&b);
	if (s)
		printable_append(&b, s, strlen(s), flags);
	return buf_steal(&b);
}

int printable_is_clean(const char *s, size_t len, int flags)
{
	size_t esc_len = 0;
	int32_t cp = -1;

	return clean_run((const unsigned char *)s, len, flags, &esc_len, &cp) == len;
}
