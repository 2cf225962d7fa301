/*
 * speechwatch status [-c FILE] [--json]: what the daemon has been doing, read
 * from its store without disturbing it (read-only, works while it runs).
 * The exit status is a monitoring plugin's (Nagios: OK, WARNING, CRITICAL).
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/printable.h"
#include "common/xmalloc.h"
#include "config/config.h"
#include "daemon/cmd/cmd.h"
#include "daemon/event.h"
#include "daemon/store.h"
#include "daemon/status.h"
#include "daemon/structure.h"

enum status_verdict {
	STATUS_OK = 0,	     /* healthy */
	STATUS_WARNING = 1,  /* a failing source, a dead event */
	STATUS_CRITICAL = 2, /* no config, no store: nothing to judge */
};

static void fmt_time(double t, char *out, size_t len)
{
	if (t <= 0)
		snprintf(out, len, "never");
	else
		event_format_time(t, out, len);
}

static void fmt_next(double due, char *out, size_t len)
{
	double in = due - (double)time(NULL);

	if (due <= 0)
		snprintf(out, len, "-");
	else if (in <= 0)
		snprintf(out, len, "due now");
	else if (in < 3600)
		snprintf(out, len, "in %dm%02ds", (int)in / 60, (int)in % 60);
	else
		snprintf(out, len, "in %dh%02dm", (int)in / 3600, (int)in % 3600 / 60);
}

/* XPaths come from pages too (discover): escaped, then a newline. */
static void print_escaped(const char *text)
{
	char *safe = printable(text, 0);

	printf("%s\n", safe);
	free(safe);
}

/* Errors quote servers and pages: escaped for the terminal (--json stays exact). */
static void print_error_line(const char *label, const char *error)
{
	char *safe = printable(error, 0);

	printf("%24s %s: %s\n", "", label, safe);
	free(safe);
}

/* items = auto: the structure in use and since when; discover's suggestion after a failure. */
static void print_structures(const struct config_source *c, const struct store_source *r)
{
	struct structure st;
	char *text, when[32];

	text = c->items_auto ? structure_describe(r->structure) : NULL;
	if (text != NULL && structure_parse(r->structure, &st) == 0) {
		fmt_time(st.chosen_at, when, sizeof(when));
		printf("%24s structure (since %s): ", "", when);
		print_escaped(text);
		structure_clear(&st);
	}
	free(text);
	text = r->failures > 0 ? structure_describe(r->suggestion) : NULL;
	if (text != NULL) {
		printf("%24s suggestion: ", "");
		print_escaped(text);
	}
	free(text);
}

static void print_source(const struct config_source *c, const struct store_source *r)
{
	char when[32], next[32], status[16];

	fmt_time(r ? r->last_poll : 0, when, sizeof(when));
	fmt_next(r && c->enabled ? r->next_due : 0, next, sizeof(next));
	snprintf(status, sizeof(status), "%ld", r ? r->last_status : 0L);
	printf("%-24s %-20s %-14s %-6s %6ld %4ld %4ld %5ld  %s\n", c->id, when,
	       !c->enabled	     ? "disabled"
	       : r && r->last_result ? r->last_result
				     : "-",
	       r && r->last_status ? status : "-", r ? r->items : 0L, r ? r->last_new : 0L,
	       r ? r->last_changed : 0L, r ? r->failures : 0L, next);
	if (r && r->last_error && r->failures > 0) {
		print_error_line("error", r->last_error);
		print_error_line("reason", event_fail_reason(r->last_result));
	} else if (r && r->last_error) {
		print_error_line("note", r->last_error);
	}
	if (r && r->duplicates > 0)
		printf("%24s recorded as duplicates: %ld\n", "", r->duplicates);
	if (r)
		print_structures(c, r);
}

static void print_channel(const struct status_channel *c)
{
	printf("%-24s %-8s %8ld %10ld %5ld\n", c->id, c->type, c->counts.pending,
	       c->counts.delivered, c->counts.dead);
	if (c->counts.last_error)
		print_error_line("last error", c->counts.last_error);
}

/* --json: status_json, the same the read side's /api/v1/status serves. */
static void print_json(const struct config *cfg, const struct status *s)
{
	json_t *root = status_json(cfg, s);
	char *out = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

	puts(out ? out : "{}");
	free(out);
	json_decref(root);
}

/* Instances sharing a PostgreSQL store: each one's leases and heartbeat. */
static void print_instances(const struct status *s)
{
	if (s->ninstances == 0)
		return;
	printf("\n%-40s %8s %14s\n", "INSTANCE", "LEASES", "HEARTBEAT");
	for (size_t i = 0; i < s->ninstances; i++)
		printf("%-40s %8ld %12.1fs ago\n", s->instances[i].id, s->instances[i].leases,
		       s->instances[i].age);
}

static void print_text(const struct config *cfg, const struct status *s)
{
	printf("%-24s %-20s %-14s %-6s %6s %4s %4s %5s  %s\n", "SOURCE", "LAST POLL", "RESULT",
	       "HTTP", "ITEMS", "NEW", "CHG", "FAILS", "NEXT POLL");
	for (size_t i = 0; i < cfg->nsources; i++)
		print_source(&cfg->sources[i], status_row(s, cfg->sources[i].id));
	printf("\n%-24s %-8s %8s %10s %5s\n", "CHANNEL", "TYPE", "PENDING", "DELIVERED", "DEAD");
	for (size_t i = 0; i < s->nchannels; i++)
		print_channel(&s->channels[i]);
	print_instances(s);
	printf("\n%zu source(s), %ld failing; events: %ld pending, %ld delivered, %ld dead\n",
	       cfg->nsources, s->failing, s->pending, s->delivered, s->dead);
	printf("store %s: %.1f MiB, %.1f MiB of it free (speechwatch vacuum returns it)\n",
	       s->location, (double)s->bytes / 1048576.0, (double)s->free_bytes / 1048576.0);
}

int cmd_status(const struct cmd_opts *o, int argc, char **argv)
{
	enum status_verdict verdict;
	struct status s;
	struct store *st = NULL;
	struct config *cfg;
	char *path, *shown, err[600];

	(void)argv;
	if (argc > 0) {
		fprintf(stderr, "usage: speechwatch status [-c FILE] [--json]\n");
		return STATUS_CRITICAL;
	}
	cfg = cmd_load_config(o);
	if (cfg == NULL)
		return STATUS_CRITICAL;
	path = store_location_of(cfg->daemon.database, cfg->daemon.state_dir);
	shown = store_location_shown(path);
	if (store_exists(path) != 0) {
		st = store_open_readonly(path, err, sizeof(err));
		if (st == NULL || status_collect(cfg, st, shown, &s) < 0) {
			fprintf(stderr, "speechwatch status: %s\n", st ? store_error(st) : err);
			if (st)
				status_clear(&s);
			store_close(st);
			free(path);
			free(shown);
			config_free(cfg);
			return STATUS_CRITICAL;
		}
	} else {
		status_collect(cfg, NULL, shown, &s);
		if (!o->json)
			printf("(no state yet: %s does not exist; the daemon has not run)\n\n",
			       shown);
	}
	if (o->json)
		print_json(cfg, &s);
	else
		print_text(cfg, &s);
	verdict = s.failing > 0 || s.dead > 0 ? STATUS_WARNING : STATUS_OK;
	status_clear(&s);
	store_close(st);
	free(path);
	free(shown);
	config_free(cfg);
	return (int)verdict;
}
