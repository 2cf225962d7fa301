/*
 * speechwatch extract FILE|URL [--json]: the main text of one page, or of
 * one PDF document (sniffed by its "%PDF-" signature, not by its name),
 * read in a child process by daemon/pdf_child.c as the daemon would.
 */
#include <ev.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/article/article.h"
#include "analyze/pdf/pdf.h"
#include "common/printable.h"
#include "common/xmalloc.h"
#include "daemon/cmd/cmd.h"
#include "daemon/oneshot.h"
#include "daemon/pdf_child.h"

#define EXTRACT_MAX_FILE (64u * 1024 * 1024)

/* The article as JSON; pdf adds the document's page counts (NULL for a page). */
static void print_json(const struct article *a, const char *url, const struct pdf_result *pdf)
{
	json_t *o = json_object();
	char *s;

	json_object_set_new(o, "url", url ? json_string(url) : json_null());
	json_object_set_new(o, "format", json_string(pdf ? "pdf" : "html"));
	if (pdf) {
		json_object_set_new(o, "pages", json_integer((json_int_t)pdf->pages));
		json_object_set_new(o, "pages_read", json_integer((json_int_t)pdf->pages_read));
		json_object_set_new(o, "truncated", json_boolean(pdf->truncated));
	}
	json_object_set_new(o, "title", json_string(a->title));
	json_object_set_new(o, "date", a->date ? json_string(a->date) : json_null());
	json_object_set_new(o, "language", a->language ? json_string(a->language) : json_null());
	json_object_set_new(o, "byline", a->byline ? json_string(a->byline) : json_null());
	json_object_set_new(o, "canonical_url",
			    a->canonical_url ? json_string(a->canonical_url) : json_null());
	json_object_set_new(o, "words", json_integer((json_int_t)a->words));
	json_object_set_new(o, "text", json_string(a->text));
	json_object_set_new(o, "no_text", a->no_text ? json_string(a->no_text) : json_null());
	s = json_dumps(o, JSON_INDENT(2));
	if (s)
		puts(s);
	free(s);
	json_decref(o);
}

/* The page's words for a terminal: controls and bidi escaped, paragraphs kept. */
static void print_text(const struct article *a)
{
	char *title = printable(a->title, 0);
	char *text = printable(a->text, PRINTABLE_LINES);

	if (a->no_text)
		printf("%s\n\n(%s)\n", title, a->no_text); /* the reason, not a blank */
	else
		printf("%s\n\n%s\n", title, text);
	free(title);
	free(text);
}

/* A PDF's reading, waited for on the default loop. */
struct pdf_wait {
	const char *name;
	int json;
	int done, rc;
};

/* pdf_child_done_fn: the document printed as an article */
static void pdf_done(void *arg, const struct pdf_result *r, const char *error)
{
	struct pdf_wait *w = arg;
	struct article a;

	w->done = 1;
	if (error) {
		fprintf(stderr, "speechwatch extract: %s: %s\n", w->name, error);
		w->rc = EXIT_RUNTIME;
		return;
	}
	memset(&a, 0, sizeof(a));
	a.title = xstrdup(r->title ? r->title : "");
	a.text = xstrdup(r->text);
	a.date = r->date ? xstrdup(r->date) : NULL;
	a.words = pdf_count_words(r->text);
	if (a.words == 0)
		a.no_text = xstrdup("no main text: a PDF without text (scanned pages?)");
	if (w->json)
		print_json(&a, cmd_is_url(w->name) ? w->name : NULL, r);
	else
		print_text(&a);
	article_free(&a);
	w->rc = EXIT_OK;
}

static int extract_pdf(const char *data, size_t len, const char *name, int json)
{
	struct ev_loop *loop = ev_default_loop(EVFLAG_AUTO);
	struct pdf_wait w = {name, json, 0, EXIT_RUNTIME};
	char err[256];

	if (pdf_child_start(loop, data, len, pdf_done, &w, err, sizeof(err)) == NULL) {
		fprintf(stderr, "speechwatch extract: %s: %s\n", name, err);
		return EXIT_RUNTIME;
	}
	while (!w.done)
		ev_run(loop, EVRUN_ONCE);
	return w.rc;
}

static int extract_bytes(const char *data, size_t len, const char *content_type, const char *url,
			 int json)
{
	struct article a;

	if (pdf_sniff(data, len))
		return extract_pdf(data, len, url, json);
	if (cmd_article("extract", data, len, content_type, url, &a) < 0)
		return EXIT_RUNTIME;
	if (json)
		print_json(&a, cmd_is_url(url) ? url : NULL, NULL);
	else
		print_text(&a);
	article_free(&a);
	return EXIT_OK;
}

static int extract_url(const char *url, int json)
{
	struct http_req req;
	struct oneshot o;
	int rc;

	memset(&req, 0, sizeof(req));
	req.url = url;
	req.follow_redirects = 1;
	req.trusted = 1; /* typed by the user */
	if (oneshot_fetch(NULL, &req, &o) < 0) {
		fprintf(stderr, "speechwatch extract: %s: %s\n", url, o.error ? o.error : "failed");
		oneshot_free(&o);
		return EXIT_RUNTIME;
	}
	if (o.status / 100 != 2) {
		fprintf(stderr, "speechwatch extract: %s: HTTP %ld\n", url, o.status);
		oneshot_free(&o);
		return EXIT_RUNTIME;
	}
	rc = extract_bytes(o.body, o.body_len, o.content_type, o.final_url ? o.final_url : url,
			   json);
	oneshot_free(&o);
	return rc;
}

int cmd_extract(const struct cmd_opts *o, int argc, char **argv)
{
	size_t len;
	char *data;
	int rc;

	if (argc != 1) {
		fprintf(stderr, "usage: speechwatch extract FILE|URL [--json]\n");
		return EXIT_USAGE;
	}
	if (cmd_is_url(argv[0]))
		return extract_url(argv[0], o->json);
	data = cmd_read_input(argv[0], EXTRACT_MAX_FILE, &len);
	if (data == NULL)
		return EXIT_RUNTIME;
	rc = extract_bytes(data, len, NULL, argv[0], o->json);
	free(data);
	return rc;
}
