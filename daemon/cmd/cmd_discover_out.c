/*
 * daemon/cmd/cmd_discover_out: what `speechwatch discover` prints. Text for
 * a terminal (every page string through common/printable.h) or one JSON
 * document (exact strings), and the ready [source] section of the best
 * proposal. The JSON layout is documented in docs/speechwatch.8.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/printable.h"
#include "common/xmalloc.h"
#include "daemon/cmd/discover_int.h"

#define SHOW_ITEMS 5 /* items shown per proposal */

const char *discover_confidence_name(enum discover_confidence c)
{
	static const char *const names[] = {"low", "medium", "high"};

	return c <= DISCOVER_HIGH ? names[c] : "low";
}

static const struct list_items *proposal_items(const struct proposal *p)
{
	return p->type == PROPOSAL_LIST ? &p->list->items_seen : &p->feed->items;
}

static size_t proposal_count(const struct proposal *p)
{
	return p->type == PROPOSAL_LIST ? p->list->count : p->feed->items.n;
}

/* The longest line speechwatch.conf reads (config/file.c: libinih's buffer less 2). */
#define CONF_LINE_MAX 198

/*
 * "key = value" with value escaped; nothing when value is NULL. Aligned when
 * that fits in a config line; a line that cannot fit is preceded by a
 * comment saying so, as check would refuse it.
 */
static void section_line(struct buf *b, const char *key, const char *value)
{
	char *safe, *line;

	if (value == NULL)
		return;
	safe = printable(value, 0);
	line = xasprintf("%-11s = %s", key, safe);
	if (strlen(line) > CONF_LINE_MAX) {
		free(line);
		line = xasprintf("%s = %s", key, safe);
	}
	if (strlen(line) > CONF_LINE_MAX)
		buf_printf(b,
			   "; the next line is longer than the %d characters of a config "
			   "line: shorten it\n",
			   CONF_LINE_MAX);
	buf_printf(b, "%s\n", line);
	free(line);
	free(safe);
}

char *discover_source_section(const struct proposal *p, const char *page_url)
{
	const char *url = p->type == PROPOSAL_LIST ? page_url : p->feed->url;
	char *id = discover_source_id(url);
	struct buf b;

	buf_init(&b);
	buf_printf(&b, "[source \"%s\"]\n", id);
	section_line(&b, "url", url);
	if (p->type == PROPOSAL_FEED) {
		section_line(&b, "kind", p->feed->kind);
	} else {
		section_line(&b, "kind", "html");
		section_line(&b, "items", p->list->items);
		section_line(&b, "link", p->list->link);
		section_line(&b, "title", p->list->title);
		section_line(&b, "date", p->list->date);
		section_line(&b, "date_format", p->list->date_format);
	}
	section_line(&b, "enabled", "no");
	free(id);
	return buf_steal(&b);
}

static void print_item(const struct list_item *it)
{
	char *date = printable(it->date ? it->date : "-", 0);
	char *title = printable(it->title ? it->title : "", 0);
	char *url = printable(it->url ? it->url : "(no link)", 0);

	printf("     %-25s  %s\n     %27s%s\n", date, title, "", url);
	free(date);
	free(title);
	free(url);
}

static void print_xpath(const char *key, const char *value, const char *none)
{
	char *safe = value ? printable(value, 0) : NULL;

	printf("     %-11s = %s\n", key, safe ? safe : none);
	free(safe);
}

static void print_list_head(const struct discover_candidate *c)
{
	char *why = printable(c->why ? c->why : "", 0);

	printf("HTML list, %zu item%s\n", c->count, c->count == 1 ? "" : "s");
	print_xpath("items", c->items, "");
	print_xpath("link", c->link, "(default: the item's link)");
	print_xpath("title", c->title, "(default: the link's text)");
	print_xpath("date", c->date, "(none: the list shows no dates)");
	if (c->date_format)
		print_xpath("date_format", c->date_format, "");
	if (*why)
		printf("     why: %s\n", why);
	free(why);
}

/* "38 of 40 list items": how a feed relates to the page's own list. */
static void print_feed_head(const struct checked_feed *cf, const struct discover_found *f)
{
	char *url = printable(cf->url, 0);
	char *title = cf->title ? printable(cf->title, 0) : NULL;

	printf("%s feed, %zu item%s: %s\n", cf->kind, cf->items.n, cf->items.n == 1 ? "" : "s",
	       url);
	printf("     found as: %s%s%s%s\n",
	       strcmp(cf->advertised, "guess") == 0 ? "a common feed path or link" : "advertised ",
	       strcmp(cf->advertised, "guess") == 0 ? "" : cf->advertised, title ? ", titled " : "",
	       title ? title : "");
	if (f->lists.n)
		printf("     holds %zu of the %zu items of the page's best list\n", cf->shared,
		       f->lists.v[0].items_seen.n);
	free(url);
	free(title);
}

static void print_proposal(size_t rank, const struct proposal *p, const struct discover_found *f)
{
	const struct list_items *items = proposal_items(p);

	printf("%zu. [%s] ", rank, discover_confidence_name(p->confidence));
	if (p->type == PROPOSAL_LIST)
		print_list_head(p->list);
	else
		print_feed_head(p->feed, f);
	for (size_t i = 0; i < items->n && i < SHOW_ITEMS; i++)
		print_item(&items->v[i]);
	printf("\n");
}

/* A guessed path that is simply absent says nothing; one line counts them all. */
static int dropped_quietly(const struct checked_feed *cf)
{
	return strcmp(cf->advertised, "guess") == 0 && strcmp(cf->dropped, "HTTP 404") == 0;
}

static void print_dropped(const struct discover_found *f)
{
	size_t absent = 0;
	int header = 0;

	for (size_t i = 0; i < f->nfeeds; i++) {
		const struct checked_feed *cf = &f->feeds[i];
		char *url, *why;

		if (cf->dropped == NULL || (dropped_quietly(cf) && ++absent))
			continue;
		if (!header++)
			printf("feeds checked and not proposed:\n");
		url = printable(cf->url, 0);
		why = printable(cf->dropped, 0);
		printf("     %s (%s): %s\n", url, cf->advertised, why);
		free(url);
		free(why);
	}
	if (absent)
		printf("%s     %zu common feed path%s or link%s answered 404 (--json lists them)\n",
		       header ? "" : "feeds checked and not proposed:\n", absent,
		       absent == 1 ? "" : "s", absent == 1 ? "" : "s");
	if (header || absent)
		printf("\n");
}

void discover_print_text(const struct discover_found *f)
{
	char *page = printable(f->page_url, 0);
	char *section;

	printf("%zu proposal%s for %s, best first:\n\n", f->nprops, f->nprops == 1 ? "" : "s",
	       page);
	free(page);
	for (size_t i = 0; i < f->nprops; i++)
		print_proposal(i + 1, &f->props[i], f);
	print_dropped(f);
	section = discover_source_section(&f->props[0], f->page_url);
	printf("; the best proposal as a source: check it with `speechwatch preview ID`,\n"
	       "; then set enabled = yes\n%s",
	       section);
	free(section);
}

static json_t *jstr(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *json_items(const struct list_items *items)
{
	json_t *a = json_array();

	for (size_t i = 0; i < items->n && i < SHOW_ITEMS; i++) {
		json_t *o = json_object();

		json_object_set_new(o, "url", jstr(items->v[i].url));
		json_object_set_new(o, "title", jstr(items->v[i].title));
		json_object_set_new(o, "date", jstr(items->v[i].date));
		json_array_append_new(a, o);
	}
	return a;
}

static void json_list_fields(json_t *o, const struct discover_candidate *c, const char *page_url)
{
	json_object_set_new(o, "url", jstr(page_url));
	json_object_set_new(o, "kind", json_string("html"));
	json_object_set_new(o, "items", jstr(c->items));
	json_object_set_new(o, "link", jstr(c->link));
	json_object_set_new(o, "title", jstr(c->title));
	json_object_set_new(o, "date", jstr(c->date));
	json_object_set_new(o, "date_format", jstr(c->date_format));
	json_object_set_new(o, "score", json_real(c->score));
	json_object_set_new(o, "why", jstr(c->why));
	json_object_set_new(o, "feed", json_null());
}

static void json_feed_fields(json_t *o, const struct checked_feed *cf,
			     const struct discover_found *f)
{
	json_t *feed = json_object();

	json_object_set_new(o, "url", jstr(cf->url));
	json_object_set_new(o, "kind", jstr(cf->kind));
	json_object_set_new(o, "items", json_null());
	json_object_set_new(o, "link", json_null());
	json_object_set_new(o, "title", json_null());
	json_object_set_new(o, "date", json_null());
	json_object_set_new(o, "date_format", json_null());
	json_object_set_new(o, "score", json_null());
	json_object_set_new(o, "why", json_null());
	json_object_set_new(feed, "found_as", jstr(cf->advertised));
	json_object_set_new(feed, "title", jstr(cf->title));
	json_object_set_new(feed, "list_items_held", json_integer((json_int_t)cf->shared));
	json_object_set_new(
	    feed, "list_items",
	    json_integer((json_int_t)(f->lists.n ? f->lists.v[0].items_seen.n : 0)));
	json_object_set_new(o, "feed", feed);
}

static json_t *json_proposal(size_t rank, const struct proposal *p, const struct discover_found *f)
{
	json_t *o = json_object();

	json_object_set_new(o, "rank", json_integer((json_int_t)rank));
	json_object_set_new(o, "type", json_string(p->type == PROPOSAL_LIST ? "list" : "feed"));
	json_object_set_new(o, "confidence", json_string(discover_confidence_name(p->confidence)));
	json_object_set_new(o, "count", json_integer((json_int_t)proposal_count(p)));
	if (p->type == PROPOSAL_LIST)
		json_list_fields(o, p->list, f->page_url);
	else
		json_feed_fields(o, p->feed, f);
	json_object_set_new(o, "first_items", json_items(proposal_items(p)));
	return o;
}

static json_t *json_dropped(const struct discover_found *f)
{
	json_t *a = json_array();

	for (size_t i = 0; i < f->nfeeds; i++) {
		json_t *o;

		if (f->feeds[i].dropped == NULL)
			continue;
		o = json_object();
		json_object_set_new(o, "url", jstr(f->feeds[i].url));
		json_object_set_new(o, "found_as", jstr(f->feeds[i].advertised));
		json_object_set_new(o, "reason", jstr(f->feeds[i].dropped));
		json_array_append_new(a, o);
	}
	return a;
}

void discover_print_json(const struct discover_found *f, const char *typed_url)
{
	json_t *doc = json_object(), *props = json_array();
	char *s;

	json_object_set_new(doc, "url", jstr(typed_url));
	json_object_set_new(doc, "page_url", jstr(f->page_url));
	for (size_t i = 0; i < f->nprops; i++)
		json_array_append_new(props, json_proposal(i + 1, &f->props[i], f));
	json_object_set_new(doc, "proposals", props);
	json_object_set_new(doc, "feeds_not_proposed", json_dropped(f));
	if (f->nprops) {
		char *id = discover_source_id(
		    f->props[0].type == PROPOSAL_LIST ? f->page_url : f->props[0].feed->url);

		s = discover_source_section(&f->props[0], f->page_url);
		json_object_set_new(doc, "source_id", json_string(id));
		json_object_set_new(doc, "source", json_string(s));
		free(s);
		free(id);
	} else {
		json_object_set_new(doc, "source_id", json_null());
		json_object_set_new(doc, "source", json_null());
	}
	s = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (s)
		puts(s);
	free(s);
	json_decref(doc);
}
