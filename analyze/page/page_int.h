/*
 * analyze/page internals: page.c (detection and the parse) uses the HTML
 * pre-scan of page_prescan.c and the XML repair of page_repair.c. Not a
 * public interface: callers use page.h.
 */
#ifndef SW_ANALYZE_PAGE_INT_H
#define SW_ANALYZE_PAGE_INT_H

#include <stddef.h>

#include "common/buf.h"

/* A range of bytes: the contents of one element. */
struct raw_cut {
	size_t start, end;
};

/* Where the scan is; svg_floor: no <svg> before it can be dropped (a check failed past it). */
struct raw_scan {
	size_t pos, svg_floor;
};

/*
 * page_prescan.c. Finds the next contents to drop (script, style, plain
 * SVG) from s->pos on. Returns 1 and fills cut (s->pos goes after it), or
 * 0 when there are no more. Start with s = {0, 0}.
 */
int page_raw_next(const char *p, size_t n, struct raw_scan *s, struct raw_cut *cut);

/*
 * Copies src[0..n) to dst without the contents page_raw_next finds, the
 * first of which is cut. dst may be src. Returns the length written.
 */
size_t page_raw_strip(const char *src, size_t n, struct raw_cut cut, struct raw_scan *s, char *dst);

/* The most attributes a start tag in HTML p[0..n) has, as libxml2 will parse it. */
size_t page_html_max_attrs(const char *p, size_t n);

/*
 * Skips the attributes of a start tag from p[i] as libxml2 reads them,
 * counting them into *count. Returns the index of its '>' or "/>", or n.
 */
size_t page_count_attrs(const char *p, size_t n, size_t i, size_t *count);

/* The end of the HTML name starting at p[i] (libxml2's htmlParseHTMLName). */
size_t page_name_end(const char *p, size_t n, size_t i);

/*
 * page_repair.c. Appends p[0..n) to out repaired for libxml2's XML parser:
 * undeclared HTML entities, bare '&' and control characters fixed,
 * comments dropped.
 */
void page_xml_repair(const char *p, size_t n, struct buf *out);

/* The most attributes a start tag in XML p[0..n) may have. */
size_t page_xml_max_attrs(const char *p, size_t n);

#endif
