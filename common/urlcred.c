#include "common/urlcred.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/xmalloc.h"

struct authority {
	const char *start; /* just after "://" */
	const char *at;	   /* the last '@' of the authority, or NULL */
	const char *end;   /* first byte after the authority */
};

/*
 * In free text an authority also ends at a blank or a quote; in a URL
 * proper those cannot occur unescaped, so one rule serves both.
 */
static int authority_end(char c)
{
	return c == '\0' || c == '/' || c == '?' || c == '#' || c == '\\' || c == '"' ||
	       c == '\'' || c == '<' || c == '>' || isspace((unsigned char)c);
}

/* The authority after the "://" at sep (scheme checked by the caller). */
static struct authority authority_at(const char *sep)
{
	struct authority a = {sep + 3, NULL, sep + 3};

	for (; !authority_end(*a.end); a.end++)
		if (*a.end == '@')
			a.at = a.end;
	return a;
}

/* The "://" of url's own scheme, or NULL when url does not start "scheme://". */
static const char *scheme_sep(const char *url)
{
	const char *p = url;

	if (!isalpha((unsigned char)*p))
		return NULL;
	while (isalnum((unsigned char)*p) || *p == '+' || *p == '-' || *p == '.')
		p++;
	return strncmp(p, "://", 3) == 0 ? p : NULL;
}

int urlcred_has(const char *url)
{
	const char *sep = url ? scheme_sep(url) : NULL;

	return sep && authority_at(sep).at != NULL;
}

char *urlcred_strip(const char *url)
{
	const char *sep = url ? scheme_sep(url) : NULL;
	struct authority a;

	if (url == NULL)
		return NULL;
	if (sep == NULL)
		return xstrdup(url);
	a = authority_at(sep);
	if (a.at == NULL)
		return xstrdup(url);
	return xasprintf("%.*s%s", (int)(a.start - url), url, a.at + 1);
}

/* Appends the redacted form of the userinfo [start, at). */
static void redact_userinfo(struct buf *b, const char *start, const char *at)
{
	const char *colon = memchr(start, ':', (size_t)(at - start));

	if (colon)
		buf_append(b, start, (size_t)(colon - start));
	buf_append_str(b, colon ? ":***@" : "***@");
}

char *urlcred_redact(const char *text)
{
	const char *p = text, *sep;
	struct buf b;
	int found = 0;

	buf_init(&b);
	while (text && (sep = strstr(p, "://")) != NULL) {
		struct authority a = authority_at(sep);

		/* a scheme's letter must precede "://": "x://", not a bare "://" */
		if (a.at != NULL && sep > text && isalnum((unsigned char)sep[-1])) {
			buf_append(&b, p, (size_t)(a.start - p));
			redact_userinfo(&b, a.start, a.at);
			found = 1;
			p = a.at + 1;
		} else {
			buf_append(&b, p, (size_t)(a.start - p));
			p = a.start;
		}
	}
	if (!found) {
		buf_free(&b);
		return NULL;
	}
	buf_append_str(&b, p);
	return buf_steal(&b);
}

char *urlcred_with_password(const char *url, const char *password)
{
	const char *sep = url ? scheme_sep(url) : NULL;
	struct authority a;
	struct buf b;

	if (sep == NULL)
		return NULL;
	a = authority_at(sep);
	if (a.at == NULL || a.at == a.start || memchr(a.start, ':', (size_t)(a.at - a.start)))
		return NULL;
	buf_init(&b);
	buf_append(&b, url, (size_t)(a.at - url));
	buf_append_char(&b, ':');
	for (const unsigned char *p = (const unsigned char *)password; *p; p++) {
		if (isalnum(*p) || *p == '-' || *p == '.' || *p == '_' || *p == '~')
			buf_append_char(&b, (char)*p);
		else
			buf_printf(&b, "%%%02X", *p);
	}
	buf_append_str(&b, a.at);
	return buf_steal(&b);
}

/* scheme://host[:port] of url, without userinfo, lower-cased; allocated or NULL. */
static char *origin_of(const char *url)
{
	const char *sep = url ? scheme_sep(url) : NULL;
	struct authority a;
	char *o;

	if (sep == NULL)
		return NULL;
	a = authority_at(sep);
	o = xasprintf("%.*s://%.*s", (int)(sep - url), url,
		      (int)(a.end - (a.at ? a.at + 1 : a.start)), a.at ? a.at + 1 : a.start);
	for (char *c = o; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	return o;
}

char *urlcred_apply(const char *url, const char *cred_url)
{
	char *ou, *oc, *out = NULL;
	struct authority c;

	if (!urlcred_has(cred_url) || url == NULL || urlcred_has(url))
		return NULL;
	ou = origin_of(url);
	oc = origin_of(cred_url);
	if (ou && oc && strcmp(ou, oc) == 0) {
		const char *sep = scheme_sep(url);

		c = authority_at(scheme_sep(cred_url));
		out = xasprintf("%.*s%.*s%s", (int)(sep + 3 - url), url, (int)(c.at + 1 - c.start),
				c.start, sep + 3);
	}
	free(ou);
	free(oc);
	return out;
}
