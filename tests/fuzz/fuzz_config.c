/*
 * config_load of a whole configuration file (config/file.c, keys.c,
 * validate.c, util.c), then config_parse_duration of the input as a value.
 */
#include "tests/fuzz/fuzz.h"

#include <stdlib.h>
#include <string.h>

#include "analyze/page/page.h"
#include "common/buf.h"
#include "config/config.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	page_init(); /* config validates XPaths with libxml2 */
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config *cfg;
	struct buf errors;
	const char *path;
	char *value;
	double d;

	if (size > 65536 || fuzz_include_escapes(data, size))
		return 0;
	value = strndup((const char *)data, size > 64 ? 64 : size);
	if (value != NULL)
		config_parse_duration(value, &d);
	free(value);
	path = fuzz_write_file(data, size);
	if (path == NULL)
		return 0;
	buf_init(&errors);
	cfg = config_load(path, &errors);
	config_free(cfg);
	buf_free(&errors);
	return 0;
}
