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
#include "daemon/httpcfg.h"
#include "daemon/webserve.h"
#include "daemon/outbox.h"
#include "daemon/reloadstatus.h"
#include "daemon/share.h"
#include "daemon/sdnotify.h"
#include "daemon/themeset.h"
#include "fetch/http.h"

/* Logs each line of text; is_error: as errors, else as information (notices). */
static void log_lines(const char *text, int is_error)
{
	const char *p = text;

	while (*p) {
		size_t n = strcspn(p, "\n");

		if (is_error)
			log_err("reload: %.*s", (int)n, p);
		else
			log_info("reload: %.*s", (int)n, p);
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
		if (source_busy(rt)) { /* freed when its poll or job ends (forget_retired) */
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
			schedule_first(rt);
			log_info("source=%s added by reload", s->id);
		} else if (source_changed(rt->cfg, s)) {
			rt->cfg = s;
			schedule_at(rt, 0);
		}
		rt->cfg = s;
		rt->archive_done = 0; /* first_poll or archive_max may have changed: look again */
		next = xreallocarray(next, n + 1, sizeof(*next));
		next[n++] = rt;
	}
	retire_rest(d, &next, &n);
	free(d->sources);
	d->sources = next;
	d->nsources = n;
	if (d->share)
		share_sources(d->share); /* leases of sources gone are given back */
	themes_free(d->themes);
	d->themes = themes;
	/* The old outbox keeps the old config until its sends in flight are answered. */
	outbox_retire(d->outbox, d->cfg, outbox);
	d->cfg = fresh;
	d->outbox = outbox;
	d->outbox_env.cfg = fresh;
	outbox_kick(d->outbox);
}

static int same_str(const char *a, const char *b)
{
	return (a == NULL || b == NULL) ? a == b : strcmp(a, b) == 0;
}

/* Appends to out the names of the [daemon] keys whose value differs; its length. */
static size_t daemon_changes(const struct config_daemon *a, const struct config_daemon *b,
			     struct buf *out)
{
	const struct {
		const char *name;
		int changed;
	} keys[] = {
	    {"user_agent", !same_str(a->user_agent, b->user_agent)},
	    {"max_connections", a->max_connections != b->max_connections},
	    {"max_per_host", a->max_per_host != b->max_per_host},
	    {"first_poll", a->first_poll != b->first_poll},
	    {"archive_max", a->archive_max != b->archive_max},
	    {"allow_private", a->allow_private != b->allow_private},
	    {"recheck_days", a->recheck_days != b->recheck_days},
	    {"fail_after", a->fail_after != b->fail_after},
	    {"proxy", !same_str(a->proxy, b->proxy)},
	    {"watchdog_interval", a->watchdog_interval != b->watchdog_interval},
	    {"timeout", a->timeout != b->timeout},
	    {"connect_timeout", a->connect_timeout != b->connect_timeout},
	    {"low_speed_time", a->low_speed_time != b->low_speed_time},
	};

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (keys[i].changed)
			buf_printf(out, "%s%s", out->len ? ", " : "", keys[i].name);
	return out->len;
}

/*
 * The fetch engine takes fresh's address policy, proxy, timeouts, limits
 * and user agent for every request started from now on. -1 with the
 * reason appended (nothing changed then).
 */
static int apply_http(struct daemon *d, const struct config *fresh, struct buf *errors)
{
	struct http_config hc;
	char err[256];

	if (d->http == NULL)
		return 0;
	httpcfg_from_daemon(&fresh->daemon, &hc);
	if (http_reconfigure(d->http, &hc, err, sizeof(err)) == 0)
		return 0;
	buf_printf(errors, "%s: [daemon]: %s\n", d->config_path, err);
	return -1;
}

/* The watchdog's own period, if the config gives one, is re-armed. */
static void apply_watchdog(struct daemon *d, const struct config *old, const struct config *fresh)
{
	if (d->mode != DAEMON_RUN ||
	    old->daemon.watchdog_interval == fresh->daemon.watchdog_interval)
		return;
	sdnotify_watchdog_stop(d->loop);
	sdnotify_watchdog_start(d->loop, fresh->daemon.watchdog_interval);
}

/* Reports what of [daemon] the reload applies: nothing changes silently. */
static void log_daemon_changes(const struct config *old, const struct config *fresh)
{
	struct buf names;

	buf_init(&names);
	if (daemon_changes(&old->daemon, &fresh->daemon, &names) > 0)
		log_info("reload: [daemon] %s applied", buf_str(&names));
	buf_free(&names);
}

/*
 * state_dir and database name the store this daemon has open (and holds):
 * they cannot change under a running daemon, so such a config is refused
 * as a whole.
 */
static int check_restart_only(const struct daemon *d, const struct config *fresh,
			      struct buf *errors)
{
	if (!same_str(d->cfg->daemon.state_dir, fresh->daemon.state_dir)) {
		buf_printf(
		    errors,
		    "%s: [daemon] state_dir changed (%s -> %s): only a restart can apply it\n",
		    d->config_path, d->cfg->daemon.state_dir, fresh->daemon.state_dir);
		return -1;
	}
	if (!same_str(d->cfg->daemon.database, fresh->daemon.database)) {
		buf_printf(errors, "%s: [daemon] database changed: only a restart can apply it\n",
			   d->config_path);
		return -1;
	}
	if (d->cfg->daemon.lease_ttl != fresh->daemon.lease_ttl)
		log_info("reload: notice: [daemon] lease_ttl changed (%.0fs -> %.0fs): it takes "
			 "effect at the next restart",
			 d->cfg->daemon.lease_ttl, fresh->daemon.lease_ttl);
	return 0;
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

/* Leaves the outcome where `speechwatch reload` waits for it (not in a dry run). */
static void record_outcome(struct daemon *d, int ok, const char *errors)
{
	d->reloads++;
	if (d->dry_run || d->cfg->daemon.state_dir == NULL)
		return;
	if (reloadstatus_write(d->cfg->daemon.state_dir, d->reloads, ok, errors) < 0)
		log_warn("reload: cannot record the outcome in %s", d->cfg->daemon.state_dir);
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
	if (fresh &&
	    (check_restart_only(d, fresh, &errors) < 0 ||
	     build(d, fresh, &themes, &outbox, &errors) < 0 || apply_http(d, fresh, &errors) < 0)) {
		themes_free(themes);
		outbox_free(outbox);
		config_free(fresh);
		fresh = NULL;
	}
	if (fresh == NULL) {
		log_lines(buf_str(&errors), 1);
		log_err("reload: %s is invalid; still running on the previous configuration",
			d->config_path);
		record_outcome(d, 0, buf_str(&errors));
		buf_free(&errors);
		return;
	}
	log_lines(buf_str(&errors), 0); /* after a success: notices only */
	buf_free(&errors);
	sdnotify_reloading();
	log_daemon_changes(d->cfg, fresh);
	apply_watchdog(d, d->cfg, fresh);
	webserve_reload(d->web, d->cfg, fresh);
	swap_config(d, fresh, themes, outbox);
	log_info("reload: done from %s: %zu source(s), %zu theme(s), %zu channel(s)",
		 d->config_path, d->nsources, d->cfg->nthemes,
		 d->cfg->nnotifies ? d->cfg->nnotifies : 1);
	sdnotify_status("watching %zu source(s)", d->nsources);
	sdnotify_ready();
	record_outcome(d, 1, NULL);
}
