/*
 * Bytes -> UTF-8 -> libxml2 document (see page.h). We convert to UTF-8
 * ourselves and tell libxml2 to ignore the document's own declarations, so
 * its encoding guesses can never contradict ours.
 */
#include <ctype.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/SAX2.h>
#include <libxml/xmlerror.h>

#include "analyze/charset.h"
#include "analyze/page.h"
#include "common/buf.h"

#define DEFAULT_MAX_BYTES ((size_t)8 << 20)
#define DEFAULT_MAX_DEPTH 256
#define DEFAULT_MAX_NODES ((size_t)500000)
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

static size_t skip_ws(const char *p, size_t n, size_t i)
{
	while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r'))
		i++;
	return i;
}

static size_t skip_past(const char *p, size_t n, size_t i, const char *end)
{
	const char *hit = memmem(p + i, n - i, end, strlen(end));

	return hit == NULL ? n : (size_t)(hit - p) + strlen(end);
}

/* Skips "<!DOCTYPE ...>", including an internal subset in brackets. */
static size_t skip_doctype(const char *p, size_t n, size_t i)
{
	while (i < n && p[i] != '>' && p[i] != '[')
		i++;
	if (i < n && p[i] == '[')
		i = skip_past(p, n, i, "]");
	return skip_past(p, n, i, ">");
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
		i = skip_ws(p, n, i);
		if (n - i < 2 || p[i] != '<')
			return;
		if (p[i + 1] == '?')
			i = skip_past(p, n, i, "?>");
		else if (n - i >= 4 && memcmp(p + i, "<!--", 4) == 0)
			i = skip_past(p, n, i + 4, "-->");
		else if (p[i + 1] == '!')
			i = skip_doctype(p, n, i);
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

static const char *detect(const char *data, size_t len, const char *content_type,
			  const char *encoding, size_t *bom)
{
	/* A feed's CDATA may quote HTML with its own <meta charset>: trust the XML declaration. */
	int feed = sniff_feed(data, len, content_type);

	return charset_detect(data, len, content_type, encoding, feed, bom);
}

void page_detect_charset(const char *data, size_t len, const char *content_type, char *out,
			 size_t outlen)
{
	size_t bom;

	snprintf(out, outlen, "%s", detect(data, len, content_type, NULL, &bom));
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

/* Copies p[i..] up to and including end (or to n). Returns the new index. */
static size_t copy_past(const char *p, size_t n, size_t i, const char *end, struct buf *out)
{
	size_t j = skip_past(p, n, i, end);

	buf_append(out, p + i, j - i);
	return j;
}

static size_t replace_control(size_t i, struct buf *out)
{
	buf_append(out, "\xEF\xBF\xBD", 3);
	return i + 1;
}

static size_t copy_doctype(const char *p, size_t n, size_t i, struct buf *out)
{
	size_t j = skip_doctype(p, n, i);

	buf_append(out, p + i, j - i);
	return j;
}

static int is_xml_char(unsigned long c)
{
	return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) ||
	       (c >= 0xE000 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0x10FFFF);
}

/* "&#...;" at p[i]: kept when it names an XML character, U+FFFD otherwise. */
static size_t fix_char_reference(const char *p, size_t n, size_t i, struct buf *out)
{
	size_t j = i + 2;
	int hex = j < n && (p[j] == 'x' || p[j] == 'X');
	unsigned long c = 0;

	for (j += hex; j < n && j - i < 12 && isxdigit((unsigned char)p[j]); j++) {
		if (!hex && !isdigit((unsigned char)p[j]))
			break;
		c = c * (hex ? 16 : 10) +
		    (unsigned long)(isdigit((unsigned char)p[j])
					? p[j] - '0'
					: (tolower((unsigned char)p[j]) - 'a' + 10));
	}
	if (j >= n || p[j] != ';' || j == i + 2 + (size_t)hex) {
		buf_append_str(out, "&amp;");
		return i + 1;
	}
	if (is_xml_char(c))
		buf_append(out, p + i, j + 1 - i);
	else
		buf_append_str(out, "&#xFFFD;");
	return j + 1;
}

/*
 * A reference at p[i] ('&'): keeps character references and the five XML
 * entities, turns HTML entity names (&nbsp; in a sloppy feed) into
 * character references and a bare '&' into "&amp;". Returns the index after
 * what it consumed.
 */
static size_t fix_reference(const char *p, size_t n, size_t i, struct buf *out)
{
	static const char *const xml_names[] = {"amp", "lt", "gt", "quot", "apos"};
	const htmlEntityDesc *e;
	char name[33];
	size_t j = i + 1, k = 0;

	if (j < n && p[j] == '#')
		return fix_char_reference(p, n, i, out);
	while (j < n && k + 1 < sizeof(name) && isalnum((unsigned char)p[j]))
		name[k++] = p[j++];
	name[k] = '\0';
	if (k == 0 || j >= n || p[j] != ';') {
		buf_append_str(out, "&amp;");
		return i + 1;
	}
	for (size_t x = 0; x < sizeof(xml_names) / sizeof(xml_names[0]); x++) {
		if (strcmp(name, xml_names[x]) == 0) {
			buf_append(out, p + i, j + 1 - i);
			return j + 1;
		}
	}
	if ((e = htmlEntityLookup((const xmlChar *)name)) != NULL)
		buf_printf(out, "&#%u;", e->value);
	else
		buf_printf(out, "&amp;%s;", name);
	return j + 1;
}

/*
 * Real feeds use HTML entities they never declare, bare ampersands and
 * control characters. In libxml2's recovery mode one such error drops every
 * later entity, &amp; included, so repair them first. CDATA, comments,
 * processing instructions and the doctype are copied untouched.
 */
static void xml_repair(const char *p, size_t n, struct buf *out)
{
	size_t i = 0, run = 0;

	while (i < n) {
		unsigned char c = (unsigned char)p[i];

		if (c != '&' && c != '<' && (c >= 0x20 || c == '\t' || c == '\n' || c == '\r')) {
			i++;
			continue;
		}
		buf_append(out, p + run, i - run);
		if (c == '&')
			i = fix_reference(p, n, i, out);
		else if (c != '<')
			i = replace_control(i, out);
		else if (n - i >= 9 && memcmp(p + i, "<![CDATA[", 9) == 0)
			i = copy_past(p, n, i, "]]>", out);
		else if (n - i >= 4 && memcmp(p + i, "<!--", 4) == 0)
			i = copy_past(p, n, i, "-->", out);
		else if (n - i >= 2 && p[i + 1] == '?')
			i = copy_past(p, n, i, "?>", out);
		else if (n - i >= 2 && p[i + 1] == '!')
			i = copy_doctype(p, n, i, out);
		else
			i = copy_past(p, n, i, "<", out); /* just the '<' of a tag */
		run = i;
	}
	buf_append(out, p + run, i - run);
}

static xmlDocPtr parse_xml(const char *u, size_t n, char *err, size_t errlen)
{
	xmlParserCtxtPtr ctxt;
	xmlDocPtr doc;
	struct buf fixed;
	int declared = 0;

	buf_init(&fixed);
	xml_repair(u, n, &fixed);
	if (fixed.len > INT_MAX || (ctxt = xmlNewParserCtxt()) == NULL) {
		snprintf(err, errlen, "%s",
			 fixed.len > INT_MAX ? "document too large" : "out of memory");
		buf_free(&fixed);
		return NULL;
	}
	ctxt->sax->entityDecl = refuse_entity_decl;
	ctxt->sax->unparsedEntityDecl = refuse_unparsed_decl;
	ctxt->sax->reference = html_entity_text;
	ctxt->_private = &declared;
	doc = xmlCtxtReadMemory(ctxt, buf_str(&fixed), (int)fixed.len, NULL, "UTF-8", XML_OPTS);
	xmlFreeParserCtxt(ctxt);
	buf_free(&fixed);
	if (declared) {
		xmlFreeDoc(doc);
		snprintf(err, errlen, "feed declares entities");
		return NULL;
	}
	if (doc == NULL)
		snprintf(err, errlen, "not parseable as XML");
	return doc;
}

static xmlDocPtr parse_html(const char *u, size_t n, char *err, size_t errlen)
{
	xmlDocPtr doc = htmlReadMemory(u, (int)n, NULL, "UTF-8", HTML_OPTS);

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

/* Converts data to UTF-8 into u. Returns 0, or -1 with err filled. */
static int to_utf8(const char *data, size_t len, const char *content_type, const char *encoding,
		   struct buf *u, char *err, size_t errlen)
{
	size_t bom;
	const char *cs = detect(data, len, content_type, encoding, &bom);
	/* Every supported charset needs at most 3 UTF-8 bytes per input byte, U+FFFD included. */
	size_t max_out = (len - bom) * 3 + 16;

	if (max_out > INT_MAX || charset_to_utf8(data + bom, len - bom, cs, max_out, u) < 0) {
		snprintf(err, errlen, "cannot convert from %s", cs);
		return -1;
	}
	if (skip_ws(buf_str(u), u->len, 0) == u->len) {
		snprintf(err, errlen, "empty document");
		return -1;
	}
	return 0;
}

xmlDocPtr page_parse(const char *data, size_t len, const char *content_type, const char *encoding,
		     enum page_kind kind, const struct page_limits *limits,
		     enum page_kind *kind_out, char *err, size_t errlen)
{
	struct page_limits lim;
	struct buf u;
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
	if (to_utf8(data, len, content_type, encoding, &u, err, errlen) < 0)
		goto fail;
	if (kind == PAGE_AUTO)
		kind = sniff_feed(u.data, u.len, content_type) ? PAGE_XML : PAGE_HTML;
	if (kind == PAGE_XML)
		doc = parse_xml(u.data, u.len, err, errlen);
	else
		doc = parse_html(u.data, u.len, err, errlen);
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
