/*
 * analyze/page/feedfind: the feeds a page advertises or links to, and a few
 * guessed feed paths on its site (discover.h). Pure: the caller fetches and
 * verifies each one. Research: notes/list-detection.md §3 and §5.8.
 *
 * Only elements of the parsed tree are read, so markup inside comments
 * (a commented-out RSS icon, IE conditional comments) is never seen.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "analyze/page/discover.h"
#include "analyze/page/list.h"
#include "analyze/page/list_int.h"
#include "common/buf.h"
#include "common/xmalloc.h"

#define FEED_MAX_GUESSES 8
/*
 * Advertised and linked feeds kept from one page: each is fetched, and a
 * page of per-topic feeds must not turn discover into a crawl.
 */
#define FEED_MAX_LINKS 16
#define FEED_TITLE_CAP 1024 /* bytes of a link's text kept as its title */

/* What the walk collects before the guesses are appended. */
struct feed_walk {
	struct feed_links *out;
	size_t cap;
	const char *base; /* <base href> resolved, or the page URL */
	char *page_host;  /* lower-case, without "www.", or NULL */
	const char *page; /* the page URL itself, never a feed of its own */
	int is_wordpress; /* <meta name="generator"> names the CMS */
	int is_joomla;
	int is_typo3;
};

static int ascii_has_ci(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return 1;
	return 0;
}

/* 1 when the whitespace-separated list s holds token (ASCII case-insensitive). */
static int token_in(const char *s, const char *token)
{
	size_t n = strlen(token);

	while (s && *s) {
		size_t len;

		while (*s && isspace((unsigned char)*s))
			s++;
		len = strcspn(s, " \t\r\n\f");
		if (len == n && strncasecmp(s, token, n) == 0)
			return 1;
		s += len;
	}
	return 0;
}

/* The host of url, lower-case and without a leading "www.", or NULL. */
static char *feed_host(const char *url)
{
	CURLU *u = curl_url();
	char *host = NULL, *out = NULL;

	if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
		const char *h = strncasecmp(host, "www.", 4) == 0 ? host + 4 : host;

		out = xstrdup(h);
		for (char *p = out; *p; p++)
			*p = (char)tolower((unsigned char)*p);
	}
	curl_free(host);
	curl_url_cleanup(u);
	return out;
}

static char *attr(xmlNodePtr n, const char *name)
{
	return (char *)xmlGetProp(n, XC(name));
}

/* Appends a feed unless its URL is already there or the list is full. Takes ownership of url. */
static void feed_add(struct feed_walk *w, char *url, const char *type, const char *title)
{
	struct feed_links *f = w->out;

	if (url == NULL)
		return;
	for (size_t i = 0; i < f->n; i++) {
		if (strcmp(f->v[i].url, url) == 0) {
			free(url);
			return;
		}
	}
	if (f->n == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 8;
		f->v = xreallocarray(f->v, w->cap, sizeof(*f->v));
	}
	f->v[f->n].url = url;
	f->v[f->n].type = xstrdup(type);
	f->v[f->n].title = title && *title ? list_collapse(title) : NULL;
	f->n++;
}

/* Comments feeds, oEmbed and the WordPress REST API are not statement lists. */
static int feed_unwanted(const char *href, const char *type, const char *title)
{
	if (ascii_has_ci(href, "wp-json") || ascii_has_ci(href, "oembed") ||
	    ascii_has_ci(href, "comments") || ascii_has_ci(href, "sitemap"))
		return 1;
	if (type && ascii_has_ci(type, "oembed"))
		return 1;
	return title && ascii_has_ci(title, "comment");
}

/*
 * The feed kind a <link type> declares ("rss", "atom", "rdf", "json"), or
 * NULL. Parameters (";charset=...") and surrounding space are ignored.
 */
static const char *feed_type_of(const char *type)
{
	static const struct {
		const char *mime, *kind;
	} map[] = {
	    {"application/rss+xml", "rss"},
	    {"application/x-rss+xml", "rss"},
	    {"text/rss+xml", "rss"},
	    {"application/atom+xml", "atom"},
	    {"application/x-atom+xml", "atom"},
	    {"application/rdf+xml", "rdf"},
	    {"application/feed+json", "json"},
	    {"application/json", "json"},
	};
	size_t len;

	if (type == NULL)
		return NULL;
	while (isspace((unsigned char)*type))
		type++;
	len = strcspn(type, "; \t\r\n");
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strlen(map[i].mime) == len && strncasecmp(type, map[i].mime, len) == 0)
			return map[i].kind;
	return NULL;
}

/*
 * The kind a feed URL's path suggests ("rss", "atom", "rdf"), "guess" when
 * it looks like a feed but says no kind, or NULL when it does not look like
 * a feed: .rss/.xml/.atom/.rdf, a /feed or /rss path segment at the end, or
 * a feed= query parameter.
 */
static const char *feed_kind_of_url(const char *url)
{
	size_t path_end = strcspn(url, "?#");
	const char *query = url[path_end] == '?' ? url + path_end + 1 : NULL;
	size_t n = path_end;

	while (n > 0 && url[n - 1] == '/')
		n--;
	if (n >= 4 && strncasecmp(url + n - 4, ".rss", 4) == 0)
		return "rss";
	if (n >= 5 && strncasecmp(url + n - 5, ".atom", 5) == 0)
		return "atom";
	if (n >= 4 && strncasecmp(url + n - 4, ".rdf", 4) == 0)
		return "rdf";
	if ((n >= 4 && strncasecmp(url + n - 4, ".xml", 4) == 0) ||
	    (n >= 5 && strncasecmp(url + n - 5, "/feed", 5) == 0) ||
	    (n >= 4 && strncasecmp(url + n - 4, "/rss", 4) == 0))
		return "guess";
	if (query && (strncasecmp(query, "feed=", 5) == 0 || ascii_has_ci(query, "&feed=")))
		return "guess";
	return NULL;
}

/* <link rel="alternate|feed" type="...feed type..." href>: the feeds a page advertises. */
static void feed_link_element(struct feed_walk *w, xmlNodePtr n)
{
	char *rel = attr(n, "rel"), *type = attr(n, "type"), *href = attr(n, "href");
	char *title = attr(n, "title");
	const char *kind = feed_type_of(type);
	int feed_rel = rel && token_in(rel, "feed");
	int alt_rel = rel && token_in(rel, "alternate") && !token_in(rel, "stylesheet");

	/* rel="feed" needs no type (HTML's feed keyword); an alternate must declare one. */
	if (kind == NULL && feed_rel && href)
		kind = feed_kind_of_url(href);
	if (href && (feed_rel || alt_rel) && kind && !feed_unwanted(href, type, title) &&
	    w->out->n < FEED_MAX_LINKS)
		feed_add(w, list_resolve_url(w->base, href), kind, title);
	xmlFree(rel);
	xmlFree(type);
	xmlFree(href);
	xmlFree(title);
}

/* The visible label of an <a>: its text, else its title, else an image's alt. */
static char *feed_a_label(xmlNodePtr a)
{
	struct buf b;
	char *s;

	buf_init(&b);
	list_node_text(a, 0, &b, FEED_TITLE_CAP);
	s = list_collapse(buf_str(&b));
	buf_free(&b);
	if (*s == '\0') {
		free(s);
		s = attr(a, "title");
		if (s == NULL)
			for (xmlNodePtr c = a->children; c && s == NULL; c = c->next)
				if (c->type == XML_ELEMENT_NODE &&
				    xmlStrcasecmp(c->name, XC("img")) == 0)
					s = attr(c, "alt");
		if (s) {
			char *t = list_collapse(s);

			xmlFree(s);
			s = t;
		}
	}
	return s;
}

static int same_site(const struct feed_walk *w, const char *url)
{
	char *host = feed_host(url);
	int same = host && w->page_host && strcmp(host, w->page_host) == 0;

	free(host);
	return same;
}

/* An on-site <a> whose URL looks like a feed or whose label says RSS. */
static void feed_a_element(struct feed_walk *w, xmlNodePtr n)
{
	char *href = attr(n, "href");
	char *url = href ? list_resolve_url(w->base, href) : NULL;
	char *label = NULL;
	const char *kind = NULL;

	if (url && same_site(w, url) && strcmp(url, w->page) != 0) {
		label = feed_a_label(n);
		kind = feed_kind_of_url(url);
		if (kind == NULL && label && token_in(label, "rss"))
			kind = "guess";
		if (kind && ascii_has_ci(url, "sitemap"))
			kind = NULL;
	}
	if (kind && !feed_unwanted(url, NULL, label) && w->out->n < FEED_MAX_LINKS) {
		feed_add(w, url, kind, label);
		url = NULL;
	}
	free(url);
	free(label);
	xmlFree(href);
}

/* <meta name="generator" content="WordPress 6.1">: which CMS feed paths may be guessed. */
static void feed_meta_element(struct feed_walk *w, xmlNodePtr n)
{
	char *name = attr(n, "name"), *content = attr(n, "content");

	if (name && content && strcasecmp(name, "generator") == 0) {
		w->is_wordpress |= ascii_has_ci(content, "wordpress");
		w->is_joomla |= ascii_has_ci(content, "joomla");
		w->is_typo3 |= ascii_has_ci(content, "typo3");
	}
	xmlFree(name);
	xmlFree(content);
}

/*
 * Calls fn on every element named name, in document order; iterative, so a
 * deep page cannot exhaust the stack. Comment nodes are never entered.
 */
static void feed_each(xmlDocPtr doc, const char *name, struct feed_walk *w,
		      void (*fn)(struct feed_walk *, xmlNodePtr))
{
	xmlNodePtr n = xmlDocGetRootElement(doc);

	while (n) {
		if (n->type == XML_ELEMENT_NODE && xmlStrcasecmp(n->name, XC(name)) == 0)
			fn(w, n);
		if (n->type == XML_ELEMENT_NODE && n->children) {
			n = n->children;
			continue;
		}
		while (n && n->next == NULL) {
			n = n->parent;
			if (n == NULL || n->type == XML_DOCUMENT_NODE ||
			    n->type == XML_HTML_DOCUMENT_NODE)
				return;
		}
		n = n->next;
	}
}

/* The first <base href>, resolved against the page URL; NULL when absent. */
static char *feed_base_href(xmlDocPtr doc, const char *page_url)
{
	xmlNodePtr n = xmlDocGetRootElement(doc);

	while (n) {
		if (n->type == XML_ELEMENT_NODE && xmlStrcasecmp(n->name, XC("base")) == 0) {
			char *href = attr(n, "href");
			char *url = href ? list_resolve_url(page_url, href) : NULL;

			xmlFree(href);
			if (url)
				return url;
		}
		if (n->type == XML_ELEMENT_NODE && n->children) {
			n = n->children;
			continue;
		}
		while (n && n->next == NULL) {
			n = n->parent;
			if (n == NULL || n->type != XML_ELEMENT_NODE)
				return NULL;
		}
		n = n->next;
	}
	return NULL;
}

/* Adds one guess (takes ownership of url) unless the guesses, counted from first, are used up. */
static void feed_guess_url(struct feed_walk *w, size_t first, char *url)
{
	if (w->out->n - first < FEED_MAX_GUESSES)
		feed_add(w, url, "guess", NULL);
	else
		free(url);
}

static void feed_guess(struct feed_walk *w, size_t first, const char *base, const char *rel)
{
	feed_guess_url(w, first, list_resolve_url(base, rel));
}

/*
 * CMS feeds of this page: WordPress answers ?feed=rss2 on any archive URL
 * (a category given by query keeps its query), Joomla ?format=feed&type=rss,
 * TYPO3 ?type=100.
 */
static void feed_guess_cms(struct feed_walk *w, size_t first)
{
	int has_query = strchr(w->page, '?') != NULL;

	if (w->is_wordpress) {
		if (has_query)
			feed_guess_url(w, first, xasprintf("%s&feed=rss2", w->page));
		feed_guess(w, first, w->page, "feed/");
		feed_guess(w, first, w->page, "/?feed=rss2");
	}
	if (w->is_joomla)
		feed_guess_url(
		    w, first,
		    xasprintf("%s%sformat=feed&type=rss", w->page, has_query ? "&" : "?"));
	if (w->is_typo3)
		feed_guess(w, first, w->page, "?type=100");
}

/* At most 8 common feed paths, under the page's directory first, then the root. */
static void feed_guess_paths(struct feed_walk *w)
{
	static const char *const names[] = {"feed/",	"rss.xml",   "atom.xml",
					    "feed.xml", "index.xml", "rss/"};
	size_t first = w->out->n;

	feed_guess_cms(w, first);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char *root = xasprintf("/%s", names[i]);

		feed_guess(w, first, w->page, names[i]);
		feed_guess(w, first, w->page, root);
		free(root);
	}
}

void page_feed_links(xmlDocPtr doc, const char *page_url, struct feed_links *out)
{
	struct feed_walk w;
	char *base;

	memset(out, 0, sizeof(*out));
	if (doc == NULL || page_url == NULL)
		return;
	base = feed_base_href(doc, page_url);
	memset(&w, 0, sizeof(w));
	w.out = out;
	w.base = base ? base : page_url;
	w.page = page_url;
	w.page_host = feed_host(page_url);
	feed_each(doc, "link", &w, feed_link_element);
	feed_each(doc, "a", &w, feed_a_element);
	feed_each(doc, "meta", &w, feed_meta_element);
	if (w.page_host)
		feed_guess_paths(&w);
	free(w.page_host);
	free(base);
}

void feed_links_free(struct feed_links *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->v[i].url);
		free(f->v[i].type);
		free(f->v[i].title);
	}
	free(f->v);
	memset(f, 0, sizeof(*f));
}
