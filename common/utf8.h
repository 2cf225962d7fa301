/*
 * common/utf8: what counts as UTF-8 here (charset detection, and text a
 * database that insists on UTF-8 is given). Shortest forms only, no
 * surrogates, nothing past U+10FFFF.
 */
#ifndef SW_UTF8_H
#define SW_UTF8_H

#include <stddef.h>

/* Length of the valid UTF-8 sequence at p (1..4), or 0 if invalid or cut short by n. */
size_t utf8_seq(const unsigned char *p, size_t n);

#endif
