/*
 * tests/unit/test_learn.c: `learn` (analyze/themes/learn.c, learn_cv.c):
 * the phrases a small label keeps and the settings the inner
 * cross-validation compares. The older learner tests are in test_themes.c.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "analyze/themes/themes.h"
#include "common/buf.h"
#include "tests/unit/testutil.h"

static const char *const farm[] = {
    "Farmers need crop prices for the harvest.", "The harvest helps farmers and their land.",
    "Crop insurance for farmers in a dry year.", "A poor harvest of every crop this year."};

/*
 * 60 farm sentences and 12 space sentences: "rocket" is in every space
 * sentence, "orbit" in 3 of them, with the farm words as filler. With 12
 * examples only "rocket" reaches the z-score floor of 2.5.
 */
static void small_label_data(struct buf *in)
{
	for (int i = 0; i < 60; i++)
		buf_printf(in, "{\"text\":\"%s %d\",\"labels\":[\"farm\"]}\n", farm[i % 4], i);
	for (int i = 0; i < 12; i++)
		buf_printf(in, "{\"text\":\"The rocket %s %d.\",\"labels\":[\"space\"]}\n",
			   i % 4 == 0 ? "went into orbit" : "flew", i);
}

/* The body of [theme "id"] in a learned file, up to the next section (static copy). */
static const char *section(const char *file, const char *id)
{
	static char sec[8192];
	char head[64];
	const char *p, *end;

	snprintf(head, sizeof(head), "[theme \"%s\"]", id);
	p = strstr(file, head);
	ck_assert_ptr_nonnull(p);
	end = strstr(p + 1, "\n[");
	snprintf(sec, sizeof(sec), "%.*s", (int)(end ? end - p : (long)strlen(p)), p);
	return sec;
}

/*
 * A label with few examples keeps words below the z-score floor, up to
 * min_phrases: "orbit" (3 of 12 space sentences) is a space phrase. Before
 * min_phrases, the space theme was "rocket" alone.
 */
START_TEST(small_label_keeps_its_next_words)
{
	struct buf in, out;
	struct learn_opts o;
	char err[256];

	buf_init(&in);
	buf_init(&out);
	small_label_data(&in);
	learn_opts_default(&o);
	ck_assert_int_eq(learn_from_jsonl(in.data, in.len, &o, &out, err, sizeof(err)), 0);
	ck_assert_msg(strstr(section(out.data, "space"), " orbit\n") != NULL, "%s", out.data);
	ck_assert_ptr_nonnull(strstr(section(out.data, "space"), " rocket\n"));
	buf_free(&in);
	buf_free(&out);
}
END_TEST

/*
 * By default the inner cross-validation compares two settings and says
 * which it chose; fixing min_phrases leaves nothing to compare.
 */
START_TEST(settings_are_compared_unless_fixed)
{
	struct buf in, out;
	struct learn_opts o;
	char err[256];
	const char *p;
	int n = 0;

	buf_init(&in);
	buf_init(&out);
	small_label_data(&in);
	learn_opts_default(&o);
	ck_assert_int_eq(learn_from_jsonl(in.data, in.len, &o, &out, err, sizeof(err)), 0);
	for (p = out.data; (p = strstr(p, ";   phrases seen in >= ")) != NULL; p++)
		n++;
	ck_assert_int_eq(n, 2);
	ck_assert_ptr_nonnull(strstr(out.data, "(chosen)"));
	buf_reset(&out);
	o.min_phrases = 10;
	ck_assert_int_eq(learn_from_jsonl(in.data, in.len, &o, &out, err, sizeof(err)), 0);
	ck_assert_ptr_null(strstr(out.data, "Settings compared"));
	ck_assert_ptr_nonnull(strstr(section(out.data, "space"), " orbit\n"));
	o.min_phrases = -1;
	ck_assert_int_eq(learn_from_jsonl(in.data, in.len, &o, &out, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "min_phrases"));
	buf_free(&in);
	buf_free(&out);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("learn");
	TCase *tc = tcase_create("learn");

	tcase_add_test(tc, small_label_keeps_its_next_words);
	tcase_add_test(tc, settings_are_compared_unless_fixed);
	suite_add_tcase(s, tc);
	return testutil_run(s);
}
