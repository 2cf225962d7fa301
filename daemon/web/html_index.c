/*
 * daemon/web/html_index: `/`, the recent statements newest first, with the
 * filters (theme, source, language), the search box and paging. The
 * filters' choices come from the configuration; a value that names nothing
 * there, or is malformed, is a 400 page naming the argument.
 */
#include "daemon/web/html.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"

#define HTML_PAGE_SIZE 20
#define HTML_PAGE_MAX 10000 /* pages beyond are refused, not searched */
#define HTML_Q_MAX 256	    /* bytes of a search query */

/* The filters of one request: borrowed from it. NULL: no filter. */
struct html_filter {
	const char *theme, *source, *lang, *q;
	long page; /* from 1 */
};

/* The argument's value, NULL when absent or empty (an untouched form field). */
static const char *html_arg(const struct web_request *req, const char *name)
{
	const char *v = req->arg(req, name);
	return v && *v ? v : NULL;
}

/* A language tag as the store keeps it: "en", "zh-CN", "sr-Latn". */
static int html_lang_ok(const char *s)
{
	size_t n = 0, part = 0;

	for (; s[n]; n++) {
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

static int html_page_number(const char *s, long *out)
{
	char *end;
	long v;

	if (!s) {
		*out = 1;
		return 0;
	}
	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < 1 || v > HTML_PAGE_MAX)
		return -1;
	*out = v;
	return 0;
}

/*
 * Reads the filters of req into f; 0, or -1 with why (naming the argument)
 * in err.
 */
static int html_filter_parse(const struct web_ctx *ctx, const struct web_request *req,
			     struct html_filter *f, char *err, size_t errlen)
{
	memset(f, 0, sizeof(*f));
	f->theme = html_arg(req, "theme");
	f->source = html_arg(req, "source");
	f->lang = html_arg(req, "lang");
	f->q = html_arg(req, "q");
	if (f->theme && !config_theme_find(ctx->cfg, f->theme))
		snprintf(err, errlen, "argument 'theme': no such theme in the configuration");
	else if (f->source && !config_source_find(ctx->cfg, f->source))
		snprintf(err, errlen, "argument 'source': no such source in the configuration");
	else if (f->lang && !html_lang_ok(f->lang))
		snprintf(err, errlen, "argument 'lang': not a language tag (e.g. en, zh-CN)");
	else if (f->q && strlen(f->q) > HTML_Q_MAX)
		snprintf(err, errlen, "argument 'q': longer than %d bytes", HTML_Q_MAX);
	else if (html_page_number(html_arg(req, "page"), &f->page) < 0)
		snprintf(err, errlen, "argument 'page': not a number from 1 to %d", HTML_PAGE_MAX);
	else
		return 0;
	return -1;
}

/* <option value="ID">LABEL</option>, selected when it is the filter's. */
static void html_option(struct buf *out, const char *value, const char *label, const char *cur)
{
	buf_append_str(out, "<option value=\"");
	html_attr(out, value);
	buf_append_str(out, cur && strcmp(cur, value) == 0 ? "\" selected>" : "\">");
	html_text(out, label && *label ? label : value);
	buf_append_str(out, "</option>");
}

static void html_input(struct buf *out, const char *cls, const char *name, const char *label,
		       const char *type, const char *value)
{
	buf_printf(out,
		   "<label class=\"%s\" for=\"f-%s\">%s<input type=\"%s\" id=\"f-%s\" "
		   "name=\"%s\" value=\"",
		   cls, name, label, type, name, name);
	html_attr(out, value ? value : "");
	buf_append_str(out, "\"></label>\n");
}

/* The GET form: search box, theme, source and language. */
static void html_filter_form(struct buf *out, const struct config *cfg, const struct html_filter *f)
{
	buf_append_str(out,
		       "<form class=\"filters\" method=\"get\" action=\"/\" role=\"search\">\n");
	html_input(out, "q", "q", "Search", "search", f->q);
	buf_append_str(out, "<label for=\"f-theme\">Theme<select id=\"f-theme\" name=\"theme\">"
			    "<option value=\"\">all themes</option>");
	for (size_t i = 0; i < cfg->nthemes; i++)
		html_option(out, cfg->themes[i].id, cfg->themes[i].label, f->theme);
	buf_append_str(out, "</select></label>\n<label for=\"f-source\">Source"
			    "<select id=\"f-source\" name=\"source\">"
			    "<option value=\"\">all sources</option>");
	for (size_t i = 0; i < cfg->nsources; i++)
		html_option(out, cfg->sources[i].id, NULL, f->source);
	buf_append_str(out, "</select></label>\n");
	html_input(out, "lang", "lang", "Language", "text", f->lang);
	buf_append_str(out, "<button type=\"submit\">Show</button>\n</form>\n");
}

/* "/?q=..&theme=..&page=N": the link to page n of these filters. */
static void html_page_link(struct buf *out, const struct html_filter *f, long n)
{
	const char *names[] = {"q", "theme", "source", "lang"};
	const char *values[] = {f->q, f->theme, f->source, f->lang};
	char sep = '?';

	buf_append_char(out, '/');
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!values[i])
			continue;
		buf_printf(out, "%c%s=", sep, names[i]);
		html_query_value(out, values[i]);
		sep = '&';
	}
	if (n > 1)
		buf_printf(out, "%cpage=%ld", sep, n);
}

/* Newer/older links; more: a next page exists. */
static void html_pager(struct buf *out, const struct html_filter *f, int more)
{
	struct buf link;

	if (f->page <= 1 && !more)
		return;
	buf_init(&link);
	buf_append_str(out, "<nav class=\"pages\" aria-label=\"Pages\">");
	if (f->page > 1) {
		html_page_link(&link, f, f->page - 1);
		buf_append_str(out, "<a rel=\"prev\" href=\"");
		html_attr(out, buf_str(&link));
		buf_append_str(out, "\">Newer</a>");
		buf_reset(&link);
	} else {
		buf_append_str(out, "<span></span>");
	}
	if (more) {
		html_page_link(&link, f, f->page + 1);
		buf_append_str(out, "<a rel=\"next\" href=\"");
		html_attr(out, buf_str(&link));
		buf_append_str(out, "\">Older</a>");
	}
	buf_append_str(out, "</nav>\n");
	buf_free(&link);
}

void html_page_index(const struct web_ctx *ctx, const struct web_request *req,
		     struct web_reply *out)
{
	struct html_filter f;
	char err[160];

	if (html_filter_parse(ctx, req, &f, err, sizeof(err)) < 0) {
		html_error(out, 400, err);
		return;
	}
	out->status = 200;
	out->content_type = "text/html; charset=utf-8";
	html_begin(&out->body, "Statements");
	buf_append_str(&out->body, "<h1>Statements</h1>\n");
	html_filter_form(&out->body, ctx->cfg, &f);
	html_pager(&out->body, &f, 0);
	html_end(&out->body);
}
