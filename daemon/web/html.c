/*
 * daemon/web/html: the escapes and the layout the pages share. The two
 * escapes are the only way text from the network or the configuration
 * enters a page (html.h).
 */
#include "daemon/web/html.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/htmlesc.h"

void html_text(struct buf *out, const char *s)
{
	html_escape(out, s);
}

void html_attr(struct buf *out, const char *s)
{
	html_escape(out, s);
}

int html_url_ok(const char *url)
{
	size_t skip;

	if (!url)
		return 0;
	if (strncasecmp(url, "http://", 7) == 0)
		skip = 7;
	else if (strncasecmp(url, "https://", 8) == 0)
		skip = 8;
	else
		return 0;
	if (url[skip] == '\0' || url[skip] == '/')
		return 0; /* no host */
	for (const char *p = url; *p; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7f)
			return 0;
	return 1;
}

int html_lang_ok(const char *s)
{
	size_t n = 0, part = 0;

	for (; s && s[n]; n++) {
		if (s[n] == '-' && part > 0) {
			part = 0;
			continue;
		}
		if (!isalnum((unsigned char)s[n]) || ++part > 8 || n >= 16)
			return 0;
		if (n < 2 && !isalpha((unsigned char)s[n]))
			return 0;
	}
	return n >= 2 && part > 0;
}

void html_lang_attr(struct buf *out, const char *lang)
{
	if (!html_lang_ok(lang))
		return;
	buf_append_str(out, " lang=\"");
	html_attr(out, lang);
	buf_append_char(out, '"');
}

void html_link(struct buf *out, const char *url, const char *text)
{
	if (!html_url_ok(url)) {
		html_text(out, text);
		return;
	}
	buf_append_str(out, "<a href=\"");
	html_attr(out, url);
	buf_append_str(out, "\" rel=\"noreferrer noopener\">");
	html_text(out, text);
	buf_append_str(out, "</a>");
}

void html_query_value(struct buf *out, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.' || c == '~') {
			buf_append_char(out, (char)c);
		} else {
			buf_append_char(out, '%');
			buf_append_char(out, hex[c >> 4]);
			buf_append_char(out, hex[c & 15]);
		}
	}
}

void html_begin(struct buf *out, const char *title)
{
	buf_append_str(out,
		       "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
		       "<meta name=\"viewport\" content=\"width=device-width, "
		       "initial-scale=1\">\n<meta name=\"referrer\" content=\"no-referrer\">\n"
		       /* no script may run even if an escape were missed */
		       "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
		       "style-src 'self'; img-src data:; form-action 'self'; base-uri 'none'\">\n"
		       "<link rel=\"icon\" href=\"data:,\">\n"
		       "<title>");
	html_text(out, title);
	buf_append_str(out, " · speechwatch</title>\n<link rel=\"stylesheet\" href=\"");
	html_attr(out, html_style_path());
	buf_append_str(out, "\">\n</head>\n<body>\n<header class=\"site\"><a href=\"/\">"
			    "speechwatch</a></header>\n<main>\n");
}

void html_end(struct buf *out)
{
	buf_append_str(out, "</main>\n</body>\n</html>\n");
}

void html_error(struct web_reply *out, int status, const char *message)
{
	const char *what = status == 404 ? "Not found" : status == 400 ? "Bad request" : "Error";
	char title[64];

	snprintf(title, sizeof(title), "%d %s", status, what);
	buf_reset(&out->body);
	out->status = status;
	out->content_type = "text/html; charset=utf-8";
	html_begin(&out->body, title);
	buf_append_str(&out->body, "<h1>");
	html_text(&out->body, title);
	buf_append_str(&out->body, "</h1>\n<p class=\"error\">");
	html_text(&out->body, message);
	buf_append_str(&out->body, "</p>\n<p><a href=\"/\">All statements</a></p>\n");
	html_end(&out->body);
}

/* One line of a diff (len bytes, without its newline), in the element its sign says. */
static void html_diff_line(struct buf *out, const char *line, size_t len)
{
	const char *open = "", *close = "";

	if (len && line[0] == '+') {
		open = "<ins>";
		close = "</ins>";
	} else if (len && line[0] == '-') {
		open = "<del>";
		close = "</del>";
	} else if (len > 1 && line[0] == '@' && line[1] == '@') {
		open = "<span class=\"hunk\">";
		close = "</span>";
	}
	buf_append_str(out, open);
	html_escape_n(out, line, len);
	buf_append_str(out, close);
	buf_append_char(out, '\n');
}

void html_diff(struct buf *out, const char *diff)
{
	const char *p = diff;
	int in_header = 1; /* the ---/+++ lines before the first hunk name files, not text */

	if (!diff || !*diff)
		return;
	buf_append_str(out, "<pre class=\"diff\">");
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		if (len >= 2 && p[0] == '@' && p[1] == '@')
			in_header = 0;
		if (!(in_header && len >= 3 &&
		      (strncmp(p, "---", 3) == 0 || strncmp(p, "+++", 3) == 0)))
			html_diff_line(out, p, len);
		p += len + (nl != NULL);
	}
	buf_append_str(out, "</pre>\n");
}

/* 1 when the line at p (up to a newline) holds only white space. */
static int line_blank(const char *p)
{
	for (; *p && *p != '\n'; p++)
		if (*p != ' ' && *p != '\t' && *p != '\r')
			return 0;
	return 1;
}

void html_paragraphs(struct buf *out, const char *text)
{
	const char *p = text;
	int open = 0;

	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		if (line_blank(p)) {
			if (open)
				buf_append_str(out, "</p>\n");
			open = 0;
		} else {
			buf_append_str(out, open ? "\n" : "<p>");
			html_escape_n(out, p, len);
			open = 1;
		}
		p += len + (nl != NULL);
	}
	if (open)
		buf_append_str(out, "</p>\n");
}

void html_badge(struct buf *out, const char *id, const char *label, double score)
{
	buf_append_str(out, "<span class=\"badge\" title=\"");
	html_attr(out, id);
	buf_append_str(out, "\">");
	html_text(out, label && *label ? label : id);
	buf_printf(out, " <b>%.2f</b></span>", score);
}
