/* analyze/date: the forms ministries and feeds write, and what must be refused. */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyze/page/date.h"
#include "tests/unit/testutil.h"

struct date_case {
	const char *text;
	const char *lang;
	const char *want; /* NULL: no date */
};

static const struct date_case cases[] = {
    /* numeric, year first */
    {"2019-10-24", NULL, "2019-10-24"},
    {"2019-10-24 14:06", NULL, "2019-10-24T14:06:00"},
    {"2019/10/24", NULL, "2019-10-24"},
    {"2019.10.24.", NULL, "2019-10-24"},
    {"2019-1-5", NULL, "2019-01-05"},
    /* month names */
    {"October 24, 2019", NULL, "2019-10-24"},
    {"Oct. 24, 2019", NULL, "2019-10-24"},
    {"MARCH 3, 2020", NULL, "2020-03-03"},
    {"24 Oct 2019", NULL, "2019-10-24"},
    {"24 October 2019", NULL, "2019-10-24"},
    {"Tuesday, 28 of September of 2021", NULL, "2021-09-28"},
    {"Thursday 24th of October 2019", NULL, "2019-10-24"},
    {"October 24, 2019 at 2:06 p.m. EDT", "en-US", "2019-10-24T14:06:00-04:00"},
    /* numeric, day or month first */
    {"24.10.2019", NULL, "2019-10-24"},
    {"24. 10. 2019", NULL, "2019-10-24"},
    {"10/24/2019", NULL, "2019-10-24"},
    {"10/24/2019", "en-US", "2019-10-24"},
    {"03/04/2019", "en-US", "2019-03-04"},
    {"03/04/2019", "en-GB", "2019-04-03"},
    {"03/04/2019", NULL, "2019-04-03"},
    {"24/10/19", "fr", "2019-10-24"},
    /* CJK */
    {"2019年10月24日", "zh", "2019-10-24"},
    {"2019年10月24日 14:06", "zh", "2019-10-24T14:06:00"},
    {"发布时间：2019年10月30日 16时20分", "zh", "2019-10-30T16:20:00"},
    {"2019년 10월 24일", "ko", "2019-10-24"},
    /* other languages */
    {"1er octobre 2019", "fr", "2019-10-01"},
    {"le 24 févr. 2020 à 14h30", "fr", "2020-02-24T14:30:00"},
    {"24 de octubre de 2019", "es", "2019-10-24"},
    {"24 октября 2019 г.", "ru", "2019-10-24"},
    {"1 Мая 2020 года, 10:00", "ru", "2020-05-01T10:00:00"},
    {"24. Oktober 2019", "de", "2019-10-24"},
    {"3. März 2020", "de", "2020-03-03"},
    {"24 de outubro de 2019", "pt", "2019-10-24"},
    {"٢٤/١٠/٢٠١٩", "ar", "2019-10-24"},
    {"２０１９年１０月２４日", "ja", "2019-10-24"},
    /* RFC 822 and relatives */
    {"Thu, 24 Oct 2019 14:06:00 +0800", NULL, "2019-10-24T14:06:00+08:00"},
    {"Thu, 24 Oct 2019 14:06:00 GMT", NULL, "2019-10-24T14:06:00Z"},
    {"Thu, 24 Oct 2019 14:06:00 EST", NULL, "2019-10-24T14:06:00-05:00"},
    {"Thu, 24 Oct 2019 14:06 +0100", NULL, "2019-10-24T14:06:00+01:00"},
    {"24 Oct 2019 14:06:00 -0400", NULL, "2019-10-24T14:06:00-04:00"},
    {"thu, 24 oct 2019 14:06:00 pdt", NULL, "2019-10-24T14:06:00-07:00"},
    {"Thu, 24 Oct 19 14:06:00 +0000", NULL, "2019-10-24T14:06:00+00:00"},
    {"Thu, 24 Oct 2019 14:06:00 UT", NULL, "2019-10-24T14:06:00Z"},
    {"Thursday, 24-Oct-19 14:06:00 GMT", NULL, "2019-10-24T14:06:00Z"},
    {"Thu Oct 24 14:06:00 2019", NULL, "2019-10-24T14:06:00"},
    {"Thu, 24 Oct 2019 14:06:00 GMT+8", NULL, "2019-10-24T14:06:00+08:00"},
    /* RFC 3339 / ISO 8601 */
    {"2019-10-24T14:06:00Z", NULL, "2019-10-24T14:06:00Z"},
    {"2019-10-24T14:06:00+08:00", NULL, "2019-10-24T14:06:00+08:00"},
    {"2019-10-24T14:06:00.123456-05:30", NULL, "2019-10-24T14:06:00-05:30"},
    {"2019-10-24T14:06Z", NULL, "2019-10-24T14:06:00Z"},
    {"2019-10-24T14:06:00+00:00", NULL, "2019-10-24T14:06:00+00:00"},
    {"2019-10-24T14:06:00 UTC+03:00", NULL, "2019-10-24T14:06:00+03:00"},
    {"2019-10-24 14:06:59+0800", NULL, "2019-10-24T14:06:59+08:00"},
    /* embedded in text */
    {"Updated: 2019-10-24 (Beijing)", NULL, "2019-10-24"},
    {"(2019-10-24)", NULL, "2019-10-24"},
    {"\xef\xbc\x88"
     "2019-10-30\xef\xbc\x89",
     NULL, "2019-10-30"},
    {"Speech by the Minister, 24 October 2019, Geneva", NULL, "2019-10-24"},
    {"Published on 2019-10-24 14:06 - 2 comments", NULL, "2019-10-24T14:06:00"},
    /* leap years and impossible dates */
    {"29.02.2020", NULL, "2020-02-29"},
    {"29.02.2019", NULL, NULL},
    {"2019-02-30", NULL, NULL},
    {"2019-13-01", NULL, NULL},
    {"31 April 2019", NULL, NULL},
    {"2019-10-24 25:00", NULL, "2019-10-24"},
    /* no date at all */
    {"No date here", NULL, NULL},
    {"version 1.2.3.4", NULL, NULL},
    {"24 October", NULL, NULL},
    {"", NULL, NULL},
};

START_TEST(forms)
{
	const struct date_case *c = &cases[_i];
	char out[64] = "";
	int rc = date_parse(c->text, c->lang, NULL, out, sizeof(out));

	if (c->want == NULL) {
		ck_assert_msg(rc == -1, "\"%s\" gave %s", c->text, out);
	} else {
		ck_assert_msg(rc == 0, "\"%s\": no date", c->text);
		ck_assert_msg(strcmp(out, c->want) == 0, "\"%s\": %s, want %s", c->text, out,
			      c->want);
	}
}
END_TEST

START_TEST(format_tried_first)
{
	char out[64];

	ck_assert_int_eq(date_parse("24|10|2019", NULL, "%d|%m|%Y", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "2019-10-24");
	ck_assert_int_eq(date_parse("10-24-2019 14:06", NULL, "%m-%d-%Y %H:%M", out, sizeof(out)),
			 0);
	ck_assert_str_eq(out, "2019-10-24T14:06:00");
	ck_assert_int_eq(
	    date_parse("2019-10-24 14:06:00 +0800", NULL, "%Y-%m-%d %H:%M:%S %z", out, sizeof(out)),
	    0);
	ck_assert_str_eq(out, "2019-10-24T14:06:00+08:00");
	/* a format that does not fit falls back to detection */
	ck_assert_int_eq(date_parse("24 Oct 2019", NULL, "%Y-%m-%d", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "2019-10-24");
	/* a format without a year finds no date by itself */
	ck_assert_int_eq(date_parse("24/10", NULL, "%d/%m", out, sizeof(out)), -1);
}
END_TEST

/* The list's date wins over a page date more than DATE_AGREE_DAYS (3) calendar days off. */
START_TEST(list_date_wins_when_far)
{
	const char *list = "2021-12-06", *near = "2021-12-08T10:00:00+03:00";
	const char *edge = "2021-12-09", *far = "2021-12-10", *cited = "2003-11-29";
	const char *new_year = "2020-12-30T23:00:00Z";

	ck_assert_ptr_eq(date_choose(list, near), near); /* agree: the page's time is kept */
	ck_assert_ptr_eq(date_choose(list, edge), edge);
	ck_assert_ptr_eq(date_choose(list, far), list);
	ck_assert_ptr_eq(date_choose(list, cited), list);
	ck_assert_ptr_eq(date_choose("2021-01-01", new_year), new_year); /* across a year */
	ck_assert_ptr_eq(date_choose(NULL, near), near);
	ck_assert_ptr_eq(date_choose(list, NULL), list);
	ck_assert_ptr_eq(date_choose("no date", near), near);
	ck_assert_ptr_null(date_choose(NULL, NULL));
}
END_TEST

START_TEST(bad_arguments)
{
	char small[8], out[64];

	ck_assert_int_eq(date_parse(NULL, NULL, NULL, out, sizeof(out)), -1);
	ck_assert_int_eq(date_parse("2019-10-24", NULL, NULL, small, sizeof(small)), -1);
	ck_assert_int_eq(date_parse("2019-10-24", NULL, NULL, out, 0), -1);
	/* invalid UTF-8 and long junk around a date */
	ck_assert_int_eq(date_parse("\xff\xfe 2019-10-24 \xc3", NULL, NULL, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "2019-10-24");
}
END_TEST

START_TEST(long_text_is_bounded)
{
	size_t n = 200000;
	char *text = malloc(n + 1);
	char out[64];

	for (size_t i = 0; i < n; i++)
		text[i] = "1.2 May x-"[i % 10];
	text[n] = '\0';
	ck_assert_int_eq(date_parse(text, NULL, NULL, out, sizeof(out)), -1);
	memcpy(text + 1000, " 24 May 2019 ", 13);
	ck_assert_int_eq(date_parse(text, NULL, NULL, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "2019-05-24");
	free(text);
}
END_TEST

/* Feed dates in the offline site ($SW_SHARED/fixtures/site/expected.json) round-trip. */
static int check_items(json_t *versions, const char *raw_key, const char *want_key)
{
	const char *vkey;
	json_t *version, *item;
	size_t i;
	int checked = 0;

	json_object_foreach(versions, vkey, version)
	{
		json_array_foreach(json_object_get(version, "items"), i, item)
		{
			const char *raw = json_string_value(json_object_get(item, raw_key));
			const char *want = json_string_value(json_object_get(item, want_key));
			char out[64];

			ck_assert_ptr_nonnull(raw);
			ck_assert_ptr_nonnull(want);
			ck_assert_msg(date_parse(raw, NULL, NULL, out, sizeof(out)) == 0, "%s",
				      raw);
			ck_assert_msg(strcmp(out, want) == 0, "%s: %s, want %s", raw, out, want);
			checked++;
		}
	}
	return checked;
}

START_TEST(site_feed_dates)
{
	const char *shared = getenv("SW_SHARED");
	char path[1024];
	json_t *root, *sources, *article;
	json_error_t jerr;
	const char *key;
	int n;

	snprintf(path, sizeof(path), "%s/fixtures/site/expected.json",
		 shared ? shared : "../shared");
	if (access(path, R_OK) != 0) {
		printf("skipped: ../shared not found\n");
		return;
	}
	root = json_load_file(path, 0, &jerr);
	ck_assert_msg(root != NULL, "%s", jerr.text);
	sources = json_object_get(root, "sources");
	n = check_items(json_object_get(json_object_get(sources, "rss"), "versions"), "pubDate",
			"datetime");
	n += check_items(json_object_get(json_object_get(sources, "fcdo-atom"), "versions"),
			 "updated", "updated");
	ck_assert_int_ge(n, 20);
	json_object_foreach(json_object_get(root, "articles"), key, article)
	{
		const char *dt = json_string_value(json_object_get(article, "datetime"));
		const char *d = json_string_value(json_object_get(article, "date"));
		char out[64];

		ck_assert_int_eq(date_parse(dt, NULL, NULL, out, sizeof(out)), 0);
		ck_assert_msg(strncmp(out, d, 10) == 0 && strlen(out) > 10, "%s: %s", key, out);
	}
	json_decref(root);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("date");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, forms, 0, (int)(sizeof(cases) / sizeof(cases[0])));
	tcase_add_test(tc, format_tried_first);
	tcase_add_test(tc, list_date_wins_when_far);
	tcase_add_test(tc, bad_arguments);
	tcase_add_test(tc, long_text_is_bounded);
	tcase_add_test(tc, site_feed_dates);
	suite_add_tcase(s, tc);
	return testutil_run(s);
}
