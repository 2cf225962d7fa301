/*
 * analyze/article internals shared by article*.c. Not a public interface.
 *
 * One pass indexes every element of the document into an array in document
 * order (parents before children); the element's _private field holds its
 * index + 1 while the extraction runs and is reset to NULL afterwards. All
 * later passes run over that array or walk the tree iteratively, so no
 * step recurses on document depth.
 */
#ifndef SW_ANALYZE_ARTICLE_INT_H
#define SW_ANALYZE_ARTICLE_INT_H

#include <stddef.h>
#include <libxml/tree.h>

#include "analyze/article/article.h"
#include "common/buf.h"

#define LEAD_MAX 800 /* text length (art_text_len) of a standfirst at most */

enum {
	AF_BLOCK = 1 << 0,   /* starts a new paragraph */
	AF_LINK = 1 << 1,    /* <a href> */
	AF_JUNK = 1 << 2,    /* never text: script, style, form controls */
	AF_CHROME = 1 << 3,  /* nav, aside, footer, header, form: page furniture */
	AF_HIDDEN = 1 << 4,  /* hidden attribute, aria-hidden, display:none */
	AF_NEG = 1 << 5,     /* class/id says boilerplate unless also positive */
	AF_STRONG = 1 << 6,  /* class/id says boilerplate, whatever else it says */
	AF_POS = 1 << 7,     /* class/id says content */
	AF_DROP = 1 << 8,    /* removed, with its subtree */
	AF_HEADING = 1 << 9, /* h1-h6 */
	AF_LIST = 1 << 10,   /* ul, ol, dl, menu */
	AF_PARA = 1 << 11,   /* p, pre, blockquote, td, li: paragraph-like */
	AF_SCORED = 1 << 12, /* has a candidate score */
	AF_BR = 1 << 13,     /* <br> */
	AF_IMG = 1 << 14,    /* img, picture, video */
	AF_H1 = 1 << 15,     /* h1: the headline, not body text */
	AF_TABLE = 1 << 16,  /* table */
	AF_PRE = 1 << 17,    /* pre, textarea: whitespace kept */
	AF_TAGS = 1 << 18,   /* class/id says tags, categories, keywords */
	AF_LEAD = 1 << 19,   /* class/id says standfirst, summary, lead, chapo */
};

struct art_node {
	xmlNodePtr node;
	long parent; /* index of the parent element, -1 for the root */
	unsigned flags;
	int depth;  /* element depth below the root, capped */
	size_t own; /* text length of direct text-node children */
	unsigned own_commas;
	size_t text; /* text length of the subtree (dropped parts excluded) */
	size_t link; /* of which inside links */
	size_t inl;  /* text of this element's own paragraph (inline descendants) */
	size_t inl_link;
	unsigned inl_commas;
	unsigned paras; /* paragraph-like descendants with >= 25 of text */
	unsigned lis, imgs, blocks;
	size_t h1; /* text inside h1 descendants */
	double score;
};

struct art_doc {
	xmlDocPtr doc;
	xmlNodePtr html, body, head;
	struct art_node *v;
	size_t n, cap;
	size_t body_text;
};

/* article_dom.c */
int art_index(struct art_doc *d, xmlDocPtr doc, char *err, size_t errlen);
void art_release(struct art_doc *d);
long art_idx(xmlNodePtr n);
int art_is_ancestor(const struct art_doc *d, long anc, long i);
size_t art_subtree_end(const struct art_doc *d, long k);
void art_totals(struct art_doc *d);
size_t art_utf8_next(const unsigned char *s, unsigned *cp);
int art_cp_space(unsigned c);
size_t art_text_len(const char *s, unsigned *commas);
int art_name_is(xmlNodePtr n, const char *name);
char *art_node_text(xmlNodePtr n, size_t max);
void art_collapse(struct buf *out, const char *s);

/* article_clean.c */
void art_classify(struct art_doc *d);
void art_drop_chrome(struct art_doc *d, int strict);
void art_reset(struct art_doc *d);
void art_drop_subtrees(struct art_doc *d);

/* article_score.c */
size_t art_choose(struct art_doc *d, long *out, size_t max);

/* article_text.c */
char *art_render(const struct art_doc *d, const long *roots, size_t nroots, int clean,
		 size_t *words);
size_t art_count_words(const char *s);

/* article_lines.c */
void art_drop_tag_lines(char *text);
void art_dedup_paragraphs(char *text);
char *art_join_lead(const char *lead, const char *text);
void art_drop_repeated_lead(char *text);
/* An abstract's label ("Résumé :", "Summary:") opens s; such a block is left out. */
int art_abstract_label(const char *s);
void art_drop_abstract(char *text);

/* article_lead.c */
void art_lead(struct art_doc *d, const long *roots, size_t nroots, char **text, size_t *words);

/* article_notext.c */
int art_text_is_prose(const char *text);
int art_ends_sentence(const char *s, size_t len);
void art_no_text(const struct art_doc *d, const char *url, const char *body_xpath,
		 struct article *out);
int art_only_document_link(const struct art_doc *d, const long *roots, size_t nroots, size_t words);

/* article_meta.c, article_title.c */
struct art_titles {
	char *og;   /* og:title, twitter:title or JSON-LD headline */
	char *doc;  /* <title> */
	char *site; /* og:site_name */
};
void art_meta(struct art_doc *d, const char *url, const struct article_opts *opts,
	      const long *roots, size_t nroots, struct article *out, struct art_titles *t);
void art_title(const struct art_doc *d, struct art_titles *t, struct article *out);

/* article_date.c: the publication date from what article_meta.c read (each may be NULL). */
struct art_date_hints {
	const char *ld;	   /* JSON-LD datePublished */
	const char *meta;  /* <meta> publication date */
	const char *time;  /* <time datetime> of the article */
	const char *title; /* <title> */
	const char *mod;   /* modification date */
};
char *art_pick_date(const struct art_doc *d, const struct art_date_hints *h, const long *roots,
		    size_t nroots, const char *lang);
int art_in_furniture(const struct art_doc *d, long i);

#endif
