/*
 * notify/mail: the "mail" backend. Renders the event JSON (or a JSON array
 * of events: one digest mail) through notify/render with the channel's
 * subject and body templates into a MIME message (notify/mime.c) and
 * submits it through fetch/smtp on the daemon's engine. Its keys and their
 * checks are in mail_settings.c. The Message-ID is <event-id@domain of
 * From>, so a re-sent event is recognisable. The server's reply decides:
 * 2xx delivered, 4xx and network trouble retry, 5xx is permanent with the
 * server's words in the detail. A recipient refused at RCPT does not stop
 * the others (fetch/smtp); the detail then ends "; refused: addr: reply".
 */
#include "notify/mail.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"
#include "notify/mime.h"

/* One event, or a digest, as the parts of one message. */
struct mail_render {
	struct buf subject, text, html;
	time_t date;
};

/* Renders the JSON body; -1 with err filled when it is not an event or a list of them. */
static int mail_render(const struct mail *m, const char *event_id, const char *body, size_t len,
		       struct mail_render *r, char *err, size_t errlen)
{
	char why[128];
	struct render_events *ev = render_parse(body, len, event_id, why, sizeof(why));

	if (ev == NULL) {
		snprintf(err, errlen, "mail: %s", why);
		return -1;
	}
	render_subject(ev, m->subject_t, MAIL_SUBJECT_MAX, &r->subject);
	render_body(ev, m->body_t, RENDER_TEXT, &r->text);
	if (m->html)
		render_body(ev, m->body_t, RENDER_HTML, &r->html);
	r->date = render_time(ev, 0);
	render_free(ev);
	return 0;
}

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
	notify_transport_detail(d, r);
}

/* notify_classify_fn: mail_classify(), and the recipients the server refused. */
static void mail_verdict(const struct notify_channel *ch, const struct http_response *r,
			 struct notify_outcome *o, struct buf *d)
{
	(void)ch;
	mail_classify(r, o, d);
	/* Delivered to the others, or failed because all were refused: say who. */
	if (r->protocol_note) {
		buf_append_str(d, "; refused: ");
		notify_escape(d, r->protocol_note, strlen(r->protocol_note), NOTIFY_DETAIL_BODY);
	}
}

/* http_done_fn: one submission answered (or failed, or cancelled). */
static void mail_done(const struct http_response *r, void *arg)
{
	notify_http_finish(arg, r, mail_verdict);
}

static int mail_send(struct notify_channel *ch, struct notify_pending *p, const char *event_id,
		     const char *body, size_t len, char *err, size_t errlen)
{
	struct mail *m = ch->priv;
	struct mail_render r = {.date = 0};
	struct buf msg;
	struct smtp_req req = {
	    .url = m->smtp_url,
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

const struct notify_backend notify_mail_backend = {
    .name = "mail",
    .keys = mail_keys,
    .priv_size = sizeof(struct mail),
    .digest = 1,
    .needs_http = 1,
    .open = mail_open,
    .send = mail_send,
    .cancel = notify_cancel_request,
    .free = mail_free,
};
