/*
 * Candidate lists (research note §5.2): every link is put, with each of its
 * first DSC_LEVELS ancestors r, into the bucket (parent of r, signature of
 * r), the signature being r's tag and class tokens without digits or state
 * words. A bucket is a run of same-signature siblings holding links: a
 * list. One list seen at several depths collapses to one (same primary
 * URLs); a lone item becomes the record around its link. The cheap score
 * ranks them all, the full score the best DSC_TOP.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/page/discover_int.h"
#include "analyze/page/list_int.h"
#include "common/buf.h"
#include "common/hmap.h"
#include "common/xmalloc.h"

struct build {
	struct dsc_page *pg;
	struct hmap keys; /* bucket key -> index in all */
	struct dsc_list *all;
	size_t n, cap;
	struct buf key;
	xmlNodePtr *roots; /* record root per link, computed once */
};

static int list_is_top(const xmlNode *n);

/* "tag class tokens" of n into out. */
static void list_sig(const xmlNode *n, struct buf *out)
{
	buf_append_str(out, (const char *)n->name);
	buf_append_char(out, '.');
	dsc_sig_classes(n, out);
}

/* The bucket of key b->key (allocated when new, NULL when the cap is hit). */
static struct dsc_list *list_bucket_get(struct build *b, xmlNodePtr parent)
{
	uint32_t h = hmap_hash(b->key.data, b->key.len);
	const uint32_t *v = hmap_get(&b->keys, b->key.data, b->key.len, h);
	struct dsc_list *l;

	if (v != NULL)
		return &b->all[*v];
	if (b->n >= DSC_MAX_BUCKETS)
		return NULL;
	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 256;
		b->all = xreallocarray(b->all, b->cap, sizeof(*b->all));
	}
	hmap_put(&b->keys, b->key.data, b->key.len, h, (uint32_t)b->n);
	l = &b->all[b->n++];
	memset(l, 0, sizeof(*l));
	l->parent = parent;
	return l;
}

/* Siblings: r's tag and classes under parent. */
static struct dsc_list *list_bucket(struct build *b, xmlNodePtr parent, xmlNodePtr r)
{
	buf_reset(&b->key);
	buf_append(&b->key, &parent, sizeof(parent));
	list_sig(r, &b->key);
	return list_bucket_get(b, parent);
}

/*
 * Cousins: r's signature under same-signature parents of one grandparent,
 * a list split into sections (one <ul> per day under its heading).
 */
static struct dsc_list *list_cousins(struct build *b, xmlNodePtr r)
{
	xmlNodePtr p = r->parent, gp = p->parent;
	struct dsc_list *l;

	if (gp == NULL || dsc_pre(gp) < 0 || list_is_top(gp))
		return NULL;
	buf_reset(&b->key);
	buf_append(&b->key, &gp, sizeof(gp));
	buf_append_char(&b->key, '^');
	list_sig(p, &b->key);
	buf_append_char(&b->key, '/');
	list_sig(r, &b->key);
	l = list_bucket_get(b, gp);
	if (l != NULL)
		l->cousins = 1;
	return l;
}

/* <html> holds the whole page: its children are no list (<body>'s may be: flat pages). */
static int list_is_top(const xmlNode *n)
{
	return xmlStrcasecmp(n->name, XC("html")) == 0;
}

static void list_push(struct dsc_list *l, xmlNodePtr r)
{
	if (l->n >= DSC_MAX_ITEMS)
		return;
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 4;
		l->items = xreallocarray(l->items, l->cap, sizeof(*l->items));
	}
	l->items[l->n++] = r;
}

/* Puts the link and its ancestors into their buckets; stops where an earlier link went on. */
static void list_add_anchor(struct build *b, const struct dsc_anchor *a)
{
	xmlNodePtr r = a->node;
	uint32_t lvl;

	for (lvl = 0; lvl < DSC_LEVELS; lvl++, r = r->parent) {
		xmlNodePtr p = r->parent;
		struct dsc_list *l;

		if (p == NULL || dsc_pre(p) < 0 || list_is_top(p))
			return;
		l = list_bucket(b, p, r);
		if (l == NULL)
			return;
		if (l->n > 0 && l->items[l->n - 1] == r)
			return;
		if (l->n == 0)
			l->level = lvl;
		list_push(l, r);
		l = list_cousins(b, r);
		if (l != NULL && (l->n == 0 || l->items[l->n - 1] != r))
			list_push(l, r);
	}
}

/* n has a sibling of its signature that holds links: it is one item of a longer list. */
static int list_has_twin(const struct dsc_page *pg, xmlNodePtr n)
{
	struct buf mine, other;
	xmlNodePtr s;
	int twin = 0, seen = 0;

	if (n->parent == NULL)
		return 0;
	buf_init(&mine);
	buf_init(&other);
	list_sig(n, &mine);
	for (s = n->parent->children; s != NULL && !twin && seen < 64; s = s->next) {
		const struct dsc_node *e = dsc_node_of(pg, s);

		if (s == n || e == NULL || e->a1 == e->a0)
			continue;
		seen++;
		buf_reset(&other);
		list_sig(s, &other);
		twin = other.len == mine.len && memcmp(other.data, mine.data, mine.len) == 0;
	}
	buf_free(&mine);
	buf_free(&other);
	return twin;
}

/* A bucket of one item becomes the record around its link, unless it belongs to a longer list. */
static void list_lone(struct build *b, struct dsc_list *l)
{
	const struct dsc_page *pg = b->pg;
	struct dsc_item it;
	xmlNodePtr root;
	size_t ai;

	dsc_item_read(pg, l->items[0], 0, &it);
	if (it.primary == NULL) {
		l->dropped = 1;
		return;
	}
	ai = (size_t)(it.primary - pg->a);
	if (b->roots[ai] == NULL)
		b->roots[ai] = dsc_record_root(pg, it.primary);
	root = b->roots[ai];

	if (list_has_twin(pg, root) || (root->parent != NULL && list_has_twin(pg, root->parent))) {
		l->dropped = 1;
		return;
	}
	l->items[0] = root;
	l->parent = root->parent;
}

static int cmp_prelim(const void *a, const void *b)
{
	const struct dsc_list *x = *(struct dsc_list *const *)a, *y = *(struct dsc_list *const *)b;

	if (x->prelim != y->prelim)
		return x->prelim < y->prelim ? 1 : -1;
	if (x->cousins != y->cousins)
		return x->cousins - y->cousins;
	return dsc_pre(x->items[0]) < dsc_pre(y->items[0]) ? -1 : 1;
}

static int cmp_score(const void *a, const void *b)
{
	const struct dsc_list *x = a, *y = b;

	if (x->score != y->score)
		return x->score < y->score ? 1 : -1;
	if (x->df != y->df)
		return x->df < y->df ? 1 : -1;
	return dsc_pre(x->items[0]) < dsc_pre(y->items[0]) ? -1 : 1;
}

/* 1 when an earlier (better) list in v[0..n) has the same primary URLs. */
static int list_seen(struct dsc_list **v, size_t n, const struct dsc_list *l)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i]->urlhash == l->urlhash)
			return 1;
	return 0;
}

/* The best DSC_TOP distinct lists by the cheap score, moved into out and scored in full. */
static void list_pick(struct build *b, struct dsc_lists *out)
{
	struct dsc_list **order = xcalloc(b->n + 1, sizeof(*order));
	size_t i, n = 0;

	for (i = 0; i < b->n; i++)
		if (!b->all[i].dropped && b->all[i].prelim > 0)
			order[n++] = &b->all[i];
	qsort(order, n, sizeof(*order), cmp_prelim);
	out->v = xcalloc(DSC_TOP, sizeof(*out->v));
	out->n = 0;
	for (i = 0; i < n && out->n < DSC_TOP; i++) {
		if (list_seen(order, i, order[i]))
			continue;
		out->v[out->n] = *order[i];
		order[i]->items = NULL;
		dsc_score_full(b->pg, &out->v[out->n]);
		out->n++;
	}
	free(order);
	qsort(out->v, out->n, sizeof(*out->v), cmp_score);
}

void dsc_lists_build(struct dsc_page *pg, struct dsc_lists *out)
{
	struct build b;
	size_t i;

	memset(&b, 0, sizeof(b));
	b.pg = pg;
	hmap_init(&b.keys, 1024);
	buf_init(&b.key);
	b.roots = xcalloc(pg->na + 1, sizeof(*b.roots));
	for (i = 0; i < pg->na; i++)
		list_add_anchor(&b, &pg->a[i]);
	for (i = 0; i < b.n; i++) {
		if (b.all[i].n == 1)
			list_lone(&b, &b.all[i]);
		if (!b.all[i].dropped)
			dsc_score_prelim(pg, &b.all[i]);
	}
	list_pick(&b, out);
	for (i = 0; i < b.n; i++)
		free(b.all[i].items);
	free(b.all);
	free(b.roots);
	hmap_free(&b.keys);
	buf_free(&b.key);
}

void dsc_lists_free(struct dsc_lists *ls)
{
	size_t i;

	for (i = 0; i < ls->n; i++)
		free(ls->v[i].items);
	free(ls->v);
	ls->v = NULL;
	ls->n = 0;
}
