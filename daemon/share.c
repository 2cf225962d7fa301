/*
 * daemon/share: leases wired into the schedule (share.h). The lease rounds
 * run on the loop over their own connection (lease.c, pg_conn.c); the
 * source row read at a take-over is a store job, like every other store
 * access while the loop runs.
 */
#include "daemon/share.h"

#include <ev.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/log.h"
#include "common/xmalloc.h"
#include "config/config.h"
#include "daemon/daemon_int.h"
#include "daemon/lease.h"
#include "daemon/outbox.h"
#include "daemon/pg_conn.h"
#include "daemon/poll_record.h"
#include "daemon/store.h"
#include "daemon/store_jobs.h"

#define SHARE_GIVE_BACK_WAIT 3.0 /* s a stop waits for the leases to be given back */
/*
 * The outbox is woken by this instance's own events; those another
 * instance wrote and could not send (it died, or its claims ran out) are
 * found by a look every SHARE_OUTBOX_LOOK seconds.
 */
#define SHARE_OUTBOX_LOOK 10.0
/*
 * A claimed event returns to the others CLAIM_PER_TTL lease times after
 * its claim, at least CLAIM_MIN seconds: longer than a send takes, so that
 * a slow send is not sent twice, short enough for a failover.
 */
#define CLAIM_PER_TTL 4.0
#define CLAIM_MIN 10.0

struct share {
	struct daemon *d;
	char *instance;
	struct pg_conn *conn;
	struct leases *leases;
	int given_back;
	ev_timer outbox_look;
};

/* A take-over's read of the source's row, the previous owner's latest. */
struct wake_job {
	struct share *s;
	char *id;
	long long epoch; /* the tenure it was read for */
	double ran_out;	 /* leases_ran_out at the take */
	struct store_source row;
	int found; /* store_source_get's answer: 1 found, 0 none, -1 failed */
	char err[512];
};

static struct source_rt *source_named(struct daemon *d, const char *id)
{
	for (size_t i = 0; i < d->nsources; i++)
		if (strcmp(d->sources[i]->id, id) == 0)
			return d->sources[i];
	return NULL;
}

/* lease_settings.busy: a source being polled keeps its lease. */
static int lease_busy(const char *id, void *arg)
{
	struct share *s = arg;
	struct source_rt *rt = source_named(s->d, id);

	/*
	 * A quiet poll's row still in memory, or on its way, goes to the store
	 * first: the next owner reads it to keep the schedule.
	 */
	return rt != NULL && (source_busy(rt) || rt->src_dirty || s->d->flushes_out > 0);
}

/* The hooks' due: the poll goes ahead only under the lease. */
static void share_due(struct source_rt *rt)
{
	struct share *s = rt->d->share;

	if (!share_holds(s, rt->id)) {
		/* dormant until a round confirms or takes its lease (lease_changed) */
		log_debug("source=%s not polled: its lease is not held now", rt->id);
		return;
	}
	poll_start(rt);
}

static void wake_work(struct store *st, void *arg)
{
	struct wake_job *j = arg;

	j->found = store_source_get(st, j->id, &j->row);
	if (j->found < 0)
		snprintf(j->err, sizeof(j->err), "%s", store_error(st));
}

/*
 * The row read keeps the previous owner's schedule: the delay to the first
 * poll. A quiet poll of this instance's own not yet flushed (an earlier
 * tenure, lost by expiry) is kept when it is the newer: the flush writes
 * it. A read that failed leaves no schedule to keep: the row in memory
 * (from the start, or an earlier tenure) may be older than the previous
 * owner's polls, so it is forgotten (the poll reads it first) and the poll
 * waits an interval after the previous owner's last possible poll: the end
 * of a lease that ran out, or now for one given back.
 */
static double wake_adopt(struct source_rt *rt, struct wake_job *j)
{
	if (j->found < 0) {
		log_warnx("source=%s cannot read its row after taking its lease: %s: polled an "
			  "interval after its last owner could have",
			  rt->id, j->err);
		if (!rt->src_dirty) {
			store_source_clear(&rt->src);
			memset(&rt->src, 0, sizeof(rt->src));
			rt->src_known = 0;
		}
		return j->ran_out > 0 ? schedule_takeover_delay(rt, j->ran_out)
				      : schedule_interval(rt);
	}
	if (j->found > 0 && !(rt->src_dirty && rt->src.last_poll >= j->row.last_poll)) {
		if (rt->src_dirty) {
			rt->src_dirty = 0;
			rt->d->ndirty--;
		}
		store_source_clear(&rt->src);
		rt->src = j->row;
		memset(&j->row, 0, sizeof(j->row));
		rt->src_known = 1;
		rt->failures = rt->src.failures;
	}
	return schedule_takeover_delay(rt, j->ran_out);
}

/*
 * Its row read: the timer is armed from it, whatever armed it meanwhile
 * (the start's first read answering late, a reload), unless a poll is out
 * (its end arms the timer) or the tenure is over. The first poll's time
 * goes into the row in memory too: should the lease be unconfirmed at this
 * moment, wake_dormant arms the timer from it at the round that confirms.
 */
static void wake_done(void *arg, int cancelled)
{
	struct wake_job *j = arg;
	struct daemon *d = j->s->d;
	struct source_rt *rt = cancelled ? NULL : source_named(d, j->id);

	if (rt != NULL && rt->lease_epoch == 0)
		rt->waking = 0; /* lost meanwhile: the next take reads again */
	if (rt != NULL && rt->waking && rt->lease_epoch == j->epoch) {
		rt->waking = 0; /* else a newer tenure's read is out */
		if (!d->stopping && !source_busy(rt)) {
			double delay = wake_adopt(rt, j);

			poll_record_schedule(rt, delay);
			if (share_holds(j->s, rt->id)) {
				log_info(
				    "source=%s taken over: polled by this instance from now on",
				    rt->id);
				schedule_at(rt, delay);
			}
		}
	}
	store_source_clear(&j->row);
	free(j->id);
	free(j);
}

static void wake(struct share *s, struct source_rt *rt)
{
	struct wake_job *j = xcalloc(1, sizeof(*j));

	j->s = s;
	j->id = xstrdup(rt->id);
	j->epoch = rt->lease_epoch;
	j->ran_out = leases_ran_out(s->leases, rt->id);
	rt->waking = 1;
	store_jobs_submit(s->d->jobs, wake_work, wake_done, j);
}

/*
 * A source held since the last round with no timer, no poll and no read
 * out fell due while the lease could not be confirmed (the trust window
 * closed, share_due): now it is, the poll comes soon.
 */
static void wake_dormant(struct source_rt *rt)
{
	if (ev_is_active(&rt->timer) || source_busy(rt) || rt->waking || rt->cfg == NULL)
		return;
	log_info("source=%s lease confirmed again: polled by this instance", rt->id);
	/* a row not known (its read failed at the take) may be older than others' polls */
	schedule_at(rt, rt->src_known ? schedule_first_delay(rt) : schedule_interval(rt));
}

/*
 * lease_settings.changed, after each round: a lease taken (a new epoch)
 * wakes its source from the row its last owner left (a timer armed before,
 * at the start or in an earlier tenure, may be older than that owner's
 * polls), a lease kept wakes a source left dormant, a lease lost puts its
 * source to sleep.
 */
static void lease_changed(void *arg)
{
	struct share *s = arg;
	struct daemon *d = s->d;

	if (d->stopping)
		return;
	for (size_t i = 0; i < d->nsources; i++) {
		struct source_rt *rt = d->sources[i];
		long long epoch = 0;

		if (leases_held(s->leases, rt->id, &epoch) && epoch != rt->lease_epoch) {
			rt->lease_epoch = epoch;
			ev_timer_stop(d->loop, &rt->timer);
			/*
			 * Even while a job of it is out: the store's jobs come back in
			 * order, so this read's answer comes after the start's read
			 * (whose answer arms the timer from an older row) and wins.
			 */
			wake(s, rt);
		} else if (epoch != 0) {
			wake_dormant(rt);
		} else if (rt->lease_epoch != 0) {
			rt->lease_epoch = 0;
			ev_timer_stop(d->loop, &rt->timer);
			log_info("source=%s lease given up: another instance polls it", rt->id);
		}
	}
}

static struct pg_conn *lease_conn(struct daemon *d, const char *conninfo)
{
	struct pg_conn_settings cs = {0};

	(void)d;
	cs.conninfo = conninfo;
	cs.application_name = "speechwatch leases";
	return pg_conn_new(d->loop, &cs);
}

static double claim_secs(double ttl)
{
	return ttl * CLAIM_PER_TTL > CLAIM_MIN ? ttl * CLAIM_PER_TTL : CLAIM_MIN;
}

/* ev_timer callback: events of other instances may be due here. */
static void outbox_look_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct share *s = w->data;

	(void)loop;
	(void)revents;
	if (!s->d->stopping && s->d->outbox)
		outbox_kick(s->d->outbox);
}

struct share *share_start(struct daemon *d, char *err, size_t errlen)
{
	char *conninfo = store_server_conninfo(store_location(d->store));
	struct lease_settings ls = {0};
	struct share *s;

	if (conninfo == NULL) {
		err_set(err, errlen, "%s is not a server's store: nothing to share",
			store_location(d->store));
		return NULL;
	}
	s = xcalloc(1, sizeof(*s));
	s->d = d;
	s->instance = store_instance_name();
	store_set_instance(d->store, s->instance, claim_secs(d->cfg->daemon.lease_ttl));
	s->conn = lease_conn(d, conninfo);
	free(conninfo);
	ls.instance = s->instance;
	ls.ttl = d->cfg->daemon.lease_ttl;
	ls.busy = lease_busy;
	ls.changed = lease_changed;
	ls.arg = s;
	s->leases = leases_new(d->loop, s->conn, &ls);
	d->share = s;
	d->hooks.due = share_due;
	share_sources(s);
	ev_timer_init(&s->outbox_look, outbox_look_cb, SHARE_OUTBOX_LOOK, SHARE_OUTBOX_LOOK);
	s->outbox_look.data = s;
	ev_timer_start(d->loop, &s->outbox_look);
	ev_unref(d->loop); /* a look to come keeps nothing running */
	log_info("sharing: instance %s, leases of %.0fs", s->instance, ls.ttl);
	return s;
}

void share_sources(struct share *s)
{
	struct daemon *d = s->d;
	const char **ids = xcalloc(d->nsources + 1, sizeof(*ids));

	for (size_t i = 0; i < d->nsources; i++)
		ids[i] = d->sources[i]->id;
	leases_set_sources(s->leases, ids, d->nsources);
	free(ids);
}

int share_holds(const struct share *s, const char *source_id)
{
	return leases_held(s->leases, source_id, NULL);
}

static void given_back(void *arg)
{
	struct share *s = arg;

	s->given_back = 1;
}

static void give_back_timeout(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct share *s = w->data;

	(void)loop;
	(void)revents;
	log_warnx("stop: the leases were not given back within %.0fs: they expire instead",
		  SHARE_GIVE_BACK_WAIT);
	s->given_back = 1;
}

void share_give_back(struct share *s)
{
	ev_timer bound;

	if (s == NULL || s->given_back)
		return;
	ev_timer_init(&bound, give_back_timeout, SHARE_GIVE_BACK_WAIT, 0.0);
	bound.data = s;
	ev_timer_start(s->d->loop, &bound);
	leases_stop(s->leases, given_back, s);
	while (!s->given_back)
		ev_run(s->d->loop, EVRUN_ONCE);
	ev_timer_stop(s->d->loop, &bound);
}

void share_free(struct share *s)
{
	if (s == NULL)
		return;
	ev_ref(s->d->loop);
	ev_timer_stop(s->d->loop, &s->outbox_look);
	leases_free(s->leases);
	pg_conn_free(s->conn);
	free(s->instance);
	free(s);
}
