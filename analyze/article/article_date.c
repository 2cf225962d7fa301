/*
 * The article's own publication date. In order of trust: structured data
 * (JSON-LD datePublished, <meta> publication dates, a <time> of the
 * article), an element whose class or id names a date near the headline,
 * a dateline (a short line that is little more than a date and a place:
 * "December 6, 2021, Minsk", "Minsk, 6 December 2021 – ...",
 * "（2019年2月16日，慕尼黑）") after the headline or at the start or end of
 * the body, the headline itself ("... Press Conference on August 30,
 * 2019"), the page's <title>, and last the modification date.
 *
 * A date inside a sentence of the body is never taken: the law "of 29
 * November 2003" cited one paragraph above the dateline is not the day
 * of the statement. Page furniture never counts either: related-news
 * boxes, headers showing today's date, footers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analyze/article/article_int.h"
#include "analyze/page/date.h"
#include "common/buf.h"
#include "common/clock.h"
#include "common/xmalloc.h"

#define DATE_CANDIDATES 300
#define LINE_MAX_BYTES 400 /* of a line read for a dateline */
#define DATELINE_WORDS 3   /* words besides the date in a dateline */
#define NEAR_BLOCKS 6	   /* text blocks after the headline searched for a dateline */
#define EDGE_BLOCKS 3	   /* first and last text blocks of the body searched */
#define ISO_MAX 64
#define MIN_YEAR 1990 /* no ministry page was published before */

static int furniture_self(const struct art_node *e)
{
	return (e->flags & (AF_CHROME | AF_STRONG | AF_HIDDEN | AF_JUNK)) != 0;
}

/* An article's own <header> (inside <article> or <main>) is not page furniture. */
static int own_header(const struct art_doc *d, long i)
{
	if (!art_name_is(d->v[i].node, "header"))
		return 0;
	for (long p = d->v[i].parent; p >= 0; p = d->v[p].parent)
		if (art_name_is(d->v[p].node, "article") || art_name_is(d->v[p].node, "main"))
			return 1;
	return 0;
}

/* 1 when n's class or id (lower-cased) holds one of words. */
static int class_has(xmlNodePtr n, const char *const *words, size_t count)
{
	char *c = (char *)xmlGetNoNsProp(n, (const xmlChar *)"class");
	char *id = (char *)xmlGetNoNsProp(n, (const xmlChar *)"id");
	char buf[256];
	int r = 0;

	snprintf(buf, sizeof(buf), "%s %s", c ? c : "", id ? id : "");
	for (size_t i = 0; buf[i]; i++)
		buf[i] = (char)(buf[i] >= 'A' && buf[i] <= 'Z' ? buf[i] + 32 : buf[i]);
	for (size_t i = 0; i < count && !r; i++)
		r = strstr(buf, words[i]) != NULL;
	xmlFree(c);
	xmlFree(id);
	return r;
}

#define CLASS_HAS(n, words) class_has((n), (words), sizeof(words) / sizeof((words)[0]))

static int dateish_class(xmlNodePtr n)
{
	static const char *const words[] = {"date", "time", "publish", "posted", "dateline"};

	return CLASS_HAS(n, words);
}

/* The page's layout around the article, as opposed to the article's own metadata. */
static int layout_class(xmlNodePtr n)
{
	static const char *const words[] = {
	    "header", "footer", "menu",	  "nav",     "sidebar", "side-bar", "aside", "masthead",
	    "banner", "rail",	"topbar", "toolbar", "top-bar", "bottom",   "extra", "overlay"};

	return CLASS_HAS(n, words);
}

/* Metadata of the article: a byline, a meta line, a date. */
static int meta_class(xmlNodePtr n)
{
	static const char *const words[] = {"meta",    "byline", "author", "date",  "time",
					    "publish", "posted", "info",   "source"};

	return CLASS_HAS(n, words);
}

/*
 * 1 when element i sits in page furniture: itself or an ancestor chrome,
 * hidden, named boilerplate, or called header, footer, sidebar, menu... by
 * its class (a wrapper holding most of the page's text is never furniture
 * on its class alone). Weak hints that name the article's metadata (byline,
 * author, meta, date) do not count: that is where its date is written.
 */
int art_in_furniture(const struct art_doc *d, long i)
{
	const struct art_node *self = &d->v[i];

	if (furniture_self(self) && !own_header(d, i))
		return 1;
	if ((self->flags & AF_NEG) && !(self->flags & AF_POS) && layout_class(self->node))
		return 1;
	for (long p = d->v[i].parent; p >= 0; p = d->v[p].parent) {
		const struct art_node *e = &d->v[p];
		int big = d->body_text > 0 && e->text * 2 > d->body_text;

		if (own_header(d, p) || (big && !(e->flags & AF_HIDDEN)))
			continue;
		if (furniture_self(e) ||
		    ((e->flags & AF_NEG) && !(e->flags & AF_POS) && layout_class(e->node)))
			return 1;
	}
	return 0;
}

static int parse_into(const char *s, const char *lang, char **out)
{
	char iso[ISO_MAX];

	if (s == NULL || *out != NULL || date_parse(s, lang, NULL, iso, sizeof(iso)) < 0)
		return -1;
	*out = xstrdup(iso);
	return 0;
}

/*
 * 1 when a date read from the page's text can be its publication date:
 * from MIN_YEAR up to tomorrow. A headline naming "8 May 1945" or a footer
 * counting to next year is no publication date.
 */
static int plausible(const char *iso)
{
	time_t t = (time_t)clock_wall() + 86400;
	struct tm tm;
	char tomorrow[16];

	gmtime_r(&t, &tm);
	strftime(tomorrow, sizeof(tomorrow), "%Y-%m-%d", &tm);
	return atoi(iso) >= MIN_YEAR && strncmp(iso, tomorrow, 10) <= 0;
}

/* parse_into for a date read from text: only a plausible one. */
static int text_into(const char *s, const char *lang, char **out)
{
	if (parse_into(s, lang, out) != 0)
		return -1;
	if (plausible(*out))
		return 0;
	free(*out);
	*out = NULL;
	return -1;
}

static int inside(const struct art_doc *d, long i, long root)
{
	for (long p = i; p >= 0 && p >= root; p = d->v[p].parent)
		if (p == root)
			return 1;
	return 0;
}

/* Text counts leave out what the extraction dropped: a dropped element is read. */
static int has_text(const struct art_node *e)
{
	char *t;
	int r;

	if (e->text > 0 || !(e->flags & AF_DROP))
		return e->text > 0;
	t = art_node_text(e->node, 16);
	r = t[0] != '\0';
	free(t);
	return r;
}

/*
 * The element holding both the headline and the body, the article's column
 * (without a headline, the body's parent); -1 for the whole page.
 */
static long article_scope(const struct art_doc *d, long head, const long *roots, size_t nroots)
{
	if (nroots == 0)
		return -1;
	if (head < 0)
		return d->v[roots[0]].parent;
	for (long p = head; p >= 0; p = d->v[p].parent)
		if (inside(d, roots[0], p))
			return p;
	return -1;
}

/* 1 when element i belongs to a list item holding a link: a related or latest-news entry. */
static int in_linked_item(const struct art_doc *d, long i)
{
	for (int up = 0; i >= 0 && up < 4; up++, i = d->v[i].parent)
		if (art_name_is(d->v[i].node, "li"))
			return d->v[i].link > 0;
	return 0;
}

/*
 * The headline: the first <h1> outside the furniture, else the last heading
 * with text before the body, else -1.
 */
static long headline(const struct art_doc *d, const long *roots, size_t nroots)
{
	long last = -1;

	for (size_t i = 0; i < d->n; i++) {
		const struct art_node *e = &d->v[i];

		if ((e->flags & AF_H1) && has_text(e) && !art_in_furniture(d, (long)i))
			return (long)i;
	}
	for (size_t i = 0; nroots > 0 && i < (size_t)roots[0]; i++) {
		const struct art_node *e = &d->v[i];

		if ((e->flags & AF_HEADING) && has_text(e) && !art_in_furniture(d, (long)i))
			last = (long)i;
	}
	return last;
}

/* A date in an element of the article's column whose class or id says so, nearest the anchor. */
static char *date_by_class(const struct art_doc *d, long anchor, long scope, const char *lang)
{
	char *best = NULL;
	long best_dist = -1;
	int tried = 0;

	for (size_t i = 0; i < d->n && tried < DATE_CANDIDATES; i++) {
		const struct art_node *e = &d->v[i];
		long dist = (long)i > anchor ? (long)i - anchor : anchor - (long)i;
		char *t, *iso = NULL;

		if ((e->flags & AF_JUNK) || e->own + e->text > 400 ||
		    (best_dist >= 0 && dist >= best_dist) ||
		    (scope >= 0 && !inside(d, (long)i, scope)) || !dateish_class(e->node) ||
		    art_in_furniture(d, (long)i) || in_linked_item(d, (long)i))
			continue;
		tried++;
		t = art_node_text(e->node, 200);
		if (text_into(t, lang, &iso) == 0) {
			free(best);
			best = iso;
			best_dist = dist;
		}
		free(t);
	}
	return best;
}

/* Punctuation that separates words: ASCII, general, CJK and full-width forms. */
static int is_punct(unsigned cp)
{
	return (cp < 0x80 &&
		!((cp >= '0' && cp <= '9') || ((cp | 32) >= 'a' && (cp | 32) <= 'z'))) ||
	       (cp >= 0x2010 && cp <= 0x206F) || (cp >= 0x3000 && cp <= 0x303F) ||
	       (cp >= 0xFF01 && cp <= 0xFF0F) || (cp >= 0xFF1A && cp <= 0xFF20) || cp == 0xA0;
}

/* Words in s[0..n): runs of letters and digits ("慕尼黑" is one). */
static size_t count_words(const char *s, size_t n)
{
	size_t i = 0, words = 0;
	int in = 0;

	while (i < n) {
		unsigned cp;
		size_t k = art_utf8_next((const unsigned char *)s + i, &cp);

		if (k == 0)
			break;
		if (art_cp_space(cp) || is_punct(cp)) {
			in = 0;
		} else if (!in) {
			words++;
			in = 1;
		}
		i += k;
	}
	return words;
}

/* After a date: ", " then a dash, colon or bar that opens the text ("6 May 2021 – The..."). */
static int dash_follows(const char *s)
{
	static const char *const dashes[] = {"-", ":", "|", "\xE2\x80\x93", "\xE2\x80\x94"};

	while (*s == ' ' || *s == ',')
		s++;
	for (size_t i = 0; i < sizeof(dashes) / sizeof(dashes[0]); i++)
		if (strncmp(s, dashes[i], strlen(dashes[i])) == 0)
			return s[strlen(dashes[i])] == ' ';
	return 0;
}

/*
 * The date of line when the line is a dateline: the date and at most a few
 * words (place, "Posted on"), or a line opening with a place and the date
 * followed by a dash. NULL for a date inside a sentence.
 */
static char *dateline_date(const char *line, const char *lang)
{
	char iso[ISO_MAX];
	size_t start, end, before, after;

	if (date_find(line, lang, iso, sizeof(iso), &start, &end) != 0)
		return NULL;
	before = count_words(line, start);
	after = count_words(line + end, strlen(line + end));
	if ((before + after <= DATELINE_WORDS || (before <= 2 && dash_follows(line + end))) &&
	    plausible(iso))
		return xstrdup(iso);
	return NULL;
}

/* The next node of root's subtree in document order, skipping n's children when skip. */
static xmlNodePtr walk_next(xmlNodePtr n, xmlNodePtr root, int skip)
{
	if (!skip && n->type == XML_ELEMENT_NODE && n->children != NULL)
		return n->children;
	while (n != root && n->next == NULL)
		n = n->parent;
	return n == root ? NULL : n->next;
}

/*
 * The text of the first (last = 0) or last (last = 1) <br>-separated line
 * of block root into b, whitespace collapsed, at most LINE_MAX_BYTES.
 */
static void block_line(xmlNodePtr root, int last, struct buf *b)
{
	xmlNodePtr n = root->children;
	int new_line = 0; /* a <br> passed: the next words start the last line */

	buf_reset(b);
	while (n != NULL) {
		int skip = 0;

		if ((n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) &&
		    b->len < LINE_MAX_BYTES) {
			const char *t = (const char *)n->content;

			if (new_line && t != NULL && count_words(t, strlen(t)) > 0) {
				buf_reset(b);
				new_line = 0;
			}
			art_collapse(b, t);
		} else if (n->type == XML_ELEMENT_NODE && art_name_is(n, "br")) {
			if (!last && count_words(buf_str(b), b->len) > 0)
				break;
			new_line = last;
		} else if (n->type == XML_ELEMENT_NODE &&
			   (art_name_is(n, "script") || art_name_is(n, "style"))) {
			skip = 1;
		}
		n = walk_next(n, root, skip);
	}
}

/* A block of text with no blocks inside it (a paragraph, a heading, a cell), not furniture. */
static int text_block(const struct art_doc *d, long i)
{
	const struct art_node *e = &d->v[i];

	return (e->flags & AF_BLOCK) && !(e->flags & AF_LIST) && e->blocks == 0 && has_text(e) &&
	       !art_in_furniture(d, i);
}

/* A block that a class (its own or its parent's) calls the article's metadata. */
static int meta_block(const struct art_doc *d, long i)
{
	for (int up = 0; i >= 0 && up < 2; up++, i = d->v[i].parent)
		if ((d->v[i].flags & AF_NEG) && meta_class(d->v[i].node))
			return 1;
	return 0;
}

/* The dateline date of block i (its first line, or its last when last), or NULL. */
static char *block_dateline(const struct art_doc *d, long i, int last, const char *lang,
			    struct buf *b)
{
	char *iso = NULL;

	block_line(d->v[i].node, last, b);
	if (meta_block(d, i))
		text_into(buf_str(b), lang,
			  &iso); /* "By A. Writer on Monday, November 18th, 2019" */
	return iso != NULL ? iso : dateline_date(buf_str(b), lang);
}

/* A dateline among the first blocks after the headline, or at the body's start. */
static char *dateline_near(const struct art_doc *d, long head, const long *roots, size_t nroots,
			   const char *lang, struct buf *b)
{
	size_t near = 0, start = 0;
	char *iso = NULL;

	for (long i = 0; i < (long)d->n && iso == NULL; i++) {
		int after_head = head >= 0 && i > head && near < NEAR_BLOCKS;
		int body_start = nroots > 0 && start < EDGE_BLOCKS && inside(d, i, roots[0]);

		if (i == head || (!after_head && !body_start) || !text_block(d, i))
			continue;
		near += after_head;
		start += body_start;
		iso = block_dateline(d, i, 0, lang, b);
	}
	return iso;
}

/* A dateline among the last blocks of the body (its last lines). */
static char *dateline_end(const struct art_doc *d, const long *roots, size_t nroots,
			  const char *lang, struct buf *b)
{
	size_t seen = 0;
	char *iso = NULL;
	long root = nroots > 0 ? roots[nroots - 1] : -1;

	for (long i = (long)d->n - 1; root >= 0 && i > root && seen < EDGE_BLOCKS && !iso; i--) {
		if (!inside(d, i, root) || !text_block(d, i))
			continue;
		seen++;
		iso = block_dateline(d, i, 1, lang, b);
	}
	return iso;
}

/* The date of element i's text when it is written there, or NULL. */
static char *text_date(const struct art_doc *d, long i, const char *lang)
{
	char *t, *iso = NULL;

	if (i < 0)
		return NULL;
	t = art_node_text(d->v[i].node, 1024);
	text_into(t, lang, &iso);
	free(t);
	return iso;
}

/* The page's own evidence, after structured data: see the top of this file. */
static char *date_in_page(const struct art_doc *d, const long *roots, size_t nroots,
			  const char *lang)
{
	long head = headline(d, roots, nroots);
	long anchor = head >= 0 ? head : nroots > 0 ? roots[0] : 0;
	char *iso = date_by_class(d, anchor, article_scope(d, head, roots, nroots), lang);
	struct buf b;

	if (iso != NULL)
		return iso;
	buf_init(&b);
	iso = dateline_near(d, head, roots, nroots, lang, &b);
	if (iso == NULL)
		iso = dateline_end(d, roots, nroots, lang, &b);
	buf_free(&b);
	return iso != NULL ? iso : text_date(d, head, lang);
}

char *art_pick_date(const struct art_doc *d, const struct art_date_hints *h, const long *roots,
		    size_t nroots, const char *lang)
{
	char *iso = NULL;

	if (parse_into(h->ld, lang, &iso) == 0 || parse_into(h->meta, lang, &iso) == 0 ||
	    parse_into(h->time, lang, &iso) == 0)
		return iso;
	if (d->n > 0)
		iso = date_in_page(d, roots, nroots, lang);
	if (iso == NULL)
		text_into(h->title, lang, &iso);
	if (iso == NULL)
		parse_into(h->mod, lang, &iso);
	return iso;
}
