/*
 * OPML (a feed reader's subscription list): every <outline> with an xmlUrl
 * is a feed, one with only an htmlUrl a page; folders nest outlines to any
 * depth. Parsed by libxml2 as feeds are (shared/hardening.md): no network,
 * no DTD, no entity declared or loaded, no XInclude, no HUGE (libxml2's own
 * depth limit of 256 stands) — and, unlike feeds, without RECOVER: a broken
 * list is an error at its line, not a guess.
 */
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "config/import.h"

#define OPML_OPTS                                                                                  \
	(XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA |           \
	 XML_PARSE_NOXINCNODE)
/* Folders deeper than this are not walked (libxml2 already stops at 256). */
#define OPML_MAX_DEPTH 64

/* xmlExternalEntityLoader: nothing is ever loaded, local or remote. */
static xmlParserInputPtr refuse_loader(const char *url, const char *id, xmlParserCtxtPtr ctxt)
{
	(void)url;
	(void)id;
	(void)ctxt;
	return NULL;
}

/* entityDeclSAXFunc: a declared entity is never defined; the parse then fails on its use. */
static void refuse_entity(void *ctx, const xmlChar *name, int type, const xmlChar *public_id,
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

static xmlDocPtr opml_parse(const char *data, size_t len, const char *file, char *err,
			    size_t errlen)
{
	xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
	xmlDocPtr doc;
	int declared = 0;

	if (ctxt == NULL) {
		err_set(err, errlen, "%s: out of memory", file);
		return NULL;
	}
	xmlSetExternalEntityLoader(refuse_loader);
	ctxt->sax->entityDecl = refuse_entity;
	ctxt->_private = &declared;
	doc = xmlCtxtReadMemory(ctxt, data, (int)len, NULL, NULL, OPML_OPTS);
	if (declared || doc == NULL || !ctxt->wellFormed) {
		const xmlError *e = xmlCtxtGetLastError(ctxt);
		char msg[256];

		snprintf(msg, sizeof(msg), "%s", e && e->message ? e->message : "not well-formed");
		msg[strcspn(msg, "\n")] = '\0';
		err_set(err, errlen, "%s:%d: %s", file, e ? e->line : 0,
			declared ? "declares entities (an OPML list never needs one)" : msg);
		xmlFreeDoc(doc);
		doc = NULL;
	}
	xmlFreeParserCtxt(ctxt);
	return doc;
}

static char *prop(xmlNodePtr n, const char *name)
{
	return (char *)xmlGetProp(n, (const xmlChar *)name);
}

/* One <outline>: a feed by its xmlUrl, else a page by its htmlUrl; folders have neither. */
static void outline_add(xmlNodePtr n, const char *file, struct import_list *out)
{
	char *xml = prop(n, "xmlUrl"), *html = prop(n, "htmlUrl");
	char *title = prop(n, "title"), *text = prop(n, "text");
	const char *name = title && *title ? title : text;

	if (xml != NULL && *xml)
		import_add(out, file, (int)xmlGetLineNo(n), xml, name, 1, NULL);
	else if (html != NULL && *html)
		import_add(out, file, (int)xmlGetLineNo(n), html, name, 0, NULL);
	xmlFree(xml);
	xmlFree(html);
	xmlFree(title);
	xmlFree(text);
}

static int outlines(xmlNodePtr parent, int depth, const char *file, struct import_list *out,
		    char *err, size_t errlen)
{
	for (xmlNodePtr n = parent->children; n != NULL; n = n->next) {
		if (n->type != XML_ELEMENT_NODE || strcmp((const char *)n->name, "outline") != 0)
			continue;
		if (depth >= OPML_MAX_DEPTH || out->n >= IMPORT_MAX_SOURCES) {
			err_set(err, errlen, "%s:%d: %s", file, (int)xmlGetLineNo(n),
				depth >= OPML_MAX_DEPTH ? "outlines nested too deep"
							: "too many outlines");
			return -1;
		}
		outline_add(n, file, out);
		if (outlines(n, depth + 1, file, out, err, errlen) < 0)
			return -1;
	}
	return 0;
}

static xmlNodePtr child(xmlNodePtr parent, const char *name)
{
	for (xmlNodePtr n = parent ? parent->children : NULL; n != NULL; n = n->next)
		if (n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0)
			return n;
	return NULL;
}

int import_opml(const char *data, size_t len, const char *file, struct import_list *out, char *err,
		size_t errlen)
{
	xmlDocPtr doc;
	xmlNodePtr root, body;
	int rc;

	if (len > IMPORT_MAX_BYTES) {
		err_set(err, errlen, "%s: file too large (more than %zu bytes)", file,
			(size_t)IMPORT_MAX_BYTES);
		return -1;
	}
	doc = opml_parse(data, len, file, err, errlen);
	if (doc == NULL)
		return -1;
	root = xmlDocGetRootElement(doc);
	body = root && strcmp((const char *)root->name, "opml") == 0 ? child(root, "body") : NULL;
	if (body == NULL) {
		err_set(err, errlen, "%s:%d: not an OPML list (no <opml><body>)", file,
			root ? (int)xmlGetLineNo(root) : 1);
		rc = -1;
	} else {
		rc = outlines(body, 0, file, out, err, errlen);
	}
	xmlFreeDoc(doc);
	if (rc < 0)
		import_list_free(out);
	return rc;
}
