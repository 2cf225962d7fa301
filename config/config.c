#include <fnmatch.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"
#include "config/config_int.h"

void config_error_at(struct parse_state *ps, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	buf_printf(ps->errors, "%s:%d: ", file ? file : "(config)", line);
	va_start(ap, fmt);
	buf_vprintf(ps->errors, fmt, ap);
	va_end(ap);
	buf_append_char(ps->errors, '\n');
	ps->nerrors++;
}

void config_notice(struct parse_state *ps, const char *fmt, ...)
{
	va_list ap;

	buf_printf(ps->errors, "%s:%d: notice: ", ps->file ? ps->file : "(config)", ps->line);
	va_start(ap, fmt);
	buf_vprintf(ps->errors, fmt, ap);
	va_end(ap);
	buf_append_char(ps->errors, '\n');
}

void config_error(struct parse_state *ps, const char *fmt, ...)
{
	va_list ap;

	buf_printf(ps->errors, "%s:%d: ", ps->file ? ps->file : "(config)", ps->line);
	va_start(ap, fmt);
	buf_vprintf(ps->errors, fmt, ap);
	va_end(ap);
	buf_append_char(ps->errors, '\n');
	ps->nerrors++;
}

const char *config_default_path(void)
{
	const char *env = getenv("SPEECHWATCH_CONFIG");

	return env && *env ? env : "/etc/speechwatch/speechwatch.conf";
}

struct config *config_load(const char *path, struct buf *errors)
{
	return config_load_with(path, CONFIG_LOAD_SECRETS, errors);
}

struct config *config_load_with(const char *path, unsigned flags, struct buf *errors)
{
	struct parse_state ps;
	struct config *cfg = xcalloc(1, sizeof(*cfg));

	memset(&ps, 0, sizeof(ps));
	ps.flags = flags;
	cfg->path = xstrdup(path);
	config_daemon_defaults(&cfg->daemon);
	ps.cfg = cfg;
	ps.errors = errors;
	for (size_t i = 0; i < 3; i++)
		hmap_init(&ps.ids[i], 64);
	config_parse_file(&ps, path, NULL, 0);
	strlist_free(&ps.read);
	for (size_t i = 0; i < 3; i++)
		hmap_free(&ps.ids[i]);
	config_apply_source_state(&ps);
	config_validate(&ps);
	if (ps.nerrors > 0) {
		config_free(cfg);
		return NULL;
	}
	return cfg;
}

static void source_free(struct config_source *s)
{
	free(s->id);
	free(s->url);
	free(s->password_file);
	free(s->items);
	free(s->link);
	free(s->title);
	free(s->date);
	free(s->body);
	strlist_free(&s->exclude);
	strlist_free(&s->headers);
	free(s->date_format);
	free(s->encoding);
	free(s->proxy);
	free(s->language);
	strlist_free(&s->themes);
}

void config_theme_clear(struct config_theme *t)
{
	free(t->id);
	free(t->label);
	for (size_t i = 0; i < t->nphrases; i++)
		free(t->phrases[i].text);
	free(t->phrases);
	strlist_free(&t->requires);
	strlist_free(&t->excludes);
	memset(t, 0, sizeof(*t));
}

static void notify_free(struct config_notify *n)
{
	free(n->id);
	free(n->type);
	strlist_free(&n->themes);
	strlist_free(&n->sources);
	for (size_t i = 0; i < n->nlines; i++) {
		free(n->lines[i].key);
		free(n->lines[i].value);
	}
	free(n->lines);
}

void config_hold(struct config *cfg)
{
	cfg->holds++;
}

void config_free(struct config *cfg)
{
	if (cfg == NULL)
		return;
	if (cfg->holds > 0) {
		cfg->holds--;
		return;
	}
	free(cfg->path);
	free(cfg->daemon.state_dir);
	free(cfg->daemon.user_agent);
	free(cfg->daemon.proxy);
	free(cfg->daemon.database);
	free(cfg->daemon.browser);
	free(cfg->http.listen);
	free(cfg->http.token_file);
	if (cfg->http.token)
		explicit_bzero(cfg->http.token, strlen(cfg->http.token));
	free(cfg->http.token);
	for (size_t i = 0; i < cfg->nsources; i++)
		source_free(&cfg->sources[i]);
	free(cfg->sources);
	for (size_t i = 0; i < cfg->nthemes; i++)
		config_theme_clear(&cfg->themes[i]);
	free(cfg->themes);
	for (size_t i = 0; i < cfg->nnotifies; i++)
		notify_free(&cfg->notifies[i]);
	free(cfg->notifies);
	strlist_free(&cfg->files);
	free(cfg);
}

const struct config_source *config_source_find(const struct config *cfg, const char *id)
{
	for (size_t i = 0; i < cfg->nsources; i++)
		if (strcmp(cfg->sources[i].id, id) == 0)
			return &cfg->sources[i];
	return NULL;
}

const struct config_theme *config_theme_find(const struct config *cfg, const char *id)
{
	for (size_t i = 0; i < cfg->nthemes; i++)
		if (strcmp(cfg->themes[i].id, id) == 0)
			return &cfg->themes[i];
	return NULL;
}

const struct config_notify *config_notify_find(const struct config *cfg, const char *id)
{
	for (size_t i = 0; i < cfg->nnotifies; i++)
		if (strcmp(cfg->notifies[i].id, id) == 0)
			return &cfg->notifies[i];
	return NULL;
}

int config_globs_match(const struct strlist *globs, const char *name)
{
	if (globs->n == 0)
		return 1;
	for (size_t i = 0; i < globs->n; i++)
		if (fnmatch(globs->v[i], name, 0) == 0)
			return 1;
	return 0;
}
