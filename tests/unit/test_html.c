/*
 * daemon/web/html: the escapes (text, attributes, links: only http/https),
 * the diff and paragraph layout, the style sheet, and the pages called
 * directly with a tiny request whose arg() reads an array: bad query values
 * are 400 pages naming the argument, a hostile configured label stays text.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/xmalloc.h"
#include "config/config.h"
#include "daemon/store.h"
#include "daemon/web/html.h"
#include "tests/unit/testutil.h"

static char *dir;
static struct config *cfg;
static struct store *st;

#define HOSTILE "<script>alert(1)</script>"
#define THEMES_JSON                                                                                \
	"[{\"id\":\"cyber\",\"label\":\"Cyber sovereignty\",\"score\":0.826,"                      \
	"\"evidence\":[\"We respect <img src=x onerror=alert(2)> cyber sovereignty.\"]},"          \
	"{\"id\":\"norms\",\"label\":\"Norms\",\"score\":0.5,\"evidence\":[\"Norms matter.\","     \
	"\"We respect <img src=x onerror=alert(2)> cyber sovereignty.\"]}]"

static void setup(void)
{
	char err[512], *path;

	dir = testutil_tmpdir();
	cfg = testutil_config(dir, "[daemon]\nstate_dir = /tmp/unused\n"
				   "[source \"mfa-en\"]\nurl = http://127.0.0.1:1/l\nitems = //li\n"
				   "[theme \"cyber\"]\nlabel = Cyber <b>sovereignty</b>\n"
				   "phrase = 1 cyber sovereignty\n");
	path = xasprintf("%s/speechwatch.db", dir);
	st = store_open(path, err, sizeof(err));
	ck_assert_msg(st != NULL, "%s", err);
	free(path);
}

static void teardown(void)
{
	store_close(st);
	config_free(cfg);
	testutil_rmtree(dir);
	free(dir);
}

/* Stores an item of mfa-en (text: NULL for none) first seen at seen; its id. */
static int64_t put(const char *url, const char *title, const char *text, double seen)
{
	struct store_item it;
	int64_t id;

	memset(&it, 0, sizeof(it));
	it.source_id = xstrdup("mfa-en");
	it.url = xstrdup(url);
	it.norm_url = xstrdup(url);
	it.title = xstrdup(title);
	it.language = xstrdup("en");
	it.text = text ? xstrdup(text) : NULL;
	it.text_sha256 = text ? xasprintf("%064zx", strlen(text)) : NULL;
	it.raw_sha256 = xstrdup("ab12");
	it.words = 7;
	it.first_seen = it.last_seen = it.last_checked = it.fetched_at = seen;
	ck_assert_msg(store_item_put(st, &it) == 0, "%s", store_error(st));
	id = it.id;
	store_item_clear(&it);
	return id;
}

/* A re-check that found a new text. */
static void edit(const char *url, const char *text, double when)
{
	struct store_item it;

	ck_assert_int_eq(store_item_find(st, "mfa-en", url, NULL, &it), 1);
	free(it.text);
	free(it.text_sha256);
	it.text = xstrdup(text);
	it.text_sha256 = xasprintf("%064zx", strlen(text));
	it.fetched_at = it.last_checked = it.last_seen = when;
	ck_assert_msg(store_item_put(st, &it) == 0, "%s", store_error(st));
	store_item_clear(&it);
}

/*
 * Two statements: an edited one (id 1, older) and a newer one titled
 * HOSTILE with a theme whose evidence holds markup (id 2).
 */
static void two(void)
{
	put("https://mfa.example/edited", "Remarks on trade", "Trade <em>matters</em>.\n\nA lot.",
	    1790000000);
	edit("https://mfa.example/edited", "Trade <em>matters</em>.\n\nA lot more.", 1790000500);
	put("javascript:alert(3)", HOSTILE, "First <p>paragraph</p>.\n\nSecond one.", 1790001000);
	ck_assert_int_eq(store_item_set_themes(st, 2, "cyber", THEMES_JSON), 0);
}

/* A request whose arguments are name, value pairs in an array ending with NULL. */
struct fake_req {
	struct web_request req;
	const char *const *args;
};

static const char *fake_arg(const struct web_request *req, const char *name)
{
	const struct fake_req *f = (const struct fake_req *)req;

	for (size_t i = 0; f->args[i]; i += 2)
		if (strcmp(f->args[i], name) == 0)
			return f->args[i + 1];
	return NULL;
}

/* Calls page with path and args into out (caller frees out->body). */
static void call(web_page_fn page, const char *path, const char *const *args, struct web_reply *out)
{
	static const char *const none[] = {NULL};
	struct fake_req f = {{"GET", path, fake_arg, NULL}, args ? args : none};
	struct web_ctx ctx = {.store = st, .cfg = cfg};

	memset(out, 0, sizeof(*out));
	out->status = 200;
	buf_init(&out->body);
	page(&ctx, &f.req, out);
}

static char *escaped(void (*fn)(struct buf *, const char *), const char *s)
{
	struct buf b;

	buf_init(&b);
	fn(&b, s);
	return buf_steal(&b);
}

START_TEST(text_and_attributes_never_become_markup)
{
	char *t = escaped(html_text, "<script>alert(1)</script> & \"q\" 'a'");
	char *a = escaped(html_attr, "\" onmouseover=\"x");
	char *c = escaped(html_text, "a\x01z\x7f");
	char *n = escaped(html_text, NULL);

	ck_assert_str_eq(t,
			 "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;q&quot; &#39;a&#39;");
	ck_assert_str_eq(a, "&quot; onmouseover=&quot;x");
	ck_assert_str_eq(c, "a\xef\xbf\xbdz\xef\xbf\xbd");
	ck_assert_str_eq(n, "");
	free(t);
	free(a);
	free(c);
	free(n);
}
END_TEST

START_TEST(only_http_and_https_become_links)
{
	struct buf b;

	ck_assert_int_eq(html_url_ok("https://www.mfa.gov.cn/a?b=1&c=2"), 1);
	ck_assert_int_eq(html_url_ok("HTTP://example.org/"), 1);
	ck_assert_int_eq(html_url_ok("javascript:alert(1)"), 0);
	ck_assert_int_eq(html_url_ok("data:text/html,<script>"), 0);
	ck_assert_int_eq(html_url_ok("/relative"), 0);
	ck_assert_int_eq(html_url_ok("http://"), 0);
	ck_assert_int_eq(html_url_ok("http:///path"), 0);
	ck_assert_int_eq(html_url_ok("http://a b/"), 0);
	ck_assert_int_eq(html_url_ok("http://a\n/"), 0);
	ck_assert_int_eq(html_url_ok(NULL), 0);
	buf_init(&b);
	html_link(&b, "https://ex.org/?a=1&b=\"2\"", "<T>");
	ck_assert_str_eq(buf_str(&b), "<a href=\"https://ex.org/?a=1&amp;b=&quot;2&quot;\" "
				      "rel=\"noreferrer noopener\">&lt;T&gt;</a>");
	buf_reset(&b);
	html_link(&b, "javascript:alert(1)", "<T>");
	ck_assert_str_eq(buf_str(&b), "&lt;T&gt;");
	buf_free(&b);
}
END_TEST

START_TEST(query_values_are_percent_encoded)
{
	char *q = escaped(html_query_value, "a b&c=d/é~");

	ck_assert_str_eq(q, "a%20b%26c%3Dd%2F%C3%A9~");
	free(q);
}
END_TEST

START_TEST(a_diff_shows_added_and_removed_lines_escaped)
{
	struct buf b;

	buf_init(&b);
	html_diff(&b, "--- a\n+++ b\n@@ -1,2 +1,2 @@\n same\n-old <i>\n+new & better\n"
		      "--- not a header\n");
	ck_assert_str_eq(buf_str(&b), "<pre class=\"diff\"><span class=\"hunk\">@@ -1,2 +1,2 @@"
				      "</span>\n same\n<del>-old &lt;i&gt;</del>\n"
				      "<ins>+new &amp; better</ins>\n<del>--- not a header</del>\n"
				      "</pre>\n");
	buf_reset(&b);
	html_diff(&b, NULL);
	html_diff(&b, "");
	ck_assert_str_eq(buf_str(&b), "");
	buf_free(&b);
}
END_TEST

START_TEST(paragraphs_split_on_blank_lines)
{
	struct buf b;

	buf_init(&b);
	html_paragraphs(&b, "\nOne <a>\nstill one\n \t\nTwo\n\n\n");
	ck_assert_str_eq(buf_str(&b), "<p>One &lt;a&gt;\nstill one</p>\n<p>Two</p>\n");
	buf_free(&b);
}
END_TEST

START_TEST(a_time_shows_a_day_and_nothing_else)
{
	struct buf b;

	buf_init(&b);
	html_time(&b, "2026-11-26T10:00:00+01:00", 1);
	ck_assert_str_eq(buf_str(&b),
			 "<time datetime=\"2026-11-26T10:00:00+01:00\">2026-11-26</time>");
	buf_reset(&b);
	html_time(&b, "2026-<b>x\"y", 1790000000);
	ck_assert_str_eq(buf_str(&b), "<time datetime=\"2026-09-21T14:13:20Z\">2026-09-21</time>");
	buf_reset(&b);
	html_time(&b, "2026-1", 0);
	html_time(&b, NULL, 0);
	ck_assert_str_eq(buf_str(&b), "");
	buf_free(&b);
}
END_TEST

START_TEST(a_badge_escapes_its_label)
{
	struct buf b;

	buf_init(&b);
	html_badge(&b, "x\"", "<L>", 0.826);
	ck_assert_str_eq(buf_str(&b),
			 "<span class=\"badge\" title=\"x&quot;\">&lt;L&gt; <b>0.83</b></span>");
	buf_free(&b);
}
END_TEST

START_TEST(the_style_sheet_is_compiled_in_and_versioned)
{
	struct web_reply r;

	call(html_page_style, "/static/style.css", NULL, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(r.content_type, "text/css; charset=utf-8");
	ck_assert_str_eq(r.cache_control, "public, max-age=31536000, immutable");
	ck_assert_ptr_nonnull(strstr(buf_str(&r.body), "pre.diff ins"));
	ck_assert_int_eq(strncmp(html_style_path(), "/static/style.css?v=", 20), 0);
	ck_assert_uint_eq(strlen(html_style_path()), 28);
	buf_free(&r.body);
}
END_TEST

START_TEST(an_error_page_names_the_argument_and_escapes)
{
	struct web_reply r;

	memset(&r, 0, sizeof(r));
	buf_init(&r.body);
	buf_append_str(&r.body, "half a page");
	html_error(&r, 400, "argument 'q': <bad>");
	ck_assert_int_eq(r.status, 400);
	ck_assert_ptr_null(strstr(buf_str(&r.body), "half a page"));
	ck_assert_ptr_nonnull(strstr(buf_str(&r.body), "<title>400 Bad request"));
	ck_assert_ptr_nonnull(strstr(buf_str(&r.body), "argument &#39;q&#39;: &lt;bad&gt;"));
	buf_free(&r.body);
}
END_TEST

/* The index answers 400 naming arg for each bad value. */
static void bad_arg(const char *arg, const char *value)
{
	const char *args[] = {arg, value, NULL};
	struct web_reply r;
	char want[64];

	call(html_page_index, "/", args, &r);
	ck_assert_msg(r.status == 400, "%s=%s: status %d", arg, value, r.status);
	snprintf(want, sizeof(want), "argument &#39;%s&#39;", arg);
	ck_assert_msg(strstr(buf_str(&r.body), want), "%s=%s: %s", arg, value, buf_str(&r.body));
	buf_free(&r.body);
}

START_TEST(bad_query_values_are_400_pages_naming_the_argument)
{
	char longq[300];

	memset(longq, 'x', sizeof(longq) - 1);
	longq[sizeof(longq) - 1] = '\0';
	bad_arg("theme", "nope");
	bad_arg("theme", "<script>");
	bad_arg("source", "other");
	bad_arg("language", "e");
	bad_arg("language", "en_US");
	bad_arg("language", "<x>");
	bad_arg("language", "1x");
	bad_arg("q", longq);
	bad_arg("q", "\"unbalanced");
	bad_arg("before", "0");
	bad_arg("before", "-1");
	bad_arg("before", "2x");
	bad_arg("before", "99999999999999999999");
	bad_arg("before", " 1");
}
END_TEST

START_TEST(the_form_offers_the_configured_themes_and_sources)
{
	const char *args[] = {"theme", "cyber", "source",   "",	 "language",
			      "zh-CN", "q",	"\"><i>\"", NULL};
	struct web_reply r;
	const char *page;

	call(html_page_index, "/", args, &r);
	ck_assert_int_eq(r.status, 200);
	page = buf_str(&r.body);
	ck_assert_ptr_nonnull(strstr(page, "<html lang=\"en\">"));
	ck_assert_ptr_nonnull(strstr(page, "name=\"viewport\""));
	ck_assert_ptr_nonnull(
	    strstr(page, "<option value=\"cyber\" selected>Cyber &lt;b&gt;sovereignty&lt;/b&gt;"));
	ck_assert_ptr_nonnull(strstr(page, "<option value=\"mfa-en\">mfa-en</option>"));
	ck_assert_ptr_nonnull(strstr(page, "<label class=\"language\" for=\"f-language\">"));
	ck_assert_ptr_nonnull(strstr(page, "value=\"zh-CN\""));
	ck_assert_ptr_nonnull(strstr(page, "value=\"&quot;&gt;&lt;i&gt;&quot;\""));
	ck_assert_ptr_null(strstr(page, "<i>"));
	buf_free(&r.body);
}
END_TEST

/* The body of path's page with args, asserting its status. Caller frees. */
static char *page_of(web_page_fn page, const char *path, const char *const *args, int status)
{
	struct web_reply r;

	call(page, path, args, &r);
	ck_assert_msg(r.status == status, "%s: %d: %s", path, r.status, buf_str(&r.body));
	ck_assert_str_eq(r.content_type, "text/html; charset=utf-8");
	return buf_steal(&r.body);
}

START_TEST(the_index_lists_statements_newest_first_escaped)
{
	char *p;
	const char *hostile, *edited;

	two();
	p = page_of(html_page_index, "/", NULL, 200);
	ck_assert_ptr_null(strstr(p, HOSTILE));
	ck_assert_ptr_null(strstr(p, "<img"));
	ck_assert_ptr_null(strstr(p, "javascript:"));
	hostile = strstr(p, "<h2 lang=\"en\">&lt;script&gt;alert(1)&lt;/script&gt;</h2>");
	edited = strstr(p, "<h2 lang=\"en\"><a href=\"https://mfa.example/edited\"");
	ck_assert_ptr_nonnull(hostile);
	ck_assert_ptr_nonnull(edited);
	ck_assert(hostile < edited); /* newest first */
	ck_assert_ptr_nonnull(strstr(p, "<span class=\"badge\" title=\"cyber\">Cyber "
					"sovereignty <b>0.83</b></span>"));
	hostile = strstr(p, "We respect &lt;img src=x onerror=alert(2)&gt; cyber");
	ck_assert_ptr_nonnull(hostile);
	ck_assert_ptr_null(strstr(hostile + 1, "We respect")); /* shared evidence shown once */
	ck_assert_ptr_nonnull(strstr(p, "title=\"norms\">Norms matter.</blockquote>"));
	ck_assert_ptr_nonnull(strstr(p, "<del>-A lot.</del>\n<ins>+A lot more.</ins>"));
	ck_assert_ptr_nonnull(strstr(p, "<strong>edited</strong> (2 versions)"));
	ck_assert_ptr_nonnull(strstr(p, "<a href=\"/statement/2\">details</a>"));
	ck_assert_ptr_null(strstr(p, "rel=\"next\"")); /* one page only */
	free(p);
}
END_TEST

START_TEST(filters_and_search_select_statements)
{
	const char *theme[] = {"theme", "cyber", NULL};
	const char *q[] = {"q", "matters", "source", "mfa-en", NULL};
	const char *hyphen[] = {"q", "lot more.", NULL}; /* no FTS5 syntax: a phrase */
	const char *en[] = {"language", "EN-gb", NULL};
	const char *none[] = {"language", "fr", NULL};
	char *p;

	two();
	p = page_of(html_page_index, "/", theme, 200);
	ck_assert_ptr_nonnull(strstr(p, "alert(1)"));
	ck_assert_ptr_null(strstr(p, "Remarks on trade"));
	free(p);
	p = page_of(html_page_index, "/", q, 200);
	ck_assert_ptr_null(strstr(p, "alert(1)"));
	ck_assert_ptr_nonnull(strstr(p, "Remarks on trade"));
	free(p);
	p = page_of(html_page_index, "/", hyphen, 200);
	ck_assert_ptr_null(strstr(p, "alert(1)"));
	ck_assert_ptr_nonnull(strstr(p, "Remarks on trade"));
	free(p);
	p = page_of(html_page_index, "/", en, 200);
	ck_assert_ptr_nonnull(strstr(p, "alert(1)"));
	ck_assert_ptr_nonnull(strstr(p, "Remarks on trade"));
	ck_assert_ptr_nonnull(strstr(p, "value=\"EN-gb\""));
	free(p);
	p = page_of(html_page_index, "/", none, 200);
	ck_assert_ptr_nonnull(strstr(p, "No statement matches."));
	free(p);
}
END_TEST

START_TEST(pages_go_on_after_the_last_statement_shown)
{
	const char *next[] = {"q", "item", "before", "3", NULL};
	char url[64], *p;

	for (int i = 1; i <= 22; i++) {
		snprintf(url, sizeof(url), "https://mfa.example/%d", i);
		put(url, "item", "item text", 1790000000 + i);
	}
	p = page_of(html_page_index, "/", NULL, 200);
	ck_assert_ptr_nonnull(strstr(p, "/statement/22\""));
	ck_assert_ptr_null(strstr(p, "/statement/2\""));
	ck_assert_ptr_nonnull(strstr(p, "<a rel=\"next\" href=\"/?before=3\">Older</a>"));
	ck_assert_ptr_null(strstr(p, "Newest</a>"));
	free(p);
	p = page_of(html_page_index, "/", next, 200);
	ck_assert_ptr_nonnull(strstr(p, "/statement/2\""));
	ck_assert_ptr_nonnull(strstr(p, "/statement/1\""));
	ck_assert_ptr_null(strstr(p, "/statement/3\""));
	ck_assert_ptr_nonnull(strstr(p, "<a href=\"/?q=item\">Newest</a>"));
	ck_assert_ptr_null(strstr(p, "Older</a>"));
	free(p);
}
END_TEST

START_TEST(a_search_that_fails_keeps_the_form_to_correct_it)
{
	const char *args[] = {"q", "non-proliferation\"", NULL};
	char *p;

	two();
	p = page_of(html_page_index, "/", args, 400);
	ck_assert_ptr_nonnull(strstr(p, "<p class=\"error\">argument &#39;q&#39;: not a valid"));
	ck_assert_ptr_nonnull(
	    strstr(p, "name=\"q\" maxlength=\"256\" value=\"non-proliferation&quot;\""));
	ck_assert_ptr_null(strstr(p, "<article"));
	free(p);
}
END_TEST

START_TEST(a_statement_page_has_text_provenance_and_versions)
{
	char *p;

	two();
	p = page_of(html_page_statement, "/statement/2", NULL, 200);
	ck_assert_ptr_null(strstr(p, HOSTILE));
	ck_assert_ptr_nonnull(strstr(p, "<title>&lt;script&gt;alert(1)&lt;/script&gt; · "));
	ck_assert_ptr_nonnull(strstr(p, "<p>First &lt;p&gt;paragraph&lt;/p&gt;.</p>\n"
					"<p>Second one.</p>"));
	ck_assert_ptr_nonnull(strstr(p, "<dt>Ministry page</dt><dd>javascript:alert(3)</dd>"));
	ck_assert_ptr_nonnull(strstr(p, "<dt>SHA-256 of the raw page</dt><dd>ab12</dd>"));
	ck_assert_ptr_null(strstr(p, "details</a>"));
	free(p);
	p = page_of(html_page_statement, "/statement/1", NULL, 200);
	ck_assert_ptr_nonnull(strstr(p, "<h3>Version 2, since 2026-09-21</h3>"));
	ck_assert_ptr_nonnull(strstr(p, "<h3>Version 1, since 2026-09-21</h3>"));
	ck_assert_ptr_nonnull(strstr(p, "<ins>+A lot more.</ins>"));
	ck_assert_ptr_nonnull(strstr(p, "<p>Trade &lt;em&gt;matters&lt;/em&gt;.</p>"));
	ck_assert(strstr(p, "Version 2") < strstr(p, "Version 1"));
	free(p);
}
END_TEST

START_TEST(an_unknown_statement_is_a_404_page)
{
	const char *paths[] = {"/statement/99", "/statement/0",	 "/statement/abc",
			       "/statement/",	"/statement/1x", "/statement/99999999999999999999"};
	char *p;

	two();
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		p = page_of(html_page_statement, paths[i], NULL, 404);
		ck_assert_ptr_nonnull(strstr(p, "<h1>404 Not found</h1>"));
		free(p);
	}
}
END_TEST

static Suite *html_suite(void)
{
	Suite *s = suite_create("html");
	TCase *tc = tcase_create("html");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, text_and_attributes_never_become_markup);
	tcase_add_test(tc, only_http_and_https_become_links);
	tcase_add_test(tc, query_values_are_percent_encoded);
	tcase_add_test(tc, a_diff_shows_added_and_removed_lines_escaped);
	tcase_add_test(tc, paragraphs_split_on_blank_lines);
	tcase_add_test(tc, a_time_shows_a_day_and_nothing_else);
	tcase_add_test(tc, a_badge_escapes_its_label);
	tcase_add_test(tc, the_style_sheet_is_compiled_in_and_versioned);
	tcase_add_test(tc, an_error_page_names_the_argument_and_escapes);
	tcase_add_test(tc, bad_query_values_are_400_pages_naming_the_argument);
	tcase_add_test(tc, the_form_offers_the_configured_themes_and_sources);
	tcase_add_test(tc, a_search_that_fails_keeps_the_form_to_correct_it);
	tcase_add_test(tc, the_index_lists_statements_newest_first_escaped);
	tcase_add_test(tc, filters_and_search_select_statements);
	tcase_add_test(tc, pages_go_on_after_the_last_statement_shown);
	tcase_add_test(tc, a_statement_page_has_text_provenance_and_versions);
	tcase_add_test(tc, an_unknown_statement_is_a_404_page);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return testutil_run(html_suite());
}
