/*
 * Shared by the benches only: compiles a theme file with the product's
 * reader (config/, daemon/themeset.c), and slurps files.
 */
#ifndef BENCH_INI_H
#define BENCH_INI_H

#include <stdint.h>
#include <stdio.h>

#include "analyze/themes/themes.h"
#include "common/buf.h"

static char *bench_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct buf b;
	char tmp[65536];
	size_t n;

	if (!f)
		return NULL;
	buf_init(&b);
	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
		buf_append(&b, tmp, n);
	fclose(f);
	*len = b.len;
	return buf_steal(&b);
}
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/themeset.h"

/*
 * Returns the compiled themes of a theme file or string, or NULL (err
 * filled), through the product's own reader (config_load + themeset_compile);
 * a string goes through a private temporary file.
 */
static struct themes *bench_themes_compile(const char *path, const char *string, char *err,
					   size_t errlen)
{
	char tmp[] = "/tmp/sw-bench-themes-XXXXXX";
	struct themes *th;

	if (path == NULL) {
		int fd = mkstemp(tmp);
		size_t len = strlen(string);

		if (fd < 0 || write(fd, string, len) != (ssize_t)len) {
			snprintf(err, errlen, "cannot write %s", tmp);
			if (fd >= 0)
				close(fd);
			return NULL;
		}
		close(fd);
	}
	th = themeset_load(path ? path : tmp, err, errlen);
	if (path == NULL)
		unlink(tmp);
	return th;
}

#endif
