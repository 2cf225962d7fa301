/*
 * Line-level cleanup of the rendered text: the tag, category, keyword and
 * share lines that close many articles ("Tags: …", "Темы: ВТО",
 * "Mots-clés : …", "关键词：…", "Share") are no part of the statement. They
 * are recognised by a label at the start of a short trailing line, from a
 * list of the usual labels in the languages ministries publish in.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "analyze/article/article_int.h"
#include "analyze/utf8.h"
#include "common/xmalloc.h"

#define TAG_LINE_MAX 200 /* text length (art_text_len) of a tag line at most */
#define TAG_LINES 4	 /* trailing lines looked at */
#define DUP_MIN 40	 /* bytes of a paragraph whose repeat is dropped */

/*
 * Labels that open a tag line when a colon follows (or nothing does).
 * Lower case; compared case-insensitively.
 */
static const char *const labels[] = {
    /* en */ "tags",
    "tag",
    "tagged",
    "tagged with",
    "topics",
    "topic",
    "categories",
    "category",
    "keywords",
    "key words",
    "filed under",
    "posted in",
    "subjects",
    "related topics",
    "labels",
    /* fr */ "mots-clés",
    "mots clés",
    "mots-clefs",
    "étiquettes",
    "thèmes",
    "thématiques",
    "thématique",
    "catégories",
    "catégorie",
    "sujets",
    "rubrique",
    "rubriques",
    /* es, pt, it */ "etiquetas",
    "temas",
    "categorías",
    "categorias",
    "palabras clave",
    "palavras-chave",
    "tópicos",
    "argomenti",
    "parole chiave",
    "categorie",
    /* de, nl */ "schlagwörter",
    "schlagworte",
    "stichwörter",
    "themen",
    "kategorien",
    "trefwoorden",
    "onderwerpen",
    /* ru, uk, be */ "темы",
    "теги",
    "тэги",
    "метки",
    "ключевые слова",
    "рубрики",
    "рубрика",
    "категории",
    "теми",
    "мітки",
    "ключові слова",
    "тэмы",
    "тэгі",
    "цэтлікі",
    "катэгорыі",
    "ключавыя словы",
    /* ms, id */ "kategori",
    "kata kunci",
    "topik",
    "label",
    /* tr, pl, cs */ "etiketler",
    "anahtar kelimeler",
    "tagi",
    "słowa kluczowe",
    "štítky",
    /* zh, ja, ko */ "关键词",
    "关键字",
    "标签",
    "分类",
    "主题词",
    "關鍵詞",
    "標籤",
    "タグ",
    "キーワード",
    "カテゴリー",
    "태그",
    "키워드",
    /* ar, fa */ "الكلمات المفتاحية",
    "الوسوم",
    "وسوم",
    "كلمات مفتاحية",
    "برچسب‌ها",
};

/* Share prompts: a tag line with or without a colon, or before a few words. */
static const char *const share_labels[] = {
    "share",	 "share this", "share on",   "partager",   "partagez", "compartir",  "partilhar",
    "condividi", "teilen",     "delen",	     "поделиться", "поширити", "падзяліцца", "kongsi",
    "bagikan",	 "paylaş",     "udostępnij", "分享",	   "分享到",   "مشاركة",     "シェア",
};

/* Page tools that close a <br>-built body, as a whole line: "Версия для печати". */
static const char *const tool_labels[] = {
    "print",	      "print this page", "printer-friendly version",
    "back to top",    "imprimer",	 "version imprimable",
    "retour en haut", "drucken",	 "версия для печати",
    "распечатать",    "наверх",		 "imprimir",
    "打印",	      "打印本页",	 "关闭窗口",
    "返回顶部",	      "cetak",
};

/*
 * Length of s's prefix that equals label, ignoring case (by code point);
 * 0 when it does not.
 */
static size_t label_prefix(const char *s, size_t len, const char *label)
{
	size_t i = 0, j = 0, ll = strlen(label);

	while (j < ll) {
		int32_t a, b;
		size_t ka, kb;

		if (i >= len)
			return 0;
		ka = utf8_next(s + i, len - i, &a);
		kb = utf8_next(label + j, ll - j, &b);
		if (a < 0 || b < 0 || utf8proc_tolower(a) != utf8proc_tolower(b))
			return 0;
		i += ka;
		j += kb;
	}
	return i;
}

/* After a label: a colon (any width), a dash, or the end of the line. */
static int label_ends(const char *s, size_t len)
{
	int space = 0;

	while (len > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		len--;
		space = 1;
	}
	/* "Tags - a, b", not "Tag-team" */
	if (len == 0 || *s == ':' || *s == '|' || (*s == '-' && space))
		return 1;
	return len >= 3 && (memcmp(s, "\xEF\xBC\x9A", 3) == 0 || /* U+FF1A fullwidth colon */
			    memcmp(s, "\xE2\x80\x94", 3) == 0 || /* U+2014 em dash */
			    memcmp(s, "\xE2\x80\x93", 3) == 0);	 /* U+2013 en dash */
}

/* Nothing but brackets, bars and spaces after a label: "【打印本页】", "[ Print ]". */
static int whole_line(const char *s, size_t len)
{
	static const char *const fill[] = {" ", "]", ")", "|", ":", "】", "」", "\xEF\xBC\x89"};
	size_t k;
	int more = 1;

	while (len > 0 && more) {
		more = 0;
		for (size_t i = 0; i < sizeof(fill) / sizeof(fill[0]) && !more; i++) {
			k = strlen(fill[i]);
			if (len >= k && memcmp(s, fill[i], k) == 0) {
				s += k;
				len -= k;
				more = 1;
			}
		}
	}
	return len == 0;
}

static int is_tag_line(const char *s, size_t len)
{
	size_t k;

	while (len > 0 && (*s == ' ' || *s == '#' || *s == '*' || *s == '[' || *s == '(')) {
		s++;
		len--;
	}
	if (len >= 3 && (memcmp(s, "【", 3) == 0 || memcmp(s, "「", 3) == 0)) {
		s += 3;
		len -= 3;
	}
	for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++)
		if ((k = label_prefix(s, len, labels[i])) > 0 && label_ends(s + k, len - k))
			return 1;
	for (size_t i = 0; i < sizeof(tool_labels) / sizeof(tool_labels[0]); i++)
		if ((k = label_prefix(s, len, tool_labels[i])) > 0 && whole_line(s + k, len - k))
			return 1;
	for (size_t i = 0; i < sizeof(share_labels) / sizeof(share_labels[0]); i++) {
		k = label_prefix(s, len, share_labels[i]);
		/* "Share", "Share:", "Share on Facebook", not "Shareholders met…", "Share prices
		 * fell." */
		if (k > 0 && (label_ends(s + k, len - k) ||
			      (s[k] == ' ' && len - k < 40 && !art_ends_sentence(s, len))))
			return 1;
	}
	return 0;
}

/* Length of text once the trailing white space is cut. */
static size_t rtrim(const char *text, size_t len)
{
	while (len > 0 && (text[len - 1] == ' ' || text[len - 1] == '\n'))
		len--;
	return len;
}

/*
 * Cuts tag, category and share lines off the end of text (in place): up
 * to TAG_LINES short trailing lines that open with such a label. A text
 * that is one line is left alone.
 */
void art_drop_tag_lines(char *text)
{
	size_t len = rtrim(text, strlen(text));

	for (int n = 0; n < TAG_LINES && len > 0; n++) {
		size_t start = len;
		char save;
		size_t tl;

		while (start > 0 && text[start - 1] != '\n')
			start--;
		if (start == 0)
			break;
		save = text[len];
		text[len] = '\0';
		tl = art_text_len(text + start, NULL);
		text[len] = save;
		if (tl > TAG_LINE_MAX || !is_tag_line(text + start, len - start))
			break;
		len = rtrim(text, start);
	}
	text[len] = '\0';
}

/*
 * Where a standfirst's own words start: past a short label that ends in a
 * colon ("Résumé :", "Summary:", "摘要："), or at the start.
 */
static const char *skip_label(const char *s)
{
	size_t n = strcspn(s, ":\n"), words = 1;
	const char *full = strstr(s, "\xEF\xBC\x9A"); /* U+FF1A */

	if (full && (size_t)(full - s) < n)
		n = (size_t)(full - s);
	if (n == 0 || n > 40 || (s[n] != ':' && s + n != full))
		return s;
	for (size_t i = 0; i < n; i++)
		words += s[i] == ' ' && s[i + 1] != ' ' && s[i + 1] != ':';
	if (words > 3)
		return s;
	s += n + (s[n] == ':' ? 1 : 3);
	while (*s == ' ' || *s == '\n')
		s++;
	return s;
}

/*
 * A label alone in the standfirst's first paragraph ("Résumé :" in its own
 * <p>) joined to the words it introduces; NULL when there is none.
 */
static char *label_joined(const char *lead)
{
	const char *brk = strstr(lead, "\n\n");

	if (brk == NULL || brk == lead || skip_label(lead) != brk + 2)
		return NULL;
	return xasprintf("%.*s %s", (int)(brk - lead), lead, brk + 2);
}

static char *join_once(const char *lead, const char *text)
{
	const char *bare = skip_label(lead), *rest;
	size_t p1;

	if (*bare == '\0' || strstr(text, bare) != NULL)
		return NULL;
	rest = strstr(text, "\n\n");
	p1 = rest ? (size_t)(rest - text) : strlen(text);
	if (p1 > 0 && strncmp(bare, text, p1) == 0)
		text = rest ? rest + 2 : "";
	if (*text == '\0')
		return xstrdup(lead);
	return xasprintf("%s\n\n%s", lead, text);
}

/*
 * The standfirst lead (label kept) as the first paragraph of text, once:
 * NULL when text already holds the standfirst's words; when the
 * standfirst holds the whole first paragraph, that paragraph goes. Returns
 * an allocated string.
 */
char *art_join_lead(const char *lead, const char *text)
{
	char *own = label_joined(lead), *r;

	r = join_once(own ? own : lead, text);
	free(own);
	return r;
}

/* Drops a paragraph that repeats the one before it (in place). */
void art_dedup_paragraphs(char *text)
{
	char *prev = text, *cur;

	while ((cur = strstr(prev, "\n\n")) != NULL) {
		size_t plen = (size_t)(cur - prev), clen;
		char *next;

		cur += 2;
		next = strstr(cur, "\n\n");
		clen = next ? (size_t)(next - cur) : strlen(cur);
		/* a repeated sentence, not the repeated cells of a data table ("0", "1") */
		if (plen >= DUP_MIN && plen == clen && memcmp(prev, cur, plen) == 0) {
			/* remove "\n\n" + cur */
			memmove(cur - 2, cur + clen, strlen(cur + clen) + 1);
			continue;
		}
		prev = cur;
	}
}

/*
 * Drops the first paragraph of text (in place) when the second one opens
 * with its words, label aside: a standfirst the body opens with again.
 */
void art_drop_repeated_lead(char *text)
{
	char *brk = strstr(text, "\n\n");
	const char *bare = skip_label(text);

	if (brk == NULL || bare >= brk || (size_t)(brk - bare) < DUP_MIN)
		return;
	if (strncmp(brk + 2, bare, (size_t)(brk - bare)) == 0)
		memmove(text, brk + 2, strlen(brk + 2) + 1);
}

/*
 * Words that label an abstract written about a document ("Résumé :
 * Déclaration de M. X sur Y, à Paris le 12 mai 2021."): an archivist's or
 * editor's description of the statement, not its opening words. Matched
 * case-insensitively (ASCII letters) at the start, before a colon.
 */
static const char *const abstract_labels[] = {"résumé",	   "resume",	      "summary",
					      "abstract",  "synopsis",	      "resumen",
					      "sumário",   "resumo",	      "riassunto",
					      "sommario",  "zusammenfassung", "samenvatting",
					      "аннотация", "резюме",	      "краткое содержание",
					      "摘要",	   "内容提要",	      "要旨",
					      "ملخص",	   "الملخص",	      "요약"};

/* 1 when s opens with an abstract label and a colon ("Résumé :", "摘要："). */
int art_abstract_label(const char *s)
{
	for (size_t i = 0; i < sizeof(abstract_labels) / sizeof(abstract_labels[0]); i++) {
		size_t n = strlen(abstract_labels[i]);
		const char *p = s + n;

		if (strncasecmp(s, abstract_labels[i], n) != 0)
			continue;
		while (*p == ' ' || strncmp(p, "\xC2\xA0", 2) == 0)
			p += *p == ' ' ? 1 : 2;
		if (*p == ':' || strncmp(p, "\xEF\xBC\x9A", 3) == 0)
			return 1;
	}
	return 0;
}

/*
 * Drops the first paragraph of text (in place) when it is an abstract
 * (art_abstract_label) and the statement follows it.
 */
void art_drop_abstract(char *text)
{
	char *brk = strstr(text, "\n\n");

	if (brk != NULL && art_abstract_label(text))
		memmove(text, brk + 2, strlen(brk + 2) + 1);
}
