/*
 * One numeric date order per list (research note §5.7): the items' dates
 * are read as day/month or month/day, whichever fits all of them; when
 * both fit, the one whose dates fall in page order with clearly fewer
 * inversions. date_parse reads day/month by default, so only a list that
 * proves month/day gets a date_format ("%m/%d/%y"); strptime anchors it at
 * the start of the date text, after what precedes the first digit.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/page/discover_int.h"
#include "analyze/page/list_int.h"
#include "common/buf.h"
#include "common/xmalloc.h"

struct triple {
	char lead[4]; /* literal text before the first digit ("(") */
	char sep;     /* '/', '.' or '-' */
	int a, b, c;  /* the three numbers as written */
	int yearlen;  /* digits of c */
};

static const char *date_num(const char *p, int *v, int *len)
{
	*v = 0;
	*len = 0;
	while (*p >= '0' && *p <= '9' && *len < 5) {
		*v = *v * 10 + (*p - '0');
		p++;
		(*len)++;
	}
	return p;
}

/* "a/b/c" at the start of text (after at most 3 bytes of punctuation); 0 if not. */
static int date_triple(const char *text, struct triple *t)
{
	const char *p = text;
	int la, lb;

	memset(t, 0, sizeof(*t));
	while (*p == ' ')
		p++;
	while (*p && !(*p >= '0' && *p <= '9') && p - text < 3 && strchr("([", *p) != NULL)
		p++;
	if ((size_t)(p - text) >= sizeof(t->lead))
		return 0;
	memcpy(t->lead, text, (size_t)(p - text));
	p = date_num(p, &t->a, &la);
	if (la < 1 || la > 2 || strchr("/.-", *p) == NULL || *p == '\0')
		return 0;
	t->sep = *p++;
	p = date_num(p, &t->b, &lb);
	if (lb < 1 || lb > 2 || *p != t->sep)
		return 0;
	p = date_num(p + 1, &t->c, &t->yearlen);
	return t->yearlen == 2 || t->yearlen == 4;
}

static int date_day_ok(int d, int m)
{
	return m >= 1 && m <= 12 && d >= 1 && d <= 31;
}

/* Falls in page order that break "newest first" when read as month/day (mdy) or day/month. */
static size_t date_inversions(const struct triple *v, size_t n, int mdy)
{
	size_t i, inv = 0;
	long prev = 0;

	for (i = 0; i < n; i++) {
		long key =
		    (long)v[i].c * 10000 + (mdy ? v[i].a * 100 + v[i].b : v[i].b * 100 + v[i].a);

		if (i > 0 && key > prev)
			inv++;
		prev = key;
	}
	return inv;
}

/* 1 when the triples of v, all written alike, prove month/day. */
static int date_is_mdy(const struct triple *v, size_t n)
{
	int dmy = 1, mdy = 1;
	size_t i, inv_d, inv_m;

	for (i = 0; i < n; i++) {
		if (v[i].sep != v[0].sep || v[i].yearlen != v[0].yearlen ||
		    strcmp(v[i].lead, v[0].lead) != 0)
			return 0;
		dmy &= date_day_ok(v[i].a, v[i].b);
		mdy &= date_day_ok(v[i].b, v[i].a);
	}
	if (mdy && !dmy)
		return 1;
	if (!mdy || !dmy || n < 3)
		return 0;
	inv_d = date_inversions(v, n, 0);
	inv_m = date_inversions(v, n, 1);
	return inv_m * 2 < inv_d;
}

static int date_node_triple(xmlNodePtr node, struct triple *t)
{
	char *s;
	int ok;

	if (node->type == XML_TEXT_NODE)
		s = list_collapse(node->content != NULL ? (const char *)node->content : "");
	else
		s = dsc_text(node, DSC_DATE_BYTES * 2);
	ok = date_triple(s, t);
	free(s);
	return ok;
}

char *dsc_date_format(const struct dsc_page *pg, const struct dsc_list *l)
{
	size_t k = l->n < DSC_SAMPLE ? l->n : DSC_SAMPLE, i, n = 0;
	struct triple *v = xcalloc(k + 1, sizeof(*v));
	char *fmt = NULL;

	for (i = 0; i < k; i++) {
		struct dsc_item it;

		dsc_item_read(pg, l->items[i], 1, &it);
		if (it.date_node == NULL)
			continue;
		if (!date_node_triple(it.date_node, &v[n]))
			goto done;
		n++;
	}
	if (n > 0 && date_is_mdy(v, n))
		fmt = xasprintf("%s%%m%c%%d%c%%%c", v[0].lead, v[0].sep, v[0].sep,
				v[0].yearlen == 4 ? 'Y' : 'y');
done:
	free(v);
	return fmt;
}
