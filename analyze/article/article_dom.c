/*
 * The element index behind article extraction: every element once, in
 * document order, with tag flags and text statistics. Iterative walks only.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "analyze/article/article_int.h"
#include "analyze/utf8.h"
#include "common/xmalloc.h"

#define ART_MAX_DEPTH 1024

struct tag_flag {
	const char *name;
	unsigned flags;
};

/* Tags the extractor cares about; anything else is inline and neutral. */
static const struct tag_flag tag_flags[] = {
    {"a", AF_LINK},
    {"address", AF_BLOCK},
    {"applet", AF_JUNK},
    {"area", AF_JUNK},
    {"article", AF_BLOCK},
    {"aside", AF_BLOCK | AF_CHROME},
    {"audio", AF_JUNK},
    {"blockquote", AF_BLOCK | AF_PARA},
    {"body", AF_BLOCK},
    {"br", AF_BR},
    {"button", AF_JUNK},
    {"canvas", AF_JUNK},
    {"caption", AF_BLOCK},
    {"center", AF_BLOCK},
    {"dd", AF_BLOCK | AF_PARA},
    {"details", AF_BLOCK},
    {"dialog", AF_JUNK},
    {"dir", AF_BLOCK | AF_LIST},
    {"div", AF_BLOCK},
    {"dl", AF_BLOCK | AF_LIST},
    {"dt", AF_BLOCK | AF_PARA},
    {"embed", AF_JUNK},
    {"fieldset", AF_BLOCK},
    {"figcaption", AF_BLOCK | AF_CHROME},
    {"figure", AF_BLOCK},
    {"footer", AF_BLOCK | AF_CHROME},
    {"form", AF_BLOCK | AF_CHROME},
    {"frame", AF_JUNK},
    {"frameset", AF_JUNK},
    {"h1", AF_BLOCK | AF_HEADING | AF_H1},
    {"h2", AF_BLOCK | AF_HEADING},
    {"h3", AF_BLOCK | AF_HEADING},
    {"h4", AF_BLOCK | AF_HEADING},
    {"h5", AF_BLOCK | AF_HEADING},
    {"h6", AF_BLOCK | AF_HEADING},
    {"head", AF_JUNK},
    {"header", AF_BLOCK | AF_CHROME},
    {"hgroup", AF_BLOCK},
    {"hr", AF_BLOCK},
    {"html", AF_BLOCK},
    {"iframe", AF_JUNK},
    {"img", AF_IMG},
    {"input", AF_JUNK},
    {"label", 0},
    {"legend", AF_BLOCK},
    {"li", AF_BLOCK | AF_PARA},
    {"link", AF_JUNK},
    {"main", AF_BLOCK},
    {"map", AF_JUNK},
    {"math", AF_JUNK},
    {"menu", AF_BLOCK | AF_LIST | AF_CHROME},
    {"meta", AF_JUNK},
    {"nav", AF_BLOCK | AF_CHROME},
    {"noscript", AF_JUNK},
    {"object", AF_JUNK},
    {"ol", AF_BLOCK | AF_LIST},
    {"option", AF_JUNK},
    {"p", AF_BLOCK | AF_PARA},
    {"picture", AF_IMG},
    {"pre", AF_BLOCK | AF_PARA | AF_PRE},
    {"script", AF_JUNK},
    {"section", AF_BLOCK},
    {"select", AF_JUNK},
    {"source", AF_JUNK},
    {"style", AF_JUNK},
    {"summary", AF_BLOCK},
    {"svg", AF_JUNK},
    {"table", AF_BLOCK | AF_TABLE},
    {"tbody", AF_BLOCK},
    {"td", AF_BLOCK | AF_PARA},
    {"template", AF_JUNK},
    {"textarea", AF_JUNK},
    {"tfoot", AF_BLOCK},
    {"th", AF_BLOCK},
    {"thead", AF_BLOCK},
    {"title", AF_JUNK},
    {"tr", AF_BLOCK},
    {"track", AF_JUNK},
    {"ul", AF_BLOCK | AF_LIST},
    {"video", AF_JUNK | AF_IMG},
};

static int tag_cmp(const void *key, const void *elem)
{
	const struct tag_flag *t = elem;

	return strcasecmp(key, t->name);
}

static unsigned tag_lookup(const xmlChar *name)
{
	const struct tag_flag *t;

	if (name == NULL)
		return 0;
	t = bsearch(name, tag_flags, sizeof(tag_flags) / sizeof(tag_flags[0]), sizeof(tag_flags[0]),
		    tag_cmp);
	return t ? t->flags : 0;
}

int art_name_is(xmlNodePtr n, const char *name)
{
	return n && n->type == XML_ELEMENT_NODE && n->name &&
	       strcasecmp((const char *)n->name, name) == 0;
}

long art_idx(xmlNodePtr n)
{
	if (n == NULL || n->type != XML_ELEMENT_NODE || n->_private == NULL)
		return -1;
	return (long)(uintptr_t)n->_private - 1;
}

/* Reads one character of NUL-terminated s (utf8_next); an invalid byte reads as U+FFFD. */
size_t art_utf8_next(const unsigned char *s, unsigned *cp)
{
	int32_t c;
	size_t k = utf8_next_str((const char *)s, &c);

	*cp = c < 0 ? 0xFFFDu : (unsigned)c;
	return k;
}

int art_cp_space(unsigned c)
{
	return c == ' ' || (c >= 9 && c <= 13) || c == 0xA0 || (c >= 0x2000 && c <= 0x200B) ||
	       c == 0x202F || c == 0x205F || c == 0x3000 || c == 0xFEFF;
}

/* Scripts written without spaces between words: one character, one word. */
static int cp_cjk(unsigned c)
{
	return (c >= 0x2E80 && c <= 0x9FFF) || (c >= 0xAC00 && c <= 0xD7AF) ||
	       (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x20000 && c <= 0x2FFFF);
}

static int cp_comma(unsigned c)
{
	return c == ',' || c == 0xFF0C || c == 0x3001 || c == 0x060C;
}

/*
 * Length of text for density measures: non-space characters, CJK counted
 * twice (one CJK character carries about as much as two Latin letters).
 */
size_t art_text_len(const char *s, unsigned *commas)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = 0;
	unsigned c;

	if (s == NULL)
		return 0;
	while (*p) {
		if (*p < 0x80) {
			/* ASCII fast path: most text of most pages */
			c = *p++;
			if (c == ' ' || (c >= 9 && c <= 13))
				continue;
			len++;
			if (commas && c == ',')
				(*commas)++;
			continue;
		}
		p += art_utf8_next(p, &c);
		if (art_cp_space(c))
			continue;
		len += cp_cjk(c) ? 2 : 1;
		if (commas && cp_comma(c))
			(*commas)++;
	}
	return len;
}

/* Appends s with runs of white space collapsed to one space. */
void art_collapse(struct buf *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	int space = out->len > 0 && out->data[out->len - 1] != ' ';
	int pending = 0;
	unsigned c;
	size_t k;

	while (p && *p) {
		k = art_utf8_next(p, &c);
		if (art_cp_space(c)) {
			pending = space;
		} else {
			if (pending)
				buf_append_char(out, ' ');
			buf_append(out, p, k);
			pending = 0;
			space = 1;
		}
		p += k;
	}
	if (pending)
		buf_append_char(out, ' ');
}

size_t art_count_words(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t words = 0;
	int in_word = 0;
	unsigned c;

	while (p && *p) {
		if (*p < 0x80) {
			/* ASCII fast path: letters and digits make words, the rest separates */
			c = *p++;
			if ((c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')) {
				words += !in_word;
				in_word = 1;
			} else {
				in_word = 0;
			}
			continue;
		}
		p += art_utf8_next(p, &c);
		if (cp_cjk(c)) {
			words++;
			in_word = 0;
		} else if (art_cp_space(c) ||
			   (c < 0x80 && !((c >= '0' && c <= '9') ||
					  ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')))) {
			in_word = 0;
		} else if (!in_word) {
			words++;
			in_word = 1;
		}
	}
	return words;
}

/* Next node in document order below root; skip: do not enter n's children. */
static xmlNodePtr next_node(xmlNodePtr n, xmlNodePtr root, int skip)
{
	if (!skip && n->children)
		return n->children;
	while (n && n != root) {
		if (n->next)
			return n->next;
		n = n->parent;
	}
	return NULL;
}

/*
 * Text of a subtree with white space collapsed and trimmed, at most max
 * bytes (cut at a character boundary); scripts and styles skipped.
 */
char *art_node_text(xmlNodePtr root, size_t max)
{
	struct buf b;
	xmlNodePtr n = root;
	int skip;

	buf_init(&b);
	while (n && b.len < max) {
		skip = 0;
		if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE)
			art_collapse(&b, (const char *)n->content);
		else if (n != root && n->type == XML_ELEMENT_NODE &&
			 (tag_lookup(n->name) & AF_JUNK))
			skip = 1;
		else if (n->type == XML_ELEMENT_NODE && (tag_lookup(n->name) & (AF_BLOCK | AF_BR)))
			art_collapse(&b, " ");
		n = next_node(n, root, skip);
	}
	if (b.len > max) {
		b.len = utf8_cut(b.data, max);
		b.data[b.len] = '\0';
	}
	while (b.len > 0 && b.data[b.len - 1] == ' ')
		b.data[--b.len] = '\0';
	if (b.len > 0 && b.data[0] == ' ')
		memmove(b.data, b.data + 1, b.len--);
	return buf_steal(&b);
}

static long index_add(struct art_doc *d, xmlNodePtr n, long parent)
{
	struct art_node *e;

	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 256;
		d->v = xreallocarray(d->v, d->cap, sizeof(*d->v));
	}
	e = &d->v[d->n];
	memset(e, 0, sizeof(*e));
	e->node = n;
	e->parent = parent;
	e->flags = tag_lookup(n->name);
	e->depth = parent >= 0 ? d->v[parent].depth + 1 : 0;
	if (parent >= 0 && (d->v[parent].flags & AF_DROP))
		e->flags |= AF_DROP;
	if (e->flags & AF_JUNK)
		e->flags |= AF_DROP;
	n->_private = (void *)(uintptr_t)(d->n + 1);
	return (long)d->n++;
}

static void index_text(struct art_doc *d, xmlNodePtr n)
{
	long p = art_idx(n->parent);
	struct art_node *e;

	if (p < 0 || n->content == NULL)
		return;
	e = &d->v[p];
	/* script and style text is never counted: skip measuring it */
	if (e->flags & AF_JUNK)
		return;
	e->own += art_text_len((const char *)n->content, &e->own_commas);
}

static xmlNodePtr find_child(xmlNodePtr parent, const char *name)
{
	for (xmlNodePtr c = parent ? parent->children : NULL; c; c = c->next)
		if (art_name_is(c, name))
			return c;
	return NULL;
}

/* Indexes the elements under <html>; deeper than ART_MAX_DEPTH is ignored. */
int art_index(struct art_doc *d, xmlDocPtr doc, char *err, size_t errlen)
{
	xmlNodePtr n, root = xmlDocGetRootElement(doc);
	long idx;
	int skip;

	memset(d, 0, sizeof(*d));
	d->doc = doc;
	if (root == NULL) {
		snprintf(err, errlen, "document has no root element");
		return -1;
	}
	d->html = root;
	d->body = find_child(root, "body");
	d->head = find_child(root, "head");
	for (n = root; n; n = next_node(n, root, skip)) {
		skip = 0;
		if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
			index_text(d, n);
			continue;
		}
		if (n->type != XML_ELEMENT_NODE) {
			skip = 1;
			continue;
		}
		idx = index_add(d, n, n == root ? -1 : art_idx(n->parent));
		skip = d->v[idx].depth >= ART_MAX_DEPTH;
	}
	return 0;
}

/* Recomputes the subtree statistics, leaving out dropped elements. */
void art_totals(struct art_doc *d)
{
	struct art_node *e, *p;
	size_t i;

	for (i = 0; i < d->n; i++) {
		e = &d->v[i];
		e->text = e->link = e->inl = e->inl_link = 0;
		e->inl_commas = 0;
		e->paras = e->lis = e->imgs = e->blocks = 0;
		e->h1 = 0;
	}
	for (i = d->n; i-- > 0;) {
		e = &d->v[i];
		if (e->flags & AF_DROP)
			continue;
		e->text += e->own;
		e->inl += e->own;
		e->inl_commas += e->own_commas;
		if (e->flags & AF_LINK) {
			e->link = e->text;
			e->inl_link = e->inl;
		}
		if (e->flags & AF_H1)
			e->h1 = e->text;
		if (e->parent < 0)
			continue;
		p = &d->v[e->parent];
		p->text += e->text;
		p->link += e->link;
		p->h1 += e->h1;
		p->paras += e->paras + ((e->flags & AF_PARA) && e->inl >= 25);
		p->lis += e->lis + art_name_is(e->node, "li");
		p->imgs += e->imgs + ((e->flags & AF_IMG) != 0);
		p->blocks += e->blocks + ((e->flags & AF_BLOCK) != 0);
		if (!(e->flags & AF_BLOCK)) {
			p->inl += e->inl;
			p->inl_link += e->inl_link;
			p->inl_commas += e->inl_commas;
		}
	}
	d->body_text =
	    d->body && art_idx(d->body) >= 0 ? d->v[art_idx(d->body)].text : d->v[0].text;
}

/* 1 when anc is i or one of its ancestors. */
int art_is_ancestor(const struct art_doc *d, long anc, long i)
{
	for (int k = 0; i >= 0 && k < ART_MAX_DEPTH + 1; k++, i = d->v[i].parent)
		if (i == anc)
			return 1;
	return 0;
}

/* One past the last element of k's subtree: elements are in document order. */
size_t art_subtree_end(const struct art_doc *d, long k)
{
	size_t i = (size_t)k + 1;

	while (i < d->n && d->v[i].depth > d->v[k].depth)
		i++;
	return i;
}

/* Resets the _private fields the index used and frees it. */
void art_release(struct art_doc *d)
{
	for (size_t i = 0; i < d->n; i++)
		d->v[i].node->_private = NULL;
	free(d->v);
	memset(d, 0, sizeof(*d));
}
