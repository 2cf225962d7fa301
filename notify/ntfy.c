/*
 * notify/ntfy: the "ntfy" backend (https://docs.ntfy.sh/publish/). One POST
 * of the plain-text message to the topic URL, with the statement's title in
 * Title (RFC 2047 encoded-word when it is not ASCII, as ntfy decodes it),
 * the channel's tags and the theme ids in Tags, Priority 1-5, the article
 * in Click, and "Authorization: Bearer <token>" for a protected topic.
 * ntfy turns a message over 4096 bytes into an attachment, so the body is
 * cut below that on a character boundary.
 */
#include "notify/chat.h"

#include <curl/curl.h>
#include <openssl/evp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/xmalloc.h"

#define NTFY_BODY_MAX 4096 /* bytes: ntfy's default message-size-limit */
#define NTFY_TITLE_MAX 250 /* characters */
#define NTFY_TAG_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-+."

struct ntfy {
	struct chat chat; /* first: url, timeout; the shared send path finds it there */
	char *token;	  /* key token_file */
	int priority_ix;  /* key priority: index into ntfy_priority_names */
	char *tags;	  /* key tags: "a, b" */
	/* derived by ntfy_open() */
	char *tag_list; /* the configured tags as "a,b", or NULL */
	int priority;
};

static const char *const ntfy_priority_names[] = {"1",	 "2",	    "3",    "4",   "5",	     "min",
						  "low", "default", "high", "max", "urgent", NULL};
static const int ntfy_priority_values[] = {1, 2, 3, 4, 5, 1, 2, 3, 4, 5, 5};

#define N(f) offsetof(struct ntfy, f)
static const struct notify_key ntfy_keys[] = {
    {"url", NOTIFY_KEY_STRING, N(chat.url), NULL, 0, 0, NULL, NOTIFY_KEY_REQUIRED,
     "the topic URL: https://ntfy.sh/TOPIC, or a self-hosted server's"},
    {"timeout", NOTIFY_KEY_DURATION, N(chat.timeout), "30s", 1, 300, NULL, 0,
     "time allowed for one delivery attempt"},
    {"token_file", NOTIFY_KEY_SECRET_FILE, N(token), NULL, 0, 0, NULL, 0,
     "a private file (mode 600) holding an access token (tk_...) for a protected topic"},
    {"priority", NOTIFY_KEY_ENUM, N(priority_ix), "3", 0, 0, ntfy_priority_names, 0,
     "how urgently phones notify: 1-5, or min, low, default, high, max/urgent"},
    {"tags", NOTIFY_KEY_STRING, N(tags), NULL, 0, 0, NULL, 0,
     "comma-separated tags sent with every alert (emoji short codes show as emoji)"},
    {NULL, 0, 0, NULL, 0, 0, NULL, 0, NULL},
};
#undef N

/* A tag is safe in the comma-separated header: no comma, no space, ASCII. */
static int ntfy_tag_ok(const char *t)
{
	size_t n = strlen(t);

	return n > 0 && n <= 64 && strspn(t, NTFY_TAG_CHARS) == n;
}

/* "a, b" into "a,b", each a safe tag. */
static int ntfy_tags(struct ntfy *n, struct notify_section *sec)
{
	char *list = xstrdup(n->tags ? n->tags : ""), *save = NULL;
	struct buf b;
	int ok = 1;

	buf_init(&b);
	for (char *t = strtok_r(list, ", ", &save); t && ok; t = strtok_r(NULL, ", ", &save)) {
		ok = ntfy_tag_ok(t);
		if (!ok)
			notify_section_error(
			    sec, "tags", "tags: \"%.64s\" is not a tag (letters, digits, _-+.)", t);
		buf_printf(&b, "%s%s", b.len ? "," : "", t);
	}
	n->tag_list = ok && b.len ? buf_steal(&b) : NULL;
	buf_free(&b);
	free(list);
	return ok ? 0 : -1;
}

/* The topic is the URL's path: one segment, which ntfy requires. */
static int ntfy_topic_ok(const char *url)
{
	char *path = notify_url_part(url, CURLUPART_PATH);
	int ok = path && strlen(path) > 1 && strchr(path + 1, '/') == NULL;

	free(path);
	return ok;
}

/* notify_backend.free */
static void ntfy_free(struct notify_channel *ch)
{
	struct ntfy *n = ch->priv;

	chat_close(&n->chat);
	free(n->tag_list);
}

/* notify_backend.open */
static int ntfy_open(struct notify_channel *ch, struct notify_section *sec)
{
	struct ntfy *n = ch->priv;
	int bad = chat_open(&n->chat, sec);

	if (bad == 0 && !ntfy_topic_ok(n->chat.url)) {
		notify_section_error(sec, "url",
				     "url: must be the topic URL (https://ntfy.sh/TOPIC)");
		bad = -1;
	}
	n->priority = ntfy_priority_values[n->priority_ix];
	if (n->token && chat_bearer(&n->chat, sec, "token_file", n->token) < 0)
		bad = -1;
	if (ntfy_tags(n, sec) < 0)
		bad = -1;
	return bad;
}

/* "Title: ..." with controls as spaces; an RFC 2047 encoded-word unless ASCII. */
static char *ntfy_title_header(const char *title)
{
	struct buf t;
	int ascii = 1;
	char *b64, *h;

	buf_init(&t);
	buf_append_str(&t, title);
	chat_cap(&t, NTFY_TITLE_MAX);
	for (size_t i = 0; i < t.len; i++) {
		unsigned char c = (unsigned char)t.data[i];

		if (c < 0x20 || c == 0x7f)
			t.data[i] = ' ';
		ascii &= c < 0x80;
	}
	if (ascii) {
		h = xasprintf("Title: %s", buf_str(&t));
	} else {
		b64 = xmalloc(4 * ((t.len + 2) / 3) + 1);
		EVP_EncodeBlock((unsigned char *)b64, (const unsigned char *)t.data, (int)t.len);
		h = xasprintf("Title: =?UTF-8?B?%s?=", b64);
		free(b64);
	}
	buf_free(&t);
	return h;
}

/* "Tags: configured,theme-ids" (theme ids that are safe tags), or NULL. */
static char *ntfy_tags_header(const struct ntfy *n, const char *body, size_t len)
{
	json_t *ev = json_loadb(body, len, 0, NULL);
	struct buf b;
	size_t i;
	json_t *t;
	char *h;

	buf_init(&b);
	if (n->tag_list)
		buf_append_str(&b, n->tag_list);
	json_array_foreach(json_object_get(ev, "themes"), i, t)
	{
		const char *id = json_string_value(json_object_get(t, "id"));

		if (id && ntfy_tag_ok(id))
			buf_printf(&b, "%s%s", b.len ? "," : "", id);
	}
	h = b.len ? xasprintf("Tags: %s", buf_str(&b)) : NULL;
	buf_free(&b);
	json_decref(ev);
	return h;
}

/* "Click: <url>" for a printable-ASCII web link, else NULL. */
static char *ntfy_click_header(struct render_events *r)
{
	const char *url = render_link(r, 0);
	size_t n = url ? strlen(url) : 0;

	for (size_t i = 0; i < n; i++)
		if ((unsigned char)url[i] <= 0x20 || (unsigned char)url[i] >= 0x7f)
			return NULL;
	return n ? xasprintf("Click: %s", url) : NULL;
}

/* The message: below ntfy's byte limit, cut on a character, "…" marking it. */
static void ntfy_body(struct render_events *r, struct buf *out)
{
	size_t keep;

	chat_summary(r, RENDER_TEXT, out);
	if (out->len <= NTFY_BODY_MAX)
		return;
	keep = NTFY_BODY_MAX - strlen("…");
	while (keep > 0 && ((unsigned char)out->data[keep] & 0xc0) == 0x80)
		keep--;
	out->len = keep;
	out->data[keep] = '\0';
	buf_append_str(out, "…");
}

/* notify_backend.send */
static int ntfy_send(struct notify_channel *ch, struct notify_pending *p, const char *event_id,
		     const char *body, size_t len, char *err, size_t errlen)
{
	struct ntfy *n = ch->priv;
	struct render_events *r = render_parse(body, len, event_id, err, errlen);
	const char *headers[8] = {"Content-Type: text/plain; charset=utf-8"};
	char *title, *tags, *click, prio[16];
	size_t nh = 1;
	struct buf msg;
	int rc;

	if (r == NULL)
		return -1;
	title = ntfy_title_header(render_value(r, 0, RENDER_TITLE, RENDER_TEXT));
	tags = ntfy_tags_header(n, body, len);
	click = ntfy_click_header(r);
	snprintf(prio, sizeof(prio), "Priority: %d", n->priority);
	headers[nh++] = title;
	headers[nh++] = prio;
	if (tags)
		headers[nh++] = tags;
	if (click)
		headers[nh++] = click;
	if (n->chat.auth)
		headers[nh++] = n->chat.auth;
	buf_init(&msg);
	ntfy_body(r, &msg);
	rc = chat_start(ch, p, "POST", n->chat.url, headers, msg.data, msg.len, err, errlen);
	render_free(r);
	buf_free(&msg);
	free(title);
	free(tags);
	free(click);
	return rc;
}

const struct notify_backend notify_ntfy_backend = {
    .name = "ntfy",
    .keys = ntfy_keys,
    .priv_size = sizeof(struct ntfy),
    .needs_http = 1,
    .open = ntfy_open,
    .send = ntfy_send,
    .cancel = notify_cancel_request,
    .free = ntfy_free,
};
