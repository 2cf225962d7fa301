/*
 * The read side's router: a table from paths to pages, and /healthz. Pages
 * add a row here (an exact path, or a prefix ending in '/' whose rest the
 * page reads from req->path itself).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "daemon/metrics.h"
#include "daemon/store.h"
#include "daemon/web/api.h"
#include "daemon/web/feeds.h"
#include "daemon/web/html.h"
#include "daemon/web/web.h"

/* Seconds the loop may have been busy before a request for /healthz: a loop held longer is sick. */
#define HEALTH_MAX_LAG 10.0

static int healthz_lag(const struct web_ctx *ctx, const struct web_request *req,
		       struct web_reply *out);
static void healthz_store(const struct web_ctx *ctx, const struct web_request *req,
			  struct web_reply *out);

struct route {
	const char *path;
	int prefix; /* path is a prefix ("/statement/"): the page reads the rest */
	web_page_fn page;
	int store; /* page reads the store: web_answer_store runs it */
	/* On the loop before the page: 1 when it answered (NULL: none). */
	int (*first)(const struct web_ctx *ctx, const struct web_request *req,
		     struct web_reply *out);
	web_page_fn then; /* on the loop after a page that read the store (NULL: none) */
};

static const struct route routes[] = {
    {"/healthz", 0, healthz_store, 1, healthz_lag, NULL},
    {"/metrics", 0, web_metrics_gauges, 1, web_metrics_first, web_metrics_then},
    {"/api/v1/statements", 0, web_page_api_statements, 1, NULL, NULL},
    {"/api/v1/statements/", 1, web_page_api_statement, 1, NULL, NULL},
    {"/api/v1/status", 0, web_page_api_status, 1, NULL, NULL},
    {"/feeds/all.atom", 0, web_page_feed_all, 1, NULL, NULL},
    {"/feeds/theme/", 1, web_page_feed_theme, 1, NULL, NULL},
    {"/feeds/source/", 1, web_page_feed_source, 1, NULL, NULL},
    {"/", 0, html_page_index, 1, NULL, NULL},
    {"/statement/", 1, html_page_statement, 1, NULL, NULL},
    {"/static/style.css", 0, html_page_style, 0, NULL, NULL},
};

/* OUT as a plain-text reply with STATUS and an empty body. */
static void reply_plain(struct web_reply *out, int status)
{
	out->status = status;
	out->content_type = "text/plain; charset=utf-8";
	buf_reset(&out->body);
}

/*
 * The store's last error without its location: /healthz answers without a
 * token, and the path of the database is none of a stranger's business.
 */
static const char *store_reason(const struct store *st)
{
	const char *e = store_error(st), *where = store_location(st);
	size_t n = strlen(where);

	return strncmp(e, where, n) == 0 && strncmp(e + n, ": ", 2) == 0 ? e + n + 2 : e;
}

/* /healthz, on the loop: the loop is turning (the request did not wait long behind other work). */
static int healthz_lag(const struct web_ctx *ctx, const struct web_request *req,
		       struct web_reply *out)
{
	(void)req;
	if (ctx->loop_lag <= HEALTH_MAX_LAG)
		return 0;
	reply_plain(out, 503);
	buf_printf(&out->body, "loop stalled: busy for %.0fs before this request\n", ctx->loop_lag);
	return 1;
}

/* /healthz, with the store: it takes a write transaction (begun and rolled back: nothing is
 * written). */
static void healthz_store(const struct web_ctx *ctx, const struct web_request *req,
			  struct web_reply *out)
{
	(void)req;
	if (ctx->store == NULL || store_begin(ctx->store) < 0) {
		reply_plain(out, 503);
		buf_printf(&out->body, "store not writable: %s\n",
			   ctx->store ? store_reason(ctx->store) : "no store");
		return;
	}
	store_rollback(ctx->store);
	reply_plain(out, 200);
	buf_append_str(&out->body, "ok\n");
}

/*
 * A path no page can mean: not absolute, or with a "." or ".." segment
 * (after decoding, so "%2e%2e" too). Nothing is read from a directory, but
 * a page that takes the rest of its prefix as a name never sees one.
 */
static int path_suspect(const char *p)
{
	if (p[0] != '/')
		return 1;
	for (const char *s = p; s; s = strchr(s + 1, '/')) {
		size_t n = strcspn(s + 1, "/");

		if ((n == 1 && s[1] == '.') || (n == 2 && s[1] == '.' && s[2] == '.'))
			return 1;
	}
	return 0;
}

static const struct route *route_find(const char *path)
{
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		const struct route *r = &routes[i];

		if (r->prefix ? strncmp(path, r->path, strlen(r->path)) == 0
			      : strcmp(path, r->path) == 0)
			return r;
	}
	return NULL;
}

static const struct route *route_of(const struct web_request *req)
{
	return path_suspect(req->path) ? NULL : route_find(req->path);
}

int web_answer_start(const struct web_ctx *ctx, const struct web_request *req,
		     struct web_reply *out)
{
	const struct route *r = route_of(req);

	if (r == NULL) {
		reply_plain(out, 404);
		buf_append_str(&out->body, "not found\n");
		return 1;
	}
	if (r->first && r->first(ctx, req, out))
		return 1;
	if (r->store)
		return 0;
	r->page(ctx, req, out);
	return 1;
}

void web_answer_store(const struct web_ctx *ctx, const struct web_request *req,
		      struct web_reply *out)
{
	const struct route *r = route_of(req);

	if (r != NULL) /* it was found at the start: the same path */
		r->page(ctx, req, out);
}

void web_answer_finish(const struct web_ctx *ctx, const struct web_request *req,
		       struct web_reply *out)
{
	const struct route *r = route_of(req);

	if (r != NULL && r->then)
		r->then(ctx, req, out);
}

void web_answer(const struct web_ctx *ctx, const struct web_request *req, struct web_reply *out)
{
	if (web_answer_start(ctx, req, out))
		return;
	web_answer_store(ctx, req, out);
	web_answer_finish(ctx, req, out);
}

void web_note(const struct web_ctx *ctx, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (ctx->note == NULL)
		log_warnx("%s", line);
	else if (ctx->notelen > 0 && ctx->note[0] == '\0')
		snprintf(ctx->note, ctx->notelen, "%s", line);
}
