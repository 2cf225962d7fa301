/* date_parse: dates from list items, feeds and articles (analyze/page/date.c). */
#include "tests/fuzz/fuzz.h"

#include <stdlib.h>
#include <string.h>

#include "analyze/page/date.h"

static const char *const langs[] = {NULL, "en", "fr", "de", "es", "ru", "zh", "ja", "ar", "pt"};
static const char *const formats[] = {NULL, "%d/%m/%Y", "%Y-%m-%dT%H:%M:%S", "%d %B %Y",
				      "%B %d, %Y %H:%M"};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char out[64], small[8];
	char *text;

	if (size == 0 || size > 4096)
		return 0;
	/* date_parse takes a C string: the daemon hands it NUL-terminated copies. */
	text = strndup((const char *)data + 1, size - 1);
	if (text == NULL)
		return 0;
	date_parse(text, langs[data[0] % NELEM(langs)], formats[(data[0] >> 4) % NELEM(formats)],
		   out, sizeof(out));
	/* A too-small output buffer must fail cleanly, not overflow. */
	date_parse(text, NULL, NULL, small, sizeof(small));
	free(text);
	return 0;
}
