/*
 * One item of a candidate list: its primary link (the URL with the most
 * link text, so an image link never supplies the title), how many targets
 * it holds, and the node holding its date; and the record around a lone
 * item's link (the smallest node holding the link and its date, grown
 * through wrappers that add nothing).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/page/date.h"
#include "analyze/page/discover_int.h"
#include "analyze/page/list_int.h"
#include "common/xmalloc.h"

#define ITEM_GROUP 16 /* links grouped by URL per item */

static void item_primary(const struct dsc_page *pg, const struct dsc_node *e, struct dsc_item *out)
{
	uint32_t sum[ITEM_GROUP];
	const struct dsc_anchor *first[ITEM_GROUP]; /* the link of each URL with the most text */
	size_t ng = 0, i, j, best = 0;

	for (i = e->a0; i < e->a1 && i < e->a0 + DSC_ITEM_LINKS; i++) {
		const struct dsc_anchor *a = &pg->a[i];

		for (j = 0; j < ng; j++)
			if (strcmp(first[j]->url, a->url) == 0)
				break;
		if (j == ng && ng == ITEM_GROUP) {
			out->targets++;
			continue;
		}
		if (j == ng) {
			first[ng] = a;
			sum[ng++] = 0;
			out->targets++;
		}
		sum[j] += a->units + 1;
		if (a->units > first[j]->units)
			first[j] = a;
	}
	for (j = 1; j < ng; j++)
		if (sum[j] > sum[best])
			best = j;
	out->primary = ng > 0 ? first[best] : NULL;
	/* tags, share icons and "more" links are no further targets; titled links are */
	out->targets -= (uint32_t)ng;
	for (j = 0; j < ng; j++)
		out->targets += j == best || first[j]->units >= 15;
	if (e->a1 - e->a0 > DSC_ITEM_LINKS)
		out->targets += e->a1 - e->a0 - DSC_ITEM_LINKS;
}

/* 1 when node's text (a text node's own, an element's whole) is a short date; fills iso. */
static int item_date_text(xmlNodePtr node, char *iso, size_t isolen)
{
	char *t;
	int ok = 0;
	const char *p;

	if (node->type == XML_TEXT_NODE)
		t = list_collapse(node->content != NULL ? (const char *)node->content : "");
	else
		t = dsc_text(node, DSC_DATE_BYTES * 2);
	for (p = t; *p && !(*p >= '0' && *p <= '9'); p++)
		;
	if (*p && strlen(t) <= DSC_DATE_BYTES && date_parse(t, NULL, NULL, iso, isolen) == 0)
		ok = 1;
	free(t);
	return ok;
}

static int item_has_digit(const xmlNode *n)
{
	const char *p = n->content != NULL ? (const char *)n->content : "";

	for (; *p; p++)
		if (*p >= '0' && *p <= '9')
			return 1;
	return 0;
}

/* Next node of a pre-order walk inside top, skipping the subtree of skip. */
static xmlNodePtr item_next(xmlNodePtr n, xmlNodePtr top, xmlNodePtr skip)
{
	if (n != skip && n->type == XML_ELEMENT_NODE && n->children != NULL)
		return n->children;
	while (n != top && n->next == NULL)
		n = n->parent;
	return n == top ? NULL : n->next;
}

/* An element named for a date ("date", "post-date", "news-meta__date", <time>). */
static int item_named_date(const xmlNode *n)
{
	static const char *const attrs[] = {"class", "id"};
	size_t i;
	int yes = 0;

	if (n->type != XML_ELEMENT_NODE)
		return 0;
	if (xmlStrcasecmp(n->name, XC("time")) == 0)
		return 1;
	for (i = 0; i < 2 && !yes; i++) {
		xmlChar *v = xmlGetNoNsProp(n, XC(attrs[i]));
		const char *p = v != NULL ? (const char *)v : "";

		while (!yes && (p = strcasestr(p, "date")) != NULL) {
			yes = (p == (const char *)v ||
			       !((p[-1] | 0x20) >= 'a' && (p[-1] | 0x20) <= 'z')) &&
			      !((p[4] | 0x20) >= 'a' && (p[4] | 0x20) <= 'z');
			p += 4;
		}
		xmlFree(v);
	}
	return yes;
}

/* A short text with a digit in an element named for a date, which date_parse cannot read. */
static int item_date_named(xmlNodePtr holder)
{
	char *t;
	int ok;

	if (!item_named_date(holder))
		return 0;
	t = dsc_text(holder, DSC_DATE_BYTES * 2);
	ok = strlen(t) <= DSC_DATE_BYTES && strpbrk(t, "0123456789") != NULL;
	free(t);
	return ok;
}

/* a is b or one of its ancestors. */
static int item_contains(const xmlNode *a, const xmlNode *b)
{
	for (; b != NULL; b = b->parent)
		if (a == b)
			return 1;
	return 0;
}

/*
 * The first date under item outside the link: the text node when it is a
 * child of the item, else its parent element (a dedicated date node).
 */
static xmlNodePtr item_find_date(xmlNodePtr item, xmlNodePtr link, char *iso, size_t isolen)
{
	xmlNodePtr n = item->type == XML_ELEMENT_NODE ? item->children : NULL;
	int steps = 0;

	for (; n != NULL && steps < DSC_WALK; n = item_next(n, item, NULL), steps++) {
		xmlNodePtr holder;

		if (n->type != XML_TEXT_NODE || !item_has_digit(n))
			continue;
		holder = n->parent == item ? n : n->parent;
		/* inside the link only an element named for a date: the rest is the title */
		if (item_contains(link, holder)) {
			if (holder == link || !item_named_date(holder))
				continue;
		}
		if (item_date_text(holder, iso, isolen))
			return holder;
		if (item_date_named(holder)) {
			iso[0] = '\0';
			return holder;
		}
		/* a date split over spans: <div class="d"><span>12</span> <span>May</span>... */
		holder = holder->parent;
		if (holder != item && holder != NULL && !item_contains(holder, link) &&
		    !item_contains(link, holder) && item_date_text(holder, iso, isolen))
			return holder;
	}
	return NULL;
}

static int item_is_heading(const xmlNode *n)
{
	const char *name = (const char *)n->name;

	return (name[0] == 'h' || name[0] == 'H') && name[1] >= '1' && name[1] <= '6' &&
	       name[2] == '\0';
}

static xmlNodePtr item_prev_element(xmlNodePtr n)
{
	for (n = n->prev; n != NULL; n = n->prev)
		if (n->type == XML_ELEMENT_NODE)
			return n;
	return NULL;
}

/*
 * A date written before the item: the <dt> before a <dd>, or the heading
 * over the item's section (<h3>12 May 2024</h3><ul>...). 1 or 2 in *where.
 */
static xmlNodePtr item_find_date_before(xmlNodePtr item, char *iso, size_t isolen, int *where)
{
	xmlNodePtr p = item_prev_element(item);

	if (p != NULL && xmlStrcasecmp(p->name, XC("dt")) == 0 && item_date_text(p, iso, isolen)) {
		*where = 1;
		return p;
	}
	p = item->parent != NULL ? item_prev_element(item->parent) : NULL;
	if (p != NULL && item_is_heading(p) && item_date_text(p, iso, isolen)) {
		*where = 2;
		return p;
	}
	return NULL;
}

/* A link that is itself the item: the date is a text sibling before the next link. */
static xmlNodePtr item_find_date_after(xmlNodePtr link, char *iso, size_t isolen)
{
	xmlNodePtr n;
	int steps = 0;

	for (n = link->next; n != NULL && steps < 4; n = n->next, steps++) {
		if (n->type == XML_ELEMENT_NODE && xmlStrcasecmp(n->name, XC("a")) == 0)
			return NULL;
		if (n->type == XML_TEXT_NODE && item_has_digit(n) && item_date_text(n, iso, isolen))
			return n;
	}
	return NULL;
}

/* A heading or an element whose class says title ("card__title", "headline"). */
static int item_titled(const xmlNode *n)
{
	xmlChar *cls;
	int yes;

	if (item_is_heading(n))
		return 1;
	cls = xmlGetNoNsProp(n, XC("class"));
	yes = cls != NULL && (strcasestr((const char *)cls, "title") != NULL ||
			      strcasestr((const char *)cls, "headline") != NULL);
	xmlFree(cls);
	return yes;
}

/*
 * A link holding more than its title (a card: picture, heading, date): the
 * heading inside it, when it carries most of the link's text.
 */
static int item_card_title(const struct dsc_page *pg, struct dsc_item *out)
{
	const struct dsc_node *a = dsc_node_of(pg, out->primary->node);
	uint32_t i, stop;

	if (a == NULL || a->end - (uint32_t)dsc_pre(a->node) < 3)
		return 0;
	stop = a->end < (uint32_t)dsc_pre(a->node) + 50 ? a->end : (uint32_t)dsc_pre(a->node) + 50;
	for (i = (uint32_t)dsc_pre(a->node) + 1; i < stop; i++) {
		const struct dsc_node *h = &pg->nodes[i];

		if (item_titled(h->node) && (h->t1 - h->t0) * 2 >= a->t1 - a->t0 && h->t1 > h->t0) {
			out->title_node = h->node;
			out->title_units = h->t1 - h->t0;
			return 1;
		}
	}
	return 0;
}

/*
 * A link with little text ("Read more", "Подробнее") beside a heading:
 * the heading is the title.
 */
static void item_title(const struct dsc_page *pg, const struct dsc_node *e, struct dsc_item *out)
{
	uint32_t i, stop = e->end < (uint32_t)dsc_pre(e->node) + 200
			       ? e->end
			       : (uint32_t)dsc_pre(e->node) + 200;

	out->title_node = out->primary->node;
	out->title_units = out->primary->units;
	if (item_card_title(pg, out))
		return;
	if (out->primary->units >= 20 || out->primary->node == e->node)
		return;
	for (i = (uint32_t)dsc_pre(e->node) + 1; i < stop; i++) {
		const struct dsc_node *h = &pg->nodes[i];

		if (item_is_heading(h->node) && h->t1 - h->t0 > out->title_units + 5) {
			out->title_node = h->node;
			out->title_units = h->t1 - h->t0;
			return;
		}
	}
}

/* <time datetime="2024-05-12T10:00-05:00">2 days ago</time>: the attribute, its local day. */
static void item_date_attr(struct dsc_item *out)
{
	xmlChar *v;

	if (out->date_node->type != XML_ELEMENT_NODE ||
	    xmlStrcasecmp(out->date_node->name, XC("time")) != 0)
		return;
	v = xmlGetNoNsProp(out->date_node, XC("datetime"));
	if (v != NULL && date_parse((const char *)v, NULL, NULL, out->date, sizeof(out->date)) == 0)
		out->date_attr = 1;
	else
		out->date[0] = '\0';
	xmlFree(v);
}

void dsc_item_read(const struct dsc_page *pg, xmlNodePtr item, int dates, struct dsc_item *out)
{
	const struct dsc_node *e = dsc_node_of(pg, item);

	memset(out, 0, sizeof(*out));
	if (e == NULL)
		return;
	item_primary(pg, e, out);
	if (out->primary == NULL)
		return;
	item_title(pg, e, out);
	if (!dates)
		return;
	out->date_node = item_find_date(item, out->primary->node, out->date, sizeof(out->date));
	if (out->date_node == NULL && out->primary->node == item)
		out->date_node = item_find_date_after(item, out->date, sizeof(out->date));
	if (out->date_node == NULL)
		out->date_node =
		    item_find_date_before(item, out->date, sizeof(out->date), &out->date_before);
	if (out->date_node == NULL)
		out->date[0] = '\0';
	else if (out->date[0] == '\0')
		item_date_attr(out);
}

static int item_tag_in(const xmlNode *n, const char *const *tags)
{
	for (; *tags; tags++)
		if (xmlStrcasecmp(n->name, XC(*tags)) == 0)
			return 1;
	return 0;
}

/* Every link under p with text goes to url. */
static int item_links_only(const struct dsc_page *pg, xmlNodePtr p, const char *url)
{
	const struct dsc_node *pe = dsc_node_of(pg, p);
	uint32_t i;

	if (pe == NULL)
		return 0;
	for (i = pe->a0; i < pe->a1; i++) {
		const struct dsc_node *ae = dsc_node_of(pg, pg->a[i].node);

		if (strcmp(pg->a[i].url, url) != 0 && ae != NULL && ae->t1 > ae->t0)
			return 0;
	}
	return 1;
}

/* p only wraps r: little other text, and its other links are the same URL or carry no text. */
static int item_wraps(const struct dsc_page *pg, xmlNodePtr p, xmlNodePtr r, const char *url)
{
	const struct dsc_node *pe = dsc_node_of(pg, p), *re = dsc_node_of(pg, r);

	if (pe == NULL || re == NULL || pe->t1 - pe->t0 > re->t1 - re->t0 + 8)
		return 0;
	return item_links_only(pg, p, url);
}

/* 1 when part t[0..n) of a class token names one record of a list. */
static int item_record_word(const char *t, size_t n, int compound)
{
	static const char *const words[] = {"item",  "post",   "entry",	 "card",    "teaser",
					    "story", "result", "record", "article", NULL};

	for (const char *const *w = words; *w; w++)
		if (strlen(*w) == n && strncasecmp(t, *w, n) == 0)
			return 1;
	/* "views-row", "news_row": a row of a list; a bare "row" is a layout grid's */
	return compound && n == 3 && strncasecmp(t, "row", 3) == 0;
}

/*
 * The element's class names it as one record ("views-row", "news-item",
 * "post"): a lone item's record grows no further, so that its XPath names
 * the record, not the column or the page around it.
 */
static int item_named_record(const xmlNode *n)
{
	xmlChar *cls = xmlGetNoNsProp(n, XC("class"));
	const char *v = (const char *)cls;
	int found = 0;

	while (v != NULL && *v != '\0' && !found) {
		size_t len = strcspn(v, " \t\n\r\f"), i = 0;
		int compound = strcspn(v, "-_") < len;

		while (i < len && !found) {
			size_t m = strcspn(v + i, "-_ \t\n\r\f");

			found = m > 0 && item_record_word(v + i, m, compound);
			i += m + 1;
		}
		v += len;
		v += strspn(v, " \t\n\r\f");
	}
	xmlFree(cls);
	return found;
}

static int item_indexed_parent(const xmlNode *r)
{
	return r->parent != NULL && dsc_pre(r->parent) >= 0;
}

xmlNodePtr dsc_record_root(const struct dsc_page *pg, const struct dsc_anchor *primary)
{
	static const char *const records[] = {"li", "tr", "article", "dd", NULL};
	static const char *const lists[] = {"ul", "ol",	  "table", "tbody",
					    "dl", "body", "html",  NULL};
	xmlNodePtr r, link;
	char iso[40];
	int i;

	link = r = primary->node;
	for (i = 0; i < DSC_LEVELS && item_indexed_parent(r); i++) {
		if (r != link && item_find_date(r, link, iso, sizeof(iso)) != NULL)
			break;
		if (item_tag_in(r->parent, lists) ||
		    !item_links_only(pg, r->parent, primary->url)) {
			r = link;
			break;
		}
		r = r->parent;
	}
	if (i == DSC_LEVELS || !item_indexed_parent(r))
		r = link;
	for (i = 0; i < DSC_LEVELS && !item_tag_in(r, records) && !item_named_record(r) &&
		    item_indexed_parent(r) && !item_tag_in(r->parent, lists) &&
		    item_wraps(pg, r->parent, r, primary->url);
	     i++)
		r = r->parent;
	return r;
}
