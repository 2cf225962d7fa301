/*
 * The items of an HTML list page (list_extract_html), with the kinds of
 * source spec the examples use: item XPaths, has-class(), relative and
 * absolute link/title/date paths, a date_format and a language, with and
 * without off-site links allowed (the item check of list_check.c).
 */
#include "tests/fuzz/fuzz.h"

#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "analyze/page/list.h"
#include "analyze/page/page.h"

static const struct list_spec specs[] = {
    {NULL, NULL, NULL, NULL, NULL, NULL, 0, 0},
    {"//ul/li", NULL, NULL, NULL, NULL, "en", 0, 1},
    {"//div[has-class('item')]", ".//a/@href", ".//h3", ".//span[@class='date']", "%d/%m/%Y", "fr",
     3, 0},
    {"//a[contains(@href,'/news/')]", NULL, NULL, "..//time/@datetime", NULL, "zh", 0, 1},
    {"//table//tr", "td[2]/a/@href", "td[2]", "td[1]", NULL, "ru", 0, 0},
    {"//article", "//a/@href", "h2", "//time", "%Y-%m-%d", NULL, 1, 1},
};
static const char *const bases[] = {"https://example.org/news/index.html",
				    "http://[::1]:8080/a/b/?q=1", "https://例え.jp/新着/"};

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
	char err[256];
	xmlDocPtr doc;

	if (size == 0)
		return 0;
	doc = page_parse((const char *)data + 1, size - 1, NULL, NULL, PAGE_HTML, NULL, NULL, err,
			 sizeof(err));
	if (doc == NULL)
		return 0;
	if (list_extract_html(doc, bases[(data[0] >> 4) % NELEM(bases)],
			      &specs[data[0] % NELEM(specs)], &li, err, sizeof(err)) == 0) {
		for (size_t i = 0; i < li.n && i < 8; i++)
			free(list_resolve_url(li.v[i].url, "../x?y#z"));
	}
	list_items_free(&li);
	xmlFreeDoc(doc);
	return 0;
}
