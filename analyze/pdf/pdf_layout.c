/*
 * Reading order of one page from its line boxes. Columns are the x ranges
 * separated by a gutter: a run of x positions that almost no line covers
 * (a title over both columns may), with text on both sides. A candidate
 * column must hold at least COL_MIN_LINES lines of a real text width, so a
 * date set at the right of a title, or a two-cell table row, is no column.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/pdf/pdf_int.h"
#include "analyze/utf8.h"
#include "common/xmalloc.h"

#define MAX_BINS 4000	   /* resolution of the coverage profile */
#define MAX_CUTS 8	   /* columns - 1 at most */
#define COL_MIN_LINES 3	   /* lines a column holds at least */
#define COL_MIN_WIDTH 0.15 /* mean line width of a column, share of the text width */
#define GUTTER_MIN 6.0	   /* points: a narrower gap is a word space */

void pdf_page_add(struct pdf_page *p, const char *text, size_t len, double x0, double y0, double x1,
		  double y1)
{
	struct pdf_line *l;

	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 64;
		p->lines = xreallocarray(p->lines, p->cap, sizeof(*p->lines));
	}
	l = &p->lines[p->n++];
	memset(l, 0, sizeof(*l));
	l->text = pdf_line_clean(text, len);
	l->x0 = x0;
	l->y0 = y0;
	l->x1 = x1;
	l->y1 = y1;
}

void pdf_page_free(struct pdf_page *p)
{
	for (size_t i = 0; p && i < p->n; i++)
		free(p->lines[i].text);
	if (p)
		free(p->lines);
	if (p)
		memset(p, 0, sizeof(*p));
}

int pdf_cp_rtl(int32_t c)
{
	return (c >= 0x0590 && c <= 0x08FF) || (c >= 0xFB1D && c <= 0xFDFF) ||
	       (c >= 0xFE70 && c <= 0xFEFF);
}

int pdf_rtl(const struct pdf_page *pages, size_t n)
{
	size_t rtl = 0, letters = 0;

	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < pages[i].n; j++) {
			const char *s = pages[i].lines[j].text;
			size_t len = strlen(s), k = 0;
			int32_t c;

			while (k < len) {
				k += utf8_next(s + k, len - k, &c);
				if (c < 0 || utf8proc_category(c) < UTF8PROC_CATEGORY_LU ||
				    utf8proc_category(c) > UTF8PROC_CATEGORY_LO)
					continue;
				letters++;
				rtl += pdf_cp_rtl(c);
			}
		}
	}
	return letters > 0 && rtl * 2 > letters;
}

/* The page's kept lines' x extent; 0 when there are none. */
static int extent(const struct pdf_page *p, double *lo, double *hi)
{
	int any = 0;

	for (size_t i = 0; i < p->n; i++) {
		if (p->lines[i].drop)
			continue;
		if (!any || p->lines[i].x0 < *lo)
			*lo = p->lines[i].x0;
		if (!any || p->lines[i].x1 > *hi)
			*hi = p->lines[i].x1;
		any = 1;
	}
	return any && *hi > *lo;
}

/*
 * The gutters' middles into cut[] (ascending): runs of bins covered by at
 * most `allowed` lines, between bins covered by more. Returns their number.
 */
static size_t find_cuts(const long *cover, size_t nb, double lo, double bw, long allowed,
			double *cut)
{
	size_t ncut = 0, i = 0;

	while (i < nb && cover[i] <= allowed)
		i++;
	while (i < nb && ncut < MAX_CUTS) {
		size_t start;

		while (i < nb && cover[i] > allowed)
			i++;
		start = i;
		while (i < nb && cover[i] <= allowed)
			i++;
		if (i >= nb)
			break; /* the right margin, no gutter */
		if ((double)(i - start) * bw >= GUTTER_MIN)
			cut[ncut++] = lo + ((double)(start + i) / 2.0) * bw;
	}
	return ncut;
}

/* The column of l among the cuts (left to right), -1 when l crosses one. */
static int column_of(const struct pdf_line *l, const double *cut, size_t ncut)
{
	int col = 0;

	for (size_t c = 0; c < ncut; c++) {
		if (l->x0 < cut[c] && l->x1 > cut[c])
			return -1;
		if (l->x0 >= cut[c])
			col = (int)c + 1;
	}
	return col;
}

/* Index of the first column (left to right) too thin to be one, or -1. */
static int weak_column(const struct pdf_page *p, const double *cut, size_t ncut, double textw)
{
	for (size_t c = 0; c <= ncut; c++) {
		size_t lines = 0;
		double w = 0;

		for (size_t i = 0; i < p->n; i++) {
			const struct pdf_line *l = &p->lines[i];

			if (!l->drop && column_of(l, cut, ncut) == (int)c) {
				lines++;
				w += l->x1 - l->x0;
			}
		}
		if (lines < COL_MIN_LINES || w / (double)lines < COL_MIN_WIDTH * textw)
			return (int)c;
	}
	return -1;
}

/* The gutters of p, the weak columns merged into their neighbours. */
static size_t page_cuts(const struct pdf_page *p, double *cut)
{
	double lo = 0, hi = 0, bw;
	size_t nb, ncut, kept = 0;
	long *cover;
	int weak;

	if (!extent(p, &lo, &hi))
		return 0;
	bw = (hi - lo) / MAX_BINS > 1.0 ? (hi - lo) / MAX_BINS : 1.0;
	nb = (size_t)((hi - lo) / bw) + 1;
	cover = xcalloc(nb + 1, sizeof(*cover));
	/* as differences first (+1 where a line starts, -1 after it ends): linear */
	for (size_t i = 0; i < p->n; i++) {
		const struct pdf_line *l = &p->lines[i];
		size_t b0 = (size_t)((l->x0 - lo) / bw), b1 = (size_t)ceil((l->x1 - lo) / bw);

		if (l->drop)
			continue;
		kept++;
		cover[b0 < nb ? b0 : nb]++;
		cover[b1 < nb ? b1 : nb]--;
	}
	for (size_t b = 1; b < nb; b++)
		cover[b] += cover[b - 1];
	/* a title or a section heading or two may cross a gutter */
	ncut = find_cuts(cover, nb, lo, bw, kept < 20 ? 2 : (long)(kept / 10), cut);
	free(cover);
	while (ncut > 0 && (weak = weak_column(p, cut, ncut, hi - lo)) >= 0) {
		size_t drop = weak == (int)ncut ? ncut - 1 : (size_t)weak; /* the cut beside it */

		memmove(cut + drop, cut + drop + 1, (ncut - drop - 1) * sizeof(*cut));
		ncut--;
	}
	return ncut;
}

/* qsort: dropped last; by band, then column, then top, then start edge. */
static int cmp_reading(const void *a, const void *b, void *rtl)
{
	const struct pdf_line *x = a, *y = b;

	if (x->drop != y->drop)
		return x->drop - y->drop;
	if (x->column != y->column && x->column >= 0 && y->column >= 0)
		return x->column - y->column;
	if (x->y0 != y->y0)
		return x->y0 < y->y0 ? -1 : 1;
	if (x->x0 != y->x0)
		return (x->x0 < y->x0) != *(int *)rtl ? -1 : 1;
	return 0;
}

/* qsort: top to bottom, then start edge. */
static int cmp_top(const void *a, const void *b, void *rtl)
{
	const struct pdf_line *x = a, *y = b;

	if (x->drop != y->drop)
		return x->drop - y->drop;
	if (x->y0 != y->y0)
		return x->y0 < y->y0 ? -1 : 1;
	if (x->x0 != y->x0)
		return (x->x0 < y->x0) != *(int *)rtl ? -1 : 1;
	return 0;
}

void pdf_page_order(struct pdf_page *p, int rtl)
{
	double cut[MAX_CUTS];
	size_t ncut = page_cuts(p, cut), start = 0, kept = 0;

	for (size_t i = 0; i < p->n; i++) {
		int c = column_of(&p->lines[i], cut, ncut);

		p->lines[i].column = c < 0 || !rtl ? c : (int)ncut - c;
		kept += !p->lines[i].drop;
	}
	qsort_r(p->lines, p->n, sizeof(*p->lines), cmp_top, &rtl);
	/* each spanning line ends a band; a band is read column by column */
	for (size_t i = 0; i <= kept; i++) {
		if (i < kept && p->lines[i].column >= 0)
			continue;
		if (i > start)
			qsort_r(p->lines + start, i - start, sizeof(*p->lines), cmp_reading, &rtl);
		start = i + 1;
	}
}
