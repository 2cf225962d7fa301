/*
 * The read side's router: a table from paths to pages, and /healthz. Pages
 * add a row here (an exact path, or a prefix ending in '/' whose rest the
 * page reads from req->path itself).
 */
#include <string.h>

#include "daemon/metrics.h"
#include "daemon/store.h"
#include "daemon/web/api.h"
#include "daemon/web/feeds.h"
#include "daemon/web/html.h"
#include "daemon/web/web.h"

/* Seconds the loop may have been busy before a request for /healthz: a loop held longer is sick. */
#define HEALTH_MAX_LAG 10.0

static void page_healthz(const struct web_ctx *ctx, const struct web_request *req,
			 struct web_reply *out);

struct route {
	const char *path;
	int prefix; /* path is a prefix ("/statement/"): the page reads the rest */
	web_page_fn page;
};

static const struct route routes[] = {
    {"/healthz", 0, page_healthz},
    {"/metrics", 0, web_page_metrics},
    {"/api/v1/statements", 0, web_page_api_statements},
    {"/api/v1/statements/", 1, web_page_api_statement},
    {"/api/v1/status", 0, web_page_api_status},
    {"/feeds/all.atom", 0, web_page_feed_all},
    {"/feeds/theme/", 1, web_page_feed_theme},
    {"/feeds/source/", 1, web_page_feed_source},
    {"/", 0, html_page_index},
    {"/statement/", 1, html_page_statement},
    {"/static/style.css", 0, html_page_style},
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

/*
 * The loop is turning (the request did not wait long behind other work)
 * and the store takes a write transaction (begun and rolled back: nothing
 * is written).
 */
static void page_healthz(const struct web_ctx *ctx, const struct web_request *req,
			 struct web_reply *out)
{
	(void)req;
	if (ctx->loop_lag > HEALTH_MAX_LAG) {
		reply_plain(out, 503);
		buf_printf(&out->body, "loop stalled: busy for %.0fs before this request\n",
			   ctx->loop_lag);
		return;
	}
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

void web_answer(const struct web_ctx *ctx, const struct web_request *req, struct web_reply *out)
{
	const struct route *r = path_suspect(req->path) ? NULL : route_find(req->path);

	if (r == NULL) {
		reply_plain(out, 404);
		buf_append_str(&out->body, "not found\n");
		return;
	}
	r->page(ctx, req, out);
}
