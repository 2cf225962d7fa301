/*
 * notify/render (internal to notify/): an outbox body (one event as JSON,
 * or a JSON array of events: a digest) as text for people, shared by every
 * text channel. Each event's fields ({title}, {themes}, ... below) come in
 * three formats: plain text (controls, C1 and bidi controls escaped as in
 * common/printable.h), HTML (escaped; evidence in <b>, web links as
 * <a>) and Markdown-ish text (escaped; evidence in **bold**, web links as
 * <url>). Templates with {placeholders} put them together. Pure functions,
 * no I/O; untrusted text never becomes markup or a non-web link.
 */
#ifndef SW_NOTIFY_RENDER_H
#define SW_NOTIFY_RENDER_H

#include <stddef.h>
#include <time.h>

#include "common/buf.h"

/* The placeholders, in this order: {title}, {themes}, ... {id}. */
enum render_field {
	RENDER_TITLE,	  /* the item's title, or "TYPE SOURCE" for events without one */
	RENDER_THEMES,	  /* "Label, Label" */
	RENDER_SOURCE,	  /* the source id */
	RENDER_URL,	  /* the item's URL, else the source's */
	RENDER_PUBLISHED, /* as the page gave it, or "unknown" */
	RENDER_TYPE,	  /* "statement.new", ... */
	RENDER_EXCERPT,	  /* the item's excerpt */
	RENDER_EVIDENCE,  /* per theme "Label (score 0.42)" and its sentences */
	RENDER_DIFF,	  /* "Changes:\n" and the unified diff, or "" */
	RENDER_ID,	  /* the event id */
	RENDER_FIELDS
};

enum render_format { RENDER_TEXT, RENDER_HTML, RENDER_MARKDOWN };

struct render_tmpl; /* a compiled template, see the end of this header */

#define RENDER_DEFAULT_SUBJECT "[speechwatch] {title} — {themes}"
#define RENDER_DEFAULT_BODY                                                                        \
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

/* ---- events --------------------------------------------------------------- */

struct render_events;

/*
 * Parses body: an event object, or a non-empty array of event objects (a
 * digest). event_id stands in for an event without "id". Returns the
 * events, or NULL with err filled ("not a JSON object or a list of them").
 */
struct render_events *render_parse(const char *body, size_t len, const char *event_id, char *err,
				   size_t errlen);

void render_free(struct render_events *r);

/* Number of events: 1, or a digest's length. */
size_t render_count(const struct render_events *r);

/* 1 when the body was an array (a digest, even of one event). */
int render_is_digest(const struct render_events *r);

/* Field f of event i in fmt; "" when absent. Borrowed: lives as long as r. */
const char *render_value(struct render_events *r, size_t i, enum render_field f,
			 enum render_format fmt);

/* Every field of event i in fmt, indexed by enum render_field (for render_tmpl_apply). */
void render_values(struct render_events *r, size_t i, enum render_format fmt,
		   const char *out[RENDER_FIELDS]);

/* The event's http(s) link (item URL, else source URL), or NULL: safe to make clickable. */
const char *render_link(const struct render_events *r, size_t i);

/* The event's detected_at as a time, or now when it has none. */
time_t render_time(const struct render_events *r, size_t i);

/* The highest theme score of event i, 0 without themes. */
double render_top_score(const struct render_events *r, size_t i);

/*
 * A one-line subject: one event through t (NULL: RENDER_DEFAULT_SUBJECT), a
 * digest as "[speechwatch] N alerts: title; title"; cut as render_cut()
 * does. Plain text; appended to out.
 */
void render_subject(struct render_events *r, const struct render_tmpl *t, size_t max,
		    struct buf *out);

/*
 * The body: each event through t (NULL: RENDER_DEFAULT_BODY) in fmt, the
 * events of a digest separated by a rule ("====" line, <hr>, "---").
 */
void render_body(struct render_events *r, const struct render_tmpl *t, enum render_format fmt,
		 struct buf *out);

/* ---- text helpers --------------------------------------------------------- */

/* Cuts s to at most max bytes on a UTF-8 character boundary, then appends "…" when cut. */
void render_cut(struct buf *s, size_t max);

/* Appends s with Markdown's punctuation (\ ` * _ [ ] < > # | ~) backslash-escaped. */
void render_markdown_escape(struct buf *out, const char *s);

/* ---- templates ------------------------------------------------------------ */

/*
 * Literal text with {placeholders} (the enum above); "{{" and "}}" are
 * literal braces.
 */

/* Name of a field without braces ("title"). */
const char *render_field_name(enum render_field f);

/* Compiles text; an unknown placeholder or an unclosed "{" is an error (NULL, err filled). */
struct render_tmpl *render_tmpl_compile(const char *text, char *err, size_t errlen);

/* 1 if the template uses field f. */
int render_tmpl_uses(const struct render_tmpl *t, enum render_field f);

/*
 * Appends the template with each placeholder replaced by values[f] (NULL
 * counts as ""), which must already be in fmt. The literal text is escaped
 * for HTML (a template is written as text, one for every format) and copied
 * as it is for text and Markdown (where its own markup is meant).
 */
void render_tmpl_apply(const struct render_tmpl *t, const char *const values[RENDER_FIELDS],
		       enum render_format fmt, struct buf *out);

void render_tmpl_free(struct render_tmpl *t);

#endif
