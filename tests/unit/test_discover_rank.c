/*
 * Unit tests for daemon/cmd/discover_rank and the [source] section of
 * cmd_discover_out: how `speechwatch discover` orders lists and feeds and
 * names what it proposes.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"
#include "daemon/cmd/discover_int.h"
#include "tests/unit/testutil.h"

/* n items whose URLs are fmt with 1..n. */
static void items_of(struct list_items *out, const char *fmt, size_t n)
{
	memset(out, 0, sizeof(*out));
	out->v = xcalloc(n ? n : 1, sizeof(*out->v));
	for (size_t i = 0; i < n; i++) {
		out->v[i].url = xasprintf(fmt, (int)i + 1);
		out->v[i].title = xasprintf("Title %zu", i + 1);
	}
	out->n = out->total = n;
}

static void list_cand(struct discover_candidate *c, const char *fmt, size_t n,
		      enum discover_confidence conf)
{
	memset(c, 0, sizeof(*c));
	c->items = xstrdup("//ul[has-class(\"news\")]/li");
	c->confidence = conf;
	items_of(&c->items_seen, fmt, n);
	c->count = n;
}

static void feed_cand(struct checked_feed *cf, const char *url, const char *advertised,
		      const char *fmt, size_t n)
{
	memset(cf, 0, sizeof(*cf));
	cf->url = xstrdup(url);
	cf->advertised = xstrdup(advertised);
	cf->kind = "rss";
	items_of(&cf->items, fmt, n);
}

static void found_free(struct discover_found *f)
{
	for (size_t i = 0; i < f->lists.n; i++) {
		free(f->lists.v[i].items);
		list_items_free(&f->lists.v[i].items_seen);
	}
	free(f->lists.v);
	for (size_t i = 0; i < f->nfeeds; i++) {
		free(f->feeds[i].url);
		free(f->feeds[i].advertised);
		free(f->feeds[i].dropped);
		list_items_free(&f->feeds[i].items);
	}
	free(f->feeds);
	free(f->props);
}

/* Two lists (the page's and a sidebar) and four feeds: all, half, none of the list, dropped. */
static void found_make(struct discover_found *f)
{
	memset(f, 0, sizeof(*f));
	f->page_url = "https://www.ex.org/news/";
	f->lists.n = 2;
	f->lists.v = xcalloc(2, sizeof(*f->lists.v));
	list_cand(&f->lists.v[0], "https://www.ex.org/news/%d.html", 10, DISCOVER_HIGH);
	list_cand(&f->lists.v[1], "https://www.ex.org/agenda/%d", 3, DISCOVER_LOW);
	f->nfeeds = 4;
	f->feeds = xcalloc(4, sizeof(*f->feeds));
	feed_cand(&f->feeds[0], "https://ex.org/other.rss", "rss", "https://ex.org/shop/%d", 5);
	feed_cand(&f->feeds[1], "https://ex.org/half.rss", "rss", "http://ex.org/news/%d.html", 4);
	feed_cand(&f->feeds[2], "https://ex.org/gone.rss", "rss", "x%d", 0);
	f->feeds[2].dropped = xstrdup("HTTP 404");
	/* the same pages written with http, no www. and a trailing slash */
	feed_cand(&f->feeds[3], "https://ex.org/news.atom", "atom", "http://ex.org/news/%d.html/",
		  8);
}

START_TEST(test_feed_holding_the_list_first_then_list_then_partial_then_none)
{
	struct discover_found f;

	found_make(&f);
	discover_rank(&f);
	ck_assert_uint_eq(f.nprops, 5);
	ck_assert_int_eq(f.props[0].type, PROPOSAL_FEED);
	ck_assert_ptr_eq(f.props[0].feed, &f.feeds[3]);
	ck_assert_int_eq(f.props[0].confidence, DISCOVER_HIGH);
	ck_assert_uint_eq(f.feeds[3].shared, 8);
	ck_assert_int_eq(f.props[1].type, PROPOSAL_LIST);
	ck_assert_ptr_eq(f.props[1].list, &f.lists.v[0]);
	ck_assert_ptr_eq(f.props[2].feed, &f.feeds[1]);
	ck_assert_int_eq(f.props[2].confidence, DISCOVER_MEDIUM);
	ck_assert_ptr_eq(f.props[3].list, &f.lists.v[1]);
	ck_assert_ptr_eq(f.props[4].feed, &f.feeds[0]);
	ck_assert_int_eq(f.props[4].confidence, DISCOVER_LOW);
	found_free(&f);
}
END_TEST

START_TEST(test_without_list_feeds_in_page_order)
{
	struct discover_found f;

	found_make(&f);
	for (size_t i = 0; i < f.lists.n; i++) {
		free(f.lists.v[i].items);
		list_items_free(&f.lists.v[i].items_seen);
	}
	f.lists.n = 0;
	discover_rank(&f);
	ck_assert_uint_eq(f.nprops, 3);
	ck_assert_ptr_eq(f.props[0].feed, &f.feeds[0]);
	ck_assert_ptr_eq(f.props[1].feed, &f.feeds[1]);
	ck_assert_ptr_eq(f.props[2].feed, &f.feeds[3]);
	ck_assert_int_eq(f.props[0].confidence, DISCOVER_HIGH);
	found_free(&f);
}
END_TEST

START_TEST(test_a_list_alone)
{
	struct discover_found f;

	found_make(&f);
	for (size_t i = 0; i < f.nfeeds; i++)
		if (f.feeds[i].dropped == NULL)
			f.feeds[i].dropped = xstrdup("HTTP 500");
	discover_rank(&f);
	ck_assert_uint_eq(f.nprops, 2);
	ck_assert_ptr_eq(f.props[0].list, &f.lists.v[0]);
	found_free(&f);
}
END_TEST

START_TEST(test_shared_counts_each_list_item_once)
{
	struct list_items a, b;

	items_of(&a, "https://www.ex.org/n/%d", 3);
	items_of(&b, "http://ex.org/n/%d/", 2);
	ck_assert_uint_eq(discover_shared(&a, &b), 2);
	free(b.v[1].url);
	b.v[1].url = xstrdup("http://ex.org/n/1");
	ck_assert_uint_eq(discover_shared(&a, &b), 1);
	free(b.v[0].url);
	b.v[0].url = NULL;
	ck_assert_uint_eq(discover_shared(&a, &b), 1);
	list_items_free(&a);
	list_items_free(&b);
}
END_TEST

START_TEST(test_source_ids)
{
	static const char *const cases[][2] = {
	    {"https://www.fmprc.gov.cn/mfa_eng/xwfw_665399/s2510_665401/2511_665403/"
	     "default_5.shtml",
	     "fmprc-gov-cn-2511_665403"},
	    {"http://127.0.0.1:8080/timor-leste.gov.tl/?cat=27&lang=en", "127-0-0-1-timor-leste"},
	    {"https://mfa.uz/en/press/news/", "mfa-uz-news"},
	    {"https://ex.org/", "ex-org"},
	    {"https://ex.org/index.html", "ex-org"},
	    {"https://ex.org/news/feed.atom", "ex-org-feed"},
	    {"https://ex.org/%E6%96%B0%E9%97%BB/", "ex-org-E6-96-B0-E9-97-BB"},
	    {"https://a-very-long-host-name-of-some-ministry.example.gov/a-very-long-path-word-"
	     "that-goes-on",
	     "a-very-long-host-name-of-some-ministry-example-gov-a-very-long-p"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *id = discover_source_id(cases[i][0]);

		ck_assert_str_eq(id, cases[i][1]);
		ck_assert_uint_le(strlen(id), 64);
		free(id);
	}
}
END_TEST

START_TEST(test_source_section_of_a_list_and_a_feed)
{
	struct discover_found f;
	char *s;

	found_make(&f);
	f.lists.v[0].date = xstrdup("span[has-class(\"date\")]");
	f.lists.v[0].date_format = xstrdup("%d.%m.%Y");
	f.lists.v[0].link = xstrdup("a\x1b[2J/@href");
	discover_rank(&f);
	s = discover_source_section(&f.props[1], f.page_url);
	ck_assert_str_eq(s, "[source \"ex-org-news\"]\n"
			    "url         = https://www.ex.org/news/\n"
			    "kind        = html\n"
			    "items       = //ul[has-class(\"news\")]/li\n"
			    "link        = a\\x1b[2J/@href\n"
			    "date        = span[has-class(\"date\")]\n"
			    "date_format = %d.%m.%Y\n"
			    "enabled     = no\n");
	free(s);
	s = discover_source_section(&f.props[0], f.page_url);
	ck_assert_str_eq(s, "[source \"ex-org-news\"]\n"
			    "url         = https://ex.org/news.atom\n"
			    "kind        = rss\n"
			    "enabled     = no\n");
	free(s);
	free(f.lists.v[0].date);
	free(f.lists.v[0].date_format);
	free(f.lists.v[0].link);
	found_free(&f);
}
END_TEST

/* speechwatch.conf reads lines of at most 198 characters: the section says when one cannot fit. */
START_TEST(test_source_section_long_lines)
{
	struct discover_found f;
	char xpath[300];
	char *s;

	found_make(&f);
	discover_rank(&f);
	memset(xpath, 'a', sizeof(xpath));
	free(f.lists.v[0].items);
	xpath[0] = '/';
	xpath[1] = '/';
	xpath[190] = '\0'; /* aligned 204 characters, unaligned 198: fits unaligned */
	f.lists.v[0].items = xstrdup(xpath);
	s = discover_source_section(&f.props[1], f.page_url);
	ck_assert_ptr_nonnull(strstr(s, "\nitems = //aaa"));
	ck_assert_ptr_null(strstr(s, "; the next line"));
	free(s);
	xpath[190] = 'a';
	xpath[250] = '\0';
	free(f.lists.v[0].items);
	f.lists.v[0].items = xstrdup(xpath);
	s = discover_source_section(&f.props[1], f.page_url);
	ck_assert_ptr_nonnull(
	    strstr(s, "; the next line is longer than the 198 characters of a config "
		      "line: shorten it\nitems = //aaa"));
	free(s);
	found_free(&f);
}
END_TEST

START_TEST(test_confidence_names)
{
	ck_assert_str_eq(discover_confidence_name(DISCOVER_LOW), "low");
	ck_assert_str_eq(discover_confidence_name(DISCOVER_MEDIUM), "medium");
	ck_assert_str_eq(discover_confidence_name(DISCOVER_HIGH), "high");
}
END_TEST

static Suite *discover_rank_suite(void)
{
	Suite *s = suite_create("discover_rank");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_feed_holding_the_list_first_then_list_then_partial_then_none);
	tcase_add_test(tc, test_without_list_feeds_in_page_order);
	tcase_add_test(tc, test_a_list_alone);
	tcase_add_test(tc, test_shared_counts_each_list_item_once);
	tcase_add_test(tc, test_source_ids);
	tcase_add_test(tc, test_source_section_of_a_list_and_a_feed);
	tcase_add_test(tc, test_source_section_long_lines);
	tcase_add_test(tc, test_confidence_names);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return testutil_run(discover_rank_suite());
}
