/*
 * Unit tests for daemon/listing (items = auto, suggestions) and
 * daemon/structure, on the pages of tests/fixtures/auto: v1, v2 (the same
 * six statements after a redesign) and other (a list of other things).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "analyze/page/page.h"
#include "common/xmalloc.h"
#include "config/config.h"
#include "daemon/listing.h"
#include "daemon/structure.h"
#include "tests/unit/testutil.h"

#define PAGE_URL "http://mfa.example/news/"

static char *fixture(const char *name, size_t *len)
{
	char path[4200];
	char *data;

	snprintf(path, sizeof(path), "%s/tests/fixtures/auto/%s", testutil_root_dir(), name);
	data = testutil_slurp(path, len);
	ck_assert_msg(data != NULL, "%s", path);
	return data;
}

/* Reads fixture `name` as source s would, with mem (may be NULL). */
static void read_page(const struct config_source *s, const char *name,
		      const struct listing_memory *mem, struct listing *out)
{
	char err[256] = "";
	size_t len;
	char *body = fixture(name, &len);

	page_init();
	ck_assert_msg(
	    listing_read(s, PAGE_URL, body, len, "text/html", mem, out, err, sizeof(err)) == 0,
	    "%s", err);
	free(body);
}

static char id_s[] = "s", page_url[] = PAGE_URL, auto_word[] = "auto",
	    v1_items[] = "//ul[@class='news-list']/li";

static struct config_source auto_source(void)
{
	struct config_source s;

	memset(&s, 0, sizeof(s));
	s.id = id_s;
	s.url = page_url;
	s.kind = SOURCE_KIND_HTML;
	s.items = auto_word;
	s.items_auto = 1;
	return s;
}

/* listing_memory.known: the statements of v1/v2 are known, nothing else. */
static int known_statement(void *arg, const char *url)
{
	(void)arg;
	return strstr(url, "/news/2026/statement-") != NULL;
}

static int known_nothing(void *arg, const char *url)
{
	(void)arg;
	(void)url;
	return 0;
}

static void assert_statements(const struct list_items *items)
{
	ck_assert_uint_eq(items->n, 6);
	ck_assert_str_eq(items->v[0].url, "http://mfa.example/news/2026/statement-6.html");
	ck_assert_str_eq(items->v[5].url, "http://mfa.example/news/2026/statement-1.html");
	ck_assert_str_eq(items->v[5].title,
			 "Address to the General Assembly on sustainable development");
}

START_TEST(auto_chooses_a_structure_then_keeps_it)
{
	struct config_source s = auto_source();
	struct listing l, again;
	struct listing_memory mem = {NULL, known_statement, NULL};
	struct structure st;

	read_page(&s, "v1.html", NULL, &l);
	assert_statements(&l.items);
	ck_assert_ptr_nonnull(l.structure);
	ck_assert_int_eq(l.changed, 1);
	ck_assert_ptr_null(l.previous);
	ck_assert_ptr_null(l.suggestion);
	ck_assert_int_eq(structure_parse(l.structure, &st), 0);
	ck_assert_int_eq(st.count, 6);
	ck_assert(st.chosen_at > 0);
	structure_clear(&st);

	mem.structure = l.structure;
	read_page(&s, "v1.html", &mem, &again);
	assert_statements(&again.items);
	ck_assert_int_eq(again.changed, 0);
	ck_assert_str_eq(again.structure, l.structure);
	listing_free(&again);
	listing_free(&l);
}
END_TEST

START_TEST(auto_heals_onto_a_list_that_holds_known_items)
{
	struct config_source s = auto_source();
	struct listing v1, v2;
	struct listing_memory mem = {NULL, known_statement, NULL};

	read_page(&s, "v1.html", NULL, &v1);
	mem.structure = v1.structure;
	read_page(&s, "v2.html", &mem, &v2);
	assert_statements(&v2.items);
	ck_assert_int_eq(v2.changed, 1);
	ck_assert_str_eq(v2.previous, v1.structure);
	ck_assert_str_ne(v2.structure, v1.structure);
	ck_assert_ptr_null(v2.suggestion);
	listing_free(&v2);
	listing_free(&v1);
}
END_TEST

START_TEST(auto_does_not_heal_onto_unknown_items)
{
	struct config_source s = auto_source();
	struct listing v1, l;
	struct listing_memory mem = {NULL, known_nothing, NULL};
	struct structure st;

	read_page(&s, "v1.html", NULL, &v1);
	mem.structure = v1.structure;
	/* the same page under new markup, but the store knows none of it */
	read_page(&s, "v2.html", &mem, &l);
	ck_assert_uint_eq(l.items.n, 0);
	ck_assert_int_eq(list_items_verdict(&l.items), LIST_NO_MATCH);
	ck_assert_int_eq(l.changed, 0);
	ck_assert_ptr_null(l.structure);
	ck_assert_ptr_nonnull(l.suggestion);
	ck_assert_int_eq(structure_parse(l.suggestion, &st), 0);
	ck_assert_int_eq(st.count, 6);
	ck_assert(st.chosen_at == 0);
	structure_clear(&st);
	listing_free(&l);

	/* a page turned into another list: known items are what matters */
	mem.known = known_statement;
	read_page(&s, "other.html", &mem, &l);
	ck_assert_uint_eq(l.items.n, 0);
	ck_assert_ptr_null(l.structure);
	ck_assert_ptr_nonnull(l.suggestion);
	listing_free(&l);
	listing_free(&v1);
}
END_TEST

START_TEST(failing_xpaths_come_with_a_suggestion)
{
	struct config_source s = auto_source();
	struct listing l;
	char *line;

	s.items = v1_items;
	s.items_auto = 0;
	read_page(&s, "v1.html", NULL, &l);
	assert_statements(&l.items);
	ck_assert_ptr_null(l.suggestion); /* a good list costs no detection */
	ck_assert_ptr_null(l.structure);
	listing_free(&l);

	read_page(&s, "v2.html", NULL, &l);
	ck_assert_uint_eq(l.items.n, 0);
	ck_assert_ptr_nonnull(l.suggestion);
	line = structure_describe(l.suggestion);
	ck_assert_ptr_nonnull(line);
	ck_assert_msg(strncmp(line, "items=\"", 7) == 0 && strstr(line, " (6 items)") != NULL, "%s",
		      line);
	free(line);
	listing_free(&l);
}
END_TEST

START_TEST(structure_json_round_trip)
{
	struct structure st = {.items = xstrdup("//ul/li"),
			       .title = xstrdup("a[@class=\"t\"]"),
			       .date_format = xstrdup("%d.%m.%Y"),
			       .count = 12,
			       .chosen_at = 1796000000};
	struct structure back;
	char *json = structure_json(&st), *line;

	ck_assert_int_eq(structure_parse(json, &back), 0);
	ck_assert_str_eq(back.items, "//ul/li");
	ck_assert_ptr_null(back.link);
	ck_assert_str_eq(back.title, "a[@class=\"t\"]");
	ck_assert_str_eq(back.date_format, "%d.%m.%Y");
	ck_assert_int_eq(back.count, 12);
	ck_assert(back.chosen_at == 1796000000);
	line = structure_describe(json);
	ck_assert_str_eq(line, "items=\"//ul/li\" title=\"a[@class=\"t\"]\" (12 items)");
	free(line);
	structure_clear(&back);
	ck_assert_int_eq(structure_parse("[1]", &back), -1);
	ck_assert_int_eq(structure_parse(NULL, &back), -1);
	ck_assert_ptr_null(structure_describe("{\"link\":\"a\"}"));
	structure_clear(&st);
	free(json);
}
END_TEST

static Suite *listing_suite(void)
{
	Suite *s = suite_create("listing");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, auto_chooses_a_structure_then_keeps_it);
	tcase_add_test(tc, auto_heals_onto_a_list_that_holds_known_items);
	tcase_add_test(tc, auto_does_not_heal_onto_unknown_items);
	tcase_add_test(tc, failing_xpaths_come_with_a_suggestion);
	tcase_add_test(tc, structure_json_round_trip);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return testutil_run(listing_suite());
}
