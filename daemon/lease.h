/*
 * daemon/lease: sources shared by several instances through PostgreSQL
 * (issue 20). An instance polls a source only while it holds the source's
 * lease: a row of source_leases with its owner, an expiry the owner renews
 * and an epoch that grows at each take-over (share.c's tenure; a fencing
 * token a poll's writes could check, which they do not yet). Instances
 * know each other only through the database: each heartbeats a row of
 * `instances`, counts the live ones and takes its fair share
 * (ceil(sources / live)) of the free or expired leases, giving back what
 * it holds over that share plus a slack.
 *
 * Everything runs on the daemon's loop through a pg_conn (non-blocking);
 * every comparison of lease times is made by the server against now(), so
 * instances' clocks never decide. A lease counts as held only inside the
 * trust window: from the moment its last successful renewal was *sent*
 * (clock_steady) for ttl minus a margin. When the server cannot be reached
 * the window closes and the instance stops polling by itself, before
 * another instance may take the lease over.
 */
#ifndef SW_LEASE_H
#define SW_LEASE_H

#include <stddef.h>

struct ev_loop;
struct pg_conn;
struct leases;

struct lease_settings {
	const char *instance;	/* unique to this process: "host:pid:random" */
	double ttl;		/* s a lease lasts unrenewed; default 30 */
	double tick;		/* s between rounds; default ttl / 3 */
	double margin;		/* s of the trust window kept back; default ttl / 10 */
	long slack;		/* leases held over the fair share before giving any back; 1 */
	double (*jitter)(void); /* [0, 1): a round's ±10 %; NULL: clock_jitter_unit */
	/* A source being polled now is never given back; NULL: none are. */
	int (*busy)(const char *source_id, void *arg);
	/*
	 * After every round whose renewal was answered: what is held may have
	 * changed, or trust come back after a lapse (leases_held said 0 in
	 * between). May be NULL.
	 */
	void (*changed)(void *arg);
	void *arg;
};

/*
 * Starts taking part (the first round at once, from the loop). The tables
 * are the store's (daemon/store_pg_schema.c); c stays the caller's and must
 * outlive l. s and its strings are copied.
 */
struct leases *leases_new(struct ev_loop *loop, struct pg_conn *c, const struct lease_settings *s);

/*
 * The sources this instance polls (copied): their rows are made at the
 * next round when missing, and only they are taken. Leases on sources no
 * longer listed are given back.
 */
void leases_set_sources(struct leases *l, const char *const *ids, size_t n);

/* 1 when source_id's lease is held and trusted now, with its epoch in *epoch (may be NULL). */
int leases_held(const struct leases *l, const char *source_id, long long *epoch);

/*
 * For a lease the last round took from an owner that did not give it back
 * (it died, or lost the server): the unix time its lease ran out, until
 * which it may have polled the source without storing its row. 0 for any
 * other lease, and from the next round on.
 */
double leases_ran_out(const struct leases *l, const char *source_id);

/* Counts for status: leases held and trusted, live instances (this one included), sources. */
struct lease_counts {
	size_t held;
	long live, sources;
	double renewed_ago; /* s since the last renewal was sent; < 0: never */
	unsigned long rounds, failures;
};
void leases_counts(const struct leases *l, struct lease_counts *out);

/*
 * Gives every lease back (a graceful stop: another instance takes them
 * at its next round) and stops the rounds; done is called once, from the
 * loop, when the server answered or the connection failed.
 */
void leases_stop(struct leases *l, void (*done)(void *arg), void *arg);

/* Stops at once (nothing given back: the leases expire) and frees l. */
void leases_free(struct leases *l);

#endif
