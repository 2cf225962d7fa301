/*
 * daemon/article_settle: the store's side of an article whose text was
 * just read (article_fetch.c), as ONE store job (store_jobs.h): the
 * lookups that decide whether it alerts (seen through another source,
 * moved here under a new URL, an edit already alerted) and, when it does,
 * the write of the item with its themes and its events in one transaction
 * (the item becomes "seen" exactly when its alerts are queued). Scoring and
 * the events' payloads are done on the loop before; the job only asks and
 * writes, so two articles of a poll are settled in the order they came.
 */
#ifndef SW_ARTICLE_SETTLE_H
#define SW_ARTICLE_SETTLE_H

#include "daemon/event_rows.h"
#include "daemon/store.h"

struct source_rt;

enum settle_kind {
	SETTLE_NEW,	/* an unknown item: alert unless seen elsewhere or moved */
	SETTLE_CHANGED, /* a re-checked item whose text changed: alert unless already alerted */
	SETTLE_ALONE,	/* the item written alone, durably (the archive's reads) */
};

enum settle_outcome {
	SETTLED_ALERTED,   /* written with its events */
	SETTLED_ELSEWHERE, /* the same statement came through another source: not written */
	SETTLED_MOVED,	   /* the source has it under another URL (old, how): not written */
	SETTLED_SAME_HERE, /* its edit was alerted through another URL of the source (old) */
	SETTLED_WRITTEN,   /* SETTLE_ALONE: written */
	SETTLED_FAILED,	   /* a store error (err) */
};

struct article_settle {
	enum settle_kind kind;
	char *source_id;
	struct store_item it;  /* the version read; its id set when written; owned */
	char *themes, *detail; /* store_item_set_themes, when scored (has_themes) */
	char *language;	       /* the scoring's, for an item without one when it alerts */
	int has_themes;
	struct event_rows events;    /* built on the loop; item_id set when inserted */
	enum settle_outcome outcome; /* out */
	char *other_title;     /* out: an item of the same text under another title (its url) */
	struct store_item old; /* out: the item that decided (moved, same here, title) */
	const char *how;       /* out: SETTLED_MOVED: "same text as" / "same title..." */
	char err[512];	       /* out */
	void *arg;	       /* the caller's: not touched here */
};

/* store_job_work_fn */
void article_settle_work(struct store *st, void *arg);

/*
 * Writes it (taken over) alone, durably, as a store job of rt that nothing
 * waits for: a failure is logged as "cannot store <what>", a success with
 * ok_note when given (static strings).
 */
void article_settle_alone(struct source_rt *rt, struct store_item *it, const char *what,
			  const char *ok_note);

/* Frees what s holds (not s). */
void article_settle_clear(struct article_settle *s);

#endif
