/*
 * The "no main text" outcome. The best-scoring block of a page is not
 * always an article: on a page whose statement is only a link to a PDF, or
 * only a headline, it is the sidebar's list of links or names. A text
 * counts as an article only when prose carries it: lines that end a
 * sentence or run long. Otherwise the page has no main text, and the
 * reason names the document it links to when there is one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "analyze/article/article_int.h"
#include "common/xmalloc.h"

#define PROSE_LINE 100 /* text length (art_text_len) that reads as prose by itself */
#define PROSE_WORDS 4  /* a sentence shorter than this is a label, not prose */
#define DOC_WORDS 60   /* a text this short can be a document's link */
#define LIST_LINES 5   /* this many lines or more can make a list */
#define LIST_PROSE 200 /* prose (two sentences or so) that keeps a list */

/* Ends a sentence: . ! ? … and their CJK forms, before closing quotes or brackets. */
int art_ends_sentence(const char *s, size_t len)
{
	static const char *const closers[] = {"\"", "'", ")", "]", "»", "”", "’", "」", "』", "）"};
	static const char *const enders[] = {".", "!", "?", ";", "…", "。", "！", "？", "；"};
	size_t k;
	int again = 1;

	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	while (again) {
		again = 0;
		for (size_t i = 0; i < sizeof(closers) / sizeof(closers[0]); i++) {
			k = strlen(closers[i]);
			if (len > k && memcmp(s + len - k, closers[i], k) == 0) {
				len -= k;
				again = 1;
			}
		}
	}
	for (size_t i = 0; i < sizeof(enders) / sizeof(enders[0]); i++) {
		k = strlen(enders[i]);
		if (len >= k && memcmp(s + len - k, enders[i], k) == 0)
			return 1;
	}
	return 0;
}

/* "The Ministry announces the following appointments:" introduces a list. */
static int ends_colon(const char *s, size_t n)
{
	while (n > 0 && s[n - 1] == ' ')
		n--;
	return (n > 0 && s[n - 1] == ':') || (n >= 3 && memcmp(s + n - 3, "\xEF\xBC\x9A", 3) == 0);
}

/* Any letter: ASCII or any character beyond it that is not a space. */
static int has_letter(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned c;

	while (*p) {
		if (*p < 0x80) {
			if ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z')
				return 1;
			p++;
			continue;
		}
		p += art_utf8_next(p, &c);
		if (!art_cp_space(c) && c != 0xFFFD)
			return 1;
	}
	return 0;
}

/*
 * 1 when text reads as an article: some prose, and not a list of five or
 * more lines of which prose is under a quarter and under two sentences
 * (a sidebar of names).
 * Lines without letters (the numbers of a data table, dates) do not count.
 */
int art_text_is_prose(const char *text)
{
	size_t total = 0, prose = 0, lines = 0;
	const char *p = text;

	while (p && *p) {
		const char *e = strchr(p, '\n');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		char *line = xstrndup(p, n);
		size_t len = art_text_len(line, NULL);

		if (len > 0 && has_letter(line)) {
			lines++;
			total += len;
			if (len >= PROSE_LINE ||
			    ((art_ends_sentence(line, n) || ends_colon(line, n)) &&
			     art_count_words(line) >= PROSE_WORDS))
				prose += len;
		}
		free(line);
		p = e ? e + 1 : p + n;
	}
	if (prose == 0)
		return 0;
	/* two sentences of introduction make a list the statement's */
	return !(lines >= LIST_LINES && prose * 4 < total && prose < LIST_PROSE);
}

static int document_ext(const char *s, size_t n)
{
	static const char *const ext[] = {".pdf",  ".doc", ".docx", ".odt", ".rtf", ".ppt",
					  ".pptx", ".xls", ".xlsx", ".ods", ".odp", ".epub"};

	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '/'))
		n--;
	for (size_t i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
		size_t k = strlen(ext[i]);

		if (n > k && strncasecmp(s + n - k, ext[i], k) == 0)
			return 1;
	}
	return 0;
}

/*
 * A link to a document rather than a page: by the extension of its path,
 * or of its whole query (Drupal's "?q=…/files/speech.pdf").
 */
static int document_href(const char *href)
{
	return document_ext(href, strcspn(href, "?#")) || document_ext(href, strcspn(href, "#"));
}

/* <a href type="application/pdf">: the link says what it leads to. */
static int document_type_attr(xmlNodePtr a)
{
	xmlChar *t = xmlGetProp(a, (const xmlChar *)"type");
	int doc = t && (strstr((const char *)t, "pdf") || strstr((const char *)t, "msword") ||
			strstr((const char *)t, "officedocument") ||
			strstr((const char *)t, "opendocument"));

	xmlFree(t);
	return doc;
}

/* A link to a document, by its address or its type attribute. */
static int document_link_at(const struct art_doc *d, long k)
{
	xmlChar *h = xmlGetProp(d->v[k].node, (const xmlChar *)"href");
	int doc = h && (document_href((const char *)h) || document_type_attr(d->v[k].node));

	xmlFree(h);
	return doc;
}

/* Page furniture by tag or class/id: its links are no statement's. */
static int in_furniture(const struct art_doc *d, long k)
{
	for (; k >= 0; k = d->v[k].parent) {
		unsigned f = d->v[k].flags;

		if ((f & (AF_CHROME | AF_STRONG | AF_HIDDEN)) || ((f & AF_NEG) && !(f & AF_POS)))
			return 1;
	}
	return 0;
}

static char *resolve(const char *base, const char *href)
{
	CURLU *u = curl_url();
	char *s = NULL, *r = NULL;

	if (u == NULL)
		return xstrdup(href);
	if (base)
		curl_url_set(u, CURLUPART_URL, base, 0);
	if (curl_url_set(u, CURLUPART_URL, href, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_URL, &s, 0) == CURLUE_OK)
		r = xstrdup(s);
	curl_free(s);
	curl_url_cleanup(u);
	return r ? r : xstrdup(href);
}

static char *href_of(const struct art_doc *d, long k)
{
	xmlChar *h = xmlGetProp(d->v[k].node, (const xmlChar *)"href");
	char *r = h ? xstrdup((const char *)h) : NULL;

	xmlFree(h);
	return r;
}

/*
 * The first link to a document outside page furniture, preferring one
 * after the headline; resolved against url. NULL when there is none.
 */
static char *document_link(const struct art_doc *d, const char *url)
{
	long first = -1, pick = -1;
	int after_h1 = 0;
	char *href, *r;

	for (size_t i = 0; i < d->n && pick < 0; i++) {
		const struct art_node *e = &d->v[i];
		int doc;

		if (e->flags & AF_H1)
			after_h1 = 1;
		if (!(e->flags & AF_LINK))
			continue;
		doc = document_link_at(d, (long)i) && !in_furniture(d, (long)i);
		if (doc && first < 0)
			first = (long)i;
		if (doc && after_h1)
			pick = (long)i;
	}
	if (pick < 0)
		pick = first;
	if (pick < 0)
		return NULL;
	href = href_of(d, pick);
	r = resolve(url, href);
	free(href);
	return r;
}

/*
 * 1 when the chosen blocks are little more than a link to a document:
 * under DOC_WORDS words, mostly link text, and a PDF/office link among
 * them ("Discours du Premier ministre (PDF, 230 Ko)").
 */
int art_only_document_link(const struct art_doc *d, const long *roots, size_t nroots, size_t words)
{
	size_t text = 0, link = 0;
	int doc = 0;

	if (words >= DOC_WORDS)
		return 0;
	for (size_t k = 0; k < nroots; k++) {
		text += d->v[roots[k]].text;
		link += d->v[roots[k]].link;
		for (size_t i = (size_t)roots[k], end = art_subtree_end(d, roots[k]);
		     i < end && !doc; i++) {
			if ((d->v[i].flags & AF_LINK) && !(d->v[i].flags & AF_DROP))
				doc = document_link_at(d, (long)i);
		}
	}
	return doc && link * 2 > text;
}

/*
 * Empties out's text and says why: the page's document link, its headline
 * only, a body XPath that selects no text, or nothing readable. Needs
 * out->title.
 */
void art_no_text(const struct art_doc *d, const char *url, const char *body_xpath,
		 struct article *out)
{
	free(out->text);
	out->text = xstrdup("");
	out->words = 0;
	free(out->document_url);
	out->document_url = document_link(d, url);
	if (out->document_url)
		out->no_text =
		    xasprintf("no main text: the page links to a document (%s)", out->document_url);
	else if (body_xpath)
		out->no_text =
		    xasprintf("no main text: the body XPath %s selects no text", body_xpath);
	else if (out->title && *out->title)
		out->no_text = xstrdup("no main text: the page has only a title");
	else
		out->no_text = xstrdup("no main text: no paragraph of prose on the page");
}

/* Document signatures: PDF, OLE2 (doc, xls, ppt), RTF, zip (docx, odt, xlsx). */
static const char *document_magic(const char *data, size_t len)
{
	if (len >= 5 && memcmp(data, "%PDF-", 5) == 0)
		return "a PDF document";
	if (len >= 8 && memcmp(data, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8) == 0)
		return "an office document";
	if (len >= 5 && memcmp(data, "{\\rtf", 5) == 0)
		return "an RTF document";
	if (len >= 4 && memcmp(data, "PK\x03\x04", 4) == 0)
		return "an archive or office document";
	return NULL;
}

/* Content types that no HTML parser should read, by their media type. */
static const char *document_type(const char *ct)
{
	static const struct {
		const char *prefix, *what;
	} types[] = {
	    {"application/pdf", "a PDF document"},
	    {"application/x-pdf", "a PDF document"},
	    {"application/msword", "an office document"},
	    {"application/vnd.", "an office document"},
	    {"application/rtf", "an RTF document"},
	    {"application/zip", "an archive"},
	    {"image/", "an image"},
	    {"audio/", "an audio file"},
	    {"video/", "a video"},
	};

	while (ct && (*ct == ' ' || *ct == '\t'))
		ct++;
	for (size_t i = 0; ct && i < sizeof(types) / sizeof(types[0]); i++)
		if (strncasecmp(ct, types[i].prefix, strlen(types[i].prefix)) == 0)
			return types[i].what;
	return NULL;
}

/* Markup starts with '<' after white space and a byte-order mark. */
static int looks_like_markup(const char *data, size_t len)
{
	size_t i = 0;

	if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
		i = 3;
	while (i < len && (data[i] == ' ' || (data[i] >= 9 && data[i] <= 13)))
		i++;
	return i < len && data[i] == '<';
}

int article_from_document(const char *data, size_t len, const char *content_type,
			  struct article *out)
{
	const char *what = data ? document_magic(data, len) : NULL;

	/* a page served with a document's type still parses as a page */
	if (what == NULL && !(data && looks_like_markup(data, len)))
		what = document_type(content_type);
	if (what == NULL)
		return 0;
	memset(out, 0, sizeof(*out));
	out->title = xstrdup("");
	out->text = xstrdup("");
	out->no_text = xasprintf("no main text: %s", what);
	return 1;
}
