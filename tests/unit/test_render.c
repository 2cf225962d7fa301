/*
 * notify/render: an outbox body as text, HTML and Markdown fields, the
 * subject and body built from them, the templates (moved here from
 * test_mime.c with the template engine), and the escapes that keep a
 * hostile page's text from becoming markup or a link.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/htmlesc.h"
#include "common/xmalloc.h"
#include "notify/render.h"
#include "tests/unit/testutil.h"

static const char event_json[] =
    "{\"type\":\"statement.new\",\"id\":\"evt_01\",\"detected_at\":\"2019-10-24T06:31:41Z\","
    "\"source\":{\"id\":\"mfa-en\",\"url\":\"https://www.fmprc.gov.cn/\"},"
    "\"item\":{\"url\":\"https://x.example/a?b=1&c=2\",\"title\":\"Cyber <b>sovereignty</b> & "
    "*you*\","
    "\"published\":\"2019-10-24\",\"excerpt\":\"Distinguished guests\"},"
    "\"themes\":[{\"id\":\"cyber\",\"label\":\"Cyber\",\"score\":0.82,"
    "\"evidence\":[\"We respect <cyber> sovereignty.\"]},"
    "{\"id\":\"un\",\"score\":0.5,\"evidence\":[]}],"
    "\"diff\":\"-old\\n+new\"}";

static const char bare_json[] =
    "{\"type\":\"source.failing\",\"source\":{\"id\":\"mfa-ru\",\"url\":\"javascript:alert(1)\"}}";

static struct render_events *parse(const char *json)
{
	char err[128] = "";
	struct render_events *r =
	    render_parse(json, strlen(json), "evt_fallback", err, sizeof(err));

	ck_assert_msg(r != NULL, "%s", err);
	return r;
}

START_TEST(bodies_that_are_not_events_are_refused)
{
	static const char *const bad[] = {"not json", "[]", "[1]", "[{}, 2]", "\"x\"", "42"};
	char err[128];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		ck_assert_ptr_null(render_parse(bad[i], strlen(bad[i]), "e", err, sizeof(err)));
		ck_assert_msg(strstr(err, "not a JSON object or a list of them"), "%s: %s", bad[i],
			      err);
	}
}
END_TEST

START_TEST(fields_in_three_formats)
{
	struct render_events *r = parse(event_json);

	ck_assert_uint_eq(render_count(r), 1);
	ck_assert(!render_is_digest(r));
	ck_assert_str_eq(render_value(r, 0, RENDER_TITLE, RENDER_TEXT),
			 "Cyber <b>sovereignty</b> & *you*");
	ck_assert_str_eq(render_value(r, 0, RENDER_TITLE, RENDER_HTML),
			 "Cyber &lt;b&gt;sovereignty&lt;/b&gt; &amp; *you*");
	ck_assert_str_eq(render_value(r, 0, RENDER_TITLE, RENDER_MARKDOWN),
			 "Cyber \\<b\\>sovereignty\\</b\\> & \\*you\\*");
	ck_assert_str_eq(render_value(r, 0, RENDER_THEMES, RENDER_TEXT), "Cyber, un");
	ck_assert_str_eq(
	    render_value(r, 0, RENDER_EVIDENCE, RENDER_TEXT),
	    "Cyber (score 0.82)\n  * We respect <cyber> sovereignty.\nun (score 0.50)\n");
	ck_assert_str_eq(render_value(r, 0, RENDER_EVIDENCE, RENDER_HTML),
			 "Cyber (score 0.82)\n  &bull; <b>We respect &lt;cyber&gt; "
			 "sovereignty.</b>\nun (score 0.50)\n");
	ck_assert_str_eq(render_value(r, 0, RENDER_EVIDENCE, RENDER_MARKDOWN),
			 "Cyber (score 0.82)\n  • **We respect \\<cyber\\> sovereignty.**\nun "
			 "(score 0.50)\n");
	ck_assert_str_eq(render_value(r, 0, RENDER_URL, RENDER_HTML),
			 "<a href=\"https://x.example/a?b=1&amp;c=2\">https://x.example/a?b=1&amp;"
			 "c=2</a>");
	ck_assert_str_eq(render_value(r, 0, RENDER_URL, RENDER_MARKDOWN),
			 "<https://x.example/a?b=1&c=2>");
	ck_assert_str_eq(render_link(r, 0), "https://x.example/a?b=1&c=2");
	ck_assert_str_eq(render_value(r, 0, RENDER_DIFF, RENDER_TEXT), "Changes:\n-old\n+new\n\n");
	ck_assert_str_eq(render_value(r, 0, RENDER_ID, RENDER_TEXT), "evt_01");
	ck_assert_str_eq(render_value(r, 0, RENDER_PUBLISHED, RENDER_TEXT), "2019-10-24");
	ck_assert(render_top_score(r, 0) > 0.81 && render_top_score(r, 0) < 0.83);
	ck_assert_int_eq((long)render_time(r, 0), 1571898701L);
	ck_assert_str_eq(render_value(r, 5, RENDER_TITLE, RENDER_TEXT), "");
	render_free(r);
}
END_TEST

/*
 * Plain text (mail, chat summaries) escapes terminal controls, C1 and bidi
 * overrides from a hostile page; paragraphs keep their newlines; HTML and
 * the JSON body itself are not plain text and keep the characters.
 */
START_TEST(plain_text_escapes_controls_and_bidi)
{
	static const char hostile[] =
	    "{\"type\":\"statement.new\",\"id\":\"e\",\"source\":{\"id\":\"s\"},"
	    "\"item\":{\"url\":\"https://x.example/\\u001b[2J\",\"title\":\"\\u001b[2J\\u001b[1;"
	    "31mAlert\\u009b0m \\u202etxt.exe\\nForged: line\","
	    "\"excerpt\":\"para one\\n\\u001b]0;title\\u0007para\\u2066two\"}}";
	struct render_events *r = parse(hostile);
	struct buf body;

	ck_assert_str_eq(render_value(r, 0, RENDER_TITLE, RENDER_TEXT),
			 "\\x1b[2J\\x1b[1;31mAlert\\u{009B}0m \\u{202E}txt.exe\\x0aForged: line");
	ck_assert_str_eq(render_value(r, 0, RENDER_EXCERPT, RENDER_TEXT),
			 "para one\n\\x1b]0;title\\x07para\\u{2066}two");
	ck_assert_str_eq(render_value(r, 0, RENDER_URL, RENDER_TEXT), "https://x.example/\\x1b[2J");
	buf_init(&body);
	render_body(r, NULL, RENDER_TEXT, &body);
	ck_assert_ptr_null(strchr(buf_str(&body), 0x1b));
	ck_assert_ptr_null(strstr(buf_str(&body), "\xe2\x80\xae"));
	ck_assert_ptr_null(strstr(buf_str(&body), "\xc2\x9b"));
	buf_free(&body);
	render_free(r);
}
END_TEST

START_TEST(events_without_item_and_hostile_links)
{
	struct render_events *r = parse(bare_json);

	ck_assert_str_eq(render_value(r, 0, RENDER_TITLE, RENDER_TEXT), "source.failing mfa-ru");
	ck_assert_str_eq(render_value(r, 0, RENDER_PUBLISHED, RENDER_TEXT), "unknown");
	ck_assert_str_eq(render_value(r, 0, RENDER_ID, RENDER_TEXT), "evt_fallback");
	ck_assert_ptr_null(render_link(r, 0));
	ck_assert_str_eq(render_value(r, 0, RENDER_URL, RENDER_HTML), "javascript:alert(1)");
	ck_assert_ptr_null(strstr(render_value(r, 0, RENDER_URL, RENDER_MARKDOWN), "<java"));
	ck_assert_str_eq(render_value(r, 0, RENDER_DIFF, RENDER_TEXT), "");
	ck_assert(render_top_score(r, 0) == 0.);
	render_free(r);
}
END_TEST

/* A failing source says why; a test event says what it is; markup stays escaped. */
START_TEST(events_without_item_explain_themselves)
{
	struct render_events *r = parse("{\"type\":\"source.failing\",\"source\":{\"id\":\"s\"},"
					"\"failures\":3,\"error\":\"HTTP 503 <b>\"}");

	ck_assert_str_eq(render_value(r, 0, RENDER_EXCERPT, RENDER_TEXT),
			 "Last error: HTTP 503 <b>");
	ck_assert_str_eq(render_value(r, 0, RENDER_EXCERPT, RENDER_HTML),
			 "Last error: HTTP 503 &lt;b&gt;");
	render_free(r);
	r = parse("{\"type\":\"test\",\"source\":{\"id\":\"speechwatch\"},"
		  "\"message\":\"speechwatch test event\"}");
	ck_assert_str_eq(render_value(r, 0, RENDER_EXCERPT, RENDER_TEXT), "speechwatch test event");
	render_free(r);
}
END_TEST

START_TEST(subject_single_digest_and_cut)
{
	char *digest = xasprintf("[%s,%s]", event_json, bare_json);
	struct render_events *r = parse(event_json), *d = parse(digest);
	struct render_tmpl *t = render_tmpl_compile("{type}: {title}", NULL, 0);
	struct buf b;

	buf_init(&b);
	render_subject(r, NULL, 300, &b);
	ck_assert_str_eq(buf_str(&b), "[speechwatch] Cyber <b>sovereignty</b> & *you* — Cyber, un");
	buf_reset(&b);
	render_subject(r, t, 300, &b);
	ck_assert_str_eq(buf_str(&b), "statement.new: Cyber <b>sovereignty</b> & *you*");
	buf_reset(&b);
	render_subject(r, t, 20, &b);
	ck_assert_str_eq(buf_str(&b), "statement.new: Cyber…");
	buf_reset(&b);
	ck_assert(render_is_digest(d));
	ck_assert_uint_eq(render_count(d), 2);
	render_subject(d, t, 300, &b);
	ck_assert_str_eq(buf_str(&b), "[speechwatch] 2 alerts: Cyber <b>sovereignty</b> & *you*; "
				      "source.failing mfa-ru");
	buf_free(&b);
	render_tmpl_free(t);
	render_free(r);
	render_free(d);
	free(digest);
}
END_TEST

START_TEST(digest_body_separates_events)
{
	char *digest = xasprintf("[%s,%s]", event_json, bare_json);
	struct render_events *d = parse(digest);
	struct render_tmpl *t = render_tmpl_compile("<{title}>", NULL, 0);
	struct buf b;

	buf_init(&b);
	render_body(d, t, RENDER_TEXT, &b);
	ck_assert_str_eq(buf_str(&b), "<Cyber <b>sovereignty</b> & *you*>\n"
				      "==============================================\n\n"
				      "<source.failing mfa-ru>");
	buf_reset(&b);
	render_body(d, t, RENDER_HTML, &b);
	ck_assert_str_eq(buf_str(&b), "&lt;Cyber &lt;b&gt;sovereignty&lt;/b&gt; &amp; *you*&gt;"
				      "<hr>&lt;source.failing mfa-ru&gt;");
	buf_reset(&b);
	render_body(d, t, RENDER_MARKDOWN, &b);
	ck_assert_str_eq(buf_str(&b), "<Cyber \\<b\\>sovereignty\\</b\\> & \\*you\\*>\n---\n\n"
				      "<source.failing mfa-ru>");
	buf_reset(&b);
	render_body(d, NULL, RENDER_TEXT, &b);
	ck_assert_ptr_nonnull(strstr(buf_str(&b), "Link:      https://x.example/a?b=1&c=2\n"));
	ck_assert_ptr_nonnull(strstr(buf_str(&b), "speechwatch statement.new evt_01\n"));
	ck_assert_ptr_nonnull(strstr(buf_str(&b), "speechwatch source.failing evt_fallback\n"));
	buf_free(&b);
	render_tmpl_free(t);
	render_free(d);
	free(digest);
}
END_TEST

START_TEST(cut_keeps_characters_whole)
{
	struct buf b;

	buf_init(&b);
	buf_append_str(&b, "аб"); /* 4 bytes */
	render_cut(&b, 3);
	ck_assert_str_eq(buf_str(&b), "а…");
	buf_reset(&b);
	buf_append_str(&b, "abc");
	render_cut(&b, 3);
	ck_assert_str_eq(buf_str(&b), "abc");
	buf_reset(&b);
	render_markdown_escape(&b, "a_b [c](d) `e` #f |g ~h \\");
	ck_assert_str_eq(buf_str(&b), "a\\_b \\[c\\](d) \\`e\\` \\#f \\|g \\~h \\\\");
	buf_reset(&b);
	html_escape(&b, "<a href='x'>&\"\x01");
	ck_assert_str_eq(buf_str(&b), "&lt;a href=&#39;x&#39;&gt;&amp;&quot;\xef\xbf\xbd");
	buf_free(&b);
}
END_TEST

START_TEST(templates)
{
	char err[512] = "";
	const char *vals[RENDER_FIELDS] = {0};
	struct render_tmpl *t;
	struct buf b;

	ck_assert_ptr_null(render_tmpl_compile("Hello {nope}", err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "unknown placeholder {nope}"));
	ck_assert_ptr_nonnull(strstr(err, "{title} {themes}"));
	ck_assert_ptr_null(render_tmpl_compile("Hello {title", err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "unclosed"));
	ck_assert_ptr_null(render_tmpl_compile("{}", err, sizeof(err)));

	t = render_tmpl_compile("{{x}} <{title}> — {themes}{id}", err, sizeof(err));
	ck_assert_msg(t != NULL, "%s", err);
	ck_assert(render_tmpl_uses(t, RENDER_TITLE));
	ck_assert(!render_tmpl_uses(t, RENDER_DIFF));
	vals[RENDER_TITLE] = "T&C";
	vals[RENDER_THEMES] = "Cyber";
	buf_init(&b);
	render_tmpl_apply(t, vals, RENDER_TEXT, &b);
	ck_assert_str_eq(buf_str(&b), "{x} <T&C> — Cyber");
	buf_reset(&b);
	render_tmpl_apply(t, vals, RENDER_HTML, &b);
	ck_assert_str_eq(buf_str(&b), "{x} &lt;T&C&gt; — Cyber"); /* values are HTML already */
	buf_free(&b);
	render_tmpl_free(t);
	for (int f = 0; f < RENDER_FIELDS; f++) {
		char *s = xasprintf("{%s}", render_field_name((enum render_field)f));

		t = render_tmpl_compile(s, err, sizeof(err));
		ck_assert_msg(t != NULL, "%s: %s", s, err);
		render_tmpl_free(t);
		free(s);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("render");
	TCase *tc = tcase_create("render");

	tcase_add_test(tc, bodies_that_are_not_events_are_refused);
	tcase_add_test(tc, fields_in_three_formats);
	tcase_add_test(tc, plain_text_escapes_controls_and_bidi);
	tcase_add_test(tc, events_without_item_and_hostile_links);
	tcase_add_test(tc, events_without_item_explain_themselves);
	tcase_add_test(tc, subject_single_digest_and_cut);
	tcase_add_test(tc, digest_body_separates_events);
	tcase_add_test(tc, cut_keeps_characters_whole);
	tcase_add_test(tc, templates);
	suite_add_tcase(s, tc);
	return testutil_run(s);
}
