#include <stdlib.h>
#include <string.h>

#include "common/parse.h"
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

char *config_path_relative(const char *file, const char *rel)
{
	return parse_path_relative(file, rel);
}

int config_parse_duration(const char *s, double *out)
{
	return parse_duration(s, out);
}
