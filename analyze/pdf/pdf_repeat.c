/*
 * Running headers, footers and page numbers: lines in the top or bottom
 * band of a page whose text comes back on most pages. Texts are compared
 * with every run of digits as one '#' (and a lone roman numeral as '#'), so
 * "Page 3 of 10" and "Page 4 of 10" are the same footer.
 */
#include <stdlib.h>
#include <string.h>

#include "analyze/pdf/pdf_int.h"
#include "common/buf.h"
#include "common/xmalloc.h"

#define BAND 0.15	  /* share of the page height at the top and at the bottom */
#define GAP_ROWS 0.8	  /* a gap over this many line heights parts a header from the body */
#define BAND_LINES 3	  /* lines per band looked at */
#define KEY_MAX 200	  /* a longer line is no running header */
#define PAGENO_LETTERS 10 /* letters of a page number's label ("Страница") */
#define ROMAN_MAX 8	  /* letters of a roman page number */

struct key {
	char *text;
	size_t pages;	  /* pages holding it */
	size_t last_page; /* + 1, so that a page counts once */
};

/* "vii", "XII": a roman page number. */
static int roman(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n <= ROMAN_MAX && strspn(s, "ivxlcdmIVXLCDM") == n;
}

/* The comparison key of a line's text: spaces collapsed, digit runs '#'. */
static char *line_key(const char *s)
{
	struct buf b;
	int space = 0;

	while (*s == ' ' || *s == '\t')
		s++;
	if (roman(s))
		return xstrdup("#");
	buf_init(&b);
	for (; *s; s++) {
		if (*s == ' ' || *s == '\t') {
			space = 1;
			continue;
		}
		if (space)
			buf_append_char(&b, ' ');
		space = 0;
		if (*s >= '0' && *s <= '9') {
			while (s[1] >= '0' && s[1] <= '9')
				s++;
			buf_append_char(&b, '#');
		} else {
			buf_append_char(&b, *s);
		}
	}
	return buf_steal(&b);
}

static int cmp_top(const void *a, const void *b, void *arg)
{
	const struct pdf_line *l = arg;
	double ya = l[*(const size_t *)a].y0, yb = l[*(const size_t *)b].y0;

	return ya < yb ? -1 : ya > yb;
}

/*
 * Marks band[i] for the lines of the top block and of the bottom block of
 * p: the rows of lines down from the top (up from the bottom) until the
 * first vertical gap wider than GAP_ROWS line heights, when there are at
 * most BAND_LINES such rows, all inside the band, and body text beyond
 * the gap. A page's first paragraph is no header: no gap parts it from
 * the next.
 */
static void mark_bands(const struct pdf_page *p, size_t *idx, unsigned char *band)
{
	if (p->n < 2)
		return;
	for (size_t i = 0; i < p->n; i++)
		idx[i] = i;
	qsort_r(idx, p->n, sizeof(*idx), cmp_top, p->lines);
	for (int dir = 0; dir < 2; dir++) {
		size_t rows = 1, k;

		for (k = 1; k < p->n; k++) {
			const struct pdf_line *a = &p->lines[idx[dir ? p->n - k : k - 1]];
			const struct pdf_line *b = &p->lines[idx[dir ? p->n - k - 1 : k]];
			double h = a->y1 - a->y0, gap = dir ? a->y0 - b->y1 : b->y0 - a->y1;

			if (gap > GAP_ROWS * h)
				break;
			rows += dir ? b->y1 <= a->y0 : b->y0 >= a->y1;
		}
		if (k == p->n || rows > BAND_LINES)
			continue;
		for (size_t j = 0; j < k; j++) {
			const struct pdf_line *l = &p->lines[idx[dir ? p->n - 1 - j : j]];

			if (strlen(l->text) <= KEY_MAX &&
			    (dir ? l->y0 >= p->height * (1 - BAND) : l->y1 <= p->height * BAND))
				band[idx[dir ? p->n - 1 - j : j]] = 1;
		}
	}
}

/* The band marks of every page: one array per page, in the page's line order. */
static unsigned char **all_bands(const struct pdf_page *pages, size_t n)
{
	unsigned char **bands = xcalloc(n, sizeof(*bands));

	for (size_t pg = 0; pg < n; pg++) {
		size_t *idx = xcalloc(pages[pg].n + 1, sizeof(*idx));

		bands[pg] = xcalloc(pages[pg].n + 1, 1);
		mark_bands(&pages[pg], idx, bands[pg]);
		free(idx);
	}
	return bands;
}

/*
 * 1 when a key reads as a page number: one or two numbers and at most
 * PAGENO_LETTERS other letters ("#", "- # -", "Page # of #", "Стр. #",
 * "第 # 页", "صفحة #"), not a date ("#.#.#") nor a sentence.
 */
static int page_number_key(const char *key)
{
	size_t nums = 0, letters = 0;

	for (const unsigned char *p = (const unsigned char *)key; *p; p++) {
		if (*p == '#')
			nums++;
		else if ((*p & 0xC0) != 0x80 && !strchr(" -/.,:|()[]", *p))
			letters++; /* one per character, not per byte */
	}
	return nums >= 1 && nums <= 2 && letters <= PAGENO_LETTERS;
}

static struct key *key_find(struct key *keys, size_t n, const char *text)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(keys[i].text, text) == 0)
			return &keys[i];
	return NULL;
}

/* Counts the band lines' keys over the pages; returns the table (*nkeys entries). */
static struct key *count_keys(const struct pdf_page *pages, size_t n, unsigned char **bands,
			      size_t *nkeys)
{
	struct key *keys = NULL, *k;
	size_t cap = 0;

	*nkeys = 0;
	for (size_t pg = 0; pg < n; pg++) {
		for (size_t i = 0; i < pages[pg].n; i++) {
			char *t;

			if (!bands[pg][i])
				continue;
			t = line_key(pages[pg].lines[i].text);
			k = key_find(keys, *nkeys, t);
			if (k == NULL) {
				if (*nkeys == cap) {
					cap = cap ? cap * 2 : 16;
					keys = xreallocarray(keys, cap, sizeof(*keys));
				}
				k = &keys[(*nkeys)++];
				k->text = t;
				k->pages = 0;
				k->last_page = 0;
			} else {
				free(t);
			}
			if (k->last_page != pg + 1)
				k->pages++;
			k->last_page = pg + 1;
		}
	}
	return keys;
}

void pdf_drop_repeats(struct pdf_page *pages, size_t n)
{
	unsigned char **bands;
	size_t nkeys;
	struct key *keys;

	if (n < 2)
		return;
	bands = all_bands(pages, n);
	keys = count_keys(pages, n, bands, &nkeys);
	for (size_t pg = 0; pg < n; pg++) {
		for (size_t i = 0; i < pages[pg].n; i++) {
			struct key *k;
			char *t;

			if (!bands[pg][i])
				continue;
			t = line_key(pages[pg].lines[i].text);
			k = key_find(keys, nkeys, t);
			/* a page number may be missing from some pages (the first) */
			if (k && ((k->pages >= 2 && k->pages * 2 > n) || page_number_key(t)))
				pages[pg].lines[i].drop = 1;
			free(t);
		}
	}
	for (size_t i = 0; i < nkeys; i++)
		free(keys[i].text);
	free(keys);
	for (size_t pg = 0; pg < n; pg++)
		free(bands[pg]);
	free(bands);
}
