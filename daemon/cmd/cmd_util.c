/* Helpers shared by the commands: config loading, input reading, output. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/article/article.h"
#include "analyze/page/page.h"
#include "common/buf.h"
#include "config/config.h"
#include "daemon/cmd/cmd.h"

struct config *cmd_load_config_with(const struct cmd_opts *o, unsigned flags)
{
	struct buf errors;
	struct config *cfg;

	buf_init(&errors);
	cfg = config_load_with(o->config_path, flags, &errors);
	if (cfg == NULL)
		fputs(buf_str(&errors), stderr);
	buf_free(&errors);
	return cfg;
}

struct config *cmd_load_config(const struct cmd_opts *o)
{
	return cmd_load_config_with(o, 0);
}

char *cmd_read_input(const char *path, size_t max, size_t *len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	struct buf b;
	char chunk[65536];
	size_t n;

	if (f == NULL) {
		fprintf(stderr, "speechwatch: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	buf_init(&b);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0 && b.len <= max)
		buf_append(&b, chunk, n);
	if (ferror(f) || b.len > max) {
		if (b.len > max)
			fprintf(stderr, "speechwatch: %s: larger than %zu bytes\n", path, max);
		else
			fprintf(stderr, "speechwatch: %s: %s\n", path, strerror(errno));
		if (f != stdin)
			fclose(f);
		buf_free(&b);
		return NULL;
	}
	if (f != stdin)
		fclose(f);
	*len = b.len;
	return buf_steal(&b);
}

int cmd_is_url(const char *s)
{
	return strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0;
}

int cmd_article(const char *cmd, const char *data, size_t len, const char *content_type,
		const char *name, struct article *a)
{
	char err[256];
	xmlDocPtr doc;
	int rc;

	/* a PDF is no page: its bytes parsed as HTML would be "text" */
	if (article_from_document(data, len, content_type, a))
		return 0;
	page_init();
	doc = page_parse(data, len, content_type, NULL, PAGE_HTML, NULL, NULL, err, sizeof(err));
	if (doc == NULL) {
		fprintf(stderr, "speechwatch %s: %s: %s\n", cmd, name, err);
		return -1;
	}
	rc = article_extract(doc, cmd_is_url(name) ? name : NULL, NULL, a, err, sizeof(err));
	xmlFreeDoc(doc);
	if (rc < 0)
		fprintf(stderr, "speechwatch %s: %s: %s\n", cmd, name, err);
	return rc < 0 ? -1 : 0;
}

struct config *cmd_load_for_one(const struct cmd_opts *o, int argc, const char *usage)
{
	if (argc != 1) {
		fprintf(stderr, "usage: %s\n", usage);
		return NULL;
	}
	return cmd_load_config(o);
}

int cmd_not_found(const struct cmd_opts *o, struct config *cfg, const char *cmd, const char *what,
		  const char *name)
{
	fprintf(stderr, "speechwatch %s: no %s '%s' in %s\n", cmd, what, name, o->config_path);
	config_free(cfg);
	return EXIT_USAGE;
}
