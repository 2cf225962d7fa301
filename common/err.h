/*
 * common/err: the error buffer that library functions fill instead of
 * printing (style.md §7): a caller-owned char array and its size.
 */
#ifndef SW_ERR_H
#define SW_ERR_H

#include <stddef.h>

/* Formats into err (truncating); nothing when err is NULL or errlen is 0. */
void err_set(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
