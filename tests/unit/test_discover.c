/* Unit tests for analyze/discover: list_discover on real ministry pages and on traps. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "analyze/page/discover.h"
#include "analyze/page/list.h"
#include "analyze/page/page.h"
#include "common/xmalloc.h"
#include "common/buf.h"
#include "tests/unit/testutil.h"

#define PAGE "http://example.org/news/index.html"

static xmlDocPtr html_doc(const char *html, size_t len, const char *ctype)
{
	char err[256] = "";
	xmlDocPtr doc;

	page_init();
	doc = page_parse(html, len, ctype, NULL, PAGE_HTML, NULL, NULL, err, sizeof(err));
	ck_assert_msg(doc != NULL, "page_parse: %s", err);
	return doc;
}

/* list_discover on html served as UTF-8 from url. */
static void discover(const char *html, const char *url, struct discover_result *r)
{
	xmlDocPtr doc = html_doc(html, strlen(html), "text/html; charset=utf-8");
	char err[256] = "";

	ck_assert_int_eq(list_discover(doc, url, 0, r, err, sizeof(err)), 0);
	xmlFreeDoc(doc);
}

static void dump(const char *name, const struct discover_result *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		fprintf(stderr, "%s #%zu %s | %s | %s | %s -> %zu (%s)\n", name, i, r->v[i].items,
			r->v[i].link ? r->v[i].link : "-", r->v[i].title ? r->v[i].title : "-",
			r->v[i].date ? r->v[i].date : "-", r->v[i].count, r->v[i].why);
}

/* The first candidate yields exactly these URLs (NULL-terminated), in order. */
static void assert_first(const char *name, const struct discover_result *r, const char *const *urls)
{
	size_t n = 0;

	while (urls[n] != NULL)
		n++;
	if (getenv("DISCOVER_DUMP") != NULL)
		dump(name, r);
	ck_assert_msg(r->n > 0, "%s: no candidate", name);
	ck_assert_msg(r->v[0].count == n, "%s: %zu items, want %zu (%s)", name, r->v[0].count, n,
		      r->v[0].items);
	for (size_t i = 0; i < n; i++)
		ck_assert_str_eq(r->v[0].items_seen.v[i].url, urls[i]);
	/* a runner-up is another list, not the winner read another way */
	for (size_t c = 1; c < r->n; c++) {
		size_t same = 0;

		for (size_t i = 0; i < r->v[c].count; i++)
			for (size_t j = 0; j < n; j++)
				same += strcmp(r->v[c].items_seen.v[i].url, urls[j]) == 0;
		ck_assert_msg(same * 2 < r->v[c].count, "%s: runner-up %s repeats the list", name,
			      r->v[c].items);
	}
}

/* ---- synthetic traps ---- */

#define NAV                                                                                        \
	"<nav class=\"main-menu\"><ul><li><a href=\"/\">Home</a></li>"                             \
	"<li><a href=\"/about/ministry.html\">About the ministry and its mission</a></li>"         \
	"<li><a href=\"/news/\">News</a></li><li><a href=\"/contact.html\">Contact us</a></li>"    \
	"<li><a href=\"/embassies.html\">Embassies and consulates abroad</a></li></ul></nav>"
#define FOOTER                                                                                     \
	"<footer><ul><li><a href=\"/privacy.html\">Privacy policy and the use of cookies</a></li>" \
	"<li><a href=\"/accessibility.html\">Accessibility statement of this website</a></li>"     \
	"<li><a href=\"/sitemap.html\">Site map</a></li></ul></footer>"
#define LI(n, t, d)                                                                                \
	"<li><a href=\"/news/2024/item-" #n ".html\">" t "</a> <span class=\"date\">" d            \
	"</span></li>"
#define LIST3                                                                                      \
	"<ul class=\"press\">" LI(                                                                 \
	    1, "Minister meets the foreign minister of a neighbouring state", "12 May 2024")       \
	    LI(2, "Statement on the situation in the region after the elections", "10 May 2024")   \
		LI(3, "Joint press conference after the bilateral consultations",                  \
		   "3 May 2024") "</ul>"
#define U(n) "http://example.org/news/2024/item-" #n ".html"

static const char *const list3[] = {U(1), U(2), U(3), NULL};

START_TEST(test_menu_footer_lose)
{
	struct discover_result r;

	discover("<html><head><title>Press releases</title></head><body>" NAV
		 "<div id=\"content\"><h1>Press releases</h1>" LIST3 "</div>" FOOTER
		 "</body></html>",
		 PAGE, &r);
	assert_first("menu+footer", &r, list3);
	ck_assert_str_eq(r.v[0].items, "//ul[has-class(\"press\")]/li");
	ck_assert_str_eq(r.v[0].date, ".//span[has-class(\"date\")]");
	ck_assert_str_eq(r.v[0].items_seen.v[0].date, "2024-05-12");
	ck_assert_str_eq(r.v[0].items_seen.v[2].title,
			 "Joint press conference after the bilateral consultations");
	ck_assert_int_ge(r.v[0].confidence, DISCOVER_MEDIUM);
	ck_assert_ptr_nonnull(r.v[0].why);
	discover_result_free(&r);
}
END_TEST

#define REL(n, t) "<li><a href=\"/news/2023/old-" #n ".html\">" t " number " #n "</a></li>"

START_TEST(test_related_sidebar_loses)
{
	static const char *const want[] = {U(1), U(2), NULL};
	struct discover_result r;

	discover(
	    "<html><head><title>Statements - Ministry of Foreign Affairs</title></head><body>" NAV
	    "<div class=\"layout\"><div class=\"main\"><h2>Statements</h2>"
	    "<div class=\"views-row\"><h3><a href=\"/news/2024/item-1.html\">Statement by the "
	    "minister on the humanitarian situation</a></h3><span class=\"date\">12.05.2024</span>"
	    "</div><div class=\"views-row\"><h3><a href=\"/news/2024/item-2.html\">Statement on "
	    "the anniversary of diplomatic relations</a></h3><span class=\"date\">02.05.2024</span>"
	    "</div></div><aside class=\"sidebar\"><h2>Related news</h2><ul>" REL(
		1, "An older story about trade and investment")
		REL(2, "An older story about trade and investment")
		    REL(3, "An older story about trade and investment") REL(
			4, "An older story about trade and investment")
			REL(5, "An older story about trade and investment") REL(
			    6, "An older story about trade and investment")
			    REL(7, "An older story about trade and investment") REL(
				8, "An older story about trade and investment") "</ul></aside></"
										"div>" FOOTER
										"</body></html>",
	    PAGE, &r);
	assert_first("related", &r, want);
	ck_assert_str_eq(r.v[0].items, "//div[has-class(\"views-row\")]");
	ck_assert_str_eq(r.v[0].link, "h3/a/@href");
	discover_result_free(&r);
}
END_TEST

START_TEST(test_pagination_breadcrumb_tags)
{
	struct discover_result r;
	size_t i;

	discover(
	    "<html><head><title>News</title></head><body>"
	    "<div class=\"breadcrumb\"><a href=\"/\">Home</a> &gt; <a href=\"/news/\">News and "
	    "press releases of the ministry</a> &gt; Archive</div>"
	    "<div class=\"tags\"><a href=\"/tag/economy\">economy</a> <a href=\"/tag/un\">UN</a> "
	    "<a href=\"/tag/trade\">trade</a> <a href=\"/tag/climate\">climate</a> "
	    "<a href=\"/tag/energy\">energy</a> <a href=\"/tag/asia\">Asia</a></div>"
	    "<h1>News</h1>" LIST3 "<div class=\"pager\"><a href=\"index.html?page=2\">2</a> "
	    "<a href=\"index.html?page=3\">3</a> <a href=\"index.html?page=2\">Next page »</a>"
	    "</div></body></html>",
	    PAGE, &r);
	assert_first("pager", &r, list3);
	ck_assert(strstr(r.v[0].why, "pagination") != NULL);
	for (i = 1; i < r.n; i++)
		ck_assert_msg(strstr(r.v[i].items_seen.v[0].url, "tag/") == NULL &&
				  strstr(r.v[i].items_seen.v[0].url, "page=") == NULL,
			      "offered %s", r.v[i].items);
	discover_result_free(&r);
}
END_TEST

#define TR(n, t, d)                                                                                \
	"<tr><td><a href=\"/docs/statement-" #n ".pdf\">" t "</a></td><td>" d "</td></tr>"

START_TEST(test_table_list)
{
	static const char *const want[] = {"http://example.org/docs/statement-1.pdf",
					   "http://example.org/docs/statement-2.pdf", NULL};
	struct discover_result r;

	discover("<html><body>" NAV "<table class=\"documents\"><tbody><tr><th>Title</th><th>Date"
		 "</th></tr>" TR(1, "Statement at the General Assembly on sustainable development",
				 "21.09.2023")
		     TR(2, "Statement at the Security Council on peacekeeping operations",
			"14.06.2023") "</tbody></table>" FOOTER "</body></html>",
		 PAGE, &r);
	assert_first("table", &r, want);
	ck_assert_msg(strstr(r.v[0].items, "tbody") == NULL, "%s", r.v[0].items);
	ck_assert_str_eq(r.v[0].items, "//table[has-class(\"documents\")]//tr[td]");
	ck_assert_str_eq(r.v[0].date, "td[2]");
	ck_assert_str_eq(r.v[0].items_seen.v[1].date, "2023-06-14");
	discover_result_free(&r);
}
END_TEST

#define FLAT(n, t, d) "<a href=\"/news/2024/item-" #n ".html\">" t "</a> (" d ")<br>"

START_TEST(test_flat_run)
{
	struct discover_result r;

	discover("<html><body>" NAV "<div class=\"text\">" FLAT(1,
								"Minister meets the foreign "
								"minister of a neighbouring state",
								"12.05.2024")
		     FLAT(2, "Statement on the situation in the region after the elections",
			  "10.05.2024")
			 FLAT(3, "Joint press conference after the bilateral consultations",
			      "03.05.2024") "</div>" FOOTER "</body></html>",
		 PAGE, &r);
	assert_first("flat", &r, list3);
	ck_assert_str_eq(r.v[0].link, "@href");
	ck_assert_str_eq(r.v[0].date, "following-sibling::text()[1]");
	ck_assert_str_eq(r.v[0].items_seen.v[2].date, "2024-05-03");
	discover_result_free(&r);
	/* a page that is nothing but the list, right under <body> */
	discover("<html><body><h1>Speeches</h1>" FLAT(1,
						      "Minister meets the foreign minister of "
						      "a neighbouring state",
						      "12.05.2024")
		     FLAT(2, "Statement on the situation in the region after the elections",
			  "10.05.2024")
			 FLAT(3, "Joint press conference after the bilateral consultations",
			      "03.05.2024") "</body></html>",
		 PAGE, &r);
	assert_first("flat-body", &r, list3);
	ck_assert_str_eq(r.v[0].items, "//body/a");
	discover_result_free(&r);
}
END_TEST

#define IMG(n, t)                                                                                  \
	"<div class=\"teaser\"><a href=\"/news/2024/item-" #n ".html\"><img src=\"p.jpg\" "        \
	"alt=\"Photo\"></a><h3><a href=\"http://example.org/news/2024/item-" #n ".html\">" t       \
	"</a></h3></div>"

START_TEST(test_image_and_title_link)
{
	struct discover_result r;

	discover(
	    "<html><body>" NAV
	    "<section class=\"news-list\">" IMG(1, "Minister meets the "
						   "foreign minister of a neighbouring state")
		IMG(2, "Statement on the situation in the region after the elections") IMG(
		    3,
		    "Joint press conference after the bilateral consultations") "</section>" FOOTER
										"</body></html>",
	    PAGE, &r);
	assert_first("image", &r, list3);
	ck_assert_str_eq(r.v[0].items_seen.v[0].title,
			 "Minister meets the foreign minister of a neighbouring state");
	discover_result_free(&r);
}
END_TEST

START_TEST(test_menu_only)
{
	struct discover_result r;

	discover(
	    "<html><head><title>Contact</title></head><body>" NAV
	    "<div id=\"content\"><h1>Contact</h1><p>Write to us at the address below.</p></div>"
	    "<div class=\"lang\"><a href=\"/fr/\">Français</a> <a href=\"/es/\">Español</a></div>"
	    "</body></html>",
	    PAGE, &r);
	if (r.n > 0)
		dump("menu-only", &r);
	ck_assert_uint_eq(r.n, 0);
	discover_result_free(&r);
}
END_TEST

START_TEST(test_hostile_many_links)
{
	struct discover_result r;
	struct buf b;
	size_t i;

	buf_init(&b);
	buf_append_str(&b, "<html><body><ul>");
	for (i = 0; i < 50000; i++)
		buf_printf(
		    &b, "<li><a href=\"/n/%zu\">A headline of forty or so characters %zu</a></li>",
		    i, i);
	buf_append_str(&b, "</ul></body></html>");
	discover(b.data, PAGE, &r);
	ck_assert_uint_le(r.n, 5);
	for (i = 0; i < r.n; i++)
		ck_assert_uint_le(r.v[i].count, 10000);
	discover_result_free(&r);
	buf_free(&b);
}
END_TEST

#define WP(n, t)                                                                                   \
	"<article id=\"post-10" #n "\" class=\"post-10" #n " post type-post status-publish "       \
	"format-standard hentry category-news tag-topic" #n "\"><header class=\"entry-header\">"   \
	"<h2 class=\"entry-title\"><a href=\"http://example.org/news/2024/item-" #n ".html\" "     \
	"rel=\"bookmark\">" t "</a></h2><div class=\"entry-meta\"><span class=\"posted-on\"><a "   \
	"href=\"http://example.org/news/2024/item-" #n ".html\"><time class=\"entry-date "         \
	"published\" datetime=\"2024-05-0" #n "T23:00:00-05:00\">May " #n ", 2024</time></a>"      \
	"</span></div></header><div class=\"entry-summary\"><p>The minister said that the talks "  \
	"were constructive.</p></div></article>"
#define WPSIDE(n)                                                                                  \
	"<li><a href=\"http://example.org/news/2024/item-" #n                                      \
	".html\">Recent post title number " #n " of the site</a></li>"

START_TEST(test_wordpress_articles)
{
	struct discover_result r;

	discover("<html><head><title>News – Ministry</title></head><body>" NAV
		 "<div id=\"primary\" class=\"content-area\"><main id=\"main\" class=\"site-main\">"
		 "<header class=\"page-header\"><h1 class=\"page-title\">News</h1></header>" WP(
		     1, "Minister meets the foreign minister of a neighbouring state")
		     WP(2, "Statement on "
			   "the situation "
			   "in the region "
			   "after the "
			   "elections") WP(3, "Joint press conference after the bilateral "
					      "consultations") "</main></"
							       "div><aside "
							       "id=\"secondary\" "
							       "class=\"widget-"
							       "area\"><section "
							       "class=\"widget "
							       "widget_recent_"
							       "entries\"><h2 "
							       "class=\"widget-"
							       "title\">Recent "
							       "Posts</"
							       "h2><ul>" WPSIDE(4) WPSIDE(5)
								   WPSIDE(6) WPSIDE(7)
								       WPSIDE(8) "</"
										 "ul><"
										 "/sec"
										 "tion"
										 "></"
										 "asid"
										 "e"
										 ">" FOOTER "</"
										 "body"
										 "></"
										 "html"
										 ">",
		 PAGE, &r);
	assert_first("wordpress", &r, list3);
	ck_assert_str_eq(r.v[0].date, ".//time");
	ck_assert_str_eq(r.v[0].items_seen.v[1].date, "2024-05-02");
	discover_result_free(&r);
}
END_TEST

#define CARD(n, t, d)                                                                              \
	"<div class=\"col-md-4\"><div class=\"card\"><img src=\"x.jpg\" alt=\"\"><div "            \
	"class=\"card-body\"><h3 class=\"card-title\"><a href=\"/news/2024/item-" #n ".html\">" t  \
	"</a></h3><span class=\"date\">" d "</span><p class=\"card-text\">Short summary of the "   \
	"statement.</p><a href=\"/news/2024/item-" #n ".html\" class=\"btn btn-primary\">Read "    \
	"more</a></div></div></div>"

START_TEST(test_bootstrap_cards)
{
	struct discover_result r;

	discover("<html><body>" NAV "<div class=\"container\"><div class=\"row\">" CARD(
		     1,
		     "Minister "
		     "meets the foreign minister of a neighbouring state",
		     "28/05/2024")
		     CARD(2, "Statement on the situation in the region after the elections",
			  "14/05/2024")
			 CARD(3, "Joint press conference after the bilateral consultations",
			      "03/05/2024") "</div></div>" FOOTER "</body></html>",
		 PAGE, &r);
	assert_first("cards", &r, list3);
	ck_assert_str_eq(r.v[0].items_seen.v[1].title,
			 "Statement on the situation in the region after the elections");
	ck_assert_str_eq(r.v[0].items_seen.v[1].date, "2024-05-14");
	discover_result_free(&r);
}
END_TEST

#define FR(n, s, t, d)                                                                             \
	"<li><span class=\"date\">" d "</span> <a href=\"/fr/actualites/article/" s "-" #n "\">" t \
	"</a></li>"

START_TEST(test_french_list)
{
	static const char *const want[] = {
	    "http://example.org/fr/actualites/article/entretien-du-ministre-1",
	    "http://example.org/fr/actualites/article/communique-sahel-2", NULL};
	struct discover_result r;

	discover("<html lang=\"en-US\"><head><title>Actualités - Ministère</title></head><body>" NAV
		 "<div class=\"contenu\"><h1>Actualités</h1><ul class=\"liste-actualites\">" FR(
		     1, "entretien-du-ministre", "Entretien du ministre avec son homologue",
		     "12 mai 2024")
		     FR(2, "communique-sahel", "Communiqué sur la situation au Sahel",
			"3 mai 2024") "</ul></div>" FOOTER "</body></html>",
		 "http://example.org/fr/actualites/", &r);
	assert_first("french", &r, want);
	ck_assert_str_eq(r.v[0].items, "//ul[has-class(\"liste-actualites\")]/li");
	ck_assert_str_eq(r.v[0].items_seen.v[1].date, "2024-05-03");
	discover_result_free(&r);
}
END_TEST

/*
 * A saved copy served from another address: its links are absolute, to the
 * site its canonical link names; the list is still found there (and the
 * same page without the canonical link has only "off-site" links).
 */
START_TEST(test_served_copy_of_another_site)
{
	static const char *const want[] = {U(1), U(2), U(3), NULL};
	struct discover_result r;
	char *abs = NULL, *page;
	const char *rel = NAV "<main><h1>Press releases</h1>" LIST3 "</main>" FOOTER;

	/* the copy's links: "/news/..." written out as http://example.org/news/... */
	abs = xstrdup(rel);
	for (char *p; (p = strstr(abs, "href=\"/")) != NULL;) {
		char *next =
		    xasprintf("%.*shref=\"http://example.org/%s", (int)(p - abs), abs, p + 7);

		free(abs);
		abs = next;
	}
	page = xasprintf("<html><head><title>Press releases</title><link rel=\"canonical\" "
			 "href=\"http://example.org/news/\"></head><body>%s</body></html>",
			 abs);
	discover(page, "http://127.0.0.1:8000/saved/press.html", &r);
	assert_first("served copy", &r, want);
	discover_result_free(&r);
	free(page);
	free(abs);
}
END_TEST

/*
 * A lone item of a CMS view (Drupal's "views-row views-row-1 views-row-first")
 * in a layout of plain grid columns beside a sidebar menu: the record is
 * the item, not the column that also holds the sidebar, and its XPath names
 * the kind ("views-row"), not the position ("views-row-first").
 */
START_TEST(test_lone_item_of_a_view_in_a_grid)
{
	static const char *const want[] = {"http://example.org/site/?q=en/content/budget-speech",
					   NULL};
	struct discover_result r;

	discover(
	    "<html><head><title>Speeches | Office of the Prime Minister</title></head><body>" NAV
	    "<div class=\"row\"><div class=\"col-md-8\"><div class=\"left\">"
	    "<h2 class=\"main-title\">Speeches</h2><div class=\"view view-taxonomy\">"
	    "<div class=\"view-content\"><div class=\"views-row views-row-1 "
	    "views-row-odd views-row-first\"><div class=\"post-style1\">"
	    "<div class=\"post-thumb1\"><img src=\"pdf.png\"><a class=\"img-link\" "
	    "href=\"https://www.example.org/site/?q=en/content/budget-speech\"></a></div>"
	    "<div class=\"date\"><ul><li><a>Signed on : 25/11/2020</a></li></ul></div>"
	    "<h3><a href=\"/site/?q=en/content/budget-speech\">The Government's economic, "
	    "financial, social and cultural programme for the financial year</a></h3>"
	    "</div></div></div></div></div></div><div class=\"col-md-4\"><div "
	    "class=\"widget\"><div class=\"title\">Documentation</div><ul class=\"menu\">"
	    "<li><a href=\"/site/?q=en/documentation/laws\">Laws and Regulations</a></li>"
	    "<li><a href=\"/site/?q=en/documentation/press\">Press Release</a></li>"
	    "<li><a href=\"/site/?q=en/documentation/speeches\">Speeches</a></li></ul>"
	    "</div></div></div>" FOOTER "</body></html>",
	    "http://example.org/site/?q=en/documentation/speeches", &r);
	assert_first("lone view item", &r, want);
	ck_assert_msg(strstr(r.v[0].items, "first") == NULL, "%s", r.v[0].items);
	ck_assert_str_eq(r.v[0].items_seen.v[0].date, "2020-11-25");
	discover_result_free(&r);
}
END_TEST

#define DAY(h, a, b) "<h3>" h "</h3><ul>" a b "</ul>"
#define DLI(n, t) "<li><a href=\"/news/2024/item-" #n ".html\">" t "</a></li>"
#define DD(n, t) "<dd><a href=\"/news/2024/item-" #n ".html\">" t "</a></dd>"

START_TEST(test_sections_by_day)
{
	static const char *const want[] = {U(1), U(2), U(3), U(4), NULL};
	struct discover_result r;

	discover(
	    "<html><body>" NAV "<div class=\"archive\">" DAY(
		"12 May 2024",
		DLI(1, "Minister meets the foreign minister of a neighbouring state"),
		DLI(2, "Statement on the situation in the region after the elections"))
		DAY("10 May 2024",
		    DLI(3, "Joint press conference after the bilateral consultations"),
		    DLI(4,
			"Reception on the occasion of the national day of the republic")) "</"
											  "div"
											  ">" FOOTER
											  "</"
											  "body></"
											  "html>",
	    PAGE, &r);
	assert_first("sections", &r, want);
	ck_assert_str_eq(r.v[0].items, "//div[has-class(\"archive\")]/ul/li");
	ck_assert_str_eq(r.v[0].date, "../preceding-sibling::h3[1]");
	ck_assert_str_eq(r.v[0].items_seen.v[1].date, "2024-05-12");
	ck_assert_str_eq(r.v[0].items_seen.v[2].date, "2024-05-10");
	discover_result_free(&r);
	/* a definition list: the date in the <dt> before each <dd> */
	discover(
	    "<html><body><dl class=\"chronicle\"><dt>12 May 2024</dt>" DD(
		1,
		"Minister meets the "
		"foreign minister of "
		"a neighbouring state") "<dt>10 May 2024</dt>" DD(2,
								  "Statement on the situation "
								  "in the region after the "
								  "elections") "<dt>3 May "
									       "2024</dt>" DD(
										   3, "Joi"
										      "nt "
										      "pre"
										      "ss "
										      "con"
										      "fer"
										      "enc"
										      "e "
										      "aft"
										      "er "
										      "the"
										      " bi"
										      "lat"
										      "era"
										      "l "
										      "con"
										      "sul"
										      "tat"
										      "ion"
										      "s") "</dl></"
											   "body></"
											   "html>",
	    PAGE, &r);
	assert_first("dl", &r, list3);
	ck_assert_str_eq(r.v[0].date, "preceding-sibling::dt[1]");
	ck_assert_str_eq(r.v[0].items_seen.v[2].date, "2024-05-03");
	discover_result_free(&r);
}
END_TEST

START_TEST(test_month_day_order)
{
	struct discover_result r;

	discover("<html><head><title>Press releases</title></head><body>" NAV
		 "<div id=\"content\"><h1>Press releases</h1><ul class=\"press\">" LI(
		     1, "Minister meets the foreign minister of a neighbouring state", "2/28/22")
		     LI(2, "Statement on the situation in the region after the elections", "1/8/22")
			 LI(3, "Joint press conference after the bilateral consultations",
			    "1/3/22") "</ul></div>" FOOTER "</body></html>",
		 PAGE, &r);
	assert_first("mdy", &r, list3);
	ck_assert_pstr_eq(r.v[0].date_format, "%m/%d/%y");
	ck_assert_str_eq(r.v[0].items_seen.v[1].date, "2022-01-08");
	discover_result_free(&r);
	/* day/month lists need no format: date_parse reads them so */
	discover("<html><head><title>Press releases</title></head><body>" NAV
		 "<div id=\"content\"><h1>Press releases</h1>" LIST3 "</div>" FOOTER
		 "</body></html>",
		 PAGE, &r);
	ck_assert_ptr_null(r.v[0].date_format);
	discover_result_free(&r);
}
END_TEST

#define MORE(n, t, d)                                                                              \
	"<div class=\"news-item\"><h4>" t "</h4><p class=\"meta\">" d "</p><p>A summary of the "   \
	"statement in two short sentences. It says little.</p><a href=\"/news/2024/item-" #n       \
	".html\">Read more</a></div>"

START_TEST(test_heading_and_more_link)
{
	struct discover_result r;

	discover("<html><body>" NAV
		 "<div class=\"col-main\">" MORE(1,
						 "Minister meets the foreign "
						 "minister of a neighbouring state",
						 "12.05.2024")
		     MORE(2, "Statement on the situation in the region after the elections",
			  "10.05.2024")
			 MORE(3, "Joint press conference after the bilateral consultations",
			      "03.05.2024") "</div>" FOOTER "</body></html>",
		 PAGE, &r);
	assert_first("more", &r, list3);
	ck_assert_str_eq(r.v[0].title, ".//h4");
	ck_assert_str_eq(r.v[0].items_seen.v[1].title,
			 "Statement on the situation in the region after the elections");
	ck_assert_str_eq(r.v[0].items_seen.v[2].date, "2024-05-03");
	discover_result_free(&r);
}
END_TEST

START_TEST(test_wordpress_pager)
{
	struct discover_result r;

	discover(
	    "<html><body><h1>News</h1><div class=\"posts\">" IMG(1,
								 "Minister meets the foreign "
								 "minister of a neighbouring state")
		IMG(2, "Statement on the situation in the region after the elections") IMG(
		    3,
		    "Joint press conference after the bilateral consultations") "</div><div "
										"class=\"nav-"
										"links\"><a "
										"href=\"/news/page/"
										"2/\">2</a> <a "
										"href=\"/news/page/"
										"3/\">3</a></"
										"div><div><a "
										"href=\"/news/"
										"index_2.html\">"
										"Older "
										"statements and "
										"speeches of the "
										"ministry</a></"
										"div></body></"
										"html>",
	    "http://example.org/news/", &r);
	assert_first("wp-pager", &r, list3);
	ck_assert_msg(strstr(r.v[0].why, "pagination") != NULL, "%s", r.v[0].why);
	discover_result_free(&r);
}
END_TEST

START_TEST(test_top_bar_before_h1)
{
	struct discover_result r;

	discover("<html><body><div class=\"top\"><ul><li><a href=\"/services/visa.html\">Visa "
		 "applications and consular services</a></li><li><a href=\"/services/legal.html\">"
		 "Legalisation of documents for use abroad</a></li><li><a "
		 "href=\"/services/travel.html\">"
		 "Travel advice for citizens going abroad</a></li></ul></div>"
		 "<h1>Contact the ministry</h1><p>Write to us.</p></body></html>",
		 PAGE, &r);
	if (r.n > 0)
		dump("top-bar", &r);
	ck_assert_uint_eq(r.n, 0);
	discover_result_free(&r);
}
END_TEST

#define TAGGED(cls, n, t)                                                                          \
	"<div class=\"item" cls "\"><h2><a href=\"/news/2024/item-" #n ".html\">" t "</a></h2>"    \
	"<div class=\"meta\"><a href=\"/tag/economy\">economy</a> <a "                             \
	"href=\"/tag/trade\">trade</a> "                                                           \
	"<a href=\"/tag/un\">UN</a> <a href=\"/tag/asia\">Asia</a> <a "                            \
	"href=\"https://twitter.com/share\"><img src=\"t.png\" alt=\"\"></a></div></div>"

START_TEST(test_featured_item_and_tags)
{
	struct discover_result r;

	discover("<html><body>" NAV
		 "<div class=\"news\">" TAGGED(" featured", 1,
					       "Minister meets "
					       "the foreign minister of a neighbouring state")
		     TAGGED("", 2,
			    "Statement on the situation "
			    "in the region after the "
			    "elections")
			 TAGGED("", 3,
				"Joint press conference after the bilateral "
				"consultations") "</div><div "
						 "class=\"box\"><"
						 "h3>Related "
						 "news</"
						 "h3><ul>" REL(1, "A"
								  "n"
								  " "
								  "o"
								  "l"
								  "d"
								  "e"
								  "r"
								  " "
								  "s"
								  "t"
								  "o"
								  "r"
								  "y"
								  " "
								  "a"
								  "b"
								  "o"
								  "u"
								  "t"
								  " "
								  "t"
								  "r"
								  "a"
								  "d"
								  "e"
								  " "
								  "a"
								  "n"
								  "d"
								  " "
								  "i"
								  "n"
								  "v"
								  "e"
								  "s"
								  "t"
								  "m"
								  "e"
								  "n"
								  "t") REL(2, "An "
									      "olde"
									      "r "
									      "stor"
									      "y "
									      "abou"
									      "t "
									      "trad"
									      "e "
									      "and "
									      "inve"
									      "stme"
									      "nt") REL(3, "An "
											   "older "
											   "story "
											   "about "
											   "trade "
											   "and "
											   "investm"
											   "ent")
						     REL(4, "An "
							    "old"
							    "er "
							    "sto"
							    "ry "
							    "abo"
							    "ut "
							    "tra"
							    "de "
							    "and"
							    " in"
							    "ves"
							    "tme"
							    "nt") "</ul></div>" FOOTER
								  "</body></html>",
		 PAGE, &r);
	assert_first("featured", &r, list3);
	ck_assert_str_eq(r.v[0].items, "//div[has-class(\"item\")]");
	discover_result_free(&r);
}
END_TEST

#define AGO(n, t)                                                                                  \
	"<li><a href=\"http://press.example.org/2024/item-" #n ".html\">" t "</a> <time "          \
	"datetime=\"2024-05-0" #n "T23:30:00-05:00\">" #n " days ago</time></li>"
#define SPLIT(n, t)                                                                                \
	"<li><div class=\"d\"><span>0" #n "</span> <span>May</span> <span>2024</span></div><a "    \
	"href=\"/news/2024/item-" #n ".html\">" t "</a></li>"

START_TEST(test_dates_in_attributes_and_spans)
{
	static const char *const ago[] = {"http://press.example.org/2024/item-3.html",
					  "http://press.example.org/2024/item-2.html", NULL};
	struct discover_result r;

	discover("<html><body><ul class=\"news\">" AGO(
		     3, "Minister meets the foreign minister of a "
			"neighbouring state") AGO(2, "Statement on the situation in the region "
						     "after the elections") "</ul></body></html>",
		 "http://www.example.org/news/", &r);
	assert_first("datetime", &r, ago);
	ck_assert_str_eq(r.v[0].date, ".//time/@datetime");
	ck_assert(strncmp(r.v[0].items_seen.v[0].date, "2024-05-03", 10) == 0);
	ck_assert(strstr(r.v[0].why, "on-site 100%") != NULL);
	discover_result_free(&r);

	discover("<html><body><ul class=\"news\">" SPLIT(3, "Joint press conference after the "
							    "bilateral consultations")
		     SPLIT(2, "Statement on the situation in the region "
			      "after the elections") "</ul></body></html>",
		 PAGE, &r);
	ck_assert_uint_ge(r.n, 1);
	ck_assert_str_eq(r.v[0].date, "div");
	ck_assert_str_eq(r.v[0].items_seen.v[1].date, "2024-05-02");
	discover_result_free(&r);
}
END_TEST

#define DRU(n, t, d)                                                                               \
	"<div class=\"views-row\"><div class=\"views-field views-field-created\"><span "           \
	"class=\"field-content\">" d "</span></div><div class=\"views-field views-field-title\">"  \
	"<span class=\"field-content\"><a href=\"/en/news/" t "-" #n "\">Statement number " #n     \
	" of the ministry on " t " and regional security</a></span></div></div>"
#define SIDE(n, d)                                                                                 \
	"<li><a href=\"/en/news/older-item-" #n "\">An earlier statement of the ministry about "   \
	"trade</a> <span class=\"date\">" d "</span></li>"

START_TEST(test_drupal_page_with_dated_sidebar)
{
	static const char *const want[] = {"http://example.org/en/news/sahel-1",
					   "http://example.org/en/news/cyber-2", NULL};
	struct discover_result r;

	discover(
	    "<html><head><title>Press releases | Ministry of Foreign Affairs</title></head>"
	    "<body><header role=\"banner\"><ul class=\"menu\"><li><a href=\"/en/\">Home</a></li>"
	    "<li><a href=\"/en/ministry/minister-and-deputy-ministers\">The minister and the "
	    "deputy ministers</a></li></ul></header><div class=\"layout-container\">"
	    "<div class=\"breadcrumb\"><a href=\"/en/\">Home</a> » <a href=\"/en/news/\">"
	    "News</a></div><main class=\"region-content\"><h1>Press releases</h1>"
	    "<div class=\"view-content\">" DRU(1, "sahel", "05/12/2024")
		DRU(2, "cyber",
		    "05/10/2024") "</div><nav class=\"pager\"><ul><li><a "
				  "href=\"/en/news/press-releases?page=1\">2</a>"
				  "</li><li><a href=\"/en/news/press-releases?page=1\">next "
				  "›</a></li></ul></nav></main>"
				  "<div class=\"region-sidebar-second\"><div "
				  "class=\"block-views\"><h2>Latest news</h2>"
				  "<ul>" SIDE(1, "05/09/2024") SIDE(2, "05/08/2024")
				      SIDE(3, "05/07/2024") SIDE(4, "05/06/2024")
					  SIDE(5, "05/03/2024")
					      SIDE(6, "05/02/2024") "</ul></div></div></div>" FOOTER
								    "</body></html>",
	    "http://example.org/en/news/press-releases", &r);
	assert_first("drupal", &r, want);
	ck_assert_str_eq(r.v[0].date, "div[has-class(\"views-field-created\")]/"
				      "span[has-class(\"field-content\")]");
	discover_result_free(&r);
}
END_TEST

START_TEST(test_rows_without_links)
{
	static const char *const want[] = {"http://example.org/docs/statement-1.pdf",
					   "http://example.org/docs/statement-2.pdf", NULL};
	struct discover_result r;

	discover(
	    "<html><body><table class=\"documents\"><tr><td><b>Title</b></td><td><b>Date</b>"
	    "</td></tr>" TR(
		1, "Statement at the General Assembly on sustainable development",
		"21.09.2023") "<tr><td colspan=\"2\"><hr></td></tr>" TR(2,
									"Statement at the Security "
									"Council on peacekeeping "
									"operations",
									"14.06.2023") "</table></"
										      "body></"
										      "html>",
	    PAGE, &r);
	assert_first("rows", &r, want);
	ck_assert_str_eq(r.v[0].items, "//table[has-class(\"documents\")]//tr[td][.//a]");
	discover_result_free(&r);
}
END_TEST

#define TWICE(n, t)                                                                                \
	"<div class=\"entry\"><h3><a href=\"/news/2024/item-" #n ".html\">" t "</a></h3><ul "      \
	"class=\"links\"><li><a href=\"/news/2024/item-" #n ".html\">Read the full text of the "   \
	"statement</a></li></ul></div>"

START_TEST(test_same_list_offered_once)
{
	struct discover_result r;

	discover(
	    "<html><head><title>News</title></head><body><h1>News</h1><div "
	    "class=\"entries\">" TWICE(
		1, "Minister meets the foreign minister of a neighbouring state")
		TWICE(2, "Statement on the situation in the region after the elections") TWICE(
		    3, "Joint press conference after the bilateral consultations") "</div></body></"
										   "html>",
	    PAGE, &r);
	if (getenv("DISCOVER_DUMP") != NULL)
		dump("twice", &r);
	assert_first("twice", &r, list3);
	ck_assert_uint_eq(r.n, 1);
	discover_result_free(&r);
	/* paragraphs of links, one with two: the paragraphs and the links are one list */
	discover("<html><body><div class=\"text\"><p>" FLAT(
		     1,
		     "Minister meets the foreign minister "
		     "of a neighbouring state",
		     "12.05.2024") "</p><p>" FLAT(2,
						  "Statement on the situation in the region after "
						  "the elections",
						  "10.05.2024")
		     FLAT(4, "Statement on the anniversary of diplomatic relations", "10.05.2024") "</p><p>" FLAT(
			 3,
			 "Joint press conference after "
			 "the bilateral consultations",
			 "03.05.2024") "</p><p>" FLAT(5,
						      "Reception on the occasion of the national "
						      "day of the republic",
						      "02.05.2024") "</p><p>" FLAT(6,
										   "Talks with the "
										   "delegation of "
										   "the parliament",
										   "01.05.2024") "<"
												 "/"
												 "p"
												 ">"
												 "<"
												 "/"
												 "d"
												 "i"
												 "v"
												 ">"
												 "<"
												 "/"
												 "b"
												 "o"
												 "d"
												 "y"
												 ">"
												 "<"
												 "/"
												 "h"
												 "t"
												 "m"
												 "l"
												 ">",
		 PAGE, &r);
	if (getenv("DISCOVER_DUMP") != NULL)
		dump("paragraphs", &r);
	ck_assert_uint_eq(r.n, 1);
	discover_result_free(&r);
}
END_TEST

#define CUT(n, t, full)                                                                            \
	"<li><a href=\"/news/2024/item-" #n ".html\" title=\"" full "\">" t "</a></li>"

START_TEST(test_cut_titles_read_whole)
{
	struct discover_result r;

	discover("<html><body><ul class=\"news\">" CUT(
		     1, "Minister meets the foreign minister of a...",
		     "Minister meets the foreign minister of a "
		     "neighbouring state") CUT(2,
					       "Statement on the situation in the "
					       "region after…",
					       "Statement on the situation in the "
					       "region after the elections")
		     CUT(3, "Joint press conference after the bilateral consultations",
			 "Joint press conference after the bilateral consultations") "</ul></"
										     "body></html>",
		 PAGE, &r);
	assert_first("cut", &r, list3);
	ck_assert_str_eq(r.v[0].title, "a/@title");
	ck_assert_str_eq(r.v[0].items_seen.v[1].title,
			 "Statement on the situation in the region after the elections");
	discover_result_free(&r);
	/* one link without a title attribute: the texts stay the titles */
	discover("<html><body><ul class=\"news\">" CUT(
		     1, "Minister meets the foreign minister of a...",
		     "Minister meets the foreign minister of a "
		     "neighbouring state") LI(2, "Statement on the situation", "1 May 2024")
		     CUT(3, "Joint press conference after the bilateral consultations",
			 "Joint press conference after the bilateral consultations") "</ul></"
										     "body></html>",
		 PAGE, &r);
	ck_assert_str_eq(r.v[0].title, "a");
	discover_result_free(&r);
}
END_TEST

#define RU(n, t, d)                                                                                \
	"<div class=\"announce__item\"><div class=\"announce__date\">" d "</div><a "               \
	"class=\"announce__link\" href=\"/ru/press_service/minister_speeches/19501" #n "/\">" t    \
	"</a></div>"
#define RUSIDE(n)                                                                                                                 \
	"<li><a href=\"/ru/press_service/news/18000" #n "/\">Брифинг официального представителя " \
	"министерства по текущим вопросам</a></li>"

START_TEST(test_russian_announce_list)
{
	static const char *const want[] = {
	    "http://example.org/ru/press_service/minister_speeches/195011/",
	    "http://example.org/ru/press_service/minister_speeches/195012/", NULL};
	struct discover_result r;

	discover(
	    "<html lang=\"ru\"><head><meta charset=\"utf-8\"><title>Выступления Министра</title>"
	    "</head><body><div class=\"header\"><ul class=\"lang\"><li><a href=\"/en/\">English</a>"
	    "</li><li><a href=\"/fr/\">Français</a></li></ul></div><div class=\"page\"><div "
	    "class=\"page__content\"><h1>Выступления Министра</h1><div class=\"announce\">" RU(
		1,
		"Выступление Министра иностранных дел на пресс-конференции по итогам переговоров",
		"12 мая 2024 г.")
		RU(2, "Интервью Министра иностранных дел международному информационному агентству",
		   "8 мая 2024 г.") "</div></div><div "
				    "class=\"page__sidebar\"><h2>Актуально</h2><ul>" RUSIDE(1)
					RUSIDE(2) RUSIDE(3)
					    RUSIDE(4) "</ul></div></div></body></html>",
	    "http://example.org/ru/press_service/minister_speeches/", &r);
	assert_first("russian", &r, want);
	ck_assert_str_eq(r.v[0].items_seen.v[1].date, "2024-05-08");
	discover_result_free(&r);
}
END_TEST

#define LR(n, t, d)                                                                                \
	"<div class=\"asset-abstract\"><h3 class=\"asset-title\"><a "                              \
	"href=\"https://www.example.gov.my/web/guest/-/press-release-" #n "\">" t "</a></h3><div " \
	"class=\"asset-metadata\"><span class=\"metadata-entry metadata-publish-date\">" d         \
	"</span></div><div class=\"asset-summary\">Kuala Lumpur, " d ".</div><div "                \
	"class=\"asset-more\"><a href=\"https://www.example.gov.my/web/guest/-/press-release-" #n  \
	"\">Read More »</a></div></div>"

START_TEST(test_portal_asset_list)
{
	static const char *const want[] = {"https://www.example.gov.my/web/guest/-/press-release-1",
					   "https://www.example.gov.my/web/guest/-/press-release-2",
					   "https://www.example.gov.my/web/guest/-/press-release-3",
					   NULL};
	struct discover_result r;

	discover(
	    "<html><body><nav><a href=\"/web/guest/home\">Home</a> <a "
	    "href=\"/web/guest/ministry\">Ministry</a></nav><div class=\"portlet-body\">" LR(
		1, "PRESS RELEASE: VISIT OF THE MINISTER OF FOREIGN AFFAIRS TO JAPAN",
		"10 May 2024")
		LR(2, "PRESS RELEASE: MALAYSIA WELCOMES THE CEASEFIRE AGREEMENT", "08 May 2024")
		    LR(3, "JOINT STATEMENT ON THE ANNUAL CONSULTATION BETWEEN THE TWO COUNTRIES",
		       "02 May 2024") "</div></body></html>",
	    "https://www.example.gov.my/web/guest/press-release", &r);
	assert_first("portal", &r, want);
	ck_assert_str_eq(r.v[0].items, "//div[has-class(\"asset-abstract\")]");
	ck_assert_str_eq(r.v[0].items_seen.v[2].date, "2024-05-02");
	ck_assert_int_eq(r.v[0].confidence, DISCOVER_HIGH);
	discover_result_free(&r);
}
END_TEST

START_TEST(test_confidence_with_max_one)
{
	xmlDocPtr doc;
	struct discover_result all, one;
	char err[256] = "";
	const char *html =
	    "<html><body><div class=\"speeches\">" FLAT(1,
							"Minister meets the foreign minister of a "
							"neighbouring state",
							"12.05.2024")
		FLAT(2, "Statement on the situation in the region after the elections",
		     "10.05.2024") "</div><div class=\"statements\">" FLAT(3,
									   "Joint press conference "
									   "after "
									   "the bilateral "
									   "consultations",
									   "03.05.2024")
		    FLAT(4, "Reception on the occasion of the national day of the republic",
			 "02.05.2024") "</div></body></html>";

	doc = html_doc(html, strlen(html), "text/html; charset=utf-8");
	ck_assert_int_eq(list_discover(doc, PAGE, 0, &all, err, sizeof(err)), 0);
	ck_assert_int_eq(list_discover(doc, PAGE, 1, &one, err, sizeof(err)), 0);
	ck_assert_uint_ge(all.n, 2);
	ck_assert_uint_eq(one.n, 1);
	/* two lists alike: neither is sure, however many candidates are asked for */
	ck_assert_int_eq(all.v[0].confidence, DISCOVER_LOW);
	ck_assert_int_eq(one.v[0].confidence, all.v[0].confidence);
	ck_assert_str_eq(one.v[0].items, all.v[0].items);
	discover_result_free(&all);
	discover_result_free(&one);
	xmlFreeDoc(doc);
}
END_TEST

START_TEST(test_plain_table_layout)
{
	static const char *const want[] = {"http://example.org/press/2024/pr-101.html",
					   "http://example.org/press/2024/pr-100.html",
					   "http://example.org/press/2024/pr-099.html", NULL};
	struct discover_result r;

	/* an old layout: tables without a class or id, the date in the first cell */
	discover("<html><head><title>Press Releases</title></head><body>"
		 "<table width=\"100%\"><tr><td><a href=\"/\">Home</a> | <a "
		 "href=\"/about.html\">About</a> | <a "
		 "href=\"/contact.html\">Contact</a></td></tr></table>"
		 "<table width=\"100%\"><tr><td width=\"20%\" valign=\"top\"><a "
		 "href=\"/ministry.html\">The ministry and its departments</a><br><a "
		 "href=\"/embassies.html\">Embassies and consulates of the republic</a><br><a "
		 "href=\"/visa.html\">Visa information for foreign citizens</a></td>"
		 "<td valign=\"top\"><h2>Press Releases</h2>"
		 "<table><tr><td>12.05.2024</td><td><a href=\"/press/2024/pr-101.html\">Minister "
		 "receives the ambassador of a neighbouring country</a></td></tr>"
		 "<tr><td>10.05.2024</td><td><a href=\"/press/2024/pr-100.html\">Statement on the "
		 "humanitarian situation in the region</a></td></tr>"
		 "<tr><td>03.05.2024</td><td><a href=\"/press/2024/pr-099.html\">Joint communique "
		 "after the bilateral consultations</a></td></tr></table>"
		 "</td></tr></table></body></html>",
		 PAGE, &r);
	assert_first("plain", &r, want);
	ck_assert_str_eq(r.v[0].date, "td[1]");
	ck_assert_str_eq(r.v[0].items_seen.v[2].date, "2024-05-03");
	discover_result_free(&r);
}
END_TEST

#define CARDA(n, t, d)                                                                             \
	"<a class=\"news-card\" href=\"/news/2024/item-" #n ".html\"><img src=\"p.jpg\" alt=\"\">" \
	"<h3 class=\"news-card__title\">" t "</h3><span class=\"news-card__date\">" d              \
	"</span></a>"

START_TEST(test_card_links)
{
	struct discover_result r;

	discover("<html><body>" NAV
		 "<div class=\"news-grid\">" CARDA(1,
						   "Minister meets the "
						   "foreign minister of a neighbouring state",
						   "28.05.2024")
		     CARDA(2, "Statement on the situation in the region after the elections",
			   "14.05.2024")
			 CARDA(3, "Joint press conference after the bilateral consultations",
			       "03.05.2024") "</div>" FOOTER "</body></html>",
		 PAGE, &r);
	assert_first("card-links", &r, list3);
	ck_assert_str_eq(r.v[0].link, "@href");
	ck_assert_str_eq(r.v[0].title, ".//h3[has-class(\"news-card__title\")]");
	ck_assert_str_eq(r.v[0].date, ".//span[has-class(\"news-card__date\")]");
	ck_assert_str_eq(r.v[0].items_seen.v[1].title,
			 "Statement on the situation in the region after the elections");
	ck_assert_str_eq(r.v[0].items_seen.v[1].date, "2024-05-14");
	discover_result_free(&r);
}
END_TEST

/* ---- real pages: ../shared/corpus/realpages-dev ---- */

struct real_score {
	size_t items, items_ok, dates, dates_ok;
};

static void real_check_items(const char *id, json_t *items, const struct discover_candidate *c,
			     struct real_score *sc)
{
	size_t i, n = json_array_size(items);

	ck_assert_msg(c->count == n, "%s: %zu items, want %zu (%s)", id, c->count, n, c->items);
	for (i = 0; i < n; i++) {
		json_t *it = json_array_get(items, i);
		const char *date = json_string_value(json_object_get(it, "date"));
		char want[4200];

		snprintf(want, sizeof(want), "http://127.0.0.1:8000%s",
			 json_string_value(json_object_get(it, "link")));
		ck_assert_str_eq(c->items_seen.v[i].url, want);
		ck_assert_str_eq(c->items_seen.v[i].title,
				 json_string_value(json_object_get(it, "title")));
		sc->items_ok++;
		if (date == NULL)
			continue;
		sc->dates++;
		if (c->items_seen.v[i].date != NULL &&
		    strncmp(c->items_seen.v[i].date, date, 10) == 0)
			sc->dates_ok++;
	}
	sc->items += n;
}

static void real_source(const char *dir, const char *id, json_t *src, struct real_score *sc)
{
	const char *path = json_string_value(json_object_get(src, "list_url_path"));
	const char *file = json_string_value(json_object_get(src, "list_file"));
	char fpath[4200], url[4200], err[256] = "";
	struct discover_result r;
	xmlDocPtr doc;
	size_t len;
	char *data;

	ck_assert_ptr_nonnull(path);
	snprintf(fpath, sizeof(fpath), "%s/corpus/realpages-dev/site/%s", dir,
		 (file != NULL ? file : path + 1));
	data = testutil_slurp(fpath, &len);
	ck_assert_msg(data != NULL, "cannot read %s", fpath);
	doc = html_doc(data, len, "text/html");
	snprintf(url, sizeof(url), "http://127.0.0.1:8000%s", path);
	ck_assert_int_eq(list_discover(doc, url, 0, &r, err, sizeof(err)), 0);
	if (getenv("DISCOVER_DUMP") != NULL)
		dump(id, &r);
	ck_assert_msg(r.n > 0, "%s: no candidate", id);
	real_check_items(id, json_object_get(src, "items"), &r.v[0], sc);
	printf("%s: %zu items by %s (%s)\n", id, r.v[0].count, r.v[0].items, r.v[0].why);
	discover_result_free(&r);
	xmlFreeDoc(doc);
	free(data);
}

START_TEST(test_realpages)
{
	const char *dir = testutil_shared_dir();
	struct real_score sc = {0, 0, 0, 0};
	char path[4200];
	json_error_t jerr;
	json_t *root, *src;
	const char *id;

	if (dir == NULL) {
		printf("skipped: ../shared not found\n");
		return;
	}
	snprintf(path, sizeof(path), "%s/corpus/realpages-dev/expected.json", dir);
	root = json_load_file(path, 0, &jerr);
	ck_assert_msg(root != NULL, "%s: %s", path, jerr.text);
	json_object_foreach(json_object_get(root, "sources"), id, src)
	    real_source(dir, id, src, &sc);
	printf("realpages: %zu/%zu items, %zu/%zu dates\n", sc.items_ok, sc.items, sc.dates_ok,
	       sc.dates);
	ck_assert_uint_eq(sc.items_ok, sc.items);
	json_decref(root);
}
END_TEST

static Suite *discover_suite(void)
{
	Suite *s = suite_create("discover");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_menu_footer_lose);
	tcase_add_test(tc, test_related_sidebar_loses);
	tcase_add_test(tc, test_pagination_breadcrumb_tags);
	tcase_add_test(tc, test_table_list);
	tcase_add_test(tc, test_flat_run);
	tcase_add_test(tc, test_image_and_title_link);
	tcase_add_test(tc, test_menu_only);
	tcase_add_test(tc, test_hostile_many_links);
	tcase_add_test(tc, test_wordpress_articles);
	tcase_add_test(tc, test_bootstrap_cards);
	tcase_add_test(tc, test_french_list);
	tcase_add_test(tc, test_sections_by_day);
	tcase_add_test(tc, test_month_day_order);
	tcase_add_test(tc, test_heading_and_more_link);
	tcase_add_test(tc, test_wordpress_pager);
	tcase_add_test(tc, test_top_bar_before_h1);
	tcase_add_test(tc, test_featured_item_and_tags);
	tcase_add_test(tc, test_dates_in_attributes_and_spans);
	tcase_add_test(tc, test_drupal_page_with_dated_sidebar);
	tcase_add_test(tc, test_rows_without_links);
	tcase_add_test(tc, test_same_list_offered_once);
	tcase_add_test(tc, test_cut_titles_read_whole);
	tcase_add_test(tc, test_russian_announce_list);
	tcase_add_test(tc, test_portal_asset_list);
	tcase_add_test(tc, test_confidence_with_max_one);
	tcase_add_test(tc, test_plain_table_layout);
	tcase_add_test(tc, test_card_links);
	tcase_add_test(tc, test_served_copy_of_another_site);
	tcase_add_test(tc, test_lone_item_of_a_view_in_a_grid);
	tcase_add_test(tc, test_realpages);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return testutil_run(discover_suite());
}
