/*
 * analyze/page/bytes: byte-level helpers for markup scanners that work on
 * raw bytes before any parser sees them (page.c's sniffing, the HTML
 * pre-scan, the XML repair, charset.c's <meta> prescan, xpath_ext.c).
 * Positions are indices into p[0..n); a result of n means "not found, to
 * the end". The predicates are inline: the scanners call them per byte.
 */
#ifndef SW_ANALYZE_PAGE_BYTES_H
#define SW_ANALYZE_PAGE_BYTES_H

#include <stddef.h>
#include <string.h>
#include <strings.h>

/* Space, tab, LF, CR: what libxml2 skips between markup tokens. */
static inline int bytes_is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* HTML's "ASCII whitespace": bytes_is_blank and form feed. */
static inline int bytes_is_html_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* An ASCII letter. */
static inline int bytes_is_letter(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* 1 if name[0..len) is want, ignoring ASCII case. */
static inline int bytes_name_is(const char *name, size_t len, const char *want)
{
	return strlen(want) == len && strncasecmp(name, want, len) == 0;
}

/* The index of the first non-blank byte from i on (n if none). */
static inline size_t bytes_skip_ws(const char *p, size_t n, size_t i)
{
	while (i < n && bytes_is_blank(p[i]))
		i++;
	return i;
}

/* The index just after the first occurrence of end at or after i, or n. */
size_t bytes_skip_past(const char *p, size_t n, size_t i, const char *end);

/* Skips "<!DOCTYPE ...>" at i, including an internal subset in brackets. */
size_t bytes_skip_doctype(const char *p, size_t n, size_t i);

#endif
