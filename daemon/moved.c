#include "daemon/moved.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/xmalloc.h"
#include "daemon/article_batch.h"
#include "daemon/daemon_int.h"
#include "daemon/event.h"
#include "daemon/event_rows.h"
#include "daemon/outbox.h"
#include "daemon/store.h"

/* Letters and digits of s, ASCII lowercased; bytes of multibyte characters kept. */
static char *title_key(const char *s)
{
	char *out = xmalloc(strlen(s) + 1), *o = out;

	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p >= 0x80 || isalnum(*p))
			*o++ = (char)tolower(*p);
	*o = '\0';
	return out;
}

int moved_titles_agree(const char *a, const char *b)
{
	char *ka, *kb;
	int agree;

	if (a == NULL || b == NULL)
		return 1;
	ka = title_key(a);
	kb = title_key(b);
	agree = !*ka || !*kb || strstr(ka, kb) != NULL || strstr(kb, ka) != NULL;
	free(ka);
	free(kb);
	return agree;
}

int moved_is_migration(const struct article_moved *m)
{
	return m->moved >= MOVED_MIN_ITEMS && m->moved * 2 >= m->read;
}

struct notice_payload {
	const struct source_rt *rt;
	const struct article_moved *m;
	double now;
};

static char *notice_json(const char *id, void *arg)
{
	const struct notice_payload *p = arg;

	return event_source_changed_json(id, p->now, p->rt->id, p->rt->cfg->url, p->m->moved,
					 p->m->read, p->m->old_url, p->m->new_url);
}

/* Like source.failing: every channel whose sources globs take the source, whatever its themes. */
void moved_notice_events(const struct source_rt *rt, const struct article_moved *m, double now,
			 struct event_rows *ev)
{
	const char *const *channels;
	size_t n = rt->d->outbox ? outbox_channels(rt->d->outbox, &channels) : 0;
	struct notice_payload p = {rt, m, now};

	for (size_t i = 0; i < n; i++) {
		const struct config_notify *cn = config_notify_find(rt->d->cfg, channels[i]);

		if (cn && !config_globs_match(&cn->sources, rt->id))
			continue;
		event_rows_add(ev, channels[i], "source.changed", rt->id, now, notice_json, &p);
	}
}

long moved_notice_write(struct store *st, const char *source_id, const struct event_rows *ev,
			double now, int *repeat)
{
	int recent = store_event_recent(st, source_id, "source.changed", now - MOVED_QUIET);

	if (recent != 0) {
		*repeat = recent == 1;
		return recent < 0 ? -1 : 0;
	}
	return event_rows_insert(st, ev, 0) < 0 ? -1 : (long)ev->n;
}

void moved_report(const struct source_rt *rt, const struct article_moved *m, long queued)
{
	if (m->repeat) {
		log_warnx(
		    "source=%s %ld of %ld new items are statements the source already had under "
		    "other URLs: recorded without alerts (source.changed was sent within the "
		    "last %.0f h)",
		    rt->id, m->moved, m->read, MOVED_QUIET / 3600);
		return;
	}
	log_warnx(
	    "source=%s source.changed: %ld of %ld new items are statements the source already "
	    "had under other URLs (e.g. %s -> %s): recorded without alerts, events=%ld",
	    rt->id, m->moved, m->read, log_esc(m->old_url, 200), log_esc(m->new_url, 200), queued);
}
