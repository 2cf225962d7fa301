/*
 * Segment-level scoring (analyze/themes/themes_segment.c, docs/themes.md
 * "Segments"): a theme carried by one part of a long text fires, scattered
 * single mentions do not, short texts score exactly as before.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/themes/themes.h"
#include "common/buf.h"
#include "tests/unit/testutil.h"

static const struct theme_phrase cyber_phrases[] = {
    {3, "cyber sovereignty", NULL}, {2, "internet governance", NULL}, {1, "cyberspace", NULL},
    {3, "网络主权", NULL},	    {2, "互联网治理", NULL},
};

static struct themes *cyber_theme(void)
{
	struct theme_def d = {"cyber", NULL, 0.30, cyber_phrases, 5, NULL, 0, NULL, 0};
	char err[256];
	struct themes *th = themes_compile(&d, 1, err, sizeof(err));

	ck_assert_msg(th != NULL, "compile: %s", err);
	return th;
}

/* 15 words that match no phrase. */
#define FILLER "The committee met on that date and discussed the agenda of the meeting in detail. "

/* A paragraph of `sentences` filler sentences after `lead` (may be ""), then a blank line. */
static void para(struct buf *b, const char *lead, int sentences)
{
	buf_append_str(b, lead);
	for (int i = 0; i < sentences; i++)
		buf_append_str(b, FILLER);
	buf_append_str(b, "\n\n");
}

static struct theme_result *score(const struct themes *th, const struct buf *b)
{
	struct theme_result *r;

	ck_assert_int_eq(themes_score(th, buf_str(b), b->len, "en", &r), 0);
	ck_assert_uint_eq(r->nthemes, 1);
	return r;
}

START_TEST(one_segment_carries_a_theme_the_whole_text_misses)
{
	struct themes *th = cyber_theme();
	struct buf b;
	struct theme_result *r;
	const struct theme_score *t;

	buf_init(&b);
	for (int i = 0; i < 16; i++) /* 16 paragraphs of 105 words, two to a window */
		para(&b,
		     i == 9 ? "We defend cyber sovereignty. Internet governance must be fair. "
			      "Cyberspace is a shared space. "
			    : "",
		     7);
	r = score(th, &b);
	t = &r->themes[0];
	ck_assert_uint_gt(r->words, 1600);
	ck_assert(t->above);
	ck_assert(t->by_segment);
	ck_assert_uint_eq(t->segment, 4); /* paragraphs 8 and 9 */
	ck_assert_ptr_nonnull(t->segment_start);
	ck_assert_str_eq(
	    t->segment_start,
	    "The committee met on that date and discussed the agenda of the meeting in detai…");
	ck_assert_uint_le(strlen(t->segment_start), 4 * THEMES_SEGMENT_CHARS);
	ck_assert_uint_eq(t->nevidence, 3);
	ck_assert_str_eq(t->evidence[0], "We defend cyber sovereignty.");
	/* the whole text alone: 6 / sqrt(L / 400) with L > 1600 gives less than 0.30 */
	ck_assert_double_lt(1 - exp(-6 / sqrt((double)r->words / 400) / 10), 0.30);
	theme_result_free(r);
	buf_free(&b);
	themes_free(th);
}
END_TEST

START_TEST(scattered_single_mentions_do_not_fire)
{
	struct themes *th = cyber_theme();
	struct buf b;
	struct theme_result *r;
	const struct theme_score *t;

	buf_init(&b);
	for (int i = 0; i < 30; i++) { /* 3,150 words, two paragraphs to a window */
		const char *lead = "";
		if (i == 0)
			lead = "We defend cyber sovereignty. ";
		else if (i == 10)
			lead = "Internet governance must be fair. ";
		else if (i == 24)
			lead = "Cyberspace is a shared space. ";
		else if (i == 15) /* one phrase, twice: still a single stray phrase */
			lead = "Cyber sovereignty, cyber sovereignty. ";
		para(&b, lead, 7);
	}
	r = score(th, &b);
	t = &r->themes[0];
	ck_assert(!t->by_segment);
	ck_assert(!t->above);
	ck_assert_ptr_null(t->segment_start);
	ck_assert_uint_eq(t->nevidence, 0);
	theme_result_free(r);
	buf_free(&b);
	themes_free(th);
}
END_TEST

/*
 * Each of three segments names the theme with two phrases: enough for one
 * segment alone, but none carries the theme (half its weight), they only
 * mention it.
 */
START_TEST(evidence_spread_over_segments_does_not_fire)
{
	struct themes *th = cyber_theme();
	struct buf b;
	struct theme_result *r;
	const struct theme_score *t;

	buf_init(&b);
	for (int i = 0; i < 30; i++)
		para(&b, i % 10 == 0 ? "We defend cyber sovereignty in cyberspace. " : "", 7);
	r = score(th, &b);
	t = &r->themes[0];
	ck_assert_msg(!t->above && !t->by_segment, "%.3f", t->score);
	theme_result_free(r);
	buf_free(&b);
	themes_free(th);
}
END_TEST

START_TEST(short_text_scores_exactly_as_before)
{
	struct themes *th = cyber_theme();
	struct buf b;
	struct theme_result *r;
	const struct theme_score *t;
	double words;

	/* 3 paragraphs, 5 + 75 + 76 words: one window, so no segments */
	buf_init(&b);
	para(&b, "We defend cyber sovereignty. ", 0);
	para(&b, "", 5);
	para(&b, "Internet governance must be fair. ", 5);
	r = score(th, &b);
	t = &r->themes[0];
	words = (double)r->words;
	ck_assert_uint_lt(r->words, 250);
	ck_assert(!t->by_segment);
	ck_assert_double_eq_tol(t->score, 1 - exp(-5 / sqrt(words / 400) / 10), 1e-12);
	theme_result_free(r);
	buf_free(&b);
	themes_free(th);
}
END_TEST

/*
 * A question and its answer (with a further paragraph of the answer) stay
 * one segment though together they pass a window: the question names the
 * subject, the answer's last paragraph the second phrase.
 */
static void qa_case(const char *q, const char *a, const char *lang)
{
	struct themes *th = cyber_theme();
	struct buf b;
	struct theme_result *r;
	const struct theme_score *t;
	char lead[256];

	buf_init(&b);
	for (int i = 0; i < 8; i++)
		para(&b, "", 7);
	snprintf(lead, sizeof(lead), "%s What is your view of cyber sovereignty? ", q);
	para(&b, lead, 1);
	snprintf(lead, sizeof(lead), "%s We stand firm. ", a);
	para(&b, lead, 12);
	para(&b, "Internet governance must be fair. Cyberspace is a shared space. ", 5);
	for (int i = 0; i < 8; i++)
		para(&b, "", 7);
	ck_assert_int_eq(themes_score(th, buf_str(&b), b.len, lang, &r), 0);
	t = &r->themes[0];
	ck_assert_msg(t->above && t->by_segment, "%s: %.3f", q, t->score);
	ck_assert_uint_eq(t->segment, 4); /* after four windows of two paragraphs */
	ck_assert_msg(strncmp(t->segment_start, q, strlen(q)) == 0, "%s", t->segment_start);
	theme_result_free(r);
	buf_free(&b);
	themes_free(th);
}

START_TEST(question_and_answer_kept_in_one_segment)
{
	qa_case("Q:", "A:", "en");
	qa_case("Question :", "Answer:", "en");
	qa_case("问：", "答：", "en");
	qa_case("Вопрос:", "Ответ:", "en");
}
END_TEST

START_TEST(segment_in_json)
{
	struct themes *th = cyber_theme();
	struct buf b;
	struct theme_result *r;
	char *json;

	buf_init(&b);
	for (int i = 0; i < 16; i++)
		para(&b, i == 3 ? "Cyber sovereignty and internet governance. " : "", 7);
	r = score(th, &b);
	json = themes_result_json(r, 0);
	ck_assert_ptr_nonnull(
	    strstr(json, "\"segment\": {\"index\": 1, \"start\": \"The committee"));
	free(json);
	theme_result_free(r);
	buf_free(&b);
	themes_free(th);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("themes_segment");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, one_segment_carries_a_theme_the_whole_text_misses);
	tcase_add_test(tc, scattered_single_mentions_do_not_fire);
	tcase_add_test(tc, evidence_spread_over_segments_does_not_fire);
	tcase_add_test(tc, short_text_scores_exactly_as_before);
	tcase_add_test(tc, question_and_answer_kept_in_one_segment);
	tcase_add_test(tc, segment_in_json);
	suite_add_tcase(s, tc);
	return testutil_run(s);
}
