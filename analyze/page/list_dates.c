/*
 * analyze/list: one order for the numeric dates of one list. date_parse
 * reads "1/8/22" on its own as 1 August (or 8 January for en-US); a list
 * that also holds "2/28/22" proves month-first for every item. So the
 * three numbers of every item's date are kept while the page is read, and
 * once it is read the orders (D/M/Y, M/D/Y, Y/M/D) that make a real date of
 * every item (year 1990 to next year, not after tomorrow; never month
 * first with dots) are compared:
 * one survivor wins; among several, clearly fewer inversions of a newest-
 * first list win, then the newest date nearest today; a tie is reported
 * (date-order-ambiguous) and read in the language's usual order. An
 * operator's date_format always wins and turns all this off.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "analyze/page/list_int.h"
#include "common/clock.h"
#include "common/xmalloc.h"

#define MIN_YEAR 1990

enum order { O_DMY, O_MDY, O_YMD, O_COUNT };

void list_dates_note(struct list_dates *ld, const char *url, const char *text)
{
	struct date_nums p;
	size_t n = strlen(url);
	uint32_t h = hmap_hash(url, n);

	if (!date_numeric(text, &p))
		return;
	if (ld->idx.slots == NULL)
		hmap_init(&ld->idx, 64);
	if (hmap_get(&ld->idx, url, n, h) != NULL)
		return; /* a repeated item: the first one is kept (list_acc) */
	if (ld->n == ld->cap) {
		ld->cap = ld->cap ? 2 * ld->cap : 32;
		ld->v = xreallocarray(ld->v, ld->cap, sizeof(*ld->v));
	}
	ld->v[ld->n] = p;
	hmap_put(&ld->idx, url, n, h, (uint32_t)ld->n);
	ld->n++;
}

void list_dates_free(struct list_dates *ld)
{
	hmap_free(&ld->idx);
	free(ld->v);
	memset(ld, 0, sizeof(*ld));
}

static int full_year(int y, int digits)
{
	if (digits != 2)
		return y;
	return y < 50 ? 2000 + y : 1900 + y;
}

/* yyyymmdd of p read in order o, or 0 when that is no date in range (up to max). */
static long day_key(const struct date_nums *p, enum order o, long max)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int y, m, d, leap;

	if (o == O_YMD && (p->digits[0] != 2 || p->digits[2] != 2))
		return 0;
	if (o == O_MDY && p->sep == '.')
		return 0; /* "05.12.2021" is 5 December wherever dots are written */
	y = o == O_YMD ? full_year(p->n[0], 2) : full_year(p->n[2], p->digits[2]);
	m = o == O_MDY ? p->n[0] : p->n[1];
	d = o == O_DMY ? p->n[0] : o == O_MDY ? p->n[1] : p->n[2];
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (y < MIN_YEAR || m < 1 || m > 12 || d < 1 || d > mdays[m - 1] + (m == 2 && leap))
		return 0;
	if ((long)y * 10000 + m * 100 + d > max)
		return 0;
	return (long)y * 10000 + m * 100 + d;
}

/* The three numbers recorded for item url, or NULL. */
static const struct date_nums *nums_of(const struct list_dates *ld, const char *url)
{
	size_t n = strlen(url);
	const uint32_t *i = hmap_get(&ld->idx, url, n, hmap_hash(url, n));

	return i != NULL ? &ld->v[*i] : NULL;
}

/* Per order: valid for all, inversions of a newest-first list, the newest day. */
struct order_fit {
	int valid;
	size_t inversions;
	long newest;
};

static void fit_orders(const struct list_dates *ld, const struct list_items *items, long max,
		       struct order_fit *fit)
{
	for (int o = 0; o < O_COUNT; o++) {
		long prev = 0;

		fit[o] = (struct order_fit){.valid = 1};
		for (size_t i = 0; i < items->n && fit[o].valid; i++) {
			const struct date_nums *p = nums_of(ld, items->v[i].url);
			long k = p != NULL ? day_key(p, (enum order)o, max) : -1;

			if (k == 0)
				fit[o].valid = 0;
			if (k <= 0)
				continue;
			fit[o].inversions += prev != 0 && k > prev;
			fit[o].newest = k > fit[o].newest ? k : fit[o].newest;
			prev = k;
		}
	}
}

/* The order a language writes numeric dates in: en-US month first, CJK year first. */
static enum order usual_order(const char *lang)
{
	static const char *const ymd[] = {"zh", "ja", "ko"};

	if (lang == NULL)
		return O_DMY;
	if (strncasecmp(lang, "en-us", 5) == 0 || strncasecmp(lang, "en_us", 5) == 0)
		return O_MDY;
	for (size_t i = 0; i < sizeof(ymd) / sizeof(ymd[0]); i++)
		if (strncasecmp(lang, ymd[i], 2) == 0)
			return O_YMD;
	return O_DMY;
}

/* 1 when a has clearly fewer inversions than b (by 1 and a tenth of the pairs). */
static int clearly_fewer(const struct order_fit *a, const struct order_fit *b, size_t pairs)
{
	size_t margin = pairs / 10 > 1 ? pairs / 10 : 1;

	return a->inversions + margin <= b->inversions;
}

/* 1 when a beats b; 0 on a tie. */
static int beats(const struct order_fit *a, const struct order_fit *b, size_t pairs)
{
	if (clearly_fewer(a, b, pairs))
		return 1;
	if (clearly_fewer(b, a, pairs))
		return 0;
	return a->newest > b->newest;
}

/*
 * The order of the list, or -1 when no order fits every item; *tied is set
 * when several fit and nothing tells them apart.
 */
static int choose_order(const struct order_fit *fit, size_t pairs, const char *lang, int *tied)
{
	int best = -1;

	*tied = 0;
	for (int o = 0; o < O_COUNT; o++) {
		if (!fit[o].valid)
			continue;
		if (best < 0 || beats(&fit[o], &fit[best], pairs)) {
			best = o;
			*tied = 0;
		} else if (!beats(&fit[best], &fit[o], pairs)) {
			*tied = 1;
		}
	}
	if (*tied && fit[usual_order(lang)].valid)
		best = (int)usual_order(lang);
	return best;
}

/* "YYYY-MM-DD" of a yyyymmdd key. */
static void key_day(long k, char *out, size_t len)
{
	snprintf(out, len, "%04d-%02d-%02d", (int)(k / 10000 % 10000), (int)(k / 100 % 100),
		 (int)(k % 100));
}

/* The item's date read in order o, keeping the time date_parse found after the same day. */
static void redate(struct list_item *it, const struct date_nums *p, enum order o, long max)
{
	char day[16], iso[80];
	const char *rest = "";

	if (it->date != NULL && strlen(it->date) > 10) {
		for (int a = 0; a < O_COUNT && rest[0] == '\0'; a++) {
			long ka = day_key(p, (enum order)a, max);

			key_day(ka, day, sizeof(day));
			if (ka != 0 && strncmp(it->date, day, 10) == 0)
				rest = it->date + 10;
		}
	}
	key_day(day_key(p, o, max), day, sizeof(day));
	snprintf(iso, sizeof(iso), "%s%.40s", day, rest);
	free(it->date);
	it->date = xstrdup(iso);
}

/* yyyymmdd of tomorrow (UTC): no list date may be later. */
static long tomorrow_key(void)
{
	time_t t = (time_t)clock_wall() + 86400;
	struct tm tm;

	gmtime_r(&t, &tm);
	return (long)(tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday;
}

void list_dates_settle(struct list_dates *ld, struct list_items *items,
		       const struct list_spec *spec)
{
	struct order_fit fit[O_COUNT];
	long max = tomorrow_key();
	size_t pairs = 0;
	int o, tied;

	if (ld->n == 0 || (spec->date_format != NULL && spec->date_format[0] != '\0'))
		return;
	fit_orders(ld, items, max, fit);
	for (size_t i = 0; i < items->n; i++)
		pairs += nums_of(ld, items->v[i].url) != NULL;
	o = choose_order(fit, pairs > 0 ? pairs - 1 : 0, spec->language, &tied);
	if (o < 0)
		return; /* no order fits all: each date stays as date_parse read it */
	items->date_order_ambiguous = tied;
	for (size_t i = 0; i < items->n; i++) {
		const struct date_nums *p = nums_of(ld, items->v[i].url);

		if (p != NULL)
			redate(&items->v[i], p, (enum order)o, max);
	}
}
