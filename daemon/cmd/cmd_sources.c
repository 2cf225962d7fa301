/*
 * speechwatch sources [-c FILE] [--json]: one line per configured source —
 * its kind, interval, whether it is enabled, what its last poll gave, the
 * items it knows and since when it is failing. Read-only like status: no
 * secret is read, the store is opened read-only (the daemon may run) and
 * need not exist yet.
 *
 * speechwatch sources enable|disable ID: records the operator's choice in
 * STATE_DIR/sources.state (config/source_state.c), which every load applies
 * over the catalogue's `enabled` keys; the daemon takes it at start and on
 * reload.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/urlcred.h"
#include "config/config.h"
#include "daemon/cmd/cmd.h"
#include "daemon/event.h"
#include "daemon/statelock.h"
#include "daemon/store.h"

struct sources_view {
	struct store *st; /* NULL before the daemon's first run */
	struct store_source *rows;
	size_t nrows;
};

/* list: the page's items by XPaths; feed: RSS/Atom; auto: the list detector's XPaths. */
static const char *kind_name(const struct config_source *s)
{
	if (s->items_auto)
		return "auto";
	if (s->kind == SOURCE_KIND_RSS || s->kind == SOURCE_KIND_ATOM)
		return "feed";
	/* kind = auto without items is a feed; with items, a list (or a feed it turns out to be) */
	return s->kind == SOURCE_KIND_AUTO && s->items == NULL ? "feed" : "list";
}

static void fmt_interval(double secs, char *out, size_t len)
{
	long s = (long)secs;

	if (s % 86400 == 0)
		snprintf(out, len, "%ldd", s / 86400);
	else if (s % 3600 == 0)
		snprintf(out, len, "%ldh", s / 3600);
	else if (s % 60 == 0)
		snprintf(out, len, "%ldm", s / 60);
	else
		snprintf(out, len, "%lds", s);
}

static const struct store_source *row_of(const struct sources_view *v, const char *id)
{
	for (size_t i = 0; i < v->nrows; i++)
		if (strcmp(v->rows[i].id, id) == 0)
			return &v->rows[i];
	return NULL;
}

/* When the source was declared failing (its source.failing event); 0 when it is not. */
static double failing_since(const struct sources_view *v, const struct store_source *r)
{
	double when = 0;

	if (r == NULL || !r->failing || v->st == NULL)
		return 0;
	if (store_event_last_of(v->st, r->id, "source.failing", &when) < 0)
		return 0;
	return when;
}

static void fmt_when(double t, char *out, size_t len)
{
	if (t > 0)
		event_format_time(t, out, len);
	else
		snprintf(out, len, "-");
}

static const char *state_name(const struct config_source *s)
{
	if (s->enabled)
		return s->enabled_by_state ? "enabled*" : "enabled";
	return s->enabled_by_state ? "disabled*" : "disabled";
}

static void print_line(const struct config_source *s, const struct store_source *r, double since)
{
	char interval[24], when[48];
	char *url = urlcred_strip(s->url);

	fmt_interval(s->interval, interval, sizeof(interval));
	fmt_when(since, when, sizeof(when));
	/* failing, or failed polls, without a source.failing event (no channel takes it) */
	if (since <= 0 && r && r->failures > 0)
		snprintf(when, sizeof(when), "(%ld failed poll%s)", r->failures,
			 r->failures == 1 ? "" : "s");
	printf("%-24s %-4s %8s %-9s %-14s %6ld  %-20s %s\n", s->id, kind_name(s), interval,
	       state_name(s),
	       r && r->last_result ? r->last_result
	       : r		   ? "-"
				   : "never",
	       r ? r->stored_items : 0L, when, url);
	free(url);
}

static json_t *source_json(const struct config_source *s, const struct store_source *r,
			   double since)
{
	char when[32];
	char *url = urlcred_strip(s->url);
	json_t *o = json_pack("{s:s, s:s, s:s, s:I, s:b, s:s}", "id", s->id, "url", url, "kind",
			      kind_name(s), "interval", (json_int_t)s->interval, "enabled",
			      s->enabled, "enabled_by", s->enabled_by_state ? "state" : "config");

	free(url);
	fmt_when(r ? r->last_poll : 0, when, sizeof(when));
	json_object_set_new(o, "last_poll",
			    r && r->last_poll > 0 ? json_string(when) : json_null());
	json_object_set_new(o, "last_result",
			    r && r->last_result ? json_string(r->last_result) : json_null());
	json_object_set_new(o, "items", json_integer(r ? r->stored_items : 0));
	json_object_set_new(o, "failures", json_integer(r ? r->failures : 0));
	fmt_when(since, when, sizeof(when));
	json_object_set_new(o, "failing_since", since > 0 ? json_string(when) : json_null());
	return o;
}

static void list_print(const struct config *cfg, const struct sources_view *v, int json)
{
	json_t *arr = json ? json_array() : NULL;
	int marked = 0;

	if (!json)
		printf("%-24s %-4s %8s %-9s %-14s %6s  %-20s %s\n", "SOURCE", "KIND", "INTERVAL",
		       "STATE", "LAST RESULT", "ITEMS", "FAILING SINCE", "URL");
	for (size_t i = 0; i < cfg->nsources; i++) {
		const struct config_source *s = &cfg->sources[i];
		const struct store_source *r = row_of(v, s->id);
		double since = failing_since(v, r);

		marked |= s->enabled_by_state;
		if (json)
			json_array_append_new(arr, source_json(s, r, since));
		else
			print_line(s, r, since);
	}
	if (json) {
		json_t *root = json_pack("{s:o}", "sources", arr);
		char *out = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

		puts(out ? out : "{}");
		free(out);
		json_decref(root);
	} else if (marked) {
		char *path = config_source_state_path(cfg->daemon.state_dir);

		printf("* set by 'speechwatch sources enable|disable' (%s)\n", path);
		free(path);
	}
}

/* The store read-only, when it exists; -1 after printing why. */
static int view_open(const struct config *cfg, struct sources_view *v)
{
	char *path = store_location_of(cfg->daemon.database, cfg->daemon.state_dir);
	char err[600];
	int rc = 0;

	memset(v, 0, sizeof(*v));
	if (store_exists(path) != 0) {
		v->st = store_open_readonly(path, err, sizeof(err));
		if (v->st == NULL || store_sources_all(v->st, &v->rows, &v->nrows) < 0) {
			fprintf(stderr, "speechwatch sources: %s\n",
				v->st ? store_error(v->st) : err);
			rc = -1;
		}
	}
	free(path);
	return rc;
}

static void view_close(struct sources_view *v)
{
	for (size_t i = 0; i < v->nrows; i++)
		store_source_clear(&v->rows[i]);
	free(v->rows);
	store_close(v->st);
}

static int sources_list(const struct cmd_opts *o)
{
	struct sources_view v;
	struct config *cfg = cmd_load_config(o);
	int rc = EXIT_OK;

	if (cfg == NULL)
		return EXIT_USAGE;
	if (view_open(cfg, &v) < 0)
		rc = EXIT_RUNTIME;
	else
		list_print(cfg, &v, o->json);
	view_close(&v);
	config_free(cfg);
	return rc;
}

/* Who takes the new state when: a running daemon on reload, else the next start. */
static void print_when_applied(const char *state_dir)
{
	char err[300];
	long pid = 0;

	if (statelock_holder(state_dir, &pid, err, sizeof(err)) == 1)
		printf("the daemon (pid %ld) applies it on reload: systemctl reload speechwatch, "
		       "or kill -HUP %ld\n",
		       pid, pid);
	else
		printf("the daemon applies it when it starts (or on reload, when it runs)\n");
}

/* sources enable|disable ID */
static int sources_set(const struct cmd_opts *o, const char *id, int enabled)
{
	const char *verb = enabled ? "enable" : "disable";
	const struct config_source *s;
	struct config *cfg = cmd_load_config(o);
	char err[600];
	char *path;

	if (cfg == NULL)
		return EXIT_USAGE;
	s = config_source_find(cfg, id);
	if (s == NULL)
		return cmd_not_found(o, cfg, verb, "source", id);
	if (config_source_state_set(cfg->daemon.state_dir, id, enabled, err, sizeof(err)) < 0) {
		fprintf(stderr, "speechwatch sources %s: %s\n", verb, err);
		config_free(cfg);
		return EXIT_RUNTIME;
	}
	path = config_source_state_path(cfg->daemon.state_dir);
	printf("source '%s' %s%s (%s)\n", id, s->enabled == enabled ? "stays " : "",
	       enabled ? "enabled" : "disabled", path);
	print_when_applied(cfg->daemon.state_dir);
	free(path);
	config_free(cfg);
	return EXIT_OK;
}

int cmd_sources(const struct cmd_opts *o, int argc, char **argv)
{
	static const char usage[] =
	    "usage: speechwatch sources [-c FILE] [--json] | sources enable|disable ID\n";

	if (argc == 0)
		return sources_list(o);
	if (argc == 2 && !o->json && strcmp(argv[0], "enable") == 0)
		return sources_set(o, argv[1], 1);
	if (argc == 2 && !o->json && strcmp(argv[0], "disable") == 0)
		return sources_set(o, argv[1], 0);
	fputs(usage, stderr);
	return EXIT_USAGE;
}
