#include "daemon/outbox.h"

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
#include "daemon/outbox_fault.h"
#include "daemon/store.h"
#include "notify/notify.h"

#define OUTBOX_BATCH 64
#define ONCE_HORIZON 1e12 /* once mode: every pending event counts as due */

struct chan {
	struct notify_channel *nc;
	const struct config_notify *cfg; /* NULL for the default stdout channel */
	int gone;			 /* 410 seen: disabled until reload */
	double digest;			 /* seconds between digest mails, 0: none */
	double next_digest;		 /* wall time the next digest may go */
};

/* One attempt: one event, or (digest channels) several in one message. */
struct send {
	struct outbox *ob;
	struct store_event *evs;
	size_t nev;
	struct chan *ch;
	double jitter;	/* one draw per attempt: a digest retries as one */
	double started; /* clock_mono() as the attempt started: its share of the age */
	struct send *next;
};

struct outbox {
	struct outbox_env env;
	struct chan *chans;
	size_t nchans;
	const char **ids;
	struct send *in_flight;
	size_t nflight;
	ev_timer timer;
	/*
	 * Earliest next_attempt of the pending events, 0: none. Read from the
	 * store when the outbox opens and after each look at the due events;
	 * between those, events only join the pending set (outbox_queued, a
	 * retry, a cancelled send), so a minimum keeps it exact.
	 */
	double next_due;
	int stopped;
	char **tried; /* once mode: ids attempted in this run */
	size_t ntried;
	struct config *retired_cfg; /* set by outbox_retire: freed with ob */
	struct outbox *owner;	    /* retired: the current outbox, which holds it in... */
	struct outbox *retired;	    /* ...this list of outboxes finishing their sends */
	struct outbox *next_retired;
	int requeue_pending; /* the start's requeue of "sending" events is still to be written */
	struct outbox_fault fault; /* the store refuses writes: outbox_fault.h */
	char **gone_ids;	   /* channels disabled by 410 Gone: their events wait */
	size_t ngone;
};

static struct chan *chan_find(struct outbox *ob, const char *id)
{
	for (size_t i = 0; i < ob->nchans; i++)
		if (strcmp(ob->ids[i], id) == 0)
			return &ob->chans[i];
	return NULL;
}

static int is_in_flight(const struct outbox *ob, const char *id)
{
	for (const struct send *s = ob->in_flight; s; s = s->next)
		for (size_t i = 0; i < s->nev; i++)
			if (strcmp(s->evs[i].id, id) == 0)
				return 1;
	return 0;
}

static int was_tried(const struct outbox *ob, const char *id)
{
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

static int save_state(struct outbox *ob, const struct store_event *ev)
{
	return outbox_fault_save(&ob->fault, ob->env.store, ev);
}

/* An event became pending with this next attempt. */
static void note_due(struct outbox *ob, double when)
{
	if (ob->next_due <= 0 || when < ob->next_due)
		ob->next_due = when;
}

/* The channels whose events stay where they are: those a 410 disabled. */
static struct store_skip gone_skip(const struct outbox *ob)
{
	struct store_skip skip = {(const char *const *)ob->gone_ids, ob->ngone};

	return skip;
}

/* The store's answer, after events left the pending set or moved later. */
static void reread_due(struct outbox *ob)
{
	struct store_skip skip = gone_skip(ob);

	if (store_events_next_due(ob->env.store, &skip, &ob->next_due) < 0) {
		outbox_fault_trouble(&ob->fault, ob->env.store, "cannot read the next due event");
		ob->next_due =
		    clock_steady(); /* look again (after the back-off) rather than never */
	}
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

int outbox_enter(struct outbox *ob, struct store_event *ev, enum store_event_state to,
		 const char *why)
{
	const char *from = store_event_state_name(ev->state);
	struct store_event before = *ev;

	if (!outbox_move_legal(ev->state, to)) {
		log_err("event=%s channel=%s illegal move %s -> %s refused: %s", ev->id,
			ev->channel, from, store_event_state_name(to), why);
		return -1;
	}
	ev->state = to;
	if (to == EVENT_QUEUED || to == EVENT_RETRY_WAIT)
		note_due(ob, ev->next_attempt);
	if (to == EVENT_SENDING)
		ev->attempts++;
	if (to == EVENT_DELIVERED)
		ev->delivered_at = clock_wall();
	if (to == EVENT_DELIVERED || to == EVENT_RETRY_WAIT || to == EVENT_DEAD)
		metrics_add(ob->env.metrics, METRIC_DELIVERIES, ev->channel,
			    store_event_state_name(to), 1);
	if (save_state(ob, ev) == 0) {
		move_log[to]("event=%s channel=%s %s (%s -> %s)", ev->id, ev->channel, why, from,
			     store_event_state_name(to));
		return 0;
	}
	if (to == EVENT_SENDING) { /* no attempt starts unrecorded */
		ev->state = before.state;
		ev->attempts = before.attempts;
		return -1;
	}
	/* The outcome stands (the send happened); the store row, still "sending", catches up. */
	move_log[to]("event=%s channel=%s %s (%s -> %s, not yet recorded)", ev->id, ev->channel,
		     why, from, store_event_state_name(to));
	outbox_fault_keep(&ob->fault, ev);
	return -1;
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
static void judge_retry(struct send *s, struct store_event *ev, const struct notify_outcome *o)
{
	double retry_for = s->ch->cfg ? s->ch->cfg->retry_for : 72 * 3600.0;
	double age = ev->age + (clock_mono() - s->started), delay;
	char why[400];

	if (age >= retry_for) {
		snprintf(why, sizeof(why), "dead-lettered after %ld attempts over %.0fs: %s",
			 ev->attempts, age, log_esc(o->detail, 200));
		outbox_enter(s->ob, ev, EVENT_DEAD, why);
		return;
	}
	delay = notify_retry_delay((int)ev->attempts, o->retry_after_s, s->jitter);
	ev->next_attempt = clock_steady() + delay;
	ev->age = age + delay;
	snprintf(why, sizeof(why), "attempt=%ld failed, retry in %.0fs: %s", ev->attempts, delay,
		 log_esc(o->detail, 200));
	outbox_enter(s->ob, ev, EVENT_RETRY_WAIT, why);
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

/* The channel's answer to an attempt moves ev on from sending. */
static void judge(struct send *s, struct store_event *ev, const struct notify_outcome *o)
{
	char why[400];

	set_last_error(ev, o->verdict == NOTIFY_DELIVERED ? NULL : o->detail);
	switch (o->verdict) {
	case NOTIFY_DELIVERED:
		snprintf(why, sizeof(why), "type=%s delivered attempt=%ld status=%ld", ev->type,
			 ev->attempts, o->status);
		outbox_enter(s->ob, ev, EVENT_DELIVERED, why);
		break;
	case NOTIFY_RETRY:
		judge_retry(s, ev, o);
		break;
	case NOTIFY_PERMANENT:
		snprintf(why, sizeof(why), "dead-lettered (permanent): %s",
			 log_esc(o->detail, 200));
		outbox_enter(s->ob, ev, EVENT_DEAD, why);
		break;
	case NOTIFY_GONE:
		disable_channel(s->ob, s->ch, ev->channel);
		ev->next_attempt = clock_steady(); /* due again as soon as a reload enables it */
		outbox_enter(
		    s->ob, ev, EVENT_RETRY_WAIT,
		    "answered 410 Gone: channel disabled until reload; event kept pending");
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

/* Not from send_done itself: a channel must not be freed inside its own callback. */
static void reap_later(struct outbox *ob)
{
	ev_timer_stop(ob->env.loop, &ob->timer);
	ev_timer_init(&ob->timer, reap_cb, 0.0, 0.0);
	ob->timer.data = ob;
	ev_timer_start(ob->env.loop, &ob->timer);
}

/* The timer for the next due event, from memory; while the store fails, the back-off. */
static void arm_next(struct outbox *ob)
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

	unlink_send(ob, s);
	for (size_t i = 0; i < s->nev; i++) {
		if (o->cancelled) /* shutting down: try again at the next start */
			outbox_enter(ob, &s->evs[i], EVENT_QUEUED, "send cancelled");
		else
			judge(s, &s->evs[i], o);
	}
	send_free(s);
	if (o->cancelled)
		return;
	if (ob->retired_cfg) {
		/* a retry is the current outbox's to schedule, and so are unsaved outcomes */
		outbox_fault_hand_over(&ob->fault, &ob->owner->fault);
		reread_due(ob->owner);
		outbox_kick(ob->owner);
		if (ob->nflight == 0)
			reap_later(ob);
	} else if (ob->env.once) {
		outbox_kick(ob); /* the rest of the run's events, digests once polls are done */
	} else {
		arm_next(ob);
	}
	ob->env.work_finished(ob->env.arg);
}

static void dead_letter_now(struct outbox *ob, struct store_event *ev, const char *why)
{
	char line[300];

	set_last_error(ev, why);
	snprintf(line, sizeof(line), "dead-lettered: %s", why);
	outbox_enter(ob, ev, EVENT_DEAD, line);
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

/*
 * Records "sending" for each of evs before anything is sent: an attempt the
 * store does not know of could be repeated without end. -1 when the store
 * refused one; those already moved go back to their earlier attempt count.
 */
static int record_attempt(struct outbox *ob, struct store_event *evs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (outbox_enter(ob, &evs[i], EVENT_SENDING, "attempt starts") == 0)
			continue;
		while (i-- > 0) {
			evs[i].attempts--;
			outbox_enter(ob, &evs[i], EVENT_QUEUED,
				     "attempt not started: store failing");
		}
		return -1;
	}
	return 0;
}

/*
 * Takes over evs (n events of channel ch, all due) and sends them as one
 * attempt, once the store has recorded it; -1 (evs freed, nothing sent) when not.
 */
static int start_send(struct outbox *ob, struct chan *ch, struct store_event *evs, size_t n)
{
	struct send *s = xcalloc(1, sizeof(*s));
	char err[256], digest_id[64];
	const char *id;
	char *body;

	s->ob = ob;
	s->ch = ch;
	s->evs = evs;
	s->nev = n;
	s->jitter = clock_jitter_unit();
	s->started = clock_mono();
	if (record_attempt(ob, evs, n) < 0) {
		send_free(s);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		mark_tried(ob, s->evs[i].id);
	s->next = ob->in_flight;
	ob->in_flight = s;
	ob->nflight++;
	body = send_body(s, &id, digest_id, sizeof(digest_id));
	if (notify_send(ch->nc, id, body, strlen(body), send_done, s, err, sizeof(err)) < 0) {
		struct notify_outcome o = {NOTIFY_RETRY, 0, 0, err, 0};

		log_warnx("event=%s channel=%s cannot send: %s", id, s->evs[0].channel, err);
		unlink_send(ob, s);
		for (size_t i = 0; i < n; i++)
			judge(s, &s->evs[i], &o);
		send_free(s);
	}
	free(body);
	return 0;
}

/* Moves evs[i] into a fresh one-element array for start_send. */
static struct store_event *take_one(struct store_event *ev)
{
	struct store_event *one = xmalloc(sizeof(*one));

	*one = *ev;
	memset(ev, 0, sizeof(*ev));
	return one;
}

/* Digest channels: hold their events until the period is over, then send them together. */
static void flush_digests(struct outbox *ob, struct store_event *evs, size_t n, double now)
{
	for (size_t c = 0; c < ob->nchans; c++) {
		struct chan *ch = &ob->chans[c];
		struct store_event *batch = NULL;
		size_t nb = 0;

		if (ch->digest <= 0)
			continue;
		for (size_t i = 0; i < n; i++) {
			if (evs[i].id == NULL || strcmp(evs[i].channel, ob->ids[c]) != 0)
				continue;
			/* A fresh event opens a period; one held before is due now. */
			if (ch->next_digest <= 0 && evs[i].next_attempt <= evs[i].created)
				ch->next_digest = now + ch->digest;
			if (ob->env.once ? !ob->env.polls_done(ob->env.arg)
					 : now < ch->next_digest) {
				/* wait for the digest: the store remembers when, across restarts */
				evs[i].next_attempt = ch->next_digest;
				(void)save_state(ob, &evs[i]); /* or held again at the next look */
				continue;
			}
			batch = xreallocarray(batch, nb + 1, sizeof(*batch));
			batch[nb++] = evs[i];
			memset(&evs[i], 0, sizeof(evs[i]));
		}
		if (nb > 0 && start_send(ob, ch, batch, nb) == 0)
			ch->next_digest = now + ch->digest;
	}
}

/*
 * At start, events a stop left "sending" are queued again. Until that is
 * written (the store may refuse it) no attempt starts: none of this
 * process's own sends may be mistaken for an interrupted one.
 */
static int requeue_interrupted(struct outbox *ob)
{
	int requeued;

	if (!ob->requeue_pending)
		return 0;
	requeued = store_events_requeue_sending(ob->env.store);
	if (requeued < 0) {
		outbox_fault_trouble(&ob->fault, ob->env.store,
				     "cannot requeue interrupted events");
		return -1;
	}
	ob->requeue_pending = 0;
	if (requeued > 0)
		log_info("outbox: %d event(s) interrupted by the last stop will be sent again",
			 requeued);
	return 0;
}

static void deliver_due(struct outbox *ob)
{
	struct store_event *evs;
	size_t n;
	double now = clock_steady();
	double horizon = ob->env.once ? ONCE_HORIZON : now;
	struct store_skip skip;

	if (ob->stopped)
		return;
	ob->fault.pass_failed = 0;
	if (requeue_interrupted(ob) < 0 || outbox_fault_flush(&ob->fault, ob->env.store) < 0) {
		arm_next(ob); /* the back-off */
		return;
	}
	skip = gone_skip(ob);
	if (store_events_due(ob->env.store, horizon, &skip, OUTBOX_BATCH + ob->nflight + ob->ntried,
			     &evs, &n) < 0) {
		outbox_fault_trouble(&ob->fault, ob->env.store, "cannot read the due events");
		arm_next(ob);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		struct chan *ch = chan_find(ob, evs[i].channel);

		if (ob->fault.pass_failed) {
			break; /* nothing more starts until a write succeeds */
		} else if (is_in_flight(ob, evs[i].id) || was_tried(ob, evs[i].id)) {
			store_event_clear(&evs[i]);
		} else if (ch == NULL) {
			dead_letter_now(ob, &evs[i], "channel no longer configured");
			store_event_clear(&evs[i]);
		} else if (ch->gone) {
			store_event_clear(&evs[i]); /* read before the 410: waits for a reload */
		} else if (ch->digest <= 0) {
			start_send(ob, ch, take_one(&evs[i]), 1);
		}
	}
	if (!ob->fault.pass_failed)
		flush_digests(ob, evs, n, now);
	for (size_t i = 0; i < n; i++)
		store_event_clear(&evs[i]);
	free(evs);
	reread_due(ob); /* events were sent, dead-lettered or held for a digest */
	if (!ob->fault.pass_failed)
		outbox_fault_recovered(
		    &ob->fault); /* every write of this look succeeded, or none was needed */
	arm_next(ob);
}

/* ev_timer callback: the next event is due (or a kick). */
static void outbox_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct outbox *ob = w->data;

	(void)loop;
	(void)revents;
	deliver_due(ob);
	ob->env.work_finished(ob->env.arg);
}

void outbox_kick(struct outbox *ob)
{
	if (ob->stopped)
		return;
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
		struct chan *ch = chan_find(ob, ob->gone_ids[i]);

		if (ch)
			ch->gone = 0;
		log_info("channel=%s enabled again by the operator (it was disabled by 410 Gone)",
			 ob->gone_ids[i]);
		free(ob->gone_ids[i]);
	}
	ob->ngone = 0;
	reread_due(ob);
	outbox_kick(ob);
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

struct outbox *outbox_new(const struct outbox_env *env, int at_start, struct buf *errors)
{
	struct outbox *ob = xcalloc(1, sizeof(*ob));
	const struct config *cfg = env->cfg;
	int bad = 0;

	ob->env = *env;
	ev_timer_init(&ob->timer, outbox_timer_cb, 0.0, 0.0);
	ob->timer.data = ob;
	/* Every channel is tried, so that errors lists each bad one. */
	for (size_t i = 0; i < cfg->nnotifies && (errors || !bad); i++)
		bad |= add_channel(ob, &cfg->notifies[i], errors) < 0;
	if (cfg->nnotifies == 0)
		bad |= add_channel(ob, NULL, errors) < 0;
	if (bad)
		goto fail;
	ob->requeue_pending = at_start;
	requeue_interrupted(ob);
	reread_due(ob);
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
	while (ob->retired) {
		struct outbox *o = ob->retired;

		ob->retired = o->next_retired;
		adopt(successor, o);
	}
	adopt(successor, ob);
	if (ob->nflight == 0) {
		retired_free(ob);
		return;
	}
	log_info("reload: %zu delivery attempt(s) in flight finish on the previous channels",
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
	return ob->nflight == 0 && !ev_is_active(&ob->timer) && !ev_is_pending(&ob->timer);
}
