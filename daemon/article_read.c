#include "daemon/article_read.h"

#include <ctype.h>
#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

#include "analyze/article/article.h"
#include "analyze/page/page.h"
#include "analyze/themes/themes.h"
#include "common/urlcred.h"
#include "common/xmalloc.h"
#include "config/config.h"
#include "daemon/themeset.h"
#include "fetch/http.h"

/* Scheme, host and port (the scheme's default filled in) of url, or NULL; host only with
 * host_only. Lower case. */
static char *url_key(const char *url, int host_only)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL, *out = NULL;

	if (u == NULL || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK)
		goto done;
	if (host_only)
		out = xstrdup(host);
	else if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
		 curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK)
		out = xasprintf("%s://%s:%s", scheme, host, port);
	for (char *p = out; p && *p; p++)
		*p = (char)tolower((unsigned char)*p);
done:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return out;
}

static int same_key(const char *a, const char *b, int host_only)
{
	char *ka = url_key(a, host_only), *kb = url_key(b, host_only);
	int same = ka && kb && strcmp(ka, kb) == 0;

	free(ka);
	free(kb);
	return same;
}

char *article_normalise_url(const char *url)
{
	char *host = url_key(url, 1);
	const char *rest = strstr(url, "://");
	const char *h;
	char *out;
	size_t len;

	if (host == NULL || rest == NULL) {
		free(host);
		return xstrdup(url);
	}
	rest += 3;
	rest += strcspn(rest, "/?#"); /* path and query after the authority */
	len = strcspn(rest, "#");
	h = strncmp(host, "www.", 4) == 0 ? host + 4 : host;
	while (len > 1 && rest[len - 1] == '/')
		len--;
	out = xasprintf("%s%.*s", h, (int)len, rest);
	free(host);
	return out;
}

char *article_read_request(const struct config_source *s, const char *url, struct http_req *req)
{
	/* the source's own "user:password@" for its own origin only (common/urlcred.h) */
	char *authed = urlcred_apply(url, s->url);

	memset(req, 0, sizeof(*req));
	req->url = authed ? authed : url;
	req->follow_redirects = 1;
	/* Links come from the page: only the source's own host counts as written by the operator.
	 */
	req->trusted = same_key(url, s->url, 1);
	req->allow_private = s->allow_private > 0;
	/*
	 * A source's headers carry its credentials (X-Api-Key, Authorization,
	 * Cookie): they go only to the source URL's own origin, never to a link
	 * on another (fetch/ drops them on a redirect that leaves the origin).
	 */
	if (same_key(url, s->url, 0))
		req->headers = (const char *const *)s->headers.v;
	req->proxy = s->proxy;
	return authed;
}

int article_read(const struct config_source *s, const char *url, const char *body, size_t len,
		 const char *content_type, struct article *a, char *err, size_t errlen)
{
	struct article_opts opts;
	char why[256];
	xmlDocPtr doc;
	int rc;

	if (article_from_document(body, len, content_type, a))
		return 1;
	doc = page_parse(body, len, content_type, s->encoding, PAGE_HTML, NULL, NULL, why,
			 sizeof(why));
	if (doc == NULL) {
		snprintf(err, errlen, "parse failed: %s", why);
		return -1;
	}
	memset(&opts, 0, sizeof(opts));
	opts.body = s->body;
	for (size_t i = 0; i < s->exclude.n && i + 1 < ARTICLE_MAX_EXCLUDE; i++)
		opts.exclude[i] = s->exclude.v[i];
	opts.language = s->language;
	rc = article_extract(doc, url, &opts, a, why, sizeof(why));
	xmlFreeDoc(doc);
	if (rc < 0)
		snprintf(err, errlen, "extraction failed: %s", why);
	return rc;
}

struct theme_result *article_read_score(const struct themes *th, const struct config_source *s,
					const char *text, long words, const char *language)
{
	struct theme_result *r = NULL;

	/* no main text (a PDF, a page with only a title): nothing to score */
	if (th == NULL || text == NULL || words == 0)
		return NULL;
	if (themes_score(th, text, strlen(text), language ? language : s->language, &r) < 0)
		return NULL;
	themeset_filter_source(r, s);
	return r;
}
