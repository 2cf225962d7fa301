/*
 * List and feed discovery on an untrusted page: list_discover (candidate
 * blocks, scoring, the XPaths it writes and verifies) and page_feed_links.
 * The first byte picks the page's address (relative links resolve against it).
 */
#include "tests/fuzz/fuzz.h"

#include <stdlib.h>

#include <libxml/tree.h>

#include "analyze/page/discover.h"
#include "analyze/page/page.h"

static const char *const bases[] = {"https://example.org/news/index.html",
				    "http://[::1]:8080/a/b/?q=1", "https://例え.jp/新着/",
				    "http://127.0.0.1/"};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	page_init();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct discover_result dr = {0};
	struct feed_links fl = {0};
	const char *base;
	char err[256];
	xmlDocPtr doc;

	if (size == 0)
		return 0;
	base = bases[data[0] % NELEM(bases)];
	doc = page_parse((const char *)data + 1, size - 1, NULL, NULL, PAGE_HTML, NULL, NULL, err,
			 sizeof(err));
	if (doc == NULL)
		return 0;
	if (list_discover(doc, base, 3, &dr, err, sizeof(err)) == 0)
		discover_result_free(&dr);
	page_feed_links(doc, base, &fl);
	feed_links_free(&fl);
	xmlFreeDoc(doc);
	return 0;
}
