/*
 * daemon/cmd/preview: `speechwatch preview SOURCE --articles [N]`, shared by
 * the command (cmd_preview.c: the list) and its articles
 * (cmd_preview_art.c: fetched, extracted and scored as the daemon would).
 * Not a public interface.
 */
#ifndef SW_PREVIEW_INT_H
#define SW_PREVIEW_INT_H

#include <jansson.h>
#include <stddef.h>

#define PREVIEW_ARTICLES_DEFAULT 3
#define PREVIEW_ARTICLES_MAX 10 /* a preview reads a few pages, not a site */

/* A statement with fewer words than this was probably not extracted whole. */
#define PREVIEW_MIN_WORDS 20

struct config;
struct config_source;
struct list_items;

/*
 * The N of --articles: arg is --articles=N's value, "" when none was
 * given, and then the operand after SOURCE (or before it, when only that
 * one is a number), when there is one, is N: argv[0] is left the source
 * and *argc loses N. Above PREVIEW_ARTICLES_MAX it is cut with a note.
 * Returns 0 with *n, or -1 after printing why (a usage error).
 */
int preview_articles_arg(const char *arg, int *argc, char **argv, size_t *n);

/*
 * Fetches the articles of the first n items of items (those with a link),
 * one at a time, with the request, extraction and themes the daemon would
 * use for s; warns on stderr when the body XPath matches nothing or a
 * text is shorter than PREVIEW_MIN_WORDS. Without json each article is
 * printed as it arrives. Returns the articles as a JSON array (the
 * caller owns it).
 */
json_t *preview_articles(const struct config *cfg, const struct config_source *s,
			 const struct list_items *items, size_t n, int json);

#endif
