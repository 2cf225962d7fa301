/*
 * fetch/smtp: one SMTP submission on the http engine. The handle comes from
 * http_req_base_new() (limits, timeouts, TLS verification, SSRF hooks) and
 * gets the SMTP options here; http.c runs and finishes it like any request.
 * curl hands every server reply line to the header callback, which keeps
 * the last reply so a refusal can be quoted.
 */
#include "fetch/smtp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"
#include "fetch/http_int.h"

#define SMTP_ADDR_MAX 320 /* RFC 5321: 64 local + @ + 255 domain */
#define SMTP_RCPT_MAX 100 /* RFC 5321 §4.5.3.1.8: at least 100 must be accepted */

int smtp_addr_valid(const char *addr)
{
	size_t n = 0;
	const char *at = NULL;

	if (addr == NULL)
		return 0;
	for (; addr[n] != '\0'; n++) {
		unsigned char c = (unsigned char)addr[n];

		if (c <= 0x20 || c == 0x7f || c == '<' || c == '>' || c == ',' ||
		    n >= SMTP_ADDR_MAX)
			return 0;
		if (c == '@')
			at = addr + n;
	}
	/* local@domain, both parts non-empty */
	return at != NULL && at != addr && at[1] != '\0';
}

/* A host name or an address literal: letters, digits, '-', '.', ':' and brackets. */
static int smtp_helo_valid(const char *helo)
{
	size_t n = strlen(helo);

	return n > 0 && n <= 255 &&
	       strspn(helo, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "0123456789-.:[]") == n;
}

static int smtp_validate(const struct smtp_req *req, char *err, size_t errlen)
{
	size_t n = 0;

	if (req->message == NULL || req->message_len == 0) {
		snprintf(err, errlen, "empty message");
		return -1;
	}
	if (!smtp_addr_valid(req->mail_from)) {
		snprintf(err, errlen, "invalid envelope sender");
		return -1;
	}
	for (; req->rcpt && req->rcpt[n]; n++) {
		if (!smtp_addr_valid(req->rcpt[n])) {
			snprintf(err, errlen, "invalid recipient %zu", n + 1);
			return -1;
		}
	}
	if (n == 0 || n > SMTP_RCPT_MAX) {
		snprintf(err, errlen, "need 1 to %d recipients", SMTP_RCPT_MAX);
		return -1;
	}
	if (req->helo && !smtp_helo_valid(req->helo)) {
		snprintf(err, errlen, "invalid EHLO name");
		return -1;
	}
	if (http_req_has_crlf(req->user) || http_req_has_crlf(req->password) ||
	    http_req_has_crlf(req->ca_file)) {
		snprintf(err, errlen, "line break in user, password or CA file");
		return -1;
	}
	return 0;
}

/* The URL with "/<helo>" as its path (curl's way to name the EHLO host). Caller frees. */
static char *smtp_url(const char *url, const char *helo)
{
	CURLU *u;
	char *out = NULL, *path, *res = NULL;

	if (helo == NULL)
		return xstrdup(url);
	u = curl_url();
	if (u == NULL)
		return NULL;
	path = xasprintf("/%s", helo);
	if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_set(u, CURLUPART_PATH, path, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_URL, &out, 0) == CURLUE_OK)
		res = xstrdup(out);
	curl_free(out);
	curl_url_cleanup(u);
	free(path);
	/* Unparsable: keep it, and let the precheck say why. */
	return res ? res : xstrdup(url);
}

void smtp_reply_line(struct http_req_handle *r, const char *line, size_t len)
{
	int more = len >= 4 && line[3] == '-';

	/* QUIT's goodbye would hide the reply that ended the conversation. */
	if (!r->reply_open && len >= 3 && memcmp(line, "221", 3) == 0)
		return;
	if (!r->reply_open)
		buf_reset(&r->body);
	buf_append(&r->body, line, len);
	r->reply_open = more;
}

/* CURLOPT_READFUNCTION: the message, in as many pieces as curl asks for. */
static size_t smtp_read_cb(char *dst, size_t size, size_t n, void *userp)
{
	struct http_req_handle *r = userp;
	size_t room = size * n;
	size_t left = r->upload_len - r->upload_off;
	size_t k = left < room ? left : room;

	memcpy(dst, r->upload + r->upload_off, k);
	r->upload_off += k;
	return k;
}

static long smtp_use_ssl(enum smtp_tls tls)
{
	switch (tls) {
	case SMTP_TLS_NONE:
		return (long)CURLUSESSL_NONE;
	case SMTP_TLS_OPPORTUNISTIC:
		return (long)CURLUSESSL_TRY;
	default:
		return (long)CURLUSESSL_ALL;
	}
}

static int smtp_add_rcpts(struct http_req_handle *r, const char *const *rcpt)
{
	for (size_t i = 0; rcpt[i]; i++) {
		struct curl_slist *l = curl_slist_append(r->rcpt, rcpt[i]);

		if (l == NULL)
			return -1;
		r->rcpt = l;
	}
	return 0;
}

static CURLcode smtp_set_options(struct http_req_handle *r, const struct smtp_req *req)
{
	CURL *e = r->easy;
	CURLcode rc = CURLE_OK;

	REQ_SET(rc, e, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	REQ_SET(rc, e, CURLOPT_REDIR_PROTOCOLS_STR, "smtp,smtps");
	REQ_SET(rc, e, CURLOPT_FOLLOWLOCATION, 0L);
	REQ_SET(rc, e, CURLOPT_USE_SSL, smtp_use_ssl(req->tls));
	REQ_SET(rc, e, CURLOPT_MAIL_FROM, req->mail_from);
	REQ_SET(rc, e, CURLOPT_MAIL_RCPT, r->rcpt);
	REQ_SET(rc, e, CURLOPT_UPLOAD, 1L);
	REQ_SET(rc, e, CURLOPT_READFUNCTION, smtp_read_cb);
	REQ_SET(rc, e, CURLOPT_READDATA, (void *)r);
	REQ_SET(rc, e, CURLOPT_INFILESIZE_LARGE, (curl_off_t)r->upload_len);
	if (req->user) {
		REQ_SET(rc, e, CURLOPT_USERNAME, req->user);
		REQ_SET(rc, e, CURLOPT_PASSWORD, req->password ? req->password : "");
	}
	if (req->ca_file)
		REQ_SET(rc, e, CURLOPT_CAINFO, req->ca_file);
	return rc;
}

struct http_req_handle *smtp_start(struct http *h, const struct smtp_req *req, http_done_fn *done,
				   void *arg, char *err, size_t errlen)
{
	struct http_req_base b = {0};
	struct http_req_handle *r;
	char *url;
	CURLcode rc;

	if (h == NULL || req == NULL || done == NULL || req->url == NULL) {
		snprintf(err, errlen, "missing argument");
		return NULL;
	}
	if (h->closing) {
		snprintf(err, errlen, "http engine is shutting down");
		return NULL;
	}
	if (smtp_validate(req, err, errlen) < 0)
		return NULL;
	url = smtp_url(req->url, req->helo);
	b = (struct http_req_base){
	    .url = url,
	    .trusted = req->trusted,
	    .allow_private = req->allow_private,
	    .proxy = "", /* an SMTP conversation does not go through the HTTP proxy */
	    .timeout_s = req->timeout_s,
	};
	r = http_req_base_new(h, &b, err, errlen);
	free(url);
	if (r == NULL)
		return NULL;
	r->smtp = 1;
	r->upload = xmalloc(req->message_len);
	memcpy(r->upload, req->message, req->message_len);
	r->upload_len = req->message_len;
	rc = smtp_add_rcpts(r, req->rcpt) < 0 ? CURLE_OUT_OF_MEMORY : CURLE_OK;
	if (rc == CURLE_OK)
		rc = smtp_set_options(r, req);
	if (rc != CURLE_OK) {
		snprintf(err, errlen, "curl setup: %s", curl_easy_strerror(rc));
		http_req_free(r);
		return NULL;
	}
	return http_submit(h, r, done, arg);
}
