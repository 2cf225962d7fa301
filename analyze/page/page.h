/*
 * analyze/page: bytes + Content-Type -> a UTF-8 libxml2 document. Pure, no I/O.
 *
 * Charset order: BOM, the HTTP charset= parameter, <meta charset> /
 * http-equiv, the XML declaration; unknown labels fall back rather than fail;
 * bytes that are not valid UTF-8 with no usable declaration are read as
 * windows-1252. GB2312/GBK/GB18030 decode as GB18030.
 *
 * libxml2 is set up as hardening.md says: no network, no entity expansion, an
 * external entity loader that refuses everything, documents declaring
 * entities or attribute lists rejected, depth and size limits, and no more
 * than 256 attributes in one start tag (libxml2 checks them pairwise).
 */
#ifndef SW_ANALYZE_PAGE_H
#define SW_ANALYZE_PAGE_H

#include <stddef.h>
#include <libxml/tree.h>

enum page_kind {
	PAGE_AUTO = 0, /* sniff: feed (RSS/RDF/Atom) or HTML */
	PAGE_HTML,
	PAGE_XML,
};

/* Zero fields take the defaults. XML nesting also stays capped at 256 by libxml2 (no HUGE). */
struct page_limits {
	size_t max_bytes; /* input bytes accepted (default 8 MiB) */
	int max_depth;	  /* element nesting (default 256); deeper is refused */
	size_t max_nodes; /* elements + text nodes (default 500000) */
};

/*
 * Call once at start, before any parse (xmlInitParser, the refusing entity
 * loader, the structured error sink). Idempotent.
 */
void page_init(void);

/*
 * Parses data into a document whose strings are UTF-8. content_type is the
 * HTTP header value or NULL; encoding, when not NULL, overrides detection
 * (the source's `encoding =`). kind PAGE_AUTO sniffs. limits may be NULL.
 * Returns a document the caller frees with xmlFreeDoc, or NULL with err
 * filled ("nesting deeper than 256", "feed declares entities", ...).
 * *kind_out, when not NULL, receives PAGE_HTML or PAGE_XML.
 * HTML: the contents of <script> (but JSON-LD), <style> and plain-SVG <svg>
 * are dropped before parsing (most of a page's bytes, none of its text); the
 * elements remain, empty.
 */
xmlDocPtr page_parse(const char *data, size_t len, const char *content_type, const char *encoding,
		     enum page_kind kind, const struct page_limits *limits,
		     enum page_kind *kind_out, char *err, size_t errlen);

/*
 * The charset that page_parse would use, as a canonical iconv name
 * ("UTF-8", "GB18030", "WINDOWS-1252", ...). Writes into out.
 */
void page_detect_charset(const char *data, size_t len, const char *content_type, char *out,
			 size_t outlen);

/*
 * The absolute http(s) address doc declares for itself in <head> (the
 * first <link rel="canonical"> or <meta property="og:url">), resolved against
 * page_url; NULL when none. Caller frees. A saved or mirrored copy of a page
 * links to its own site by absolute URLs: this names that site.
 */
char *page_declared_url(xmlDocPtr doc, const char *page_url);

/* 1 if data looks like an RSS, RDF or Atom feed rather than HTML. */
int page_looks_like_feed(const char *data, size_t len, const char *content_type);

#endif
