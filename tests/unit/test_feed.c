/* Unit tests for analyze/list feeds: RSS 0.9x/2.0, RSS 1.0 (RDF), Atom 0.3/1.0. */
#include <check.h>
#include <dirent.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "analyze/date.h"
#include "analyze/list.h"
#include "analyze/list_int.h"
#include "analyze/page.h"
#include "common/buf.h"

static const char *shared_dir(void)
{
	static char path[4096];
	char probe[4200];
	const char *env = getenv("SW_SHARED");
	FILE *f;

	snprintf(path, sizeof(path), "%s", env != NULL ? env : "../shared");
	snprintf(probe, sizeof(probe), "%s/fixtures/site/expected.json", path);
	f = fopen(probe, "r");
	if (f == NULL)
		return NULL;
	fclose(f);
	return path;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *data;
	long n;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	data = malloc((size_t)n + 1);
	if (data == NULL || fread(data, 1, (size_t)n, f) != (size_t)n) {
		free(data);
		fclose(f);
		return NULL;
	}
	data[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return data;
}

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
	const char *dir = shared_dir();
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
	data = slurp(path, &len);
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
	const char *dir = shared_dir();
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
		data = slurp(path, &len);
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

/* ---- the feedparser corpus: each file's Expect: clauses on entries[0] ---- */

/* Decodes a Python string literal at *p ('..', "..", """..""", u prefix); NULL if none. */
static char *py_string(const char *p)
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

/* feedparser gives HTML, or raw text for type="text": ours must match one reading. */
static int text_equal(const char *ours, const char *want_html)
{
	char *want = list_html_to_text(want_html), *raw = list_collapse(want_html);
	int eq = ours != NULL && (strcmp(ours, want) == 0 || strcmp(ours, raw) == 0);

	free(want);
	free(raw);
	return eq;
}

static enum clause check_date(const struct list_item *it, const char *field, const char *value)
{
	time_t want, got;
	char iso[64];

	if (strstr(field, "_parsed") != NULL) {
		if (py_tuple_epoch(value, &want) != 0)
			return CL_SKIP;
	} else {
		char *s = py_string(value);
		int rc = s != NULL ? date_parse(s, NULL, NULL, iso, sizeof(iso)) : -1;

		free(s);
		if (rc != 0 || iso_epoch(iso, &want) != 0)
			return CL_SKIP;
	}
	if (it->date == NULL || iso_epoch(it->date, &got) != 0)
		return CL_FAIL;
	return got == want ? CL_PASS : CL_FAIL;
}

/* One "entries[0]['field'] == value" clause against our first item. */
static enum clause check_clause(const struct list_items *items, const char *field,
				const char *value)
{
	const struct list_item *it = items->n > 0 ? &items->v[0] : NULL;
	enum clause r = CL_SKIP;
	char *s;

	if (strncmp(field, "published", 9) == 0 || strncmp(field, "updated", 7) == 0)
		return it == NULL ? CL_FAIL : check_date(it, field, value);
	if (strcmp(field, "title") != 0 && strcmp(field, "link") != 0 && strcmp(field, "id") != 0 &&
	    strcmp(field, "guid") != 0 && strcmp(field, "summary") != 0 &&
	    strcmp(field, "description") != 0)
		return CL_SKIP;
	s = py_string(value);
	if (s == NULL)
		return CL_SKIP;
	if (it == NULL)
		r = CL_FAIL;
	else if (strcmp(field, "title") == 0)
		r = text_equal(it->title, s) ? CL_PASS : CL_FAIL;
	else if (strcmp(field, "link") == 0)
		r = it->url != NULL && strcmp(it->url, s) == 0 ? CL_PASS : CL_FAIL;
	else if (strcmp(field, "id") == 0 || strcmp(field, "guid") == 0)
		r = it->guid != NULL && strcmp(it->guid, s) == 0 ? CL_PASS : CL_FAIL;
	else
		r = text_equal(it->summary, s) ? CL_PASS : CL_FAIL;
	free(s);
	return r;
}

static int corpus_parsed;

/* Checks the Expect: line of one corpus file; CL_SKIP when nothing applies. */
static enum clause check_corpus_file(const char *path, const char *rel, struct buf *log)
{
	static regex_t re;
	static int re_ready;
	char url[4300], *data, *line, *end, *p;
	struct list_items items;
	enum clause verdict = CL_SKIP;
	regmatch_t m[4];
	size_t len;
	int rc;

	if (!re_ready) {
		ck_assert_int_eq(
		    regcomp(&re,
			    "^entries\\[0\\]\\['([a-z]+(_parsed)?)(_detail'\\]\\['value)?'\\] == ",
			    REG_EXTENDED),
		    0);
		re_ready = 1;
	}
	data = slurp(path, &len);
	ck_assert_ptr_nonnull(data);
	snprintf(url, sizeof(url), "http://127.0.0.1:8097/tests/%s", rel);
	rc = feed_items(data, len, url, &items);
	corpus_parsed += rc == 0;
	line = strstr(data, "Expect:");
	if (line == NULL)
		goto done;
	line += 7;
	end = strchr(line, '\n');
	if (end != NULL)
		*end = '\0';
	for (p = line; *p != '\0';) {
		char *next = strstr(p, " and ");
		enum clause c;

		if (next != NULL)
			*next = '\0';
		while (*p == ' ')
			p++;
		if (regexec(&re, p, 4, m, 0) == 0 && strstr(p + m[0].rm_eo, "entries[") == NULL) {
			p[m[1].rm_eo] = '\0';
			c = rc != 0 ? CL_FAIL
				    : check_clause(&items, p + m[1].rm_so, p + m[0].rm_eo);
			if (c == CL_FAIL)
				buf_printf(
				    log, "  FAIL %s: %s (ours: url=%s title=%s guid=%s date=%s)\n",
				    rel, p + m[1].rm_so, items.n ? items.v[0].url : "-",
				    items.n ? items.v[0].title : "-",
				    items.n ? items.v[0].guid : "-",
				    items.n ? items.v[0].date : "-");
			if (c != CL_SKIP && verdict != CL_FAIL)
				verdict = c;
		}
		if (next == NULL)
			break;
		p = next + 5;
	}
done:
	list_items_free(&items);
	free(data);
	return verdict;
}

START_TEST(test_feed_corpus)
{
	static const char *const dirs[] = {"rss", "rdf", "atom", "atom10", "namespace"};
	const char *dir = shared_dir();
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
	printf("feed corpus: %d files, %d parsed as feeds, %d with item title/link/id/date/summary "
	       "expectations, %d pass\n%s",
	       files, corpus_parsed, checked, passed, buf_str(&log));
	buf_free(&log);
	ck_assert_int_ge(files, 300);
	ck_assert_int_ge(corpus_parsed, 290);
	ck_assert_int_ge(checked, 100);
	ck_assert_int_ge(passed, checked * 85 / 100);
}
END_TEST

static Suite *feed_suite(void)
{
	Suite *s = suite_create("feed");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_rss2_quirks);
	tcase_add_test(tc, test_rdf_and_rss090);
	tcase_add_test(tc, test_atom_quirks);
	tcase_add_test(tc, test_not_a_feed);
	tcase_add_test(tc, test_max_items);
	tcase_add_test(tc, test_fixture_atom);
	tcase_add_test(tc, test_fixture_rss);
	tcase_add_test(tc, test_fixture_hostile);
	tcase_add_test(tc, test_feed_corpus);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(feed_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
