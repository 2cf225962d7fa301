/*
 * daemon/article_fetch: one article of a poll — fetch (conditional when
 * known), extract, hash, score, and store it together with its events in
 * one transaction; what has no events waits in the poll's batch.
 */
#ifndef SW_ARTICLE_FETCH_H
#define SW_ARTICLE_FETCH_H

#include <stddef.h>
#include <stdint.h>

#include "daemon/article_batch.h"

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

#endif
