#include "common/parse.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/xmalloc.h"

/*
 * The documented number forms only: DIGITS or DIGITS.DIGITS, with a sign
 * when sign_ok. strtod alone would also take "0x10", "1e1", "inf", " 5"
 * and "5.", which no config documents. Returns the span's length, 0 when
 * s does not start with such a number.
 */
static size_t decimal_span(const char *s, int sign_ok)
{
	size_t i = 0, digits;

	if (sign_ok && (s[i] == '-' || s[i] == '+'))
		i++;
	digits = i;
	while (isdigit((unsigned char)s[i]))
		i++;
	if (i == digits)
		return 0;
	if (s[i] == '.') {
		digits = ++i;
		while (isdigit((unsigned char)s[i]))
			i++;
		if (i == digits)
			return 0;
	}
	return i;
}

int parse_number_prefix(const char *s, int sign_ok, double *out, const char **end)
{
	size_t n = decimal_span(s, sign_ok);

	if (n == 0)
		return -1;
	/* The span is plain decimal, so strtod reads exactly those bytes. */
	*out = strtod(s, NULL);
	*end = s + n;
	return isfinite(*out) ? 0 : -1;
}

int parse_duration(const char *s, double *out)
{
	static const struct {
		const char *unit;
		double mult;
	} units[] = {{"", 1}, {"s", 1}, {"m", 60}, {"min", 60}, {"h", 3600}, {"d", 86400}};
	const char *end;
	double v;

	if (parse_number_prefix(s, 0, &v, &end) != 0)
		return -1;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcmp(end, units[i].unit) == 0) {
			*out = v * units[i].mult;
			return 0;
		}
	return -1;
}

int parse_bool(const char *s, int *out)
{
	static const char *const yes[] = {"yes", "true", "on", "1", NULL};
	static const char *const no[] = {"no", "false", "off", "0", NULL};

	for (int i = 0; yes[i]; i++) {
		if (strcasecmp(s, yes[i]) == 0)
			return *out = 1, 0;
		if (strcasecmp(s, no[i]) == 0)
			return *out = 0, 0;
	}
	return -1;
}

int parse_number(const char *s, double *out)
{
	const char *end;

	return (parse_number_prefix(s, 1, out, &end) != 0 || *end != '\0') ? -1 : 0;
}

size_t parse_edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t *row, d;

	if (la > 64 || lb > 64)
		return (size_t)-1;
	row = xcalloc(lb + 1, sizeof(*row));
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	d = row[lb];
	free(row);
	return d;
}

const char *parse_nearest(const char *word, const char *const *names, size_t stride)
{
	const char *best = NULL;
	size_t best_d = 3;

	for (const char *const *n = names; *n;
	     n = (const char *const *)(const void *)((const char *)n + stride)) {
		size_t d = parse_edit_distance(word, *n);

		if (**n && d < best_d && d < strlen(*n)) {
			best_d = d;
			best = *n;
		}
	}
	return best;
}

char *parse_path_relative(const char *file, const char *rel)
{
	const char *slash;

	if (rel[0] == '/' || file == NULL)
		return xstrdup(rel);
	slash = strrchr(file, '/');
	if (slash == NULL)
		return xstrdup(rel);
	return xasprintf("%.*s/%s", (int)(slash - file), file, rel);
}
