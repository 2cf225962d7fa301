#include "daemon/detect_lookup.h"

#include <stdio.h>
#include <stdlib.h>

#include "common/xmalloc.h"
#include "daemon/article_read.h"

static void note_error(struct detect_lookup *j, struct store *st)
{
	if (j->err[0] == '\0')
		snprintf(j->err, sizeof(j->err), "%s", store_error(st));
}

/* One item: by url, else by guid; an unknown one of a list also through other sources. */
static void find_one(struct store *st, struct detect_lookup *j, const struct list_item *li,
		     struct detect_answer *a)
{
	char *norm;

	if (li->url == NULL)
		return; /* a feed entry with neither link nor permalink: nothing to fetch */
	a->rc = store_item_find(st, j->source_id, li->url, NULL, &a->it);
	if (a->rc == 0 && li->guid && j->kind == LOOKUP_ITEMS)
		a->rc = store_item_find(st, j->source_id, NULL, li->guid, &a->it);
	if (a->rc == 0 && j->kind == LOOKUP_ITEMS) {
		norm = article_normalise_url(li->url);
		a->elsewhere = store_item_seen_elsewhere(st, j->source_id, li->url, norm, NULL);
		free(norm);
	}
	if (a->rc < 0)
		note_error(j, st);
}

/* LOOKUP_RECHECK: may any stored text be inside its window? Then which items are due. */
static int list_due(struct store *st, struct detect_lookup *j)
{
	j->possible = 1;
	if (!j->newest_known) {
		if (store_items_text_newest(st, j->source_id, &j->newest) < 0)
			note_error(j, st); /* the query below decides */
		else
			j->newest_known = 1;
	}
	if (j->newest_known)
		j->possible = j->newest > 0 && j->now - j->newest <= j->window;
	if (!j->possible)
		return 0;
	if (store_items_to_recheck(st, j->source_id, j->before, j->max, &j->items) == 0)
		return 0;
	note_error(j, st);
	list_items_free(&j->items);
	return -1;
}

void detect_lookup_work(struct store *st, void *arg)
{
	struct detect_lookup *j = arg;
	int snapshot;

	if (j->kind == LOOKUP_RECHECK && list_due(st, j) < 0)
		return;
	snapshot = store_read_begin(st) == 0; /* nothing below writes */
	if (j->kind == LOOKUP_ARCHIVE &&
	    store_items_unread(st, j->source_id, j->archive_max, j->max, &j->items) < 0) {
		note_error(j, st);
		list_items_free(&j->items);
	}
	j->nanswers = j->items.n;
	j->answers = xcalloc(j->items.n ? j->items.n : 1, sizeof(*j->answers));
	for (size_t i = 0; i < j->items.n; i++)
		find_one(st, j, &j->items.v[i], &j->answers[i]);
	if (snapshot)
		store_read_end(st);
}

void detect_lookup_free(struct detect_lookup *j)
{
	if (j == NULL)
		return;
	for (size_t i = 0; i < j->nanswers; i++)
		store_item_clear(&j->answers[i].it);
	free(j->answers);
	list_items_free(&j->items);
	free(j->source_id);
	free(j);
}
