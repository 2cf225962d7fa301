/*
 * analyze/charset: which character encoding a page is in, and its conversion
 * to UTF-8. Internal to analyze/ (page.c is the public face). Pure, no I/O.
 *
 * Names returned are canonical iconv names ("UTF-8", "GB18030",
 * "WINDOWS-1252", ...), static strings, never NULL unless stated.
 */
#ifndef SW_ANALYZE_CHARSET_H
#define SW_ANALYZE_CHARSET_H

#include <stddef.h>

#include "common/buf.h"

/*
 * The canonical name for an encoding label as pages write it ("gbk",
 * " UTF8 ", "latin1", "x-sjis"), or NULL when the label is unknown
 * ("utf8mb4", "x-user-defined"): the caller then falls back.
 */
const char *charset_from_label(const char *label, size_t len);

/* The charset named by a byte order mark at the start of data, or NULL. *bom_len gets its size. */
const char *charset_from_bom(const char *data, size_t len, size_t *bom_len);

/* The charset= parameter of an HTTP Content-Type value, if known; NULL otherwise. */
const char *charset_from_content_type(const char *content_type);

/*
 * The charset of the first <meta charset> or <meta http-equiv=Content-Type>
 * with a known label in the first 4 KiB, or NULL. Comments and quoted
 * attribute values are skipped as the WHATWG prescan does.
 */
const char *charset_from_meta(const char *data, size_t len);

/* The encoding="" of an XML declaration at the start of data (after a BOM), or NULL. */
const char *charset_from_xml_decl(const char *data, size_t len);

/*
 * Full detection in the documented order: override (when known), BOM, HTTP
 * header, <meta> (skipped when skip_meta, e.g. for feeds), XML declaration;
 * then a check of the bytes (undeclared invalid UTF-8 is windows-1252).
 * *bom_len receives the number of leading bytes to drop before conversion.
 * *as_is receives 1 when the result is "UTF-8" and the bytes after the BOM
 * are valid UTF-8 without NUL, so that they need no conversion at all.
 * One pass over the bytes at most.
 */
const char *charset_detect(const char *data, size_t len, const char *content_type,
			   const char *override, int skip_meta, size_t *bom_len, int *as_is);

/*
 * 1 if data is entirely valid UTF-8 (no overlongs, surrogates or values past
 * U+10FFFF). *multibyte, when not NULL, receives how many non-ASCII
 * sequences were valid.
 */
int charset_is_utf8(const char *data, size_t len, size_t *multibyte);

/*
 * Appends data, in charset, to out as UTF-8. Sequences that cannot be
 * decoded and NUL characters become U+FFFD, never an error. Returns 0, or -1
 * when out would grow past max_out bytes or the charset has no converter.
 */
int charset_to_utf8(const char *data, size_t len, const char *charset, size_t max_out,
		    struct buf *out);

#endif
