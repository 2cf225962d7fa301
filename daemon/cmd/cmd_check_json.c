/*
 * check --json: the findings of check as one JSON document. The text lines
 * ("FILE:LINE: message", notices and warnings marked so) stay the one record
 * of what was found, so the document and the text output cannot disagree;
 * this file only splits them into fields and finds the key each one names.
 */
#include <ctype.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/printable.h"
#include "common/xmalloc.h"
#include "config/config.h"
#include "daemon/cmd/cmd.h"

/* The lines of the file last looked into: findings come in file order. */
struct line_cache {
	char *path;
	char *data;	/* NULL when the file could not be read */
	size_t *starts; /* starts[i]: offset of line i + 1 */
	size_t nlines;
};

/* A JSON string of s[0..len); bytes that are not UTF-8 escaped as \\xNN. */
static json_t *jtext(const char *s, size_t len)
{
	struct buf b;
	json_t *j = json_stringn(s, len);

	if (j != NULL)
		return j;
	buf_init(&b);
	printable_append(&b, s, len, 0);
	j = json_string(buf_str(&b));
	buf_free(&b);
	return j;
}

/*
 * The whole regular file at path (at most max bytes), or NULL: a file that
 * cannot be read, or is no regular file ("-c <(...)", a FIFO that would
 * block), has no keys to name.
 */
static char *read_quiet(const char *path, size_t max, size_t *len)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	char *data = NULL;
	ssize_t n;

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
		size_t want = (size_t)st.st_size < max ? (size_t)st.st_size : max;

		data = xmalloc(want + 1);
		n = read(fd, data, want);
		*len = n > 0 ? (size_t)n : 0;
		data[*len] = '\0';
	}
	close(fd);
	return data;
}

static void cache_fill(struct line_cache *c, const char *path)
{
	size_t len = 0, slots = 0;

	free(c->path);
	free(c->data);
	free(c->starts);
	memset(c, 0, sizeof(*c));
	c->path = xstrdup(path);
	c->data = read_quiet(path, 4 * 1024 * 1024, &len);
	for (size_t i = 0; c->data && i <= len; i++) {
		if (i > 0 && c->data[i - 1] != '\n')
			continue;
		if (c->nlines == slots) {
			slots = slots ? 2 * slots : 256;
			c->starts = xreallocarray(c->starts, slots, sizeof(*c->starts));
		}
		c->starts[c->nlines++] = i;
	}
}

/*
 * The key written on line lineno of path ("items" of "items = //li"), or
 * JSON null for a section header, a comment, or a line that cannot be read.
 */
static json_t *key_at(struct line_cache *c, const char *path, long lineno)
{
	const char *p, *end;

	if (c->path == NULL || strcmp(c->path, path) != 0)
		cache_fill(c, path);
	if (c->data == NULL || lineno < 1 || (size_t)lineno > c->nlines)
		return json_null();
	p = c->data + c->starts[lineno - 1];
	while (*p == ' ' || *p == '\t')
		p++;
	end = p;
	while (*end && !strchr("=:\n[;# \t", *end))
		end++;
	if (end == p || *p == '[')
		return json_null();
	return jtext(p, (size_t)(end - p));
}

/* Finds the ":LINE: " after FILE; returns its start or NULL (no position). */
static const char *position(const char *line, long *lineno)
{
	for (const char *p = strchr(line, ':'); p; p = strchr(p + 1, ':')) {
		const char *d = p + 1;

		while (isdigit((unsigned char)*d))
			d++;
		if (d > p + 1 && d[0] == ':' && d[1] == ' ') {
			*lineno = strtol(p + 1, NULL, 10);
			return p;
		}
	}
	return NULL;
}

static json_t *finding(struct line_cache *c, const char *line, const char **msg)
{
	json_t *o = json_object();
	long lineno = 0;
	const char *at = position(line, &lineno);
	char *file;

	*msg = line;
	if (at == NULL) {
		json_object_set_new(o, "file", json_null());
		json_object_set_new(o, "line", json_null());
		json_object_set_new(o, "key", json_null());
		return o;
	}
	file = xstrndup(line, (size_t)(at - line));
	*msg = strchr(at + 1, ':') + 2;
	json_object_set_new(o, "file", jtext(file, strlen(file)));
	json_object_set_new(o, "line", lineno > 0 ? json_integer(lineno) : json_null());
	json_object_set_new(o, "key", key_at(c, file, lineno));
	free(file);
	return o;
}

/* Adds one text line to errors, warnings or notices by its mark. */
static void add_finding(json_t *doc, struct line_cache *c, const char *line)
{
	static const char *const marks[] = {"warning: ", "notice: "};
	static const char *const lists[] = {"warnings", "notices"};
	const char *list = "errors";
	const char *msg;
	json_t *o = finding(c, line, &msg);

	for (size_t i = 0; i < 2; i++)
		if (strncmp(msg, marks[i], strlen(marks[i])) == 0) {
			msg += strlen(marks[i]);
			list = lists[i];
		}
	json_object_set_new(o, "message", jtext(msg, strlen(msg)));
	json_array_append_new(json_object_get(doc, list), o);
}

static json_t *count_or_null(const struct config *cfg, size_t n)
{
	return cfg ? json_integer((json_int_t)n) : json_null();
}

static void add_counts(json_t *doc, const struct config *cfg)
{
	size_t enabled = 0;

	for (size_t i = 0; cfg && i < cfg->nsources; i++)
		enabled += cfg->sources[i].enabled != 0;
	json_object_set_new(doc, "sources", count_or_null(cfg, cfg ? cfg->nsources : 0));
	json_object_set_new(doc, "enabled_sources", count_or_null(cfg, enabled));
	json_object_set_new(doc, "themes", count_or_null(cfg, cfg ? cfg->nthemes : 0));
	json_object_set_new(doc, "channels", count_or_null(cfg, cfg ? cfg->nnotifies : 0));
}

void cmd_check_print_json(const struct config *cfg, const char *found, int bad)
{
	struct line_cache cache = {0};
	json_t *doc = json_object();
	char *copy = xstrdup(found), *save = NULL;

	json_object_set_new(doc, "ok", json_boolean(!bad));
	json_object_set_new(doc, "errors", json_array());
	json_object_set_new(doc, "warnings", json_array());
	json_object_set_new(doc, "notices", json_array());
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		add_finding(doc, &cache, line);
	add_counts(doc, cfg);
	json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	putchar('\n');
	json_decref(doc);
	free(copy);
	free(cache.path);
	free(cache.data);
	free(cache.starts);
}
