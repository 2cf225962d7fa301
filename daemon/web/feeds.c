/*
 * daemon/web/feeds: Atom 1.0 (RFC 4287) written by libxml2's xmlTextWriter,
 * which escapes markup; every string from the network is first made valid
 * UTF-8 without the characters XML 1.0 forbids (webtext_clean), which no
 * escaping could carry.
 */
#include "daemon/web/feeds.h"

#include <libxml/xmlwriter.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/log.h"
#include "common/urlcred.h"
#include "common/xmalloc.h"
#include "config/config.h"
#include "daemon/event.h"
#include "daemon/store.h"
#include "daemon/web/filter.h"
#include "daemon/web/webtext.h"

#define ATOM_NS "http://www.w3.org/2005/Atom"
#define ATOM_TYPE "application/atom+xml; charset=utf-8"
/* The tag: URI prefix (RFC 4151) of every feed and entry id; never changes. */
#define TAG "tag:speechwatch,2026:"
#define FEED_ENTRIES 50

/* libxml2's strings are unsigned; ours are not. */
static const xmlChar *xc(const char *s)
{
	return (const xmlChar *)s;
}

/* What one feed is: its filter, id, title, self and alternate links. */
struct feed {
	struct store_statement_filter f;
	char *id, *title, *self, *alternate;
};

static void feed_clear(struct feed *fd)
{
	free(fd->id);
	free(fd->title);
	free(fd->self);
	free(fd->alternate);
}

/* An element whose text comes from the network (or anywhere): cleaned, then escaped. */
static void text_element(xmlTextWriterPtr w, const char *name, const char *text)
{
	char *clean = webtext_clean(text ? text : "", WEBTEXT_XML);

	xmlTextWriterWriteElement(w, xc(name), xc(clean));
	free(clean);
}

static void attribute(xmlTextWriterPtr w, const char *name, const char *value)
{
	char *clean = webtext_clean(value ? value : "", WEBTEXT_XML);

	xmlTextWriterWriteAttribute(w, xc(name), xc(clean));
	free(clean);
}

/* An Atom date (RFC 3339, UTC). */
static void date_element(xmlTextWriterPtr w, const char *name, double t)
{
	char when[32];

	event_format_time(t, when, sizeof(when));
	text_element(w, name, when);
}

static void link_element(xmlTextWriterPtr w, const char *rel, const char *type, const char *href)
{
	xmlTextWriterStartElement(w, xc("link"));
	attribute(w, "rel", rel);
	if (type)
		attribute(w, "type", type);
	attribute(w, "href", href);
	xmlTextWriterEndElement(w);
}

/* The themes and their evidence, then an edit's diff: what a reader shows of an entry. */
static char *summary_of(const struct store_statement *s)
{
	struct buf b;

	buf_init(&b);
	for (size_t i = 0; i < s->nthemes; i++) {
		const struct store_theme *t = &s->themes[i];

		buf_printf(&b, "%s%s (%.2f)\n", i ? "\n" : "", t->label, t->score);
		for (size_t e = 0; e < t->nevidence; e++)
			buf_printf(&b, "- %s\n", t->evidence[e]);
	}
	if (s->nthemes == 0)
		buf_append_str(&b, s->themes_json ? "No theme reached its threshold.\n"
						  : "Recorded without scoring.\n");
	if (s->versions > 1)
		buf_printf(&b, "\nEdited (version %d)%s\n%s", s->versions, s->diff ? ":" : ".",
			   s->diff ? s->diff : "");
	return buf_steal(&b);
}

/* The source as the entry's author: its id, and its list page when configured. */
static void author_element(xmlTextWriterPtr w, const struct web_ctx *ctx, const char *source_id)
{
	xmlTextWriterStartElement(w, xc("author"));
	text_element(w, "name", source_id);
	for (size_t i = 0; ctx->cfg && i < ctx->cfg->nsources; i++) {
		char *bare;

		if (strcmp(ctx->cfg->sources[i].id, source_id) != 0)
			continue;
		bare = urlcred_strip(ctx->cfg->sources[i].url);
		text_element(w, "uri", bare);
		free(bare);
	}
	xmlTextWriterEndElement(w);
}

static void entry_element(xmlTextWriterPtr w, const struct web_ctx *ctx,
			  const struct store_statement *s)
{
	char *id = xasprintf(TAG "statement/%s/%lld", s->source_id, (long long)s->id);
	char *summary = summary_of(s);

	xmlTextWriterStartElement(w, xc("entry"));
	text_element(w, "id", id);
	text_element(w, "title", s->title && *s->title ? s->title : s->url);
	link_element(w, "alternate", NULL, s->url);
	if (s->published)
		date_element(w, "published", s->date);
	date_element(w, "updated", s->updated);
	author_element(w, ctx, s->source_id);
	for (size_t i = 0; i < s->nthemes; i++) {
		xmlTextWriterStartElement(w, xc("category"));
		attribute(w, "term", s->themes[i].id);
		attribute(w, "label", s->themes[i].label);
		xmlTextWriterEndElement(w);
	}
	text_element(w, "summary", summary);
	xmlTextWriterEndElement(w);
	free(summary);
	free(id);
}

/* The newest entry's update time, else the request's: a feed's <updated>. */
static double feed_updated(const struct web_ctx *ctx, const struct store_statement *v, size_t n)
{
	double t = 0;

	for (size_t i = 0; i < n; i++)
		if (v[i].updated > t)
			t = v[i].updated;
	return t > 0 ? t : ctx->now;
}

/* The feed document for the statements v into out; -1 when libxml2 failed (out of memory). */
static int write_feed(const struct web_ctx *ctx, const struct feed *fd,
		      const struct store_statement *v, size_t n, struct buf *out)
{
	xmlBufferPtr xb = xmlBufferCreate();
	xmlTextWriterPtr w = xb ? xmlNewTextWriterMemory(xb, 0) : NULL;
	int rc = -1;

	if (w == NULL || xmlTextWriterStartDocument(w, NULL, "UTF-8", NULL) < 0)
		goto done;
	xmlTextWriterStartElementNS(w, NULL, xc("feed"), xc(ATOM_NS));
	text_element(w, "id", fd->id);
	text_element(w, "title", fd->title);
	date_element(w, "updated", feed_updated(ctx, v, n));
	link_element(w, "self", "application/atom+xml", fd->self);
	link_element(w, "alternate", "text/html", fd->alternate);
	text_element(w, "generator", "speechwatch");
	for (size_t i = 0; i < n; i++)
		entry_element(w, ctx, &v[i]);
	if (xmlTextWriterEndDocument(w) < 0)
		goto done;
	xmlFreeTextWriter(w); /* flushes into xb */
	w = NULL;
	buf_append(out, xmlBufferContent(xb), (size_t)xmlBufferLength(xb));
	rc = 0;
done:
	xmlFreeTextWriter(w);
	xmlBufferFree(xb);
	return rc;
}

static void reply_text(struct web_reply *out, int status, const char *text)
{
	out->status = status;
	out->content_type = "text/plain; charset=utf-8";
	buf_reset(&out->body);
	buf_append_str(&out->body, text);
}

static void serve(const struct web_ctx *ctx, const struct feed *fd, struct web_reply *out)
{
	struct store_statement *v;
	size_t n;
	int rc;

	if (store_statements(ctx->store, &fd->f, &v, &n) < 0) {
		web_note(ctx, "read side: %s", store_error(ctx->store));
		reply_text(out, 500, "the store could not be read (the daemon's log says why)\n");
		return;
	}
	buf_reset(&out->body);
	rc = write_feed(ctx, fd, v, n, &out->body);
	for (size_t i = 0; i < n; i++)
		store_statement_clear(&v[i]);
	free(v);
	if (rc < 0) {
		reply_text(out, 500, "the feed could not be written\n");
		return;
	}
	out->status = 200;
	out->content_type = ATOM_TYPE;
}

void web_page_feed_all(const struct web_ctx *ctx, const struct web_request *req,
		       struct web_reply *out)
{
	struct feed fd = {.f = {.limit = FEED_ENTRIES}};

	(void)req;
	fd.id = xstrdup(TAG "feeds/all");
	fd.title = xstrdup("speechwatch: all statements");
	fd.self = xstrdup("/feeds/all.atom");
	fd.alternate = xstrdup("/");
	serve(ctx, &fd, out);
	feed_clear(&fd);
}

/*
 * The ID of PREFIX + "ID.atom" in path when known(ID), else NULL. Ids are
 * config ids ([A-Za-z0-9._-]): a known one needs no encoding in a URL.
 */
static const char *id_in_path(const struct web_ctx *ctx, const char *path, const char *prefix,
			      int (*known)(const struct web_ctx *, const char *), char *id,
			      size_t idlen)
{
	size_t plen = strlen(prefix), len = strlen(path);

	if (len <= plen + 5 || strncmp(path, prefix, plen) != 0 ||
	    strcmp(path + len - 5, ".atom") != 0 || len - plen - 5 >= idlen)
		return NULL;
	memcpy(id, path + plen, len - plen - 5);
	id[len - plen - 5] = '\0';
	return known(ctx, id) ? id : NULL;
}

static const char *theme_label(const struct web_ctx *ctx, const char *id)
{
	for (size_t i = 0; i < ctx->cfg->nthemes; i++)
		if (strcmp(ctx->cfg->themes[i].id, id) == 0 && ctx->cfg->themes[i].label)
			return ctx->cfg->themes[i].label;
	return id;
}

void web_page_feed_theme(const struct web_ctx *ctx, const struct web_request *req,
			 struct web_reply *out)
{
	char buf[128];
	const char *id =
	    id_in_path(ctx, req->path, "/feeds/theme/", filter_theme_known, buf, sizeof(buf));
	struct feed fd = {.f = {.limit = FEED_ENTRIES, .theme = id}};

	if (id == NULL) {
		reply_text(out, 404, "no such theme\n");
		return;
	}
	fd.id = xasprintf(TAG "feeds/theme/%s", id);
	fd.title = xasprintf("speechwatch: %s", theme_label(ctx, id));
	fd.self = xasprintf("/feeds/theme/%s.atom", id);
	fd.alternate = xasprintf("/?theme=%s", id);
	serve(ctx, &fd, out);
	feed_clear(&fd);
}

void web_page_feed_source(const struct web_ctx *ctx, const struct web_request *req,
			  struct web_reply *out)
{
	char buf[128];
	const char *id =
	    id_in_path(ctx, req->path, "/feeds/source/", filter_source_known, buf, sizeof(buf));
	struct feed fd = {.f = {.limit = FEED_ENTRIES, .source = id}};

	if (id == NULL) {
		reply_text(out, 404, "no such source\n");
		return;
	}
	fd.id = xasprintf(TAG "feeds/source/%s", id);
	fd.title = xasprintf("speechwatch: source %s", id);
	fd.self = xasprintf("/feeds/source/%s.atom", id);
	fd.alternate = xasprintf("/?source=%s", id);
	serve(ctx, &fd, out);
	feed_clear(&fd);
}
