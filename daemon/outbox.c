#include "daemon/outbox.h"

#include <ev.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "common/xmalloc.h"
#include "config/config.h"
#include "daemon/channels.h"
#include "daemon/daemon_int.h"
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
	double jitter; /* one draw per attempt: a digest retries as one */
	struct send *next;
};

struct outbox {
	struct daemon *d;
	struct chan *chans;
	size_t nchans;
	const char **ids;
	struct send *in_flight;
	size_t nflight;
	ev_timer timer;
	int stopped;
	char **tried; /* once mode: ids attempted in this run */
	size_t ntried;
	struct config *retired_cfg; /* set by outbox_retire: freed with ob */
	struct outbox *next_retired;
};

static double now_wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double random_unit(void)
{
	return (double)random() / ((double)RAND_MAX + 1.0);
}

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
	if (ob->d->mode != DAEMON_ONCE)
		return;
	ob->tried = xreallocarray(ob->tried, ob->ntried + 1, sizeof(*ob->tried));
	ob->tried[ob->ntried++] = xstrdup(id);
}

static void save_state(struct outbox *ob, const struct store_event *ev)
{
	struct store *st = ob->d->store;

	if (store_event_update(st, ev) < 0)
		log_err("event=%s cannot record state %s: %s", ev->id,
			store_event_state_name(ev->state), store_error(st));
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

static void judge_retry(struct send *s, struct store_event *ev, const struct notify_outcome *o)
{
	double now = now_wall();
	double retry_for = s->ch->cfg ? s->ch->cfg->retry_for : 72 * 3600.0;

	if (now - ev->created >= retry_for) {
		ev->state = EVENT_DEAD;
		log_err("event=%s channel=%s dead-lettered after %ld attempts over %.0fs: %s",
			ev->id, ev->channel, ev->attempts, now - ev->created,
			log_esc(o->detail, 200));
		return;
	}
	ev->state = EVENT_RETRY_WAIT;
	ev->next_attempt = now + notify_retry_delay((int)ev->attempts, o->retry_after_s, s->jitter);
	log_warnx("event=%s channel=%s attempt=%ld failed, retry in %.0fs: %s", ev->id, ev->channel,
		  ev->attempts, ev->next_attempt - now, log_esc(o->detail, 200));
}

static void judge(struct send *s, struct store_event *ev, const struct notify_outcome *o)
{
	free(ev->last_error);
	ev->last_error = o->verdict == NOTIFY_DELIVERED ? NULL : xstrdup(o->detail);
	switch (o->verdict) {
	case NOTIFY_DELIVERED:
		ev->state = EVENT_DELIVERED;
		ev->delivered_at = now_wall();
		log_info("event=%s channel=%s type=%s delivered attempt=%ld status=%ld", ev->id,
			 ev->channel, ev->type, ev->attempts, o->status);
		break;
	case NOTIFY_RETRY:
		judge_retry(s, ev, o);
		break;
	case NOTIFY_PERMANENT:
		ev->state = EVENT_DEAD;
		log_err("event=%s channel=%s dead-lettered (permanent): %s", ev->id, ev->channel,
			log_esc(o->detail, 200));
		break;
	case NOTIFY_GONE:
		ev->state = EVENT_DEAD;
		s->ch->gone = 1;
		log_err("channel=%s answered 410 Gone: channel DISABLED until reload; event=%s "
			"dead-lettered",
			ev->channel, ev->id);
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
	for (struct outbox **p = &ob->d->retired; *p; p = &(*p)->next_retired) {
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
	ev_timer_stop(ob->d->loop, &ob->timer);
	ev_timer_init(&ob->timer, reap_cb, 0.0, 0.0);
	ob->timer.data = ob;
	ev_timer_start(ob->d->loop, &ob->timer);
}

/* notify_done_fn */
static void send_done(const struct notify_outcome *o, void *arg)
{
	struct send *s = arg;
	struct outbox *ob = s->ob;

	unlink_send(ob, s);
	for (size_t i = 0; i < s->nev; i++) {
		if (o->cancelled)
			s->evs[i].state = EVENT_QUEUED; /* shutting down: try again next start */
		else
			judge(s, &s->evs[i], o);
		save_state(ob, &s->evs[i]);
	}
	send_free(s);
	if (o->cancelled)
		return;
	if (ob->retired_cfg) {
		/* a retry is the current outbox's to schedule */
		if (ob->d->outbox)
			outbox_kick(ob->d->outbox);
		if (ob->nflight == 0)
			reap_later(ob);
	} else {
		outbox_kick(ob);
	}
	daemon_work_finished(ob->d);
}

static void dead_letter_now(struct outbox *ob, struct store_event *ev, const char *why)
{
	ev->state = EVENT_DEAD;
	free(ev->last_error);
	ev->last_error = xstrdup(why);
	log_err("event=%s channel=%s dead-lettered: %s", ev->id, ev->channel, why);
	save_state(ob, ev);
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

/* Takes over evs (n events of channel ch, all due) and sends them as one attempt. */
static void start_send(struct outbox *ob, struct chan *ch, struct store_event *evs, size_t n)
{
	struct send *s = xcalloc(1, sizeof(*s));
	char err[256], digest_id[64];
	const char *id;
	char *body;

	s->ob = ob;
	s->ch = ch;
	s->evs = evs;
	s->nev = n;
	s->jitter = random_unit();
	for (size_t i = 0; i < n; i++) {
		s->evs[i].state = EVENT_SENDING;
		s->evs[i].attempts++;
		save_state(ob, &s->evs[i]);
		mark_tried(ob, s->evs[i].id);
	}
	s->next = ob->in_flight;
	ob->in_flight = s;
	ob->nflight++;
	body = send_body(s, &id, digest_id, sizeof(digest_id));
	if (notify_send(ch->nc, id, body, strlen(body), send_done, s, err, sizeof(err)) < 0) {
		struct notify_outcome o = {NOTIFY_RETRY, 0, 0, err, 0};

		log_warnx("event=%s channel=%s cannot send: %s", id, s->evs[0].channel, err);
		unlink_send(ob, s);
		for (size_t i = 0; i < n; i++) {
			judge(s, &s->evs[i], &o);
			save_state(ob, &s->evs[i]);
		}
		send_free(s);
	}
	free(body);
}

static void arm_next(struct outbox *ob)
{
	double when, delay;

	ev_timer_stop(ob->d->loop, &ob->timer);
	if (ob->stopped || ob->d->mode == DAEMON_ONCE)
		return;
	if (store_events_next_due(ob->d->store, &when) < 0)
		return;
	if (when <= 0)
		return;
	delay = when - now_wall();
	ev_timer_set(&ob->timer, delay < 0.05 ? 0.05 : delay, 0.0);
	ev_timer_start(ob->d->loop, &ob->timer);
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
			if (ob->d->mode == DAEMON_ONCE ? !daemon_polls_done(ob->d)
						       : now < ch->next_digest) {
				/* wait for the digest: the store remembers when, across restarts */
				evs[i].next_attempt = ch->next_digest;
				save_state(ob, &evs[i]);
				continue;
			}
			batch = xreallocarray(batch, nb + 1, sizeof(*batch));
			batch[nb++] = evs[i];
			memset(&evs[i], 0, sizeof(evs[i]));
		}
		if (nb > 0) {
			ch->next_digest = now + ch->digest;
			start_send(ob, ch, batch, nb);
		}
	}
}

static void deliver_due(struct outbox *ob)
{
	struct store_event *evs;
	size_t n;
	double now = now_wall();
	double horizon = ob->d->mode == DAEMON_ONCE ? ONCE_HORIZON : now;

	if (ob->stopped)
		return;
	if (store_events_due(ob->d->store, horizon, OUTBOX_BATCH + ob->nflight + ob->ntried, &evs,
			     &n) < 0) {
		log_err("outbox: %s", store_error(ob->d->store));
		return;
	}
	for (size_t i = 0; i < n; i++) {
		struct chan *ch = chan_find(ob, evs[i].channel);

		if (is_in_flight(ob, evs[i].id) || was_tried(ob, evs[i].id)) {
			store_event_clear(&evs[i]);
		} else if (ch == NULL || ch->gone) {
			dead_letter_now(ob, &evs[i],
					ch ? "channel disabled after 410 Gone"
					   : "channel no longer configured");
			store_event_clear(&evs[i]);
		} else if (ch->digest <= 0) {
			start_send(ob, ch, take_one(&evs[i]), 1);
		}
	}
	flush_digests(ob, evs, n, now);
	for (size_t i = 0; i < n; i++)
		store_event_clear(&evs[i]);
	free(evs);
	arm_next(ob);
}

/* ev_timer callback: the next event is due (or a kick). */
static void outbox_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct outbox *ob = w->data;

	(void)loop;
	(void)revents;
	deliver_due(ob);
	daemon_work_finished(ob->d);
}

void outbox_kick(struct outbox *ob)
{
	if (ob->stopped)
		return;
	ev_timer_stop(ob->d->loop, &ob->timer);
	ev_timer_set(&ob->timer, 0.0, 0.0);
	ev_timer_start(ob->d->loop, &ob->timer);
}

static int add_channel(struct outbox *ob, const struct config_notify *n)
{
	struct chan *ch;
	char err[256];

	ob->chans = xreallocarray(ob->chans, ob->nchans + 1, sizeof(*ob->chans));
	ob->ids = xreallocarray(ob->ids, ob->nchans + 1, sizeof(*ob->ids));
	ch = &ob->chans[ob->nchans];
	memset(ch, 0, sizeof(*ch));
	ch->cfg = n;
	ch->digest = n ? n->digest : 0; /* channels_open() refuses types that cannot batch */
	ch->nc = channels_open(ob->d->cfg, n, ob->d->loop, ob->d->http, err, sizeof(err));
	if (ch->nc == NULL) {
		log_err("channel=%s cannot start: %s", n ? n->id : "stdout", err);
		return -1;
	}
	ob->ids[ob->nchans++] = notify_channel_id(ch->nc);
	return 0;
}

struct outbox *outbox_new(struct daemon *d, int at_start)
{
	struct outbox *ob = xcalloc(1, sizeof(*ob));
	int requeued;

	ob->d = d;
	ev_timer_init(&ob->timer, outbox_timer_cb, 0.0, 0.0);
	ob->timer.data = ob;
	for (size_t i = 0; i < d->cfg->nnotifies; i++)
		if (add_channel(ob, &d->cfg->notifies[i]) < 0)
			goto fail;
	if (d->cfg->nnotifies == 0 && add_channel(ob, NULL) < 0)
		goto fail;
	if (!at_start)
		return ob;
	requeued = store_events_requeue_sending(d->store);
	if (requeued < 0)
		log_err("outbox: %s", store_error(d->store));
	else if (requeued > 0)
		log_info("outbox: %d event(s) interrupted by the last stop will be sent again",
			 requeued);
	return ob;
fail:
	outbox_free(ob);
	return NULL;
}

void outbox_stop(struct outbox *ob)
{
	ob->stopped = 1;
	ev_timer_stop(ob->d->loop, &ob->timer);
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
	for (size_t i = 0; i < ob->ntried; i++)
		free(ob->tried[i]);
	free(ob->tried);
	free(ob->chans);
	free(ob->ids);
	free(ob);
}

void outbox_retire(struct outbox *ob, struct config *cfg)
{
	outbox_stop(ob);
	ob->retired_cfg = cfg;
	ob->next_retired = ob->d->retired;
	ob->d->retired = ob;
	if (ob->nflight == 0) {
		retired_free(ob);
		return;
	}
	log_info("reload: %zu delivery attempt(s) in flight finish on the previous channels",
		 ob->nflight);
}

void outbox_free_retired(struct daemon *d)
{
	while (d->retired)
		retired_free(d->retired);
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
