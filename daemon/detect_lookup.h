/*
 * daemon/detect_lookup: what detection asks the store about a poll's items,
 * gathered into ONE store job per step (store_jobs.h) so that the loop
 * never waits on it: the list's items looked up (by url, else guid; an
 * unknown one also through other sources), the stored items due for a
 * re-check when the list did not change, the archive still to read. The
 * decisions stay on the loop (detect.c), with the answers.
 */
#ifndef SW_DETECT_LOOKUP_H
#define SW_DETECT_LOOKUP_H

#include <stddef.h>

#include "analyze/page/list.h"
#include "daemon/store.h"

enum detect_lookup_kind {
	LOOKUP_ITEMS,	/* the list's items (in items) */
	LOOKUP_RECHECK, /* the items due for a re-check (into items), then as LOOKUP_ITEMS */
	LOOKUP_ARCHIVE, /* the archive still to read (into items), each stored item by url */
	LOOKUP_KNOWN,	/* items (in items) by url only: which the source has stored */
};

/* The store's answer for one item. */
struct detect_answer {
	int rc;		      /* store_item_find: 1 (it filled), 0, -1 */
	struct store_item it; /* the stored item when rc == 1 */
	int elsewhere;	      /* rc == 0, LOOKUP_ITEMS: seen through another source (1/0/-1) */
};

struct detect_lookup {
	enum detect_lookup_kind kind;
	char *source_id;
	struct list_items items;       /* in (LOOKUP_ITEMS) or out; owned */
	struct detect_answer *answers; /* out: one per item */
	size_t nanswers;
	/* LOOKUP_RECHECK */
	int newest_known; /* in: newest is known; out: it was read */
	double newest;	  /* in/out: store_items_text_newest */
	double window;	  /* in: seconds a re-check window lasts after the newest day */
	double now;	  /* in */
	double before;	  /* in: last checked at or before */
	int possible;	  /* out: an item may be inside its window (asked only then) */
	/* LOOKUP_RECHECK and LOOKUP_ARCHIVE */
	size_t max;	    /* in: items at most */
	size_t archive_max; /* in: LOOKUP_ARCHIVE: among the newest this many */
	char err[512];	    /* out: the first store error, "" when none */
	void *run;	    /* the caller's (detect.c): not touched here */
};

/* store_job_work_fn: answers j. */
void detect_lookup_work(struct store *st, void *arg);

/* Frees j, its items (unless taken) and the answers not taken (it zeroed when taken). */
void detect_lookup_free(struct detect_lookup *j);

#endif
