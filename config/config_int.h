/* Internal to config/: the parse state shared by the reader, keys and checks. */
#ifndef SW_CONFIG_INT_H
#define SW_CONFIG_INT_H

#include <stdarg.h>

#include "common/hmap.h"
#include "config/config.h"

enum section_type { SEC_NONE, SEC_DAEMON, SEC_SOURCE, SEC_THEME, SEC_NOTIFY, SEC_HTTP };

#define CONFIG_MAX_KEYS 48
#define CONFIG_MAX_INCLUDE_DEPTH 8

struct parse_state {
	struct config *cfg;
	struct buf *errors;
	size_t nerrors;
	const char *file; /* current file, interned in cfg->files */
	int line;	  /* current line in that file */
	enum section_type sec;
	size_t sec_index;    /* index into the array of sec's type */
	int sec_ok;	     /* 0 after a broken header: its keys are skipped */
	int sec_line;	     /* line of the current section's header */
	int *set_lines;	     /* per key of the current section: line where set, 0 if unset */
	int depth;	     /* include nesting */
	struct strlist read; /* canonical paths of the files read so far */
	int daemon_seen_at;  /* line of the first [daemon], for messages */
	struct hmap ids[3];  /* source, theme, notify id -> index: duplicates in O(1) */
	unsigned flags;	     /* enum config_load_flags */
};

/* Appends "FILE:LINE: message" for the current position. */
void config_error(struct parse_state *ps, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Same at an explicit origin. */
void config_error_at(struct parse_state *ps, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/*
 * Appends "FILE:LINE: notice: message" for the current position: something
 * check reports that is no error (it does not count in nerrors, and a load
 * with only notices succeeds).
 */
void config_notice(struct parse_state *ps, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* config.c: frees what a theme owns and zeroes it. */
void config_theme_clear(struct config_theme *t);

/* keys.c: opens a section ("source \"id\"" without brackets) at the current line. */
void config_open_section(struct parse_state *ps, const char *header);
/* keys.c: applies one key = value to the current section. */
void config_apply_key(struct parse_state *ps, const char *name, const char *value);
/* keys.c: checks required keys of the current section and closes it. */
void config_close_section(struct parse_state *ps);
/* keys.c: section defaults for objects created outside a header (none yet). */
void config_daemon_defaults(struct config_daemon *d);

/* file.c: parses one file (and its includes) into ps. */
void config_parse_file(struct parse_state *ps, const char *path, const char *from_file,
		       int from_line);

/* validate.c: compiles an XPath; reports at the current line. 0 ok, -1 bad. */
int config_check_xpath(struct parse_state *ps, const char *key, const char *expr);
/* validate.c: cross-section checks once everything is read. */
void config_validate(struct parse_state *ps);

/*
 * validate.c: the first line of the secret file at path (private to its
 * owner, a regular file, at most max bytes); NULL with why set. Caller
 * frees (and clears).
 */
char *config_read_secret(const char *path, size_t max, char *why, size_t whylen);

/* http.c: checks [http] (listen, access) and reads its token_file. */
void config_check_http(struct parse_state *ps);

/* source_state.c: applies STATE_DIR/sources.state to the sources read. */
void config_apply_source_state(struct parse_state *ps);

/* util.c */
/* Slots to allocate for n elements of a list that grows by doubling (at least 8). */
size_t config_grow_slots(size_t n);
/* Path of rel relative to the directory of file (rel unchanged if absolute). */
char *config_path_relative(const char *file, const char *rel);

#endif
