/*
 * analyze/list: items of an HTML list page, chosen by the source's XPaths;
 * plus the helpers feed.c shares (bounded text, URLs; the item accumulator
 * is list_acc.c).
 *
 * Item-relative XPaths (link, title, date) are evaluated with the item as
 * context node, except that a location path beginning with "//" is read as
 * ".//": catalogue selectors are written that way but meant relative to the
 * item, and an absolute path would give every item the first match of the
 * whole page. Title and date take the string values of every selected node,
 * joined with spaces; link takes the first non-empty one.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <libxml/HTMLparser.h>

#include "analyze/page/date.h"
#include "analyze/page/list.h"
#include "analyze/page/list_int.h"
#include "analyze/page/page.h"
#include "analyze/utf8.h"
#include "common/buf.h"
#include "common/xmalloc.h"

/* ---- text ---- */

/* Appends up to the cap, never splitting a UTF-8 sequence. */
static void text_append(struct buf *out, const char *s, size_t cap)
{
	size_t len = strlen(s), room;

	if (out->len >= cap)
		return;
	room = cap - out->len;
	if (len > room)
		len = utf8_cut(s, room);
	buf_append(out, s, len);
}

static int text_is_block(const xmlChar *name)
{
	static const char *const blocks[] = {
	    "p",    "div",    "br",	    "li",      "ul",	     "ol",     "h1",
	    "h2",   "h3",     "h4",	    "h5",      "h6",	     "tr",     "td",
	    "th",   "table",  "section",    "article", "header",     "footer", "dd",
	    "dt",   "dl",     "hr",	    "pre",     "blockquote", "nav",    "aside",
	    "main", "figure", "figcaption", "address", "option",     "form",   "title",
	};
	size_t i;

	for (i = 0; i < sizeof(blocks) / sizeof(blocks[0]); i++)
		if (xmlStrcasecmp(name, XC(blocks[i])) == 0)
			return 1;
	return 0;
}

static int text_is_hidden(const xmlChar *name)
{
	return xmlStrcasecmp(name, XC("script")) == 0 || xmlStrcasecmp(name, XC("style")) == 0;
}

/* Next node of a pre-order walk below top, or NULL; never descends into entity refs. */
static xmlNodePtr text_next(xmlNodePtr cur, xmlNodePtr top, int descend, int blocks,
			    struct buf *out, size_t cap)
{
	if (descend && cur->children != NULL && cur->type != XML_ENTITY_REF_NODE)
		return cur->children;
	while (cur != top) {
		if (blocks && cur->type == XML_ELEMENT_NODE && text_is_block(cur->name))
			text_append(out, " ", cap);
		if (cur->next != NULL)
			return cur->next;
		cur = cur->parent;
	}
	return NULL;
}

void list_node_text(xmlNodePtr node, int blocks, struct buf *out, size_t cap)
{
	xmlNodePtr cur;
	size_t visited = 0;

	if (node == NULL)
		return;
	if (node->type == XML_NAMESPACE_DECL) {
		const xmlNs *ns = (const xmlNs *)node;

		if (ns->href != NULL)
			text_append(out, (const char *)ns->href, cap);
		return;
	}
	if (node->type == XML_TEXT_NODE || node->type == XML_CDATA_SECTION_NODE ||
	    node->type == XML_COMMENT_NODE || node->type == XML_PI_NODE) {
		if (node->content != NULL)
			text_append(out, (const char *)node->content, cap);
		return;
	}
	if (node->type == XML_ENTITY_REF_NODE || node->children == NULL)
		return;
	for (cur = node->children; cur != NULL && out->len < cap && visited < LIST_WALK_CAP;
	     visited++) {
		int descend = 1;

		if (cur->type == XML_TEXT_NODE || cur->type == XML_CDATA_SECTION_NODE) {
			if (cur->content != NULL)
				text_append(out, (const char *)cur->content, cap);
		} else if (cur->type == XML_ELEMENT_NODE) {
			if (blocks && text_is_hidden(cur->name))
				descend = 0;
			else if (blocks && text_is_block(cur->name))
				text_append(out, " ", cap);
		} else {
			descend = 0;
		}
		cur = text_next(cur, node, descend, blocks, out, cap);
	}
}

/* Length of a whitespace character at s (ASCII, C0 controls, Unicode spaces), or 0. */
static size_t text_space_len(const unsigned char *s)
{
	if (*s != 0 && *s <= 0x20)
		return 1;
	if (s[0] == 0x7F)
		return 1;
	if (s[0] == 0xC2 && (s[1] == 0xA0 || s[1] == 0x85))
		return 2;
	if (s[0] == 0xE1 && s[1] == 0x9A && s[2] == 0x80)
		return 3;
	if (s[0] == 0xE2 && s[1] == 0x80 &&
	    ((s[2] >= 0x80 && s[2] <= 0x8A) || s[2] == 0xA8 || s[2] == 0xA9 || s[2] == 0xAF))
		return 3;
	if (s[0] == 0xE2 && s[1] == 0x81 && s[2] == 0x9F)
		return 3;
	if (s[0] == 0xE3 && s[1] == 0x80 && s[2] == 0x80)
		return 3;
	return 0;
}

char *list_collapse(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	struct buf b;
	int pending = 0;

	buf_init(&b);
	while (*p) {
		size_t n = text_space_len(p);

		if (n > 0) {
			pending = b.len > 0;
			p += n;
			continue;
		}
		if (pending)
			buf_append_char(&b, ' ');
		pending = 0;
		buf_append_char(&b, (char)*p++);
	}
	return buf_steal(&b);
}

char *list_html_to_text(const char *html)
{
	size_t len = strlen(html);
	htmlDocPtr doc;
	struct buf b;
	char *text, err[128];

	if (strchr(html, '<') == NULL && strchr(html, '&') == NULL)
		return list_collapse(html);
	if (len > LIST_HTML_CAP)
		len = LIST_HTML_CAP; /* the text kept is capped anyway; markup is cut, RECOVER copes
				      */
	/* page_parse's limits: a tag with 10000 attributes would cost libxml2 a second */
	doc = page_parse(html, len, NULL, "UTF-8", PAGE_HTML, NULL, NULL, err, sizeof(err));
	if (doc == NULL)
		return xstrdup("");
	buf_init(&b);
	list_node_text((xmlNodePtr)doc, 1, &b, LIST_TEXT_CAP);
	xmlFreeDoc(doc);
	text = list_collapse(buf_str(&b));
	buf_free(&b);
	return text;
}

/* ---- URLs ---- */

/* Copy of href without surrounding whitespace and with tabs/newlines removed (WHATWG). */
static char *url_clean(const char *href)
{
	size_t len;
	char *out, *w;

	while (*href == ' ' || *href == '\t' || *href == '\n' || *href == '\r' || *href == '\f')
		href++;
	len = strlen(href);
	while (len > 0 && ((unsigned char)href[len - 1] <= 0x20))
		len--;
	out = xstrndup(href, len);
	for (w = out; *href && len > 0; href++, len--)
		if (*href != '\t' && *href != '\n' && *href != '\r')
			*w++ = *href;
	*w = '\0';
	return out;
}

/* Host names are case-insensitive: lower-case them so duplicates compare equal. */
static void url_lower_host(CURLU *u)
{
	char *host = NULL, *p;

	if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK)
		return;
	for (p = host; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p + 32);
	curl_url_set(u, CURLUPART_HOST, host, 0);
	curl_free(host);
}

/* Percent-encodes what curl leaves raw but a URL may not hold (WHATWG's path set). */
static char *url_escape_rest(const char *url)
{
	struct buf b;

	buf_init(&b);
	for (; *url; url++) {
		unsigned char c = (unsigned char)*url;

		if (c <= 0x20 || c >= 0x7F || strchr("\"<>\\^`{|}", c) != NULL)
			buf_printf(&b, "%%%02X", c);
		else
			buf_append_char(&b, (char)c);
	}
	return buf_steal(&b);
}

char *list_resolve_any(const char *base, const char *href)
{
	const unsigned int flags = CURLU_NON_SUPPORT_SCHEME | CURLU_URLENCODE;
	CURLU *u;
	char *clean, *res = NULL, *out = NULL;

	if (href == NULL || strlen(href) > LIST_URL_CAP)
		return NULL;
	u = curl_url();
	if (u == NULL)
		return NULL;
	clean = url_clean(href);
	if (base != NULL && base[0] != '\0')
		curl_url_set(u, CURLUPART_URL, base, flags);
	/* curl resolves "#x" like "./#x"; RFC 3986 keeps the base's path and query */
	if (clean[0] != '#' && curl_url_set(u, CURLUPART_URL, clean, flags) != CURLUE_OK)
		goto fail;
	curl_url_set(u, CURLUPART_FRAGMENT, NULL, 0);
	url_lower_host(u);
	if (curl_url_get(u, CURLUPART_URL, &res, 0) != CURLUE_OK)
		goto fail;
	out = url_escape_rest(res);
	curl_free(res);
fail:
	free(clean);
	curl_url_cleanup(u);
	return out;
}

/* 1 when s begins with a URI scheme ("x:") other than http or https. */
static int url_foreign_scheme(const char *s)
{
	size_t i = 0;

	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' || *s == '\f')
		s++;
	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
		return 0;
	while (s[i] && (strchr("+-.", s[i]) || (s[i] >= '0' && s[i] <= '9') ||
			((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'z')))
		i++;
	if (s[i] != ':')
		return 0;
	return !(i == 4 && strncasecmp(s, "http", 4) == 0) &&
	       !(i == 5 && strncasecmp(s, "https", 5) == 0);
}

static int url_is_web(const char *url)
{
	return strncasecmp(url, "http://", 7) == 0 || strncasecmp(url, "https://", 8) == 0;
}

char *list_resolve_url(const char *base, const char *href)
{
	char *url;

	if (href == NULL || url_foreign_scheme(href))
		return NULL;
	url = list_resolve_any(base, href);
	if (url != NULL && !url_is_web(url)) {
		free(url);
		url = NULL;
	}
	return url;
}

/* ---- HTML lists ---- */

struct html_ctx {
	const struct list_spec *spec;
	xmlXPathContextPtr xctx;
	xmlXPathCompExprPtr items, link, title, date, anchor;
	unsigned long budget;
	char *base; /* <base href> or the page URL; may be NULL */
	struct list_site site;
	struct list_acc acc;
	struct list_dates dates; /* numeric dates, read in one order at the end */
	char *err;
	size_t errlen;
	int failed;
};

static void html_fail(struct html_ctx *hc, const char *what)
{
	char msg[256];
	size_t n;

	snprintf(msg, sizeof(msg), "%s", list_xpath_error(hc->xctx));
	n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		msg[--n] = '\0';
	snprintf(hc->err, hc->errlen, "%s XPath: %s", what, msg);
	hc->failed = 1;
}

static xmlXPathCompExprPtr html_compile(struct html_ctx *hc, const char *expr, int relative,
					const char *what)
{
	xmlXPathCompExprPtr comp;
	char *text;

	if (expr == NULL || expr[0] == '\0')
		return NULL;
	text = relative ? list_xpath_relative(expr) : xstrdup(expr);
	xmlResetError(&hc->xctx->lastError);
	comp = xmlXPathCtxtCompile(hc->xctx, XC(text));
	free(text);
	if (comp == NULL)
		html_fail(hc, what);
	return comp;
}

/* The element a selected node belongs to (itself, an attribute's owner, a text's parent). */
static xmlNodePtr html_owner(xmlNodePtr node)
{
	if (node->type == XML_NAMESPACE_DECL)
		return NULL;
	if (node->type == XML_ELEMENT_NODE)
		return node;
	if (node->parent != NULL && node->parent->type == XML_ELEMENT_NODE)
		return node->parent;
	return NULL;
}

char *list_node_value(xmlNodePtr node, size_t cap)
{
	struct buf b;
	char *s;

	buf_init(&b);
	list_node_text(node, 1, &b, cap);
	s = list_collapse(buf_str(&b));
	buf_free(&b);
	return s;
}

/* Text of an XPath result: node-sets joined with spaces; other types cast. */
static char *html_result_text(xmlXPathObjectPtr res, int first_only, xmlNodePtr *owner)
{
	struct buf b;
	char *s;
	int i;

	if (res->type != XPATH_NODESET) {
		xmlChar *v = xmlXPathCastToString(res);

		s = list_collapse(v != NULL ? (const char *)v : "");
		xmlFree(v);
		return s;
	}
	buf_init(&b);
	for (i = 0; res->nodesetval != NULL && i < res->nodesetval->nodeNr; i++) {
		char *v = list_node_value(res->nodesetval->nodeTab[i], LIST_TEXT_CAP);

		if (v[0] != '\0' && first_only && owner != NULL)
			*owner = html_owner(res->nodesetval->nodeTab[i]);
		if (v[0] != '\0' && b.len < LIST_TEXT_CAP)
			buf_printf(&b, "%s%s", b.len > 0 ? " " : "", v);
		free(v);
		if (b.len > 0 && first_only)
			break;
	}
	s = list_collapse(buf_str(&b));
	buf_free(&b);
	return s;
}

/* Evaluates an item-relative expression to text; NULL on an XPath error. */
static char *html_eval_text(struct html_ctx *hc, xmlXPathCompExprPtr comp, xmlNodePtr item,
			    int first_only, xmlNodePtr *owner, const char *what)
{
	xmlXPathObjectPtr res = list_xpath_eval(hc->xctx, comp, item, &hc->budget);
	char *s;

	if (res == NULL) {
		html_fail(hc, what);
		return NULL;
	}
	s = html_result_text(res, first_only, owner);
	xmlXPathFreeObject(res);
	return s;
}

/* The default link: the item's own href, or its first descendant a/@href. */
static char *html_default_link(struct html_ctx *hc, xmlNodePtr item, xmlNodePtr *anchor)
{
	xmlXPathObjectPtr res;
	xmlChar *href;
	char *s;

	href = item->type == XML_ELEMENT_NODE ? xmlGetNoNsProp(item, XC("href")) : NULL;
	if (href != NULL) {
		*anchor = item;
	} else {
		res = list_xpath_eval(hc->xctx, hc->anchor, item, &hc->budget);
		if (res == NULL) {
			html_fail(hc, "link");
			return NULL;
		}
		if (res->type == XPATH_NODESET && res->nodesetval != NULL &&
		    res->nodesetval->nodeNr > 0) {
			*anchor = res->nodesetval->nodeTab[0];
			href = xmlGetNoNsProp(*anchor, XC("href"));
		}
		xmlXPathFreeObject(res);
	}
	if (href == NULL)
		return NULL;
	s = xstrdup((const char *)href);
	xmlFree(href);
	return s;
}

/* "Statement by ... Debate..." and a title attribute holding the whole text. */
static char *html_untruncate(char *text, xmlNodePtr anchor)
{
	static const char *const ellipses[] = {"\xE2\x80\xA6", "..."};
	xmlChar *attr;
	char *full;
	size_t i, len = strlen(text), plen = 0;

	if (anchor == NULL || anchor->type != XML_ELEMENT_NODE)
		return text;
	for (i = 0; i < 2 && plen == 0; i++) {
		size_t el = strlen(ellipses[i]);

		if (len >= el && memcmp(text + len - el, ellipses[i], el) == 0)
			plen = len - el;
	}
	if (plen == 0 && len > 0)
		return text;
	attr = xmlGetNoNsProp(anchor, XC("title"));
	if (attr == NULL)
		return text;
	full = list_collapse((const char *)attr);
	xmlFree(attr);
	while (plen > 0 && text[plen - 1] == ' ')
		plen--;
	if (strlen(full) > plen && strncmp(full, text, plen) == 0) {
		free(text);
		return full;
	}
	free(full);
	return text;
}

/* Next element of a bounded pre-order walk below top, or NULL. */
static xmlNodePtr html_next_element(xmlNodePtr cur, xmlNodePtr top)
{
	do {
		if (cur->children != NULL && cur->type == XML_ELEMENT_NODE) {
			cur = cur->children;
		} else {
			while (cur != top && cur->next == NULL)
				cur = cur->parent;
			cur = cur == top ? NULL : cur->next;
		}
	} while (cur != NULL && cur->type != XML_ELEMENT_NODE);
	return cur;
}

/* 1 when node is an <a> other than anchor whose href is href. */
static int html_same_link(xmlNodePtr node, xmlNodePtr anchor, const xmlChar *href)
{
	xmlChar *v;
	int same;

	if (node == anchor || xmlStrcasecmp(node->name, XC("a")) != 0)
		return 0;
	v = xmlGetNoNsProp(node, XC("href"));
	same = v != NULL && xmlStrEqual(v, href);
	xmlFree(v);
	return same;
}

/*
 * The first non-empty name below top: the text of another link to href
 * (href != NULL), or the alt text of an image (href == NULL). New string
 * or NULL.
 */
static char *html_find_name(xmlNodePtr top, xmlNodePtr anchor, const xmlChar *href)
{
	xmlNodePtr cur = top;
	char *name = NULL;

	for (size_t n = 0;
	     name == NULL && n < LIST_WALK_CAP && (cur = html_next_element(cur, top)) != NULL;
	     n++) {
		xmlChar *alt = NULL;

		if (href != NULL && html_same_link(cur, anchor, href))
			name = list_node_value(cur, LIST_TEXT_CAP);
		else if (href == NULL && xmlStrcasecmp(cur->name, XC("img")) == 0 &&
			 (alt = xmlGetNoNsProp(cur, XC("alt"))) != NULL)
			name = list_collapse((const char *)alt);
		xmlFree(alt);
		if (name != NULL && name[0] == '\0') {
			free(name);
			name = NULL;
		}
	}
	return name;
}

/*
 * An image link has no text: the item's other link to the same URL (a
 * heading beside the picture), else the alt text of its image, names it.
 * Returns a new string, "" when neither does.
 */
static char *html_title_elsewhere(xmlNodePtr item, xmlNodePtr anchor)
{
	xmlChar *href = xmlGetNoNsProp(anchor, XC("href"));
	char *title = NULL;

	if (href != NULL && item != anchor)
		title = html_find_name(item, anchor, href);
	if (title == NULL)
		title = html_find_name(anchor, anchor, NULL);
	xmlFree(href);
	return title != NULL ? title : xstrdup("");
}

static char *html_title(struct html_ctx *hc, xmlNodePtr item, xmlNodePtr anchor)
{
	char *title;

	if (hc->title != NULL)
		return html_eval_text(hc, hc->title, item, 0, NULL, "title");
	title =
	    html_untruncate(list_node_value(anchor != NULL ? anchor : item, LIST_TEXT_CAP), anchor);
	if (title[0] == '\0' && anchor != NULL && anchor->type == XML_ELEMENT_NODE) {
		free(title);
		title = html_title_elsewhere(item, anchor);
	}
	return title;
}

static char *html_date(struct html_ctx *hc, xmlNodePtr item, const char *url)
{
	char iso[64];
	char *text;

	if (hc->date == NULL)
		return NULL;
	text = html_eval_text(hc, hc->date, item, 0, NULL, "date");
	if (text == NULL)
		return NULL;
	list_dates_note(&hc->dates, url, text);
	if (date_parse(text, hc->spec->language, hc->spec->date_format, iso, sizeof(iso)) != 0)
		iso[0] = '\0';
	free(text);
	return iso[0] != '\0' ? xstrdup(iso) : NULL;
}

/* The item's href as written, or NULL: an empty one is no link (it would be the page itself). */
static char *html_href(struct html_ctx *hc, xmlNodePtr item, xmlNodePtr *anchor)
{
	char *href;

	if (hc->link != NULL)
		href = html_eval_text(hc, hc->link, item, 1, anchor, "link");
	else
		href = html_default_link(hc, item, anchor);
	if (href != NULL && href[strspn(href, " \t\r\n\f")] == '\0') {
		free(href);
		href = NULL;
	}
	return href;
}

/* Keeps the item unless list_site_check rejects it (counted). */
static void html_keep(struct html_ctx *hc, struct list_item *it)
{
	enum list_reject why = list_site_check(&hc->site, it);

	if (why != LIST_ACCEPT) {
		list_count_reject(hc->acc.out, why);
		list_item_clear(it);
		return;
	}
	list_acc_add(&hc->acc, it, it->url);
}

static void html_item(struct html_ctx *hc, xmlNodePtr item)
{
	struct list_item it;
	xmlNodePtr anchor = NULL;
	char *href;

	memset(&it, 0, sizeof(it));
	href = html_href(hc, item, &anchor);
	if (hc->failed)
		return;
	if (href != NULL)
		it.url = list_resolve_url(hc->base, href);
	free(href);
	if (it.url == NULL) {
		list_count_reject(hc->acc.out, LIST_REJECT_NOLINK);
		return;
	}
	it.title = html_title(hc, item, anchor);
	if (it.title != NULL)
		it.date = html_date(hc, item, it.url);
	if (hc->failed || it.title == NULL) {
		list_item_clear(&it);
		return;
	}
	html_keep(hc, &it);
}

/* <base href> resolved against the page URL, else the page URL. */
static char *html_base(struct html_ctx *hc, xmlDocPtr doc, const char *page_url)
{
	xmlXPathCompExprPtr comp = xmlXPathCompile(XC("(//base[@href])[1]"));
	xmlXPathObjectPtr res = NULL;
	char *base = NULL;

	if (comp != NULL)
		res = list_xpath_eval(hc->xctx, comp, (xmlNodePtr)doc, &hc->budget);
	xmlXPathFreeCompExpr(comp);
	if (res != NULL && res->nodesetval != NULL && res->nodesetval->nodeNr > 0) {
		xmlChar *href = xmlGetNoNsProp(res->nodesetval->nodeTab[0], XC("href"));

		if (href != NULL)
			base = list_resolve_url(page_url, (const char *)href);
		xmlFree(href);
	}
	xmlXPathFreeObject(res);
	return base != NULL ? base : xstrdup_or_null(page_url);
}

static int html_compile_all(struct html_ctx *hc)
{
	const struct list_spec *spec = hc->spec;

	hc->items = html_compile(hc, spec->items, 0, "items");
	if (!hc->failed)
		hc->link = html_compile(hc, spec->link, 1, "link");
	if (!hc->failed)
		hc->title = html_compile(hc, spec->title, 1, "title");
	if (!hc->failed)
		hc->date = html_compile(hc, spec->date, 1, "date");
	if (!hc->failed)
		hc->anchor = html_compile(hc, "(descendant::a[@href])[1]", 0, "link");
	return hc->failed ? -1 : 0;
}

static void html_run(struct html_ctx *hc, xmlDocPtr doc)
{
	xmlXPathObjectPtr res;
	int i;

	res = list_xpath_eval(hc->xctx, hc->items, (xmlNodePtr)doc, &hc->budget);
	if (res == NULL) {
		html_fail(hc, "items");
		return;
	}
	if (res->type != XPATH_NODESET) {
		snprintf(hc->err, hc->errlen, "items XPath does not select nodes");
		hc->failed = 1;
	}
	for (i = 0; !hc->failed && res->nodesetval != NULL && i < res->nodesetval->nodeNr &&
		    !list_acc_full(&hc->acc);
	     i++)
		html_item(hc, res->nodesetval->nodeTab[i]);
	xmlXPathFreeObject(res);
}

static void html_free(struct html_ctx *hc)
{
	xmlXPathFreeCompExpr(hc->items);
	xmlXPathFreeCompExpr(hc->link);
	xmlXPathFreeCompExpr(hc->title);
	xmlXPathFreeCompExpr(hc->date);
	xmlXPathFreeCompExpr(hc->anchor);
	if (hc->xctx != NULL)
		xmlXPathFreeContext(hc->xctx);
	free(hc->base);
	list_site_free(&hc->site);
	list_acc_done(&hc->acc);
	list_dates_settle(&hc->dates, hc->acc.out, hc->spec);
	list_dates_free(&hc->dates);
}

int list_extract_html(xmlDocPtr doc, const char *page_url, const struct list_spec *spec,
		      struct list_items *out, char *err, size_t errlen)
{
	struct html_ctx hc;
	char *declared;

	memset(&hc, 0, sizeof(hc));
	hc.spec = spec;
	hc.err = err;
	hc.errlen = errlen;
	hc.budget = LIST_XPATH_BUDGET;
	list_acc_init(&hc.acc, out, spec != NULL ? spec->max_items : 0);
	if (doc == NULL || spec == NULL || spec->items == NULL || spec->items[0] == '\0') {
		snprintf(err, errlen, "no document or no items XPath");
		goto fail;
	}
	hc.xctx = list_xpath_context(doc);
	if (hc.xctx == NULL) {
		snprintf(err, errlen, "cannot create an XPath context");
		goto fail;
	}
	if (html_compile_all(&hc) != 0)
		goto fail;
	hc.base = html_base(&hc, doc, page_url);
	declared = page_declared_url(doc, page_url);
	list_site_init(&hc.site, page_url, hc.base, declared, spec->offsite);
	free(declared);
	html_run(&hc, doc);
	if (hc.failed)
		goto fail;
	html_free(&hc);
	return 0;
fail:
	html_free(&hc);
	list_items_free(out);
	return -1;
}
