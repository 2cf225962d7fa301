/*
 * Readable XPaths for a candidate list (research note §5.6): items as the
 * item step alone when its class names it, else a container step with an
 * id or class and the path down to the item; link, title and date
 * relative to the item. has-class() rather than contains(@class), no
 * positions except table cells, never a tbody step (libxml2 adds none, a
 * page may have one). Each items XPath is evaluated and must select the
 * list's items (plus, at most, rows without links such as a header row).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/xpath.h>

#include "analyze/page/discover_int.h"
#include "analyze/page/list_int.h"
#include "common/buf.h"
#include "common/xmalloc.h"

#define XP_CLIMB 3  /* ancestors tried above the item's parent */
#define XP_CHECK 50 /* items a link XPath is checked on */

struct xp {
	const struct dsc_page *pg;
	const struct dsc_list *l;
	struct dsc_xcache *xc;
};

static int xp_prefix(const char *t, size_t n, const char *p)
{
	size_t m = strlen(p);

	return n >= m && strncmp(t, p, m) == 0;
}

/*
 * A token that marks a state or a position ("views-row-first",
 * "item_odd", "views-row-3"): it names one item, not the kind.
 */
static int xp_state_suffix(const char *t, size_t n)
{
	static const char *const states[] = {"first",  "last",	  "odd",      "even",
					     "active", "current", "selected", NULL};
	size_t i = n;

	while (i > 0 && t[i - 1] != '-' && t[i - 1] != '_')
		i--;
	if (i == 0 || i == n)
		return 0;
	if (strspn(t + i, "0123456789") == n - i)
		return 1;
	for (const char *const *s = states; *s; s++)
		if (strlen(*s) == n - i && strncmp(t + i, *s, n - i) == 0)
			return 1;
	return 0;
}

/* Layout and utility classes say nothing about the list. */
static int xp_layout(const char *t, size_t n)
{
	static const char *const pre[] = {
	    "col",   "row",	"container", "wrap",	"inner",       "clear",	  "d-",
	    "flex",  "vc_",	"wpb_",	     "wf-",	"sc-",	       "css-",	  "jsx-",
	    "pull-", "float-",	"text-",     "align",	"justify",     "mt-",	  "mb-",
	    "pt-",   "pb-",	"hidden",    "visible", "span",	       "grid",	  "fl",
	    "fr",    "left",	"right",     "center",	"round",       "lazy",	  "preload",
	    "is-",   "has-",	"js-",	     "format-", "post-format", "status-", "category-",
	    "tag-",  "author-", "type-",     NULL};
	const char *const *p;

	for (p = pre; *p; p++)
		if (xp_prefix(t, n, *p))
			return 1;
	return n < 3 || xp_state_suffix(t, n);
}

/* The rarest telling class token of n (of its signature; the longer on a tie), or 0; in tok. */
static int xp_class(const struct dsc_page *pg, const xmlNode *n, struct buf *tok)
{
	struct buf sig;
	const char *p, *best = NULL;
	size_t blen = 0;
	uint32_t bcount = UINT32_MAX;

	buf_init(&sig);
	dsc_sig_classes(n, &sig);
	for (p = buf_str(&sig); *p;) {
		size_t len = strcspn(p, " ");
		uint32_t c = dsc_class_count(pg, p, len);

		if (len > 0 && !xp_layout(p, len) && (c < bcount || (c == bcount && len > blen)) &&
		    memchr(p, '"', len) == NULL) {
			best = p;
			blen = len;
			bcount = c;
		}
		p += len + (p[len] == ' ');
	}
	if (best != NULL)
		buf_append(tok, best, blen);
	buf_free(&sig);
	return best != NULL;
}

/* An id worth naming: short, few digits, no quote. */
static int xp_good_id(const char *id)
{
	size_t digits = 0, i, n = strlen(id);

	for (i = 0; i < n; i++)
		digits += id[i] >= '0' && id[i] <= '9';
	return n > 0 && n < 48 && digits < 3 && strchr(id, '"') == NULL;
}

/* tag[@id="x"], tag[has-class("t")] or tag; 1 when a predicate was written. */
static int xp_step(const struct dsc_page *pg, const xmlNode *n, int use_id, struct buf *out)
{
	struct buf tok;
	xmlChar *id = use_id ? xmlGetNoNsProp(n, XC("id")) : NULL;
	int pred = 0;

	buf_append_str(out, (const char *)n->name);
	if (id != NULL && xp_good_id((const char *)id)) {
		buf_printf(out, "[@id=\"%s\"]", (const char *)id);
		xmlFree(id);
		return 1;
	}
	xmlFree(id);
	buf_init(&tok);
	if (xp_class(pg, n, &tok)) {
		buf_printf(out, "[has-class(\"%s\")]", buf_str(&tok));
		pred = 1;
	}
	buf_free(&tok);
	return pred;
}

static int xp_is(const xmlNode *n, const char *name)
{
	return xmlStrcasecmp(n->name, XC(name)) == 0;
}

/* Position of a table cell among its parent's cells, for td[2]. */
static int xp_cell_pos(const xmlNode *n)
{
	int pos = 1;
	const xmlNode *s;

	for (s = n->prev; s != NULL; s = s->prev)
		if (s->type == XML_ELEMENT_NODE && (xp_is(s, "td") || xp_is(s, "th")))
			pos++;
	return pos;
}

/*
 * The path from top (excluded) down to n: plain tags, "//" over a tbody,
 * table cells with their position; preds: class predicates on every step
 * (n itself always gets its class).
 */
static int xp_down(const struct dsc_page *pg, const xmlNode *top, const xmlNode *n, int preds,
		   struct buf *out)
{
	size_t start = out->len;
	const xmlNode *chain[16];
	int depth = 0, i, skip = 0;

	for (; n != NULL && n != top && depth < 16; n = n->parent)
		chain[depth++] = n;
	if (n != top)
		return -1;
	for (i = depth - 1; i >= 0; i--) {
		if (xp_is(chain[i], "tbody")) {
			skip = 1;
			continue;
		}
		/* table//tr whether or not the page writes a tbody */
		if (xp_is(chain[i], "tr") && chain[i]->parent != NULL &&
		    xp_is(chain[i]->parent, "table"))
			skip = 1;
		if (skip)
			buf_append_str(out, out->len > start || start > 0 ? "//" : ".//");
		else if (out->len > 0)
			buf_append_char(out, '/');
		skip = 0;
		if (preds || i == 0) {
			if (!xp_step(pg, chain[i], 0, out) && i == 0 && xp_is(chain[i], "tr"))
				buf_append_str(out, "[td]"); /* not the header row */
		} else
			buf_append_str(out, (const char *)chain[i]->name);
		if (xp_is(chain[i], "td") || xp_is(chain[i], "th"))
			buf_printf(out, "[%d]", xp_cell_pos(chain[i]));
	}
	return depth;
}

/* Tags that name a part of the page on their own: //main/ul/li, //table//tr. */
static int xp_landmark(const xmlNode *n)
{
	static const char *const tags[] = {"main",   "footer",	"nav",	   "aside",
					   "header", "article", "section", "table",
					   "form",   "body",	NULL};
	const char *const *t;

	for (t = tags; *t; t++)
		if (xmlStrcasecmp(n->name, XC(*t)) == 0)
			return 1;
	return 0;
}

/* Evaluates expr from node: the node-set, or NULL. */
static xmlXPathObjectPtr xp_eval(struct xp *x, const char *expr, xmlNodePtr node)
{
	xmlXPathCompExprPtr comp = xmlXPathCompile(XC(expr));
	xmlXPathObjectPtr res;

	if (comp == NULL)
		return NULL;
	res = list_xpath_eval(x->xc->ctx, comp, node, &x->xc->budget);
	xmlXPathFreeCompExpr(comp);
	if (res != NULL && (res->type != XPATH_NODESET || res->nodesetval == NULL)) {
		xmlXPathFreeObject(res);
		res = NULL;
	}
	return res;
}

/* n is a sibling of one of the items: no step above can leave it out. */
static int xp_beside_item(const struct dsc_list *l, const xmlNode *n)
{
	size_t i;

	for (i = 0; i < l->n && i < 64; i++)
		if (l->items[i]->parent == n->parent)
			return 1;
	return 0;
}

/* 1: res is the items of l; 0: it is not; -1: nor can any path through an ancestor be. */
static int xp_items_match(struct xp *x, const xmlXPathObjectPtr res)
{
	const struct dsc_list *l = x->l;
	size_t j = 0;
	int i;

	for (i = 0; i < res->nodesetval->nodeNr; i++) {
		xmlNodePtr n = res->nodesetval->nodeTab[i];

		if (j < l->n && n == l->items[j]) {
			j++;
			continue;
		}
		if (j == DSC_MAX_ITEMS)
			break;
		return xp_beside_item(l, n) ? -1 : 0;
	}
	return j == l->n;
}

/* The node-set of an items XPath, evaluated once per page. Borrowed; *owned when not cached. */
static xmlXPathObjectPtr xp_items_eval(struct xp *x, const char *expr, int *owned)
{
	struct dsc_xcache *xc = x->xc;
	xmlXPathObjectPtr res;
	size_t i;

	*owned = 0;
	for (i = 0; i < xc->n; i++)
		if (strcmp(xc->expr[i], expr) == 0)
			return xc->res[i];
	res = xp_eval(x, expr, (xmlNodePtr)x->pg->doc);
	if (res == NULL || xc->n == DSC_XCACHE) {
		*owned = 1;
		return res;
	}
	xc->expr[xc->n] = xstrdup(expr);
	xc->res[xc->n++] = res;
	return res;
}

static int xp_items_try(struct xp *x, const char *expr)
{
	int owned, ok;
	xmlXPathObjectPtr res = xp_items_eval(x, expr, &owned);

	ok = res != NULL ? xp_items_match(x, res) : 0;
	if (owned)
		xmlXPathFreeObject(res);
	return ok;
}

/*
 * "//item-step" alone, else "//container-step/path/item-step" climbing to a
 * named ancestor; suffix follows the item step ("[.//a]": rows with a link).
 */
static char *xp_items_with(struct xp *x, const char *suffix)
{
	xmlNodePtr item = x->l->items[0], top;
	struct buf b;
	int i, pred, ok;

	buf_init(&b);
	buf_append_str(&b, "//");
	pred = xp_step(x->pg, item, 0, &b);
	buf_append_str(&b, suffix);
	if (pred && xp_items_try(x, b.data) > 0)
		return buf_steal(&b);
	for (top = item->parent, i = 0; top != NULL && dsc_pre(top) >= 0 && i < 8;
	     top = top->parent, i++) {
		if (xp_is(top, "tbody"))
			continue;
		buf_reset(&b);
		buf_append_str(&b, "//");
		pred = xp_step(x->pg, top, 1, &b) || xp_landmark(top);
		if (xp_down(x->pg, top, item, 0, &b) < 0)
			break;
		buf_append_str(&b, suffix);
		ok = pred || i >= XP_CLIMB ? xp_items_try(x, b.data) : 0;
		if (ok > 0)
			return buf_steal(&b);
		if (ok < 0)
			break;
	}
	buf_free(&b);
	return NULL;
}

/* Items XPath; the items' siblings without a link (separators, a header row) left out if need be.
 */
static char *xp_items(struct xp *x)
{
	char *s = xp_items_with(x, "");

	return s != NULL ? s : xp_items_with(x, "[.//a]");
}

/*
 * rel, from each checked item, selects the item's primary link first (90 %
 * of them); strict: and nothing else, so a title read through it is one link.
 */
static int xp_link_ok(struct xp *x, const char *rel, int strict)
{
	size_t i, n = x->l->n < XP_CHECK ? x->l->n : XP_CHECK, good = 0, seen = 0;

	for (i = 0; i < n; i++) {
		struct dsc_item it;
		xmlXPathObjectPtr res;

		dsc_item_read(x->pg, x->l->items[i], 0, &it);
		if (it.primary == NULL)
			continue;
		seen++;
		res = xp_eval(x, rel, x->l->items[i]);
		if (res != NULL && res->nodesetval->nodeNr > 0 &&
		    (!strict || res->nodesetval->nodeNr == 1))
			good += res->nodesetval->nodeTab[0] == it.primary->node;
		xmlXPathFreeObject(res);
	}
	return seen > 0 && good * 10 >= seen * 9;
}

/* Ways from an item down to node: a short tag path, its class, classes on every step, tags. */
static void xp_ways(const struct dsc_page *pg, xmlNodePtr item, xmlNodePtr node, struct buf way[4])
{
	int depth;

	for (depth = 0; depth < 4; depth++)
		buf_init(&way[depth]);
	depth = xp_down(pg, item, node, 0, &way[2]);
	if (depth == 1)
		buf_append_str(&way[0], way[2].data);
	buf_append_str(&way[1], ".//");
	if (!xp_step(pg, node, 0, &way[1]))
		buf_reset(&way[1]);
	xp_down(pg, item, node, 1, &way[3]);
	if (depth < 0)
		buf_reset(&way[2]), buf_reset(&way[3]);
}

/* The path from the item to its primary link that selects it (and, first choice, only it). */
static char *xp_link(struct xp *x)
{
	struct dsc_item it;
	struct buf way[4];
	char *out = NULL;
	int strict, i;

	dsc_item_read(x->pg, x->l->items[0], 0, &it);
	if (it.primary == NULL)
		return NULL;
	if (it.primary->node == x->l->items[0])
		return xstrdup(".");
	xp_ways(x->pg, x->l->items[0], it.primary->node, way);
	for (strict = 1; strict >= 0 && out == NULL; strict--)
		for (i = 0; i < 4 && out == NULL; i++)
			if (way[i].len > 0 && xp_link_ok(x, way[i].data, strict))
				out = xstrdup(way[i].data);
	for (i = 0; i < 4; i++)
		buf_free(&way[i]);
	if (out == NULL && xp_link_ok(x, ".//a", 0))
		out = xstrdup(".//a");
	return out;
}

/*
 * 2: a's text is cut ("The Minister at the…") and its title attribute holds
 * it whole; 1: the attribute repeats the text; 0: neither.
 */
static int xp_cut_title(xmlNodePtr a)
{
	xmlChar *attr = xmlGetNoNsProp(a, XC("title"));
	char *t, *text;
	size_t n;
	int cut = 0;

	if (attr == NULL)
		return 0;
	t = list_collapse((const char *)attr);
	xmlFree(attr);
	text = dsc_text(a, 1024);
	n = strlen(text);
	if (strcmp(t, text) == 0)
		cut = 1;
	else if (n > 3 && strcmp(text + n - 3, "...") == 0 && strncmp(t, text, n - 3) == 0)
		cut = 2;
	else if (n > 3 && strcmp(text + n - 3, "\xE2\x80\xA6") == 0 && strncmp(t, text, n - 3) == 0)
		cut = 2;
	free(text);
	free(t);
	return cut;
}

/* Titles come whole from the links' title attributes: some texts are cut, every link has one. */
static int xp_title_attr(struct xp *x)
{
	size_t i, n = x->l->n < XP_CHECK ? x->l->n : XP_CHECK;
	int cut = 0;

	for (i = 0; i < n; i++) {
		struct dsc_item it;
		int c;

		dsc_item_read(x->pg, x->l->items[i], 0, &it);
		if (it.primary == NULL || it.title_node != it.primary->node)
			return 0;
		c = xp_cut_title(it.primary->node);
		if (c == 0)
			return 0;
		cut |= c == 2;
	}
	return cut;
}

/*
 * The link (takes link), its title attribute when the link text is cut, or
 * the heading that titles the items when their link says "more".
 */
static char *xp_title(struct xp *x, char *link)
{
	struct dsc_item it;
	struct buf b;

	if (xp_title_attr(x)) {
		char *attr =
		    strcmp(link, ".") == 0 ? xstrdup("@title") : xasprintf("%s/@title", link);

		free(link);
		return attr;
	}
	dsc_item_read(x->pg, x->l->items[0], 0, &it);
	if (it.primary == NULL || it.title_node == it.primary->node)
		return link;
	free(link);
	buf_init(&b);
	buf_append_str(&b, ".//");
	xp_step(x->pg, it.title_node, 0, &b);
	return buf_steal(&b);
}

/* The path from item to its date element that selects it alone. */
static char *xp_date_way(struct xp *x, xmlNodePtr item, xmlNodePtr node)
{
	static const int order[4] = {1, 0, 2, 3}; /* .//span[has-class("date")] first */
	struct buf way[4];
	char *out = NULL;
	int i;

	xp_ways(x->pg, item, node, way);
	for (i = 0; i < 4 && out == NULL; i++) {
		const struct buf *w = &way[order[i]];
		xmlXPathObjectPtr res = w->len > 0 ? xp_eval(x, w->data, item) : NULL;

		if (res != NULL && res->nodesetval->nodeNr == 1 &&
		    res->nodesetval->nodeTab[0] == node)
			out = xstrdup(w->data);
		xmlXPathFreeObject(res);
	}
	for (i = 0; i < 4; i++)
		buf_free(&way[i]);
	return out;
}

/* Where the first dated item keeps its date, relative to the item; NULL: no dates. */
static char *xp_date(struct xp *x)
{
	size_t i, n = x->l->n < XP_CHECK ? x->l->n : XP_CHECK;
	struct dsc_item it;

	for (i = 0; i < n; i++) {
		dsc_item_read(x->pg, x->l->items[i], 1, &it);
		if (it.date_node != NULL)
			break;
	}
	if (i == n)
		return NULL;
	if (it.date_node->type != XML_ELEMENT_NODE)
		return xstrdup(it.date_node->parent == x->l->items[i]
				   ? "text()"
				   : "following-sibling::text()[1]");
	if (it.date_before == 1)
		return xstrdup("preceding-sibling::dt[1]");
	if (it.date_before == 2)
		return xasprintf("../preceding-sibling::%s[1]", (const char *)it.date_node->name);
	if (xp_is(it.date_node, "time"))
		return xstrdup(it.date_attr ? ".//time/@datetime" : ".//time");
	return xp_date_way(x, x->l->items[i], it.date_node);
}

/* The only element child of n when n holds no text of its own, else NULL. */
static xmlNodePtr xp_only_child(xmlNodePtr n)
{
	xmlNodePtr c, only = NULL;

	for (c = n->children; c != NULL; c = c->next) {
		if (c->type == XML_TEXT_NODE && c->content != NULL &&
		    c->content[strspn((const char *)c->content, " \t\r\n")] != '\0')
			return NULL;
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (only != NULL)
			return NULL;
		only = c;
	}
	return only != NULL && dsc_pre(only) >= 0 ? only : NULL;
}

static int xp_same_sig(const xmlNode *a, const xmlNode *b)
{
	struct buf x, y;
	int same;

	buf_init(&x);
	buf_init(&y);
	dsc_sig_classes(a, &x);
	dsc_sig_classes(b, &y);
	same = xmlStrcasecmp(a->name, b->name) == 0 && strcmp(buf_str(&x), buf_str(&y)) == 0;
	buf_free(&x);
	buf_free(&y);
	return same;
}

/*
 * Items without a telling class that only wrap one element each, which has
 * one (a grid column around a card), are named by that element: items in
 * place.
 */
static void xp_descend(const struct dsc_page *pg, xmlNodePtr *items, size_t n)
{
	struct buf tok;
	size_t i;
	int depth;

	if (!xp_is(items[0], "div") && !xp_is(items[0], "section"))
		return;
	buf_init(&tok);
	for (depth = 0; depth < 3; depth++) {
		buf_reset(&tok);
		if (xp_class(pg, items[0], &tok) || xp_only_child(items[0]) == NULL)
			break;
		for (i = 1; i < n; i++)
			if (xp_only_child(items[i]) == NULL ||
			    !xp_same_sig(xp_only_child(items[i]), xp_only_child(items[0])))
				break;
		buf_reset(&tok);
		if (i < n || !xp_class(pg, xp_only_child(items[0]), &tok))
			break;
		for (i = 0; i < n; i++)
			items[i] = xp_only_child(items[i]);
	}
	buf_free(&tok);
}

int dsc_xcache_init(struct dsc_xcache *xc, xmlDocPtr doc)
{
	memset(xc, 0, sizeof(*xc));
	xc->budget = LIST_XPATH_BUDGET;
	xc->ctx = list_xpath_context(doc);
	return xc->ctx != NULL ? 0 : -1;
}

void dsc_xcache_free(struct dsc_xcache *xc)
{
	size_t i;

	for (i = 0; i < xc->n; i++) {
		free(xc->expr[i]);
		xmlXPathFreeObject(xc->res[i]);
	}
	if (xc->ctx != NULL)
		xmlXPathFreeContext(xc->ctx);
	memset(xc, 0, sizeof(*xc));
}

int dsc_xpath_write(const struct dsc_page *pg, const struct dsc_list *l, struct dsc_xcache *xc,
		    struct discover_candidate *c)
{
	struct dsc_list named = *l;
	struct xp x;
	char *link;

	named.items = xcalloc(l->n, sizeof(*named.items));
	memcpy(named.items, l->items, l->n * sizeof(*named.items));
	xp_descend(pg, named.items, named.n);
	x.pg = pg;
	x.l = &named;
	x.xc = xc;
	c->items = xp_items(&x);
	link = c->items != NULL ? xp_link(&x) : NULL;
	if (link != NULL) {
		c->link = strcmp(link, ".") == 0 ? xstrdup("@href") : xasprintf("%s/@href", link);
		c->title = xp_title(&x, link);
		c->date = xp_date(&x);
	}
	free(named.items);
	return c->items != NULL && c->link != NULL ? 0 : -1;
}
