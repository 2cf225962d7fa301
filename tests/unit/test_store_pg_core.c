/*
 * What every backend's transactions promise (daemon/store.h), run on
 * SQLite alone and on PostgreSQL under tests/e2e/test_store_pg.py: a
 * relaxed transaction is still one, a rollback discards, a copy (dry run)
 * never reaches the store it copies, read-only opens need a store.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/store.h"
#include "daemon/store_pg.h"
#include "tests/unit/testutil.h"

static char *loc;

static void setup(void)
{
	loc = testutil_store_fresh();
}

static void teardown(void)
{
	testutil_store_done(loc);
}

static struct store *open_ok(void)
{
	char err[512];
	struct store *st = store_open(loc, err, sizeof(err));

	ck_assert_msg(st != NULL, "%s", err);
	return st;
}

static int put(struct store *st, const char *id, double next_due)
{
	struct store_source s;

	memset(&s, 0, sizeof(s));
	s.next_due = next_due;
	return store_source_put(st, id, "http://example.org/", &s);
}

/* 1 with its next_due in *due when source id is stored, else 0. */
static int get(struct store *st, const char *id, double *due)
{
	struct store_source s;
	int rc = store_source_get(st, id, &s);

	*due = rc == 1 ? s.next_due : 0;
	store_source_clear(&s);
	return rc;
}

START_TEST(a_relaxed_transaction_commits_and_rolls_back)
{
	struct store *st = open_ok();
	double due;

	ck_assert_int_eq(store_begin_relaxed(st), 0);
	ck_assert_int_eq(put(st, "kept", 5), 0);
	ck_assert_int_eq(store_commit(st), 0);
	ck_assert_int_eq(store_begin_relaxed(st), 0);
	ck_assert_int_eq(put(st, "dropped", 6), 0);
	store_rollback(st);
	ck_assert_int_eq(get(st, "kept", &due), 1);
	ck_assert(due == 5);
	ck_assert_int_eq(get(st, "dropped", &due), 0);
	ck_assert_int_eq(store_begin(st), 0); /* and an ordinary one after it */
	ck_assert_int_eq(put(st, "later", 7), 0);
	ck_assert_int_eq(store_commit(st), 0);
	ck_assert_int_eq(get(st, "later", &due), 1);
	store_close(st);
}
END_TEST

/* The session's synchronous_commit inside the store's open transaction. */
static const char *sync_commit_now(struct store *st)
{
	static char v[32];
	PGresult *r = PQexec(store_pg_of(st)->conn, "SHOW synchronous_commit");

	snprintf(v, sizeof(v), "%s",
		 PQresultStatus(r) == PGRES_TUPLES_OK ? PQgetvalue(r, 0, 0) : "?");
	PQclear(r);
	return v;
}

/*
 * On a server run with synchronous_commit off (the tests' is), a
 * transaction that may write events still commits durably: an event the
 * outbox sent must survive a crash. Relaxed ones need not.
 */
START_TEST(an_ordinary_transaction_commits_durably_on_postgresql)
{
	struct store *st = open_ok();

	ck_assert_int_eq(store_begin(st), 0);
	ck_assert_str_eq(sync_commit_now(st), "on");
	store_rollback(st);
	ck_assert_int_eq(store_begin_relaxed(st), 0);
	ck_assert_str_eq(sync_commit_now(st), "off");
	store_rollback(st);
	store_close(st);
}
END_TEST

START_TEST(a_copy_keeps_its_writes_to_itself)
{
	struct store *st = open_ok(), *copy;
	char err[512];
	double due;

	ck_assert_int_eq(put(st, "before", 1), 0);
	store_close(st);
	copy = store_open_copy(loc, err, sizeof(err));
	ck_assert_msg(copy != NULL, "%s", err);
	store_rollback(copy); /* with nothing open: harmless */
	ck_assert_int_eq(get(copy, "before", &due), 1);
	ck_assert_int_eq(store_begin(copy), 0);
	ck_assert_int_eq(put(copy, "rolled-back", 2), 0);
	store_rollback(copy);
	ck_assert_int_eq(get(copy, "rolled-back", &due), 0);
	ck_assert_int_eq(store_commit(copy), -1); /* no transaction: refused, copy intact */
	ck_assert_int_eq(store_begin(copy), 0);
	ck_assert_int_eq(put(copy, "in-copy", 3), 0);
	ck_assert_int_eq(store_commit(copy), 0);
	ck_assert_int_eq(store_begin_relaxed(copy), 0);
	ck_assert_int_eq(put(copy, "relaxed", 4), 0);
	ck_assert_int_eq(store_commit(copy), 0);
	ck_assert_int_eq(get(copy, "in-copy", &due), 1);
	ck_assert_int_eq(get(copy, "relaxed", &due), 1);
	store_close(copy);
	st = open_ok();
	ck_assert_int_eq(get(st, "before", &due), 1);
	ck_assert_int_eq(get(st, "in-copy", &due), 0);
	ck_assert_int_eq(get(st, "relaxed", &due), 0);
	store_close(st);
}
END_TEST

START_TEST(read_only_needs_a_store_and_reads_it)
{
	char err[512];
	struct store *st;
	double due;

	ck_assert_int_eq(store_exists(loc), 0);
	ck_assert_ptr_null(store_open_readonly(loc, err, sizeof(err)));
	st = open_ok();
	ck_assert_int_eq(put(st, "a", 9), 0);
	store_close(st);
	ck_assert_int_eq(store_exists(loc), 1);
	st = store_open_readonly(loc, err, sizeof(err));
	ck_assert_msg(st != NULL, "%s", err);
	ck_assert_int_eq(get(st, "a", &due), 1);
	ck_assert_int_eq(put(st, "b", 1), -1); /* and writes nothing */
	store_close(st);
}
END_TEST

START_TEST(info_names_the_backend_and_version)
{
	struct store *st = open_ok();
	struct store_info info;

	ck_assert_int_eq(store_info(st, &info), 0);
	ck_assert_str_eq(info.backend, testutil_store_is_pg() ? "postgresql" : "sqlite");
	ck_assert_int_eq(info.schema_version, STORE_SCHEMA_VERSION);
	ck_assert_int_eq(store_verify(st), 0);
	if (testutil_store_is_pg())
		ck_assert_int_gt(info.round_trips, 0);
	store_close(st);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("store core");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, a_relaxed_transaction_commits_and_rolls_back);
	tcase_add_test(tc, a_copy_keeps_its_writes_to_itself);
	tcase_add_test(tc, read_only_needs_a_store_and_reads_it);
	tcase_add_test(tc, info_names_the_backend_and_version);
	if (testutil_store_is_pg())
		tcase_add_test(tc, an_ordinary_transaction_commits_durably_on_postgresql);
	suite_add_tcase(s, tc);
	return testutil_run(s);
}
