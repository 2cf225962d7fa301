#include "daemon/pdf_queue.h"

#include <stdio.h>
#include <stdlib.h>

#include <ev.h>

#include "common/xmalloc.h"

struct pdf_task {
	struct pdf_queue *q;
	const char *data; /* borrowed */
	size_t len;
	pdf_child_done_fn *done;
	void *arg;
	struct pdf_child *child; /* reading; NULL while waiting or failed */
	ev_timer failed;	 /* delivers a start failure from the loop */
	char error[256];
	struct pdf_task *next, *prev; /* in q's waiting or running list */
	int waiting;
};

struct pdf_queue {
	struct ev_loop *loop;
	struct pdf_task *running, *waiting, *waiting_tail;
	size_t nrunning, nwaiting;
};

struct pdf_queue *pdf_queue_new(struct ev_loop *loop)
{
	struct pdf_queue *q = xcalloc(1, sizeof(*q));

	q->loop = loop;
	return q;
}

static void unlink_task(struct pdf_task *t)
{
	struct pdf_queue *q = t->q;
	struct pdf_task **head = t->waiting ? &q->waiting : &q->running;

	if (t->prev)
		t->prev->next = t->next;
	else
		*head = t->next;
	if (t->next)
		t->next->prev = t->prev;
	else if (t->waiting)
		q->waiting_tail = t->prev;
	if (t->waiting)
		q->nwaiting--;
	else
		q->nrunning--;
	t->next = t->prev = NULL;
}

static void push_running(struct pdf_task *t)
{
	struct pdf_queue *q = t->q;

	t->waiting = 0;
	t->next = q->running;
	if (q->running)
		q->running->prev = t;
	q->running = t;
	q->nrunning++;
}

static void push_waiting(struct pdf_task *t)
{
	struct pdf_queue *q = t->q;

	t->waiting = 1;
	t->prev = q->waiting_tail;
	if (q->waiting_tail)
		q->waiting_tail->next = t;
	else
		q->waiting = t;
	q->waiting_tail = t;
	q->nwaiting++;
}

static void pump(struct pdf_queue *q);

/* The task ends: out of the queue, its callback, freed, the next one started. */
static void finish(struct pdf_task *t, const struct pdf_result *res, const char *error)
{
	struct pdf_queue *q = t->q;

	unlink_task(t);
	t->done(t->arg, res, error);
	free(t);
	pump(q);
}

static void child_done(void *arg, const struct pdf_result *res, const char *error)
{
	struct pdf_task *t = arg;

	t->child = NULL;
	finish(t, res, error);
}

static void failed_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct pdf_task *t = w->data;

	(void)revents;
	ev_timer_stop(loop, w);
	finish(t, NULL, t->error);
}

/* Starts t's child; a failure is reported from the loop, as a finished task. */
static void launch(struct pdf_task *t)
{
	push_running(t);
	t->child =
	    pdf_child_start(t->q->loop, t->data, t->len, child_done, t, t->error, sizeof(t->error));
	if (t->child == NULL) {
		ev_timer_init(&t->failed, failed_cb, 0., 0.);
		t->failed.data = t;
		ev_timer_start(t->q->loop, &t->failed);
	}
}

static void pump(struct pdf_queue *q)
{
	while (q->waiting && q->nrunning < PDF_QUEUE_MAX) {
		struct pdf_task *t = q->waiting;

		unlink_task(t);
		launch(t);
	}
}

struct pdf_task *pdf_queue_start(struct pdf_queue *q, const char *data, size_t len,
				 pdf_child_done_fn *done, void *arg)
{
	struct pdf_task *t = xcalloc(1, sizeof(*t));

	t->q = q;
	t->data = data;
	t->len = len;
	t->done = done;
	t->arg = arg;
	push_waiting(t);
	pump(q);
	return t;
}

void pdf_queue_cancel(struct pdf_task *t)
{
	struct pdf_queue *q;

	if (t == NULL)
		return;
	q = t->q;
	pdf_child_cancel(t->child);
	ev_timer_stop(q->loop, &t->failed);
	unlink_task(t);
	free(t);
	pump(q);
}

void pdf_queue_free(struct pdf_queue *q)
{
	if (q == NULL)
		return;
	while (q->waiting)
		pdf_queue_cancel(q->waiting);
	while (q->running)
		pdf_queue_cancel(q->running);
	free(q);
}

size_t pdf_queue_running(const struct pdf_queue *q)
{
	return q->nrunning;
}

size_t pdf_queue_waiting(const struct pdf_queue *q)
{
	return q->nwaiting;
}
