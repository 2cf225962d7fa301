/*
 * speechwatch discover [-c FILE] URL [--json]: fetch a list page and propose
 * sources for it, best first: the HTML lists the detector finds
 * (analyze/page/discover.h) and the feeds the page advertises or that sit
 * at common paths of its site, each verified by fetching it. Nothing is
 * stored. The page and the feeds go through the fetch engine and its limits
 * like `preview`; with -c, the [daemon] HTTP settings of that config.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "analyze/page/discover.h"
#include "analyze/page/page.h"
#include "common/printable.h"
#include "common/urlcred.h"
#include "common/xmalloc.h"
#include "config/config.h"
#include "daemon/cmd/cmd.h"
#include "daemon/cmd/discover_int.h"
#include "daemon/oneshot.h"

#define DISCOVER_MAX_LISTS 5
/*
 * Seconds one feed candidate may take, at most (the daemon's timeout when
 * shorter): up to a dozen are asked, two at a time per host, and a guessed
 * path on a slow site must not hold the command for minutes.
 */
#define DISCOVER_FEED_TIMEOUT 20

/* One run: the settings it fetches with and what it found. */
struct discover_run {
	const struct config_daemon *dc; /* NULL: defaults */
	const char *typed;		/* the URL as given */
	char *page_url;			/* after redirects */
	struct discover_found found;
};

/* Errors quote servers and pages: escaped for the terminal, no URL password. */
static void discover_error(const char *url, const char *why)
{
	char *redacted = urlcred_redact(why);
	char *shown = urlcred_strip(url);
	char *safe = printable(redacted ? redacted : why, 0);
	char *safe_url = printable(shown ? shown : url, 0);

	fprintf(stderr, "speechwatch discover: %s: %s\n", safe_url, safe);
	free(safe_url);
	free(safe);
	free(shown);
	free(redacted);
}

/* "scheme://host[:port]" of url has the same length and bytes (case aside) in both. */
static int same_origin(const char *a, const char *b)
{
	const char *ha = strstr(a, "://"), *hb = strstr(b, "://");
	size_t la, lb;

	if (ha == NULL || hb == NULL)
		return 0;
	la = (size_t)(ha - a) + 3 + strcspn(ha + 3, "/?#");
	lb = (size_t)(hb - b) + 3 + strcspn(hb + 3, "/?#");
	return la == lb && strncasecmp(a, b, la) == 0;
}

/* JSON Feed 1.x: a JSON object naming its version URL. */
static int looks_like_json_feed(const char *body, size_t len)
{
	size_t i = 0;

	while (i < len && strchr(" \t\r\n", body[i]))
		i++;
	return i < len && body[i] == '{' && strstr(body, "jsonfeed.org/version") != NULL;
}

/*
 * Verifies a fetched candidate by its bytes, never by Content-Type: a
 * RSS/RDF/Atom document whose items list_extract_feed reads. Sets
 * cf->kind and cf->items, or cf->dropped.
 */
static void feed_verify_body(struct checked_feed *cf, const char *body, size_t len)
{
	char err[256] = "";
	xmlNodePtr root;
	xmlDocPtr doc;

	if (looks_like_json_feed(body, len)) {
		cf->dropped = xstrdup("a JSON Feed: sources read RSS, RDF and Atom only");
		return;
	}
	if (!page_looks_like_feed(body, len, NULL)) {
		cf->dropped = xstrdup("not a feed (no RSS, RDF or Atom document)");
		return;
	}
	doc = page_parse(body, len, NULL, NULL, PAGE_XML, NULL, NULL, err, sizeof(err));
	if (doc == NULL) {
		cf->dropped = xasprintf("not a readable feed: %s", err);
		return;
	}
	if (list_extract_feed(doc, cf->url, 0, &cf->items, err, sizeof(err)) < 0)
		cf->dropped = xasprintf("not a readable feed: %s", err);
	else if (cf->items.n == 0)
		cf->dropped = xstrdup("a feed without items");
	else if ((root = xmlDocGetRootElement(doc)) != NULL &&
		 xmlStrcmp(root->name, (const xmlChar *)"feed") == 0)
		cf->kind = "atom";
	else
		cf->kind = "rss"; /* RSS 0.9x/2.0 and RDF: the source kind rss reads both */
	xmlFreeDoc(doc);
}

/* What one candidate's answer makes of it: a verified feed, or why not. */
static void feed_judge(struct checked_feed *cf, const struct oneshot *o)
{
	if (o->result != HTTP_RES_OK)
		cf->dropped = xstrdup(o->error ? o->error : "fetch failed");
	else if (o->status / 100 == 3)
		cf->dropped = xasprintf("HTTP %ld: a redirect, not followed", o->status);
	else if (o->status / 100 != 2)
		cf->dropped = xasprintf("HTTP %ld", o->status);
	else
		feed_verify_body(cf, o->body ? o->body : "", o->body_len);
}

/*
 * Fetches every candidate at once (the engine's per-host limit keeps it
 * polite) and without following redirects: many sites send an unknown path
 * to their home page, which is not the feed asked for. Only a feed on the
 * page's own origin may be on a private address (the operator typed that
 * host; a page cannot point discover at another one).
 */
static void feeds_check(struct discover_run *r, const struct feed_links *links)
{
	struct discover_found *f = &r->found;
	size_t n = links->n;
	struct http_req *reqs = xcalloc(n ? n : 1, sizeof(*reqs));
	struct oneshot *answers = xcalloc(n ? n : 1, sizeof(*answers));

	for (size_t i = 0; i < n; i++) {
		reqs[i].url = links->v[i].url;
		reqs[i].follow_redirects = 0;
		reqs[i].trusted = same_origin(links->v[i].url, r->page_url);
		reqs[i].timeout_s =
		    r->dc && r->dc->timeout < DISCOVER_FEED_TIMEOUT ? 0 : DISCOVER_FEED_TIMEOUT;
	}
	oneshot_fetch_many(r->dc, reqs, n, answers);
	f->feeds = xcalloc(n ? n : 1, sizeof(*f->feeds));
	for (size_t i = 0; i < n; i++) {
		struct checked_feed *cf = &f->feeds[f->nfeeds++];

		cf->url = xstrdup(links->v[i].url);
		cf->advertised = xstrdup(links->v[i].type);
		cf->title = xstrdup_or_null(links->v[i].title);
		feed_judge(cf, &answers[i]);
		oneshot_free(&answers[i]);
	}
	free(answers);
	free(reqs);
}

/* The page itself is a feed: it is the one proposal. */
static void page_is_feed(struct discover_run *r, const char *body, size_t len)
{
	struct discover_found *f = &r->found;
	struct checked_feed *cf = xcalloc(1, sizeof(*cf));

	cf->url = xstrdup(r->page_url);
	feed_verify_body(cf, body, len);
	cf->advertised = xstrdup(cf->kind ? cf->kind : "guess"); /* typed, not found */
	f->feeds = cf;
	f->nfeeds = 1;
}

/* Parses the page, finds its lists and feeds and checks each feed. -1 after printing why. */
static int discover_page(struct discover_run *r, const struct oneshot *o)
{
	enum page_kind kind = PAGE_HTML;
	struct feed_links links;
	char err[512] = "";
	xmlDocPtr doc;

	doc = page_parse(o->body ? o->body : "", o->body_len, o->content_type, NULL, PAGE_AUTO,
			 NULL, &kind, err, sizeof(err));
	if (doc == NULL) {
		discover_error(r->typed, err);
		return -1;
	}
	if (kind == PAGE_XML) {
		xmlFreeDoc(doc);
		page_is_feed(r, o->body, o->body_len);
		return 0;
	}
	if (list_discover(doc, r->page_url, DISCOVER_MAX_LISTS, &r->found.lists, err, sizeof(err)) <
	    0) {
		xmlFreeDoc(doc);
		discover_error(r->typed, err);
		return -1;
	}
	page_feed_links(doc, r->page_url, &links);
	xmlFreeDoc(doc);
	feeds_check(r, &links);
	feed_links_free(&links);
	return 0;
}

/* Fetches the page as `preview` does (redirects followed); -1 after printing why. */
static int discover_fetch(struct discover_run *r, struct oneshot *o)
{
	struct http_req req;
	char why[64];

	memset(&req, 0, sizeof(req));
	req.url = r->typed;
	req.follow_redirects = 1;
	req.trusted = 1; /* typed by the operator */
	if (oneshot_fetch(r->dc, &req, o) < 0) {
		discover_error(r->typed, o->error ? o->error : "fetch failed");
		return -1;
	}
	if (o->status / 100 != 2) {
		snprintf(why, sizeof(why), "HTTP %ld", o->status);
		discover_error(r->typed, why);
		return -1;
	}
	r->page_url = xstrdup(o->final_url ? o->final_url : r->typed);
	return 0;
}

/* Why nothing was proposed, for the exit status 1 message. */
static void explain_nothing(const struct discover_run *r)
{
	char why[160];

	snprintf(why, sizeof(why),
		 "no list found in the page and no feed verified (%zu feed candidate%s checked)",
		 r->found.nfeeds, r->found.nfeeds == 1 ? "" : "s");
	discover_error(r->page_url, why);
}

static void discover_run_free(struct discover_run *r)
{
	struct discover_found *f = &r->found;

	for (size_t i = 0; i < f->nfeeds; i++) {
		free(f->feeds[i].url);
		free(f->feeds[i].advertised);
		free(f->feeds[i].title);
		free(f->feeds[i].dropped);
		list_items_free(&f->feeds[i].items);
	}
	free(f->feeds);
	free(f->props);
	discover_result_free(&f->lists);
	free(r->page_url);
}

static int discover_url(struct discover_run *r, int json)
{
	struct oneshot o;
	int rc;

	if (discover_fetch(r, &o) < 0) {
		oneshot_free(&o);
		return EXIT_RUNTIME;
	}
	rc = discover_page(r, &o);
	oneshot_free(&o);
	if (rc < 0)
		return EXIT_RUNTIME;
	r->found.page_url = r->page_url;
	discover_rank(&r->found);
	if (json)
		discover_print_json(&r->found, r->typed);
	else if (r->found.nprops)
		discover_print_text(&r->found);
	if (r->found.nprops == 0)
		explain_nothing(r);
	return r->found.nprops ? EXIT_OK : EXIT_RUNTIME;
}

int cmd_discover(const struct cmd_opts *o, int argc, char **argv)
{
	struct discover_run r;
	struct config *cfg = NULL;
	int rc;

	if (argc != 1 || !cmd_is_url(argv[0])) {
		fprintf(stderr, "usage: speechwatch discover [-c FILE] URL [--json]\n");
		return EXIT_USAGE;
	}
	if (o->config_given && (cfg = cmd_load_config(o)) == NULL)
		return EXIT_USAGE;
	memset(&r, 0, sizeof(r));
	r.dc = cfg ? &cfg->daemon : NULL;
	r.typed = argv[0];
	page_init();
	rc = discover_url(&r, o->json);
	discover_run_free(&r);
	if (cfg)
		config_free(cfg);
	return rc;
}
