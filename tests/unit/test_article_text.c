/*
 * analyze/article, the main text in layouts the first rules did not know
 * (issue 15): pages with no main text (a headline only, a link to a PDF
 * next to a sidebar of names), documents that are no web page,
 * standfirsts, bodies built from <br> breaks and the tag, category and
 * share lines after a body.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/HTMLparser.h>

#include "analyze/article/article.h"
#include "analyze/page/page.h"
#include "common/buf.h"
#include "common/xmalloc.h"
#include "tests/unit/testutil.h"

#define LOREM                                                                                      \
	"The delegation discussed cooperation on trade, climate and security, and agreed "         \
	"that regular consultations should continue at the working level next year. "

#define MENU                                                                                       \
	"<div id=top><ul><li><a href=/>Home</a></li><li><a href=/gov>Government</a></li>"          \
	"<li><a href=/news>News</a></li><li><a href=/speeches>Speeches</a></li></ul></div>"

#define FOOTER                                                                                     \
	"<div id=bottom><p>Services of the Prime Minister, Yaounde</p>"                            \
	"<p><a href=/contact>Contact</a> | <a href=/legal>Legal notice</a></p></div>"

/* A sidebar of names and offices, one per line, longer than any statement. */
#define MEMBER(name, office) "<li>" name ", " office "</li>"
#define MEMBERS                                                                                    \
	"<div class=col-right><h3>Members of the Government</h3><ul>" MEMBER(                      \
	    "Joseph Ngute", "Prime Minister, Head of Government")                                  \
	    MEMBER("Ferdinand Ngoh", "Minister of State, Secretary General of the Presidency")     \
		MEMBER("Laurent Esso",                                                             \
		       "Minister of State, Minister of Justice, Keeper of the Seals")              \
		    MEMBER("Paul Atanga",                                                          \
			   "Minister of State, Minister of Territorial Administration")            \
			MEMBER("Lejeune Mbella", "Minister of External Relations")                 \
			    MEMBER("Louis Motaze", "Minister of Finance") MEMBER(                  \
				"Alamine Ousmane",                                                 \
				"Minister of the Economy, Planning and Regional Development")      \
				MEMBER("Manaouda Malachie", "Minister of Public Health")           \
				    MEMBER("Nalova Lyonga", "Minister of Secondary Education")     \
					MEMBER("Jacques Fame",                                     \
					       "Minister of Scientific Research and Innovation")   \
					    MEMBER("Gabriel Dodo",                                 \
						   "Minister of Mines, Industry and "              \
						   "Technological Development")                    \
						MEMBER("Jean Ernest Masséna",                      \
						       "Minister of Public Works") "</ul></div>"

static xmlDocPtr parse(const char *html)
{
	char err[256];
	xmlDocPtr doc = page_parse(html, strlen(html), "text/html; charset=utf-8", NULL, PAGE_HTML,
				   NULL, NULL, err, sizeof(err));

	ck_assert_msg(doc != NULL, "parse: %s", err);
	return doc;
}

static void extract(const char *html, struct article *a)
{
	char err[256] = "";
	xmlDocPtr doc = parse(html);
	int rc = article_extract(doc, "https://gov.example.org/speeches/pm-2024.html", NULL, a, err,
				 sizeof(err));

	ck_assert_msg(rc == 0, "extract: %s", err);
	ck_assert_ptr_nonnull(a->text);
	ck_assert_ptr_nonnull(a->title);
	xmlFreeDoc(doc);
}

#define ck_has(text, s)                                                                            \
	ck_assert_msg(strstr((text), (s)) != NULL, "missing \"%s\" in:\n%s", s, text)
#define ck_ends(text, s)                                                                           \
	ck_assert_msg(strlen(text) >= strlen(s) &&                                                 \
			  strcmp((text) + strlen(text) - strlen(s), s) == 0,                       \
		      "does not end with \"%s\":\n%s", s, text)
#define ck_hasnt(text, s)                                                                          \
	ck_assert_msg(strstr((text), (s)) == NULL, "unexpected \"%s\" in:\n%s", s, text)

START_TEST(pdf_link_only_page_has_no_main_text)
{
	struct article a;

	extract("<html><head><title>Speech of the Prime Minister</title></head><body>" MENU
		"<div class=wrapper><div class=main>"
		"<h1>Speech of the Prime Minister at the opening of the session</h1>"
		"<span>12 March 2024</span><p><a href='../files/discours-pm-2024.pdf'>"
		"Download the speech (PDF, 230 KB)</a></p></div>" MEMBERS "</div>" FOOTER
		"</body></html>",
		&a);
	ck_assert_msg(strcmp(a.text, "") == 0, "text:\n%s", a.text);
	ck_assert_uint_eq(a.words, 0);
	ck_assert_ptr_nonnull(a.no_text);
	ck_assert_str_eq(a.no_text, "no main text: the page links to a document "
				    "(https://gov.example.org/files/discours-pm-2024.pdf)");
	ck_assert_str_eq(a.title, "Speech of the Prime Minister at the opening of the session");
	article_free(&a);
}
END_TEST

/* The statement is a long link to its PDF: the link is no text of the page's own. */
START_TEST(long_pdf_link_is_no_main_text)
{
	struct article a;

	extract(
	    "<html><body>" MENU "<div class=main><h1>Discours du Premier Ministre</h1>"
	    "<p>12 mars 2024</p><p><a href='/files/discours-pm.pdf'>Discours de S.E. M. le "
	    "Premier Ministre, Chef du Gouvernement, à l'occasion de la cérémonie d'ouverture de "
	    "la session budgétaire de l'Assemblée nationale.</a></p></div>" MEMBERS FOOTER
	    "</body></html>",
	    &a);
	ck_assert_msg(strcmp(a.text, "") == 0, "text:\n%s", a.text);
	ck_assert_str_eq(a.no_text, "no main text: the page links to a document "
				    "(https://gov.example.org/files/discours-pm.pdf)");
	article_free(&a);
}
END_TEST

#define ROW(name, office)                                                                          \
	"<div class=views-row><span>" name "</span>, <span>" office "</span></div>"

/* A Drupal page: the file field's link ("?q=…pdf", type="application/pdf") and a block of names. */
START_TEST(drupal_file_link_page_has_no_main_text)
{
	struct article a;

	extract(
	    "<html><body><div id=page><div id=main><h1 class=title>Speech of the Prime "
	    "Minister</h1><div class='field field-name-field-file'><div class=field-items>"
	    "<div class='field-item even'><span class=file><img class=file-icon alt='PDF icon' "
	    "src=/pdf.png> <a href='/site/?q=en/system/files/discours_pm.pdf' "
	    "type='application/pdf; length=230000'>discours_pm.pdf</a></span></div></div></div>"
	    "</div><div id=block-views-government><h2>Members of the Government</h2>"
	    "<div class=view-content>" ROW("Joseph Ngute", "Prime Minister, Head of Government")
		ROW("Laurent Esso", "Minister of State, Minister of Justice, Keeper of the Seals")
		    ROW("Paul Atanga", "Minister of State, Minister of Territorial Administration")
			ROW("Lejeune Mbella", "Minister of External Relations")
			    ROW("Louis Motaze", "Minister of Finance")
				ROW("Alamine Ousmane", "Minister of the Economy and Planning") ROW(
				    "Manaouda Malachie",
				    "Minister of Public Health") "</div></div></div></body></html>",
	    &a);
	ck_assert_msg(strcmp(a.text, "") == 0, "text:\n%s", a.text);
	ck_assert_str_eq(a.no_text, "no main text: the page links to a document (https://"
				    "gov.example.org/site/?q=en/system/files/discours_pm.pdf)");
	article_free(&a);
}
END_TEST

START_TEST(title_only_page_has_no_main_text)
{
	struct article a;

	extract("<html><head><title>Communiqué</title></head><body>" MENU
		"<div class=main><h1>Communiqué on the visit of the Foreign Minister</h1>"
		"<p>Published 12 March 2024</p></div>"
		"<div class=links><p>Ministry of Foreign Affairs and International Cooperation</p>"
		"<p>Avenue of Independence, Building C, second floor</p></div>" FOOTER
		"</body></html>",
		&a);
	ck_assert_msg(strcmp(a.text, "") == 0, "text:\n%s", a.text);
	ck_assert_uint_eq(a.words, 0);
	ck_assert_ptr_nonnull(a.no_text);
	ck_assert_str_eq(a.no_text, "no main text: the page has only a title");
	article_free(&a);
}
END_TEST

/* A headline-only page whose footer (by tag or by class) says a sentence or two. */
START_TEST(title_only_page_footer_is_no_text)
{
	static const char *const footers[] = {"footer", "div id=footer", "div class=site-footer"};
	char html[2048];
	struct article a;

	for (size_t i = 0; i < sizeof(footers) / sizeof(footers[0]); i++) {
		snprintf(
		    html, sizeof(html),
		    "<html><body><header><nav><ul><li><a href=/>Home</a></li>"
		    "<li><a href=/news>News</a></li></ul></nav></header><main><div class=main>"
		    "<h1>Communiqué on the visit of the Foreign Minister</h1><p>Published 12 March "
		    "2024</p></div></main><%s><p>© 2024 Ministry of Foreign Affairs of the "
		    "Republic. All rights reserved.</p><p>Avenue of Independence 12, Minsk, tel. "
		    "+375 17 327 29 22</p></%s></body></html>",
		    footers[i], strchr(footers[i], ' ') ? "div" : footers[i]);
		extract(html, &a);
		ck_assert_msg(strcmp(a.text, "") == 0, "%s: text:\n%s", footers[i], a.text);
		ck_assert_str_eq(a.no_text, "no main text: the page has only a title");
		article_free(&a);
	}
}
END_TEST

/* The same sidebar next to a real statement: the statement wins, no_text stays NULL. */
START_TEST(statement_beside_a_sidebar_of_names_is_kept)
{
	struct article a;

	extract("<html><body>" MENU "<div class=wrapper><div class=main>"
		"<h1>Speech of the Prime Minister</h1><p>Honourable members, " LOREM "</p><p>"
		"Second paragraph. " LOREM LOREM "</p><p>Third paragraph. " LOREM "</p>"
		"<p><a href=/files/speech.pdf>Download (PDF)</a></p></div>" MEMBERS "</div>" FOOTER
		"</body></html>",
		&a);
	ck_assert(strncmp(a.text, "Honourable members,", 19) == 0);
	ck_hasnt(a.text, "Keeper of the Seals");
	ck_assert_ptr_null(a.no_text);
	article_free(&a);
}
END_TEST

/* Appointments announced in two sentences and a list of names: a statement, not a sidebar. */
START_TEST(announced_list_is_a_statement)
{
	struct article a;

	extract(
	    "<html><body><div class=main><h1>Appointments</h1><p>By decree of the President "
	    "of the Republic, the Government has been reorganised as follows.</p><p>The members "
	    "listed below take office on Monday, after the oath before the Constitutional Court."
	    "</p><ul>" MEMBER("Joseph Ngute", "Prime Minister, Head of Government")
		MEMBER("Lejeune Mbella", "Minister of External Relations")
		    MEMBER("Louis Motaze", "Minister of Finance")
			MEMBER("Manaouda Malachie", "Minister of Public Health")
			    MEMBER("Nalova Lyonga", "Minister of Secondary Education") MEMBER(
				"Jacques Fame",
				"Minister of Scientific Research") "</ul></div></body></html>",
	    &a);
	ck_assert(strncmp(a.text, "By decree of the President", 26) == 0);
	ck_has(a.text, "Jacques Fame, Minister of Scientific Research");
	ck_assert_ptr_null(a.no_text);
	article_free(&a);
}
END_TEST

START_TEST(documents_are_not_web_pages)
{
	static const char pdf[] = "%PDF-1.5\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\n";
	static const char page[] =
	    "\xEF\xBB\xBF  <!DOCTYPE html><html><body><p>Hi</p></body></html>";
	struct article a;

	ck_assert_int_eq(article_from_document(pdf, sizeof(pdf) - 1, "application/pdf", &a), 1);
	ck_assert_str_eq(a.text, "");
	ck_assert_str_eq(a.title, "");
	ck_assert_uint_eq(a.words, 0);
	ck_assert_str_eq(a.no_text, "no main text: a PDF document");
	article_free(&a);
	/* the signature wins over a wrong type, and over no type */
	ck_assert_int_eq(article_from_document(pdf, sizeof(pdf) - 1, "text/html", &a), 1);
	article_free(&a);
	ck_assert_int_eq(article_from_document(pdf, sizeof(pdf) - 1, NULL, &a), 1);
	article_free(&a);
	ck_assert_int_eq(article_from_document("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1....", 12,
					       "application/octet-stream", &a),
			 1);
	ck_assert_str_eq(a.no_text, "no main text: an office document");
	article_free(&a);
	/* a document type on bytes that are markup: a misconfigured server, read the page */
	ck_assert_int_eq(article_from_document(page, sizeof(page) - 1, "application/pdf", &a), 0);
	ck_assert_int_eq(article_from_document(page, sizeof(page) - 1, "text/html", &a), 0);
	ck_assert_int_eq(article_from_document("garbage", 7, "application/pdf", &a), 1);
	article_free(&a);
	ck_assert_int_eq(article_from_document("", 0, NULL, &a), 0);
}
END_TEST

#define RU1                                                                                                                                                            \
	"Министр иностранных дел провёл переговоры с делегацией партнёров, обсудив торговлю, " \
	"климат и безопасность, и стороны договорились продолжить консультации в следующем году."
#define RU2                                                                                                                                              \
	"В ходе встречи было отмечено, что сотрудничество в рамках Всемирной торговой " \
	"организации остаётся приоритетом для обеих стран и их деловых кругов."

/* A body made of <br> breaks only, with its tag line last (a Russian ministry's layout). */
START_TEST(br_only_body_split_and_tag_line_dropped)
{
	struct article a;

	extract("<html><body>" MENU "<div class=main><h1>О переговорах министра</h1>"
		"<div class=text>" RU1 "<br>" RU2 "<br>" RU1 " " RU2 "<br><br>" RU2 " " RU1
		"<br>Темы: <a href=/tags/wto>ВТО</a>, <a href=/tags/trade>Торговля</a><br>"
		"<a href=/print>Версия для печати</a></div></div>"
		"</body></html>",
		&a);
	ck_assert_msg(strncmp(a.text, RU1 "\n\n" RU2 "\n\n" RU1, strlen(RU1 RU2 RU1) + 4) == 0,
		      "paragraphs:\n%s", a.text);
	ck_has(a.text, RU1 " " RU2 "\n\n" RU2 " " RU1);
	ck_hasnt(a.text, "Темы");
	ck_hasnt(a.text, "ВТО,");
	ck_ends(a.text, RU2 " " RU1);
	article_free(&a);
}
END_TEST

/* The source's body XPath selects the <br> block: its tag line goes all the same. */
START_TEST(tag_line_cut_under_a_body_xpath)
{
	struct article_opts opts = {.body = "//div[@class='text']"};
	char err[256] = "";
	struct article a;
	xmlDocPtr doc = parse("<html><body><div class=text>" RU1 "<br>" RU2
			      "<br>Теги: <a href=/t/wto>ВТО</a></div></body></html>");

	ck_assert_int_eq(article_extract(doc, NULL, &opts, &a, err, sizeof(err)), 0);
	ck_assert_str_eq(a.text, RU1 "\n\n" RU2);
	ck_assert_ptr_null(a.no_text);
	article_free(&a);
	opts.body = "//div[@class='body']";
	ck_assert_int_eq(article_extract(doc, NULL, &opts, &a, err, sizeof(err)), 0);
	ck_assert_str_eq(a.text, "");
	ck_assert_str_eq(a.no_text,
			 "no main text: the body XPath //div[@class='body'] selects no text");
	article_free(&a);
	xmlFreeDoc(doc);
}
END_TEST

/* Label lines after an English body, in a layout with <p> paragraphs. */
START_TEST(tags_and_share_lines_after_the_body_dropped)
{
	struct article a;

	extract("<html><body><div class=story><h1>Statement on the trade talks</h1>"
		"<p>First paragraph. " LOREM "</p><p>Second paragraph. " LOREM LOREM "</p>"
		"<p>Last paragraph of the statement, with thanks to all delegations.</p>"
		"<p>Tags: <a href=/t/trade>Trade</a>, <a href=/t/wto>WTO</a>, "
		"<a href=/t/climate>Climate</a></p><p>Share this:</p></div></body></html>",
		&a);
	ck_assert(strncmp(a.text, "First paragraph.", 16) == 0);
	ck_hasnt(a.text, "Tags");
	ck_hasnt(a.text, "Share");
	ck_ends(a.text, "with thanks to all delegations.");
	article_free(&a);
}
END_TEST

/* A tags box without a label, in a class that also says "entry". */
START_TEST(tags_box_at_the_end_dropped)
{
	struct article a;

	extract("<html><body><div class=entry><h1>Statement on the trade talks</h1>"
		"<div class=entry-content><p>First paragraph. " LOREM
		"</p><p>Second paragraph. " LOREM
		"</p><div class=entry-tags>WTO · Trade policy · Customs</div></div></div>"
		"</body></html>",
		&a);
	ck_assert(strncmp(a.text, "First paragraph.", 16) == 0);
	ck_hasnt(a.text, "Customs");
	ck_ends(a.text, "working level next year.");
	article_free(&a);
}
END_TEST

/* A line that only starts like a label stays: "Topics of the talks were…", "Shareholders…". */
START_TEST(label_like_sentences_kept)
{
	struct article a;

	extract("<html><body><div class=story><h1>Statement</h1><p>First paragraph. " LOREM
		"</p><p>Second paragraph. " LOREM LOREM "</p>"
		"<p>Topics of the next round include fisheries and the customs union.</p>"
		"<p>Shareholders of the development bank will meet in May.</p>"
		"<p>Share prices rose.</p></div></body></html>",
		&a);
	ck_has(a.text, "Topics of the next round");
	ck_has(a.text, "Shareholders of the development bank will meet in May.");
	ck_ends(a.text, "\n\nShare prices rose.");
	article_free(&a);
}
END_TEST

#define FR                                                                                         \
	"La délégation a discuté de la coopération en matière de commerce, de climat et de "  \
	"sécurité, et a convenu que les consultations devraient se poursuivre l'année prochaine."
#define CHAPO "La France salue l'accord conclu hier à Genève entre les parties"

/*
 * A French ministry's page: an abstract labelled "Résumé :" (its label in a
 * <p> of its own) describes the statement, it is not its opening: the text
 * starts with the statement's first paragraph (issue 15, failure 6).
 */
START_TEST(chapo_labelled_as_abstract_is_left_out)
{
	struct article a;

	extract(
	    "<html><body>" MENU "<div id=main><h1>Déclaration sur les négociations</h1>"
	    "<p class=date>Publié le 12 mars 2024</p><div class=chapo><p><strong>Résumé :</strong>"
	    "</p><p>" CHAPO "</p></div><div class=texte><p>Premier paragraphe. " FR "</p>"
	    "<p>Deuxième paragraphe. " FR " " FR "</p><p>Dernier paragraphe. " FR "</p></div>"
	    "</div>" FOOTER "</body></html>",
	    &a);
	ck_assert_msg(strncmp(a.text, "Premier paragraphe.", strlen("Premier paragraphe.")) == 0,
		      "text:\n%s", a.text);
	ck_hasnt(a.text, CHAPO);
	ck_hasnt(a.text, "Résumé");
	ck_ends(a.text, "Dernier paragraphe. " FR);
	article_free(&a);
}
END_TEST

/* The same page with the abstract inside the article's box, label and words in one block. */
START_TEST(abstract_inside_the_article_is_left_out)
{
	struct article a;

	extract("<html><body>" MENU "<article><h1>Déclaration sur les négociations</h1>"
		"<div class=chapo>Résumé : " CHAPO ", à Paris le 12 mars 2024.</div>"
		"<p>Premier paragraphe. " FR "</p><p>Deuxième paragraphe. " FR " " FR "</p>"
		"<p>Dernier paragraphe. " FR "</p></article>" FOOTER "</body></html>",
		&a);
	ck_assert_msg(strncmp(a.text, "Premier paragraphe.", strlen("Premier paragraphe.")) == 0,
		      "text:\n%s", a.text);
	ck_hasnt(a.text, "Résumé");
	article_free(&a);
}
END_TEST

/* An unlabelled standfirst is the article's own summary: first, in one paragraph, once. */
START_TEST(chapo_is_the_first_paragraph)
{
	struct article a;

	extract("<html><body>" MENU "<div id=main><h1>Déclaration sur les négociations</h1>"
		"<p class=date>Publié le 12 mars 2024</p><div class=chapo><p>" CHAPO "</p></div>"
		"<div class=texte><p>Premier paragraphe. " FR "</p><p>Deuxième paragraphe. " FR
		" " FR "</p><p>Dernier paragraphe. " FR "</p></div></div>" FOOTER "</body></html>",
		&a);
	ck_assert_msg(strncmp(a.text, CHAPO "\n\nPremier paragraphe.",
			      strlen(CHAPO "\n\nPremier paragraphe.")) == 0,
		      "text:\n%s", a.text);
	ck_assert_msg(strstr(strstr(a.text, CHAPO) + 1, CHAPO) == NULL, "twice:\n%s", a.text);
	article_free(&a);
}
END_TEST

/* A standfirst that the body repeats word for word is there once, as the body has it. */
START_TEST(chapo_repeating_the_first_paragraph_is_not_doubled)
{
	struct article a;

	extract("<html><body><div id=main><h1>Déclaration</h1><div class=chapo>Résumé : " CHAPO
		".</div><div class=texte><p>" CHAPO ". " FR "</p><p>Deuxième paragraphe. " FR
		"</p><p>Troisième paragraphe. " FR "</p></div></div></body></html>",
		&a);
	ck_assert_msg(strncmp(a.text, CHAPO ". " FR "\n\nDeuxième",
			      strlen(CHAPO ". " FR "\n\nDeuxième")) == 0,
		      "text:\n%s", a.text);
	ck_hasnt(a.text, "Résumé");
	article_free(&a);
}
END_TEST

/* A lead paragraph inside the body (class "lead", once removed as a dek) opens the text. */
START_TEST(lead_inside_the_body_kept)
{
	struct article a;

	extract("<html><body>" MENU "<div class=article><h1>О переговорах министра</h1>"
		"<p class=lead>Министр провёл переговоры о торговле и климате.</p><p>" RU1
		"</p><p>" RU2 " " RU1 "</p><p>" RU2 "</p></div></body></html>",
		&a);
	ck_assert_msg(strncmp(a.text, "Министр провёл переговоры о торговле и климате.\n\n" RU1,
			      strlen("Министр провёл переговоры о торговле и климате.\n\n" RU1)) ==
			  0,
		      "text:\n%s", a.text);
	article_free(&a);
}
END_TEST

/* What preview tells an operator: the body XPath matched nothing, or matched and held no text. */
START_TEST(body_nodes_tell_a_wrong_xpath_from_an_empty_body)
{
	static const char *const html =
	    "<html><body><div id=speech><p>" LOREM "</p></div><div id=empty> </div></body></html>";
	static const char *const xpaths[] = {"//div[@id='nope']", "//div[@id='empty']",
					     "//div[@id='speech']", "//div"};
	static const size_t want[] = {0, 1, 1, 2};
	char err[256] = "";

	for (size_t i = 0; i < 4; i++) {
		struct article_opts o = {.body = xpaths[i]};
		struct article a;
		xmlDocPtr doc = parse(html);

		ck_assert_int_eq(article_extract(doc, NULL, &o, &a, err, sizeof(err)), 0);
		ck_assert_msg(a.body_nodes == want[i], "%s: %zu", xpaths[i], a.body_nodes);
		ck_assert_int_eq(a.words == 0, i < 2);
		article_free(&a);
		xmlFreeDoc(doc);
	}
}
END_TEST

static void check_sentences(const char *text, const char *first, const char *last)
{
	const char *f = NULL, *l = NULL;
	size_t fl = 0, ll = 0;

	ck_assert_int_eq(article_sentences(text, &f, &fl, &l, &ll), 0);
	ck_assert_msg(fl == strlen(first) && memcmp(f, first, fl) == 0, "first: '%.*s'", (int)fl,
		      f);
	ck_assert_msg(ll == strlen(last) && memcmp(l, last, ll) == 0, "last: '%.*s'", (int)ll, l);
}

START_TEST(first_and_last_sentence)
{
	const char *f, *l;
	size_t fl, ll;

	check_sentences("  Mr. Li met Dr. Smith in Geneva. They talked, e.g. about trade!\n\n"
			"The talks will go on. \"We agree,\" said J. Doe. Next year? Yes. ",
			"Mr. Li met Dr. Smith in Geneva.", "Yes.");
	check_sentences("Q: President Xi said so. Does the Chinese side have any comment? A: No. "
			"St. Petersburg, U.S. envoys and Mme. Dupont agree.",
			"Q: President Xi said so.",
			"St. Petersburg, U.S. envoys and Mme. Dupont agree.");
	check_sentences("One paragraph without a stop", "One paragraph without a stop",
			"One paragraph without a stop");
	check_sentences("Heading\n\nThe text at the UN. It ends here (really).", "Heading",
			"It ends here (really).");
	check_sentences("外交部发言人表示。中方对此高度关注！会议将于明天举行。",
			"外交部发言人表示。", "会议将于明天举行。");
	check_sentences("Le ministre l'a dit… « Nous saluons l'accord. »", "Le ministre l'a dit…",
			"« Nous saluons l'accord. »");
	ck_assert_int_eq(article_sentences(" \n\n ", &f, &fl, &l, &ll), -1);
	ck_assert_int_eq(article_sentences("", &f, &fl, &l, &ll), -1);
}
END_TEST

static Suite *article_text_suite(void)
{
	Suite *s = suite_create("article_text");
	TCase *none = tcase_create("no_text");
	TCase *lines = tcase_create("lines");
	TCase *lead = tcase_create("standfirst");

	tcase_add_test(none, pdf_link_only_page_has_no_main_text);
	tcase_add_test(none, body_nodes_tell_a_wrong_xpath_from_an_empty_body);
	tcase_add_test(lines, first_and_last_sentence);
	tcase_add_test(none, long_pdf_link_is_no_main_text);
	tcase_add_test(none, drupal_file_link_page_has_no_main_text);
	tcase_add_test(none, title_only_page_has_no_main_text);
	tcase_add_test(none, title_only_page_footer_is_no_text);
	tcase_add_test(none, statement_beside_a_sidebar_of_names_is_kept);
	tcase_add_test(none, announced_list_is_a_statement);
	tcase_add_test(none, documents_are_not_web_pages);
	tcase_add_test(lines, br_only_body_split_and_tag_line_dropped);
	tcase_add_test(lines, tags_and_share_lines_after_the_body_dropped);
	tcase_add_test(lines, tag_line_cut_under_a_body_xpath);
	tcase_add_test(lines, tags_box_at_the_end_dropped);
	tcase_add_test(lines, label_like_sentences_kept);
	tcase_add_test(lead, chapo_labelled_as_abstract_is_left_out);
	tcase_add_test(lead, abstract_inside_the_article_is_left_out);
	tcase_add_test(lead, chapo_is_the_first_paragraph);
	tcase_add_test(lead, chapo_repeating_the_first_paragraph_is_not_doubled);
	tcase_add_test(lead, lead_inside_the_body_kept);
	suite_add_tcase(s, none);
	suite_add_tcase(s, lead);
	suite_add_tcase(s, lines);
	return s;
}

int main(void)
{
	page_init();
	return testutil_run(article_text_suite());
}
