/*
 * Bytes -> UTF-8 -> libxml2 document (see page.h). We decide the charset
 * and convert to UTF-8 ourselves (input that already is valid UTF-8 is used
 * as it is) and tell libxml2 to ignore the document's own declarations, so
 * its encoding guesses can never contradict ours. HTML is parsed without
 * the contents of <script>, <style> and <svg> (see "Contents dropped").
 */
#include <ctype.h>
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

#include "analyze/page/charset.h"
#include "analyze/page/page.h"
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

/*
 * Where a comment is dropped: what was around it must not join into a new
 * "<!--" ("<!<!---->--"), so a space separates them when the text before
 * ends in '<', '!' or '-'. Elsewhere nothing is added ("a<!-- -->b" is "ab").
 */
static void comment_gap(struct buf *out)
{
	if (out->len > 0 && memchr("<!-", out->data[out->len - 1], 3) != NULL)
		buf_append_char(out, ' ');
}

/* Copies the doctype at p[i] without the comments of its internal subset (see xml_repair). */
static size_t copy_doctype(const char *p, size_t n, size_t i, struct buf *out)
{
	size_t j = skip_doctype(p, n, i);

	while (i < j) {
		const char *c = memmem(p + i, j - i, "<!--", 4);
		size_t stop = c != NULL ? (size_t)(c - p) : j;

		buf_append(out, p + i, stop - i);
		if (c != NULL)
			comment_gap(out);
		i = c != NULL ? skip_past(p, j, stop + 4, "-->") : j;
	}
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

/* From the HTML scanner below; xml_max_attrs uses them too. */
static size_t count_attrs(const char *p, size_t n, size_t i, size_t *count);
static size_t name_end(const char *p, size_t n, size_t i);

/*
 * Real feeds use HTML entities they never declare, bare ampersands and
 * control characters. In libxml2's recovery mode one such error drops every
 * later entity, &amp; included, so repair them first. CDATA, processing
 * instructions and the doctype are copied untouched. Comments, also in the
 * doctype, are dropped: they hold nothing we read, and libxml2 2.9 copies
 * the whole comment so far into its last error at every "--" inside one
 * (quadratic time).
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
		else if (n - i >= 4 && memcmp(p + i, "<!--", 4) == 0) {
			comment_gap(out);
			i = skip_past(p, n, i + 4, "-->");
		} else if (n - i >= 2 && p[i + 1] == '?')
			i = copy_past(p, n, i, "?>", out);
		else if (n - i >= 2 && p[i + 1] == '!')
			i = copy_doctype(p, n, i, out);
		else
			i = copy_past(p, n, i, "<", out); /* just the '<' of a tag */
		run = i;
	}
	buf_append(out, p + run, i - run);
}

/*
 * The most attributes a start tag in p[0..n) may have: libxml2 reads none
 * past the next '<' (not allowed in an attribute value). CDATA sections
 * are skipped (they end at the first "]]>" for libxml2 too).
 */
static size_t xml_max_attrs(const char *p, size_t n)
{
	const char *lt = memchr(p, '<', n), *next;
	size_t max = 0, count, i, end;

	for (; lt != NULL; lt = next) {
		i = (size_t)(lt - p);
		if (n - i >= 9 && memcmp(p + i, "<![CDATA[", 9) == 0)
			i = skip_past(p, n, i + 9, "]]>") - 1;
		next = i + 1 < n ? memchr(p + i + 1, '<', n - i - 1) : NULL;
		end = next != NULL ? (size_t)(next - p) : n;
		if (i + 1 < end && p[i] == '<' && strchr("/!? \t\r\n", p[i + 1]) == NULL) {
			count_attrs(p, end, name_end(p, end, i + 1), &count);
			max = count > max ? count : max;
		}
	}
	return max;
}

static xmlDocPtr parse_xml(const char *u, size_t n, char *err, size_t errlen)
{
	xmlParserCtxtPtr ctxt;
	xmlDocPtr doc;
	struct buf fixed;
	int declared = 0;

	buf_init(&fixed);
	xml_repair(u, n, &fixed);
	if (xml_max_attrs(buf_str(&fixed), fixed.len) > MAX_ATTRIBUTES) {
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
 * Contents dropped before parsing. <script> and <style> hold two thirds of a
 * typical page's bytes and inline <svg> drawings a tenth of the rest; none
 * of it is text a reader sees, and libxml2 reads it one character at a time.
 * Dropping it leaves the same tree with those elements empty. Kept: JSON-LD
 * scripts (the extractor reads their datePublished), and any <svg> whose
 * contents are not plain SVG markup up to its matching </svg> (it may be
 * unclosed, or hold HTML in a foreignObject: libxml2 would then nest
 * differently than we can tell cheaply).
 *
 * The scan follows libxml2's tokenizer where it matters: a start tag is '<'
 * and a letter outside comments, other tags (attribute values may hold
 * "<script") and raw text; "<script/>" is an empty element. Raw text ends at
 * the first "</script" or "</style" (any case) followed by whitespace, '/',
 * '>' or the end of input, as HTML says. One pass, O(n): a given byte is
 * read by at most one SVG check besides the main scan.
 */
enum raw_kind { RAW_NONE, RAW_SCRIPT, RAW_STYLE, RAW_SVG };

/* A range of bytes: the contents of one element. */
struct raw_cut {
	size_t start, end;
};

/* Where the scan is; svg_floor: no <svg> before it can be dropped (a check failed past it). */
struct raw_scan {
	size_t pos, svg_floor;
};

/* Element names that may appear in a dropped <svg>, most frequent first. */
static const char *const svg_names[] = {
    "path",
    "g",
    "svg",
    "use",
    "defs",
    "symbol",
    "title",
    "desc",
    "circle",
    "rect",
    "ellipse",
    "line",
    "polygon",
    "polyline",
    "lineargradient",
    "radialgradient",
    "stop",
    "clippath",
    "mask",
    "pattern",
    "filter",
    "text",
    "tspan",
    "textpath",
    "marker",
    "image",
    "metadata",
    "switch",
    "view",
    "animate",
    "animatetransform",
    "animatemotion",
    "set",
    "mpath",
    "style",
    "script",
};

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int is_letter(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Characters of an HTML name as libxml2's htmlParseHTMLName reads them. */
static int is_name_char(char c)
{
	return is_letter(c) || (c >= '0' && c <= '9') || c == ':' || c == '-' || c == '_' ||
	       c == '.';
}

static int name_is(const char *name, size_t len, const char *want)
{
	return strlen(want) == len && strncasecmp(name, want, len) == 0;
}

/* SVG filter primitives (feGaussianBlur, feFuncA, ...) or one of svg_names. */
static int is_svg_name(const char *name, size_t len)
{
	if (len > 2 && strncasecmp(name, "fe", 2) == 0)
		return 1;
	for (size_t k = 0; k < sizeof(svg_names) / sizeof(svg_names[0]); k++)
		if (name_is(name, len, svg_names[k]))
			return 1;
	return 0;
}

static int at_tag_end(const char *p, size_t n, size_t i)
{
	return p[i] == '>' || (p[i] == '/' && i + 1 < n && p[i + 1] == '>');
}

/* Skips an attribute value at p[i] (after '='). Returns the index after it; *v gets the value. */
static size_t skip_value(const char *p, size_t n, size_t i, struct raw_cut *v)
{
	const char *q;

	if (p[i] != '"' && p[i] != '\'') {
		v->start = i;
		while (i < n && !is_blank(p[i]) && p[i] != '>')
			i++;
		v->end = i;
		return i;
	}
	v->start = i + 1;
	q = memchr(p + v->start, p[i], n - v->start);
	v->end = q == NULL ? n : (size_t)(q - p);
	return q == NULL ? n : v->end + 1;
}

/*
 * Skips one attribute (or, as libxml2 does, a bogus run up to a blank) at
 * p[i], which is no blank and no tag end. Returns the index after it; *keep
 * is set when it is a type naming JSON-LD (or one we cannot judge).
 */
static size_t skip_attr(const char *p, size_t n, size_t i, int *keep)
{
	static const char ld_json[] = "application/ld+json";
	size_t name = i;
	int is_type;
	struct raw_cut v;

	if (!is_letter(p[i]) && p[i] != '_' && p[i] != ':' && p[i] != '.') {
		while (i < n && !is_blank(p[i]) && !at_tag_end(p, n, i))
			i++;
		return i;
	}
	while (i < n && is_name_char(p[i]))
		i++;
	is_type = i - name == 4 && strncasecmp(p + name, "type", 4) == 0;
	i = skip_ws(p, n, i);
	if (i >= n || p[i] != '=')
		return i;
	i = skip_ws(p, n, i + 1);
	if (i >= n)
		return i;
	i = skip_value(p, n, i, &v);
	if (is_type && *keep == -1) /* libxml2 keeps the first of repeated attributes */
		*keep = (v.end - v.start == sizeof(ld_json) - 1 &&
			 strncasecmp(p + v.start, ld_json, sizeof(ld_json) - 1) == 0) ||
			memchr(p + v.start, '&', v.end - v.start) != NULL;
	return i;
}

/*
 * Skips the attributes of a start tag from p[i]. Returns the index of its
 * '>' or "/>", or n. *keep: 1 for a JSON-LD type, 0 for another type, -1
 * for none.
 */
static size_t skip_attrs(const char *p, size_t n, size_t i, int *keep)
{
	*keep = -1;
	for (;;) {
		i = skip_ws(p, n, i);
		if (i >= n || at_tag_end(p, n, i))
			return i;
		i = skip_attr(p, n, i, keep);
	}
}

/* skip_attrs that counts the attributes into *count. */
static size_t count_attrs(const char *p, size_t n, size_t i, size_t *count)
{
	int keep = -1;

	*count = 0;
	for (;;) {
		i = skip_ws(p, n, i);
		if (i >= n || at_tag_end(p, n, i))
			return i;
		i = skip_attr(p, n, i, &keep);
		(*count)++;
	}
}

static size_t name_end(const char *p, size_t n, size_t i)
{
	while (i < n && is_name_char(p[i]))
		i++;
	return i;
}

/* Where the raw text starting at p[i] of the element named name ends: its end tag, or n. */
static size_t raw_end(const char *p, size_t n, size_t i, const char *name, size_t len)
{
	const char *lt;

	while (i < n && (lt = memchr(p + i, '<', n - i)) != NULL) {
		i = (size_t)(lt - p);
		if (n - i >= len + 2 && p[i + 1] == '/' && strncasecmp(p + i + 2, name, len) == 0 &&
		    (n - i == len + 2 || is_blank(p[i + len + 2]) || p[i + len + 2] == '\f' ||
		     p[i + len + 2] == '/' || p[i + len + 2] == '>'))
			return i;
		i++;
	}
	return n;
}

/*
 * Checks one tag at p[i] inside an <svg>. Returns the index after it (after
 * the raw text of a <style> or <script>), or 0 when it is no SVG markup.
 * *depth counts the <svg> elements open.
 */
static size_t svg_tag(const char *p, size_t n, size_t i, size_t *depth)
{
	int end = p[i + 1] == '/', keep;
	size_t name = i + 1 + (size_t)end, len = name_end(p, n, name) - name, j;

	if (len == 0 || !is_svg_name(p + name, len))
		return 0;
	if (end) {
		*depth -= name_is(p + name, len, "svg");
		return *depth == 0 ? i : skip_past(p, n, name + len, ">");
	}
	j = skip_attrs(p, n, name + len, &keep);
	if (j >= n)
		return 0;
	if (p[j] == '/')
		return j + 2;
	*depth += name_is(p + name, len, "svg");
	if (name_is(p + name, len, "style") || name_is(p + name, len, "script"))
		return raw_end(p, n, j + 1, p + name, len);
	return j + 1;
}

/*
 * The end of the contents of the <svg> that start at p[i]: the index of its
 * matching "</svg", or 0 when they hold anything else than SVG elements,
 * text and comments. *stop receives how far the check read.
 */
static size_t svg_end(const char *p, size_t n, size_t i, size_t *stop)
{
	size_t depth = 1, next;
	const char *lt;

	while (i < n && (lt = memchr(p + i, '<', n - i)) != NULL) {
		i = (size_t)(lt - p);
		if (n - i >= 4 && memcmp(p + i, "<!--", 4) == 0) {
			i = skip_past(p, n, i + 4, "-->");
			continue;
		}
		if (n - i < 3 || (!is_letter(p[i + 1]) && p[i + 1] != '/'))
			break;
		next = svg_tag(p, n, i, &depth);
		if (next == 0)
			break;
		if (depth == 0)
			return *stop = i;
		i = next;
	}
	*stop = i < n ? i : n;
	return 0;
}

static enum raw_kind raw_kind_of(const char *name, size_t len)
{
	if (name_is(name, len, "script"))
		return RAW_SCRIPT;
	if (name_is(name, len, "style"))
		return RAW_STYLE;
	if (name_is(name, len, "svg"))
		return RAW_SVG;
	return RAW_NONE;
}

/* The contents of the <svg> starting at p[i], or none (returns 0). */
static int svg_cut(const char *p, size_t n, size_t i, struct raw_scan *s, struct raw_cut *cut)
{
	size_t stop;

	if (i < s->svg_floor)
		return 0;
	cut->start = i;
	cut->end = svg_end(p, n, i, &stop);
	if (cut->end == 0)
		s->svg_floor = stop;
	return cut->end > cut->start;
}

/*
 * A start tag at p[i] ('<' and a letter). Returns the index after it or,
 * when it opens raw text or an SVG drawing to drop, after that; *cut is
 * filled (and *found set) when there is something to drop.
 */
static size_t start_tag(const char *p, size_t n, size_t i, struct raw_scan *s, struct raw_cut *cut,
			int *found)
{
	size_t name = i + 1, len = name_end(p, n, name) - name, j;
	enum raw_kind kind = raw_kind_of(p + name, len);
	int keep;

	j = skip_attrs(p, n, name + len, &keep);
	if (j >= n)
		return n;
	if (p[j] == '/')
		return j + 2; /* "<script/>" is an empty element for libxml2 too */
	if (kind == RAW_NONE)
		return j + 1;
	if (kind == RAW_SVG) {
		*found = svg_cut(p, n, j + 1, s, cut);
		return *found ? cut->end : j + 1;
	}
	cut->start = j + 1;
	cut->end = raw_end(p, n, j + 1, p + name, len);
	*found = cut->end > cut->start && !(kind == RAW_SCRIPT && keep == 1);
	return cut->end;
}

/*
 * Finds the next contents to drop from s->pos on. Returns 1 and fills cut
 * (s->pos goes after it), or 0 when there are no more.
 */
static int raw_next(const char *p, size_t n, struct raw_scan *s, struct raw_cut *cut)
{
	size_t i = s->pos;
	const char *lt;
	int found = 0;

	while (!found && i < n && (lt = memchr(p + i, '<', n - i)) != NULL) {
		i = (size_t)(lt - p);
		if (n - i >= 4 && memcmp(p + i, "<!--", 4) == 0)
			i = skip_past(p, n, i + 4, "-->");
		else if (n - i >= 2 && (p[i + 1] == '!' || p[i + 1] == '?'))
			i = skip_past(p, n, i + 2, ">");
		else if (n - i >= 3 && p[i + 1] == '/' && is_letter(p[i + 2]))
			i = skip_past(p, n, i + 3, ">");
		else if (n - i >= 2 && is_letter(p[i + 1]))
			i = start_tag(p, n, i, s, cut, &found);
		else
			i++;
	}
	s->pos = found ? i : n;
	return found;
}

/*
 * Copies src[0..n) to dst without the contents raw_next finds, the first of
 * which is cut. dst may be src. Returns the length written.
 */
static size_t raw_strip(const char *src, size_t n, struct raw_cut cut, struct raw_scan *s,
			char *dst)
{
	size_t w = 0, from = 0;

	do {
		memmove(dst + w, src + from, cut.start - from);
		w += cut.start - from;
		from = cut.end;
	} while (raw_next(src, n, s, &cut));
	memmove(dst + w, src + from, n - from);
	return w + n - from;
}

/* Where a comment whose text starts at p[i] may end for libxml2: "-->" or "--!>". */
static size_t comment_end(const char *p, size_t n, size_t i)
{
	size_t end = skip_past(p, n, i, "-->");
	const char *bang = memmem(p + i, end - i, "--!>", 4);

	return bang != NULL ? (size_t)(bang - p) + 4 : end;
}

/* Where script or style text starting at p[i] may end: "</" and the name, whatever follows. */
static size_t raw_end_early(const char *p, size_t n, size_t i, const char *name, size_t len)
{
	const char *lt;

	while (i < n && (lt = memchr(p + i, '<', n - i)) != NULL) {
		i = (size_t)(lt - p);
		if (n - i >= len + 2 && p[i + 1] == '/' && strncasecmp(p + i + 2, name, len) == 0)
			return i;
		i++;
	}
	return n;
}

/*
 * The most attributes a start tag in p[0..n) has, as libxml2 will parse
 * it: '<' and a letter starts a tag anywhere but in a comment, an end tag
 * and script or style text, and each of these is ended at the earliest
 * place libxml2 could end it, so that no tag it reads is missed (a bogus
 * "<!x" or "<?" is text before a tag for libxml2, not a comment; a doctype
 * is scanned like text, as libxml2 may end it early). Linear.
 */
static size_t html_max_attrs(const char *p, size_t n)
{
	size_t i = 0, max = 0, count, name, len;
	const char *lt;

	while (i < n && (lt = memchr(p + i, '<', n - i)) != NULL) {
		i = (size_t)(lt - p);
		if (n - i >= 4 && memcmp(p + i, "<!--", 4) == 0) {
			i = comment_end(p, n, i + 4);
		} else if (n - i >= 3 && p[i + 1] == '/' && is_letter(p[i + 2])) {
			/* libxml2 reads an end tag to its first '>', markup-like text included */
			i = skip_past(p, n, i + 2, ">");
		} else if (n - i >= 2 && is_letter(p[i + 1])) {
			name = i + 1;
			len = name_end(p, n, name) - name;
			i = count_attrs(p, n, name + len, &count);
			max = count > max ? count : max;
			if (i < n && p[i] == '>' &&
			    (name_is(p + name, len, "script") || name_is(p + name, len, "style")))
				i = raw_end_early(p, n, i + 1, p + name, len);
		} else {
			i++;
		}
	}
	return max;
}

/*
 * Parses UTF-8 text t[0..n) (writable when own is not NULL: it is then
 * stripped in place) as HTML, without the contents that raw_next finds.
 */
static xmlDocPtr parse_html(const char *t, size_t n, char *own, char *err, size_t errlen)
{
	struct raw_cut cut;
	struct raw_scan scan = {0, 0};
	char *copy = NULL;
	xmlDocPtr doc;

	if (raw_next(t, n, &scan, &cut)) {
		if (own == NULL)
			own = copy = xmalloc(n);
		n = raw_strip(t, n, cut, &scan, own);
		t = own;
	}
	if (html_max_attrs(t, n) > MAX_ATTRIBUTES) {
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
	if (skip_ws(t->p, t->n, 0) == t->n) {
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
