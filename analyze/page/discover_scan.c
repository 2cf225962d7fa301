/*
 * The page index of the list detector: one iterative pre-order walk that
 * numbers the elements, keeps for each the range of links and the text
 * units inside it (so any subtree's links and text are read in O(1)),
 * collects the links with their absolute URL and kind (item, navigation,
 * pagination), and counts class tokens for the XPath writer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "analyze/page/discover_int.h"
#include "analyze/page/page.h"
#include "analyze/page/list.h"
#include "analyze/page/list_int.h"
#include "analyze/utf8.h"
#include "common/buf.h"
#include "common/xmalloc.h"

/* ---- text ---- */

static int scan_is_space(int32_t cp)
{
	return cp <= 0x20 || cp == 0xA0 || cp == 0x3000 || (cp >= 0x2000 && cp <= 0x200B) ||
	       cp == 0xFEFF;
}

static int scan_is_cjk(int32_t cp)
{
	return (cp >= 0x2E80 && cp <= 0x9FFF) || (cp >= 0xAC00 && cp <= 0xD7AF) ||
	       (cp >= 0xF900 && cp <= 0xFAFF);
}

uint32_t dsc_units(const char *s)
{
	uint32_t u = 0;
	int32_t cp;

	while (*s) {
		s += utf8_next_str(s, &cp);
		if (!scan_is_space(cp))
			u += scan_is_cjk(cp) ? 3 : 1;
	}
	return u;
}

static int scan_is_word(int32_t cp)
{
	utf8proc_category_t c;

	if (cp < 0x80)
		return (cp >= '0' && cp <= '9') || ((cp | 0x20) >= 'a' && (cp | 0x20) <= 'z');
	if (cp < 0)
		return 0;
	c = utf8proc_category(cp);
	return c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_NO;
}

void dsc_words(const char *s, struct buf *out)
{
	int inword = 0;
	int32_t cp;

	while (*s) {
		s += utf8_next_str(s, &cp);
		if (!scan_is_word(cp) || scan_is_cjk(cp)) {
			if (inword)
				buf_append_char(out, ' ');
			inword = 0;
			if (!scan_is_cjk(cp))
				continue;
		}
		{
			utf8proc_uint8_t enc[4];
			utf8proc_ssize_t n = utf8proc_encode_char(utf8proc_tolower(cp), enc);

			buf_append(out, enc, (size_t)n);
		}
		inword = !scan_is_cjk(cp);
		if (!inword)
			buf_append_char(out, ' ');
	}
}

char *dsc_text(xmlNodePtr node, size_t cap)
{
	return list_node_value(node, cap);
}

/* ---- classes ---- */

static int scan_state_word(const char *t, size_t n)
{
	static const char *const words[] = {
	    "active",	  "current",  "selected",  "first",	  "last",      "odd",	 "even",
	    "open",	  "hover",    "focus",	   "is-active",	  "in",	       "show",	 "clearfix",
	    "this-ready", "featured", "highlight", "highlighted", "sticky",    "pinned", "lead",
	    "top",	  "new",      "big",	   "large",	  "important", "hot"};
	size_t i;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strlen(words[i]) == n && strncmp(words[i], t, n) == 0)
			return 1;
	return 0;
}

void dsc_sig_classes(const xmlNode *n, struct buf *out)
{
	xmlChar *cls = xmlGetNoNsProp(n, XC("class"));
	const char *p;

	if (cls == NULL)
		return;
	for (p = (const char *)cls; *p;) {
		size_t len = strcspn(p, " \t\n\r\f"), i;
		int digit = 0;

		for (i = 0; i < len; i++)
			digit |= p[i] >= '0' && p[i] <= '9';
		if (len > 0 && len < 64 && !digit && !scan_state_word(p, len)) {
			if (out->len > 0)
				buf_append_char(out, ' ');
			buf_append(out, p, len);
		}
		p += len;
		p += strspn(p, " \t\n\r\f");
	}
	xmlFree(cls);
}

uint32_t dsc_class_count(const struct dsc_page *pg, const char *tok, size_t len)
{
	const uint32_t *v = hmap_get(&pg->classes, tok, len, hmap_hash(tok, len));

	return v != NULL ? *v : 0;
}

/* Counts each class token of n (the hmap value is the count; hmap_put only adds). */
static void scan_classes(struct hmap *counts_idx, uint32_t **counts, size_t *ncounts,
			 const xmlNode *n)
{
	xmlChar *cls = xmlGetNoNsProp(n, XC("class"));
	const char *p;

	if (cls == NULL)
		return;
	for (p = (const char *)cls; *p;) {
		size_t len = strcspn(p, " \t\n\r\f");
		uint32_t h = hmap_hash(p, len);
		const uint32_t *v;

		if (len > 0 && len < 64) {
			v = hmap_get(counts_idx, p, len, h);
			if (v == NULL) {
				*counts = xreallocarray(*counts, *ncounts + 1, sizeof(**counts));
				(*counts)[*ncounts] = 0;
				hmap_put(counts_idx, p, len, h, (uint32_t)*ncounts);
				v = hmap_get(counts_idx, p, len, h);
				(*ncounts)++;
			}
			(*counts)[*v]++;
		}
		p += len;
		p += strspn(p, " \t\n\r\f");
	}
	xmlFree(cls);
}

/* Rebuilds pg->classes with the counts as values. */
static void scan_classes_done(struct dsc_page *pg, struct hmap *idx, const uint32_t *counts)
{
	size_t i;

	hmap_init(&pg->classes, 64);
	for (i = 0; i < idx->n; i++) {
		const struct hmap_ent *e = &idx->ents[i];
		const char *k = idx->keys.data + e->off;

		hmap_put(&pg->classes, k, e->len, e->hash, counts[e->val]);
	}
}

/* ---- URLs ---- */

struct scan_url {
	const char *host, *path, *query;
	size_t hlen, plen, qlen;
};

static void scan_url_split(const char *url, struct scan_url *u)
{
	const char *p = strstr(url, "://");

	p = p != NULL ? p + 3 : url;
	u->host = p;
	u->hlen = strcspn(p, "/?#");
	p += u->hlen;
	u->path = p;
	u->plen = strcspn(p, "?#");
	p += u->plen;
	u->query = *p == '?' ? p + 1 : p;
	u->qlen = strcspn(u->query, "#");
}

/* Where a host's site begins: its last two labels, three under gov.xx, co.uk and kin. */
static size_t scan_site(const char *h, size_t n)
{
	static const char *const second[] = {"gov", "gob", "gouv", "go", "govt", "com", "org",
					     "net", "edu", "ac",   "co", "mil",	 "nic", NULL};
	size_t dots[3] = {0, 0, 0}, nd = 0, i, j;

	for (i = n; i > 0 && nd < 3; i--)
		if (h[i - 1] == '.')
			dots[nd++] = i;
	if (nd < 2 || (h[n - 1] >= '0' && h[n - 1] <= '9'))
		return 0;
	for (j = 0; second[j] != NULL; j++)
		if (dots[0] - dots[1] - 1 == strlen(second[j]) &&
		    strncasecmp(h + dots[1], second[j], strlen(second[j])) == 0)
			return nd == 3 ? dots[2] : 0;
	return dots[1];
}

/* The same site: equal hosts, or one registrable domain (press.mfa.gov.by, www.mfa.gov.by). */
static int scan_same_host(const struct scan_url *a, const struct scan_url *b)
{
	size_t sa = scan_site(a->host, a->hlen), sb = scan_site(b->host, b->hlen);

	if (a->hlen == b->hlen && strncasecmp(a->host, b->host, a->hlen) == 0)
		return 1;
	return a->hlen - sa == b->hlen - sb &&
	       strncasecmp(a->host + sa, b->host + sb, a->hlen - sa) == 0;
}

/* Equal after every run of digits is taken as one digit. */
static int scan_eq_mod_digits(const char *a, size_t al, const char *b, size_t bl)
{
	size_t i = 0, j = 0;

	while (i < al && j < bl) {
		int da = a[i] >= '0' && a[i] <= '9', db = b[j] >= '0' && b[j] <= '9';

		if (da != db || (!da && a[i] != b[j]))
			return 0;
		if (da) {
			while (i < al && a[i] >= '0' && a[i] <= '9')
				i++;
			while (j < bl && b[j] >= '0' && b[j] <= '9')
				j++;
			continue;
		}
		i++, j++;
	}
	return i == al && j == bl;
}

static int scan_page_param(const char *k, size_t n)
{
	static const char *const keys[] = {"page",   "pg",     "paged", "start",
					   "offset", "pagina", "seite", "strana",
					   "from",   "pagen",  "pn",	"stranitsa"};
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (n >= strlen(keys[i]) && strncasecmp(k, keys[i], strlen(keys[i])) == 0 &&
		    (n == strlen(keys[i]) || k[strlen(keys[i])] == '_'))
			return 1;
	return 0;
}

/* The query without page-number parameters, in out. */
static void scan_query_core(const char *q, size_t qlen, struct buf *out)
{
	size_t i = 0;

	while (i < qlen) {
		size_t len = strcspn(q + i, "&;#"), klen;

		if (len > qlen - i)
			len = qlen - i;
		klen = strcspn(q + i, "=&;#");
		if (klen > len)
			klen = len;
		if (len > 0 && !scan_page_param(q + i, klen)) {
			buf_append(out, q + i, len);
			buf_append_char(out, '&');
		}
		i += len + 1;
	}
}

/* "/news/" -> "/news/page/2/" (WordPress), "/news/index.html" -> "/news/index_2.html". */
static int scan_paged_path(const struct scan_url *self, const struct scan_url *u)
{
	const char *s = self->path, *p = u->path, *dot;
	size_t sl = self->plen, i;

	if (u->plen > sl && strncmp(s, p, sl) == 0) {
		const char *rest = p + sl;
		size_t rl = u->plen - sl;

		if (sl > 0 && s[sl - 1] != '/' && rl > 0 && rest[0] == '/')
			rest++, rl--;
		if (rl > 5 && strncmp(rest, "page/", 5) == 0) {
			for (i = 5; i < rl && rest[i] >= '0' && rest[i] <= '9'; i++)
				;
			return i > 5 && (i == rl || (i + 1 == rl && rest[i] == '/'));
		}
	}
	dot = memchr(s, '.', sl);
	if (dot == NULL || u->plen <= sl || strncmp(s, p, (size_t)(dot - s)) != 0)
		return 0;
	p += dot - s;
	if (*p != '_' && *p != '-')
		return 0;
	for (p++; *p >= '0' && *p <= '9'; p++)
		;
	return (size_t)(u->path + u->plen - p) == sl - (size_t)(dot - s) &&
	       strncmp(p, dot, sl - (size_t)(dot - s)) == 0;
}

static int scan_is_pager(const struct scan_url *self, const struct scan_url *u)
{
	struct buf a, b;
	int same;

	if (!scan_eq_mod_digits(self->path, self->plen, u->path, u->plen) &&
	    !scan_paged_path(self, u))
		return 0;
	buf_init(&a);
	buf_init(&b);
	scan_query_core(self->query, self->qlen, &a);
	scan_query_core(u->query, u->qlen, &b);
	same = a.len == b.len && (a.len == 0 || memcmp(a.data, b.data, a.len) == 0);
	buf_free(&a);
	buf_free(&b);
	return same;
}

/* The site root or a directory above the page (Home, breadcrumb, section). */
static int scan_is_nav(const struct scan_url *self, const struct scan_url *u)
{
	if (u->qlen > 0)
		return 0;
	if (u->plen <= 1)
		return 1;
	return u->plen < self->plen && strncmp(self->path, u->path, u->plen) == 0 &&
	       (u->path[u->plen - 1] == '/' || self->path[u->plen] == '/');
}

static int scan_is_feed(const struct scan_url *u)
{
	static const char *const ends[] = {".rss",   ".xml", ".atom", ".rdf",  "/feed",
					   "/feed/", "/rss", "/rss/", "/atom", "/atom/"};
	size_t i;

	for (i = 0; i < sizeof(ends) / sizeof(ends[0]); i++) {
		size_t n = strlen(ends[i]);

		if (u->plen >= n && strncasecmp(u->path + u->plen - n, ends[i], n) == 0)
			return 1;
	}
	return 0;
}

/* ---- the walk ---- */

static void scan_add_anchor(struct dsc_page *pg, xmlNodePtr n, uint32_t pre)
{
	xmlChar *href = xmlGetNoNsProp(n, XC("href"));
	struct scan_url self, u;
	struct dsc_anchor *a;
	char *url;

	if (href == NULL)
		return;
	url = list_resolve_url(pg->base, (const char *)href);
	xmlFree(href);
	if (url == NULL || strcmp(url, pg->self) == 0) {
		free(url);
		return;
	}
	scan_url_split(pg->self, &self);
	scan_url_split(url, &u);
	if (scan_is_feed(&u)) {
		free(url);
		return;
	}
	if (pg->na == pg->acap) {
		pg->acap = pg->acap ? pg->acap * 2 : 64;
		pg->a = xreallocarray(pg->a, pg->acap, sizeof(*pg->a));
	}
	a = &pg->a[pg->na++];
	memset(a, 0, sizeof(*a));
	a->node = n;
	a->url = url;
	a->pre = pre;
	a->onsite = (uint8_t)scan_same_host(&self, &u);
	if (!a->onsite && pg->decl != NULL) {
		struct scan_url decl;

		scan_url_split(pg->decl, &decl);
		a->onsite = (uint8_t)scan_same_host(&decl, &u);
	}
	if (a->onsite && scan_is_pager(&self, &u))
		a->kind = DSC_PAGER;
	else if (a->onsite && scan_is_nav(&self, &u))
		a->kind = DSC_NAV;
}

static int scan_skipped(const xmlChar *name)
{
	static const char *const skip[] = {"script", "style",  "noscript", "template",
					   "select", "head",   "svg",	   "iframe",
					   "object", "button", "textarea"};
	size_t i;

	for (i = 0; i < sizeof(skip) / sizeof(skip[0]); i++)
		if (xmlStrcasecmp(name, XC(skip[i])) == 0)
			return 1;
	return 0;
}

struct scan_state {
	uint32_t units;
	struct hmap cidx;
	uint32_t *counts;
	size_t ncounts;
	int have_h1;
};

/* Indexes n; 1 when the walk descends into it. */
static int scan_enter(struct dsc_page *pg, struct scan_state *st, xmlNodePtr n)
{
	struct dsc_node *e;

	if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
		if (n->content != NULL)
			st->units += dsc_units((const char *)n->content);
		return 0;
	}
	if (n->type != XML_ELEMENT_NODE || pg->nn >= DSC_MAX_NODES || scan_skipped(n->name))
		return 0;
	if (pg->nn == pg->ncap) {
		pg->ncap = pg->ncap ? pg->ncap * 2 : 256;
		pg->nodes = xreallocarray(pg->nodes, pg->ncap, sizeof(*pg->nodes));
	}
	e = &pg->nodes[pg->nn];
	e->node = n;
	e->a0 = (uint32_t)pg->na;
	e->t0 = st->units;
	n->_private = (void *)(uintptr_t)(pg->nn + 1);
	pg->nn++;
	scan_classes(&st->cidx, &st->counts, &st->ncounts, n);
	if (pg->h1_pre == UINT32_MAX && xmlStrcasecmp(n->name, XC("h1")) == 0)
		pg->h1_pre = (uint32_t)(pg->nn - 1);
	if (xmlStrcasecmp(n->name, XC("a")) == 0 && pg->na < DSC_MAX_ANCHORS)
		scan_add_anchor(pg, n, (uint32_t)(pg->nn - 1));
	return 1;
}

static void scan_leave(struct dsc_page *pg, struct scan_state *st, xmlNodePtr n)
{
	long i = dsc_pre(n);
	struct buf b;

	if (i < 0)
		return;
	pg->nodes[i].end = (uint32_t)pg->nn;
	pg->nodes[i].a1 = (uint32_t)pg->na;
	pg->nodes[i].t1 = st->units;
	if (!st->have_h1 && xmlStrcasecmp(n->name, XC("h1")) == 0) {
		char *t = dsc_text(n, 1024);

		buf_init(&b);
		buf_printf(&b, "%s ", pg->title);
		dsc_words(t, &b);
		buf_append_char(&b, ' ');
		free(pg->title);
		pg->title = buf_steal(&b);
		free(t);
		st->have_h1 = 1;
	}
}

static void scan_walk(struct dsc_page *pg, struct scan_state *st, xmlNodePtr root)
{
	xmlNodePtr n = root;

	while (n != NULL) {
		if (scan_enter(pg, st, n) && n->children != NULL) {
			n = n->children;
			continue;
		}
		for (;;) {
			scan_leave(pg, st, n);
			if (n == root)
				return;
			if (n->next != NULL) {
				n = n->next;
				break;
			}
			n = n->parent;
		}
	}
}

/* <title> words and the <base href>, from <head>. */
static void scan_head(struct dsc_page *pg, xmlNodePtr root, const char *page_url)
{
	xmlNodePtr head, n;
	struct buf b;

	buf_init(&b);
	pg->base = NULL;
	for (head = root->children; head != NULL; head = head->next)
		if (head->type == XML_ELEMENT_NODE && xmlStrcasecmp(head->name, XC("head")) == 0)
			break;
	for (n = head != NULL ? head->children : NULL; n != NULL; n = n->next) {
		xmlChar *href;
		char *t;

		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (xmlStrcasecmp(n->name, XC("title")) == 0 && b.len == 0) {
			t = dsc_text(n, 1024);
			buf_append_char(&b, ' ');
			dsc_words(t, &b);
			buf_append_char(&b, ' ');
			free(t);
		}
		if (xmlStrcasecmp(n->name, XC("base")) == 0 && pg->base == NULL &&
		    (href = xmlGetNoNsProp(n, XC("href"))) != NULL) {
			pg->base = list_resolve_url(page_url, (const char *)href);
			xmlFree(href);
		}
	}
	if (pg->base == NULL)
		pg->base = xstrdup(page_url);
	if (b.len == 0)
		buf_append_char(&b, ' ');
	pg->title = buf_steal(&b);
}

/* Text units of each link: its text, else its title or an image's alt. */
static void scan_anchor_units(struct dsc_page *pg)
{
	size_t i;

	for (i = 0; i < pg->na; i++) {
		struct dsc_anchor *a = &pg->a[i];
		const struct dsc_node *e = &pg->nodes[a->pre];
		xmlChar *t;
		xmlNodePtr c;

		a->units = e->t1 - e->t0;
		if (a->units > 0)
			continue;
		t = xmlGetNoNsProp(a->node, XC("title"));
		for (c = a->node->children; t == NULL && c != NULL; c = c->next)
			if (c->type == XML_ELEMENT_NODE && xmlStrcasecmp(c->name, XC("img")) == 0)
				t = xmlGetNoNsProp(c, XC("alt"));
		if (t != NULL)
			a->units = dsc_units((const char *)t) / 2;
		xmlFree(t);
	}
}

int dsc_page_index(struct dsc_page *pg, xmlDocPtr doc, const char *page_url)
{
	xmlNodePtr root = xmlDocGetRootElement(doc);
	struct scan_state st;

	memset(pg, 0, sizeof(*pg));
	memset(&st, 0, sizeof(st));
	pg->doc = doc;
	pg->h1_pre = UINT32_MAX;
	if (root == NULL || page_url == NULL)
		return -1;
	pg->self = list_resolve_url(page_url, page_url);
	if (pg->self == NULL)
		return -1;
	scan_head(pg, root, page_url);
	pg->decl = page_declared_url(doc, page_url);
	hmap_init(&st.cidx, 256);
	scan_walk(pg, &st, root);
	scan_classes_done(pg, &st.cidx, st.counts);
	hmap_free(&st.cidx);
	free(st.counts);
	pg->units = st.units;
	scan_anchor_units(pg);
	return 0;
}

void dsc_page_free(struct dsc_page *pg)
{
	size_t i;

	for (i = 0; i < pg->nn; i++)
		pg->nodes[i].node->_private = NULL;
	for (i = 0; i < pg->na; i++)
		free(pg->a[i].url);
	free(pg->nodes);
	free(pg->a);
	free(pg->base);
	free(pg->decl);
	free(pg->self);
	free(pg->title);
	hmap_free(&pg->classes);
	memset(pg, 0, sizeof(*pg));
}

long dsc_pre(const xmlNode *n)
{
	if (n == NULL || n->type != XML_ELEMENT_NODE || n->_private == NULL)
		return -1;
	return (long)(uintptr_t)n->_private - 1;
}

const struct dsc_node *dsc_node_of(const struct dsc_page *pg, const xmlNode *n)
{
	long i = dsc_pre(n);

	return i >= 0 && (size_t)i < pg->nn ? &pg->nodes[i] : NULL;
}
