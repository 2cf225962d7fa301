#include <ev.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/themes/themes.h"
#include "common/buf.h"
#include "common/log.h"
#include "config/config.h"
#include "daemon/channels.h"
#include "daemon/cmd/cmd.h"
#include "daemon/httpcfg.h"
#include "daemon/store.h"
#include "fetch/http.h"
#include "fetch/render.h"
#include "daemon/themeset.h"

/* Compiles the themes once; prints FILE:LINE errors. -1 when they do not compile. */
static int build_themes(const struct config *cfg, struct themes **out)
{
	struct buf errors;
	int rc;

	buf_init(&errors);
	rc = themeset_build(cfg, out, &errors);
	fputs(buf_str(&errors), stderr);
	buf_free(&errors);
	return rc;
}

/*
 * Opens every channel once without sending anything, so that what only the
 * channel can judge (mail templates, addresses, secrets' encoding) is
 * reported at the [notify] section's FILE:LINE. Appends to errors; returns
 * how many channels are bad.
 */
static size_t check_channels_into(const struct config *cfg, struct buf *errors)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	struct http_config hc;
	struct http *h;
	char err[512];
	size_t bad = 0;

	httpcfg_from_daemon(&cfg->daemon, &hc);
	h = loop ? http_new(loop, &hc, err, sizeof(err)) : NULL;
	if (h)
		bad = channels_check(cfg, loop, h, errors);
	else
		buf_printf(errors, "speechwatch: cannot check channels: %s\n",
			   loop ? err : "no event loop");
	http_free(h);
	if (loop)
		ev_loop_destroy(loop);
	return h ? bad : 1;
}

size_t cmd_check_channels(const struct config *cfg)
{
	struct buf errors;
	size_t bad;

	buf_init(&errors);
	bad = check_channels_into(cfg, &errors);
	fputs(buf_str(&errors), stderr);
	buf_free(&errors);
	return bad;
}

/*
 * The config with secrets, for run and once: errors printed; on success each
 * notice (a theme that replaces an included one) logged, so the log says
 * which definition of a theme the daemon runs with.
 */
static struct config *load_logging_notices(const struct cmd_opts *o)
{
	struct config *cfg;
	struct buf found;

	buf_init(&found);
	cfg = config_load(o->config_path, &found);
	if (cfg == NULL) {
		fputs(buf_str(&found), stderr);
	} else {
		for (const char *p = buf_str(&found); *p;) {
			size_t n = strcspn(p, "\n");

			log_info("config: %.*s", (int)n, p);
			p += n + (p[n] == '\n');
		}
	}
	buf_free(&found);
	return cfg;
}

struct config *cmd_load_config_fully(const struct cmd_opts *o, struct themes **themes)
{
	struct config *cfg = load_logging_notices(o);
	struct themes *th = NULL;
	int bad;

	if (cfg == NULL)
		return NULL;
	bad = build_themes(cfg, &th) < 0;
	bad |= cmd_check_channels(cfg) > 0;
	if (bad) {
		themes_free(th);
		config_free(cfg);
		return NULL;
	}
	if (themes)
		*themes = th;
	else
		themes_free(th);
	return cfg;
}

/*
 * A channel's sources = glob that matches no source is a warning, not an
 * error: the sources may come from a conf.d/ include that is empty today.
 */
static void warn_unrouted(const struct config *cfg, struct buf *out)
{
	for (size_t i = 0; i < cfg->nnotifies; i++) {
		const struct config_notify *n = &cfg->notifies[i];

		for (size_t g = 0; g < n->sources.n; g++) {
			struct strlist one = {&n->sources.v[g], 1, 0};
			size_t s = 0;

			while (s < cfg->nsources && !config_globs_match(&one, cfg->sources[s].id))
				s++;
			if (s == cfg->nsources)
				buf_printf(
				    out,
				    "%s:%d: warning: notify '%s': sources '%s' matches no source\n",
				    n->at.file, n->sources.line ? n->sources.line : n->at.line,
				    n->id, n->sources.v[g]);
		}
	}
}

/* The effective state of a source that sources enable|disable set, at its line there. */
static void notice_source_state(const struct config *cfg, struct buf *out)
{
	char *path = config_source_state_path(cfg->daemon.state_dir);

	for (size_t i = 0; i < cfg->nsources; i++) {
		const struct config_source *s = &cfg->sources[i];

		if (s->enabled_by_state > 0)
			buf_printf(out,
				   "%s:%d: notice: source '%s' %s here (speechwatch sources "
				   "enable|disable), whatever %s:%d says\n",
				   path, s->enabled_by_state, s->id,
				   s->enabled ? "enabled" : "disabled", s->at.file, s->at.line);
	}
	free(path);
}

/*
 * Which browser each enabled source with render = browser (or
 * render_articles) will run: a notice naming it, or a warning that none is
 * installed (its polls will fail; the others run). Disabled sources are
 * not polled, so a catalogue of them stays quiet.
 */
static void note_render(const struct config *cfg, struct buf *out)
{
	char *browser = NULL;
	int looked = 0;

	for (size_t i = 0; i < cfg->nsources; i++) {
		const struct config_source *s = &cfg->sources[i];

		if (!s->enabled || (s->render != RENDER_BROWSER && !s->render_articles))
			continue;
		if (!looked++)
			browser = render_find_browser(cfg->daemon.browser);
		if (browser)
			buf_printf(out, "%s:%d: notice: source '%s' renders with the browser %s\n",
				   s->at.file, s->at.line, s->id, browser);
		else
			buf_printf(out,
				   "%s:%d: warning: source '%s': render = browser but %s is not "
				   "installed; its polls will fail\n",
				   s->at.file, s->at.line, s->id,
				   cfg->daemon.browser ? cfg->daemon.browser : "chromium");
	}
	free(browser);
}

/*
 * A PostgreSQL store ([daemon] database): whether the server answers and
 * holds a store, as a notice, or why not, as a warning (a server down at
 * check time may be up when the daemon starts); and that run and once do
 * not use it yet.
 */
static void note_database(const struct config *cfg, struct buf *out)
{
	const char *db = cfg->daemon.database, *file = cfg->daemon.database_at.file;
	int line = cfg->daemon.database_at.line;
	char err[600], *shown;
	struct store *st;

	if (db == NULL || !store_on_server(db))
		return;
	shown = store_location_shown(db);
	if (store_exists(db) == 0) {
		buf_printf(out, "%s:%d: notice: database %s answers and holds no store yet (run "
			   "or once makes it)\n", file,
			   line, shown);
	} else if ((st = store_open_readonly(db, err, sizeof(err))) != NULL) {
		buf_printf(out, "%s:%d: notice: database %s holds a speechwatch store\n", file,
			   line, shown);
		store_close(st);
	} else {
		buf_printf(out, "%s:%d: warning: database: %s\n", file, line, err);
	}
	free(shown);
}

/*
 * Everything check finds, in order, into out as "FILE:LINE: message" lines
 * (notices and warnings marked so): the config (with secrets), the themes
 * compiled once, every channel opened once. Returns the config (NULL when it
 * did not load); *bad is 1 when anything is an error.
 */
static struct config *check_collect(const struct cmd_opts *o, struct buf *out, int *bad)
{
	struct config *cfg = config_load(o->config_path, out);
	struct themes *th = NULL;

	*bad = cfg == NULL;
	if (cfg == NULL)
		return NULL;
	*bad = themeset_build(cfg, &th, out) < 0;
	themes_free(th);
	*bad |= check_channels_into(cfg, out) > 0;
	warn_unrouted(cfg, out);
	notice_source_state(cfg, out);
	note_render(cfg, out);
	note_database(cfg, out);
	return cfg;
}

static void print_ok(const struct config *cfg)
{
	size_t enabled = 0;

	for (size_t i = 0; i < cfg->nsources; i++)
		enabled += cfg->sources[i].enabled != 0;
	printf("ok: %zu source%s", cfg->nsources, cfg->nsources == 1 ? "" : "s");
	if (enabled != cfg->nsources)
		printf(" (%zu enabled)", enabled);
	printf(", %zu theme%s, %zu channel%s\n", cfg->nthemes, cfg->nthemes == 1 ? "" : "s",
	       cfg->nnotifies, cfg->nnotifies == 1 ? "" : "s");
}

int cmd_check(const struct cmd_opts *o, int argc, char **argv)
{
	struct config *cfg;
	struct buf found;
	int bad;

	if (argc > 0) {
		fprintf(stderr, "speechwatch check: unexpected argument '%s'\n", argv[0]);
		return EXIT_USAGE;
	}
	buf_init(&found);
	cfg = check_collect(o, &found, &bad);
	if (o->json) {
		cmd_check_print_json(cfg, buf_str(&found), bad);
	} else {
		fputs(buf_str(&found), stderr);
		if (!bad)
			print_ok(cfg);
	}
	buf_free(&found);
	config_free(cfg);
	return bad ? EXIT_USAGE : EXIT_OK;
}
