#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/article/diff.h"
#include "common/buf.h"
#include "tests/unit/testutil.h"

/* Applies a unified diff to old (our own patcher): proves the diff is complete. */
static char *apply(const char *old_text, const char *diff)
{
	struct buf out;
	const char *o = old_text, *d = strstr(diff, "@@");

	buf_init(&out);
	while (d && *d) {
		long ostart;

		ck_assert_int_eq(sscanf(d, "@@ -%ld", &ostart), 1);
		/* copy untouched lines before the hunk */
		{
			long line = 1;
			const char *p = old_text;

			while (line < ostart && *p) {
				if (*p++ == '\n')
					line++;
			}
			if (ostart == 0)
				p = o;
			while (o < p)
				buf_append_char(&out, *o++);
		}
		d = strchr(d, '\n') + 1;
		while (*d && strncmp(d, "@@", 2) != 0) {
			size_t n = strcspn(d, "\n");

			if (*d == ' ' || *d == '-')
				o += n; /* skip the old line */
			if (*d == ' ' || *d == '-')
				o += (*o == '\n');
			if (*d == ' ' || *d == '+') {
				buf_append(&out, d + 1, n - 1);
				buf_append_char(&out, '\n');
			}
			d += n + (d[n] == '\n');
		}
	}
	buf_append_str(&out, o);
	return buf_steal(&out);
}

static void roundtrip(const char *a, const char *b)
{
	char *d = diff_unified(a, b, "old", "new", 3);
	char *got = apply(a, d);

	ck_assert_msg(strcmp(got, b) == 0, "diff:\n%s\ngot:\n%s\nwant:\n%s", d, got, b);
	free(d);
	free(got);
}

START_TEST(equal_texts_give_empty_diff)
{
	char *d = diff_unified("a\nb\n", "a\nb\n", "x", "y", 3);

	ck_assert_str_eq(d, "");
	free(d);
}
END_TEST

START_TEST(one_edited_paragraph)
{
	const char *a = "p1\np2\np3\np4\np5\np6\np7\np8\n";
	const char *b = "p1\np2\np3\np4 edited\np5\np6\np7\np8\n";
	char *d = diff_unified(a, b, "v1", "v2", 1);

	ck_assert_str_eq(d, "--- v1\n+++ v2\n@@ -3,3 +3,3 @@\n p3\n-p4\n+p4 edited\n p5\n");
	free(d);
	roundtrip(a, b);
}
END_TEST

START_TEST(insert_at_edges_and_delete)
{
	roundtrip("b\nc\n", "a\nb\nc\nd\n");
	roundtrip("a\nb\nc\nd\n", "b\nc\n");
	roundtrip("", "new\n");
	roundtrip("old\n", "");
	roundtrip("a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\n", "a\nB\nc\nd\ne\nf\ng\nh\ni\nJ\nk\nl\nm\n");
}
END_TEST

START_TEST(far_apart_changes_make_two_hunks)
{
	char *d = diff_unified("1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n", "x\n2\n3\n4\n5\n6\n7\n8\n9\ny\n",
			       "a", "b", 2);
	int hunks = 0;

	for (const char *p = d; (p = strstr(p, "@@ -")) != NULL; p++)
		hunks++;
	ck_assert_int_eq(hunks, 2);
	free(d);
}
END_TEST

START_TEST(large_rewrite_is_bounded)
{
	struct buf a, b;
	char *d;

	buf_init(&a);
	buf_init(&b);
	for (int i = 0; i < 20000; i++) {
		buf_printf(&a, "line %d\n", i);
		buf_printf(&b, "other %d\n", i);
	}
	d = diff_unified(a.data, b.data, "a", "b", 3);
	ck_assert_ptr_nonnull(strstr(d, "-line 19999\n"));
	ck_assert_ptr_nonnull(strstr(d, "+other 0\n"));
	free(d);
	buf_free(&a);
	buf_free(&b);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("diff");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, equal_texts_give_empty_diff);
	tcase_add_test(tc, one_edited_paragraph);
	tcase_add_test(tc, insert_at_edges_and_delete);
	tcase_add_test(tc, far_apart_changes_make_two_hunks);
	tcase_add_test(tc, large_rewrite_is_bounded);
	suite_add_tcase(s, tc);
	return testutil_run(s);
}
