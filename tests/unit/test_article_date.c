/*
 * analyze/article: the article's own publication date. Structured data
 * first, then a dateline, then the headline; a date inside a body sentence,
 * a related-news box or a header showing today's date never counts. Also
 * every statement page of ../shared/corpus/realpages-dev, parsed as served
 * (no HTTP charset), against its expected date.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "analyze/article/article.h"
#include "analyze/page/page.h"
#include "tests/unit/testutil.h"

#define LOREM                                                                                      \
	"The delegation discussed cooperation on trade, climate and security, and agreed "         \
	"that regular consultations should continue at the working level next year. "

/* The article's date ("" when none), cut to its calendar day, into day. */
static void date_of(const char *html, char *day, size_t len)
{
	char err[256] = "";
	struct article a;
	xmlDocPtr doc = page_parse(html, strlen(html), "text/html; charset=utf-8", NULL, PAGE_HTML,
				   NULL, NULL, err, sizeof(err));
	int rc;

	ck_assert_msg(doc != NULL, "parse: %s", err);
	rc =
	    article_extract(doc, "https://mfa.example.org/news/a.html", NULL, &a, err, sizeof(err));
	ck_assert_msg(rc == 0, "extract: %s", err);
	snprintf(day, len, "%.10s", a.date != NULL ? a.date : "");
	article_free(&a);
	xmlFreeDoc(doc);
}

/* Belarus: a law's date in a body sentence one paragraph above the real dateline; JSON-LD first. */
START_TEST(body_sentence_date_loses_to_dateline)
{
	char day[16];

	date_of("<html><head><title>Statement of the Ministry</title></head><body>"
		"<div class=header>Today: 6 December 2026</div>"
		"<div class=content><h1>Statement of the Ministry of Foreign Affairs</h1>"
		"<p>Pursuant to the law of the Republic of Belarus of 29 November 2003.</p>"
		"<p>The Ministry calls on all parties to observe the agreements. " LOREM "</p>"
		"<p>December 6, 2021, Minsk</p></div></body></html>",
		day, sizeof(day));
	ck_assert_str_eq(day, "2021-12-06");
	/* JSON-LD datePublished beats any date written in the page */
	date_of("<html><head><script type='application/ld+json'>{\"@type\":\"NewsArticle\","
		"\"datePublished\":\"2021-12-07T09:00:00+03:00\"}</script></head><body>"
		"<div class=content><h1>Statement</h1><p>" LOREM "</p>"
		"<p>December 6, 2021, Minsk</p></div></body></html>",
		day, sizeof(day));
	ck_assert_str_eq(day, "2021-12-07");
	/* so does a Dublin Core or citation date in <meta> */
	date_of("<html><head><meta name='DC.Date.Published' content='2021-12-08'></head><body>"
		"<div class=content><h1>Statement</h1><p>" LOREM "</p>"
		"<p>December 6, 2021, Minsk</p></div></body></html>",
		day, sizeof(day));
	ck_assert_str_eq(day, "2021-12-08");
}
END_TEST

/* A dateline opening the body: "Minsk, 6 December 2021"; the header's today never counts. */
START_TEST(dateline_at_body_start)
{
	char day[16];

	date_of("<html><body><div class=header><span class=today-date>Sunday, 6 December "
		"2026</span></div><div class=content><h1>Press release</h1>"
		"<p>Minsk, 6 December 2021</p>"
		"<p>On 2 December 2021 the Minister received the ambassador. " LOREM "</p>"
		"<p>" LOREM "</p></div></body></html>",
		day, sizeof(day));
	ck_assert_str_eq(day, "2021-12-06");
}
END_TEST

/* China MFA English: no <h1>, the only date in an <h2> headline, "June14, 2018" spelling. */
START_TEST(date_only_in_h2_headline)
{
	char day[16];

	date_of("<html><head><title>Regular Press Conference on August 30, 2019</title></head>"
		"<body><div class=content_mod><h2 class=title>Foreign Ministry Spokesperson's "
		"Regular Press Conference on August 30, 2019</h2><div id=News_Body_Time></div>"
		"<div class=content><p>Q: On 28 August 2019 the talks ended. " LOREM "</p>"
		"<p>" LOREM "</p></div></div>"
		"<div class=related><h3>Related News</h3><ul><li><a href='/b'>Regular Press "
		"Conference on August 31, 2019</a></li></ul></div></body></html>",
		day, sizeof(day));
	ck_assert_str_eq(day, "2019-08-30");
	date_of("<html><body><div class=content_mod><h2>Spokesperson's Regular Press Conference "
		"on June14, 2018</h2><div class=content><p>" LOREM "</p><p>" LOREM "</p>"
		"</div></div></body></html>",
		day, sizeof(day));
	ck_assert_str_eq(day, "2018-06-14");
	/* a headline naming a day of history is no publication date */
	date_of("<html><body><div class=content><h2>Statement on the anniversary of 8 May "
		"1945</h2><div class=text><p>" LOREM "</p><p>" LOREM
		"</p></div></div></body></html>",
		day, sizeof(day));
	ck_assert_str_eq(day, "");
}
END_TEST

/* A related-news box with later dates, after an undated article: no date at all. */
START_TEST(related_box_dates_never_count)
{
	char day[16];

	date_of("<html><body><div class=content><h1>Remarks on cooperation</h1>"
		"<p>" LOREM "</p><p>" LOREM "</p></div>"
		"<div class=related-news><h3>Related News</h3><ul>"
		"<li><a href='/c'>Remarks on the summit</a> (2020-05-02)</li>"
		"<li><a href='/d'>Remarks on trade</a> (2020-05-01)</li></ul></div>"
		"<div class=footer>Updated 2020-06-01</div></body></html>",
		day, sizeof(day));
	ck_assert_str_eq(day, "");
	/* latest news that no class calls related, in the same column and out of it */
	date_of("<html><body><div class=wrap><div class=col-main><h1>Statement</h1>"
		"<div class=text><p>" LOREM "</p><p>" LOREM "</p><p>December 6, 2021, Minsk</p>"
		"</div><h3>Latest</h3><ul><li><a href='/e'>Visit to Paris</a> <span "
		"class=date>10.12.2021</span></li><li><a href='/f'>Talks</a> <span "
		"class=date>09.12.2021</span></li></ul></div><div class=col-second><p "
		"class=date>11.12.2021</p></div></div></body></html>",
		day, sizeof(day));
	ck_assert_str_eq(day, "2021-12-06");
}
END_TEST

/* A related item's <time> is not the article's; its dateline "MINSK, 6 May 2021 – ..." is. */
START_TEST(related_time_loses_to_dateline)
{
	char day[16];

	date_of("<html><body><article><h1>Statement</h1>"
		"<p>MINSK, 6 May 2021 \xE2\x80\x93 The Minister met the delegation. " LOREM "</p>"
		"<p>" LOREM "</p></article><aside class=related><ul><li><a href='/x'>Talks</a> "
		"<time datetime='2021-06-01T09:00:00+03:00'>1 June</time></li></ul></aside>"
		"</body></html>",
		day, sizeof(day));
	ck_assert_str_eq(day, "2021-05-06");
}
END_TEST

/* One statement page: 1 when the extracted date is the expected calendar day (or both none). */
static int realpage_matches(const char *dir, const char *path, const char *want)
{
	char file[4096], err[256];
	size_t len;
	char *data;
	xmlDocPtr doc;
	struct article a;
	int ok;

	snprintf(file, sizeof(file), "%s/corpus/realpages-dev/site%s", dir, path);
	data = testutil_slurp(file, &len);
	ck_assert_msg(data != NULL, "cannot read %s", file);
	doc = page_parse(data, len, "text/html", NULL, PAGE_HTML, NULL, NULL, err, sizeof(err));
	ck_assert_msg(doc != NULL, "%s: %s", path, err);
	ck_assert_int_eq(article_extract(doc, file, NULL, &a, err, sizeof(err)), 0);
	ok = want == NULL ? a.date == NULL : a.date != NULL && strncmp(a.date, want, 10) == 0;
	if (!ok)
		printf("realpages date: %s: got %s, want %s\n", path, a.date ? a.date : "none",
		       want ? want : "none");
	article_free(&a);
	xmlFreeDoc(doc);
	free(data);
	return ok;
}

START_TEST(realpages_dates)
{
	const char *dir = testutil_shared_dir();
	char path[4096];
	json_t *root, *exp;
	const char *k;
	int n = 0, ok = 0;

	if (dir == NULL) {
		printf("skipped: ../shared not found\n");
		return;
	}
	snprintf(path, sizeof(path), "%s/corpus/realpages-dev/expected.json", dir);
	root = json_load_file(path, 0, NULL);
	if (root == NULL) {
		printf("skipped: %s not found\n", path);
		return;
	}
	json_object_foreach(json_object_get(root, "articles"), k, exp)
	{
		if (json_is_string(json_object_get(exp, "kind")))
			continue; /* the PDF: no HTML to read */
		ok += realpage_matches(dir, k, json_string_value(json_object_get(exp, "date")));
		n++;
	}
	printf("realpages dates: %d/%d by calendar day\n", ok, n);
	ck_assert_int_ge(n, 28);
	ck_assert_msg(ok * 10 >= n * 9, "only %d of %d dates right", ok, n);
	json_decref(root);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("article_date");
	TCase *tc = tcase_create("date");

	page_init();
	tcase_add_test(tc, body_sentence_date_loses_to_dateline);
	tcase_add_test(tc, dateline_at_body_start);
	tcase_add_test(tc, date_only_in_h2_headline);
	tcase_add_test(tc, related_box_dates_never_count);
	tcase_add_test(tc, related_time_loses_to_dateline);
	tcase_add_test(tc, realpages_dates);
	suite_add_tcase(s, tc);
	return testutil_run(s);
}
