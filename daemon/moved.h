/*
 * daemon/moved: statements a source lists again under new URLs. Each such
 * item is recorded without an alert (article_fetch.c); when most of a
 * poll's new items turn out to be known texts, the site has moved its pages
 * and the poll raises one source.changed per channel instead of N alerts.
 */
#ifndef SW_MOVED_H
#define SW_MOVED_H

struct article_moved;
struct event_rows;
struct source_rt;
struct store;

/* Moved items a poll needs at least, and at least half of its new items read, to be a move. */
#define MOVED_MIN_ITEMS 3

/*
 * Can two titles name the same statement? Equal, or one inside the other,
 * comparing letters and digits only (ASCII case folded); an empty or
 * missing title agrees with any. A text shared by statements of different
 * titles (a sidebar or a boilerplate note extracted from every page) does
 * not make them one.
 */
int moved_titles_agree(const char *a, const char *b);

/* Do the poll's moved items (m, at the poll's end) make a mass move of the site? */
int moved_is_migration(const struct article_moved *m);

/*
 * A move of more items than a poll reads (its article cap) spreads over
 * several polls: a source.changed of the source within this many seconds
 * keeps the next one to the log.
 */
#define MOVED_QUIET 86400.0

/*
 * One source.changed event per channel that takes rt's source, built on the
 * loop into ev, for moved_notice_write.
 */
void moved_notice_events(const struct source_rt *rt, const struct article_moved *m, double now,
			 struct event_rows *ev);

/*
 * On the store's side, inside the transaction recording the moved items
 * (so that neither exists without the other): inserts ev, or none, setting
 * *repeat, when a source.changed of source_id was queued within
 * MOVED_QUIET. Returns how many, or -1 on a store error (the caller rolls
 * back).
 */
long moved_notice_write(struct store *st, const char *source_id, const struct event_rows *ev,
			double now, int *repeat);

/* After the commit: the warning in the log. */
void moved_report(const struct source_rt *rt, const struct article_moved *m, long queued);

#endif
