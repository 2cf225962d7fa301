/*
 * Checks that need the whole configuration: XPaths compile, referenced
 * themes exist.
 */
#include <libxml/xmlerror.h>
#include <libxml/xpath.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"
#include "config/config_int.h"

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

/* The channel type's own keys are checked by notify/ (daemon/channels.c). */
static void check_notify(struct parse_state *ps, struct config_notify *n)
{
	check_theme_refs(ps, &n->at, "notify", n->id, &n->themes);
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
