/*
 * notify/matrix: the "matrix" backend, the client-server API's send-event
 * endpoint (spec.matrix.org, client-server API v3):
 *   PUT /_matrix/client/v3/rooms/{roomId}/send/m.room.message/{txnId}
 * with "Authorization: Bearer <access token>". The event id is the
 * transaction id, so a retry of an attempt whose answer was lost is
 * recognised by the homeserver and not posted twice. The room id and the
 * transaction id are percent-encoded as path segments ("!" and ":" too).
 * The message is an m.notice (the msgtype for automated senders, which
 * other bots do not answer) with a plain body and an HTML formatted_body.
 * A 429's JSON body carries retry_after_ms, taken when longer than the
 * header. The access token is cut out of every detail.
 */
#include "notify/chat.h"

#include <curl/curl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"

#define MATRIX_BODY_MAX 16000 /* characters; events are capped at 65,536 bytes */

struct matrix {
	struct chat chat; /* first: url, timeout; the shared send path finds it there */
	char *room;	  /* key room */
	char *token;	  /* key token_file */
	/* derived by matrix_open() */
	char *room_path; /* url + "/_matrix/client/v3/rooms/<room>/send/m.room.message/" */
};

#define M(f) offsetof(struct matrix, f)
static const struct notify_key matrix_keys[] = {
    {"url", NOTIFY_KEY_STRING, M(chat.url), NULL, 0, 0, NULL, NOTIFY_KEY_REQUIRED,
     "the homeserver's client API base URL (https://matrix.example.org)"},
    {"timeout", NOTIFY_KEY_DURATION, M(chat.timeout), "30s", 1, 300, NULL, 0,
     "time allowed for one delivery attempt"},
    {"room", NOTIFY_KEY_STRING, M(room), NULL, 0, 0, NULL, NOTIFY_KEY_REQUIRED,
     "the room id, !opaque:server (Room settings, Advanced), not an #alias"},
    {"token_file", NOTIFY_KEY_SECRET_FILE, M(token), NULL, 0, 0, NULL, NOTIFY_KEY_REQUIRED,
     "a private file (mode 600) holding the sending account's access token"},
    {NULL, 0, 0, NULL, 0, 0, NULL, 0, NULL},
};
#undef M

/* chat.body_retry_after: {"errcode": "M_LIMIT_EXCEEDED", "retry_after_ms": 2000}. */
static double matrix_retry_after(const char *body, size_t len)
{
	json_t *j = json_loadb(body, len, 0, NULL);
	double ms = json_number_value(json_object_get(j, "retry_after_ms"));

	json_decref(j);
	return ms > 0. ? ms / 1000. : 0.;
}

/* s percent-encoded as one path segment (everything but unreserved characters). */
static char *matrix_escape(const char *s)
{
	char *e = curl_easy_escape(NULL, s, 0);
	char *out;

	if (e == NULL)
		return NULL;
	out = xstrdup(e);
	curl_free(e);
	return out;
}

/* A room id: "!" and printable characters; aliases (#room:server) cannot be sent to. */
static int matrix_room_ok(const char *room)
{
	size_t n = room ? strlen(room) : 0;

	if (n < 2 || n > 255 || room[0] != '!')
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)room[i] <= 0x20 || (unsigned char)room[i] >= 0x7f)
			return 0;
	return 1;
}

/* The send-event URL up to the transaction id. */
static int matrix_room_path(struct matrix *m)
{
	size_t n = strlen(m->chat.url);
	char *room;

	while (n > 0 && m->chat.url[n - 1] == '/')
		m->chat.url[--n] = '\0';
	room = matrix_escape(m->room);
	if (room == NULL)
		return -1;
	m->room_path =
	    xasprintf("%s/_matrix/client/v3/rooms/%s/send/m.room.message/", m->chat.url, room);
	free(room);
	return 0;
}

/* notify_backend.free */
static void matrix_free(struct notify_channel *ch)
{
	struct matrix *m = ch->priv;

	chat_close(&m->chat);
	free(m->room_path);
}

static json_t *matrix_payload(struct chat *c, struct render_events *r, const char *event_id,
			      char **own_url);

/* notify_backend.open */
static int matrix_open(struct notify_channel *ch, struct notify_section *sec)
{
	struct matrix *m = ch->priv;
	int bad = chat_open(&m->chat, sec);

	m->chat.body_retry_after = matrix_retry_after;
	m->chat.payload = matrix_payload;
	m->chat.method = "PUT";
	if (!matrix_room_ok(m->room)) {
		notify_section_error(sec, "room",
				     "room: not a room id (\"!opaque:server\"; not an #alias)");
		bad = -1;
	}
	if (chat_bearer(&m->chat, sec, "token_file", m->token) < 0)
		bad = -1;
	if (bad < 0)
		return -1;
	if (matrix_room_path(m) == 0)
		return 0;
	notify_section_error(sec, "room", "room: cannot be encoded");
	return -1;
}

/*
 * The title (bold in HTML), then the summary unless it is the title again
 * (events without an item); in HTML, line breaks as <br>.
 */
static void matrix_text(struct render_events *r, enum render_format fmt, struct buf *out)
{
	const char *title = render_value(r, 0, RENDER_TITLE, fmt);
	int html = fmt == RENDER_HTML;
	struct buf sum;

	buf_init(&sum);
	chat_summary(r, fmt, &sum);
	buf_printf(out, html ? "<b>%s</b>" : "%s", title);
	if (strcmp(buf_str(&sum), title) != 0) {
		buf_append_str(out, html ? "<br>" : "\n\n");
		for (const char *c = buf_str(&sum); *c; c++) {
			if (html && *c == '\n')
				buf_append_str(out, "<br>");
			else
				buf_append_char(out, *c);
		}
	}
	buf_free(&sum);
}

static json_t *matrix_message(struct render_events *r)
{
	struct buf text, html;
	json_t *j;

	buf_init(&text);
	buf_init(&html);
	matrix_text(r, RENDER_TEXT, &text);
	chat_cap(&text, MATRIX_BODY_MAX);
	matrix_text(r, RENDER_HTML, &html);
	/* An HTML cut could break a tag: without room, the plain body alone. */
	j = json_pack("{s:s, s:s%}", "msgtype", "m.notice", "body", buf_str(&text), text.len);
	if (j && chat_utf8_count(html.data, html.len) <= MATRIX_BODY_MAX) {
		json_object_set_new(j, "format", json_string("org.matrix.custom.html"));
		json_object_set_new(j, "formatted_body", json_stringn(html.data, html.len));
	}
	buf_free(&text);
	buf_free(&html);
	return j;
}

/* chat.payload: the message, PUT to the room under the event id as txnId. */
static json_t *matrix_payload(struct chat *c, struct render_events *r, const char *event_id,
			      char **own_url)
{
	struct matrix *m = (struct matrix *)c;
	char *txn = matrix_escape(event_id); /* the same on every retry: the server deduplicates */

	if (txn == NULL)
		return NULL;
	*own_url = xasprintf("%s%s", m->room_path, txn);
	free(txn);
	return matrix_message(r);
}

const struct notify_backend notify_matrix_backend = {
    .name = "matrix",
    .keys = matrix_keys,
    .priv_size = sizeof(struct matrix),
    .needs_http = 1,
    .open = matrix_open,
    .send = chat_send_json,
    .cancel = notify_cancel_request,
    .free = matrix_free,
};
