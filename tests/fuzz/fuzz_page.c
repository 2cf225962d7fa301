/*
 * page_parse with every kind, Content-Type and encoding override the daemon
 * passes (analyze/page/page.c, charset.c, page_prescan.c, page_repair.c).
 */
#include "tests/fuzz/fuzz.h"

#include <libxml/tree.h>

#include "analyze/page/page.h"

static const char *const ctypes[] = {NULL,
				     "text/html",
				     "text/html; charset=utf-8",
				     "text/html; charset=shift_jis",
				     "application/rss+xml",
				     "application/atom+xml; charset=iso-8859-1",
				     "text/xml; charset=\"gb2312\"",
				     "text/html; charset=utf-16"};
static const char *const encodings[] = {NULL, NULL, NULL, "windows-1251", "euc-kr", "utf-8"};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	page_init();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *body = (const char *)data + 1, *ct;
	struct page_limits lim = {0};
	enum page_kind got = PAGE_AUTO;
	char err[256], cs[64];
	xmlDocPtr doc;
	size_t len;

	if (size == 0)
		return 0;
	len = size - 1;
	ct = ctypes[data[0] % NELEM(ctypes)];
	if (data[0] & 0x80) /* small limits reach the depth and node caps */
		lim = (struct page_limits){.max_bytes = 1 << 16, .max_depth = 16, .max_nodes = 200};
	page_detect_charset(body, len, ct, cs, sizeof(cs));
	page_looks_like_feed(body, len, ct);
	doc = page_parse(body, len, ct, encodings[(data[0] >> 3) % NELEM(encodings)],
			 (enum page_kind)((data[0] >> 5) % 3), &lim, &got, err, sizeof(err));
	xmlFreeDoc(doc);
	return 0;
}
