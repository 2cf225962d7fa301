/*
 * speechwatch preview SOURCE --articles [N]: the first N articles of the
 * list, read exactly as the daemon reads them (daemon/article_read.h: the
 * same request, extraction and themes), so that a wrong body XPath shows
 * before the source is enabled rather than as silent 0-word statements.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/article/article.h"
#include "analyze/page/date.h"
#include "analyze/page/list.h"
#include "analyze/themes/themes.h"
#include "common/printable.h"
#include "common/urlcred.h"
#include "common/xmalloc.h"
#include "config/config.h"
#include "daemon/article_doc.h"
#include "daemon/article_read.h"
#include "daemon/cmd/cmd.h"
#include "daemon/cmd/preview_int.h"
#include "daemon/oneshot.h"
#include "daemon/themeset.h"

#define SENTENCE_SHOWN 300 /* bytes of a first or last sentence shown on a terminal */

static int parse_count(const char *s, size_t *n)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 1) {
		fprintf(stderr, "speechwatch preview: --articles takes a number from 1 to %d\n",
			PREVIEW_ARTICLES_MAX);
		return -1;
	}
	if (v > PREVIEW_ARTICLES_MAX)
		fprintf(stderr, "note: at most %d articles are fetched\n", PREVIEW_ARTICLES_MAX);
	*n = v > PREVIEW_ARTICLES_MAX ? PREVIEW_ARTICLES_MAX : (size_t)v;
	return 0;
}

static int digits(const char *s)
{
	return *s && s[strspn(s, "0123456789")] == '\0';
}

int preview_articles_arg(const char *arg, int *argc, char **argv, size_t *n)
{
	if (*arg)
		return parse_count(arg, n);
	if (*argc != 2) {
		*n = PREVIEW_ARTICLES_DEFAULT;
		return 0;
	}
	(*argc)--;
	if (digits(argv[0]) && !digits(argv[1])) { /* --articles N SOURCE */
		char *t = argv[0];

		argv[0] = argv[1];
		argv[1] = t;
	}
	return parse_count(argv[1], n);
}

/* A warning goes to stderr (escaped) and into the article's "warnings". */
__attribute__((format(printf, 2, 3))) static void warn(json_t *art, const char *fmt, ...)
{
	char msg[2048], *safe;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	safe = printable(msg, 0);
	fprintf(stderr, "speechwatch preview: warning: %s\n", safe);
	json_array_append_new(json_object_get(art, "warnings"), json_string(msg));
	free(safe);
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* The sentence at s (len bytes), or null. */
static json_t *span(const char *s, size_t len)
{
	return s ? json_stringn(s, len) : json_null();
}

/* The themes above their threshold, highest first: what a channel's min_score sees. */
static json_t *themes_above(const struct theme_result *r)
{
	json_t *a = json_array();

	for (size_t i = 0; r && i < r->nthemes; i++) {
		const struct theme_score *t = &r->themes[i];

		if (t->above)
			json_array_append_new(a, json_pack("{s:s, s:f, s:f}", "id", t->id, "score",
							   t->score, "threshold", t->threshold));
	}
	return a;
}

/* The date the daemon stores (date_choose) and where it came from. */
static void set_date(json_t *art, const char *list_date, const char *page_date)
{
	const char *d = date_choose(list_date, page_date);

	json_object_set_new(art, "date", str_or_null(d));
	json_object_set_new(art, "date_from",
			    d == NULL	     ? json_null()
			    : d == page_date ? json_string("page")
					     : json_string("list"));
	json_object_set_new(art, "list_date", str_or_null(list_date));
	json_object_set_new(art, "page_date", str_or_null(page_date));
}

/* The article's fields; language as the daemon stores it (the page's, else the scorer's). */
static void describe(json_t *art, const struct list_item *li, const struct article *a,
		     const struct theme_result *r)
{
	const char *first = NULL, *last = NULL, *lang = a->language;
	size_t flen = 0, llen = 0;

	if (lang == NULL && r && strcmp(r->language, "und") != 0)
		lang = r->language;
	article_sentences(a->text, &first, &flen, &last, &llen);
	json_object_set_new(art, "title",
			    json_string(li->title && *li->title ? li->title : a->title));
	json_object_set_new(art, "words", json_integer((json_int_t)a->words));
	set_date(art, li->date, a->date);
	json_object_set_new(art, "language", str_or_null(lang));
	json_object_set_new(art, "first_sentence", span(first, flen));
	json_object_set_new(art, "last_sentence", span(last, llen));
	json_object_set_new(art, "no_text", str_or_null(a->no_text));
	json_object_set_new(art, "themes", themes_above(r));
}

/*
 * What an operator must fix: a body XPath that selects nothing on a web
 * page (a document has none to select), or a text too short.
 */
static void check_text(json_t *art, const struct config_source *s, const char *url,
		       const struct article *a, int document)
{
	if (s->body && a->body_nodes == 0 && !document)
		warn(art, "body XPath '%s' matched nothing on %s", s->body, url);
	else if (a->words < PREVIEW_MIN_WORDS)
		warn(art, "only %zu word%s on %s%s%s%s", a->words, a->words == 1 ? "" : "s", url,
		     a->no_text ? " (" : "", a->no_text ? a->no_text : "", a->no_text ? ")" : "");
}

/* The page at url as the daemon would request it; 0, or -1 with err. */
static int fetch(const struct config *cfg, const struct config_source *s, const char *url,
		 struct oneshot *o, char *err, size_t errlen)
{
	struct http_req req;
	char *authed = article_read_request(s, url, &req);
	int rc;

	req.render = s->render_articles;
	rc = oneshot_fetch(&cfg->daemon, &req, o);

	free(authed);
	if (rc < 0) {
		char *redacted = urlcred_redact(o->error ? o->error : "failed");

		snprintf(err, errlen, "%s", redacted ? redacted : "failed");
		free(redacted);
		return -1;
	}
	if (o->status / 100 != 2) {
		snprintf(err, errlen, "HTTP %ld", o->status);
		return -1;
	}
	return 0;
}

/*
 * A page without text that links its statement's PDF: that PDF's article
 * in place of the page's, as the daemon reads it (article_fetch.c). 1 when
 * a became the PDF's, 0 when the page stays (the link is no PDF), -1 with
 * err when the PDF could not be read.
 */
static int follow_pdf(const struct config *cfg, const struct config_source *s, struct article *a,
		      char *err, size_t errlen)
{
	struct oneshot o;
	struct article doc;
	int rc = 0;

	if (a->document_url == NULL || strcasestr(a->document_url, "pdf") == NULL)
		return 0;
	if (fetch(cfg, s, a->document_url, &o, err, errlen) == 0 &&
	    article_doc_is_pdf(o.body, o.body_len, o.content_type)) {
		rc = article_doc_read_pdf(o.body, o.body_len, &doc, err, errlen) < 0 ? -1 : 1;
		if (rc == 1) {
			article_free(a);
			*a = doc;
		}
	}
	oneshot_free(&o);
	return rc;
}

/*
 * The article at o, as the daemon reads it: a PDF in the child, a page
 * here (and the PDF it links to when it has no text of its own). Returns
 * 1 for a document, 0 for a web page (the source's XPaths applied), -1.
 */
static int read_article(const struct config *cfg, const struct config_source *s,
			const struct oneshot *o, const char *at, struct article *a,
			const char **format, char *err, size_t errlen)
{
	int document, pdf;

	*format = "pdf";
	if (article_doc_is_pdf(o->body, o->body_len, o->content_type))
		return article_doc_read_pdf(o->body, o->body_len, a, err, errlen) < 0 ? -1 : 1;
	document = article_read(s, at, o->body, o->body_len, o->content_type, a, err, errlen);
	if (document < 0)
		return -1;
	pdf = follow_pdf(cfg, s, a, err, errlen);
	if (pdf < 0)
		article_free(a);
	*format = pdf == 1 ? "pdf" : "html";
	return pdf < 0 ? -1 : pdf == 1 ? 1 : document;
}

/* One article read, described and checked into art; -1 with err when it could not be read. */
static int read_one(const struct config *cfg, const struct config_source *s,
		    const struct themes *th, const struct list_item *li, json_t *art, char *err,
		    size_t errlen)
{
	struct oneshot o;
	struct article a;
	struct theme_result *r;
	const char *at, *format;
	int document;

	if (fetch(cfg, s, li->url, &o, err, errlen) < 0) {
		oneshot_free(&o);
		return -1;
	}
	at = o.final_url ? o.final_url : li->url;
	document = read_article(cfg, s, &o, at, &a, &format, err, errlen);
	if (document < 0) {
		oneshot_free(&o);
		return -1;
	}
	json_object_set_new(art, "format", json_string(format));
	r = article_read_score(th, s, a.text, (long)a.words, a.language);
	describe(art, li, &a, r);
	check_text(art, s, li->url, &a, document);
	theme_result_free(r);
	article_free(&a);
	oneshot_free(&o);
	return 0;
}

static void print_field(const char *name, const char *value, size_t max)
{
	char *cut = NULL, *safe;
	size_t len = strlen(value);

	if (len > max) {
		while (max > 0 && ((unsigned char)value[max] & 0xC0) == 0x80)
			max--; /* not inside a UTF-8 sequence */
		cut = xasprintf("%.*s…", (int)max, value);
	}
	safe = printable(cut ? cut : value, 0);
	printf("  %-9s %s\n", name, safe);
	free(safe);
	free(cut);
}

static void print_themes(const json_t *themes, int have_themes)
{
	size_t i;
	json_t *t;

	printf("  %-9s", "themes:");
	if (!have_themes)
		printf(" (no themes configured)");
	else if (json_array_size(themes) == 0)
		printf(" none above threshold");
	json_array_foreach(themes, i, t)
	{
		char *id = printable(json_string_value(json_object_get(t, "id")), 0);

		printf("%s %s %.2f (threshold %.2f)", i ? "," : "", id,
		       json_real_value(json_object_get(t, "score")),
		       json_real_value(json_object_get(t, "threshold")));
		free(id);
	}
	printf("\n");
}

/* The human form of one article, from its JSON. */
static void print_article(size_t k, const json_t *art, int have_themes)
{
	const char *error = json_string_value(json_object_get(art, "error"));
	const char *from = json_string_value(json_object_get(art, "date_from"));
	const char *v;
	char *url = printable(json_string_value(json_object_get(art, "url")), 0);
	char words[64], date[128];

	printf("\narticle %zu: %s\n", k + 1, url);
	free(url);
	if (error) {
		print_field("error:", error, SENTENCE_SHOWN);
		return;
	}
	print_field("title:", json_string_value(json_object_get(art, "title")), SENTENCE_SHOWN);
	v = json_string_value(json_object_get(art, "format"));
	snprintf(words, sizeof(words), "%lld%s",
		 (long long)json_integer_value(json_object_get(art, "words")),
		 v && strcmp(v, "pdf") == 0 ? " (read from a PDF)" : "");
	print_field("words:", words, sizeof(words));
	v = json_string_value(json_object_get(art, "date"));
	snprintf(date, sizeof(date), "%s%s%s%s", v ? v : "-", from ? " (from the " : "",
		 from ? from : "", from ? ")" : "");
	print_field("date:", date, sizeof(date));
	v = json_string_value(json_object_get(art, "language"));
	print_field("language:", v ? v : "-", SENTENCE_SHOWN);
	v = json_string_value(json_object_get(art, "no_text"));
	if (v)
		print_field("no text:", v, SENTENCE_SHOWN);
	v = json_string_value(json_object_get(art, "first_sentence"));
	print_field("first:", v ? v : "-", SENTENCE_SHOWN);
	v = json_string_value(json_object_get(art, "last_sentence"));
	print_field("last:", v ? v : "-", SENTENCE_SHOWN);
	print_themes(json_object_get(art, "themes"), have_themes);
}

/* The themes the daemon would score with; NULL (with a note) when there are none. */
static struct themes *compile_themes(const struct config *cfg)
{
	char err[1024];
	struct themes *th;

	if (cfg->nthemes == 0)
		return NULL;
	th = themeset_compile(cfg, err, sizeof(err));
	if (th == NULL) {
		char *safe = printable(err, 0);

		fprintf(stderr, "speechwatch preview: themes: %s\n", safe);
		free(safe);
	}
	return th;
}

json_t *preview_articles(const struct config *cfg, const struct config_source *s,
			 const struct list_items *items, size_t n, int json)
{
	struct themes *th = compile_themes(cfg);
	json_t *arts = json_array();
	char err[512];

	for (size_t i = 0; i < items->n && json_array_size(arts) < n; i++) {
		const struct list_item *li = &items->v[i];
		json_t *art;

		if (li->url == NULL)
			continue;
		art = json_pack("{s:s, s:[]}", "url", li->url, "warnings");
		if (read_one(cfg, s, th, li, art, err, sizeof(err)) < 0) {
			char *safe = printable(err, 0), *url = printable(li->url, 0);

			json_object_set_new(art, "error", json_string(err));
			fprintf(stderr, "speechwatch preview: %s: %s\n", url, safe);
			free(url);
			free(safe);
		}
		if (!json)
			print_article(json_array_size(arts), art, th != NULL);
		json_array_append_new(arts, art);
	}
	themes_free(th);
	return arts;
}
