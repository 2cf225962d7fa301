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
#include "common/urlcred.h"
#include "common/xmalloc.h"
#include "config/config.h"
#include "daemon/channels.h"
#include "daemon/cmd/cmd.h"
#include "daemon/event.h"
#include "daemon/store.h"
#include "daemon/structure.h"

enum status_verdict {
	STATUS_OK = 0,	     /* healthy */
	STATUS_WARNING = 1,  /* a failing source, a dead event */
	STATUS_CRITICAL = 2, /* no config, no store: nothing to judge */
};

struct status {
	struct store_source *rows;
	size_t nrows;
	long pending, delivered, dead, failing;
	const char *location;	   /* of the store */
	int64_t bytes, free_bytes; /* store_size; 0 when there is no store */
};

static const struct store_source *row_of(const struct status *s, const char *id)
{
	for (size_t i = 0; i < s->nrows; i++)
		if (strcmp(s->rows[i].id, id) == 0)
			return &s->rows[i];
	return NULL;
}

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

static json_t *jstr(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* The source's URL without "user:password@": status output is for sharing. */
static json_t *url_json(const char *url)
{
	char *bare = urlcred_strip(url);
	json_t *j = json_string(bare);

	free(bare);
	return j;
}

/* A JSON column of the store as an object; null when absent or not JSON. */
static json_t *stored_json(const char *text)
{
	json_t *j = text != NULL ? json_loads(text, 0, NULL) : NULL;

	return j != NULL ? j : json_null();
}

static json_t *source_json(const struct config_source *c, const struct store_source *r)
{
	json_t *o = json_object();
	char t[32];

	json_object_set_new(o, "id", json_string(c->id));
	json_object_set_new(o, "url", url_json(c->url));
	json_object_set_new(o, "enabled", json_boolean(c->enabled));
	fmt_time(r ? r->last_poll : 0, t, sizeof(t));
	json_object_set_new(o, "last_poll", r && r->last_poll > 0 ? json_string(t) : json_null());
	json_object_set_new(o, "result", jstr(r ? r->last_result : NULL));
	json_object_set_new(o, "http_status", json_integer(r ? r->last_status : 0));
	json_object_set_new(o, "items", json_integer(r ? r->items : 0));
	json_object_set_new(o, "stored_items", json_integer(r ? r->stored_items : 0));
	json_object_set_new(o, "duplicates", json_integer(r ? r->duplicates : 0));
	json_object_set_new(o, "new", json_integer(r ? r->last_new : 0));
	json_object_set_new(o, "changed", json_integer(r ? r->last_changed : 0));
	json_object_set_new(o, "failures", json_integer(r ? r->failures : 0));
	json_object_set_new(o, "failing", json_boolean(r && r->failing));
	fmt_time(r ? r->next_due : 0, t, sizeof(t));
	json_object_set_new(o, "next_poll", r && r->next_due > 0 ? json_string(t) : json_null());
	json_object_set_new(o, "last_error", jstr(r ? r->last_error : NULL));
	/* after a good poll the field holds what reading the list skipped or changed */
	json_object_set_new(o, "note", jstr(r && r->failures == 0 ? r->last_error : NULL));
	json_object_set_new(o, "reason",
			    jstr(r && r->failures > 0 ? event_fail_reason(r->last_result) : NULL));
	/* a structure stays stored when a source leaves items = auto: not in use then */
	json_object_set_new(o, "structure", stored_json(r && c->items_auto ? r->structure : NULL));
	json_object_set_new(o, "suggestion", stored_json(r ? r->suggestion : NULL));
	return o;
}

static json_t *channel_json(const char *id, const char *type, const struct store_channel_counts *c)
{
	json_t *o = json_object();

	json_object_set_new(o, "id", json_string(id));
	json_object_set_new(o, "type", json_string(type));
	json_object_set_new(o, "pending", json_integer(c->pending));
	json_object_set_new(o, "delivered", json_integer(c->delivered));
	json_object_set_new(o, "dead", json_integer(c->dead));
	json_object_set_new(o, "last_error", jstr(c->last_error));
	return o;
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

/* One channel: counts from the store, printed or added to the JSON array. */
static void channel_status(struct store *st, const char *id, const char *type, json_t *arr,
			   struct status *tot)
{
	struct store_channel_counts c;

	memset(&c, 0, sizeof(c));
	if (st)
		store_channel_counts(st, id, &c);
	tot->pending += c.pending;
	tot->delivered += c.delivered;
	tot->dead += c.dead;
	if (arr)
		json_array_append_new(arr, channel_json(id, type, &c));
	else {
		printf("%-24s %-8s %8ld %10ld %5ld\n", id, type, c.pending, c.delivered, c.dead);
		if (c.last_error)
			print_error_line("last error", c.last_error);
	}
	free(c.last_error);
}

/* Adds totals and the store's size to root, prints it and frees it. */
static void print_json_totals(const struct config *cfg, const struct status *s, json_t *root)
{
	json_t *tot = json_object();
	char *out;

	json_object_set_new(tot, "sources", json_integer((json_int_t)cfg->nsources));
	json_object_set_new(tot, "failing", json_integer(s->failing));
	json_object_set_new(tot, "pending", json_integer(s->pending));
	json_object_set_new(tot, "delivered", json_integer(s->delivered));
	json_object_set_new(tot, "dead", json_integer(s->dead));
	json_object_set_new(root, "totals", tot);
	json_object_set_new(root, "store",
			    json_pack("{s:s, s:I, s:I}", "location", s->location, "bytes",
				      (json_int_t)s->bytes, "free_bytes",
				      (json_int_t)s->free_bytes));
	out = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	puts(out ? out : "{}");
	free(out);
	json_decref(root);
}

static void report(const struct config *cfg, struct store *st, struct status *s, int json)
{
	json_t *root = json ? json_object() : NULL;
	json_t *sources = json ? json_array() : NULL, *channels = json ? json_array() : NULL;

	if (!json)
		printf("%-24s %-20s %-14s %-6s %6s %4s %4s %5s  %s\n", "SOURCE", "LAST POLL",
		       "RESULT", "HTTP", "ITEMS", "NEW", "CHG", "FAILS", "NEXT POLL");
	for (size_t i = 0; i < cfg->nsources; i++) {
		const struct store_source *r = row_of(s, cfg->sources[i].id);

		s->failing += r && r->failing;
		if (json)
			json_array_append_new(sources, source_json(&cfg->sources[i], r));
		else
			print_source(&cfg->sources[i], r);
	}
	if (!json)
		printf("\n%-24s %-8s %8s %10s %5s\n", "CHANNEL", "TYPE", "PENDING", "DELIVERED",
		       "DEAD");
	for (size_t i = 0; i < cfg->nnotifies; i++)
		channel_status(st, cfg->notifies[i].id, channels_type(&cfg->notifies[i]), channels,
			       s);
	if (cfg->nnotifies == 0)
		channel_status(st, "stdout", "stdout", channels, s);
	if (json) {
		json_object_set_new(root, "sources", sources);
		json_object_set_new(root, "channels", channels);
		print_json_totals(cfg, s, root);
	} else {
		printf(
		    "\n%zu source(s), %ld failing; events: %ld pending, %ld delivered, %ld dead\n",
		    cfg->nsources, s->failing, s->pending, s->delivered, s->dead);
		printf("store %s: %.1f MiB, %.1f MiB of it free (speechwatch vacuum returns it)\n",
		       s->location, (double)s->bytes / 1048576.0,
		       (double)s->free_bytes / 1048576.0);
	}
}

int cmd_status(const struct cmd_opts *o, int argc, char **argv)
{
	enum status_verdict verdict;
	struct status s;
	struct store *st = NULL;
	struct config *cfg;
	char *path, err[600];

	(void)argv;
	if (argc > 0) {
		fprintf(stderr, "usage: speechwatch status [-c FILE] [--json]\n");
		return STATUS_CRITICAL;
	}
	cfg = cmd_load_config(o);
	if (cfg == NULL)
		return STATUS_CRITICAL;
	memset(&s, 0, sizeof(s));
	path = store_location_for(cfg->daemon.state_dir);
	s.location = path;
	if (store_exists(path) != 0) {
		st = store_open_readonly(path, err, sizeof(err));
		if (st == NULL || store_sources_all(st, &s.rows, &s.nrows) < 0 ||
		    store_size(st, &s.bytes, &s.free_bytes) < 0) {
			fprintf(stderr, "speechwatch status: %s\n", st ? store_error(st) : err);
			store_close(st);
			free(path);
			config_free(cfg);
			return STATUS_CRITICAL;
		}
	} else if (!o->json) {
		printf("(no state yet: %s does not exist; the daemon has not run)\n\n", path);
	}
	report(cfg, st, &s, o->json);
	verdict = s.failing > 0 || s.dead > 0 ? STATUS_WARNING : STATUS_OK;
	for (size_t i = 0; i < s.nrows; i++)
		store_source_clear(&s.rows[i]);
	free(s.rows);
	store_close(st);
	free(path);
	config_free(cfg);
	return (int)verdict;
}
