/*
 * analyze/pdf: the statement's text of a PDF document. Pure: bytes in,
 * text out, no I/O; reads the document with Poppler's GLib API and rebuilds
 * what a reader sees from the lines' boxes: reading order (columns by the
 * x gaps between line boxes, right to left for a right-to-left document),
 * words hyphenated at line ends joined, running headers, footers and page
 * numbers that repeat on most pages removed, paragraphs rebuilt.
 *
 * Poppler is a large parser of hostile input: the daemon and the commands
 * call pdf_read only in a child process with rlimits (daemon/pdf_child.c).
 */
#ifndef SW_ANALYZE_PDF_H
#define SW_ANALYZE_PDF_H

#include <stddef.h>

#define PDF_MAX_BYTES (64u * 1024 * 1024) /* a larger document is refused */
#define PDF_MAX_PAGES 200		  /* pages read; the rest is ignored */
#define PDF_MAX_TEXT (4u * 1024 * 1024)	  /* bytes of text kept */

/* The result of pdf_read; every string owned, release with pdf_doc_free. */
struct pdf_doc {
	char *title;	   /* the document's Title, or NULL */
	char *date;	   /* CreationDate (else ModDate), ISO 8601 with offset, or NULL */
	char *text;	   /* paragraphs separated by "\n\n"; never NULL after success */
	size_t pages;	   /* pages in the document */
	size_t pages_read; /* pages read (at most PDF_MAX_PAGES) */
	int truncated;	   /* 1 when the text was cut at PDF_MAX_TEXT */
};

/* 1 when data starts with the PDF signature "%PDF-" (after at most a BOM-free 1 KiB of junk). */
int pdf_sniff(const char *data, size_t len);

/*
 * Reads the PDF data[0..len) (borrowed). Returns 0 and fills out, or -1
 * with err filled ("not a PDF: no %PDF- signature", "encrypted: a password
 * is needed", "damaged: ...", "larger than ... bytes"). A document without
 * any text (a scan) is a success with text "".
 */
int pdf_read(const char *data, size_t len, struct pdf_doc *out, char *err, size_t errlen);

/* Words in text as the article extractor counts them (a CJK character is one). */
size_t pdf_count_words(const char *text);

/* Frees the strings of d and zeroes it; NULL-safe, idempotent. */
void pdf_doc_free(struct pdf_doc *d);

#endif
