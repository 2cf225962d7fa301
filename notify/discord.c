/*
 * notify/discord: the "discord" backend, a Discord webhook
 * (https://discord.com/developers/docs/resources/webhook#execute-webhook).
 * One POST per attempt of {"content", "embeds": [one embed],
 * "allowed_mentions": {"parse": []}}: content at most 2,000 characters,
 * the embed's title 256 and description 4,096 (footer 256, so the whole
 * embed stays under Discord's 6,000), counted in characters and never cut
 * inside one. Page text is Markdown-escaped (notify/render) and mentions
 * are switched off,
 * so a title cannot ping @everyone. A 429's JSON body carries retry_after
 * in seconds, taken when longer than the header. The webhook token (the
 * URL's last segment) is cut out of every detail.
 */
#include "notify/chat.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/xmalloc.h"

#define DISCORD_CONTENT_MAX 2000
#define DISCORD_TITLE_MAX 256
#define DISCORD_DESCRIPTION_MAX 4096
#define DISCORD_FOOTER_MAX 256
#define DISCORD_COLOR 0x3b82f6

struct discord {
	struct chat chat; /* first: url, timeout; the shared send path finds it there */
};

static const struct notify_key discord_keys[] = {
    {"url", NOTIFY_KEY_URL, offsetof(struct discord, chat.url), NULL, 0, 0, NULL,
     NOTIFY_KEY_REQUIRED | NOTIFY_KEY_SECRET,
     "the webhook's URL (https://discord.com/api/webhooks/ID/TOKEN), a credential"},
    {"timeout", NOTIFY_KEY_DURATION, offsetof(struct discord, chat.timeout), "30s", 1, 300, NULL, 0,
     "time allowed for one delivery attempt"},
    {NULL, 0, 0, NULL, 0, 0, NULL, 0, NULL},
};

/* chat.body_retry_after: {"message": ..., "retry_after": 64.57, "global": false}. */
static double discord_retry_after(const char *body, size_t len)
{
	json_t *j = json_loadb(body, len, 0, NULL);
	double s = json_number_value(json_object_get(j, "retry_after"));

	json_decref(j);
	return s > 0. ? s : 0.;
}

static json_t *discord_payload(struct chat *c, struct render_events *r, const char *event_id,
			       char **own_url);

/* notify_backend.open */
static int discord_open(struct notify_channel *ch, struct notify_section *sec)
{
	struct discord *d = ch->priv;

	d->chat.body_retry_after = discord_retry_after;
	d->chat.payload = discord_payload;
	return chat_open_webhook(&d->chat, sec, "https://discord.com/api/webhooks/ID/TOKEN");
}

static json_t *discord_embed(struct render_events *r)
{
	const char *link = render_link(r, 0);
	time_t at = render_time(r, 0);
	struct buf desc, footer;
	char when[32];
	struct tm tm;
	json_t *embed;

	buf_init(&desc);
	buf_init(&footer);
	chat_summary(r, RENDER_MARKDOWN, &desc);
	chat_cap(&desc, DISCORD_DESCRIPTION_MAX);
	buf_printf(&footer, "%s · %s · published %s",
		   render_value(r, 0, RENDER_SOURCE, RENDER_TEXT),
		   render_value(r, 0, RENDER_TYPE, RENDER_TEXT),
		   render_value(r, 0, RENDER_PUBLISHED, RENDER_TEXT));
	gmtime_r(&at, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	embed = json_pack(
	    "{s:o, s:s%, s:i, s:{s:o}, s:s}", "title",
	    chat_json_str(render_value(r, 0, RENDER_TITLE, RENDER_TEXT), DISCORD_TITLE_MAX),
	    "description", buf_str(&desc), desc.len, "color", DISCORD_COLOR, "footer", "text",
	    chat_json_str(buf_str(&footer), DISCORD_FOOTER_MAX), "timestamp", when);
	if (embed && link)
		json_object_set_new(embed, "url", json_string(link));
	buf_free(&desc);
	buf_free(&footer);
	return embed;
}

/* content: the title in bold and the themes, Markdown-escaped, at most 2,000 characters. */
static json_t *discord_content(struct render_events *r)
{
	const char *themes = render_value(r, 0, RENDER_THEMES, RENDER_MARKDOWN);
	struct buf c;
	json_t *j;

	buf_init(&c);
	buf_printf(&c, "**%s**", render_value(r, 0, RENDER_TITLE, RENDER_MARKDOWN));
	if (themes[0])
		buf_printf(&c, " — %s", themes);
	chat_cap(&c, DISCORD_CONTENT_MAX);
	j = json_stringn(buf_str(&c), c.len);
	buf_free(&c);
	return j;
}

/* chat.payload: content and one embed, mentions off, to the webhook's URL. */
static json_t *discord_payload(struct chat *c, struct render_events *r, const char *event_id,
			       char **own_url)
{
	(void)c;
	(void)event_id;
	(void)own_url;
	/* Mentions off: nothing a page says can ping @everyone or a role. */
	return json_pack("{s:o, s:[o], s:{s:[]}}", "content", discord_content(r), "embeds",
			 discord_embed(r), "allowed_mentions", "parse");
}

const struct notify_backend notify_discord_backend = {
    .name = "discord",
    .keys = discord_keys,
    .priv_size = sizeof(struct discord),
    .needs_http = 1,
    .open = discord_open,
    .send = chat_send_json,
    .cancel = notify_cancel_request,
    .free = chat_free,
};
