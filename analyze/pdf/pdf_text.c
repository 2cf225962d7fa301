/*
 * The ordered lines as text: paragraphs rebuilt from the geometry and the
 * lines of a paragraph joined as a reader would (hyphenation undone, no
 * space between CJK characters).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/pdf/pdf.h"
#include "analyze/pdf/pdf_int.h"
#include "analyze/utf8.h"
#include "common/buf.h"
#include "common/xmalloc.h"

#define GAP_FACTOR 1.3	  /* a gap over this many line spacings opens a paragraph */
#define INDENT_FACTOR 0.8 /* an indent over this many line heights opens one */
#define FIT_SLACK 0.6	  /* a space and some justification, in line heights */

int pdf_cp_cjk(int32_t c)
{
	return (c >= 0x2E80 && c <= 0x9FFF) || (c >= 0xAC00 && c <= 0xD7AF) ||
	       (c >= 0xF900 && c <= 0xFAFF) || (c >= 0xFF00 && c <= 0xFF60) ||
	       (c >= 0x20000 && c <= 0x3FFFF);
}

static int cp_letter(int32_t c)
{
	utf8proc_category_t k = c < 0 ? UTF8PROC_CATEGORY_CN : utf8proc_category(c);

	return k >= UTF8PROC_CATEGORY_LU && k <= UTF8PROC_CATEGORY_LO;
}

/* The last character of s[0..len) and where it starts. */
static int32_t last_char(const char *s, size_t len, size_t *at)
{
	size_t i = len;
	int32_t c = -1;

	while (i > 0 && ((unsigned char)s[i - 1] & 0xC0) == 0x80 && len - i < 3)
		i--;
	if (i > 0)
		i--;
	if (i < len)
		utf8_next(s + i, len - i, &c);
	*at = i;
	return c;
}

void pdf_join_line(struct buf *out, const char *line)
{
	size_t len = out->len, at, before;
	int32_t last, prev = -1, first = -1;

	if (*line)
		utf8_next(line, strlen(line), &first);
	if (len == 0 || (len >= 2 && memcmp(out->data + len - 2, "\n\n", 2) == 0)) {
		buf_append_str(out, line);
		return;
	}
	last = last_char(out->data, len, &at);
	if (at > 0)
		prev = last_char(out->data, at, &before);
	if (last == 0xAD || ((last == '-' || last == 0x2010) && cp_letter(prev) &&
			     utf8proc_category(first) == UTF8PROC_CATEGORY_LL)) {
		out->len = at; /* the hyphen of a word broken at the line's end */
		out->data[at] = '\0';
	} else if ((last == '-' || last == 0x2010) && cp_letter(prev)) {
		/* "Franco-" + "German": a compound's own hyphen, kept */
	} else if (!(pdf_cp_cjk(last) && pdf_cp_cjk(first))) {
		buf_append_char(out, ' ');
	}
	buf_append_str(out, line);
}

static int cp_space(int32_t c)
{
	utf8proc_category_t k = c < 0 ? UTF8PROC_CATEGORY_CN : utf8proc_category(c);

	return c < 0x20 || c == 0x7F || k == UTF8PROC_CATEGORY_ZS || k == UTF8PROC_CATEGORY_ZL ||
	       k == UTF8PROC_CATEGORY_ZP || (c >= 0x80 && c < 0xA0);
}

/* Bidi marks and embeddings Poppler puts around right-to-left runs. */
static int cp_bidi(int32_t c)
{
	return c == 0x200E || c == 0x200F || (c >= 0x202A && c <= 0x202E) ||
	       (c >= 0x2066 && c <= 0x2069) || c == 0x061C;
}

static int cp_hyphen(int32_t c)
{
	return c == '-' || c == 0xAD || c == 0x2010 || c == 0x2011;
}

/*
 * One run of hyphens, soft hyphens included, at s. *visible: 1 when a
 * hyphen shows, 2 when the run is only ASCII hyphens ("--", kept as it is).
 */
static size_t hyphen_run(const char *s, size_t len, int *visible)
{
	size_t i = 0, k;
	int ascii = 1;
	int32_t c;

	*visible = 0;
	while (i < len && (k = utf8_next(s + i, len - i, &c)) > 0 && cp_hyphen(c)) {
		*visible |= c != 0xAD;
		ascii &= c == '-';
		i += k;
	}
	if (ascii)
		*visible = 2;
	return i;
}

/*
 * Appends the character c (the k bytes at s): Latin ligatures (U+FB00..06)
 * and Arabic presentation forms, which a PDF's ToUnicode map often gives,
 * as the letters they stand for (NFKC of the character), so that
 * "\uFB01nancial" is "financial" to the themes.
 */
static void append_char(struct buf *b, int32_t c, const char *s, size_t k)
{
	utf8proc_uint8_t one[8], *nfkc = NULL;

	if (k < sizeof(one) && ((c >= 0xFB00 && c <= 0xFB06) || (c >= 0xFB50 && c <= 0xFDFF) ||
				(c >= 0xFE70 && c <= 0xFEFC))) {
		memcpy(one, s, k);
		one[k] = '\0';
		nfkc = utf8proc_NFKC(one); /* composed again: U+FE83 is U+0623, not alef + hamza */
	}
	if (nfkc)
		buf_append_str(b, (const char *)nfkc);
	else
		buf_append(b, s, k);
	free(nfkc);
}

/* 1 when the bidi mark c at s[i] (k bytes) parts two words: Poppler closes and opens an embedding.
 */
static int bidi_space(int32_t c, const char *s, size_t i, size_t k, size_t len)
{
	int32_t next = -1;

	if (c == 0x202C && i + k < len)
		utf8_next(s + i + k, len - i - k, &next);
	return next >= 0x202A && next <= 0x202E;
}

char *pdf_line_clean(const char *s, size_t len)
{
	struct buf b;
	size_t i = 0, k;
	int space = 0, visible;
	int32_t c;

	buf_init(&b);
	while (i < len) {
		k = utf8_next(s + i, len - i, &c);
		if (cp_bidi(c) || cp_space(c)) {
			if (cp_space(c) || bidi_space(c, s, i, k, len))
				space = b.len > 0;
			i += k;
			continue;
		}
		if (space)
			buf_append_char(&b, ' ');
		space = 0;
		if (cp_hyphen(c)) {
			k = hyphen_run(s + i, len - i, &visible);
			/* a soft hyphen shows only at the line's end */
			if (visible == 2)
				buf_append(&b, s + i, k);
			else if (visible)
				buf_append_char(&b, '-');
			else if (i + k == len)
				buf_append_str(&b, "\xc2\xad");
		} else if (c >= 0) {
			append_char(&b, c, s + i, k);
		}
		i += k;
	}
	return buf_steal(&b);
}

/* 1 when s ends with a letter and a hyphen ("state-", "Franco-"). */
static int ends_hyphen(const char *s)
{
	size_t n = strlen(s), at, before;
	int32_t last = last_char(s, n, &at), prev = at > 0 ? last_char(s, at, &before) : -1;

	return (last == '-' || last == 0xAD) && cp_letter(prev);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The line spacing of the document: the median step between lines of a column. */
static double line_spacing(const struct pdf_page *pages, size_t n)
{
	double *steps = NULL, med = 0;
	size_t ns = 0, cap = 0;

	for (size_t pg = 0; pg < n; pg++) {
		for (size_t i = 1; i < pages[pg].n; i++) {
			const struct pdf_line *a = &pages[pg].lines[i - 1],
					      *b = &pages[pg].lines[i];

			if (a->drop || b->drop || a->column != b->column || b->y0 <= a->y0)
				continue;
			if (ns == cap) {
				cap = cap ? cap * 2 : 256;
				steps = xreallocarray(steps, cap, sizeof(*steps));
			}
			steps[ns++] = b->y0 - a->y0;
		}
	}
	if (ns > 0)
		qsort(steps, ns, sizeof(*steps), cmp_double);
	if (ns > 0)
		med = steps[ns / 2];
	free(steps);
	return med;
}

/* The x range of the kept lines of column col on page p. */
static void column_edges(const struct pdf_page *p, int col, double *lo, double *hi)
{
	int any = 0;

	for (size_t i = 0; i < p->n; i++) {
		const struct pdf_line *l = &p->lines[i];

		if (l->drop || l->column != col)
			continue;
		if (!any || l->x0 < *lo)
			*lo = l->x0;
		if (!any || l->x1 > *hi)
			*hi = l->x1;
		any = 1;
	}
}

/* How far l is from its column's start edge, and how far it ends from the end edge. */
static void edges(const struct pdf_page *p, const struct pdf_line *l, int rtl, double *indent,
		  double *room, double *width)
{
	double lo = l->x0, hi = l->x1;

	if (l->column >= 0)
		column_edges(p, l->column, &lo, &hi);
	*width = hi - lo;
	*indent = rtl ? hi - l->x1 : l->x0 - lo;
	*room = rtl ? l->x0 - lo : hi - l->x1;
}

/* 1 when line b (after a, both on page p; a NULL after a page break) opens a paragraph. */
static int opens_paragraph(const struct pdf_page *p, const struct pdf_line *a,
			   const struct pdf_line *b, int rtl, double spacing)
{
	double ind_a, room_a, w_a, ind_b, room_b, w_b, h = b->y1 - b->y0;

	if (a && a->column == b->column && b->y0 < a->y1 && a->y0 < b->y1)
		return 0; /* two pieces of one line */
	if (b->column < 0 || (a && a->column < 0))
		return 1;
	edges(p, b, rtl, &ind_b, &room_b, &w_b);
	if (ind_b > INDENT_FACTOR * h && w_b > 0 && ind_b < 0.5 * w_b)
		return 1;
	if (a == NULL)
		return 0;
	edges(p, a, rtl, &ind_a, &room_a, &w_a);
	/*
	 * the next line's first word would have fit: the writer ended the
	 * line, unless it ends with a hyphen (a word or a compound goes on);
	 * only with the word's width measured
	 */
	if (b->first_w > 0 && room_a > b->first_w + FIT_SLACK * h && !ends_hyphen(a->text))
		return 1;
	return a->column == b->column && spacing > 0 && b->y0 - a->y0 > GAP_FACTOR * spacing;
}

/* The line's text without leading and trailing spaces, into t. */
static void trimmed(const char *s, struct buf *t)
{
	size_t n;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	buf_reset(t);
	buf_append(t, s, n);
}

int pdf_pages_text(struct pdf_page *pages, size_t n, int rtl, struct buf *out, size_t max)
{
	double spacing = line_spacing(pages, n);
	const struct pdf_line *prev = NULL;
	struct buf t;

	buf_init(&t);
	for (size_t pg = 0; pg < n; pg++) {
		for (size_t i = 0; i < pages[pg].n; i++) {
			const struct pdf_line *l = &pages[pg].lines[i];

			trimmed(l->text, &t);
			if (l->drop || t.len == 0)
				continue;
			if (out->len > 0 && opens_paragraph(&pages[pg], prev, l, rtl, spacing))
				buf_append_str(out, "\n\n");
			pdf_join_line(out, buf_str(&t));
			prev = l;
			if (out->len >= max) {
				buf_free(&t);
				return 1;
			}
		}
		prev = NULL;
	}
	buf_free(&t);
	return 0;
}

size_t pdf_count_words(const char *text)
{
	size_t len = text ? strlen(text) : 0, i = 0, words = 0;
	int in_word = 0;
	int32_t c;

	while (i < len) {
		utf8proc_category_t k;

		i += utf8_next(text + i, len - i, &c);
		k = c < 0 ? UTF8PROC_CATEGORY_CN : utf8proc_category(c);
		if (c >= 0 && pdf_cp_cjk(c) && k == UTF8PROC_CATEGORY_LO) {
			words++;
			in_word = 0;
		} else if ((k >= UTF8PROC_CATEGORY_LU && k <= UTF8PROC_CATEGORY_ND) ||
			   k == UTF8PROC_CATEGORY_MC) {
			words += !in_word;
			in_word = 1;
		} else {
			in_word = 0;
		}
	}
	return words;
}
