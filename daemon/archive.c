#include "daemon/archive.h"

#include <string.h>

#include "common/clock.h"
#include "common/log.h"
#include "daemon/daemon_int.h"
#include "daemon/store.h"

enum config_first_poll archive_first_poll(const struct source_rt *rt)
{
	return rt->cfg->first_poll >= 0 ? (enum config_first_poll)rt->cfg->first_poll
					: rt->d->cfg->daemon.first_poll;
}

long archive_max_items(const struct source_rt *rt)
{
	return rt->cfg->archive_max > 0 ? rt->cfg->archive_max : rt->d->cfg->daemon.archive_max;
}

/* One item written alone, durably: an archive is read once and must not be read again. */
static int put_alone(struct source_rt *rt, struct store_item *it, const char *what)
{
	struct store *st = rt->d->store;

	if (store_begin(st) == 0 && store_item_put(st, it) == 0 && store_commit(st) == 0)
		return 0;
	log_err("source=%s url=%s cannot store %s: %s", rt->id, log_esc(it->url, 200), what,
		store_error(st));
	store_rollback(st);
	return -1;
}

int archive_store(struct source_rt *rt, struct store_item *it)
{
	if (put_alone(rt, it, "the archived text") < 0)
		return -1;
	rt->text_newest_known = 0; /* a stored text may open a re-check window */
	log_debug("source=%s url=%s archived: %ld words", rt->id, log_esc(it->url, 200), it->words);
	return 0;
}

void archive_give_up(struct source_rt *rt, struct store_item *known)
{
	known->fetched_at = clock_wall();
	if (put_alone(rt, known, "the archive's failed read") == 0)
		log_info("source=%s url=%s archive: the page could not be read; not tried again",
			 rt->id, log_esc(known->url, 200));
}
