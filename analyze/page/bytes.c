/* Byte-level helpers for the markup scanners (see bytes.h). */
#include "analyze/page/bytes.h"

#include <string.h>

size_t bytes_skip_past(const char *p, size_t n, size_t i, const char *end)
{
	const char *hit = memmem(p + i, n - i, end, strlen(end));

	return hit == NULL ? n : (size_t)(hit - p) + strlen(end);
}

size_t bytes_skip_doctype(const char *p, size_t n, size_t i)
{
	while (i < n && p[i] != '>' && p[i] != '[')
		i++;
	if (i < n && p[i] == '[')
		i = bytes_skip_past(p, n, i, "]");
	return bytes_skip_past(p, n, i, ">");
}
