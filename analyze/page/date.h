/*
 * analyze/date: dates as ministries and feeds write them -> ISO 8601.
 * Pure functions.
 */
#ifndef SW_ANALYZE_DATE_H
#define SW_ANALYZE_DATE_H

#include <stddef.h>

/*
 * Finds a date in text ("2019-10-24", "2019-10-24 14:06", "October 24, 2019",
 * "24 Oct 2019", "24.10.2019", "2019年10月24日", "1er octobre 2019",
 * "24 de octubre de 2019", "24 октября 2019 г.", "24. Oktober 2019", RFC 822,
 * RFC 3339 and common broken variants). lang (may be NULL) helps with
 * ambiguous numeric forms; fmt, when not NULL, is a strptime(3) format tried
 * first. Writes "YYYY-MM-DD", or "YYYY-MM-DDTHH:MM:SS[+-]HH:MM"/"...Z" when a
 * time (and zone) is known, into out. Returns 0, or -1 when no date is found.
 */
int date_parse(const char *text, const char *lang, const char *fmt, char *out, size_t outlen);

/*
 * date_parse without a format, also giving where the date is written:
 * text[*start .. *end) (a time and zone after it included). Returns 0, or
 * -1 when no date is found.
 */
int date_find(const char *text, const char *lang, char *out, size_t outlen, size_t *start,
	      size_t *end);

/* The three numbers of an all-numeric date ("2/28/22", "24.10.2019") in the order written. */
struct date_nums {
	int n[3];
	int digits[3];
	char sep; /* '/', '-' or '.' */
};

/*
 * 1 when the first date-like text in text is three numbers (d/m/y, m/d/y or
 * y/m/d with a 2- or 4-digit last field), filled into p whether or not
 * they make a date in some order; 0 when the first date is written
 * otherwise (a month name, a 4-digit year first) or there is none. The
 * caller decides the order (a list reads all its dates one way).
 */
int date_numeric(const char *text, struct date_nums *p);

/* Days a list's date and its article's own date may differ and still agree. */
#define DATE_AGREE_DAYS 3

/*
 * The publication date of an item that both its list and its article page
 * date: the page's (it may hold a time and zone) when the two calendar days
 * are at most DATE_AGREE_DAYS apart, else the list's: a page whose own date
 * is further off was read from the wrong place (a cited date, a related
 * item) more often than the list is wrong. Either may be NULL or no ISO
 * date; returns one of the two (borrowed), or NULL.
 */
const char *date_choose(const char *list_date, const char *page_date);

#endif
