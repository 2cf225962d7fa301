#include "daemon/archive.h"

#include <string.h>

#include "common/clock.h"
#include "daemon/article_settle.h"
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

void archive_give_up(struct source_rt *rt, struct store_item *known)
{
	known->fetched_at = clock_wall();
	article_settle_alone(rt, known, "the archive's failed read",
			     "archive: the page could not be read; not tried again");
}
