/*
 * daemon/article_fetch: one article of a poll — fetch (conditional when
 * known), extract, hash, score, and store it together with its events in
 * one transaction; what has no events waits in the poll's batch.
 */
#ifndef SW_ARTICLE_FETCH_H
#define SW_ARTICLE_FETCH_H

#include <stddef.h>
#include <stdint.h>

struct article_job;
struct list_item;
struct source_rt;
struct store_item;

enum article_kind {
	ARTICLE_KIND_NEW,      /* unknown item: alert */
	ARTICLE_KIND_BASELINE, /* first poll of a source: record its text silently */
	ARTICLE_KIND_RECHECK,  /* known item inside the re-check window */
	ARTICLE_KIND_ARCHIVE,  /* known item without a text (daemon/archive.h): store it silently */
};

enum article_verdict {
	ARTICLE_NEW,	   /* stored with statement.new events */
	ARTICLE_CHANGED,   /* stored with statement.changed events */
	ARTICLE_SAME,	   /* re-checked, text unchanged */
	ARTICLE_SILENT,	   /* stored without alerts (baseline, duplicate) */
	ARTICLE_MOVED,	   /* new URL, a text the source already has: in the batch, no alert */
	ARTICLE_FAILED,	   /* fetch, parse or store failed: tried again next poll */
	ARTICLE_CANCELLED, /* reload or stop */
};

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

/*
 * The writes of one poll that carry no alert — items recorded silently
 * (the baseline), re-checked texts that did not change, sightings of known
 * items — gathered while its articles are fetched and written together in
 * one transaction when its detection ends (article_batch_write): a baseline
 * of twenty items is one commit and one full-text index flush, not twenty.
 * Items with events are not batched: each is stored with its events at once.
 */
struct article_batch {
	struct store_item *items; /* owned */
	size_t nitems;
	int64_t *seen; /* ids of known items listed again, at seen_at */
	size_t nseen;
	double seen_at;
	struct article_moved moved;
};

/* The known item id was listed again at now. */
void article_batch_seen(struct article_batch *b, int64_t id, double now);

/*
 * Writes b in one transaction (one that need not reach the disk at once
 * when it only notes sightings: store_begin_relaxed) and empties it.
 * Returns how many new items could not be stored: their list's validators
 * must not be kept.
 */
long article_batch_write(struct source_rt *rt, struct article_batch *b);

/*
 * A poll that did not finish (reload, stop) decides nothing about moves:
 * its moved items are dropped unwritten, so that the next poll reads them
 * again and judges the move whole. Returns how many were dropped.
 */
size_t article_batch_drop_moved(struct article_batch *b);

/* Frees what b holds, unwritten. */
void article_batch_clear(struct article_batch *b);

/* Called once per started job, from the loop; the job is freed right after. */
typedef void article_done_fn(struct article_job *job, enum article_verdict v, void *arg);

/*
 * Starts the job for list item li (borrowed; copied). For a re-check or an
 * archived item, known is the stored item and is taken over (the caller's struct is zeroed).
 * What it stores without an alert goes to rt->batch, the poll's (which
 * outlives the job). Returns NULL (after logging) when the request cannot
 * start.
 */
struct article_job *article_fetch_start(struct source_rt *rt, const struct list_item *li,
					struct store_item *known, enum article_kind kind,
					article_done_fn *done, void *arg);

/* What the job was started for. */
enum article_kind article_fetch_kind(const struct article_job *job);

/* Cancels the job: done runs with ARTICLE_CANCELLED before this returns. */
void article_fetch_cancel(struct article_job *job);

/* Records li as seen without its text and without alerts (into rt->batch). */
void article_record_silently(struct source_rt *rt, const struct list_item *li, const char *why);

#endif
