/*
 * daemon/web/filter: a request's statement filters, each argument checked
 * before it reaches the store (docs/api.md).
 */
#include "daemon/web/filter.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config/config.h"
#include "daemon/web/web.h"

#define QUERY_MAX 500 /* bytes of q */

int filter_theme_known(const struct web_ctx *ctx, const char *id)
{
	for (size_t i = 0; ctx->cfg && i < ctx->cfg->nthemes; i++)
		if (strcmp(ctx->cfg->themes[i].id, id) == 0)
			return 1;
	return 0;
}

int filter_source_known(const struct web_ctx *ctx, const char *id)
{
	for (size_t i = 0; ctx->cfg && i < ctx->cfg->nsources; i++)
		if (strcmp(ctx->cfg->sources[i].id, id) == 0)
			return 1;
	return 0;
}

/* DIGITS only, at most max_digits of them, into *out. */
static int parse_digits(const char *s, size_t max_digits, int64_t *out)
{
	size_t n = strspn(s, "0123456789");

	if (n == 0 || n != strlen(s) || n > max_digits)
		return -1;
	*out = strtoll(s, NULL, 10);
	return 0;
}

/* "Z", "", "+HH:MM" or "-HH:MM": seconds east of UTC. */
static int parse_zone(const char *s, long *east)
{
	int hh, mm, used = 0;

	*east = 0;
	if (*s == '\0' || strcmp(s, "Z") == 0)
		return 0;
	if ((*s != '+' && *s != '-') || strlen(s) != 6 ||
	    sscanf(s + 1, "%2d:%2d%n", &hh, &mm, &used) != 2 || used != 5 || hh > 23 || mm > 59)
		return -1;
	*east = (hh * 3600L + mm * 60L) * (*s == '-' ? -1 : 1);
	return 0;
}

int filter_parse_since(const char *s, double *out)
{
	struct tm tm;
	const char *rest;
	int64_t secs;
	long east;

	if (parse_digits(s, 11, &secs) == 0) {
		*out = (double)secs;
		return 0;
	}
	memset(&tm, 0, sizeof(tm));
	if (strlen(s) == 10 && s[4] == '-' && s[7] == '-')
		rest = strptime(s, "%Y-%m-%d", &tm);
	else if (strlen(s) >= 19 && s[4] == '-' && s[7] == '-' && s[10] == 'T')
		rest = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	else
		return -1;
	if (rest == NULL || parse_zone(rest, &east) < 0 || tm.tm_year < 0)
		return -1;
	*out = (double)timegm(&tm) - (double)east;
	return 0;
}

/* A language: the primary subtag of 2 to 8 ASCII letters ("en", "en-GB" gives "en"). */
static int parse_language(const char *s, char *out, size_t outlen)
{
	size_t n = 0;

	while (isalpha((unsigned char)s[n]) && isascii((unsigned char)s[n]))
		n++;
	if (n < 2 || n > 8 || n >= outlen || (s[n] != '\0' && s[n] != '-' && s[n] != '_'))
		return -1;
	for (size_t i = 0; i < n; i++)
		out[i] = (char)tolower((unsigned char)s[i]);
	out[n] = '\0';
	return 0;
}

/* Names the bad argument and says what it must be; returns -1. */
__attribute__((format(printf, 5, 6))) static int
reject(const char **bad, const char *name, char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	*bad = name;
	va_start(ap, fmt);
	if (errlen)
		vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* The value of argument name if `which` asks for it and it is not empty, else NULL. */
static const char *arg_of(const struct web_request *req, unsigned which, unsigned bit,
			  const char *name)
{
	const char *v = which & bit ? req->arg(req, name) : NULL;

	return v && *v ? v : NULL;
}

/* Ids and text: theme, source, language, q. */
static int parse_names(const struct web_ctx *ctx, const struct web_request *req, unsigned which,
		       struct filter *out, const char **bad, char *err, size_t errlen)
{
	const char *v;

	if ((v = arg_of(req, which, FILTER_THEME, "theme")) != NULL) {
		if (!filter_theme_known(ctx, v))
			return reject(bad, "theme", err, errlen, "not a configured theme id");
		out->f.theme = v;
	}
	if ((v = arg_of(req, which, FILTER_SOURCE, "source")) != NULL) {
		if (!filter_source_known(ctx, v))
			return reject(bad, "source", err, errlen, "not a configured source id");
		out->f.source = v;
	}
	if ((v = arg_of(req, which, FILTER_LANGUAGE, "language")) != NULL) {
		if (parse_language(v, out->language, sizeof(out->language)) < 0)
			return reject(bad, "language", err, errlen,
				      "a language tag such as en or zh-CN");
		out->f.language = out->language;
	}
	if ((v = arg_of(req, which, FILTER_QUERY, "q")) != NULL) {
		if (strlen(v) > QUERY_MAX)
			return reject(bad, "q", err, errlen, "longer than %d bytes", QUERY_MAX);
		out->f.query = v;
	}
	return 0;
}

/* Numbers: since, limit, before. */
static int parse_numbers(const struct web_request *req, unsigned which, struct filter *out,
			 const char **bad, char *err, size_t errlen)
{
	const char *v;
	int64_t n;

	if ((v = arg_of(req, which, FILTER_SINCE, "since")) != NULL &&
	    filter_parse_since(v, &out->f.since) < 0)
		return reject(bad, "since", err, errlen,
			      "a date (YYYY-MM-DD), a time (YYYY-MM-DDTHH:MM:SSZ) or unix seconds");
	if ((v = arg_of(req, which, FILTER_LIMIT, "limit")) != NULL) {
		if (parse_digits(v, 4, &n) < 0 || n < 1 || n > STORE_STATEMENTS_MAX)
			return reject(bad, "limit", err, errlen, "a whole number from 1 to %d",
				      STORE_STATEMENTS_MAX);
		out->f.limit = (size_t)n;
	}
	if ((v = arg_of(req, which, FILTER_BEFORE, "before")) != NULL) {
		if (parse_digits(v, 18, &n) < 0 || n < 1)
			return reject(bad, "before", err, errlen,
				      "a statement id (a whole number)");
		out->f.before = n;
	}
	return 0;
}

int filter_parse(const struct web_ctx *ctx, const struct web_request *req, unsigned which,
		 struct filter *out, const char **bad, char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	*bad = NULL;
	if (parse_names(ctx, req, which, out, bad, err, errlen) < 0 ||
	    parse_numbers(req, which, out, bad, err, errlen) < 0)
		return -1;
	return 0;
}
