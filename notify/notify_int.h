/*
 * notify internals: the channel, the pending-send record and the backend
 * table. Shared by channel.c and the backends; tests may include it.
 */
#ifndef SW_NOTIFY_INT_H
#define SW_NOTIFY_INT_H

#include <ev.h>
#include <stddef.h>
#include <sys/queue.h>

#include "common/buf.h"
#include "fetch/http.h"
#include "notify/notify.h"
#include "notify/settings.h"

#define NOTIFY_KEY_MIN 16
#define NOTIFY_KEY_MAX 256
#define NOTIFY_ID_MAX 255
#define NOTIFY_DETAIL_BODY 200 /* response bytes quoted in a detail */

/* One accepted send, from notify_send() until its done callback. */
struct notify_pending {
	TAILQ_ENTRY(notify_pending) entry;
	struct notify_channel *ch;
	notify_done_fn *done;
	void *arg;
	struct http_req_handle *req; /* webhook, mail: the transfer in flight */
	struct ev_timer defer;	     /* stdout: runs the write from the loop */
	char *body;		     /* stdout: copy of the event */
	size_t len;
};

/*
 * A backend (style.md §15): one file in notify/ defines one of these, and
 * one NOTIFY_BACKEND(name) row in notify/backends.def lists it. The channel
 * allocates priv_size zeroed bytes as ch->priv and fills them from the
 * section's lines through keys (notify/settings.h; offsets point into
 * priv), then calls open, which checks what the table cannot (reporting
 * with notify_section_error(), FILE:LINE) and derives what send needs.
 * send starts p and arranges for notify_finish(p) to run later from the
 * loop; cancel must call notify_finish(p) before it returns; free (may be
 * NULL) releases what open derived: the keys' fields and priv itself are
 * released by the channel.
 */
struct notify_backend {
	const char *name;
	const struct notify_key *keys; /* NULL-terminated; NULL: the type takes no keys */
	size_t priv_size;	       /* the struct keys fill; 0: no priv */
	int digest;		       /* 1: send takes a JSON array of events (one digest) */
	int needs_http;		       /* 1: refuses to open without the http engine */
	int (*open)(struct notify_channel *ch, struct notify_section *sec);
	int (*send)(struct notify_channel *ch, struct notify_pending *p, const char *event_id,
		    const char *body, size_t len, char *err, size_t errlen);
	void (*cancel)(struct notify_channel *ch, struct notify_pending *p);
	void (*free)(struct notify_channel *ch);
};

struct notify_channel {
	struct ev_loop *loop;
	struct http *http;
	const struct notify_backend *be;
	char *id;
	void *priv;
	TAILQ_HEAD(, notify_pending) pending;
	size_t npending;
	int closed;
};

#define NOTIFY_BACKEND(name) extern const struct notify_backend notify_##name##_backend;
#include "notify/backends.def"
#undef NOTIFY_BACKEND

/* Takes p off its channel, runs its done callback with o, frees p. */
void notify_finish(struct notify_pending *p, const struct notify_outcome *o);

/* Finishes p as cancelled (verdict RETRY). */
void notify_finish_cancelled(struct notify_pending *p);

/*
 * The cancel of every backend that sends one fetch/ request per attempt
 * (p->req): cancels the request, whose done callback then finishes p as
 * cancelled before this returns; finishes p itself when none is in flight.
 */
void notify_cancel_request(struct notify_channel *ch, struct notify_pending *p);

/*
 * Decodes a "whsec_" secret into key (at most NOTIFY_KEY_MAX bytes).
 * Returns the key length, or -1 with err filled.
 */
int notify_secret_decode(const char *secret, unsigned char *key, size_t keymax, char *err,
			 size_t errlen);

/* notify_sign() with an already decoded key. */
int notify_sign_key(const unsigned char *key, size_t keylen, const char *id, long timestamp,
		    const char *body, size_t len, char *out, size_t outlen);

/* The verdict for one webhook answer; appends the human-readable detail to d. */
void webhook_classify(const struct http_response *r, struct notify_outcome *o, struct buf *d);

/* Appends at most max bytes of s to d, non-printable bytes as \xNN ("..." marks a cut). */
void notify_escape(struct buf *d, const char *s, size_t len, size_t max);

/* Appends "<result>: <error>", escaped, for a transfer that brought no answer. */
void notify_transport_detail(struct buf *d, const struct http_response *r);

/* A backend's verdict on one answer, its detail appended to d. */
typedef void notify_classify_fn(const struct notify_channel *ch, const struct http_response *r,
				struct notify_outcome *o, struct buf *d);

/*
 * The end of one request-per-attempt transfer (from a backend's
 * http_done_fn): forgets the handle, classifies r and finishes p.
 */
void notify_http_finish(struct notify_pending *p, const struct http_response *r,
			notify_classify_fn *classify);

/*
 * The part of url (a CURLUPART_* value: scheme, host, path) as curl parses
 * it with any scheme, allocated (free()); NULL when url does not parse or
 * has no such part.
 */
char *notify_url_part(const char *url, int part);

/* 1 if url is an http or https URL with a host, on one line, as curl parses it. */
int notify_url_web(const char *url);

#endif
