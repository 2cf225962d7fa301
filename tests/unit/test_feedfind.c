/* Unit tests for analyze/page/feedfind: page_feed_links(). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/page/discover.h"
#include "analyze/page/page.h"
#include "tests/unit/testutil.h"

/* The feeds of an HTML page given as a string. */
static void feeds_of(const char *html, const char *url, struct feed_links *out)
{
	char err[256] = "";
	xmlDocPtr doc;

	page_init();
	doc = page_parse(html, strlen(html), "text/html", NULL, PAGE_HTML, NULL, NULL, err,
			 sizeof(err));
	ck_assert_msg(doc != NULL, "parse: %s", err);
	page_feed_links(doc, url, out);
	xmlFreeDoc(doc);
}

/* The index of url in f, or -1. */
static int find(const struct feed_links *f, const char *url)
{
	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->v[i].url, url) == 0)
			return (int)i;
	return -1;
}

static size_t count_type(const struct feed_links *f, const char *type)
{
	size_t n = 0;

	for (size_t i = 0; i < f->n; i++)
		n += strcmp(f->v[i].type, type) == 0;
	return n;
}

START_TEST(test_advertised_links_by_rel_and_type)
{
	const char *html =
	    "<html><head><title>t</title>"
	    "<link rel=\"Alternate\" type=\"application/atom+xml\" href=\"/news/atom.xml\" "
	    "title=\"News\">"
	    "<link rel=\"alternate nofollow\" type=\" application/rss+xml; charset=utf-8 \" "
	    "href=\"rss.php\">"
	    "<link rel=\"alternate\" type=\"application/rdf+xml\" href=\"/index.rdf\">"
	    "<link rel=\"alternate\" type=\"application/feed+json\" href=\"/feed.json\">"
	    "<link rel=\"feed\" href=\"/latest.atom\">"
	    "<link rel=\"alternate stylesheet\" type=\"application/rss+xml\" href=\"/alt.css\">"
	    "<link rel=\"stylesheet\" type=\"text/css\" href=\"/s.css\">"
	    "<link rel=\"alternate\" type=\"text/html\" hreflang=\"fr\" href=\"/fr/\">"
	    "<link rel=\"alternate\" type=\"application/rss+xml\" href=\"/comments/feed/\" "
	    "title=\"Comments Feed\">"
	    "<link rel=\"alternate\" type=\"application/json\" href=\"/wp-json/wp/v2/pages/1\">"
	    "<link rel=\"alternate\" type=\"application/json+oembed\" href=\"/oembed?u=1\">"
	    "</head><body><p>x</p></body></html>";
	struct feed_links f;

	feeds_of(html, "http://ex.org/press/list.html", &f);
	ck_assert_int_ge(f.n, 5);
	ck_assert_str_eq(f.v[0].url, "http://ex.org/news/atom.xml");
	ck_assert_str_eq(f.v[0].type, "atom");
	ck_assert_str_eq(f.v[0].title, "News");
	ck_assert_str_eq(f.v[1].url, "http://ex.org/press/rss.php");
	ck_assert_str_eq(f.v[1].type, "rss");
	ck_assert_str_eq(f.v[2].type, "rdf");
	ck_assert_str_eq(f.v[3].type, "json");
	ck_assert_str_eq(f.v[4].url, "http://ex.org/latest.atom");
	ck_assert_str_eq(f.v[4].type, "atom");
	ck_assert_int_lt(find(&f, "http://ex.org/alt.css"), 0);
	ck_assert_int_lt(find(&f, "http://ex.org/s.css"), 0);
	ck_assert_int_lt(find(&f, "http://ex.org/fr/"), 0);
	ck_assert_int_lt(find(&f, "http://ex.org/comments/feed/"), 0);
	ck_assert_int_lt(find(&f, "http://ex.org/wp-json/wp/v2/pages/1"), 0);
	ck_assert_int_lt(find(&f, "http://ex.org/oembed?u=1"), 0);
	feed_links_free(&f);
}
END_TEST

START_TEST(test_base_href_is_respected)
{
	const char *html = "<html><head><base href=\"http://cdn.ex.org/site/\">"
			   "<link rel=alternate type=application/rss+xml href=\"feed.rss\">"
			   "</head><body></body></html>";
	struct feed_links f;

	feeds_of(html, "http://ex.org/a/b.html", &f);
	ck_assert_int_ge(f.n, 1);
	ck_assert_str_eq(f.v[0].url, "http://cdn.ex.org/site/feed.rss");
	feed_links_free(&f);
}
END_TEST

START_TEST(test_commented_out_markup_is_never_seen)
{
	const char *html =
	    "<html><head>"
	    "<!-- <link rel=alternate type=application/rss+xml href=\"/old.rss\"> -->"
	    "<!--[if IE]><link rel=alternate type=application/atom+xml "
	    "href=\"/ie.atom\"><![endif]-->"
	    "</head><body><!-- <a href=\"/hidden.rss\">RSS</a> -->"
	    "<p>text</p></body></html>";
	struct feed_links f;

	feeds_of(html, "http://ex.org/news/", &f);
	ck_assert_int_lt(find(&f, "http://ex.org/old.rss"), 0);
	ck_assert_int_lt(find(&f, "http://ex.org/ie.atom"), 0);
	ck_assert_int_lt(find(&f, "http://ex.org/hidden.rss"), 0);
	/* only guesses are left */
	ck_assert_uint_eq(count_type(&f, "guess"), f.n);
	feed_links_free(&f);
}
END_TEST

START_TEST(test_anchor_links_on_site_only)
{
	const char *html = "<html><body>"
			   "<a href=\"/rss/news.xml\">News</a>"
			   "<a href=\"/press/feed/\">Press</a>"
			   "<a href=\"/?feed=rss2\">Subscribe</a>"
			   "<a href=\"/subscribe.php\"><img src=r.png alt=\"RSS\"></a>"
			   "<a href=\"http://www.ex.org/all.atom\">Atom</a>"
			   "<a href=\"http://other.org/feed.rss\">Other</a>"
			   "<a href=\"/sitemap.xml\">Site map</a>"
			   "<a href=\"/comments/feed.rss\">Comments</a>"
			   "<a href=\"/news/1.html\">A statement</a>"
			   "</body></html>";
	struct feed_links f;

	feeds_of(html, "http://ex.org/news/", &f);
	ck_assert_int_eq(find(&f, "http://ex.org/rss/news.xml"), 0);
	ck_assert_int_eq(find(&f, "http://ex.org/press/feed/"), 1);
	ck_assert_int_eq(find(&f, "http://ex.org/?feed=rss2"), 2);
	ck_assert_int_eq(find(&f, "http://ex.org/subscribe.php"), 3);
	ck_assert_str_eq(f.v[3].title, "RSS");
	ck_assert_int_eq(find(&f, "http://www.ex.org/all.atom"), 4);
	ck_assert_str_eq(f.v[4].type, "atom");
	ck_assert_int_lt(find(&f, "http://other.org/feed.rss"), 0);
	ck_assert_int_lt(find(&f, "http://ex.org/sitemap.xml"), 0);
	ck_assert_int_lt(find(&f, "http://ex.org/comments/feed.rss"), 0);
	ck_assert_int_lt(find(&f, "http://ex.org/news/1.html"), 0);
	feed_links_free(&f);
}
END_TEST

START_TEST(test_guesses_directory_then_root_at_most_eight)
{
	const char *html = "<html><body><p>no feeds here</p></body></html>";
	struct feed_links f;

	feeds_of(html, "http://ex.org/en/press/list.php?page=2", &f);
	ck_assert_uint_eq(f.n, 8);
	ck_assert_uint_eq(count_type(&f, "guess"), 8);
	ck_assert_str_eq(f.v[0].url, "http://ex.org/en/press/feed/");
	ck_assert_str_eq(f.v[1].url, "http://ex.org/feed/");
	ck_assert_int_ge(find(&f, "http://ex.org/en/press/rss.xml"), 0);
	ck_assert_int_ge(find(&f, "http://ex.org/rss.xml"), 0);
	ck_assert_int_ge(find(&f, "http://ex.org/atom.xml"), 0);
	/* no CMS named: no CMS paths */
	for (size_t i = 0; i < f.n; i++)
		ck_assert_ptr_null(strstr(f.v[i].url, "feed=rss2"));
	feed_links_free(&f);
}
END_TEST

START_TEST(test_guesses_at_root_are_not_repeated)
{
	struct feed_links f;

	feeds_of("<html><body></body></html>", "https://ex.org/", &f);
	ck_assert_uint_eq(f.n, 6);
	ck_assert_int_ge(find(&f, "https://ex.org/index.xml"), 0);
	ck_assert_int_ge(find(&f, "https://ex.org/rss/"), 0);
	feed_links_free(&f);
}
END_TEST

START_TEST(test_cms_paths_only_when_the_generator_names_it)
{
	const char *wp = "<html><head><meta name=\"generator\" content=\"WordPress 6.1.1\">"
			 "</head><body></body></html>";
	const char *joomla = "<html><head><meta name=generator content=\"Joomla! - Open Source\">"
			     "</head><body></body></html>";
	struct feed_links f;

	feeds_of(wp, "http://ex.org/?cat=27&lang=en", &f);
	ck_assert_int_eq(find(&f, "http://ex.org/?cat=27&lang=en&feed=rss2"), 0);
	ck_assert_int_ge(find(&f, "http://ex.org/?feed=rss2"), 0);
	ck_assert_uint_le(f.n, 8);
	feed_links_free(&f);
	feeds_of(joomla, "http://ex.org/news", &f);
	ck_assert_int_eq(find(&f, "http://ex.org/news?format=feed&type=rss"), 0);
	feed_links_free(&f);
}
END_TEST

START_TEST(test_duplicates_dropped)
{
	const char *html =
	    "<html><head><link rel=alternate type=application/rss+xml href=\"/feed/\">"
	    "<link rel=alternate type=application/rss+xml href=\"http://ex.org/feed/\">"
	    "</head><body><a href=\"/feed/\">RSS</a></body></html>";
	struct feed_links f;

	feeds_of(html, "http://ex.org/", &f);
	ck_assert_int_eq(find(&f, "http://ex.org/feed/"), 0);
	for (size_t i = 1; i < f.n; i++)
		ck_assert_str_ne(f.v[i].url, "http://ex.org/feed/");
	ck_assert_str_eq(f.v[0].type, "rss");
	feed_links_free(&f);
}
END_TEST

/* Timor-Leste's list page holds a commented-out RSS icon link; it must not come back. */
START_TEST(test_realpages_commented_rss)
{
	const char *shared = testutil_shared_dir();
	char path[4096];
	char *data;
	size_t len;
	struct feed_links f;
	char err[256];
	xmlDocPtr doc;

	if (shared == NULL) {
		printf("skipped: ../shared not found\n");
		return;
	}
	snprintf(path, sizeof(path), "%s/corpus/realpages-dev/site/timor-leste.gov.tl/index.html",
		 shared);
	data = testutil_slurp(path, &len);
	ck_assert_ptr_nonnull(data);
	page_init();
	doc = page_parse(data, len, "text/html", NULL, PAGE_HTML, NULL, NULL, err, sizeof(err));
	ck_assert_ptr_nonnull(doc);
	page_feed_links(doc, "http://127.0.0.1:8000/timor-leste.gov.tl/?cat=27&lang=en", &f);
	for (size_t i = 0; i < f.n; i++)
		ck_assert_msg(strcmp(f.v[i].type, "guess") == 0 &&
				  strstr(f.v[i].url, "f=1") == NULL,
			      "unexpected feed %s (%s)", f.v[i].url, f.v[i].type);
	feed_links_free(&f);
	xmlFreeDoc(doc);
	free(data);
}
END_TEST

/* A page of per-topic feeds: advertised ones first, at most 16 kept, then the guesses. */
START_TEST(test_many_feeds_are_capped)
{
	char html[8192];
	size_t n = 0;
	struct feed_links f;

	n += (size_t)snprintf(html + n, sizeof(html) - n,
			      "<html><head><link rel=alternate type=application/rss+xml "
			      "href=/main.rss></head><body>");
	for (int i = 0; i < 40; i++)
		n += (size_t)snprintf(html + n, sizeof(html) - n, "<a href=\"/topic/%d.rss\">T</a>",
				      i);
	snprintf(html + n, sizeof(html) - n, "</body></html>");
	feeds_of(html, "http://ex.org/", &f);
	ck_assert_str_eq(f.v[0].url, "http://ex.org/main.rss");
	ck_assert_uint_eq(f.n - count_type(&f, "guess"), 16);
	ck_assert_uint_le(count_type(&f, "guess"), 8);
	feed_links_free(&f);
}
END_TEST

START_TEST(test_null_and_empty)
{
	struct feed_links f;

	page_feed_links(NULL, "http://ex.org/", &f);
	ck_assert_uint_eq(f.n, 0);
	feed_links_free(&f);
	feeds_of("<html><body></body></html>", "not a url", &f);
	ck_assert_uint_eq(f.n, 0);
	feed_links_free(&f);
}
END_TEST

static Suite *feedfind_suite(void)
{
	Suite *s = suite_create("feedfind");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_advertised_links_by_rel_and_type);
	tcase_add_test(tc, test_base_href_is_respected);
	tcase_add_test(tc, test_commented_out_markup_is_never_seen);
	tcase_add_test(tc, test_anchor_links_on_site_only);
	tcase_add_test(tc, test_guesses_directory_then_root_at_most_eight);
	tcase_add_test(tc, test_guesses_at_root_are_not_repeated);
	tcase_add_test(tc, test_cms_paths_only_when_the_generator_names_it);
	tcase_add_test(tc, test_duplicates_dropped);
	tcase_add_test(tc, test_realpages_commented_rss);
	tcase_add_test(tc, test_many_feeds_are_capped);
	tcase_add_test(tc, test_null_and_empty);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return testutil_run(feedfind_suite());
}
