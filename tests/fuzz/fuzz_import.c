/*
 * speechwatch import: the first byte picks urlwatch's urls.yaml (even) or
 * OPML (odd); the rest goes through import_urlwatch / import_opml
 * (config/import*.c), and every source it returns is checked for the
 * promises the printed sections rely on (safe unique ids, URL bytes).
 */
#include "tests/fuzz/fuzz.h"

#include <stdlib.h>
#include <string.h>

#include "analyze/page/page.h"
#include "config/import.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	page_init(); /* libxml2 set up once, as the binary does */
	return 0;
}

static void check_sources(const struct import_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		const char *id = l->v[i].id;

		if (*id == '\0' || strlen(id) > 64 ||
		    strspn(id, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(id))
			abort();
		if (strpbrk(l->v[i].url, " \t\r\n\"") != NULL)
			abort();
		for (size_t j = 0; j < i; j++)
			if (strcmp(l->v[j].id, id) == 0)
				abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct import_list l;
	char err[512];
	int rc;

	if (size < 1 || size > 65536)
		return 0;
	memset(&l, 0, sizeof(l));
	if (data[0] & 1)
		rc = import_opml((const char *)data + 1, size - 1, "f", &l, err, sizeof(err));
	else
		rc = import_urlwatch((const char *)data + 1, size - 1, "f", &l, err, sizeof(err));
	if (rc == 0)
		check_sources(&l);
	else if (l.n != 0)
		abort();
	import_list_free(&l);
	return 0;
}
