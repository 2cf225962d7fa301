#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/themes/text.h"
#include "common/buf.h"
#include "tests/unit/testutil.h"

/* The tokens of s, folded and stemmed for lang, joined by '|'; sentence ends as '#'. */
static char *tokens(const char *s, enum text_lang lang)
{
	struct stemmer *st = stem_new(lang);
	struct text_scan sc;
	struct text_span sp;
	enum text_event ev;
	struct buf out, w;

	buf_init(&out);
	buf_init(&w);
	text_scan_init(&sc, s, strlen(s));
	while ((ev = text_scan_next(&sc, &sp)) != TEXT_END) {
		const char *t;
		size_t n;
		if (ev == TEXT_BOUNDARY) {
			buf_append_str(&out, "#");
			continue;
		}
		buf_reset(&w);
		text_fold_token(s + sp.start, sp.end - sp.start, &w);
		t = stem_word(st, buf_str(&w), w.len, &n);
		if (out.len && out.data[out.len - 1] != '#')
			buf_append_char(&out, '|');
		buf_append(&out, t, n);
	}
	stem_free(st);
	buf_free(&w);
	return buf_steal(&out);
}

#define TOKENS_EQ(s, lang, want)                                                                   \
	do {                                                                                       \
		char *got_ = tokens(s, lang);                                                      \
		ck_assert_str_eq(got_, want);                                                      \
		free(got_);                                                                        \
	} while (0)

START_TEST(normalize_nfkc_casefold)
{
	char *s;
	size_t n;

	s = text_normalize("ＣＹＢＥＲ Ｓｏｖｅｒｅｉｇｎｔｙ",
			   strlen("ＣＹＢＥＲ Ｓｏｖｅｒｅｉｇｎｔｙ"), &n);
	ck_assert_str_eq(s, "cyber sovereignty");
	ck_assert_uint_eq(n, strlen("cyber sovereignty"));
	free(s);
	s = text_normalize("Straße ﬁnance ÉTAT", strlen("Straße ﬁnance ÉTAT"), NULL);
	ck_assert_str_eq(s, "strasse finance état");
	free(s);
	s = text_normalize("ПРАВА Человека", strlen("ПРАВА Человека"), NULL);
	ck_assert_str_eq(s, "права человека");
	free(s);
	/* invalid UTF-8 becomes U+FFFD instead of failing */
	s = text_normalize("a\xff"
			   "b\xc3",
			   4, &n);
	ck_assert_str_eq(s, "a\xef\xbf\xbd"
			    "b\xef\xbf\xbd");
	free(s);
	s = text_normalize("", 0, &n);
	ck_assert_str_eq(s, "");
	ck_assert_uint_eq(n, 0);
	free(s);
}
END_TEST

START_TEST(tokenize_latin_words)
{
	TOKENS_EQ("China's non-interference, U.N. 5G!", TEXT_LANG_UND,
		  "china|s|non|interference|u|n|5g#");
	TOKENS_EQ("  l'Organisation   mondiale  ", TEXT_LANG_UND, "l|organisation|mondiale#");
	/* a soft hyphen inside a word does not split it */
	TOKENS_EQ("sover\xc2\xad"
		  "eignty",
		  TEXT_LANG_UND, "sovereignty#");
	TOKENS_EQ("", TEXT_LANG_UND, "");
	TOKENS_EQ("...", TEXT_LANG_UND, "");
}
END_TEST

START_TEST(tokenize_cjk_and_cyrillic)
{
	TOKENS_EQ("尊重网络主权。", TEXT_LANG_ZH, "尊|重|网|络|主|权#");
	TOKENS_EQ("5G网络", TEXT_LANG_ZH, "5g|网|络#");
	TOKENS_EQ("サイバー空間", TEXT_LANG_JA, "サ|イ|バ|ー|空|間#");
	TOKENS_EQ("Информационная безопасность", TEXT_LANG_UND, "информационная|безопасность#");
	ck_assert(text_token_is_cjk("网", 3));
	ck_assert(!text_token_is_cjk("ab", 2));
}
END_TEST

START_TEST(stemming_per_language)
{
	TOKENS_EQ("Sovereignty sovereignties countries", TEXT_LANG_EN,
		  "sovereignti|sovereignti|countri#");
	/* stemming keeps "sovereign" apart from "sovereignty" */
	TOKENS_EQ("sovereign", TEXT_LANG_EN, "sovereign#");
	TOKENS_EQ("информационной безопасности", TEXT_LANG_RU, "информацион|безопасн#");
	TOKENS_EQ("информационная безопасность", TEXT_LANG_RU, "информацион|безопасн#");
	TOKENS_EQ("souveraineté numériques", TEXT_LANG_FR, "souverainet|numer#");
	TOKENS_EQ("網絡", TEXT_LANG_ZH, "網|絡#");
	ck_assert_ptr_null(stem_new(TEXT_LANG_ZH));
}
END_TEST

static size_t sentences(const char *s, struct text_span **v)
{
	return text_sentences(s, strlen(s), v);
}

START_TEST(sentence_split)
{
	const char *s = "Mr. Wang spoke. The U.S. delegation agreed! Did it? \"Yes.\" And e.g. "
			"this stays";
	struct text_span *v;
	size_t n = sentences(s, &v);

	ck_assert_uint_eq(n, 5);
	ck_assert_int_eq(strncmp(s + v[0].start, "Mr. Wang spoke.", v[0].end - v[0].start), 0);
	ck_assert_uint_eq(v[0].end - v[0].start, strlen("Mr. Wang spoke."));
	ck_assert_int_eq(strncmp(s + v[1].start, "The U.S. delegation agreed!", 27), 0);
	ck_assert_uint_eq(v[3].end - v[3].start, strlen("\"Yes.\""));
	ck_assert_int_eq(strncmp(s + v[4].start, "And e.g. this stays", 19), 0);
	free(v);

	s = "女士们，先生们：\n我们主张尊重网络主权。各国应当加强合作！";
	n = sentences(s, &v);
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(strncmp(s + v[1].start, "我们主张尊重网络主权。", v[1].end - v[1].start),
			 0);
	free(v);

	/* a line break ends a sentence unless the next line goes on in lower case */
	s = "Thank you, Chair\nWe meet today\nin difficult times\n\nand then";
	n = sentences(s, &v);
	ck_assert_uint_eq(n, 3);
	ck_assert_uint_eq(v[1].end - v[1].start, strlen("We meet today\nin difficult times"));
	free(v);

	ck_assert_uint_eq(sentences("", &v), 0);
	ck_assert_uint_eq(sentences("   \n\n ", &v), 0);
	ck_assert_uint_eq(sentences("3.5 percent. No. 5 is here.", &v), 2);
	free(v);
}
END_TEST

START_TEST(language_identification)
{
	const char *en = "The government of China is committed to the security of cyberspace and "
			 "we will work with all countries.";
	const char *fr = "La France est attachée à la souveraineté numérique et nous sommes prêts "
			 "à travailler avec les partenaires.";
	const char *es = "El gobierno de España está comprometido con la seguridad y los derechos "
			 "humanos, como siempre.";
	const char *de = "Die Bundesregierung ist der Sicherheit verpflichtet und wir werden mit "
			 "allen Partnern arbeiten.";
	const char *ru = "Россия выступает за международную информационную безопасность.";
	const char *zh = "中国一贯主张尊重网络主权，反对网络霸权。";
	const char *ar = "تدعو الصين إلى احترام السيادة السيبرانية لجميع الدول.";
	const char *ja = "日本はサイバー空間の安全を重視しています。";

	ck_assert_str_eq(text_lang_code(text_detect_language(en, strlen(en), NULL)), "en");
	ck_assert_str_eq(text_lang_code(text_detect_language(fr, strlen(fr), NULL)), "fr");
	ck_assert_str_eq(text_lang_code(text_detect_language(es, strlen(es), NULL)), "es");
	ck_assert_str_eq(text_lang_code(text_detect_language(de, strlen(de), NULL)), "de");
	ck_assert_str_eq(text_lang_code(text_detect_language(ru, strlen(ru), NULL)), "ru");
	ck_assert_str_eq(text_lang_code(text_detect_language(zh, strlen(zh), NULL)), "zh");
	ck_assert_str_eq(text_lang_code(text_detect_language(ar, strlen(ar), NULL)), "ar");
	ck_assert_str_eq(text_lang_code(text_detect_language(ja, strlen(ja), NULL)), "ja");
	/* a hint wins when the script agrees, not when it contradicts the text */
	ck_assert_str_eq(text_lang_code(text_detect_language(en, strlen(en), "fr-FR")), "fr");
	ck_assert_str_eq(text_lang_code(text_detect_language(zh, strlen(zh), "en")), "zh");
	ck_assert_str_eq(text_lang_code(text_detect_language("", 0, "zh_CN")), "zh");
	ck_assert_str_eq(text_lang_code(text_detect_language("12345", 5, NULL)), "und");
	ck_assert_int_eq(text_lang_from_tag("RU"), TEXT_LANG_RU);
	ck_assert_int_eq(text_lang_from_tag("xx"), TEXT_LANG_UND);
	ck_assert_int_eq(text_lang_from_tag(NULL), TEXT_LANG_UND);
}
END_TEST

/*
 * Short Latin-script paragraphs: Spanish used to read as French because
 * its most frequent words (la, de, en) were only on the French list.
 */
START_TEST(language_identification_short_latin)
{
	static const char *const cases[][2] = {
	    {"es", "Todo individuo tiene derecho a la vida, a la libertad y a la seguridad de su "
		   "persona. Nadie será sometido a torturas ni a penas o tratos crueles."},
	    {"es", "La delegación de Cuba rechaza la injerencia en los asuntos internos."},
	    {"fr", "Tout individu a droit à la vie, à la liberté et à la sûreté de sa personne."},
	    {"fr", "La France condamne la violation de la souveraineté de l'Ukraine."},
	    {"pt", "A delegação do Brasil defende a reforma do Conselho de Segurança."},
	    {"it", "La posizione dell'Italia sulla riforma del Consiglio di Sicurezza."},
	    {"en", "No deal on trade at the summit"},
	    {"en", "A new era for the region"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *got =
		    text_lang_code(text_detect_language(cases[i][1], strlen(cases[i][1]), NULL));
		ck_assert_msg(strcmp(got, cases[i][0]) == 0, "%s detected as %s: %s", cases[i][0],
			      got, cases[i][1]);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("text");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, normalize_nfkc_casefold);
	tcase_add_test(tc, tokenize_latin_words);
	tcase_add_test(tc, tokenize_cjk_and_cyrillic);
	tcase_add_test(tc, stemming_per_language);
	tcase_add_test(tc, sentence_split);
	tcase_add_test(tc, language_identification);
	tcase_add_test(tc, language_identification_short_latin);
	suite_add_tcase(s, tc);
	return testutil_run(s);
}
