/*
 * analyze/list: the item accumulator shared by HTML lists and feeds, and
 * the cut of a list longer than its limit (see list_int.h for the rule).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/page/list.h"
#include "analyze/page/list_int.h"
#include "common/hmap.h"
#include "common/xmalloc.h"

void list_item_clear(struct list_item *item)
{
	free(item->url);
	free(item->title);
	free(item->date);
	free(item->guid);
	free(item->summary);
	memset(item, 0, sizeof(*item));
}

void list_items_free(struct list_items *items)
{
	if (items == NULL)
		return;
	for (size_t i = 0; i < items->n; i++)
		list_item_clear(&items->v[i]);
	free(items->v);
	memset(items, 0, sizeof(*items));
}

void list_acc_init(struct list_acc *acc, struct list_items *out, size_t max_items)
{
	memset(acc, 0, sizeof(*acc));
	memset(out, 0, sizeof(*out));
	acc->out = out;
	acc->hard = max_items == 0 || max_items >= LIST_HARD_CAP;
	acc->limit = acc->hard ? LIST_HARD_CAP : max_items;
	acc->all_dated = 1;
	hmap_init(&acc->seen, 64);
}

int list_acc_full(const struct list_acc *acc)
{
	return !acc->hard && !acc->all_dated && acc->out->n >= acc->limit;
}

/* 1 if key was already present; otherwise records it. */
static int acc_seen(struct list_acc *acc, const char *key)
{
	size_t n = strlen(key);
	uint32_t h = hmap_hash(key, n);

	if (hmap_get(&acc->seen, key, n, h) != NULL)
		return 1;
	hmap_put(&acc->seen, key, n, h, 0);
	return 0;
}

/* Newest date first; equal dates in page order (the array is in page order). */
static int newer_first(const void *a, const void *b)
{
	const struct list_item *x = *(const struct list_item *const *)a;
	const struct list_item *y = *(const struct list_item *const *)b;
	int c = strcmp(y->date, x->date); /* ISO 8601: text order is time order */

	if (c != 0)
		return c;
	return x < y ? -1 : x > y;
}

/* keep[i] = 1 for the `limit` newest items by date. */
static void mark_newest(const struct list_acc *acc, unsigned char *keep)
{
	struct list_items *out = acc->out;
	struct list_item **p = xreallocarray(NULL, out->n, sizeof(*p));

	for (size_t i = 0; i < out->n; i++)
		p[i] = &out->v[i];
	qsort(p, out->n, sizeof(*p), newer_first);
	for (size_t i = 0; i < acc->limit; i++)
		keep[p[i] - out->v] = 1;
	free(p);
}

/* keep[i] = 1 for the items the rule keeps; the caller made sure n > limit. */
static void mark_kept(const struct list_acc *acc, unsigned char *keep)
{
	size_t n = acc->out->n, head = acc->hard ? acc->limit / 2 : acc->limit;

	if (acc->all_dated) {
		mark_newest(acc, keep);
		return;
	}
	for (size_t i = 0; i < head; i++)
		keep[i] = 1;
	for (size_t i = n - (acc->limit - head); i < n; i++)
		keep[i] = 1;
}

/* Cuts out to acc->limit items by the rule, keeping page order. */
static void acc_cut(struct list_acc *acc)
{
	struct list_items *out = acc->out;
	unsigned char *keep;
	size_t j = 0;

	if (out->n <= acc->limit)
		return;
	keep = xcalloc(out->n, 1);
	mark_kept(acc, keep);
	for (size_t i = 0; i < out->n; i++) {
		if (keep[i])
			out->v[j++] = out->v[i];
		else
			list_item_clear(&out->v[i]);
	}
	out->n = j;
	if (acc->hard)
		out->cut = acc->all_dated ? LIST_CUT_NEWEST_BY_DATE : LIST_CUT_PAGE_ENDS;
	free(keep);
}

int list_acc_add(struct list_acc *acc, struct list_item *item, const char *key)
{
	struct list_items *out = acc->out;

	if (list_acc_full(acc) || (key != NULL && acc_seen(acc, key))) {
		list_item_clear(item);
		return 0;
	}
	if (out->n >= 2 * acc->limit)
		acc_cut(acc); /* bounds what a long page holds while it is read */
	if (out->n % 32 == 0)
		out->v = xreallocarray(out->v, out->n + 32, sizeof(*out->v));
	acc->all_dated = acc->all_dated && item->date != NULL;
	out->v[out->n++] = *item;
	out->total++;
	memset(item, 0, sizeof(*item));
	return 1;
}

void list_acc_done(struct list_acc *acc)
{
	acc_cut(acc);
	hmap_free(&acc->seen);
}

int list_items_note(const struct list_items *items, char *out, size_t len)
{
	size_t skipped = items->total - items->n;
	int w = 0;

	out[0] = '\0';
	if (items->guids_ignored)
		w = snprintf(out, len,
			     "the feed gives different items the same <guid>: items are "
			     "identified by their links");
	if (items->date_order_ambiguous && w >= 0 && (size_t)w < len)
		w += snprintf(out + w, len - (size_t)w, "%s%s", w ? "; " : "",
			      LIST_DATE_AMBIGUOUS_NOTE);
	if (w < 0 || (size_t)w >= len || items->cut == LIST_CUT_NONE)
		return out[0] != '\0';
	snprintf(out + w, len - (size_t)w,
		 "%sthe list has %zu items, over the cap of %d: kept the %zu %s, skipped %zu",
		 w ? "; " : "", items->total, LIST_HARD_CAP, items->n,
		 items->cut == LIST_CUT_NEWEST_BY_DATE ? "newest by date"
						       : "first and last in page order",
		 skipped);
	return 1;
}
