/*
 * analyze/pdf's layout logic on synthetic line boxes: columns and reading
 * order, hyphen joins, running headers and footers, paragraphs; and
 * pdf_read's refusals and a hand-made PDF read through Poppler.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/pdf/pdf.h"
#include "analyze/pdf/pdf_int.h"
#include "common/buf.h"
#include "tests/unit/testutil.h"

#define H 11.0	  /* line height */
#define STEP 13.0 /* line spacing */

static void add(struct pdf_page *p, const char *text, double x0, double y0, double x1)
{
	pdf_page_add(p, text, strlen(text), x0, y0, x1, y0 + H);
}

static struct pdf_page page(void)
{
	struct pdf_page p;

	memset(&p, 0, sizeof(p));
	p.width = 595;
	p.height = 842;
	return p;
}

/* The kept lines' texts of p, in order, joined by '|'. */
static char *order(const struct pdf_page *p)
{
	struct buf b;

	buf_init(&b);
	for (size_t i = 0; i < p->n; i++) {
		if (p->lines[i].drop)
			continue;
		if (b.len)
			buf_append_char(&b, '|');
		buf_append_str(&b, p->lines[i].text);
	}
	return buf_steal(&b);
}

/* A title over two columns of four lines each, added row by row (as Poppler may). */
static struct pdf_page two_columns(void)
{
	struct pdf_page p = page();
	char t[16];

	add(&p, "Title", 150, 80, 440);
	for (int i = 0; i < 4; i++) {
		snprintf(t, sizeof(t), "L%d", i);
		add(&p, t, 56, 120 + i * STEP, 280);
		snprintf(t, sizeof(t), "R%d", i);
		add(&p, t, 310, 120 + i * STEP, 538);
	}
	return p;
}

START_TEST(two_columns_read_left_then_right)
{
	struct pdf_page p = two_columns();
	char *s;

	pdf_page_order(&p, 0);
	s = order(&p);
	ck_assert_str_eq(s, "Title|L0|L1|L2|L3|R0|R1|R2|R3");
	ck_assert_int_eq(p.lines[0].column, -1); /* the title spans the gutter */
	ck_assert_int_eq(p.lines[1].column, 0);
	ck_assert_int_eq(p.lines[5].column, 1);
	free(s);
	pdf_page_free(&p);
}
END_TEST

START_TEST(right_to_left_reads_the_right_column_first)
{
	struct pdf_page p = two_columns();
	char *s;

	pdf_page_order(&p, 1);
	s = order(&p);
	ck_assert_str_eq(s, "Title|R0|R1|R2|R3|L0|L1|L2|L3");
	free(s);
	pdf_page_free(&p);
}
END_TEST

START_TEST(a_spanning_line_cuts_the_page_into_bands)
{
	struct pdf_page p = two_columns();
	char *s;

	add(&p, "Section two", 56, 200, 538);
	add(&p, "A0", 56, 220, 280);
	add(&p, "B0", 310, 220, 538);
	add(&p, "A1", 56, 233, 280);
	add(&p, "B1", 310, 233, 538);
	add(&p, "A2", 56, 246, 280);
	add(&p, "B2", 310, 246, 538);
	pdf_page_order(&p, 0);
	s = order(&p);
	ck_assert_str_eq(s, "Title|L0|L1|L2|L3|R0|R1|R2|R3|Section two|A0|A1|A2|B0|B1|B2");
	free(s);
	pdf_page_free(&p);
}
END_TEST

START_TEST(a_date_beside_a_title_is_no_column)
{
	struct pdf_page p = page();
	char *s;

	add(&p, "Press release", 56, 80, 200);
	add(&p, "12 March 2024", 450, 80, 538);
	for (int i = 0; i < 6; i++)
		add(&p, i % 2 ? "a full line of text" : "another full line", 56, 110 + i * STEP,
		    530 + i % 2 * 8);
	pdf_page_order(&p, 0);
	for (size_t i = 0; i < p.n; i++)
		ck_assert_int_eq(p.lines[i].column, 0);
	s = order(&p);
	ck_assert(strncmp(s, "Press release|12 March 2024|", 28) == 0);
	free(s);
	pdf_page_free(&p);
}
END_TEST

static char *joined(const char *a, const char *b)
{
	struct buf out;

	buf_init(&out);
	buf_append_str(&out, a);
	pdf_join_line(&out, b);
	return buf_steal(&out);
}

START_TEST(hyphens_at_line_ends)
{
	static const char *const cases[][3] = {
	    {"the settle-", "ment of disputes", "the settlement of disputes"},
	    {"the Franco-", "German initiative", "the Franco-German initiative"},
	    {"сотруд-", "ничество", "сотрудничество"},
	    {"Российско-", "Китайская", "Российско-Китайская"},
	    {"in 2010-", "2020 they", "in 2010- 2020 they"},
	    {"inter\xc2\xad", "national", "international"},
	    {"the G-", "20 summit", "the G-20 summit"},
	    {"a word", "and the next", "a word and the next"},
	    {"两国政府", "致力于和平", "两国政府致力于和平"},
	    {"外交部", "Wang Yi", "外交部 Wang Yi"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *s = joined(cases[i][0], cases[i][1]);

		ck_assert_str_eq(s, cases[i][2]);
		free(s);
	}
}
END_TEST

START_TEST(lines_are_cleaned)
{
	static const char *const cases[][2] = {
	    {"Suas\t\r \xc2\xa0"
	     "Excel\xc3\xaa"
	     "ncias,\t\r \xc2\xa0",
	     "Suas Excelências,"},
	    {"Vice-\xc2\xad\xe2\x80\x90Presidentes", "Vice-Presidentes"},
	    {"in\xc2\xadter\xc2\xad", "inter\xc2\xad"},
	    {"a -- b", "a -- b"},
	    {"\xef\xac\x81"
	     "nancial a\xef\xac\x80"
	     "airs",
	     "financial affairs"},
	    {"\xef\xbb\xa3\xef\xba\xae\xef\xba\xa3\xef\xba\x92\xef\xba\x8e",
	     "\xd9\x85\xd8\xb1\xd8\xad\xd8\xa8\xd8\xa7"},
	    {"\xef\xba\x83", "\xd8\xa3"}, /* alef with hamza above stays one letter */
	    {"\xe2\x80\xab\xd8\xb1\xd8\xad\xd8\xa8\xe2\x80\xac\xe2\x80\xab\xd8\xa7\xd9\x84\xe2\x80"
	     "\xac",
	     "\xd8\xb1\xd8\xad\xd8\xa8 \xd8\xa7\xd9\x84"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *s = pdf_line_clean(cases[i][0], strlen(cases[i][0]));

		ck_assert_str_eq(s, cases[i][1]);
		free(s);
	}
}
END_TEST

/* Four pages: a header (not on page 1), a footer "Page N of 4", and body text. */
static void four_pages(struct pdf_page *pages)
{
	char t[64];

	for (int pg = 0; pg < 4; pg++) {
		pages[pg] = page();
		if (pg > 0)
			add(&pages[pg], "MINISTRY OF FOREIGN AFFAIRS 12/2024", 150, 40, 440);
		/* the same first line on every page: body text, not a header */
		add(&pages[pg], "They agreed to strengthen consulta-", 74, 100, 280);
		for (int i = 1; i < 8; i++) {
			snprintf(t, sizeof(t), "body %d.%d", pg, i);
			add(&pages[pg], t, 56, 100 + i * STEP, 280);
		}
		snprintf(t, sizeof(t), "Page %d of 4", pg + 1);
		add(&pages[pg], t, 270, 800, 320);
	}
}

START_TEST(running_headers_and_footers_go)
{
	struct pdf_page pages[4];

	four_pages(pages);
	pdf_drop_repeats(pages, 4);
	for (int pg = 0; pg < 4; pg++) {
		for (size_t i = 0; i < pages[pg].n; i++) {
			const struct pdf_line *l = &pages[pg].lines[i];
			int chrome = strncmp(l->text, "MINISTRY", 8) == 0 ||
				     strncmp(l->text, "Page ", 5) == 0;

			ck_assert_msg(l->drop == chrome, "page %d: %s", pg, l->text);
		}
	}
	for (int pg = 0; pg < 4; pg++)
		pdf_page_free(&pages[pg]);
}
END_TEST

START_TEST(page_numbers_go_dates_stay)
{
	struct pdf_page pages[3];
	static const char *const bottom[] = {"- 1 -", "\xd8\xb5\xd9\x81\xd8\xad\xd8\xa9 2",
					     "Geneva, 12.03.2024"};

	for (int pg = 0; pg < 3; pg++) {
		pages[pg] = page();
		for (int i = 0; i < 8; i++)
			add(&pages[pg], "text of the statement", 56, 100 + i * STEP, 280);
		add(&pages[pg], bottom[pg], 270, 800, 320);
	}
	pdf_drop_repeats(pages, 3);
	ck_assert_int_eq(pages[0].lines[8].drop, 1);
	ck_assert_int_eq(pages[1].lines[8].drop, 1); /* "صفحة 2": on one page only */
	ck_assert_int_eq(pages[2].lines[8].drop, 0);
	ck_assert_int_eq(pages[0].lines[0].drop, 0);
	for (int pg = 0; pg < 3; pg++)
		pdf_page_free(&pages[pg]);
}
END_TEST

/* The text of one ordered page. */
static char *text_of(struct pdf_page *p)
{
	struct buf out;

	pdf_page_order(p, 0);
	buf_init(&out);
	pdf_pages_text(p, 1, 0, &out, 1 << 20);
	return buf_steal(&out);
}

START_TEST(paragraphs_by_indent_gap_and_short_lines)
{
	struct pdf_page p = page();
	char *s;

	add(&p, "First paragraph opens", 74, 100, 280);
	add(&p, "and goes on to its", 56, 113, 279);
	add(&p, "end.", 56, 126, 80);
	p.lines[2].first_w = 20;
	add(&p, "After a gap, the next", 56, 150, 280); /* no indent: the gap says it */
	add(&p, "paragraph ends short", 56, 163, 200);
	add(&p, "Heading", 56, 176, 110);
	p.lines[5].first_w = 54; /* would have fit after "short": a new paragraph */
	add(&p, "and a settle-", 56, 189, 150);
	add(&p, "ment after a hyphen.", 56, 202, 200);
	p.lines[7].first_w = 40; /* would fit, but the hyphen says the word goes on */
	s = text_of(&p);
	ck_assert_str_eq(s, "First paragraph opens and goes on to its end.\n\n"
			    "After a gap, the next paragraph ends short\n\n"
			    "Heading and a settlement after a hyphen.");
	free(s);
	pdf_page_free(&p);
}
END_TEST

START_TEST(pieces_of_one_line_join)
{
	struct pdf_page p = page();
	char *s;

	add(&p, "a line whose words", 56, 100, 200);
	add(&p, "are far apart", 230, 100, 280);
	add(&p, "and the next line.", 56, 113, 280);
	s = text_of(&p);
	ck_assert_str_eq(s, "a line whose words are far apart and the next line.");
	free(s);
	pdf_page_free(&p);
}
END_TEST

START_TEST(text_stops_at_its_cap)
{
	struct pdf_page p = page();
	struct buf out;

	for (int i = 0; i < 50; i++)
		add(&p, "some words of a line", 56, 100 + i * STEP, 280);
	pdf_page_order(&p, 0);
	buf_init(&out);
	ck_assert_int_eq(pdf_pages_text(&p, 1, 0, &out, 100), 1);
	ck_assert_uint_lt(out.len, 130);
	buf_free(&out);
	pdf_page_free(&p);
}
END_TEST

START_TEST(words_sniff_and_refusals)
{
	struct pdf_doc d;
	char err[128];

	ck_assert_uint_eq(pdf_count_words("Hello, world: 外交部 2024"), 6);
	ck_assert_int_eq(pdf_sniff("%PDF-1.7\n", 9), 1);
	ck_assert_int_eq(pdf_sniff("<html>", 6), 0);
	ck_assert_int_eq(pdf_read("<html></html>", 13, &d, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "not a PDF: no %PDF- signature");
	ck_assert_int_eq(pdf_read("%PDF-1.4\nnothing else", 21, &d, err, sizeof(err)), -1);
	ck_assert_msg(strncmp(err, "damaged: ", 9) == 0, "%s", err);
	pdf_doc_free(&d);
}
END_TEST

START_TEST(a_small_pdf_reads)
{
	struct pdf_doc d;
	char err[128];
	size_t len;
	char *pdf = testutil_tiny_pdf(&len);

	ck_assert_int_eq(pdf_read(pdf, len, &d, err, sizeof(err)), 0);
	ck_assert_str_eq(d.text, "Hello world.");
	ck_assert_str_eq(d.title, "Joint statement");
	ck_assert_str_eq(d.date, "2024-03-12T10:00:00+08:00");
	ck_assert_uint_eq(d.pages, 1);
	ck_assert_uint_eq(d.pages_read, 1);
	pdf_doc_free(&d);
	free(pdf);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("pdf_layout");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, two_columns_read_left_then_right);
	tcase_add_test(tc, right_to_left_reads_the_right_column_first);
	tcase_add_test(tc, a_spanning_line_cuts_the_page_into_bands);
	tcase_add_test(tc, a_date_beside_a_title_is_no_column);
	tcase_add_test(tc, hyphens_at_line_ends);
	tcase_add_test(tc, lines_are_cleaned);
	tcase_add_test(tc, running_headers_and_footers_go);
	tcase_add_test(tc, page_numbers_go_dates_stay);
	tcase_add_test(tc, paragraphs_by_indent_gap_and_short_lines);
	tcase_add_test(tc, pieces_of_one_line_join);
	tcase_add_test(tc, text_stops_at_its_cap);
	tcase_add_test(tc, words_sniff_and_refusals);
	tcase_add_test(tc, a_small_pdf_reads);
	suite_add_tcase(s, tc);
	return testutil_run(s);
}
