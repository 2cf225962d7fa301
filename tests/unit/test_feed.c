/* Unit tests for analyze/list feeds: RSS 0.9x/2.0, RSS 1.0 (RDF), Atom 0.3/1.0. */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>

#include "analyze/page/date.h"
#include "analyze/page/list.h"
#include "analyze/page/list_int.h"
#include "analyze/page/page.h"
#include "common/buf.h"
#include "tests/unit/testutil.h"

/* Parses a feed and extracts it; -1 when either step fails. */
static int feed_items(const char *data, size_t len, const char *url, struct list_items *out)
{
	char err[256] = "";
	xmlDocPtr doc;
	int rc;

	page_init();
	doc =
	    page_parse(data, len, "application/xml", NULL, PAGE_XML, NULL, NULL, err, sizeof(err));
	if (doc == NULL) {
		out->v = NULL;
		out->n = 0;
		return -1;
	}
	rc = list_extract_feed(doc, url, 0, out, err, sizeof(err));
	xmlFreeDoc(doc);
	return rc;
}

static void parse_ok(const char *xml, struct list_items *out)
{
	ck_assert_int_eq(feed_items(xml, strlen(xml), "http://ex.org/news/feed.xml", out), 0);
}

/* ---- quirks ---- */

START_TEST(test_rss2_quirks)
{
	const char *xml =
	    "<?xml version='1.0'?><rss version='2.0'><channel><title>c</title>"
	    "<item><title><![CDATA[CDATA <b>title</b> &amp; more]]></title>"
	    "<link> /a/1.html#c </link><pubDate>Thu, 24 Oct 2019 14:06:00 EST</pubDate>"
	    "<description>&lt;p&gt;Hello &amp;amp; &lt;b&gt;world&lt;/b&gt;&lt;/p&gt;</description>"
	    "</item>"
	    "<item><title>AT&amp;amp;T &#8212; news</title>"
	    "<guid>http://ex.org/guid/2</guid><pubDate>Fri, 25 Oct 2019 08:00:00 "
	    "GMT</pubDate></item>"
	    "<item><title>no link</title><guid isPermaLink='false'>id-3</guid>"
	    "<pubDate>Sat, 26 Oct 2019 08:00:00 +0800</pubDate></item>"
	    "<item><title>Uses the &lt;blink&gt; tag</title><link>http://ex.org/4</link>"
	    "<pubDate>Sun, 27 Oct 2019 01:02:03 PDT</pubDate></item>"
	    "<item><title>dup</title><link>/a/1.html</link></item>"
	    "</channel></rss>";
	struct list_items out;

	parse_ok(xml, &out);
	ck_assert_uint_eq(out.n, 4); /* the last item repeats the first URL */
	ck_assert_str_eq(out.v[0].url, "http://ex.org/a/1.html");
	ck_assert_str_eq(out.v[0].title, "CDATA title & more");
	ck_assert_ptr_null(out.v[0].guid);
	ck_assert_str_eq(out.v[0].summary, "Hello & world");
	ck_assert_ptr_nonnull(out.v[0].date);
	ck_assert_str_eq(out.v[0].date, "2019-10-24T14:06:00-05:00");
	/* guid is a permalink by default */
	ck_assert_str_eq(out.v[1].url, "http://ex.org/guid/2");
	ck_assert_str_eq(out.v[1].guid, "http://ex.org/guid/2");
	ck_assert_str_eq(out.v[1].title, "AT&T \xE2\x80\x94 news");
	ck_assert_ptr_null(out.v[2].url);
	ck_assert_str_eq(out.v[2].guid, "id-3");
	ck_assert_str_eq(out.v[2].date, "2019-10-26T08:00:00+08:00");
	ck_assert_str_eq(out.v[3].title, "Uses the <blink> tag");
	ck_assert_str_eq(out.v[3].date, "2019-10-27T01:02:03-07:00");
	list_items_free(&out);
}
END_TEST

START_TEST(test_rdf_and_rss090)
{
	const char *rdf =
	    "<rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#' "
	    "xmlns='http://purl.org/rss/1.0/' xmlns:dc='http://purl.org/dc/elements/1.1/'>"
	    "<channel rdf:about='http://ex.org/'><title>c</title></channel>"
	    "<item rdf:about='http://ex.org/1'><title>One</title><link>http://ex.org/1</link>"
	    "<dc:date>2019-10-24T14:06:00+08:00</dc:date></item>"
	    "<item><title>Two</title><link>http://ex.org/2</link></item></rdf:RDF>";
	const char *r090 =
	    "<rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#' "
	    "xmlns='http://my.netscape.com/rdf/simple/0.9/'><channel><title>c</title>"
	    "</channel><item><title>Old</title><link>http://ex.org/old</link></item>"
	    "</rdf:RDF>";
	struct list_items out;

	parse_ok(rdf, &out);
	ck_assert_uint_eq(out.n, 2);
	ck_assert_str_eq(out.v[0].title, "One");
	ck_assert_str_eq(out.v[0].url, "http://ex.org/1");
	ck_assert_str_eq(out.v[0].date, "2019-10-24T14:06:00+08:00");
	ck_assert_str_eq(out.v[1].url, "http://ex.org/2");
	list_items_free(&out);
	parse_ok(r090, &out);
	ck_assert_uint_eq(out.n, 1);
	ck_assert_str_eq(out.v[0].title, "Old");
	list_items_free(&out);
}
END_TEST

START_TEST(test_atom_quirks)
{
	const char *a10 =
	    "<feed xmlns='http://www.w3.org/2005/Atom' xml:base='http://ex.org/base/'>"
	    "<entry xml:base='sub/'><id>tag:ex.org,2019:1</id>"
	    "<title type='html'>&lt;b&gt;Bold&lt;/b&gt; &amp;amp; plain</title>"
	    "<link rel='self' href='self.xml'/><link rel='enclosure' href='a.mp3'/>"
	    "<link href='entry1.html'/><updated>2019-10-24T14:06:00Z</updated>"
	    "<published>2019-10-23T10:00:00+02:00</published>"
	    "<summary type='xhtml'><div xmlns='http://www.w3.org/1999/xhtml'><p>One</p><p>Two</p>"
	    "</div></summary></entry>"
	    "<entry><id>tag:ex.org,2019:2</id><title type='text'>A &lt;tag&gt; as text</title>"
	    "<link rel='alternate' type='text/html' href='/abs/2'/>"
	    "<updated>2019-10-25T00:00:00Z</updated></entry></feed>";
	const char *a03 =
	    "<feed version='0.3' xmlns='http://purl.org/atom/ns#'><entry>"
	    "<title mode='escaped' type='text/html'>&lt;i&gt;Old&lt;/i&gt; Atom</title>"
	    "<link rel='alternate' type='text/html' href='http://ex.org/o'/>"
	    "<id>urn:x</id><issued>2004-01-01T19:48:21Z</issued>"
	    "<modified>2004-02-01T19:48:21Z</modified></entry></feed>";
	struct list_items out;

	parse_ok(a10, &out);
	ck_assert_uint_eq(out.n, 2);
	ck_assert_str_eq(out.v[0].url, "http://ex.org/base/sub/entry1.html");
	ck_assert_str_eq(out.v[0].title, "Bold & plain");
	ck_assert_str_eq(out.v[0].guid, "tag:ex.org,2019:1");
	ck_assert_str_eq(out.v[0].date, "2019-10-23T10:00:00+02:00");
	ck_assert_str_eq(out.v[0].summary, "One Two");
	ck_assert_str_eq(out.v[1].url, "http://ex.org/abs/2");
	ck_assert_str_eq(out.v[1].title, "A <tag> as text");
	ck_assert_str_eq(out.v[1].date, "2019-10-25T00:00:00Z");
	list_items_free(&out);
	parse_ok(a03, &out);
	ck_assert_uint_eq(out.n, 1);
	ck_assert_str_eq(out.v[0].title, "Old Atom");
	ck_assert_str_eq(out.v[0].date, "2004-01-01T19:48:21Z");
	list_items_free(&out);
}
END_TEST

/* Early Atom's <link>URL</link>, and RSS content in xhtml:body or <fullitem>. */
START_TEST(test_legacy_content_and_links)
{
	const char *a03 = "<feed version='0.3' xmlns='http://purl.org/atom/ns#'>"
			  "<entry><link rel='enclosure'> http://ex.org/e.mp3 </link>"
			  "<link rel='alternate' type='text/html'> http://ex.org/a </link></entry>"
			  "<entry><link rel='alternate'>   </link><id>x</id></entry></feed>";
	const char *rss =
	    "<rss version='2.0'><channel>"
	    "<item><link>http://ex.org/1</link><body xmlns='http://www.w3.org/1999/xhtml'>"
	    "<p>One &lt;tag&gt;</p><p>Two</p></body></item>"
	    "<item><link>http://ex.org/2</link>"
	    "<fullitem>&lt;p&gt;Full &lt;b&gt;item&lt;/b&gt;&lt;/p&gt;</fullitem></item>"
	    "</channel></rss>";
	struct list_items out;

	parse_ok(a03, &out);
	ck_assert_uint_eq(out.n, 2);
	ck_assert_str_eq(out.v[0].url, "http://ex.org/a");
	ck_assert_ptr_null(out.v[1].url); /* a blank link is no link */
	list_items_free(&out);
	parse_ok(rss, &out);
	ck_assert_uint_eq(out.n, 2);
	ck_assert_str_eq(out.v[0].summary, "One <tag> Two");
	ck_assert_str_eq(out.v[1].summary, "Full item");
	list_items_free(&out);
}
END_TEST

START_TEST(test_not_a_feed)
{
	struct list_items out;
	char err[256] = "";
	const char *html = "<html><body><p>x</p></body></html>";
	xmlDocPtr doc;

	page_init();
	doc = page_parse(html, strlen(html), "text/html", NULL, PAGE_HTML, NULL, NULL, err,
			 sizeof(err));
	ck_assert_ptr_nonnull(doc);
	ck_assert_int_eq(list_extract_feed(doc, "http://e.org/", 0, &out, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "not an RSS") != NULL, "%s", err);
	ck_assert_uint_eq(out.n, 0);
	xmlFreeDoc(doc);
	ck_assert_int_eq(list_extract_feed(NULL, "http://e.org/", 0, &out, err, sizeof(err)), -1);
}
END_TEST

START_TEST(test_max_items)
{
	struct buf b;
	struct list_items out;
	int i;

	buf_init(&b);
	buf_append_str(&b, "<rss><channel>");
	for (i = 0; i < 50; i++)
		buf_printf(&b, "<item><link>http://e.org/%d</link></item>", i);
	buf_append_str(&b, "</channel></rss>");
	ck_assert_int_eq(feed_items(b.data, b.len, "http://e.org/", &out), 0);
	ck_assert_uint_eq(out.n, 50);
	list_items_free(&out);
	{
		char err[64];
		xmlDocPtr doc =
		    page_parse(b.data, b.len, NULL, NULL, PAGE_XML, NULL, NULL, err, sizeof(err));

		ck_assert_int_eq(list_extract_feed(doc, "http://e.org/", 7, &out, err, sizeof(err)),
				 0);
		ck_assert_uint_eq(out.n, 7);
		list_items_free(&out);
		xmlFreeDoc(doc);
	}
	buf_free(&b);
}
END_TEST

/* A CMS that gives every item the channel's URL as guid: the guid is no identifier. */
START_TEST(test_a_guid_repeated_for_other_links_is_ignored)
{
	const char *xml =
	    "<rss version='2.0'><channel><title>c</title>"
	    "<item><title>Three</title><link>http://e.org/3</link><guid>http://e.org/</guid></item>"
	    "<item><title>Two</title><link>http://e.org/2</link><guid>http://e.org/</guid></item>"
	    "<item><title>One</title><link>http://e.org/1</link><guid>http://e.org/</guid></item>"
	    "<item><title>One again</title><link>http://e.org/1</link><guid>x</guid></item>"
	    "</channel></rss>";
	struct list_items out;
	char note[256];

	parse_ok(xml, &out);
	ck_assert_uint_eq(out.n, 3); /* by link: the listed-twice item is one */
	ck_assert_int_eq(out.guids_ignored, 1);
	for (size_t i = 0; i < out.n; i++)
		ck_assert_ptr_null(out.v[i].guid);
	ck_assert_str_eq(out.v[0].url, "http://e.org/3");
	ck_assert_str_eq(out.v[2].url, "http://e.org/1");
	ck_assert_int_eq(list_items_note(&out, note, sizeof(note)), 1);
	ck_assert_ptr_nonnull(strstr(note, "same <guid>"));
	list_items_free(&out);
}
END_TEST

/* A guid naming the channel's own link is no identifier, even for a lone item. */
START_TEST(test_a_guid_naming_the_channel_is_ignored)
{
	const char *xml = "<rss version='2.0'><channel><link>http://ex.org/news/</link>"
			  "<item><link>http://ex.org/news/1</link><guid>http://ex.org/news/</guid>"
			  "</item></channel></rss>";
	struct list_items out;

	parse_ok(xml, &out);
	ck_assert_uint_eq(out.n, 1);
	ck_assert_int_eq(out.guids_ignored, 1);
	ck_assert_ptr_null(out.v[0].guid);
	ck_assert_str_eq(out.v[0].url, "http://ex.org/news/1");
	list_items_free(&out);
}
END_TEST

/* An item listed twice under its own guid is one item, and the guids stay. */
START_TEST(test_an_item_listed_twice_keeps_its_guid)
{
	const char *xml = "<rss version='2.0'><channel>"
			  "<item><link>http://e.org/1</link><guid>a</guid></item>"
			  "<item><link>http://e.org/2</link><guid>b</guid></item>"
			  "<item><link>http://e.org/1</link><guid>a</guid></item>"
			  "</channel></rss>";
	struct list_items out;
	char note[64];

	parse_ok(xml, &out);
	ck_assert_uint_eq(out.n, 2);
	ck_assert_int_eq(out.guids_ignored, 0);
	ck_assert_str_eq(out.v[1].guid, "b");
	ck_assert_int_eq(list_items_note(&out, note, sizeof(note)), 0);
	list_items_free(&out);
}
END_TEST

/* Summaries are parsed as HTML with page_parse's limits (9000 attributes: refused). */
START_TEST(test_summary_markup_is_bounded)
{
	struct buf b, attrs;
	struct list_items out;

	buf_init(&attrs);
	for (int i = 0; i < 9000; i++)
		buf_printf(&attrs, "a%d=\"\" ", i);
	buf_init(&b);
	buf_append_str(&b, "<rss><channel>");
	for (int i = 0; i < 40; i++)
		buf_printf(&b,
			   "<item><link>http://e.org/%d</link><description>&lt;p %s&gt;x&lt;/p&gt; "
			   "&lt;b&gt;bold&lt;/b&gt;</description></item>",
			   i, attrs.data);
	buf_append_str(&b, "<item><link>http://e.org/ok</link><description><![CDATA[<p "
			   "class=\"a\">kept</p> <b>text</b>]]></description></item>");
	buf_append_str(&b, "</channel></rss>");
	ck_assert_int_eq(feed_items(b.data, b.len, "http://e.org/", &out), 0);
	ck_assert_uint_eq(out.n, 41);
	/* the summaries' markup met page_parse's attribute limit: refused, not parsed */
	ck_assert_msg(out.v[0].summary == NULL || out.v[0].summary[0] == '\0', "%.80s",
		      out.v[0].summary);
	ck_assert_str_eq(out.v[40].summary, "kept text");
	list_items_free(&out);
	buf_free(&b);
	buf_free(&attrs);
}
END_TEST

/* ---- acceptance: shared/fixtures/site feeds ---- */

/* ISO 8601 from date_parse -> seconds since the epoch (UTC). */
static int iso_epoch(const char *iso, time_t *t)
{
	struct tm tm;
	int y, mo, d, h = 0, mi = 0, s = 0, n = 0, oh = 0, om = 0;
	char sign = 0;

	memset(&tm, 0, sizeof(tm));
	if (sscanf(iso, "%d-%d-%d%n", &y, &mo, &d, &n) != 3)
		return -1;
	if (iso[n] == 'T') {
		int k = 0;

		if (sscanf(iso + n, "T%d:%d%n", &h, &mi, &k) < 2)
			return -1;
		n += k;
		if (iso[n] == ':' && sscanf(iso + n, ":%d%n", &s, &k) == 1)
			n += k;
		if (iso[n] == '+' || iso[n] == '-') {
			sign = iso[n];
			sscanf(iso + n + 1, "%d:%d", &oh, &om);
		}
	}
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	*t = timegm(&tm) - (sign == '+' ? 1 : sign == '-' ? -1 : 0) * (oh * 3600 + om * 60);
	return 0;
}

static void check_fixture_feed(const char *source, const char *version, const char *date_key,
			       const char *guid_key)
{
	const char *dir = testutil_shared_dir();
	char path[4200], base[256];
	json_t *root, *ver, *items;
	json_error_t jerr;
	struct list_items out;
	const char *feed;
	size_t len, i;
	char *data;

	if (dir == NULL) {
		printf("skipped: ../shared not found\n");
		return;
	}
	snprintf(path, sizeof(path), "%s/fixtures/site/expected.json", dir);
	root = json_load_file(path, 0, &jerr);
	ck_assert_ptr_nonnull(root);
	ver = json_object_get(
	    json_object_get(json_object_get(json_object_get(root, "sources"), source), "versions"),
	    version);
	feed = json_string_value(json_object_get(ver, "feed"));
	if (feed == NULL)
		feed = json_string_value(json_object_get(
		    json_object_get(json_object_get(root, "sources"), source), "feed"));
	items = json_object_get(ver, "items");
	ck_assert_ptr_nonnull(feed);
	snprintf(path, sizeof(path), "%s/fixtures/site/%s", dir, feed);
	data = testutil_slurp(path, &len);
	ck_assert_msg(data != NULL, "%s", path);
	/* paths are relative to the version's docroot (site/ or site/v2/) */
	snprintf(base, sizeof(base), "http://127.0.0.1:8080/%s",
		 strncmp(feed, "v2/", 3) == 0 ? feed + 3 : feed);
	ck_assert_int_eq(feed_items(data, len, base, &out), 0);
	ck_assert_uint_eq(out.n, json_array_size(items));
	for (i = 0; i < out.n; i++) {
		json_t *it = json_array_get(items, i);
		const char *want_date = json_string_value(json_object_get(it, date_key));
		char want[4200];
		time_t got, want_t;

		snprintf(want, sizeof(want), "http://127.0.0.1:8080/%s",
			 json_string_value(json_object_get(it, "path")));
		ck_assert_str_eq(out.v[i].url, want);
		ck_assert_str_eq(out.v[i].title, json_string_value(json_object_get(it, "title")));
		ck_assert_ptr_nonnull(out.v[i].date);
		/* the day as listed, and the same instant as the feed's timestamp */
		ck_assert(strncmp(out.v[i].date, json_string_value(json_object_get(it, "date")),
				  10) == 0);
		ck_assert_int_eq(iso_epoch(out.v[i].date, &got), 0);
		ck_assert_int_eq(iso_epoch(want_date, &want_t), 0);
		ck_assert_msg(got == want_t, "%s vs %s", out.v[i].date, want_date);
		ck_assert_str_eq(out.v[i].guid, json_string_value(json_object_get(it, guid_key)));
		if (json_object_get(it, "summary") != NULL)
			ck_assert_str_eq(out.v[i].summary,
					 json_string_value(json_object_get(it, "summary")));
	}
	list_items_free(&out);
	free(data);
	json_decref(root);
}

START_TEST(test_fixture_atom)
{
	check_fixture_feed("fcdo-atom", "v1", "updated", "id");
	check_fixture_feed("fcdo-atom", "v2", "updated", "id");
}
END_TEST

START_TEST(test_fixture_rss)
{
	check_fixture_feed("rss", "v1", "datetime", "guid");
	check_fixture_feed("rss", "v2", "datetime", "guid");
}
END_TEST

/* Hostile feeds: refused by page_parse, or parsed without reading local files. */
START_TEST(test_fixture_hostile)
{
	static const char *const files[] = {"xxe-feed.xml", "billion-laughs.xml"};
	const char *dir = testutil_shared_dir();
	size_t f, i;

	if (dir == NULL) {
		printf("skipped: ../shared not found\n");
		return;
	}
	for (f = 0; f < 2; f++) {
		char path[4200];
		struct list_items out;
		size_t len;
		char *data;

		snprintf(path, sizeof(path), "%s/fixtures/site/hostile/%s", dir, files[f]);
		data = testutil_slurp(path, &len);
		ck_assert_ptr_nonnull(data);
		if (feed_items(data, len, "http://e.org/feed", &out) == 0)
			for (i = 0; i < out.n; i++) {
				ck_assert(strstr(out.v[i].title, "root:") == NULL);
				ck_assert(out.v[i].summary == NULL ||
					  strstr(out.v[i].summary, "root:") == NULL);
			}
		list_items_free(&out);
		free(data);
	}
}
END_TEST

/*
 * ---- the feedparser corpus ----
 *
 * Each file's Expect: line is a Python expression over feedparser's result.
 * We evaluate the clauses that concern an item field a monitoring daemon
 * keeps -- title, link, id/guid, date, summary/description/content -- on any
 * entry index, and skip the rest (authors, tags, enclosures' metadata, bozo).
 * How values are compared:
 *  - text (title, summary, ...): feedparser gives sanitised HTML (or raw text
 *    for type="text"); ours is plain text, so ours must equal the expected
 *    value either read as HTML (tags dropped, entities decoded, whitespace
 *    collapsed) or taken literally with whitespace collapsed.
 *  - a *_detail type / content type: ours must equal the element's text read
 *    the way that type says (text/plain literally, html as markup).
 *  - links: compared with the scheme and host case-insensitive (RFC 3986;
 *    curl_url() lowercases hosts). links[i] clauses check that our item URL
 *    is that link when it is the entry's first alternate link, and is not it
 *    otherwise (self, enclosure, related ... never become the item URL).
 *  - dates: the same instant (string forms parsed with date_parse()).
 *  - content[0] is compared with our summary (one text per item: summary,
 *    else content) unless the same Expect also checks the summary.
 *  - entries[N] missing from ours because its URL/id repeats an earlier
 *    entry's (we de-duplicate by design): some item of ours must carry it.
 */

/* Decodes a Python string literal at p ('..', "..", """..""", u prefix); NULL if none. */
static char *py_string(const char *p, const char **end)
{
	struct buf b;
	char q;
	int triple;

	if (*p == 'u')
		p++;
	if (*p != '\'' && *p != '"')
		return NULL;
	q = *p;
	triple = p[1] == q && p[2] == q;
	p += triple ? 3 : 1;
	buf_init(&b);
	while (*p && !(triple ? (p[0] == q && p[1] == q && p[2] == q) : *p == q)) {
		if (*p == '\\' && p[1]) {
			p++;
			if (*p == 'n')
				buf_append_char(&b, '\n');
			else if (*p == 't')
				buf_append_char(&b, '\t');
			else if (*p == 'u' || *p == 'x') {
				unsigned int cp = 0;
				int n = *p == 'u' ? 4 : 2;

				sscanf(p + 1, n == 4 ? "%4x" : "%2x", &cp);
				p += n;
				if (cp < 0x80) {
					buf_append_char(&b, (char)cp);
				} else if (cp < 0x800) {
					buf_append_char(&b, (char)(0xC0 | (cp >> 6)));
					buf_append_char(&b, (char)(0x80 | (cp & 0x3F)));
				} else {
					buf_append_char(&b, (char)(0xE0 | (cp >> 12)));
					buf_append_char(&b, (char)(0x80 | ((cp >> 6) & 0x3F)));
					buf_append_char(&b, (char)(0x80 | (cp & 0x3F)));
				}
			} else
				buf_append_char(&b, *p);
			p++;
			continue;
		}
		buf_append_char(&b, *p++);
	}
	if (*p)
		p += triple ? 3 : 1;
	if (end != NULL)
		*end = p;
	return buf_steal(&b);
}

/* Python 9-tuple "(2003, 12, 31, 10, 14, 55, 2, 365, 0)" -> epoch. */
static int py_tuple_epoch(const char *p, time_t *t)
{
	struct tm tm;
	int v[6];

	memset(&tm, 0, sizeof(tm));
	if (sscanf(p, "(%d, %d, %d, %d, %d, %d", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) != 6)
		return -1;
	tm.tm_year = v[0] - 1900;
	tm.tm_mon = v[1] - 1;
	tm.tm_mday = v[2];
	tm.tm_hour = v[3];
	tm.tm_min = v[4];
	tm.tm_sec = v[5];
	*t = timegm(&tm);
	return 0;
}

enum clause { CL_SKIP, CL_PASS, CL_FAIL };

/* A reference like entries[1]['links'][0]['href']: keys as strings ("0" for [0]). */
struct py_ref {
	int entry;
	char keys[4][32];
	int nkeys;
};

/* A right-hand side: a string, a time tuple or a dict (only href/rel kept). */
struct py_lit {
	char *str;  /* string value, or NULL */
	char *href; /* dict 'href' */
	char *rel;  /* dict 'rel' */
	int tuple;  /* str holds the tuple's text */
};

static void py_lit_free(struct py_lit *l)
{
	free(l->str);
	free(l->href);
	free(l->rel);
	memset(l, 0, sizeof(*l));
}

static const char *py_ref_parse(const char *p, struct py_ref *r)
{
	char *end;

	memset(r, 0, sizeof(*r));
	if (strncmp(p, "entries[", 8) != 0)
		return NULL;
	r->entry = (int)strtol(p + 8, &end, 10);
	if (*end != ']')
		return NULL;
	p = end + 1;
	while (*p == '[' && r->nkeys < 4) {
		if (p[1] == '\'') {
			char *k = py_string(p + 1, &p);

			snprintf(r->keys[r->nkeys++], sizeof(r->keys[0]), "%s", k);
			free(k);
		} else {
			long i = strtol(p + 1, &end, 10);

			snprintf(r->keys[r->nkeys++], sizeof(r->keys[0]), "%ld", i);
			p = end;
		}
		if (*p != ']')
			return NULL;
		p++;
	}
	return p;
}

static char *py_dict_get(const char *dict, const char *end, const char *key)
{
	char pat[64];
	const char *k;

	snprintf(pat, sizeof(pat), "'%s': ", key);
	k = strstr(dict, pat);
	return k != NULL && k < end ? py_string(k + strlen(pat), NULL) : NULL;
}

static const char *py_lit_parse(const char *p, struct py_lit *l)
{
	memset(l, 0, sizeof(*l));
	if (*p == '(') {
		const char *e = strchr(p, ')');

		if (e == NULL)
			return NULL;
		l->str = strndup(p, (size_t)(e - p + 1));
		l->tuple = 1;
		return e + 1;
	}
	if (*p == '{') {
		const char *e = strchr(p, '}');

		if (e == NULL)
			return NULL;
		l->href = py_dict_get(p, e, "href");
		l->rel = py_dict_get(p, e, "rel");
		return e + 1;
	}
	l->str = py_string(p, &p);
	return l->str != NULL ? p : NULL;
}

static int corpus_parsed;

/* Per-file state of the checker. */
struct corpus_file {
	const char *rel, *url;
	xmlDocPtr doc; /* the file as parsed for us, or NULL when refused */
	char err[256];
	struct list_items items;
	int nentries;	    /* item/entry elements in the file */
	int checks_summary; /* the Expect also checks summary/description */
	struct buf *log;
};

/* The idx-th item/entry element of the document (document order), or NULL. */
static xmlNodePtr corpus_entry(const struct corpus_file *cf, int idx)
{
	xmlXPathContextPtr ctx;
	xmlXPathObjectPtr res;
	xmlNodePtr n = NULL;

	if (cf->doc == NULL)
		return NULL;
	ctx = xmlXPathNewContext(cf->doc);
	res = xmlXPathEvalExpression(XC("//*[local-name()='item' or local-name()='entry']"), ctx);
	if (res != NULL && res->nodesetval != NULL && idx >= 0 && idx < res->nodesetval->nodeNr)
		n = res->nodesetval->nodeTab[idx];
	xmlXPathFreeObject(res);
	xmlXPathFreeContext(ctx);
	return n;
}

static int corpus_count_entries(const struct corpus_file *cf)
{
	int n = 0;

	while (corpus_entry(cf, n) != NULL)
		n++;
	return n;
}

/* First child of entry whose local name is one of names (NULL-terminated). */
static xmlNodePtr corpus_child(xmlNodePtr entry, const char *const *names)
{
	xmlNodePtr c;
	size_t i;

	for (c = entry != NULL ? entry->children : NULL; c != NULL; c = c->next)
		for (i = 0; c->type == XML_ELEMENT_NODE && names[i] != NULL; i++)
			if (strcmp((const char *)c->name, names[i]) == 0)
				return c;
	return NULL;
}

/* URLs equal with scheme and host compared case-insensitively. */
static int url_equal(const char *a, const char *b)
{
	const char *sa, *sb;
	size_t na, nb;

	if (a == NULL || b == NULL)
		return 0;
	sa = strstr(a, "://");
	sb = strstr(b, "://");
	if (sa == NULL || sb == NULL)
		return strcmp(a, b) == 0;
	sa = strchr(sa + 3, '/');
	sb = strchr(sb + 3, '/');
	na = sa != NULL ? (size_t)(sa - a) : strlen(a);
	nb = sb != NULL ? (size_t)(sb - b) : strlen(b);
	return na == nb && strncasecmp(a, b, na) == 0 && strcmp(a + na, b + nb) == 0;
}

/* feedparser gives HTML, or raw text for type="text": ours must match one reading. */
static int text_equal(const char *ours, const char *want_html)
{
	char *want = list_html_to_text(want_html), *raw = list_collapse(want_html);
	int eq = ours != NULL && (strcmp(ours, want) == 0 || strcmp(ours, raw) == 0);

	free(want);
	free(raw);
	return eq;
}

static enum clause check_date(const struct list_item *it, const struct py_lit *l)
{
	time_t want, got;
	char iso[64];

	if (l->tuple) {
		if (py_tuple_epoch(l->str, &want) != 0)
			return CL_SKIP;
	} else if (l->str == NULL || date_parse(l->str, NULL, NULL, iso, sizeof(iso)) != 0 ||
		   iso_epoch(iso, &want) != 0) {
		return CL_SKIP;
	}
	if (it->date == NULL || iso_epoch(it->date, &got) != 0)
		return CL_FAIL;
	return got == want ? CL_PASS : CL_FAIL;
}

/* Our text must equal element el read as the stated MIME-ish type. */
static enum clause check_type(const char *ours, xmlNodePtr el, const char *type)
{
	xmlChar *raw;
	char *want;
	int eq;

	if (el == NULL)
		return CL_SKIP;
	raw = xmlNodeGetContent(el);
	if (strstr(type, "html") != NULL && strstr(type, "xhtml") == NULL)
		want = list_html_to_text(raw != NULL ? (const char *)raw : "");
	else
		want = list_collapse(raw != NULL ? (const char *)raw : "");
	eq = ours != NULL && strcmp(ours, want) == 0;
	xmlFree(raw);
	free(want);
	return eq ? CL_PASS : CL_FAIL;
}

static const char *const title_names[] = {"title", NULL};
static const char *const summary_names[] = {"summary", "description", NULL};
static const char *const content_names[] = {"content", "encoded", "body", "fullitem", NULL};

/* links[i] of an entry as feedparser lists them: link and enclosure elements in order. */
static xmlNodePtr corpus_link(xmlNodePtr entry, int want, char **rel, char **href)
{
	xmlNodePtr c;
	int i = 0;

	for (c = entry != NULL ? entry->children : NULL; c != NULL; c = c->next) {
		xmlChar *r, *h;

		if (c->type != XML_ELEMENT_NODE ||
		    (strcmp((const char *)c->name, "link") != 0 &&
		     strcmp((const char *)c->name, "enclosure") != 0))
			continue;
		if (i++ != want)
			continue;
		r = xmlGetNoNsProp(c, XC("rel"));
		h = xmlGetNoNsProp(c,
				   XC(strcmp((const char *)c->name, "link") == 0 ? "href" : "url"));
		if (h == NULL)
			h = xmlNodeGetContent(c);
		*rel = strdup(r != NULL					   ? (const char *)r
			      : strcmp((const char *)c->name, "link") == 0 ? "alternate"
									   : "enclosure");
		*href = list_collapse(h != NULL ? (const char *)h : "");
		xmlFree(r);
		xmlFree(h);
		return c;
	}
	return NULL;
}

/* links[i]: our URL is the first alternate link with a target, and no other link. */
static enum clause check_links(const struct list_item *it, xmlNodePtr entry, const struct py_ref *r,
			       const struct py_lit *l)
{
	char *rel = NULL, *href = NULL, *frel = NULL, *fhref = NULL, *alt_href = NULL;
	int idx = atoi(r->keys[1]), first_alt = -1, i;
	enum clause v = CL_SKIP;

	if (corpus_link(entry, idx, &rel, &href) == NULL)
		return CL_SKIP;
	if (r->nkeys == 2 && l->href != NULL) {
		free(href);
		href = strdup(l->href);
		if (l->rel != NULL) {
			free(rel);
			rel = strdup(l->rel);
		}
	} else if (r->nkeys == 3 && strcmp(r->keys[2], "href") == 0 && l->str != NULL) {
		free(href);
		href = strdup(l->str);
	} else if (r->nkeys == 3 && strcmp(r->keys[2], "rel") == 0 && l->str != NULL) {
		free(rel);
		rel = strdup(l->str);
	}
	for (i = 0; first_alt < 0 && corpus_link(entry, i, &frel, &fhref) != NULL; i++) {
		if (strcmp(frel, "alternate") == 0 && fhref[0] != '\0') {
			first_alt = i;
			alt_href = fhref;
			fhref = NULL;
		}
		free(frel);
		free(fhref);
	}
	if (href[0] != '\0' && strcmp(rel, "alternate") == 0 && idx == first_alt)
		v = url_equal(it->url, href) ? CL_PASS : CL_FAIL;
	else if (href[0] != '\0') /* another link may share the alternate's target */
		v = !url_equal(it->url, href) || url_equal(it->url, alt_href) ? CL_PASS : CL_FAIL;
	free(rel);
	free(href);
	free(alt_href);
	return v;
}

static int is_date_key(const char *k)
{
	static const char *const keys[] = {"published", "updated", "created", "issued", "modified"};
	size_t i, n;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		n = strlen(keys[i]);
		if (strncmp(k, keys[i], n) == 0 && (k[n] == '\0' || strcmp(k + n, "_parsed") == 0))
			return 1;
	}
	return 0;
}

/* An entry the feed repeats (same URL or id): one of our items must hold the value. */
static enum clause check_merged(const struct corpus_file *cf, const struct py_ref *r,
				const struct py_lit *l)
{
	size_t i;
	int link = strcmp(r->keys[0], "link") == 0;

	if (l->str == NULL || r->entry >= cf->nentries || r->nkeys != 1 ||
	    (!link && strcmp(r->keys[0], "id") != 0 && strcmp(r->keys[0], "guid") != 0))
		return CL_FAIL;
	for (i = 0; i < cf->items.n; i++)
		if (link ? url_equal(cf->items.v[i].url, l->str)
			 : cf->items.v[i].guid != NULL && strcmp(cf->items.v[i].guid, l->str) == 0)
			return CL_PASS;
	return CL_FAIL;
}

/* One "entries[N][...] == literal" comparison. */
static enum clause check_field(const struct corpus_file *cf, const struct py_ref *r,
			       const struct py_lit *l)
{
	const struct list_item *it = r->entry < (int)cf->items.n ? &cf->items.v[r->entry] : NULL;
	xmlNodePtr entry = corpus_entry(cf, r->entry);
	const char *k = r->keys[0], *sub = r->nkeys > 1 ? r->keys[r->nkeys - 1] : "";
	int text_ok = l->str != NULL && !l->tuple;

	if (r->nkeys == 0)
		return CL_SKIP;
	if (it == NULL && (strcmp(k, "title") == 0 || strcmp(k, "link") == 0 ||
			   strcmp(k, "id") == 0 || strcmp(k, "guid") == 0 || is_date_key(k) ||
			   strcmp(k, "summary") == 0 || strcmp(k, "description") == 0))
		return cf->doc == NULL ? CL_FAIL : check_merged(cf, r, l);
	if (it == NULL)
		return CL_SKIP;
	if (r->nkeys == 1 && text_ok && strcmp(k, "title") == 0)
		return text_equal(it->title, l->str) ? CL_PASS : CL_FAIL;
	if (r->nkeys == 1 && text_ok &&
	    (strcmp(k, "summary") == 0 || strcmp(k, "description") == 0))
		return text_equal(it->summary, l->str) ? CL_PASS : CL_FAIL;
	if (r->nkeys == 1 && text_ok && strcmp(k, "link") == 0)
		return url_equal(it->url, l->str) ? CL_PASS : CL_FAIL;
	if (r->nkeys == 1 && text_ok && (strcmp(k, "id") == 0 || strcmp(k, "guid") == 0))
		return it->guid != NULL && strcmp(it->guid, l->str) == 0 ? CL_PASS : CL_FAIL;
	if (r->nkeys == 1 && is_date_key(k))
		return check_date(it, l);
	if (strcmp(k, "links") == 0 && r->nkeys >= 2)
		return check_links(it, entry, r, l);
	if (!text_ok)
		return CL_SKIP;
	if (strcmp(k, "title_detail") == 0 && strcmp(sub, "value") == 0)
		return text_equal(it->title, l->str) ? CL_PASS : CL_FAIL;
	if (strcmp(k, "summary_detail") == 0 && strcmp(sub, "value") == 0)
		return text_equal(it->summary, l->str) ? CL_PASS : CL_FAIL;
	if (strcmp(k, "content") == 0 && strcmp(sub, "value") == 0)
		return cf->checks_summary		 ? CL_SKIP
		       : text_equal(it->summary, l->str) ? CL_PASS
							 : CL_FAIL;
	if (strcmp(k, "title_detail") == 0 && strcmp(sub, "type") == 0)
		return check_type(it->title, corpus_child(entry, title_names), l->str);
	if (strcmp(k, "summary_detail") == 0 && strcmp(sub, "type") == 0)
		return check_type(it->summary, corpus_child(entry, summary_names), l->str);
	if (strcmp(k, "content") == 0 && strcmp(sub, "type") == 0)
		return corpus_child(entry, summary_names) != NULL
			   ? CL_SKIP
			   : check_type(it->summary, corpus_child(entry, content_names), l->str);
	return CL_SKIP;
}

/* entries[N]['guidislink'] (want 1) or not ...: our URL is (not) our guid. */
static enum clause check_truth(const struct corpus_file *cf, const struct py_ref *r, int want,
			       int has_key_link)
{
	const struct list_item *it = r->entry < (int)cf->items.n ? &cf->items.v[r->entry] : NULL;

	if (has_key_link)
		return it != NULL && it->url == NULL ? CL_PASS : CL_FAIL;
	if (r->nkeys != 1 || strcmp(r->keys[0], "guidislink") != 0)
		return CL_SKIP;
	if (it == NULL)
		return CL_FAIL;
	if (want)
		return it->url != NULL && it->guid != NULL && url_equal(it->url, it->guid)
			   ? CL_PASS
			   : CL_FAIL;
	return it->url == NULL || it->guid == NULL || !url_equal(it->url, it->guid) ? CL_PASS
										    : CL_FAIL;
}

/* One clause of the Expect expression. */
static enum clause check_clause(const struct corpus_file *cf, const char *p)
{
	struct py_ref refs[4];
	struct py_lit lit;
	int nrefs = 0, neg = 0, i, have_lit = 0;
	enum clause v = CL_SKIP;

	memset(&lit, 0, sizeof(lit));
	while (*p == ' ' || *p == '(')
		p++;
	if (strncmp(p, "not ", 4) == 0) {
		neg = 1;
		p += 4;
	}
	p = py_ref_parse(p, &refs[nrefs++]);
	if (p == NULL)
		return CL_SKIP;
	if (strcmp(p, ".has_key('link')") == 0 && neg)
		return check_truth(cf, &refs[0], 0, 1);
	while (*p == ' ' || *p == ')')
		p++;
	if (*p == '\0')
		return check_truth(cf, &refs[0], !neg, 0);
	while (!neg && strncmp(p, "== ", 3) == 0 && !have_lit) {
		p += 3;
		if (strncmp(p, "entries[", 8) == 0 && nrefs < 4)
			p = py_ref_parse(p, &refs[nrefs++]);
		else if ((p = py_lit_parse(p, &lit)) != NULL)
			have_lit = 1;
		if (p == NULL)
			break;
		while (*p == ' ')
			p++;
	}
	for (i = 0; have_lit && i < nrefs; i++) {
		enum clause c = check_field(cf, &refs[i], &lit);

		if (c == CL_FAIL || (c == CL_PASS && v == CL_SKIP))
			v = c;
	}
	py_lit_free(&lit);
	return v;
}

/* Splits an expression at top-level " and " (outside string literals). */
static size_t split_and(char *s, char **parts, size_t max)
{
	size_t n = 0;
	char q = 0;
	char *p;

	parts[n++] = s;
	for (p = s; *p != '\0'; p++) {
		if (q != 0) {
			if (*p == '\\' && p[1] != '\0')
				p++;
			else if (*p == q)
				q = 0;
		} else if (*p == '\'' || *p == '"') {
			q = *p;
		} else if (strncmp(p, " and ", 5) == 0 && n < max) {
			*p = '\0';
			parts[n++] = p + 5;
			p += 4;
		}
	}
	return n;
}

/* Checks the Expect: line of one corpus file; CL_SKIP when nothing applies. */
static enum clause check_corpus_file(const char *path, const char *rel, struct buf *log)
{
	struct corpus_file cf;
	char url[4300], *data, *line, *end, *parts[16];
	enum clause verdict = CL_SKIP;
	size_t len, n, i;

	memset(&cf, 0, sizeof(cf));
	data = testutil_slurp(path, &len);
	ck_assert_ptr_nonnull(data);
	snprintf(url, sizeof(url), "http://127.0.0.1:8097/tests/%s", rel);
	cf.rel = rel;
	cf.url = url;
	page_init();
	cf.doc = page_parse(data, len, "application/xml", NULL, PAGE_XML, NULL, NULL, cf.err,
			    sizeof(cf.err));
	if (cf.doc != NULL &&
	    list_extract_feed(cf.doc, url, 0, &cf.items, cf.err, sizeof(cf.err)) != 0) {
		xmlFreeDoc(cf.doc);
		cf.doc = NULL;
	}
	corpus_parsed += cf.doc != NULL;
	cf.nentries = corpus_count_entries(&cf);
	line = strstr(data, "Expect:");
	if (line == NULL)
		goto done;
	line += 7;
	end = strchr(line, '\n');
	if (end != NULL)
		*end = '\0';
	cf.checks_summary = strstr(line, "['summary']") != NULL ||
			    strstr(line, "['description']") != NULL ||
			    strstr(line, "['summary_detail']") != NULL;
	n = split_and(line, parts, 16);
	for (i = 0; i < n; i++) {
		const struct list_item *it = cf.items.n > 0 ? &cf.items.v[0] : NULL;
		enum clause c;

		parts[i] += strspn(parts[i], " \t");
		c = check_clause(&cf, parts[i]);
		if (c == CL_FAIL)
			buf_printf(log,
				   "  FAIL %s: %s%s%s (ours[0]: url=%s title=%s guid=%s date=%s "
				   "summary=%.60s)\n",
				   rel, parts[i], cf.doc == NULL ? " -- refused: " : "",
				   cf.doc == NULL ? cf.err : "", it ? it->url : "-",
				   it ? it->title : "-", it ? it->guid : "-", it ? it->date : "-",
				   it && it->summary ? it->summary : "-");
		if (c != CL_SKIP && verdict != CL_FAIL)
			verdict = c;
	}
done:
	list_items_free(&cf.items);
	if (cf.doc != NULL)
		xmlFreeDoc(cf.doc);
	free(data);
	return verdict;
}

START_TEST(test_feed_corpus)
{
	static const char *const dirs[] = {"rss", "rdf", "atom", "atom10", "namespace"};
	const char *dir = testutil_shared_dir();
	int files = 0, checked = 0, passed = 0;
	struct buf log;
	size_t d;

	if (dir == NULL) {
		printf("skipped: ../shared not found\n");
		return;
	}
	buf_init(&log);
	for (d = 0; d < sizeof(dirs) / sizeof(dirs[0]); d++) {
		char path[4200];
		struct dirent *e;
		DIR *dh;

		snprintf(path, sizeof(path), "%s/corpus/feeds/wellformed/%s", dir, dirs[d]);
		dh = opendir(path);
		ck_assert_ptr_nonnull(dh);
		while ((e = readdir(dh)) != NULL) {
			char file[4500], rel[600];
			enum clause v;

			if (strstr(e->d_name, ".xml") == NULL)
				continue;
			snprintf(file, sizeof(file), "%s/%s", path, e->d_name);
			snprintf(rel, sizeof(rel), "wellformed/%s/%s", dirs[d], e->d_name);
			files++;
			v = check_corpus_file(file, rel, &log);
			checked += v != CL_SKIP;
			passed += v == CL_PASS;
		}
		closedir(dh);
	}
	printf("feeds corpus: %d files checked, %d passed (%d files, %d parsed as feeds)\n%s",
	       checked, passed, files, corpus_parsed, buf_str(&log));
	fflush(stdout); /* the assertions below may end this forked test */
	buf_free(&log);
	ck_assert_int_ge(files, 300);
	ck_assert_int_ge(corpus_parsed, 290);
	ck_assert_int_ge(checked, 150);
	ck_assert_int_ge(passed * 100, checked * 95);
}
END_TEST

static Suite *feed_suite(void)
{
	Suite *s = suite_create("feed");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_rss2_quirks);
	tcase_add_test(tc, test_rdf_and_rss090);
	tcase_add_test(tc, test_atom_quirks);
	tcase_add_test(tc, test_legacy_content_and_links);
	tcase_add_test(tc, test_not_a_feed);
	tcase_add_test(tc, test_max_items);
	tcase_add_test(tc, test_summary_markup_is_bounded);
	tcase_add_test(tc, test_a_guid_repeated_for_other_links_is_ignored);
	tcase_add_test(tc, test_an_item_listed_twice_keeps_its_guid);
	tcase_add_test(tc, test_a_guid_naming_the_channel_is_ignored);
	tcase_add_test(tc, test_fixture_atom);
	tcase_add_test(tc, test_fixture_rss);
	tcase_add_test(tc, test_fixture_hostile);
	tcase_add_test(tc, test_feed_corpus);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return testutil_run(feed_suite());
}
