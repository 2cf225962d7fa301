#include "tests/fuzz/fuzz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[64];
static char path[128];

static void remove_dir(void)
{
	unlink(path);
	rmdir(dir);
}

const char *fuzz_write_file(const uint8_t *data, size_t size)
{
	FILE *f;

	if (dir[0] == '\0') {
		snprintf(dir, sizeof(dir), "/tmp/sw-fuzz-XXXXXX");
		if (mkdtemp(dir) == NULL)
			return NULL;
		snprintf(path, sizeof(path), "%s/input.conf", dir);
		atexit(remove_dir);
	}
	f = fopen(path, "wb");
	if (f == NULL)
		return NULL;
	if (size > 0 && fwrite(data, 1, size, f) != size) {
		fclose(f);
		return NULL;
	}
	if (fclose(f) != 0 || chmod(path, 0644) != 0)
		return NULL;
	return path;
}

int fuzz_include_escapes(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;

	if (memmem(s, size, "include", 7) == NULL)
		return 0;
	return memchr(s, '/', size) || memchr(s, '~', size) || memchr(s, '*', size) ||
	       memchr(s, '?', size) || memchr(s, '[', size) || memmem(s, size, "..", 2);
}
