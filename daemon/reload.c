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

/* Takes over fresh, its compiled themes and the outbox built on its channels. */
static void swap_config(struct daemon *d, struct config *fresh, struct themes *themes,
			struct outbox *outbox)
{
	struct source_rt **next = NULL;
	size_t n = 0;

	poll_flush(d); /* sources may leave: their rows go to the store first */
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
	themes_free(d->themes);
	d->themes = themes;
	/* The old outbox keeps the old config until its sends in flight are answered. */
	outbox_retire(d->outbox, d->cfg, outbox);
	d->cfg = fresh;
	d->outbox = outbox;
	d->outbox_env.cfg = fresh;
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

/*
 * Validates fresh by building what it will run with: its themes compiled
 * once, its channels opened once (in the outbox that will send). -1 with
 * every error appended; nothing is kept then.
 */
static int build(struct daemon *d, const struct config *fresh, struct themes **themes,
		 struct outbox **outbox, struct buf *errors)
{
	struct outbox_env env = d->outbox_env;
	int bad;

	env.cfg = fresh;
	bad = themeset_build(fresh, themes, errors) < 0;
	*outbox = outbox_new(&env, 0, errors);
	if (!bad && *outbox != NULL)
		return 0;
	themes_free(*themes);
	*themes = NULL;
	outbox_free(*outbox);
	*outbox = NULL;
	return -1;
}

void daemon_reload(struct daemon *d)
{
	struct themes *themes = NULL;
	struct outbox *outbox = NULL;
	struct buf errors;
	struct config *fresh;

	log_info("reload: reading %s", d->config_path);
	buf_init(&errors);
	fresh = config_load(d->config_path, &errors);
	if (fresh && build(d, fresh, &themes, &outbox, &errors) < 0) {
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
	warn_restart_only(d->cfg, fresh);
	swap_config(d, fresh, themes, outbox);
	log_info("reload: done from %s: %zu source(s), %zu theme(s), %zu channel(s)",
		 d->config_path, d->nsources, d->cfg->nthemes,
		 d->cfg->nnotifies ? d->cfg->nnotifies : 1);
	sdnotify_status("watching %zu source(s)", d->nsources);
	sdnotify_ready();
}
