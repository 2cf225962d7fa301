/*
 * speechwatch preview [-c FILE] SOURCE [--json]: fetch one configured source
 * now and print the items it yields, without touching the store — how a
 * user checks a new source's XPaths.
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
#include "daemon/listing.h"
#include "daemon/oneshot.h"
#include "daemon/structure.h"

static json_t *json_str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static void print_item_json(const struct list_item *it)
{
	json_t *o = json_object();
	char *s;

	json_object_set_new(o, "url", json_str_or_null(it->url));
	json_object_set_new(o, "title", json_str_or_null(it->title));
	json_object_set_new(o, "date", json_str_or_null(it->date));
	json_object_set_new(o, "guid", json_str_or_null(it->guid));
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
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

static void print_items(const struct list_items *items, int json)
{
	char note[512];

	for (size_t i = 0; i < items->n; i++) {
		const struct list_item *it = &items->v[i];

		if (json)
			print_item_json(it);
		else
			print_item_text(it);
	}
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

/* url: s's, with the password of its password_file. */
static int preview_source(const struct config *cfg, const struct config_source *s, const char *url,
			  int json)
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
	if (oneshot_fetch(&cfg->daemon, &req, &o) < 0) {
		preview_error(shown, o.error ? o.error : "failed");
	} else if (o.status / 100 != 2) {
		snprintf(err, sizeof(err), "HTTP %ld", o.status);
		preview_error(shown, err);
	} else if (listing_read(s, o.final_url ? o.final_url : url, o.body, o.body_len,
				o.content_type, NULL, &l, err, sizeof(err)) < 0) {
		preview_error(shown, err);
	} else {
		print_items(&l.items, json);
		print_structure("structure", l.structure);
		print_structure("suggestion (speechwatch discover)", l.suggestion);
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
	char *url, err[600];
	int rc;

	cfg = cmd_load_for_one(o, argc, "speechwatch preview [-c FILE] SOURCE [--json]");
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
	rc = preview_source(cfg, s, url, o->json);
	explicit_bzero(url, strlen(url));
	free(url);
	config_free(cfg);
	return rc;
}
