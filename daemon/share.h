/*
 * daemon/share: this instance's part of the work when several daemons
 * run on one PostgreSQL store (issue 20). In `run` mode on a server's
 * store, a source is polled only while this instance holds its lease
 * (lease.h): the due hook of every source passes here first, a source whose
 * lease is not held goes dormant, and a lease taken over wakes its source
 * once its row (written by the previous owner) has been read again, so the
 * new owner keeps the old one's schedule instead of polling at once. The
 * outbox needs nothing from here: the store claims each event for the
 * instance named by store_set_instance.
 */
#ifndef SW_SHARE_H
#define SW_SHARE_H

#include <stddef.h>

struct daemon;
struct share;
struct source_rt;

/*
 * Joins the instances on d's store: names this instance to the store (its
 * outbox claims), opens the lease connection and sets d->hooks.due. Call
 * before the loop runs, with d->sources made. NULL with err filled when
 * the store is not a server's.
 */
struct share *share_start(struct daemon *d, char *err, size_t errlen);

/* The sources changed (a reload): only these are leased from now on. */
void share_sources(struct share *s);

/* 1 when source_id is polled by this instance now. */
int share_holds(const struct share *s, const char *source_id);

/*
 * A graceful stop: gives every lease back, running the loop until the
 * server answered or SHARE_GIVE_BACK_WAIT passed, so that another instance
 * takes the sources at its next round rather than after their expiry.
 */
void share_give_back(struct share *s);

/* Stops at once (leases expire on their own) and frees s. */
void share_free(struct share *s);

#endif
