/*
 * notify/channel: the backend table (notify/backends.def), opening a
 * channel from its type's key table and the section's raw lines, and the
 * callback contract every backend shares: an accepted send is finished
 * exactly once, from the loop, and closing a channel finishes whatever is
 * still pending.
 */
#include "notify/notify_int.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/xmalloc.h"

/* Chosen by name; the rows live in notify/backends.def. */
#define NOTIFY_BACKEND(name) &notify_##name##_backend,
static const struct notify_backend *const backends[] = {
#include "notify/backends.def"
};
#undef NOTIFY_BACKEND

#define NBACKENDS (sizeof(backends) / sizeof(backends[0]))

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
	for (size_t i = 0; type && i < NBACKENDS; i++)
		if (strcmp(backends[i]->name, type) == 0)
			return backends[i];
	return NULL;
}

/* The type and the daemon's settings, before any key is read. */
static const struct notify_backend *channel_backend(struct notify_section *sec, struct http *http)
{
	const struct notify_channel_config *cfg = sec->cfg;
	const struct notify_backend *be = notify_backend_find(cfg->type);
	int line = cfg->type_line ? cfg->type_line : cfg->line;
	struct buf names;

	if (be == NULL) {
		buf_init(&names);
		for (size_t i = 0; i < NBACKENDS; i++)
			buf_printf(&names, "%s%s", i ? ", " : "", backends[i]->name);
		buf_printf(sec->errors, "%s:%d: notify '%s': unknown type \"%s\" (%s)\n",
			   cfg->file ? cfg->file : "(config)", line, cfg->id,
			   cfg->type ? cfg->type : "", buf_str(&names));
		sec->nerrors++;
		buf_free(&names);
		return NULL;
	}
	if (be->needs_http && http == NULL)
		notify_section_error(sec, NULL, "type %s needs the http engine", be->name);
	if (!(cfg->digest_s >= 0.))
		notify_section_error(sec, NULL, "digest: must be >= 0");
	else if (cfg->digest_s > 0. && !be->digest)
		notify_section_error(sec, NULL,
				     "digest: type %s sends one event per request (no digests)",
				     be->name);
	return be; /* the keys are read even so: every error in one go */
}

/*
 * The keys into ch->priv, then the backend's own checks, also after a key
 * failed when every required one has a value: one check shows them all.
 */
static int channel_open(struct notify_channel *ch, struct notify_section *sec)
{
	const struct notify_backend *be = ch->be;

	if (be->priv_size > 0)
		ch->priv = xcalloc(1, be->priv_size);
	if ((notify_settings_parse(sec, be->keys, ch->priv) == 0 || notify_settings_usable(sec)) &&
	    be->open)
		be->open(ch, sec);
	return sec->nerrors ? -1 : 0;
}

/* Releases priv: what open derived, then the keys' values. */
static void channel_release(struct notify_channel *ch)
{
	if (ch->priv && ch->be->free)
		ch->be->free(ch);
	notify_settings_free(ch->be->keys, ch->priv);
	free(ch->priv);
	ch->priv = NULL;
}

/* Copies the collected lines into err without the final newline. */
static void channel_errors(struct buf *errors, char *err, size_t errlen)
{
	if (errors->len > 0 && errors->data[errors->len - 1] == '\n')
		errors->data[--errors->len] = '\0';
	snprintf(err, errlen, "%s", buf_str(errors));
}

struct notify_channel *notify_channel_new(struct ev_loop *loop, struct http *http,
					  const struct notify_channel_config *cfg, char *err,
					  size_t errlen)
{
	const struct notify_backend *be;
	struct notify_channel_config c;
	struct notify_section sec;
	struct notify_channel *ch = NULL;
	struct buf errors;

	if (loop == NULL || cfg == NULL) {
		snprintf(err, errlen, "notify: missing loop or config");
		return NULL;
	}
	c = *cfg;
	c.id = cfg->id ? cfg->id : "(unnamed)";
	buf_init(&errors);
	sec = (struct notify_section){.cfg = &c, .errors = &errors};
	be = channel_backend(&sec, http);
	if (be != NULL) {
		ch = xcalloc(1, sizeof(*ch));
		ch->loop = loop;
		ch->http = http;
		ch->be = be;
		ch->id = xstrdup(c.id);
		TAILQ_INIT(&ch->pending);
		if (channel_open(ch, &sec) < 0) {
			channel_release(ch);
			free(ch->id);
			free(ch);
			ch = NULL;
		}
	}
	channel_errors(&errors, err, errlen);
	buf_free(&errors);
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
	channel_release(ch);
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

void notify_cancel_request(struct notify_channel *ch, struct notify_pending *p)
{
	/* The request's done callback finishes p as cancelled before this returns. */
	if (p->req)
		http_cancel(ch->http, p->req);
	else
		notify_finish_cancelled(p);
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

void notify_transport_detail(struct buf *d, const struct http_response *r)
{
	buf_printf(d, "%s: ", http_result_name(r->result));
	notify_escape(d, r->error ? r->error : "", r->error ? strlen(r->error) : 0,
		      NOTIFY_DETAIL_BODY);
}

void notify_http_finish(struct notify_pending *p, const struct http_response *r,
			notify_classify_fn *classify)
{
	struct notify_outcome o = {0};
	struct buf d;

	p->req = NULL;
	buf_init(&d);
	classify(p->ch, r, &o, &d);
	o.detail = buf_str(&d);
	notify_finish(p, &o);
	buf_free(&d);
}

char *notify_url_part(const char *url, int part)
{
	CURLU *u = url ? curl_url() : NULL;
	char *got = NULL, *out = NULL;

	if (u && curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) == CURLUE_OK &&
	    curl_url_get(u, (CURLUPart)part, &got, 0) == CURLUE_OK)
		out = xstrdup(got);
	curl_free(got);
	curl_url_cleanup(u);
	return out;
}

int notify_url_web(const char *url)
{
	char *scheme = notify_url_part(url, CURLUPART_SCHEME);
	char *host = notify_url_part(url, CURLUPART_HOST);
	int ok = scheme && host && host[0] &&
		 (strcasecmp(scheme, "http") == 0 || strcasecmp(scheme, "https") == 0) &&
		 strpbrk(url, "\r\n") == NULL;

	free(scheme);
	free(host);
	return ok;
}
