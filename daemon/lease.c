/*
 * daemon/lease: the rounds that heartbeat, renew, take and give back
 * source leases (lease.h). One round is a chain of statements on the
 * caller's pg_conn: register new sources, heartbeat (which counts the live
 * instances), renew (whose answer is the authoritative set held), then take
 * up to the fair share or give back what is over it. The statements are
 * those of docs/architecture.md, "PostgreSQL", after
 * ../shared/notes/postgres-shared-state.md §2-§3.
 */
#include "daemon/lease.h"

#include <ev.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/xmalloc.h"
#include "daemon/pg_conn.h"

struct held {
	char *id;
	long long epoch;
	/*
	 * Taken this round from an owner that did not give it back (killed,
	 * or cut off from the server): clock_wall when its lease ran out. It
	 * may have polled until then after its last row was stored. 0 else.
	 */
	double ran_out;
};

/* What a statement's callback gets: outlives l while statements are out. */
struct link {
	struct leases *l; /* NULL once leases_free ran */
	int pending;	  /* statements sent and not answered */
};

struct leases {
	struct ev_loop *loop;
	struct pg_conn *c;
	struct lease_settings s;
	char *instance;
	char *ids_array; /* the sources as a text[] literal */
	char **ids;	 /* sorted */
	size_t nids;
	int register_due;  /* the sources' rows are to be made at the next round */
	struct held *held; /* sorted by id */
	size_t nheld;
	double renew_sent;  /* clock_steady when the last good renewal went out; 0 never */
	double trust_until; /* clock_steady */
	long live, total;
	int in_round, stopping, changed;
	unsigned long rounds, failures;
	ev_timer tick;
	struct link *link;
	void (*stop_done)(void *arg);
	void *stop_arg;
};

static void round_start(struct leases *l);

/*
 * A take or a renewal is trusted as soon as its answer comes, so it must
 * survive a crash of the server: with synchronous_commit off (a setting
 * many servers use for speed) a commit already answered can be lost, the
 * row comes back as it was, and another instance then takes the source
 * while this one still trusts it, at the same epoch. Each such statement
 * turns it on for its own transaction (the commit reads it); giving back
 * needs no such care (a lost give-back only waits for the expiry).
 */
#define DURABLE "SELECT set_config('synchronous_commit', 'on', true)"

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_held(const void *a, const void *b)
{
	return strcmp(((const struct held *)a)->id, ((const struct held *)b)->id);
}

static const struct held *held_find(const struct leases *l, const char *id)
{
	struct held key = {(char *)(uintptr_t)id, 0, 0};

	return l->nheld ? bsearch(&key, l->held, l->nheld, sizeof(key), cmp_held) : NULL;
}

static void held_clear(struct leases *l)
{
	for (size_t i = 0; i < l->nheld; i++)
		free(l->held[i].id);
	free(l->held);
	l->held = NULL;
	l->nheld = 0;
}

/*
 * Adds the rows (source_id, epoch[, seconds since the previous owner's
 * lease ran out, NULL when it was given back]) of res to the held set.
 */
static void held_add_rows(struct leases *l, const PGresult *res)
{
	int n = PQntuples(res), lapse = PQnfields(res) > 2;
	double now = clock_wall();

	if (n <= 0)
		return;
	l->held = xreallocarray(l->held, l->nheld + (size_t)n, sizeof(*l->held));
	for (int i = 0; i < n; i++) {
		struct held *h = &l->held[l->nheld++];

		h->id = xstrdup(PQgetvalue(res, i, 0));
		h->epoch = strtoll(PQgetvalue(res, i, 1), NULL, 10);
		h->ran_out = lapse && !PQgetisnull(res, i, 2)
				 ? now - strtod(PQgetvalue(res, i, 2), NULL)
				 : 0;
	}
	qsort(l->held, l->nheld, sizeof(*l->held), cmp_held);
	l->changed = 1;
}

/* ---- statements ---- */

/* The callback's leases, or NULL when they were freed meanwhile (link freed with the last). */
static struct leases *link_enter(struct link *k)
{
	struct leases *l = k->l;

	if (--k->pending == 0 && l == NULL)
		free(k);
	return l;
}

static void send_sql(struct leases *l, const char *sql, int n, const char *const *p,
		     pg_conn_done_fn *fn)
{
	l->link->pending++;
	pg_conn_query(l->c, sql, n, p, l->s.ttl / 2, fn, l->link);
}

/* A reply that failed: the round ends (the trust window runs out by itself). */
static int reply_failed(struct leases *l, const struct pg_conn_reply *r, const char *what)
{
	if (r->error == NULL)
		return 0;
	if (!r->cancelled)
		log_warnx("leases: %s: %s", what, r->error);
	l->failures++;
	return 1;
}

/* ---- one round ---- */

static void round_end(struct leases *l)
{
	double jitter = (l->s.jitter ? l->s.jitter : clock_jitter_unit)();

	l->in_round = 0;
	l->rounds++;
	if (l->changed && l->s.changed != NULL)
		l->s.changed(l->s.arg);
	l->changed = 0;
	if (l->stopping)
		return;
	ev_timer_stop(l->loop, &l->tick);
	ev_timer_set(&l->tick, l->s.tick * (0.9 + 0.2 * jitter), 0);
	ev_timer_start(l->loop, &l->tick);
}

static void on_taken(const struct pg_conn_reply *r, void *arg)
{
	struct leases *l = link_enter(arg);

	if (l == NULL)
		return;
	if (!reply_failed(l, r, "taking leases") && !l->stopping)
		held_add_rows(l, r->res);
	round_end(l);
}

static void on_given(const struct pg_conn_reply *r, void *arg)
{
	struct leases *l = link_enter(arg);

	if (l == NULL)
		return;
	reply_failed(l, r, "giving leases back");
	round_end(l);
}

/* The held leases to give back: those on sources no longer ours, then any over quota. */
static char *pick_surplus(struct leases *l, long quota, size_t *n)
{
	const char **give = xcalloc(l->nheld + 1, sizeof(*give));
	char *array;
	size_t k = 0, keep = 0;

	for (size_t i = 0; i < l->nheld; i++) {
		const char *id = l->held[i].id;
		int ours = bsearch(&id, l->ids, l->nids, sizeof(*l->ids), cmp_str) != NULL;
		int busy = l->s.busy != NULL && l->s.busy(id, l->s.arg);

		if (!ours || (!busy && (long)(l->nheld - k) > quota))
			give[k++] = id;
		else
			l->held[keep++] = l->held[i];
	}
	array = pg_conn_text_array(give, k);
	for (size_t i = 0; i < k; i++)
		free((char *)(uintptr_t)give[i]);
	free(give);
	l->nheld = keep; /* no longer polled from now on, before the server hears */
	*n = k;
	return array;
}

/* 1 when a held lease is over the quota (plus slack) or on a source no longer ours. */
static int surplus_held(const struct leases *l, long quota)
{
	if ((long)l->nheld > quota + l->s.slack)
		return 1;
	for (size_t i = 0; i < l->nheld; i++)
		if (bsearch(&l->held[i].id, l->ids, l->nids, sizeof(*l->ids), cmp_str) == NULL)
			return 1;
	return 0;
}

/* After the renewal: take up to the fair share, or give back what is over it. */
static void rebalance(struct leases *l)
{
	long quota = l->live > 0 ? (l->total + l->live - 1) / l->live : l->total;
	char ttl[32], want[32], *surplus;
	size_t n;

	snprintf(ttl, sizeof(ttl), "%.3f", l->s.ttl);
	if (surplus_held(l, quota)) {
		surplus = pick_surplus(l, quota, &n);
		const char *p[] = {l->instance, surplus};
		l->changed |= n > 0;
		send_sql(l,
			 "UPDATE source_leases SET owner = NULL, lease_until = '-infinity'"
			 " WHERE owner = $1 AND source_id = ANY ($2::text[])",
			 2, p, on_given);
		free(surplus);
		return;
	}
	if ((long)l->nheld >= quota) {
		round_end(l);
		return;
	}
	snprintf(want, sizeof(want), "%ld", quota - (long)l->nheld);
	const char *p[] = {l->instance, ttl, want, l->ids_array};
	send_sql(l,
		 "WITH durable AS (" DURABLE "),"
		 " c AS MATERIALIZED (SELECT source_id, owner, lease_until FROM source_leases"
		 " WHERE lease_until < now() AND source_id = ANY ($4::text[])"
		 " ORDER BY next_poll_at, md5($1 || source_id) LIMIT $3::bigint"
		 " FOR UPDATE SKIP LOCKED)"
		 " UPDATE source_leases s SET owner = $1,"
		 " lease_until = now() + make_interval(secs => $2::double precision),"
		 " epoch = s.epoch + 1 FROM c, durable WHERE s.source_id = c.source_id"
		 " RETURNING s.source_id, s.epoch, CASE WHEN c.owner IS NOT NULL THEN"
		 " extract(epoch FROM now() - c.lease_until) END",
		 4, p, on_taken);
}

static void on_renewed(const struct pg_conn_reply *r, void *arg)
{
	struct leases *l = link_enter(arg);
	double sent;

	if (l == NULL)
		return;
	sent = l->renew_sent;
	if (reply_failed(l, r, "renewing leases") || l->stopping) {
		round_end(l);
		return;
	}
	/* the answer is what is held: anything missing from it is not */
	l->changed = 1;
	held_clear(l);
	held_add_rows(l, r->res);
	l->trust_until = sent + l->s.ttl - l->s.margin;
	rebalance(l);
}

static void renew(struct leases *l)
{
	char ttl[32];
	const char *p[] = {l->instance, ttl};

	snprintf(ttl, sizeof(ttl), "%.3f", l->s.ttl);
	l->renew_sent = clock_steady();
	/*
	 * A lease that ran out while the server could not be reached is
	 * renewed all the same while it names this instance: nobody took it
	 * (a take names the taker), so nobody polled it meanwhile, and an
	 * outage longer than a lease hands nothing over needlessly.
	 */
	send_sql(l,
		 "UPDATE source_leases SET lease_until = now() + make_interval(secs =>"
		 " $2::double precision) FROM (" DURABLE ") AS durable"
		 " WHERE owner = $1 RETURNING source_id, epoch",
		 2, p, on_renewed);
}

static void on_heartbeat(const struct pg_conn_reply *r, void *arg)
{
	struct leases *l = link_enter(arg);

	if (l == NULL)
		return;
	if (reply_failed(l, r, "heartbeat") || l->stopping || PQntuples(r->res) != 1) {
		round_end(l);
		return;
	}
	l->live = strtol(PQgetvalue(r->res, 0, 0), NULL, 10);
	l->total = strtol(PQgetvalue(r->res, 0, 1), NULL, 10);
	renew(l);
}

/* Stale rows of instances gone an hour go; the rest stay for status. */
static void heartbeat(struct leases *l)
{
	char ttl[32];
	const char *p[] = {l->instance, ttl, l->ids_array};

	snprintf(ttl, sizeof(ttl), "%.3f", l->s.ttl);
	send_sql(l,
		 "WITH me AS (INSERT INTO instances (instance_id) VALUES ($1)"
		 " ON CONFLICT (instance_id) DO UPDATE SET heartbeat_at = now() RETURNING 1),"
		 " gone AS (DELETE FROM instances WHERE heartbeat_at < now() - interval '1 hour')"
		 " SELECT (SELECT count(*) FROM instances WHERE instance_id <> $1 AND"
		 " heartbeat_at > now() - make_interval(secs => $2::double precision)) + 1,"
		 " (SELECT count(*) FROM source_leases WHERE source_id = ANY ($3::text[])),"
		 " (SELECT count(*) FROM me)",
		 3, p, on_heartbeat);
}

static void on_registered(const struct pg_conn_reply *r, void *arg)
{
	struct leases *l = link_enter(arg);

	if (l == NULL)
		return;
	if (reply_failed(l, r, "registering sources") || l->stopping) {
		round_end(l);
		return;
	}
	l->register_due = 0;
	heartbeat(l);
}

static void round_start(struct leases *l)
{
	if (l->in_round || l->stopping)
		return;
	l->in_round = 1;
	if (l->register_due) {
		const char *p[] = {l->ids_array};

		send_sql(l,
			 "INSERT INTO source_leases (source_id) SELECT unnest($1::text[])"
			 " ON CONFLICT (source_id) DO NOTHING",
			 1, p, on_registered);
		return;
	}
	heartbeat(l);
}

static void on_tick(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	round_start(w->data);
}

/* ---- the interface ---- */

static void settle_settings(struct lease_settings *s)
{
	if (s->ttl <= 0)
		s->ttl = 30;
	if (s->tick <= 0)
		s->tick = s->ttl / 3;
	if (s->margin <= 0 || s->margin >= s->ttl)
		s->margin = s->ttl / 10;
	if (s->slack <= 0)
		s->slack = 1;
}

struct leases *leases_new(struct ev_loop *loop, struct pg_conn *c, const struct lease_settings *s)
{
	struct leases *l = xcalloc(1, sizeof(*l));

	l->loop = loop;
	l->c = c;
	l->s = *s;
	settle_settings(&l->s);
	l->instance = xstrdup(s->instance);
	l->s.instance = l->instance;
	l->ids_array = xstrdup("{}");
	l->link = xcalloc(1, sizeof(*l->link));
	l->link->l = l;
	ev_timer_init(&l->tick, on_tick, 0, 0);
	l->tick.data = l;
	ev_timer_start(loop, &l->tick); /* the first round at once */
	return l;
}

void leases_set_sources(struct leases *l, const char *const *ids, size_t n)
{
	for (size_t i = 0; i < l->nids; i++)
		free(l->ids[i]);
	free(l->ids);
	l->ids = xcalloc(n + 1, sizeof(*l->ids));
	for (size_t i = 0; i < n; i++)
		l->ids[i] = xstrdup(ids[i]);
	l->nids = n;
	qsort(l->ids, n, sizeof(*l->ids), cmp_str);
	free(l->ids_array);
	l->ids_array = pg_conn_text_array((const char *const *)l->ids, n);
	l->register_due = 1;
}

int leases_held(const struct leases *l, const char *source_id, long long *epoch)
{
	const struct held *h = held_find(l, source_id);

	if (h == NULL || l->stopping || clock_steady() >= l->trust_until)
		return 0;
	if (epoch != NULL)
		*epoch = h->epoch;
	return 1;
}

double leases_ran_out(const struct leases *l, const char *source_id)
{
	const struct held *h = held_find(l, source_id);

	return h != NULL ? h->ran_out : 0;
}

void leases_counts(const struct leases *l, struct lease_counts *out)
{
	int trusted = !l->stopping && clock_steady() < l->trust_until;

	out->held = trusted ? l->nheld : 0;
	out->live = l->live;
	out->sources = l->total;
	out->renewed_ago = l->renew_sent > 0 ? clock_steady() - l->renew_sent : -1;
	out->rounds = l->rounds;
	out->failures = l->failures;
}

static void on_released(const struct pg_conn_reply *r, void *arg)
{
	struct leases *l = link_enter(arg);

	if (l == NULL)
		return;
	reply_failed(l, r, "giving every lease back");
	if (l->stop_done != NULL)
		l->stop_done(l->stop_arg);
	l->stop_done = NULL;
}

void leases_stop(struct leases *l, void (*done)(void *arg), void *arg)
{
	const char *p[] = {l->instance};

	l->stopping = 1;
	ev_timer_stop(l->loop, &l->tick);
	held_clear(l);
	l->stop_done = done;
	l->stop_arg = arg;
	send_sql(l,
		 "WITH r AS (UPDATE source_leases SET owner = NULL, lease_until = '-infinity'"
		 " WHERE owner = $1 RETURNING 1) DELETE FROM instances WHERE instance_id = $1",
		 1, p, on_released);
}

void leases_free(struct leases *l)
{
	if (l == NULL)
		return;
	ev_timer_stop(l->loop, &l->tick);
	if (l->link->pending > 0)
		l->link->l = NULL; /* the last answer frees the link */
	else
		free(l->link);
	held_clear(l);
	for (size_t i = 0; i < l->nids; i++)
		free(l->ids[i]);
	free(l->ids);
	free(l->ids_array);
	free(l->instance);
	free(l);
}
