#include <check.h>
#include <stdio.h>
#include <string.h>

#include "analyze/themes/themes.h"
#include "daemon/themeset.h"
#include "tests/unit/testutil.h"

/*
 * The diplomacy pack (config/themes/diplomacy.conf) on short statements of
 * the kinds that real ministry pages carry: regional security and alliances,
 * sanctions and countermeasures (read as trade), territorial disputes (read
 * as regional security, as the labelled statements tag them), forced labour, and
 * the false friends that used to fire the wrong theme (the Arms Trade Treaty
 * is not trade; "law enforcement agencies" alone is not cybercrime).
 */

static struct themes *pack;

static void load_pack(const char *name)
{
	char path[4096], err[512];

	snprintf(path, sizeof(path), "%s/config/themes/%s", testutil_root_dir(), name);
	pack = themeset_load(path, err, sizeof(err));
	ck_assert_msg(pack != NULL, "%s", err);
}

static void pack_setup(void)
{
	load_pack("diplomacy.conf");
}

static void consular_setup(void)
{
	load_pack("consular.conf");
}

static void pack_teardown(void)
{
	themes_free(pack);
	pack = NULL;
}

/* 1 when theme `id` reaches its threshold on `text`; *score gets its score. */
static int fires(const char *id, const char *text, double *score)
{
	struct theme_result *r;
	int above = 0;

	ck_assert_int_eq(themes_score(pack, text, strlen(text), NULL, &r), 0);
	*score = 0;
	for (size_t i = 0; i < r->nthemes; i++) {
		if (strcmp(r->themes[i].id, id) != 0)
			continue;
		*score = r->themes[i].score;
		above = r->themes[i].above;
	}
	theme_result_free(r);
	return above;
}

/* A statement, the theme it must carry and a theme it must not (or NULL). */
struct sample {
	const char *want;
	const char *not_want;
	const char *text;
};

static void check_samples(const struct sample *s, size_t n)
{
	double score;

	for (size_t i = 0; i < n; i++) {
		if (s[i].want)
			ck_assert_msg(fires(s[i].want, s[i].text, &score),
				      "%s not above (%.3f): %s", s[i].want, score, s[i].text);
		if (s[i].not_want)
			ck_assert_msg(!fires(s[i].not_want, s[i].text, &score),
				      "%s above (%.3f): %s", s[i].not_want, score, s[i].text);
	}
}

#define CHECK(arr) check_samples(arr, sizeof(arr) / sizeof(arr[0]))

START_TEST(alliances_and_peacekeeping_are_regional_security)
{
	static const struct sample s[] = {
	    {"regional-security", "cybercrime",
	     "At the request of the President of Kazakhstan, the CSTO sent collective "
	     "peacekeeping forces after mass riots and an attempted coup d'etat. The "
	     "peacekeepers will guard key facilities while the law enforcement agencies "
	     "restore order."},
	    {"regional-security", NULL,
	     "应哈萨克斯坦总统请求，集体安全条约组织派遣维和部队，协助平息骚乱。"},
	    {"regional-security", "cybercrime",
	     "По просьбе Президента Казахстана Организация Договора о коллективной "
	     "безопасности направила миротворческие силы после массовых беспорядков и "
	     "попытки государственного переворота; правоохранительные органы "
	     "восстанавливают порядок."},
	    {"regional-security", NULL,
	     "Les forces de maintien de la paix de l'OTSC ont été déployées au Kazakhstan "
	     "après des émeutes et une tentative de coup d'État."},
	    {"regional-security", NULL,
	     "La OTAN y el AUKUS alimentan la confrontación; la OCS defiende otro modelo."},
	};

	CHECK(s);
}
END_TEST

START_TEST(countermeasures_are_read_as_trade)
{
	static const struct sample s[] = {
	    {"trade", NULL,
	     "In response to the illegal unilateral sanctions, the government adopted "
	     "countermeasures: an import ban on agricultural products from the countries "
	     "concerned and an asset freeze."},
	    {"trade", NULL, "针对美方非法单边制裁，中方决定采取反制措施，冻结有关人员在华资产。"},
	    {"trade", NULL,
	     "В ответ на незаконные односторонние санкции правительство ввело ответные "
	     "меры: запрет на ввоз сельскохозяйственной продукции и заморозку активов."},
	    {"trade", NULL,
	     "En réponse aux sanctions unilatérales illégales, le gouvernement a adopté des "
	     "contre-mesures: une interdiction d'importation et le gel des avoirs."},
	    {"trade", NULL,
	     "The executive order freezes the government's assets in the United States. "
	     "Sanctions will never help resolve the issue."},
	    {NULL, "trade", "My plan would freeze all discretionary spending next year."},
	    {"trade", "multilateralism", "The US unilateral sanctions on Iranian oil."},
	    {"trade", "multilateralism", "Односторонние санкции против Ирана."},
	    {"trade", "multilateralism", "Les sanctions unilatérales contre l'Iran."},
	};

	CHECK(s);
}
END_TEST

START_TEST(arms_trade_treaty_is_arms_control_not_trade)
{
	static const struct sample s[] = {
	    {"arms-control", "trade",
	     "The Arms Trade Treaty regulates the exports and imports of conventional arms. "
	     "We call on all states to join the ATT."},
	    {"arms-control", "trade",
	     "中方正式加入《武器贸易条约》，将严格管控常规武器进出口贸易。"},
	    {"arms-control", "trade",
	     "Договор о торговле оружием регулирует экспорт и импорт обычных вооружений."},
	    {"arms-control", "trade",
	     "Le Traité sur le commerce des armes encadre les exportations et les "
	     "importations d'armes classiques."},
	};

	CHECK(s);
}
END_TEST

START_TEST(law_enforcement_alone_is_not_cybercrime)
{
	static const struct sample s[] = {
	    {NULL, "cybercrime", "The law enforcement agencies of Kazakhstan restored order."},
	    {NULL, "cybercrime", "Правоохранительные органы восстановили порядок в Алма-Ате."},
	    {NULL, "cybercrime",
	     "La directive encadre le traitement des données à caractère personnel par les "
	     "services répressifs, y compris l'accès aux preuves électroniques, dans le "
	     "respect de la protection des données."},
	    {NULL, "cybercrime", "哈萨克斯坦执法部门恢复了秩序。"},
	    {"cybercrime", NULL,
	     "Law enforcement agencies cooperate against ransomware and online fraud."},
	    {"cybercrime", NULL,
	     "Les services répressifs ont besoin des preuves électroniques pour poursuivre "
	     "les auteurs de cybercriminalité."},
	};

	CHECK(s);
}
END_TEST

START_TEST(inherent_territory_is_regional_security)
{
	static const struct sample s[] = {
	    {"regional-security", NULL,
	     "The Diaoyu Islands are China's inherent territory, and China has "
	     "indisputable sovereignty over the Xisha Islands."},
	    {"regional-security", NULL,
	     "钓鱼岛及其附属岛屿是中国固有领土，中国对西沙群岛拥有无可争辩的主权。"},
	    {"regional-security", NULL,
	     "Острова Дяоюйдао являются исконной территорией Китая; мы уважаем "
	     "территориальную целостность государств."},
	    {"regional-security", NULL,
	     "Les îles Diaoyu font partie du territoire inhérent de la Chine, qui a une "
	     "souveraineté incontestable sur les îles Xisha."},
	};

	CHECK(s);
}
END_TEST

START_TEST(forced_labour_is_human_rights)
{
	static const struct sample s[] = {
	    {"human-rights", NULL, "The allegations of forced labour are lies."},
	    {"human-rights", NULL, "They invented forced labor in cotton fields."},
	    {"human-rights", NULL, "所谓“强迫劳动”完全是谎言。"},
	    {"human-rights", NULL,
	     "Обвинения в принудительном труде не соответствуют действительности."},
	    {"human-rights", NULL, "Les allégations de travail forcé sont sans fondement."},
	};

	CHECK(s);
}
END_TEST

/*
 * A statement on one right often never says "human rights": torture, a fair
 * trial, freedom of religion or assembly are the subject in every language.
 */
START_TEST(named_rights_are_human_rights)
{
	static const struct sample s[] = {
	    {"human-rights", NULL,
	     "China opposes torture and guarantees the right to a fair trial and freedom of "
	     "religion."},
	    {"human-rights", NULL,
	     "La France condamne la torture et défend la liberté de réunion et le droit à un "
	     "procès équitable."},
	    {"human-rights", NULL,
	     "España condena la tortura y defiende la libertad de reunión y el derecho a un "
	     "juicio justo."},
	    {"human-rights", NULL,
	     "Россия осуждает пытки и защищает свободу собраний и право на справедливое "
	     "судебное разбирательство."},
	    {"human-rights", NULL, "中方反对酷刑，保障宗教自由和公正审判的权利。"},
	    {"human-rights", NULL, "تدين الدولة التعذيب وتكفل حرية الرأي والحق في محاكمة عادلة."},
	    {"human-rights", "trade",
	     "The transatlantic slave trade was a crime against humanity."},
	    {"human-rights", "trade", "Торговля людьми и рабство недопустимы."},
	};

	CHECK(s);
}
END_TEST

/*
 * False friends of trade: Spanish "protección" stems like "proteccionismo";
 * Arabic العقوبات is also "penalties", الواردات stems like الواردة ("contained
 * in").
 */
START_TEST(protection_and_penalties_are_not_trade)
{
	static const struct sample s[] = {
	    {NULL, "trade",
	     "El Estado garantiza la protección de la ley y la protección de la familia."},
	    {"trade", NULL,
	     "España rechaza el proteccionismo comercial y las medidas proteccionistas."},
	    {NULL, "trade", "يحظر القانون العقوبات القاسية والمعاملة المهينة."},
	    {NULL, "trade", "نحترم الحقوق الواردة في الدستور والالتزامات الواردة في المعاهدات."},
	    {"trade", NULL, "نرفض فرض العقوبات الأحادية على الدول النامية."},
	};

	CHECK(s);
}
END_TEST

/* A criminal charge or a penal offence is criminal justice, not cybercrime. */
START_TEST(criminal_justice_is_not_cybercrime)
{
	static const struct sample s[] = {
	    {NULL, "cybercrime",
	     "The court dismissed the criminal charge: no one may be convicted of a penal "
	     "offence without trial by the criminal courts."},
	    {"cybercrime", NULL,
	     "Criminal groups use ransomware; cybercrime is a criminal offence under the "
	     "penal code."},
	};

	CHECK(s);
}
END_TEST

/* "Maintien de la paix" is also the maintenance of peace in general. */
START_TEST(maintenance_of_peace_alone_is_not_peacekeeping)
{
	static const struct sample s[] = {
	    {NULL, "regional-security",
	     "Les Nations Unies œuvrent au maintien de la paix et au développement de "
	     "l'éducation."},
	    {NULL, "regional-security",
	     "Las Naciones Unidas trabajan por el mantenimiento de la paz y la educación."},
	    {"regional-security", NULL,
	     "Les casques bleus des opérations de maintien de la paix au Mali doivent être "
	     "protégés."},
	};

	CHECK(s);
}
END_TEST

/*
 * Words that share a stem or a name with a theme's term: "unilaterally"
 * (unilateralism), "annexed" (annexation), riot control agents (riots),
 * innovation alone (digital economy), checks and countermeasures (sanctions).
 */
START_TEST(general_words_are_not_themes)
{
	static const struct sample s[] = {
	    {NULL, "multilateralism",
	     "The United States withdrew from the treaty to seek military superiority "
	     "unilaterally."},
	    {"multilateralism", NULL, "China opposes unilateralism and protectionism."},
	    {NULL, "regional-security",
	     "The regulations annexed to this Act, and the list in its annex, apply to riot "
	     "control agents."},
	    {"regional-security", NULL,
	     "The illegal annexation of Crimea violates the territorial integrity of Ukraine."},
	    {NULL, "digital-economy",
	     "Innovation drives agricultural productivity in small farms."},
	    {NULL, "trade",
	     "The system of checks and countermeasures ensures that operators respect food law."},
	    {"trade", NULL, "China will take countermeasures against the sanctions."},
	};

	CHECK(s);
}
END_TEST

/*
 * Subjects named in laws, resolutions and development targets rather than
 * in a ministry's usual words.
 */
START_TEST(named_instruments_carry_their_theme)
{
	static const struct sample s[] = {
	    {"arms-control", NULL,
	     "No person shall produce chemical weapons or use riot control agents as a method "
	     "of warfare."},
	    {"arms-control", NULL, "任何人不得生产化学武器。"},
	    {"terrorism", NULL,
	     "The regulations implement Security Council resolution 1373 (2001)."},
	    {"human-rights", NULL,
	     "Le Canada condamne les violations graves et systématiques des droits de la "
	     "personne."},
	    {"human-rights", NULL, "Eliminate violence against women and child marriage."},
	    {"human-rights", NULL,
	     "Eliminar la violencia contra la mujer y el matrimonio infantil."},
	    {"trade", NULL,
	     "Eliminar las subvenciones a la exportación conforme a la Ronda de Doha."},
	};

	CHECK(s);
}
END_TEST

/*
 * Stem twins: "imports" stems like "important" and "importance" (en, fr, es),
 * "accountability" like "accounts", "adaptation" like "adapt", "extremism"
 * like "extreme" (en, es). Only forms the twin cannot take count.
 */
START_TEST(stem_twins_are_not_themes)
{
	static const struct sample s[] = {
	    {NULL, "trade", "It is important to stress the importance of this important meeting."},
	    {NULL, "trade", "Es importante subrayar la importancia de esta reunión."},
	    {"trade", NULL, "Imports and exports fell after the new import tariffs."},
	    {NULL, "human-rights",
	     "Twitter closed the accounts; the accounts were fake, and the company gave an "
	     "account of its reasons."},
	    {NULL, "climate", "The army must adapt, and the adaptation of training is needed."},
	    {"climate", NULL, "Adaptation to climate change needs finance."},
	    {NULL, "terrorism",
	     "Extreme weather and extreme poverty hit the poorest countries hardest."},
	    {NULL, "terrorism",
	     "La pobreza extrema y los fenómenos meteorológicos extremos afectan a los países "
	     "pobres."},
	};

	CHECK(s);
}
END_TEST

/*
 * Phrases that share a stem share a weight: "multilateral" is
 * "multilateralism" in four stemmers (the theme keeps the first phrase's
 * weight), so the multilateral trading system reads alike in every language;
 * Spanish and French TICE (the CTBT) stems like TIC (ICT).
 */
START_TEST(one_stem_one_weight)
{
	static const struct sample s[] = {
	    {NULL, "multilateralism", "We support the multilateral trading system."},
	    {NULL, "multilateralism", "Nous soutenons le système commercial multilatéral."},
	    {"multilateralism", NULL, "China firmly upholds multilateralism."},
	    {"multilateralism", NULL, "中国坚定维护多边主义。"},
	    {NULL, "arms-control", "Las TIC transforman la educación y la salud."},
	};

	CHECK(s);
}
END_TEST

/* Arabic stem twins: الرق (slavery) and الرقي (advancement), السل and السلة. */
START_TEST(arabic_stem_twins_are_not_themes)
{
	static const struct sample s[] = {
	    {NULL, "human-rights", "نعمل على الرقي بالعلاقات الثنائية إلى مستوى جديد."},
	    {"human-rights", NULL, "يحظر الاسترقاق والاستعباد بجميع صورهما."},
	};

	CHECK(s);
}
END_TEST

/* Crime in cyberspace and money laundering in the words each language uses. */
START_TEST(cybercrime_in_every_language)
{
	static const struct sample s[] = {
	    {"cybercrime", NULL,
	     "La lutte contre la criminalité dans le cyberespace et le blanchiment de capitaux "
	     "exige une coopération."},
	    {"cybercrime", NULL,
	     "La lucha contra los delitos informáticos y el lavado de activos exige cooperación."},
	    {"cybercrime", NULL,
	     "Combating crime in cyberspace and money laundering needs cooperation."},
	};

	CHECK(s);
}
END_TEST

/* Arabic terms that the other five languages already had. */
START_TEST(arabic_has_the_terms_of_the_other_languages)
{
	static const struct sample s[] = {
	    {"arms-control", NULL,
	     "أجرت الولايات المتحدة تجربة صاروخية بعد انسحابها من معاهدة القوى النووية متوسطة "
	     "المدى."},
	    {"regional-security", NULL,
	     "إن مبيعات الأسلحة إلى تايوان تهدد السلام والاستقرار في المنطقة."},
	};

	CHECK(s);
}
END_TEST

/*
 * The consular pack (config/themes/consular.conf): travel advice and
 * consular assistance in the six languages; an embassy and a visa in a
 * report on something else are not consular affairs.
 */
START_TEST(consular_notices_are_consular)
{
	static const struct sample s[] = {
	    {"consular", NULL,
	     "The ministry advises citizens to avoid non-essential travel to the region; the "
	     "embassy provides consular assistance."},
	    {"consular", NULL,
	     "外交部提醒中国公民暂勿前往该国，如遇紧急情况请联系使馆寻求领事协助。"},
	    {"consular", NULL,
	     "Le ministère invite les Français de l'étranger à suivre les conseils aux "
	     "voyageurs."},
	    {"consular", NULL,
	     "МИД рекомендует гражданам воздержаться от поездок; посольство оказывает "
	     "консульскую помощь."},
	    {"consular", NULL,
	     "La embajada presta asistencia consular a los ciudadanos en el exterior."},
	    {"consular", NULL, "تقدم السفارة المساعدة القنصلية للمواطنين في الخارج."},
	    {NULL, "consular",
	     "The minister met the ambassador at the embassy to discuss trade; the visa of "
	     "the delegation was issued."},
	};

	CHECK(s);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("pack");
	TCase *tc = tcase_create("diplomacy");

	tcase_add_checked_fixture(tc, pack_setup, pack_teardown);
	tcase_add_test(tc, alliances_and_peacekeeping_are_regional_security);
	tcase_add_test(tc, countermeasures_are_read_as_trade);
	tcase_add_test(tc, arms_trade_treaty_is_arms_control_not_trade);
	tcase_add_test(tc, law_enforcement_alone_is_not_cybercrime);
	tcase_add_test(tc, inherent_territory_is_regional_security);
	tcase_add_test(tc, forced_labour_is_human_rights);
	tcase_add_test(tc, named_rights_are_human_rights);
	tcase_add_test(tc, protection_and_penalties_are_not_trade);
	tcase_add_test(tc, criminal_justice_is_not_cybercrime);
	tcase_add_test(tc, maintenance_of_peace_alone_is_not_peacekeeping);
	tcase_add_test(tc, general_words_are_not_themes);
	tcase_add_test(tc, named_instruments_carry_their_theme);
	tcase_add_test(tc, arabic_has_the_terms_of_the_other_languages);
	tcase_add_test(tc, stem_twins_are_not_themes);
	tcase_add_test(tc, one_stem_one_weight);
	tcase_add_test(tc, arabic_stem_twins_are_not_themes);
	tcase_add_test(tc, cybercrime_in_every_language);
	suite_add_tcase(s, tc);
	tc = tcase_create("consular");
	tcase_add_checked_fixture(tc, consular_setup, pack_teardown);
	tcase_add_test(tc, consular_notices_are_consular);
	suite_add_tcase(s, tc);
	return testutil_run(s);
}
