/*
 * common/parse: the value syntax config files share, so that config/ and
 * the notify backends' key tables read "10m", "yes" and "0.5" alike, and
 * the "did you mean" hint both give for a misspelt name. Pure functions.
 */
#ifndef SW_PARSE_H
#define SW_PARSE_H

#include <stddef.h>

/*
 * "90s", "10m" (or "10min"), "2h", "1d", "1.5h", plain seconds: digits with
 * an optional fraction, no sign, exponent or hex. Returns 0 and *out, or -1.
 */
int parse_duration(const char *s, double *out);

/* yes/no, true/false, on/off, 1/0 (any case). Returns 0 and *out (1 or 0), or -1. */
int parse_bool(const char *s, int *out);

/* A finite decimal number ("12", "-0.5") and nothing after it. Returns 0 and *out, or -1. */
int parse_number(const char *s, double *out);

/*
 * A decimal number at the start of s: DIGITS or DIGITS.DIGITS, signed when
 * sign_ok; no hex, exponent, "inf"/"nan" or leading blanks. Returns 0 with
 * *out and *end just after it, or -1.
 */
int parse_number_prefix(const char *s, int sign_ok, double *out, const char **end);

/* Levenshtein distance; (size_t)-1 when either is longer than 64 bytes. */
size_t parse_edit_distance(const char *a, const char *b);

/*
 * The name closest to word (at most 2 edits, and fewer edits than the
 * name's length), or NULL. names is a NULL-terminated sequence of string
 * pointers stride bytes apart (a plain array, or the name member of a
 * table of structs); empty names are skipped.
 */
const char *parse_nearest(const char *word, const char *const *names, size_t stride);

/* rel relative to the directory of file (rel itself when absolute); allocated. */
char *parse_path_relative(const char *file, const char *rel);

#endif
