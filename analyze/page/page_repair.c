/*
 * analyze/page: XML repair before libxml2 reads a feed (see
 * page_xml_repair), and the attribute count that guards libxml2's
 * quadratic attribute check.
 */
#include <ctype.h>
#include <string.h>

#include <libxml/HTMLparser.h>

#include "analyze/page/bytes.h"
#include "analyze/page/page_int.h"
#include "common/buf.h"

/* Copies p[i..] up to and including end (or to n). Returns the new index. */
static size_t copy_past(const char *p, size_t n, size_t i, const char *end, struct buf *out)
{
	size_t j = bytes_skip_past(p, n, i, end);

	buf_append(out, p + i, j - i);
	return j;
}

static size_t replace_control(size_t i, struct buf *out)
{
	buf_append(out, "\xEF\xBF\xBD", 3);
	return i + 1;
}

/*
 * Where a comment is dropped: what was around it must not join into a new
 * "<!--" ("<!<!---->--"), so a space separates them when the text before
 * ends in '<', '!' or '-'. Elsewhere nothing is added ("a<!-- -->b" is "ab").
 */
static void comment_gap(struct buf *out)
{
	if (out->len > 0 && memchr("<!-", out->data[out->len - 1], 3) != NULL)
		buf_append_char(out, ' ');
}

/* Copies the doctype at p[i] without the comments of its internal subset (see page_xml_repair). */
static size_t copy_doctype(const char *p, size_t n, size_t i, struct buf *out)
{
	size_t j = bytes_skip_doctype(p, n, i);

	while (i < j) {
		const char *c = memmem(p + i, j - i, "<!--", 4);
		size_t stop = c != NULL ? (size_t)(c - p) : j;

		buf_append(out, p + i, stop - i);
		if (c != NULL)
			comment_gap(out);
		i = c != NULL ? bytes_skip_past(p, j, stop + 4, "-->") : j;
	}
	return j;
}

static int is_xml_char(unsigned long c)
{
	return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) ||
	       (c >= 0xE000 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0x10FFFF);
}

/* "&#...;" at p[i]: kept when it names an XML character, U+FFFD otherwise. */
static size_t fix_char_reference(const char *p, size_t n, size_t i, struct buf *out)
{
	size_t j = i + 2;
	int hex = j < n && (p[j] == 'x' || p[j] == 'X');
	unsigned long c = 0;

	for (j += hex; j < n && j - i < 12 && isxdigit((unsigned char)p[j]); j++) {
		if (!hex && !isdigit((unsigned char)p[j]))
			break;
		c = c * (hex ? 16 : 10) +
		    (unsigned long)(isdigit((unsigned char)p[j])
					? p[j] - '0'
					: (tolower((unsigned char)p[j]) - 'a' + 10));
	}
	if (j >= n || p[j] != ';' || j == i + 2 + (size_t)hex) {
		buf_append_str(out, "&amp;");
		return i + 1;
	}
	if (is_xml_char(c))
		buf_append(out, p + i, j + 1 - i);
	else
		buf_append_str(out, "&#xFFFD;");
	return j + 1;
}

/*
 * A reference at p[i] ('&'): keeps character references and the five XML
 * entities, turns HTML entity names (&nbsp; in a sloppy feed) into
 * character references and a bare '&' into "&amp;". Returns the index after
 * what it consumed.
 */
static size_t fix_reference(const char *p, size_t n, size_t i, struct buf *out)
{
	static const char *const xml_names[] = {"amp", "lt", "gt", "quot", "apos"};
	const htmlEntityDesc *e;
	char name[33];
	size_t j = i + 1, k = 0;

	if (j < n && p[j] == '#')
		return fix_char_reference(p, n, i, out);
	while (j < n && k + 1 < sizeof(name) && isalnum((unsigned char)p[j]))
		name[k++] = p[j++];
	name[k] = '\0';
	if (k == 0 || j >= n || p[j] != ';') {
		buf_append_str(out, "&amp;");
		return i + 1;
	}
	for (size_t x = 0; x < sizeof(xml_names) / sizeof(xml_names[0]); x++) {
		if (strcmp(name, xml_names[x]) == 0) {
			buf_append(out, p + i, j + 1 - i);
			return j + 1;
		}
	}
	if ((e = htmlEntityLookup((const xmlChar *)name)) != NULL)
		buf_printf(out, "&#%u;", e->value);
	else
		buf_printf(out, "&amp;%s;", name);
	return j + 1;
}

/*
 * Real feeds use HTML entities they never declare, bare ampersands and
 * control characters. In libxml2's recovery mode one such error drops every
 * later entity, &amp; included, so repair them first. CDATA, processing
 * instructions and the doctype are copied untouched. Comments, also in the
 * doctype, are dropped: they hold nothing we read, and libxml2 2.9 copies
 * the whole comment so far into its last error at every "--" inside one
 * (quadratic time).
 */
void page_xml_repair(const char *p, size_t n, struct buf *out)
{
	size_t i = 0, run = 0;

	while (i < n) {
		unsigned char c = (unsigned char)p[i];

		if (c != '&' && c != '<' && (c >= 0x20 || c == '\t' || c == '\n' || c == '\r')) {
			i++;
			continue;
		}
		buf_append(out, p + run, i - run);
		if (c == '&')
			i = fix_reference(p, n, i, out);
		else if (c != '<')
			i = replace_control(i, out);
		else if (n - i >= 9 && memcmp(p + i, "<![CDATA[", 9) == 0)
			i = copy_past(p, n, i, "]]>", out);
		else if (n - i >= 4 && memcmp(p + i, "<!--", 4) == 0) {
			comment_gap(out);
			i = bytes_skip_past(p, n, i + 4, "-->");
		} else if (n - i >= 2 && p[i + 1] == '?')
			i = copy_past(p, n, i, "?>", out);
		else if (n - i >= 2 && p[i + 1] == '!')
			i = copy_doctype(p, n, i, out);
		else
			i = copy_past(p, n, i, "<", out); /* just the '<' of a tag */
		run = i;
	}
	buf_append(out, p + run, i - run);
}

/*
 * The most attributes a start tag in p[0..n) may have: libxml2 reads none
 * past the next '<' (not allowed in an attribute value). CDATA sections
 * are skipped (they end at the first "]]>" for libxml2 too).
 */
size_t page_xml_max_attrs(const char *p, size_t n)
{
	const char *lt = memchr(p, '<', n), *next;
	size_t max = 0, count, i, end;

	for (; lt != NULL; lt = next) {
		i = (size_t)(lt - p);
		if (n - i >= 9 && memcmp(p + i, "<![CDATA[", 9) == 0)
			i = bytes_skip_past(p, n, i + 9, "]]>") - 1;
		next = i + 1 < n ? memchr(p + i + 1, '<', n - i - 1) : NULL;
		end = next != NULL ? (size_t)(next - p) : n;
		if (i + 1 < end && p[i] == '<' && strchr("/!? \t\r\n", p[i + 1]) == NULL) {
			page_count_attrs(p, end, page_name_end(p, end, i + 1), &count);
			max = count > max ? count : max;
		}
	}
	return max;
}
