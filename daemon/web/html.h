/*
 * daemon/web/html: the server-rendered pages of the read side (issue 18) —
 * `/` (recent statements with filters and search), `/statement/ID` (one
 * statement, its versions and diffs) and their one style sheet — and the
 * helpers they share.
 *
 * Every string that came from the network or the configuration (titles,
 * texts, URLs, ids, evidence, diffs) reaches a page through html_text or
 * html_attr, or through a helper built on them; nothing else appends such a
 * string to a page. The pages need no JavaScript.
 */
#ifndef SW_WEB_HTML_H
#define SW_WEB_HTML_H

#include "common/buf.h"
#include "daemon/web/web.h"

/*
 * Appends s as HTML text: & < > " ' become character references, C0
 * control characters other than tab, newline and carriage return (which
 * no HTML document may contain) become U+FFFD. NULL appends nothing.
 */
void html_text(struct buf *out, const char *s);

/* Appends s for a double-quoted attribute value: as html_text. */
void html_attr(struct buf *out, const char *s);

/*
 * 1 when url may be a link: an absolute http:// or https:// URL (scheme in
 * any case) without control characters or spaces; 0 otherwise
 * (javascript:, data:, relative, NULL).
 */
int html_url_ok(const char *url);

/*
 * 1 when s is a language tag ("en", "zh-CN", "sr-Latn": letters first,
 * then letters, digits and hyphen-separated parts of up to 8, at most 16
 * bytes); html_lang_attr appends ` lang="S"` for one, nothing otherwise.
 */
int html_lang_ok(const char *s);
void html_lang_attr(struct buf *out, const char *lang);

/* <a href="URL">TEXT</a> when html_url_ok(url), else TEXT alone. Both escaped. */
void html_link(struct buf *out, const char *url, const char *text);

/*
 * Appends s percent-encoded for a query value (unreserved characters as
 * they are, everything else %XX), for links this server answers itself.
 */
void html_query_value(struct buf *out, const char *s);

/* The page's head (lang, charset, viewport, title, style sheet, header) and its end. */
void html_begin(struct buf *out, const char *title);
void html_end(struct buf *out);

/*
 * Makes out an HTML error page with this status: a heading, and the
 * message (escaped) — for 400 the message names the argument.
 */
void html_error(struct web_reply *out, int status, const char *message);

/*
 * A unified diff as a list of lines: additions in <ins>, removals in <del>,
 * hunk headers and context as they are; the ---/+++ file header is left
 * out. Nothing for NULL or "".
 */
void html_diff(struct buf *out, const char *diff);

/* Text as paragraphs: one <p> per run of lines between blank lines. */
void html_paragraphs(struct buf *out, const char *text);

/* A theme badge: label (or id) and the score with two decimals. */
void html_badge(struct buf *out, const char *id, const char *label, double score);

/*
 * <time datetime=..>YYYY-MM-DD</time>: the day of iso (ISO 8601, as a page
 * published it) when it has one, else of unix time t (UTC); nothing when
 * neither.
 */
void html_time(struct buf *out, const char *iso, double t);

/*
 * The parts of a statement both pages show: its metadata line (source,
 * date, language, words, edits and, when link, a link to its page) and its
 * theme badges with their evidence sentences (each sentence once).
 */
struct store_statement;
void html_statement_meta(struct buf *out, const struct store_statement *s, int link);
void html_statement_themes(struct buf *out, const struct store_statement *s);

/* The path of the style sheet with its version (changes when the sheet does). */
const char *html_style_path(void);

/* The pages (web_page_fn), for the router's table. */
void html_page_index(const struct web_ctx *ctx, const struct web_request *req,
		     struct web_reply *out);
void html_page_statement(const struct web_ctx *ctx, const struct web_request *req,
			 struct web_reply *out);
/* The style sheet, compiled in (daemon/web/html_style.c). */
void html_page_style(const struct web_ctx *ctx, const struct web_request *req,
		     struct web_reply *out);

#endif
