/*
 * analyze/page: charset detection, conversion, hardened parsing, limits.
 * Own fixtures in tests/fixtures/page/ (found through $SW_ROOT, else ".");
 * the offline ministry site in $SW_SHARED/fixtures/site (else ../shared).
 */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libxml/tree.h>
#include <libxml/xmlstring.h>

#include "analyze/page.h"
#include "common/buf.h"
#include "common/xmalloc.h"

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct buf b;
	char chunk[8192];
	size_t n;

	if (f == NULL)
		return NULL;
	buf_init(&b);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(&b, chunk, n);
	fclose(f);
	*len = b.len;
	return buf_steal(&b);
}

static char *own_fixture(const char *name, size_t *len)
{
	const char *root = getenv("SW_ROOT");
	char path[1024];
	char *data;

	snprintf(path, sizeof(path), "%s/tests/fixtures/page/%s", root ? root : ".", name);
	data = slurp(path, len);
	ck_assert_msg(data != NULL, "cannot read %s", path);
	return data;
}

/* The shared site directory, or NULL (the caller skips). */
static const char *site_dir(void)
{
	static char dir[1024];
	const char *shared = getenv("SW_SHARED");

	snprintf(dir, sizeof(dir), "%s/fixtures/site", shared ? shared : "../shared");
	if (access(dir, R_OK) != 0) {
		printf("skipped: ../shared not found\n");
		return NULL;
	}
	return dir;
}

static char *site_file(const char *rel, size_t *len)
{
	char path[1024];
	char *data;

	snprintf(path, sizeof(path), "%s/%s", site_dir(), rel);
	data = slurp(path, len);
	ck_assert_msg(data != NULL, "cannot read %s", path);
	return data;
}

/* All text of the document, whitespace runs collapsed to one space. Caller frees. */
static char *doc_text(xmlDocPtr doc)
{
	xmlChar *raw = xmlNodeGetContent((xmlNodePtr)doc);
	char *out = xstrdup(raw ? (const char *)raw : "");
	size_t k = 0;
	int space = 0;

	for (const char *p = out; *p; p++) {
		if (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r') {
			space = k > 0;
			continue;
		}
		if (space)
			out[k++] = ' ';
		space = 0;
		out[k++] = *p;
	}
	out[k] = '\0';
	xmlFree(raw);
	return out;
}

static xmlDocPtr parse_ok(const char *data, size_t len, const char *ctype, enum page_kind want)
{
	char err[256] = "";
	enum page_kind kind;
	xmlDocPtr doc =
	    page_parse(data, len, ctype, NULL, PAGE_AUTO, NULL, &kind, err, sizeof(err));

	ck_assert_msg(doc != NULL, "parse failed: %s", err);
	ck_assert_int_eq(kind, want);
	return doc;
}

/* Parses a fixture and checks the detected charset and that want appears in the text. */
static void check_fixture_text(const char *name, const char *charset, const char *want)
{
	size_t len;
	char *data = own_fixture(name, &len);
	char cs[64];
	xmlDocPtr doc;
	char *text;

	page_detect_charset(data, len, NULL, cs, sizeof(cs));
	ck_assert_str_eq(cs, charset);
	doc = parse_ok(data, len, NULL, strstr(name, ".xml") ? PAGE_XML : PAGE_HTML);
	text = doc_text(doc);
	ck_assert_msg(strstr(text, want) != NULL, "%s: %s not in %s", name, want, text);
	ck_assert(xmlCheckUTF8((const xmlChar *)text));
	free(text);
	xmlFreeDoc(doc);
	free(data);
}

static char *detect(const char *data, const char *ctype)
{
	static char cs[64];

	page_detect_charset(data, strlen(data), ctype, cs, sizeof(cs));
	return cs;
}

START_TEST(charsets_of_own_fixtures)
{
	check_fixture_text("shift_jis.html", "CP932", "本日、外務大臣は記者会見を行った。");
	check_fixture_text("koi8-r.html", "KOI8-R", "Министр подчеркнул важность диалога.");
	check_fixture_text("iso-8859-2.html", "ISO-8859-2", "Zażółć gęślą jaźń");
	check_fixture_text("iso-8859-7.html", "ISO-8859-7", "Η συνεργασία είναι σημαντική.");
	check_fixture_text("gb2312-gbk-only.html", "GB18030", "总理朱镕基会见来宾。");
	check_fixture_text("cp1252-undeclared.html", "WINDOWS-1252",
			   "said \u201cnever again\u201d \u2014 costs \u20ac5.");
	check_fixture_text("utf16le-bom.html", "UTF-16LE", "Grüße aus Genf – 日内瓦.");
	check_fixture_text("utf16be-bom-feed.xml", "UTF-16BE", "Déclaration – 声明");
	check_fixture_text("utf8-bom-meta1252.html", "UTF-8", "Zürich – Genève");
}
END_TEST

START_TEST(header_meta_and_declaration_precedence)
{
	/* "Привет" in windows-1251; under KOI8-R the same bytes read differently */
	const char *page =
	    "<html><head><meta charset=\"koi8-r\"></head><body><p>\xcf\xf0\xe8\xe2\xe5\xf2"
	    "</p></body></html>";
	xmlDocPtr doc;
	char *text;

	ck_assert_str_eq(detect(page, "text/html; charset=windows-1251"), "WINDOWS-1251");
	ck_assert_str_eq(detect(page, "text/html; charset=\"Windows-1251\""), "WINDOWS-1251");
	ck_assert_str_eq(detect(page, "text/html"), "KOI8-R");
	ck_assert_str_eq(detect(page, NULL), "KOI8-R");
	doc = parse_ok(page, strlen(page), "text/html;charset=windows-1251", PAGE_HTML);
	text = doc_text(doc);
	ck_assert_str_eq(text, "Привет");
	free(text);
	xmlFreeDoc(doc);

	/* the override (a source's encoding =) beats everything */
	doc = page_parse(page, strlen(page), "text/html; charset=koi8-r", "cp1251", PAGE_HTML, NULL,
			 NULL, NULL, 0);
	ck_assert_ptr_nonnull(doc);
	text = doc_text(doc);
	ck_assert_str_eq(text, "Привет");
	free(text);
	xmlFreeDoc(doc);

	/* http-equiv form, meta after a comment that pretends otherwise */
	ck_assert_str_eq(detect("<!-- <meta charset=koi8-r> --><meta http-equiv=\"Content-Type\" "
				"content=\"text/html; charset=gb2312\">",
				NULL),
			 "GB18030");
	/* meta beats the XML declaration in HTML; the declaration counts in feeds */
	ck_assert_str_eq(detect("<?xml version=\"1.0\" encoding=\"iso-8859-2\"?><html><meta "
				"charset=\"koi8-r\"></html>",
				NULL),
			 "KOI8-R");
	ck_assert_str_eq(
	    detect("<?xml version=\"1.0\" encoding=\"iso-8859-2\"?><rss><![CDATA[<meta "
		   "charset=\"koi8-r\">]]></rss>",
		   NULL),
	    "ISO-8859-2");
	/* a <meta> inside an attribute value is no declaration */
	ck_assert_str_eq(detect("<div title='<meta charset=koi8-r>'>x</div>", NULL), "UTF-8");
}
END_TEST

START_TEST(unknown_labels_fall_back)
{
	ck_assert_str_eq(detect("<meta charset=gbk>", "text/html; charset=utf8mb4"), "GB18030");
	ck_assert_str_eq(detect("<meta charset=x-user-defined><p>caf\xc3\xa9</p>", NULL), "UTF-8");
	ck_assert_str_eq(detect("<meta charset=bogus-9><p>caf\xe9</p>", NULL), "WINDOWS-1252");
	ck_assert_str_eq(detect("<p>plain ascii</p>", "text/html; charset="), "UTF-8");
	/* latin1 means windows-1252, and a UTF-16 meta in an ASCII page means UTF-8 */
	ck_assert_str_eq(detect("<p>x</p>", "text/html; charset=ISO-8859-1"), "WINDOWS-1252");
	ck_assert_str_eq(detect("<meta charset=utf-16><p>x</p>", NULL), "UTF-8");
}
END_TEST

START_TEST(bytes_outweigh_wrong_utf8_or_latin1_claims)
{
	/* declared UTF-8, valid UTF-8 with one stray byte: stays UTF-8, byte becomes U+FFFD */
	const char *mixed = "<meta charset=utf-8><p>Gen\xc3\xa8ve \xff ok</p>";
	xmlDocPtr doc = parse_ok(mixed, strlen(mixed), NULL, PAGE_HTML);
	char *text = doc_text(doc);

	ck_assert_str_eq(detect(mixed, NULL), "UTF-8");
	ck_assert_str_eq(text, "Genève \xef\xbf\xbd ok");
	free(text);
	xmlFreeDoc(doc);
	/* server default ISO-8859-1 over a page that is valid UTF-8 */
	ck_assert_str_eq(detect("<p>Gen\xc3\xa8ve</p>", "text/html; charset=iso-8859-1"), "UTF-8");
	/* a template that kept its legacy label after the site moved to UTF-8 */
	ck_assert_str_eq(detect("<meta charset=gbk><p>\xe5\x8f\x91\xe8\xa8\x80</p>", NULL),
			 "UTF-8");
	ck_assert_str_eq(detect("<meta charset=koi8-r><p>\xd0\x9f\xd1\x80</p>", NULL), "UTF-8");
	ck_assert_str_eq(detect("<meta charset=gbk><p>\xb7\xa2\xd1\xd4</p>", NULL), "GB18030");
	/* NUL bytes do not cut the text */
	doc = parse_ok("<p>a\0b</p>", 10, NULL, PAGE_HTML);
	text = doc_text(doc);
	ck_assert_str_eq(text, "a\xef\xbf\xbd"
			       "b");
	free(text);
	xmlFreeDoc(doc);
}
END_TEST

START_TEST(feed_sniffing)
{
	const char *rss = "\xef\xbb\xbf \n<?xml version=\"1.0\"?>\n<!-- made by hand -->\n<?xml-"
			  "stylesheet href=\"s.xsl\"?>\n<rss version=\"2.0\"><channel/></rss>";
	const char *rdf = "<?xml version=\"1.0\"?><!DOCTYPE rdf:RDF [ <!-- x> --> ]><rdf:RDF "
			  "xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\"/>";
	const char *atom = "<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>t</title></feed>";
	const char *xhtml = "<?xml version=\"1.0\"?><!DOCTYPE html><html><body/></html>";

	ck_assert_int_eq(page_looks_like_feed(rss, strlen(rss), NULL), 1);
	ck_assert_int_eq(page_looks_like_feed(rdf, strlen(rdf), NULL), 1);
	ck_assert_int_eq(page_looks_like_feed(atom, strlen(atom), "application/xml"), 1);
	ck_assert_int_eq(page_looks_like_feed(xhtml, strlen(xhtml), "application/xml"), 0);
	ck_assert_int_eq(page_looks_like_feed("<!DOCTYPE html><p>rss</p>", 25, NULL), 0);
	ck_assert_int_eq(page_looks_like_feed("", 0, "application/rss+xml"), 1);
	xmlFreeDoc(parse_ok(rss, strlen(rss), NULL, PAGE_XML));
	xmlFreeDoc(parse_ok(xhtml, strlen(xhtml), "application/xml", PAGE_HTML));
}
END_TEST

START_TEST(sloppy_feed_is_recovered)
{
	size_t len;
	char *data = own_fixture("sloppy-feed.xml", &len);
	xmlDocPtr doc = parse_ok(data, len, "application/rss+xml", PAGE_XML);
	char *text = doc_text(doc);

	ck_assert_msg(strstr(text, "News\xc2\xa0Room & Press") != NULL, "%s", text);
	ck_assert_msg(strstr(text, "Q&A with the minister") != NULL, "%s", text);
	ck_assert_msg(strstr(text, "<p>&nbsp;kept</p>") != NULL, "CDATA changed: %s", text);
	free(text);
	xmlFreeDoc(doc);
	free(data);
	/* character references that name no XML character must not derail recovery */
	data = xstrdup("<rss><channel><title>a&#0;b&#xD800;c &#x41;&#66; &amp; d &#;</title>"
		       "</channel></rss>");
	doc = parse_ok(data, strlen(data), NULL, PAGE_XML);
	text = doc_text(doc);
	ck_assert_str_eq(text, "a\xef\xbf\xbd"
			       "b\xef\xbf\xbd"
			       "c AB & d &#;");
	free(text);
	xmlFreeDoc(doc);
	free(data);
}
END_TEST

/* No result of parsing name may hold /etc/passwd's content, in text or anywhere. */
static void check_no_leak(xmlDocPtr doc)
{
	xmlChar *dump = NULL;
	int size = 0;

	if (doc == NULL)
		return;
	xmlDocDumpMemory(doc, &dump, &size);
	ck_assert_ptr_nonnull(dump);
	ck_assert_ptr_null(strstr((const char *)dump, "root:"));
	ck_assert_ptr_null(strstr((const char *)dump, ":/bin/"));
	xmlFree(dump);
}

START_TEST(external_entities_never_read)
{
	static const char *const files[] = {"xxe-parameter.xml", "xxe-dtd.xml", "xinclude.xml"};
	char err[256];

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		size_t len;
		char *data = own_fixture(files[i], &len);
		xmlDocPtr doc =
		    page_parse(data, len, NULL, NULL, PAGE_AUTO, NULL, NULL, err, sizeof(err));

		check_no_leak(doc);
		if (i == 0)
			ck_assert_msg(doc == NULL && strstr(err, "entities"), "%s accepted",
				      files[i]);
		else
			ck_assert_msg(doc != NULL, "%s: %s", files[i], err);
		xmlFreeDoc(doc);
		free(data);
	}
}
END_TEST

START_TEST(quadratic_blowup_refused_quickly)
{
	struct buf b;
	char err[256];
	clock_t start = clock();
	xmlDocPtr doc;

	buf_init(&b);
	buf_append_str(&b, "<?xml version=\"1.0\"?>\n<!DOCTYPE rss [<!ENTITY a \"");
	for (int i = 0; i < 50000; i++)
		buf_append_char(&b, 'x');
	buf_append_str(&b, "\">]>\n<rss><channel><title>");
	for (int i = 0; i < 50000; i++)
		buf_append_str(&b, "&a;");
	buf_append_str(&b, "</title></channel></rss>\n");
	doc = page_parse(b.data, b.len, "application/rss+xml", NULL, PAGE_AUTO, NULL, NULL, err,
			 sizeof(err));
	ck_assert_ptr_null(doc);
	ck_assert_str_eq(err, "feed declares entities");
	ck_assert_msg(clock() - start < CLOCKS_PER_SEC / 2, "took %ld ticks",
		      (long)(clock() - start));
	buf_free(&b);
}
END_TEST

START_TEST(limits_enforced)
{
	struct page_limits small = {.max_bytes = 100, .max_depth = 0, .max_nodes = 0};
	struct page_limits few = {.max_bytes = 0, .max_depth = 0, .max_nodes = 5};
	struct page_limits shallow = {.max_bytes = 0, .max_depth = 4, .max_nodes = 0};
	const char *html = "<html><body><div><div><p>deep enough</p></div></div></body></html>";
	char big[200], err[256];

	memset(big, 'a', sizeof(big));
	ck_assert_ptr_null(
	    page_parse(big, sizeof(big), NULL, NULL, PAGE_HTML, &small, NULL, err, sizeof(err)));
	ck_assert_str_eq(err, "document larger than 100 bytes");
	ck_assert_ptr_null(
	    page_parse(html, strlen(html), NULL, NULL, PAGE_HTML, &few, NULL, err, sizeof(err)));
	ck_assert_str_eq(err, "more than 5 nodes");
	ck_assert_ptr_null(page_parse(html, strlen(html), NULL, NULL, PAGE_HTML, &shallow, NULL,
				      err, sizeof(err)));
	ck_assert_str_eq(err, "nesting deeper than 4");
	xmlFreeDoc(parse_ok(html, strlen(html), NULL, PAGE_HTML));
	ck_assert_ptr_null(
	    page_parse("  \n ", 4, NULL, NULL, PAGE_AUTO, NULL, NULL, err, sizeof(err)));
	ck_assert_str_eq(err, "empty document");
}
END_TEST

START_TEST(deep_nesting_generated)
{
	struct buf b;
	char err[256];
	clock_t start = clock();

	buf_init(&b);
	buf_append_str(&b, "<html><body>");
	for (int i = 0; i < 100000; i++)
		buf_append_str(&b, "<div>");
	buf_append_str(&b, "bottom");
	ck_assert_ptr_null(
	    page_parse(b.data, b.len, NULL, NULL, PAGE_AUTO, NULL, NULL, err, sizeof(err)));
	ck_assert_str_eq(err, "nesting deeper than 256");
	ck_assert_msg(clock() - start < 2 * CLOCKS_PER_SEC, "took %ld ticks",
		      (long)(clock() - start));
	buf_free(&b);
}
END_TEST

START_TEST(hostile_site_inputs)
{
	size_t len;
	char *data, err[256], *text;
	xmlDocPtr doc;
	clock_t start;

	if (site_dir() == NULL)
		return;
	data = site_file("hostile/deep-nesting.html", &len);
	ck_assert_ptr_null(
	    page_parse(data, len, "text/html", NULL, PAGE_AUTO, NULL, NULL, err, sizeof(err)));
	ck_assert_str_eq(err, "nesting deeper than 256");
	free(data);

	data = site_file("hostile/billion-laughs.xml", &len);
	start = clock();
	ck_assert_ptr_null(page_parse(data, len, "application/xml", NULL, PAGE_AUTO, NULL, NULL,
				      err, sizeof(err)));
	ck_assert_msg(clock() - start < CLOCKS_PER_SEC / 2, "billion laughs took too long");
	ck_assert_str_eq(err, "feed declares entities");
	free(data);

	data = site_file("hostile/xxe-feed.xml", &len);
	doc =
	    page_parse(data, len, "application/xml", NULL, PAGE_AUTO, NULL, NULL, err, sizeof(err));
	check_no_leak(doc);
	ck_assert_ptr_null(doc);
	free(data);

	data = site_file("hostile/empty.html", &len);
	ck_assert_ptr_null(
	    page_parse(data, len, "text/html", NULL, PAGE_AUTO, NULL, NULL, err, sizeof(err)));
	ck_assert_str_eq(err, "empty document");
	free(data);

	data = site_file("hostile/latin1-declared-utf8.html", &len);
	doc = parse_ok(data, len, "text/html", PAGE_HTML);
	text = doc_text(doc);
	ck_assert(xmlCheckUTF8((const xmlChar *)text));
	ck_assert_msg(strstr(text, "Déclaration du ministre sur la coopération numérique") != NULL,
		      "%s", text);
	ck_assert_msg(strstr(text, "Zürich, Señor, façade.") != NULL, "%s", text);
	free(text);
	xmlFreeDoc(doc);
	free(data);

	data = site_file("hostile/broken-list.html", &len);
	doc = parse_ok(data, len, "text/html", PAGE_HTML);
	text = doc_text(doc);
	ck_assert(strstr(text, "Speech on unclosed tags") != NULL);
	ck_assert(strstr(text, "Remarks with an unquoted attribute") != NULL);
	ck_assert(strstr(text, "Statement after a stray end tag") != NULL);
	free(text);
	xmlFreeDoc(doc);
	free(data);
}
END_TEST

/* Checks that every string field of an expected.json article is in the page's text. */
static void check_article(const char *path, json_t *article, int *checked)
{
	static const char *const fields[] = {"title", "first_sentence", "last_sentence"};
	const char *charset = json_string_value(json_object_get(article, "charset"));
	size_t len;
	char *data = site_file(path, &len);
	char cs[64];
	xmlDocPtr doc = parse_ok(data, len, "text/html", PAGE_HTML);
	char *text = doc_text(doc);

	page_detect_charset(data, len, "text/html", cs, sizeof(cs));
	if (charset != NULL && (strcmp(charset, "gbk") == 0 || strcmp(charset, "gb2312") == 0))
		ck_assert_str_eq(cs, "GB18030");
	else
		ck_assert_str_eq(cs, "UTF-8");
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		const char *want = json_string_value(json_object_get(article, fields[i]));

		if (want != NULL)
			ck_assert_msg(strstr(text, want) != NULL, "%s: %s \"%s\" missing", path,
				      fields[i], want);
	}
	(*checked)++;
	free(text);
	xmlFreeDoc(doc);
	free(data);
}

START_TEST(site_articles_decode_to_expected_text)
{
	char path[1024];
	json_t *root, *articles, *article;
	json_error_t jerr;
	const char *key;
	int checked = 0, zh = 0;

	if (site_dir() == NULL)
		return;
	snprintf(path, sizeof(path), "%s/expected.json", site_dir());
	root = json_load_file(path, 0, &jerr);
	ck_assert_msg(root != NULL, "%s", jerr.text);
	articles = json_object_get(root, "articles");
	json_object_foreach(articles, key, article)
	{
		check_article(key, article, &checked);
		zh += strstr(key, "mfa-zh/") != NULL;
	}
	ck_assert_int_ge(checked, 50);
	ck_assert_int_ge(zh, 8);
	json_decref(root);
}
END_TEST

START_TEST(gbk_list_titles_are_chinese)
{
	char path[1024];
	json_t *root, *items, *item;
	json_error_t jerr;
	size_t i, len;
	char *data, *text;
	xmlDocPtr doc;

	if (site_dir() == NULL)
		return;
	snprintf(path, sizeof(path), "%s/expected.json", site_dir());
	root = json_load_file(path, 0, &jerr);
	ck_assert_ptr_nonnull(root);
	data = site_file("mfa-zh/index.html", &len);
	doc = parse_ok(data, len, "text/html", PAGE_HTML);
	text = doc_text(doc);
	ck_assert(strstr(text, "重要讲话") != NULL);
	ck_assert(strstr(text, "Français Русский Español عربي") != NULL);
	items = json_object_get(
	    json_object_get(
		json_object_get(json_object_get(json_object_get(root, "sources"), "mfa-zh"),
				"versions"),
		"v1"),
	    "items");
	ck_assert_int_eq(json_array_size(items), 4);
	json_array_foreach(items, i, item)
	{
		const char *title = json_string_value(json_object_get(item, "title"));

		ck_assert_msg(strstr(text, title) != NULL, "title %s missing", title);
	}
	free(text);
	xmlFreeDoc(doc);
	free(data);
	json_decref(root);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("page");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	page_init();
	tcase_add_test(tc, charsets_of_own_fixtures);
	tcase_add_test(tc, header_meta_and_declaration_precedence);
	tcase_add_test(tc, unknown_labels_fall_back);
	tcase_add_test(tc, bytes_outweigh_wrong_utf8_or_latin1_claims);
	tcase_add_test(tc, feed_sniffing);
	tcase_add_test(tc, sloppy_feed_is_recovered);
	tcase_add_test(tc, external_entities_never_read);
	tcase_add_test(tc, quadratic_blowup_refused_quickly);
	tcase_add_test(tc, limits_enforced);
	tcase_add_test(tc, deep_nesting_generated);
	tcase_add_test(tc, hostile_site_inputs);
	tcase_add_test(tc, site_articles_decode_to_expected_text);
	tcase_add_test(tc, gbk_list_titles_are_chinese);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
