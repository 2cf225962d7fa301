#include "common/htmlesc.h"

#include <stdint.h>

/* The reference for c, or NULL when c stands for itself. */
static const char *html_entity(unsigned char c)
{
	switch (c) {
	case '&':
		return "&amp;";
	case '<':
		return "&lt;";
	case '>':
		return "&gt;";
	case '"':
		return "&quot;";
	case '\'':
		return "&#39;";
	default:
		if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f)
			return "\xef\xbf\xbd"; /* U+FFFD */
		return NULL;
	}
}

void html_escape_n(struct buf *out, const char *s, size_t len)
{
	for (; s && len && *s; s++, len--) {
		const char *ent = html_entity((unsigned char)*s);

		if (ent)
			buf_append_str(out, ent);
		else
			buf_append_char(out, *s);
	}
}

void html_escape(struct buf *out, const char *s)
{
	html_escape_n(out, s, SIZE_MAX);
}
