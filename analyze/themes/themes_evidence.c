/*
 * analyze/themes: evidence sentences, the ones with the most phrase weight,
 * rendered for people (whitespace collapsed, invalid UTF-8 replaced, cut
 * to THEMES_EVIDENCE_CHARS characters).
 */
#include <stdint.h>
#include <string.h>
#include <utf8proc.h>

#include "analyze/themes/themes.h"
#include "analyze/themes/themes_int.h"
#include "analyze/utf8.h"
#include "common/xmalloc.h"

/* 1 if x ranks before y: larger sum first, then earlier sentence. */
static int sent_sum_before(const struct sent_sum *x, const struct sent_sum *y)
{
	if (x->sum != y->sum)
		return x->sum > y->sum;
	return x->sentence < y->sentence;
}

static int ascii_space(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/*
 * The length of the run of visible ASCII at s (len >= 1, s[0] visible),
 * at most max (>= 1) bytes; control characters end it too (the caller
 * copies them one by one).
 */
static size_t ascii_run(const char *s, size_t len, size_t max)
{
	size_t j = 1, end = len < max ? len : max;

	while (j < end && (unsigned char)s[j] > ' ' && (unsigned char)s[j] < 0x80)
		j++;
	return j;
}

/* Cuts the rendering to max - 1 characters and an ellipsis. */
static void evidence_cut(char *out, char **o, size_t max)
{
	char *k = out;

	for (size_t n = 0; k < *o && n < max - 1; n++) {
		k++;
		while (k < *o && ((unsigned char)*k & 0xc0) == 0x80)
			k++;
	}
	memcpy(k, "\xe2\x80\xa6", 3);
	*o = k + 3;
}

/*
 * Reads only as far as needed to decide the cut (max + 1 characters), so
 * a huge "sentence" costs no more than a short one.
 */
char *themes_render(const char *s, size_t len, size_t max)
{
	const size_t keep = max + 1; /* rendered characters that decide the cut */
	/* a character takes at most 4 bytes; an invalid byte becomes 3 */
	size_t cap = (len < keep ? 3 * len : 4 * keep) + 4;
	char *out = xmalloc(cap), *o = out;
	size_t pos = 0, chars = 0;
	int space = 0;

	while (pos < len && chars < keep) {
		unsigned char c = (unsigned char)s[pos];
		int32_t cp;
		size_t n = utf8_next(s + pos, len - pos, &cp);
		if (ascii_space(c) ||
		    (cp >= 0x80 && utf8proc_category(cp) == UTF8PROC_CATEGORY_ZS)) {
			space = o > out;
			pos += n;
			continue;
		}
		if (space) {
			*o++ = ' ';
			chars++;
			space = 0;
		}
		if (cp < 0) {
			memcpy(o, "\xef\xbf\xbd", 3);
			o += 3;
		} else if (n == 1) {
			size_t run = ascii_run(s + pos, len - pos, keep - chars);
			memcpy(o, s + pos, run);
			o += run;
			chars += run - 1;
			pos += run - 1;
		} else {
			memcpy(o, s + pos, n);
			o += n;
		}
		chars++;
		pos += n;
	}
	if (chars > max)
		evidence_cut(out, &o, max);
	*o = '\0';
	return out;
}

/*
 * Up to THEMES_MAX_EVIDENCE sentences with the largest positive sums, best
 * first (a selection, not a sort: a theme can have many sentences).
 */
void themes_evidence_pick(struct scorer *sc, struct sent_sum *ss, size_t nss,
			  struct theme_score *out)
{
	while (out->nevidence < THEMES_MAX_EVIDENCE) {
		size_t best = nss;
		struct text_span sp;
		uint32_t k;
		for (size_t i = 0; i < nss; i++)
			if (ss[i].sum > 0 && (best == nss || sent_sum_before(&ss[i], &ss[best])))
				best = i;
		if (best == nss)
			break;
		ss[best].sum = 0; /* taken */
		k = ss[best].sentence;
		if (k >= sc->nsents)
			continue;
		if (!sc->rendered[k]) {
			sp = sc->sents[k];
			sc->rendered[k] = themes_render(sc->text + sp.start, sp.end - sp.start,
							THEMES_EVIDENCE_CHARS);
		}
		out->evidence[out->nevidence++] = xstrdup(sc->rendered[k]);
	}
}
