/*
 * speechwatch classify [-c FILE | --themes FILE] [--json] FILE|-
 * speechwatch classify [-c FILE | --themes FILE] --jsonl IN
 *
 * Theme scores and evidence for one text or HTML page (HTML goes through the
 * article extractor, as the daemon does), or a batch of JSON Lines
 * {"id","text"[,"language"]} in, {"id","labels":[...],"scores":{...}} out.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/article/article.h"
#include "analyze/themes/themes.h"
#include "common/buf.h"
#include "common/xmalloc.h"
#include "config/config.h"
#include "daemon/cmd/cmd.h"
#include "daemon/themeset.h"

#define CLASSIFY_MAX_FILE (64u * 1024 * 1024)
#define CLASSIFY_MAX_LINE (64u * 1024 * 1024)
#define TABLE_EVIDENCE_CHARS 60
#define SNIFF_BYTES 1024

/* A document ready to score: the text (owned) and a language hint (owned, may be NULL). */
struct doc {
	char *text;
	size_t len;
	char *lang;
};

/*
 * The themes of the config, or of a bare theme file given with --themes (a
 * theme file is a valid config). NULL after printing why.
 */
static struct themes *load_themes(const struct cmd_opts *o)
{
	const char *path = o->themes_file ? o->themes_file : o->config_path;
	struct buf errors;
	struct config *cfg;
	struct themes *th;
	char err[512];

	buf_init(&errors);
	cfg = config_load_with(path, 0, &errors); /* themes only: no secrets */
	if (cfg == NULL) {
		fputs(buf_str(&errors), stderr);
		buf_free(&errors);
		return NULL;
	}
	buf_free(&errors);
	th = themeset_compile(cfg, err, sizeof(err));
	if (th == NULL)
		fprintf(stderr, "speechwatch classify: %s: %s\n", path, err);
	config_free(cfg);
	return th;
}

/* HTML by content: after a BOM and blanks, '<' then a tag name, '!' or '?'. */
static int looks_like_html(const char *s, size_t len)
{
	size_t i = 0, end = len < SNIFF_BYTES ? len : SNIFF_BYTES;
	unsigned char c;

	if (end >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	while (i < end && (s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r')))
		i++;
	if (i + 1 >= end || s[i] != '<')
		return 0;
	c = (unsigned char)s[i + 1];
	return c == '!' || c == '?' || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

/* The main text of an HTML page. Returns 0, or -1 after printing why. */
static int doc_from_html(const char *data, size_t len, const char *name, struct doc *d)
{
	struct article a;

	if (cmd_article("classify", data, len, NULL, name, &a) < 0)
		return -1;
	d->text = a.text;
	d->len = strlen(a.text);
	d->lang = a.language;
	a.text = a.language = NULL;
	article_free(&a);
	return 0;
}

/* Cuts s to at most max characters (UTF-8) for the table, with an ellipsis. */
static void print_cut(const char *s, size_t max)
{
	size_t i = 0, chars = 0;

	while (s[i] && chars < max) {
		i++;
		while (((unsigned char)s[i] & 0xc0) == 0x80)
			i++;
		chars++;
	}
	printf("%.*s%s", (int)i, s, s[i] ? "\xe2\x80\xa6" : "");
}

static void print_table(const struct theme_result *r)
{
	printf("language %s, %zu words\n\n", r->language, r->words);
	printf("%-28s %6s %9s %5s  %s\n", "THEME", "SCORE", "THRESHOLD", "ABOVE", "FIRST EVIDENCE");
	for (size_t i = 0; i < r->nthemes; i++) {
		const struct theme_score *t = &r->themes[i];
		printf("%-28s %6.3f %9.3f %5s  ", t->id, t->score, t->threshold,
		       t->above ? "yes" : "no");
		if (t->nevidence)
			print_cut(t->evidence[0], TABLE_EVIDENCE_CHARS);
		else
			fputs("-", stdout);
		putchar('\n');
	}
}

static int classify_one(const struct themes *th, const char *path, int json)
{
	struct doc d = {NULL, 0, NULL};
	struct theme_result *r;
	size_t len;
	char *data = cmd_read_input(path, CLASSIFY_MAX_FILE, &len), *out;

	if (data == NULL)
		return EXIT_RUNTIME;
	if (looks_like_html(data, len)) {
		int rc = doc_from_html(data, len, path, &d);
		free(data);
		if (rc < 0)
			return EXIT_RUNTIME;
	} else {
		d.text = data;
		d.len = len;
	}
	themes_score(th, d.text, d.len, d.lang, &r);
	if (json) {
		out = themes_result_json(r, 1);
		puts(out);
		free(out);
	} else {
		print_table(r);
	}
	theme_result_free(r);
	free(d.text);
	free(d.lang);
	return EXIT_OK;
}

/* The id of a batch line as text for the output (NULL: none); the caller frees. */
static char *line_id(json_t *id)
{
	if (json_is_string(id))
		return xstrdup(json_string_value(id));
	if (id && !json_is_null(id)) {
		char *s = json_dumps(id, JSON_ENCODE_ANY | JSON_COMPACT), *copy;
		if (s == NULL)
			return NULL;
		copy = xstrdup(s);
		free(s);
		return copy;
	}
	return NULL;
}

/* Scores one batch line; prints the result line, or the reason to stderr and returns -1. */
static int batch_line(const struct themes *th, const char *line, size_t len, const char *name,
		      size_t lineno)
{
	json_error_t jerr;
	json_t *root = json_loadb(line, len, 0, &jerr), *text, *lang;
	struct theme_result *r;
	char *id, *out;

	text = json_object_get(root, "text");
	if (!json_is_object(root) || !json_is_string(text)) {
		fprintf(stderr, "speechwatch classify: %s:%zu: %s\n", name, lineno,
			root ? "expected {\"id\", \"text\"}" : jerr.text);
		json_decref(root);
		return -1;
	}
	lang = json_object_get(root, "language");
	themes_score(th, json_string_value(text), json_string_length(text),
		     json_is_string(lang) ? json_string_value(lang) : NULL, &r);
	id = line_id(json_object_get(root, "id"));
	out = themes_result_jsonl(r, id);
	puts(out);
	free(out);
	free(id);
	theme_result_free(r);
	json_decref(root);
	return 0;
}

/* Batch mode: every line is scored; a bad line is reported and skipped (exit 1 at the end). */
static int classify_batch(const struct themes *th, const char *path)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	char *line = NULL;
	size_t cap = 0, lineno = 0, bad = 0;
	ssize_t n;

	if (f == NULL) {
		fprintf(stderr, "speechwatch classify: %s: %s\n", path, strerror(errno));
		return EXIT_RUNTIME;
	}
	while ((n = getline(&line, &cap, f)) >= 0) {
		size_t len = (size_t)n;
		lineno++;
		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r' ||
			       line[len - 1] == ' ' || line[len - 1] == '\t'))
			len--;
		if (len == 0)
			continue;
		if (len > CLASSIFY_MAX_LINE) {
			fprintf(stderr, "speechwatch classify: %s:%zu: line longer than %u bytes\n",
				path, lineno, CLASSIFY_MAX_LINE);
			bad++;
			continue;
		}
		if (batch_line(th, line, len, path, lineno) < 0)
			bad++;
	}
	if (ferror(f)) {
		fprintf(stderr, "speechwatch classify: %s: %s\n", path, strerror(errno));
		bad++;
	}
	free(line);
	if (f != stdin)
		fclose(f);
	return bad ? EXIT_RUNTIME : EXIT_OK;
}

int cmd_classify(const struct cmd_opts *o, int argc, char **argv)
{
	struct themes *th;
	int rc;

	if ((o->jsonl && argc != 0) || (!o->jsonl && argc != 1)) {
		fprintf(stderr,
			"usage: speechwatch classify [-c FILE | --themes FILE] [--json] "
			"FILE|-\n"
			"       speechwatch classify [-c FILE | --themes FILE] --jsonl IN\n");
		return EXIT_USAGE;
	}
	th = load_themes(o);
	if (th == NULL)
		return EXIT_USAGE;
	rc = o->jsonl ? classify_batch(th, o->jsonl) : classify_one(th, argv[0], o->json);
	themes_free(th);
	return rc;
}
