/*
 * The key tables: one row per key (name, type, bounds, default is set by the
 * section's defaults function), and the code that applies a key = value line
 * to the section being read.
 */
#include <ctype.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "common/parse.h"
#include "common/xmalloc.h"
#include "config/config_int.h"

enum key_type {
	KT_STRING,   /* char * */
	KT_URL,	     /* char *, http(s) (or socks5 for proxy) */
	KT_PATH,     /* char *, relative to the config file */
	KT_BOOL,     /* int */
	KT_LONG,     /* long within [min, max] */
	KT_DOUBLE,   /* double within [min, max] */
	KT_DURATION, /* double seconds within [min, max] */
	KT_ENUM,     /* int index into names */
	KT_XPATH,    /* char *, checked in validate.c */
	KT_GLOBS,    /* struct strlist from a comma-separated value */
	KT_MULTI,    /* struct strlist, one entry per line (repeatable) */
	KT_PHRASE,   /* theme phrase: "WEIGHT text" (repeatable) */
	KT_DATABASE, /* char *, a store location (database_location) */
};

struct key_def {
	const char *name;
	enum key_type type;
	size_t offset;
	double min, max;
	const char *const *names; /* KT_ENUM */
	int required;
};

static const char *const kind_names[] = {"auto", "html", "rss", "atom", NULL};
static const char *const first_poll_names[] = {"baseline", "alert", "archive", NULL};
static const char *const render_names[] = {"no", "browser", NULL}; /* enum config_render */

#define D(f) offsetof(struct config_daemon, f)
static const struct key_def daemon_keys[] = {
    {"state_dir", KT_PATH, D(state_dir), 0, 0, NULL, 0},
    {"user_agent", KT_STRING, D(user_agent), 0, 0, NULL, 0},
    {"max_connections", KT_LONG, D(max_connections), 1, 1024, NULL, 0},
    {"max_per_host", KT_LONG, D(max_per_host), 1, 64, NULL, 0},
    {"first_poll", KT_ENUM, D(first_poll), 0, 0, first_poll_names, 0},
    {"archive_max", KT_LONG, D(archive_max), 1, 1000, NULL, 0},
    {"allow_private", KT_BOOL, D(allow_private), 0, 0, NULL, 0},
    {"recheck_days", KT_LONG, D(recheck_days), 0, 36500, NULL, 0},
    {"keep_raw_days", KT_LONG, D(keep_raw_days), 0, 36500, NULL, 0},
    {"keep_text_days", KT_LONG, D(keep_text_days), 0, 36500, NULL, 0},
    {"fail_after", KT_LONG, D(fail_after), 1, 1000, NULL, 0},
    {"proxy", KT_URL, D(proxy), 0, 0, NULL, 0},
    {"watchdog_interval", KT_DURATION, D(watchdog_interval), 1, 3600, NULL, 0},
    {"timeout", KT_DURATION, D(timeout), 1, 3600, NULL, 0},
    {"connect_timeout", KT_DURATION, D(connect_timeout), 1, 300, NULL, 0},
    {"low_speed_time", KT_DURATION, D(low_speed_time), 1, 600, NULL, 0},
    {"browser", KT_PATH, D(browser), 0, 0, NULL, 0},
    {"max_renders", KT_LONG, D(max_renders), 1, 16, NULL, 0},
    {"database", KT_DATABASE, D(database), 0, 0, NULL, 0},
    {"lease_ttl", KT_DURATION, D(lease_ttl), 3, 3600, NULL, 0},
    {NULL, 0, 0, 0, 0, NULL, 0},
};
#undef D

#define S(f) offsetof(struct config_source, f)
static const struct key_def source_keys[] = {
    {"url", KT_URL, S(url), 0, 0, NULL, 1},
    {"kind", KT_ENUM, S(kind), 0, 0, kind_names, 0},
    {"items", KT_XPATH, S(items), 0, 0, NULL, 0},
    {"link", KT_XPATH, S(link), 0, 0, NULL, 0},
    {"title", KT_XPATH, S(title), 0, 0, NULL, 0},
    {"date", KT_XPATH, S(date), 0, 0, NULL, 0},
    {"body", KT_XPATH, S(body), 0, 0, NULL, 0},
    {"exclude", KT_MULTI, S(exclude), 0, 0, NULL, 0},
    {"headers", KT_MULTI, S(headers), 0, 0, NULL, 0},
    {"date_format", KT_STRING, S(date_format), 0, 0, NULL, 0},
    {"encoding", KT_STRING, S(encoding), 0, 0, NULL, 0},
    {"proxy", KT_URL, S(proxy), 0, 0, NULL, 0},
    {"password_file", KT_PATH, S(password_file), 0, 0, NULL, 0},
    {"language", KT_STRING, S(language), 0, 0, NULL, 0},
    {"themes", KT_GLOBS, S(themes), 0, 0, NULL, 0},
    {"interval", KT_DURATION, S(interval), 10, 7 * 86400, NULL, 0},
    {"max_items", KT_LONG, S(max_items), 1, 10000, NULL, 0},
    {"recheck_days", KT_LONG, S(recheck_days), 0, 36500, NULL, 0},
    {"first_poll", KT_ENUM, S(first_poll), 0, 0, first_poll_names, 0},
    {"archive_max", KT_LONG, S(archive_max), 1, 1000, NULL, 0},
    {"allow_private", KT_BOOL, S(allow_private), 0, 0, NULL, 0},
    {"offsite", KT_BOOL, S(offsite), 0, 0, NULL, 0},
    {"enabled", KT_BOOL, S(enabled), 0, 0, NULL, 0},
    {"render", KT_ENUM, S(render), 0, 0, render_names, 0},
    {"render_articles", KT_BOOL, S(render_articles), 0, 0, NULL, 0},
    {NULL, 0, 0, 0, 0, NULL, 0},
};
#undef S

#define T(f) offsetof(struct config_theme, f)
static const struct key_def theme_keys[] = {
    {"label", KT_STRING, T(label), 0, 0, NULL, 0},
    {"threshold", KT_DOUBLE, T(threshold), 0, 1, NULL, 0},
    {"phrase", KT_PHRASE, 0, -100, 100, NULL, 1},
    {"requires", KT_MULTI, T(requires), 0, 0, NULL, 0},
    {"excludes", KT_MULTI, T(excludes), 0, 0, NULL, 0},
    {NULL, 0, 0, 0, 0, NULL, 0},
};
#undef T

/*
 * [notify]: only what every channel shares. Any other key is kept as a raw
 * line for the channel type's own table (notify/), which reports unknown
 * ones with their FILE:LINE.
 */
#define N(f) offsetof(struct config_notify, f)
static const struct key_def notify_keys[] = {
    {"type", KT_STRING, N(type), 0, 0, NULL, 1},
    {"themes", KT_GLOBS, N(themes), 0, 0, NULL, 0},
    {"sources", KT_GLOBS, N(sources), 0, 0, NULL, 0},
    {"min_score", KT_DOUBLE, N(min_score), 0, 1, NULL, 0},
    {"retry_for", KT_DURATION, N(retry_for), 60, 30 * 86400, NULL, 0},
    {"digest", KT_DURATION, N(digest), 60, 7 * 86400, NULL, 0},
    {NULL, 0, 0, 0, 0, NULL, 0},
};
#undef N

#define H(f) offsetof(struct config_http, f)
static const struct key_def http_keys[] = {
    {"listen", KT_STRING, H(listen), 0, 0, NULL, 0},
    {"token_file", KT_PATH, H(token_file), 0, 0, NULL, 0},
    {"allow_anonymous", KT_BOOL, H(allow_anonymous), 0, 0, NULL, 0},
    {NULL, 0, 0, 0, 0, NULL, 0},
};
#undef H

static const char *const section_names[] = {"",	      "daemon", "source", "theme",
					    "notify", "http",	NULL};

static const struct key_def *section_keys(enum section_type sec)
{
	switch (sec) {
	case SEC_DAEMON:
		return daemon_keys;
	case SEC_SOURCE:
		return source_keys;
	case SEC_THEME:
		return theme_keys;
	case SEC_NOTIFY:
		return notify_keys;
	case SEC_HTTP:
		return http_keys;
	default:
		return NULL;
	}
}

void config_daemon_defaults(struct config_daemon *d)
{
	d->state_dir = xstrdup("/var/lib/speechwatch");
	d->user_agent = xasprintf("speechwatch/%s (+https://example.org/speechwatch)", SW_VERSION);
	d->max_connections = 32;
	d->max_per_host = 2;
	d->first_poll = FIRST_POLL_BASELINE;
	d->archive_max = 50;
	d->allow_private = 0;
	d->recheck_days = 3;
	d->fail_after = 5;
	d->timeout = 60;
	d->connect_timeout = 15;
	d->low_speed_time = 20;
	d->max_renders = 1;
	d->lease_ttl = 30;
}

static void source_defaults(struct config_source *s)
{
	s->interval = 600;
	s->recheck_days = -1;
	s->allow_private = -1;
	s->first_poll = -1;
	s->archive_max = -1;
	s->enabled = 1;
}

static void theme_defaults(struct config_theme *t)
{
	t->threshold = 0.35;
}

static void notify_defaults(struct config_notify *n)
{
	n->retry_for = 72 * 3600;
}

/* The struct the current section's keys write into. */
static void *section_object(struct parse_state *ps)
{
	struct config *cfg = ps->cfg;

	switch (ps->sec) {
	case SEC_DAEMON:
		return &cfg->daemon;
	case SEC_SOURCE:
		return &cfg->sources[ps->sec_index];
	case SEC_THEME:
		return &cfg->themes[ps->sec_index];
	case SEC_NOTIFY:
		return &cfg->notifies[ps->sec_index];
	case SEC_HTTP:
		return &cfg->http;
	default:
		return NULL;
	}
}

static int valid_id(const char *id)
{
	if (*id == '\0' || strlen(id) > 64)
		return 0;
	for (const char *p = id; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_' && *p != '.')
			return 0;
	return 1;
}

/* The map of ids of sec's type (source, theme or notify). */
static struct hmap *id_map(struct parse_state *ps, enum section_type sec)
{
	return &ps->ids[sec == SEC_SOURCE ? 0 : sec == SEC_THEME ? 1 : 2];
}

/* Where id of sec's type was first defined, or NULL when it is new. */
static const struct config_origin *id_taken(struct parse_state *ps, enum section_type sec,
					    const char *id)
{
	const struct config *cfg = ps->cfg;
	size_t n = strlen(id);
	const uint32_t *i = hmap_get(id_map(ps, sec), id, n, hmap_hash(id, n));

	if (i == NULL)
		return NULL;
	return sec == SEC_SOURCE  ? &cfg->sources[*i].at
	       : sec == SEC_THEME ? &cfg->themes[*i].at
				  : &cfg->notifies[*i].at;
}

/*
 * Room for n + 1 elements of size sz in *v (holding n): grows by doubling,
 * so that 10,000 sections cost no quadratic copying (under AddressSanitizer,
 * whose realloc always copies, one-by-one growth took a minute).
 */
static void *grow_for(void *v, size_t n, size_t sz)
{
	if (v != NULL && config_grow_slots(n + 1) == config_grow_slots(n))
		return v;
	return xreallocarray(v, config_grow_slots(n + 1), sz);
}

/* Appends a zeroed object for sec with its defaults; returns its index. */
static size_t section_append(struct parse_state *ps, enum section_type sec, const char *id)
{
	struct config *cfg = ps->cfg;
	struct config_origin at = {ps->file, ps->line};
	size_t i;

	if (sec == SEC_SOURCE) {
		cfg->sources = grow_for(cfg->sources, cfg->nsources, sizeof(*cfg->sources));
		i = cfg->nsources++;
		memset(&cfg->sources[i], 0, sizeof(cfg->sources[i]));
		source_defaults(&cfg->sources[i]);
		cfg->sources[i].id = xstrdup(id);
		cfg->sources[i].at = at;
	} else if (sec == SEC_THEME) {
		cfg->themes = grow_for(cfg->themes, cfg->nthemes, sizeof(*cfg->themes));
		i = cfg->nthemes++;
		memset(&cfg->themes[i], 0, sizeof(cfg->themes[i]));
		theme_defaults(&cfg->themes[i]);
		cfg->themes[i].id = xstrdup(id);
		cfg->themes[i].at = at;
	} else {
		cfg->notifies = grow_for(cfg->notifies, cfg->nnotifies, sizeof(*cfg->notifies));
		i = cfg->nnotifies++;
		memset(&cfg->notifies[i], 0, sizeof(cfg->notifies[i]));
		notify_defaults(&cfg->notifies[i]);
		cfg->notifies[i].id = xstrdup(id);
		cfg->notifies[i].at = at;
	}
	return i;
}

/* Splits 'type "id"' into its parts; returns 0 or -1 with a message. */
static int split_header(struct parse_state *ps, const char *header, char **type, char **id)
{
	const char *q = strchr(header, '"');
	const char *end;

	*id = NULL;
	if (q == NULL) {
		*type = xstrdup(header);
		(*type)[strcspn(*type, " \t")] = '\0';
		return 0;
	}
	end = strrchr(header, '"');
	if (end == q) {
		config_error(ps, "unterminated quote in section header");
		return -1;
	}
	*type = xstrndup(header, (size_t)(q - header));
	(*type)[strcspn(*type, " \t")] = '\0';
	*id = xstrndup(q + 1, (size_t)(end - q - 1));
	return 0;
}

static enum section_type section_type_of(struct parse_state *ps, const char *type)
{
	for (int i = 1; section_names[i]; i++)
		if (strcmp(type, section_names[i]) == 0)
			return (enum section_type)i;
	{
		const char *hint = parse_nearest(type, section_names, sizeof(char *));

		if (hint)
			config_error(ps, "unknown section '%s' (did you mean '%s'?)", type, hint);
		else
			config_error(ps,
				     "unknown section '%s' (known: daemon, source, theme, notify, "
				     "http)",
				     type);
	}
	return SEC_NONE;
}

/*
 * A theme defined again in a later file replaces the earlier definition as a
 * whole: one shipped theme is overridden from the main file (after the
 * pack's include) without copying the pack. It keeps its place in the list,
 * and the notice names both places. Returns 0: the section is open.
 */
static int theme_replace(struct parse_state *ps, const char *id)
{
	size_t n = strlen(id);
	const uint32_t *i = hmap_get(id_map(ps, SEC_THEME), id, n, hmap_hash(id, n));
	struct config_theme *t = &ps->cfg->themes[*i];

	config_notice(ps, "theme '%s' at %s:%d replaces the one from %s:%d", id, ps->file, ps->line,
		      t->at.file, t->at.line);
	config_theme_clear(t);
	theme_defaults(t);
	t->id = xstrdup(id);
	t->at.file = ps->file;
	t->at.line = ps->line;
	ps->sec_index = *i;
	return 0;
}

static int open_named(struct parse_state *ps, enum section_type sec, const char *type,
		      const char *id)
{
	const struct config_origin *first;
	size_t n;

	if (sec == SEC_DAEMON || sec == SEC_HTTP) {
		if (id)
			config_error(ps, "[%s] takes no name", type);
		return id ? -1 : 0;
	}
	if (id == NULL) {
		config_error(ps, "[%s] needs a name: [%s \"id\"]", type, type);
		return -1;
	}
	if (!valid_id(id)) {
		config_error(ps, "bad %s id '%s' (letters, digits, '-', '_', '.'; at most 64)",
			     type, id);
		return -1;
	}
	first = id_taken(ps, sec, id);
	if (first != NULL && first->file == ps->file) {
		config_error(ps, "duplicate %s '%s' (first defined at line %d)", type, id,
			     first->line);
		return -1;
	}
	if (first != NULL && sec == SEC_THEME)
		return theme_replace(ps, id);
	if (first != NULL) {
		config_error(ps, "duplicate %s '%s' (first defined at %s:%d)", type, id,
			     first->file, first->line);
		return -1;
	}
	ps->sec_index = section_append(ps, sec, id);
	n = strlen(id);
	hmap_put(id_map(ps, sec), id, n, hmap_hash(id, n), (uint32_t)ps->sec_index);
	return 0;
}

void config_open_section(struct parse_state *ps, const char *header)
{
	char *type = NULL, *id = NULL;
	enum section_type sec;

	config_close_section(ps);
	ps->sec_ok = 0;
	ps->sec_line = ps->line;
	if (split_header(ps, header, &type, &id) == 0) {
		sec = section_type_of(ps, type);
		if (sec != SEC_NONE && open_named(ps, sec, type, id) == 0) {
			ps->sec = sec;
			ps->sec_ok = 1;
			ps->set_lines = xcalloc(CONFIG_MAX_KEYS, sizeof(int));
		}
	}
	free(type);
	free(id);
}

void config_close_section(struct parse_state *ps)
{
	const struct key_def *keys = section_keys(ps->sec);

	if (keys && ps->set_lines) {
		for (int i = 0; keys[i].name; i++)
			if (keys[i].required && ps->set_lines[i] == 0)
				config_error_at(ps, ps->file, ps->sec_line,
						"missing required key '%s'", keys[i].name);
	}
	free(ps->set_lines);
	ps->set_lines = NULL;
	ps->sec = SEC_NONE;
}

static int url_scheme_ok(const char *key, const char *v)
{
	if (strcmp(key, "proxy") == 0)
		return strncmp(v, "http://", 7) == 0 || strncmp(v, "https://", 8) == 0 ||
		       strncmp(v, "socks5://", 9) == 0 || strncmp(v, "socks5h://", 10) == 0;
	return strncmp(v, "http://", 7) == 0 || strncmp(v, "https://", 8) == 0;
}

/*
 * The store location for a `database` value: "postgresql://..." (or
 * libpq's "postgres://"), "postgresql:KEY=VALUE ...", a libpq service
 * ("service=NAME"), or "sqlite:PATH"; NULL for anything else. Allocated.
 */
static char *database_location(const char *v)
{
	if (strncmp(v, "postgres://", 11) == 0)
		return xasprintf("postgresql://%s", v + 11);
	if (strncmp(v, "service=", 8) == 0)
		return v[8] ? xasprintf("postgresql:%s", v) : NULL;
	if (strncmp(v, "postgresql://", 13) == 0 ||
	    (strncmp(v, "postgresql:", 11) == 0 && strchr(v, '=') != NULL) ||
	    (strncmp(v, "sqlite:", 7) == 0 && v[7] == '/'))
		return xstrdup(v);
	return NULL;
}

/* URL syntax via libcurl's parser would pull fetch's dependency in; a host check suffices. */
static int url_has_host(const char *v)
{
	const char *p = strstr(v, "://");

	if (p == NULL)
		return 0;
	p += 3;
	return *p != '\0' && *p != '/' && *p != ':' && strpbrk(v, " \t\"<>\\^`{|}") == NULL;
}

static void set_string(char **field, const char *v)
{
	free(*field);
	*field = xstrdup(v);
}

static void apply_phrase(struct parse_state *ps, struct config_theme *t, const char *v)
{
	const char *end;
	double w;

	if (parse_number_prefix(v, 1, &w, &end) != 0 || (*end != ' ' && *end != '\t')) {
		config_error(ps,
			     "phrase must be 'WEIGHT words', e.g. 'phrase = 2 cyber sovereignty'");
		return;
	}
	if (w < -100 || w > 100 || w == 0) {
		config_error(ps, "phrase weight %g out of range (-100..100, not 0)", w);
		return;
	}
	while (*end == ' ' || *end == '\t')
		end++;
	if (*end == '\0') {
		config_error(ps, "phrase has a weight but no words");
		return;
	}
	if (t->phrases == NULL ||
	    config_grow_slots(t->nphrases + 1) != config_grow_slots(t->nphrases))
		t->phrases = xreallocarray(t->phrases, config_grow_slots(t->nphrases + 1),
					   sizeof(*t->phrases));
	t->phrases[t->nphrases].weight = w;
	t->phrases[t->nphrases].text = xstrdup(end);
	t->phrases[t->nphrases].line = ps->line;
	t->nphrases++;
}

static int apply_enum(const struct key_def *k, const char *v, int *out)
{
	for (int i = 0; k->names[i]; i++)
		if (strcmp(v, k->names[i]) == 0)
			return *out = i, 0;
	return -1;
}

static void enum_error(struct parse_state *ps, const struct key_def *k, const char *v)
{
	struct buf b;

	buf_init(&b);
	for (int i = 0; k->names[i]; i++)
		buf_printf(&b, "%s%s", i ? ", " : "", k->names[i]);
	config_error(ps, "%s: '%s' is not one of: %s", k->name, v, buf_str(&b));
	buf_free(&b);
}

static void apply_number(struct parse_state *ps, const struct key_def *k, char *field,
			 const char *v)
{
	double d;
	int bad = k->type == KT_DURATION ? parse_duration(v, &d) : parse_number(v, &d);

	if (bad) {
		if (k->type == KT_DURATION)
			config_error(ps, "%s: bad duration '%s' (use e.g. 90s, 10m, 2h, 1d)",
				     k->name, v);
		else
			config_error(ps, "%s: '%s' is not a number", k->name, v);
		return;
	}
	if (d < k->min || d > k->max) {
		config_error(ps, "%s: %s out of range (%g..%g%s)", k->name, v, k->min, k->max,
			     k->type == KT_DURATION ? " seconds" : "");
		return;
	}
	if (k->type == KT_LONG) {
		if (d != floor(d)) {
			config_error(ps, "%s: '%s' is not a whole number", k->name, v);
			return;
		}
		*(long *)(void *)field = (long)d;
	} else {
		*(double *)(void *)field = d;
	}
}

/* The [daemon] database key: its location, and where it was set (check's messages). */
static void set_database(struct parse_state *ps, const struct key_def *k, char **field,
			 const char *v)
{
	char *loc = database_location(v);

	ps->cfg->daemon.database_at = (struct config_origin){ps->file, ps->line};

	if (loc == NULL) {
		config_error(ps,
			     "%s: '%s' is not postgresql://..., postgresql:KEY=VALUE..., "
			     "service=NAME or sqlite:/PATH",
			     k->name, v);
		return;
	}
	free(*field);
	*field = loc;
}

static void apply_value(struct parse_state *ps, const struct key_def *k, char *obj, const char *v)
{
	char *field = obj + k->offset;
	int iv;

	switch (k->type) {
	case KT_XPATH:
		if (config_check_xpath(ps, k->name, v) == 0)
			set_string((char **)(void *)field, v);
		break;
	case KT_STRING:
		set_string((char **)(void *)field, v);
		break;
	case KT_PATH:
		free(*(char **)(void *)field);
		*(char **)(void *)field = config_path_relative(ps->file, v);
		break;
	case KT_URL:
		if (!url_scheme_ok(k->name, v) || !url_has_host(v))
			config_error(ps, "%s: bad URL '%s'", k->name, v);
		else
			set_string((char **)(void *)field, v);
		break;
	case KT_DATABASE:
		set_database(ps, k, (char **)(void *)field, v);
		break;
	case KT_BOOL:
		if (parse_bool(v, &iv))
			config_error(ps, "%s: '%s' is not yes or no", k->name, v);
		else
			*(int *)(void *)field = iv;
		break;
	case KT_ENUM:
		if (apply_enum(k, v, &iv))
			enum_error(ps, k, v);
		else
			*(int *)(void *)field = iv;
		break;
	case KT_LONG:
	case KT_DOUBLE:
	case KT_DURATION:
		apply_number(ps, k, field, v);
		break;
	case KT_GLOBS:
		strlist_free((struct strlist *)(void *)field);
		strlist_split((struct strlist *)(void *)field, v);
		((struct strlist *)(void *)field)->line = ps->line;
		break;
	case KT_MULTI:
		if (strcmp(k->name, "exclude") == 0 && config_check_xpath(ps, k->name, v) < 0)
			break;
		strlist_add((struct strlist *)(void *)field, v);
		break;
	case KT_PHRASE:
		apply_phrase(ps, (struct config_theme *)(void *)obj, v);
		break;
	}
}

/* A [notify] line for the channel's type: kept with its origin, judged by notify/. */
static void keep_line(struct parse_state *ps, const char *name, const char *value)
{
	struct config_notify *n = &ps->cfg->notifies[ps->sec_index];
	struct config_line *l;

	n->lines = xreallocarray(n->lines, n->nlines + 1, sizeof(*n->lines));
	l = &n->lines[n->nlines++];
	l->key = xstrdup(name);
	l->value = xstrdup(value);
	l->at.file = ps->file;
	l->at.line = ps->line;
}

static void unknown_key(struct parse_state *ps, const struct key_def *keys, const char *name)
{
	const char *hint = parse_nearest(name, &keys[0].name, sizeof(keys[0]));

	if (hint)
		config_error(ps, "unknown key '%s' (did you mean '%s'?)", name, hint);
	else
		config_error(ps, "unknown key '%s' in [%s]", name, section_names[ps->sec]);
}

/* Where [http]'s listen and token_file were set: config_check_http reports there. */
static void note_http_origin(struct parse_state *ps, const char *name)
{
	struct config_origin at = {ps->file, ps->line};

	if (strcmp(name, "listen") == 0)
		ps->cfg->http.at = at;
	else if (strcmp(name, "token_file") == 0)
		ps->cfg->http.token_at = at;
}

void config_apply_key(struct parse_state *ps, const char *name, const char *value)
{
	const struct key_def *keys = section_keys(ps->sec);
	int i;

	if (!ps->sec_ok)
		return; /* the broken header was reported; don't pile on */
	if (keys == NULL) {
		config_error(ps, "key '%s' outside of any section", name);
		return;
	}
	for (i = 0; keys[i].name; i++)
		if (strcmp(keys[i].name, name) == 0)
			break;
	if (keys[i].name == NULL && ps->sec == SEC_NOTIFY) {
		keep_line(ps, name, value);
		return;
	}
	if (keys[i].name == NULL) {
		unknown_key(ps, keys, name);
		return;
	}
	if (ps->set_lines[i] && keys[i].type != KT_MULTI && keys[i].type != KT_PHRASE) {
		config_error(ps, "duplicate key '%s' (first set at line %d)", name,
			     ps->set_lines[i]);
		return;
	}
	if (*value == '\0') {
		config_error(ps, "%s: empty value", name);
		return;
	}
	if (!ps->set_lines[i])
		ps->set_lines[i] = ps->line;
	apply_value(ps, &keys[i], section_object(ps), value);
	if (ps->sec == SEC_NOTIFY && strcmp(name, "type") == 0)
		ps->cfg->notifies[ps->sec_index].type_line = ps->line;
	if (ps->sec == SEC_HTTP)
		note_http_origin(ps, name);
}
