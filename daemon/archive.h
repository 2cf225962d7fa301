/*
 * daemon/archive: first_poll = archive. A source's first poll records its
 * items silently, as a baseline does, and then reads the texts of the
 * newest archive_max of them so that search finds them: no events, within
 * the source's own limits (the per-poll article cap, the fetch queue's
 * per-host slots). What is still to read is what the store holds without a
 * text and never fetched (store_items_unread): a restart, a stop or a
 * crash resumes there, and switching an existing source to archive back-
 * fills it the same way. Each text is stored at once, in a transaction of
 * its own, so nothing read is lost.
 */
#ifndef SW_ARCHIVE_H
#define SW_ARCHIVE_H

#include "config/config.h"

struct list_items;
struct source_rt;
struct store_item;

/* The source's first_poll: its own, else the [daemon] default. */
enum config_first_poll archive_first_poll(const struct source_rt *rt);

/*
 * How many of the source's newest items its archive reads at most: its
 * archive_max, else the [daemon] default. What is still to read is asked
 * of the store with the poll's other questions (daemon/detect_lookup.h).
 */
long archive_max_items(const struct source_rt *rt);

/*
 * An archived item whose page answered but could not be read (a 4xx, no
 * parse): known (the stored item) is marked fetched now, so that it is not
 * tried at every poll (a store job; known is taken over). A timeout or a
 * 5xx leaves it to the next poll.
 */
void archive_give_up(struct source_rt *rt, struct store_item *known);

#endif
