/*
 * daemon/event: the event JSON of docs/events.md — the fields and their
 * order, ids, the 300-character excerpt, themes with evidence, and diff only
 * for statement.changed. The JSON is what a signature covers, so it must be
 * the same bytes for the same inputs.
 */
#include <check.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/themes/themes.h"
#include "daemon/event.h"
#include "daemon/store.h"
#include "tests/unit/testutil.h"

#define ID "evt_abcdefghijklmnopqrstuvwxyz"
#define WHEN 1764480701.75 /* 2025-11-30T05:31:41Z and a fraction */

static char url[] = "https://a.example/s/1", final_url[] = "https://a.example/s/1?r=1";
static char title[] = "Remarks \"on\" cyberspace", published[] = "2025-11-30", lang[] = "en";
static char raw_sha[] = "9f86d081", text_sha[] = "60303ae2";

/* An item whose strings are this file's (text: the caller's, may be NULL). */
static struct store_item item_of(char *text)
{
	struct store_item it;

	memset(&it, 0, sizeof(it));
	it.url = url;
	it.final_url = final_url;
	it.title = title;
	it.published = published;
	it.language = lang;
	it.words = 812;
	it.raw_sha256 = raw_sha;
	it.text_sha256 = text_sha;
	it.text = text;
	it.fetched_at = 1764480700;
	return it;
}

/* The same, with a copy of text to free after. */
static struct store_item item_with(const char *text)
{
	return item_of(strdup(text));
}

/* Parses json, failing the test if it is not an object. Caller decrefs. */
static json_t *parse(const char *json)
{
	json_error_t e;
	json_t *o = json_loads(json, 0, &e);

	ck_assert_msg(o != NULL && json_is_object(o), "not a JSON object: %s (%s)", json, e.text);
	return o;
}

static const char *str_at(json_t *o, const char *path)
{
	json_t *v = o;
	char key[64];

	for (const char *p = path; v && *p;) {
		size_t n = strcspn(p, ".");

		snprintf(key, sizeof(key), "%.*s", (int)n, p);
		v = json_object_get(v, key);
		p += n + (p[n] == '.');
	}
	ck_assert_msg(v != NULL && json_is_string(v), "%s is not a string", path);
	return json_string_value(v);
}

/* The keys of o, in order, joined by ','. */
static void keys_of(json_t *o, char *out, size_t len)
{
	const char *k;
	json_t *v;

	out[0] = '\0';
	json_object_foreach(o, k, v)
	{
		(void)v;
		if (out[0])
			strncat(out, ",", len - strlen(out) - 1);
		strncat(out, k, len - strlen(out) - 1);
	}
}

/* Length in characters of the excerpt made from text. */
static size_t excerpt_chars(const char *text, char **excerpt)
{
	struct store_item it = item_with(text);
	char *json = event_statement_json(ID, "statement.new", WHEN, "s", "u", &it, NULL, NULL);
	json_t *o = parse(json);
	const char *e = str_at(o, "item.excerpt");
	size_t n = 0;

	for (const char *p = e; *p; p++)
		n += ((unsigned char)*p & 0xC0) != 0x80;
	*excerpt = strdup(e);
	json_decref(o);
	free(json);
	free(it.text);
	return n;
}

START_TEST(ids_are_evt_and_26_base32_characters)
{
	char ids[200][EVENT_ID_LEN + 1];

	for (int i = 0; i < 200; i++) {
		event_new_id(ids[i]);
		ck_assert_uint_eq(strlen(ids[i]), EVENT_ID_LEN);
		ck_assert_int_eq(strncmp(ids[i], "evt_", 4), 0);
		ck_assert_uint_eq(strspn(ids[i] + 4, "abcdefghijklmnopqrstuvwxyz234567"), 26);
		for (int j = 0; j < i; j++)
			ck_assert_str_ne(ids[i], ids[j]);
	}
}
END_TEST

START_TEST(times_are_utc_seconds)
{
	char out[32];

	event_format_time(0, out, sizeof(out));
	ck_assert_str_eq(out, "1970-01-01T00:00:00Z");
	event_format_time(WHEN, out, sizeof(out));
	ck_assert_str_eq(out, "2025-11-30T05:31:41Z");
}
END_TEST

START_TEST(statement_new_has_the_documented_fields_in_order)
{
	struct store_item it = item_with("First paragraph.\nSecond paragraph.");
	char *json = event_statement_json(ID, "statement.new", WHEN, "mfa", "https://a.example/",
					  &it, NULL, NULL);
	json_t *o = parse(json);
	char keys[256];

	keys_of(o, keys, sizeof(keys));
	ck_assert_str_eq(keys, "type,id,detected_at,source,item,themes");
	ck_assert_str_eq(str_at(o, "type"), "statement.new");
	ck_assert_str_eq(str_at(o, "id"), ID);
	ck_assert_str_eq(str_at(o, "detected_at"), "2025-11-30T05:31:41Z");
	ck_assert_str_eq(str_at(o, "source.id"), "mfa");
	ck_assert_str_eq(str_at(o, "source.url"), "https://a.example/");
	keys_of(json_object_get(o, "item"), keys, sizeof(keys));
	ck_assert_str_eq(keys, "url,final_url,title,published,language,words,format,excerpt,"
			       "sha256,fetched_at");
	ck_assert_str_eq(str_at(o, "item.format"), "html");
	ck_assert_str_eq(str_at(o, "item.url"), "https://a.example/s/1");
	ck_assert_str_eq(str_at(o, "item.final_url"), "https://a.example/s/1?r=1");
	ck_assert_str_eq(str_at(o, "item.title"), "Remarks \"on\" cyberspace");
	ck_assert_str_eq(str_at(o, "item.published"), "2025-11-30");
	ck_assert_str_eq(str_at(o, "item.language"), "en");
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(o, "item"), "words")),
			 812);
	ck_assert_str_eq(str_at(o, "item.excerpt"), "First paragraph. Second paragraph.");
	ck_assert_str_eq(str_at(o, "item.sha256.raw"), "9f86d081");
	ck_assert_str_eq(str_at(o, "item.sha256.text"), "60303ae2");
	ck_assert_str_eq(str_at(o, "item.fetched_at"), "2025-11-30T05:31:40Z");
	ck_assert(json_is_array(json_object_get(o, "themes")));
	ck_assert_uint_eq(json_array_size(json_object_get(o, "themes")), 0);
	ck_assert_ptr_null(json_object_get(o, "diff"));
	ck_assert_ptr_null(strchr(json, '\n')); /* one line on stdout */
	json_decref(o);
	free(json);
	free(it.text);
}
END_TEST

START_TEST(missing_item_fields_are_null_or_empty)
{
	struct store_item it;
	char *json;
	json_t *o, *item;

	memset(&it, 0, sizeof(it));
	it.url = url;
	json = event_statement_json(ID, "statement.new", WHEN, "s", "u", &it, NULL, NULL);
	o = parse(json);
	item = json_object_get(o, "item");
	ck_assert(json_is_null(json_object_get(item, "final_url")));
	ck_assert(json_is_null(json_object_get(item, "published")));
	ck_assert(json_is_null(json_object_get(item, "language")));
	ck_assert_str_eq(str_at(o, "item.title"), "");
	ck_assert_str_eq(str_at(o, "item.excerpt"), "");
	ck_assert(json_is_null(json_object_get(json_object_get(item, "sha256"), "raw")));
	ck_assert(json_is_null(json_object_get(json_object_get(item, "sha256"), "text")));
	json_decref(o);
	free(json);
}
END_TEST

START_TEST(excerpt_is_300_characters_not_bytes)
{
	static const char *const glyph[] = {"a", "\xc3\xa9", "\xe4\xb8\xad", "\xf0\x9f\x8c\x8d"};
	char *text, *e;

	for (int g = 0; g < 4; g++) {
		size_t gl = strlen(glyph[g]);

		text = calloc(400 * gl + 1, 1);
		for (int i = 0; i < 400; i++)
			memcpy(text + i * gl, glyph[g], gl);
		ck_assert_uint_eq(excerpt_chars(text, &e), 300);
		ck_assert_uint_eq(strlen(e), 300 * gl); /* never a cut character */
		free(e);
		free(text);
	}
	ck_assert_uint_eq(excerpt_chars("short", &e), 5);
	ck_assert_str_eq(e, "short");
	free(e);
}
END_TEST

START_TEST(excerpt_joins_paragraphs_with_one_space)
{
	char *e;

	excerpt_chars("\nOne.\nTwo.\n\nThree.", &e);
	ck_assert_str_eq(e, "One. Two. Three.");
	free(e);
}
END_TEST

static struct theme_score score_of(const char *id, double score, int above)
{
	struct theme_score t;

	memset(&t, 0, sizeof(t));
	t.id = id;
	t.label = id;
	t.score = score;
	t.above = above;
	return t;
}

static char ev0[] = "We respect cyber sovereignty.", ev1[] = "No hegemony in cyberspace.";

START_TEST(themes_list_those_above_threshold_with_evidence)
{
	struct theme_score t[3];
	struct theme_result r;
	struct store_item it = item_with("text");
	char *json;
	json_t *o, *arr, *first;

	t[0] = score_of("cyber", 0.82349, 1);
	t[0].label = "Cyber sovereignty";
	t[0].evidence[0] = ev0;
	t[0].evidence[1] = ev1;
	t[0].nevidence = 2;
	t[1] = score_of("trade", 0.2, 0); /* below its threshold */
	t[2] = score_of("climate", 0.5, 1);
	memset(&r, 0, sizeof(r));
	r.themes = t;
	r.nthemes = 3;
	json = event_statement_json(ID, "statement.new", WHEN, "s", "u", &it, &r, NULL);
	o = parse(json);
	arr = json_object_get(o, "themes");
	ck_assert_uint_eq(json_array_size(arr), 2);
	first = json_array_get(arr, 0);
	ck_assert_str_eq(json_string_value(json_object_get(first, "id")), "cyber");
	ck_assert_str_eq(json_string_value(json_object_get(first, "label")), "Cyber sovereignty");
	ck_assert(json_real_value(json_object_get(first, "score")) == 0.823);
	ck_assert_uint_eq(json_array_size(json_object_get(first, "evidence")), 2);
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(first, "evidence"), 1)),
			 "No hegemony in cyberspace.");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(arr, 1), "id")),
			 "climate");
	ck_assert_uint_eq(json_array_size(json_object_get(json_array_get(arr, 1), "evidence")), 0);
	json_decref(o);
	free(json);
	free(it.text);
}
END_TEST

/* A theme that one segment of a long text carried says which; the others say nothing. */
START_TEST(theme_carried_by_a_segment_names_it)
{
	struct theme_score t[2];
	struct theme_result r;
	struct store_item it = item_with("text");
	char start[] = "Q: What is your view of cyber sovereignty?";
	char *json;
	json_t *o, *arr, *seg;

	t[0] = score_of("cyber", 0.45, 1);
	t[0].by_segment = 1;
	t[0].segment = 3;
	t[0].segment_start = start;
	t[1] = score_of("climate", 0.5, 1);
	memset(&r, 0, sizeof(r));
	r.themes = t;
	r.nthemes = 2;
	json = event_statement_json(ID, "statement.new", WHEN, "s", "u", &it, &r, NULL);
	o = parse(json);
	arr = json_object_get(o, "themes");
	seg = json_object_get(json_array_get(arr, 0), "segment");
	ck_assert_ptr_nonnull(seg);
	ck_assert_int_eq(json_integer_value(json_object_get(seg, "index")), 3);
	ck_assert_str_eq(json_string_value(json_object_get(seg, "start")), start);
	ck_assert_ptr_null(json_object_get(json_array_get(arr, 1), "segment"));
	json_decref(o);
	free(json);
	free(it.text);
}
END_TEST

START_TEST(diff_only_for_statement_changed)
{
	struct store_item it = item_with("new text");
	const char *diff = "--- before\n+++ after\n@@ -1 +1 @@\n-old text\n+new text\n";
	char *json = event_statement_json(ID, "statement.changed", WHEN, "s", "u", &it, NULL, diff);
	json_t *o = parse(json);
	char keys[256];

	ck_assert_str_eq(str_at(o, "type"), "statement.changed");
	ck_assert_str_eq(str_at(o, "diff"), diff);
	keys_of(o, keys, sizeof(keys));
	ck_assert_str_eq(keys, "type,id,detected_at,source,item,themes,diff");
	ck_assert_ptr_null(strchr(json, '\n')); /* the diff's newlines are escaped */
	json_decref(o);
	free(json);
	free(it.text);
}
END_TEST

START_TEST(same_inputs_same_bytes)
{
	struct store_item it = item_with("Some text.");
	char *a = event_statement_json(ID, "statement.new", WHEN, "s", "u", &it, NULL, NULL);
	char *b = event_statement_json(ID, "statement.new", WHEN, "s", "u", &it, NULL, NULL);

	ck_assert_str_eq(a, b);
	free(a);
	free(b);
	free(it.text);
}
END_TEST

START_TEST(source_failing_and_recovered)
{
	char *json = event_source_json(ID, "source.failing", WHEN, "mid", "https://mid.example/", 5,
				       "HTTP 503", NULL);
	json_t *o = parse(json);
	char keys[256];

	keys_of(o, keys, sizeof(keys));
	ck_assert_str_eq(keys, "type,id,detected_at,source,failures,error");
	ck_assert_str_eq(str_at(o, "type"), "source.failing");
	ck_assert_int_eq(json_integer_value(json_object_get(o, "failures")), 5);
	ck_assert_str_eq(str_at(o, "error"), "HTTP 503");
	ck_assert_str_eq(str_at(o, "source.url"), "https://mid.example/");
	json_decref(o);
	free(json);
	json = event_source_json(ID, "source.recovered", WHEN, "mid", "https://mid.example/", 0,
				 NULL, NULL);
	o = parse(json);
	ck_assert_int_eq(json_integer_value(json_object_get(o, "failures")), 0);
	ck_assert(json_is_null(json_object_get(o, "error")));
	json_decref(o);
	free(json);
}
END_TEST

/* A failing source says why in a word a receiver can switch on (issue 15). */
START_TEST(source_failing_has_a_reason)
{
	char *json =
	    event_source_json(ID, "source.failing", WHEN, "mid", "https://mid.example/", 5,
			      "the list yielded no items", event_fail_reason("empty-list"));
	json_t *o = parse(json);
	char keys[256];

	keys_of(o, keys, sizeof(keys));
	ck_assert_str_eq(keys, "type,id,detected_at,source,failures,error,reason");
	ck_assert_str_eq(str_at(o, "reason"), "selector-no-match");
	json_decref(o);
	free(json);
	ck_assert_str_eq(event_fail_reason("items-rejected"), "items-rejected");
	ck_assert_str_eq(event_fail_reason("timeout"), "timeout");
	ck_assert_ptr_null(event_fail_reason(NULL));
}
END_TEST

/* source.changed: the counts, one example move, and a message the text channels can show. */
START_TEST(source_changed_counts_and_example)
{
	char *json =
	    event_source_changed_json(ID, WHEN, "mid", "https://mid.example/", 20, 21,
				      "https://mid.example/a/1", "https://u:p@mid.example/b/1");
	json_t *o = parse(json);
	char keys[256];

	keys_of(o, keys, sizeof(keys));
	ck_assert_str_eq(keys, "type,id,detected_at,source,reason,moved,new_items,example,message");
	ck_assert_str_eq(str_at(o, "type"), "source.changed");
	ck_assert_str_eq(str_at(o, "reason"), "urls-moved");
	ck_assert_int_eq(json_integer_value(json_object_get(o, "moved")), 20);
	ck_assert_int_eq(json_integer_value(json_object_get(o, "new_items")), 21);
	ck_assert_str_eq(str_at(o, "example.old_url"), "https://mid.example/a/1");
	ck_assert_str_eq(str_at(o, "example.new_url"), "https://mid.example/b/1");
	ck_assert_ptr_nonnull(strstr(str_at(o, "message"), "20 of the 21 new items"));
	ck_assert_ptr_null(strstr(json, "u:p@"));
	json_decref(o);
	free(json);
}
END_TEST

/* "user:password@" in a source's url is for its requests, never in an event. */
START_TEST(urls_in_events_carry_no_credentials)
{
	char secret_url[] = "https://alice:s3cret@a.example/s/1";
	char secret_final[] = "https://alice:s3cret@a.example/s/1?r=1";
	struct store_item it = item_of(NULL);
	char *json;
	json_t *o;

	it.url = secret_url;
	it.final_url = secret_final;
	json = event_statement_json(ID, "statement.new", WHEN, "s",
				    "https://alice:s3cret@a.example/list", &it, NULL, NULL);
	ck_assert_ptr_null(strstr(json, "s3cret"));
	o = parse(json);
	ck_assert_str_eq(str_at(o, "source.url"), "https://a.example/list");
	ck_assert_str_eq(str_at(o, "item.url"), "https://a.example/s/1");
	ck_assert_str_eq(str_at(o, "item.final_url"), "https://a.example/s/1?r=1");
	json_decref(o);
	free(json);
	json = event_source_json(ID, "source.failing", WHEN, "s", "http://tok@a.example/", 1,
				 "cannot fetch http://alice:s3cret@a.example/list", NULL);
	o = parse(json);
	ck_assert_str_eq(str_at(o, "source.url"), "http://a.example/");
	ck_assert_str_eq(str_at(o, "error"), "cannot fetch http://alice:***@a.example/list");
	json_decref(o);
	free(json);
}
END_TEST

START_TEST(test_event)
{
	char *json = event_test_json(ID, WHEN, "analysts");
	json_t *o = parse(json);
	char keys[256];

	keys_of(o, keys, sizeof(keys));
	ck_assert_str_eq(keys, "type,id,detected_at,source,channel,message");
	ck_assert_str_eq(str_at(o, "type"), "test");
	ck_assert_str_eq(str_at(o, "source.id"), "speechwatch");
	ck_assert_str_eq(str_at(o, "source.url"), "");
	ck_assert_str_eq(str_at(o, "channel"), "analysts");
	ck_assert_str_eq(str_at(o, "message"), "speechwatch test event");
	json_decref(o);
	free(json);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("event");
	TCase *tc = tcase_create("json");

	tcase_add_test(tc, ids_are_evt_and_26_base32_characters);
	tcase_add_test(tc, times_are_utc_seconds);
	tcase_add_test(tc, statement_new_has_the_documented_fields_in_order);
	tcase_add_test(tc, missing_item_fields_are_null_or_empty);
	tcase_add_test(tc, excerpt_is_300_characters_not_bytes);
	tcase_add_test(tc, excerpt_joins_paragraphs_with_one_space);
	tcase_add_test(tc, themes_list_those_above_threshold_with_evidence);
	tcase_add_test(tc, theme_carried_by_a_segment_names_it);
	tcase_add_test(tc, diff_only_for_statement_changed);
	tcase_add_test(tc, same_inputs_same_bytes);
	tcase_add_test(tc, source_failing_and_recovered);
	tcase_add_test(tc, source_failing_has_a_reason);
	tcase_add_test(tc, source_changed_counts_and_example);
	tcase_add_test(tc, urls_in_events_carry_no_credentials);
	tcase_add_test(tc, test_event);
	suite_add_tcase(s, tc);
	return testutil_run(s);
}
