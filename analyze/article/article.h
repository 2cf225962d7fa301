/*
 * analyze/article: the main text of an article page and its metadata.
 * Pure: works on a parsed HTML document (analyze/page.h), does no I/O.
 *
 * Automatic extraction scores candidate blocks by text and link density,
 * class/id hints and paragraph structure, then cleans the winner of
 * boilerplate (link lists, share/print tools, related items, comments,
 * cookie notices). A source's body XPath, when given, wins.
 * Work is bounded: tree walks are iterative and cost is about linear in the
 * number of nodes. The document's content is not modified, but its
 * elements' _private field is borrowed during the call (and reset to NULL),
 * so one document must not be extracted from two threads at once.
 */
#ifndef SW_ANALYZE_ARTICLE_H
#define SW_ANALYZE_ARTICLE_H

#include <stddef.h>
#include <libxml/tree.h>

#define ARTICLE_MAX_EXCLUDE 16

struct article_opts {
	const char *body;			  /* XPath to the body, or NULL: automatic */
	const char *exclude[ARTICLE_MAX_EXCLUDE]; /* XPaths removed first; NULL-terminated */
	const char *language;			  /* hint ("en", "zh"), or NULL */
	const char *content_language;		  /* HTTP Content-Language, or NULL */
};

struct article {
	char *title;	     /* never NULL after success; may be "" */
	char *text;	     /* paragraphs separated by "\n\n"; never NULL after success */
	char *date;	     /* ISO 8601 ("2019-10-24" or "2019-10-24T14:06:00+08:00"), or NULL */
	char *language;	     /* BCP 47 primary tag, lower case ("en"), or NULL */
	char *byline;	     /* author / speaker, or NULL */
	char *canonical_url; /* absolute, or NULL */
	size_t words;	     /* words in text (a CJK character counts as one) */
	/*
	 * Why text is "" ("no main text: the page links to a document (URL)",
	 * "no main text: the page has only a title", ...), for the caller to
	 * show; NULL when there is a text.
	 */
	char *no_text;
	/*
	 * With no_text: the document (PDF, office file) the page links to
	 * instead of a text, absolute — the statement itself, for a reader
	 * that can read it; NULL otherwise.
	 */
	char *document_url;
	/*
	 * The elements a source's body XPath selected (outermost only, after
	 * its excludes); 0 without a body XPath. 0 with one: it matched
	 * nothing on this page.
	 */
	size_t body_nodes;
};

/*
 * Extracts the article from doc (borrowed, not modified). url is the page's
 * address (resolves a relative canonical link; may be NULL); opts may be
 * NULL. Returns 0 and fills out (release with article_free), or -1 with err
 * filled (invalid XPath, no <html> element). A page with no recognisable
 * article is not an error: text is then "", words 0 and no_text says why.
 * A block that is mostly short lines without a sentence (a sidebar's list
 * of links or names) is not an article.
 */
int article_extract(xmlDocPtr doc, const char *url, const struct article_opts *opts,
		    struct article *out, char *err, size_t errlen);

/*
 * When data (as served with content_type, which may be NULL) is a document
 * that is no web page (a PDF, an office document, an image...), fills out
 * as an article without text (title "", text "", no_text "no main text: a
 * PDF document") and returns 1; returns 0 for anything an HTML parser
 * should read. The bytes win over the Content-Type when they carry a
 * document's signature.
 */
int article_from_document(const char *data, size_t len, const char *content_type,
			  struct article *out);

/*
 * The first and the last sentence of text (an article's, paragraphs
 * separated by "\n\n"): a sentence ends at . ! ? ; … or their CJK forms
 * (before closing quotes or brackets) followed by a space, a line break,
 * the end or — after a CJK form — anything, and at each paragraph's end;
 * not before a lower-case letter ("e.g. this") nor after a title or an
 * initial ("Mr. Li", "J. Doe"). Points first and last into text (borrowed)
 * and gives their byte lengths; both are the same span when there is one
 * sentence. Returns 0, or -1 when text has no sentence (only spaces).
 */
int article_sentences(const char *text, const char **first, size_t *first_len, const char **last,
		      size_t *last_len);

/* Frees the strings of a and zeroes it; NULL-safe, idempotent. */
void article_free(struct article *a);

#endif
