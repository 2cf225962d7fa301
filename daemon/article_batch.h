/*
 * daemon/article_batch: the writes of one poll that carry no alert — items
 * recorded silently (the baseline), re-checked texts that did not change,
 * sightings of known items, moved items — gathered while its articles are
 * fetched and written together in one transaction, by one store job
 * (store_jobs.h), when its detection ends: a baseline of twenty items is
 * one commit and one full-text index flush, not twenty. Items with events
 * are not batched: each is stored with its events at once
 * (daemon/article_settle.h).
 */
#ifndef SW_ARTICLE_BATCH_H
#define SW_ARTICLE_BATCH_H

#include <stddef.h>
#include <stdint.h>

struct list_item;
struct source_rt;
struct store_item;

/*
 * The new items of a poll that the source already had under other URLs
 * (recorded in the batch without alerts), out of all new items whose text
 * was read: when most of them moved, the poll raises one
 * source.changed (daemon/moved.h) in the batch's transaction.
 */
struct article_moved {
	long moved;		  /* new items the source already had under other URLs */
	long read;		  /* new items whose text was read this poll */
	char *old_url, *new_url;  /* the first moved item's old and new address, owned */
	struct store_item *items; /* the moved items, owned: written with the batch */
	size_t nitems;
	int notice; /* set at the poll's end: queue source.changed with the batch */
	int repeat; /* one was queued within MOVED_QUIET: this one only goes to the log */
};

struct article_batch {
	struct store_item *items; /* owned */
	size_t nitems;
	int64_t *seen; /* ids of known items listed again, at seen_at */
	size_t nseen;
	double seen_at;
	struct article_moved moved;
};

/* The fields every stored version has, from the list item, for source rt (it overwritten). */
void article_item_base(const struct source_rt *rt, const char *url, const char *title,
		       const char *date, const char *guid, struct store_item *it);

/*
 * Takes it over into rt's poll batch (its moved items when moved); a second
 * new item of the same url (a list naming it twice) is dropped. Without a
 * poll (not a path detect.c takes) it is written at once, alone.
 */
void article_batch_add(struct source_rt *rt, struct store_item *it, int moved);

/* The known item id was listed again at now. */
void article_batch_seen(struct article_batch *b, int64_t id, double now);

/* Records li as seen without its text and without alerts (into rt->batch). */
void article_record_silently(struct source_rt *rt, const struct list_item *li, const char *why);

/*
 * Writes b (emptied: its contents go with the job) in one transaction (one
 * that need not reach the disk at once when it only notes sightings) as a
 * store job of rt, with the source.changed of a mass move (b->moved.notice).
 * Then, on the loop: written(arg, lost), lost how many new items could not be
 * stored (their list's validators must not be kept).
 */
void article_batch_write(struct source_rt *rt, struct article_batch *b,
			 void (*written)(void *arg, long lost), void *arg);

/*
 * A poll that did not finish (reload, stop) decides nothing about moves:
 * its moved items are dropped unwritten, so that the next poll reads them
 * again and judges the move whole. Returns how many were dropped.
 */
size_t article_batch_drop_moved(struct article_batch *b);

/* Frees what b holds, unwritten. */
void article_batch_clear(struct article_batch *b);

#endif
