/*
 * speechwatch preview [-c FILE] SOURCE [--json] [--articles [N]]: fetch one
 * configured source now and print the items it yields (and, with
 * --articles, its first N articles: cmd_preview_art.c), without touching
 * the store — how a user checks a new source's XPaths.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/page/page.h"
#include "common/printable.h"
#include "common/urlcred.h"
#include "config/config.h"
#include "daemon/cmd/cmd.h"
#include "daemon/cmd/preview_int.h"
#include "daemon/listing.h"
#include "daemon/oneshot.h"
#include "daemon/structure.h"

static json_t *json_str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *item_json(const struct list_item *it)
{
	json_t *o = json_object();

	json_object_set_new(o, "url", json_str_or_null(it->url));
	json_object_set_new(o, "title", json_str_or_null(it->title));
	json_object_set_new(o, "date", json_str_or_null(it->date));
	json_object_set_new(o, "guid", json_str_or_null(it->guid));
	return o;
}

static void print_item_json(const struct list_item *it)
{
	json_t *o = item_json(it);
	char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);

	if (s)
		puts(s);
	free(s);
	json_decref(o);
}

/* A hostile page's title must not drive the terminal: escaped, the JSON form stays exact. */
static void print_item_text(const struct list_item *it)
{
	char *date = printable(it->date ? it->date : "-", 0);
	char *title = printable(it->title, 0);
	char *url = printable(it->url ? it->url : "(no link)", 0);

	printf("%-25s  %s\n%27s%s\n", date, title, "", url);
	free(date);
	free(title);
	free(url);
}

/*
 * With --articles --json: one object, {"items": [...], "articles": [...]}
 * (without --articles, one item per line as before).
 */
static void print_with_articles(const struct list_items *items, json_t *articles)
{
	json_t *o = json_object(), *a = json_array();
	char *s;

	for (size_t i = 0; i < items->n; i++)
		json_array_append_new(a, item_json(&items->v[i]));
	json_object_set_new(o, "items", a);
	json_object_set(o, "articles", articles);
	s = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(4));
	if (s)
		puts(s);
	free(s);
	json_decref(o);
}

static void print_items(const struct list_items *items, int json)
{
	for (size_t i = 0; i < items->n; i++) {
		const struct list_item *it = &items->v[i];

		if (json)
			print_item_json(it);
		else
			print_item_text(it);
	}
}

/* On stderr, so that --json prints items only. */
static void print_list_notes(const struct list_items *items, int json)
{
	char note[512];

	if (!json)
		fprintf(stderr, "%zu item%s\n", items->n, items->n == 1 ? "" : "s");
	if (list_items_note(items, note, sizeof(note)))
		fprintf(stderr, "note: %s\n", note);
}

/*
 * items = auto: the XPaths the detector chose; a list that failed its
 * check: the detector's suggestion. On stderr, like the count and the note,
 * so that --json prints items only.
 */
static void print_structure(const char *label, const char *json)
{
	char *text = structure_describe(json), *safe;

	if (text == NULL)
		return;
	safe = printable(text, 0);
	fprintf(stderr, "%s: %s\n", label, safe);
	free(safe);
	free(text);
}

/* Errors quote servers and pages: escaped for the terminal, no URL password. */
static void preview_error(const char *url, const char *error)
{
	char *redacted = urlcred_redact(error);
	char *safe = printable(redacted ? redacted : error, 0);
	char *safe_url = printable(url, 0);

	fprintf(stderr, "speechwatch preview: %s: %s\n", safe_url, safe);
	free(safe_url);
	free(safe);
	free(redacted);
}

/* The list, then its first n articles (none when n is 0). */
static void show(const struct config *cfg, const struct config_source *s, const struct listing *l,
		 int json, size_t n)
{
	json_t *arts = NULL;

	if (!json || n == 0)
		print_items(&l->items, json);
	print_list_notes(&l->items, json);
	print_structure("structure", l->structure);
	print_structure("suggestion (speechwatch discover)", l->suggestion);
	if (n)
		arts = preview_articles(cfg, s, &l->items, n, json);
	if (json && n)
		print_with_articles(&l->items, arts);
	json_decref(arts);
}

/* url: s's, with the password of its password_file. */
static int preview_source(const struct config *cfg, const struct config_source *s, const char *url,
			  int json, size_t articles)
{
	char *shown = urlcred_strip(url); /* errors name the URL without credentials */
	struct listing l;
	struct http_req req;
	struct oneshot o;
	char err[512];
	int rc = EXIT_RUNTIME;

	memset(&req, 0, sizeof(req));
	req.url = url;
	req.follow_redirects = 1;
	req.trusted = 1;
	req.allow_private = s->allow_private > 0;
	req.headers = (const char *const *)s->headers.v;
	req.proxy = s->proxy;
	req.render = s->render == RENDER_BROWSER; /* the list as the daemon reads it */
	if (oneshot_fetch(&cfg->daemon, &req, &o) < 0) {
		preview_error(shown, o.error ? o.error : "failed");
	} else if (o.status / 100 != 2) {
		snprintf(err, sizeof(err), "HTTP %ld", o.status);
		preview_error(shown, err);
	} else if (listing_read(s, o.final_url ? o.final_url : url, o.body, o.body_len,
				o.content_type, NULL, &l, err, sizeof(err)) < 0) {
		preview_error(shown, err);
	} else {
		show(cfg, s, &l, json, articles);
		listing_free(&l);
		rc = EXIT_OK;
	}
	oneshot_free(&o);
	free(shown);
	return rc;
}

int cmd_preview(const struct cmd_opts *o, int argc, char **argv)
{
	const struct config_source *s;
	struct config *cfg;
	struct config_source authed;
	char *url, err[600];
	size_t articles = 0;
	int rc;

	if (o->articles && preview_articles_arg(o->articles, &argc, argv, &articles) < 0)
		return EXIT_USAGE;
	cfg = cmd_load_for_one(o, argc,
			       "speechwatch preview [-c FILE] SOURCE [--json] [--articles [N]]");
	if (cfg == NULL)
		return EXIT_USAGE;
	s = config_source_find(cfg, argv[0]);
	if (s == NULL)
		return cmd_not_found(o, cfg, "preview", "source", argv[0]);
	/* the one secret preview reads: the password of the source it fetches */
	url = config_source_secret_url(s, err, sizeof(err));
	if (url == NULL) {
		fprintf(stderr, "speechwatch preview: %s\n", err);
		config_free(cfg);
		return EXIT_USAGE;
	}
	page_init();
	/* the articles are read with the same credentials (article_read_request) */
	authed = *s;
	authed.url = url;
	rc = preview_source(cfg, &authed, url, o->json, articles);
	explicit_bzero(url, strlen(url));
	free(url);
	config_free(cfg);
	return rc;
}
