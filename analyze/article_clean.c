/*
 * Boilerplate removal before scoring: hidden elements, page furniture
 * (nav, aside, footer, forms) and blocks whose class or id names them as
 * sharing tools, related items, comments, cookie notices and the like.
 * A block holding most of the page's text is never removed on such hints
 * alone: some sites wrap the whole page in a <form> or a "menu-wrapper".
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "analyze/article_int.h"

/* Always boilerplate, even next to a content word ("article-share"). */
static const char *const strong_words[] = {
    "comment",	 "disqus",     "share",	     "sharing",	      "social",		 "related",
    "cookie",	 "consent",    "gdpr",	     "newsletter",    "subscri",	 "promo",
    "advert",	 "sponsor",    "breadcrumb", "pagination",    "pager",		 "print",
    "outbrain",	 "taboola",    "recommend",  "signup",	      "sign-up",	 "popup",
    "modal",	 "skip-link",  "sr-only",    "screen-reader", "visually-hidden", "visuallyhidden",
    "nocontent", "newsletter", "login",	     "most-read",     "mostread",	 "most-popular",
    "trending",	 "read-more",  "readmore",   "also-read",     "more-stories",	 "tool",
    "rating",	 "feedback",   "widget",     "jump-link",     "caption",	 "credit",
};

/* Boilerplate unless the same attribute also says content. */
static const char *const weak_words[] = {
    "header",	 "footer",     "menu",	  "nav",     "sidebar", "side-bar", "aside", "masthead",
    "banner",	 "tags",       "tag-",	  "byline",  "author",	"meta",	    "extra", "rail",
    "lang",	 "date",       "topbar",  "toolbar", "top-bar", "ad-",	    "ads-",  "dateline",
    "timestamp", "supplement", "overlay", "bottom",  "subnav",
};

static const char *const pos_words[] = {
    "article", "body", "content", "entry", "post", "story", "text", "blog", "speech",
};

/* Words that mean boilerplate only as a whole word ("b-article__lead", not "leader"). */
static const char *const whole_neg[] = {"lead", "dek", "deck", "standfirst", "kicker"};

/* Tokens that mean boilerplate only as a whole class name. */
static const char *const exact_neg[] = {"ad", "ads", "hide", "hidden", "nav", "tool", "tools"};

static int word_start(const char *hay, const char *at)
{
	return at == hay || !isalnum((unsigned char)at[-1]);
}

/* 1 if w occurs in hay at the start of a word ("article-share", "share_bar"). */
static int has_word(const char *hay, const char *w)
{
	for (const char *p = strstr(hay, w); p; p = strstr(p + 1, w))
		if (word_start(hay, p))
			return 1;
	return 0;
}

static int whole_word(const char *hay, const char *w)
{
	size_t k = strlen(w);

	for (const char *p = strstr(hay, w); p; p = strstr(p + 1, w))
		if (word_start(hay, p) && !isalnum((unsigned char)p[k]))
			return 1;
	return 0;
}

static int match_any(const char *hay, const char *const *words, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (has_word(hay, words[i]))
			return 1;
	return 0;
}

static int exact_token(const char *hay, const char *w)
{
	size_t k = strlen(w);

	for (const char *p = strstr(hay, w); p; p = strstr(p + 1, w))
		if (word_start(hay, p) && (p[k] == '\0' || p[k] == ' '))
			return 1;
	return 0;
}

#define NITEMS(a) (sizeof(a) / sizeof((a)[0]))

/* class and id, lower-cased and joined with a space, into out. */
static void class_id(xmlNodePtr n, char *out, size_t outlen)
{
	xmlChar *cls = xmlGetNoNsProp(n, (const xmlChar *)"class");
	xmlChar *id = xmlGetNoNsProp(n, (const xmlChar *)"id");
	size_t i;

	snprintf(out, outlen, "%s %s", cls ? (char *)cls : "", id ? (char *)id : "");
	for (i = 0; out[i]; i++)
		out[i] = (char)tolower((unsigned char)out[i]);
	xmlFree(cls);
	xmlFree(id);
}

static unsigned class_flags(xmlNodePtr n)
{
	char ci[512];
	unsigned f = 0;

	class_id(n, ci, sizeof(ci));
	if (ci[0] == ' ' && ci[1] == '\0')
		return 0;
	if (match_any(ci, strong_words, NITEMS(strong_words)))
		f |= AF_STRONG;
	for (size_t i = 0; i < NITEMS(exact_neg); i++)
		if (exact_token(ci, exact_neg[i]))
			f |= AF_STRONG;
	for (size_t i = 0; i < NITEMS(whole_neg); i++)
		if (whole_word(ci, whole_neg[i]))
			f |= AF_STRONG;
	if (match_any(ci, weak_words, NITEMS(weak_words)))
		f |= AF_NEG;
	if (match_any(ci, pos_words, NITEMS(pos_words)))
		f |= AF_POS;
	return f;
}

static int style_hidden(const char *style)
{
	char s[256];
	size_t j = 0;

	for (size_t i = 0; style[i] && j + 1 < sizeof(s); i++)
		if (!isspace((unsigned char)style[i]))
			s[j++] = (char)tolower((unsigned char)style[i]);
	s[j] = '\0';
	return strstr(s, "display:none") || strstr(s, "visibility:hidden");
}

static int is_hidden(xmlNodePtr n)
{
	xmlChar *v;
	int hidden = 0;

	if (xmlHasProp(n, (const xmlChar *)"hidden"))
		return 1;
	v = xmlGetNoNsProp(n, (const xmlChar *)"aria-hidden");
	hidden = v && strcasecmp((char *)v, "true") == 0;
	xmlFree(v);
	if (hidden)
		return 1;
	v = xmlGetNoNsProp(n, (const xmlChar *)"style");
	hidden = v && style_hidden((char *)v);
	xmlFree(v);
	return hidden;
}

/* Sets the class/id and visibility flags of every element. */
void art_classify(struct art_doc *d)
{
	for (size_t i = 0; i < d->n; i++) {
		struct art_node *e = &d->v[i];

		if (e->flags & AF_DROP)
			continue;
		e->flags |= class_flags(e->node);
		if (is_hidden(e->node))
			e->flags |= AF_HIDDEN;
	}
}

static int removable(const struct art_doc *d, const struct art_node *e, int strict)
{
	int big = e->text * 2 > d->body_text && d->body_text > 0;

	if (e->node == d->html || e->node == d->body || big)
		return 0;
	if (e->flags & AF_HIDDEN)
		return 1;
	if (!strict)
		return 0;
	if (e->flags & (AF_CHROME | AF_STRONG))
		return 1;
	return (e->flags & AF_NEG) && !(e->flags & AF_POS);
}

/*
 * Marks boilerplate elements (and their subtrees) dropped. strict 0 keeps
 * everything but hidden elements: the fallback when strict rules left too
 * little. Needs art_totals() before (and again after).
 */
void art_drop_chrome(struct art_doc *d, int strict)
{
	for (size_t i = 0; i < d->n; i++) {
		struct art_node *e = &d->v[i];

		if (e->parent >= 0 && (d->v[e->parent].flags & AF_DROP))
			e->flags |= AF_DROP;
		if (!(e->flags & AF_DROP) && removable(d, e, strict))
			e->flags |= AF_DROP;
	}
}

/* Propagates AF_DROP from parents to their subtrees (after marking roots). */
void art_drop_subtrees(struct art_doc *d)
{
	for (size_t i = 0; i < d->n; i++) {
		struct art_node *e = &d->v[i];

		if (e->parent >= 0 && (d->v[e->parent].flags & AF_DROP))
			e->flags |= AF_DROP;
	}
}

/* Undoes drops and scores, keeping only what is never text (scripts, ...). */
void art_reset(struct art_doc *d)
{
	for (size_t i = 0; i < d->n; i++) {
		struct art_node *e = &d->v[i];

		e->flags &= ~(unsigned)(AF_DROP | AF_SCORED);
		e->score = 0;
		if (e->flags & AF_JUNK)
			e->flags |= AF_DROP;
	}
	art_drop_subtrees(d);
}
