/*
 * speechwatch vacuum [-c FILE] [--json]: applies the retention of the
 * configuration (keep_raw_days, keep_text_days) to the whole store and
 * compacts it, giving the freed space back to the file system. It writes
 * the whole store, so it takes the state_dir lock: the daemon must be
 * stopped.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "config/config.h"
#include "daemon/cmd/cmd.h"
#include "daemon/retain.h"
#include "daemon/statelock.h"
#include "daemon/store.h"

struct vacuum {
	size_t raw, text;
	int64_t before, after, free_bytes;
};

static void report(const char *path, const struct vacuum *v, int json)
{
	if (json) {
		json_t *o = json_pack("{s:s, s:I, s:I, s:I, s:I}", "store", path, "raw_dropped",
				      (json_int_t)v->raw, "text_dropped", (json_int_t)v->text,
				      "bytes_before", (json_int_t)v->before, "bytes_after",
				      (json_int_t)v->after);
		char *out = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

		puts(out ? out : "{}");
		free(out);
		json_decref(o);
		return;
	}
	printf("dropped %zu raw page(s) and %zu text(s) by retention\n", v->raw, v->text);
	printf("store %s: %.1f MiB -> %.1f MiB\n", path, (double)v->before / 1048576.0,
	       (double)v->after / 1048576.0);
}

/* Retention, then compaction, on the open store; the sizes around them. */
static int vacuum(struct store *st, const struct config *cfg, struct vacuum *v)
{
	if (store_check(st, 0) < 0 || store_size(st, &v->before, &v->free_bytes) < 0 ||
	    retain_all(st, cfg, &v->raw, &v->text) < 0 || store_compact(st) < 0 ||
	    store_size(st, &v->after, &v->free_bytes) < 0)
		return -1;
	return 0;
}

static int vacuum_at(const char *path, const struct config *cfg, int json)
{
	struct vacuum v = {0, 0, 0, 0, 0};
	char err[600];
	struct store *st = store_open(path, err, sizeof(err));

	if (st == NULL) {
		fprintf(stderr, "speechwatch vacuum: %s\n", err);
		return EXIT_RUNTIME;
	}
	if (vacuum(st, cfg, &v) < 0) {
		fprintf(stderr, "speechwatch vacuum: %s\n", store_error(st));
		store_close(st);
		return EXIT_RUNTIME;
	}
	report(store_location(st), &v, json);
	store_close(st);
	return EXIT_OK;
}

int cmd_vacuum(const struct cmd_opts *o, int argc, char **argv)
{
	struct config *cfg;
	char *path, *shown, err[600];
	int lock, status = EXIT_OK;

	(void)argv;
	if (argc > 0) {
		fprintf(stderr, "usage: speechwatch vacuum [-c FILE] [--json]\n");
		return EXIT_USAGE;
	}
	cfg = cmd_load_config(o);
	if (cfg == NULL)
		return EXIT_USAGE;
	path = store_location_of(cfg->daemon.database, cfg->daemon.state_dir);
	shown = store_location_shown(path);
	if (store_exists(path) != 1)
		printf("nothing to vacuum: %s does not exist (the daemon has not run)\n", shown);
	else if ((lock = statelock_take(cfg->daemon.state_dir, err, sizeof(err))) < 0) {
		fprintf(stderr, "speechwatch vacuum: %s\n", err);
		status = EXIT_RUNTIME;
	} else {
		status = vacuum_at(path, cfg, o->json);
		statelock_release(lock);
	}
	free(path);
	free(shown);
	config_free(cfg);
	return status;
}
