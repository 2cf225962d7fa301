/*
 * The read side's statements and search on either backend (issue 20): the
 * same filters, order, paging, versions, queries, snippets and errors on
 * SQLite (run alone) and on PostgreSQL (under tests/pgcluster.py with
 * SW_TEST_PG=1). Every check holds on both: that is the parity proof.
 *
 * Rows are written through the store on SQLite; on PostgreSQL they are
 * written with SQL on a connection of the test's own (the PG* variables
 * pgcluster sets), so that these checks depend only on the read side.
 */
#include <check.h>
#include <errno.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/xmalloc.h"
#include "daemon/store.h"
#include "tests/unit/testutil.h"

static char *loc;
static struct store *st;
static PGconn *pgc; /* PostgreSQL only: the test's own writes */

static void setup(void)
{
	char err[512];

	loc = testutil_store_fresh();
	st = store_open(loc, err, sizeof(err));
	ck_assert_msg(st != NULL, "store_open: %s", err);
	if (testutil_store_is_pg()) {
		pgc = PQconnectdb("");
		ck_assert_msg(PQstatus(pgc) == CONNECTION_OK, "%s", PQerrorMessage(pgc));
	}
}

static void teardown(void)
{
	store_close(st);
	if (pgc != NULL)
		PQfinish(pgc);
	pgc = NULL;
	testutil_store_done(loc);
}

/* Runs sql with params on the test's connection; the first value of its first row, or NULL. */
static char *pg_sql(const char *sql, int n, const char *const *params)
{
	PGresult *res = PQexecParams(pgc, sql, n, NULL, params, NULL, NULL, 0);
	ExecStatusType rc = PQresultStatus(res);
	char *v = NULL;

	ck_assert_msg(rc == PGRES_TUPLES_OK || rc == PGRES_COMMAND_OK, "%s: %s", sql,
		      PQresultErrorMessage(res));
	if (rc == PGRES_TUPLES_OK && PQntuples(res) > 0)
		v = xstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return v;
}

/* An item with its text hashed as "sha-" + text, fetched and seen at seen. */
struct put {
	const char *src, *url, *title, *text, *published, *language;
	double seen;
};

/* "sha-" + text, short enough for an index row ("sha-long-" + its length beyond 200 bytes). */
static char *sha_of(const char *text)
{
	if (text == NULL)
		return NULL;
	return strlen(text) > 200 ? xasprintf("sha-long-%zu", strlen(text))
				  : xasprintf("sha-%s", text);
}

static int64_t put_pg(const struct put *p)
{
	char seen[40], *sha = sha_of(p->text), *id;
	const char *params[] = {p->src,	     p->url,  p->title, p->published,
				p->language, p->text, sha,	seen};
	int64_t v;

	snprintf(seen, sizeof(seen), "%.17g", p->seen);
	id = pg_sql(
	    "INSERT INTO items (source_id, url, norm_url, title, published, language, "
	    "text, text_sha256, words, first_seen, last_seen, last_checked, fetched_at) "
	    "VALUES ($1, $2, $2, $3, $4, $5, $6::text, $7, CASE WHEN $6 IS NULL THEN 0 ELSE 3 "
	    "END, $8, $8, $8, $8) RETURNING id",
	    8, params);
	v = strtoll(id, NULL, 10);
	free(id);
	free(sha);
	return v;
}

static int64_t put(const struct put *p)
{
	struct store_item it;
	int64_t id;

	if (pgc != NULL)
		return put_pg(p);
	memset(&it, 0, sizeof(it));
	it.source_id = xstrdup(p->src);
	it.url = xstrdup(p->url);
	it.norm_url = xstrdup(p->url);
	it.title = xstrdup_or_null(p->title);
	it.published = xstrdup_or_null(p->published);
	it.language = xstrdup_or_null(p->language);
	it.text = xstrdup_or_null(p->text);
	it.text_sha256 = sha_of(p->text);
	it.words = p->text ? 3 : 0;
	it.first_seen = it.last_seen = it.last_checked = it.fetched_at = p->seen;
	ck_assert_msg(store_item_put(st, &it) == 0, "%s", store_error(st));
	id = it.id;
	store_item_clear(&it);
	return id;
}

/* The stored item with a new text fetched at when (what a re-check stores). */
static void edit(const char *src, const char *url, const char *text, double when)
{
	struct store_item it;

	if (pgc != NULL) {
		char w[40], *sha = xasprintf("sha-%s", text);
		const char *params[] = {src, url, text, sha, w};

		snprintf(w, sizeof(w), "%.17g", when);
		free(pg_sql("UPDATE items SET text = $3, text_sha256 = $4, fetched_at = $5, "
			    "last_checked = $5, last_seen = $5 WHERE source_id = $1 AND url = $2",
			    5, params));
		free(sha);
		return;
	}
	ck_assert_int_eq(store_item_find(st, src, url, NULL, &it), 1);
	free(it.text);
	free(it.text_sha256);
	it.text = xstrdup(text);
	it.text_sha256 = xasprintf("sha-%s", text);
	it.fetched_at = it.last_checked = it.last_seen = when;
	ck_assert_msg(store_item_put(st, &it) == 0, "%s", store_error(st));
	store_item_clear(&it);
}

static void themes(int64_t id, const char *ids, const char *json)
{
	char num[24];
	const char *params[] = {num, ids, json};

	if (pgc == NULL) {
		ck_assert_int_eq(store_item_set_themes(st, id, ids, json), 0);
		return;
	}
	snprintf(num, sizeof(num), "%lld", (long long)id);
	free(pg_sql("UPDATE items SET themes = $2, theme_scores = $3 WHERE id = $1", 3, params));
}

/* ---- the list ---- */

static size_t list(const struct store_statement_filter *f, struct store_statement **out)
{
	size_t n;

	ck_assert_msg(store_statements(st, f, out, &n) == 0, "%s", store_error(st));
	return n;
}

static void free_list(struct store_statement *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		store_statement_clear(&v[i]);
	free(v);
}

/* The ids of the rows, "3,1,2". */
static char *ids_of(const struct store_statement *v, size_t n)
{
	char *s = xstrdup("");

	for (size_t i = 0; i < n; i++) {
		char *t = xasprintf("%s%s%lld", s, i ? "," : "", (long long)v[i].id);

		free(s);
		s = t;
	}
	return s;
}

static void assert_ids(const struct store_statement_filter *f, const char *want)
{
	struct store_statement *v;
	size_t n = list(f, &v);
	char *got = ids_of(v, n);

	ck_assert_msg(!strcmp(got, want), "query %s: got %s, want %s", f->query ? f->query : "-",
		      got, want);
	free(got);
	free_list(v, n);
}

/* Four statements of two sources, two languages, two themes. Ids 1..4. */
static void four(void)
{
	put(&(struct put){"mfa", "http://a/1", "Sanctions", "sanctions are wrong", "2024-01-01",
			  "en", 1717200000});
	put(&(struct put){"mfa", "http://a/2", "Trade", "trade is good",
			  "2024-06-01T10:00:00+02:00", "en", 1717200000});
	put(&(struct put){"mid", "http://b/3", "Погода", "погода хорошая", NULL, "ru",
			  1718000000}); /* 2024-06-10, first seen only */
	put(&(struct put){"mid", "http://b/4", "Old", NULL, "2023-05-05", "ru", 1718000001});
	themes(1, "sanctions,trade", "[]");
	themes(2, "trade", "[]");
}

START_TEST(newest_first_by_publication_else_first_seen)
{
	four();
	assert_ids(&(struct store_statement_filter){0}, "3,2,1,4");
}
END_TEST

START_TEST(filters_by_source_theme_language_since_and_query)
{
	four();
	assert_ids(&(struct store_statement_filter){.source = "mid"}, "3,4");
	assert_ids(&(struct store_statement_filter){.theme = "trade"}, "2,1");
	assert_ids(&(struct store_statement_filter){.theme = "sanctions"}, "1");
	assert_ids(&(struct store_statement_filter){.theme = "trad"}, ""); /* whole ids */
	assert_ids(&(struct store_statement_filter){.language = "ru"}, "3,4");
	/* since 2024-06-01T00:00Z: item 2 (08:00Z that day) and item 3 */
	assert_ids(&(struct store_statement_filter){.since = 1717200000}, "3,2");
	assert_ids(&(struct store_statement_filter){.query = "sanctions OR погода"}, "3,1");
	assert_ids(&(struct store_statement_filter){.query = "ПОГОДА"}, "3"); /* folded */
	assert_ids(&(struct store_statement_filter){.query = "trade", .source = "mfa"}, "2");
	assert_ids(&(struct store_statement_filter){.theme = "trade", .language = "ru"}, "");
}
END_TEST

/* The date key: published as SQLite's strftime('%s') reads it, else first seen. */
START_TEST(the_date_key_reads_published_as_sqlite_does)
{
	static const struct {
		const char *published;
		double date;
	} cases[] = {
	    {"2024-06-01", 1717200000},
	    {"2024-06-01T10:00:00+02:00", 1717228800},
	    {"2024-06-01 10:00", 1717236000},
	    {"2024-06-01T10:00:30.250Z", 1717236030},
	    {"2024-06-01T23:30:00-01:30", 1717290000},
	    {"1999-12-31T23:59:59Z", 946684799},
	    {"2024-02-29", 1709164800},
	    {"2024-02-30", 1709251200}, /* carried into March, as SQLite does */
	    {"2024-13-01", 5},		/* out of range: first seen */
	    {"2024-06-01T25:00", 5},
	    {"June 1, 2024", 5},
	    {"2024-06-01garbage", 5},
	    {"", 5},
	    {"2024-06-01 ", 1717200000},
	    {"2024-06-01TT10:00", 1717236000},
	    {"2024-06-01T10:00:00 +02:00", 1717228800},
	    {"2024-06-01T10:00:00.123456789", 1717236000},
	    {"2024-06-01 10:00:00 Z", 1717236000},
	    {"2024-06-01T24:00", 1717286400},
	    {"2024-06-01T10:00:00+14:59", 1717182060},
	    {"0000-01-01", -62167219200},
	    {"2024", -210691886400}, /* a number is a Julian day */
	    {"2460000.5", 1677283200},
	    {"1e5", -202226760000},
	    {"1704067200", 5}, /* past the last Julian day */
	    {"-5", 5},
	    {"2024-06-01T10:00:00.", 5},
	    {"2024-06-01T10:00:60", 5},
	    {"2024-06-01T10:00:00+15:00", 5},
	    {"2024-06-01T10:00:00+0200", 5},
	    {"2024-06-01T10", 5},
	    {"2024-6-1", 5},
	    {" 2024-06-01", 5},
	    {"2024-06-01Z", 5},
	    {"1e999", 5},
	};
	struct store_statement *v;
	char url[32];
	size_t n;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(url, sizeof(url), "http://d/%zu", i);
		put(&(struct put){"d", url, "t", NULL, cases[i].published, NULL, 5});
	}
	n = list(&(struct store_statement_filter){.limit = 100}, &v);
	ck_assert_uint_eq(n, sizeof(cases) / sizeof(cases[0]));
	for (size_t i = 0; i < n; i++) {
		size_t c = (size_t)v[i].id - 1;

		ck_assert_msg(v[i].date == cases[c].date, "%s: %.17g", cases[c].published,
			      v[i].date);
	}
	free_list(v, n);
}
END_TEST

START_TEST(a_bad_query_is_einval)
{
	static const char *const bad[] = {"AND", "\"open", "non-proliferation", "a.b",
					  "(x",	 "x NOT",  "nosuch: word",	"(word) word"};
	struct store_statement *v;
	size_t n;

	errno = 0; /* also when nothing is stored to test it on */
	ck_assert_int_eq(
	    store_statements(st, &(struct store_statement_filter){.query = "AND"}, &v, &n), -1);
	ck_assert_int_eq(errno, EINVAL);
	four();
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		v = NULL;
		n = 0;
		ck_assert_msg(store_statements(st,
					       &(struct store_statement_filter){.query = bad[i]},
					       &v, &n) == -1,
			      "%s", bad[i]);
		ck_assert_int_eq(errno, EINVAL);
		ck_assert_ptr_null(v);
		ck_assert_uint_eq(n, 0);
		ck_assert_ptr_nonnull(strstr(store_error(st), "query"));
	}
}
END_TEST

START_TEST(limit_defaults_to_50_and_stops_at_500)
{
	struct store_statement *v;
	size_t n;
	char url[32];

	ck_assert_int_eq(store_begin(st), 0);
	for (int i = 0; i < 520; i++) {
		snprintf(url, sizeof(url), "http://a/%d", i);
		put(&(struct put){"s", url, "t", NULL, NULL, NULL, 1000 + i});
	}
	ck_assert_int_eq(store_commit(st), 0);
	n = list(&(struct store_statement_filter){0}, &v);
	ck_assert_uint_eq(n, STORE_STATEMENTS_DEFAULT);
	ck_assert_int_eq(v[0].id, 520);
	free_list(v, n);
	n = list(&(struct store_statement_filter){.limit = 100000}, &v);
	ck_assert_uint_eq(n, STORE_STATEMENTS_MAX);
	free_list(v, n);
	n = list(&(struct store_statement_filter){.limit = 2}, &v);
	ck_assert_uint_eq(n, 2);
	free_list(v, n);
}
END_TEST

/* Pages follow each other without gaps or repeats, also when newer statements arrive. */
START_TEST(paging_by_before_is_stable)
{
	struct store_statement_filter f = {.limit = 2};

	four();
	assert_ids(&f, "3,2");
	put(&(struct put){"mfa", "http://a/5", "New", NULL, NULL, NULL, 1800000000});
	f.before = 2;
	assert_ids(&f, "1,4");
	f.before = 4;
	assert_ids(&f, "");
	f.before = 99; /* unknown */
	assert_ids(&f, "");
	f = (struct store_statement_filter){.before = 3, .source = "mid"};
	assert_ids(&f, "4");
	f = (struct store_statement_filter){.before = 5, .query = "sanctions OR trade"};
	assert_ids(&f, "2,1");
}
END_TEST

START_TEST(an_edit_is_a_version_with_its_diff)
{
	struct store_statement s, *v;
	size_t n;

	put(&(struct put){"mfa", "http://a/1", "T", "one\ntwo\nthree", NULL, NULL, 100});
	put(&(struct put){"mfa", "http://a/2", "U", "same", NULL, NULL, 101});
	edit("mfa", "http://a/1", "one\nTWO\nthree", 200);
	edit("mfa", "http://a/1", "one\nTWO\nthree", 250); /* same text: no version */
	edit("mfa", "http://a/1", "one\nTWO\nthree\nfour", 300);
	edit("mfa", "http://a/2", "same", 300);

	n = list(&(struct store_statement_filter){0}, &v);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(v[1].id, 1);
	ck_assert_int_eq(v[1].versions, 3);
	ck_assert_str_eq(v[1].diff,
			 "--- before\n+++ after\n@@ -2,2 +2,3 @@\n TWO\n three\n+four\n");
	ck_assert_ptr_null(v[1].text); /* a list carries no texts */
	ck_assert(v[1].updated == 300);
	ck_assert_int_eq(v[0].versions, 1);
	ck_assert(v[0].updated == 101);
	ck_assert_ptr_null(v[0].diff);
	free_list(v, n);

	ck_assert_int_eq(store_statement_get(st, 1, &s), 1);
	ck_assert_uint_eq(s.nversions, 3);
	ck_assert_str_eq(s.text, "one\nTWO\nthree\nfour");
	ck_assert_str_eq(s.text_sha256, "sha-one\nTWO\nthree\nfour");
	ck_assert(s.fetched_at == 300);
	ck_assert_int_eq(s.version[0].number, 1);
	ck_assert_str_eq(s.version[0].text, "one\ntwo\nthree");
	ck_assert(s.version[0].since == 100);
	ck_assert_ptr_null(s.version[0].diff);
	ck_assert(s.version[1].since == 200);
	ck_assert_ptr_nonnull(strstr(s.version[1].diff, "-two\n+TWO\n"));
	ck_assert_int_eq(s.version[2].number, 3);
	ck_assert(s.version[2].since == 300);
	ck_assert_str_eq(s.version[2].text, s.text);
	ck_assert_str_eq(s.diff, s.version[2].diff);
	store_statement_clear(&s);
	ck_assert_int_eq(store_statement_get(st, 42, &s), 0);
}
END_TEST

START_TEST(an_item_never_read_has_no_version)
{
	struct store_statement s;

	put(&(struct put){"mfa", "http://a/1", "T", NULL, NULL, NULL, 100});
	edit("mfa", "http://a/1", "now read", 200); /* the archive reads it */
	ck_assert_int_eq(store_statement_get(st, 1, &s), 1);
	ck_assert_uint_eq(s.nversions, 1);
	ck_assert_int_eq(s.versions, 1);
	ck_assert_ptr_null(s.diff);
	store_statement_clear(&s);
}
END_TEST

#define THEMES_JSON                                                                                \
	"[{\"id\":\"cyber\",\"label\":\"Cyber sovereignty\",\"score\":0.82,"                       \
	"\"evidence\":[\"We respect cyber sovereignty.\",\"<b>&amp;</b>\"]},"                      \
	"{\"id\":\"trade\",\"label\":\"Trade\",\"score\":0.5,\"evidence\":[]}]"

START_TEST(themes_come_with_scores_and_evidence)
{
	struct store_statement *v;
	size_t n;

	put(&(struct put){"mfa", "http://a/1", "T", "x y z", NULL, NULL, 100});
	put(&(struct put){"mfa", "http://a/2", "U", "a b c", NULL, NULL, 50});
	themes(1, "cyber,trade", THEMES_JSON);
	n = list(&(struct store_statement_filter){0}, &v);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(v[0].themes_json, THEMES_JSON);
	ck_assert_uint_eq(v[0].nthemes, 2);
	ck_assert_str_eq(v[0].themes[0].label, "Cyber sovereignty");
	ck_assert_str_eq(v[0].themes[0].evidence[1], "<b>&amp;</b>");
	ck_assert_ptr_null(v[1].themes_json); /* never scored */
	free_list(v, n);
	themes(1, NULL, "[]");
	assert_ids(&(struct store_statement_filter){.theme = "cyber"}, "");
}
END_TEST

/* ---- search ---- */

static size_t search_n(const char *q, const char *since, const char *theme, struct store_hit **hits)
{
	size_t n;

	ck_assert_msg(store_search(st, q, since, theme, 10, hits, &n) == 0, "%s: %s", q,
		      store_error(st));
	return n;
}

static void free_hits(struct store_hit *h, size_t n)
{
	for (size_t i = 0; i < n; i++)
		store_hit_clear(&h[i]);
	free(h);
}

START_TEST(search_finds_text_by_date_and_theme)
{
	struct store_hit *h;
	int64_t a, b;
	size_t n;

	a = put(&(struct put){"src", "http://a/1", "Sanctions statement",
			      "The ministry condemns the sanctions.", NULL, NULL, 1704067200});
	b = put(&(struct put){"src", "http://a/2", "Trade talks", "On sanctions and trade.", NULL,
			      NULL, 1717200000});
	put(&(struct put){"src", "http://a/3", "Weather", "Nothing to see.", NULL, NULL,
			  1717200000});
	themes(a, "sanctions,trade", NULL);
	themes(b, "trade", NULL);

	n = search_n("sanctions", NULL, NULL, &h);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(h[0].url, "http://a/2"); /* newest first */
	ck_assert_str_eq(h[0].date, "2024-06-01");
	ck_assert_str_eq(h[0].snippet, "On [sanctions] and trade.");
	ck_assert_str_eq(h[1].themes, "sanctions,trade");
	ck_assert_str_eq(h[1].title, "Sanctions statement");
	ck_assert_str_eq(h[1].source_id, "src");
	free_hits(h, n);
	n = search_n("sanctions", "2024-03-01", NULL, &h);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(h[0].url, "http://a/2");
	free_hits(h, n);
	n = search_n("sanctions", NULL, "sanctions", &h);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(h[0].url, "http://a/1");
	free_hits(h, n);
	n = search_n("sanctions", NULL, "SANCTIONS", &h); /* as SQLite's LIKE compares */
	ck_assert_uint_eq(n, 1);
	free_hits(h, n);
	n = search_n("sanctions", NULL, "sanc", &h); /* a theme is a whole id */
	ck_assert_uint_eq(n, 0);
	free(h);
	ck_assert_int_eq(store_search(st, "\"unbalanced", NULL, NULL, 10, &h, &n), -1);
	ck_assert_str_ne(store_error(st), "");
	ck_assert_int_eq(store_search(st, "AND \"unbalanced", NULL, NULL, 10, &h, &n), -1);
	ck_assert_int_eq(store_search(st, "non-proliferation", NULL, NULL, 10, &h, &n), -1);
}
END_TEST

/* Five statements dated 1..5 days after the epoch (ids 1..5 = days): newest first = "5,...". */
static void corpus(void)
{
	static const struct put rows[] = {
	    {"s", "http://c/1", "Sanctions statement", "The ministry condemns the sanctions.", NULL,
	     "en", 86400},
	    {"s", "http://c/2", "Trade talks", "On sanctions and trade. Non-proliferation treaty.",
	     NULL, "en", 2 * 86400},
	    {"s", "http://c/3", "Weather",
	     "Nothing to see. МИНИСТЕРСТВО иностранных дел ab cd 50% off_x Économie", NULL, "ru",
	     3 * 86400},
	    {"s", "http://c/4", "中文标题", "这是一个关于联合国的声明。", NULL, "zh", 4 * 86400},
	    {"s", "http://c/5", "Remarks at the United Nations", NULL, NULL, "en", 5 * 86400},
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		put(&rows[i]);
}

/* The urls' last digits of the hits of q, newest first: "5,2". */
static char *hit_ids(const char *q)
{
	struct store_hit *h;
	size_t n = search_n(q, NULL, NULL, &h);
	char *s = xstrdup("");

	for (size_t i = 0; i < n; i++) {
		char *t = xasprintf("%s%s%s", s, i ? "," : "", strrchr(h[i].url, '/') + 1);

		free(s);
		s = t;
	}
	free_hits(h, n);
	return s;
}

/* FTS5's syntax as SQLite reads it with the trigram tokenizer. */
START_TEST(search_reads_fts5_syntax_as_sqlite_does)
{
	static const char *const cases[][2] = {
	    {"sanctions", "2,1"},
	    {"SANCTIONS", "2,1"},
	    {"министерство", "3"},
	    {"联合国", "4"},
	    {"ab", ""},			/* under three characters: nothing */
	    {"ab OR sanctions", "2,1"}, /* ...and left out of an OR */
	    {"sanctions ab", "2,1"},	/* ...and of a run of words */
	    {"sanctions AND ab", ""},	/* ...but not of an AND */
	    {"sanctions NOT ab", "2,1"},
	    {"ab NOT sanctions", ""},
	    {"\"ab\" \"cd\"", ""},
	    {"sanc*", "2,1"},
	    {"sanc *", "2,1"},
	    {"a*", ""},
	    {"ministr*y", "1"},
	    {"\"the sanctions\"", "1"},
	    {"\"tions.\"", "1"},
	    {"\"United Nations\"", "5"},
	    {"United Nations", "5"},
	    {"nations united", "5"},
	    {"\"nations united\"", ""},
	    {"title:trade", "2"},
	    {"text:trade", "2"},
	    {"title:sanctions", "1"},
	    {"-title: sanctions", "2,1"},
	    {"{title text}: weather", "3"},
	    {"text: (weather OR treaty)", "2"},
	    {"Title : remarks", "5"},
	    {"^the", "1"},
	    {"^trade", "2"},
	    {"the NOT trade", "5,3,1"},
	    {"sanctions OR weather", "3,2,1"},
	    {"(trade OR weather) AND the", "3"},
	    {"ministry OR ab NOT trade", "1"},
	    {"sanctions OR trade the", "2,1"},
	    {"ministry NOT (ab)", "1"},
	    {"\"50%\"", "3"},
	    {"\"0% \"", "3"},
	    {"off_x", "3"},
	    {"\"f_x\"", "3"},
	    {"\"5_%\"", ""}, /* % and _ are characters, not patterns */
	    {"x\"\"y", ""},
	    {"NEAR", ""},
	    {"économie", "3"},
	    {"ÉCONOMIE", "3"},
	    {"and", "2"},
	};

	corpus();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = hit_ids(cases[i][0]);

		ck_assert_msg(!strcmp(got, cases[i][1]), "%s: got \"%s\", want \"%s\"", cases[i][0],
			      got, cases[i][1]);
		free(got);
	}
}
END_TEST

START_TEST(search_refuses_what_fts5_refuses)
{
	static const char *const bad[] = {
	    "AND",	    "OR",	 "NOT sanctions", "sanctions NOT", "(sanctions",
	    "()",	    "a.b",	 "foo,bar",	  "l'homme",	   "50%",
	    "-foo",	    "nosuch: x", "(a) word",	  "word (a OR b)", "\"open",
	    "sanctions: x", "and OR",
	};
	struct store_hit *h;
	size_t n;

	corpus();
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(store_search(st, bad[i], NULL, NULL, 10, &h, &n) == -1, "%s", bad[i]);
	n = search_n("sanctions", NULL, NULL, &h); /* and the store still answers */
	ck_assert_uint_eq(n, 2);
	free_hits(h, n);
}
END_TEST

#define LOREM                                                                                      \
	"Lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor "            \
	"incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud "      \
	"exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat. Duis aute irure "   \
	"dolor in reprehenderit in voluptate velit esse cillum dolore eu fugiat nulla pariatur."

/* Snippets as SQLite's snippet(items_fts, 1, '[', ']', '…', 64) gives them. */
START_TEST(search_snippets_as_sqlite_gives_them)
{
	static const char *const cases[][2] = {
	    {"magna", "…ncididunt ut labore et dolore [magna] aliqua. Ut enim ad minim venia…"},
	    {"nostrud", "…Ut enim ad minim veniam, quis [nostrud] exercitation ullamco laboris…"},
	    {"magna OR nostrud",
	     "…dolore [magna] aliqua. Ut enim ad minim veniam, quis [nostrud] exercit…"},
	    {"pariatur", "…it in voluptate velit esse cillum dolore eu fugiat nulla [pariatur]."},
	    {"lorem", "[Lorem] ipsum dolor sit amet consectetur adipiscing elit sed do eius…"},
	    {"dolor", "Lorem ipsum [dolor] sit amet consectetur adipiscing elit sed do eius…"},
	    {"sanc*", "Lorem ipsum dolor sit amet consectetur adipiscing elit sed do eius…"},
	    {"\"abc\" OR \"def\"", "xx [abc][def]g yy"},
	    {"\"abcd\" OR \"bcd\"", "xx [abcd]efg yy"}, /* overlapping matches make one */
	    {"\"min\" \"ist\"",
	     "…Then the [min][ist]ers of many people over the years and the magna aga…"},
	};
	struct store_hit *h;
	size_t n;

	put(&(struct put){"s", "http://s/1", "Sanctions", LOREM, NULL, NULL, 100});
	put(&(struct put){"s", "http://s/2", "Sanctions", NULL, NULL, NULL, 50});
	put(&(struct put){"s", "http://s/3", "x",
			  "Short one. Then the ministers of many people over the years and the "
			  "magna again appears here. End.",
			  NULL, NULL, 10});
	put(&(struct put){"s", "http://s/4", "y", "xx abcdefg yy", NULL, NULL, 200});
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		n = search_n(cases[i][0], NULL, NULL, &h);
		ck_assert_msg(n >= 1, "%s", cases[i][0]);
		ck_assert_msg(h[0].snippet != NULL && !strcmp(h[0].snippet, cases[i][1]),
			      "%s: got %s", cases[i][0], h[0].snippet);
		free_hits(h, n);
	}
	n = search_n("sanctions", NULL, NULL, &h); /* in the titles only */
	ck_assert_uint_eq(n, 2);
	ck_assert_ptr_null(h[1].snippet); /* no text */
	free_hits(h, n);
	n = search_n("magna", NULL, NULL, &h);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(h[1].snippet,
			 "…Then the ministers of many people over the years and the [magna] aga…");
	free_hits(h, n);
}
END_TEST

/* A long text full of the phrase: the same window as SQLite's, found quickly. */
START_TEST(search_snippet_of_a_long_text_of_many_matches)
{
	struct buf b;
	struct store_hit *h;
	size_t n;

	buf_init(&b);
	for (int i = 0; i < 20000; i++)
		buf_printf(&b, i % 7 ? "the cat sat on %d mats. " : "Then: dogs %d; ", i);
	buf_append_char(&b, '\0');
	put(&(struct put){"s", "http://l/1", "Long", buf_str(&b), NULL, NULL, 100});
	buf_free(&b);
	n = search_n("dogs", NULL, NULL, &h);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(h[0].snippet,
			 "Then: [dogs] 0; the cat sat on 1 mats. the cat sat on 2 mats. the ca…");
	free_hits(h, n);
	n = search_n("mats OR \"n: d\"", NULL, NULL, &h);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(
	    h[0].snippet,
	    "The[n: d]ogs 0; the cat sat on 1 [mats]. the cat sat on 2 [mats]. the ca…");
	free_hits(h, n);
}
END_TEST

Suite *store_pg_read_suite(void);
Suite *store_pg_read_suite(void)
{
	Suite *s = suite_create("store_pg_read");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, newest_first_by_publication_else_first_seen);
	tcase_add_test(tc, filters_by_source_theme_language_since_and_query);
	tcase_add_test(tc, the_date_key_reads_published_as_sqlite_does);
	tcase_add_test(tc, a_bad_query_is_einval);
	tcase_add_test(tc, limit_defaults_to_50_and_stops_at_500);
	tcase_add_test(tc, paging_by_before_is_stable);
	tcase_add_test(tc, an_edit_is_a_version_with_its_diff);
	tcase_add_test(tc, an_item_never_read_has_no_version);
	tcase_add_test(tc, themes_come_with_scores_and_evidence);
	tcase_add_test(tc, search_finds_text_by_date_and_theme);
	tcase_add_test(tc, search_reads_fts5_syntax_as_sqlite_does);
	tcase_add_test(tc, search_refuses_what_fts5_refuses);
	tcase_add_test(tc, search_snippets_as_sqlite_gives_them);
	tcase_add_test(tc, search_snippet_of_a_long_text_of_many_matches);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return testutil_run(store_pg_read_suite());
}
