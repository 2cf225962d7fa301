/*
 * urlwatch's urls.yaml: a YAML stream of jobs, one document each ("---"
 * between them). No YAML library is a dependency, and urls.yaml uses a
 * small part of YAML, so this reads exactly that part and refuses the rest
 * at its FILE:LINE:
 *
 *   - top-level "key: value" lines; values plain, 'single' ('' is a quote)
 *     or "double" quoted (\" \\ \/ \t \n escapes); '#' comments;
 *   - url (or navigate, urlwatch's browser jobs), name, kind; command jobs
 *     (kind shell) are skipped;
 *   - filter, as a string ("xpath://div,html2text") or a block list below
 *     it ("- xpath: //div", "- css: .news"): an xpath or css is kept as a
 *     note, as speechwatch's list XPaths are not urlwatch's region filters;
 *   - any other key, and every line indented under it, is ignored.
 *
 * Anchors, aliases, tags, flow collections and block scalars in a value
 * that is read are errors, never guessed at.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/xmalloc.h"
#include "config/import.h"

#define LINE_MAX_BYTES 8192
#define VALUE_MAX 2048

struct job {
	char url[VALUE_MAX], name[VALUE_MAX], filter[VALUE_MAX + 16];
	int has_url, shell, line;
};

struct yreader {
	const char *file;
	int line;
	char *err;
	size_t errlen;
	struct job job;
	int in_filter; /* the last top-level key was filter: its block list follows */
	struct import_list *out;
};

static int yfail(struct yreader *r, const char *why)
{
	err_set(r->err, r->errlen, "%s:%d: %s", r->file, r->line, why);
	return -1;
}

/* Strips a " #comment" and trailing blanks of a plain scalar in place. */
static void plain_end(char *v)
{
	char *end;

	for (char *p = v; *p; p++)
		if (*p == '#' && (p == v || p[-1] == ' ' || p[-1] == '\t')) {
			*p = '\0';
			break;
		}
	end = v + strlen(v);
	while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
}

/* The byte a double-quoted string's "\\c" stands for; 0 for one not read here. */
static char unescape(char c)
{
	switch (c) {
	case '"':
	case '\\':
	case '/':
		return c;
	case 't':
		return '\t';
	case 'n':
		return '\n';
	default:
		return '\0';
	}
}

/* The end of a quoted scalar at v (past its opening quote) copied unescaped to out. */
static const char *quoted(struct yreader *r, const char *v, char q, char *out, size_t outlen)
{
	size_t n = 0;

	for (; *v; v++) {
		char c = *v;

		if (q == '\'' && c == '\'' && v[1] == '\'')
			v++;
		else if (c == q)
			return v + 1;
		else if (q == '"' && c == '\\') {
			c = unescape(*++v);
			if (c == '\0')
				return yfail(r, "unsupported escape in a double-quoted string"),
				       NULL;
		}
		if (n + 1 >= outlen)
			return yfail(r, "value too long"), NULL;
		out[n++] = c;
		out[n] = '\0';
	}
	return yfail(r, "unterminated quoted string (multi-line strings are not supported)"), NULL;
}

/* A scalar value into out: 0, or -1 after yfail. */
static int scalar(struct yreader *r, char *v, char *out, size_t outlen)
{
	const char *rest;

	while (*v == ' ' || *v == '\t')
		v++;
	out[0] = '\0';
	if (*v == '"' || *v == '\'') {
		rest = quoted(r, v + 1, *v, out, outlen);
		if (rest == NULL)
			return -1;
		rest += strspn(rest, " \t");
		return *rest == '\0' || *rest == '#' ? 0 : yfail(r, "text after a quoted string");
	}
	if (*v && strchr("&*!|>{[%@`", *v))
		return yfail(r, "unsupported YAML here (anchor, alias, tag, flow collection or "
				"block scalar)");
	plain_end(v);
	if (strlen(v) >= outlen)
		return yfail(r, "value too long");
	snprintf(out, outlen, "%s", v);
	return 0;
}

/* The job read so far becomes a source (or a skipped line); a fresh job starts. */
static void job_end(struct yreader *r)
{
	struct job *j = &r->job;
	char *note = j->filter[0] ? xasprintf("urlwatch filter: %s", j->filter) : NULL;

	if (j->shell) {
		char *msg =
		    xasprintf("%s:%d: skipped: a command job, not a web page", r->file, j->line);

		strlist_add(&r->out->skipped, msg);
		free(msg);
	} else if (j->has_url) {
		import_add(r->out, r->file, j->line, j->url, j->name[0] ? j->name : NULL, 0, note);
	}
	free(note);
	memset(j, 0, sizeof(*j));
	r->in_filter = 0;
}

/* "- xpath: //div", "css: .x" or "path: //div" under filter: the first one is kept. */
static int filter_line(struct yreader *r, char *p)
{
	static const char *const keys[] = {"xpath:", "css:", "path:", "selector:"};
	char value[VALUE_MAX];

	if (p[0] == '-' && (p[1] == ' ' || p[1] == '\0'))
		p += 1 + strspn(p + 1, " ");
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		size_t n = strlen(keys[i]);

		if (strncmp(p, keys[i], n) != 0)
			continue;
		if (scalar(r, p + n, value, sizeof(value)) < 0)
			return -1;
		if (value[0] && !r->job.filter[0])
			snprintf(r->job.filter, sizeof(r->job.filter), "%.*s %.2000s", (int)n - 1,
				 keys[i], value);
	}
	return 0;
}

/* A top-level "key: value" line. */
static int key_line(struct yreader *r, char *p)
{
	char *colon = p;
	struct job *j = &r->job;

	while (isalnum((unsigned char)*colon) || *colon == '_' || *colon == '-')
		colon++;
	if (colon == p || *colon != ':' ||
	    (colon[1] != '\0' && colon[1] != ' ' && colon[1] != '\t'))
		return yfail(r, "expected 'key: value' (a urlwatch job)");
	*colon = '\0';
	if (j->line == 0)
		j->line = r->line;
	r->in_filter = strcmp(p, "filter") == 0;
	if (strcmp(p, "url") == 0 || strcmp(p, "navigate") == 0) {
		j->has_url = 1;
		return scalar(r, colon + 1, j->url, sizeof(j->url));
	}
	if (strcmp(p, "name") == 0)
		return scalar(r, colon + 1, j->name, sizeof(j->name));
	if (strcmp(p, "command") == 0)
		j->shell = 1;
	if (strcmp(p, "kind") == 0) {
		char kind[64];

		if (scalar(r, colon + 1, kind, sizeof(kind)) < 0)
			return -1;
		j->shell |= strcmp(kind, "shell") == 0 || strcmp(kind, "command") == 0;
	}
	if (r->in_filter) {
		char value[VALUE_MAX];

		if (scalar(r, colon + 1, value, sizeof(value)) < 0)
			return -1;
		/* "xpath://div,html2text": only a region selector is worth a note */
		if (strstr(value, "xpath") || strstr(value, "css") || strstr(value, "element-by"))
			snprintf(j->filter, sizeof(j->filter), "%s", value);
	}
	return 0;
}

/* One line (NUL-terminated, without its newline). */
static int yline(struct yreader *r, char *p)
{
	size_t indent = strspn(p, " \t");

	if (p[indent] == '\0' || p[indent] == '#')
		return 0;
	if ((strncmp(p, "---", 3) == 0 || strncmp(p, "...", 3) == 0) &&
	    (p[3] == '\0' || p[3] == ' ' || p[3] == '\t')) {
		job_end(r);
		return 0;
	}
	if (indent == 0)
		return key_line(r, p);
	if (strchr(p, '\t') != NULL && strspn(p, " ") < indent)
		return yfail(r, "a tab in indentation (YAML allows spaces only)");
	if (r->job.line == 0)
		return yfail(r, "indented line outside any key");
	return r->in_filter ? filter_line(r, p + indent) : 0;
}

/* Why the next line of n bytes at p cannot be read, or NULL. */
static const char *line_problem(const char *p, size_t n, const struct import_list *out)
{
	if (n > LINE_MAX_BYTES)
		return "line too long";
	if (memchr(p, '\0', n) != NULL)
		return "NUL byte in text";
	if (out->n >= IMPORT_MAX_SOURCES)
		return "too many jobs";
	return NULL;
}

int import_urlwatch(const char *data, size_t len, const char *file, struct import_list *out,
		    char *err, size_t errlen)
{
	struct yreader r = {file, 0, err, errlen, {{0}, {0}, {0}, 0, 0, 0}, 0, out};
	char line[LINE_MAX_BYTES + 1];
	size_t pos = 0;

	if (len > IMPORT_MAX_BYTES) {
		err_set(err, errlen, "%s: file too large (more than %zu bytes)", file,
			(size_t)IMPORT_MAX_BYTES);
		return -1;
	}
	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
		pos = 3;
	while (pos < len) {
		const char *nl = memchr(data + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - data) - pos : len - pos;
		const char *why = line_problem(data + pos, n, out);

		r.line++;
		if (why != NULL) {
			yfail(&r, why);
			goto fail;
		}
		memcpy(line, data + pos, n);
		line[n] = '\0';
		if (n > 0 && line[n - 1] == '\r')
			line[n - 1] = '\0';
		pos += n + 1;
		if (yline(&r, line) < 0)
			goto fail;
	}
	job_end(&r);
	return 0;
fail:
	import_list_free(out);
	return -1;
}
