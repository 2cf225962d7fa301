/*
 * The store's statements for the read side (issue 18): filters, order,
 * paging, versions and their diffs, themes with evidence, and data given
 * back as stored (escaping is the pages' business).
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"
#include "daemon/store.h"
#include "tests/unit/testutil.h"

static char *dir;
static char *db_path;

static void setup(void)
{
	dir = testutil_tmpdir();
	db_path = xasprintf("%s/speechwatch.db", dir);
}

static void teardown(void)
{
	testutil_rmtree(dir);
	free(dir);
	free(db_path);
}

static struct store *open_ok(void)
{
	char err[512];
	struct store *st = store_open(db_path, err, sizeof(err));

	ck_assert_msg(st != NULL, "store_open: %s", err);
	return st;
}

/* An item with its text hashed as "sha-" + text (unique per text), fetched and seen at seen. */
struct put {
	const char *src, *url, *title, *text, *published, *language;
	double seen;
};

static int64_t put(struct store *st, const struct put *p)
{
	struct store_item it;
	int64_t id;

	memset(&it, 0, sizeof(it));
	it.source_id = xstrdup(p->src);
	it.url = xstrdup(p->url);
	it.norm_url = xstrdup(p->url);
	it.title = xstrdup(p->title);
	it.published = p->published ? xstrdup(p->published) : NULL;
	it.language = p->language ? xstrdup(p->language) : NULL;
	it.text = p->text ? xstrdup(p->text) : NULL;
	it.text_sha256 = p->text ? xasprintf("sha-%s", p->text) : NULL;
	it.words = p->text ? 3 : 0;
	it.first_seen = it.last_seen = it.last_checked = it.fetched_at = p->seen;
	ck_assert_msg(store_item_put(st, &it) == 0, "%s", store_error(st));
	id = it.id;
	store_item_clear(&it);
	return id;
}

/* The stored item id with a new text fetched at when (what a re-check stores). */
static void edit(struct store *st, const char *src, const char *url, const char *text, double when)
{
	struct store_item it;

	ck_assert_int_eq(store_item_find(st, src, url, NULL, &it), 1);
	free(it.text);
	free(it.text_sha256);
	it.text = xstrdup(text);
	it.text_sha256 = xasprintf("sha-%s", text);
	it.fetched_at = it.last_checked = it.last_seen = when;
	ck_assert_msg(store_item_put(st, &it) == 0, "%s", store_error(st));
	store_item_clear(&it);
}

static size_t list(struct store *st, const struct store_statement_filter *f,
		   struct store_statement **out)
{
	size_t n;

	ck_assert_msg(store_statements(st, f, out, &n) == 0, "%s", store_error(st));
	return n;
}

static void free_list(struct store_statement *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		store_statement_clear(&v[i]);
	free(v);
}

/* The ids of the rows, "3,1,2". */
static char *ids_of(const struct store_statement *v, size_t n)
{
	char *s = xstrdup("");

	for (size_t i = 0; i < n; i++) {
		char *t = xasprintf("%s%s%lld", s, i ? "," : "", (long long)v[i].id);

		free(s);
		s = t;
	}
	return s;
}

static void assert_ids(struct store *st, const struct store_statement_filter *f, const char *want)
{
	struct store_statement *v;
	size_t n = list(st, f, &v);
	char *got = ids_of(v, n);

	ck_assert_str_eq(got, want);
	free(got);
	free_list(v, n);
}

/* Four statements of two sources, two languages, two themes. Ids 1..4. */
static void four(struct store *st)
{
	put(st, &(struct put){"mfa", "http://a/1", "Sanctions", "sanctions are wrong", "2024-01-01",
			      "en", 1717200000});
	put(st, &(struct put){"mfa", "http://a/2", "Trade", "trade is good",
			      "2024-06-01T10:00:00+02:00", "en", 1717200000});
	put(st, &(struct put){"mid", "http://b/3", "Погода", "погода хорошая", NULL, "ru",
			      1718000000}); /* 2024-06-10, first seen only */
	put(st, &(struct put){"mid", "http://b/4", "Old", NULL, "2023-05-05", "ru", 1718000001});
	ck_assert_int_eq(store_item_set_themes(st, 1, "sanctions,trade", "[]"), 0);
	ck_assert_int_eq(store_item_set_themes(st, 2, "trade", "[]"), 0);
}

START_TEST(newest_first_by_publication_else_first_seen)
{
	struct store *st = open_ok();

	four(st);
	assert_ids(st, &(struct store_statement_filter){0}, "3,2,1,4");
	store_close(st);
}
END_TEST

START_TEST(filters_by_source_theme_language_since_and_query)
{
	struct store *st = open_ok();

	four(st);
	assert_ids(st, &(struct store_statement_filter){.source = "mid"}, "3,4");
	assert_ids(st, &(struct store_statement_filter){.theme = "trade"}, "2,1");
	assert_ids(st, &(struct store_statement_filter){.theme = "sanctions"}, "1");
	assert_ids(st, &(struct store_statement_filter){.theme = "trad"}, ""); /* whole ids */
	assert_ids(st, &(struct store_statement_filter){.language = "ru"}, "3,4");
	/* since 2024-06-01T00:00Z: item 2 (08:00Z that day) and item 3 */
	assert_ids(st, &(struct store_statement_filter){.since = 1717200000}, "3,2");
	assert_ids(st, &(struct store_statement_filter){.query = "sanctions OR погода"}, "3,1");
	assert_ids(st, &(struct store_statement_filter){.query = "trade", .source = "mfa"}, "2");
	assert_ids(st, &(struct store_statement_filter){.theme = "trade", .language = "ru"}, "");
	store_close(st);
}
END_TEST

START_TEST(a_bad_query_is_einval)
{
	struct store *st = open_ok();
	struct store_statement *v;
	size_t n;

	errno = 0; /* also when nothing is stored to test it on */
	ck_assert_int_eq(
	    store_statements(st, &(struct store_statement_filter){.query = "AND"}, &v, &n), -1);
	ck_assert_int_eq(errno, EINVAL);
	four(st);
	errno = 0;
	ck_assert_int_eq(
	    store_statements(st, &(struct store_statement_filter){.query = "\"open"}, &v, &n), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_ptr_null(v);
	ck_assert_uint_eq(n, 0);
	ck_assert_msg(strstr(store_error(st), db_path) != NULL, "%s", store_error(st));
	store_close(st);
}
END_TEST

START_TEST(limit_defaults_to_50_and_stops_at_500)
{
	struct store *st = open_ok();
	struct store_statement *v;
	size_t n;
	char url[32];

	ck_assert_int_eq(store_begin(st), 0);
	for (int i = 0; i < 520; i++) {
		snprintf(url, sizeof(url), "http://a/%d", i);
		put(st, &(struct put){"s", url, "t", NULL, NULL, NULL, 1000 + i});
	}
	ck_assert_int_eq(store_commit(st), 0);
	n = list(st, &(struct store_statement_filter){0}, &v);
	ck_assert_uint_eq(n, STORE_STATEMENTS_DEFAULT);
	ck_assert_int_eq(v[0].id, 520);
	free_list(v, n);
	n = list(st, &(struct store_statement_filter){.limit = 100000}, &v);
	ck_assert_uint_eq(n, STORE_STATEMENTS_MAX);
	free_list(v, n);
	n = list(st, &(struct store_statement_filter){.limit = 2}, &v);
	ck_assert_uint_eq(n, 2);
	free_list(v, n);
	store_close(st);
}
END_TEST

/* Pages follow each other without gaps or repeats, also when newer statements arrive between them.
 */
START_TEST(paging_by_before_is_stable)
{
	struct store *st = open_ok();
	struct store_statement_filter f = {.limit = 2};

	four(st);
	assert_ids(st, &f, "3,2");
	put(st, &(struct put){"mfa", "http://a/5", "New", NULL, NULL, NULL, 1800000000});
	f.before = 2;
	assert_ids(st, &f, "1,4");
	f.before = 4;
	assert_ids(st, &f, "");
	f.before = 99; /* unknown */
	assert_ids(st, &f, "");
	f = (struct store_statement_filter){.before = 3, .source = "mid"};
	assert_ids(st, &f, "4");
	store_close(st);
}
END_TEST

START_TEST(an_edit_is_a_version_with_its_diff)
{
	struct store *st = open_ok();
	struct store_statement s, *v;
	size_t n;

	put(st, &(struct put){"mfa", "http://a/1", "T", "one\ntwo\nthree", NULL, NULL, 100});
	put(st, &(struct put){"mfa", "http://a/2", "U", "same", NULL, NULL, 101});
	edit(st, "mfa", "http://a/1", "one\nTWO\nthree", 200);
	edit(st, "mfa", "http://a/1", "one\nTWO\nthree", 250); /* same text: no version */
	edit(st, "mfa", "http://a/1", "one\nTWO\nthree\nfour", 300);
	edit(st, "mfa", "http://a/2", "same", 300);

	n = list(st, &(struct store_statement_filter){0}, &v);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(v[1].id, 1);
	ck_assert_int_eq(v[1].versions, 3);
	ck_assert_str_eq(v[1].diff,
			 "--- before\n+++ after\n@@ -2,2 +2,3 @@\n TWO\n three\n+four\n");
	ck_assert_ptr_null(v[1].text); /* a list carries no texts */
	ck_assert(v[1].updated == 300);
	ck_assert_int_eq(v[0].versions, 1);
	ck_assert(v[0].updated == 101);
	ck_assert_ptr_null(v[0].diff);
	free_list(v, n);

	ck_assert_int_eq(store_statement_get(st, 1, &s), 1);
	ck_assert_uint_eq(s.nversions, 3);
	ck_assert_str_eq(s.text, "one\nTWO\nthree\nfour");
	ck_assert_str_eq(s.text_sha256, "sha-one\nTWO\nthree\nfour");
	ck_assert_int_eq(s.version[0].number, 1);
	ck_assert_str_eq(s.version[0].text, "one\ntwo\nthree");
	ck_assert(s.version[0].since == 100);
	ck_assert_ptr_null(s.version[0].diff);
	ck_assert(s.version[1].since == 200);
	ck_assert_ptr_nonnull(strstr(s.version[1].diff, "-two\n+TWO\n"));
	ck_assert_int_eq(s.version[2].number, 3);
	ck_assert(s.version[2].since == 300);
	ck_assert_str_eq(s.version[2].text, s.text);
	ck_assert_str_eq(s.diff, s.version[2].diff);
	store_statement_clear(&s);
	ck_assert_int_eq(store_statement_get(st, 42, &s), 0);
	store_close(st);
}
END_TEST

/* A version is written with the change or not at all. */
START_TEST(a_rolled_back_edit_leaves_no_version)
{
	struct store *st = open_ok();
	struct store_statement s;

	put(st, &(struct put){"mfa", "http://a/1", "T", "one", NULL, NULL, 100});
	ck_assert_int_eq(store_begin(st), 0);
	edit(st, "mfa", "http://a/1", "two", 200);
	store_rollback(st);
	ck_assert_int_eq(store_statement_get(st, 1, &s), 1);
	ck_assert_uint_eq(s.nversions, 1);
	ck_assert_str_eq(s.text, "one");
	store_statement_clear(&s);
	store_close(st);
}
END_TEST

START_TEST(an_item_never_read_has_no_version)
{
	struct store *st = open_ok();
	struct store_statement s;

	put(st, &(struct put){"mfa", "http://a/1", "T", NULL, NULL, NULL, 100});
	edit(st, "mfa", "http://a/1", "now read", 200); /* the archive reads it */
	ck_assert_int_eq(store_statement_get(st, 1, &s), 1);
	ck_assert_uint_eq(s.nversions, 1);
	ck_assert_int_eq(s.versions, 1);
	ck_assert_ptr_null(s.diff);
	store_statement_clear(&s);
	store_close(st);
}
END_TEST

#define THEMES_JSON                                                                                \
	"[{\"id\":\"cyber\",\"label\":\"Cyber sovereignty\",\"score\":0.82,"                       \
	"\"evidence\":[\"We respect cyber sovereignty.\",\"<b>&amp;</b>\"]},"                      \
	"{\"id\":\"trade\",\"label\":\"Trade\",\"score\":0.5,\"evidence\":[]}]"

START_TEST(themes_come_with_scores_and_evidence)
{
	struct store *st = open_ok();
	struct store_statement *v;
	size_t n;

	put(st, &(struct put){"mfa", "http://a/1", "T", "x y z", NULL, NULL, 100});
	put(st, &(struct put){"mfa", "http://a/2", "U", "a b c", NULL, NULL, 50});
	ck_assert_int_eq(store_item_set_themes(st, 1, "cyber,trade", THEMES_JSON), 0);
	n = list(st, &(struct store_statement_filter){0}, &v);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(v[0].themes_json, THEMES_JSON);
	ck_assert_uint_eq(v[0].nthemes, 2);
	ck_assert_str_eq(v[0].themes[0].id, "cyber");
	ck_assert_str_eq(v[0].themes[0].label, "Cyber sovereignty");
	ck_assert(v[0].themes[0].score == 0.82);
	ck_assert_uint_eq(v[0].themes[0].nevidence, 2);
	ck_assert_str_eq(v[0].themes[0].evidence[1], "<b>&amp;</b>");
	ck_assert_uint_eq(v[0].themes[1].nevidence, 0);
	ck_assert_ptr_null(v[1].themes_json); /* never scored */
	ck_assert_uint_eq(v[1].nthemes, 0);
	free_list(v, n);
	/* an edit that reached no theme: scored, with none */
	ck_assert_int_eq(store_item_set_themes(st, 1, NULL, "[]"), 0);
	assert_ids(st, &(struct store_statement_filter){.theme = "cyber"}, "");
	n = list(st, &(struct store_statement_filter){0}, &v);
	ck_assert_str_eq(v[0].themes_json, "[]");
	ck_assert_uint_eq(v[0].nthemes, 0);
	free_list(v, n);
	store_close(st);
}
END_TEST

/* Network text comes back byte for byte; only credentials leave URLs. */
START_TEST(data_comes_back_as_stored_without_credentials)
{
	static const char title[] = "<script>alert(1)</script> & \"q\" \x01\xef\xbf\xbe";
	struct store *st = open_ok();
	struct store_item it;
	struct store_statement s;

	put(st, &(struct put){"mfa", "https://user:secret@a.example/1?x=<1>&y", title, "<p>&amp;",
			      NULL, NULL, 100});
	ck_assert_int_eq(
	    store_item_find(st, "mfa", "https://user:secret@a.example/1?x=<1>&y", NULL, &it), 1);
	free(it.final_url);
	it.final_url = xstrdup("https://user:secret@a.example/final");
	ck_assert_int_eq(store_item_put(st, &it), 0);
	store_item_clear(&it);
	ck_assert_int_eq(store_statement_get(st, 1, &s), 1);
	ck_assert_str_eq(s.title, title);
	ck_assert_str_eq(s.text, "<p>&amp;");
	ck_assert_str_eq(s.url, "https://a.example/1?x=<1>&y");
	ck_assert_str_eq(s.final_url, "https://a.example/final");
	store_statement_clear(&s);
	store_close(st);
}
END_TEST

/* keep_text_days drops the past texts too; their diffs go with them. */
START_TEST(retention_drops_past_texts)
{
	struct store *st = open_ok();
	struct store_prune p = {.text_before = 150, .max = 100};
	struct store_statement s;

	put(st, &(struct put){"mfa", "http://a/1", "T", "one", NULL, NULL, 100});
	edit(st, "mfa", "http://a/1", "two", 200);
	ck_assert_int_eq(store_prune(st, &p), 0);
	ck_assert_int_eq(store_statement_get(st, 1, &s), 1);
	ck_assert_uint_eq(s.nversions, 2);
	ck_assert_ptr_null(s.version[0].text);
	ck_assert_str_eq(s.version[0].text_sha256, "sha-one");
	ck_assert_ptr_null(s.version[1].diff);
	ck_assert_ptr_null(s.text);
	store_statement_clear(&s);
	store_close(st);
}
END_TEST

/* A store of version 7 learns the themes of what it alerted from the events. */
START_TEST(migration_8_takes_themes_from_the_events)
{
	struct store *st = open_ok();
	struct store_statement s;
	char *payload, *cmd;

	put(st, &(struct put){"mfa", "http://a/1", "T", "one", NULL, NULL, 100});
	payload = xasprintf("{\"type\":\"statement.new\",\"themes\":%s}", THEMES_JSON);
	ck_assert_int_eq(
	    store_event_insert(st, &(struct store_event_new){"evt_1", "hook", "statement.new",
							     "mfa", 1, payload, 100}),
	    0);
	free(payload);
	ck_assert_int_eq(
	    store_event_insert(st, &(struct store_event_new){"evt_0", "hook", "statement.new",
							     "mfa", 1, "{\"themes\":[]}", 50}),
	    0);
	store_close(st);
	cmd = xasprintf("sqlite3 '%s' 'DROP INDEX items_newest; DROP TRIGGER items_versions_au; "
			"DROP TABLE item_versions; ALTER TABLE items DROP COLUMN theme_scores; "
			"PRAGMA user_version = 7'",
			db_path);
	if (system(cmd) != 0) {
		free(cmd);
		return; /* the sqlite3 shell is installed by .ci/deps; without it skip */
	}
	free(cmd);
	st = open_ok();
	ck_assert_int_eq(store_statement_get(st, 1, &s), 1);
	ck_assert_uint_eq(s.nthemes, 2); /* the newest event's */
	ck_assert_str_eq(s.themes[0].evidence[0], "We respect cyber sovereignty.");
	ck_assert_uint_eq(s.nversions, 1);
	store_statement_clear(&s);
	store_close(st);
}
END_TEST

/* A reader of the daemon's store (status, a second process) sees the same rows. */
START_TEST(a_read_only_store_lists_too)
{
	struct store *st = open_ok(), *ro;
	char err[512];

	four(st);
	ro = store_open_readonly(db_path, err, sizeof(err));
	ck_assert_msg(ro != NULL, "%s", err);
	assert_ids(ro, &(struct store_statement_filter){.source = "mfa"}, "2,1");
	store_close(ro);
	store_close(st);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("store_statements");
	TCase *tc = tcase_create("statements");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, newest_first_by_publication_else_first_seen);
	tcase_add_test(tc, filters_by_source_theme_language_since_and_query);
	tcase_add_test(tc, a_bad_query_is_einval);
	tcase_add_test(tc, limit_defaults_to_50_and_stops_at_500);
	tcase_add_test(tc, paging_by_before_is_stable);
	tcase_add_test(tc, an_edit_is_a_version_with_its_diff);
	tcase_add_test(tc, a_rolled_back_edit_leaves_no_version);
	tcase_add_test(tc, an_item_never_read_has_no_version);
	tcase_add_test(tc, themes_come_with_scores_and_evidence);
	tcase_add_test(tc, data_comes_back_as_stored_without_credentials);
	tcase_add_test(tc, retention_drops_past_texts);
	tcase_add_test(tc, migration_8_takes_themes_from_the_events);
	tcase_add_test(tc, a_read_only_store_lists_too);
	suite_add_tcase(s, tc);
	return testutil_run(s);
}
