/*
 * Bytes -> UTF-8 -> libxml2 document (see page.h). We decide the charset
 * and convert to UTF-8 ourselves (input that already is valid UTF-8 is used
 * as it is) and tell libxml2 to ignore the document's own declarations, so
 * its encoding guesses can never contradict ours. HTML is parsed without
 * the contents of <script>, <style> and <svg> (found by the pre-scan in
 * page_prescan.c); feeds are repaired first (page_repair.c).
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/SAX2.h>
#include <libxml/valid.h>
#include <libxml/xmlerror.h>

#include "analyze/page/bytes.h"
#include "analyze/page/charset.h"
#include "analyze/page/page.h"
#include "analyze/page/page_int.h"
#include "common/buf.h"
#include "common/xmalloc.h"

#define DEFAULT_MAX_BYTES ((size_t)8 << 20)
#define DEFAULT_MAX_DEPTH 256
#define DEFAULT_MAX_NODES ((size_t)500000)
/* libxml2 compares each attribute of a start tag with all earlier ones: quadratic. */
#define MAX_ATTRIBUTES 256
#define SNIFF_BYTES 65536

#define HTML_OPTS                                                                                  \
	(HTML_PARSE_RECOVER | HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |       \
	 HTML_PARSE_COMPACT | HTML_PARSE_NODEFDTD | HTML_PARSE_IGNORE_ENC)

/* Never NOENT, DTDLOAD, XINCLUDE or HUGE (hardening.md). RECOVER: many real feeds are broken. */
#define XML_OPTS                                                                                   \
	(XML_PARSE_RECOVER | XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |           \
	 XML_PARSE_NOCDATA | XML_PARSE_NOXINCNODE | XML_PARSE_IGNORE_ENC)

/* xmlExternalEntityLoader: no DTD, entity or XInclude is ever read, local or remote. */
static xmlParserInputPtr refuse_loader(const char *url, const char *id, xmlParserCtxtPtr ctxt)
{
	(void)url;
	(void)id;
	(void)ctxt;
	return NULL;
}

/* xmlStructuredErrorFunc: libraries do not print; page_parse reports its own errors. */
static void error_sink(void *ctx, xmlErrorPtr error)
{
	(void)ctx;
	(void)error;
}

void page_init(void)
{
	static int done;

	if (done)
		return;
	done = 1;
	xmlInitParser();
	xmlSetExternalEntityLoader(refuse_loader);
	xmlSetStructuredErrorFunc(NULL, error_sink);
}

/*
 * The name of the first element in ASCII-compatible text, after a BOM,
 * whitespace, comments, processing instructions and a doctype. Writes "" if
 * none is found in the first SNIFF_BYTES.
 */
static void root_name(const char *p, size_t n, char *name, size_t namelen)
{
	size_t i = 0, k = 0;

	name[0] = '\0';
	n = n < SNIFF_BYTES ? n : SNIFF_BYTES;
	if (n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
		i = 3;
	for (;;) {
		i = bytes_skip_ws(p, n, i);
		if (n - i < 2 || p[i] != '<')
			return;
		if (p[i + 1] == '?')
			i = bytes_skip_past(p, n, i, "?>");
		else if (n - i >= 4 && memcmp(p + i, "<!--", 4) == 0)
			i = bytes_skip_past(p, n, i + 4, "-->");
		else if (p[i + 1] == '!')
			i = bytes_skip_doctype(p, n, i);
		else
			break;
	}
	for (i++; i < n && k + 1 < namelen && strchr(" \t\r\n/>", p[i]) == NULL; i++)
		name[k++] = p[i];
	name[k] = '\0';
}

static int is_feed_root(const char *name)
{
	const char *colon = strchr(name, ':');

	return strcasecmp(name, "rss") == 0 || strcasecmp(name, "feed") == 0 ||
	       strcasecmp(colon ? colon + 1 : name, "RDF") == 0;
}

static int is_feed_type(const char *content_type)
{
	return content_type != NULL && (strcasestr(content_type, "rss+xml") != NULL ||
					strcasestr(content_type, "atom+xml") != NULL ||
					strcasestr(content_type, "rdf+xml") != NULL);
}

/* The feed test on UTF-8 (or any ASCII-compatible) text. */
static int sniff_feed(const char *p, size_t n, const char *content_type)
{
	char name[64];

	root_name(p, n, name, sizeof(name));
	if (name[0] != '\0')
		return is_feed_root(name);
	return is_feed_type(content_type);
}

int page_looks_like_feed(const char *data, size_t len, const char *content_type)
{
	size_t bom;
	const char *cs = charset_from_bom(data, len, &bom);
	struct buf u;
	int feed;

	if (cs == NULL || strcmp(cs, "UTF-8") == 0)
		return sniff_feed(data + bom, len - bom, content_type);
	buf_init(&u);
	charset_to_utf8(data + bom, (len - bom) < SNIFF_BYTES ? len - bom : SNIFF_BYTES, cs,
			SNIFF_BYTES * 4, &u);
	feed = sniff_feed(buf_str(&u), u.len, content_type);
	buf_free(&u);
	return feed;
}

/* charset_detect for a page; *feed receives sniff_feed of the raw bytes. */
static const char *detect(const char *data, size_t len, const char *content_type,
			  const char *encoding, size_t *bom, int *as_is, int *feed)
{
	*feed = sniff_feed(data, len, content_type);
	/* A feed's CDATA may quote HTML with its own <meta charset>: trust the XML declaration. */
	return charset_detect(data, len, content_type, encoding, *feed, bom, as_is);
}

void page_detect_charset(const char *data, size_t len, const char *content_type, char *out,
			 size_t outlen)
{
	size_t bom;
	int as_is, feed;

	snprintf(out, outlen, "%s", detect(data, len, content_type, NULL, &bom, &as_is, &feed));
}

/* entityDeclSAXFunc: a feed that declares any entity is refused before it is used. */
static void refuse_entity_decl(void *ctx, const xmlChar *name, int type, const xmlChar *public_id,
			       const xmlChar *system_id, xmlChar *content)
{
	xmlParserCtxtPtr ctxt = ctx;

	(void)name;
	(void)type;
	(void)public_id;
	(void)system_id;
	(void)content;
	*(int *)ctxt->_private = 1;
	xmlStopParser(ctxt);
}

/*
 * attributeDeclSAXFunc: nor may a feed declare attribute lists. libxml2
 * adds declared defaults to every such element, checking each against all
 * attributes added so far: a few KB of <!ATTLIST> cost seconds.
 */
static void refuse_attribute_decl(void *ctx, const xmlChar *elem, const xmlChar *fullname, int type,
				  int def, const xmlChar *default_value, xmlEnumerationPtr tree)
{
	xmlParserCtxtPtr ctxt = ctx;

	(void)elem;
	(void)fullname;
	(void)type;
	(void)def;
	(void)default_value;
	xmlFreeEnumeration(tree);
	*(int *)ctxt->_private = 2;
	xmlStopParser(ctxt);
}

/* unparsedEntityDeclSAXFunc: same rule for NDATA entities. */
static void refuse_unparsed_decl(void *ctx, const xmlChar *name, const xmlChar *public_id,
				 const xmlChar *system_id, const xmlChar *notation)
{
	refuse_entity_decl(ctx, name, 0, public_id, system_id, (xmlChar *)(uintptr_t)notation);
}

/*
 * referenceSAXFunc: only undeclared names get here (declarations are
 * refused), e.g. &nbsp; in a sloppy feed. Keep the HTML meaning if there is
 * one, drop it otherwise; never leave an entity-reference node.
 */
static void html_entity_text(void *ctx, const xmlChar *name)
{
	const htmlEntityDesc *e = htmlEntityLookup(name);
	xmlChar utf8[8];
	int n;

	if (e == NULL)
		return;
	n = xmlCopyCharMultiByte(utf8, (int)e->value);
	if (n > 0)
		xmlSAX2Characters(ctx, utf8, n);
}

static xmlDocPtr parse_xml(const char *u, size_t n, char *err, size_t errlen)
{
	xmlParserCtxtPtr ctxt;
	xmlDocPtr doc;
	struct buf fixed;
	int declared = 0;

	buf_init(&fixed);
	page_xml_repair(u, n, &fixed);
	if (page_xml_max_attrs(buf_str(&fixed), fixed.len) > MAX_ATTRIBUTES) {
		snprintf(err, errlen, "an element with more than %d attributes", MAX_ATTRIBUTES);
		buf_free(&fixed);
		return NULL;
	}
	if (fixed.len > INT_MAX || (ctxt = xmlNewParserCtxt()) == NULL) {
		snprintf(err, errlen, "%s",
			 fixed.len > INT_MAX ? "document too large" : "out of memory");
		buf_free(&fixed);
		return NULL;
	}
	ctxt->sax->entityDecl = refuse_entity_decl;
	ctxt->sax->unparsedEntityDecl = refuse_unparsed_decl;
	ctxt->sax->attributeDecl = refuse_attribute_decl;
	ctxt->sax->reference = html_entity_text;
	ctxt->_private = &declared;
	doc = xmlCtxtReadMemory(ctxt, buf_str(&fixed), (int)fixed.len, NULL, "UTF-8", XML_OPTS);
	xmlFreeParserCtxt(ctxt);
	buf_free(&fixed);
	if (declared) {
		xmlFreeDoc(doc);
		snprintf(err, errlen, "feed declares %s",
			 declared == 2 ? "attribute lists" : "entities");
		return NULL;
	}
	if (doc == NULL)
		snprintf(err, errlen, "not parseable as XML");
	return doc;
}

/*
 * Parses UTF-8 text t[0..n) (writable when own is not NULL: it is then
 * stripped in place) as HTML, without the contents that page_raw_next finds.
 */
static xmlDocPtr parse_html(const char *t, size_t n, char *own, char *err, size_t errlen)
{
	struct raw_cut cut;
	struct raw_scan scan = {0, 0};
	char *copy = NULL;
	xmlDocPtr doc;

	if (page_raw_next(t, n, &scan, &cut)) {
		if (own == NULL)
			own = copy = xmalloc(n);
		n = page_raw_strip(t, n, cut, &scan, own);
		t = own;
	}
	if (page_html_max_attrs(t, n) > MAX_ATTRIBUTES) {
		snprintf(err, errlen, "an element with more than %d attributes", MAX_ATTRIBUTES);
		free(copy);
		return NULL;
	}
	/*
	 * No encoding: libxml2 then reads UTF-8 directly, where "UTF-8" would
	 * copy it through an encoder. It would only fall back to Latin-1 on an
	 * invalid byte, and its 4-byte sniff (BOM, UCS-4, EBCDIC "<?xm") cannot
	 * match: the text is valid UTF-8 without NUL or BOM.
	 */
	doc = htmlReadMemory(t, (int)n, NULL, NULL, HTML_OPTS);
	free(copy);
	if (doc == NULL)
		snprintf(err, errlen, "not parseable as HTML");
	return doc;
}

static int has_entity_decls(xmlDtdPtr dtd)
{
	return dtd != NULL && (dtd->entities != NULL || dtd->pentities != NULL);
}

/*
 * Checks the tree without recursion: depth, node count, and no entity
 * reference anywhere. Returns 0, or -1 with err filled.
 */
static int check_tree(xmlDocPtr doc, const struct page_limits *lim, char *err, size_t errlen)
{
	xmlNodePtr cur = doc->children;
	size_t nodes = 0;
	int depth = 1;

	if (has_entity_decls(doc->intSubset) || has_entity_decls(doc->extSubset)) {
		snprintf(err, errlen, "document declares entities");
		return -1;
	}
	while (cur != NULL) {
		if (cur->type == XML_ENTITY_REF_NODE || cur->type == XML_ENTITY_NODE) {
			snprintf(err, errlen, "document holds entity references");
			return -1;
		}
		if (cur->type == XML_ELEMENT_NODE || cur->type == XML_TEXT_NODE ||
		    cur->type == XML_CDATA_SECTION_NODE) {
			if (++nodes > lim->max_nodes) {
				snprintf(err, errlen, "more than %zu nodes", lim->max_nodes);
				return -1;
			}
		}
		if (cur->type == XML_ELEMENT_NODE && cur->children != NULL) {
			if (++depth > lim->max_depth) {
				snprintf(err, errlen, "nesting deeper than %d", lim->max_depth);
				return -1;
			}
			cur = cur->children;
			continue;
		}
		while (cur != NULL && cur->next == NULL) {
			cur = cur->parent;
			depth--;
			if (cur == (xmlNodePtr)doc)
				return 0;
		}
		if (cur != NULL)
			cur = cur->next;
	}
	return 0;
}

static void limits_fill(const struct page_limits *in, struct page_limits *out)
{
	out->max_bytes = in && in->max_bytes ? in->max_bytes : DEFAULT_MAX_BYTES;
	out->max_depth = in && in->max_depth > 0 ? in->max_depth : DEFAULT_MAX_DEPTH;
	out->max_nodes = in && in->max_nodes ? in->max_nodes : DEFAULT_MAX_NODES;
}

/* The document's text in UTF-8: the input itself when it already is, else converted into u. */
struct text {
	const char *p;
	size_t n;
	int converted; /* p is u's data */
	int feed;      /* looks like a feed */
};

/* Fills t. Returns 0, or -1 with err filled. */
static int to_utf8(const char *data, size_t len, const char *content_type, const char *encoding,
		   struct buf *u, struct text *t, char *err, size_t errlen)
{
	size_t bom;
	int as_is;
	const char *cs = detect(data, len, content_type, encoding, &bom, &as_is, &t->feed);
	/* Every supported charset needs at most 3 UTF-8 bytes per input byte, U+FFFD included. */
	size_t max_out = (len - bom) * 3 + 16;

	t->converted = !as_is;
	if (as_is && len - bom > INT_MAX) {
		snprintf(err, errlen, "document too large");
		return -1;
	} else if (as_is) {
		t->p = data + bom;
		t->n = len - bom;
	} else if (max_out > INT_MAX ||
		   charset_to_utf8(data + bom, len - bom, cs, max_out, u) < 0) {
		snprintf(err, errlen, "cannot convert from %s", cs);
		return -1;
	} else {
		t->p = buf_str(u);
		t->n = u->len;
	}
	if (bytes_skip_ws(t->p, t->n, 0) == t->n) {
		snprintf(err, errlen, "empty document");
		return -1;
	}
	if (t->converted) /* the raw bytes may not have been ASCII-compatible (UTF-16) */
		t->feed = sniff_feed(t->p, t->n, content_type);
	return 0;
}

xmlDocPtr page_parse(const char *data, size_t len, const char *content_type, const char *encoding,
		     enum page_kind kind, const struct page_limits *limits,
		     enum page_kind *kind_out, char *err, size_t errlen)
{
	struct page_limits lim;
	struct buf u;
	struct text t;
	xmlDocPtr doc = NULL;

	page_init();
	limits_fill(limits, &lim);
	buf_init(&u);
	if (data == NULL || len == 0) {
		snprintf(err, errlen, "empty document");
		goto fail;
	}
	if (len > lim.max_bytes) {
		snprintf(err, errlen, "document larger than %zu bytes", lim.max_bytes);
		goto fail;
	}
	if (to_utf8(data, len, content_type, encoding, &u, &t, err, errlen) < 0)
		goto fail;
	if (kind == PAGE_AUTO)
		kind = t.feed ? PAGE_XML : PAGE_HTML;
	if (kind == PAGE_XML)
		doc = parse_xml(t.p, t.n, err, errlen);
	else
		doc = parse_html(t.p, t.n, t.converted ? u.data : NULL, err, errlen);
	if (doc == NULL)
		goto fail;
	if (xmlDocGetRootElement(doc) == NULL) {
		snprintf(err, errlen, "no root element");
		goto fail;
	}
	if (check_tree(doc, &lim, err, errlen) < 0)
		goto fail;
	buf_free(&u);
	if (kind_out != NULL)
		*kind_out = kind;
	return doc;
fail:
	xmlFreeDoc(doc);
	buf_free(&u);
	return NULL;
}
