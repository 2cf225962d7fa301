/*
 * daemon/web/api: the JSON API (docs/api.md). A statement is shown with the
 * field names of the webhook events (daemon/event.c: "source", "item",
 * "themes", "diff"); the status is status_json, the same `status --json`
 * prints. Every error is JSON too: {"error": "...", "argument": "..."}.
 */
#include "daemon/web/api.h"

#include <errno.h>
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/urlcred.h"
#include "common/xmalloc.h"
#include "config/config.h"
#include "daemon/event.h"
#include "daemon/status.h"
#include "daemon/store.h"
#include "daemon/web/filter.h"
#include "daemon/web/webtext.h"

#define JSON_TYPE "application/json"
#define PREFIX_ONE "/api/v1/statements/"

/* Sends root (taken over) as the reply's body. */
static void reply_json(struct web_reply *out, int status, json_t *root)
{
	char *s = json_dumps(root, JSON_INDENT(1) | JSON_PRESERVE_ORDER);

	json_decref(root);
	out->status = status;
	out->content_type = JSON_TYPE;
	buf_reset(&out->body);
	buf_append_str(&out->body, s ? s : "{}");
	buf_append_char(&out->body, '\n');
	free(s);
}

/* {"error": "ARG: message", "argument": ARG}; argument null when no argument is at fault. */
static void reply_error(struct web_reply *out, int status, const char *arg, const char *message)
{
	json_t *o = json_object();
	char *text = arg ? xasprintf("%s: %s", arg, message) : xstrdup(message);

	json_object_set_new(o, "error", json_string(text));
	json_object_set_new(o, "argument", arg ? json_string(arg) : json_null());
	free(text);
	reply_json(out, status, o);
}

/* The store failed: the log says how (it names files); the client learns only that. */
static void reply_store_failed(const struct web_ctx *ctx, struct web_reply *out)
{
	web_note(ctx, "read side: %s", store_error(ctx->store));
	reply_error(out, 500, NULL, "the store could not be read (the daemon's log says why)");
}

/* Network text as a JSON string (invalid UTF-8 replaced); null for NULL. */
static json_t *jtext(const char *s)
{
	json_t *j;
	char *clean;

	if (s == NULL)
		return json_null();
	j = json_string(s);
	if (j != NULL)
		return j;
	clean = webtext_clean(s, 0);
	j = json_string(clean);
	free(clean);
	return j ? j : json_string("");
}

/* The event's "source": {"id", "url"}; url null when the source is no longer configured. */
static json_t *source_json(const struct web_ctx *ctx, const char *id)
{
	json_t *o = json_object();
	char *bare = NULL;

	for (size_t i = 0; ctx->cfg && i < ctx->cfg->nsources; i++)
		if (strcmp(ctx->cfg->sources[i].id, id) == 0)
			bare = urlcred_strip(ctx->cfg->sources[i].url);
	json_object_set_new(o, "id", jtext(id));
	json_object_set_new(o, "url", jtext(bare));
	free(bare);
	return o;
}

/* The event's "item"; whole adds what only one statement carries. */
static json_t *item_json(const struct store_statement *s, int whole)
{
	json_t *o = json_object(), *sha;

	json_object_set_new(o, "url", jtext(s->url));
	if (whole)
		json_object_set_new(o, "final_url", jtext(s->final_url));
	json_object_set_new(o, "title", jtext(s->title ? s->title : ""));
	json_object_set_new(o, "published", jtext(s->published));
	json_object_set_new(o, "language", jtext(s->language));
	json_object_set_new(o, "words", json_integer(s->words));
	if (!whole)
		return o;
	json_object_set_new(o, "text", jtext(s->text));
	sha = json_object();
	json_object_set_new(sha, "raw", jtext(s->raw_sha256));
	json_object_set_new(sha, "text", jtext(s->text_sha256));
	json_object_set_new(o, "sha256", sha);
	json_object_set_new(o, "fetched_at", event_time_json(s->fetched_at));
	return o;
}

/* Every version, oldest first: {"version", "title", "sha256": {"text"}, "since", "text", "diff"}.
 */
static json_t *history_json(const struct store_statement *s)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < s->nversions; i++) {
		const struct store_version *v = &s->version[i];
		json_t *o = json_object(), *sha = json_object();

		json_object_set_new(o, "version", json_integer(v->number));
		json_object_set_new(o, "title", jtext(v->title ? v->title : ""));
		json_object_set_new(sha, "text", jtext(v->text_sha256));
		json_object_set_new(o, "sha256", sha);
		json_object_set_new(o, "since", event_time_json(v->since));
		json_object_set_new(o, "text", jtext(v->text));
		json_object_set_new(o, "diff", jtext(v->diff));
		json_array_append_new(arr, o);
	}
	return arr;
}

static json_t *statement_json(const struct web_ctx *ctx, const struct store_statement *s, int whole)
{
	json_t *o = json_object();
	json_t *themes = s->themes_json ? json_loads(s->themes_json, 0, NULL) : NULL;

	json_object_set_new(o, "id", json_integer((json_int_t)s->id));
	json_object_set_new(o, "source", source_json(ctx, s->source_id));
	json_object_set_new(o, "item", item_json(s, whole));
	json_object_set_new(o, "themes", themes ? themes : json_null());
	json_object_set_new(o, "first_seen", event_time_json(s->first_seen));
	json_object_set_new(o, "last_seen", event_time_json(s->last_seen));
	json_object_set_new(o, "versions", json_integer(s->versions));
	json_object_set_new(o, "edited", json_boolean(s->versions > 1));
	json_object_set_new(o, "diff", jtext(s->diff));
	if (whole)
		json_object_set_new(o, "history", history_json(s));
	return o;
}

/* Appends s percent-encoded for a query value (RFC 3986 unreserved characters pass). */
static void append_encoded(struct buf *b, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~", *p))
			buf_append_char(b, (char)*p);
		else
			buf_printf(b, "%%%02X", *p);
	}
}

/* The next page's address: the same arguments, before the last statement shown. */
static json_t *next_json(const struct web_request *req, int64_t last)
{
	static const char *const names[] = {"theme", "source", "language", "since", "q", "limit"};
	struct buf b;
	json_t *j;

	buf_init(&b);
	buf_append_str(&b, "/api/v1/statements?");
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const char *v = req->arg(req, names[i]);

		if (v == NULL || *v == '\0')
			continue;
		buf_printf(&b, "%s=", names[i]);
		append_encoded(&b, v);
		buf_append_char(&b, '&');
	}
	buf_printf(&b, "before=%lld", (long long)last);
	j = json_string(b.data);
	buf_free(&b);
	return j;
}

void web_page_api_statements(const struct web_ctx *ctx, const struct web_request *req,
			     struct web_reply *out)
{
	struct store_statement *v;
	struct filter fl;
	const char *bad;
	char err[160];
	size_t n, limit;
	json_t *root, *arr;

	if (filter_parse(ctx, req, FILTER_ALL, &fl, &bad, err, sizeof(err)) < 0) {
		reply_error(out, 400, bad, err);
		return;
	}
	if (store_statements(ctx->store, &fl.f, &v, &n) < 0) {
		if (errno == EINVAL) {
			reply_error(out, 400, "q",
				    "not a valid search query (FTS5 syntax: words, "
				    "\"phrases\", AND, OR, NOT; words of 3 characters or more)");
			return;
		}
		reply_store_failed(ctx, out);
		return;
	}
	limit = fl.f.limit ? fl.f.limit : STORE_STATEMENTS_DEFAULT;
	root = json_object();
	arr = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, statement_json(ctx, &v[i], 0));
	json_object_set_new(root, "statements", arr);
	json_object_set_new(root, "next", n == limit ? next_json(req, v[n - 1].id) : json_null());
	for (size_t i = 0; i < n; i++)
		store_statement_clear(&v[i]);
	free(v);
	reply_json(out, 200, root);
}

void web_page_api_statement(const struct web_ctx *ctx, const struct web_request *req,
			    struct web_reply *out)
{
	const char *rest = req->path + strlen(PREFIX_ONE);
	struct store_statement s;
	size_t digits = strspn(rest, "0123456789");
	int rc;

	if (strncmp(req->path, PREFIX_ONE, strlen(PREFIX_ONE)) != 0 || digits == 0 || digits > 18 ||
	    rest[digits] != '\0') {
		reply_error(out, 404, NULL, "no such statement");
		return;
	}
	rc = store_statement_get(ctx->store, strtoll(rest, NULL, 10), &s);
	if (rc < 0) {
		reply_store_failed(ctx, out);
		return;
	}
	if (rc == 0) {
		reply_error(out, 404, NULL, "no such statement");
		return;
	}
	reply_json(out, 200, statement_json(ctx, &s, 1));
	store_statement_clear(&s);
}

void web_page_api_status(const struct web_ctx *ctx, const struct web_request *req,
			 struct web_reply *out)
{
	struct status s;

	(void)req;
	if (status_collect(ctx->cfg, ctx->store, store_location(ctx->store), &s) < 0) {
		status_clear(&s);
		reply_store_failed(ctx, out);
		return;
	}
	reply_json(out, 200, status_json(ctx->cfg, &s));
	status_clear(&s);
}
