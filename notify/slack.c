/*
 * notify/slack: the "slack" backend, a Slack incoming webhook
 * (https://api.slack.com/messaging/webhooks). One POST of
 * {"text": fallback, "blocks": [header, section, context]} per attempt,
 * Block Kit limits respected (header 150 characters, mrkdwn text 3,000).
 * Text from pages is escaped (&, <, >) so a title cannot ping @channel or
 * forge a link. The webhook URL is the credential: its last path segment
 * is cut out of every detail.
 */
#include "notify/chat.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"

#define SLACK_HEADER_MAX 150
#define SLACK_TEXT_MAX 3000

struct slack {
	struct chat chat; /* first: url, timeout; the shared send path finds it there */
};

static const struct notify_key slack_keys[] = {
    {"url", NOTIFY_KEY_URL, offsetof(struct slack, chat.url), NULL, 0, 0, NULL,
     NOTIFY_KEY_REQUIRED | NOTIFY_KEY_SECRET,
     "the incoming webhook's URL (https://hooks.slack.com/services/...), a credential"},
    {"timeout", NOTIFY_KEY_DURATION, offsetof(struct slack, chat.timeout), "30s", 1, 300, NULL, 0,
     "time allowed for one delivery attempt"},
    {NULL, 0, 0, NULL, 0, 0, NULL, 0, NULL},
};

static json_t *slack_payload(struct chat *c, struct render_events *r, const char *event_id,
			     char **own_url);

/* notify_backend.open */
static int slack_open(struct notify_channel *ch, struct notify_section *sec)
{
	struct slack *s = ch->priv;

	s->chat.payload = slack_payload;
	return chat_open_webhook(&s->chat, sec, "https://hooks.slack.com/services/...");
}

/* Slack's three control characters, escaped as its formatting guide asks. */
static void slack_escape(struct buf *out, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '&')
			buf_append_str(out, "&amp;");
		else if (*s == '<')
			buf_append_str(out, "&lt;");
		else if (*s == '>')
			buf_append_str(out, "&gt;");
		else
			buf_append_char(out, *s);
	}
}

/* "<url|label>" with the characters that would end the link percent-encoded. */
static void slack_link(struct buf *out, const char *url, const char *label)
{
	buf_append_char(out, '<');
	for (const char *p = url; *p; p++) {
		if (*p == '|' || *p == '<' || *p == '>' || *p == ' ')
			buf_printf(out, "%%%02X", (unsigned char)*p);
		else
			buf_append_char(out, *p);
	}
	buf_printf(out, "|%s>", label);
}

/* mrkdwn: the summary's text, escaped (no link: the context line has it). */
static void slack_mrkdwn(struct render_events *r, struct buf *out)
{
	const char *evidence = render_value(r, 0, RENDER_EVIDENCE, RENDER_TEXT);
	const char *excerpt = render_value(r, 0, RENDER_EXCERPT, RENDER_TEXT);

	slack_escape(out, evidence);
	if (excerpt[0]) {
		buf_append_str(out, evidence[0] ? "\n" : "");
		slack_escape(out, excerpt);
	}
	if (out->len == 0)
		slack_escape(out, render_value(r, 0, RENDER_TITLE, RENDER_TEXT));
}

static json_t *slack_text_obj(const char *type, struct buf *b, size_t max)
{
	chat_cap(b, max);
	return json_pack("{s:s, s:s%}", "type", type, "text", buf_str(b), b->len);
}

/* The context line: source, publication date and the link. */
static void slack_context(struct render_events *r, struct buf *out)
{
	const char *link = render_link(r, 0);

	slack_escape(out, render_value(r, 0, RENDER_SOURCE, RENDER_TEXT));
	buf_append_str(out, " · ");
	slack_escape(out, render_value(r, 0, RENDER_PUBLISHED, RENDER_TEXT));
	if (link) {
		buf_append_str(out, " · ");
		slack_link(out, link, "Open the statement");
	}
}

/* chat.payload: the Block Kit message, to the webhook's URL. */
static json_t *slack_payload(struct chat *c, struct render_events *r, const char *event_id,
			     char **own_url)
{
	const char *title = render_value(r, 0, RENDER_TITLE, RENDER_TEXT);
	const char *url = render_value(r, 0, RENDER_URL, RENDER_TEXT);
	struct buf body, ctx, fallback;
	json_t *blocks, *root;

	(void)c;
	(void)event_id;
	(void)own_url;
	buf_init(&body);
	buf_init(&ctx);
	buf_init(&fallback);
	slack_mrkdwn(r, &body);
	slack_context(r, &ctx);
	slack_escape(&fallback, title);
	if (url[0]) {
		buf_append_str(&fallback, " ");
		slack_escape(&fallback, url);
	}
	chat_cap(&fallback, SLACK_TEXT_MAX);
	blocks = json_pack("[{s:s, s:o}, {s:s, s:o}, {s:s, s:[o]}]", "type", "header", "text",
			   json_pack("{s:s, s:o, s:b}", "type", "plain_text", "text",
				     chat_json_str(title, SLACK_HEADER_MAX), "emoji", 0),
			   "type", "section", "text",
			   slack_text_obj("mrkdwn", &body, SLACK_TEXT_MAX), "type", "context",
			   "elements", slack_text_obj("mrkdwn", &ctx, SLACK_TEXT_MAX));
	root = json_pack("{s:s%, s:o}", "text", buf_str(&fallback), fallback.len, "blocks", blocks);
	buf_free(&body);
	buf_free(&ctx);
	buf_free(&fallback);
	return root;
}

const struct notify_backend notify_slack_backend = {
    .name = "slack",
    .keys = slack_keys,
    .priv_size = sizeof(struct slack),
    .needs_http = 1,
    .open = slack_open,
    .send = chat_send_json,
    .cancel = notify_cancel_request,
    .free = chat_free,
};
