/* RSS 0.9x/2.0, RDF and Atom items (list_extract_feed) of a parsed feed. */
#include "tests/fuzz/fuzz.h"

#include <libxml/tree.h>

#include "analyze/page/list.h"
#include "analyze/page/page.h"

static const char *const ctypes[] = {NULL, "application/rss+xml", "application/atom+xml",
				     "text/xml; charset=windows-1252"};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	page_init();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct list_items li = {0};
	enum page_kind got = PAGE_AUTO;
	char err[256];
	xmlDocPtr doc;

	if (size == 0)
		return 0;
	doc = page_parse((const char *)data + 1, size - 1, ctypes[data[0] % NELEM(ctypes)], NULL,
			 (data[0] & 4) ? PAGE_XML : PAGE_AUTO, NULL, &got, err, sizeof(err));
	if (doc == NULL)
		return 0;
	/* The daemon reads a document as a feed only when it sniffed as one. */
	if (got == PAGE_XML)
		list_extract_feed(doc, "https://example.org/feed/", (data[0] & 8) ? 2 : 0, &li, err,
				  sizeof(err));
	list_items_free(&li);
	xmlFreeDoc(doc);
	return 0;
}
