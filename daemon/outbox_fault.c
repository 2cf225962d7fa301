#include "daemon/outbox_fault.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/xmalloc.h"
#include "daemon/sdnotify.h"
#include "daemon/store.h"

#define BACKOFF_MIN 1.0 /* seconds before the first look after a store failure */
#define BACKOFF_MAX 60.0

void outbox_fault_trouble(struct outbox_fault *f, const char *what, const char *err)
{
	if (f->failing) {
		log_debug("outbox: %s: %s", what, err);
		return;
	}
	f->failing = 1;
	f->backoff = BACKOFF_MIN;
	log_err("outbox: %s: %s; deliveries paused until the store accepts writes again", what,
		err);
	sdnotify_status("store failing (%s): deliveries paused", err);
}

void outbox_fault_recovered(struct outbox_fault *f)
{
	if (!f->failing)
		return;
	f->failing = 0;
	log_info("outbox: the store accepts writes again; deliveries resume");
	sdnotify_status("store writable again; deliveries resumed");
}

void outbox_fault_keep(struct outbox_fault *f, const struct store_event *ev)
{
	struct store_event *u;

	f->unsaved = xreallocarray(f->unsaved, f->nunsaved + 1, sizeof(*f->unsaved));
	u = &f->unsaved[f->nunsaved++];
	*u = *ev;
	u->id = xstrdup(ev->id);
	u->channel = xstrdup(ev->channel);
	u->type = u->source_id = u->payload = NULL;
	u->last_error = xstrdup_or_null(ev->last_error);
}

void outbox_fault_take(struct outbox_fault *f, struct store_event **evs, size_t *n)
{
	*evs = f->unsaved;
	*n = f->nunsaved;
	f->unsaved = NULL;
	f->nunsaved = 0;
}

void outbox_fault_put_back(struct outbox_fault *f, const struct store_event *evs, size_t n)
{
	struct store_event *later = f->unsaved;
	size_t nlater = f->nunsaved;

	if (n == 0)
		return;
	f->unsaved = NULL;
	f->nunsaved = 0;
	for (size_t i = 0; i < n; i++)
		outbox_fault_keep(f, &evs[i]);
	f->unsaved = xreallocarray(f->unsaved, n + nlater, sizeof(*f->unsaved));
	memcpy(f->unsaved + n, later, nlater * sizeof(*later));
	f->nunsaved += nlater;
	free(later);
}

double outbox_fault_next_backoff(struct outbox_fault *f)
{
	double now = f->backoff > 0 ? f->backoff : BACKOFF_MIN;

	f->backoff = now * 2 > BACKOFF_MAX ? BACKOFF_MAX : now * 2;
	return now;
}

void outbox_fault_hand_over(struct outbox_fault *from, struct outbox_fault *to)
{
	if (from->nunsaved == 0)
		return;
	to->unsaved =
	    xreallocarray(to->unsaved, to->nunsaved + from->nunsaved, sizeof(*to->unsaved));
	memcpy(to->unsaved + to->nunsaved, from->unsaved, from->nunsaved * sizeof(*from->unsaved));
	to->nunsaved += from->nunsaved;
	from->nunsaved = 0;
	to->failing = 1;
	to->backoff = BACKOFF_MIN;
}

void outbox_fault_free(struct outbox_fault *f)
{
	for (size_t i = 0; i < f->nunsaved; i++)
		store_event_clear(&f->unsaved[i]);
	free(f->unsaved);
	memset(f, 0, sizeof(*f));
}
