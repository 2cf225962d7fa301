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

#define BAND 0.15    /* share of the page height at the top and at the bottom */
#define BAND_LINES 3 /* lines per band looked at */
#define KEY_MAX 200  /* a longer line is no running header */
#define ROMAN_MAX 8  /* letters of a roman page number */

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

/* 1 when line i of p is among the BAND_LINES first or last lines, inside the band. */
static int in_band(const struct pdf_page *p, size_t i)
{
	const struct pdf_line *l = &p->lines[i];
	size_t above = 0, below = 0;

	if (strlen(l->text) > KEY_MAX || p->height <= 0)
		return 0;
	if (l->y0 > p->height * BAND && l->y1 < p->height * (1 - BAND))
		return 0;
	for (size_t j = 0; j < p->n; j++) {
		above += p->lines[j].y0 < l->y0;
		below += p->lines[j].y0 > l->y0;
	}
	return above < BAND_LINES || below < BAND_LINES;
}

static struct key *key_find(struct key *keys, size_t n, const char *text)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(keys[i].text, text) == 0)
			return &keys[i];
	return NULL;
}

/* Counts the band lines' keys over the pages; returns the table (*nkeys entries). */
static struct key *count_keys(const struct pdf_page *pages, size_t n, size_t *nkeys)
{
	struct key *keys = NULL, *k;
	size_t cap = 0;

	*nkeys = 0;
	for (size_t pg = 0; pg < n; pg++) {
		for (size_t i = 0; i < pages[pg].n; i++) {
			char *t;

			if (!in_band(&pages[pg], i))
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
	size_t nkeys;
	struct key *keys;

	if (n < 2)
		return;
	keys = count_keys(pages, n, &nkeys);
	for (size_t pg = 0; pg < n; pg++) {
		for (size_t i = 0; i < pages[pg].n; i++) {
			struct key *k;
			char *t;

			if (!in_band(&pages[pg], i))
				continue;
			t = line_key(pages[pg].lines[i].text);
			k = key_find(keys, nkeys, t);
			/* a page number alone may be missing from the first pages */
			if (k && ((k->pages >= 2 && k->pages * 2 > n) ||
				  (n >= 3 && strcmp(t, "#") == 0) ||
				  (n >= 3 && strcmp(t, "- # -") == 0)))
				pages[pg].lines[i].drop = 1;
			free(t);
		}
	}
	for (size_t i = 0; i < nkeys; i++)
		free(keys[i].text);
	free(keys);
}
