/*
 * Checks that need the whole configuration: XPaths compile, referenced
 * themes exist, channels have what their type needs, secret files are
 * private and readable.
 */
#include <errno.h>
#include <libxml/xmlerror.h>
#include <libxml/xpath.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/xmalloc.h"
#include "config/config_int.h"

#define SECRET_MAX_BYTES 4096
#define TEMPLATE_MAX_BYTES (64 * 1024)

/* xmlStructuredErrorFunc: keep the first message instead of printing it. */
static void xpath_error_sink(void *ctx, xmlErrorPtr e)
{
	char *msg = ctx;

	if (msg[0] == '\0' && e && e->message)
		snprintf(msg, 256, "%s", e->message);
}

int config_check_xpath(struct parse_state *ps, const char *key, const char *expr)
{
	char msg[256] = "";
	xmlXPathCompExprPtr comp;

	xmlSetStructuredErrorFunc(msg, xpath_error_sink);
	comp = xmlXPathCompile((const xmlChar *)expr);
	xmlSetStructuredErrorFunc(NULL, NULL);
	if (comp == NULL) {
		msg[strcspn(msg, "\n")] = '\0';
		config_error(ps, "%s: bad XPath '%s'%s%s", key, expr, msg[0] ? ": " : "", msg);
		return -1;
	}
	xmlXPathFreeCompExpr(comp);
	return 0;
}

static void check_theme_refs(struct parse_state *ps, const struct config_origin *at,
			     const char *what, const char *id, const struct strlist *globs)
{
	for (size_t i = 0; i < globs->n; i++) {
		struct strlist one = {&globs->v[i], 1, 0};
		int found = 0;

		for (size_t t = 0; t < ps->cfg->nthemes && !found; t++)
			found = config_globs_match(&one, ps->cfg->themes[t].id);
		if (!found)
			config_error_at(ps, at->file, globs->line ? globs->line : at->line,
					"%s '%s': unknown theme '%s'", what, id, globs->v[i]);
	}
}

static void check_source(struct parse_state *ps, const struct config_source *s)
{
	for (size_t i = 0; i < s->headers.n; i++)
		if (strchr(s->headers.v[i], ':') == NULL || strpbrk(s->headers.v[i], "\r\n"))
			config_error_at(ps, s->at.file, s->at.line,
					"source '%s': header '%s' is not 'Name: value'", s->id,
					s->headers.v[i]);
	if (s->kind == SOURCE_KIND_HTML && s->items == NULL)
		config_error_at(ps, s->at.file, s->at.line,
				"source '%s': kind = html needs an 'items' XPath", s->id);
	check_theme_refs(ps, &s->at, "source", s->id, &s->themes);
}

/* Reads a private secret file (whsec_..., a password) into *out. */
static void read_secret(struct parse_state *ps, const struct config_notify *n, const char *key,
			const char *path, char **out)
{
	struct stat st;
	char buf[SECRET_MAX_BYTES + 1];
	size_t len;
	FILE *f;

	if (stat(path, &st) != 0) {
		config_error_at(ps, n->at.file, n->at.line, "notify '%s': %s '%s': %s", n->id, key,
				path, strerror(errno));
		return;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		config_error_at(ps, n->at.file, n->at.line,
				"notify '%s': %s '%s' is readable by group or others (chmod 600)",
				n->id, key, path);
		return;
	}
	f = fopen(path, "r");
	if (f == NULL) {
		config_error_at(ps, n->at.file, n->at.line, "notify '%s': %s '%s': %s", n->id, key,
				path, strerror(errno));
		return;
	}
	len = fread(buf, 1, SECRET_MAX_BYTES, f);
	fclose(f);
	buf[len] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	if (buf[0] == '\0')
		config_error_at(ps, n->at.file, n->at.line, "notify '%s': %s '%s' is empty", n->id,
				key, path);
	else
		*out = xstrdup(buf);
	explicit_bzero(buf, sizeof(buf));
}

/* A mail body template (body_file): UTF-8 text of bounded size. */
static void read_template(struct parse_state *ps, struct config_notify *n)
{
	FILE *f = fopen(n->body_file, "r");
	struct buf b;
	char chunk[4096];
	size_t len;

	if (f == NULL) {
		config_error_at(ps, n->at.file, n->at.line, "notify '%s': body_file '%s': %s",
				n->id, n->body_file, strerror(errno));
		return;
	}
	buf_init(&b);
	while ((len = fread(chunk, 1, sizeof(chunk), f)) > 0 && b.len < TEMPLATE_MAX_BYTES)
		buf_append(&b, chunk, len);
	fclose(f);
	if (b.len >= TEMPLATE_MAX_BYTES)
		config_error_at(ps, n->at.file, n->at.line,
				"notify '%s': body_file '%s' is larger than %d bytes", n->id,
				n->body_file, TEMPLATE_MAX_BYTES);
	else
		n->body_template = buf_steal(&b);
	buf_free(&b);
}

static void need(struct parse_state *ps, const struct config_notify *n, const char *key,
		 const void *value)
{
	if (value == NULL)
		config_error_at(ps, n->at.file, n->at.line, "notify '%s': type %s needs '%s'",
				n->id, n->type == CHANNEL_MAIL ? "mail" : "webhook", key);
}

static void check_notify(struct parse_state *ps, struct config_notify *n)
{
	check_theme_refs(ps, &n->at, "notify", n->id, &n->themes);
	if (n->type == CHANNEL_WEBHOOK) {
		need(ps, n, "url", n->url);
		need(ps, n, "secret_file", n->secret_file);
	} else if (n->type == CHANNEL_MAIL) {
		need(ps, n, "smtp_url", n->smtp_url);
		need(ps, n, "from", n->from);
		need(ps, n, "to", n->to.n ? n->to.v : NULL);
	}
	if (n->secret_file)
		read_secret(ps, n, "secret_file", n->secret_file, &n->secret);
	if (n->secret && strncmp(n->secret, "whsec_", 6) != 0)
		config_error_at(ps, n->at.file, n->at.line,
				"notify '%s': secret in '%s' must start with 'whsec_'", n->id,
				n->secret_file);
	if (n->password_file)
		read_secret(ps, n, "password_file", n->password_file, &n->password);
	if (n->body_file)
		read_template(ps, n);
}

static void check_theme(struct parse_state *ps, const struct config_theme *t)
{
	(void)ps;
	(void)t; /* phrase is a required key: checked when the section closes */
}

void config_validate(struct parse_state *ps)
{
	struct config *cfg = ps->cfg;

	for (size_t i = 0; i < cfg->nthemes; i++)
		check_theme(ps, &cfg->themes[i]);
	for (size_t i = 0; i < cfg->nsources; i++)
		check_source(ps, &cfg->sources[i]);
	for (size_t i = 0; i < cfg->nnotifies; i++)
		check_notify(ps, &cfg->notifies[i]);
}
