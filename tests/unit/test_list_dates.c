/*
 * analyze/list: the numeric dates of one list are read in one order (D/M,
 * M/D or Y/M/D) that fits them all; a tie is reported, never guessed per
 * item; an operator's date_format wins.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analyze/page/list.h"
#include "analyze/page/page.h"
#include "common/buf.h"
#include "tests/unit/testutil.h"

/* A list page: one <li> per date, linking to /s/<i>. */
static char *list_page(const char *const *dates, size_t n)
{
	struct buf b;

	buf_init(&b);
	buf_printf(&b, "<html><body><ul class=news>");
	for (size_t i = 0; i < n; i++)
		buf_printf(&b, "<li><a href='/s/%zu'>Statement number %zu</a> <span>%s</span></li>",
			   i, i, dates[i]);
	buf_printf(&b, "</ul></body></html>");
	return buf_steal(&b);
}

/* The items of the page, read with language lang and date_format fmt (may be NULL). */
static void read_list(const char *const *dates, size_t n, const char *lang, const char *fmt,
		      struct list_items *out)
{
	struct list_spec spec = {.items = "//ul[has-class('news')]/li",
				 .date = ".//span",
				 .language = lang,
				 .date_format = fmt};
	char *html = list_page(dates, n);
	char err[256] = "";
	xmlDocPtr doc = page_parse(html, strlen(html), "text/html; charset=utf-8", NULL, PAGE_HTML,
				   NULL, NULL, err, sizeof(err));
	int rc;

	ck_assert_msg(doc != NULL, "parse: %s", err);
	rc = list_extract_html(doc, "https://mfa.example.org/news/", &spec, out, err, sizeof(err));
	ck_assert_msg(rc == 0, "list: %s", err);
	ck_assert_uint_eq(out->n, n);
	xmlFreeDoc(doc);
	free(html);
}

static int ambiguous_noted(const struct list_items *items)
{
	char note[512];

	return list_items_note(items, note, sizeof(note)) &&
	       strstr(note, "date-order-ambiguous") != NULL;
}

/*
 * 75 items, newest first, one every five days from 2022-12-31 back, written
 * M/D/YY: "2/28/22" proves month first, so "1/8/22" is 8 January for all.
 */
START_TEST(month_first_list_read_month_first)
{
	const char *dates[75];
	char want[75][48], text[75][48];
	struct list_items items;
	struct tm tm = {.tm_year = 122, .tm_mon = 11, .tm_mday = 31, .tm_hour = 12};

	for (int i = 0; i < 75; i++) {
		struct tm d = tm;

		d.tm_mday -= 5 * i;
		mktime(&d);
		snprintf(text[i], sizeof(text[i]), "%d/%d/%02d", d.tm_mon + 1, d.tm_mday,
			 d.tm_year % 100);
		strftime(want[i], sizeof(want[i]), "%Y-%m-%d", &d);
		dates[i] = text[i];
	}
	read_list(dates, 75, NULL, NULL, &items);
	for (int i = 0; i < 75; i++) {
		ck_assert_ptr_nonnull(items.v[i].date);
		ck_assert_msg(strcmp(items.v[i].date, want[i]) == 0, "%s read %s, want %s", text[i],
			      items.v[i].date, want[i]);
	}
	ck_assert(!ambiguous_noted(&items));
	list_items_free(&items);
	/* the operator's date_format wins over what the list suggests */
	read_list(dates, 75, NULL, "%d/%m/%y", &items);
	ck_assert_str_eq(items.v[4].date, "2022-11-12"); /* "12/11/22" */
	list_items_free(&items);
}
END_TEST

/* Day first, even for a page that says en-US: "28/2/22" proves it. */
START_TEST(day_first_list_read_day_first)
{
	static const char *const dates[] = {"3/3/22", "28/2/22", "1/2/22", "8/1/22"};
	static const char *const want[] = {"2022-03-03", "2022-02-28", "2022-02-01", "2022-01-08"};
	struct list_items items;

	read_list(dates, 4, "en-US", NULL, &items);
	for (int i = 0; i < 4; i++)
		ck_assert_str_eq(items.v[i].date, want[i]);
	ck_assert(!ambiguous_noted(&items));
	list_items_free(&items);
}
END_TEST

/* Every field <= 12: month first makes a newest-first list, day first does not. */
START_TEST(all_small_fields_decided_by_chronology)
{
	static const char *const dates[] = {"12/5/21", "12/1/21", "11/9/21", "10/12/21",
					    "10/3/21", "9/8/21",  "8/2/21",  "7/11/21"};
	static const char *const want[] = {"2021-12-05", "2021-12-01", "2021-11-09", "2021-10-12",
					   "2021-10-03", "2021-09-08", "2021-08-02", "2021-07-11"};
	struct list_items items;

	read_list(dates, 8, NULL, NULL, &items);
	for (int i = 0; i < 8; i++)
		ck_assert_str_eq(items.v[i].date, want[i]);
	ck_assert(!ambiguous_noted(&items));
	list_items_free(&items);
}
END_TEST

/* Dots are day first even where chronology would prefer month first. */
START_TEST(dotted_dates_stay_day_first)
{
	/* month first would make this list newest-first; it is oldest-first */
	static const char *const dates[] = {"03.10.2021", "02.11.2021", "01.12.2021"};
	static const char *const want[] = {"2021-10-03", "2021-11-02", "2021-12-01"};
	struct list_items items;

	read_list(dates, 3, NULL, NULL, &items);
	for (int i = 0; i < 3; i++)
		ck_assert_str_eq(items.v[i].date, want[i]);
	ck_assert(!ambiguous_noted(&items));
	list_items_free(&items);
}
END_TEST

/* Nothing tells D/M from M/D: reported, and read in the language's order for all. */
START_TEST(undecidable_list_reported)
{
	static const char *const dates[] = {"4/4/22", "3/4/22"};
	struct list_items items;

	read_list(dates, 2, "en-US", NULL, &items);
	ck_assert_str_eq(items.v[0].date, "2022-04-04");
	ck_assert_str_eq(items.v[1].date, "2022-03-04");
	ck_assert(ambiguous_noted(&items));
	list_items_free(&items);
	read_list(dates, 2, "fr", NULL, &items);
	ck_assert_str_eq(items.v[1].date, "2022-04-03");
	ck_assert(ambiguous_noted(&items));
	list_items_free(&items);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("list_dates");
	TCase *tc = tcase_create("order");

	page_init();
	tcase_add_test(tc, month_first_list_read_month_first);
	tcase_add_test(tc, day_first_list_read_day_first);
	tcase_add_test(tc, all_small_fields_decided_by_chronology);
	tcase_add_test(tc, dotted_dates_stay_day_first);
	tcase_add_test(tc, undecidable_list_reported);
	suite_add_tcase(s, tc);
	return testutil_run(s);
}
