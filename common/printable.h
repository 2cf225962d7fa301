/*
 * common/printable: make untrusted text (titles, URLs, server replies, mail
 * bodies) safe to show on a terminal or in a log, for every human-readable
 * output: logs, preview, search, status, the stdout channel and mail plain
 * text. JSON outputs stay exact and do not use it.
 *
 * Escaped: C0 controls and DEL (\xNN), C1 controls U+0080..U+009F, the bidi
 * controls U+061C, U+200E, U+200F, U+202A..U+202E, U+2066..U+2069 and the
 * line/paragraph separators U+2028, U+2029 (\u{XXXX}), and bytes that are
 * not valid UTF-8 (\xNN). Everything else, including other UTF-8, passes.
 */
#ifndef SW_PRINTABLE_H
#define SW_PRINTABLE_H

#include <stddef.h>

#include "common/buf.h"

enum printable_flags {
	PRINTABLE_LINES = 1, /* multi-line text: keep '\n' and '\t' */
};

/* Appends the first len bytes of s to b, escaped as above. */
void printable_append(struct buf *b, const char *s, size_t len, int flags);

/* s escaped as above (NULL gives ""); allocated, caller frees. */
char *printable(const char *s, int flags);

/* 1 when printable() would return s unchanged. */
int printable_is_clean(const char *s, size_t len, int flags);

#endif
