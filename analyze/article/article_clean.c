/*
 * Boilerplate removal before scoring: hidden elements, page furniture
 * (nav, aside, footer, forms) and blocks whose class or id names them as
 * sharing tools, related items, comments, cookie notices and the like.
 * A block holding most of the page's text is never removed on such hints
 * alone: some sites wrap the whole page in a <form> or a "menu-wrapper".
 * <footer>, <nav> and <aside> go whatever their size, in the fallback too:
 * on a page with only a headline they are all the text there is.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "analyze/article/article_int.h"

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

/*
 * A standfirst, summary or lead, as a whole word ("b-article__lead", not
 * "leader"): given back as the first paragraph when it is the chosen
 * article's own and was left out (article_lead.c).
 */
static const char *const lead_words[] = {
    "lead",	"lede",	      "dek",	 "deck",	 "standfirst", "chapo",	    "chapeau",
    "summary",	"intro",      "excerpt", "teaser",	 "resume",     "subtitle",  "subheadline",
    "abstract", "annotation", "anons",	 "introduction", "sous-titre", "soustitre", "descr",
};

/* The article's tags and categories, at the end of a class token ("post-tags", not "tag-x"). */
static const char *const tag_words[] = {"tags",	    "tag",	"categories",
					"category", "keywords", "topics"};

/* Tokens that mean boilerplate only as a whole class name. */
static const char *const exact_neg[] = {"ad", "ads", "hide", "hidden", "nav", "tool", "tools"};

static int word_start(const char *hay, const char *at)
{
	return at == hay || !isalnum((unsigned char)at[-1]);
}

#define NITEMS(a) (sizeof(a) / sizeof((a)[0]))

/* How a lexicon word must end to match: anywhere, at a word end, at a class-token end. */
enum { END_ANY, END_WORD, END_TOKEN };

struct lex_word {
	const char *w;
	size_t len;
	unsigned flag; /* AF_STRONG, AF_NEG, AF_POS, AF_TAGS or AF_LEAD */
	int end;
};

/*
 * All the word lists bucketed by first letter, so that a class/id string
 * is scanned once and each of its word starts is compared only with the
 * few words sharing its first letter. Built once per art_classify call.
 */
struct lexicon {
	struct lex_word v[NITEMS(strong_words) + NITEMS(exact_neg) + NITEMS(whole_neg) +
			  NITEMS(weak_words) + NITEMS(pos_words) + NITEMS(tag_words) +
			  NITEMS(lead_words)];
	size_t start[27]; /* bucket of letter c: v[start[c - 'a']] to v[start[c - 'a' + 1]] */
};

static void lex_add(struct lex_word *tmp, size_t *n, const char *const *words, size_t count,
		    unsigned flag, int end)
{
	for (size_t i = 0; i < count; i++)
		tmp[(*n)++] = (struct lex_word){words[i], strlen(words[i]), flag, end};
}

static void lex_build(struct lexicon *lx)
{
	struct lex_word tmp[NITEMS(lx->v)];
	size_t n = 0, at = 0;

	lex_add(tmp, &n, strong_words, NITEMS(strong_words), AF_STRONG, END_ANY);
	lex_add(tmp, &n, exact_neg, NITEMS(exact_neg), AF_STRONG, END_TOKEN);
	lex_add(tmp, &n, whole_neg, NITEMS(whole_neg), AF_STRONG, END_WORD);
	lex_add(tmp, &n, weak_words, NITEMS(weak_words), AF_NEG, END_ANY);
	lex_add(tmp, &n, pos_words, NITEMS(pos_words), AF_POS, END_ANY);
	lex_add(tmp, &n, tag_words, NITEMS(tag_words), AF_TAGS, END_TOKEN);
	lex_add(tmp, &n, lead_words, NITEMS(lead_words), AF_LEAD, END_WORD);
	/* counting sort by first letter; every listed word starts with a-z */
	for (int c = 0; c < 26; c++) {
		lx->start[c] = at;
		for (size_t i = 0; i < n; i++)
			if (tmp[i].w[0] == 'a' + c)
				lx->v[at++] = tmp[i];
	}
	lx->start[26] = at;
}

/* Flags of the lexicon words that start at p (p is at the start of a word). */
static unsigned lex_match(const struct lexicon *lx, const char *p)
{
	unsigned f = 0;
	int c = p[0] - 'a';

	for (size_t i = lx->start[c]; i < lx->start[c + 1]; i++) {
		const struct lex_word *w = &lx->v[i];
		size_t k = 1; /* p[0] == w->w[0] by the bucket */
		char next;

		if (f & w->flag)
			continue;
		/* stops at the end of p too: the words hold no NUL */
		while (k < w->len && p[k] == w->w[k])
			k++;
		if (k < w->len)
			continue;
		next = p[w->len];
		if (w->end == END_ANY || (w->end == END_WORD && !isalnum((unsigned char)next)) ||
		    (w->end == END_TOKEN && (next == '\0' || next == ' ')))
			f |= w->flag;
	}
	return f;
}

/*
 * The value of attribute name (no namespace) without copying it when it is
 * one text node, as the HTML parser makes; *copy is set when the caller
 * must xmlFree the result.
 */
static const char *attr_value(xmlAttrPtr a, xmlChar **copy)
{
	*copy = NULL;
	if (a->children == NULL)
		return "";
	if (a->children->next == NULL && a->children->type == XML_TEXT_NODE)
		return a->children->content ? (const char *)a->children->content : "";
	*copy = xmlNodeListGetString(a->doc, a->children, 1);
	return *copy ? (const char *)*copy : "";
}

struct attrs {
	xmlAttrPtr cls, id, style, aria_hidden;
	int hidden;
};

/* One pass over the attributes (xmlGetNoNsProp would search once per name). */
static void attrs_get(xmlNodePtr n, struct attrs *at)
{
	memset(at, 0, sizeof(*at));
	for (xmlAttrPtr a = n->properties; a; a = a->next) {
		const char *name = (const char *)a->name;

		if (name == NULL)
			continue;
		if (strcmp(name, "hidden") == 0)
			at->hidden = 1;
		if (a->ns != NULL)
			continue;
		if (strcmp(name, "class") == 0 && at->cls == NULL)
			at->cls = a;
		else if (strcmp(name, "id") == 0 && at->id == NULL)
			at->id = a;
		else if (strcmp(name, "style") == 0 && at->style == NULL)
			at->style = a;
		else if (strcmp(name, "aria-hidden") == 0 && at->aria_hidden == NULL)
			at->aria_hidden = a;
	}
}

/* Appends s lower-cased at out[*j], keeping room for the terminating NUL. */
static void lower_append(char *out, size_t outlen, size_t *j, const char *s)
{
	for (; *s && *j + 1 < outlen; s++)
		out[(*j)++] = (char)tolower((unsigned char)*s);
}

/* class and id, lower-cased and joined with a space, into out (truncated). */
static void class_id(const struct attrs *at, char *out, size_t outlen)
{
	xmlChar *c1 = NULL, *c2 = NULL;
	size_t j = 0;

	lower_append(out, outlen, &j, at->cls ? attr_value(at->cls, &c1) : "");
	lower_append(out, outlen, &j, " ");
	lower_append(out, outlen, &j, at->id ? attr_value(at->id, &c2) : "");
	out[j] = '\0';
	xmlFree(c1);
	xmlFree(c2);
}

/*
 * Every list is matched at word starts only, so one scan of the class/id
 * string visits each word once instead of a strstr per list entry.
 */
static unsigned class_flags(const struct lexicon *lx, const struct attrs *at)
{
	char ci[512];
	unsigned f = 0;

	if (at->cls == NULL && at->id == NULL)
		return 0;
	class_id(at, ci, sizeof(ci));
	for (const char *p = ci; *p; p++)
		if (*p >= 'a' && *p <= 'z' && word_start(ci, p))
			f |= lex_match(lx, p);
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

static int is_hidden(const struct attrs *at)
{
	xmlChar *copy;
	int hidden;

	if (at->hidden)
		return 1;
	if (at->aria_hidden) {
		hidden = strcasecmp(attr_value(at->aria_hidden, &copy), "true") == 0;
		xmlFree(copy);
		if (hidden)
			return 1;
	}
	if (at->style) {
		hidden = style_hidden(attr_value(at->style, &copy));
		xmlFree(copy);
		return hidden;
	}
	return 0;
}

/* Sets the class/id and visibility flags of every element. */
void art_classify(struct art_doc *d)
{
	struct lexicon lx;

	lex_build(&lx);
	for (size_t i = 0; i < d->n; i++) {
		struct art_node *e = &d->v[i];

		if (e->flags & AF_DROP)
			continue;
		struct attrs at;

		if (e->node->properties == NULL)
			continue;
		attrs_get(e->node, &at);
		e->flags |= class_flags(&lx, &at);
		if (is_hidden(&at))
			e->flags |= AF_HIDDEN;
	}
}

/* Footers, navigation and sidebars by their tag: never a page's article, however long. */
static int furniture_tag(xmlNodePtr n)
{
	return art_name_is(n, "footer") || art_name_is(n, "nav") || art_name_is(n, "aside");
}

static int removable(const struct art_doc *d, const struct art_node *e, int strict)
{
	long b = d->body ? art_idx(d->body) : -1;
	int headline = b >= 0 && d->v[b].h1 > 0;
	/* a wrapper holds the headline too; a footer outweighing a headline-only page does not */
	int big = e->text * 2 > d->body_text && d->body_text > 0 && (!headline || e->h1 > 0);

	if (e->node == d->html || e->node == d->body)
		return 0;
	if (furniture_tag(e->node))
		return 1;
	if (big)
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
