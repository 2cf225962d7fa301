/*
 * daemon/article_doc: the pieces of reading a statement published as a
 * PDF (daemon/article_fetch.c drives them): which responses are PDFs, a
 * response kept while its document is read in a child, and the article
 * made of what the child read.
 */
#ifndef SW_ARTICLE_DOC_H
#define SW_ARTICLE_DOC_H

#include <stddef.h>

struct article;
struct http_response;
struct pdf_result;

/* 1 when body is a PDF: its signature, or its content type without a web page's markup. */
int article_doc_is_pdf(const char *body, size_t len, const char *content_type);

/* A response kept beyond its callback: every field owned. */
struct article_resp {
	long status;
	char *body;
	size_t body_len;
	char *content_type, *etag, *last_modified, *final_url;
};

/* A copy of resp's fields that build a stored version. */
struct article_resp *article_resp_copy(const struct http_response *resp);

/* r as an http_response that borrows its strings (result OK). */
void article_resp_view(const struct article_resp *r, struct http_response *out);

/*
 * Replaces r's body with doc's (the document the page linked to) and drops
 * r's validators: a re-check must fetch the page and its document again,
 * since the page's ETag says nothing about the PDF.
 */
void article_resp_take_body(struct article_resp *r, const struct http_response *doc);

void article_resp_free(struct article_resp *r);

/*
 * The article of what the PDF child read: its text and date, its title
 * from the metadata unless that is a file name or a word processor's
 * label ("Microsoft Word - speech.docx"), then the text's first line.
 * Fills a (article_free).
 */
void article_doc_from_pdf(const struct pdf_result *r, struct article *a);

/*
 * The article of the PDF data[0..len), read in the child while this waits
 * on the default loop: for the commands (preview), never the daemon. 0 and
 * a filled (article_free), or -1 with err ("pdf: damaged: ...").
 */
int article_doc_read_pdf(const char *data, size_t len, struct article *a, char *err, size_t errlen);

#endif
