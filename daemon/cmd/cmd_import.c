/*
 * speechwatch import urlwatch|opml FILE: another watcher's list as [source]
 * sections on stdout, to review and append to the configuration (or put in
 * an included file). Feeds become kind = rss; web pages items = auto, whose
 * list the detector finds (try each with `speechwatch preview ID`). Every
 * source is written enabled = no: the operator turns them on one by one
 * with `speechwatch sources enable ID`. What cannot be imported is said on
 * stderr, one FILE:LINE line each. Needs no configuration.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/printable.h"
#include "config/import.h"
#include "daemon/cmd/cmd.h"

static void print_comment(const char *label, const char *text)
{
	char *safe = printable(text, 0);

	printf("# %s%s\n", label, safe);
	free(safe);
}

static void print_source(const struct import_source *s, const char *file)
{
	char at[600];

	snprintf(at, sizeof(at), "%s:%d", file, s->line);
	printf("\n");
	print_comment("from ", at);
	if (s->title)
		print_comment("name: ", s->title);
	if (s->note) {
		print_comment("", s->note);
		printf("#   (items = auto finds the list itself: see 'speechwatch preview %s')\n",
		       s->id);
	}
	printf("[source \"%s\"]\nurl = %s\n%s\nenabled = no\n", s->id, s->url,
	       s->feed ? "kind = rss" : "items = auto");
}

/* With -c: the configuration's source ids are not given again. 0, or -1 (printed). */
static int reserve_config_ids(const struct cmd_opts *o, struct import_list *l)
{
	struct config *cfg;

	if (!o->config_given)
		return 0;
	cfg = cmd_load_config(o);
	if (cfg == NULL)
		return -1;
	for (size_t i = 0; i < cfg->nsources; i++)
		import_reserve(l, cfg->sources[i].id);
	config_free(cfg);
	return 0;
}

static int import_run(const struct cmd_opts *o, const char *format, const char *path)
{
	struct import_list l;
	char err[700];
	size_t len = 0;
	char *data;
	int rc;

	memset(&l, 0, sizeof(l));
	if (reserve_config_ids(o, &l) < 0) {
		import_list_free(&l);
		return EXIT_USAGE;
	}
	data = cmd_read_input(path, IMPORT_MAX_BYTES, &len);
	if (data == NULL) {
		import_list_free(&l);
		return EXIT_RUNTIME;
	}
	rc = strcmp(format, "opml") == 0 ? import_opml(data, len, path, &l, err, sizeof(err))
					 : import_urlwatch(data, len, path, &l, err, sizeof(err));
	free(data);
	if (rc < 0) {
		char *safe = printable(err, 0);

		fprintf(stderr, "speechwatch import: %s\n", safe);
		free(safe);
		return EXIT_RUNTIME;
	}
	for (size_t i = 0; i < l.skipped.n; i++)
		fprintf(stderr, "speechwatch import: %s\n", l.skipped.v[i]);
	printf("# speechwatch import %s %s: %zu source%s, each enabled = no\n"
	       "# ('speechwatch sources enable ID' turns one on once the file is included)\n",
	       format, path, l.n, l.n == 1 ? "" : "s");
	for (size_t i = 0; i < l.n; i++)
		print_source(&l.v[i], path);
	import_list_free(&l);
	return EXIT_OK;
}

int cmd_import(const struct cmd_opts *o, int argc, char **argv)
{
	if (argc != 2 || (strcmp(argv[0], "urlwatch") != 0 && strcmp(argv[0], "opml") != 0)) {
		fprintf(stderr, "usage: speechwatch import [-c FILE] urlwatch|opml FILE\n");
		return EXIT_USAGE;
	}
	return import_run(o, argv[0], argv[1]);
}
