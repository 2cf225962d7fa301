#include "daemon/article_doc.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ev.h>

#include "analyze/article/article.h"
#include "analyze/pdf/pdf.h"
#include "common/xmalloc.h"
#include "daemon/pdf_child.h"
#include "fetch/http.h"

#define TITLE_MAX 200 /* bytes of a first line taken whole as the title */
#define TITLE_CUT 120 /* else cut at the last space before this */

/* The media type of ct is type (case-insensitive, parameters ignored). */
static int media_type_is(const char *ct, const char *type)
{
	size_t n = strlen(type);

	while (ct && isspace((unsigned char)*ct))
		ct++;
	return ct && strncasecmp(ct, type, n) == 0 &&
	       (ct[n] == '\0' || ct[n] == ';' || isspace((unsigned char)ct[n]));
}

int article_doc_is_pdf(const char *body, size_t len, const char *content_type)
{
	const char *p = body;
	size_t n = len;

	if (p == NULL || n == 0)
		return 0;
	if (pdf_sniff(p, n))
		return 1;
	if (!media_type_is(content_type, "application/pdf") &&
	    !media_type_is(content_type, "application/x-pdf"))
		return 0;
	/* a page served as a PDF (an error page) is still read as a page */
	while (n > 0 && isspace((unsigned char)*p))
		p++, n--;
	return n == 0 || *p != '<';
}

struct article_resp *article_resp_copy(const struct http_response *resp)
{
	struct article_resp *r = xcalloc(1, sizeof(*r));

	r->status = resp->status;
	r->body = xmalloc(resp->body_len + 1);
	if (resp->body_len)
		memcpy(r->body, resp->body, resp->body_len);
	r->body[resp->body_len] = '\0';
	r->body_len = resp->body_len;
	r->content_type = xstrdup_or_null(resp->content_type);
	r->etag = xstrdup_or_null(resp->etag);
	r->last_modified = xstrdup_or_null(resp->last_modified);
	r->final_url = xstrdup_or_null(resp->final_url);
	return r;
}

void article_resp_view(const struct article_resp *r, struct http_response *out)
{
	memset(out, 0, sizeof(*out));
	out->result = HTTP_RES_OK;
	out->status = r->status;
	out->body = r->body;
	out->body_len = r->body_len;
	out->content_type = r->content_type;
	out->etag = r->etag;
	out->last_modified = r->last_modified;
	out->final_url = r->final_url;
}

void article_resp_take_body(struct article_resp *r, const struct http_response *doc)
{
	struct article_resp *d = article_resp_copy(doc);

	free(r->body);
	free(r->content_type);
	r->body = d->body;
	r->body_len = d->body_len;
	r->content_type = d->content_type;
	d->body = d->content_type = NULL;
	free(r->etag);
	free(r->last_modified);
	r->etag = r->last_modified = NULL;
	article_resp_free(d);
}

void article_resp_free(struct article_resp *r)
{
	if (r == NULL)
		return;
	free(r->body);
	free(r->content_type);
	free(r->etag);
	free(r->last_modified);
	free(r->final_url);
	free(r);
}

static int ends_with_ci(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && strcasecmp(s + n - k, suffix) == 0;
}

/* A Title that names the file or the program, not the statement. */
static int title_is_label(const char *t)
{
	static const char *const prefixes[] = {"Microsoft Word - ", "Microsoft PowerPoint - ",
					       "untitled"};
	static const char *const files[] = {".doc", ".docx", ".pdf", ".rtf", ".odt", ".indd"};

	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (strncasecmp(t, prefixes[i], strlen(prefixes[i])) == 0)
			return 1;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		if (ends_with_ci(t, files[i]))
			return 1;
	while (*t && isspace((unsigned char)*t))
		t++;
	return *t == '\0';
}

/* The text's first line, cut at a space before TITLE_CUT bytes when it is long. */
static char *first_line(const char *text)
{
	size_t n = strcspn(text, "\n"), cut;

	if (n <= TITLE_MAX)
		return xstrndup(text, n);
	for (cut = TITLE_CUT; cut > 0 && text[cut] != ' '; cut--)
		;
	if (cut == 0) /* no space (Chinese): a UTF-8 boundary instead */
		for (cut = TITLE_CUT; cut > 0 && ((unsigned char)text[cut] & 0xC0) == 0x80; cut--)
			;
	return xasprintf("%.*s…", (int)cut, text);
}

void article_doc_from_pdf(const struct pdf_result *r, struct article *a)
{
	memset(a, 0, sizeof(*a));
	a->text = xstrdup(r->text ? r->text : "");
	a->words = pdf_count_words(a->text);
	a->date = xstrdup_or_null(r->date);
	if (r->title && !title_is_label(r->title))
		a->title = xstrdup(r->title);
	else
		a->title = first_line(a->text);
	if (a->words == 0)
		a->no_text = xstrdup("no main text: a PDF without text (scanned pages?)");
}

/* A reading waited for by article_doc_read_pdf. */
struct pdf_wait {
	struct article *a;
	char *err;
	size_t errlen;
	int done, rc;
};

static void pdf_waited(void *arg, const struct pdf_result *r, const char *error)
{
	struct pdf_wait *w = arg;

	w->done = 1;
	if (error) {
		snprintf(w->err, w->errlen, "%s", error);
		return;
	}
	article_doc_from_pdf(r, w->a);
	w->rc = 0;
}

int article_doc_read_pdf(const char *data, size_t len, struct article *a, char *err, size_t errlen)
{
	struct ev_loop *loop = ev_default_loop(EVFLAG_AUTO);
	struct pdf_wait w = {a, err, errlen, 0, -1};

	if (loop == NULL) {
		snprintf(err, errlen, "pdf: cannot start the event loop");
		return -1;
	}
	if (pdf_child_start(loop, data, len, pdf_waited, &w, err, errlen) == NULL)
		return -1;
	while (!w.done)
		ev_run(loop, EVRUN_ONCE);
	return w.rc;
}
