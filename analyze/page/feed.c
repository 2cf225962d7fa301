/*
 * analyze/list, feeds: RSS 0.9x/2.0, RSS 1.0 (RDF) and Atom 0.3/1.0.
 *
 * Elements are matched by local name within sets of known namespaces (RSS
 * is found with no namespace, the Netscape 0.90/0.91 ones, RSS 1.0's, the
 * userland ones; Atom 0.3 and 1.0), so one walker serves every dialect.
 * Only children of the root, of <channel> and of each item are read: no
 * recursion on document structure.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/page/date.h"
#include "analyze/page/list.h"
#include "analyze/page/list_int.h"
#include "common/buf.h"
#include "common/hmap.h"
#include "common/xmalloc.h"

enum feed_ns { NS_RSS, NS_ATOM, NS_RDF, NS_DC, NS_DCTERMS, NS_CONTENT, NS_XHTML, NS_OTHER };

static const char *const feed_rss_ns[] = {
    "http://purl.org/rss/1.0/",
    "http://my.netscape.com/rdf/simple/0.9/",
    "http://channel.netscape.com/rdf/simple/0.9/",
    "http://my.netscape.com/publish/formats/rss-0.91.dtd",
    "http://backend.userland.com/rss2",
    "http://backend.userland.com/rss",
    "http://blogs.law.harvard.edu/tech/rss",
    "http://purl.org/net/rss1.1#",
};

static int feed_ns_in(const char *href, const char *const *set, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(href, set[i]) == 0)
			return 1;
	return 0;
}

/*
 * An unknown namespace shared with the root element: the draft names Atom
 * and RSS once had ("http://purl.org/echo/", ".../rss2.1"). Take the root's.
 */
static enum feed_ns feed_ns_of_root(xmlNodePtr n)
{
	xmlNodePtr root = n->doc != NULL ? xmlDocGetRootElement(n->doc) : NULL;

	if (root == NULL || root->ns == NULL || root->ns->href == NULL ||
	    xmlStrcmp(root->ns->href, n->ns->href) != 0)
		return NS_OTHER;
	if (strcmp((const char *)root->name, "feed") == 0)
		return NS_ATOM;
	if (strcmp((const char *)root->name, "rss") == 0 ||
	    strcmp((const char *)root->name, "channel") == 0)
		return NS_RSS;
	return NS_OTHER;
}

/* Which vocabulary an element belongs to; no namespace counts as RSS/Atom (NS_RSS). */
static enum feed_ns feed_ns_of(xmlNodePtr n)
{
	const char *href;

	if (n->ns == NULL || n->ns->href == NULL)
		return NS_RSS;
	href = (const char *)n->ns->href;
	if (feed_ns_in(href, feed_rss_ns, sizeof(feed_rss_ns) / sizeof(feed_rss_ns[0])))
		return NS_RSS;
	if (strcmp(href, "http://www.w3.org/2005/Atom") == 0 ||
	    strncmp(href, "http://purl.org/atom/ns#", 24) == 0)
		return NS_ATOM;
	if (strcmp(href, "http://www.w3.org/1999/02/22-rdf-syntax-ns#") == 0)
		return NS_RDF;
	if (strcmp(href, "http://purl.org/dc/elements/1.1/") == 0)
		return NS_DC;
	if (strcmp(href, "http://purl.org/dc/terms/") == 0)
		return NS_DCTERMS;
	if (strcmp(href, "http://purl.org/rss/1.0/modules/content/") == 0)
		return NS_CONTENT;
	if (strcmp(href, "http://www.w3.org/1999/xhtml") == 0)
		return NS_XHTML;
	return feed_ns_of_root(n);
}

static int feed_is(xmlNodePtr n, enum feed_ns ns, const char *name)
{
	enum feed_ns have;

	if (n == NULL || n->type != XML_ELEMENT_NODE || strcmp((const char *)n->name, name) != 0)
		return 0;
	have = feed_ns_of(n);
	/* Atom without its namespace is still Atom; RSS names never carry Atom's. */
	return have == ns || (ns == NS_ATOM && have == NS_RSS);
}

/* ---- text of fields ---- */

static char *feed_raw(xmlNodePtr n, int blocks)
{
	struct buf b;
	char *s;

	buf_init(&b);
	list_node_text(n, blocks, &b, LIST_TEXT_CAP * 4);
	s = buf_steal(&b);
	return s;
}

/* Like feedparser: RSS text is HTML when it has an end tag, <br or an entity. */
static int feed_looks_like_html(const char *s)
{
	const char *p;

	for (p = s; (p = strchr(p, '<')) != NULL; p++)
		if ((p[1] == '/' && ((p[2] | 0x20) >= 'a' && (p[2] | 0x20) <= 'z')) ||
		    strncasecmp(p + 1, "br", 2) == 0 || strncasecmp(p + 1, "p>", 2) == 0)
			return 1;
	for (p = s; (p = strchr(p, '&')) != NULL; p++) {
		size_t n = strspn(
		    p + 1, "#abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789");

		if (n > 0 && p[1 + n] == ';')
			return 1;
	}
	return 0;
}

static char *feed_rss_text(xmlNodePtr n, int html)
{
	char *raw = feed_raw(n, 0), *s;

	s = html || feed_looks_like_html(raw) ? list_html_to_text(raw) : list_collapse(raw);
	free(raw);
	return s;
}

/* Decodes base64 (whitespace ignored); NULL when malformed or not UTF-8 text. */
static char *feed_base64(const char *in)
{
	static const char abc[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	struct buf b;
	unsigned int acc = 0;
	int bits = 0;

	buf_init(&b);
	for (; *in && *in != '='; in++) {
		const char *p = strchr(abc, *in);

		if (*in == ' ' || *in == '\t' || *in == '\n' || *in == '\r')
			continue;
		if (p == NULL)
			goto fail;
		acc = (acc << 6) | (unsigned int)(p - abc);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf_append_char(&b, (char)((acc >> bits) & 0xFF));
		}
	}
	if (b.len != strlen(buf_str(&b)) || !xmlCheckUTF8(XC(buf_str(&b))))
		goto fail;
	return buf_steal(&b);
fail:
	buf_free(&b);
	return NULL;
}

/* Text of a base64 construct: decoded, then read as HTML if it looks like HTML. */
static char *feed_base64_text(const char *raw)
{
	char *dec = feed_base64(raw), *s;

	if (dec == NULL)
		return xstrdup("");
	s = feed_looks_like_html(dec) ? list_html_to_text(dec) : list_collapse(dec);
	free(dec);
	return s;
}

/*
 * How an Atom text construct is written: 1.0 type=text|html|xhtml or a MIME
 * type (text/... is text, ...xml is markup, anything else base64); 0.3
 * adds mode=xml|escaped|base64.
 */
enum atom_kind { ATOM_TEXT, ATOM_HTML, ATOM_XHTML, ATOM_BASE64 };

static enum atom_kind feed_atom_kind(const xmlChar *type, const xmlChar *mode)
{
	if (mode != NULL && xmlStrcasecmp(mode, XC("escaped")) == 0)
		return ATOM_HTML;
	if (mode != NULL && xmlStrcasecmp(mode, XC("base64")) == 0)
		return ATOM_BASE64;
	if (type == NULL || type[0] == '\0' || xmlStrcasecmp(type, XC("text")) == 0)
		return ATOM_TEXT;
	if (xmlStrcasecmp(type, XC("html")) == 0 || xmlStrcasecmp(type, XC("text/html")) == 0)
		return ATOM_HTML;
	if (xmlStrcasestr(type, XC("xml")) != NULL || xmlStrcasecmp(type, XC("xhtml")) == 0)
		return ATOM_XHTML;
	if (xmlStrncasecmp(type, XC("text/"), 5) == 0)
		return ATOM_TEXT;
	return ATOM_BASE64;
}

static char *feed_atom_text(xmlNodePtr n)
{
	xmlChar *type = xmlGetNoNsProp(n, XC("type"));
	xmlChar *mode = xmlGetNoNsProp(n, XC("mode"));
	enum atom_kind kind = feed_atom_kind(type, mode);
	char *raw, *s;

	xmlFree(type);
	xmlFree(mode);
	raw = feed_raw(n, kind != ATOM_HTML);
	if (kind == ATOM_HTML)
		s = list_html_to_text(raw);
	else if (kind == ATOM_BASE64)
		s = feed_base64_text(raw);
	else
		s = list_collapse(raw);
	free(raw);
	return s;
}

/* ---- links ---- */

/* Base URL in force at n: the xml:base attributes of its ancestors applied to page_url. */
static char *feed_base(xmlNodePtr n, const char *page_url)
{
	xmlChar *bases[64];
	int nb = 0, i;
	char *base = xstrdup_or_null(page_url);

	for (; n != NULL && n->type == XML_ELEMENT_NODE && nb < 64; n = n->parent) {
		xmlChar *b = xmlGetNsProp(n, XC("base"), XML_XML_NAMESPACE);

		if (b != NULL)
			bases[nb++] = b;
	}
	for (i = nb - 1; i >= 0; i--) {
		char *next = list_resolve_any(base, (const char *)bases[i]);

		if (next != NULL) {
			free(base);
			base = next;
		}
		xmlFree(bases[i]);
	}
	return base;
}

/*
 * Resolves the URL written in n in n's xml:base context: attribute attr when
 * given and present, else n's text (early Atom wrote <link>URL</link>).
 */
static char *feed_url(xmlNodePtr n, const char *attr, const char *page_url)
{
	xmlChar *v = attr != NULL ? xmlGetNoNsProp(n, XC(attr)) : NULL;
	char *raw, *base, *url;

	raw = v != NULL ? xstrdup((const char *)v) : feed_raw(n, 0);
	xmlFree(v);
	base = feed_base(n, page_url);
	url = raw[0] != '\0' ? list_resolve_url(base, raw) : NULL;
	free(base);
	free(raw);
	return url;
}

/* An Atom link names a target: an href, or (Atom 0.3 drafts) its text. */
static int feed_link_has_target(xmlNodePtr n)
{
	char *text;
	int ok;

	if (xmlHasProp(n, XC("href")) != NULL)
		return 1;
	text = feed_raw(n, 0);
	ok = text[strspn(text, " \t\r\n")] != '\0';
	free(text);
	return ok;
}

/* Atom link: rel missing or "alternate" (relative to the IANA registry URI too). */
static int feed_alternate(xmlNodePtr n)
{
	xmlChar *rel = xmlGetNoNsProp(n, XC("rel"));
	int ok = rel == NULL || xmlStrcmp(rel, XC("alternate")) == 0 ||
		 xmlStrcmp(rel, XC("http://www.iana.org/assignments/relation/alternate")) == 0;

	xmlFree(rel);
	return ok;
}

/* ---- one item ---- */

/*
 * Fields found among an item's children: the first of each kind, except
 * dates, where a later element overrides an earlier one (as feedparser does).
 */
struct feed_fields {
	xmlNodePtr title, dc_title, link, atom_link, guid;
	xmlNodePtr published, updated;
	xmlNodePtr summary, content;
};

static void feed_set(xmlNodePtr *slot, xmlNodePtr n)
{
	if (*slot == NULL)
		*slot = n;
}

/* An Atom link that names the item's page. */
static int feed_atom_link_ok(xmlNodePtr n)
{
	return feed_alternate(n) && feed_link_has_target(n);
}

/* Which field an item child fills; the first rule whose element matches decides. */
struct feed_rule {
	enum feed_ns ns;
	const char *name;
	size_t field;		     /* offsetof(struct feed_fields, ...) */
	int later;		     /* a later element replaces an earlier one (dates) */
	int (*accept)(xmlNodePtr n); /* NULL, or a further test the element must pass */
};

#define FIELD(x) offsetof(struct feed_fields, x)

/* RSS 0.9x/1.0/2.0 with the Dublin Core, content and XHTML modules. */
static const struct feed_rule feed_rss_rules[] = {
    {NS_RSS, "title", FIELD(title), 0, NULL},
    {NS_DC, "title", FIELD(dc_title), 0, NULL},
    {NS_RSS, "link", FIELD(link), 0, NULL},
    {NS_RSS, "guid", FIELD(guid), 0, NULL},
    {NS_RSS, "pubDate", FIELD(published), 1, NULL},
    {NS_DCTERMS, "issued", FIELD(published), 1, NULL},
    {NS_DCTERMS, "created", FIELD(published), 1, NULL},
    {NS_DC, "date", FIELD(updated), 1, NULL},
    {NS_DCTERMS, "modified", FIELD(updated), 1, NULL},
    {NS_RSS, "description", FIELD(summary), 0, NULL},
    {NS_DC, "description", FIELD(summary), 0, NULL},
    {NS_RSS, "summary", FIELD(summary), 0, NULL},
    {NS_CONTENT, "encoded", FIELD(content), 0, NULL},
    {NS_RSS, "fullitem", FIELD(content), 0, NULL},
    {NS_XHTML, "body", FIELD(content), 0, NULL},
};

/* Atom 1.0 and 0.3, also when an RSS item borrows them (atom:link, atom:id, ...). */
static const struct feed_rule feed_atom_rules[] = {
    {NS_ATOM, "title", FIELD(title), 0, NULL},
    {NS_ATOM, "link", FIELD(atom_link), 0, feed_atom_link_ok},
    {NS_ATOM, "id", FIELD(guid), 0, NULL},
    {NS_ATOM, "published", FIELD(published), 1, NULL},
    {NS_ATOM, "issued", FIELD(published), 1, NULL},
    {NS_ATOM, "created", FIELD(published), 1, NULL},
    {NS_ATOM, "updated", FIELD(updated), 1, NULL},
    {NS_ATOM, "modified", FIELD(updated), 1, NULL},
    {NS_ATOM, "summary", FIELD(summary), 0, NULL},
    {NS_ATOM, "content", FIELD(content), 0, NULL},
};

/* Files item child c into f by the first of rules[0..n) that matches it. */
static void feed_scan(struct feed_fields *f, xmlNodePtr c, const struct feed_rule *rules, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		xmlNodePtr *slot = (xmlNodePtr *)(void *)((char *)f + rules[i].field);
		if (!feed_is(c, rules[i].ns, rules[i].name))
			continue;
		if (rules[i].accept != NULL && !rules[i].accept(c))
			return;
		if (rules[i].later)
			*slot = c;
		else
			feed_set(slot, c);
		return;
	}
}

static char *feed_date(const struct feed_fields *f)
{
	xmlNodePtr nodes[2] = {f->published, f->updated};
	char iso[64];
	int i;

	for (i = 0; i < 2; i++) {
		char *raw;
		int rc;

		if (nodes[i] == NULL)
			continue;
		raw = feed_raw(nodes[i], 0);
		rc = date_parse(raw, NULL, NULL, iso, sizeof(iso));
		free(raw);
		if (rc == 0)
			return xstrdup(iso);
	}
	return NULL;
}

/* guid isPermaLink (default true) makes the guid the item's link when it has none. */
static char *feed_guid_link(xmlNodePtr guid, const char *page_url)
{
	xmlChar *perma;
	int ok;

	if (guid == NULL || !feed_is(guid, NS_RSS, "guid"))
		return NULL;
	perma = xmlGetNoNsProp(guid, XC("isPermaLink"));
	ok = perma == NULL || xmlStrcasecmp(perma, XC("false")) != 0;
	xmlFree(perma);
	return ok ? feed_url(guid, NULL, page_url) : NULL;
}

static char *feed_plain(xmlNodePtr n)
{
	char *raw = feed_raw(n, 0), *s = list_collapse(raw);

	free(raw);
	return s;
}

/* An RSS 1.0 item's rdf:about names it: its id when it has no guid. */
static char *feed_rdf_about(xmlNodePtr item)
{
	xmlChar *about =
	    xmlGetNsProp(item, XC("about"), XC("http://www.w3.org/1999/02/22-rdf-syntax-ns#"));
	char *s = NULL;

	if (about != NULL && about[0] != '\0')
		s = list_collapse((const char *)about);
	xmlFree(about);
	return s;
}

static char *feed_text_of(xmlNodePtr n, int atom, int html)
{
	if (n == NULL)
		return NULL;
	if (feed_ns_of(n) == NS_XHTML) { /* inline XHTML: its text, blocks apart */
		char *raw = feed_raw(n, 1), *s = list_collapse(raw);

		free(raw);
		return s;
	}
	return atom ? feed_atom_text(n) : feed_rss_text(n, html);
}

/* Files one child element of an item (of an Atom feed when atom is set) into f. */
static void feed_child(struct feed_fields *f, xmlNodePtr c, int atom)
{
	enum feed_ns ns = feed_ns_of(c);

	if (!atom && ns != NS_ATOM)
		feed_scan(f, c, feed_rss_rules, sizeof(feed_rss_rules) / sizeof(feed_rss_rules[0]));
	else if (ns == NS_ATOM || ns == NS_RSS)
		feed_scan(f, c, feed_atom_rules,
			  sizeof(feed_atom_rules) / sizeof(feed_atom_rules[0]));
}

/*
 * One walk over a feed's items. With use_guids, items are keyed by guid and
 * each guid's link is noted: a guid that comes back with another link is no
 * identifier (a CMS that gives every item the channel URL or a constant),
 * and the feed is walked again keyed by link, without guids.
 */
struct feed_walk {
	struct list_acc acc;
	const char *page_url;
	int use_guids;
	char *channel_link; /* the channel's own <link>, or NULL */
	int guid_clash;	    /* a guid came back with another link, or names the feed */
	struct hmap links;  /* guid -> hash of its first item's link */
};

/*
 * Notes guid's link; sets guid_clash when the guid was seen with another
 * link, or names the feed itself (its URL or its channel's link), which a
 * one-item feed would otherwise never show.
 */
static void feed_note_guid(struct feed_walk *w, const char *guid, const char *url)
{
	size_t n = strlen(guid);
	uint32_t h = hmap_hash(guid, n), lh = url != NULL ? hmap_hash(url, strlen(url)) : 0;
	const uint32_t *v = hmap_get(&w->links, guid, n, h);

	if ((w->page_url != NULL && strcmp(guid, w->page_url) == 0) ||
	    (w->channel_link != NULL && strcmp(guid, w->channel_link) == 0))
		w->guid_clash = 1;
	if (v == NULL)
		hmap_put(&w->links, guid, n, h, lh);
	else if (*v != lh)
		w->guid_clash = 1;
}

static void feed_item(struct feed_walk *w, xmlNodePtr item, int atom)
{
	struct feed_fields f;
	struct list_item it;
	xmlNodePtr c;

	memset(&f, 0, sizeof(f));
	memset(&it, 0, sizeof(it));
	for (c = item->children; c != NULL; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		feed_child(&f, c, atom);
	}
	if (f.link != NULL)
		it.url = feed_url(f.link, NULL, w->page_url);
	if (it.url == NULL && f.atom_link != NULL)
		it.url = feed_url(f.atom_link, "href", w->page_url);
	if (it.url == NULL)
		it.url = feed_guid_link(f.guid, w->page_url);
	it.title = feed_text_of(f.title != NULL ? f.title : f.dc_title, atom, 0);
	if (it.title == NULL)
		it.title = xstrdup("");
	if (!w->use_guids)
		it.guid = NULL;
	else if (f.guid != NULL)
		it.guid = feed_plain(f.guid);
	else
		it.guid = feed_rdf_about(item);
	it.date = feed_date(&f);
	it.summary = feed_text_of(f.summary != NULL ? f.summary : f.content, atom, 1);
	if (it.guid != NULL && it.guid[0])
		feed_note_guid(w, it.guid, it.url);
	list_acc_add(&w->acc, &it, it.guid != NULL && it.guid[0] ? it.guid : it.url);
}

/* ---- the feed ---- */

/* Items are children of the root (RDF, Atom feed, odd RSS) or of <channel>. */
static void feed_items_of(struct feed_walk *w, xmlNodePtr parent, int atom)
{
	xmlNodePtr c;

	for (c = parent->children; c != NULL && !list_acc_full(&w->acc); c = c->next) {
		if (atom && feed_is(c, NS_ATOM, "entry"))
			feed_item(w, c, 1);
		else if (!atom && feed_is(c, NS_RSS, "item"))
			feed_item(w, c, 0);
	}
}

/* The first <channel>'s <link>: the site, which no item's guid may name. */
static void feed_channel_link(struct feed_walk *w, xmlNodePtr channel)
{
	for (xmlNodePtr c = channel->children; c != NULL && w->channel_link == NULL; c = c->next)
		if (feed_is(c, NS_RSS, "link"))
			w->channel_link = feed_url(c, NULL, w->page_url);
}

static int feed_walk(struct feed_walk *w, xmlNodePtr root)
{
	xmlNodePtr c;

	if (feed_is(root, NS_ATOM, "feed")) {
		feed_items_of(w, root, 1);
		return 0;
	}
	if (!feed_is(root, NS_RSS, "rss") && !feed_is(root, NS_RDF, "RDF") &&
	    !feed_is(root, NS_RSS, "channel"))
		return -1;
	feed_items_of(w, root, 0);
	for (c = root->children; c != NULL; c = c->next)
		if (feed_is(c, NS_RSS, "channel")) {
			feed_channel_link(w, c);
			feed_items_of(w, c, 0);
		}
	if (feed_is(root, NS_RSS, "channel"))
		feed_items_of(w, root, 0);
	return 0;
}

/* Walks the feed once, keyed by guid or by link; out is filled (and cut). */
static int feed_walk_keyed(struct feed_walk *w, xmlNodePtr root, size_t max_items,
			   struct list_items *out, int use_guids)
{
	int rc;

	list_acc_init(&w->acc, out, max_items);
	hmap_init(&w->links, 64);
	w->use_guids = use_guids;
	w->guid_clash = 0;
	rc = feed_walk(w, root);
	list_acc_done(&w->acc);
	hmap_free(&w->links);
	free(w->channel_link);
	w->channel_link = NULL;
	return rc;
}

int list_extract_feed(xmlDocPtr doc, const char *page_url, size_t max_items, struct list_items *out,
		      char *err, size_t errlen)
{
	struct feed_walk w;
	xmlNodePtr root = doc != NULL ? xmlDocGetRootElement(doc) : NULL;
	int rc;

	memset(&w, 0, sizeof(w));
	w.page_url = page_url;
	if (root == NULL) {
		memset(out, 0, sizeof(*out));
		snprintf(err, errlen, "empty document");
		return -1;
	}
	rc = feed_walk_keyed(&w, root, max_items, out, 1);
	if (rc == 0 && w.guid_clash) {
		list_items_free(out);
		rc = feed_walk_keyed(&w, root, max_items, out, 0);
		out->guids_ignored = 1;
	}
	if (rc != 0) {
		snprintf(err, errlen, "not an RSS, RDF or Atom feed (root element <%.40s>)",
			 (const char *)root->name);
		list_items_free(out);
	}
	return rc;
}
