/*
 * analyze/pdf internals: the layout logic on line boxes, independent of
 * Poppler so that tests can give it synthetic lines.
 *
 * Coordinates are PDF points with y growing downwards (Poppler's text
 * layout): a line's box is x0 <= x1, y0 (top) <= y1 (bottom).
 */
#ifndef SW_ANALYZE_PDF_INT_H
#define SW_ANALYZE_PDF_INT_H

#include <stddef.h>
#include <stdint.h>

struct buf;

struct pdf_line {
	double x0, y0, x1, y1;
	char *text;	/* UTF-8, no newline; owned by the page */
	double first_w; /* width of the first word when known, else 0 */
	int column;	/* set by pdf_page_order: 0.. in reading order, -1 spans columns */
	int drop;	/* set by pdf_drop_repeats: a running header, footer or page number */
};

struct pdf_page {
	double width, height;
	struct pdf_line *lines;
	size_t n, cap;
};

/*
 * The text of a line as the rest works on it: spaces, tabs, controls and
 * no-break spaces collapsed to one space and trimmed; a run of hyphens
 * (soft ones included, as a bad ToUnicode map writes "-\u00AD\u2010")
 * made one '-'; a soft hyphen dropped but at the end; bidi marks dropped
 * (one between two right-to-left words is a space); Latin ligatures and
 * Arabic presentation forms as their letters. Returns a new string.
 */
char *pdf_line_clean(const char *s, size_t len);

/* Hebrew, Arabic, Syriac, Thaana, N'Ko and their presentation forms. */
int pdf_cp_rtl(int32_t c);

/* CJK ideographs, kana, Hangul and their punctuation: written without spaces. */
int pdf_cp_cjk(int32_t c);

/* Appends text[0..len) (cleaned by pdf_line_clean) with its box to p. */
void pdf_page_add(struct pdf_page *p, const char *text, size_t len, double x0, double y0, double x1,
		  double y1);
/* Frees the lines of p (not p itself). */
void pdf_page_free(struct pdf_page *p);

/* 1 when most letters of the pages' text are of a right-to-left script. */
int pdf_rtl(const struct pdf_page *pages, size_t n);

/*
 * Marks drop on the lines of the top and bottom bands of each page whose
 * text, with every run of digits counted as one digit, is on most pages
 * (more than half, and at least two): running headers, footers, "Page 3
 * of 10". A band line that reads as a page number ("7", "- 7 -", "vii",
 * "Стр. 7", "第 7 页") goes even when it is on fewer pages. The bands are
 * the blocks of at most three rows at the top and at the bottom of a page,
 * inside its outer 15 %, parted from the body by a vertical gap.
 */
void pdf_drop_repeats(struct pdf_page *pages, size_t n);

/*
 * Sorts the lines of p (not dropped) into reading order and sets each
 * line's column: columns are found by the x ranges that no line covers,
 * save a few spanning lines (a title over both columns); a spanning line
 * cuts the page into bands read one after the other. rtl orders columns
 * right to left. Dropped lines are moved to the end.
 */
void pdf_page_order(struct pdf_page *p, int rtl);

/*
 * Appends the ordered, kept lines of the pages to out as text: lines of a
 * paragraph joined (a word hyphenated at the line's end joined back, no
 * space between CJK characters), paragraphs separated by "\n\n". A new
 * paragraph starts after a vertical gap larger than the line spacing, at
 * an indented line, after a short line that ends a sentence, and at a
 * spanning line. Stops once out holds max bytes (returns 1 then, else 0).
 */
int pdf_pages_text(struct pdf_page *pages, size_t n, int rtl, struct buf *out, size_t max);

/*
 * Appends line to out, joined to the paragraph's text in out: the
 * hyphenation rule (letter + '-' at the end of out and a lower-case letter
 * starting line: hyphen removed; capital or digit: hyphen kept, no space)
 * and the CJK rule (no space between two CJK characters).
 */
void pdf_join_line(struct buf *out, const char *line);

#endif
