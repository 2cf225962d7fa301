/*
 * notify/channel: the backend table and the callback contract every
 * backend shares: an accepted send is finished exactly once, from the
 * loop, and closing a channel finishes whatever is still pending.
 */
#include "notify/notify_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"

/* notify/mail.c (belongs beside the others in notify_int.h). */

/* Chosen by name. */
static const struct notify_backend *const backends[] = {
    &notify_webhook_backend,
    &notify_mail_backend,
    &notify_stdout_backend,
};

static const char *const verdict_names[] = {
    [NOTIFY_DELIVERED] = "delivered",
    [NOTIFY_RETRY] = "retry",
    [NOTIFY_PERMANENT] = "permanent",
    [NOTIFY_GONE] = "gone",
};

const char *notify_verdict_name(enum notify_verdict v)
{
	if ((unsigned)v >= sizeof(verdict_names) / sizeof(verdict_names[0]))
		return "unknown";
	return verdict_names[v];
}

static const struct notify_backend *notify_backend_find(const char *type)
{
	for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); i++)
		if (strcmp(backends[i]->name, type) == 0)
			return backends[i];
	return NULL;
}

struct notify_channel *notify_channel_new(struct ev_loop *loop, struct http *http,
					  const struct notify_channel_config *cfg, char *err,
					  size_t errlen)
{
	const struct notify_backend *be;
	struct notify_channel *ch;
	const char *id;

	if (loop == NULL || cfg == NULL) {
		snprintf(err, errlen, "notify: missing loop or config");
		return NULL;
	}
	id = cfg->id ? cfg->id : "(unnamed)";
	be = cfg->type ? notify_backend_find(cfg->type) : NULL;
	if (be == NULL) {
		snprintf(err, errlen, "channel %s: unknown type \"%s\" (webhook, mail, stdout)", id,
			 cfg->type ? cfg->type : "");
		return NULL;
	}
	ch = xcalloc(1, sizeof(*ch));
	ch->loop = loop;
	ch->http = http;
	ch->be = be;
	ch->id = xstrdup(id);
	TAILQ_INIT(&ch->pending);
	if (be->open(ch, cfg, err, errlen) < 0) {
		free(ch->id);
		free(ch);
		return NULL;
	}
	return ch;
}

void notify_channel_close(struct notify_channel *ch)
{
	struct notify_pending *p;

	if (ch == NULL)
		return;
	ch->closed = 1;
	while ((p = TAILQ_FIRST(&ch->pending)) != NULL)
		ch->be->cancel(ch, p);
}

void notify_channel_free(struct notify_channel *ch)
{
	if (ch == NULL)
		return;
	notify_channel_close(ch);
	ch->be->free(ch);
	free(ch->id);
	free(ch);
}

/* Header-safe: printable ASCII without spaces, so it can be a header value. */
static int notify_id_valid(const char *id)
{
	size_t n = 0;

	for (; id[n] != '\0'; n++)
		if (id[n] <= 0x20 || id[n] >= 0x7f || n >= NOTIFY_ID_MAX)
			return 0;
	return n > 0;
}

int notify_send(struct notify_channel *ch, const char *event_id, const char *body_json, size_t len,
		notify_done_fn *done, void *arg, char *err, size_t errlen)
{
	struct notify_pending *p;

	if (ch == NULL || event_id == NULL || done == NULL || (body_json == NULL && len > 0)) {
		snprintf(err, errlen, "notify: missing argument");
		return -1;
	}
	if (ch->closed) {
		snprintf(err, errlen, "channel %s is closed", ch->id);
		return -1;
	}
	if (!notify_id_valid(event_id)) {
		snprintf(err, errlen, "channel %s: event id must be 1-%d printable characters",
			 ch->id, NOTIFY_ID_MAX);
		return -1;
	}
	p = xcalloc(1, sizeof(*p));
	p->ch = ch;
	p->done = done;
	p->arg = arg;
	TAILQ_INSERT_TAIL(&ch->pending, p, entry);
	ch->npending++;
	if (ch->be->send(ch, p, event_id, body_json ? body_json : "", len, err, errlen) < 0) {
		TAILQ_REMOVE(&ch->pending, p, entry);
		ch->npending--;
		free(p->body);
		free(p);
		return -1;
	}
	return 0;
}

void notify_finish(struct notify_pending *p, const struct notify_outcome *o)
{
	struct notify_channel *ch = p->ch;

	TAILQ_REMOVE(&ch->pending, p, entry);
	ch->npending--;
	/* The callback may close or free the channel: p is already off it. */
	p->done(o, p->arg);
	free(p->body);
	free(p);
}

void notify_finish_cancelled(struct notify_pending *p)
{
	struct notify_outcome o = {
	    .verdict = NOTIFY_RETRY,
	    .detail = "cancelled: channel closed",
	    .cancelled = 1,
	};

	notify_finish(p, &o);
}

size_t notify_pending(const struct notify_channel *ch)
{
	return ch ? ch->npending : 0;
}

const char *notify_channel_id(const struct notify_channel *ch)
{
	return ch->id;
}

const char *notify_channel_type(const struct notify_channel *ch)
{
	return ch->be->name;
}

void notify_escape(struct buf *d, const char *s, size_t len, size_t max)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = len < max ? len : max;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\\') {
			buf_append_str(d, "\\\\");
		} else if (c == '\n') {
			buf_append_str(d, "\\n");
		} else if (c >= 0x20 && c < 0x7f) {
			buf_append_char(d, (char)c);
		} else {
			char esc[4] = {'\\', 'x', hex[c >> 4], hex[c & 15]};

			buf_append(d, esc, sizeof(esc));
		}
	}
	if (len > n)
		buf_append_str(d, "...");
}
