/*
 * notify/settings: the generic reader of a backend's key table. Each line
 * of a [notify] section goes through its key's type into the field the
 * row's offset names; every problem becomes one "FILE:LINE: notify 'id':"
 * line. Files named by keys (secrets, templates) are read here, once, when
 * the channel opens: notify/ owns what its keys mean, config/ only hands
 * the lines on.
 */
#include "notify/settings.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "common/parse.h"
#include "common/xmalloc.h"

#define SECRET_MAX_BYTES 4096
#define KEYS_MAX 64 /* rows in one table; rows past it are never matched */

static const char *const web_schemes[] = {"http", "https", NULL};

/* Where the value being applied came from, for its messages. */
struct origin {
	const char *file;
	int line;
};

/* One error line; suffix_line > 0 adds " (line N)" (the key a header error is about). */
static void section_verror(struct notify_section *sec, const struct origin *at, int suffix_line,
			   const char *fmt, va_list ap)
{
	const struct notify_channel_config *cfg = sec->cfg;

	buf_printf(sec->errors, "%s:%d: notify '%s': ", at->file ? at->file : "(config)", at->line,
		   cfg->id ? cfg->id : "(unnamed)");
	buf_vprintf(sec->errors, fmt, ap);
	if (suffix_line > 0)
		buf_printf(sec->errors, " (line %d)", suffix_line);
	buf_append_char(sec->errors, '\n');
	sec->nerrors++;
}

static void error_at(struct notify_section *sec, const struct origin *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void error_at(struct notify_section *sec, const struct origin *at, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	section_verror(sec, at, 0, fmt, ap);
	va_end(ap);
}

static const struct notify_line *last_line(const struct notify_section *sec, const char *key)
{
	const struct notify_line *found = NULL;

	for (size_t i = 0; key && i < sec->cfg->nlines; i++)
		if (strcmp(sec->cfg->lines[i].key, key) == 0)
			found = &sec->cfg->lines[i];
	return found;
}

int notify_section_line(const struct notify_section *sec, const char *key)
{
	const struct notify_line *l = last_line(sec, key);

	return l ? l->line : sec->cfg->line;
}

static int key_index(const struct notify_key *keys, const char *name);

/* 1 if the parser reported key: its field holds no value of the config's. */
static int key_in_error(const struct notify_section *sec, const char *key)
{
	int i = key && sec->keys ? key_index(sec->keys, key) : -1;

	return i >= 0 && (sec->bad_keys >> i & 1u);
}

void notify_section_error(struct notify_section *sec, const char *key, const char *fmt, ...)
{
	const struct notify_line *l = last_line(sec, key);
	struct origin hdr = {sec->cfg->file, sec->cfg->line};
	va_list ap;

	if (key_in_error(sec, key))
		return;
	va_start(ap, fmt);
	section_verror(sec, &hdr, l && l->line != hdr.line ? l->line : 0, fmt, ap);
	va_end(ap);
}

/* ---- files named by keys ---------------------------------------------------- */

/* A private file's first line (a secret, a password); NULL with an error at the header. */
static char *read_secret(struct notify_section *sec, const struct notify_key *k, const char *path)
{
	struct origin hdr = {sec->cfg->file, sec->cfg->line};
	char buf[SECRET_MAX_BYTES + 1];
	char *out = NULL;
	struct stat st;
	size_t len;
	FILE *f;

	if (stat(path, &st) != 0 || (f = fopen(path, "r")) == NULL) {
		error_at(sec, &hdr, "%s '%s': %s", k->name, path, strerror(errno));
		return NULL;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		fclose(f);
		error_at(sec, &hdr, "%s '%s' is readable by group or others (chmod 600)", k->name,
			 path);
		return NULL;
	}
	len = fread(buf, 1, SECRET_MAX_BYTES, f);
	fclose(f);
	buf[len] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	if (buf[0] == '\0')
		error_at(sec, &hdr, "%s '%s' is empty", k->name, path);
	else
		out = xstrdup(buf);
	explicit_bzero(buf, sizeof(buf));
	return out;
}

/* A whole text file of at most k->max bytes; NULL with an error at the header. */
static char *read_text(struct notify_section *sec, const struct notify_key *k, const char *path)
{
	struct origin hdr = {sec->cfg->file, sec->cfg->line};
	FILE *f = fopen(path, "r");
	char chunk[4096];
	struct buf b;
	size_t len;

	if (f == NULL) {
		error_at(sec, &hdr, "%s '%s': %s", k->name, path, strerror(errno));
		return NULL;
	}
	buf_init(&b);
	while ((len = fread(chunk, 1, sizeof(chunk), f)) > 0 && b.len < (size_t)k->max)
		buf_append(&b, chunk, len);
	fclose(f);
	if (b.len >= (size_t)k->max) {
		error_at(sec, &hdr, "%s '%s' is larger than %.0f bytes", k->name, path, k->max - 1);
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b);
}

/* ---- values --------------------------------------------------------------- */

/* scheme://host...: the scheme one of names (NULL: http, https), a host, no blanks. */
static int url_ok(const struct notify_key *k, const char *v)
{
	const char *const *schemes = k->names ? k->names : web_schemes;
	const char *p = strstr(v, "://");
	int known = 0;

	if (p == NULL)
		return 0;
	for (size_t i = 0; schemes[i]; i++)
		known |= strlen(schemes[i]) == (size_t)(p - v) &&
			 strncasecmp(v, schemes[i], (size_t)(p - v)) == 0;
	p += 3;
	return known && *p != '\0' && *p != '/' && *p != ':' &&
	       strpbrk(v, " \t\"<>\\^`{|}") == NULL;
}

static void url_error(struct notify_section *sec, const struct origin *at,
		      const struct notify_key *k, const char *v)
{
	const char *const *schemes = k->names ? k->names : web_schemes;
	struct buf b;

	buf_init(&b);
	for (int i = 0; schemes[i]; i++)
		buf_printf(&b, "%s%s", i ? " or " : "", schemes[i]);
	if (k->flags & NOTIFY_KEY_SECRET)
		error_at(sec, at, "%s: not an %s URL with a host (not quoted: a credential)",
			 k->name, buf_str(&b));
	else
		error_at(sec, at, "%s: bad URL '%s' (%s, with a host)", k->name, v, buf_str(&b));
	buf_free(&b);
}

static void enum_error(struct notify_section *sec, const struct origin *at,
		       const struct notify_key *k, const char *v)
{
	struct buf b;

	buf_init(&b);
	for (int i = 0; k->names[i]; i++)
		buf_printf(&b, "%s%s", i ? ", " : "", k->names[i]);
	error_at(sec, at, "%s: must be one of: %s (not '%s')", k->name, buf_str(&b), v);
	buf_free(&b);
}

static int apply_enum(struct notify_section *sec, const struct origin *at,
		      const struct notify_key *k, const char *v, int *field)
{
	for (int i = 0; k->names[i]; i++)
		if (strcmp(v, k->names[i]) == 0)
			return *field = i, 0;
	enum_error(sec, at, k, v);
	return -1;
}

static int apply_number(struct notify_section *sec, const struct origin *at,
			const struct notify_key *k, const char *v, void *field)
{
	int dur = k->type == NOTIFY_KEY_DURATION;
	double d;

	if (dur ? parse_duration(v, &d) : parse_number(v, &d)) {
		if (dur)
			error_at(sec, at, "%s: bad duration '%s' (use e.g. 90s, 10m, 2h, 1d)",
				 k->name, v);
		else
			error_at(sec, at, "%s: '%s' is not a number", k->name, v);
		return -1;
	}
	if (d < k->min || d > k->max) {
		error_at(sec, at, "%s: %s out of range (%g..%g%s)", k->name, v, k->min, k->max,
			 dur ? " seconds" : "");
		return -1;
	}
	if (dur) {
		*(double *)field = d;
	} else if (d != floor(d)) {
		error_at(sec, at, "%s: '%s' is not a whole number", k->name, v);
		return -1;
	} else {
		*(long *)field = (long)d;
	}
	return 0;
}

static void list_add(char ***field, const char *v)
{
	size_t n = 0;

	while (*field && (*field)[n])
		n++;
	*field = xreallocarray(*field, n + 2, sizeof(**field));
	(*field)[n] = xstrdup(v);
	(*field)[n + 1] = NULL;
}

/* The string a string-typed key stores, or NULL after an error. */
static char *string_value(struct notify_section *sec, const struct origin *at,
			  const struct notify_key *k, const char *v)
{
	char *path, *out;

	switch (k->type) {
	case NOTIFY_KEY_URL:
		if (url_ok(k, v))
			return xstrdup(v);
		url_error(sec, at, k, v);
		return NULL;
	case NOTIFY_KEY_PATH:
		return parse_path_relative(at->file, v);
	case NOTIFY_KEY_SECRET_FILE:
	case NOTIFY_KEY_TEXT_FILE:
		path = parse_path_relative(at->file, v);
		out = k->type == NOTIFY_KEY_SECRET_FILE ? read_secret(sec, k, path)
							: read_text(sec, k, path);
		free(path);
		return out;
	default:
		return xstrdup(v);
	}
}

static void free_field(const struct notify_key *k, void *field)
{
	char **s = field;
	char ***l = field;

	switch (k->type) {
	case NOTIFY_KEY_SECRET_FILE:
		if (*s)
			explicit_bzero(*s, strlen(*s));
		/* fall through */
	case NOTIFY_KEY_STRING:
	case NOTIFY_KEY_URL:
	case NOTIFY_KEY_PATH:
	case NOTIFY_KEY_TEXT_FILE:
		free(*s);
		*s = NULL;
		break;
	case NOTIFY_KEY_LIST:
		for (size_t i = 0; *l && (*l)[i]; i++)
			free((*l)[i]);
		free(*l);
		*l = NULL;
		break;
	default:
		break;
	}
}

/* Stores v into k's field of out; 0, or -1 with an error at at. */
static int apply_value(struct notify_section *sec, const struct origin *at,
		       const struct notify_key *k, const char *v, char *out)
{
	void *field = out + k->offset;
	char *s;

	switch (k->type) {
	case NOTIFY_KEY_BOOL:
		if (parse_bool(v, field) == 0)
			return 0;
		error_at(sec, at, "%s: '%s' is not yes or no", k->name, v);
		return -1;
	case NOTIFY_KEY_LONG:
	case NOTIFY_KEY_DURATION:
		return apply_number(sec, at, k, v, field);
	case NOTIFY_KEY_ENUM:
		return apply_enum(sec, at, k, v, field);
	case NOTIFY_KEY_LIST:
		list_add(field, v);
		return 0;
	default:
		s = string_value(sec, at, k, v);
		if (s == NULL)
			return -1;
		free_field(k, field);
		*(char **)field = s;
		return 0;
	}
}

/* ---- the section ------------------------------------------------------------ */

static int key_index(const struct notify_key *keys, const char *name)
{
	for (int i = 0; keys && keys[i].name && i < KEYS_MAX; i++)
		if (strcmp(keys[i].name, name) == 0)
			return i;
	return -1;
}

static void unknown_key(struct notify_section *sec, const struct origin *at,
			const struct notify_key *keys, const char *name)
{
	static const struct notify_key none[] = {{.name = NULL}};
	const struct notify_key *t = keys ? keys : none;
	const char *hint = parse_nearest(name, &t[0].name, sizeof(t[0]));

	if (hint)
		error_at(sec, at, "unknown key '%s' (did you mean '%s'?)", name, hint);
	else
		error_at(sec, at, "unknown key '%s' in [notify] of type %s", name,
			 sec->cfg->type ? sec->cfg->type : "?");
}

/* One line: known, not repeated unless a list, not empty; then its value. */
static void apply_line(struct notify_section *sec, const struct notify_key *keys,
		       const struct notify_line *l, int *set_lines, char *out)
{
	struct origin at = {l->file ? l->file : sec->cfg->file, l->line};
	int i = key_index(keys, l->key);

	if (i < 0) {
		unknown_key(sec, &at, keys, l->key);
		return;
	}
	if (set_lines[i] && keys[i].type != NOTIFY_KEY_LIST) {
		error_at(sec, &at, "duplicate key '%s' (first set at line %d)", l->key,
			 set_lines[i]);
		return;
	}
	if (l->value == NULL || l->value[0] == '\0') {
		error_at(sec, &at, "%s: empty value", l->key);
		return;
	}
	if (!set_lines[i])
		set_lines[i] = l->line;
	if (apply_value(sec, &at, &keys[i], l->value, out) < 0)
		sec->bad_keys |= 1ull << i;
}

int notify_settings_parse(struct notify_section *sec, const struct notify_key *keys, void *out)
{
	struct origin hdr = {sec->cfg->file, sec->cfg->line};
	int set_lines[KEYS_MAX] = {0};
	size_t before = sec->nerrors;

	sec->keys = keys;
	sec->bad_keys = 0;
	for (int i = 0; keys && keys[i].name && i < KEYS_MAX; i++)
		if (keys[i].def && apply_value(sec, &hdr, &keys[i], keys[i].def, out) < 0) {
			error_at(sec, &hdr, "%s: the built-in default does not parse",
				 keys[i].name);
			sec->bad_keys |= 1ull << i;
		}
	for (size_t i = 0; i < sec->cfg->nlines; i++)
		apply_line(sec, keys, &sec->cfg->lines[i], set_lines, out);
	for (int i = 0; keys && keys[i].name && i < KEYS_MAX; i++)
		if ((keys[i].flags & NOTIFY_KEY_REQUIRED) && set_lines[i] == 0) {
			error_at(sec, &hdr, "%s: missing (type %s needs '%s')", keys[i].name,
				 sec->cfg->type, keys[i].name);
			sec->bad_keys |= 1ull << i;
		}
	return sec->nerrors > before ? -1 : 0;
}

int notify_settings_usable(const struct notify_section *sec)
{
	const struct notify_key *keys = sec->keys;

	for (int i = 0; keys && keys[i].name && i < KEYS_MAX; i++)
		if ((keys[i].flags & NOTIFY_KEY_REQUIRED) && (sec->bad_keys >> i & 1u))
			return 0;
	return 1;
}

void notify_settings_free(const struct notify_key *keys, void *out)
{
	for (int i = 0; out && keys && keys[i].name; i++)
		free_field(&keys[i], (char *)out + keys[i].offset);
}
