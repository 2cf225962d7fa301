/*
 * Dates as ministries and feeds write them -> ISO 8601 (see date.h).
 *
 * The text is cut into tokens (numbers in any of the common digit sets,
 * words case-folded with accents stripped, single symbols, CJK characters
 * one by one); a handful of patterns are tried at each token, and the
 * leftmost valid date wins. Only the first SCAN_BYTES of text are searched.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <utf8proc.h>

#include "analyze/page/date.h"
#include "analyze/page/date_int.h"
#include "analyze/utf8.h"
#include "common/xmalloc.h"

#define SCAN_BYTES 65536
#define WORD_MAX 24

enum tok_kind { T_NUM, T_WORD, T_SYM };

struct tok {
	enum tok_kind kind;
	int space;	     /* whitespace before this token */
	int digits;	     /* T_NUM */
	long value;	     /* T_NUM value (capped), T_SYM code point */
	char word[WORD_MAX]; /* T_WORD, folded; "" when too long */
	size_t off, end;     /* its bytes in the text: [off, end) */
};

struct toks {
	struct tok *v;
	size_t n, cap;
};

struct when {
	int y, m, d;
	int has_time, hh, mi, ss;
	int has_zone, off; /* minutes east of UTC */
	int zulu;	   /* written Z, UTC or GMT: printed "Z", else "+00:00" */
	size_t end;	   /* token after the match */
};

/* Zone names printed as "Z". */
static const char *const utc_names[] = {"z", "ut", "utc", "gmt"};

/* Words allowed between a day number and the month name, or after the day. */
static const char *const day_suffixes[] = {"st",  "nd", "rd", "th", "er", "re", "e",
					   "eme", "o",	"a",  "de", "of", "del"};

/* Words allowed between a date and its time. */
static const char *const time_links[] = {"t", "at", "a", "um", "в", "alle", "om", "kl", "o"};

static int lookup(const struct name_num *t, size_t n, const char *name, int *num)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(t[i].name, name) == 0) {
			*num = t[i].num;
			return 1;
		}
	}
	return 0;
}

static int in_list(const char *const *list, size_t n, const char *word)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i], word) == 0)
			return 1;
	return 0;
}

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* The digit value of cp in ASCII, Arabic-Indic, Persian, Devanagari or full-width forms. */
static int digit_value(int32_t cp)
{
	static const int32_t zeros[] = {'0', 0x0660, 0x06F0, 0x0966, 0xFF10};

	for (size_t i = 0; i < COUNT(zeros); i++)
		if (cp >= zeros[i] && cp <= zeros[i] + 9)
			return (int)(cp - zeros[i]);
	return -1;
}

static int is_space_cp(int32_t cp)
{
	return cp == ' ' || (cp >= 0x09 && cp <= 0x0D) || cp == 0xA0 || cp == 0x3000 ||
	       (cp >= 0x2000 && cp <= 0x200B) || cp == 0x202F || cp == 0x205F;
}

/* Letters that join into words; CJK and Hangul stand alone (年, 月, 일...). */
static int is_word_cp(int32_t cp)
{
	utf8proc_category_t c;

	if (cp < 0x80)
		return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
	if ((cp >= 0x2E80 && cp <= 0x9FFF) || (cp >= 0xAC00 && cp <= 0xD7AF) ||
	    (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0xFF00 && cp <= 0xFFEF))
		return 0;
	c = utf8proc_category(cp);
	return (c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_ME);
}

static struct tok *tok_push(struct toks *t, enum tok_kind kind, int space)
{
	struct tok *k;

	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 64;
		t->v = xreallocarray(t->v, t->cap, sizeof(*t->v));
	}
	k = &t->v[t->n++];
	memset(k, 0, sizeof(*k));
	k->kind = kind;
	k->space = space;
	return k;
}

/* Lower case, accents stripped ("Févr" -> "fevr", "Май" -> "маи"), or "" if too long. */
static void fold_word(const char *s, size_t len, char *out)
{
	utf8proc_uint8_t *folded = NULL;
	utf8proc_ssize_t n;

	out[0] = '\0';
	if (len >= 4 * WORD_MAX)
		return;
	n = utf8proc_map((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)len, &folded,
			 UTF8PROC_DECOMPOSE | UTF8PROC_STRIPMARK | UTF8PROC_CASEFOLD);
	if (n > 0 && n < WORD_MAX)
		memcpy(out, folded, (size_t)n + 1);
	free(folded);
}

static void tokenize(const char *s, size_t len, struct toks *t)
{
	size_t i = 0, k;
	int32_t cp;
	int space = 1;
	struct tok *tk;

	while (i < len) {
		size_t start = i;

		k = utf8_next(s + i, len - i, &cp);
		if (is_space_cp(cp)) {
			space = 1;
			i += k;
			continue;
		} else if (digit_value(cp) >= 0) {
			tk = tok_push(t, T_NUM, space);
			while (i < len && (k = utf8_next(s + i, len - i, &cp)) &&
			       digit_value(cp) >= 0) {
				tk->value = tk->value < 100000000 ? tk->value * 10 + digit_value(cp)
								  : LONG_MAX / 2;
				tk->digits++;
				i += k;
			}
		} else if (is_word_cp(cp)) {
			while (i < len && (k = utf8_next(s + i, len - i, &cp)) && is_word_cp(cp))
				i += k;
			tk = tok_push(t, T_WORD, space);
			fold_word(s + start, i - start, tk->word);
		} else {
			/* an invalid byte is a symbol of its own, U+FFFD */
			tk = tok_push(t, T_SYM, space);
			tk->value = cp < 0 ? 0xFFFD : cp;
			i += k;
		}
		tk->off = start;
		tk->end = i;
		space = 0;
	}
}

/* Token access with bounds: out-of-range positions are no token at all. */
static const struct tok *at(const struct toks *t, size_t i)
{
	return i < t->n ? &t->v[i] : NULL;
}

static int is_sym(const struct toks *t, size_t i, int32_t cp)
{
	const struct tok *k = at(t, i);

	return k != NULL && k->kind == T_SYM && k->value == cp;
}

/* A symbol token at i that is one of the ASCII characters in set. */
static int sym_in(const struct toks *t, size_t i, const char *set)
{
	const struct tok *k = at(t, i);

	return k != NULL && k->kind == T_SYM && k->value > 0 && k->value < 0x80 &&
	       strchr(set, (int)k->value) != NULL;
}

static int is_word(const struct toks *t, size_t i, const char *w)
{
	const struct tok *k = at(t, i);

	return k != NULL && k->kind == T_WORD && strcmp(k->word, w) == 0;
}

/* A number of min..max digits at i: its value, or -1. */
static long num(const struct toks *t, size_t i, int min, int max)
{
	const struct tok *k = at(t, i);

	if (k == NULL || k->kind != T_NUM || k->digits < min || k->digits > max)
		return -1;
	return k->value;
}

static int month_at(const struct toks *t, size_t i)
{
	const struct tok *k = at(t, i);
	int m;

	if (k == NULL || k->kind != T_WORD || !lookup(date_months, date_nmonths, k->word, &m))
		return 0;
	return m;
}

static int is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int valid_date(int y, int m, int d)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	if (y < 1000 || y > 2999 || m < 1 || m > 12 || d < 1)
		return 0;
	return d <= mdays[m - 1] + (m == 2 && is_leap(y));
}

static int full_year(long y, int digits)
{
	if (digits == 2)
		return y < 50 ? (int)(2000 + y) : (int)(1900 + y);
	return (int)y;
}

/*
 * Zone at i: Z, +08:00, +0800, +8, GMT, GMT+8, EST... Fills w and returns
 * the index after it, or i when there is none.
 */
static size_t parse_zone(const struct toks *t, size_t i, struct when *w)
{
	const struct tok *k = at(t, i);
	size_t j = i;
	int off = 0, sign;
	long h, m = 0;

	if (k != NULL && k->kind == T_WORD && lookup(date_zones, date_nzones, k->word, &off)) {
		w->zulu = in_list(utc_names, COUNT(utc_names), k->word);
		j++;
	}
	sign = is_sym(t, j, '+') ? 1 : (is_sym(t, j, '-') || is_sym(t, j, 0x2212)) ? -1 : 0;
	if (sign != 0 && (h = num(t, j + 1, 1, 4)) >= 0 && !at(t, j + 1)->space) {
		if (at(t, j + 1)->digits > 2) {
			m = h % 100;
			h /= 100;
			j += 2;
		} else if (is_sym(t, j + 2, ':') && (m = num(t, j + 3, 2, 2)) >= 0) {
			j += 4;
		} else {
			j += 2;
		}
		if (h > 14 || m > 59)
			return i;
		off += sign * (int)(h * 60 + m);
		w->zulu = 0;
	}
	if (j == i)
		return i;
	w->has_zone = 1;
	w->off = off;
	return j;
}

/* "a.m." / "pm" at i: adjusts the hour. Returns the index after it. */
static size_t parse_ampm(const struct toks *t, size_t i, struct when *w)
{
	int pm = -1;
	size_t j = i;

	if (is_word(t, i, "am") || is_word(t, i, "pm")) {
		pm = at(t, i)->word[0] == 'p';
		j = i + 1;
	} else if ((is_word(t, i, "a") || is_word(t, i, "p")) && is_sym(t, i + 1, '.') &&
		   is_word(t, i + 2, "m")) {
		pm = at(t, i)->word[0] == 'p';
		j = is_sym(t, i + 3, '.') ? i + 4 : i + 3;
	}
	if (pm < 0 || w->hh < 1 || w->hh > 12)
		return i;
	w->hh = w->hh % 12 + (pm ? 12 : 0);
	return j;
}

/* HH:MM[:SS[.frac]], 14时06分, 14h30 at i. Returns the index after it, or i. */
static size_t parse_clock(const struct toks *t, size_t i, struct when *w)
{
	long h = num(t, i, 1, 2), m, s = 0;
	size_t j;

	if (h < 0)
		return i;
	if ((is_sym(t, i + 1, ':') || is_word(t, i + 1, "h")) && (m = num(t, i + 2, 2, 2)) >= 0) {
		j = i + 3;
		if (is_sym(t, i + 1, ':') && is_sym(t, j, ':') && (s = num(t, j + 1, 2, 2)) >= 0) {
			j += 2;
			if ((is_sym(t, j, '.') || is_sym(t, j, ',')) && num(t, j + 1, 1, 9) >= 0)
				j += 2;
		}
	} else if ((is_sym(t, i + 1, 0x65F6) || is_sym(t, i + 1, 0x6642) ||
		    is_sym(t, i + 1, 0x70B9)) &&
		   (m = num(t, i + 2, 1, 2)) >= 0 && is_sym(t, i + 3, 0x5206)) {
		j = i + 4;
		if ((s = num(t, j, 1, 2)) >= 0 && is_sym(t, j + 1, 0x79D2))
			j += 2;
		else
			s = 0;
	} else {
		return i;
	}
	if (h > 23 || m > 59 || s > 60)
		return i;
	w->hh = (int)h;
	w->mi = (int)m;
	w->ss = s == 60 ? 59 : (int)s;
	return j;
}

/* Optional time (and zone) after a date ending before i. Returns the index after it. */
static size_t parse_time(const struct toks *t, size_t i, struct when *w)
{
	const struct tok *k = at(t, i);
	size_t j, date_end = i;

	if (sym_in(t, i, ",|-@"))
		i++;
	else if (k != NULL && k->kind == T_WORD && in_list(time_links, COUNT(time_links), k->word))
		i++;
	j = parse_clock(t, i, w);
	if (j == i)
		return date_end;
	w->has_time = 1;
	j = parse_ampm(t, j, w);
	return parse_zone(t, j, w);
}

static int finish(const struct toks *t, size_t end, struct when *w)
{
	if (!valid_date(w->y, w->m, w->d))
		return 0;
	w->end = parse_time(t, end, w);
	return 1;
}

/* 2019-10-24, 2019/10/24, 2019.10.24, 2019年10月24日, 2019년 10월 24일. */
static int match_ymd(const struct toks *t, size_t i, struct when *w)
{
	static const int32_t cjk[][3] = {{0x5E74, 0x6708, 0x65E5}, {0xB144, 0xC6D4, 0xC77C}};
	long y = num(t, i, 4, 4), m, d;
	const struct tok *sep = at(t, i + 1);

	if (y < 0 || sep == NULL || sep->kind != T_SYM || sep->space)
		return 0;
	if (sym_in(t, i + 1, "-/.") && (m = num(t, i + 2, 1, 2)) >= 0 &&
	    is_sym(t, i + 3, sep->value) && (d = num(t, i + 4, 1, 2)) >= 0 &&
	    (sep->value == '.' || !at(t, i + 2)->space)) {
		*w = (struct when){.y = (int)y, .m = (int)m, .d = (int)d};
		return finish(t, is_sym(t, i + 5, '.') ? i + 6 : i + 5, w);
	}
	for (size_t c = 0; c < COUNT(cjk); c++) {
		if (is_sym(t, i + 1, cjk[c][0]) && (m = num(t, i + 2, 1, 2)) >= 0 &&
		    is_sym(t, i + 3, cjk[c][1]) && (d = num(t, i + 4, 1, 2)) >= 0 &&
		    (is_sym(t, i + 5, cjk[c][2]) || (c == 0 && is_sym(t, i + 5, 0x53F7)))) {
			*w = (struct when){.y = (int)y, .m = (int)m, .d = (int)d};
			return finish(t, i + 6, w);
		}
	}
	return 0;
}

/* 24.10.2019, 24/10/2019, 10/24/2019 (month first for en-US or when the day says so). */
static int match_numeric(const struct toks *t, size_t i, int us, struct when *w)
{
	long a = num(t, i, 1, 2), b, y;
	const struct tok *sep = at(t, i + 1);
	int y_digits;

	if (a < 0 || !sym_in(t, i + 1, "./-") || sep->space)
		return 0;
	if ((b = num(t, i + 2, 1, 2)) < 0 || !is_sym(t, i + 3, sep->value) ||
	    (y = num(t, i + 4, 2, 4)) < 0 || at(t, i + 4)->digits == 3)
		return 0;
	if (sep->value != '.' && (at(t, i + 2)->space || at(t, i + 4)->space))
		return 0;
	/* 1.2.3.4 is a version or an address, not a date */
	if (is_sym(t, i + 5, sep->value) && num(t, i + 6, 1, 9) >= 0 && !at(t, i + 5)->space)
		return 0;
	y_digits = at(t, i + 4)->digits;
	*w = (struct when){.y = full_year(y, y_digits), .m = (int)b, .d = (int)a};
	if (sep->value != '.' && (b > 12 || (us && a <= 12))) {
		w->m = (int)a;
		w->d = (int)b;
	}
	return finish(t, i + 5, w);
}

/* Skips the words that may sit between a day and its month: "1er", "24th of", "24 de". */
static size_t skip_day_words(const struct toks *t, size_t j)
{
	for (int n = 0; n < 3; n++) {
		const struct tok *k = at(t, j);

		if (k == NULL)
			break;
		if (k->kind == T_WORD && in_list(day_suffixes, COUNT(day_suffixes), k->word))
			j++;
		else if (is_sym(t, j, '.') || is_sym(t, j, 0xBA) || is_sym(t, j, 0xAA))
			j++;
		else
			break;
	}
	return j;
}

/* Year after a month name; two digits only when no word follows ("24 Oct 19 14:06"). */
static long year_after_month(const struct toks *t, size_t j, size_t *end)
{
	long y = num(t, j, 2, 4);
	const struct tok *next = at(t, j + 1);

	if (y < 0 || at(t, j)->digits == 3)
		return -1;
	if (at(t, j)->digits == 2 && next != NULL && next->kind == T_WORD)
		return -1;
	*end = j + 1;
	return full_year(y, at(t, j)->digits);
}

/* Russian "г." / "года" after the year. */
static size_t skip_year_words(const struct toks *t, size_t j)
{
	if (is_word(t, j, "г") || is_word(t, j, "года") || is_word(t, j, "год"))
		return is_sym(t, j + 1, '.') ? j + 2 : j + 1;
	return j;
}

/* 24 Oct 2019, 1er octobre 2019, 24 de octubre de 2019, 24. Oktober 2019, 24-Oct-19. */
static int match_day_month(const struct toks *t, size_t i, struct when *w)
{
	long d = num(t, i, 1, 2), y;
	size_t j = skip_day_words(t, i + 1), end;
	int m, dash = 0;

	if (d < 0)
		return 0;
	if (j == i + 1 && (is_sym(t, j, '-') || is_sym(t, j, '/'))) {
		dash = 1;
		j++;
	}
	if ((m = month_at(t, j)) == 0)
		return 0;
	j++;
	if (is_sym(t, j, '.'))
		j++;
	if (dash && (is_sym(t, j, '-') || is_sym(t, j, '/')))
		j++;
	if (is_sym(t, j, ','))
		j++;
	if (is_word(t, j, "de") || is_word(t, j, "del") || is_word(t, j, "of"))
		j++;
	if ((y = year_after_month(t, j, &end)) < 0)
		return 0;
	*w = (struct when){.y = (int)y, .m = m, .d = (int)d};
	return finish(t, skip_year_words(t, end), w);
}

/* October 24, 2019; Oct. 24 2019; and asctime's "Oct 24 14:06:00 2019". */
static int match_month_day(const struct toks *t, size_t i, struct when *w)
{
	int m = month_at(t, i);
	size_t j = i + 1, k;
	long d, y;
	struct when hm = {0};

	if (m == 0)
		return 0;
	if (is_sym(t, j, '.'))
		j++;
	if ((d = num(t, j, 1, 2)) < 0)
		return 0;
	j = skip_day_words(t, j + 1);
	if (is_sym(t, j, ','))
		j++;
	k = parse_clock(t, j, &hm);
	if (k != j && (y = num(t, k, 4, 4)) >= 0) {
		*w = (struct when){.y = (int)y, .m = m, .d = (int)d};
		if (!valid_date(w->y, w->m, w->d))
			return 0;
		w->has_time = 1;
		w->hh = hm.hh;
		w->mi = hm.mi;
		w->ss = hm.ss;
		w->end = parse_zone(t, k + 1, w);
		return 1;
	}
	if ((y = num(t, j, 4, 4)) < 0)
		return 0;
	*w = (struct when){.y = (int)y, .m = m, .d = (int)d};
	return finish(t, j + 1, w);
}

static int match_at(const struct toks *t, size_t i, int us, struct when *w)
{
	return match_ymd(t, i, w) || match_day_month(t, i, w) || match_numeric(t, i, us, w) ||
	       match_month_day(t, i, w);
}

static int write_iso(const struct when *w, char *out, size_t outlen)
{
	int n;

	if (!w->has_time)
		n = snprintf(out, outlen, "%04d-%02d-%02d", w->y, w->m, w->d);
	else if (!w->has_zone)
		n = snprintf(out, outlen, "%04d-%02d-%02dT%02d:%02d:%02d", w->y, w->m, w->d, w->hh,
			     w->mi, w->ss);
	else if (w->off == 0 && w->zulu)
		n = snprintf(out, outlen, "%04d-%02d-%02dT%02d:%02d:%02dZ", w->y, w->m, w->d, w->hh,
			     w->mi, w->ss);
	else
		n = snprintf(out, outlen, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", w->y, w->m,
			     w->d, w->hh, w->mi, w->ss, w->off < 0 ? '-' : '+', abs(w->off) / 60,
			     abs(w->off) % 60);
	return n > 0 && (size_t)n < outlen ? 0 : -1;
}

/* strptime(3) with a caller's format; fields the format does not set stay unknown. */
static int parse_with_format(const char *text, const char *fmt, struct when *w)
{
	struct tm tm;
	const char *end;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = INT_MIN;
	tm.tm_mon = -1;
	tm.tm_hour = -1;
	tm.tm_min = 0;
	tm.tm_gmtoff = LONG_MIN;
	while (*text == ' ' || *text == '\t' || *text == '\n' || *text == '\r')
		text++;
	end = strptime(text, fmt, &tm);
	if (end == NULL || tm.tm_year == INT_MIN || tm.tm_mon < 0)
		return 0;
	*w = (struct when){.y = tm.tm_year + 1900, .m = tm.tm_mon + 1, .d = tm.tm_mday};
	if (!valid_date(w->y, w->m, w->d))
		return 0;
	if (tm.tm_hour >= 0) {
		w->has_time = 1;
		w->hh = tm.tm_hour;
		w->mi = tm.tm_min;
		w->ss = tm.tm_sec > 59 ? 59 : tm.tm_sec;
	}
	if (tm.tm_gmtoff != LONG_MIN && w->has_time) {
		w->zulu = strchr(text, 'Z') != NULL;
		w->has_zone = 1;
		w->off = (int)(tm.tm_gmtoff / 60);
	}
	return 1;
}

static int is_us(const char *lang)
{
	return lang != NULL &&
	       (strncasecmp(lang, "en-us", 5) == 0 || strncasecmp(lang, "en_us", 5) == 0);
}

/* The leftmost date of text into w: its first token's index, or -1. */
static long scan(const char *text, const char *lang, struct toks *t, struct when *w)
{
	tokenize(text, strnlen(text, SCAN_BYTES), t);
	for (size_t i = 0; i < t->n; i++)
		if (match_at(t, i, is_us(lang), w))
			return (long)i;
	return -1;
}

int date_find(const char *text, const char *lang, char *out, size_t outlen, size_t *start,
	      size_t *end)
{
	struct toks t = {0};
	struct when w;
	long i;
	int rc = -1;

	if (text == NULL || out == NULL || outlen == 0)
		return -1;
	i = scan(text, lang, &t, &w);
	if (i >= 0 && write_iso(&w, out, outlen) == 0) {
		*start = t.v[i].off;
		*end = t.v[w.end - 1].end;
		rc = 0;
	}
	free(t.v);
	return rc;
}

int date_parse(const char *text, const char *lang, const char *fmt, char *out, size_t outlen)
{
	struct when w;
	size_t start, end;

	if (text == NULL || out == NULL || outlen == 0)
		return -1;
	if (fmt != NULL && parse_with_format(text, fmt, &w))
		return write_iso(&w, out, outlen);
	return date_find(text, lang, out, outlen, &start, &end);
}

/* Three numbers a SEP b SEP c at i, as match_numeric reads them, whatever their values. */
static int numeric_shape(const struct toks *t, size_t i, struct date_nums *p)
{
	const struct tok *sep = at(t, i + 1);

	if (num(t, i, 1, 2) < 0 || !sym_in(t, i + 1, "./-") || sep->space ||
	    num(t, i + 2, 1, 2) < 0 || !is_sym(t, i + 3, sep->value) || num(t, i + 4, 2, 4) < 0 ||
	    at(t, i + 4)->digits == 3)
		return 0;
	if (sep->value != '.' && (at(t, i + 2)->space || at(t, i + 4)->space))
		return 0;
	if (is_sym(t, i + 5, sep->value) && num(t, i + 6, 1, 9) >= 0 && !at(t, i + 5)->space)
		return 0;
	p->sep = (char)sep->value;
	for (int k = 0; k < 3; k++) {
		p->n[k] = (int)at(t, i + 2 * (size_t)k)->value;
		p->digits[k] = at(t, i + 2 * (size_t)k)->digits;
	}
	return 1;
}

int date_numeric(const char *text, struct date_nums *p)
{
	struct toks t = {0};
	struct when w;
	int found = 0, other = 0;

	if (text == NULL)
		return 0;
	tokenize(text, strnlen(text, SCAN_BYTES), &t);
	for (size_t i = 0; i < t.n && !found && !other; i++) {
		other = match_ymd(&t, i, &w) || match_day_month(&t, i, &w) ||
			match_month_day(&t, i, &w);
		found = !other && numeric_shape(&t, i, p);
	}
	free(t.v);
	return found;
}

/* Days since 1970-01-01 of the "YYYY-MM-DD" that s starts with; 0 when it does not. */
static long civil_days(const char *s, int *ok)
{
	int y, m, d;
	long era, yoe, doy;

	*ok = s != NULL && sscanf(s, "%4d-%2d-%2d", &y, &m, &d) == 3 && valid_date(y, m, d);
	if (!*ok)
		return 0;
	/* Howard Hinnant's days_from_civil */
	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

const char *date_choose(const char *list_date, const char *page_date)
{
	int list_ok, page_ok;
	long l = civil_days(list_date, &list_ok), p = civil_days(page_date, &page_ok);

	if (!list_ok)
		return page_ok ? page_date : list_date;
	if (!page_ok || labs(l - p) > DATE_AGREE_DAYS)
		return list_date;
	return page_date;
}
