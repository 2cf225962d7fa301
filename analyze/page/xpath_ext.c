/*
 * XPath set-up for list pages: the has-class() extension of Scrapy's parsel,
 * a bounded evaluation context, and the "//" rewrite for item-relative
 * selectors.
 */
#include <stdlib.h>
#include <string.h>

#include <libxml/xpathInternals.h>

#include "analyze/page/bytes.h"
#include "analyze/page/list_int.h"
#include "common/buf.h"
#include "common/xmalloc.h"

/* libxml2 stores XPath errors in lastError shifted into the xmlParserErrors range. */
#define XPATH_LIMIT_CODE (XML_XPATH_EXPRESSION_OK + XPATH_OP_LIMIT_EXCEEDED)

/*
 * " " + cls + " " with every whitespace run (HTML ASCII whitespace, what
 * parsel collapses in the class attribute) turned into one space.
 */
static char *xpath_padded_class(const char *cls)
{
	struct buf b;
	int in_space = 0;

	buf_init(&b);
	buf_append_char(&b, ' ');
	for (; *cls; cls++) {
		if (bytes_is_html_space((unsigned char)*cls)) {
			in_space = 1;
			continue;
		}
		if (in_space && b.len > 1)
			buf_append_char(&b, ' ');
		in_space = 0;
		buf_append_char(&b, *cls);
	}
	if (b.len > 1)
		buf_append_char(&b, ' ');
	return buf_steal(&b);
}

/* 1 when padded holds " cls " (parsel's substring test, so "a b" needs a then b). */
static int xpath_class_match(const char *padded, const xmlChar *cls)
{
	char *needle = xasprintf(" %s ", (const char *)cls);
	int found = strstr(padded, needle) != NULL;

	free(needle);
	return found;
}

static int xpath_node_has_classes(xmlNodePtr node, xmlXPathObjectPtr *args, int nargs)
{
	xmlChar *attr;
	char *padded;
	int i, ok = 1;

	if (node == NULL || node->type != XML_ELEMENT_NODE)
		return 0;
	attr = xmlGetNoNsProp(node, XC("class"));
	if (attr == NULL)
		return 0;
	padded = xpath_padded_class((const char *)attr);
	for (i = 0; i < nargs && ok; i++)
		ok = xpath_class_match(padded, args[i]->stringval);
	free(padded);
	xmlFree(attr);
	return ok;
}

/*
 * has-class("a", "b c", ...): true when the context node's class attribute,
 * whitespace-normalised, contains " a " and " b c " (parsel semantics; one
 * argument may hold several classes, which must then appear in that order).
 * No arguments or a non-string argument is an XPath error, as in parsel.
 */
static void xpath_has_class(xmlXPathParserContextPtr ctxt, int nargs)
{
	xmlXPathObjectPtr *args;
	int i, bad = 0, res;

	if (nargs < 1) {
		xmlXPathErr(ctxt, XPATH_INVALID_ARITY);
		return;
	}
	if (ctxt->valueNr < ctxt->valueFrame + nargs) {
		xmlXPathErr(ctxt, XPATH_STACK_ERROR);
		return;
	}
	args = xcalloc((size_t)nargs, sizeof(*args));
	for (i = nargs - 1; i >= 0; i--) {
		args[i] = valuePop(ctxt);
		if (args[i] == NULL || args[i]->type != XPATH_STRING)
			bad = 1;
	}
	res = bad ? 0 : xpath_node_has_classes(ctxt->context->node, args, nargs);
	for (i = 0; i < nargs; i++)
		xmlXPathFreeObject(args[i]);
	free(args);
	if (bad) {
		xmlXPathErr(ctxt, XPATH_INVALID_TYPE);
		return;
	}
	valuePush(ctxt, xmlXPathNewBoolean(res));
}

void list_xpath_register(xmlXPathContextPtr ctx)
{
	xmlXPathRegisterFunc(ctx, XC("has-class"), xpath_has_class);
}

/* xmlXPathContext.error: errors stay in ctx->lastError; libraries do not print. */
static void xpath_quiet(void *data, xmlErrorPtr error)
{
	(void)data;
	(void)error;
}

xmlXPathContextPtr list_xpath_context(xmlDocPtr doc)
{
	xmlXPathContextPtr ctx = xmlXPathNewContext(doc);

	if (ctx == NULL)
		return NULL;
	list_xpath_register(ctx);
	ctx->error = xpath_quiet;
	ctx->opLimit = LIST_XPATH_OPS;
	return ctx;
}

xmlXPathObjectPtr list_xpath_eval(xmlXPathContextPtr ctx, xmlXPathCompExprPtr comp, xmlNodePtr node,
				  unsigned long *budget)
{
	xmlXPathObjectPtr res;

	if (*budget == 0) {
		ctx->lastError.code = XPATH_LIMIT_CODE;
		return NULL;
	}
	xmlResetError(&ctx->lastError);
	ctx->node = node;
	ctx->opCount = 0;
	ctx->opLimit = *budget < LIST_XPATH_OPS ? *budget : LIST_XPATH_OPS;
	ctx->contextSize = -1;
	ctx->proximityPosition = -1;
	res = xmlXPathCompiledEval(comp, ctx);
	*budget -= ctx->opCount < *budget ? ctx->opCount : *budget;
	return res;
}

const char *list_xpath_error(xmlXPathContextPtr ctx)
{
	if (ctx->lastError.code == XPATH_LIMIT_CODE)
		return "XPath operation limit exceeded";
	if (ctx->lastError.message != NULL && ctx->lastError.message[0] != '\0')
		return ctx->lastError.message;
	return "XPath evaluation failed";
}

/* Last significant character before position i, or 0 at the start. */
static char xpath_prev_char(const char *s, size_t i)
{
	while (i > 0) {
		i--;
		if (!bytes_is_html_space((unsigned char)s[i]))
			return s[i];
	}
	return 0;
}

/*
 * Only paths at predicate depth 0 that start an expression (start, after
 * "(", "|" or ",") are rewritten; "//" inside [...] keeps its XPath meaning.
 */
char *list_xpath_relative(const char *expr)
{
	struct buf b;
	char quote = 0;
	int depth = 0;
	size_t i;

	buf_init(&b);
	for (i = 0; expr[i]; i++) {
		char c = expr[i], p;

		if (quote) {
			if (c == quote)
				quote = 0;
		} else if (c == '"' || c == '\'') {
			quote = c;
		} else if (c == '[') {
			depth++;
		} else if (c == ']') {
			depth -= depth > 0;
		} else if (c == '/' && expr[i + 1] == '/' && depth == 0) {
			p = xpath_prev_char(expr, i);
			if (p == 0 || p == '(' || p == '|' || p == ',')
				buf_append_char(&b, '.');
		}
		buf_append_char(&b, c);
	}
	return buf_steal(&b);
}
