/*
 * Sources and items through the store interface, on whichever backend
 * testutil_store_fresh gives: alone on SQLite, under tests/pgcluster.py
 * with SW_TEST_PG=1 on PostgreSQL. Every check holds on both (the parity
 * of store_pg_items.c with store_sqlite_items.c).
 */
#include <check.h>
#include <libpq-fe.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"
#include "daemon/store.h"
#include "tests/unit/testutil.h"

static char *location;

static void setup(void)
{
	location = testutil_store_fresh();
}

static void teardown(void)
{
	testutil_store_done(location);
	location = NULL;
}

static struct store *open_ok(void)
{
	char err[512];
	struct store *st = store_open(location, err, sizeof(err));

	ck_assert_msg(st != NULL, "store_open: %s", err);
	return st;
}

/* An item of source src at url, text text, first seen at seen. Strings borrowed. */
static int64_t put_item(struct store *st, const char *src, const char *url, const char *title,
			const char *text, double seen)
{
	struct store_item it;
	int64_t id;

	memset(&it, 0, sizeof(it));
	it.source_id = xstrdup(src);
	it.url = xstrdup(url);
	it.norm_url = xstrdup(url);
	it.title = xstrdup(title);
	it.text = text ? xstrdup(text) : NULL;
	it.first_seen = it.last_seen = it.last_checked = seen;
	ck_assert_msg(store_item_put(st, &it) == 0, "%s", store_error(st));
	ck_assert_int_gt(it.id, 0);
	id = it.id;
	store_item_clear(&it);
	return id;
}

/* The item of src at url, which must exist; caller clears it. */
static void find_ok(struct store *st, const char *src, const char *url, struct store_item *got)
{
	ck_assert_msg(store_item_find(st, src, url, NULL, got) == 1, "%s %s: %s", src, url,
		      store_error(st));
}

static unsigned long commits_of(struct store *st)
{
	struct store_info info;

	ck_assert_int_eq(store_info(st, &info), 0);
	return info.commits;
}

START_TEST(reopen_keeps_source_state)
{
	struct store *st = open_ok();
	struct store_source s, got;
	char **ids;
	size_t n;

	memset(&s, 0, sizeof(s));
	s.etag = xstrdup("\"abc\"");
	s.last_modified = xstrdup("Thu, 24 Oct 2019 06:06:00 GMT");
	s.last_poll = 1700000000.5;
	s.last_status = 200;
	s.last_result = xstrdup("ok");
	s.items = 12;
	s.next_due = 1700000600.25;
	s.failing = 1;
	s.last_new = 3;
	s.last_changed = 4;
	s.suspect_polls = 5;
	s.suspect_items = 6;
	s.structure = xstrdup("{\"items\":\"//li\"}");
	ck_assert_int_eq(store_begin(st), 0);
	ck_assert_int_eq(store_source_put(st, "mfa-en", "http://127.0.0.1/x", &s), 0);
	ck_assert_int_eq(store_commit(st), 0);
	store_source_clear(&s);
	store_close(st);

	st = open_ok();
	ck_assert_int_eq(store_source_get(st, "mfa-en", &got), 1);
	ck_assert_str_eq(got.etag, "\"abc\"");
	ck_assert_str_eq(got.last_modified, "Thu, 24 Oct 2019 06:06:00 GMT");
	ck_assert_str_eq(got.last_result, "ok");
	ck_assert_ptr_null(got.last_error);
	ck_assert_int_eq(got.items, 12);
	ck_assert_int_eq(got.last_status, 200);
	ck_assert(got.last_poll == 1700000000.5);
	ck_assert(got.next_due == 1700000600.25);
	ck_assert_int_eq(got.failing, 1);
	ck_assert_int_eq(got.last_new + got.last_changed * 10 + got.suspect_polls * 100 +
			     got.suspect_items * 1000,
			 6543);
	ck_assert_str_eq(got.structure, "{\"items\":\"//li\"}");
	ck_assert_ptr_null(got.suggestion);
	store_source_clear(&got);
	ck_assert_int_eq(store_source_get(st, "absent", &got), 0);
	ck_assert_int_eq(store_source_ids(st, &ids, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(ids[0], "mfa-en");
	free(ids[0]);
	free(ids);
	store_close(st);
}
END_TEST

/* A second put of a source replaces every column of its one row, NULLs included. */
START_TEST(a_source_put_again_is_replaced_whole)
{
	struct store *st = open_ok();
	struct store_source s, got;
	struct store_source *all;
	size_t n;

	memset(&s, 0, sizeof(s));
	s.etag = xstrdup("\"v1\"");
	s.last_error = xstrdup("timeout");
	s.failures = 3;
	ck_assert_int_eq(store_source_put(st, "src", "http://a/", &s), 0);
	store_source_clear(&s);
	memset(&s, 0, sizeof(s));
	s.last_result = xstrdup("ok");
	s.suggestion = xstrdup("{\"items\":\"//article\"}");
	ck_assert_int_eq(store_source_put(st, "src", "http://b/", &s), 0);
	store_source_clear(&s);
	ck_assert_int_eq(store_source_get(st, "src", &got), 1);
	ck_assert_ptr_null(got.etag);
	ck_assert_ptr_null(got.last_error);
	ck_assert_int_eq(got.failures, 0);
	ck_assert_str_eq(got.last_result, "ok");
	ck_assert_str_eq(got.suggestion, "{\"items\":\"//article\"}");
	store_source_clear(&got);
	ck_assert_int_eq(store_sources_all(st, &all, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(all[0].url, "http://b/");
	store_source_clear(&all[0]);
	free(all);
	store_close(st);
}
END_TEST

/* Source ids come back in byte order (SQLite's), whatever the database's collation says. */
START_TEST(sources_are_listed_in_byte_order)
{
	struct store *st = open_ok();
	const char *put[] = {"b", "a_x", "B", "a-x", "a", "ä"};
	const char *want[] = {"B", "a", "a-x", "a_x", "b", "ä"};
	struct store_source *all;
	char **ids;
	size_t n;

	for (size_t i = 0; i < 6; i++)
		ck_assert_int_eq(
		    store_source_put(st, put[i], "http://x/", &(struct store_source){0}), 0);
	put_item(st, "a", "http://a/1", "One", NULL, 1);
	put_item(st, "a", "http://a/2", "Two", NULL, 2);
	ck_assert_int_eq(store_source_ids(st, &ids, &n), 0);
	ck_assert_uint_eq(n, 6);
	for (size_t i = 0; i < n; i++) {
		ck_assert_str_eq(ids[i], want[i]);
		free(ids[i]);
	}
	free(ids);
	ck_assert_int_eq(store_sources_all(st, &all, &n), 0);
	ck_assert_uint_eq(n, 6);
	for (size_t i = 0; i < n; i++) {
		ck_assert_str_eq(all[i].id, want[i]);
		ck_assert_int_eq(all[i].stored_items, i == 1 ? 2 : 0);
		ck_assert_int_eq(all[i].duplicates, 0);
		store_source_clear(&all[i]);
	}
	free(all);
	store_close(st);
}
END_TEST

START_TEST(rollback_discards_the_transaction)
{
	struct store *st = open_ok();
	struct store_source s, got;

	memset(&s, 0, sizeof(s));
	s.items = 5;
	ck_assert_int_eq(store_begin(st), 0);
	ck_assert_int_eq(store_source_put(st, "a", "http://a/", &s), 0);
	store_rollback(st);
	ck_assert_int_eq(store_source_get(st, "a", &got), 0);
	store_close(st);
}
END_TEST

/* An item written in a transaction is kept by its commit and lost by its rollback. */
START_TEST(an_item_commits_or_rolls_back_with_its_transaction)
{
	struct store *st = open_ok();
	struct store_item got;

	ck_assert_int_eq(store_begin(st), 0);
	put_item(st, "src", "http://a/1", "One", "text one", 100);
	store_rollback(st);
	ck_assert_int_eq(store_item_find(st, "src", "http://a/1", NULL, &got), 0);

	ck_assert_int_eq(store_begin(st), 0);
	put_item(st, "src", "http://a/1", "One", "text one", 100);
	ck_assert_int_eq(store_commit(st), 0);
	store_close(st);

	st = open_ok(); /* what a restart sees */
	find_ok(st, "src", "http://a/1", &got);
	ck_assert_str_eq(got.title, "One");
	ck_assert_str_eq(got.text, "text one");
	store_item_clear(&got);
	store_close(st);
}
END_TEST

/* An item of src with this publication day (or none), first seen at seen, with a text. */
static void put_dated(struct store *st, const char *url, const char *published, double seen)
{
	struct store_item it;

	memset(&it, 0, sizeof(it));
	it.source_id = xstrdup("src");
	it.url = xstrdup(url);
	it.norm_url = xstrdup(url);
	it.published = published ? xstrdup(published) : NULL;
	it.text = xstrdup("text");
	it.first_seen = it.last_seen = seen;
	ck_assert_msg(store_item_put(st, &it) == 0, "%s", store_error(st));
	store_item_clear(&it);
}

static double text_newest(struct store *st, const char *src)
{
	double when = -1;

	ck_assert_msg(store_items_text_newest(st, src, &when) == 0, "%s", store_error(st));
	return when;
}

START_TEST(text_newest_is_the_latest_publication_or_sighting)
{
	struct store *st = open_ok();
	double when;

	ck_assert(text_newest(st, "src") == 0);
	put_dated(st, "http://a/1", "2019-10-24", 100);		  /* 1571875200 */
	put_dated(st, "http://a/2", "2019-10-20T08:00:00Z", 200); /* older */
	when = text_newest(st, "src");
	ck_assert_msg(when == 1571875200.0, "%f", when);
	put_dated(st, "http://a/3", NULL, 1600000000.0); /* no date: its first sighting */
	put_item(st, "src", "http://a/notext", "x", NULL, 1700000000.0);
	when = text_newest(st, "src");
	ck_assert_msg(when == 1600000000.0, "%f", when);
	ck_assert(text_newest(st, "other") == 0);
	store_close(st);
}
END_TEST

/*
 * Dates a list may carry that are not YYYY-MM-DD count as no date (the
 * item's first sighting) and never fail the query; a day past the month's
 * end runs into the next month, as SQLite reads it.
 */
START_TEST(a_malformed_date_is_no_date)
{
	struct store *st = open_ok();
	const char *bad[] = {"yesterday",  "2019-13-01",       "2019-00-10",
			     "24/10/2019", "2019-1-2",	       "2019-10-2",
			     "",	   "2019-10-\xd0\x96", " 2019-10-24"};
	struct list_items li;
	double when;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char url[64];

		snprintf(url, sizeof(url), "http://a/bad%zu", i);
		put_dated(st, url, bad[i], 1000.0 + (double)i);
	}
	when = text_newest(st, "src");
	ck_assert_msg(when == 1008.0, "%f", when);
	put_dated(st, "http://a/overflow", "2019-02-31", 10); /* 2019-03-03 */
	when = text_newest(st, "src");
	ck_assert_msg(when == 1551571200.0, "%f", when);
	put_dated(st, "http://a/stamp", "2024-05-06T07:08:09+02:00", 10);
	when = text_newest(st, "src");
	ck_assert_msg(when == 1714953600.0, "%f", when);
	/* the archive walk orders them as text: none of them fails it */
	ck_assert_int_eq(store_items_unread(st, "src", 100, 100, &li), 0);
	ck_assert_uint_eq(li.n, 0); /* all have a text */
	list_items_free(&li);
	store_close(st);
}
END_TEST

START_TEST(recheck_candidates_have_text_and_are_newest_first)
{
	struct store *st = open_ok();
	struct list_items li;
	struct store_item late;

	put_item(st, "src", "http://a/old", "Old", "t", 100);
	put_item(st, "src", "http://a/mid", "Mid", "t", 200);
	put_item(st, "src", "http://a/new", "New", "t", 300);
	put_item(st, "src", "http://a/notext", "No text", NULL, 400);
	put_item(st, "other", "http://b/1", "Other", "t", 500);
	find_ok(st, "src", "http://a/new", &late);
	late.last_checked = 1000; /* checked after the cut-off */
	ck_assert_int_eq(store_item_put(st, &late), 0);
	store_item_clear(&late);
	ck_assert_int_eq(store_items_to_recheck(st, "src", 900, 10, &li), 0);
	ck_assert_uint_eq(li.n, 2);
	ck_assert_str_eq(li.v[0].url, "http://a/mid");
	ck_assert_str_eq(li.v[0].title, "Mid");
	ck_assert_str_eq(li.v[1].url, "http://a/old");
	list_items_free(&li);
	ck_assert_int_eq(store_items_to_recheck(st, "src", 900, 1, &li), 0);
	ck_assert_uint_eq(li.n, 1);
	ck_assert_str_eq(li.v[0].url, "http://a/mid");
	list_items_free(&li);
	/* the same first sighting: in the order stored; no limit at all */
	put_item(st, "src", "http://a/twin1", "T1", "t", 250);
	put_item(st, "src", "http://a/twin2", "T2", "t", 250);
	ck_assert_int_eq(store_items_to_recheck(st, "src", 900, SIZE_MAX, &li), 0);
	ck_assert_uint_eq(li.n, 4);
	ck_assert_str_eq(li.v[0].url, "http://a/twin1");
	ck_assert_str_eq(li.v[1].url, "http://a/twin2");
	list_items_free(&li);
	store_close(st);
}
END_TEST

/* An item of src recorded by a poll: dated or not, with or without a text, fetched or not. */
static void put_listed(struct store *st, const char *url, const char *published, int text,
		       double fetched)
{
	struct store_item it;

	memset(&it, 0, sizeof(it));
	it.source_id = xstrdup("src");
	it.url = xstrdup(url);
	it.norm_url = xstrdup(url);
	it.published = published ? xstrdup(published) : NULL;
	it.text = text ? xstrdup("text") : NULL;
	it.fetched_at = fetched;
	it.first_seen = it.last_seen = 100;
	ck_assert_msg(store_item_put(st, &it) == 0, "%s", store_error(st));
	store_item_clear(&it);
}

START_TEST(unread_archive_is_the_newest_never_fetched)
{
	struct store *st = open_ok();
	struct list_items li;

	put_listed(st, "http://a/undated1", NULL, 0, 0);
	put_listed(st, "http://a/old", "2020-01-01", 0, 0);
	put_listed(st, "http://a/read", "2024-03-01", 1, 50);
	put_listed(st, "http://a/pruned", "2024-02-01", 0, 50); /* retention dropped its text */
	put_listed(st, "http://a/new", "2024-01-01", 0, 0);
	put_listed(st, "http://a/undated2", NULL, 0, 0);
	put_item(st, "other", "http://b/1", "Other", NULL, 100);
	/* the four newest: read, pruned, new, old; of them, two were never fetched */
	ck_assert_int_eq(store_items_unread(st, "src", 4, 10, &li), 0);
	ck_assert_uint_eq(li.n, 2);
	ck_assert_str_eq(li.v[0].url, "http://a/new");
	ck_assert_str_eq(li.v[0].date, "2024-01-01");
	ck_assert_str_eq(li.v[1].url, "http://a/old");
	list_items_free(&li);
	/* undated items come after dated ones, in the order first stored */
	ck_assert_int_eq(store_items_unread(st, "src", 100, 3, &li), 0);
	ck_assert_uint_eq(li.n, 3);
	ck_assert_str_eq(li.v[2].url, "http://a/undated1");
	ck_assert_ptr_null(li.v[2].date);
	list_items_free(&li);
	ck_assert_int_eq(store_items_unread(st, "src", SIZE_MAX, SIZE_MAX, &li), 0);
	ck_assert_uint_eq(li.n, 4);
	ck_assert_str_eq(li.v[3].url, "http://a/undated2");
	list_items_free(&li);
	ck_assert_int_eq(store_items_unread(st, "nobody", 100, 3, &li), 0);
	ck_assert_uint_eq(li.n, 0);
	store_close(st);
}
END_TEST

/*
 * Dates are compared as text, byte by byte, as SQLite does: a date that is
 * not ISO 8601 sorts by its characters rather than failing or moving.
 */
START_TEST(unread_dates_sort_as_bytes)
{
	struct store *st = open_ok();
	const char *put[] = {"2024-01-01", "Mon, 1 Jan", "2024-01-01T10:00", "2023-12-31", "mon"};
	const char *want[] = {"mon", "Mon, 1 Jan", "2024-01-01T10:00", "2024-01-01", "2023-12-31"};
	struct list_items li;

	for (size_t i = 0; i < 5; i++) {
		char url[64];

		snprintf(url, sizeof(url), "http://a/%zu", i);
		put_listed(st, url, put[i], 0, 0);
	}
	ck_assert_int_eq(store_items_unread(st, "src", 10, 10, &li), 0);
	ck_assert_uint_eq(li.n, 5);
	for (size_t i = 0; i < 5; i++)
		ck_assert_str_eq(li.v[i].date, want[i]);
	list_items_free(&li);
	store_close(st);
}
END_TEST

START_TEST(items_found_by_guid_or_url_and_seen_elsewhere)
{
	struct store *st = open_ok();
	struct store_item it, got;

	memset(&it, 0, sizeof(it));
	it.source_id = xstrdup("src");
	it.url = xstrdup("http://a/1?utm=x");
	it.norm_url = xstrdup("http://a/1");
	it.guid = xstrdup("tag:a,1");
	it.text_sha256 = xstrdup("abc123");
	it.raw_z = xmalloc(3);
	memcpy(it.raw_z, "\0\1\2", 3);
	it.raw_z_len = 3;
	ck_assert_int_eq(store_item_put(st, &it), 0);
	ck_assert_int_eq(store_item_find(st, "src", "http://elsewhere/", "tag:a,1", &got), 1);
	ck_assert(got.id == it.id);
	ck_assert_uint_eq(got.raw_z_len, 3);
	ck_assert_int_eq(memcmp(got.raw_z, "\0\1\2", 3), 0);
	store_item_clear(&got);
	ck_assert_int_eq(store_item_find(st, "src", "http://a/1?utm=x", "tag:other", &got), 1);
	store_item_clear(&got);
	ck_assert_int_eq(store_item_find(st, "src", NULL, "tag:other", &got), 0);
	ck_assert_int_eq(store_item_find(st, "other", "http://a/1?utm=x", NULL, &got), 0);
	/* itself is not "elsewhere"; the same page via another URL or source is */
	ck_assert_int_eq(
	    store_item_seen_elsewhere(st, "src", "http://a/1?utm=x", "http://a/1", NULL), 0);
	ck_assert_int_eq(store_item_seen_elsewhere(st, "other", "http://a/1", "http://a/1", NULL),
			 1);
	ck_assert_int_eq(store_item_seen_elsewhere(st, "other", "http://z/", "http://z/", "abc123"),
			 1);
	ck_assert_int_eq(store_item_seen_elsewhere(st, "src", "http://z/", "http://z/", "abc123"),
			 0);
	store_item_clear(&it);
	store_close(st);
}
END_TEST

/*
 * The same text under another URL of the same source is found (the oldest
 * such item), not the item itself nor another source's; status counts the
 * later copies of a text of enough words.
 */
START_TEST(same_text_on_the_same_source_is_found_and_counted)
{
	struct store *st = open_ok();
	struct store_source *all;
	size_t n;
	struct store_item old;
	const char *urls[] = {"http://a/1", "http://a/2", "http://a/3", "http://a/short1",
			      "http://a/short2"};

	for (size_t i = 0; i < 5; i++) {
		struct store_item it;

		memset(&it, 0, sizeof(it));
		it.source_id = xstrdup("src");
		it.url = xstrdup(urls[i]);
		it.norm_url = xstrdup(urls[i]);
		it.title = xasprintf("Title %zu", i);
		it.text_sha256 = xstrdup(i < 3 ? "same" : "short");
		it.words = i < 3 ? 100 : 2;
		ck_assert_int_eq(store_item_put(st, &it), 0);
		store_item_clear(&it);
	}
	put_item(st, "other", "http://o/1", "Other", NULL, 1); /* the same text elsewhere */
	ck_assert_int_eq(store_source_put(st, "src", "http://a/", &(struct store_source){0}), 0);
	ck_assert_int_eq(store_item_same_text(st, "src", "http://a/new", "same", &old), 1);
	ck_assert_str_eq(old.url, "http://a/1");
	ck_assert_str_eq(old.title, "Title 0");
	ck_assert(old.id > 0);
	store_item_clear(&old);
	ck_assert_int_eq(store_item_same_text(st, "src", "http://a/1", "same", &old), 1);
	ck_assert_str_eq(old.url, "http://a/2"); /* not itself */
	store_item_clear(&old);
	ck_assert_int_eq(store_item_same_text(st, "other", "http://a/new", "same", &old), 0);
	ck_assert_ptr_null(old.url);
	ck_assert_int_eq(store_item_same_text(st, "src", "http://a/new", "nothing", NULL), 0);
	ck_assert_int_eq(store_sources_all(st, &all, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(all[0].stored_items, 5);
	ck_assert_int_eq(all[0].duplicates, 2); /* a/2 and a/3; short texts are no identity */
	store_source_clear(&all[0]);
	free(all);
	store_close(st);
}
END_TEST

/*
 * An item recorded without a text is found by its exact title and date under
 * another URL of the same source; one with a text, or another date, is not.
 */
START_TEST(an_unread_item_is_found_by_title_and_date)
{
	struct store *st = open_ok();
	struct store_item it, old;

	put_item(st, "src", "http://a/unread", "Remarks", NULL, 100);
	put_item(st, "src", "http://a/read", "Read", "text", 100);
	find_ok(st, "src", "http://a/unread", &it);
	it.published = xstrdup("2020-01-02");
	ck_assert_int_eq(store_item_put(st, &it), 0);
	store_item_clear(&it);
	find_ok(st, "src", "http://a/read", &it);
	it.published = xstrdup("2020-01-02");
	ck_assert_int_eq(store_item_put(st, &it), 0);
	store_item_clear(&it);
	ck_assert_int_eq(
	    store_item_same_listing(st, "src", "http://b/1", "Remarks", "2020-01-02", &old), 1);
	ck_assert_str_eq(old.url, "http://a/unread");
	ck_assert_str_eq(old.title, "Remarks");
	store_item_clear(&old);
	ck_assert_int_eq(
	    store_item_same_listing(st, "src", "http://b/1", "Remarks", "2020-01-03", &old), 0);
	ck_assert_int_eq(
	    store_item_same_listing(st, "src", "http://a/unread", "Remarks", "2020-01-02", &old),
	    0); /* not itself */
	ck_assert_int_eq(
	    store_item_same_listing(st, "src", "http://b/2", "Read", "2020-01-02", &old),
	    0); /* its text decides */
	ck_assert_int_eq(
	    store_item_same_listing(st, "other", "http://b/1", "Remarks", "2020-01-02", &old), 0);
	store_close(st);
}
END_TEST

/*
 * A poll's lookups share one snapshot: a write committed meanwhile through
 * another handle is not seen until the snapshot ends, and reading counts
 * no commit.
 */
START_TEST(lookups_in_one_snapshot)
{
	struct store *st = open_ok(), *other = open_ok();
	struct store_item got;
	unsigned long commits;

	put_item(st, "src", "http://a/1", "one", NULL, 1.0);
	commits = commits_of(st);
	ck_assert_int_eq(store_read_begin(st), 0);
	find_ok(st, "src", "http://a/1", &got);
	store_item_clear(&got);
	put_item(other, "src", "http://a/2", "two", NULL, 2.0);
	ck_assert_int_eq(store_item_find(st, "src", "http://a/2", NULL, &got), 0);
	store_read_end(st);
	find_ok(st, "src", "http://a/2", &got);
	store_item_clear(&got);
	ck_assert_uint_eq(commits_of(st), commits);
	ck_assert_int_eq(store_read_begin(st), 0);
	store_read_end(st);
	store_read_end(st);
	put_item(st, "src", "http://a/3", "three", NULL, 3.0);
	store_close(other);
	store_close(st);
}
END_TEST

/* Every byte value, NUL first and in the middle, comes back as written. */
START_TEST(raw_bytes_round_trip_exactly)
{
	struct store *st = open_ok();
	struct store_item it, got;
	unsigned char bytes[600];

	for (size_t i = 0; i < sizeof(bytes); i++)
		bytes[i] = (unsigned char)((i * 7) % 256);
	bytes[300] = '\\';
	memset(&it, 0, sizeof(it));
	it.source_id = xstrdup("src");
	it.url = xstrdup("http://a/raw");
	it.norm_url = xstrdup("http://a/raw");
	it.raw_z = xmalloc(sizeof(bytes));
	memcpy(it.raw_z, bytes, sizeof(bytes));
	it.raw_z_len = sizeof(bytes);
	ck_assert_int_eq(store_item_put(st, &it), 0);
	find_ok(st, "src", "http://a/raw", &got);
	ck_assert_uint_eq(got.raw_z_len, sizeof(bytes));
	ck_assert_int_eq(memcmp(got.raw_z, bytes, sizeof(bytes)), 0);
	store_item_clear(&got);
	/* rewritten shorter, then dropped: the row follows */
	it.raw_z_len = 1;
	ck_assert_int_eq(store_item_put(st, &it), 0);
	find_ok(st, "src", "http://a/raw", &got);
	ck_assert_uint_eq(got.raw_z_len, 1);
	ck_assert_int_eq(got.raw_z[0], 0);
	store_item_clear(&got);
	free(it.raw_z);
	it.raw_z = NULL;
	it.raw_z_len = 0;
	ck_assert_int_eq(store_item_put(st, &it), 0);
	find_ok(st, "src", "http://a/raw", &got);
	ck_assert_ptr_null(got.raw_z);
	ck_assert_uint_eq(got.raw_z_len, 0);
	store_item_clear(&got);
	store_item_clear(&it);
	store_close(st);
}
END_TEST

/* Quotes, backslashes, percent signs and UTF-8 are values, never SQL. */
START_TEST(awkward_strings_round_trip)
{
	static const char *const odd[] = {"it's \"quoted\"", "back\\slash \\x00 \\\\",
					  "$1 $$ %s %%", "Заявление МИД — 外交部",
					  "'); DROP TABLE items; --"};
	struct store *st = open_ok();
	struct store_source s, got;

	for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
		char url[64];
		struct store_item it, back;

		snprintf(url, sizeof(url), "http://a/%zu", i);
		memset(&it, 0, sizeof(it));
		it.source_id = xstrdup(odd[i]);
		it.url = xstrdup(url);
		it.norm_url = xstrdup(url);
		it.guid = xstrdup(odd[i]);
		it.title = xstrdup(odd[i]);
		it.text = xstrdup(odd[i]);
		it.language = xstrdup("ru");
		ck_assert_int_eq(store_item_put(st, &it), 0);
		ck_assert_int_eq(store_item_find(st, odd[i], NULL, odd[i], &back), 1);
		ck_assert_str_eq(back.title, odd[i]);
		ck_assert_str_eq(back.text, odd[i]);
		ck_assert_str_eq(back.source_id, odd[i]);
		store_item_clear(&back);
		store_item_clear(&it);
	}
	memset(&s, 0, sizeof(s));
	s.last_error = xstrdup(odd[1]);
	s.structure = xstrdup(odd[3]);
	ck_assert_int_eq(store_source_put(st, odd[0], odd[4], &s), 0);
	store_source_clear(&s);
	ck_assert_int_eq(store_source_get(st, odd[0], &got), 1);
	ck_assert_str_eq(got.last_error, odd[1]);
	ck_assert_str_eq(got.structure, odd[3]);
	store_source_clear(&got);
	store_close(st);
}
END_TEST

/*
 * Bytes that are not UTF-8 (a Latin-1 ETag, a mis-declared title) do not
 * fail the write: SQLite keeps them as they are, PostgreSQL (which refuses
 * them) as U+FFFD; a lookup by such a URL finds the row either way.
 */
START_TEST(text_that_is_not_utf8_is_still_written)
{
	struct store *st = open_ok();
	const char *url = "http://a/caf\xe9?q=\xff";
	struct store_source s, got;
	struct store_item it, back;

	memset(&s, 0, sizeof(s));
	s.etag = xstrdup("\"\xe9t\xe9\"");
	s.last_modified = xstrdup("Thu, 24 Oct 2019 06:06:00 GMT");
	ck_assert_msg(store_source_put(st, "src", "http://a/", &s) == 0, "%s", store_error(st));
	store_source_clear(&s);
	ck_assert_int_eq(store_source_get(st, "src", &got), 1);
	ck_assert_str_eq(got.etag, testutil_store_is_pg() ? "\"\xef\xbf\xbdt\xef\xbf\xbd\""
							  : "\"\xe9t\xe9\"");
	store_source_clear(&got);
	memset(&it, 0, sizeof(it));
	it.source_id = xstrdup("src");
	it.url = xstrdup(url);
	it.norm_url = xstrdup(url);
	it.title = xstrdup("Caf\xe9 \xd0\x96 \xed\xa0\x80 \xc0\xaf end\xe2\x82");
	it.etag = xstrdup("W/\"\x80\"");
	ck_assert_msg(store_item_put(st, &it) == 0, "%s", store_error(st));
	ck_assert_int_eq(store_item_put(st, &it), 0); /* the update too */
	ck_assert_msg(store_item_find(st, "src", url, NULL, &back) == 1, "%s", store_error(st));
	ck_assert(back.id == it.id);
	if (testutil_store_is_pg())
		ck_assert_str_eq(back.title, "Caf\xef\xbf\xbd \xd0\x96 \xef\xbf\xbd\xef\xbf\xbd"
					     "\xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd end\xef\xbf\xbd"
					     "\xef\xbf\xbd");
	else
		ck_assert_str_eq(back.title, it.title);
	store_item_clear(&back);
	ck_assert_int_eq(store_item_seen_elsewhere(st, "other", url, url, NULL), 1);
	store_item_clear(&it);
	store_close(st);
}
END_TEST

/* A touch moves only the last sighting; themes are written beside the item. */
START_TEST(touch_and_themes_write_their_columns)
{
	struct store *st = open_ok();
	int64_t id = put_item(st, "src", "http://a/1", "One", "text", 100);
	struct store_item got;

	ck_assert_int_eq(store_item_touch(st, id, 12345.5), 0);
	ck_assert_int_eq(store_item_set_themes(st, id, "trade,energy", "{\"trade\":0.5}"), 0);
	find_ok(st, "src", "http://a/1", &got);
	ck_assert(got.last_seen == 12345.5);
	ck_assert(got.first_seen == 100);
	ck_assert(got.last_checked == 100);
	ck_assert_str_eq(got.text, "text");
	store_item_clear(&got);
	store_close(st);
}
END_TEST

/* The versions kept of item id, read from PostgreSQL's table directly. */
static void check_pg_versions(int64_t id)
{
	PGconn *c = PQconnectdb("");
	char idtext[32];
	const char *p[] = {idtext};
	PGresult *r;

	ck_assert_msg(PQstatus(c) == CONNECTION_OK, "%s", PQerrorMessage(c));
	snprintf(idtext, sizeof(idtext), "%lld", (long long)id);
	r = PQexecParams(c,
			 "SELECT version, title, text, text_sha256, since, replaced"
			 " FROM item_versions WHERE item_id = $1 ORDER BY version",
			 1, NULL, p, NULL, NULL, 0);
	ck_assert_msg(PQresultStatus(r) == PGRES_TUPLES_OK, "%s", PQresultErrorMessage(r));
	ck_assert_int_eq(PQntuples(r), 1);
	ck_assert_str_eq(PQgetvalue(r, 0, 0), "1");
	ck_assert_str_eq(PQgetvalue(r, 0, 1), "First");
	ck_assert_str_eq(PQgetvalue(r, 0, 2), "one");
	ck_assert_str_eq(PQgetvalue(r, 0, 3), "h1");
	ck_assert_str_eq(PQgetvalue(r, 0, 4), "100");
	ck_assert_str_eq(PQgetvalue(r, 0, 5), "200");
	PQclear(r);
	PQfinish(c);
}

/*
 * Replacing a text keeps the one before (the trigger, in the same
 * transaction); a rewrite with the same text keeps nothing more.
 */
START_TEST(item_versions_are_kept_by_the_trigger)
{
	struct store *st = open_ok();
	int64_t id = put_item(st, "src", "http://a/1", "First", "one", 100);
	struct store_item it;
	struct store_statement s;
	int rc;

	find_ok(st, "src", "http://a/1", &it);
	it.text_sha256 = xstrdup("h1");
	ck_assert_int_eq(store_item_put(st, &it), 0);
	free(it.text_sha256);
	free(it.text);
	free(it.title);
	it.text_sha256 = xstrdup("h2");
	it.text = xstrdup("two");
	it.title = xstrdup("Second");
	it.fetched_at = 200;
	ck_assert_int_eq(store_item_put(st, &it), 0);
	ck_assert_int_eq(store_item_put(st, &it), 0); /* the same text again */
	store_item_clear(&it);
	rc = store_statement_get(st, id, &s);
	if (rc < 0 && testutil_store_is_pg()) {
		/* store_pg_read.c (another branch) is not here yet: the table itself */
		check_pg_versions(id);
		store_close(st);
		return;
	}
	ck_assert_msg(rc == 1, "%s", store_error(st));
	ck_assert_uint_eq(s.nversions, 2);
	ck_assert_str_eq(s.version[0].title, "First");
	ck_assert_str_eq(s.version[0].text, "one");
	ck_assert_str_eq(s.version[0].text_sha256, "h1");
	ck_assert(s.version[0].since == 100);
	ck_assert_str_eq(s.version[1].text, "two");
	ck_assert(s.version[1].since == 200);
	store_statement_clear(&s);
	store_close(st);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("store_pg_items");
	TCase *tc = tcase_create("sources and items");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, reopen_keeps_source_state);
	tcase_add_test(tc, a_source_put_again_is_replaced_whole);
	tcase_add_test(tc, sources_are_listed_in_byte_order);
	tcase_add_test(tc, rollback_discards_the_transaction);
	tcase_add_test(tc, an_item_commits_or_rolls_back_with_its_transaction);
	tcase_add_test(tc, text_newest_is_the_latest_publication_or_sighting);
	tcase_add_test(tc, a_malformed_date_is_no_date);
	tcase_add_test(tc, recheck_candidates_have_text_and_are_newest_first);
	tcase_add_test(tc, unread_archive_is_the_newest_never_fetched);
	tcase_add_test(tc, unread_dates_sort_as_bytes);
	tcase_add_test(tc, items_found_by_guid_or_url_and_seen_elsewhere);
	tcase_add_test(tc, same_text_on_the_same_source_is_found_and_counted);
	tcase_add_test(tc, an_unread_item_is_found_by_title_and_date);
	tcase_add_test(tc, lookups_in_one_snapshot);
	tcase_add_test(tc, raw_bytes_round_trip_exactly);
	tcase_add_test(tc, awkward_strings_round_trip);
	tcase_add_test(tc, text_that_is_not_utf8_is_still_written);
	tcase_add_test(tc, touch_and_themes_write_their_columns);
	tcase_add_test(tc, item_versions_are_kept_by_the_trigger);
	suite_add_tcase(s, tc);
	return testutil_run(s);
}
