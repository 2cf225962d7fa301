#include "daemon/outbox_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"

void outbox_event_copy(struct store_event *dst, const struct store_event *src)
{
	*dst = *src;
	dst->id = xstrdup_or_null(src->id);
	dst->channel = xstrdup_or_null(src->channel);
	dst->type = xstrdup_or_null(src->type);
	dst->source_id = xstrdup_or_null(src->source_id);
	dst->payload = xstrdup_or_null(src->payload);
	dst->last_error = xstrdup_or_null(src->last_error);
}

struct outbox_job *outbox_job_new(const char *const *skip, size_t nskip)
{
	struct outbox_job *j = xcalloc(1, sizeof(*j));

	j->skip = nskip ? xcalloc(nskip, sizeof(*j->skip)) : NULL;
	for (size_t i = 0; i < nskip; i++)
		j->skip[i] = xstrdup(skip[i]);
	j->nskip = nskip;
	return j;
}

struct outbox_item *outbox_job_add(struct outbox_job *j, enum outbox_item_kind k,
				   const struct store_event *ev)
{
	struct outbox_item *it;

	j->items = xreallocarray(j->items, j->nitems + 1, sizeof(*j->items));
	it = &j->items[j->nitems++];
	memset(it, 0, sizeof(*it));
	it->kind = k;
	outbox_event_copy(&it->ev, ev);
	return it;
}

void outbox_job_free(struct outbox_job *j)
{
	if (j == NULL)
		return;
	for (size_t i = 0; i < j->nitems; i++) {
		store_event_clear(&j->items[i].ev);
		store_event_clear(&j->items[i].undo);
		free(j->items[i].why);
	}
	free(j->items);
	for (size_t i = 0; i < j->nskip; i++)
		free(j->skip[i]);
	free(j->skip);
	for (size_t i = 0; i < j->ndue; i++)
		store_event_clear(&j->due[i]);
	free(j->due);
	free(j);
}

/* The step `what` was refused: the job ends there, with the store's reason. */
static int refused(struct outbox_job *j, struct store *st, const char *what)
{
	snprintf(j->what, sizeof(j->what), "%s", what);
	snprintf(j->err, sizeof(j->err), "%s", store_error(st));
	return -1;
}

/* An attempt whose "sending" row was refused does not start: its earlier rows go back. */
static void undo_group(struct store *st, struct outbox_job *j, size_t upto)
{
	size_t group = j->items[upto].group;

	for (size_t i = upto; i-- > 0 && j->items[i].group == group;) {
		j->items[i].written = 0;
		/* refused too: the row stays "sending" and the next start requeues it */
		(void)store_event_update(st, &j->items[i].undo);
	}
}

static int write_items(struct store *st, struct outbox_job *j)
{
	char what[96];
	int bad = 0;

	for (size_t i = 0; i < j->nitems; i++) {
		struct outbox_item *it = &j->items[i];

		if (store_event_update(st, &it->ev) == 0) {
			it->written = 1;
			continue;
		}
		it->refused = 1;
		if (!bad) {
			snprintf(what, sizeof(what), "event=%s cannot record state %s", it->ev.id,
				 store_event_state_name(it->ev.state));
			refused(j, st, what);
		}
		bad = 1;
		if (it->kind == OUTBOX_ITEM_SEND && it->group > 0)
			undo_group(st, j, i);
		if (!j->each_write)
			return -1;
	}
	return bad ? -1 : 0;
}

void outbox_job_work(struct store *st, void *arg)
{
	struct outbox_job *j = arg;
	struct store_skip skip = {(const char *const *)j->skip, j->nskip};

	if (j->requeue && (j->requeued = store_events_requeue_sending(st)) < 0) {
		refused(j, st, "cannot requeue interrupted events");
		return;
	}
	if (write_items(st, j) < 0 && !j->each_write)
		return;
	if (j->read_due && store_events_due(st, j->horizon, &skip, j->max, &j->due, &j->ndue) < 0) {
		refused(j, st, "cannot read the due events");
		return;
	}
	if (j->read_next && store_events_next_due(st, &skip, &j->next_due) < 0)
		refused(j, st, "cannot read the next due event");
}
