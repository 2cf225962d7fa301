/*
 * tests/unit/testutil: what several unit tests need to find and read their
 * fixtures. Linked into every test program (Makefile).
 */
#ifndef SW_TESTUTIL_H
#define SW_TESTUTIL_H

#include <check.h>
#include <sys/types.h>
#include <stddef.h>

/*
 * ../shared as the runner sets it ($SW_SHARED), else "../shared" relative
 * to the current directory; NULL when it is not there (the caller prints
 * "skipped: ../shared not found").
 */
const char *testutil_shared_dir(void);

/* The repository root: $SW_ROOT, else the current directory. */
const char *testutil_root_dir(void);

/* The whole file, NUL-terminated (*len excludes the NUL); NULL if unreadable. */
char *testutil_slurp(const char *path, size_t *len);

/*
 * The path of tests/servers/NAME: under $SW_ROOT, else in the first folder
 * above the test binary that has it, else relative. Caller frees.
 */
char *testutil_server_script(const char *name);

/*
 * The port a test server wrote to its --port-file, waiting up to 10 s for
 * the file to appear; -1 when it never did.
 */
int testutil_read_port_file(const char *path);

/*
 * Starts python3 with argv (argv[0] the script's path, NULL-terminated) as
 * a test server: stdout (and stderr when quiet) to /dev/null, killed with
 * SIGTERM if the test dies. Returns its pid (asserts the fork).
 */
pid_t testutil_server_spawn(const char *const *argv, int quiet);

/* SIGTERM, up to 5 s to exit, then SIGKILL; reaps it and sets *pid to -1. */
void testutil_server_stop(pid_t *pid);

/*
 * A new, empty store location for one test. Under $SW_TEST_PG (set by
 * tests/e2e/test_store_pg.py, which runs the program under
 * tests/pgcluster.py) it is the cluster the PG* variables name,
 * "postgresql:", emptied first (its public schema dropped and made again);
 * otherwise a SQLite file in a new temporary directory. Caller frees it
 * with testutil_store_done, which removes that directory.
 */
char *testutil_store_fresh(void);
void testutil_store_done(char *location);
/* 1 when testutil_store_fresh gives PostgreSQL locations. */
int testutil_store_is_pg(void);

/* Runs every test of s (and frees it): EXIT_SUCCESS when none failed. */
int testutil_run(Suite *s);
/* A one-page PDF ("Hello world.", Title "Joint statement", a CreationDate); caller frees. */
char *testutil_tiny_pdf(size_t *len);

/* A fresh directory under /tmp (caller frees the name); testutil_rmtree removes it. */
char *testutil_tmpdir(void);
void testutil_rmtree(const char *dir);

/* Writes text to dir/speechwatch.conf and loads it; the test fails on any error. */
struct config;
struct config *testutil_config(const char *dir, const char *text);

/*
 * Runs loop until cond(arg) holds (checked at least every 10 ms); 0 when
 * timeout seconds pass first.
 */
struct ev_loop;
int testutil_loop_until(struct ev_loop *loop, int (*cond)(void *arg), void *arg, double timeout);

/*
 * A small HTTP/1.1 server on 127.0.0.1 inside the test's own loop: one
 * answer per path (404 for others), each request answered and closed.
 * Queued answers (testutil_http_push) are used once each, in order, before
 * the path's standing answer (testutil_http_set). Status 0 never answers:
 * the request hangs until the server is freed.
 */
struct testutil_http;
struct testutil_http *testutil_http_new(struct ev_loop *loop);
void testutil_http_free(struct testutil_http *s);
int testutil_http_port(const struct testutil_http *s);
/* headers: "Name: value\r\n" lines or NULL; body may be NULL. Strings are copied. */
void testutil_http_set(struct testutil_http *s, const char *path, int status, const char *headers,
		       const char *body);
void testutil_http_push(struct testutil_http *s, const char *path, int status, const char *headers,
			const char *body);
/* Answers every hanging request (status 0) with status now. */
void testutil_http_release(struct testutil_http *s, int status);
/* Requests received for path (NULL: for every path). */
size_t testutil_http_hits(const struct testutil_http *s, const char *path);
/* The raw text (head and body) of the last request received, or "". */
const char *testutil_http_last(const struct testutil_http *s);

#endif
