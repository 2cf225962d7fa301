/*
 * notify/mime (internal to notify/): the mail channel's message builder
 * (its templates and text come from notify/render.h). Pure functions, no I/O.
 *
 * Messages follow RFC 5322 and MIME (RFC 2045-2047): CRLF line ends only,
 * header lines folded at 78 columns, non-ASCII header text as RFC 2047
 * UTF-8 "B" encoded-words (never splitting a character), bodies as
 * text/plain; charset=UTF-8 in quoted-printable (mostly ASCII) or base64
 * (mostly not), encoded lines at most 76 characters, and optionally a
 * multipart/alternative with a text/html part. Header values cannot carry
 * line breaks into the message: CR, LF and other controls become spaces.
 */
#ifndef SW_NOTIFY_MIME_H
#define SW_NOTIFY_MIME_H

#include <stddef.h>
#include <time.h>

#include "common/buf.h"

#define MIME_HEADER_COLS 78 /* RFC 5322 §2.1.1 "SHOULD" */
#define MIME_BODY_COLS 76   /* RFC 2045 §6.7, §6.8 "MUST" */

/* One message. Strings are borrowed; text and html are UTF-8 with any line ends. */
struct mime_msg {
	const char *from;	  /* "addr" or "Display Name <addr>" */
	const char *const *to;	  /* NULL-terminated mailboxes, at least one */
	const char *const *cc;	  /* NULL-terminated, or NULL */
	const char *subject;	  /* UTF-8 */
	const char *event_id;	  /* Message-ID left part (escaped as needed) */
	const char *id_domain;	  /* Message-ID right part: a host name */
	time_t date;		  /* the Date header */
	const char *text;	  /* the text/plain part */
	const char *html;	  /* NULL: text/plain only; else multipart/alternative */
	const char *const *extra; /* NULL-terminated "Name: value" ASCII lines, or NULL */
};

/* Appends the whole message (headers, blank line, body) to out. */
void mime_build(const struct mime_msg *m, struct buf *out);

/*
 * Appends "Name: value\r\n" for an unstructured header (Subject): value as
 * it is when printable ASCII, else as encoded-words; folded at 78 columns.
 */
void mime_header_text(struct buf *out, const char *name, const char *value);

/* Appends "Name: a, b\r\n" for From/To/Cc; display names encoded or quoted as needed. */
void mime_header_addrs(struct buf *out, const char *name, const char *const *mailboxes);

/* Appends "<left@domain>": the id with every non-atext byte (and '.', '=') as =XX. */
void mime_message_id(struct buf *out, const char *event_id, const char *domain);

/* Appends an RFC 5322 date in UTC ("Thu, 24 Oct 2019 06:06:00 +0000"). */
void mime_date(struct buf *out, time_t t);

/* Quoted-printable of s; line breaks (LF, CRLF, CR) become hard CRLF breaks. */
void mime_qp(struct buf *out, const char *s, size_t len);

/* Base64 of s in lines of 76 characters, each ended by CRLF. */
void mime_base64(struct buf *out, const void *s, size_t len);

/* 1 when at most a quarter of the bytes are non-ASCII (quoted-printable is then shorter). */
int mime_mostly_ascii(const char *s, size_t len);

/*
 * Splits "Display Name <addr>" or "addr" into *name (NULL when none) and
 * *addr, both allocated. Returns 0, or -1 when there is no usable address.
 */
int mime_mailbox_parse(const char *s, char **name, char **addr);

#endif
