/* Unit tests for analyze/discover: list_discover on real ministry pages and on traps. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "analyze/page/discover.h"
#include "analyze/page/list.h"
#include "analyze/page/page.h"
#include "tests/unit/testutil.h"

#define PAGE "http://example.org/news/index.html"

static xmlDocPtr html_doc(const char *html, size_t len, const char *ctype)
{
	char err[256] = "";
	xmlDocPtr doc;

	page_init();
	doc = page_parse(html, len, ctype, NULL, PAGE_HTML, NULL, NULL, err, sizeof(err));
	ck_assert_msg(doc != NULL, "page_parse: %s", err);
	return doc;
}

/* list_discover on html served as UTF-8 from url. */
__attribute__((unused)) static void discover(const char *html, const char *url,
					     struct discover_result *r)
{
	xmlDocPtr doc = html_doc(html, strlen(html), "text/html; charset=utf-8");
	char err[256] = "";

	ck_assert_int_eq(list_discover(doc, url, 0, r, err, sizeof(err)), 0);
	xmlFreeDoc(doc);
}

static void dump(const char *name, const struct discover_result *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		fprintf(stderr, "%s #%zu %s | %s | %s | %s -> %zu (%s)\n", name, i, r->v[i].items,
			r->v[i].link ? r->v[i].link : "-", r->v[i].title ? r->v[i].title : "-",
			r->v[i].date ? r->v[i].date : "-", r->v[i].count, r->v[i].why);
}

/* The first candidate yields exactly these URLs (NULL-terminated), in order. */
__attribute__((unused)) static void assert_first(const char *name, const struct discover_result *r,
						 const char *const *urls)
{
	size_t n = 0;

	while (urls[n] != NULL)
		n++;
	if (getenv("DISCOVER_DUMP") != NULL)
		dump(name, r);
	ck_assert_msg(r->n > 0, "%s: no candidate", name);
	ck_assert_msg(r->v[0].count == n, "%s: %zu items, want %zu (%s)", name, r->v[0].count, n,
		      r->v[0].items);
	for (size_t i = 0; i < n; i++)
		ck_assert_str_eq(r->v[0].items_seen.v[i].url, urls[i]);
}

/* ---- real pages: ../shared/corpus/realpages-dev ---- */

struct real_score {
	size_t items, items_ok, dates, dates_ok;
};

static void real_check_items(const char *id, json_t *items, const struct discover_candidate *c,
			     struct real_score *sc)
{
	size_t i, n = json_array_size(items);

	ck_assert_msg(c->count == n, "%s: %zu items, want %zu (%s)", id, c->count, n, c->items);
	for (i = 0; i < n; i++) {
		json_t *it = json_array_get(items, i);
		const char *date = json_string_value(json_object_get(it, "date"));
		char want[4200];

		snprintf(want, sizeof(want), "http://127.0.0.1:8000%s",
			 json_string_value(json_object_get(it, "link")));
		ck_assert_str_eq(c->items_seen.v[i].url, want);
		ck_assert_str_eq(c->items_seen.v[i].title,
				 json_string_value(json_object_get(it, "title")));
		sc->items_ok++;
		if (date == NULL)
			continue;
		sc->dates++;
		if (c->items_seen.v[i].date != NULL &&
		    strncmp(c->items_seen.v[i].date, date, 10) == 0)
			sc->dates_ok++;
	}
	sc->items += n;
}

static void real_source(const char *dir, const char *id, json_t *src, struct real_score *sc)
{
	const char *path = json_string_value(json_object_get(src, "list_url_path"));
	const char *file = json_string_value(json_object_get(src, "list_file"));
	char fpath[4200], url[4200], err[256] = "";
	struct discover_result r;
	xmlDocPtr doc;
	size_t len;
	char *data;

	ck_assert_ptr_nonnull(path);
	snprintf(fpath, sizeof(fpath), "%s/corpus/realpages-dev/site/%s", dir,
		 (file != NULL ? file : path + 1));
	data = testutil_slurp(fpath, &len);
	ck_assert_msg(data != NULL, "cannot read %s", fpath);
	doc = html_doc(data, len, "text/html");
	snprintf(url, sizeof(url), "http://127.0.0.1:8000%s", path);
	ck_assert_int_eq(list_discover(doc, url, 0, &r, err, sizeof(err)), 0);
	if (getenv("DISCOVER_DUMP") != NULL)
		dump(id, &r);
	ck_assert_msg(r.n > 0, "%s: no candidate", id);
	real_check_items(id, json_object_get(src, "items"), &r.v[0], sc);
	printf("%s: %zu items by %s (%s)\n", id, r.v[0].count, r.v[0].items, r.v[0].why);
	discover_result_free(&r);
	xmlFreeDoc(doc);
	free(data);
}

START_TEST(test_realpages)
{
	const char *dir = testutil_shared_dir();
	struct real_score sc = {0, 0, 0, 0};
	char path[4200];
	json_error_t jerr;
	json_t *root, *src;
	const char *id;

	if (dir == NULL) {
		printf("skipped: ../shared not found\n");
		return;
	}
	snprintf(path, sizeof(path), "%s/corpus/realpages-dev/expected.json", dir);
	root = json_load_file(path, 0, &jerr);
	ck_assert_msg(root != NULL, "%s: %s", path, jerr.text);
	json_object_foreach(json_object_get(root, "sources"), id, src)
	    real_source(dir, id, src, &sc);
	printf("realpages: %zu/%zu items, %zu/%zu dates\n", sc.items_ok, sc.items, sc.dates_ok,
	       sc.dates);
	ck_assert_uint_eq(sc.items_ok, sc.items);
	json_decref(root);
}
END_TEST

static Suite *discover_suite(void)
{
	Suite *s = suite_create("discover");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_realpages);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return testutil_run(discover_suite());
}
