/*
 * Article metadata: title, publication date, language, byline, canonical
 * URL, from JSON-LD, <meta> tags, <time> elements and elements whose class
 * names an author; article_date.c chooses the date.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <jansson.h>

#include "analyze/article/article_int.h"
#include "analyze/page/date.h"
#include "common/xmalloc.h"

#define META_TEXT_MAX 1024
#define JSONLD_MAX (512 * 1024)
#define JSON_DEPTH_MAX 8

struct meta {
	char *og_title, *doc_title, *site_name, *ld_headline;
	char *date_ld, *date_meta, *date_time, *date_mod;
	char *author_ld, *author_meta;
	char *lang_html, *lang_meta;
	char *canonical;
	const char *lang_hint;
};

static void set_once(char **slot, const char *v)
{
	if (*slot == NULL && v && *v)
		*slot = xstrdup(v);
}

static char *prop(xmlNodePtr n, const char *name)
{
	return (char *)xmlGetNoNsProp(n, (const xmlChar *)name);
}

/* meta names carrying the publication date, lower case */
static const char *const date_names[] = {
    "article:published_time",
    "og:article:published_time",
    "published_time",
    "datepublished",
    "pubdate",
    "publishdate",
    "publish-date",
    "publish_date",
    "date",
    "dc.date",
    "dc.date.issued",
    "dc.date.created",
    "dcterms.date",
    "dcterms.issued",
    "dcterms.created",
    "sailthru.date",
    "parsely-pub-date",
    "citation_publication_date",
    "citation_date",
    "article.published",
    "publication_date",
    "original-publish-date",
    "release_date",
    "article:published",
    "og:published_time",
    "dc.date.published",
    "citation_online_date",
    "prism.publicationdate",
};

static const char *const modified_names[] = {
    "article:modified_time", "og:updated_time",		"dateModified",
    "last-modified",	     "govuk:public-updated-at", "dcterms.modified",
};

static int in_list(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcasecmp(s, list[i]) == 0)
			return 1;
	return 0;
}

#define NITEMS(a) (sizeof(a) / sizeof((a)[0]))

static void meta_tag(struct meta *m, const char *key, const char *val)
{
	if (strcasecmp(key, "og:title") == 0 || strcasecmp(key, "twitter:title") == 0)
		set_once(&m->og_title, val);
	else if (strcasecmp(key, "og:site_name") == 0)
		set_once(&m->site_name, val);
	else if (in_list(key, date_names, NITEMS(date_names)))
		set_once(&m->date_meta, val);
	else if (in_list(key, modified_names, NITEMS(modified_names)))
		set_once(&m->date_mod, val);
	else if ((strcasecmp(key, "author") == 0 || strcasecmp(key, "article:author") == 0 ||
		  strcasecmp(key, "dc.creator") == 0 || strcasecmp(key, "byl") == 0 ||
		  strcasecmp(key, "parsely-author") == 0) &&
		 strncasecmp(val, "http", 4) != 0)
		set_once(&m->author_meta, val);
	else if (strcasecmp(key, "content-language") == 0 || strcasecmp(key, "language") == 0 ||
		 strcasecmp(key, "dc.language") == 0 || strcasecmp(key, "og:locale") == 0)
		set_once(&m->lang_meta, val);
	else if (strcasecmp(key, "og:url") == 0 && m->canonical == NULL)
		set_once(&m->canonical, val);
}

static void scan_meta(struct meta *m, xmlNodePtr n)
{
	char *val = prop(n, "content");
	const char *keys[] = {"property", "name", "itemprop", "http-equiv"};

	if (val == NULL)
		return;
	for (size_t k = 0; k < NITEMS(keys); k++) {
		char *key = prop(n, keys[k]);

		if (key)
			meta_tag(m, key, val);
		xmlFree(key);
	}
	xmlFree(val);
}

static void scan_link(struct meta *m, xmlNodePtr n)
{
	char *rel = prop(n, "rel"), *href = prop(n, "href");

	if (rel && href && strcasecmp(rel, "canonical") == 0) {
		free(m->canonical);
		m->canonical = xstrdup(href);
	}
	xmlFree(rel);
	xmlFree(href);
}

/* A <time> marked as the publication date, else the first one outside the page furniture. */
static void scan_time(const struct art_doc *d, struct meta *m, xmlNodePtr n)
{
	char *dt = prop(n, "datetime");
	char *ip = prop(n, "itemprop");
	int pub = xmlHasProp(n, (const xmlChar *)"pubdate") ||
		  (ip && strcasecmp(ip, "datePublished") == 0);

	if (dt && !pub && art_in_furniture(d, art_idx(n))) {
		/* a related item's or the header's date */
	} else if (dt && pub) {
		free(m->date_time);
		m->date_time = xstrdup(dt);
	} else if (dt) {
		set_once(&m->date_time, dt);
	}
	xmlFree(dt);
	xmlFree(ip);
}

static const char *json_str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static void ld_author(struct meta *m, json_t *a)
{
	if (json_is_array(a))
		a = json_array_get(a, 0);
	if (json_is_string(a))
		set_once(&m->author_ld, json_string_value(a));
	else if (json_is_object(a))
		set_once(&m->author_ld, json_str(a, "name"));
}

/* Walks a JSON-LD value (bounded depth) for the article's fields. */
static void ld_walk(struct meta *m, json_t *v, int depth)
{
	size_t i;
	json_t *x;

	if (depth > JSON_DEPTH_MAX)
		return;
	if (json_is_array(v)) {
		json_array_foreach(v, i, x) ld_walk(m, x, depth + 1);
		return;
	}
	if (!json_is_object(v))
		return;
	set_once(&m->date_ld, json_str(v, "datePublished"));
	set_once(&m->ld_headline, json_str(v, "headline"));
	if (json_object_get(v, "datePublished"))
		ld_author(m, json_object_get(v, "author"));
	ld_walk(m, json_object_get(v, "@graph"), depth + 1);
	ld_walk(m, json_object_get(v, "mainEntity"), depth + 1);
}

static void scan_jsonld(struct meta *m, xmlNodePtr n)
{
	char *type = prop(n, "type");
	xmlChar *body;
	json_t *root;

	if (type == NULL || strcasecmp(type, "application/ld+json") != 0) {
		xmlFree(type);
		return;
	}
	xmlFree(type);
	body = xmlNodeGetContent(n);
	if (body && strlen((char *)body) < JSONLD_MAX) {
		root = json_loads((char *)body, JSON_DISABLE_EOF_CHECK, NULL);
		ld_walk(m, root, 0);
		json_decref(root);
	}
	xmlFree(body);
}

static void scan_elements(struct art_doc *d, struct meta *m)
{
	for (size_t i = 0; i < d->n; i++) {
		xmlNodePtr n = d->v[i].node;

		if (art_name_is(n, "meta"))
			scan_meta(m, n);
		else if (art_name_is(n, "link"))
			scan_link(m, n);
		else if (art_name_is(n, "time"))
			scan_time(d, m, n);
		else if (art_name_is(n, "script"))
			scan_jsonld(m, n);
		else if (art_name_is(n, "title") && m->doc_title == NULL)
			m->doc_title = art_node_text(n, META_TEXT_MAX);
	}
	if (d->html) {
		char *lang = prop(d->html, "lang");

		if (lang == NULL)
			lang = prop(d->html, "xml:lang");
		set_once(&m->lang_html, lang);
		xmlFree(lang);
	}
}

static char *normalise_lang(const char *tag)
{
	char out[16];
	size_t i = 0;

	while (tag && isspace((unsigned char)*tag))
		tag++;
	for (; tag && isalpha((unsigned char)tag[i]) && i < 8; i++)
		out[i] = (char)tolower((unsigned char)tag[i]);
	out[i] = '\0';
	return i >= 2 && i <= 3 ? xstrdup(out) : NULL;
}

static char *resolve(const char *base, const char *href)
{
	CURLU *u = curl_url();
	char *s = NULL, *r = NULL;

	if (u == NULL)
		return NULL;
	if (base && curl_url_set(u, CURLUPART_URL, base, 0) != CURLUE_OK) {
		curl_url_cleanup(u);
		u = curl_url();
		if (u == NULL)
			return NULL;
	}
	if (curl_url_set(u, CURLUPART_URL, href, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_URL, &s, 0) == CURLUE_OK)
		r = xstrdup(s);
	curl_free(s);
	curl_url_cleanup(u);
	return r;
}

static char *byline_by_class(const struct art_doc *d)
{
	for (size_t i = 0; i < d->n; i++) {
		xmlNodePtr n = d->v[i].node;
		char *rel = prop(n, "rel"), *c = prop(n, "class");
		int hit = (rel && strcasecmp(rel, "author") == 0) ||
			  (c && (strstr(c, "byline") || strstr(c, "author-name")));
		char *t = NULL;

		xmlFree(rel);
		xmlFree(c);
		if (!hit || (d->v[i].flags & AF_JUNK))
			continue;
		t = art_node_text(n, 200);
		if (strncasecmp(t, "by ", 3) == 0)
			memmove(t, t + 3, strlen(t + 3) + 1);
		if (*t && strlen(t) < 100)
			return t;
		free(t);
	}
	return NULL;
}

static void meta_free(struct meta *m)
{
	free(m->og_title);
	free(m->doc_title);
	free(m->site_name);
	free(m->ld_headline);
	free(m->date_ld);
	free(m->date_meta);
	free(m->date_time);
	free(m->date_mod);
	free(m->author_ld);
	free(m->author_meta);
	free(m->lang_html);
	free(m->lang_meta);
	free(m->canonical);
}

/*
 * Fills language, date, byline and canonical URL of out; hands the title
 * hints (og:title or JSON-LD headline, <title>, site name) to t.
 */
void art_meta(struct art_doc *d, const char *url, const struct article_opts *opts,
	      const long *roots, size_t nroots, struct article *out, struct art_titles *t)
{
	struct meta m;
	struct art_date_hints hints;
	const char *lang;

	memset(&m, 0, sizeof(m));
	scan_elements(d, &m);
	lang = opts && opts->language ? opts->language : NULL;
	if (lang == NULL)
		lang = m.lang_html;
	if (lang == NULL)
		lang = opts && opts->content_language ? opts->content_language : m.lang_meta;
	out->language = normalise_lang(lang);
	hints =
	    (struct art_date_hints){m.date_ld, m.date_meta, m.date_time, m.doc_title, m.date_mod};
	out->date = art_pick_date(d, &hints, roots, nroots, out->language);
	if (m.author_ld)
		out->byline = xstrdup(m.author_ld);
	else if (m.author_meta)
		out->byline = xstrdup(m.author_meta);
	else
		out->byline = byline_by_class(d);
	if (m.canonical)
		out->canonical_url = resolve(url, m.canonical);
	t->og = m.og_title ? m.og_title : m.ld_headline;
	if (t->og == m.og_title)
		free(m.ld_headline);
	t->doc = m.doc_title;
	t->site = m.site_name;
	m.og_title = m.ld_headline = m.doc_title = m.site_name = NULL;
	meta_free(&m);
}
