/*
 * fetch/http_hop: redirects followed by fetch/ itself, one queued transfer
 * per hop, and the address policy for targets behind a proxy.
 *
 * Why not curl's own following: curl sends CURLOPT_HTTPHEADER (a source's
 * X-Api-Key, Authorization, Cookie) to every hop whatever its origin, and
 * behind a proxy it never sees a hop's address, so no socket hook can
 * refuse a redirect to 169.254.169.254. Here each hop is checked before it
 * is asked for, and leaves the custom headers behind once it leaves the
 * request URL's origin.
 */
#include "fetch/http_int.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/xmalloc.h"

const char *http_hop_url(const struct http_req_handle *r)
{
	return r->hop_url ? r->hop_url : r->url;
}

static int same_part(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcasecmp(a, b) == 0;
}

int http_hop_same_origin(const struct http_req_handle *r)
{
	if (r->hop_url == NULL)
		return 1;
	return same_part(r->hop_scheme, r->orig_scheme) && same_part(r->hop_host, r->orig_host) &&
	       same_part(r->hop_port, r->orig_port);
}

/*
 * Names that resolve only on the proxy's machine or network: one label
 * ("localhost", "intranet", searched in local domains) or a suffix never
 * delegated in public DNS.
 */
static int local_name(const char *host, size_t n)
{
	static const char *const suffixes[] = {
	    ".localhost", ".local", ".internal", ".localdomain", ".home.arpa",
	    ".lan",	  ".home",  ".corp",	 ".intranet",
	};

	if (memchr(host, '.', n) == NULL)
		return 1;
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		size_t ls = strlen(suffixes[i]);

		if (n >= ls && strncasecmp(host + n - ls, suffixes[i], ls) == 0)
			return 1;
	}
	return 0;
}

/* The last label all digits or 0x-hex: an IPv4 number in one of its spellings, or nothing. */
static int numeric_last_label(const char *host, size_t n)
{
	size_t start = n;

	while (start > 0 && host[start - 1] != '.')
		start--;
	if (start == n)
		return 0;
	if (n - start > 2 && host[start] == '0' && (host[start + 1] | 0x20) == 'x')
		return strspn(host + start + 2, "0123456789abcdefABCDEF") == n - start - 2;
	return strspn(host + start, "0123456789") == n - start;
}

/* host as curl's URL parser gives it: "[v6]", a dotted quad, or a name. */
static int target_is_private(const char *host)
{
	char name[256];
	size_t n = strlen(host);
	struct in_addr in4;

	if (n == 0 || n >= sizeof(name))
		return 1;
	if (host[0] == '[') { /* an IPv6 literal, maybe with a zone */
		n = strcspn(host + 1, "]%");
		memcpy(name, host + 1, n);
		name[n] = '\0';
		return http_addr_str_is_private(name);
	}
	memcpy(name, host, n + 1);
	if (name[n - 1] == '.')
		name[--n] = '\0';
	/* inet_aton takes what a proxy's resolver takes: 0x7f.1, 2130706433, 0177.0.0.1 */
	if (inet_aton(name, &in4) == 1)
		return http_addr_v4_is_private(ntohl(in4.s_addr));
	return n == 0 || numeric_last_label(name, n) || local_name(name, n);
}

char *http_hop_proxy_target_refused(const struct http_req_handle *r, const char *host)
{
	if (!r->via_proxy || r->allow_private)
		return NULL;
	if (host == NULL)
		return xstrdup("no target host to check");
	if (r->trusted && same_part(host, r->orig_host))
		return NULL; /* the operator wrote this host */
	if (!target_is_private(host))
		return NULL;
	return xasprintf("target %s refused: loopback, private, reserved or local-only host "
			 "(behind the proxy)",
			 host);
}

static int is_redirect(long status)
{
	return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

/* r's next transfer asks for url; the time this one took counts against the timeout. */
static void hop_set(struct http_req_handle *r, const char *url)
{
	char *copy = xstrdup(url); /* url lives in the easy handle, reset soon */

	free(r->hop_url);
	free(r->hop_scheme);
	free(r->hop_host);
	free(r->hop_port);
	r->hop_url = copy;
	r->hop_rc = (int)http_req_url_parts(copy, &r->hop_scheme, &r->hop_host, &r->hop_port);
	r->hops++;
	r->spent += http_req_now() - r->started;
	if (!http_hop_same_origin(r))
		r->left_origin = 1; /* for good: a later hop back does not bring them back */
	buf_reset(&r->body);	    /* the 3xx's own body is no answer */
}

int http_hop_next(struct http_req_handle *r, char **msg)
{
	long status = 0;
	char *loc = NULL;

	*msg = NULL;
	if (!r->own_redirects || r->deferred_err != NULL || r->easy == NULL)
		return 0;
	if (curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status) != CURLE_OK ||
	    !is_redirect(status))
		return 0;
	/* curl resolves a relative Location against the hop's URL. */
	if (curl_easy_getinfo(r->easy, CURLINFO_REDIRECT_URL, &loc) != CURLE_OK || loc == NULL)
		return 0;
	if (r->hops >= r->h->cfg.max_redirects) {
		*msg = xasprintf("Maximum (%ld) redirects followed", r->h->cfg.max_redirects);
		return -1;
	}
	hop_set(r, loc);
	return 1;
}
