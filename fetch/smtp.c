/*
 * fetch/smtp: one SMTP submission on the http engine. The handle comes from
 * http_req_base_new() (limits, timeouts, TLS verification, SSRF hooks) with
 * smtp_proto and the submission as its protocol data, which keeps copies
 * of everything the SMTP options need: the engine may queue the handle and
 * only build its easy handle when it starts, when smtp_setup adds those
 * options. http.c runs and finishes it like any request. curl hands
 * every server reply line to the header callback, whose hook keeps the last
 * reply so a refusal can be quoted, and a reply of 4xx/5xx decides the
 * outcome through the classify hook.
 *
 * A recipient the server refuses does not stop the others
 * (CURLOPT_MAIL_RCPT_ALLOWFAILS); only when every RCPT is refused does the
 * submission fail, with the last refusal's reply. Which ones were refused
 * is read off curl's debug stream: each "RCPT TO:" sent and the reply after
 * it. They go to the caller in resp->protocol_note and into one warning.
 */
#include "fetch/smtp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/xmalloc.h"
#include "fetch/http_int.h"

#define SMTP_ADDR_MAX 320   /* RFC 5321: 64 local + @ + 255 domain */
#define SMTP_RCPT_MAX 100   /* RFC 5321 §4.5.3.1.8: at least 100 must be accepted */
#define SMTP_REPLY_KEEP 200 /* bytes of one refusal's reply line kept */
#define SMTP_LOG_KEEP 900   /* escaped bytes before the last refusal logged (a line holds 2048) */

/* Renamed in curl 8.2.0; 7.69 to 8.1 only know the misspelt name. */
#if LIBCURL_VERSION_NUM >= 0x080200
#define SMTP_OPT_RCPT_ALLOWFAILS CURLOPT_MAIL_RCPT_ALLOWFAILS
#else
#define SMTP_OPT_RCPT_ALLOWFAILS CURLOPT_MAIL_RCPT_ALLLOWFAILS
#endif

/*
 * One submission: the handle's protocol data (freed with it by smtp_free),
 * the argument of smtp_done between http.c and the caller's done callback,
 * and the debug callback's view of the conversation.
 */
struct smtp_sub {
	http_done_fn *done; /* the caller's */
	void *arg;
	CURL *easy; /* NULL until the submission starts */
	enum smtp_tls tls;
	char *mail_from, *user, *password, *ca_file; /* user and the others: NULL when unset */
	struct curl_slist *rcpt;		     /* envelope recipients */
	char *upload;				     /* the message, read by CURLOPT_READFUNCTION */
	size_t upload_len, upload_off;
	int reply_open; /* header hook: the server's current reply has more lines to come */
	const struct curl_slist *next; /* recipient of the next RCPT TO curl sends */
	const char *asked;	       /* recipient whose RCPT awaits its reply, or NULL */
	int match;		       /* bytes of "RCPT TO:" matched on this line; -1 none */
	int in_reply;		       /* 1: the server's reply has more lines to come */
	size_t nrcpt, nrefused, nlogged;
	struct buf refused; /* "addr: reply; addr: reply" */
	struct buf logged;  /* the first nlogged of them, escaped for the warning */
};

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

/* http_proto.header_line: the body becomes the server's last reply, all its lines. */
static void smtp_reply_line(struct http_req_handle *r, void *data, const char *line, size_t len)
{
	struct smtp_sub *s = data;
	int more = len >= 4 && line[3] == '-';

	/* QUIT's goodbye would hide the reply that ended the conversation. */
	if (!s->reply_open && len >= 3 && memcmp(line, "221", 3) == 0)
		return;
	if (!s->reply_open)
		buf_reset(&r->body);
	buf_append(&r->body, line, len);
	s->reply_open = more;
}

/* http_proto.classify: a server that said no (4xx/5xx) decides, not curl's code. */
static int smtp_classify(const struct http_req_handle *r, void *data, CURLcode rc,
			 enum http_result *res, const char **msg)
{
	long code = 0;

	(void)data;
	(void)msg; /* curl's message quotes the reply */
	if (rc == CURLE_OK ||
	    curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &code) != CURLE_OK || code < 400)
		return 0;
	*res = HTTP_RES_PROTOCOL;
	return 1;
}

/* A refusal of s->asked: kept as "addr: first reply line", the line cut to SMTP_REPLY_KEEP. */
static void smtp_watch_refused(struct smtp_sub *s, const char *line, size_t len)
{
	size_t start = s->refused.len;

	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	if (len > SMTP_REPLY_KEEP)
		len = SMTP_REPLY_KEEP;
	buf_printf(&s->refused, "%s%s: ", s->nrefused ? "; " : "", s->asked);
	buf_append(&s->refused, line, len);
	s->nrefused++;
	if (s->logged.len < SMTP_LOG_KEEP) {
		buf_printf(&s->logged, "%s%s", start ? "; " : "",
			   log_esc(s->refused.data + start + (start ? 2 : 0), 240));
		s->nlogged++;
	}
}

/* What curl sends: the start of each command line, to see each RCPT TO go out. */
static void smtp_watch_out(struct smtp_sub *s, const char *sent, size_t n)
{
	static const char cmd[] = "RCPT TO:";

	for (size_t i = 0; i < n; i++) {
		char c = sent[i];

		if (c == '\n') {
			s->match = 0;
			continue;
		}
		if (s->match < 0 || (size_t)s->match >= sizeof(cmd) - 1)
			continue;
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		if (c != cmd[s->match]) {
			s->match = -1;
			continue;
		}
		/* curl sends the recipients in list order, one RCPT each. */
		if ((size_t)++s->match == sizeof(cmd) - 1 && s->next) {
			s->asked = s->next->data;
			s->next = s->next->next;
		}
	}
}

/* What the server answers, one line per call: the first line of a reply carries its code. */
static void smtp_watch_in(struct smtp_sub *s, const char *line, size_t len)
{
	int more = len >= 4 && line[3] == '-';

	if (s->asked && !s->in_reply && (len == 0 || line[0] != '2'))
		smtp_watch_refused(s, line, len);
	s->in_reply = more;
	if (!more)
		s->asked = NULL;
}

/* CURLOPT_DEBUGFUNCTION: only the protocol lines matter, never data or TLS bytes. */
static int smtp_debug_cb(CURL *e, curl_infotype type, char *data, size_t size, void *userp)
{
	(void)e;
	if (type == CURLINFO_HEADER_OUT)
		smtp_watch_out(userp, data, size);
	else if (type == CURLINFO_HEADER_IN)
		smtp_watch_in(userp, data, size);
	return 0;
}

/* http_proto.free: runs from http_req_free, after curl let go of the handle. */
static void smtp_free(void *data)
{
	struct smtp_sub *s = data;

	curl_slist_free_all(s->rcpt);
	free(s->mail_from);
	free(s->user);
	free(s->password);
	free(s->ca_file);
	free(s->upload);
	buf_free(&s->refused);
	buf_free(&s->logged);
	free(s);
}

static CURLcode smtp_setup(struct http_req_handle *r, void *data);

static const struct http_proto smtp_proto = {
    .scheme = "smtp",
    .tls_scheme = "smtps",
    .setup = smtp_setup,
    .header_line = smtp_reply_line,
    .classify = smtp_classify,
    .free = smtp_free,
};

/* http_done_fn around the caller's: adds the refusals, warns once, hands over. */
static void smtp_done(const struct http_response *resp, void *arg)
{
	struct smtp_sub *s = arg;
	struct http_response out = *resp;

	/* The conversation is over: what curl does while closing is not watched. */
	if (s->easy)
		curl_easy_setopt(s->easy, CURLOPT_VERBOSE, 0L);
	if (s->nrefused > 0) {
		out.protocol_note = buf_str(&s->refused);
		if (resp->result != HTTP_RES_CANCELLED)
			log_warnx(
			    "smtp: %zu of %zu recipient(s) refused%s: %s%s", s->nrefused, s->nrcpt,
			    resp->result == HTTP_RES_OK ? ", sent to the others" : "",
			    buf_str(&s->logged), s->nlogged < s->nrefused ? "; and more" : "");
	}
	s->done(&out, s->arg);
}

/* CURLOPT_READFUNCTION: the message, in as many pieces as curl asks for. */
static size_t smtp_read_cb(char *dst, size_t size, size_t n, void *userp)
{
	struct smtp_sub *s = userp;
	size_t room = size * n;
	size_t left = s->upload_len - s->upload_off;
	size_t k = left < room ? left : room;

	memcpy(dst, s->upload + s->upload_off, k);
	s->upload_off += k;
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

static int smtp_add_rcpts(struct smtp_sub *s, const char *const *rcpt)
{
	for (size_t i = 0; rcpt[i]; i++) {
		struct curl_slist *l = curl_slist_append(s->rcpt, rcpt[i]);

		if (l == NULL)
			return -1;
		s->rcpt = l;
	}
	return 0;
}

/* The debug stream is the only place curl shows which RCPT a reply answers. */
static CURLcode smtp_set_watch(struct http_req_handle *r, struct smtp_sub *s)
{
	CURLcode rc = CURLE_OK;

	s->next = s->rcpt;
	for (const struct curl_slist *l = s->rcpt; l; l = l->next)
		s->nrcpt++;
	REQ_SET(rc, r->easy, CURLOPT_DEBUGFUNCTION, smtp_debug_cb);
	REQ_SET(rc, r->easy, CURLOPT_DEBUGDATA, (void *)s);
	REQ_SET(rc, r->easy, CURLOPT_VERBOSE, 1L);
	return rc;
}

static CURLcode smtp_set_options(struct http_req_handle *r, struct smtp_sub *s)
{
	CURL *e = r->easy;
	CURLcode rc = CURLE_OK;

	REQ_SET(rc, e, CURLOPT_FOLLOWLOCATION, 0L);
	REQ_SET(rc, e, CURLOPT_USE_SSL, smtp_use_ssl(s->tls));
	REQ_SET(rc, e, CURLOPT_MAIL_FROM, s->mail_from);
	REQ_SET(rc, e, CURLOPT_MAIL_RCPT, s->rcpt);
	/* One refused recipient (a typo) must not cost everyone the message. */
	REQ_SET(rc, e, SMTP_OPT_RCPT_ALLOWFAILS, 1L);
	REQ_SET(rc, e, CURLOPT_UPLOAD, 1L);
	REQ_SET(rc, e, CURLOPT_READFUNCTION, smtp_read_cb);
	REQ_SET(rc, e, CURLOPT_READDATA, (void *)s);
	REQ_SET(rc, e, CURLOPT_INFILESIZE_LARGE, (curl_off_t)s->upload_len);
	if (s->user) {
		REQ_SET(rc, e, CURLOPT_USERNAME, s->user);
		REQ_SET(rc, e, CURLOPT_PASSWORD, s->password ? s->password : "");
	}
	if (s->ca_file)
		REQ_SET(rc, e, CURLOPT_CAINFO, s->ca_file);
	return rc;
}

/* http_proto.setup: the submission starts. */
static CURLcode smtp_setup(struct http_req_handle *r, void *data)
{
	struct smtp_sub *s = data;
	CURLcode rc = smtp_set_options(r, s);

	s->easy = r->easy;
	if (rc == CURLE_OK)
		rc = smtp_set_watch(r, s);
	return rc;
}

static struct smtp_sub *smtp_sub_new(const struct smtp_req *req, http_done_fn *done, void *arg)
{
	struct smtp_sub *s = xcalloc(1, sizeof(*s));

	s->done = done;
	s->arg = arg;
	s->tls = req->tls;
	s->mail_from = xstrdup(req->mail_from);
	s->user = xstrdup_or_null(req->user);
	s->password = xstrdup_or_null(req->password);
	s->ca_file = xstrdup_or_null(req->ca_file);
	s->upload = xmalloc(req->message_len);
	memcpy(s->upload, req->message, req->message_len);
	s->upload_len = req->message_len;
	buf_init(&s->refused);
	buf_init(&s->logged);
	return s;
}

struct http_req_handle *smtp_start(struct http *h, const struct smtp_req *req, http_done_fn *done,
				   void *arg, char *err, size_t errlen)
{
	struct http_req_base b = {0};
	struct http_req_handle *r;
	struct smtp_sub *s;
	char *url;

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
	s = smtp_sub_new(req, done, arg);
	if (smtp_add_rcpts(s, req->rcpt) < 0) {
		snprintf(err, errlen, "out of memory building recipients");
		smtp_free(s);
		return NULL;
	}
	url = smtp_url(req->url, req->helo);
	b = (struct http_req_base){
	    .url = url,
	    .trusted = req->trusted,
	    .allow_private = req->allow_private,
	    .proxy = "", /* an SMTP conversation does not go through the HTTP proxy */
	    .timeout_s = req->timeout_s,
	    .proto = &smtp_proto,
	    .proto_data = s, /* the handle owns it from here on */
	};
	r = http_req_base_new(h, &b, err, errlen);
	free(url);
	if (r == NULL)
		return NULL;
	/* smtp_done runs exactly once, like done would; s lives until the handle is freed. */
	return http_submit(h, r, smtp_done, s);
}
