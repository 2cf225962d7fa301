/*
 * config/import: other watchers' lists read into sources (speechwatch import
 * urlwatch|opml FILE). Pure parsers of bytes already read: urlwatch's
 * urls.yaml (a bounded subset of YAML, config/import_urlwatch.c) and OPML
 * (libxml2, hardened as for feeds, config/import_opml.c). Errors are
 * "FILE:LINE: message" in a caller's buffer; nothing is printed here.
 */
#ifndef SW_IMPORT_H
#define SW_IMPORT_H

#include <stddef.h>
#include <stdint.h>

#include "common/hmap.h"

#include "config/config.h"

/* One watched address. Every string owned by the list. */
struct import_source {
	char *id;    /* safe ([A-Za-z0-9._-], at most 64) and unique in its list */
	char *url;   /* http(s), checked as the config's url key checks it */
	char *title; /* name / title, or NULL */
	char *note;  /* what could not be carried over (a urlwatch filter), or NULL */
	int feed;    /* 1: a feed (kind = rss); 0: a page (items = auto) */
	int line;    /* where it was read */
};

/* What an import found (start it zeroed) and what it left out (one "FILE:LINE: why" line each). */
struct import_list {
	struct import_source *v;
	size_t n;
	struct strlist skipped;
	/* ids given (value unused), and per stem the next suffix to try (an index into next) */
	struct hmap taken, stems;
	uint32_t *next;
	size_t nnext;
};

/* Bounds of the inputs: beyond them the import fails with a clear error. */
#define IMPORT_MAX_BYTES ((size_t)4 << 20)
#define IMPORT_MAX_SOURCES 10000

/*
 * urlwatch's urls.yaml, data[0..len): documents separated by "---", each
 * a mapping with url (or navigate), name, kind and filter (xpath/css kept
 * as a note). file names it in messages. 0 with out filled, or -1 with err
 * "FILE:LINE: why" (out is then empty).
 */
int import_urlwatch(const char *data, size_t len, const char *file, struct import_list *out,
		    char *err, size_t errlen);

/*
 * An OPML document: every <outline> (nested at any depth) with an xmlUrl
 * (a feed) or else an htmlUrl (a page). 0, or -1 with err "FILE:LINE: why".
 */
int import_opml(const char *data, size_t len, const char *file, struct import_list *out, char *err,
		size_t errlen);

/*
 * Appends a source to l: checks url (else adds to l->skipped and returns
 * 0), makes its id from title or url, unique in l. 1 added, 0 skipped.
 */
int import_add(struct import_list *l, const char *file, int line, const char *url,
	       const char *title, int feed, const char *note);

/* Keeps id from being given to an imported source (an id the configuration has). */
void import_reserve(struct import_list *l, const char *id);

void import_list_free(struct import_list *l);

#endif
