#include "common/parse.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/xmalloc.h"

int parse_duration(const char *s, double *out)
{
	char *end;
	double v, mult = 1;

	if (!isdigit((unsigned char)*s))
		return -1;
	v = strtod(s, &end);
	if (strcmp(end, "s") == 0 || *end == '\0')
		mult = 1;
	else if (strcmp(end, "m") == 0 || strcmp(end, "min") == 0)
		mult = 60;
	else if (strcmp(end, "h") == 0)
		mult = 3600;
	else if (strcmp(end, "d") == 0)
		mult = 86400;
	else
		return -1;
	if (!isfinite(v))
		return -1;
	*out = v * mult;
	return 0;
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
	char *end;

	if (*s == '\0')
		return -1;
	*out = strtod(s, &end);
	return (*end != '\0' || !isfinite(*out)) ? -1 : 0;
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
