#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"
#include "config/config_int.h"

size_t config_grow_slots(size_t n)
{
	size_t c = 8;

	while (c < n)
		c *= 2;
	return c;
}

/* Room for n entries and the NULL is config_grow_slots(n + 1): grows by doubling. */
void strlist_add(struct strlist *l, const char *s)
{
	if (l->v == NULL || config_grow_slots(l->n + 2) != config_grow_slots(l->n + 1))
		l->v = xreallocarray(l->v, config_grow_slots(l->n + 2), sizeof(*l->v));
	l->v[l->n++] = xstrdup(s);
	l->v[l->n] = NULL;
}

void strlist_free(struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

void strlist_split(struct strlist *l, const char *csv)
{
	const char *p = csv;

	while (*p) {
		const char *start, *end;
		size_t len = strcspn(p, ",");

		start = p;
		end = p + len;
		while (start < end && (*start == ' ' || *start == '\t'))
			start++;
		while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		if (end > start) {
			char *item = xstrndup(start, (size_t)(end - start));

			strlist_add(l, item);
			free(item);
		}
		p += len;
		if (*p == ',')
			p++;
	}
}

/* Levenshtein distance, for "did you mean" hints on short key names. */
size_t config_edit_distance(const char *a, const char *b)
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

char *config_path_relative(const char *file, const char *rel)
{
	const char *slash;

	if (rel[0] == '/')
		return xstrdup(rel);
	slash = strrchr(file, '/');
	if (slash == NULL)
		return xstrdup(rel);
	return xasprintf("%.*s/%s", (int)(slash - file), file, rel);
}
