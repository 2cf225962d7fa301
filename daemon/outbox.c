#include "daemon/outbox_int.h"

#include <ev.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/xmalloc.h"
#include "config/config.h"
#include "daemon/channels.h"
#include "daemon/metrics.h"
#include "daemon/store.h"
#include "daemon/store_jobs.h"
#include "notify/notify.h"

enum { JOB_RECORD = 1 };

struct chan *outbox_chan_find(struct outbox *ob, const char *id)
{
	for (size_t i = 0; i < ob->nchans; i++)
		if (strcmp(ob->ids[i], id) == 0)
			return &ob->chans[i];
	return NULL;
}

int outbox_busy_with(const struct outbox *ob, const char *id)
{
	for (const struct send *s = ob->in_flight; s; s = s->next)
		for (size_t i = 0; i < s->nev; i++)
			if (strcmp(s->evs[i].id, id) == 0)
				return 1;
	for (size_t i = 0; i < ob->ntried; i++)
		if (strcmp(ob->tried[i], id) == 0)
			return 1;
	return 0;
}

static void mark_tried(struct outbox *ob, const char *id)
{
	if (!ob->env.once)
		return;
	ob->tried = xreallocarray(ob->tried, ob->ntried + 1, sizeof(*ob->tried));
	ob->tried[ob->ntried++] = xstrdup(id);
}

struct outbox *outbox_scheduler(struct outbox *ob)
{
	return ob->retired_cfg && ob->owner ? ob->owner : ob;
}

static double earliest(double a, double b)
{
	if (a <= 0)
		return b;
	return b <= 0 || a < b ? a : b;
}

/* An event became pending with this next attempt. */
static void note_due(struct outbox *ob, double when)
{
	ob->next_due = earliest(ob->next_due, when);
	ob->noted = earliest(ob->noted, when);
}

void outbox_set_next_due(struct outbox *ob, double read)
{
	ob->next_due = earliest(read, ob->noted);
}

void outbox_submit(struct outbox *ob, struct outbox_job *j, store_job_done_fn *done)
{
	j->link = ob->link;
	ob->link->jobs++;
	store_jobs_submit(ob->env.jobs, outbox_job_work, done, j);
}

struct outbox *outbox_back(struct outbox_job *j, int cancelled)
{
	struct outbox_link *l = j->link;
	struct outbox *ob = l->ob;

	l->jobs--;
	if (ob == NULL && l->jobs == 0)
		free(l);
	return cancelled ? NULL : ob;
}

static void unlink_send(struct outbox *ob, struct send *s)
{
	for (struct send **p = &ob->in_flight; *p; p = &(*p)->next) {
		if (*p == s) {
			*p = s->next;
			ob->nflight--;
			return;
		}
	}
}

/* The moves of design.md; everything else is a bug and is refused. */
int outbox_move_legal(enum store_event_state from, enum store_event_state to)
{
	switch (from) {
	case EVENT_QUEUED:
	case EVENT_RETRY_WAIT:
		return to == EVENT_SENDING || to == EVENT_DEAD;
	case EVENT_SENDING:
		/* queued: the send was cancelled by a stop and is tried again at the next start */
		return to == EVENT_DELIVERED || to == EVENT_RETRY_WAIT || to == EVENT_DEAD ||
		       to == EVENT_QUEUED;
	case EVENT_DELIVERED:
	case EVENT_DEAD:
		break;
	}
	return 0;
}

/* The level of a move's log line: what the operator should notice is the state entered. */
typedef void move_log_fn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static move_log_fn *const move_log[] = {
    [EVENT_QUEUED] = log_debug,	    [EVENT_SENDING] = log_debug, [EVENT_DELIVERED] = log_info,
    [EVENT_RETRY_WAIT] = log_warnx, [EVENT_DEAD] = log_err,
};

void outbox_log_move(const struct outbox_item *it, int recorded)
{
	const struct store_event *ev = &it->ev;

	move_log[ev->state]("event=%s channel=%s %s (%s -> %s%s)", ev->id, ev->channel, it->why,
			    store_event_state_name(it->from), store_event_state_name(ev->state),
			    recorded ? "" : ", not yet recorded");
}

int outbox_move(struct outbox *ob, struct store_event *ev, enum store_event_state to,
		const char *why)
{
	if (!outbox_move_legal(ev->state, to)) {
		log_err("event=%s channel=%s illegal move %s -> %s refused: %s", ev->id,
			ev->channel, store_event_state_name(ev->state), store_event_state_name(to),
			why);
		return -1;
	}
	ev->state = to;
	if (to == EVENT_QUEUED || to == EVENT_RETRY_WAIT)
		note_due(outbox_scheduler(ob), ev->next_attempt);
	if (to == EVENT_SENDING)
		ev->attempts++;
	if (to == EVENT_DELIVERED)
		ev->delivered_at = clock_wall();
	return 0;
}

void outbox_count(struct outbox *ob, const struct store_event *ev)
{
	if (ev->state == EVENT_DELIVERED || ev->state == EVENT_RETRY_WAIT ||
	    ev->state == EVENT_DEAD)
		metrics_add(ob->env.metrics, METRIC_DELIVERIES, ev->channel,
			    store_event_state_name(ev->state), 1);
}

struct outbox_job *outbox_record_new(void)
{
	struct outbox_job *j = outbox_job_new(NULL, 0);

	j->kind = JOB_RECORD;
	j->each_write = 1; /* outcomes stand: each is written, or kept to be */
	return j;
}

int outbox_enter_into(struct outbox *ob, struct store_event *ev, enum store_event_state to,
		      const char *why, struct outbox_job *rec)
{
	enum store_event_state from = ev->state;
	struct outbox_item *it;

	if (outbox_move(ob, ev, to, why) < 0)
		return -1;
	outbox_count(ob, ev);
	it = outbox_job_add(rec, OUTBOX_ITEM_MOVE, ev);
	it->from = from;
	it->why = xstrdup(why);
	return 0;
}

int outbox_enter(struct outbox *ob, struct store_event *ev, enum store_event_state to,
		 const char *why)
{
	struct outbox_job *rec = outbox_record_new();
	int rc = outbox_enter_into(ob, ev, to, why, rec);

	outbox_record(ob, rec);
	return rc;
}

/* An outcome the store refused: it stands, and is written again before anything starts. */
static void record_refused(struct outbox *ob, const struct outbox_item *it, const char *err)
{
	struct outbox *sched = outbox_scheduler(ob);
	char what[160];

	snprintf(what, sizeof(what), "event=%s cannot record state %s", it->ev.id,
		 store_event_state_name(it->ev.state));
	outbox_fault_trouble(&sched->fault, what, err);
	if (it->ev.state == EVENT_SENDING) /* the row is as before: the event is due again */
		return;
	outbox_log_move(it, 0);
	outbox_fault_keep(&sched->fault, &it->ev);
}

/* done of a record job: the moves are logged as written, or kept. */
static void record_done(void *arg, int cancelled)
{
	struct outbox_job *j = arg;
	struct outbox *ob = outbox_back(j, cancelled);
	int refused = 0;

	if (ob != NULL) {
		for (size_t i = 0; i < j->nitems; i++) {
			if (j->items[i].written) {
				outbox_log_move(&j->items[i], 1);
				outbox_fault_recovered(&outbox_scheduler(ob)->fault);
			} else {
				record_refused(ob, &j->items[i], j->err);
				refused = 1;
			}
		}
		if (refused && !outbox_scheduler(ob)->looking)
			outbox_arm_next(outbox_scheduler(ob)); /* the back-off */
		outbox_reap_if_drained(ob);
		outbox_finished(ob);
	}
	outbox_job_free(j);
}

void outbox_record(struct outbox *ob, struct outbox_job *j)
{
	if (j->nitems == 0) {
		outbox_job_free(j);
		return;
	}
	outbox_submit(ob, j, record_done);
}

static void set_last_error(struct store_event *ev, const char *detail)
{
	free(ev->last_error);
	ev->last_error = xstrdup_or_null(detail);
}

/*
 * A failed attempt: retried after the schedule's delay, or dead once the
 * event's own age (its attempts and the waits between them, on the
 * monotonic clock) reaches retry_for. No wall clock takes part, so a clock
 * that was days slow and then corrected does not age an event at once.
 */
static void judge_retry(struct send *s, struct store_event *ev, const struct notify_outcome *o,
			struct outbox_job *rec)
{
	double retry_for = s->ch->cfg ? s->ch->cfg->retry_for : 72 * 3600.0;
	double age = ev->age + (clock_mono() - s->started), delay;
	char why[400];

	if (age >= retry_for) {
		snprintf(why, sizeof(why), "dead-lettered after %ld attempts over %.0fs: %s",
			 ev->attempts, age, log_esc(o->detail, 200));
		outbox_enter_into(s->ob, ev, EVENT_DEAD, why, rec);
		return;
	}
	delay = notify_retry_delay((int)ev->attempts, o->retry_after_s, s->jitter);
	ev->next_attempt = clock_steady() + delay;
	ev->age = age + delay;
	snprintf(why, sizeof(why), "attempt=%ld failed, retry in %.0fs: %s", ev->attempts, delay,
		 log_esc(o->detail, 200));
	outbox_enter_into(s->ob, ev, EVENT_RETRY_WAIT, why, rec);
}

/*
 * A 410 Gone: the receiver asks for no more sends. The channel sends nothing
 * until a reload builds it again; its events, this one too, stay pending.
 */
static void disable_channel(struct outbox *ob, struct chan *ch, const char *id)
{
	if (ch->gone)
		return;
	ch->gone = 1;
	ob->gone_ids = xreallocarray(ob->gone_ids, ob->ngone + 1, sizeof(*ob->gone_ids));
	ob->gone_ids[ob->ngone++] = xstrdup(id);
	log_err("channel=%s answered 410 Gone: channel DISABLED until reload; its events stay "
		"pending",
		id);
}

/* The channel's answer to an attempt moves ev on from sending; the write goes into rec. */
static void judge(struct send *s, struct store_event *ev, const struct notify_outcome *o,
		  struct outbox_job *rec)
{
	char why[400];

	set_last_error(ev, o->verdict == NOTIFY_DELIVERED ? NULL : o->detail);
	switch (o->verdict) {
	case NOTIFY_DELIVERED:
		snprintf(why, sizeof(why), "type=%s delivered attempt=%ld status=%ld", ev->type,
			 ev->attempts, o->status);
		outbox_enter_into(s->ob, ev, EVENT_DELIVERED, why, rec);
		break;
	case NOTIFY_RETRY:
		judge_retry(s, ev, o, rec);
		break;
	case NOTIFY_PERMANENT:
		snprintf(why, sizeof(why), "dead-lettered (permanent): %s",
			 log_esc(o->detail, 200));
		outbox_enter_into(s->ob, ev, EVENT_DEAD, why, rec);
		break;
	case NOTIFY_GONE:
		disable_channel(s->ob, s->ch, ev->channel);
		ev->next_attempt = clock_steady(); /* due again as soon as a reload enables it */
		outbox_enter_into(
		    s->ob, ev, EVENT_RETRY_WAIT,
		    "answered 410 Gone: channel disabled until reload; event kept pending", rec);
		break;
	}
}

static void send_free(struct send *s)
{
	for (size_t i = 0; i < s->nev; i++)
		store_event_clear(&s->evs[i]);
	free(s->evs);
	free(s);
}

static void unlink_retired(struct outbox *ob)
{
	for (struct outbox **p = &ob->owner->retired; *p; p = &(*p)->next_retired) {
		if (*p == ob) {
			*p = ob->next_retired;
			return;
		}
	}
}

static void retired_free(struct outbox *ob)
{
	struct config *cfg = ob->retired_cfg;

	unlink_retired(ob);
	outbox_free(ob);
	config_free(cfg);
}

/* ev_timer callback of a drained retired outbox (its channels' callbacks are over). */
static void reap_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)revents;
	ev_timer_stop(loop, w);
	retired_free(w->data);
}

/*
 * Not from send_done itself: a channel must not be freed inside its own
 * callback. Its answers out must be back too: they are written for it.
 */
void outbox_reap_if_drained(struct outbox *ob)
{
	if (!ob->retired_cfg || ob->nflight > 0 || ob->link->jobs > 0)
		return;
	ev_timer_stop(ob->env.loop, &ob->timer);
	ev_timer_init(&ob->timer, reap_cb, 0.0, 0.0);
	ob->timer.data = ob;
	ev_timer_start(ob->env.loop, &ob->timer);
}

void outbox_finished(struct outbox *ob)
{
	if (ob->env.work_finished)
		ob->env.work_finished(ob->env.arg);
}

void outbox_arm_next(struct outbox *ob)
{
	double delay;

	ev_timer_stop(ob->env.loop, &ob->timer);
	if (ob->stopped || ob->env.once)
		return;
	if (ob->fault.failing) {
		ev_timer_set(&ob->timer, outbox_fault_next_backoff(&ob->fault), 0.0);
		ev_timer_start(ob->env.loop, &ob->timer);
		return;
	}
	if (ob->next_due <= 0)
		return;
	delay = ob->next_due - clock_steady();
	ev_timer_set(&ob->timer, delay < 0.05 ? 0.05 : delay, 0.0);
	ev_timer_start(ob->env.loop, &ob->timer);
}

/* notify_done_fn */
static void send_done(const struct notify_outcome *o, void *arg)
{
	struct send *s = arg;
	struct outbox *ob = s->ob;
	struct outbox_job *rec = outbox_record_new();

	unlink_send(ob, s);
	for (size_t i = 0; i < s->nev; i++) {
		if (o->cancelled) /* shutting down: try again at the next start */
			outbox_enter_into(ob, &s->evs[i], EVENT_QUEUED, "send cancelled", rec);
		else
			judge(s, &s->evs[i], o, rec);
	}
	send_free(s);
	outbox_record(ob, rec); /* holds a retired ob until its answer is back */
	if (o->cancelled)
		return;
	if (ob->retired_cfg) /* a retry is the current outbox's to schedule */
		outbox_kick(ob->owner);
	else if (ob->env.once)
		outbox_kick(ob); /* the rest of the run's events, digests once polls are done */
	else if (!ob->looking)
		outbox_arm_next(ob);
	outbox_finished(ob);
}

/* The message body: the event itself, or a JSON array of the digest's events. */
static char *send_body(const struct send *s, const char **id, char *digest_id, size_t idlen)
{
	struct buf b;

	if (s->nev == 1 && s->ch->digest <= 0) {
		*id = s->evs[0].id;
		return xstrdup(s->evs[0].payload);
	}
	snprintf(digest_id, idlen, "dig_%s", s->evs[0].id + 4);
	*id = digest_id;
	buf_init(&b);
	buf_append_char(&b, '[');
	for (size_t i = 0; i < s->nev; i++)
		buf_printf(&b, "%s%s", i ? "," : "", s->evs[i].payload);
	buf_append_char(&b, ']');
	return buf_steal(&b);
}

void outbox_send(struct outbox *ob, size_t chan, struct store_event *evs, size_t n)
{
	struct send *s = xcalloc(1, sizeof(*s));
	char err[256], digest_id[64];
	const char *id;
	char *body;

	s->ob = ob;
	s->ch = &ob->chans[chan];
	s->evs = evs;
	s->nev = n;
	s->jitter = clock_jitter_unit();
	s->started = clock_mono();
	for (size_t i = 0; i < n; i++)
		mark_tried(ob, s->evs[i].id);
	s->next = ob->in_flight;
	ob->in_flight = s;
	ob->nflight++;
	body = send_body(s, &id, digest_id, sizeof(digest_id));
	if (notify_send(s->ch->nc, id, body, strlen(body), send_done, s, err, sizeof(err)) < 0) {
		struct notify_outcome o = {NOTIFY_RETRY, 0, 0, err, 0};
		struct outbox_job *rec = outbox_record_new();

		log_warnx("event=%s channel=%s cannot send: %s", id, s->evs[0].channel, err);
		unlink_send(ob, s);
		for (size_t i = 0; i < n; i++)
			judge(s, &s->evs[i], &o, rec);
		send_free(s);
		outbox_record(ob, rec);
	}
	free(body);
}

void outbox_kick(struct outbox *ob)
{
	if (ob->stopped)
		return;
	if (ob->looking) { /* its answer arms the timer: the look goes out then */
		ob->look_again = 1;
		return;
	}
	ev_timer_stop(ob->env.loop, &ob->timer);
	ev_timer_set(&ob->timer, 0.0, 0.0);
	ev_timer_start(ob->env.loop, &ob->timer);
}

void outbox_queued(struct outbox *ob, double when)
{
	note_due(ob, fmin(when, clock_steady())); /* due now even if the wall clock ran ahead */
	outbox_kick(ob);
}

void outbox_rescan(struct outbox *ob)
{
	for (size_t i = 0; i < ob->ngone; i++) {
		struct chan *ch = outbox_chan_find(ob, ob->gone_ids[i]);

		if (ch)
			ch->gone = 0;
		log_info("channel=%s enabled again by the operator (it was disabled by 410 Gone)",
			 ob->gone_ids[i]);
		free(ob->gone_ids[i]);
	}
	ob->ngone = 0;
	outbox_kick(ob); /* its look reads the next due time from the store again */
}

double outbox_next_due(const struct outbox *ob)
{
	return ob->next_due;
}

static int add_channel(struct outbox *ob, const struct config_notify *n, struct buf *errors)
{
	struct chan *ch;
	char err[4096]; /* every error of one section */

	ob->chans = xreallocarray(ob->chans, ob->nchans + 1, sizeof(*ob->chans));
	ob->ids = xreallocarray(ob->ids, ob->nchans + 1, sizeof(*ob->ids));
	ch = &ob->chans[ob->nchans];
	memset(ch, 0, sizeof(*ch));
	ch->cfg = n;
	ch->digest = n ? n->digest : 0; /* channels_open() refuses types that cannot batch */
	ch->nc = channels_open(ob->env.cfg, n, ob->env.loop, ob->env.http, err, sizeof(err));
	if (ch->nc == NULL) {
		/* err holds "FILE:LINE: notify 'id': ..." lines */
		if (errors && n)
			buf_printf(errors, "%s\n", err);
		else
			log_err("channel=%s cannot start: %s", n ? n->id : "stdout", err);
		return -1;
	}
	ob->ids[ob->nchans++] = notify_channel_id(ch->nc);
	return 0;
}

/*
 * The first reading, a look without the due events: at start the requeue
 * of what a stop left "sending", and the next due time.
 */
static void first_reading(struct outbox *ob)
{
	struct outbox_job *j = outbox_job_new(NULL, 0);

	j->requeue = ob->requeue_pending;
	j->read_next = 1;
	j->now = clock_steady();
	ob->looking = 1;
	ob->noted = 0;
	outbox_submit(ob, j, outbox_look_done);
}

struct outbox *outbox_new(const struct outbox_env *env, int at_start, struct buf *errors)
{
	struct outbox *ob = xcalloc(1, sizeof(*ob));
	const struct config *cfg = env->cfg;
	int bad = 0;

	ob->env = *env;
	ob->link = xcalloc(1, sizeof(*ob->link));
	ob->link->ob = ob;
	ev_timer_init(&ob->timer, outbox_look_cb, 0.0, 0.0);
	ob->timer.data = ob;
	/* Every channel is tried, so that errors lists each bad one. */
	for (size_t i = 0; i < cfg->nnotifies && (errors || !bad); i++)
		bad |= add_channel(ob, &cfg->notifies[i], errors) < 0;
	if (cfg->nnotifies == 0)
		bad |= add_channel(ob, NULL, errors) < 0;
	if (bad)
		goto fail;
	ob->requeue_pending = at_start;
	first_reading(ob);
	return ob;
fail:
	outbox_free(ob);
	return NULL;
}

void outbox_stop(struct outbox *ob)
{
	ob->stopped = 1;
	ev_timer_stop(ob->env.loop, &ob->timer);
}

void outbox_free(struct outbox *ob)
{
	if (ob == NULL)
		return;
	outbox_stop(ob);
	for (size_t i = 0; i < ob->nchans; i++)
		notify_channel_close(ob->chans[i].nc); /* cancelled sends go back to queued */
	for (size_t i = 0; i < ob->nchans; i++)
		notify_channel_free(ob->chans[i].nc);
	/* Shutdown: the outboxes taken over cancel their sends too (events stay pending). */
	while (ob->retired)
		retired_free(ob->retired);
	ob->link->ob = NULL; /* answers still out free themselves */
	if (ob->link->jobs == 0)
		free(ob->link);
	outbox_fault_free(&ob->fault);
	for (size_t i = 0; i < ob->ngone; i++)
		free(ob->gone_ids[i]);
	free(ob->gone_ids);
	for (size_t i = 0; i < ob->ntried; i++)
		free(ob->tried[i]);
	free(ob->tried);
	free(ob->chans);
	free(ob->ids);
	free(ob);
}

/* successor takes over o, which now kicks and unlinks itself from successor. */
static void adopt(struct outbox *successor, struct outbox *o)
{
	o->owner = successor;
	o->next_retired = successor->retired;
	successor->retired = o;
}

void outbox_retire(struct outbox *ob, struct config *cfg, struct outbox *successor)
{
	outbox_stop(ob);
	ob->retired_cfg = cfg;
	successor->requeue_pending |= ob->requeue_pending; /* ob sent nothing meanwhile */
	/* unsaved outcomes are the current outbox's to write, and so are ob's from now on */
	outbox_fault_hand_over(&ob->fault, &successor->fault);
	while (ob->retired) {
		struct outbox *o = ob->retired;

		ob->retired = o->next_retired;
		adopt(successor, o);
	}
	adopt(successor, ob);
	if (ob->nflight == 0 && ob->link->jobs == 0) {
		retired_free(ob);
		return;
	}
	if (ob->nflight > 0) /* else only its store jobs are out: it goes when they are back */
		log_info("reload: %zu delivery attempt(s) in flight finish on the previous "
			 "channels",
			 ob->nflight);
}

size_t outbox_channels(const struct outbox *ob, const char *const **ids)
{
	*ids = ob->ids;
	return ob->nchans;
}

size_t outbox_in_flight(const struct outbox *ob)
{
	return ob->nflight;
}

int outbox_idle(const struct outbox *ob)
{
	return ob->nflight == 0 && ob->link->jobs == 0 && !ev_is_active(&ob->timer) &&
	       !ev_is_pending(&ob->timer);
}
