/*
 * fetch/http_req: one transfer. Keeps what a queued request needs, builds
 * the easy handle with every limit of hardening.md when it starts, collects
 * the body under a decoded-size cap, enforces the SSRF address policy
 * before connect (and again before each request on a reused connection),
 * classifies the outcome and assembles the response.
 */
#include "fetch/http_int.h"

#include <arpa/inet.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "common/xmalloc.h"

/* A protocol module's handle without a protocol of its own: bare HTTP, no hooks. */
static const struct http_proto req_proto_bare = {.scheme = "http", .tls_scheme = "https"};

/* Plain HTTP's data: what http_start was given, kept until the request starts. */
struct req_plain {
	struct curl_slist *headers; /* the caller's, then validators, then "Expect:" */
	struct curl_slist *bare;    /* without the caller's: for hops on another origin */
	char *body;
	size_t body_len;
	int follow_redirects;
	int post; /* POST or PUT: a body is sent */
	int put;
};

static CURLcode req_plain_setup(struct http_req_handle *r, void *data);
static void req_plain_free(void *data);

static const struct http_proto req_proto_http = {
    .scheme = "http",
    .tls_scheme = "https",
    .setup = req_plain_setup,
    .free = req_plain_free,
};

double http_req_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A part of u, or NULL. Caller frees. */
static char *req_url_part(CURLU *u, CURLUPart what, unsigned flags)
{
	char *part = NULL, *copy = NULL;

	if (curl_url_get(u, what, &part, flags) == CURLUE_OK)
		copy = xstrdup(part);
	curl_free(part);
	return copy;
}

/* See http_int.h. */
CURLUcode http_req_url_parts(const char *url, char **scheme, char **host, char **port)
{
	CURLU *u = curl_url();
	CURLUcode uc;

	if (scheme)
		*scheme = NULL;
	if (port)
		*port = NULL;
	*host = NULL;
	if (u == NULL)
		return CURLUE_OUT_OF_MEMORY;
	uc = curl_url_set(u, CURLUPART_URL, url, CURLU_GUESS_SCHEME | CURLU_NON_SUPPORT_SCHEME);
	if (uc == CURLUE_OK && scheme)
		*scheme = req_url_part(u, CURLUPART_SCHEME, 0);
	if (uc == CURLUE_OK)
		*host = req_url_part(u, CURLUPART_HOST, 0);
	if (uc == CURLUE_OK && port)
		*port = req_url_part(u, CURLUPART_PORT, CURLU_DEFAULT_PORT);
	curl_url_cleanup(u);
	return uc;
}

static char *req_url_host(const char *url)
{
	char *host;

	http_req_url_parts(url, NULL, &host, NULL);
	return host;
}

/*
 * The connection-limit key: what curl's own per-host limit counts, the
 * host and port, or the proxy when every connection goes there.
 */
static char *req_queue_key(const struct http_req_handle *r, const char *host, const char *port)
{
	if (r->via_proxy)
		return xasprintf("proxy %s", r->proxy);
	return xasprintf("%s:%s", host ? host : "", port ? port : "");
}

/*
 * Refuses what needs no network to refuse: a scheme other than the
 * protocol's two (curl would too, this says why), a URL curl cannot
 * parse, or a private target behind a proxy (http_hop.c). Returns
 * HTTP_RES_OK with *key allocated, or the class, with *msg allocated.
 */
enum http_result http_req_precheck(const struct http_req_handle *r, char **msg, char **key)
{
	const char *a = r->proto->scheme, *b = r->proto->tls_scheme;
	int hop = r->hop_url != NULL; /* a redirect fetch/ follows: check the hop's URL */
	CURLUcode uc = (CURLUcode)(hop ? r->hop_rc : r->url_rc);
	const char *scheme = hop ? r->hop_scheme : r->orig_scheme;
	const char *host = hop ? r->hop_host : r->orig_host;
	const char *port = hop ? r->hop_port : r->orig_port;
	enum http_result res = HTTP_RES_OK;

	*msg = NULL;
	*key = NULL;
	if (uc != CURLUE_OK) {
		*msg = xasprintf("malformed URL: %s", curl_url_strerror(uc));
		res = HTTP_RES_PROTOCOL;
	} else if (scheme == NULL || (strcasecmp(scheme, a) != 0 && strcasecmp(scheme, b) != 0)) {
		*msg = xasprintf("scheme \"%s\" refused: only %s and %s are allowed",
				 scheme ? scheme : "", a, b);
		res = HTTP_RES_BLOCKED;
	} else if ((*msg = http_hop_proxy_target_refused(r, host)) != NULL) {
		res = HTTP_RES_BLOCKED;
	} else {
		*key = req_queue_key(r, host, port);
	}
	return res;
}

/* Records our own reason for failing (policy, cap); the last one wins. */
static void req_set_reason(struct http_req_handle *r, enum http_result res, char *msg)
{
	free(r->deferred_err);
	r->deferred_err = msg;
	r->deferred_res = res;
}

/* CURLOPT_WRITEFUNCTION: counts decoded bytes; returning short aborts. */
static size_t req_write_cb(char *data, size_t size, size_t n, void *userp)
{
	struct http_req_handle *r = userp;
	size_t len = size * n;

	if (len > r->max_body - r->body.len) {
		r->over_cap = 1;
		req_set_reason(r, HTTP_RES_TOO_BIG,
			       xasprintf("body exceeds %zu bytes (decoded)", r->max_body));
		return 0;
	}
	buf_append(&r->body, data, len);
	return len;
}

/*
 * CURLOPT_HEADERFUNCTION: caps the header bytes of all hops together, then
 * shows the line to the protocol.
 */
static size_t req_header_cb(char *data, size_t size, size_t n, void *userp)
{
	struct http_req_handle *r = userp;
	size_t len = size * n;

	if (len > r->max_header - r->header_bytes) {
		r->over_cap = 2;
		req_set_reason(r, HTTP_RES_TOO_BIG,
			       xasprintf("headers exceed %zu bytes", r->max_header));
		return 0;
	}
	r->header_bytes += len;
	if (r->proto->header_line)
		r->proto->header_line(r, r->proto_data, data, len);
	return len;
}

/* Is the host curl is about to talk to the request URL's own host? */
static int req_on_own_host(struct http_req_handle *r)
{
	char *url = NULL;
	char *host;
	int same;

	if (r->orig_host == NULL)
		return 0;
	/* During a redirect hop this already is the new URL. */
	if (curl_easy_getinfo(r->easy, CURLINFO_EFFECTIVE_URL, &url) != CURLE_OK || url == NULL)
		return 0;
	if (strcmp(url, r->url) == 0)
		return 1; /* not redirected: the same URL, the same host */
	host = req_url_host(url);
	same = host != NULL && strcasecmp(host, r->orig_host) == 0;
	free(host);
	return same;
}

/* The SSRF rule: 1 if this request may connect to sa. */
static int req_addr_allowed(struct http_req_handle *r, const struct sockaddr *sa, size_t len)
{
	char ip[INET6_ADDRSTRLEN];

	if (r->via_proxy || r->allow_private)
		return 1;
	if (!http_addr_is_private(sa, len))
		return 1;
	if (r->trusted && req_on_own_host(r))
		return 1;
	http_addr_format(sa, len, ip, sizeof(ip));
	req_set_reason(r, HTTP_RES_BLOCKED,
		       xasprintf("connection to %s refused: loopback, private or reserved "
				 "address",
				 ip));
	return 0;
}

/* CURLOPT_OPENSOCKETFUNCTION: sees every resolved address, redirects included. */
static curl_socket_t req_open_cb(void *userp, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct http_req_handle *r = userp;

	if (purpose != CURLSOCKTYPE_IPCXN)
		return CURL_SOCKET_BAD;
	if (!req_addr_allowed(r, &a->addr, a->addrlen))
		return CURL_SOCKET_BAD;
	return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
}

/* CURLOPT_PREREQFUNCTION: runs before every request, on reused connections too. */
static int req_prereq_cb(void *userp, char *primary_ip, char *local_ip, int primary_port,
			 int local_port)
{
	struct http_req_handle *r = userp;
	struct sockaddr_storage ss;
	size_t len = 0;

	(void)local_ip;
	(void)primary_port;
	(void)local_port;
	if (r->via_proxy || r->allow_private)
		return CURL_PREREQFUNC_OK;
	if (http_addr_parse(primary_ip, &ss, &len) < 0) {
		req_set_reason(r, HTTP_RES_BLOCKED, xstrdup("connection to an unknown address"));
		return CURL_PREREQFUNC_ABORT;
	}
	if (!req_addr_allowed(r, (const struct sockaddr *)&ss, len))
		return CURL_PREREQFUNC_ABORT;
	return CURL_PREREQFUNC_OK;
}

int http_req_has_crlf(const char *s)
{
	return s != NULL && strpbrk(s, "\r\n") != NULL;
}

static int req_validate_base(const struct http_req_base *b, char *err, size_t errlen)
{
	if (b->url == NULL || b->url[0] == '\0') {
		snprintf(err, errlen, "no URL");
		return -1;
	}
	if (http_req_has_crlf(b->url) || http_req_has_crlf(b->proxy)) {
		snprintf(err, errlen, "line break in URL or header value");
		return -1;
	}
	return 0;
}

static int req_validate(const struct http_req *req, char *err, size_t errlen)
{
	if (req->method && strcmp(req->method, "GET") != 0 && strcmp(req->method, "POST") != 0 &&
	    strcmp(req->method, "PUT") != 0) {
		snprintf(err, errlen, "unsupported method");
		return -1;
	}
	if (http_req_has_crlf(req->if_none_match) || http_req_has_crlf(req->if_modified_since)) {
		snprintf(err, errlen, "line break in URL or header value");
		return -1;
	}
	for (size_t i = 0; req->headers && req->headers[i]; i++) {
		if (http_req_has_crlf(req->headers[i]) || strchr(req->headers[i], ':') == NULL) {
			snprintf(err, errlen, "malformed header %zu", i);
			return -1;
		}
	}
	return 0;
}

static int req_add_header(struct curl_slist **list, const char *line)
{
	struct curl_slist *l = curl_slist_append(*list, line);

	if (l == NULL)
		return -1;
	*list = l;
	return 0;
}

/* The request's header lines; the caller's own only with custom = 1. */
static int req_build_headers(struct curl_slist **list, const struct http_req *req, int post,
			     int custom)
{
	char *line;
	int rc = 0;

	for (size_t i = 0; rc == 0 && custom && req->headers && req->headers[i]; i++)
		rc = req_add_header(list, req->headers[i]);
	if (rc == 0 && req->if_none_match && req->if_none_match[0]) {
		line = xasprintf("If-None-Match: %s", req->if_none_match);
		rc = req_add_header(list, line);
		free(line);
	}
	if (rc == 0 && req->if_modified_since && req->if_modified_since[0]) {
		line = xasprintf("If-Modified-Since: %s", req->if_modified_since);
		rc = req_add_header(list, line);
		free(line);
	}
	/* No "Expect: 100-continue" round trip for webhook bodies. */
	if (rc == 0 && post)
		rc = req_add_header(list, "Expect:");
	return rc;
}

/* What is left of the whole transfer's time after the earlier hops (at least 1 ms). */
static long req_timeout_left_ms(const struct http_req_handle *r)
{
	long total_s = r->timeout_s > 0 ? r->timeout_s : r->h->cfg.timeout_s;
	double left = (double)total_s * 1000.0 - r->spent * 1000.0;

	return left < 1.0 ? 1L : (long)left;
}

/* Limits every transfer gets (hardening.md), its protocol's schemes only (redirects too). */
static CURLcode req_set_limits(struct http_req_handle *r)
{
	const struct http_config *cfg = &r->h->cfg;
	char *schemes = xasprintf("%s,%s", r->proto->scheme, r->proto->tls_scheme);
	CURL *e = r->easy;
	CURLcode rc = CURLE_OK;

	REQ_SET(rc, e, CURLOPT_PROTOCOLS_STR, schemes);
	REQ_SET(rc, e, CURLOPT_REDIR_PROTOCOLS_STR, schemes);
	free(schemes); /* curl keeps copies */
	REQ_SET(rc, e, CURLOPT_NOSIGNAL, 1L);
	REQ_SET(rc, e, CURLOPT_CONNECTTIMEOUT, cfg->connect_timeout_s);
	REQ_SET(rc, e, CURLOPT_TIMEOUT_MS, req_timeout_left_ms(r));
	REQ_SET(rc, e, CURLOPT_LOW_SPEED_LIMIT, cfg->low_speed_bytes);
	REQ_SET(rc, e, CURLOPT_LOW_SPEED_TIME, cfg->low_speed_time_s);
	REQ_SET(rc, e, CURLOPT_SSL_VERIFYPEER, 1L);
	REQ_SET(rc, e, CURLOPT_SSL_VERIFYHOST, 2L);
	return rc;
}

static CURLcode req_set_http_limits(struct http_req_handle *r, const struct req_plain *p)
{
	CURL *e = r->easy;
	CURLcode rc = CURLE_OK;

	REQ_SET(rc, e, CURLOPT_FOLLOWLOCATION, p->follow_redirects && !r->own_redirects ? 1L : 0L);
	REQ_SET(rc, e, CURLOPT_MAXREDIRS, r->h->cfg.max_redirects);
	REQ_SET(rc, e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)r->max_body);
	REQ_SET(rc, e, CURLOPT_ACCEPT_ENCODING, "");
	return rc;
}

static CURLcode req_set_callbacks(struct http_req_handle *r)
{
	CURL *e = r->easy;
	CURLcode rc = CURLE_OK;

	REQ_SET(rc, e, CURLOPT_PRIVATE, (void *)r);
	REQ_SET(rc, e, CURLOPT_ERRORBUFFER, r->errbuf);
	REQ_SET(rc, e, CURLOPT_WRITEFUNCTION, req_write_cb);
	REQ_SET(rc, e, CURLOPT_WRITEDATA, (void *)r);
	REQ_SET(rc, e, CURLOPT_HEADERFUNCTION, req_header_cb);
	REQ_SET(rc, e, CURLOPT_HEADERDATA, (void *)r);
	REQ_SET(rc, e, CURLOPT_OPENSOCKETFUNCTION, req_open_cb);
	REQ_SET(rc, e, CURLOPT_OPENSOCKETDATA, (void *)r);
	REQ_SET(rc, e, CURLOPT_PREREQFUNCTION, req_prereq_cb);
	REQ_SET(rc, e, CURLOPT_PREREQDATA, (void *)r);
	return rc;
}

static CURLcode req_set_http_request(struct http_req_handle *r, const struct req_plain *p)
{
	const struct http_config *cfg = &r->h->cfg;
	CURL *e = r->easy;
	CURLcode rc = CURLE_OK;

	if (cfg->user_agent)
		REQ_SET(rc, e, CURLOPT_USERAGENT, cfg->user_agent);
	if (r->left_origin && p->bare)
		REQ_SET(rc, e, CURLOPT_HTTPHEADER, p->bare);
	else if (p->headers && !r->left_origin)
		REQ_SET(rc, e, CURLOPT_HTTPHEADER, p->headers);
	if (p->post) {
		/* p->body lives as long as the easy handle: curl need not copy it. */
		REQ_SET(rc, e, CURLOPT_POST, 1L);
		REQ_SET(rc, e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)p->body_len);
		REQ_SET(rc, e, CURLOPT_POSTFIELDS, p->body);
		if (p->put)
			REQ_SET(rc, e, CURLOPT_CUSTOMREQUEST, "PUT");
	}
	return rc;
}

/* http_proto.setup for plain HTTP */
static CURLcode req_plain_setup(struct http_req_handle *r, void *data)
{
	CURLcode rc = req_set_http_limits(r, data);

	if (rc == CURLE_OK)
		rc = req_set_http_request(r, data);
	return rc;
}

/* http_proto.free for plain HTTP */
static void req_plain_free(void *data)
{
	struct req_plain *p = data;

	curl_slist_free_all(p->headers);
	curl_slist_free_all(p->bare);
	free(p->body);
	free(p);
}

static void req_init_fields(struct http_req_handle *r, struct http *h,
			    const struct http_req_base *b)
{
	r->h = h;
	r->state = REQ_NEW;
	r->proto = b->proto ? b->proto : &req_proto_bare;
	r->proto_data = b->proto_data;
	buf_init(&r->body);
	r->url = xstrdup(b->url);
	r->url_rc = (int)http_req_url_parts(b->url, &r->orig_scheme, &r->orig_host, &r->orig_port);
	r->trusted = b->trusted != 0;
	r->allow_private = b->allow_private || h->cfg.allow_private;
	r->via_proxy = b->proxy != NULL && b->proxy[0] != '\0';
	r->proxy = r->via_proxy ? xstrdup(b->proxy) : NULL;
	r->timeout_s = b->timeout_s;
	r->max_body = b->max_body ? b->max_body : h->cfg.max_body;
	r->max_header = h->cfg.max_header;
	r->started = http_req_now();
}

struct http_req_handle *http_req_base_new(struct http *h, const struct http_req_base *b, char *err,
					  size_t errlen)
{
	struct http_req_handle *r;

	if (req_validate_base(b, err, errlen) < 0) {
		if (b->proto && b->proto->free)
			b->proto->free(b->proto_data);
		return NULL;
	}
	r = xcalloc(1, sizeof(*r));
	req_init_fields(r, h, b);
	return r;
}

/* A reset handle of an earlier request when there is one. */
static CURL *req_easy_get(struct http *h)
{
	return h->neasy > 0 ? h->easy_pool[--h->neasy] : curl_easy_init();
}

/* Back to the pool with every option reset, so nothing of this request reaches the next. */
static void req_easy_put(struct http *h, CURL *easy)
{
	if (h->closing || h->neasy == HTTP_EASY_POOL) {
		curl_easy_cleanup(easy);
		return;
	}
	curl_easy_reset(easy);
	h->easy_pool[h->neasy++] = easy;
}

void http_req_release_easy(struct http_req_handle *r)
{
	if (r->easy)
		req_easy_put(r->h, r->easy);
	r->easy = NULL;
	free(r->errbuf);
	r->errbuf = NULL;
}

void http_req_pool_free(struct http *h)
{
	while (h->neasy > 0)
		curl_easy_cleanup(h->easy_pool[--h->neasy]);
}

int http_req_build(struct http_req_handle *r, char **msg)
{
	CURLcode rc;

	r->easy = req_easy_get(r->h);
	if (r->easy == NULL) {
		*msg = xstrdup("curl setup: curl_easy_init failed");
		return -1;
	}
	r->errbuf = xcalloc(1, CURL_ERROR_SIZE);
	rc = req_set_limits(r);
	if (rc == CURLE_OK)
		rc = req_set_callbacks(r);
	REQ_SET(rc, r->easy, CURLOPT_URL, http_hop_url(r));
	REQ_SET(rc, r->easy, CURLOPT_PROXY, r->proxy ? r->proxy : "");
	if (rc == CURLE_OK && r->proto->setup)
		rc = r->proto->setup(r, r->proto_data);
	if (rc != CURLE_OK) {
		*msg = xasprintf("curl setup: %s", curl_easy_strerror(rc));
		return -1;
	}
	r->started = http_req_now(); /* elapsed_s counts from here, as curl's timeouts do */
	return 0;
}

/* What http_start was given, in plain HTTP's data; NULL with err filled. */
static struct req_plain *req_plain_new(const struct http_req *req, char *err, size_t errlen)
{
	struct req_plain *p = xcalloc(1, sizeof(*p));

	/* PUT (Matrix) sends its body exactly like POST; only the verb differs. */
	p->put = req->method && strcmp(req->method, "PUT") == 0;
	p->post = p->put || (req->method && strcmp(req->method, "POST") == 0);
	p->follow_redirects = req->follow_redirects != 0;
	if (p->post) {
		p->body_len = req->body ? req->body_len : 0;
		p->body = xmalloc(p->body_len + 1);
		if (p->body_len)
			memcpy(p->body, req->body, p->body_len);
		p->body[p->body_len] = '\0';
	}
	if (req_build_headers(&p->headers, req, p->post, 1) < 0 ||
	    req_build_headers(&p->bare, req, p->post, 0) < 0) {
		snprintf(err, errlen, "out of memory building headers");
		req_plain_free(p);
		return NULL;
	}
	return p;
}

struct http_req_handle *http_req_new(struct http *h, const struct http_req *req, char *err,
				     size_t errlen)
{
	struct http_req_base b = {
	    .url = req->url,
	    .trusted = req->trusted,
	    .allow_private = req->allow_private,
	    .proxy = req->proxy ? req->proxy : h->cfg.proxy,
	    .timeout_s = req->timeout_s,
	    .max_body = req->max_body,
	    .proto = &req_proto_http,
	};

	struct req_plain *p;
	struct http_req_handle *r;

	if (req_validate(req, err, errlen) < 0)
		return NULL;
	p = req_plain_new(req, err, errlen);
	if (p == NULL)
		return NULL;
	b.proto_data = p;
	r = http_req_base_new(h, &b, err, errlen); /* frees p if it fails */
	/*
	 * Custom headers must not follow a redirect to another origin, nor a
	 * proxy be asked for a private target: fetch/ follows those itself.
	 */
	if (r)
		r->render = req->render && http_render_wanted(r);
	if (r && p->follow_redirects && !p->post &&
	    ((req->headers && req->headers[0]) || (r->via_proxy && !r->allow_private)))
		r->own_redirects = 1;
	return r;
}

static enum http_result req_class_of(CURLcode rc)
{
	switch (rc) {
	case CURLE_OK:
		return HTTP_RES_OK;
	case CURLE_OPERATION_TIMEDOUT:
		return HTTP_RES_TIMEOUT;
	case CURLE_FILESIZE_EXCEEDED:
		return HTTP_RES_TOO_BIG;
	case CURLE_TOO_MANY_REDIRECTS:
		return HTTP_RES_REDIRECTS;
	case CURLE_UNSUPPORTED_PROTOCOL:
		return HTTP_RES_BLOCKED;
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
		return HTTP_RES_NETWORK;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_ENGINE_INITFAILED:
	case CURLE_USE_SSL_FAILED:
		return HTTP_RES_TLS;
	default:
		return HTTP_RES_PROTOCOL;
	}
}

enum http_result http_req_classify(struct http_req_handle *r, CURLcode rc, const char **msg)
{
	enum http_result res;

	*msg = rc == CURLE_OK ? NULL : r->errbuf[0] ? r->errbuf : curl_easy_strerror(rc);
	/* The protocol may know better from the server's reply; our own reason stays ours. */
	if (r->deferred_err == NULL && r->proto->classify &&
	    r->proto->classify(r, r->proto_data, rc, &res, msg))
		return res;
	if (rc == CURLE_OK)
		return HTTP_RES_OK;
	/* Our own reason explains curl's generic code for these. */
	if (r->deferred_err &&
	    ((r->deferred_res == HTTP_RES_BLOCKED &&
	      (rc == CURLE_COULDNT_CONNECT || rc == CURLE_ABORTED_BY_CALLBACK)) ||
	     (r->deferred_res == HTTP_RES_TOO_BIG && rc == CURLE_WRITE_ERROR))) {
		*msg = r->deferred_err;
		return r->deferred_res;
	}
	*msg = r->errbuf[0] ? r->errbuf : curl_easy_strerror(rc);
	return req_class_of(rc);
}

static char *req_header_value(CURL *e, const char *name)
{
	struct curl_header *hdr = NULL;

	if (curl_easy_header(e, name, 0, CURLH_HEADER, -1, &hdr) != CURLHE_OK || hdr == NULL)
		return NULL;
	return xstrdup(hdr->value);
}

/* What a browser's DOM is (fetch/render.c): chromium serialises it as UTF-8. */
static char rendered_type[] = "text/html; charset=utf-8";

/* Fills resp from r; strings point into r, valid until http_req_free(r). */
void http_req_response(struct http_req_handle *r, enum http_result res, const char *msg,
		       struct http_response *resp)
{
	long status = 0;
	curl_off_t retry = 0;
	char *ct = NULL, *url = NULL;

	memset(resp, 0, sizeof(*resp));
	if (r->easy) { /* else it never started: nothing came back */
		curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
		curl_easy_getinfo(r->easy, CURLINFO_RETRY_AFTER, &retry);
		curl_easy_getinfo(r->easy, CURLINFO_CONTENT_TYPE, &ct);
		curl_easy_getinfo(r->easy, CURLINFO_EFFECTIVE_URL, &url);
		r->etag = req_header_value(r->easy, "ETag");
		r->last_modified = req_header_value(r->easy, "Last-Modified");
	} else if (r->rendered) { /* the browser's DOM: its HTTP status is not known */
		status = 200;
		ct = rendered_type;
	}
	r->content_type = xstrdup_or_null(ct);
	r->final_url = xstrdup(url && url[0] ? url : r->url);
	resp->result = res;
	resp->status = status;
	resp->body = buf_str(&r->body);
	resp->body_len = r->body.len;
	resp->content_type = r->content_type;
	resp->etag = r->etag;
	resp->last_modified = r->last_modified;
	resp->final_url = r->final_url;
	resp->retry_after_s = retry < 0 ? 0 : retry > LONG_MAX ? LONG_MAX : (long)retry;
	resp->error = res == HTTP_RES_OK ? NULL : msg ? msg : http_result_name(res);
	resp->elapsed_s = r->spent + http_req_now() - r->started;
}

void http_req_free(struct http_req_handle *r)
{
	if (r == NULL)
		return;
	if (r->easy)
		req_easy_put(r->h, r->easy);
	/* After the handle is reset: the protocol's data may back curl's options. */
	if (r->proto->free)
		r->proto->free(r->proto_data);
	buf_free(&r->body);
	free(r->url);
	free(r->orig_scheme);
	free(r->orig_host);
	free(r->orig_port);
	free(r->hop_url);
	free(r->hop_scheme);
	free(r->hop_host);
	free(r->hop_port);
	free(r->proxy);
	free(r->errbuf);
	free(r->deferred_err);
	free(r->etag);
	free(r->last_modified);
	free(r->content_type);
	free(r->final_url);
	free(r);
}
