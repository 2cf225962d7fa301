/*
 * notify/mail: the "mail" backend. Renders the event JSON (or a JSON array
 * of events: one digest mail) with the channel's subject and body
 * templates into a MIME message (notify/mime.c) and submits it through
 * fetch/smtp on the daemon's engine. The Message-ID is <event-id@domain of
 * From>, so a re-sent event is recognisable. The server's reply decides:
 * 2xx delivered, 4xx and network trouble retry, 5xx is permanent with the
 * server's words in the detail. A recipient refused at RCPT does not stop
 * the others (fetch/smtp); the detail then ends "; refused: addr: reply".
 */
#include "notify/notify_int.h"

#include <curl/curl.h>
#include <jansson.h>
#include <math.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "common/xmalloc.h"
#include "fetch/smtp.h"
#include "notify/mime.h"

#define MAIL_TIMEOUT_DEFAULT_S 60.
#define MAIL_TIMEOUT_MAX_S 3600.
#define MAIL_RCPT_MAX 100
#define MAIL_SUBJECT_MAX 300 /* bytes of rendered subject kept */
#define MAIL_DEFAULT_SUBJECT "[speechwatch] {title} — {themes}"
#define MAIL_DEFAULT_BODY                                                                          \
	"{title}\n"                                                                                \
	"\n"                                                                                       \
	"Source:    {source}\n"                                                                    \
	"Published: {published}\n"                                                                 \
	"Link:      {url}\n"                                                                       \
	"\n"                                                                                       \
	"{evidence}\n"                                                                             \
	"{excerpt}\n"                                                                              \
	"\n"                                                                                       \
	"{diff}"                                                                                   \
	"-- \n"                                                                                    \
	"speechwatch {type} {id}\n"

struct mail {
	char *url;
	char *helo; /* EHLO name when the URL names none */
	enum smtp_tls tls;
	char *from;	 /* header form */
	char *env_from;	 /* bare address */
	char *id_domain; /* Message-ID right part */
	char **to, **cc; /* header forms, NULL-terminated */
	char **rcpt;	 /* bare addresses of to and cc */
	char *user, *password, *ca_file;
	struct mime_tmpl *subject, *body;
	int html;
	long timeout_s;
};

/* ---- settings ------------------------------------------------------------ */

static char **strv_dup(const char *const *v)
{
	size_t n = 0;
	char **out;

	while (v && v[n])
		n++;
	out = xcalloc(n + 1, sizeof(*out));
	for (size_t i = 0; i < n; i++)
		out[i] = xstrdup(v[i]);
	return out;
}

static void strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

static size_t strv_len(char **v)
{
	size_t n = 0;

	while (v && v[n])
		n++;
	return n;
}

/* smtp or smtps as curl parses it, with a host. */
static int mail_url_check(const char *url, int *smtps, char *err, size_t errlen)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL;
	int ok;

	if (u == NULL)
		return -1;
	ok = curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) == CURLUE_OK &&
	     curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
	     curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK && host[0] != '\0' &&
	     (strcasecmp(scheme, "smtp") == 0 || strcasecmp(scheme, "smtps") == 0) &&
	     strpbrk(url, "\r\n") == NULL;
	*smtps = ok && strcasecmp(scheme, "smtps") == 0;
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(u);
	if (!ok)
		snprintf(err, errlen, "smtp_url: not an smtp:// or smtps:// URL with a host");
	return ok ? 0 : -1;
}

/* 1 if the URL's path already names the EHLO host (curl's convention). */
static int mail_url_has_path(const char *url)
{
	CURLU *u = curl_url();
	char *path = NULL;
	int has;

	if (u == NULL)
		return 0;
	has = curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) == CURLUE_OK &&
	      curl_url_get(u, CURLUPART_PATH, &path, 0) == CURLUE_OK && path[0] != '\0' &&
	      strcmp(path, "/") != 0;
	curl_free(path);
	curl_url_cleanup(u);
	return has;
}

/* A host name: what is safe in a Message-ID and an EHLO. */
static int mail_hostname_ok(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n < 254 && s[0] != '.' && s[0] != '-' &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.") == n;
}

static int mail_tls_parse(struct mail *m, const char *tls, int smtps, char *err, size_t errlen)
{
	if (tls == NULL || strcmp(tls, "required") == 0)
		m->tls = SMTP_TLS_REQUIRED;
	else if (strcmp(tls, "opportunistic") == 0)
		m->tls = SMTP_TLS_OPPORTUNISTIC;
	else if (strcmp(tls, "none") == 0)
		m->tls = SMTP_TLS_NONE;
	else {
		snprintf(err, errlen, "tls: must be required, opportunistic or none");
		return -1;
	}
	if (smtps && m->tls == SMTP_TLS_NONE) {
		snprintf(err, errlen, "tls: none contradicts smtps:// (TLS from the first byte)");
		return -1;
	}
	return 0;
}

/* Checks each mailbox of v and appends its bare address to m->rcpt. */
static int mail_add_rcpts(struct mail *m, const char *key, const char *const *v, char *err,
			  size_t errlen)
{
	size_t n = strv_len(m->rcpt);

	for (size_t i = 0; v && v[i]; i++) {
		char *name, *addr;

		if (mime_mailbox_parse(v[i], &name, &addr) < 0) {
			snprintf(err, errlen, "%s: \"%.80s\" is not an address", key, v[i]);
			return -1;
		}
		free(name);
		if (n >= MAIL_RCPT_MAX) {
			free(addr);
			snprintf(err, errlen, "%s: more than %d recipients", key, MAIL_RCPT_MAX);
			return -1;
		}
		m->rcpt = xreallocarray(m->rcpt, n + 2, sizeof(*m->rcpt));
		m->rcpt[n++] = addr;
		m->rcpt[n] = NULL;
	}
	return 0;
}

static int mail_addresses(struct mail *m, const struct notify_channel_config *cfg, char *err,
			  size_t errlen)
{
	char *name = NULL, *addr = NULL;
	const char *at;

	if (cfg->from == NULL || mime_mailbox_parse(cfg->from, &name, &addr) < 0) {
		snprintf(err, errlen, "from: missing or not an address");
		return -1;
	}
	m->from = xstrdup(cfg->from);
	at = strrchr(addr, '@');
	m->id_domain = xstrdup(mail_hostname_ok(at + 1) ? at + 1 : "speechwatch.invalid");
	m->env_from = cfg->envelope_from ? xstrdup(cfg->envelope_from) : xstrdup(addr);
	free(name);
	free(addr);
	if (!smtp_addr_valid(m->env_from)) {
		snprintf(err, errlen, "envelope_from: not an address");
		return -1;
	}
	if (cfg->to == NULL || cfg->to[0] == NULL) {
		snprintf(err, errlen, "to: at least one recipient needed");
		return -1;
	}
	m->to = strv_dup(cfg->to);
	m->cc = strv_dup(cfg->cc);
	if (mail_add_rcpts(m, "to", cfg->to, err, errlen) < 0 ||
	    mail_add_rcpts(m, "cc", cfg->cc, err, errlen) < 0)
		return -1;
	return 0;
}

static int mail_auth(struct mail *m, const struct notify_channel_config *cfg, char *err,
		     size_t errlen)
{
	if ((cfg->user == NULL) != (cfg->password == NULL)) {
		snprintf(err, errlen, "user and password (password_file) go together");
		return -1;
	}
	if ((cfg->user && strpbrk(cfg->user, "\r\n")) ||
	    (cfg->password && strpbrk(cfg->password, "\r\n"))) {
		snprintf(err, errlen, "user or password: line break");
		return -1;
	}
	if (cfg->ca_file && access(cfg->ca_file, R_OK) != 0) {
		snprintf(err, errlen, "ca_file: %.200s cannot be read", cfg->ca_file);
		return -1;
	}
	m->user = xstrdup_or_null(cfg->user);
	m->password = xstrdup_or_null(cfg->password);
	m->ca_file = xstrdup_or_null(cfg->ca_file);
	return 0;
}

static int mail_templates(struct mail *m, const struct notify_channel_config *cfg, char *err,
			  size_t errlen)
{
	char msg[400];

	m->subject =
	    mime_tmpl_compile(cfg->subject ? cfg->subject : MAIL_DEFAULT_SUBJECT, msg, sizeof(msg));
	if (m->subject == NULL) {
		snprintf(err, errlen, "subject: %s", msg);
		return -1;
	}
	m->body = mime_tmpl_compile(cfg->body ? cfg->body : MAIL_DEFAULT_BODY, msg, sizeof(msg));
	if (m->body == NULL) {
		snprintf(err, errlen, "body: %s", msg);
		return -1;
	}
	return 0;
}

static void mail_helo(struct mail *m)
{
	char host[256] = "";

	if (mail_url_has_path(m->url))
		return;
	if (gethostname(host, sizeof(host) - 1) == 0 && mail_hostname_ok(host))
		m->helo = xstrdup(host);
}

static int mail_settings(struct mail *m, const struct notify_channel_config *cfg, char *err,
			 size_t errlen)
{
	double t = cfg->timeout_s == 0. ? MAIL_TIMEOUT_DEFAULT_S : cfg->timeout_s;
	int smtps = 0;

	if (cfg->smtp_url == NULL || cfg->smtp_url[0] == '\0') {
		snprintf(err, errlen, "smtp_url: missing");
		return -1;
	}
	if (mail_url_check(cfg->smtp_url, &smtps, err, errlen) < 0 ||
	    mail_tls_parse(m, cfg->tls, smtps, err, errlen) < 0)
		return -1;
	m->url = xstrdup(cfg->smtp_url);
	if (!(t > 0. && t <= MAIL_TIMEOUT_MAX_S) || !(cfg->digest_s >= 0.)) {
		snprintf(err, errlen, "timeout must be in (0, %.0f] s, digest >= 0",
			 MAIL_TIMEOUT_MAX_S);
		return -1;
	}
	m->timeout_s = (long)ceil(t);
	m->html = cfg->html != 0;
	mail_helo(m);
	if (mail_addresses(m, cfg, err, errlen) < 0 || mail_auth(m, cfg, err, errlen) < 0)
		return -1;
	return mail_templates(m, cfg, err, errlen);
}

static void mail_free(struct notify_channel *ch)
{
	struct mail *m = ch->priv;

	if (m == NULL)
		return;
	if (m->password)
		OPENSSL_cleanse(m->password, strlen(m->password));
	free(m->url);
	free(m->helo);
	free(m->from);
	free(m->env_from);
	free(m->id_domain);
	strv_free(m->to);
	strv_free(m->cc);
	strv_free(m->rcpt);
	free(m->user);
	free(m->password);
	free(m->ca_file);
	mime_tmpl_free(m->subject);
	mime_tmpl_free(m->body);
	free(m);
	ch->priv = NULL;
}

static int mail_open(struct notify_channel *ch, const struct notify_channel_config *cfg, char *err,
		     size_t errlen)
{
	struct mail *m = xcalloc(1, sizeof(*m));
	char msg[512] = "";

	ch->priv = m;
	if (ch->http == NULL)
		snprintf(msg, sizeof(msg), "mail needs the http engine");
	else if (mail_settings(m, cfg, msg, sizeof(msg)) == 0)
		return 0;
	snprintf(err, errlen, "channel %s: %s", ch->id, msg);
	mail_free(ch);
	return -1;
}

/* ---- rendering ------------------------------------------------------------ */

/* The event's fields as text, and as HTML for the alternative part. */
struct mail_values {
	struct buf text[MIME_F_COUNT];
	struct buf html[MIME_F_COUNT];
};

static const char *jstr(json_t *o, const char *a, const char *b)
{
	json_t *v = json_object_get(o, a);

	if (b)
		v = json_object_get(v, b);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

static void val_set(struct mail_values *v, enum mime_field f, const char *s)
{
	buf_append_str(&v->text[f], s ? s : "");
	mime_html_escape(&v->html[f], s);
}

static void vals_themes(struct mail_values *v, json_t *themes)
{
	size_t i;
	json_t *t, *e;

	json_array_foreach(themes, i, t)
	{
		const char *label =
		    jstr(t, "label", NULL) ? jstr(t, "label", NULL) : jstr(t, "id", NULL);
		json_t *score = json_object_get(t, "score");
		size_t k;

		if (label == NULL)
			continue;
		if (v->text[MIME_F_THEMES].len > 0)
			val_set(v, MIME_F_THEMES, ", ");
		val_set(v, MIME_F_THEMES, label);
		buf_printf(&v->text[MIME_F_EVIDENCE], "%s (score %.2f)\n", label,
			   json_number_value(score));
		mime_html_escape(&v->html[MIME_F_EVIDENCE], label);
		buf_printf(&v->html[MIME_F_EVIDENCE], " (score %.2f)\n", json_number_value(score));
		json_array_foreach(json_object_get(t, "evidence"), k, e)
		{
			if (!json_is_string(e))
				continue;
			buf_printf(&v->text[MIME_F_EVIDENCE], "  * %s\n", json_string_value(e));
			buf_append_str(&v->html[MIME_F_EVIDENCE], "  &bull; <b>");
			mime_html_escape(&v->html[MIME_F_EVIDENCE], json_string_value(e));
			buf_append_str(&v->html[MIME_F_EVIDENCE], "</b>\n");
		}
	}
}

static void vals_url(struct mail_values *v, const char *url)
{
	buf_append_str(&v->text[MIME_F_URL], url ? url : "");
	if (url == NULL)
		return;
	/* Only web links become links: a hostile page cannot plant javascript:. */
	if (strncasecmp(url, "http://", 7) != 0 && strncasecmp(url, "https://", 8) != 0) {
		mime_html_escape(&v->html[MIME_F_URL], url);
		return;
	}
	buf_append_str(&v->html[MIME_F_URL], "<a href=\"");
	mime_html_escape(&v->html[MIME_F_URL], url);
	buf_append_str(&v->html[MIME_F_URL], "\">");
	mime_html_escape(&v->html[MIME_F_URL], url);
	buf_append_str(&v->html[MIME_F_URL], "</a>");
}

/* A title for events without an item (source.failing, source.recovered, test). */
static void vals_title(struct mail_values *v, json_t *ev)
{
	const char *title = jstr(ev, "item", "title");
	const char *type = jstr(ev, "type", NULL);
	const char *src = jstr(ev, "source", "id");
	char *s;

	if (title && title[0]) {
		val_set(v, MIME_F_TITLE, title);
		return;
	}
	s = xasprintf("%s%s%s", type ? type : "event", src ? " " : "", src ? src : "");
	val_set(v, MIME_F_TITLE, s);
	free(s);
}

static void vals_fill(struct mail_values *v, json_t *ev, const char *event_id)
{
	const char *url = jstr(ev, "item", "url");
	const char *diff = jstr(ev, "diff", NULL);
	const char *id = jstr(ev, "id", NULL);

	for (int f = 0; f < MIME_F_COUNT; f++) {
		buf_init(&v->text[f]);
		buf_init(&v->html[f]);
	}
	vals_title(v, ev);
	vals_themes(v, json_object_get(ev, "themes"));
	val_set(v, MIME_F_SOURCE, jstr(ev, "source", "id"));
	vals_url(v, url ? url : jstr(ev, "source", "url"));
	val_set(v, MIME_F_PUBLISHED,
		jstr(ev, "item", "published") ? jstr(ev, "item", "published") : "unknown");
	val_set(v, MIME_F_TYPE, jstr(ev, "type", NULL));
	val_set(v, MIME_F_EXCERPT, jstr(ev, "item", "excerpt"));
	if (diff && diff[0]) {
		val_set(v, MIME_F_DIFF, "Changes:\n");
		val_set(v, MIME_F_DIFF, diff);
		val_set(v, MIME_F_DIFF, diff[strlen(diff) - 1] == '\n' ? "\n" : "\n\n");
	}
	val_set(v, MIME_F_ID, id ? id : event_id);
}

static void vals_free(struct mail_values *v)
{
	for (int f = 0; f < MIME_F_COUNT; f++) {
		buf_free(&v->text[f]);
		buf_free(&v->html[f]);
	}
}

static void vals_render(const struct mime_tmpl *t, struct mail_values *v, int html, struct buf *out)
{
	const char *p[MIME_F_COUNT];

	for (int f = 0; f < MIME_F_COUNT; f++)
		p[f] = buf_str(html ? &v->html[f] : &v->text[f]);
	mime_tmpl_render(t, p, html, out);
}

/* Cuts s to at most max bytes on a character boundary, marking the cut. */
static void subject_cap(struct buf *s, size_t max)
{
	size_t n = max;

	if (s->len <= max)
		return;
	while (n > 0 && ((unsigned char)s->data[n] & 0xc0) == 0x80)
		n--;
	s->len = n;
	s->data[n] = '\0';
	buf_append_str(s, "…");
}

/* One event, or each event of a digest, rendered into subject, text and html. */
struct mail_render {
	struct buf subject, text, html;
	time_t date;
};

static time_t event_time(json_t *ev)
{
	const char *s = jstr(ev, "detected_at", NULL);
	struct tm tm;
	char *end;

	memset(&tm, 0, sizeof(tm));
	if (s == NULL || (end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)) == NULL)
		return time(NULL);
	return timegm(&tm);
}

static void render_event(const struct mail *m, json_t *ev, const char *event_id,
			 struct mail_render *r, size_t nth)
{
	struct mail_values v;

	vals_fill(&v, ev, event_id);
	if (nth == 0) {
		vals_render(m->subject, &v, 0, &r->subject);
		r->date = event_time(ev);
	} else {
		buf_append_str(&r->text, "\n==============================================\n\n");
		buf_append_str(&r->html, "<hr>");
	}
	vals_render(m->body, &v, 0, &r->text);
	if (m->html)
		vals_render(m->body, &v, 1, &r->html);
	vals_free(&v);
}

/* A digest's subject: how many, and the titles as far as they fit. */
static void render_digest_subject(json_t *events, struct mail_render *r)
{
	size_t i;
	json_t *ev;

	buf_reset(&r->subject);
	buf_printf(&r->subject, "[speechwatch] %zu alert%s: ", json_array_size(events),
		   json_array_size(events) == 1 ? "" : "s");
	json_array_foreach(events, i, ev)
	{
		struct mail_values v;

		if (r->subject.len > MAIL_SUBJECT_MAX)
			break;
		vals_fill(&v, ev, "");
		buf_printf(&r->subject, "%s%s", i ? "; " : "", buf_str(&v.text[MIME_F_TITLE]));
		vals_free(&v);
	}
}

/* A digest: a non-empty array of event objects. */
static int mail_is_event_list(json_t *a)
{
	size_t i;
	json_t *ev;

	if (!json_is_array(a) || json_array_size(a) == 0)
		return 0;
	json_array_foreach(a, i, ev)
	{
		if (!json_is_object(ev))
			return 0;
	}
	return 1;
}

/* Renders the JSON body; -1 with err filled when it is not an event or a list of them. */
static int mail_render(const struct mail *m, const char *event_id, const char *body, size_t len,
		       struct mail_render *r, char *err, size_t errlen)
{
	json_error_t je;
	json_t *root = json_loadb(body, len, 0, &je), *ev;
	size_t i;

	if (!json_is_object(root) && !mail_is_event_list(root)) {
		snprintf(err, errlen, "mail: the event is not a JSON object or a list of them");
		json_decref(root);
		return -1;
	}
	if (json_is_object(root)) {
		render_event(m, root, event_id, r, 0);
	} else {
		json_array_foreach(root, i, ev)
		{
			render_event(m, ev, event_id, r, i);
		}
		render_digest_subject(root, r);
	}
	subject_cap(&r->subject, MAIL_SUBJECT_MAX);
	json_decref(root);
	return 0;
}

/* ---- sending ------------------------------------------------------------- */

static void mail_wrap_html(struct buf *html)
{
	char *inner = buf_steal(html);

	buf_append_str(html,
		       "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"></head>\n"
		       "<body><div style=\"white-space: pre-wrap; font-family: sans-serif\">");
	buf_append_str(html, inner);
	buf_append_str(html, "</div></body></html>\n");
	free(inner);
}

static void mail_message(const struct mail *m, const char *event_id, struct mail_render *r,
			 struct buf *out)
{
	char *hdr_id = xasprintf("X-Speechwatch-Event: %s", event_id);
	const char *const extra[] = {"Auto-Submitted: auto-generated", hdr_id, NULL};
	struct mime_msg msg = {
	    .from = m->from,
	    .to = (const char *const *)m->to,
	    .cc = (const char *const *)m->cc,
	    .subject = buf_str(&r->subject),
	    .event_id = event_id,
	    .id_domain = m->id_domain,
	    .date = r->date,
	    .text = buf_str(&r->text),
	    .html = NULL,
	    .extra = extra,
	};

	if (m->html) {
		mail_wrap_html(&r->html);
		msg.html = buf_str(&r->html);
	}
	mime_build(&msg, out);
	free(hdr_id);
}

/* The server's last reply on one line: line breaks become " / ", then escaped. */
static void mail_quote_reply(struct buf *d, const char *s, size_t len)
{
	struct buf one;

	buf_init(&one);
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\r')
			continue;
		if (s[i] == '\n')
			buf_append_str(&one, i + 1 < len ? " / " : "");
		else
			buf_append_char(&one, s[i]);
	}
	notify_escape(d, buf_str(&one), one.len, NOTIFY_DETAIL_BODY);
	buf_free(&one);
}

/* Verdict and detail for one submission (see the file comment). */
static void mail_classify(const struct http_response *r, struct notify_outcome *o, struct buf *d)
{
	long s = r->status;

	o->status = s;
	o->cancelled = r->result == HTTP_RES_CANCELLED;
	if (r->result == HTTP_RES_OK && s >= 200 && s <= 299)
		o->verdict = NOTIFY_DELIVERED;
	else if (r->result == HTTP_RES_PROTOCOL && s >= 500 && s <= 599)
		o->verdict = NOTIFY_PERMANENT;
	else if (r->result == HTTP_RES_BLOCKED)
		o->verdict = NOTIFY_PERMANENT; /* policy: will not change by itself */
	else
		o->verdict = NOTIFY_RETRY;
	if (r->result == HTTP_RES_OK || (r->result == HTTP_RES_PROTOCOL && s >= 400)) {
		buf_printf(d, "SMTP %ld: ", s);
		mail_quote_reply(d, r->body, r->body_len);
		if (r->error) {
			buf_append_str(d, " (");
			notify_escape(d, r->error, strlen(r->error), NOTIFY_DETAIL_BODY);
			buf_append_str(d, ")");
		}
		return;
	}
	buf_printf(d, "%s: ", http_result_name(r->result));
	notify_escape(d, r->error ? r->error : "", r->error ? strlen(r->error) : 0,
		      NOTIFY_DETAIL_BODY);
}

/* http_done_fn: one submission answered (or failed, or cancelled). */
static void mail_done(const struct http_response *r, void *arg)
{
	struct notify_pending *p = arg;
	struct notify_outcome o = {0};
	struct buf d;

	p->req = NULL;
	buf_init(&d);
	mail_classify(r, &o, &d);
	/* Delivered to the others, or failed because all were refused: say who. */
	if (r->smtp_refused) {
		buf_append_str(&d, "; refused: ");
		notify_escape(&d, r->smtp_refused, strlen(r->smtp_refused), NOTIFY_DETAIL_BODY);
	}
	o.detail = buf_str(&d);
	notify_finish(p, &o);
	buf_free(&d);
}

static int mail_send(struct notify_channel *ch, struct notify_pending *p, const char *event_id,
		     const char *body, size_t len, char *err, size_t errlen)
{
	struct mail *m = ch->priv;
	struct mail_render r = {.date = 0};
	struct buf msg;
	struct smtp_req req = {
	    .url = m->url,
	    .helo = m->helo,
	    .tls = m->tls,
	    .mail_from = m->env_from,
	    .rcpt = (const char *const *)m->rcpt,
	    .user = m->user,
	    .password = m->password,
	    .ca_file = m->ca_file,
	    .trusted = 1, /* the operator wrote this host */
	    .timeout_s = m->timeout_s,
	};

	buf_init(&r.subject);
	buf_init(&r.text);
	buf_init(&r.html);
	buf_init(&msg);
	if (mail_render(m, event_id, body, len, &r, err, errlen) == 0) {
		mail_message(m, event_id, &r, &msg);
		req.message = msg.data;
		req.message_len = msg.len;
		p->req = smtp_start(ch->http, &req, mail_done, p, err, errlen);
	}
	buf_free(&r.subject);
	buf_free(&r.text);
	buf_free(&r.html);
	buf_free(&msg);
	return p->req ? 0 : -1;
}

static void mail_cancel(struct notify_channel *ch, struct notify_pending *p)
{
	/* Runs mail_done with HTTP_RES_CANCELLED before returning. */
	if (p->req)
		http_cancel(ch->http, p->req);
	else
		notify_finish_cancelled(p);
}

const struct notify_backend notify_mail_backend = {
    .name = "mail",
    .open = mail_open,
    .send = mail_send,
    .cancel = mail_cancel,
    .free = mail_free,
};
