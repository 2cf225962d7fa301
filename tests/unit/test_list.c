/* Unit tests for analyze/list (HTML lists, URL resolution, has-class). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <libxml/xpathInternals.h>

#include "analyze/page/list.h"
#include "analyze/page/page.h"
#include "common/buf.h"
#include "tests/unit/testutil.h"

#define XC(s) ((const xmlChar *)(s))

static xmlDocPtr html_doc(const char *html)
{
	char err[256] = "";
	xmlDocPtr doc;

	page_init();
	doc = page_parse(html, strlen(html), "text/html; charset=utf-8", NULL, PAGE_HTML, NULL,
			 NULL, err, sizeof(err));
	ck_assert_msg(doc != NULL, "page_parse: %s", err);
	return doc;
}

static int extract(const char *html, const char *url, const struct list_spec *spec,
		   struct list_items *out)
{
	char err[256] = "";
	xmlDocPtr doc = html_doc(html);
	int rc = list_extract_html(doc, url, spec, out, err, sizeof(err));

	xmlFreeDoc(doc);
	return rc;
}

/* ---- has-class, exactly parsel's tests ---- */

static int count_nodes(xmlDocPtr doc, const char *expr)
{
	xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
	xmlXPathObjectPtr res;
	int n = -1;

	list_xpath_register(ctx);
	res = xmlXPathEvalExpression(XC(expr), ctx);
	if (res != NULL && res->type == XPATH_NODESET)
		n = res->nodesetval != NULL ? res->nodesetval->nodeNr : 0;
	else if (res != NULL && res->type == XPATH_BOOLEAN)
		n = res->boolval;
	xmlXPathFreeObject(res);
	xmlXPathFreeContext(ctx);
	return n;
}

static void quiet_xpath(void *data, xmlErrorPtr e)
{
	(void)data;
	(void)e;
}

START_TEST(test_has_class)
{
	xmlDocPtr doc =
	    html_doc("<p class=\"foo bar-baz\">First</p><p class=\"foo\">Second</p>"
		     "<p class=\"bar\">Third</p><p>Fourth</p>"
		     "<p class=\"x\n\ty  z\">Fifth</p><p class=\"f&#243;&#243;\">U</p>");

	xmlSetStructuredErrorFunc(NULL, quiet_xpath);
	ck_assert_int_eq(count_nodes(doc, "//p[has-class(\"foo\")]"), 2);
	ck_assert_int_eq(count_nodes(doc, "//p[has-class(\"bar\")]"), 1);
	ck_assert_int_eq(count_nodes(doc, "//p[has-class(\"foo\",\"bar\")]"), 0);
	ck_assert_int_eq(count_nodes(doc, "//p[has-class(\"foo\",\"bar-baz\")]"), 1);
	ck_assert_int_eq(count_nodes(doc, "//p[has-class(\"foo bar-baz\")]"), 1);
	/* whitespace in the attribute is normalised; one argument = ordered run */
	ck_assert_int_eq(count_nodes(doc, "//p[has-class(\"y\")]"), 1);
	ck_assert_int_eq(count_nodes(doc, "//p[has-class(\"x y\")]"), 1);
	ck_assert_int_eq(count_nodes(doc, "//p[has-class(\"y x\")]"), 0);
	ck_assert_int_eq(count_nodes(doc, "//p[has-class(\"\")]"), 0);
	ck_assert_int_eq(count_nodes(doc, "//p[has-class(\"f\xC3\xB3\xC3\xB3\")]"), 1);
	/* errors: no arguments, non-string argument */
	ck_assert_int_eq(count_nodes(doc, "has-class()"), -1);
	ck_assert_int_eq(count_nodes(doc, "//p[has-class(.)]"), -1);
	ck_assert_int_eq(count_nodes(doc, "//p[has-class(1)]"), -1);
	xmlFreeDoc(doc);
}
END_TEST

/* ---- URL resolution ---- */

static void check_url(const char *base, const char *href, const char *want)
{
	char *got = list_resolve_url(base, href);

	if (want == NULL)
		ck_assert_msg(got == NULL, "%s + %s: want NULL, got %s", base, href, got);
	else
		ck_assert_msg(got != NULL && strcmp(got, want) == 0, "%s + %s: want %s, got %s",
			      base, href, want, got != NULL ? got : "NULL");
	free(got);
}

START_TEST(test_resolve_url)
{
	const char *b = "http://ex.org/a/b/index.html?x=1#top";

	check_url(b, "c.html", "http://ex.org/a/b/c.html");
	check_url(b, "./201911/t1.html", "http://ex.org/a/b/201911/t1.html");
	check_url(b, "../c.html", "http://ex.org/a/c.html");
	check_url(b, "../../../../c.html", "http://ex.org/c.html");
	check_url(b, "/root.html", "http://ex.org/root.html");
	check_url(b, "//other.org/x", "http://other.org/x");
	check_url("https://ex.org/a/", "//other.org/x", "https://other.org/x");
	check_url(b, "?page=2", "http://ex.org/a/b/index.html?page=2");
	check_url(b, "c.html?a=1&b=2", "http://ex.org/a/b/c.html?a=1&b=2");
	check_url(b, "c.html#frag", "http://ex.org/a/b/c.html");
	check_url(b, "#only", "http://ex.org/a/b/index.html?x=1");
	check_url(b, "  c.html\n", "http://ex.org/a/b/c.html");
	check_url(b, "my speech.html", "http://ex.org/a/b/my%20speech.html");
	check_url(b, "\xE8\xAE\xB2\xE8\xAF\x9D.html", "http://ex.org/a/b/%e8%ae%b2%e8%af%9d.html");
	check_url(b, "HTTPS://Other.ORG/P", "https://other.org/P");
	check_url(b, "javascript:void(0)", NULL);
	check_url(b, "JavaScript:alert(1)", NULL);
	check_url(b, "mailto:press@ex.org", NULL);
	check_url(b, "ftp://ex.org/file", NULL);
	check_url(b, "data:text/html,hi", NULL);
	check_url(NULL, "c.html", NULL);
	check_url(NULL, "http://ex.org/x#y", "http://ex.org/x");
}
END_TEST

/* ---- HTML list extraction ---- */

START_TEST(test_html_defaults)
{
	const char *html =
	    "<html><head><title>t</title></head><body><ul class='news'>"
	    "<li><a href='a1.html'>  First\n  speech </a> <span>2019-10-24</span></li>"
	    "<li><a href='a2.html' title='Second speech about something long'>Second "
	    "speech&#8230;</a></li>"
	    "<li><a href='a3.html' title='Third full'>Third...</a></li>"
	    "<li><a href='a4.html' title='Unrelated'>Fourth...</a></li>"
	    "<li><a href='a1.html#x'>Duplicate of first</a></li>"
	    "<li><a href='javascript:go()'>Script</a></li>"
	    "<li><a href='mailto:x@y'>Mail</a></li>"
	    "<li>No link here</li>"
	    "<li><div><a name='n'>no href</a><a href='deep/a5.html'>Fifth<br>line</a></div></li>"
	    "</ul></body></html>";
	struct list_spec spec = {.items = "//ul[@class='news']/li"};
	struct list_items out;

	ck_assert_int_eq(extract(html, "http://ex.org/s/index.html", &spec, &out), 0);
	ck_assert_uint_eq(out.n, 5);
	ck_assert_str_eq(out.v[0].url, "http://ex.org/s/a1.html");
	ck_assert_str_eq(out.v[0].title, "First speech");
	ck_assert_ptr_null(out.v[0].date);
	ck_assert_str_eq(out.v[1].title, "Second speech about something long");
	ck_assert_str_eq(out.v[2].title, "Third full");
	ck_assert_str_eq(out.v[3].title, "Fourth...");
	ck_assert_str_eq(out.v[4].url, "http://ex.org/s/deep/a5.html");
	ck_assert_str_eq(out.v[4].title, "Fifth line");
	list_items_free(&out);

	spec.max_items = 2;
	ck_assert_int_eq(extract(html, "http://ex.org/s/index.html", &spec, &out), 0);
	ck_assert_uint_eq(out.n, 2);
	list_items_free(&out);
}
END_TEST

START_TEST(test_html_items_are_links)
{
	const char *html =
	    "<html><head><base href='https://cdn.ex.org/news/'></head><body>"
	    "<a class='item big' href='x/1'><h2>One</h2></a>"
	    "<a class='item' href='/2'><h2>Two</h2><span class='d'>24.10.2019</span></a>"
	    "<a class='other' href='3'>Three</a></body></html>";
	struct list_spec spec = {.items = "//a[has-class(\"item\")]",
				 .title = "//h2//text()",
				 .link = "//@href",
				 .date = "//span[has-class(\"d\")]/text()"};
	struct list_items out;

	ck_assert_int_eq(extract(html, "http://ex.org/page", &spec, &out), 0);
	ck_assert_uint_eq(out.n, 2);
	ck_assert_str_eq(out.v[0].url, "https://cdn.ex.org/news/x/1");
	ck_assert_str_eq(out.v[0].title, "One");
	ck_assert_str_eq(out.v[1].url, "https://cdn.ex.org/2");
	ck_assert_str_eq(out.v[1].title, "Two");
	/* "//" is read relative to the item: item 1 has no date, not item 2's */
	ck_assert_ptr_null(out.v[0].date);
	ck_assert_ptr_nonnull(out.v[1].date);
	ck_assert_str_eq(out.v[1].date, "2019-10-24");
	list_items_free(&out);
}
END_TEST

START_TEST(test_html_errors)
{
	const char *html = "<html><body><a href='x'>x</a></body></html>";
	struct list_spec spec = {.items = "//a[", .title = NULL};
	struct list_items out;
	char err[256] = "";
	xmlDocPtr doc = html_doc(html);

	xmlSetStructuredErrorFunc(NULL, quiet_xpath);
	ck_assert_int_eq(list_extract_html(doc, "http://e.org/", &spec, &out, err, sizeof(err)),
			 -1);
	ck_assert_msg(strstr(err, "items XPath") != NULL, "%s", err);
	ck_assert_uint_eq(out.n, 0);
	spec.items = "//a";
	spec.title = "has-class()";
	err[0] = '\0';
	ck_assert_int_eq(list_extract_html(doc, "http://e.org/", &spec, &out, err, sizeof(err)),
			 -1);
	ck_assert_msg(strstr(err, "title XPath") != NULL, "%s", err);
	spec.title = NULL;
	spec.items = "count(//a)";
	ck_assert_int_eq(list_extract_html(doc, "http://e.org/", &spec, &out, err, sizeof(err)),
			 -1);
	spec.items = NULL;
	ck_assert_int_eq(list_extract_html(doc, "http://e.org/", &spec, &out, err, sizeof(err)),
			 -1);
	xmlFreeDoc(doc);
}
END_TEST

/* An exponential XPath on a modest page is cut off by the op limit, quickly. */
START_TEST(test_xpath_bounded)
{
	size_t n = 3000, i;
	char *html = malloc(n * 40 + 100);
	struct list_spec spec = {.items = "//a[count(//a[count(//a) > 1]) > 1]"};
	struct list_items out;
	char err[256] = "";
	xmlDocPtr doc;

	strcpy(html, "<html><body>");
	for (i = 0; i < n; i++)
		sprintf(html + strlen(html), "<a href='/%zu'>%zu</a>", i, i);
	strcat(html, "</body></html>");
	doc = html_doc(html);
	ck_assert_int_eq(list_extract_html(doc, "http://e.org/", &spec, &out, err, sizeof(err)),
			 -1);
	ck_assert_msg(strstr(err, "limit") != NULL, "%s", err);
	spec.items = "//a";
	ck_assert_int_eq(list_extract_html(doc, "http://e.org/", &spec, &out, err, sizeof(err)), 0);
	ck_assert_uint_eq(out.n, n);
	list_items_free(&out);
	xmlFreeDoc(doc);
	free(html);
}
END_TEST

START_TEST(test_hard_cap)
{
	size_t n = 10050, i;
	char *html = malloc(n * 40 + 100);
	struct list_spec spec = {.items = "//a", .max_items = 20000};
	struct list_items out;

	strcpy(html, "<html><body>");
	for (i = 0; i < n; i++)
		sprintf(html + strlen(html), "<a href='/%zu'>%zu</a>", i, i);
	strcat(html, "</body></html>");
	ck_assert_int_eq(extract(html, "http://e.org/", &spec, &out), 0);
	ck_assert_uint_eq(out.n, 10000);
	list_items_free(&out);
	free(html);
}
END_TEST

/* An archive over the hard cap with its newest item appended: the cut keeps both ends. */
START_TEST(test_hard_cap_keeps_both_ends_of_an_undated_list)
{
	size_t n = 10001, i;
	char *html = malloc(n * 40 + 100), note[512];
	struct list_spec spec = {.items = "//a"};
	struct list_items out;

	strcpy(html, "<html><body>");
	for (i = 0; i < n; i++)
		sprintf(html + strlen(html), "<a href='/%zu'>%zu</a>", i, i);
	strcat(html, "</body></html>");
	ck_assert_int_eq(extract(html, "http://e.org/", &spec, &out), 0);
	ck_assert_uint_eq(out.n, 10000);
	ck_assert_uint_eq(out.total, 10001);
	ck_assert_int_eq(out.cut, LIST_CUT_PAGE_ENDS);
	ck_assert_str_eq(out.v[0].url, "http://e.org/0");
	ck_assert_str_eq(out.v[4999].url, "http://e.org/4999");
	ck_assert_str_eq(out.v[5000].url, "http://e.org/5001"); /* the middle one is skipped */
	ck_assert_str_eq(out.v[9999].url, "http://e.org/10000");
	ck_assert_int_eq(list_items_note(&out, note, sizeof(note)), 1);
	ck_assert_str_eq(note, "the list has 10001 items, over the cap of 10000: kept the 10000 "
			       "first and last in page order, skipped 1");
	list_items_free(&out);
	free(html);
}
END_TEST

/* With dates, a cut keeps the newest wherever they are, in page order. */
START_TEST(test_hard_cap_keeps_the_newest_by_date)
{
	size_t n = 25000, i;
	char *html = malloc(n * 80 + 100), note[512];
	struct list_spec spec = {.items = "//li", .date = "span"};
	struct list_items out;

	strcpy(html, "<html><body><ul>");
	/* 2001 but for item 300 and item 15000 (the middle: no end of the page), the newest */
	for (i = 0; i < n; i++)
		sprintf(html + strlen(html), "<li><a href='/%zu'>t</a><span>%s</span></li>", i,
			i == 300     ? "2020-05-04"
			: i == 15000 ? "2020-05-05"
				     : "2001-01-01");
	strcat(html, "</ul></body></html>");
	ck_assert_int_eq(extract(html, "http://e.org/", &spec, &out), 0);
	ck_assert_uint_eq(out.n, 10000);
	ck_assert_uint_eq(out.total, n);
	ck_assert_int_eq(out.cut, LIST_CUT_NEWEST_BY_DATE);
	/* then equal dates in page order: 0..9998; all in page order */
	ck_assert_str_eq(out.v[300].url, "http://e.org/300");
	ck_assert_str_eq(out.v[9998].url, "http://e.org/9998");
	ck_assert_str_eq(out.v[9999].url, "http://e.org/15000");
	ck_assert_int_eq(list_items_note(&out, note, sizeof(note)), 1);
	ck_assert_ptr_nonnull(strstr(note, "kept the 10000 newest by date, skipped 15000"));
	list_items_free(&out);
	free(html);
}
END_TEST

/* max_items is the source's own choice: the first items, and nothing to note. */
START_TEST(test_max_items_keeps_the_first_and_says_nothing)
{
	const char *html = "<html><body><a href='/1'>1</a><a href='/2'>2</a><a href='/3'>3</a>"
			   "</body></html>";
	struct list_spec spec = {.items = "//a", .max_items = 2};
	struct list_items out;
	char note[64];

	ck_assert_int_eq(extract(html, "http://e.org/", &spec, &out), 0);
	ck_assert_uint_eq(out.n, 2);
	ck_assert_str_eq(out.v[1].url, "http://e.org/2");
	ck_assert_int_eq(list_items_note(&out, note, sizeof(note)), 0);
	list_items_free(&out);
}
END_TEST

/* Nested blocks: every level is an item holding the same link (kept once). */
START_TEST(test_nested_items)
{
	char *html = malloc(200 * 40 + 200);
	struct list_spec spec = {.items = "//div", .title = "."};
	struct list_items out;
	int i;

	strcpy(html, "<html><body>");
	for (i = 0; i < 200; i++)
		strcat(html, "<div>text ");
	strcat(html, "<a href='/deep'>deep</a>");
	for (i = 0; i < 200; i++)
		strcat(html, "</div>");
	strcat(html, "</body></html>");
	ck_assert_int_eq(extract(html, "http://e.org/", &spec, &out), 0);
	ck_assert_uint_eq(out.n, 1);
	ck_assert_str_eq(out.v[0].url, "http://e.org/deep");
	ck_assert(strncmp(out.v[0].title, "text text", 9) == 0);
	list_items_free(&out);
	free(html);
}
END_TEST

/* ---- acceptance: shared/fixtures/site ---- */

static void check_fixture_list(const char *source, const char *version, const char *items_xp,
			       const char *title_xp)
{
	const char *dir = testutil_shared_dir();
	char path[4200], err[256] = "";
	json_t *root, *ver, *items;
	json_error_t jerr;
	struct list_items out;
	struct list_spec spec = {
	    .items = items_xp, .link = "a/@href", .title = title_xp, .date = "span"};
	const char *list;
	xmlDocPtr doc;
	size_t len, i;
	char *data;

	if (dir == NULL) {
		printf("skipped: ../shared not found\n");
		return;
	}
	snprintf(path, sizeof(path), "%s/fixtures/site/expected.json", dir);
	root = json_load_file(path, 0, &jerr);
	ck_assert_ptr_nonnull(root);
	ver = json_object_get(
	    json_object_get(json_object_get(json_object_get(root, "sources"), source), "versions"),
	    version);
	list = json_string_value(json_object_get(ver, "list"));
	items = json_object_get(ver, "items");
	ck_assert_ptr_nonnull(list);
	snprintf(path, sizeof(path), "%s/fixtures/site/%s", dir, list);
	data = testutil_slurp(path, &len);
	ck_assert_ptr_nonnull(data);
	doc = page_parse(data, len, "text/html", NULL, PAGE_AUTO, NULL, NULL, err, sizeof(err));
	ck_assert_msg(doc != NULL, "%s: %s", path, err);
	snprintf(path, sizeof(path), "http://127.0.0.1:8080/%s/index.html", source);
	ck_assert_int_eq(list_extract_html(doc, path, &spec, &out, err, sizeof(err)), 0);
	ck_assert_uint_eq(out.n, json_array_size(items));
	for (i = 0; i < out.n; i++) {
		json_t *it = json_array_get(items, i);
		char want[4200];

		snprintf(want, sizeof(want), "http://127.0.0.1:8080/%s",
			 json_string_value(json_object_get(it, "path")));
		ck_assert_str_eq(out.v[i].url, want);
		ck_assert_str_eq(out.v[i].title, json_string_value(json_object_get(it, "title")));
		ck_assert_ptr_nonnull(out.v[i].date);
		ck_assert_str_eq(out.v[i].date, json_string_value(json_object_get(it, "date")));
	}
	list_items_free(&out);
	xmlFreeDoc(doc);
	free(data);
	json_decref(root);
}

START_TEST(test_fixture_mfa_en)
{
	/* expected.json: item div.newsLst_mod > ul > li, link a@href, title a@title */
	check_fixture_list("mfa-en", "v1", "//div[has-class(\"newsLst_mod\")]/ul/li", "a/@title");
	check_fixture_list("mfa-en", "v2", "//div[has-class(\"newsLst_mod\")]/ul/li", "a/@title");
	/* default title: link text, untruncated from @title */
	check_fixture_list("mfa-en", "v1", "//div[has-class(\"newsLst_mod\")]/ul/li", NULL);
	check_fixture_list("mfa-en", "v2", "//div[has-class(\"newsLst_mod\")]/ul/li", NULL);
}
END_TEST

START_TEST(test_fixture_mfa_zh)
{
	/* GBK page; expected.json: item div.newsBd > ul > li, title a text, date （YYYY-MM-DD） */
	check_fixture_list("mfa-zh", "v1", "//div[@class='newsBd']/ul/li", "a");
	check_fixture_list("mfa-zh", "v2", "//div[@class='newsBd']/ul/li", NULL);
}
END_TEST

START_TEST(test_fixture_broken_list)
{
	const char *dir = testutil_shared_dir();
	char path[4200], err[256] = "";
	/* libxml2's recovery moves the third <li> out of the list's div: select every li */
	struct list_spec spec = {.items = "//li"};
	struct list_items out;
	xmlDocPtr doc;
	size_t len;
	char *data;

	if (dir == NULL) {
		printf("skipped: ../shared not found\n");
		return;
	}
	snprintf(path, sizeof(path), "%s/fixtures/site/hostile/broken-list.html", dir);
	data = testutil_slurp(path, &len);
	ck_assert_ptr_nonnull(data);
	doc = page_parse(data, len, "text/html", NULL, PAGE_AUTO, NULL, NULL, err, sizeof(err));
	ck_assert_msg(doc != NULL, "%s", err);
	ck_assert_int_eq(list_extract_html(doc, "http://e.org/hostile/broken-list.html", &spec,
					   &out, err, sizeof(err)),
			 0);
	ck_assert_uint_ge(out.n, 3);
	ck_assert_str_eq(out.v[0].url, "http://e.org/hostile/a/speech-one.html");
	ck_assert(strncmp(out.v[0].title, "Speech on unclosed tags", 23) == 0);
	ck_assert_str_eq(out.v[1].url, "http://e.org/hostile/a/speech-two.html");
	ck_assert(strncmp(out.v[1].title, "Remarks with an unquoted attribute", 34) == 0);
	ck_assert_str_eq(out.v[2].url, "http://e.org/hostile/a/speech-three.html");
	ck_assert(strncmp(out.v[2].title, "Statement after a stray end tag", 31) == 0);
	/* the unterminated attribute swallowed markup: kept only as a safe, encoded URL */
	if (out.n > 3)
		ck_assert(strpbrk(out.v[3].url, "<> \n\"") == NULL);
	list_items_free(&out);
	xmlFreeDoc(doc);
	free(data);
}
END_TEST

/* ---- the source catalogue: every XPath compiles and runs with has-class ---- */

static int try_xpath(xmlXPathContextPtr ctx, const char *expr, int *runs)
{
	xmlXPathCompExprPtr comp = xmlXPathCtxtCompile(ctx, XC(expr));
	xmlXPathObjectPtr res;

	if (comp == NULL)
		return 0;
	ctx->node = xmlDocGetRootElement(ctx->doc);
	res = xmlXPathCompiledEval(comp, ctx);
	if (res != NULL)
		(*runs)++;
	xmlXPathFreeObject(res);
	xmlXPathFreeCompExpr(comp);
	return 1;
}

START_TEST(test_catalogue_xpaths)
{
	static const char *const keys[] = {"global", "link", "title", "posted_date", "statement"};
	const char *dir = testutil_shared_dir();
	char path[4200];
	int total = 0, compiled = 0, runs = 0, bs = 0;
	xmlXPathContextPtr ctx;
	xmlDocPtr doc;
	FILE *f;
	char *line = NULL;
	size_t cap = 0;

	if (dir == NULL) {
		printf("skipped: ../shared not found\n");
		return;
	}
	snprintf(path, sizeof(path), "%s/corpus/mfa-sources/urlconfig.json", dir);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	doc = html_doc("<html><body><div class='a b'><a href='x'>x</a></div></body></html>");
	ctx = xmlXPathNewContext(doc);
	list_xpath_register(ctx);
	ctx->error = quiet_xpath;
	while (getline(&line, &cap, f) > 0) {
		json_t *o = json_loads(line, 0, NULL);
		size_t k;

		for (k = 0; o != NULL && k < sizeof(keys) / sizeof(keys[0]); k++) {
			const char *x = json_string_value(json_object_get(o, keys[k]));

			if (x == NULL || x[0] == '\0' || strcmp(x, "nil") == 0 ||
			    strcmp(x, "nill") == 0)
				continue;
			if (strspn(x, "abcdefghijklmnopqrstuvwxyz0123456789") > 0 &&
			    x[strspn(x, "abcdefghijklmnopqrstuvwxyz0123456789")] == ',') {
				bs++; /* "tag,class": a BeautifulSoup selector, not XPath */
				continue;
			}
			total++;
			if (try_xpath(ctx, x, &runs))
				compiled++;
			else
				printf("catalogue: does not compile: %s = %s\n", keys[k], x);
		}
		json_decref(o);
	}
	free(line);
	fclose(f);
	printf("catalogue: %d XPaths, %d compile, %d evaluate (%d tag,class selectors skipped)\n",
	       total, compiled, runs, bs);
	ck_assert_int_gt(total, 1000);
	ck_assert_int_eq(compiled, total);
	ck_assert_int_eq(runs, compiled);
	xmlXPathFreeContext(ctx);
	xmlFreeDoc(doc);
}
END_TEST

/* ---- items that are not statements of the list (issue 15, failure 3) ---- */

static const char *const five_items =
    "<html><body><ul class='news'>"
    "<li><span class='t'>One</span><a href='/n/1.html'>read</a></li>"
    "<li><span class='t'>Two</span><a href='/n/2.html'>read</a></li>"
    "<li><span class='t'>Three</span><a href='/n/3.html'>read</a></li>"
    "<li><span class='t'>Four</span><a href='/n/4.html'>read</a></li>"
    "<li><span class='t'>Five</span><a href='/n/5.html'>read</a></li>"
    "</ul></body></html>";

START_TEST(test_link_selecting_nothing_is_rejected)
{
	/* the link XPath names an attribute the page does not have */
	struct list_spec spec = {
	    .items = "//ul[@class='news']/li", .link = "a/@data-href", .title = "span"};
	struct list_items out;
	char note[512];

	ck_assert_int_eq(extract(five_items, "http://ex.org/news/", &spec, &out), 0);
	ck_assert_uint_eq(out.n, 0); /* not one item with the page's own URL */
	ck_assert_uint_eq(out.rejected_nolink, 5);
	ck_assert_int_eq(list_items_verdict(&out), LIST_MOSTLY_REJECTED);
	ck_assert_int_eq(list_items_note(&out, note, sizeof(note)), 1);
	ck_assert_str_eq(note, "rejected 5 items (5 have no link)");
	list_items_free(&out);

	spec.link = "a/@href";
	ck_assert_int_eq(extract(five_items, "http://ex.org/news/", &spec, &out), 0);
	ck_assert_uint_eq(out.n, 5);
	ck_assert_uint_eq(list_items_rejected(&out), 0);
	ck_assert_int_eq(list_items_verdict(&out), LIST_USABLE);
	ck_assert_int_eq(list_items_note(&out, note, sizeof(note)), 0);
	list_items_free(&out);
}
END_TEST

START_TEST(test_link_to_the_list_page_is_rejected)
{
	const char *html = "<html><body>"
			   "<p><a href='./'>All news</a></p><p><a href='#top'>Top</a></p>"
			   "<p><a href='HTTP://WWW.EX.ORG/news'>News</a></p>"
			   "<p><a href='/news/?page=2'>Next</a></p>"
			   "<p><a href='/news/a.html'>A</a></p></body></html>";
	struct list_spec spec = {.items = "//p"};
	struct list_items out;
	char note[512];

	ck_assert_int_eq(extract(html, "http://ex.org/news/#list", &spec, &out), 0);
	ck_assert_uint_eq(out.rejected_self, 3);
	ck_assert_uint_eq(out.n, 2); /* another page of the list is not the list page */
	ck_assert_str_eq(out.v[1].url, "http://ex.org/news/a.html");
	ck_assert_int_eq(list_items_verdict(&out), LIST_MOSTLY_REJECTED);
	ck_assert_int_eq(list_items_note(&out, note, sizeof(note)), 1);
	ck_assert_str_eq(note, "rejected 3 items (3 link to the list page itself)");
	list_items_free(&out);
}
END_TEST

START_TEST(test_empty_titles_are_rejected)
{
	struct buf html;
	struct list_spec spec = {.items = "//li", .title = "h3"};
	struct list_items out;

	buf_init(&html);
	buf_append_str(&html, "<html><body><ul>");
	for (int i = 0; i < 293; i++)
		buf_printf(&html, "<li><a href='/c/%d'>x</a><h3> \xC2\xA0 </h3></li>", i);
	buf_append_str(&html, "</ul></body></html>");
	ck_assert_int_eq(extract(buf_str(&html), "http://ex.org/c/", &spec, &out), 0);
	ck_assert_uint_eq(out.n, 0);
	ck_assert_uint_eq(out.rejected_untitled, 293);
	ck_assert_int_eq(list_items_verdict(&out), LIST_MOSTLY_REJECTED);
	list_items_free(&out);
	buf_free(&html);
}
END_TEST

START_TEST(test_offsite_links_are_rejected_unless_allowed)
{
	const char *html = "<html><body>"
			   "<p><a href='https://www.ex.org/n/1'>On the site, with www.</a></p>"
			   "<p><a href='https://press.ex.org/n/2'>A subdomain of the site</a></p>"
			   "<p><a href='https://facebook.com/share?u=x'>Share</a></p>"
			   "<p><a href='//other.org/n/3'>Elsewhere</a></p>"
			   "<p><a href='http://notex.org/n/4'>A host ending like the site's</a></p>"
			   "</body></html>";
	struct list_spec spec = {.items = "//p"};
	struct list_items out;
	char note[512];

	ck_assert_int_eq(extract(html, "http://ex.org/news/", &spec, &out), 0);
	ck_assert_uint_eq(out.n, 2);
	ck_assert_str_eq(out.v[0].url, "https://www.ex.org/n/1");
	ck_assert_str_eq(out.v[1].url, "https://press.ex.org/n/2");
	ck_assert_uint_eq(out.rejected_offsite, 3);
	ck_assert_int_eq(list_items_verdict(&out), LIST_MOSTLY_REJECTED);
	ck_assert_int_eq(list_items_note(&out, note, sizeof(note)), 1);
	ck_assert_str_eq(note, "rejected 3 items (3 link to another site)");
	list_items_free(&out);

	spec.offsite = 1;
	ck_assert_int_eq(extract(html, "http://ex.org/news/", &spec, &out), 0);
	ck_assert_uint_eq(out.n, 5);
	ck_assert_int_eq(list_items_verdict(&out), LIST_USABLE);
	list_items_free(&out);
}
END_TEST

START_TEST(test_same_site_is_the_host_its_parent_domain_and_their_subdomains)
{
	const char *html =
	    "<html><body>"
	    "<p><a href='https://www.mfa.example.org/n/1'>The site's www host</a></p>"
	    "<p><a href='https://press.mfa.example.org/n/2'>A sibling host</a></p>"
	    "<p><a href='https://example.org/n/3'>Above the parent domain</a></p>"
	    "<p><a href='https://t.me/mfa'>Telegram</a></p>"
	    "<p><a href='/news/index.html'>The list page itself</a></p>"
	    "</body></html>";
	struct list_spec spec = {.items = "//p"};
	struct list_items out;

	ck_assert_int_eq(extract(html, "https://en.mfa.example.org/news/", &spec, &out), 0);
	ck_assert_uint_eq(out.n, 2);
	ck_assert_str_eq(out.v[1].url, "https://press.mfa.example.org/n/2");
	ck_assert_uint_eq(out.rejected_offsite, 2);
	ck_assert_uint_eq(out.rejected_self, 1);
	list_items_free(&out);
	/* an address has no parent domain */
	html = "<html><body><p><a href='http://127.0.0.2/n/1'>Another address</a></p>"
	       "<p><a href='http://127.0.0.1:8080/n/2'>This one</a></p></body></html>";
	ck_assert_int_eq(extract(html, "http://127.0.0.1:8080/news/", &spec, &out), 0);
	ck_assert_uint_eq(out.n, 1);
	ck_assert_uint_eq(out.rejected_offsite, 1);
	list_items_free(&out);
}
END_TEST

/*
 * A copy of a page served from another address (a mirror, an archive, a
 * saved page) links to its own site by absolute URLs: the site the page
 * declares (canonical link, og:url; here after markup that moved <head>'s
 * elements into <body>) is on-site too, other hosts still are not.
 */
START_TEST(test_declared_site_of_a_served_copy_is_on_site)
{
	const char *html =
	    "<html><div class='ext'></div><head><title>Press releases</title>"
	    "<link href='https://www.mfa.example.my/web/press' rel='canonical'></head><body>"
	    "<p><a href='https://www.mfa.example.my/web/-/statement-1'>Statement one</a></p>"
	    "<p><a href='https://mfa.example.my/web/-/statement-2'>Statement two</a></p>"
	    "<p><a href='https://facebook.com/mfa'>Facebook</a></p></body></html>";
	struct list_spec spec = {.items = "//p"};
	struct list_items out;

	ck_assert_int_eq(extract(html, "http://127.0.0.1:8000/press-release.html", &spec, &out), 0);
	ck_assert_uint_eq(out.n, 2);
	ck_assert_uint_eq(out.rejected_offsite, 1);
	list_items_free(&out);
	html = "<html><head><meta property='og:url' content='https://mfa.example.by/en/st/'></head>"
	       "<body><p><a href='https://mfa.example.by/en/st/1.html'>Statement one</a></p>"
	       "</body></html>";
	ck_assert_int_eq(extract(html, "http://127.0.0.1:8000/st.html", &spec, &out), 0);
	ck_assert_uint_eq(out.n, 1);
	list_items_free(&out);
}
END_TEST

/* Default title of an item whose first link is a picture: not "", so not rejected. */
START_TEST(test_image_links_take_their_title_from_the_item)
{
	const char *html =
	    "<html><body>"
	    "<div class='n'><a href='/n/1'><img src='1.jpg' alt='Photo'></a>"
	    "<h3><a href='/n/1'> Statement on the water agreement </a></h3></div>"
	    "<div class='n'><a href='/n/2'><img src='2.jpg' alt='Minister at the forum'></a></div>"
	    "<div class='n'><a href='/n/3'><img src='3.jpg'></a><a href='/n/9'>Other</a></div>"
	    "</body></html>";
	struct list_spec spec = {.items = "//div[@class='n']"};
	struct list_items out;

	ck_assert_int_eq(extract(html, "http://ex.org/news/", &spec, &out), 0);
	ck_assert_uint_eq(out.n, 2);
	ck_assert_str_eq(out.v[0].title, "Statement on the water agreement");
	ck_assert_str_eq(out.v[1].title, "Minister at the forum");
	ck_assert_uint_eq(out.rejected_untitled, 1); /* a link elsewhere does not name it */
	list_items_free(&out);
}
END_TEST

START_TEST(test_verdict_of_an_empty_selection)
{
	struct list_spec spec = {.items = "//div[@class='gone']"};
	struct list_items out;

	ck_assert_int_eq(extract(five_items, "http://ex.org/news/", &spec, &out), 0);
	ck_assert_uint_eq(out.n, 0);
	ck_assert_int_eq(list_items_verdict(&out), LIST_NO_MATCH);
	list_items_free(&out);
}
END_TEST

static Suite *list_suite(void)
{
	Suite *s = suite_create("list");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_has_class);
	tcase_add_test(tc, test_link_selecting_nothing_is_rejected);
	tcase_add_test(tc, test_link_to_the_list_page_is_rejected);
	tcase_add_test(tc, test_empty_titles_are_rejected);
	tcase_add_test(tc, test_offsite_links_are_rejected_unless_allowed);
	tcase_add_test(tc, test_image_links_take_their_title_from_the_item);
	tcase_add_test(tc, test_same_site_is_the_host_its_parent_domain_and_their_subdomains);
	tcase_add_test(tc, test_declared_site_of_a_served_copy_is_on_site);
	tcase_add_test(tc, test_verdict_of_an_empty_selection);
	tcase_add_test(tc, test_resolve_url);
	tcase_add_test(tc, test_html_defaults);
	tcase_add_test(tc, test_html_items_are_links);
	tcase_add_test(tc, test_html_errors);
	tcase_add_test(tc, test_xpath_bounded);
	tcase_add_test(tc, test_hard_cap);
	tcase_add_test(tc, test_hard_cap_keeps_both_ends_of_an_undated_list);
	tcase_add_test(tc, test_hard_cap_keeps_the_newest_by_date);
	tcase_add_test(tc, test_max_items_keeps_the_first_and_says_nothing);
	tcase_add_test(tc, test_nested_items);
	tcase_add_test(tc, test_fixture_mfa_en);
	tcase_add_test(tc, test_fixture_mfa_zh);
	tcase_add_test(tc, test_fixture_broken_list);
	tcase_add_test(tc, test_catalogue_xpaths);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return testutil_run(list_suite());
}
