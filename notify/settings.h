/*
 * notify/settings (internal to notify/): a backend's configuration keys as
 * a table, and the one parser that reads a [notify "id"] section's raw
 * "key = value" lines into the backend's own struct. config/ keeps only the
 * keys every channel shares (type, themes, sources, min_score, retry_for,
 * digest) and hands every other line on with its FILE:LINE; the backend's
 * table decides what they mean. Errors are "FILE:LINE: notify 'id': msg"
 * lines, all of them collected, never printed here.
 */
#ifndef SW_NOTIFY_SETTINGS_H
#define SW_NOTIFY_SETTINGS_H

#include <stddef.h>

#include "common/buf.h"

#include "notify/notify.h"

/* What a key's value is, and the C type of the field it fills. */
enum notify_key_type {
	NOTIFY_KEY_STRING,	/* char *: one line of text */
	NOTIFY_KEY_URL,		/* char *: scheme in names ("http", "https"), with a host */
	NOTIFY_KEY_PATH,	/* char *: relative to the config file that names it */
	NOTIFY_KEY_SECRET_FILE, /* char *: first line of a private file (mode 600), wiped on free */
	NOTIFY_KEY_TEXT_FILE,	/* char *: a whole UTF-8 file of at most max bytes */
	NOTIFY_KEY_BOOL,	/* int: yes/no, true/false, on/off, 1/0 */
	NOTIFY_KEY_LONG,	/* long: a whole number within [min, max] */
	NOTIFY_KEY_DURATION,	/* double seconds within [min, max]: 90s, 10m, 2h, 1d */
	NOTIFY_KEY_LIST,	/* char **, NULL-terminated: the key repeated, one entry a line */
	NOTIFY_KEY_ENUM,	/* int: index of the value in names */
};

/*
 * One row of a backend's key table (at most 64 rows); a table ends with a
 * row whose name is NULL. offset is the field in the struct the parser fills (the backend's
 * priv, see notify_int.h). def is the default as it would be written in a
 * config file (NULL: the field stays zero / NULL). help is one sentence for
 * people: speechwatch.conf(5) documents every key of every table.
 */
struct notify_key {
	const char *name;
	enum notify_key_type type;
	size_t offset;
	const char *def;
	double min, max;	  /* LONG, DURATION: bounds; TEXT_FILE: max bytes */
	const char *const *names; /* ENUM: the values; URL: the schemes (NULL-terminated) */
	unsigned flags;		  /* NOTIFY_KEY_REQUIRED, NOTIFY_KEY_SECRET; 0: none */
	const char *help;
};

/* flags: absent is an error, "key: missing (type T needs 'key')". */
#define NOTIFY_KEY_REQUIRED 1u
/*
 * flags, URL: the value holds a credential (a chat webhook's token): an
 * error says what is wrong with it but never quotes it.
 */
#define NOTIFY_KEY_SECRET 2u

/*
 * The section being read: the channel's config and the errors so far. A
 * backend's open() reports its own checks through notify_section_error().
 */
struct notify_section {
	const struct notify_channel_config *cfg;
	struct buf *errors; /* "FILE:LINE: notify 'id': message\n" lines */
	size_t nerrors;
	/* Set by notify_settings_parse(): the table, and bit i for each keys[i] in error. */
	const struct notify_key *keys;
	unsigned long long bad_keys;
};

/*
 * Fills out (a zeroed struct the table's offsets point into) from the
 * section's lines: defaults first, then each line through its key's type.
 * An unknown key (with a "did you mean" hint), a repeated key that is not
 * a LIST, an empty value, a bad value or bound, a missing required key, an
 * unreadable file: each one error at its line (missing keys and file
 * errors at the section's header, as check always reported them). Returns
 * 0, or -1 when any error was added. out must be released with
 * notify_settings_free() either way. A key in error keeps its default (or
 * NULL), as if it were absent, and is remembered in sec.
 */
int notify_settings_parse(struct notify_section *sec, const struct notify_key *keys, void *out);

/*
 * After a failed parse: 1 if the backend's own checks may still run on out,
 * because every required key has a value; what they say about a key in
 * error is then dropped (its value was never read). 0 otherwise.
 */
int notify_settings_usable(const struct notify_section *sec);

/* Frees what notify_settings_parse() put into out; secrets are wiped first. */
void notify_settings_free(const struct notify_key *keys, void *out);

/* Line of key in the section (its last occurrence), or the header's line when absent. */
int notify_section_line(const struct notify_section *sec, const char *key);

/*
 * Appends "FILE:LINE: notify 'id': " + the message + " (line N)" with N the
 * line of key (NULL or absent: no suffix). LINE is the section's header:
 * what the backend judges beyond a key's type has always been reported
 * there, and check's output is a contract. Nothing is added for a key the
 * parser already reported (notify_settings_usable()).
 */
void notify_section_error(struct notify_section *sec, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
