/*
 * analyze/page: the HTML pre-scan.
 *
 * Contents dropped before parsing. <script> and <style> hold two thirds of a
 * typical page's bytes and inline <svg> drawings a tenth of the rest; none
 * of it is text a reader sees, and libxml2 reads it one character at a time.
 * Dropping it leaves the same tree with those elements empty. Kept: JSON-LD
 * scripts (the extractor reads their datePublished), and any <svg> whose
 * contents are not plain SVG markup up to its matching </svg> (it may be
 * unclosed, or hold HTML in a foreignObject: libxml2 would then nest
 * differently than we can tell cheaply).
 *
 * The scan follows libxml2's tokenizer where it matters: a start tag is '<'
 * and a letter outside comments, other tags (attribute values may hold
 * "<script") and raw text; "<script/>" is an empty element. Raw text ends at
 * the first "</script" or "</style" (any case) followed by whitespace, '/',
 * '>' or the end of input, as HTML says. One pass, O(n): a given byte is
 * read by at most one SVG check besides the main scan.
 */
#include <string.h>
#include <strings.h>

#include "analyze/page/bytes.h"
#include "analyze/page/page_int.h"

enum raw_kind { RAW_NONE, RAW_SCRIPT, RAW_STYLE, RAW_SVG };

/* Element names that may appear in a dropped <svg>, most frequent first. */
static const char *const svg_names[] = {
    "path",
    "g",
    "svg",
    "use",
    "defs",
    "symbol",
    "title",
    "desc",
    "circle",
    "rect",
    "ellipse",
    "line",
    "polygon",
    "polyline",
    "lineargradient",
    "radialgradient",
    "stop",
    "clippath",
    "mask",
    "pattern",
    "filter",
    "text",
    "tspan",
    "textpath",
    "marker",
    "image",
    "metadata",
    "switch",
    "view",
    "animate",
    "animatetransform",
    "animatemotion",
    "set",
    "mpath",
    "style",
    "script",
};

/* Characters of an HTML name as libxml2's htmlParseHTMLName reads them. */
static int is_name_char(char c)
{
	return bytes_is_letter(c) || (c >= '0' && c <= '9') || c == ':' || c == '-' || c == '_' ||
	       c == '.';
}

/* SVG filter primitives (feGaussianBlur, feFuncA, ...) or one of svg_names. */
static int is_svg_name(const char *name, size_t len)
{
	if (len > 2 && strncasecmp(name, "fe", 2) == 0)
		return 1;
	for (size_t k = 0; k < sizeof(svg_names) / sizeof(svg_names[0]); k++)
		if (bytes_name_is(name, len, svg_names[k]))
			return 1;
	return 0;
}

static int at_tag_end(const char *p, size_t n, size_t i)
{
	return p[i] == '>' || (p[i] == '/' && i + 1 < n && p[i + 1] == '>');
}

/* Skips an attribute value at p[i] (after '='). Returns the index after it; *v gets the value. */
static size_t skip_value(const char *p, size_t n, size_t i, struct raw_cut *v)
{
	const char *q;

	if (p[i] != '"' && p[i] != '\'') {
		v->start = i;
		while (i < n && !bytes_is_blank(p[i]) && p[i] != '>')
			i++;
		v->end = i;
		return i;
	}
	v->start = i + 1;
	q = memchr(p + v->start, p[i], n - v->start);
	v->end = q == NULL ? n : (size_t)(q - p);
	return q == NULL ? n : v->end + 1;
}

/*
 * Skips one attribute (or, as libxml2 does, a bogus run up to a blank) at
 * p[i], which is no blank and no tag end. Returns the index after it; *keep
 * is set when it is a type naming JSON-LD (or one we cannot judge).
 */
static size_t skip_attr(const char *p, size_t n, size_t i, int *keep)
{
	static const char ld_json[] = "application/ld+json";
	size_t name = i;
	int is_type;
	struct raw_cut v;

	if (!bytes_is_letter(p[i]) && p[i] != '_' && p[i] != ':' && p[i] != '.') {
		while (i < n && !bytes_is_blank(p[i]) && !at_tag_end(p, n, i))
			i++;
		return i;
	}
	while (i < n && is_name_char(p[i]))
		i++;
	is_type = i - name == 4 && strncasecmp(p + name, "type", 4) == 0;
	i = bytes_skip_ws(p, n, i);
	if (i >= n || p[i] != '=')
		return i;
	i = bytes_skip_ws(p, n, i + 1);
	if (i >= n)
		return i;
	i = skip_value(p, n, i, &v);
	if (is_type && *keep == -1) /* libxml2 keeps the first of repeated attributes */
		*keep = (v.end - v.start == sizeof(ld_json) - 1 &&
			 strncasecmp(p + v.start, ld_json, sizeof(ld_json) - 1) == 0) ||
			memchr(p + v.start, '&', v.end - v.start) != NULL;
	return i;
}

/*
 * Skips the attributes of a start tag from p[i]. Returns the index of its
 * '>' or "/>", or n. *keep: 1 for a JSON-LD type, 0 for another type, -1
 * for none; *count: how many attributes libxml2 will read.
 */
static size_t attrs_end(const char *p, size_t n, size_t i, int *keep, size_t *count)
{
	*keep = -1;
	*count = 0;
	for (;;) {
		i = bytes_skip_ws(p, n, i);
		if (i >= n || at_tag_end(p, n, i))
			return i;
		i = skip_attr(p, n, i, keep);
		(*count)++;
	}
}

static size_t skip_attrs(const char *p, size_t n, size_t i, int *keep)
{
	size_t count;

	return attrs_end(p, n, i, keep, &count);
}

size_t page_count_attrs(const char *p, size_t n, size_t i, size_t *count)
{
	int keep;

	return attrs_end(p, n, i, &keep, count);
}

size_t page_name_end(const char *p, size_t n, size_t i)
{
	while (i < n && is_name_char(p[i]))
		i++;
	return i;
}

/* Where the raw text starting at p[i] of the element named name ends: its end tag, or n. */
static size_t raw_end(const char *p, size_t n, size_t i, const char *name, size_t len)
{
	const char *lt;

	while (i < n && (lt = memchr(p + i, '<', n - i)) != NULL) {
		i = (size_t)(lt - p);
		if (n - i >= len + 2 && p[i + 1] == '/' && strncasecmp(p + i + 2, name, len) == 0 &&
		    (n - i == len + 2 || bytes_is_blank(p[i + len + 2]) || p[i + len + 2] == '\f' ||
		     p[i + len + 2] == '/' || p[i + len + 2] == '>'))
			return i;
		i++;
	}
	return n;
}

/*
 * Checks one tag at p[i] inside an <svg>. Returns the index after it (after
 * the raw text of a <style> or <script>), or 0 when it is no SVG markup.
 * *depth counts the <svg> elements open.
 */
static size_t svg_tag(const char *p, size_t n, size_t i, size_t *depth)
{
	int end = p[i + 1] == '/', keep;
	size_t name = i + 1 + (size_t)end, len = page_name_end(p, n, name) - name, j;

	if (len == 0 || !is_svg_name(p + name, len))
		return 0;
	if (end) {
		*depth -= bytes_name_is(p + name, len, "svg");
		return *depth == 0 ? i : bytes_skip_past(p, n, name + len, ">");
	}
	j = skip_attrs(p, n, name + len, &keep);
	if (j >= n)
		return 0;
	if (p[j] == '/')
		return j + 2;
	*depth += bytes_name_is(p + name, len, "svg");
	if (bytes_name_is(p + name, len, "style") || bytes_name_is(p + name, len, "script"))
		return raw_end(p, n, j + 1, p + name, len);
	return j + 1;
}

/*
 * The end of the contents of the <svg> that start at p[i]: the index of its
 * matching "</svg", or 0 when they hold anything else than SVG elements,
 * text and comments. *stop receives how far the check read.
 */
static size_t svg_end(const char *p, size_t n, size_t i, size_t *stop)
{
	size_t depth = 1, next;
	const char *lt;

	while (i < n && (lt = memchr(p + i, '<', n - i)) != NULL) {
		i = (size_t)(lt - p);
		if (n - i >= 4 && memcmp(p + i, "<!--", 4) == 0) {
			i = bytes_skip_past(p, n, i + 4, "-->");
			continue;
		}
		if (n - i < 3 || (!bytes_is_letter(p[i + 1]) && p[i + 1] != '/'))
			break;
		next = svg_tag(p, n, i, &depth);
		if (next == 0)
			break;
		if (depth == 0)
			return *stop = i;
		i = next;
	}
	*stop = i < n ? i : n;
	return 0;
}

static enum raw_kind raw_kind_of(const char *name, size_t len)
{
	if (bytes_name_is(name, len, "script"))
		return RAW_SCRIPT;
	if (bytes_name_is(name, len, "style"))
		return RAW_STYLE;
	if (bytes_name_is(name, len, "svg"))
		return RAW_SVG;
	return RAW_NONE;
}

/* The contents of the <svg> starting at p[i], or none (returns 0). */
static int svg_cut(const char *p, size_t n, size_t i, struct raw_scan *s, struct raw_cut *cut)
{
	size_t stop;

	if (i < s->svg_floor)
		return 0;
	cut->start = i;
	cut->end = svg_end(p, n, i, &stop);
	if (cut->end == 0)
		s->svg_floor = stop;
	return cut->end > cut->start;
}

/*
 * A start tag at p[i] ('<' and a letter). Returns the index after it or,
 * when it opens raw text or an SVG drawing to drop, after that; *cut is
 * filled (and *found set) when there is something to drop.
 */
static size_t start_tag(const char *p, size_t n, size_t i, struct raw_scan *s, struct raw_cut *cut,
			int *found)
{
	size_t name = i + 1, len = page_name_end(p, n, name) - name, j;
	enum raw_kind kind = raw_kind_of(p + name, len);
	int keep;

	j = skip_attrs(p, n, name + len, &keep);
	if (j >= n)
		return n;
	if (p[j] == '/')
		return j + 2; /* "<script/>" is an empty element for libxml2 too */
	if (kind == RAW_NONE)
		return j + 1;
	if (kind == RAW_SVG) {
		*found = svg_cut(p, n, j + 1, s, cut);
		return *found ? cut->end : j + 1;
	}
	cut->start = j + 1;
	cut->end = raw_end(p, n, j + 1, p + name, len);
	*found = cut->end > cut->start && !(kind == RAW_SCRIPT && keep == 1);
	return cut->end;
}

/*
 * Finds the next contents to drop from s->pos on. Returns 1 and fills cut
 * (s->pos goes after it), or 0 when there are no more.
 */
int page_raw_next(const char *p, size_t n, struct raw_scan *s, struct raw_cut *cut)
{
	size_t i = s->pos;
	const char *lt;
	int found = 0;

	while (!found && i < n && (lt = memchr(p + i, '<', n - i)) != NULL) {
		i = (size_t)(lt - p);
		if (n - i >= 4 && memcmp(p + i, "<!--", 4) == 0)
			i = bytes_skip_past(p, n, i + 4, "-->");
		else if (n - i >= 2 && (p[i + 1] == '!' || p[i + 1] == '?'))
			i = bytes_skip_past(p, n, i + 2, ">");
		else if (n - i >= 3 && p[i + 1] == '/' && bytes_is_letter(p[i + 2]))
			i = bytes_skip_past(p, n, i + 3, ">");
		else if (n - i >= 2 && bytes_is_letter(p[i + 1]))
			i = start_tag(p, n, i, s, cut, &found);
		else
			i++;
	}
	s->pos = found ? i : n;
	return found;
}

/*
 * Copies src[0..n) to dst without the contents page_raw_next finds, the first of
 * which is cut. dst may be src. Returns the length written.
 */
size_t page_raw_strip(const char *src, size_t n, struct raw_cut cut, struct raw_scan *s, char *dst)
{
	size_t w = 0, from = 0;

	do {
		memmove(dst + w, src + from, cut.start - from);
		w += cut.start - from;
		from = cut.end;
	} while (page_raw_next(src, n, s, &cut));
	memmove(dst + w, src + from, n - from);
	return w + n - from;
}

/* Where a comment whose text starts at p[i] may end for libxml2: "-->" or "--!>". */
static size_t comment_end(const char *p, size_t n, size_t i)
{
	size_t end = bytes_skip_past(p, n, i, "-->");
	const char *bang = memmem(p + i, end - i, "--!>", 4);

	return bang != NULL ? (size_t)(bang - p) + 4 : end;
}

/* Where script or style text starting at p[i] may end: "</" and the name, whatever follows. */
static size_t raw_end_early(const char *p, size_t n, size_t i, const char *name, size_t len)
{
	const char *lt;

	while (i < n && (lt = memchr(p + i, '<', n - i)) != NULL) {
		i = (size_t)(lt - p);
		if (n - i >= len + 2 && p[i + 1] == '/' && strncasecmp(p + i + 2, name, len) == 0)
			return i;
		i++;
	}
	return n;
}

/*
 * The most attributes a start tag in p[0..n) has, as libxml2 will parse
 * it: '<' and a letter starts a tag anywhere but in a comment, an end tag
 * and script or style text, and each of these is ended at the earliest
 * place libxml2 could end it, so that no tag it reads is missed (a bogus
 * "<!x" or "<?" is text before a tag for libxml2, not a comment; a doctype
 * is scanned like text, as libxml2 may end it early). Linear.
 */
size_t page_html_max_attrs(const char *p, size_t n)
{
	size_t i = 0, max = 0, count, name, len;
	const char *lt;

	while (i < n && (lt = memchr(p + i, '<', n - i)) != NULL) {
		i = (size_t)(lt - p);
		if (n - i >= 4 && memcmp(p + i, "<!--", 4) == 0) {
			i = comment_end(p, n, i + 4);
		} else if (n - i >= 3 && p[i + 1] == '/' && bytes_is_letter(p[i + 2])) {
			/* libxml2 reads an end tag to its first '>', markup-like text included */
			i = bytes_skip_past(p, n, i + 2, ">");
		} else if (n - i >= 2 && bytes_is_letter(p[i + 1])) {
			name = i + 1;
			len = page_name_end(p, n, name) - name;
			i = page_count_attrs(p, n, name + len, &count);
			max = count > max ? count : max;
			if (i < n && p[i] == '>' &&
			    (bytes_name_is(p + name, len, "script") ||
			     bytes_name_is(p + name, len, "style")))
				i = raw_end_early(p, n, i + 1, p + name, len);
		} else {
			i++;
		}
	}
	return max;
}
