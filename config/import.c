/* What both importers share: the checks of a URL and the ids made for sources. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"
#include "config/import.h"

#define ID_MAX 64
#define ID_STEM_MAX 48 /* room for a "-NNNN" suffix that makes it unique */
/* "url = " and the URL must fit the config reader's 200-byte line */
#define URL_MAX 190

/* The url key's own checks (config/keys.c): http(s), a host, no byte INI or a URL forbids. */
static const char *url_problem(const char *url)
{
	const char *host;

	if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)
		return "not an http:// or https:// URL";
	host = strstr(url, "://") + 3;
	if (*host == '\0' || *host == '/' || *host == ':')
		return "URL without a host";
	if (strlen(url) > URL_MAX)
		return "URL longer than a configuration line allows";
	for (const unsigned char *p = (const unsigned char *)url; *p; p++)
		if (*p <= ' ' || *p == 0x7f || strchr("\"<>\\^`{|}", *p))
			return "URL with a space, control or forbidden character";
	return NULL;
}

/* Letters and digits of text, lowered; any run of other bytes becomes one '-'. */
static void id_stem(const char *text, char *out, size_t outlen)
{
	size_t n = 0;

	for (const unsigned char *p = (const unsigned char *)text; *p && n + 1 < outlen; p++) {
		if (isascii(*p) && isalnum(*p))
			out[n++] = (char)tolower(*p);
		else if (n > 0 && out[n - 1] != '-')
			out[n++] = '-';
	}
	while (n > 0 && out[n - 1] == '-')
		n--;
	out[n] = '\0';
}

/* From the URL: host without "www." and the path, e.g. "example.org-news". */
static void id_from_url(const char *url, char *out, size_t outlen)
{
	const char *p = strstr(url, "://") + 3;
	char tmp[URL_MAX + 1];

	if (strncmp(p, "www.", 4) == 0)
		p += 4;
	snprintf(tmp, sizeof(tmp), "%s", p);
	tmp[strcspn(tmp, "?#")] = '\0';
	id_stem(tmp, out, outlen);
}

static int id_taken(const struct import_list *l, const char *id)
{
	size_t n = strlen(id);

	return hmap_get(&l->taken, id, n, hmap_hash(id, n)) != NULL;
}

/* The stem's counter of suffixes tried: ids of one stem are made in O(1) each. */
static uint32_t *stem_next(struct import_list *l, const char *stem)
{
	size_t n = strlen(stem);
	uint32_t h = hmap_hash(stem, n);
	const uint32_t *at = hmap_get(&l->stems, stem, n, h);

	if (at != NULL)
		return &l->next[*at];
	l->next = xreallocarray(l->next, l->nnext + 1, sizeof(*l->next));
	l->next[l->nnext] = 2;
	hmap_put(&l->stems, stem, n, h, (uint32_t)l->nnext);
	return &l->next[l->nnext++];
}

static void maps_init(struct import_list *l)
{
	if (l->taken.cap == 0) {
		hmap_init(&l->taken, 64);
		hmap_init(&l->stems, 64);
	}
}

void import_reserve(struct import_list *l, const char *id)
{
	maps_init(l);
	if (!id_taken(l, id))
		hmap_put(&l->taken, id, strlen(id), hmap_hash(id, strlen(id)), 0);
}

static char *make_id(struct import_list *l, const char *title, const char *url)
{
	char stem[ID_STEM_MAX + 1], id[ID_MAX + 1];
	uint32_t *k;

	maps_init(l);
	id_stem(title ? title : "", stem, sizeof(stem));
	if (stem[0] == '\0') /* no ASCII letter in the title (Cyrillic, Arabic, ...) */
		id_from_url(url, stem, sizeof(stem));
	if (stem[0] == '\0')
		snprintf(stem, sizeof(stem), "source");
	snprintf(id, sizeof(id), "%s", stem);
	for (k = stem_next(l, stem); id_taken(l, id); (*k)++)
		snprintf(id, sizeof(id), "%s-%u", stem, (unsigned)*k);
	hmap_put(&l->taken, id, strlen(id), hmap_hash(id, strlen(id)), 0);
	return xstrdup(id);
}

int import_add(struct import_list *l, const char *file, int line, const char *url,
	       const char *title, int feed, const char *note)
{
	const char *why = url_problem(url);
	struct import_source *s;

	if (why != NULL) {
		char *msg = xasprintf("%s:%d: skipped: %s", file, line, why);

		strlist_add(&l->skipped, msg);
		free(msg);
		return 0;
	}
	l->v = xreallocarray(l->v, l->n + 1, sizeof(*l->v));
	s = &l->v[l->n];
	s->id = make_id(l, title, url);
	s->url = xstrdup(url);
	s->title = title && *title ? xstrdup(title) : NULL;
	s->note = xstrdup_or_null(note);
	s->feed = feed;
	s->line = line;
	l->n++;
	return 1;
}

void import_list_free(struct import_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].id);
		free(l->v[i].url);
		free(l->v[i].title);
		free(l->v[i].note);
	}
	free(l->v);
	strlist_free(&l->skipped);
	hmap_free(&l->taken);
	hmap_free(&l->stems);
	free(l->next);
	memset(l, 0, sizeof(*l));
}
