#include "tests/unit/testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/buf.h"

const char *testutil_shared_dir(void)
{
	const char *s = getenv("SW_SHARED");

	if (s == NULL || *s == '\0')
		s = "../shared";
	return access(s, R_OK) == 0 ? s : NULL;
}

const char *testutil_root_dir(void)
{
	const char *s = getenv("SW_ROOT");

	return s != NULL && *s != '\0' ? s : ".";
}

char *testutil_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct buf b;
	char chunk[65536];
	size_t n;

	if (f == NULL)
		return NULL;
	buf_init(&b);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(&b, chunk, n);
	if (ferror(f)) {
		fclose(f);
		buf_free(&b);
		return NULL;
	}
	fclose(f);
	*len = b.len;
	return buf_steal(&b);
}

int testutil_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
