/*
 * daemon/cmd/discover_rank: how `speechwatch discover` orders what it found
 * (the HTML lists of the detector and the verified feeds) and names a
 * source. Pure: no I/O.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/xmalloc.h"
#include "daemon/cmd/discover_int.h"

#define SOURCE_ID_MAX 64
#define SHARED_MAX_ITEMS 2000 /* items of each side compared; a list is rarely longer */

enum rank_tier {
	TIER_FEED_HOLDS_LIST, /* a feed with most of the list's items, or any feed when no list */
	TIER_BEST_LIST,
	TIER_FEED_SOME,
	TIER_OTHER_LISTS,
	TIER_FEED_NONE,
};

/* url without "scheme://", "www." and a trailing '/': how the same page is written twice. */
static const char *url_key(const char *url, size_t *len)
{
	const char *p = strstr(url, "://");

	p = p ? p + 3 : url;
	if (strncasecmp(p, "www.", 4) == 0)
		p += 4;
	*len = strlen(p);
	while (*len > 0 && p[*len - 1] == '/')
		(*len)--;
	return p;
}

static int same_url(const char *a, const char *b)
{
	size_t la, lb;
	const char *ka, *kb;

	if (a == NULL || b == NULL)
		return 0;
	ka = url_key(a, &la);
	kb = url_key(b, &lb);
	return la == lb && memcmp(ka, kb, la) == 0;
}

size_t discover_shared(const struct list_items *list, const struct list_items *feed)
{
	size_t nl = list->n < SHARED_MAX_ITEMS ? list->n : SHARED_MAX_ITEMS;
	size_t nf = feed->n < SHARED_MAX_ITEMS ? feed->n : SHARED_MAX_ITEMS;
	size_t shared = 0;

	for (size_t i = 0; i < nl; i++) {
		for (size_t j = 0; j < nf; j++) {
			if (same_url(list->v[i].url, feed->v[j].url)) {
				shared++;
				break;
			}
		}
	}
	return shared;
}

/* Where a verified feed ranks against the best list (NULL: the page has none). */
static void rank_feed(struct proposal *p, struct checked_feed *cf,
		      const struct discover_candidate *best)
{
	p->type = PROPOSAL_FEED;
	p->feed = cf;
	if (best == NULL) {
		p->tier = TIER_FEED_HOLDS_LIST;
		p->confidence = strcmp(cf->advertised, "guess") != 0 || cf->items.n >= 3
				    ? DISCOVER_HIGH
				    : DISCOVER_MEDIUM;
		return;
	}
	cf->shared = discover_shared(&best->items_seen, &cf->items);
	if (best->items_seen.n && cf->shared * 10 >= best->items_seen.n * 6) {
		p->tier = TIER_FEED_HOLDS_LIST;
		p->confidence = DISCOVER_HIGH;
	} else if (cf->shared > 0) {
		p->tier = TIER_FEED_SOME;
		p->confidence = DISCOVER_MEDIUM;
	} else {
		p->tier = TIER_FEED_NONE;
		p->confidence = DISCOVER_LOW;
	}
}

/* Stable: equal tiers keep the detector's order and the page's order of feeds. */
static void sort_by_tier(struct proposal *v, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		struct proposal p = v[i];
		size_t j = i;

		for (; j > 0 && v[j - 1].tier > p.tier; j--)
			v[j] = v[j - 1];
		v[j] = p;
	}
}

void discover_rank(struct discover_found *f)
{
	const struct discover_candidate *best = f->lists.n ? &f->lists.v[0] : NULL;
	size_t n = 0;

	f->props = xreallocarray(NULL, f->lists.n + f->nfeeds + 1, sizeof(*f->props));
	for (size_t i = 0; i < f->lists.n; i++) {
		struct proposal *p = &f->props[n++];

		memset(p, 0, sizeof(*p));
		p->type = PROPOSAL_LIST;
		p->list = &f->lists.v[i];
		p->tier = i == 0 ? TIER_BEST_LIST : TIER_OTHER_LISTS;
		p->confidence = f->lists.v[i].confidence;
	}
	for (size_t i = 0; i < f->nfeeds; i++) {
		if (f->feeds[i].dropped == NULL) {
			memset(&f->props[n], 0, sizeof(f->props[n]));
			rank_feed(&f->props[n++], &f->feeds[i], best);
		}
	}
	sort_by_tier(f->props, n);
	f->nprops = n;
}

/* Appends the [A-Za-z0-9._-] characters of s[0..len), others as '-', no "--". */
static void id_append(char *id, size_t *n, const char *s, size_t len)
{
	for (size_t i = 0; i < len && *n < SOURCE_ID_MAX; i++) {
		char c = s[i];

		if (!isalnum((unsigned char)c) && c != '_' && c != '.')
			c = '-';
		if (c == '.')
			c = '-';
		if (c == '-' && (*n == 0 || id[*n - 1] == '-'))
			continue;
		id[(*n)++] = c;
	}
}

/* The last path segment that names something ("index.html", "default_5.shtml" do not). */
static void last_word(const char *path, size_t path_len, const char **w, size_t *wlen)
{
	*w = NULL;
	*wlen = 0;
	while (path_len > 0) {
		size_t end = path_len, start;

		while (end > 0 && path[end - 1] == '/')
			end--;
		start = end;
		while (start > 0 && path[start - 1] != '/')
			start--;
		*wlen = strcspn(path + start, ".");
		if (*wlen > end - start)
			*wlen = end - start;
		*w = path + start;
		if (*wlen && strncasecmp(*w, "index", 5) != 0 && strncasecmp(*w, "default", 7) != 0)
			return;
		path_len = start;
	}
	*wlen = 0;
}

char *discover_source_id(const char *url)
{
	char id[SOURCE_ID_MAX + 1];
	const char *host = strstr(url, "://"), *w;
	size_t n = 0, hlen, wlen;

	host = host ? host + 3 : url;
	if (strncasecmp(host, "www.", 4) == 0)
		host += 4;
	hlen = strcspn(host, "/?#:");
	id_append(id, &n, host, hlen);
	host += strcspn(host, "/?#");
	last_word(host, strcspn(host, "?#"), &w, &wlen);
	if (wlen && n < SOURCE_ID_MAX - 1) {
		id_append(id, &n, "-", 1);
		id_append(id, &n, w, wlen);
	}
	while (n > 0 && id[n - 1] == '-')
		n--;
	id[n] = '\0';
	return xstrdup(n ? id : "source");
}
