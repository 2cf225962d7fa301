/*
 * speechwatch learn IN.jsonl > themes.conf: learns a theme file from
 * labelled examples {"id","text","labels":[...]} (analyze/themes/learn.c; the
 * method is in docs/themes.md). The output is an ordinary theme file.
 */
#include <stdio.h>
#include <stdlib.h>

#include "analyze/themes/themes.h"
#include "common/buf.h"
#include "config/config.h"
#include "daemon/cmd/cmd.h"

#define LEARN_MAX_FILE (512u * 1024 * 1024)

int cmd_learn(const struct cmd_opts *o, int argc, char **argv)
{
	struct learn_opts lo;
	struct strlist ignore = {NULL, 0, 0};
	struct buf out;
	char err[512], *data;
	size_t len;

	if (argc != 1) {
		fprintf(
		    stderr,
		    "usage: speechwatch learn [--ignore-label L[,L...]] IN.jsonl > themes.conf\n");
		return EXIT_USAGE;
	}
	data = cmd_read_input(argv[0], LEARN_MAX_FILE, &len);
	if (data == NULL)
		return EXIT_RUNTIME;
	learn_opts_default(&lo);
	strlist_split(&ignore, o->ignore_label ? o->ignore_label : "");
	lo.ignore = (const char *const *)ignore.v;
	lo.nignore = ignore.n;
	buf_init(&out);
	if (learn_from_jsonl(data, len, &lo, &out, err, sizeof(err)) < 0) {
		fprintf(stderr, "speechwatch learn: %s: %s\n", argv[0], err);
		free(data);
		buf_free(&out);
		strlist_free(&ignore);
		return EXIT_RUNTIME;
	}
	free(data);
	strlist_free(&ignore);
	fputs(buf_str(&out), stdout);
	buf_free(&out);
	if (fflush(stdout) != 0) {
		perror("speechwatch learn: stdout");
		return EXIT_RUNTIME;
	}
	return EXIT_OK;
}
