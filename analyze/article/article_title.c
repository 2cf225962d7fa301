/*
 * The article's title: the page's own headline (an <h1> that the <title>
 * or og:title repeats), else og:title, else the only <h1>, else <title>
 * with the site name cut off ("Headline - Site", "Headline | Site",
 * "标题_网站"), and a section's name before it ("Headline - Press
 * Releases - Portal").
 */
#include <stdlib.h>
#include <string.h>

#include "analyze/article/article_int.h"
#include "common/xmalloc.h"

#define TITLE_MAX 1024
#define MAX_H1 16

static const char *const separators[] = {" | ",	       " - ",  " \xe2\x80\x93 ", " \xe2\x80\x94 ",
					 " \xc2\xb7 ", " :: ", " \xc2\xbb ",	 " / ",
					 "_"};

static const char *last_separator(const char *s, size_t *seplen)
{
	const char *best = NULL;

	for (size_t i = 0; i < sizeof(separators) / sizeof(separators[0]); i++) {
		size_t k = strlen(separators[i]);
		const char *p, *last = NULL;

		for (p = strstr(s, separators[i]); p; p = strstr(p + 1, separators[i]))
			last = p;
		/* "_" splits only around non-ASCII text (Chinese sites) */
		if (last && k == 1 && (last == s || (unsigned char)last[-1] < 0x80))
			last = NULL;
		if (last && (best == NULL || last > best)) {
			best = last;
			*seplen = k;
		}
	}
	return best;
}

static size_t count_words(const char *s)
{
	size_t n = 0;

	for (const char *p = s; *p; p++)
		n += *p != ' ' && (p == s || p[-1] == ' ');
	return n;
}

/*
 * t (allocated) without one more trailing section name: "Headline - Press
 * Releases" once " - Portal" is gone. Only a tail of three words or fewer
 * after the last separator, with more text before it, is a section's name.
 */
static char *strip_section(char *t)
{
	size_t seplen = 0;
	const char *sep = last_separator(t, &seplen);
	char *r;

	if (sep == NULL || sep == t || count_words(sep + seplen) > 3 ||
	    (size_t)(sep - t) < strlen(sep + seplen))
		return t;
	r = xstrndup(t, (size_t)(sep - t));
	free(t);
	return r;
}

/* s without a trailing " - Site Name" when the rest is the larger part. */
static char *strip_site(const char *s, const char *site)
{
	size_t n = strlen(s), k = site ? strlen(site) : 0, seplen = 0;
	const char *sep;

	if (k > 0 && n > k + 3 && strcmp(s + n - k, site) == 0) {
		sep = last_separator(s, &seplen);
		if (sep && sep + seplen == s + n - k)
			return strip_section(xstrndup(s, (size_t)(sep - s)));
	}
	sep = last_separator(s, &seplen);
	if (sep && (size_t)(sep - s) >= strlen(sep + seplen) && sep > s)
		return strip_section(xstrndup(s, (size_t)(sep - s)));
	return xstrdup(s);
}

/* Headlines outside the page furniture. */
static size_t collect_h1(const struct art_doc *d, char **h1, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < d->n && n < max; i++) {
		if (!(d->v[i].flags & AF_H1) || (d->v[i].flags & (AF_JUNK | AF_DROP)))
			continue;
		h1[n] = art_node_text(d->v[i].node, TITLE_MAX);
		if (*h1[n])
			n++;
		else
			free(h1[n]);
	}
	return n;
}

static char *choose(char **h1, size_t nh1, const struct art_titles *t)
{
	for (size_t i = 0; i < nh1; i++)
		if (strlen(h1[i]) >= 8 &&
		    ((t->doc && strstr(t->doc, h1[i])) || (t->og && strstr(t->og, h1[i]))))
			return xstrdup(h1[i]);
	if (t->og)
		return strip_site(t->og, t->site);
	if (nh1 == 1)
		return xstrdup(h1[0]);
	if (t->doc)
		return strip_site(t->doc, t->site);
	return xstrdup(nh1 > 0 ? h1[0] : "");
}

/* Sets out->title; frees the hints in t. */
void art_title(const struct art_doc *d, struct art_titles *t, struct article *out)
{
	char *h1[MAX_H1];
	size_t nh1 = collect_h1(d, h1, MAX_H1);

	out->title = choose(h1, nh1, t);
	for (size_t i = 0; i < nh1; i++)
		free(h1[i]);
	free(t->og);
	free(t->doc);
	free(t->site);
	memset(t, 0, sizeof(*t));
}
