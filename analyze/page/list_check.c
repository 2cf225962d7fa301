/*
 * analyze/list: which items of an HTML list are not statements of the list.
 *
 * A link XPath that selects nothing yields "", which resolves to the list
 * page itself: five items would merge into one bogus item. A title XPath
 * that selects nothing yields "". A selector gone wrong after a redesign
 * lands on menus and share buttons that lead to other sites. Such items are
 * rejected and counted, so that a poll can tell a broken selector from a
 * list (list_items_verdict) and say why (list_items_note).
 *
 * "The same site" is the list page's host or its <base href>'s host, with
 * or without "www.", their parent domain when that has two labels or more,
 * and the subdomains of these (a ministry's news on press.mfa.example
 * listed on en.mfa.example). What the rule is for: share buttons, partner
 * banners and social networks, which never share a parent domain with the
 * ministry. A public suffix list would draw the line more exactly.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "analyze/page/list.h"
#include "analyze/page/list_int.h"
#include "common/buf.h"
#include "common/xmalloc.h"

/* Host of url, lower-case, without a leading "www."; NULL when it has none. */
static char *site_host(CURLU *u)
{
	char *host = NULL, *out;
	const char *h;

	if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || host == NULL)
		return NULL;
	h = strncasecmp(host, "www.", 4) == 0 && host[4] != '\0' ? host + 4 : host;
	out = xstrdup(h);
	curl_free(host);
	for (char *p = out; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p + 32);
	return out;
}

static CURLU *site_parse(const char *url)
{
	CURLU *u;

	if (url == NULL)
		return NULL;
	u = curl_url();
	if (u != NULL &&
	    curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK) {
		curl_url_cleanup(u);
		u = NULL;
	}
	return u;
}

/* Appends curl part `what` of u to b (nothing when absent). */
static void site_part(CURLU *u, CURLUPart what, unsigned int flags, struct buf *b)
{
	char *v = NULL;

	if (curl_url_get(u, what, &v, flags) == CURLUE_OK && v != NULL)
		buf_append(b, v, strlen(v));
	curl_free(v);
}

/* Drops a last path segment "index.*" or "default.*": the directory's own page. */
static void drop_index(struct buf *b, size_t path_start)
{
	char *slash = strrchr(b->data + path_start, '/');

	if (slash == NULL)
		return;
	if (strncmp(slash + 1, "index.", 6) == 0 || strncmp(slash + 1, "default.", 8) == 0) {
		b->len = (size_t)(slash - b->data);
		b->data[b->len] = '\0';
	}
}

/*
 * "host:port/path?query" of url: the scheme, "www.", the fragment, a last
 * segment index.* or default.* and trailing slashes of the path do not make
 * another page. NULL if invalid.
 */
static char *site_page_key(const char *url)
{
	CURLU *u = site_parse(url);
	char *host;
	struct buf b;
	size_t path_start;

	if (u == NULL)
		return NULL;
	buf_init(&b);
	host = site_host(u);
	buf_printf(&b, "%s:", host != NULL ? host : "");
	free(host);
	site_part(u, CURLUPART_PORT, CURLU_DEFAULT_PORT, &b);
	path_start = b.len;
	site_part(u, CURLUPART_PATH, 0, &b);
	if (b.len > path_start)
		drop_index(&b, path_start);
	while (b.len > path_start && b.data[b.len - 1] == '/')
		b.data[--b.len] = '\0';
	buf_append_char(&b, '?');
	site_part(u, CURLUPART_QUERY, 0, &b);
	curl_url_cleanup(u);
	return buf_steal(&b);
}

static char *site_host_of(const char *url)
{
	CURLU *u = site_parse(url);
	char *host;

	if (u == NULL)
		return NULL;
	host = site_host(u);
	curl_url_cleanup(u);
	return host;
}

/* "a.b.c" -> "b.c"; NULL for an IP address or when fewer than two labels would remain. */
static char *parent_domain(const char *host)
{
	const char *dot;

	if (host == NULL || strchr(host, ':') != NULL || strchr(host, '[') != NULL ||
	    host[strspn(host, "0123456789.")] == '\0')
		return NULL;
	dot = strchr(host, '.');
	if (dot == NULL || strchr(dot + 1, '.') == NULL)
		return NULL;
	return xstrdup(dot + 1);
}

void list_site_init(struct list_site *site, const char *page_url, const char *base,
		    const char *declared, int offsite)
{
	memset(site, 0, sizeof(*site));
	site->self = site_page_key(page_url);
	site->host = site_host_of(page_url);
	site->parent = parent_domain(site->host);
	site->base_host = site_host_of(base);
	site->decl_host = site_host_of(declared);
	site->offsite = offsite;
}

void list_site_free(struct list_site *site)
{
	free(site->self);
	free(site->host);
	free(site->parent);
	free(site->base_host);
	free(site->decl_host);
	memset(site, 0, sizeof(*site));
}

/* host is site or one of its subdomains. */
static int host_within(const char *host, const char *site)
{
	size_t h, s;

	if (site == NULL)
		return 0;
	h = strlen(host);
	s = strlen(site);
	if (h == s)
		return strcmp(host, site) == 0;
	return h > s && host[h - s - 1] == '.' && strcmp(host + h - s, site) == 0;
}

static int same_site(const struct list_site *site, const char *url)
{
	char *host;
	int ok;

	if (site->host == NULL && site->base_host == NULL)
		return 1; /* a page without a URL: nothing to compare with */
	host = site_host_of(url);
	ok = host != NULL &&
	     (host_within(host, site->host) || host_within(host, site->parent) ||
	      host_within(host, site->base_host) || host_within(host, site->decl_host));
	free(host);
	return ok;
}

/* url's path (or its query, as Drupal's "?q=.../speech.pdf") ends in ".pdf". */
static int links_pdf(const char *url)
{
	size_t path = strcspn(url, "?#"), all = strcspn(url, "#");

	return (path >= 4 && strncasecmp(url + path - 4, ".pdf", 4) == 0) ||
	       (all >= 4 && strncasecmp(url + all - 4, ".pdf", 4) == 0);
}

enum list_reject list_site_check(const struct list_site *site, const struct list_item *item)
{
	char *key;
	int self;

	if (item->url == NULL)
		return LIST_REJECT_NOLINK;
	key = site->self != NULL ? site_page_key(item->url) : NULL;
	self = key != NULL && strcmp(key, site->self) == 0;
	free(key);
	if (self)
		return LIST_REJECT_SELF;
	if (!site->offsite && !same_site(site, item->url))
		return LIST_REJECT_OFFSITE;
	/* a link to a PDF without words (an icon) is titled by the document's metadata */
	if ((item->title == NULL || item->title[0] == '\0') && !links_pdf(item->url))
		return LIST_REJECT_UNTITLED;
	return LIST_ACCEPT;
}

void list_count_reject(struct list_items *items, enum list_reject why)
{
	switch (why) {
	case LIST_REJECT_NOLINK:
		items->rejected_nolink++;
		break;
	case LIST_REJECT_SELF:
		items->rejected_self++;
		break;
	case LIST_REJECT_OFFSITE:
		items->rejected_offsite++;
		break;
	case LIST_REJECT_UNTITLED:
		items->rejected_untitled++;
		break;
	case LIST_ACCEPT:
		break;
	}
}

size_t list_items_rejected(const struct list_items *items)
{
	return items->rejected_nolink + items->rejected_self + items->rejected_offsite +
	       items->rejected_untitled;
}

enum list_verdict list_items_verdict(const struct list_items *items)
{
	size_t rejected = list_items_rejected(items);

	if (items->n == 0 && rejected == 0)
		return LIST_NO_MATCH;
	if (rejected > items->total)
		return LIST_MOSTLY_REJECTED;
	return LIST_USABLE;
}

/* "rejected 5 items (5 link to the list page itself)" */
static void note_rejected(const struct list_items *items, struct buf *b)
{
	const struct {
		size_t n;
		const char *what;
	} why[] = {
	    {items->rejected_nolink, "have no link"},
	    {items->rejected_self, "link to the list page itself"},
	    {items->rejected_offsite, "link to another site"},
	    {items->rejected_untitled, "have an empty title"},
	};
	size_t total = list_items_rejected(items);
	int first = 1;

	if (total == 0)
		return;
	buf_printf(b, "%srejected %zu item%s (", b->len ? "; " : "", total, total == 1 ? "" : "s");
	for (size_t i = 0; i < sizeof(why) / sizeof(why[0]); i++) {
		if (why[i].n == 0)
			continue;
		buf_printf(b, "%s%zu %s", first ? "" : ", ", why[i].n, why[i].what);
		first = 0;
	}
	buf_append_char(b, ')');
}

int list_items_note(const struct list_items *items, char *out, size_t len)
{
	struct buf b;

	buf_init(&b);
	if (items->guids_ignored)
		buf_printf(&b, "the feed gives different items the same <guid>: items are "
			       "identified by their links");
	if (items->cut != LIST_CUT_NONE)
		buf_printf(&b,
			   "%sthe list has %zu items, over the cap of %d: kept the %zu %s, "
			   "skipped %zu",
			   b.len ? "; " : "", items->total, LIST_HARD_CAP, items->n,
			   items->cut == LIST_CUT_NEWEST_BY_DATE ? "newest by date"
								 : "first and last in page order",
			   items->total - items->n);
	if (items->date_order_ambiguous)
		buf_printf(&b, "%s%s", b.len ? "; " : "", LIST_DATE_AMBIGUOUS_NOTE);
	note_rejected(items, &b);
	snprintf(out, len, "%s", buf_str(&b));
	buf_free(&b);
	return out[0] != '\0';
}
