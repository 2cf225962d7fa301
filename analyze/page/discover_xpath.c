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
	xmlXPathContextPtr ctx;
	unsigned long budget;
};

static int xp_prefix(const char *t, size_t n, const char *p)
{
	size_t m = strlen(p);

	return n >= m && strncmp(t, p, m) == 0;
}

/* Layout and utility classes say nothing about the list. */
static int xp_layout(const char *t, size_t n)
{
	static const char *const pre[] = {
	    "col",     "row",	"container", "wrap", "inner", "clear", "d-",	"flex",
	    "vc_",     "wpb_",	"wf-",	     "sc-",  "css-",  "jsx-",  "pull-", "float-",
	    "text-",   "align", "justify",   "mt-",  "mb-",   "pt-",   "pb-",	"hidden",
	    "visible", "span",	"grid",	     "fl",   "fr",    "left",  "right", "center",
	    "round",   "lazy",	"preload",   "is-",  "has-",  "js-",   NULL};
	const char *const *p;

	for (p = pre; *p; p++)
		if (xp_prefix(t, n, *p))
			return 1;
	return n < 3;
}

/* The rarest telling class token of n (of its signature), or 0 when none; in tok. */
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

		if (len > 0 && !xp_layout(p, len) && c < bcount && memchr(p, '"', len) == NULL) {
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
		if (skip)
			buf_append_str(out, out->len > start || start > 0 ? "//" : ".//");
		else if (out->len > 0)
			buf_append_char(out, '/');
		skip = 0;
		if (preds || i == 0)
			xp_step(pg, chain[i], 0, out);
		else
			buf_append_str(out, (const char *)chain[i]->name);
		if (xp_is(chain[i], "td") || xp_is(chain[i], "th"))
			buf_printf(out, "[%d]", xp_cell_pos(chain[i]));
	}
	return depth;
}

/* Evaluates expr from node: the node-set, or NULL. */
static xmlXPathObjectPtr xp_eval(struct xp *x, const char *expr, xmlNodePtr node)
{
	xmlXPathCompExprPtr comp = xmlXPathCompile(XC(expr));
	xmlXPathObjectPtr res;

	if (comp == NULL)
		return NULL;
	res = list_xpath_eval(x->ctx, comp, node, &x->budget);
	xmlXPathFreeCompExpr(comp);
	if (res != NULL && (res->type != XPATH_NODESET || res->nodesetval == NULL)) {
		xmlXPathFreeObject(res);
		res = NULL;
	}
	return res;
}

/* The items of l, and at most extra rows that hold no link. */
static int xp_items_match(struct xp *x, const xmlXPathObjectPtr res)
{
	const struct dsc_list *l = x->l;
	size_t j = 0;
	int i;

	for (i = 0; i < res->nodesetval->nodeNr; i++) {
		xmlNodePtr n = res->nodesetval->nodeTab[i];
		const struct dsc_node *e;

		if (j < l->n && n == l->items[j]) {
			j++;
			continue;
		}
		if (j == DSC_MAX_ITEMS)
			break;
		e = dsc_node_of(x->pg, n);
		if (e == NULL || e->a1 > e->a0)
			return 0;
	}
	return j == l->n;
}

static int xp_items_try(struct xp *x, const char *expr)
{
	xmlXPathObjectPtr res = xp_eval(x, expr, (xmlNodePtr)x->pg->doc);
	int ok = res != NULL && xp_items_match(x, res);

	xmlXPathFreeObject(res);
	return ok;
}

/* "//item-step" alone, else "//container-step/path/item-step" climbing to a named ancestor. */
static char *xp_items(struct xp *x)
{
	xmlNodePtr item = x->l->items[0], top;
	struct buf b;
	int i, pred;

	buf_init(&b);
	buf_append_str(&b, "//");
	if (xp_step(x->pg, item, 0, &b) && xp_items_try(x, b.data))
		return buf_steal(&b);
	for (top = item->parent, i = 0; top != NULL && dsc_pre(top) >= 0 && i < 8;
	     top = top->parent, i++) {
		if (xp_is(top, "tbody"))
			continue;
		buf_reset(&b);
		buf_append_str(&b, "//");
		pred = xp_step(x->pg, top, 1, &b);
		if (xp_down(x->pg, top, item, 0, &b) < 0)
			break;
		if ((pred || i >= XP_CLIMB) && xp_items_try(x, b.data))
			return buf_steal(&b);
	}
	buf_free(&b);
	return NULL;
}

/* rel, from each checked item, selects the item's primary link first (90 % of them). */
static int xp_link_ok(struct xp *x, const char *rel)
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
		if (res != NULL && res->nodesetval->nodeNr > 0)
			good += res->nodesetval->nodeTab[0] == it.primary->node;
		xmlXPathFreeObject(res);
	}
	return seen > 0 && good * 10 >= seen * 9;
}

/* The path from the item to its primary link: short tag path, class, classes, any link. */
static char *xp_link(struct xp *x)
{
	struct dsc_item it;
	struct buf plain, cls, full;
	char *out = NULL;
	int depth;

	dsc_item_read(x->pg, x->l->items[0], 0, &it);
	if (it.primary == NULL)
		return NULL;
	if (it.primary->node == x->l->items[0])
		return xstrdup(".");
	buf_init(&plain);
	buf_init(&cls);
	buf_init(&full);
	depth = xp_down(x->pg, x->l->items[0], it.primary->node, 0, &plain);
	xp_down(x->pg, x->l->items[0], it.primary->node, 1, &full);
	buf_append_str(&cls, ".//");
	if (!xp_step(x->pg, it.primary->node, 0, &cls))
		buf_reset(&cls);
	if (depth == 1 && xp_link_ok(x, plain.data))
		out = buf_steal(&plain);
	else if (cls.len > 0 && xp_link_ok(x, cls.data))
		out = buf_steal(&cls);
	else if (depth > 0 && xp_link_ok(x, plain.data))
		out = buf_steal(&plain);
	else if (depth > 0 && xp_link_ok(x, full.data))
		out = buf_steal(&full);
	else if (xp_link_ok(x, ".//a"))
		out = xstrdup(".//a");
	buf_free(&plain);
	buf_free(&cls);
	buf_free(&full);
	return out;
}

/* Where the first dated item keeps its date, relative to the item; NULL: no dates. */
static char *xp_date(struct xp *x)
{
	size_t i, n = x->l->n < XP_CHECK ? x->l->n : XP_CHECK;
	struct dsc_item it;
	struct buf b;

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
	if (xp_is(it.date_node, "time"))
		return xstrdup(".//time");
	buf_init(&b);
	buf_append_str(&b, ".//");
	if (xp_step(x->pg, it.date_node, 0, &b))
		return buf_steal(&b);
	buf_reset(&b);
	if (xp_down(x->pg, x->l->items[i], it.date_node, 0, &b) < 0) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b);
}

int dsc_xpath_write(const struct dsc_page *pg, const struct dsc_list *l,
		    struct discover_candidate *c)
{
	struct xp x;
	char *link;

	memset(&x, 0, sizeof(x));
	x.pg = pg;
	x.l = l;
	x.budget = LIST_XPATH_BUDGET;
	x.ctx = list_xpath_context(pg->doc);
	if (x.ctx == NULL)
		return -1;
	c->items = xp_items(&x);
	link = c->items != NULL ? xp_link(&x) : NULL;
	if (link != NULL) {
		c->link = strcmp(link, ".") == 0 ? xstrdup("@href") : xasprintf("%s/@href", link);
		c->title = link;
		c->date = xp_date(&x);
	}
	xmlXPathFreeContext(x.ctx);
	return c->items != NULL && c->link != NULL ? 0 : -1;
}
