/*
 * Checks that need the whole configuration: XPaths compile, referenced
 * themes exist; and a source's password_file, read into its url when the
 * load asks for secrets.
 */
#include <libxml/xmlerror.h>
#include <libxml/xpath.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/urlcred.h"
#include "common/xmalloc.h"
#include "config/config_int.h"

#define PASSWORD_MAX_BYTES 1024

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

/*
 * items = auto: the detector writes link, title and date with the items
 * XPath it finds; XPaths of the operator's would not fit its items.
 */
static void check_items_auto(struct parse_state *ps, struct config_source *s)
{
	s->items_auto = s->items != NULL && strcmp(s->items, "auto") == 0;
	if (s->items_auto && (s->link != NULL || s->title != NULL || s->date != NULL))
		config_error_at(ps, s->at.file, s->at.line,
				"source '%s': items = auto chooses link, title and date itself: "
				"remove them",
				s->id);
}

/*
 * render = browser reads HTML as the browser built it, serialised in UTF-8:
 * a feed needs no browser, and a charset override would misread the DOM.
 */
static void check_render(struct parse_state *ps, struct config_source *s)
{
	int rendered = s->render == RENDER_BROWSER || s->render_articles;

	if (s->render == RENDER_BROWSER &&
	    (s->kind == SOURCE_KIND_RSS || s->kind == SOURCE_KIND_ATOM))
		config_error_at(ps, s->at.file, s->at.line,
				"source '%s': render = browser reads HTML pages, not a feed",
				s->id);
	if (rendered && s->encoding != NULL)
		config_error_at(
		    ps, s->at.file, s->at.line,
		    "source '%s': encoding does not apply to a page the browser renders "
		    "(its DOM is UTF-8): remove it",
		    s->id);
}

static void check_source(struct parse_state *ps, struct config_source *s)
{
	for (size_t i = 0; i < s->headers.n; i++)
		if (strchr(s->headers.v[i], ':') == NULL || strpbrk(s->headers.v[i], "\r\n"))
			config_error_at(ps, s->at.file, s->at.line,
					"source '%s': header '%s' is not 'Name: value'", s->id,
					s->headers.v[i]);
	if (s->kind == SOURCE_KIND_HTML && s->items == NULL)
		config_error_at(ps, s->at.file, s->at.line,
				"source '%s': kind = html needs an 'items' XPath", s->id);
	check_items_auto(ps, s);
	check_render(ps, s);
	check_theme_refs(ps, &s->at, "source", s->id, &s->themes);
}

/*
 * A password or token file's first line. Like a channel's secret_file it
 * must be private to its owner, and it is read with each load, so a reload
 * picks up a changed password.
 */
char *config_read_secret(const char *path, size_t max, char *why, size_t whylen)
{
	char line[PASSWORD_MAX_BYTES + 2] = "";
	struct stat st;
	char *out = NULL;
	/* non-blocking: a FIFO named here must not hang the load (see config/file.c) */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;
	size_t n;

	if (f == NULL && fd >= 0)
		close(fd);
	if (f == NULL || fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode))
		snprintf(why, whylen, "%s", f ? "not a regular file" : strerror(errno));
	else if (st.st_mode & (S_IRWXG | S_IRWXO))
		snprintf(why, whylen, "readable by group or others (chmod 600)");
	else if (fgets(line, sizeof(line), f) == NULL)
		snprintf(why, whylen, "empty");
	else if ((n = strcspn(line, "\r\n")) > max || n > PASSWORD_MAX_BYTES)
		snprintf(why, whylen, "first line longer than %zu bytes",
			 max < PASSWORD_MAX_BYTES ? max : (size_t)PASSWORD_MAX_BYTES);
	else if (n == 0)
		snprintf(why, whylen, "empty");
	else
		out = xstrndup(line, n);
	explicit_bzero(line, sizeof(line));
	if (f)
		fclose(f);
	return out;
}

char *config_source_secret_url(const struct config_source *s, char *err, size_t errlen)
{
	char why[128] = "";
	char *pw, *url;

	if (s->password_file == NULL)
		return xstrdup(s->url);
	pw = config_read_secret(s->password_file, PASSWORD_MAX_BYTES, why, sizeof(why));
	if (pw == NULL) {
		snprintf(err, errlen, "source '%s': password_file '%s': %s", s->id,
			 s->password_file, why);
		return NULL;
	}
	url = urlcred_with_password(s->url, pw);
	explicit_bzero(pw, strlen(pw));
	free(pw);
	if (url == NULL)
		snprintf(err, errlen, "source '%s': url takes no password", s->id);
	return url;
}

/*
 * password_file: the source's url gets "user:PASSWORD@" for its requests
 * only. The url's form is always checked; the file is read only when the
 * load asks for secrets (CONFIG_LOAD_SECRETS): the url keeps "user@" else.
 */
static void apply_password_file(struct parse_state *ps, struct config_source *s)
{
	char why[512] = "";
	char *url;

	if (s->password_file == NULL || s->url == NULL)
		return;
	url = urlcred_with_password(s->url, "");
	free(url);
	if (url == NULL) {
		config_error_at(ps, s->at.file, s->at.line,
				"source '%s': password_file needs a user name and no password in "
				"url (http://USER@host/...)",
				s->id);
		return;
	}
	if (!(ps->flags & CONFIG_LOAD_SECRETS))
		return;
	url = config_source_secret_url(s, why, sizeof(why));
	if (url == NULL) {
		config_error_at(ps, s->at.file, s->at.line, "%s", why);
		return;
	}
	free(s->url);
	s->url = url;
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
	for (size_t i = 0; i < cfg->nsources; i++) {
		check_source(ps, &cfg->sources[i]);
		apply_password_file(ps, &cfg->sources[i]);
	}
	for (size_t i = 0; i < cfg->nnotifies; i++)
		check_notify(ps, &cfg->notifies[i]);
	config_check_http(ps);
}
