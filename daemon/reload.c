/*
 * SIGHUP: read and validate the config file again; swap it in only if it is
 * wholly valid, keeping the timers and failure counts of sources whose id is
 * unchanged. On any error keep running on the old config and log every
 * FILE:LINE message.
 */
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "analyze/themes/themes.h"
#include "common/xmalloc.h"
#include "daemon/daemon_int.h"
#include "daemon/channels.h"
#include "daemon/outbox.h"
#include "daemon/sdnotify.h"
#include "daemon/themeset.h"
#include "fetch/http.h"

static void log_errors(const char *text)
{
	const char *p = text;

	while (*p) {
		size_t n = strcspn(p, "\n");

		log_err("reload: %.*s", (int)n, p);
		p += n;
		if (*p == '\n')
			p++;
	}
}

static struct source_rt *take_rt(struct daemon *d, const char *id)
{
	for (size_t i = 0; i < d->nsources; i++) {
		struct source_rt *rt = d->sources[i];

		if (rt && rt->cfg && strcmp(rt->id, id) == 0) {
			d->sources[i] = NULL;
			return rt;
		}
	}
	return NULL;
}

/* Was a source's polling changed so that it should be polled soon? */
static int source_changed(const struct config_source *a, const struct config_source *b)
{
	return strcmp(a->url, b->url) != 0 || a->interval != b->interval;
}

/* Sources of the old set that were not taken: free them, or keep them until their poll ends. */
static void retire_rest(struct daemon *d, struct source_rt ***keep, size_t *nkeep)
{
	for (size_t i = 0; i < d->nsources; i++) {
		struct source_rt *rt = d->sources[i];

		if (rt == NULL)
			continue;
		ev_timer_stop(d->loop, &rt->timer);
		rt->cfg = NULL;
		if (rt->inflight || rt->run) { /* freed when its poll ends (forget_retired) */
			*keep = xreallocarray(*keep, *nkeep + 1, sizeof(**keep));
			(*keep)[(*nkeep)++] = rt;
		} else {
			log_info("source=%s removed by reload", rt->id);
			schedule_source_free(rt);
		}
	}
}

static void swap_config(struct daemon *d, struct config *fresh)
{
	struct source_rt **next = NULL;
	size_t n = 0;

	for (size_t i = 0; i < fresh->nsources; i++) {
		const struct config_source *s = &fresh->sources[i];
		struct source_rt *rt;

		if (!s->enabled)
			continue;
		rt = take_rt(d, s->id);
		if (rt == NULL) {
			rt = schedule_source_new(d, s);
			schedule_at(rt, schedule_first_delay(rt));
			log_info("source=%s added by reload", s->id);
		} else if (source_changed(rt->cfg, s)) {
			rt->cfg = s;
			schedule_at(rt, 0);
		}
		rt->cfg = s;
		next = xreallocarray(next, n + 1, sizeof(*next));
		next[n++] = rt;
	}
	retire_rest(d, &next, &n);
	free(d->sources);
	d->sources = next;
	d->nsources = n;
	/*
	 * Channels point into the config: new ones for the new config. The old
	 * outbox keeps the old config until its sends in flight are answered.
	 */
	{
		struct outbox *old = d->outbox;
		struct config *old_cfg = d->cfg;

		d->cfg = fresh;
		d->outbox = outbox_new(d, 0); /* channels_check opened each one already */
		if (d->outbox == NULL)
			fatalx("reload: cannot start the channels of the new configuration");
		outbox_retire(old, old_cfg);
	}
	outbox_kick(d->outbox);
}

/* Daemon-wide settings that only a restart applies. */
static void warn_restart_only(const struct config *old, const struct config *fresh)
{
	if (strcmp(old->daemon.state_dir, fresh->daemon.state_dir) != 0 ||
	    strcmp(old->daemon.user_agent, fresh->daemon.user_agent) != 0 ||
	    old->daemon.max_connections != fresh->daemon.max_connections ||
	    old->daemon.max_per_host != fresh->daemon.max_per_host)
		log_warnx("reload: changes to state_dir, user_agent, max_connections or "
			  "max_per_host take effect at the next restart");
}

void daemon_reload(struct daemon *d)
{
	struct buf errors;
	struct config *fresh;

	log_info("reload: reading %s", d->config_path);
	buf_init(&errors);
	fresh = config_load(d->config_path, &errors);
	if (fresh &&
	    themeset_check(fresh, &errors) + channels_check(fresh, d->loop, d->http, &errors) > 0) {
		config_free(fresh);
		fresh = NULL;
	}
	if (fresh == NULL) {
		log_errors(buf_str(&errors));
		log_err("reload: %s is invalid; still running on the previous configuration",
			d->config_path);
		buf_free(&errors);
		return;
	}
	buf_free(&errors);
	sdnotify_reloading();
	{
		char err[512];
		struct themes *th =
		    fresh->nthemes ? themeset_compile(fresh, err, sizeof(err)) : NULL;

		if (fresh->nthemes && th == NULL) {
			log_err("reload: themes: %s; still running on the previous configuration",
				err);
			config_free(fresh);
			sdnotify_ready();
			return;
		}
		themes_free(d->themes);
		d->themes = th;
	}
	warn_restart_only(d->cfg, fresh);
	swap_config(d, fresh);
	log_info("reload: done from %s: %zu source(s), %zu theme(s), %zu channel(s)",
		 d->config_path, d->nsources, d->cfg->nthemes,
		 d->cfg->nnotifies ? d->cfg->nnotifies : 1);
	sdnotify_status("watching %zu source(s)", d->nsources);
	sdnotify_ready();
}
