/*
 * Rendering the chosen blocks as text: block elements become paragraphs
 * separated by blank lines, <br> a line break (two of them a paragraph
 * break), white space collapsed. Inside the article, lists, tables and
 * boxes made mostly of links (navigation, related items, tag clouds) and
 * the headline are left out.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "analyze/article/article_int.h"
#include "analyze/utf8.h"

#define TAG_BOX_MAX 300 /* text length of a tags box at most */

enum { P_NONE, P_SPACE, P_LINE, P_PARA };

struct render {
	struct buf out;
	int pending;
};

/*
 * A character that can open a sentence: not a lower-case letter nor
 * punctuation that continues one (a comma, a closing bracket).
 */
static int opens_sentence(const unsigned char *p)
{
	int32_t c;
	utf8proc_category_t cat;

	utf8_next_str((const char *)p, &c);
	if (c < 0)
		return 0;
	cat = utf8proc_category(c);
	return cat == UTF8PROC_CATEGORY_LU || cat == UTF8PROC_CATEGORY_LT ||
	       cat == UTF8PROC_CATEGORY_LO || cat == UTF8PROC_CATEGORY_ND ||
	       cat == UTF8PROC_CATEGORY_PI || cat == UTF8PROC_CATEGORY_PS ||
	       cat == UTF8PROC_CATEGORY_PD || c == '"' || c == '\'' || c == '*';
}

/*
 * Writes the pending separator before the text at next. A single <br>
 * between a finished sentence and a new one is a paragraph break: bodies
 * built from <br> alone separate their paragraphs so.
 */
static void flush_pending(struct render *r, const unsigned char *next)
{
	static const char *const sep[] = {"", " ", "\n", "\n\n"};

	if (r->pending == P_LINE && art_ends_sentence(r->out.data, r->out.len) &&
	    opens_sentence(next))
		r->pending = P_PARA;
	if (r->out.len > 0 && r->pending != P_NONE)
		buf_append_str(&r->out, sep[r->pending]);
	r->pending = P_NONE;
}

static void want(struct render *r, int p)
{
	if (p > r->pending)
		r->pending = p;
}

static void emit_text(struct render *r, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned c;
	size_t k;

	while (p && *p) {
		if (*p < 0x80 && *p != ' ' && (*p < 9 || *p > 13)) {
			/* a run of ASCII non-space bytes in one append */
			for (k = 1; p[k] && p[k] < 0x80 && p[k] != ' ' && (p[k] < 9 || p[k] > 13);
			     k++)
				;
			flush_pending(r, p);
			buf_append(&r->out, p, k);
			p += k;
			continue;
		}
		k = art_utf8_next(p, &c);
		if (art_cp_space(c)) {
			want(r, P_SPACE);
		} else {
			flush_pending(r, p);
			buf_append(&r->out, p, k);
		}
		p += k;
	}
}

/* Containers inside the article that are boilerplate by their links. */
static int link_box(const struct art_node *e)
{
	double ld;

	if (e->text == 0)
		return 0;
	ld = (double)e->link / (double)e->text;
	if (e->flags & (AF_LIST | AF_TABLE))
		return ld > 0.5;
	if ((e->flags & AF_PARA) && !art_name_is(e->node, "li"))
		return 0;
	if (e->flags & AF_BLOCK)
		return ld > 0.5;
	return 0;
}

static int skip_element(const struct art_doc *d, long i, long root, int clean)
{
	const struct art_node *e = &d->v[i];

	if (e->flags & AF_DROP)
		return 1;
	if (!clean)
		return 0;
	if (e->flags & AF_H1)
		return 1;
	if (i == root)
		return 0;
	/* a short box of the article's tags or categories, even when it says "post-tags" */
	if ((e->flags & AF_TAGS) && e->text < TAG_BOX_MAX)
		return 1;
	/* the headline's box: kicker, "Speech", share counts around the h1 */
	if (e->h1 > 0 && e->h1 * 3 >= e->text)
		return 1;
	return link_box(e);
}

static void render_root(struct render *r, const struct art_doc *d, long root, int clean)
{
	xmlNodePtr top = d->v[root].node, n = top;
	long i;
	int skip;

	while (n) {
		skip = 0;
		if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
			emit_text(r, (const char *)n->content);
		} else if (n->type != XML_ELEMENT_NODE || (i = art_idx(n)) < 0 ||
			   skip_element(d, i, root, clean)) {
			skip = 1;
		} else if (d->v[i].flags & AF_BR) {
			want(r, r->pending >= P_LINE ? P_PARA : P_LINE);
		} else if (d->v[i].flags & AF_BLOCK) {
			want(r, P_PARA);
		}
		/* leaving elements: a block's end is a paragraph break */
		if (!skip && n->children) {
			n = n->children;
			continue;
		}
		while (n && n != top && !n->next) {
			n = n->parent;
			if (n && n->type == XML_ELEMENT_NODE && (i = art_idx(n)) >= 0 &&
			    (d->v[i].flags & AF_BLOCK))
				want(r, P_PARA);
		}
		n = (n && n != top) ? n->next : NULL;
		if (n && n->prev && (i = art_idx(n->prev)) >= 0 && (d->v[i].flags & AF_BLOCK))
			want(r, P_PARA);
	}
	want(r, P_PARA);
}

/*
 * Text of the chosen roots (element indexes in document order), paragraphs
 * separated by blank lines, trailing tag and share lines cut; clean also
 * drops link boxes, the headline and repeated paragraphs.
 * Returns an allocated string; *words its words.
 */
char *art_render(const struct art_doc *d, const long *roots, size_t nroots, int clean,
		 size_t *words)
{
	struct render r;
	char *s;

	memset(&r, 0, sizeof(r));
	buf_init(&r.out);
	for (size_t k = 0; k < nroots; k++)
		render_root(&r, d, roots[k], clean);
	s = buf_steal(&r.out);
	if (clean)
		art_dedup_paragraphs(s);
	/* a body XPath's block ends with its tag line too ("Темы: ВТО" after <br>) */
	art_drop_tag_lines(s);
	if (words)
		*words = art_count_words(s);
	return s;
}
