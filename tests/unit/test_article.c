/*
 * analyze/article: one small hand-written page per extraction rule, the
 * metadata sources, the body-XPath path, hostile shapes, and every article
 * page of the offline fixture site (../shared/fixtures/site).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <libxml/HTMLparser.h>

#include "analyze/article/article.h"
#include "analyze/page/page.h"
#include "common/buf.h"
#include "tests/unit/testutil.h"
#include "common/xmalloc.h"

#define LOREM                                                                                      \
	"The delegation discussed cooperation on trade, climate and security, and agreed "         \
	"that regular consultations should continue at the working level next year. "

static xmlDocPtr parse(const char *html)
{
	char err[256];
	xmlDocPtr doc = page_parse(html, strlen(html), "text/html; charset=utf-8", NULL, PAGE_HTML,
				   NULL, NULL, err, sizeof(err));

	ck_assert_msg(doc != NULL, "parse: %s", err);
	return doc;
}

/* Extracts automatically; the caller frees a. */
static void extract_opts(const char *html, const struct article_opts *opts, struct article *a)
{
	char err[256] = "";
	xmlDocPtr doc = parse(html);
	int rc =
	    article_extract(doc, "https://mfa.example.org/news/a.html", opts, a, err, sizeof(err));

	ck_assert_msg(rc == 0, "extract: %s", err);
	ck_assert_ptr_nonnull(a->text);
	ck_assert_ptr_nonnull(a->title);
	xmlFreeDoc(doc);
}

static void extract(const char *html, struct article *a)
{
	extract_opts(html, NULL, a);
}

#define ck_has(text, s)                                                                            \
	ck_assert_msg(strstr((text), (s)) != NULL, "missing \"%s\" in:\n%s", s, text)
#define ck_hasnt(text, s)                                                                          \
	ck_assert_msg(strstr((text), (s)) == NULL, "unexpected \"%s\" in:\n%s", s, text)

START_TEST(link_density_drops_link_blocks)
{
	struct article a;

	extract(
	    "<html><body><div><a href=/1>Home</a> <a href=/2>World news today</a> "
	    "<a href=/3>Politics and the economy</a> <a href=/4>Sport results</a></div>"
	    "<div><p>First paragraph. " LOREM "</p><p>Second paragraph, with <a href=/x>one "
	    "link</a> inside. " LOREM "</p><p>Third paragraph. " LOREM "</p></div>"
	    "<div><a href=/5>Read more stories</a> | <a href=/6>Contact the press office</a></div>"
	    "</body></html>",
	    &a);
	ck_assert(strncmp(a.text, "First paragraph.", 16) == 0);
	ck_has(a.text, "with one link inside");
	ck_hasnt(a.text, "Politics and the economy");
	ck_hasnt(a.text, "Contact the press office");
	ck_assert_uint_gt(a.words, 60);
	article_free(&a);
}
END_TEST

START_TEST(hidden_elements_dropped)
{
	struct article a;

	extract("<html><body><div><p>Visible one. " LOREM "</p>"
		"<p style='display: none'>Hidden by style " LOREM "</p>"
		"<div hidden><p>Hidden by attribute " LOREM "</p></div>"
		"<p aria-hidden='true'>Hidden from readers " LOREM "</p>"
		"<p>Visible two. " LOREM "</p><script>var secret = 'script text';</script>"
		"<style>.x{color:red}</style></div></body></html>",
		&a);
	ck_has(a.text, "Visible one.");
	ck_has(a.text, "Visible two.");
	ck_hasnt(a.text, "Hidden");
	ck_hasnt(a.text, "script text");
	ck_hasnt(a.text, "color");
	article_free(&a);
}
END_TEST

START_TEST(nested_articles_keep_the_outer_one)
{
	struct article a;

	extract("<html><body><article><h1>Minister meets envoy</h1>"
		"<p>Opening paragraph. " LOREM "</p><p>Middle paragraph. " LOREM "</p>"
		"<article class='teaser'><h3><a href=/t1>Another story about something "
		"else</a></h3></article><p>Closing paragraph. " LOREM "</p>"
		"<section class='related-articles'><article><h3><a href=/t2>Related story "
		"title</a></h3><p>Summary of the related story, which is not part of this "
		"one at all.</p></article></section></article></body></html>",
		&a);
	ck_assert(strncmp(a.text, "Opening paragraph.", 18) == 0);
	ck_has(a.text, "Closing paragraph.");
	ck_hasnt(a.text, "Another story");
	ck_hasnt(a.text, "Related story");
	ck_hasnt(a.text, "Minister meets envoy");
	ck_assert_str_eq(a.title, "Minister meets envoy");
	article_free(&a);
}
END_TEST

START_TEST(two_candidate_blocks_pick_the_article)
{
	struct article a;

	extract("<html><body><div class='box'><p>Short note, with a comma.</p>"
		"<p>Another note in the side box, about the weather, nothing more.</p></div>"
		"<div class='box'><p>Statement one. " LOREM "</p><p>Statement two. " LOREM
		"</p><p>Statement three. " LOREM "</p><p>Statement four. " LOREM "</p></div>"
		"</body></html>",
		&a);
	ck_assert(strncmp(a.text, "Statement one.", 14) == 0);
	ck_has(a.text, "Statement four.");
	ck_hasnt(a.text, "side box");
	article_free(&a);
}
END_TEST

START_TEST(content_lists_kept_navigation_lists_dropped)
{
	struct article a;

	extract("<html><body><div><p>The ministry set out its priorities. " LOREM "</p>"
		"<ul><li>Strengthen dialogue with neighbouring countries on maritime "
		"security.</li><li>Expand cooperation on public health and vaccines.</li>"
		"<li>Support a fair and open multilateral trading system.</li></ul>"
		"<ul><li><a href=/a>Home</a></li><li><a href=/b>About the ministry</a></li>"
		"<li><a href=/c>Press releases</a></li></ul>"
		"<p>Closing remarks. " LOREM "</p></div></body></html>",
		&a);
	ck_has(a.text, "Expand cooperation on public health and vaccines.");
	ck_has(a.text, "\n\nSupport a fair");
	ck_hasnt(a.text, "About the ministry");
	ck_hasnt(a.text, "Press releases");
	article_free(&a);
}
END_TEST

START_TEST(tables_of_data_kept_tables_of_links_dropped)
{
	struct article a;

	extract("<html><body><div><p>Trade figures for the year. " LOREM "</p>"
		"<table><tr><th>Partner</th><th>Exports</th></tr><tr><td>Country A</td>"
		"<td>12 billion</td></tr><tr><td>Country B</td><td>7 billion</td></tr></table>"
		"<table><tr><td><a href=/1>Previous statement on trade policy</a></td>"
		"<td><a href=/2>Next statement on fisheries</a></td></tr></table>"
		"<p>Further details follow. " LOREM "</p></div></body></html>",
		&a);
	ck_has(a.text, "Country A");
	ck_has(a.text, "12 billion");
	ck_hasnt(a.text, "Previous statement");
	article_free(&a);
}
END_TEST

START_TEST(br_separated_text)
{
	struct article a;

	extract("<html><body><div id=x>Dear colleagues, " LOREM "<br><br>\n"
		"Second paragraph " LOREM "<br>continued on a new line" LOREM
		"<br/><br/>Third paragraph " LOREM "</div></body></html>",
		&a);
	ck_assert(strncmp(a.text, "Dear colleagues,", 16) == 0);
	ck_has(a.text, "next year.\n\nSecond paragraph");
	ck_has(a.text, "next year.\ncontinued on a new line");
	ck_has(a.text, "\n\nThird paragraph");
	article_free(&a);
}
END_TEST

START_TEST(cjk_page)
{
	struct article a;

	extract(
	    "<html lang='zh-CN'><head><title>外交部发言人答记者问_外交部</title></head><body>"
	    "<div class=nav><a href=/>首页</a> <a href=/a>外交部</a> <a href=/b>新闻</a></div>"
	    "<div class=main><h1>外交部发言人答记者问</h1><p class=time>2019年10月30日 16:20</p>"
	    "<div><p>女士们，先生们：</"
	    "p><p>网络空间是人类共同的活动空间，网络空间前途命运应由世界各国共同掌握。</p>"
	    "<p>我们主张尊重网络主权。各国有权自主选择网络发展道路、网络管理模式和互联网公共政策。<"
	    "/p>"
	    "<p>我们愿同各方一道，加强对话合作，共同构建网络空间命运共同体。</p></div></div>"
	    "<div class=footer>版权所有：外交部</div></body></html>",
	    &a);
	ck_assert(strncmp(a.text, "女士们，先生们：", strlen("女士们，先生们：")) == 0);
	ck_has(a.text, "共同构建网络空间命运共同体。");
	ck_hasnt(a.text, "首页");
	ck_hasnt(a.text, "版权所有");
	ck_assert_str_eq(a.title, "外交部发言人答记者问");
	ck_assert_str_eq(a.language, "zh");
	ck_assert_ptr_nonnull(a.date);
	ck_assert(strncmp(a.date, "2019-10-30", 10) == 0);
	ck_assert_uint_gt(a.words, 80);
	article_free(&a);
}
END_TEST

START_TEST(entities_decoded_whitespace_collapsed)
{
	struct article a;

	extract("<html><body><div><p>The minister&#x27;s   &quot;plan&quot;\n\t for A&amp;B"
		"&nbsp;countries. " LOREM "</p><p>More " LOREM "</p></div></body></html>",
		&a);
	ck_has(a.text, "The minister's \"plan\" for A&B countries.");
	ck_hasnt(a.text, "  ");
	article_free(&a);
}
END_TEST

START_TEST(metadata_from_meta_and_json_ld)
{
	struct article a;

	extract("<html lang='en-GB'><head><title>Ignored headline | Example Ministry</title>"
		"<meta property='og:title' content='Statement on the Summit'>"
		"<meta name='author' content='Meta Author'>"
		"<link rel='canonical' href='/news/statement-on-the-summit'>"
		"<script type='application/ld+json'>{\"@context\":\"https://schema.org\","
		"\"@graph\":[{\"@type\":\"NewsArticle\",\"datePublished\":\"2024-03-26T16:00:00-04:"
		"00\","
		"\"author\":{\"@type\":\"Person\",\"name\":\"Jane Speaker\"}}]}</script></head>"
		"<body><div><p>Body. " LOREM "</p><p>More. " LOREM "</p></div></body></html>",
		&a);
	ck_assert_str_eq(a.title, "Statement on the Summit");
	ck_assert_str_eq(a.date, "2024-03-26T16:00:00-04:00");
	ck_assert_str_eq(a.byline, "Jane Speaker");
	ck_assert_str_eq(a.language, "en");
	ck_assert_str_eq(a.canonical_url, "https://mfa.example.org/news/statement-on-the-summit");
	article_free(&a);
}
END_TEST

START_TEST(title_suffix_and_date_near_headline)
{
	struct article a;

	extract("<html><head><title>Remarks on Cyber Norms - Department of Examples</title>"
		"</head><body><div class=header><h1>Site</h1></div><div><h2>Remarks on Cyber "
		"Norms</h2><p class=x>Posted on March 26, 2024</p><p>Body. " LOREM "</p>"
		"<p>More. " LOREM "</p></div></body></html>",
		&a);
	ck_assert_str_eq(a.title, "Remarks on Cyber Norms");
	ck_assert_ptr_nonnull(a.date);
	ck_assert(strncmp(a.date, "2024-03-26", 10) == 0);
	ck_assert_ptr_null(a.byline);
	article_free(&a);
}
END_TEST

START_TEST(title_section_and_site_cut)
{
	struct article a;

	/* no <h1>: <title> gives "Headline - Section - Site"; both names go */
	extract("<html><head><title>Minister receives the ambassador of a neighbouring state - "
		"Press Releases - Portal</title></head><body><div><p>Body. " LOREM
		"</p><p>More. " LOREM "</p></div></body></html>",
		&a);
	ck_assert_str_eq(a.title, "Minister receives the ambassador of a neighbouring state");
	article_free(&a);
	/* a headline's own dash stays when what follows it is no short name */
	extract("<html><head><title>Talks on water - the outcome of three rounds of negotiations - "
		"Ministry</title></head><body><div><p>Body. " LOREM "</p><p>More. " LOREM
		"</p></div></body></html>",
		&a);
	ck_assert_str_eq(a.title, "Talks on water - the outcome of three rounds of negotiations");
	article_free(&a);
}
END_TEST

START_TEST(body_xpath_wins_and_exclude_applies)
{
	struct article_opts o;
	struct article a;

	memset(&o, 0, sizeof(o));
	o.body = "//div[@id='speech']";
	o.exclude[0] = "//div[@class='note']";
	extract_opts("<html><body><div><p>Automatic would pick this. " LOREM "</p><p>" LOREM
		     "</p><p>" LOREM "</p></div><div id=speech><h1>Heading</h1><p>Short "
		     "speech.</p><div class=note>Editor's note</div><ul><li><a href=/>A "
		     "link</a></li></ul></div></body></html>",
		     &o, &a);
	ck_assert_str_eq(a.text, "Heading\n\nShort speech.\n\nA link");
	ck_assert_uint_eq(a.words, 5);
	article_free(&a);
}
END_TEST

/* Catalogue selectors use Scrapy's has-class() in body and exclude too. */
START_TEST(body_and_exclude_accept_has_class)
{
	struct article_opts o;
	struct article a;

	memset(&o, 0, sizeof(o));
	o.body = "//div[has-class(\"field-item\")]";
	o.exclude[0] = "//p[has-class(\"share\")]";
	extract_opts("<html><body><div class='field-item even'><p>The statement.</p>"
		     "<p class='share tools'>Share this</p></div></body></html>",
		     &o, &a);
	ck_assert_str_eq(a.text, "The statement.");
	article_free(&a);
}
END_TEST

START_TEST(invalid_xpath_is_an_error)
{
	struct article_opts o;
	struct article a;
	char err[256] = "";
	xmlDocPtr doc = parse("<html><body><p>x</p></body></html>");

	memset(&o, 0, sizeof(o));
	o.body = "//div[";
	ck_assert_int_eq(article_extract(doc, NULL, &o, &a, err, sizeof(err)), -1);
	ck_assert(strstr(err, "XPath") != NULL);
	ck_assert_ptr_null(a.text);
	o.body = "//p";
	o.exclude[0] = "][";
	ck_assert_int_eq(article_extract(doc, NULL, &o, &a, err, sizeof(err)), -1);
	xmlFreeDoc(doc);
}
END_TEST

START_TEST(empty_page_is_not_an_error)
{
	struct article a;

	extract("<html><body></body></html>", &a);
	ck_assert_str_eq(a.text, "");
	ck_assert_uint_eq(a.words, 0);
	ck_assert_ptr_null(a.date);
	article_free(&a);
	article_free(&a);
	article_free(NULL);
}
END_TEST

START_TEST(deep_nesting_and_document_untouched)
{
	struct buf b;
	struct article a;
	char err[256];
	xmlDocPtr doc;
	xmlNodePtr n;
	int depth = 0;

	buf_init(&b);
	buf_append_str(&b, "<html><body>");
	for (int i = 0; i < 10000; i++)
		buf_append_str(&b, "<div>");
	buf_append_str(&b, "deepest speech text, " LOREM);
	buf_append_str(&b, "</body></html>");
	doc = htmlReadMemory(b.data, (int)b.len, NULL, "UTF-8",
			     HTML_PARSE_RECOVER | HTML_PARSE_NONET | HTML_PARSE_NOERROR |
				 HTML_PARSE_NOWARNING | HTML_PARSE_COMPACT | HTML_PARSE_NODEFDTD);
	ck_assert_ptr_nonnull(doc);
	ck_assert_int_eq(article_extract(doc, NULL, NULL, &a, err, sizeof(err)), 0);
	article_free(&a);
	for (n = xmlDocGetRootElement(doc); n; n = n->children, depth++)
		ck_assert_ptr_null(n->_private);
	ck_assert_int_gt(depth, 100);
	xmlFreeDoc(doc);
	buf_free(&b);
}
END_TEST

/* ---- the fixture site ---- */

/* Collapses white space (and U+00A0) the way expected.json compares text. */
static char *norm(const char *s)
{
	struct buf b;
	int space = 0;

	buf_init(&b);
	for (; *s; s++) {
		if (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r' ||
		    ((unsigned char)s[0] == 0xC2 && (unsigned char)s[1] == 0xA0)) {
			if ((unsigned char)*s == 0xC2)
				s++;
			space = b.len > 0;
			continue;
		}
		if (space)
			buf_append_char(&b, ' ');
		space = 0;
		buf_append_char(&b, *s);
	}
	return buf_steal(&b);
}

static const char *const chrome[] = {
    "Suggest to a friend",
    "Print",
    "Related News",
    "Español",
    "Русский",
    "cookies",
    "Share this page",
    "Facebook",
    "Is this page useful",
    "打印本页",
    "关闭窗口",
    "Tags",
    "Skip to",
    "Copyright",
    "版权所有",
    "official website",
    "Home",
};

static void check_article(const char *dir, const char *path, json_t *exp, json_t *articles)
{
	char file[4096], err[256];
	size_t len;
	char *data, *text;
	xmlDocPtr doc;
	struct article a;
	const char *first = json_string_value(json_object_get(exp, "first_sentence"));
	const char *last = json_string_value(json_object_get(exp, "last_sentence"));
	const char *title = json_string_value(json_object_get(exp, "title"));
	const char *date = json_string_value(json_object_get(exp, "date"));
	const char *k;
	json_t *other;

	snprintf(file, sizeof(file), "%s/fixtures/site/%s", dir, path);
	data = testutil_slurp(file, &len);
	ck_assert_msg(data != NULL, "cannot read %s", file);
	doc = page_parse(data, len, "text/html", NULL, PAGE_HTML, NULL, NULL, err, sizeof(err));
	ck_assert_msg(doc != NULL, "%s: %s", path, err);
	ck_assert_int_eq(article_extract(doc, file, NULL, &a, err, sizeof(err)), 0);
	text = norm(a.text);
	ck_assert_msg(strncmp(text, first, strlen(first)) == 0, "%s starts:\n%.200s", path, text);
	ck_assert_msg(strlen(text) >= strlen(last) &&
			  strcmp(text + strlen(text) - strlen(last), last) == 0,
		      "%s ends:\n%s", path, text + (strlen(text) > 200 ? strlen(text) - 200 : 0));
	for (size_t i = 0; i < sizeof(chrome) / sizeof(chrome[0]); i++)
		ck_assert_msg(strstr(text, chrome[i]) == NULL, "%s has \"%s\"", path, chrome[i]);
	json_object_foreach(articles, k, other)
	{
		const char *t = json_string_value(json_object_get(other, "title"));

		if (strcmp(k, path) != 0 && t && strcmp(t, title) != 0)
			ck_assert_msg(strstr(text, t) == NULL, "%s has related \"%s\"", path, t);
	}
	ck_assert_msg(strcmp(a.title, title) == 0, "%s title \"%s\"", path, a.title);
	ck_assert_msg(a.date && strncmp(a.date, date, 10) == 0, "%s date %s", path,
		      a.date ? a.date : "(null)");
	free(text);
	article_free(&a);
	xmlFreeDoc(doc);
	free(data);
}

START_TEST(fixture_site_articles)
{
	const char *dir = testutil_shared_dir();
	char path[4096];
	json_t *root, *articles, *exp;
	const char *k;
	int n = 0;

	if (dir == NULL) {
		printf("skipped: ../shared not found\n");
		return;
	}
	snprintf(path, sizeof(path), "%s/fixtures/site/expected.json", dir);
	root = json_load_file(path, 0, NULL);
	ck_assert_msg(root != NULL, "cannot read %s", path);
	articles = json_object_get(root, "articles");
	json_object_foreach(articles, k, exp)
	{
		check_article(dir, k, exp, articles);
		n++;
	}
	ck_assert_int_ge(n, 50);
	json_decref(root);
}
END_TEST

static Suite *article_suite(void)
{
	Suite *s = suite_create("article");
	TCase *rules = tcase_create("rules");
	TCase *meta = tcase_create("meta");
	TCase *site = tcase_create("site");

	tcase_add_test(rules, link_density_drops_link_blocks);
	tcase_add_test(rules, hidden_elements_dropped);
	tcase_add_test(rules, nested_articles_keep_the_outer_one);
	tcase_add_test(rules, two_candidate_blocks_pick_the_article);
	tcase_add_test(rules, content_lists_kept_navigation_lists_dropped);
	tcase_add_test(rules, tables_of_data_kept_tables_of_links_dropped);
	tcase_add_test(rules, br_separated_text);
	tcase_add_test(rules, cjk_page);
	tcase_add_test(rules, entities_decoded_whitespace_collapsed);
	tcase_add_test(rules, empty_page_is_not_an_error);
	tcase_add_test(rules, deep_nesting_and_document_untouched);
	tcase_add_test(meta, metadata_from_meta_and_json_ld);
	tcase_add_test(meta, title_suffix_and_date_near_headline);
	tcase_add_test(meta, title_section_and_site_cut);
	tcase_add_test(meta, body_xpath_wins_and_exclude_applies);
	tcase_add_test(meta, body_and_exclude_accept_has_class);
	tcase_add_test(meta, invalid_xpath_is_an_error);
	tcase_add_test(site, fixture_site_articles);
	suite_add_tcase(s, rules);
	suite_add_tcase(s, meta);
	suite_add_tcase(s, site);
	return s;
}

int main(void)
{
	page_init();
	return testutil_run(article_suite());
}
