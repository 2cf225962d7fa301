/*
 * speechwatch search [-c FILE] QUERY [--since DATE] [--theme ID] [--json]:
 * full-text search over every statement ever seen, newest first — "when did
 * they first say X?". Works while the daemon runs. Statements are indexed
 * lazily (store.h): search opens the state read-write so that the search
 * itself indexes what is pending, and falls back to read-only (saying what
 * it could not search) for a user who may not write the state.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/printable.h"
#include "config/config.h"
#include "daemon/cmd/cmd.h"
#include "daemon/store.h"

#define SEARCH_MAX_HITS 100

struct search_args {
	const char *query;
	const char *since;
	const char *theme;
};

static int parse_search_args(const struct cmd_opts *o, int argc, char **argv, struct search_args *a)
{
	memset(a, 0, sizeof(*a));
	if (argc != 1)
		return -1;
	a->query = argv[0];
	a->since = o->since;
	a->theme = o->theme;
	if (a->since && (strlen(a->since) < 10 || a->since[4] != '-' || a->since[7] != '-'))
		return -1;
	return 0;
}

/* A query FTS5 cannot parse (quotes, operators) is searched as one phrase. */
static char *as_phrase(const char *q)
{
	struct buf b;

	buf_init(&b);
	buf_append_char(&b, '"');
	for (const char *p = q; *p; p++) {
		if (*p == '"')
			buf_append_char(&b, '"');
		buf_append_char(&b, *p);
	}
	buf_append_char(&b, '"');
	return buf_steal(&b);
}

/* Stored titles and snippets come from web pages: escaped for the terminal. */
static void print_hit_text(const struct store_hit *h)
{
	char *v[5];

	v[0] = printable(h->date ? h->date : "-", 0);
	v[1] = printable(h->source_id, 0);
	v[2] = printable(h->title, 0);
	v[3] = printable(h->url, 0);
	v[4] = printable(h->snippet, 0);
	printf("%s  %s  %s\n  %s\n  %s\n\n", v[0], v[1], v[2], v[3], v[4]);
	for (size_t i = 0; i < 5; i++)
		free(v[i]);
}

static void print_hits(const struct store_hit *h, size_t n, int json)
{
	for (size_t i = 0; i < n; i++) {
		if (json) {
			json_t *o = json_object();
			char *s;

			json_object_set_new(o, "date", json_string(h[i].date ? h[i].date : ""));
			json_object_set_new(o, "source", json_string(h[i].source_id));
			json_object_set_new(o, "title", json_string(h[i].title ? h[i].title : ""));
			json_object_set_new(o, "url", json_string(h[i].url));
			json_object_set_new(o, "themes",
					    json_string(h[i].themes ? h[i].themes : ""));
			json_object_set_new(o, "snippet",
					    json_string(h[i].snippet ? h[i].snippet : ""));
			s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
			puts(s ? s : "{}");
			free(s);
			json_decref(o);
		} else {
			print_hit_text(&h[i]);
		}
	}
	if (!json)
		printf("%zu statement%s\n", n, n == 1 ? "" : "s");
}

/* Read-write when it may (store_search indexes first), else read-only. */
static struct store *open_for_search(const char *path, char *err, size_t errlen)
{
	struct store *st = store_exists(path) == 1 ? store_open(path, err, errlen) : NULL;

	return st ? st : store_open_readonly(path, err, errlen);
}

static void note_unindexed(struct store *st)
{
	int64_t pending = 0;

	if (store_index_pending(st, &pending) == 0 && pending > 0)
		fprintf(stderr,
			"speechwatch search: %lld statement(s) not yet indexed were not searched "
			"(the daemon indexes them in the background; a search by the owner of "
			"%s indexes them first)\n",
			(long long)pending, store_location(st));
}

static int run_search(struct store *st, const struct search_args *a, int json)
{
	struct store_hit *hits;
	size_t n;
	int rc = store_search(st, a->query, a->since, a->theme, SEARCH_MAX_HITS, &hits, &n);

	if (rc < 0) {
		char *phrase = as_phrase(a->query);

		rc = store_search(st, phrase, a->since, a->theme, SEARCH_MAX_HITS, &hits, &n);
		free(phrase);
	}
	if (rc < 0) {
		fprintf(stderr, "speechwatch search: %s\n", store_error(st));
		return EXIT_RUNTIME;
	}
	print_hits(hits, n, json);
	note_unindexed(st);
	for (size_t i = 0; i < n; i++)
		store_hit_clear(&hits[i]);
	free(hits);
	return EXIT_OK;
}

int cmd_search(const struct cmd_opts *o, int argc, char **argv)
{
	struct search_args a;
	struct store *st;
	struct config *cfg;
	char *path, err[600];
	int rc;

	if (parse_search_args(o, argc, argv, &a) < 0) {
		fprintf(stderr, "usage: speechwatch search [-c FILE] QUERY [--since YYYY-MM-DD] "
				"[--theme ID] [--json]\n");
		return EXIT_USAGE;
	}
	cfg = cmd_load_config(o);
	if (cfg == NULL)
		return EXIT_USAGE;
	path = store_location_of(cfg->daemon.database, cfg->daemon.state_dir);
	st = open_for_search(path, err, sizeof(err));
	if (st == NULL) {
		fprintf(stderr, "speechwatch search: %s\n", err);
		rc = EXIT_RUNTIME;
	} else {
		rc = run_search(st, &a, o->json);
	}
	store_close(st);
	free(path);
	config_free(cfg);
	return rc;
}
