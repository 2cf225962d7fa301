/*
 * daemon/store: the durable state — sources, items, and the outbox of
 * events — behind one interface. A backend (a table of operations, see
 * store_int.h) is chosen by the location's scheme: a file path or
 * "sqlite:PATH" is SQLite (WAL, synchronous=FULL but for
 * store_begin_relaxed, store_sqlite*.c, the only files that include
 * sqlite3.h); "postgresql://..." or "postgresql:KEY=VALUE ..." is
 * PostgreSQL (store_pg*.c, blocking: never on the daemon's loop); any
 * other scheme is refused by name.
 * Every failure comes back as -1 with a message naming the location.
 */
#ifndef SW_STORE_H
#define SW_STORE_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "analyze/page/list.h"

struct store;

/* The schema version this build writes and expects. */
#define STORE_SCHEMA_VERSION 8

/* Poll state of one source, as the daemon needs it between runs. */
struct store_source {
	char *etag;
	char *last_modified;
	double last_poll;   /* unix time, 0 = never */
	long last_status;   /* HTTP status of the last poll, 0 if none */
	char *last_result;  /* "ok", "not-modified", "timeout", ... or NULL */
	char *last_error;   /* text of the last failure, or NULL */
	long items;	    /* items on the page at the last good poll */
	long failures;	    /* consecutive failed polls */
	double next_due;    /* unix time */
	int failing;	    /* a source.failing event was sent and not yet recovered */
	long last_new;	    /* statements alerted by the last poll */
	long last_changed;  /* edits alerted by the last poll */
	long suspect_polls; /* consecutive polls whose list looked suspect */
	long suspect_items; /* the list's size during that streak */
	/*
	 * items = auto: the list structure in use, JSON {"items", "link",
	 * "title", "date", "date_format", "count", "chosen_at"}, or NULL.
	 */
	char *structure;
	/*
	 * When the last poll failed on its XPaths (selector-no-match,
	 * items-rejected): discover's best list on that page, JSON {"items",
	 * "link", "title", "date", "count"}; NULL otherwise.
	 */
	char *suggestion;
	/* filled by store_sources_all only: */
	char *id;
	char *url;
	long stored_items; /* items recorded for this source */
	long duplicates;   /* of them, texts it already had under an older URL */
};

/* Every source row, in id order (status). Caller clears each and frees the array. */
int store_sources_all(struct store *st, struct store_source **out, size_t *n);

/* The location of the store kept in state_dir (today "STATE_DIR/speechwatch.db"). Caller frees. */
char *store_location_for(const char *state_dir);

/*
 * The store a configuration names: [daemon] database when set (a location
 * as config/keys.c normalises it), else store_location_for(state_dir).
 * Caller frees.
 */
char *store_location_of(const char *database, const char *state_dir);

/* 1 when location names a database server's store (PostgreSQL), else 0. */
int store_on_server(const char *location);
/* What messages show of location: a server's without its password. Caller frees. */
char *store_location_shown(const char *location);

/*
 * Opens (creating and migrating) the store at location. NULL with err on
 * failure, also for a location whose scheme names no backend; errno is
 * then EBADMSG when the store is there but damaged (store_recovery_steps).
 */
struct store *store_open(const char *location, char *err, size_t errlen);

/* Opens an existing store read-only (status while the daemon runs). */
struct store *store_open_readonly(const char *location, char *err, size_t errlen);

/*
 * A private copy in memory of the store at location (SQLite: its backup
 * API, from a read-only connection), migrated to this build's schema;
 * empty when nothing is stored there yet. Writes go to the copy only: the
 * store at location is neither written nor created (once --dry-run). NULL
 * with err on failure.
 */
struct store *store_open_copy(const char *location, char *err, size_t errlen);

/*
 * 0 when nothing has been stored at location yet (the daemon never ran),
 * 1 when something is there, -1 when no backend understands the location
 * (store_open then says why).
 */
int store_exists(const char *location);

void store_close(struct store *st);

/* The libpq conninfo of a PostgreSQL location (allocated); NULL for any other store. */
char *store_server_conninfo(const char *location);

/*
 * Binds st to the thread owner: from then on an operation from another
 * thread is a bug (the loop using the store the store thread owns,
 * store_jobs.h) and aborts naming it, rather than racing on the handle.
 * store_unbind_thread lifts it once that thread has ended.
 */
void store_bind_thread(struct store *st, pthread_t owner);
void store_unbind_thread(struct store *st);

/* The location the store was opened with, a server's without its password. Borrowed. */
const char *store_location(const struct store *st);
/* The last error message (names the location). Borrowed. */
const char *store_error(const struct store *st);

int store_begin(struct store *st);
/*
 * Like store_begin, for rows the next poll rewrites anyway (a source's
 * status): its commit survives a crash of the process but not necessarily a
 * power failure until the next store_begin transaction commits (or the
 * backend checkpoints). Never for items or events: docs/performance.md,
 * "Durability of status writes".
 */
int store_begin_relaxed(struct store *st);
int store_commit(struct store *st);
void store_rollback(struct store *st);

/*
 * A run of lookups (a poll's items) in one consistent snapshot, which also
 * costs one lock instead of one per lookup. No write may happen before
 * store_read_end. On failure (-1) the lookups still work, each on its own.
 */
int store_read_begin(struct store *st);
void store_read_end(struct store *st);

/* What the store says about itself. Strings are static. */
struct store_info {
	const char *backend; /* "sqlite" */
	int schema_version;  /* found in the store */
	/* Since this handle was opened (tests count them instead of timing): */
	unsigned long commits;	   /* committed transactions; a write outside one counts as one */
	unsigned long reads;	   /* read operations (each a query) */
	unsigned long writes;	   /* write operations */
	unsigned long round_trips; /* statements sent to a database server (0: SQLite) */
};
int store_info(struct store *st, struct store_info *out);

/* 0 when the backend's own consistency check passes; -1 with store_error(). */
int store_verify(struct store *st);

/*
 * The start-up check of run and once: the backend's quick consistency check
 * (SQLite: PRAGMA quick_check, every page's structure but not that indexes
 * match their tables). Sources and the outbox are checked whole; the rest
 * (items and the search index: the bulk of a large store) as far as
 * `budget` seconds go (0: no limit), so that a start stays fast
 * (docs/performance.md). 0 when all of it passed, 1 when the budget ran out
 * first with nothing found, -1 with store_error() saying what was found,
 * errno EBADMSG when that is damage. A store too damaged to open at all
 * fails store_open with errno EBADMSG instead.
 */
int store_check(struct store *st, double budget);

/*
 * What an operator does about a damaged store at location, as lines of
 * text without a final newline (the backend's own steps). Caller frees.
 */
char *store_recovery_steps(const char *location);

/*
 * Retention (keep_raw_days, keep_text_days): items first seen before
 * raw_before lose their raw page, before text_before their text and the
 * texts of their past versions (0: keep them). Titles, hashes, events and
 * the items themselves stay; a dropped text leaves the search index. Items
 * are visited in id order (the order they were first seen) from after the
 * id `after`, at most max per call, in one transaction of the call's own;
 * the visit stops at the first item newer than both cutoffs (finished = 1)
 * but not after `future` (0: none). `after` moves on, so calls resume where
 * the last one stopped.
 */
struct store_prune {
	double raw_before, text_before; /* unix time; 0: keep */
	double future; /* first seen after this: a clock that was ahead; skipped, not an end */
	int64_t after; /* in and out: the last id visited */
	size_t max;    /* items visited per call */
	size_t raw_dropped, text_dropped; /* out: this call's */
	int finished;			  /* out: nothing older is left after `after` */
};
int store_prune(struct store *st, struct store_prune *p);

/*
 * Rewrites the store compactly, giving the space pruning freed back to the
 * file system (SQLite: VACUUM). Needs room for a copy of the store and no
 * other writer (the daemon stopped). Not inside a transaction.
 */
int store_compact(struct store *st);

/* Bytes the store takes on disk (with its journal) and how many are free inside it. */
int store_size(struct store *st, int64_t *bytes, int64_t *free_bytes);

/*
 * Copying a store into another backend (speechwatch migrate). The tables
 * are "sources", "items", "item_versions" and "events", with the same
 * column names on every backend. Values travel as text: integers in
 * decimal, reals with 17 digits (they round-trip), blobs in PostgreSQL's
 * bytea hex form ("\x0a1b..."), SQL NULL as a NULL pointer.
 *
 * store_row_fn is called once per row; names and values live only during
 * the call. A non-zero return stops the export.
 */
typedef int store_row_fn(void *arg, size_t ncols, const char *const *names,
			 const char *const *values);
/*
 * Every row of table in primary-key order, to fn. 0; -1 with store_error()
 * (also when fn stopped it, or the backend cannot export: only SQLite can).
 * Call it inside store_read_begin for one snapshot of several tables.
 */
int store_export_rows(struct store *st, const char *table, store_row_fn *fn, void *arg);

/* Rows for store_import_rows, and what became of them (added to). */
struct store_import {
	const char *table;
	size_t ncols;
	const char *const *names; /* ncols column names; the table's key among them */
	size_t nrows;
	const char *const *values; /* nrows * ncols, row after row; NULL: SQL NULL */
	/* a row left out, with why (message lives during the call) */
	void (*left_out)(void *arg, size_t row, const char *message);
	void *arg;
	size_t added, updated, unchanged, skipped; /* out */
};
/*
 * Writes rows into table, inside the caller's transaction: a row whose key
 * is new is inserted, one that differs from the stored row updates it, an
 * equal one is left as it is; nothing is deleted. An items row whose id or
 * (source_id, url) belongs to another item here (one a daemon of this store
 * wrote) is left out through left_out. Storing an item's text this way
 * writes no item_versions row: those are copied as rows of their own.
 * After items, new ids continue after the largest. 0, or -1 with
 * store_error() (roll the transaction back); -1 too from a backend that
 * cannot import (only PostgreSQL can).
 */
int store_import_rows(struct store *st, struct store_import *im);

/* Fills out (caller frees with store_source_clear); 1 found, 0 unknown, -1 error. */
int store_source_get(struct store *st, const char *id, struct store_source *out);
/* Inserts or replaces the poll state of source id. */
int store_source_put(struct store *st, const char *id, const char *url,
		     const struct store_source *src);
void store_source_clear(struct store_source *src);

/* Ids of every source in the store, in id order (caller frees each and the array). */
int store_source_ids(struct store *st, char ***ids, size_t *n);

/* One article version as stored. Strings owned (store_item_clear). */
struct store_item {
	int64_t id; /* 0 until stored */
	char *source_id;
	char *url;
	char *norm_url;
	char *guid;
	char *title;
	char *published; /* ISO 8601 or NULL */
	char *final_url;
	long http_status;
	char *etag;
	char *last_modified;
	char *raw_sha256;
	char *text_sha256;
	char *text;
	unsigned char *raw_z; /* the raw bytes, zlib-compressed */
	size_t raw_z_len;
	char *language;
	long words;
	double fetched_at, first_seen, last_seen, last_checked;
	const char *format; /* "pdf", or NULL for a web page: told in its events, not stored */
};

void store_item_clear(struct store_item *it);

/* The item of source_id with this url (or, when guid is not NULL, this guid). 1/0/-1. */
int store_item_find(struct store *st, const char *source_id, const char *url, const char *guid,
		    struct store_item *out);

/*
 * Another item (other than source_id+url) with this normalised URL, or —
 * when text_sha256 is not NULL — an item of ANOTHER source with this text
 * hash: the same statement seen through another list. 1/0/-1.
 */
int store_item_seen_elsewhere(struct store *st, const char *source_id, const char *url,
			      const char *norm_url, const char *text_sha256);

/*
 * A text identifies a statement only from this many words on: empty or
 * near-empty extractions (PDF links, script-built pages) all hash alike.
 */
#define STORE_TEXT_MATCH_MIN_WORDS 20

/*
 * The oldest item of source_id itself, under another URL than url, with
 * this text hash: the same statement listed again under a new address.
 * old (when not NULL) gets its id, url and title (store_item_clear). 1/0/-1.
 */
int store_item_same_text(struct store *st, const char *source_id, const char *url,
			 const char *text_sha256, struct store_item *old);

/*
 * The oldest item of source_id under another URL than url that was recorded
 * without a text (a baseline's older items are never read), with exactly
 * this title and publication date: the same statement moved, when its text
 * cannot tell. old as for store_item_same_text. 1/0/-1.
 */
int store_item_same_listing(struct store *st, const char *source_id, const char *url,
			    const char *title, const char *published, struct store_item *old);

/* Inserts (it->id == 0) or updates the item; sets it->id. Call inside a transaction. */
int store_item_put(struct store *st, struct store_item *it);

/*
 * Items of source_id that have a stored text and were last checked at or
 * before `before`, newest first, at most max, as list items (url, title,
 * date, guid) — the re-check candidates when the list page did not change.
 */
int store_items_to_recheck(struct store *st, const char *source_id, double before, size_t max,
			   struct list_items *out);

/*
 * The archive still to read (first_poll = archive): among the `newest`
 * newest items of source_id (by list date, else in the order first seen),
 * those recorded without a text that no fetch has tried (fetched_at unset),
 * at most max, newest first, as list items. A text dropped by retention was
 * fetched once: it is not listed again.
 */
int store_items_unread(struct store *st, const char *source_id, size_t newest, size_t max,
		       struct list_items *out);

/*
 * The newest day an item of source_id with a stored text was published
 * (published is ISO 8601; else the time it was first seen), as unix time in
 * *when; 0 when it has none. Every re-check window of the source ends a
 * fixed time after it (detect.c), so nothing is due once that has passed.
 */
int store_items_text_newest(struct store *st, const char *source_id, double *when);

/* Marks the item as seen now. */
int store_item_touch(struct store *st, int64_t id, double now);

/*
 * Records how an item scored: the ids of the themes at or above their
 * threshold ("a,b", NULL: none), for search --theme and the read side's
 * filter, and the same themes with scores and evidence as the events send
 * them (a JSON array, "[]" when none), for the read side.
 */
int store_item_set_themes(struct store *st, int64_t id, const char *themes,
			  const char *detail_json);

/* One search result. */
struct store_hit {
	char *source_id, *url, *title;
	char *date;    /* published, else the day first seen */
	char *themes;  /* "a,b" or NULL */
	char *snippet; /* matched text with [brackets] */
};
void store_hit_clear(struct store_hit *h);

/*
 * Full-text search (FTS5 MATCH syntax; trigram index, so terms need three
 * characters) over titles and texts of every statement in the search index,
 * newest first; a store opened read-write first indexes what is pending
 * (store_index_catch_up), so it searches every statement ever stored.
 * since ("YYYY-MM-DD") and theme may be NULL. Caller clears each hit and
 * frees the array. -1 with store_error() on a bad query.
 */
int store_search(struct store *st, const char *query, const char *since, const char *theme,
		 size_t max, struct store_hit **out, size_t *n);

/*
 * The search index is kept up lazily: storing a statement does not index it
 * (that cost half of a first poll cycle), the daemon indexes in the
 * background and search catches up before it runs. *n: statements stored
 * but not yet indexed.
 */
int store_index_pending(struct store *st, int64_t *n);
/*
 * Indexes up to max pending statements, oldest first, in one transaction
 * (the caller's, when one is open); *done says how many.
 */
int store_index_catch_up(struct store *st, size_t max, size_t *done);
#define STORE_INDEX_BATCH 2000
#define STORE_INDEX_READ_STEP 500

enum store_event_state {
	EVENT_QUEUED,
	EVENT_SENDING,
	EVENT_DELIVERED,
	EVENT_RETRY_WAIT,
	EVENT_DEAD,
};
const char *store_event_state_name(enum store_event_state s);

struct store_event {
	char *id; /* evt_..., minted once */
	char *channel;
	char *type; /* statement.new, ... */
	char *source_id;
	int64_t item_id;
	char *payload; /* the JSON body, sent byte for byte */
	enum store_event_state state;
	long attempts;
	double next_attempt;
	double created;
	double delivered_at;
	char *last_error;
	/*
	 * Seconds the event will have been retried at its next attempt, on the
	 * daemon's monotonic clock: the attempts' durations and the waits
	 * between them. retry_for is measured by it, not by created, so clock
	 * steps do not shorten or stretch it. 0 for a new event.
	 */
	double age;
};

void store_event_clear(struct store_event *ev);

/*
 * A new event, due at once (state queued; next attempt the earlier of
 * created and clock_steady()). Strings borrowed.
 */
struct store_event_new {
	const char *id, *channel, *type, *source_id;
	int64_t item_id; /* 0: none */
	const char *payload;
	double created;
};

/* Inserts a new event. Call inside the transaction that records its cause. */
int store_event_insert(struct store *st, const struct store_event_new *ev);

/* 1 when an event of this type for source_id was created at or after since, else 0; -1. */
int store_event_recent(struct store *st, const char *source_id, const char *type, double since);

/*
 * When the newest event of this type for source_id was created (any
 * channel) into *when; 0 when there is none. 0, or -1 on error.
 */
int store_event_last_of(struct store *st, const char *source_id, const char *type, double *when);

/*
 * Channels whose events a look at the due events leaves out, pending as they
 * are (a channel disabled by 410 Gone until a reload). NULL: none.
 */
struct store_skip {
	const char *const *channels;
	size_t n;
};

/*
 * Events due for delivery (queued or retry_wait with next_attempt <= now),
 * oldest first, at most max, none of skip's channels. Caller frees each
 * (store_event_clear) and the array.
 */
int store_events_due(struct store *st, double now, const struct store_skip *skip, size_t max,
		     struct store_event **out, size_t *n);

/* Earliest next_attempt among pending events not of skip's channels, or 0 when none. */
int store_events_next_due(struct store *st, const struct store_skip *skip, double *when);

/* Writes state, attempts, next_attempt, delivered_at and last_error of ev. */
int store_event_update(struct store *st, const struct store_event *ev);

/*
 * A store shared by several instances (PostgreSQL) hands each due event to
 * one of them: store_events_due *claims* what it returns for claim_secs (by
 * the database's clock), and until the claim ends or the event is settled
 * no other instance gets it; store_event_update then counts a delivery
 * from any instance and any other move only from the claimant (0 without
 * effect otherwise). id names this instance (its leases' id); without a
 * call, a name made at open ("host:pid:random") and STORE_CLAIM_DEFAULT.
 * SQLite (one instance) ignores it.
 */
#define STORE_CLAIM_DEFAULT 120.0
void store_set_instance(struct store *st, const char *id, double claim_secs);

/* A name for this process among the instances: "host:pid:random". Allocated. */
char *store_instance_name(void);

/*
 * At start: events left 'sending' by a crash go back to 'queued' (shared:
 * only those whose claim ended). Returns the count.
 */
int store_events_requeue_sending(struct store *st);

/*
 * What `events list` and `events show` select, newest first. states is a
 * mask of (1 << enum store_event_state), 0: any; id, channel NULL: any;
 * since: created at or after (unix time), 0: any; limit 0: no limit.
 */
struct store_event_filter {
	const char *id;
	const char *channel;
	unsigned states;
	double since;
	size_t limit;
};

/* The events filter selects. Caller frees each (store_event_clear) and the array. */
int store_events_list(struct store *st, const struct store_event_filter *f,
		      struct store_event **out, size_t *n);

/*
 * The operator's redelivery of event id (events redeliver): a dead,
 * delivered or retry_wait event becomes queued and due at `when`, its age
 * (retry_for) starting again from 0; its id, payload, attempts and last
 * error stay. Not part of the outbox's own moves (outbox_move_legal): the
 * outbox never makes it. 1 moved, 0 when the event is not in one of those
 * states (or unknown), -1 on error. Call inside a transaction.
 */
int store_event_redeliver(struct store *st, const char *id, double when);

/*
 * How long an operation waits for a lock another process holds before it
 * fails (default 5 s). The daemon's loop sets a short wait: nothing on the
 * loop may block on the store for long; it retries later instead.
 */
void store_set_busy_wait(struct store *st, int ms);

/* ---- statements as the read side shows them (issue 18) ---- */

#define STORE_STATEMENTS_DEFAULT 50
#define STORE_STATEMENTS_MAX 500

/* What store_statements selects; a NULL or 0 field selects everything. */
struct store_statement_filter {
	const char *theme;    /* a theme id the statement scored at or above threshold */
	const char *source;   /* a source id */
	const char *language; /* a language as stored (primary subtag, "en") */
	const char *query;    /* FTS5 MATCH syntax over title and text (as store_search) */
	double since;	      /* dated (store_statement.date) at or after, unix time */
	int64_t before;	      /* the page after statement id `before` (the last one shown) */
	size_t limit; /* 0: STORE_STATEMENTS_DEFAULT; more than STORE_STATEMENTS_MAX: that */
};

/* A theme a statement scored at or above threshold, as statement events send it. */
struct store_theme {
	char *id, *label;
	double score;
	char **evidence; /* up to three sentences */
	size_t nevidence;
};

/* One text a statement had. */
struct store_version {
	int number;	   /* 1 for the first text */
	char *title;	   /* the title it had then */
	char *text_sha256; /* hex SHA-256 of the text */
	char *text;	   /* NULL when retention (keep_text_days) dropped it */
	double since;	   /* fetched first with this text (version 1: first seen) */
	/*
	 * Unified diff from the version before (as statement.changed sends it);
	 * NULL for version 1 or when either text was dropped.
	 */
	char *diff;
};

/* One statement (an item of a source). Strings owned (store_statement_clear). */
struct store_statement {
	int64_t id;
	char *source_id;
	char *url; /* as found in the list, without credentials (common/urlcred.h) */
	char *title, *published, *language; /* published: ISO 8601 or NULL */
	long words;
	double date; /* published as unix time, else first seen: the list's order */
	double first_seen, last_seen;
	double updated; /* its current text first fetched (the latest edit), else first seen */
	/*
	 * The themes of its current text: themes_json is the JSON array a
	 * statement event sends ("themes", best first, "[]" when none reached
	 * its threshold) and themes the same parsed; NULL and 0 when the text
	 * was never scored (recorded silently: a baseline, an archive read).
	 */
	char *themes_json;
	struct store_theme *themes;
	size_t nthemes;
	int versions; /* texts recorded: 1 + edits seen; 0 when never read */
	char *diff;   /* the latest edit's diff; NULL when never edited or a text was dropped */
	/* store_statement_get only (NULL/0 in a list): */
	char *final_url; /* after redirects, without credentials */
	char *text;	 /* the current text; NULL when dropped or never read */
	char *raw_sha256, *text_sha256;
	double fetched_at;
	struct store_version *version; /* every version, oldest first; the last is the current */
	size_t nversions;
};

void store_statement_clear(struct store_statement *s);

/*
 * Statements f selects, newest first (by date, then id): the read side's
 * list. Paging by f->before is stable: a page starts after the statement
 * with that id whatever was stored since (an unknown id gives no rows).
 * With a query, a store opened read-write first indexes at most
 * STORE_INDEX_READ_STEP pending statements (about 40 ms): the daemon's page
 * must not hold the loop for a whole catch-up after a large first poll,
 * which daemon/index.c finishes in the background within seconds; until
 * then the newest statements may be missing from a search. Caller clears each and
 * frees the array. -1 with store_error(); errno EINVAL when f->query is
 * not a valid query.
 */
int store_statements(struct store *st, const struct store_statement_filter *f,
		     struct store_statement **out, size_t *n);

/* Statement id whole, with every version and its diff: 1 found, 0 unknown, -1 error. */
int store_statement_get(struct store *st, int64_t id, struct store_statement *out);

/* An instance sharing the store (PostgreSQL's instances; SQLite has none). */
struct store_instance {
	char *id;	  /* "host:pid:random" */
	double started;	  /* unix time */
	double heartbeat; /* unix time of its last heartbeat */
	double age;	  /* s since that heartbeat, by the database's clock */
	long leases;	  /* sources whose lease it holds now */
};
void store_instance_clear(struct store_instance *in);
/* Every instance, in id order. Caller clears each and frees the array. */
int store_instances(struct store *st, struct store_instance **out, size_t *n);

/* Per-channel counts for status. */
struct store_channel_counts {
	long pending, delivered, dead;
	char *last_error; /* of the newest dead or retrying event, or NULL */
};
int store_channel_counts(struct store *st, const char *channel, struct store_channel_counts *out);

#endif
