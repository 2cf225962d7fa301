/*
 * tests/unit/testutil: what several unit tests need to find and read their
 * fixtures. Linked into every test program (Makefile).
 */
#ifndef SW_TESTUTIL_H
#define SW_TESTUTIL_H

#include <check.h>
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

/* Runs every test of s (and frees it): EXIT_SUCCESS when none failed. */
int testutil_run(Suite *s);

#endif
