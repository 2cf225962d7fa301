/*
 * daemon/web/html_statement: `/statement/ID` — one statement whole: its
 * extracted text as paragraphs, metadata, provenance (the SHA-256 of the
 * raw page and of the text), every version with its diff — and the parts
 * of a statement the index shows too (metadata line, theme badges with
 * their evidence).
 */
#include "daemon/web/html.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "daemon/store.h"

#define HTML_PATH_PREFIX "/statement/"

/* "YYYY-MM-DD" (UTC) of unix time t; "" for 0. */
static void html_day(char *out, size_t len, double t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	out[0] = '\0';
	if (t > 0 && gmtime_r(&tt, &tm))
		strftime(out, len, "%Y-%m-%d", &tm);
}

/* 1 when s starts with a day "YYYY-MM-DD" (digits and hyphens only). */
static int html_iso_day(const char *s)
{
	static const char shape[] = "dddd-dd-dd";

	for (size_t i = 0; i < sizeof(shape) - 1; i++)
		if (shape[i] == 'd' ? !isdigit((unsigned char)s[i]) : s[i] != '-')
			return 0;
	return 1;
}

void html_time(struct buf *out, const char *iso, double t)
{
	char day[16], stamp[32];
	time_t tt = (time_t)t;
	struct tm tm;

	if (iso && html_iso_day(iso)) {
		buf_append_str(out, "<time datetime=\"");
		html_attr(out, iso);
		buf_append_str(out, "\">");
		buf_append(out, iso, 10);
		buf_append_str(out, "</time>");
		return;
	}
	if (t <= 0 || !gmtime_r(&tt, &tm))
		return;
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	html_day(day, sizeof(day), t);
	buf_printf(out, "<time datetime=\"%s\">%s</time>", stamp, day);
}

void html_statement_meta(struct buf *out, const struct store_statement *s, int link)
{
	buf_append_str(out, "<p class=\"meta\"><span class=\"source\">");
	html_text(out, s->source_id);
	buf_append_str(out, "</span> · ");
	html_time(out, s->published, s->date);
	if (s->language && *s->language) {
		buf_append_str(out, " · ");
		html_text(out, s->language);
	}
	if (s->words > 0)
		buf_printf(out, " · %ld words", s->words);
	if (s->versions > 1)
		buf_printf(out, " · <strong>edited</strong> (%d versions)", s->versions);
	if (link)
		buf_printf(out, " · <a href=\"/statement/%" PRId64 "\">details</a>", s->id);
	buf_append_str(out, "</p>\n");
}

/* 1 when sentence is evidence of a theme before theme number upto (shown already). */
static int html_evidence_shown(const struct store_statement *s, size_t upto, const char *sentence)
{
	for (size_t i = 0; i < upto; i++)
		for (size_t j = 0; j < s->themes[i].nevidence; j++)
			if (strcmp(s->themes[i].evidence[j], sentence) == 0)
				return 1;
	return 0;
}

void html_statement_themes(struct buf *out, const struct store_statement *s)
{
	if (s->nthemes == 0)
		return;
	buf_append_str(out, "<p class=\"themes\">");
	for (size_t i = 0; i < s->nthemes; i++)
		html_badge(out, s->themes[i].id, s->themes[i].label, s->themes[i].score);
	buf_append_str(out, "</p>\n");
	for (size_t i = 0; i < s->nthemes; i++) {
		const struct store_theme *t = &s->themes[i];
		for (size_t j = 0; j < t->nevidence; j++) {
			if (html_evidence_shown(s, i, t->evidence[j]))
				continue;
			buf_append_str(out, "<blockquote class=\"evidence\"");
			html_lang_attr(out, s->language);
			buf_append_str(out, " title=\"");
			html_attr(out, t->id);
			buf_append_str(out, "\">");
			html_text(out, t->evidence[j]);
			buf_append_str(out, "</blockquote>\n");
		}
	}
}

/* The statement id of a path "/statement/ID"; -1 when it names none. */
static int64_t html_statement_id(const char *path)
{
	const char *p;
	char *end;
	long long v;

	if (strncmp(path, HTML_PATH_PREFIX, strlen(HTML_PATH_PREFIX)) != 0)
		return -1;
	p = path + strlen(HTML_PATH_PREFIX);
	if (!isdigit((unsigned char)*p))
		return -1;
	errno = 0;
	v = strtoll(p, &end, 10);
	if (errno || *end || v < 1)
		return -1;
	return (int64_t)v;
}

/* A <dt>/<dd> pair; the value escaped, nothing when it is NULL. */
static void html_dd(struct buf *out, const char *term, const char *value)
{
	if (!value || !*value)
		return;
	buf_printf(out, "<dt>%s</dt><dd>", term);
	html_text(out, value);
	buf_append_str(out, "</dd>\n");
}

static void html_provenance(struct buf *out, const struct store_statement *s)
{
	char when[16];

	buf_append_str(out, "<section><h2>Provenance</h2>\n<dl class=\"prov\">\n");
	buf_append_str(out, "<dt>Ministry page</dt><dd>");
	html_link(out, s->url, s->url);
	buf_append_str(out, "</dd>\n");
	if (s->final_url && s->url && strcmp(s->final_url, s->url) != 0) {
		buf_append_str(out, "<dt>Fetched from</dt><dd>");
		html_link(out, s->final_url, s->final_url);
		buf_append_str(out, "</dd>\n");
	}
	html_dd(out, "SHA-256 of the raw page", s->raw_sha256);
	html_dd(out, "SHA-256 of the text", s->text_sha256);
	html_day(when, sizeof(when), s->first_seen);
	html_dd(out, "First seen", when);
	html_day(when, sizeof(when), s->fetched_at);
	html_dd(out, "Last fetched", when);
	buf_append_str(out, "</dl></section>\n");
}

/* Every version, newest first, with the diff from the one before. */
static void html_versions(struct buf *out, const struct store_statement *s)
{
	char when[16];

	if (s->nversions == 0)
		return;
	buf_append_str(out, "<section><h2>Versions</h2>\n");
	for (size_t i = s->nversions; i-- > 0;) {
		const struct store_version *v = &s->version[i];
		html_day(when, sizeof(when), v->since);
		buf_printf(out, "<article class=\"version\"><h3>Version %d", v->number);
		if (when[0])
			buf_printf(out, ", since %s", when);
		buf_append_str(out, "</h3>\n<p class=\"meta\">");
		html_text(out, v->title);
		buf_append_str(out, " · SHA-256 <code>");
		html_text(out, v->text_sha256);
		buf_append_str(out, "</code></p>\n");
		if (v->diff)
			html_diff(out, v->diff);
		else if (v->number > 1)
			buf_append_str(out, "<p>No diff: a text was dropped by retention.</p>\n");
		buf_append_str(out, "</article>\n");
	}
	buf_append_str(out, "</section>\n");
}

/* The page of statement s into out. */
static void html_statement_body(struct buf *out, const struct store_statement *s)
{
	html_begin(out, s->title && *s->title ? s->title : "Statement");
	buf_append_str(out, "<article class=\"statement\">\n<h1");
	html_lang_attr(out, s->language);
	buf_append_char(out, '>');
	html_link(out, s->url, s->title && *s->title ? s->title : "(untitled)");
	buf_append_str(out, "</h1>\n");
	html_statement_meta(out, s, 0);
	html_statement_themes(out, s);
	buf_append_str(out, "<section class=\"text\"><h2>Text</h2>\n");
	if (s->text) {
		buf_append_str(out, "<div");
		html_lang_attr(out, s->language);
		buf_append_char(out, '>');
		html_paragraphs(out, s->text);
		buf_append_str(out, "</div>\n");
	} else {
		buf_append_str(out, "<p>The text is not kept (never read, or dropped by "
				    "retention).</p>\n");
	}
	buf_append_str(out, "</section>\n");
	html_provenance(out, s);
	html_versions(out, s);
	buf_append_str(out, "</article>\n");
	html_end(out);
}

void html_page_statement(const struct web_ctx *ctx, const struct web_request *req,
			 struct web_reply *out)
{
	struct store_statement s;
	int64_t id = html_statement_id(req->path);
	int rc;

	if (id < 0) {
		html_error(out, 404, "No statement has this address.");
		return;
	}
	memset(&s, 0, sizeof(s));
	rc = store_statement_get(ctx->store, id, &s);
	if (rc == 0) {
		html_error(out, 404, "No statement has this number.");
	} else if (rc < 0) {
		web_note(ctx, "http: GET /statement/%" PRId64 ": %s", id, store_error(ctx->store));
		html_error(out, 500, "The store could not be read; the daemon's log says why.");
	} else {
		out->status = 200;
		out->content_type = "text/html; charset=utf-8";
		html_statement_body(&out->body, &s);
	}
	store_statement_clear(&s);
}
