/* The pure parts of daemon/pg_conn: backoff bounds, passwords kept out of messages. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/pg_conn.h"
#include "tests/unit/testutil.h"

START_TEST(backoff_doubles_from_min_to_cap)
{
	ck_assert_double_eq(pg_conn_backoff(0.5, 30, 0, 1), 0.5);
	ck_assert_double_eq(pg_conn_backoff(0.5, 30, 1, 1), 1);
	ck_assert_double_eq(pg_conn_backoff(0.5, 30, 5, 1), 16);
	ck_assert_double_eq(pg_conn_backoff(0.5, 30, 6, 1), 30);
	ck_assert_double_eq(pg_conn_backoff(0.5, 30, 64, 1), 30);
	ck_assert_double_eq(pg_conn_backoff(0.5, 30, 4000000000u, 0.5), 15);
	ck_assert_double_eq(pg_conn_backoff(0.5, 30, 3, 0), 0);
	ck_assert_double_eq(pg_conn_backoff(0.5, 30, 3, 0.25), 1);
}
END_TEST

static void redacts(const char *in, const char *want)
{
	char *out = pg_conn_redact(in);

	ck_assert_str_eq(out, want);
	free(out);
}

START_TEST(redact_passwords_of_every_form)
{
	redacts("host=db user=u password=secret dbname=x", "host=db user=u password=*** dbname=x");
	redacts("password = 'se cr\\'et' host=db", "password = *** host=db");
	redacts("host=db", "host=db");
	redacts("", "");
	redacts("postgresql://u:secret@db:5432/x", "postgresql://u:***@db:5432/x");
	redacts("postgres://u@db/x?password=secret&sslmode=require",
		"postgres://u@db/x?password=***&sslmode=require");
	redacts("postgresql://u:p%40ss@db/x?sslmode=disable&password=two",
		"postgresql://u:***@db/x?sslmode=disable&password=***");
	redacts("postgresql://db/x", "postgresql://db/x");
	/* libpq cannot parse these: the rest is hidden, whatever it holds */
	redacts("host=db password='secret", "host=db password=***");
	redacts("host=db password secret", "host=db ***");
}
END_TEST

static void scrubs(const char *text, const char *info, const char *want)
{
	char *out = pg_conn_scrub(text, info);

	ck_assert_str_eq(out, want);
	free(out);
}

START_TEST(scrub_removes_the_password_and_folds_lines)
{
	scrubs("end of string in URI: \"postgresql://u:secret@[::1/db\"\n",
	       "postgresql://u:secret@[::1/db",
	       "end of string in URI: \"postgresql://u:***@[::1/db\"");
	scrubs("connection to server failed:\n\tIs the server running?\n", "password=x",
	       "connection to server failed: Is the server running?");
	scrubs("a secret b secret", "password=secret", "a *** b ***");
	scrubs("plain", NULL, "plain");
	scrubs("", "password=secret", "");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("pg_conn_text");
	TCase *tc = tcase_create("pure");

	tcase_add_test(tc, backoff_doubles_from_min_to_cap);
	tcase_add_test(tc, redact_passwords_of_every_form);
	tcase_add_test(tc, scrub_removes_the_password_and_folds_lines);
	suite_add_tcase(s, tc);
	return testutil_run(s);
}
