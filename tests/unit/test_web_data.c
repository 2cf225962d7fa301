/*
 * The read side's data pages (issue 18), called directly: the JSON API
 * (daemon/web/api.c) and the Atom feeds (daemon/web/feeds.c) against a
 * store built in a temporary directory.
 */
#include <check.h>
#include <jansson.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"
#include "config/config.h"
#include "daemon/store.h"
#include "daemon/web/api.h"
#include "daemon/web/feeds.h"
#include "daemon/web/web.h"
#include "tests/unit/testutil.h"

static char *dir;
static struct config *cfg;
static struct store *st;

/* A request: path and NULL-terminated name, value pairs. */
struct fake {
	struct web_request r;
	const char *const *kv;
};

static const char *fake_arg(const struct web_request *req, const char *name)
{
	const struct fake *f = (const struct fake *)req;

	for (size_t i = 0; f->kv && f->kv[i]; i += 2)
		if (strcmp(f->kv[i], name) == 0)
			return f->kv[i + 1];
	return NULL;
}

/* Runs page for path with the arguments kv; the reply's body is NUL-terminated. */
static void run(web_page_fn page, const char *path, const char *const *kv, struct web_reply *out)
{
	struct fake f = {{"GET", path, fake_arg, NULL}, kv};
	struct web_ctx ctx = {.store = st, .cfg = cfg, .now = 2e9};

	memset(out, 0, sizeof(*out));
	out->status = 200;
	buf_init(&out->body);
	page(&ctx, &f.r, out);
	buf_append(&out->body, "", 1);
}

static int64_t put(const char *src, const char *url, const char *title, const char *text,
		   const char *published, double seen)
{
	struct store_item it;
	int64_t id;

	memset(&it, 0, sizeof(it));
	it.source_id = xstrdup(src);
	it.url = xstrdup(url);
	it.norm_url = xstrdup(url);
	it.title = xstrdup(title);
	it.published = published ? xstrdup(published) : NULL;
	it.language = xstrdup("en");
	it.text = text ? xstrdup(text) : NULL;
	it.text_sha256 = text ? xasprintf("sha-%s", text) : NULL;
	it.raw_sha256 = text ? xstrdup("rawsha") : NULL;
	it.words = 3;
	it.first_seen = it.last_seen = it.fetched_at = seen;
	ck_assert_msg(store_item_put(st, &it) == 0, "%s", store_error(st));
	id = it.id;
	store_item_clear(&it);
	return id;
}

static void edit(const char *src, const char *url, const char *text, double when)
{
	struct store_item it;

	ck_assert_int_eq(store_item_find(st, src, url, NULL, &it), 1);
	free(it.text);
	free(it.text_sha256);
	it.text = xstrdup(text);
	it.text_sha256 = xasprintf("sha-%s", text);
	it.fetched_at = when;
	ck_assert_int_eq(store_item_put(st, &it), 0);
	store_item_clear(&it);
}

#define THEMES                                                                                     \
	"[{\"id\":\"cyber\",\"label\":\"Cyber sovereignty\",\"score\":0.82,"                       \
	"\"evidence\":[\"We respect <cyber> sovereignty & more.\"]}]"

/*
 * Sources mfa (with credentials in its URL), mid and quiet; theme cyber.
 * Statements: 1 mfa scored cyber, edited once; 2 mfa hostile title;
 * 3 mid never scored.
 */
static void setup(void)
{
	char *text, err[512], *path;

	dir = testutil_tmpdir();
	text = xasprintf(
	    "[daemon]\nstate_dir = %s\n"
	    "[source \"mfa\"]\nurl = https://user:secret@mfa.example/news/\n"
	    "items = //li\n"
	    "[source \"mid\"]\nurl = https://mid.example/ru/\nitems = //li\n"
	    "[source \"quiet\"]\nurl = https://quiet.example/\nitems = //li\n"
	    "[theme \"cyber\"]\nlabel = Cyber sovereignty\nphrase = 3 cyber sovereignty\n",
	    dir);
	cfg = testutil_config(dir, text);
	free(text);
	path = store_location_for(dir);
	st = store_open(path, err, sizeof(err));
	ck_assert_msg(st != NULL, "%s", err);
	free(path);
	put("mfa", "https://mfa.example/news/1", "Cyber statement", "one\ntwo", "2026-11-01",
	    1.7e9);
	ck_assert_int_eq(store_item_set_themes(st, 1, "cyber", THEMES), 0);
	edit("mfa", "https://mfa.example/news/1", "one\nTWO", 1.8e9);
	put("mfa", "https://mfa.example/news/2?a=1&b=<2>",
	    "<script>alert(1)</script> & \"q\" \x01 bad\xff", "x y z", "2026-11-02", 1.7e9);
	put("mid", "https://mid.example/ru/3", "Погода", NULL, NULL, 1.9e9);
}

static void teardown(void)
{
	store_close(st);
	config_free(cfg);
	testutil_rmtree(dir);
	free(dir);
}

/* The body as JSON (the test fails when it is not JSON). */
static json_t *body_json(const struct web_reply *r)
{
	json_error_t e;
	json_t *j = json_loads(r->body.data, 0, &e);

	ck_assert_msg(j != NULL, "not JSON (%s): %s", e.text, r->body.data);
	ck_assert_str_eq(r->content_type, "application/json");
	return j;
}

static const char *str_at(json_t *o, const char *path)
{
	char *copy = xstrdup(path), *save, *key;
	json_t *cur = o;

	for (key = strtok_r(copy, ".", &save); key && cur; key = strtok_r(NULL, ".", &save))
		cur = json_is_array(cur) ? json_array_get(cur, (size_t)atoi(key))
					 : json_object_get(cur, key);
	free(copy);
	ck_assert_msg(cur != NULL, "no %s", path);
	return json_is_string(cur) ? json_string_value(cur) : json_is_null(cur) ? NULL : "?";
}

START_TEST(api_lists_statements_with_the_event_field_names)
{
	struct web_reply r;
	json_t *j, *s;

	run(web_page_api_statements, "/api/v1/statements", NULL, &r);
	ck_assert_int_eq(r.status, 200);
	j = body_json(&r);
	ck_assert_uint_eq(json_array_size(json_object_get(j, "statements")), 3);
	ck_assert(json_is_null(json_object_get(j, "next")));
	s = json_array_get(json_object_get(j, "statements"), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(s, "id")), 3); /* newest first */
	ck_assert(json_is_null(json_object_get(s, "themes")));		   /* never scored */
	s = json_array_get(json_object_get(j, "statements"), 2);
	ck_assert_str_eq(str_at(s, "source.id"), "mfa");
	ck_assert_str_eq(str_at(s, "source.url"), "https://mfa.example/news/");
	ck_assert_str_eq(str_at(s, "item.url"), "https://mfa.example/news/1");
	ck_assert_str_eq(str_at(s, "item.title"), "Cyber statement");
	ck_assert_str_eq(str_at(s, "item.published"), "2026-11-01");
	ck_assert_str_eq(str_at(s, "item.language"), "en");
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(s, "item"), "words")),
			 3);
	ck_assert_str_eq(str_at(s, "themes.0.id"), "cyber");
	ck_assert_str_eq(str_at(s, "themes.0.label"), "Cyber sovereignty");
	ck_assert_str_eq(str_at(s, "themes.0.evidence.0"),
			 "We respect <cyber> sovereignty & more.");
	ck_assert_str_eq(str_at(s, "first_seen"), "2023-11-14T22:13:20Z");
	ck_assert(json_is_true(json_object_get(s, "edited")));
	ck_assert_int_eq(json_integer_value(json_object_get(s, "versions")), 2);
	ck_assert_ptr_nonnull(strstr(str_at(s, "diff"), "-two\n+TWO"));
	ck_assert_ptr_null(strstr(r.body.data, "secret"));
	json_decref(j);
	buf_free(&r.body);
}
END_TEST

START_TEST(api_filters_and_pages)
{
	struct web_reply r;
	json_t *j;
	const char *next;
	char *again;

	run(web_page_api_statements, "/api/v1/statements",
	    (const char *const[]){"source", "mfa", "limit", "1", "q", "", NULL}, &r);
	j = body_json(&r);
	ck_assert_str_eq(str_at(j, "statements.0.item.url"),
			 "https://mfa.example/news/2?a=1&b=<2>");
	next = str_at(j, "next");
	ck_assert_str_eq(next, "/api/v1/statements?source=mfa&limit=1&before=2");
	json_decref(j);
	buf_free(&r.body);
	run(web_page_api_statements, "/api/v1/statements",
	    (const char *const[]){"source", "mfa", "limit", "1", "before", "2", NULL}, &r);
	j = body_json(&r);
	ck_assert_int_eq(json_integer_value(json_object_get(
			     json_array_get(json_object_get(j, "statements"), 0), "id")),
			 1);
	json_decref(j);
	buf_free(&r.body);
	run(web_page_api_statements, "/api/v1/statements",
	    (const char *const[]){"theme", "cyber", "since", "2026-10-31T00:00:00+01:00", "q",
				  "two OR TWO", "language", "EN-gb", "limit", "1", NULL},
	    &r);
	j = body_json(&r);
	ck_assert_uint_eq(json_array_size(json_object_get(j, "statements")), 1);
	again = xstrdup(str_at(j, "next"));
	ck_assert_str_eq(again, "/api/v1/statements?theme=cyber&language=EN-gb&since=2026-10-31T00%"
				"3A00%3A00%2B01%3A00&q=two%20OR%20TWO&limit=1&before=1");
	free(again);
	json_decref(j);
	buf_free(&r.body);
}
END_TEST

/* Each bad value: 400, JSON naming the argument. */
START_TEST(api_bad_values_are_400_naming_the_argument)
{
	static const char *const bad[][2] = {
	    {"limit", "0"},
	    {"limit", "501"},
	    {"limit", "ten"},
	    {"limit", "-1"},
	    {"since", "yesterday"},
	    {"since", "2026-13-45"},
	    {"since", "2026-11-01T10:00:00+25:00"},
	    {"before", "-3"},
	    {"before", "1e3"},
	    {"theme", "nope"},
	    {"source", "../etc"},
	    {"language", "e1"},
	    {"q", "\"open"},
	    {"q", "AND"},
	};
	struct web_reply r;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_t *j;

		run(web_page_api_statements, "/api/v1/statements",
		    (const char *const[]){bad[i][0], bad[i][1], NULL}, &r);
		ck_assert_msg(r.status == 400, "%s=%s: %d", bad[i][0], bad[i][1], r.status);
		j = body_json(&r);
		ck_assert_str_eq(str_at(j, "argument"), bad[i][0]);
		ck_assert_msg(strncmp(str_at(j, "error"), bad[i][0], strlen(bad[i][0])) == 0, "%s",
			      str_at(j, "error"));
		json_decref(j);
		buf_free(&r.body);
	}
}
END_TEST

START_TEST(api_one_statement_has_every_version)
{
	struct web_reply r;
	json_t *j;

	run(web_page_api_statement, "/api/v1/statements/1", NULL, &r);
	ck_assert_int_eq(r.status, 200);
	j = body_json(&r);
	ck_assert_str_eq(str_at(j, "item.text"), "one\nTWO");
	ck_assert_str_eq(str_at(j, "item.sha256.text"), "sha-one\nTWO");
	ck_assert_str_eq(str_at(j, "item.sha256.raw"), "rawsha");
	ck_assert_str_eq(str_at(j, "history.0.text"), "one\ntwo");
	ck_assert_ptr_null(str_at(j, "history.0.diff"));
	ck_assert_str_eq(str_at(j, "history.1.since"), "2027-01-15T08:00:00Z");
	ck_assert_ptr_nonnull(strstr(str_at(j, "history.1.diff"), "+TWO"));
	json_decref(j);
	buf_free(&r.body);
	run(web_page_api_statement, "/api/v1/statements/99", NULL, &r);
	ck_assert_int_eq(r.status, 404);
	json_decref(body_json(&r));
	buf_free(&r.body);
	run(web_page_api_statement, "/api/v1/statements/1x", NULL, &r);
	ck_assert_int_eq(r.status, 404);
	buf_free(&r.body);
}
END_TEST

/* A title with a control character and a byte that is not UTF-8 still gives valid JSON. */
START_TEST(api_hostile_text_stays_valid_json)
{
	struct web_reply r;
	json_t *j;

	run(web_page_api_statement, "/api/v1/statements/2", NULL, &r);
	j = body_json(&r);
	ck_assert_str_eq(str_at(j, "item.title"),
			 "<script>alert(1)</script> & \"q\" \x01 bad\xef\xbf\xbd");
	json_decref(j);
	buf_free(&r.body);
}
END_TEST

START_TEST(api_status_is_status_json)
{
	struct web_reply r;
	json_t *j;

	run(web_page_api_status, "/api/v1/status", NULL, &r);
	ck_assert_int_eq(r.status, 200);
	j = body_json(&r);
	ck_assert_str_eq(str_at(j, "sources.0.id"), "mfa");
	ck_assert_str_eq(str_at(j, "sources.0.url"), "https://mfa.example/news/");
	ck_assert_str_eq(str_at(j, "channels.0.id"), "stdout");
	ck_assert_int_eq(
	    json_integer_value(json_object_get(json_object_get(j, "totals"), "sources")), 3);
	ck_assert_ptr_nonnull(json_object_get(json_object_get(j, "store"), "bytes"));
	json_decref(j);
	buf_free(&r.body);
}
END_TEST

/* The feed parsed strictly (a well-formedness error fails the test). */
static xmlDocPtr feed_doc(const struct web_reply *r)
{
	xmlDocPtr doc;

	ck_assert_int_eq(r->status, 200);
	ck_assert_str_eq(r->content_type, "application/atom+xml; charset=utf-8");
	doc = xmlReadMemory(r->body.data, (int)strlen(r->body.data), "feed.atom", NULL,
			    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	ck_assert_msg(doc != NULL, "not well-formed XML: %s", r->body.data);
	return doc;
}

/* The strings XPath expr (over the Atom namespace as "a") selects, joined by "|". */
static char *xpath(xmlDocPtr doc, const char *expr)
{
	xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
	xmlXPathObjectPtr o;
	struct buf b;

	xmlXPathRegisterNs(ctx, (const xmlChar *)"a",
			   (const xmlChar *)"http://www.w3.org/2005/Atom");
	o = xmlXPathEvalExpression((const xmlChar *)expr, ctx);
	ck_assert_ptr_nonnull(o);
	buf_init(&b);
	for (int i = 0; o->nodesetval && i < o->nodesetval->nodeNr; i++) {
		xmlChar *t = xmlNodeGetContent(o->nodesetval->nodeTab[i]);

		buf_printf(&b, "%s%s", i ? "|" : "", (const char *)t);
		xmlFree(t);
	}
	xmlXPathFreeObject(o);
	xmlXPathFreeContext(ctx);
	return buf_steal(&b);
}

static void assert_xpath(xmlDocPtr doc, const char *expr, const char *want)
{
	char *got = xpath(doc, expr);

	ck_assert_msg(strcmp(got, want) == 0, "%s: got \"%s\", want \"%s\"", expr, got, want);
	free(got);
}

START_TEST(feed_all_is_atom_with_stable_entry_ids)
{
	struct web_reply r;
	xmlDocPtr doc;

	run(web_page_feed_all, "/feeds/all.atom", NULL, &r);
	doc = feed_doc(&r);
	assert_xpath(doc, "/a:feed/a:id", "tag:speechwatch,2026:feeds/all");
	assert_xpath(doc, "/a:feed/a:updated", "2030-03-17T17:46:40Z"); /* the newest entry's */
	assert_xpath(doc, "/a:feed/a:link[@rel='self']/@href", "/feeds/all.atom");
	assert_xpath(doc, "/a:feed/a:entry/a:id",
		     "tag:speechwatch,2026:statement/mid/3|tag:speechwatch,2026:statement/mfa/2|"
		     "tag:speechwatch,2026:statement/mfa/1");
	assert_xpath(doc, "/a:feed/a:entry[3]/a:link[@rel='alternate']/@href",
		     "https://mfa.example/news/1");
	assert_xpath(doc, "/a:feed/a:entry[3]/a:published", "2026-11-01T00:00:00Z");
	assert_xpath(doc, "/a:feed/a:entry[3]/a:updated", "2027-01-15T08:00:00Z"); /* the edit */
	assert_xpath(doc, "/a:feed/a:entry[3]/a:author/a:name", "mfa");
	assert_xpath(doc, "/a:feed/a:entry[3]/a:author/a:uri", "https://mfa.example/news/");
	assert_xpath(doc, "/a:feed/a:entry[3]/a:category/@term", "cyber");
	assert_xpath(
	    doc, "/a:feed/a:entry[3]/a:summary",
	    "Cyber sovereignty (0.82)\n- We respect <cyber> sovereignty & more.\n\n"
	    "Edited (version 2):\n--- before\n+++ after\n@@ -1,2 +1,2 @@\n one\n-two\n+TWO\n");
	assert_xpath(doc, "/a:feed/a:entry[1]/a:summary", "Recorded without scoring.\n");
	ck_assert_ptr_null(strstr(r.body.data, "secret"));
	xmlFreeDoc(doc);
	buf_free(&r.body);
}
END_TEST

/* Markup in a title stays text; a control character XML cannot hold is dropped. */
START_TEST(feed_hostile_title_is_text)
{
	struct web_reply r;
	xmlDocPtr doc;

	run(web_page_feed_source, "/feeds/source/mfa.atom", NULL, &r);
	doc = feed_doc(&r);
	assert_xpath(doc, "/a:feed/a:entry[1]/a:title",
		     "<script>alert(1)</script> & \"q\"  bad\xef\xbf\xbd");
	assert_xpath(doc, "//a:script", "");
	ck_assert_ptr_null(strstr(r.body.data, "<script>"));
	assert_xpath(doc, "/a:feed/a:entry[1]/a:link/@href",
		     "https://mfa.example/news/2?a=1&b=<2>");
	assert_xpath(doc, "/a:feed/a:id", "tag:speechwatch,2026:feeds/source/mfa");
	xmlFreeDoc(doc);
	buf_free(&r.body);
}
END_TEST

START_TEST(feed_of_a_theme_and_unknown_ids)
{
	struct web_reply r;
	xmlDocPtr doc;
	static const char *const missing[][2] = {
	    {"/feeds/theme/", "/feeds/theme/nope.atom"},
	    {"/feeds/theme/", "/feeds/theme/cyber"},
	    {"/feeds/theme/", "/feeds/theme/.atom"},
	    {"/feeds/source/", "/feeds/source/cyber.atom"},
	    {"/feeds/source/", "/feeds/source/mfa.atom.atom"},
	};

	run(web_page_feed_theme, "/feeds/theme/cyber.atom", NULL, &r);
	doc = feed_doc(&r);
	assert_xpath(doc, "/a:feed/a:title", "speechwatch: Cyber sovereignty");
	assert_xpath(doc, "/a:feed/a:entry/a:id", "tag:speechwatch,2026:statement/mfa/1");
	xmlFreeDoc(doc);
	buf_free(&r.body);
	for (size_t i = 0; i < sizeof(missing) / sizeof(missing[0]); i++) {
		run(strcmp(missing[i][0], "/feeds/theme/") == 0 ? web_page_feed_theme
								: web_page_feed_source,
		    missing[i][1], NULL, &r);
		ck_assert_msg(r.status == 404, "%s: %d", missing[i][1], r.status);
		buf_free(&r.body);
	}
}
END_TEST

/* An empty feed is still a valid feed. */
START_TEST(feed_empty_source)
{
	struct web_reply r;
	xmlDocPtr doc;

	run(web_page_feed_source, "/feeds/source/quiet.atom", NULL, &r);
	doc = feed_doc(&r);
	assert_xpath(doc, "/a:feed/a:entry", "");
	assert_xpath(doc, "/a:feed/a:updated", "2033-05-18T03:33:20Z"); /* the request's time */
	xmlFreeDoc(doc);
	buf_free(&r.body);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("web_data");
	TCase *tc = tcase_create("api");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, api_lists_statements_with_the_event_field_names);
	tcase_add_test(tc, api_filters_and_pages);
	tcase_add_test(tc, api_bad_values_are_400_naming_the_argument);
	tcase_add_test(tc, api_one_statement_has_every_version);
	tcase_add_test(tc, api_hostile_text_stays_valid_json);
	tcase_add_test(tc, api_status_is_status_json);
	suite_add_tcase(s, tc);
	tc = tcase_create("feeds");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, feed_all_is_atom_with_stable_entry_ids);
	tcase_add_test(tc, feed_hostile_title_is_text);
	tcase_add_test(tc, feed_of_a_theme_and_unknown_ids);
	tcase_add_test(tc, feed_empty_source);
	suite_add_tcase(s, tc);
	return testutil_run(s);
}
