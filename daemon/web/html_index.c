/*
 * daemon/web/html_index: `/`, the recent statements newest first, with the
 * filters (theme, source, language), the search box and paging. The
 * filters' choices come from the configuration; a value that names nothing
 * there, or is malformed, is a 400 page naming the argument.
 */
#include "daemon/web/html.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/xmalloc.h"
#include "config/config.h"
#include "daemon/store.h"

#define HTML_PAGE_SIZE 20
#define HTML_Q_MAX 256 /* bytes of a search query */
#define HTML_Q_HELP                                                                                \
	"argument &#39;q&#39;: not a valid search: words of three characters or more, "            \
	"&quot;a phrase&quot;, AND, OR, NOT"

/* The filters of one request: borrowed from it. NULL: no filter. */
struct html_filter {
	const char *theme, *source, *lang, *q;
	int64_t before;	  /* the page after this statement id; 0: the newest */
	char lang_key[9]; /* lang's primary subtag in lower case: what the store keeps */
};

/* The argument's value, NULL when absent or empty (an untouched form field). */
static const char *html_arg(const struct web_request *req, const char *name)
{
	const char *v = req->arg(req, name);
	return v && *v ? v : NULL;
}

/* A statement id: digits only, from 1. */
static int html_id_arg(const char *s, int64_t *out)
{
	char *end;
	long long v;

	*out = 0;
	if (!s)
		return 0;
	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || v < 1)
		return -1;
	*out = (int64_t)v;
	return 0;
}

/* "zh-CN" -> "zh" in f->lang_key (f->lang is a valid tag). 0. */
static int html_lang_key(struct html_filter *f)
{
	size_t i;

	for (i = 0; f->lang && f->lang[i] && f->lang[i] != '-' && i + 1 < sizeof(f->lang_key); i++)
		f->lang_key[i] = (char)tolower((unsigned char)f->lang[i]);
	f->lang_key[i] = '\0';
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
	f->lang = html_arg(req, "language");
	f->q = html_arg(req, "q");
	if (f->theme && !config_theme_find(ctx->cfg, f->theme))
		snprintf(err, errlen, "argument 'theme': no such theme in the configuration");
	else if (f->source && !config_source_find(ctx->cfg, f->source))
		snprintf(err, errlen, "argument 'source': no such source in the configuration");
	else if (f->lang && !html_lang_ok(f->lang))
		snprintf(err, errlen, "argument 'language': not a language tag (e.g. en, zh-CN)");
	else if (f->q && strlen(f->q) > HTML_Q_MAX)
		snprintf(err, errlen, "argument 'q': longer than %d bytes", HTML_Q_MAX);
	else if (html_id_arg(html_arg(req, "before"), &f->before) < 0)
		snprintf(err, errlen, "argument 'before': not a statement number");
	else
		return html_lang_key(f);
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

/*
 * A labelled text field holding value (escaped); name, label and type are
 * this file's literals, written as they are.
 */
static void html_input(struct buf *out, const char *name, const char *label, const char *type,
		       int maxlength, const char *value)
{
	buf_printf(out,
		   "<label class=\"%s\" for=\"f-%s\">%s<input type=\"%s\" id=\"f-%s\" "
		   "name=\"%s\" maxlength=\"%d\" value=\"",
		   name, name, label, type, name, name, maxlength);
	html_attr(out, value ? value : "");
	buf_append_str(out, "\"></label>\n");
}

/* The GET form: search box, theme, source and language. */
static void html_filter_form(struct buf *out, const struct config *cfg, const struct html_filter *f)
{
	buf_append_str(out,
		       "<form class=\"filters\" method=\"get\" action=\"/\" role=\"search\">\n");
	html_input(out, "q", "Search", "search", HTML_Q_MAX, f->q);
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
	html_input(out, "language", "Language", "text", 16, f->lang);
	buf_append_str(out, "<button type=\"submit\">Show</button>\n</form>\n");
}

/* "/?q=..&theme=..&before=ID": these filters, from after statement before (0: the newest). */
static void html_page_link(struct buf *out, const struct html_filter *f, int64_t before)
{
	const char *names[] = {"q", "theme", "source", "language"};
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
	if (before > 0)
		buf_printf(out, "%cbefore=%" PRId64, sep, before);
}

/* Links to the newest page and to the older one after statement last (0: none). */
static void html_pager(struct buf *out, const struct html_filter *f, int64_t last)
{
	struct buf link;

	if (f->before == 0 && last == 0)
		return;
	buf_init(&link);
	buf_append_str(out, "<nav class=\"pages\" aria-label=\"Pages\">");
	if (f->before > 0) {
		html_page_link(&link, f, 0);
		buf_append_str(out, "<a href=\"");
		html_attr(out, buf_str(&link));
		buf_append_str(out, "\">Newest</a>");
		buf_reset(&link);
	} else {
		buf_append_str(out, "<span></span>");
	}
	if (last > 0) {
		html_page_link(&link, f, last);
		buf_append_str(out, "<a rel=\"next\" href=\"");
		html_attr(out, buf_str(&link));
		buf_append_str(out, "\">Older</a>");
	}
	buf_append_str(out, "</nav>\n");
	buf_free(&link);
}

/* One statement of the list. */
static void html_list_item(struct buf *out, const struct store_statement *s)
{
	buf_append_str(out, "<article class=\"st\">\n<h2");
	html_lang_attr(out, s->language);
	buf_append_char(out, '>');
	html_link(out, s->url, s->title && *s->title ? s->title : "(untitled)");
	buf_append_str(out, "</h2>\n");
	html_statement_meta(out, s, 1);
	html_statement_themes(out, s);
	if (s->diff) {
		buf_append_str(out, "<p class=\"changed\">What changed in the latest edit:</p>\n");
		html_diff(out, s->diff);
	}
	buf_append_str(out, "</article>\n");
}

/*
 * store_statements for a search box: a query FTS5 cannot read (a word with
 * a hyphen or a dot, say) is looked for again as one phrase, when it has no
 * quote of its own. errno EINVAL when neither can be read.
 */
static int html_select(struct store *st, struct store_statement_filter *sf,
		       struct store_statement **list, size_t *n)
{
	char *phrase;
	int rc;

	if (store_statements(st, sf, list, n) == 0)
		return 0;
	if (errno != EINVAL || !sf->query || strchr(sf->query, '"'))
		return -1;
	phrase = xasprintf("\"%s\"", sf->query);
	sf->query = phrase;
	rc = store_statements(st, sf, list, n);
	free(phrase);
	return rc;
}

/*
 * The statements f selects into out, one page of them; *last: the id to
 * continue from when there are more, else 0. 0; -1 when the store failed
 * (logged); -2 when f->q is no valid search.
 */
static int html_list(const struct web_ctx *ctx, const struct html_filter *f, struct buf *out,
		     int64_t *last)
{
	struct store_statement_filter sf = {.theme = f->theme,
					    .source = f->source,
					    .language = f->lang ? f->lang_key : NULL,
					    .query = f->q,
					    .before = f->before,
					    .limit = HTML_PAGE_SIZE + 1};
	struct store_statement *list = NULL;
	size_t n = 0;

	*last = 0;
	if (html_select(ctx->store, &sf, &list, &n) < 0) {
		if (errno == EINVAL && f->q)
			return -2;
		web_note(ctx, "http: GET /: %s", store_error(ctx->store));
		return -1;
	}
	if (n == 0)
		buf_append_str(out, "<p>No statement matches.</p>\n");
	for (size_t i = 0; i < n && i < HTML_PAGE_SIZE; i++)
		html_list_item(out, &list[i]);
	if (n > HTML_PAGE_SIZE)
		*last = list[HTML_PAGE_SIZE - 1].id;
	for (size_t i = 0; i < n; i++)
		store_statement_clear(&list[i]);
	free(list);
	return 0;
}

/*
 * A query the index cannot search is a 400 that names the argument; the
 * page keeps the form with it, so that it can be corrected there.
 */
void html_page_index(const struct web_ctx *ctx, const struct web_request *req,
		     struct web_reply *out)
{
	struct html_filter f;
	struct buf list;
	int64_t last;
	char err[160];
	int rc;

	if (html_filter_parse(ctx, req, &f, err, sizeof(err)) < 0) {
		html_error(out, 400, err);
		return;
	}
	buf_init(&list);
	rc = html_list(ctx, &f, &list, &last);
	if (rc == -1) {
		html_error(out, 500, "The store could not be read; the daemon's log says why.");
	} else {
		out->status = rc == -2 ? 400 : 200;
		out->content_type = "text/html; charset=utf-8";
		html_begin(&out->body, rc == -2 ? "400 Bad request" : "Statements");
		buf_append_str(&out->body, "<h1>Statements</h1>\n");
		html_filter_form(&out->body, ctx->cfg, &f);
		if (rc == -2)
			buf_append_str(&out->body, "<p class=\"error\">" HTML_Q_HELP "</p>\n");
		buf_append(&out->body, buf_str(&list), list.len);
		html_pager(&out->body, &f, last);
		html_end(&out->body);
	}
	buf_free(&list);
}
