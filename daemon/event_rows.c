#include "daemon/event_rows.h"

#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"
#include "daemon/event.h"
#include "daemon/store.h"

void event_rows_add(struct event_rows *r, const char *channel, const char *type,
		    const char *source_id, double created,
		    char *(*payload)(const char *id, void *arg), void *arg)
{
	char id[EVENT_ID_LEN + 1];
	struct event_row *row;

	event_new_id(id);
	r->v = xreallocarray(r->v, r->n + 1, sizeof(*r->v));
	row = &r->v[r->n++];
	row->id = xstrdup(id);
	row->channel = xstrdup(channel);
	row->type = xstrdup(type);
	row->source_id = xstrdup(source_id);
	row->created = created;
	row->payload = payload(id, arg);
}

int event_rows_insert(struct store *st, const struct event_rows *r, int64_t item_id)
{
	for (size_t i = 0; i < r->n; i++) {
		const struct event_row *e = &r->v[i];

		if (store_event_insert(st, &(struct store_event_new){e->id, e->channel, e->type,
								     e->source_id, item_id,
								     e->payload, e->created}) < 0)
			return -1;
	}
	return 0;
}

void event_rows_free(struct event_rows *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->v[i].id);
		free(r->v[i].channel);
		free(r->v[i].type);
		free(r->v[i].source_id);
		free(r->v[i].payload);
	}
	free(r->v);
	memset(r, 0, sizeof(*r));
}
