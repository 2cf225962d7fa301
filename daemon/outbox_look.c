/*
 * daemon/outbox_look: a look at the due events and the attempts it starts,
 * in two store jobs (outbox_store.h). The look writes the outcomes kept
 * while the store refused them, reads the due events and the next due time;
 * its done decides on the loop what each due event gets (an attempt, a dead
 * letter when its channel is gone from the configuration, a wait for its
 * digest) and submits those writes as the second job, "sending" rows first
 * of all; that job's done starts the sends whose rows were written. No look
 * is submitted in between (outbox->looking), so none sees an event as due
 * while its attempt is being recorded.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/xmalloc.h"
#include "daemon/outbox_int.h"
#include "daemon/store.h"

#define OUTBOX_BATCH 64
#define ONCE_HORIZON 1e12 /* once mode: every pending event counts as due */

enum { JOB_LOOK = 2, JOB_START = 3 };

static struct outbox_job *job_for(struct outbox *ob, int kind)
{
	struct outbox_job *j = outbox_job_new((const char *const *)ob->gone_ids, ob->ngone);

	j->kind = kind;
	j->now = clock_steady();
	j->read_next = 1;
	return j;
}

/* A look goes out, with the outcomes kept since the store refused them. */
static void look_submit(struct outbox *ob)
{
	struct outbox_job *j;
	struct store_event *kept;
	size_t nkept;

	if (ob->looking) {
		ob->look_again = 1;
		return;
	}
	j = job_for(ob, JOB_LOOK);
	j->requeue = ob->requeue_pending;
	outbox_fault_take(&ob->fault, &kept, &nkept);
	for (size_t i = 0; i < nkept; i++) {
		outbox_job_add(j, OUTBOX_ITEM_KEPT, &kept[i]);
		store_event_clear(&kept[i]);
	}
	free(kept);
	j->read_due = 1;
	j->horizon = ob->env.once ? ONCE_HORIZON : j->now;
	j->max = OUTBOX_BATCH + ob->nflight + ob->ntried;
	ob->looking = 1;
	ob->look_again = 0;
	ob->noted = 0;
	outbox_submit(ob, j, outbox_look_done);
}

/* ev_timer callback: the next event is due (or a kick, or the back-off ran out). */
void outbox_look_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct outbox *ob = w->data;

	(void)loop;
	(void)revents;
	if (!ob->stopped)
		look_submit(ob);
	outbox_finished(ob);
}

/* A look (or its attempts' writes) is over: the next one, now or when due. */
static void look_end(struct outbox *ob)
{
	ob->looking = 0;
	if (ob->look_again && !ob->fault.failing)
		outbox_kick(ob);
	else
		outbox_arm_next(ob);
	outbox_reap_if_drained(ob);
	outbox_finished(ob);
}

/* An attempt for the events of one channel, recorded "sending" first (group g of j). */
static void add_send(struct outbox *ob, struct outbox_job *j, size_t chan,
		     const struct store_event *evs, size_t n, size_t g)
{
	for (size_t i = 0; i < n; i++) {
		struct outbox_item *it = outbox_job_add(j, OUTBOX_ITEM_SEND, &evs[i]);

		outbox_event_copy(&it->undo, &evs[i]); /* the row as it was */
		it->group = g;
		it->chan = chan;
		it->from = evs[i].state;
		it->why = xstrdup("attempt starts");
		outbox_move(ob, &it->ev, EVENT_SENDING, it->why);
	}
}

static void add_dead_letter(struct outbox *ob, struct outbox_job *j, const struct store_event *ev,
			    const char *why)
{
	struct outbox_item *it = outbox_job_add(j, OUTBOX_ITEM_MOVE, ev);

	free(it->ev.last_error);
	it->ev.last_error = xstrdup(why);
	it->from = ev->state;
	it->why = xasprintf("dead-lettered: %s", why);
	outbox_move(ob, &it->ev, EVENT_DEAD, it->why);
}

/* Does the digest of channel c wait (the store remembers until when, across restarts)? */
static int digest_waits(struct outbox *ob, struct chan *ch, const struct store_event *ev,
			double now)
{
	/* A fresh event opens a period; one held before is due now. */
	if (ch->next_digest <= 0 && ev->next_attempt <= ev->created)
		ch->next_digest = now + ch->digest;
	return ob->env.once ? !ob->env.polls_done(ob->env.arg) : now < ch->next_digest;
}

/* Digest channels: their events wait for the period's end, then go together. */
static void add_digests(struct outbox *ob, struct outbox_job *j, const struct outbox_job *look,
			const char *picked, size_t *g)
{
	for (size_t c = 0; c < ob->nchans; c++) {
		struct chan *ch = &ob->chans[c];
		struct store_event *batch = NULL;
		size_t nb = 0;

		for (size_t i = 0; ch->digest > 0 && i < look->ndue; i++) {
			const struct store_event *ev = &look->due[i];

			if (!picked[i] || strcmp(ev->channel, ob->ids[c]) != 0)
				continue;
			if (digest_waits(ob, ch, ev, look->now)) {
				outbox_job_add(j, OUTBOX_ITEM_HOLD, ev)->ev.next_attempt =
				    ch->next_digest; /* or held again at the next look */
				continue;
			}
			batch = xreallocarray(batch, nb + 1, sizeof(*batch));
			batch[nb++] = *ev; /* borrowed: add_send copies */
		}
		if (nb > 0)
			add_send(ob, j, c, batch, nb, ++*g);
		free(batch);
	}
}

/* What each due event gets, as the writes of one job (NULL: nothing to write). */
static struct outbox_job *decide(struct outbox *ob, const struct outbox_job *look)
{
	struct outbox_job *j = job_for(ob, JOB_START);
	char *picked = xcalloc(look->ndue + 1, 1); /* due events of digest channels */
	size_t g = 0;

	for (size_t i = 0; i < look->ndue; i++) {
		const struct store_event *ev = &look->due[i];
		struct chan *ch = outbox_chan_find(ob, ev->channel);

		if (outbox_busy_with(ob, ev->id))
			continue;
		else if (ch == NULL)
			add_dead_letter(ob, j, ev, "channel no longer configured");
		else if (ch->gone)
			continue; /* read before the 410: waits for a reload */
		else if (ch->digest > 0)
			picked[i] = 1;
		else
			add_send(ob, j, (size_t)(ch - ob->chans), ev, 1, ++g);
	}
	add_digests(ob, j, look, picked, &g);
	free(picked);
	if (j->nitems > 0)
		return j;
	outbox_job_free(j);
	return NULL;
}

/* done of the writes a look decided: the attempts recorded start. */
static void start_done(void *arg, int cancelled);

/* Kept outcomes the look could not write (after the first refused: all) are kept again. */
static void put_back_kept(struct outbox *ob, const struct outbox_job *j)
{
	struct store_event *evs = xcalloc(j->nitems + 1, sizeof(*evs));
	size_t n = 0;

	for (size_t i = 0; i < j->nitems; i++)
		if (!j->items[i].written)
			evs[n++] = j->items[i].ev; /* borrowed: put_back copies */
	outbox_fault_put_back(&outbox_scheduler(ob)->fault, evs, n);
	free(evs);
}

/* done of a look (and of the first reading, which reads no due events). */
void outbox_look_done(void *arg, int cancelled)
{
	struct outbox_job *j = arg;
	struct outbox *ob = outbox_back(j, cancelled);
	struct outbox_job *start;

	if (ob == NULL) {
		outbox_job_free(j);
		return;
	}
	put_back_kept(ob, j);
	if (j->requeue && j->requeued >= 0) {
		ob->requeue_pending = 0;
		if (j->requeued > 0)
			log_info("outbox: %d event(s) interrupted by the last stop will be sent "
				 "again",
				 j->requeued);
	}
	if (j->what[0]) {
		outbox_fault_trouble(&ob->fault, j->what, j->err);
	} else if (!ob->stopped && (start = decide(ob, j)) != NULL) {
		outbox_submit(ob, start, start_done); /* still looking */
		outbox_job_free(j);
		return;
	} else {
		outbox_set_next_due(ob, j->next_due);
		outbox_fault_recovered(&ob->fault); /* every write of this look succeeded */
	}
	outbox_job_free(j);
	look_end(ob);
}

/* Attempts whose rows were written but that may not start (stopped, retired): queued again. */
static void start_none(struct outbox *ob, const struct outbox_job *j)
{
	struct outbox_job *rec = outbox_record_new();

	for (size_t i = 0; i < j->nitems; i++) {
		struct store_event ev;

		if (j->items[i].kind != OUTBOX_ITEM_SEND || !j->items[i].written)
			continue;
		outbox_event_copy(&ev, &j->items[i].ev);
		outbox_enter_into(ob, &ev, EVENT_QUEUED, "attempt not started: outbox stopped",
				  rec);
		store_event_clear(&ev);
	}
	outbox_record(ob, rec);
}

/* The attempt of group g (items from first on): its events, taken from j, are sent. */
static size_t start_group(struct outbox *ob, struct outbox_job *j, size_t first, double now)
{
	size_t end = first, g = j->items[first].group;
	struct store_event *evs;
	struct chan *ch = &ob->chans[j->items[first].chan];

	while (end < j->nitems && j->items[end].kind == OUTBOX_ITEM_SEND &&
	       j->items[end].group == g)
		end++;
	if (!j->items[first].written) /* refused, or never tried after a refusal */
		return end;
	evs = xcalloc(end - first, sizeof(*evs));
	for (size_t i = first; i < end; i++) {
		outbox_log_move(&j->items[i], 1);
		evs[i - first] = j->items[i].ev; /* taken */
		memset(&j->items[i].ev, 0, sizeof(j->items[i].ev));
	}
	if (ch->digest > 0)
		ch->next_digest = now + ch->digest;
	outbox_send(ob, j->items[first].chan, evs, end - first);
	return end;
}

/* The dead letters: written, or (refused) standing and kept; never tried: left as they are. */
static void settle_move(struct outbox *ob, const struct outbox_item *it)
{
	if (!it->written && !it->refused)
		return;
	outbox_count(ob, &it->ev);
	outbox_log_move(it, it->written);
	if (it->refused)
		outbox_fault_keep(&outbox_scheduler(ob)->fault, &it->ev);
}

static void start_done(void *arg, int cancelled)
{
	struct outbox_job *j = arg;
	struct outbox *ob = outbox_back(j, cancelled);

	if (ob == NULL) { /* rows written "sending" are requeued by the next start */
		outbox_job_free(j);
		return;
	}
	if (ob->stopped)
		start_none(ob, j);
	for (size_t i = 0; i < j->nitems;) {
		const struct outbox_item *it = &j->items[i];

		if (it->kind == OUTBOX_ITEM_SEND && !ob->stopped) {
			i = start_group(ob, j, i, j->now);
			continue;
		}
		if (it->kind == OUTBOX_ITEM_MOVE)
			settle_move(ob, it);
		i++;
	}
	if (j->what[0]) {
		outbox_fault_trouble(&ob->fault, j->what, j->err);
	} else {
		outbox_set_next_due(ob, j->next_due);
		outbox_fault_recovered(&ob->fault);
	}
	outbox_job_free(j);
	look_end(ob);
}
