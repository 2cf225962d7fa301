/*
 * common/htmlesc: text from the network made safe inside HTML, for the mail
 * channel's HTML part (notify/render) and the read side's pages
 * (daemon/web/html): one escape for element text and double- or
 * single-quoted attribute values alike.
 */
#ifndef SW_HTMLESC_H
#define SW_HTMLESC_H

#include <stddef.h>

#include "common/buf.h"

/* Appends at most len bytes of s (SIZE_MAX: up to its NUL; NULL: nothing)
   to out with & < > " ' as character references and C0 controls other than
   tab, newline and carriage return, and DEL, as U+FFFD: they are not
   allowed in HTML text. */
void html_escape_n(struct buf *out, const char *s, size_t len);

/* html_escape_n up to s's NUL. */
void html_escape(struct buf *out, const char *s);

#endif
