/*
 * daemon/article_read: how the daemon reads one article of a source — the
 * request it sends, the extraction it applies (the source's body and
 * exclude XPaths, or automatic), the themes it scores — shared by the poll
 * (article_fetch.c) and `preview --articles`, so that what preview shows is
 * what the daemon would store and alert.
 */
#ifndef SW_ARTICLE_READ_H
#define SW_ARTICLE_READ_H

#include <stddef.h>

struct article;
struct config_source;
struct http_req;
struct theme_result;
struct themes;

/* The key that finds one statement listed by several sources. Caller frees. */
char *article_normalise_url(const char *url);

/*
 * Fills req (zeroed first) for the article at url, linked from source s:
 * the source's "user:password@", headers and proxy go only to its own
 * origin, and only its own host counts as written by the operator. Returns
 * the URL with credentials applied, which req->url then points to (the
 * caller frees it after the request), or NULL when req->url is url itself.
 */
char *article_read_request(const struct config_source *s, const char *url, struct http_req *req);

/*
 * The article of a response to url (its final address after redirects):
 * a document that is no web page (PDF, office file) is an article without
 * text; anything else is parsed in the source's encoding and extracted
 * with its options. Returns 0 (a web page: the source's XPaths applied)
 * or 1 (a document: none applied) and fills a (release with article_free),
 * or -1 with err ("parse failed: ...", "extraction failed: ...").
 */
int article_read(const struct config_source *s, const char *url, const char *body, size_t len,
		 const char *content_type, struct article *a, char *err, size_t errlen);

/*
 * The themes of text (words long; language the article's, else NULL for
 * the source's) as the daemon scores it for s: every theme the source
 * watches. NULL when th is NULL or there is no text. Free with
 * theme_result_free.
 */
struct theme_result *article_read_score(const struct themes *th, const struct config_source *s,
					const char *text, long words, const char *language);

#endif
