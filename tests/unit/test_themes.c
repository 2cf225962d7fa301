#include <check.h>
#include <jansson.h>
#include <libxml/HTMLparser.h>
#include <libxml/xpath.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyze/themes/ahocorasick.h"
#include "analyze/themes/themes.h"
#include "common/buf.h"
#include "tests/unit/testutil.h"
#include "common/xmalloc.h"
#include "daemon/themeset.h"

/*
 * Returns the compiled themes of a theme file or string, or NULL (err
 * filled), through the product's own reader: config_load, then
 * themeset_compile. A string is written to a private temporary file first.
 */
static struct themes *test_themes_compile(const char *path, const char *string, char *err,
					  size_t errlen)
{
	char tmp[] = "/tmp/sw-test-themes-XXXXXX";
	struct themes *th;

	if (path == NULL) {
		int fd = mkstemp(tmp);
		size_t len = strlen(string);

		ck_assert_int_ge(fd, 0);
		ck_assert_int_eq(write(fd, string, len), (ssize_t)len);
		close(fd);
	}
	th = themeset_load(path ? path : tmp, err, errlen);
	if (path == NULL)
		unlink(tmp);
	return th;
}

#define HAS_CLASS(c) "contains(concat(' ',normalize-space(@class),' '),' " c " ')"

static const char *body_xpath(const char *path)
{
	if (strstr(path, "mfa-en/"))
		return "//div[" HAS_CLASS("content_mod") "]/div[" HAS_CLASS("content") "]";
	if (strstr(path, "mfa-zh/"))
		return "//div[" HAS_CLASS("news-main") "]";
	if (strstr(path, "fcdo-atom/"))
		return "//div[" HAS_CLASS("govspeak") "]";
	return "//div[" HAS_CLASS("entry-content") "]";
}

/* The body's paragraphs joined by blank lines, or NULL. */
static char *fixture_text(const char *path)
{
	size_t len;
	char *data = testutil_slurp(path, &len);
	htmlDocPtr doc;
	xmlXPathContextPtr ctx;
	xmlXPathObjectPtr o;
	struct buf b;

	if (!data)
		return NULL;
	doc = htmlReadMemory(data, (int)len, NULL, NULL,
			     HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
				 HTML_PARSE_RECOVER);
	free(data);
	if (!doc)
		return NULL;
	buf_init(&b);
	ctx = xmlXPathNewContext(doc);
	o = xmlXPathEvalExpression((const xmlChar *)body_xpath(path), ctx);
	if (o && o->nodesetval && o->nodesetval->nodeNr > 0) {
		xmlNodePtr body = o->nodesetval->nodeTab[0];
		xmlXPathObjectPtr ps;
		ctx->node = body;
		ps = xmlXPathEvalExpression((const xmlChar *)".//p", ctx);
		for (int i = 0; ps && ps->nodesetval && i < ps->nodesetval->nodeNr; i++) {
			xmlChar *t = xmlNodeGetContent(ps->nodesetval->nodeTab[i]);
			if (t) {
				buf_append_str(&b, (const char *)t);
				buf_append_str(&b, "\n\n");
				xmlFree(t);
			}
		}
		xmlXPathFreeObject(ps);
	}
	xmlXPathFreeObject(o);
	xmlXPathFreeContext(ctx);
	xmlFreeDoc(doc);
	return buf_steal(&b);
}

/* Where ../shared would be: its absence shows as a file that cannot be read. */
static const char *shared_dir(void)
{
	const char *s = testutil_shared_dir();
	return s ? s : "../shared";
}

/* Compiles one theme from phrases "W text" separated by '\n'. */
static struct themes *one_theme(const char *id, double threshold, const char *phrases,
				const char *requires, const char *excludes)
{
	struct buf ini;
	struct themes *th;
	char err[256];
	const char *p = phrases;

	buf_init(&ini);
	buf_printf(&ini, "[theme \"%s\"]\nthreshold = %g\n", id, threshold);
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		buf_append_str(&ini, "phrase = ");
		buf_append(&ini, p, n);
		buf_append_char(&ini, '\n');
		p += n + (nl != NULL);
	}
	if (requires)
		buf_printf(&ini, "requires = %s\n", requires);
	if (excludes)
		buf_printf(&ini, "excludes = %s\n", excludes);
	th = test_themes_compile(NULL, buf_str(&ini), err, sizeof(err));
	ck_assert_msg(th != NULL, "compile: %s", err);
	buf_free(&ini);
	return th;
}

static const struct theme_score *find(const struct theme_result *r, const char *id)
{
	for (size_t i = 0; i < r->nthemes; i++)
		if (strcmp(r->themes[i].id, id) == 0)
			return &r->themes[i];
	ck_abort_msg("theme %s missing", id);
	return NULL;
}

static double score_of(const struct themes *th, const char *id, const char *text)
{
	struct theme_result *r;
	double s;

	themes_score(th, text, strlen(text), NULL, &r);
	s = find(r, id)->score;
	theme_result_free(r);
	return s;
}

START_TEST(automaton_overlaps_and_edges)
{
	struct ac *ac = ac_new();
	const uint32_t he[] = {1, 2}, she[] = {3, 1, 2}, e[] = {2}, hers[] = {1, 2, 4};
	const uint32_t text[] = {3, 1, 2, 4, 9, 1, 2};
	uint32_t p_he = ac_add(ac, he, 2), p_she = ac_add(ac, she, 3), p_e = ac_add(ac, e, 1);
	uint32_t p_hers = ac_add(ac, hers, 3), st = AC_ROOT;
	int found[4][8] = {{0}};

	ck_assert_uint_eq(ac_add(ac, he, 2), p_he); /* the same sequence again */
	ck_assert_uint_eq(ac_npatterns(ac), 4);
	ac_build(ac);
	for (int i = 0; i < 7; i++) {
		st = ac_step(ac, st, text[i]);
		for (uint32_t s = ac_first_match(ac, st); s != AC_ROOT; s = ac_next_match(ac, s))
			found[ac_match_id(ac, s)][i] = 1;
	}
	/* "she", "he" and "e" all end at position 2: overlapping matches, longest first */
	ck_assert(found[p_she][2] && found[p_he][2] && found[p_e][2]);
	ck_assert(found[p_hers][3]);
	/* a pattern at the very end of the text */
	ck_assert(found[p_he][6] && found[p_e][6]);
	ck_assert(!found[p_she][6]);
	ck_assert_uint_eq(ac_pattern_len(ac, p_she), 3);
	/* the unknown symbol 0 resets to the root */
	ck_assert_uint_eq(ac_step(ac, ac_step(ac, AC_ROOT, 1), 0), AC_ROOT);
	ck_assert_uint_gt(ac_memory(ac), 0);
	ac_free(ac);
}
END_TEST

START_TEST(whole_tokens_and_stemming)
{
	struct themes *th = one_theme("t", 0.1, "3 sovereign\n3 cyber sovereignty", NULL, NULL);

	/* no "sovereign" inside "sovereignty"; the phrase matches inflected forms */
	ck_assert_double_eq(score_of(th, "t", "sovereignty alone"), 0);
	ck_assert_double_gt(score_of(th, "t", "Cyber Sovereignties matter."), 0);
	ck_assert_double_gt(score_of(th, "t", "A sovereign state."), 0);
	ck_assert_double_eq(score_of(th, "t", "cybersovereignty"), 0);
	/* a phrase at the start and at the end of the text */
	ck_assert_double_gt(score_of(th, "t", "cyber sovereignty"), 0);
	ck_assert_double_gt(score_of(th, "t", "we respect cyber sovereignty"), 0);
	/* never across a sentence end */
	ck_assert_double_eq(score_of(th, "t", "We like cyber. Sovereignty is old."), 0);
	themes_free(th);

	th = one_theme("zh", 0.1, "3 网络主权\n2 суверенитет в информационном пространстве", NULL,
		       NULL);
	ck_assert_double_gt(score_of(th, "zh", "我们主张尊重网络主权。"), 0);
	ck_assert_double_eq(score_of(th, "zh", "网络主体。"), 0);
	ck_assert_double_gt(
	    score_of(th, "zh", "Россия за суверенитет в информационном пространстве."), 0);
	ck_assert_double_gt(
	    score_of(th, "zh", "Мы говорим о суверенитете в информационном пространстве."), 0);
	themes_free(th);
}
END_TEST

START_TEST(negative_weights_and_containment)
{
	struct themes *th = one_theme("t", 0.1, "2 sovereign\n-3 sovereign debt", NULL, NULL);
	struct theme_result *r;
	const char *text = "The sovereign debt. Sovereign debt.";

	/* the longer, negative phrase speaks for the place it covers */
	ck_assert_double_eq(score_of(th, "t", "The sovereign debt crisis."), 0);
	ck_assert_double_gt(score_of(th, "t", "The sovereign state."), 0);
	themes_score(th, text, strlen(text), NULL, &r);
	ck_assert_double_eq(r->themes[0].score, 0);
	ck_assert(!r->themes[0].above);
	ck_assert_uint_eq(r->themes[0].nevidence, 0);
	theme_result_free(r);
	themes_free(th);
}
END_TEST

START_TEST(proximity_rules)
{
	struct themes *th = one_theme("t", 0.1, "2 sovereignty", "cyberspace within 5 words",
				      "debt within 3 words");
	struct themes *any = one_theme("t", 0.1, "2 sovereignty", "internet", NULL);
	char err[256];
	struct theme_def bad = {.id = "x", .threshold = 0.5};
	const char *spec[] = {"cyberspace within many words"};

	ck_assert_double_gt(score_of(th, "t", "sovereignty in cyberspace"), 0);
	ck_assert_double_gt(score_of(th, "t", "cyberspace and its sovereignty"), 0);
	ck_assert_double_eq(score_of(th, "t",
				     "sovereignty of states over land sea air and then "
				     "cyberspace"),
			    0);
	ck_assert_double_eq(score_of(th, "t", "sovereignty"), 0);
	/* excludes: debt near it cancels, debt far away does not */
	ck_assert_double_eq(score_of(th, "t", "cyberspace sovereignty debt"), 0);
	ck_assert_double_gt(score_of(th, "t", "cyberspace sovereignty is not about a debt"), 0);
	/* requires without a distance: anywhere in the text */
	ck_assert_double_gt(score_of(any, "t", "Sovereignty. Much later, the internet."), 0);
	ck_assert_double_eq(score_of(any, "t", "Sovereignty. Much later, the web."), 0);
	themes_free(th);
	themes_free(any);
	bad.requires = spec;
	bad.nrequires = 1;
	ck_assert_ptr_null(themes_compile(&bad, 1, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "requires 1"));
}
END_TEST

START_TEST(score_monotone_and_comparable)
{
	struct themes *th =
	    one_theme("t", 0.3, "3 climate change\n2 paris agreement\n1 emissions", NULL, NULL);
	struct buf b;
	double prev = 0, s, short_s, long_s;

	/* more evidence, higher score; always within [0,1] */
	buf_init(&b);
	for (int i = 0; i < 30; i++) {
		buf_append_str(&b, i % 3 == 0	? "Climate change is real. "
				   : i % 3 == 1 ? "The Paris Agreement holds. "
						: "Emissions fall. ");
		s = score_of(th, "t", buf_str(&b));
		ck_assert_double_ge(s, prev);
		ck_assert_double_le(s, 1.0);
		prev = s;
	}
	/* the same evidence diluted in a much longer text scores lower, not zero */
	short_s = score_of(th, "t", "Climate change and the Paris Agreement.");
	buf_reset(&b);
	buf_append_str(&b, "Climate change and the Paris Agreement. ");
	for (int i = 0; i < 400; i++)
		buf_append_str(&b, "We discussed many other matters today. ");
	long_s = score_of(th, "t", buf_str(&b));
	ck_assert_double_gt(short_s, long_s);
	ck_assert_double_gt(long_s, 0);
	/* a short text is not rewarded for being very short */
	ck_assert_double_eq(score_of(th, "t", "Climate change."),
			    score_of(th, "t", "On climate change, we spoke at length today."));
	buf_free(&b);
	themes_free(th);
}
END_TEST

START_TEST(evidence_order_and_trim)
{
	struct themes *th = one_theme("t", 0.1, "1 trade\n3 world trade organization", NULL, NULL);
	struct theme_result *r;
	struct buf b;
	const struct theme_score *ts;
	char *json;
	json_t *root;

	buf_init(&b);
	buf_append_str(&b, "Trade matters. The World Trade Organization must be reformed. Indeed ");
	buf_append_str(&b, "trade,   trade and trade ");
	for (int i = 0; i < 30; i++)
		buf_append_str(&b, "we   spoke of things ");
	buf_append_str(&b, "ends here. Trade again. Trade once more.");
	themes_score(th, b.data, b.len, "en", &r);
	ts = find(r, "t");
	ck_assert_uint_eq(ts->nevidence, 3);
	ck_assert_str_eq(ts->evidence[0], "The World Trade Organization must be reformed.");
	/* the long sentence (damped repetitions) is trimmed at a character boundary */
	ck_assert_int_eq(strncmp(ts->evidence[1], "Indeed trade, trade and trade we spoke", 38), 0);
	ck_assert_ptr_nonnull(strstr(ts->evidence[1], "\xe2\x80\xa6"));
	ck_assert_str_eq(ts->evidence[2], "Trade matters.");
	json = themes_result_json(r, 0);
	root = json_loads(json, 0, NULL);
	ck_assert_ptr_nonnull(root);
	ck_assert_str_eq(json_string_value(json_object_get(root, "language")), "en");
	ck_assert_int_eq(json_integer_value(json_object_get(root, "words")), (json_int_t)r->words);
	ck_assert(json_is_true(
	    json_object_get(json_array_get(json_object_get(root, "themes"), 0), "above")));
	json_decref(root);
	free(json);
	json = themes_result_jsonl(r, "doc-1");
	ck_assert_ptr_nonnull(strstr(json, "\"labels\":[\"t\"]"));
	ck_assert_ptr_nonnull(strstr(json, "\"id\":\"doc-1\""));
	free(json);
	theme_result_free(r);
	buf_free(&b);
	themes_free(th);
}
END_TEST

START_TEST(evidence_counts_characters)
{
	struct themes *th = one_theme("t", 0.1, "3 网络主权", NULL, NULL);
	struct theme_result *r;
	struct buf b;
	size_t chars = 0;
	const char *e;

	buf_init(&b);
	buf_append_str(&b, "网络主权");
	for (int i = 0; i < 400; i++)
		buf_append_str(&b, "和");
	buf_append_str(&b, "。");
	themes_score(th, b.data, b.len, NULL, &r);
	ck_assert_uint_eq(r->themes[0].nevidence, 1);
	e = r->themes[0].evidence[0];
	for (const char *p = e; *p; p++)
		chars += ((unsigned char)*p & 0xc0) != 0x80;
	ck_assert_uint_eq(chars, THEMES_EVIDENCE_CHARS);
	ck_assert_str_eq(r->language, "zh");
	theme_result_free(r);
	buf_free(&b);
	themes_free(th);
}
END_TEST

START_TEST(compile_errors)
{
	char err[256];
	struct theme_phrase empty = {1, "  ...  ", NULL};
	struct theme_def d[2] = {{.id = "a", .threshold = 0.5, .phrases = &empty, .nphrases = 1},
				 {.id = "a", .threshold = 0.5}};

	ck_assert_ptr_null(themes_compile(d, 1, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "no words"));
	d[0].nphrases = 0;
	ck_assert_ptr_null(themes_compile(d, 2, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "defined twice"));
	d[0].threshold = 1.5;
	ck_assert_ptr_null(themes_compile(d, 1, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "threshold"));
}
END_TEST

START_TEST(learn_round_trip)
{
	struct buf in, out;
	struct themes *th;
	char err[256];
	struct learn_opts o;

	buf_init(&in);
	buf_init(&out);
	for (int i = 0; i < 60; i++) {
		buf_printf(&in,
			   "{\"id\":\"c%d\",\"text\":\"Climate change and carbon emissions "
			   "threaten island %d.\",\"labels\":[\"Climate\"]}\n",
			   i, i);
		buf_printf(&in,
			   "{\"id\":\"t%d\",\"text\":\"Tariffs and the trade deficit hurt "
			   "exporters in port %d.\",\"labels\":[\"Foreign Trade\"]}\n",
			   i, i);
		buf_printf(&in,
			   "{\"id\":\"o%d\",\"text\":\"Thank you and good night %d.\","
			   "\"labels\":[\"Other\"]}\n",
			   i, i);
	}
	learn_opts_default(&o);
	o.ignore = (const char *const[]){"Other"};
	o.nignore = 1;
	ck_assert_int_eq(learn_from_jsonl(in.data, in.len, &o, &out, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(out.data, "[theme \"foreign-trade\"]"));
	ck_assert_ptr_nonnull(strstr(out.data, "label = Foreign Trade"));
	ck_assert_ptr_null(strstr(out.data, "[theme \"other\"]"));
	th = test_themes_compile(NULL, out.data, err, sizeof(err));
	ck_assert_msg(th != NULL, "%s", err);
	ck_assert_double_gt(score_of(th, "climate", "Emissions and climate change."),
			    score_of(th, "foreign-trade", "Emissions and climate change."));
	{
		struct theme_result *r;
		themes_score(th, "New tariffs on exporters.", strlen("New tariffs on exporters."),
			     NULL, &r);
		ck_assert_str_eq(r->themes[0].id, "foreign-trade");
		ck_assert(r->themes[0].above);
		theme_result_free(r);
	}
	themes_free(th);
	buf_reset(&out);
	ck_assert_int_eq(learn_from_jsonl("{\"text\":1}\n", 11, NULL, &out, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "line 1"));
	ck_assert_int_eq(learn_from_jsonl("", 0, NULL, &out, err, sizeof(err)), -1);
	buf_free(&in);
	buf_free(&out);
}
END_TEST

/*
 * The result lists every theme: scored ones by score (ties by id), then
 * the rest by id, whether they had no hit or only counter-evidence;
 * evidence only for themes above threshold.
 */
START_TEST(result_order_and_evidence_policy)
{
	const char *ini = "[theme \"zeta\"]\nthreshold = 0.2\nphrase = 3 tariffs\n"
			  "[theme \"delta\"]\nthreshold = 0.9\nphrase = 1 tariffs\n"
			  "[theme \"beta\"]\nphrase = 2 climate\n"
			  "[theme \"alpha\"]\nphrase = 2 ocean\nphrase = -3 tariffs\n"
			  "[theme \"gamma\"]\nthreshold = 0.2\nphrase = 3 tariffs\n"
			  "[theme \"epsilon\"]\nphrase = 2 forests\n";
	const char *want[] = {"gamma", "zeta", "delta", "alpha", "beta", "epsilon"};
	const char *text = "We oppose tariffs. New tariffs hurt everyone.";
	struct theme_result *r;
	char err[256];
	struct themes *th = test_themes_compile(NULL, ini, err, sizeof(err));

	ck_assert_msg(th != NULL, "%s", err);
	themes_score(th, text, strlen(text), "en", &r);
	ck_assert_uint_eq(r->nthemes, 6);
	for (size_t i = 0; i < 6; i++)
		ck_assert_str_eq(r->themes[i].id, want[i]);
	ck_assert_double_eq(r->themes[0].score, r->themes[1].score);
	ck_assert(r->themes[0].above && r->themes[1].above);
	ck_assert_uint_eq(r->themes[0].nevidence, 2);
	ck_assert_str_eq(r->themes[0].evidence[0], "We oppose tariffs.");
	/* scored but below its threshold: no evidence */
	ck_assert(r->themes[2].score > 0 && !r->themes[2].above);
	ck_assert_uint_eq(r->themes[2].nevidence, 0);
	/* only counter-evidence: score 0, listed among the zeros by id, hits kept */
	ck_assert_double_eq(r->themes[3].score, 0);
	ck_assert_uint_eq(r->themes[3].hits, 2);
	ck_assert_double_lt(r->themes[3].evidence_sum, 0);
	theme_result_free(r);
	/* empty text: every theme, in id order */
	themes_score(th, "", 0, NULL, &r);
	ck_assert_uint_eq(r->nthemes, 6);
	ck_assert_str_eq(r->themes[0].id, "alpha");
	ck_assert_str_eq(r->themes[5].id, "zeta");
	theme_result_free(r);
	themes_free(th);
}
END_TEST

/* A huge sentence is rendered from its start, cut to the evidence length. */
START_TEST(evidence_of_a_huge_sentence)
{
	const char *ini = "[theme \"t\"]\nthreshold = 0.01\nphrase = 3 tariffs\n";
	struct theme_result *r;
	struct buf b;
	char err[256];
	struct themes *th = test_themes_compile(NULL, ini, err, sizeof(err));

	ck_assert_msg(th != NULL, "%s", err);
	buf_init(&b);
	buf_append_str(&b, "Tariffs \xff and");
	for (int i = 0; i < 20000; i++)
		buf_append_str(&b, " more words");
	buf_append_str(&b, ".");
	themes_score(th, b.data, b.len, "en", &r);
	ck_assert_uint_eq(r->themes[0].nevidence, 1);
	ck_assert_int_eq(strncmp(r->themes[0].evidence[0],
				 "Tariffs \xef\xbf\xbd and more words more",
				 strlen("Tariffs \xef\xbf\xbd and more words more")),
			 0);
	ck_assert_ptr_nonnull(strstr(r->themes[0].evidence[0], "\xe2\x80\xa6"));
	ck_assert_uint_le(strlen(r->themes[0].evidence[0]), THEMES_EVIDENCE_CHARS + 4);
	theme_result_free(r);
	buf_free(&b);
	themes_free(th);
}
END_TEST

/* Two small labels for the learner tests. */
static const char *const farm[] = {"Farmers need crop prices.", "The harvest helps farmers.",
				   "Crop insurance for farmers.", "A poor harvest of every crop."};
static const char *const space[] = {"The rocket reached orbit.", "A satellite in orbit.",
				    "Rocket and satellite launch.", "Astronauts orbit the moon."};

/* Few examples still give every label a theme; other labels' words become counter-evidence. */
START_TEST(learn_small_data_and_counter_evidence)
{
	struct buf in, out;
	char err[256];
	struct themes *th;
	struct theme_result *r;

	buf_init(&in);
	buf_init(&out);
	for (int i = 0; i < 4; i++) {
		buf_printf(&in, "{\"text\":\"%s\",\"labels\":[\"farm\"]}\n", farm[i]);
		buf_printf(&in, "{\"text\":\"%s\",\"labels\":[\"space\"]}\n", space[i]);
	}
	ck_assert_int_eq(learn_from_jsonl(in.data, in.len, NULL, &out, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(out.data, "[theme \"farm\"]"));
	ck_assert_ptr_nonnull(strstr(out.data, "[theme \"space\"]"));
	ck_assert_ptr_nonnull(strstr(out.data, "Single-label data"));
	ck_assert_ptr_nonnull(strstr(out.data, "phrase = -"));
	th = test_themes_compile(NULL, out.data, err, sizeof(err));
	ck_assert_msg(th != NULL, "%s", err);
	themes_score(th, "Farmers and the crop.", strlen("Farmers and the crop."), NULL, &r);
	ck_assert_str_eq(r->themes[0].id, "farm");
	ck_assert_double_eq(find(r, "space")->score, 0);
	theme_result_free(r);
	themes_free(th);
	buf_free(&in);
	buf_free(&out);
}
END_TEST

/*
 * A label whose two examples fall into the same inner fold is never seen in
 * cross-validation; its theme still fires, at the other themes' median
 * threshold (it used to get 1.0, a theme that can never be above).
 */
START_TEST(learn_untuned_label_gets_median_threshold)
{
	struct buf in, out;
	char err[256];
	struct themes *th;
	struct theme_result *r;
	const char *art;

	buf_init(&in);
	buf_init(&out);
	/* lines 0 and 5: the same fold of five, so no inner fold trains on them */
	buf_printf(&in, "{\"text\":\"Sculpture museums for all.\",\"labels\":[\"art\"]}\n");
	for (int i = 0; i < 4; i++) {
		buf_printf(&in, "{\"text\":\"%s\",\"labels\":[\"farm\"]}\n", farm[i]);
		if (i == 1)
			buf_printf(&in, "{\"text\":\"Sculpture museums open late.\","
					"\"labels\":[\"art\"]}\n");
		buf_printf(&in, "{\"text\":\"%s\",\"labels\":[\"space\"]}\n", space[i]);
	}
	ck_assert_int_eq(learn_from_jsonl(in.data, in.len, NULL, &out, err, sizeof(err)), 0);
	art = strstr(out.data, "[theme \"art\"]");
	ck_assert_ptr_nonnull(art);
	ck_assert_ptr_nonnull(strstr(art, "never found in cross-validation"));
	ck_assert_ptr_null(strstr(out.data, "threshold = 1.0000"));
	th = test_themes_compile(NULL, out.data, err, sizeof(err));
	ck_assert_msg(th != NULL, "%s", err);
	themes_score(th, "New sculpture museums.", strlen("New sculpture museums."), NULL, &r);
	ck_assert_str_eq(r->themes[0].id, "art");
	ck_assert(r->themes[0].above);
	theme_result_free(r);
	themes_free(th);
	buf_free(&in);
	buf_free(&out);
}
END_TEST

/*
 * Unique words from hostile pages must not grow the word cache without
 * bound: 12 MiB of distinct 60-letter words, then one 1 MiB word.
 */
START_TEST(word_cache_is_bounded)
{
	char err[256];
	struct themes *th = test_themes_compile(
	    NULL, "[theme \"cyber\"]\nphrase = 3 cyber sovereignty\n", err, sizeof(err));
	struct buf text;
	size_t word = 0, mem;

	ck_assert_msg(th != NULL, "%s", err);
	buf_init(&text);
	for (int round = 0; round < 6; round++) {
		buf_reset(&text);
		buf_append_str(&text, "Cyber sovereignty. ");
		while (text.len < (2u << 20)) {
			char w[61];
			size_t x = word++;
			for (int i = 0; i < 60; i++, x /= 26)
				w[i] = (char)('a' + x % 26);
			w[60] = ' ';
			buf_append(&text, w, sizeof(w));
		}
		ck_assert_double_gt(score_of(th, "cyber", buf_str(&text)), 0);
	}
	mem = themes_cache_memory(th);
	ck_assert_uint_gt(mem, 0);
	ck_assert_uint_lt(mem, 16u << 20);
	buf_reset(&text);
	buf_append_str(&text, "Cyber sovereignty ");
	for (size_t i = 0; i < (1u << 20); i++)
		buf_append_char(&text, 'q');
	ck_assert_double_gt(score_of(th, "cyber", buf_str(&text)), 0);
	ck_assert_uint_lt(themes_cache_memory(th), mem + 4096);
	buf_free(&text);
	themes_free(th);
}
END_TEST

/* Scores text with th; returns the scratch the call held at its peak. */
static size_t scratch_of(const struct themes *th, const char *text, double *score)
{
	struct theme_result *r;

	themes_score(th, text, strlen(text), NULL, &r);
	*score = r->themes[0].score;
	theme_result_free(r);
	return themes_scratch_memory(th);
}

/*
 * Issue 14 #19: nested phrases ("ab", "ab ab", ... 32 words) or many themes
 * with one common word made 1 MB of text hold 300 MB of phrase matches.
 * The matcher keeps one nested match per theme and word, and at most 2^20
 * a text: its working memory stays bounded.
 */
START_TEST(pathological_phrases_bound_the_scratch)
{
	struct buf ini, text;
	struct themes *th;
	char err[256];
	double score;

	buf_init(&ini);
	for (int t = 0; t < 4; t++) {
		buf_printf(&ini, "[theme \"nest%d\"]\nthreshold = 0.5\n", t);
		for (int k = 1; k <= 32; k++) {
			buf_append_str(&ini, "phrase = 1");
			for (int w = 0; w < k; w++)
				buf_append_str(&ini, " ab");
			buf_append_char(&ini, '\n');
		}
	}
	for (int t = 0; t < 60; t++)
		buf_printf(&ini, "[theme \"word%d\"]\nphrase = 1 ab\n", t);
	th = test_themes_compile(NULL, buf_str(&ini), err, sizeof(err));
	ck_assert_msg(th != NULL, "%s", err);
	buf_init(&text);
	while (text.len < (1u << 20))
		buf_append_str(&text, "ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab. ");
	ck_assert_uint_lt(scratch_of(th, buf_str(&text), &score), 40u << 20);
	ck_assert_double_gt(score, 0);
	buf_free(&text);
	buf_free(&ini);
	themes_free(th);
}
END_TEST

/*
 * A match left out because a longer one of its theme ends at the same word
 * is one scoring drops anyway; of two phrases with the same words, the
 * lower index counts, as before the bound: 2/1 + 2/2, not 3/1 + 3/2.
 */
START_TEST(contained_matches_left_out_score_the_same)
{
	struct themes *th =
	    one_theme("t", 0.01, "1 security\n2 cyber security\n3 cyber security", NULL, NULL);
	const char *text = "Cyber security first. Then cyber security again. Security.";
	struct theme_result *r;

	themes_score(th, text, strlen(text), NULL, &r);
	ck_assert_double_eq_tol(r->themes[0].evidence_sum, 2.0 + 1.0 + 1.0, 1e-9);
	ck_assert_uint_eq(r->themes[0].hits, 3);
	theme_result_free(r);
	themes_free(th);
}
END_TEST

/*
 * A daemon's statements keep bringing words never seen before (names,
 * numbers, dates) in several languages: the caches of every language
 * together stay within 12 MiB (about 8, checked every 1024 new words).
 */
START_TEST(word_caches_are_bounded_across_languages)
{
	static const char *const langs[] = {"en", "fr", "de", "es"};
	char err[256];
	struct themes *th = test_themes_compile(
	    NULL, "[theme \"cyber\"]\nphrase = 3 cyber sovereignty\n", err, sizeof(err));
	struct theme_result *r;
	struct buf text;
	size_t word = 0;

	ck_assert_msg(th != NULL, "%s", err);
	buf_init(&text);
	for (size_t l = 0; l < sizeof(langs) / sizeof(langs[0]); l++) {
		buf_reset(&text);
		buf_append_str(&text, "Cyber sovereignty. ");
		for (int i = 0; i < 150000; i++, word++) {
			char w[10];
			size_t x = word;

			for (int k = 0; k < 9; k++, x /= 26)
				w[k] = (char)('a' + x % 26);
			w[9] = ' ';
			buf_append(&text, w, sizeof(w));
		}
		ck_assert_int_eq(themes_score(th, text.data, text.len, langs[l], &r), 0);
		theme_result_free(r);
		ck_assert_msg(themes_cache_memory(th) <= (12u << 20), "%zu bytes after %s",
			      themes_cache_memory(th), langs[l]);
	}
	buf_free(&text);
	themes_free(th);
}
END_TEST

static struct themes *diplomacy_pack(void)
{
	char path[4096], err[512];
	struct themes *th;

	snprintf(path, sizeof(path), "%s/config/themes/diplomacy.conf", testutil_root_dir());
	th = test_themes_compile(path, NULL, err, sizeof(err));
	ck_assert_msg(th != NULL, "%s", err);
	return th;
}

START_TEST(pack_has_six_languages)
{
	struct themes *th = diplomacy_pack();
	struct theme_result *r;
	const char *samples[][2] = {
	    {"cyber-sovereignty", "We respect cyber sovereignty and sovereignty in cyberspace."},
	    {"cyber-sovereignty", "我们主张尊重网络主权，反对网络霸权。"},
	    {"cyber-sovereignty", "Мы отстаиваем суверенитет в информационном пространстве."},
	    {"cyber-sovereignty", "La France défend la souveraineté numérique européenne."},
	    {"cyber-sovereignty", "Defendemos la soberanía digital y la no injerencia en los "
				  "asuntos internos."},
	    {"cyber-sovereignty", "ندعو إلى احترام السيادة السيبرانية لجميع الدول."},
	    {"climate", "Le changement climatique et l'accord de Paris."},
	    {"arms-control", "Договор о нераспространении ядерного оружия и разоружение."},
	};

	ck_assert_uint_ge(themes_count(th), 14);
	ck_assert_uint_lt(themes_memory(th), 64u << 20);
	for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		themes_score(th, samples[i][1], strlen(samples[i][1]), NULL, &r);
		ck_assert_msg(strcmp(r->themes[0].id, samples[i][0]) == 0 && r->themes[0].above,
			      "%s: top %s %.2f", samples[i][1], r->themes[0].id,
			      r->themes[0].score);
		theme_result_free(r);
	}
	themes_free(th);
}
END_TEST

static int in_list(json_t *arr, const char *id)
{
	size_t i;
	json_t *v;

	json_array_foreach(arr, i, v) if (json_is_string(v) &&
					  strcmp(json_string_value(v), id) == 0) return 1;
	return 0;
}

START_TEST(fixture_articles_themes)
{
	char path[4096];
	json_t *exp, *articles, *ids, *a;
	const char *file;
	struct themes *th;
	size_t checked = 0;

	snprintf(path, sizeof(path), "%s/fixtures/site/expected.json", shared_dir());
	exp = json_load_file(path, 0, NULL);
	if (!exp) {
		printf("skipped: ../shared not found\n");
		return;
	}
	th = diplomacy_pack();
	articles = json_object_get(exp, "articles");
	ids = json_object_get(exp, "themes");
	json_object_foreach(articles, file, a)
	{
		json_t *want = json_object_get(a, "themes"),
		       *minor = json_object_get(a, "minor_themes");
		struct theme_result *r;
		char *text;
		size_t i;
		json_t *t;

		snprintf(path, sizeof(path), "%s/fixtures/site/%s", shared_dir(), file);
		text = fixture_text(path);
		ck_assert_msg(text && *text, "%s: no body text", file);
		themes_score(th, text, strlen(text), json_string_value(json_object_get(a, "lang")),
			     &r);
		json_array_foreach(ids, i, t)
		{
			const char *id = json_string_value(json_object_get(t, "id"));
			const struct theme_score *ts = find(r, id);
			if (in_list(want, id))
				ck_assert_msg(ts->above, "%s: %s %.3f below %.2f", file, id,
					      ts->score, ts->threshold);
			else if (!in_list(minor, id))
				ck_assert_msg(!ts->above, "%s: %s %.3f above %.2f", file, id,
					      ts->score, ts->threshold);
		}
		theme_result_free(r);
		free(text);
		checked++;
	}
	ck_assert_uint_ge(checked, 50);
	themes_free(th);
	json_decref(exp);
}
END_TEST

START_TEST(wang_lei_speech)
{
	char path[4096];
	struct themes *th;
	struct theme_result *r;
	char *text;
	const char *above[] = {"cyber-sovereignty", "cyber-norms-un", "supply-chain-5g"};
	const char *below[] = {"climate", "trade", "health"};

	snprintf(path, sizeof(path), "%s/fixtures/site/mfa-en/201910/t20191024_11000005.html",
		 shared_dir());
	text = fixture_text(path);
	if (!text) {
		printf("skipped: ../shared not found\n");
		return;
	}
	th = diplomacy_pack();
	themes_score(th, text, strlen(text), NULL, &r);
	ck_assert_str_eq(r->language, "en");
	ck_assert_uint_gt(r->words, 700);
	for (int i = 0; i < 3; i++) {
		const struct theme_score *ts = find(r, above[i]);
		ck_assert_msg(ts->above, "%s %.3f", above[i], ts->score);
		ck_assert_uint_ge(ts->nevidence, 1);
		ck_assert_uint_le(strlen(ts->evidence[0]), 4 * THEMES_EVIDENCE_CHARS);
		ck_assert_msg(!find(r, below[i])->above, "%s above", below[i]);
	}
	ck_assert_ptr_nonnull(strstr(find(r, "cyber-sovereignty")->evidence[0], "sovereignty"));
	theme_result_free(r);
	free(text);
	themes_free(th);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("themes");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, automaton_overlaps_and_edges);
	tcase_add_test(tc, whole_tokens_and_stemming);
	tcase_add_test(tc, negative_weights_and_containment);
	tcase_add_test(tc, proximity_rules);
	tcase_add_test(tc, score_monotone_and_comparable);
	tcase_add_test(tc, evidence_order_and_trim);
	tcase_add_test(tc, evidence_counts_characters);
	tcase_add_test(tc, compile_errors);
	tcase_add_test(tc, learn_round_trip);
	tcase_add_test(tc, result_order_and_evidence_policy);
	tcase_add_test(tc, evidence_of_a_huge_sentence);
	tcase_add_test(tc, learn_small_data_and_counter_evidence);
	tcase_add_test(tc, learn_untuned_label_gets_median_threshold);
	tcase_add_test(tc, word_cache_is_bounded);
	tcase_add_test(tc, pathological_phrases_bound_the_scratch);
	tcase_add_test(tc, contained_matches_left_out_score_the_same);
	tcase_add_test(tc, word_caches_are_bounded_across_languages);
	tcase_add_test(tc, pack_has_six_languages);
	tcase_add_test(tc, fixture_articles_themes);
	tcase_add_test(tc, wang_lei_speech);
	suite_add_tcase(s, tc);
	return testutil_run(s);
}
