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

/* 1 if c is visible ASCII: '!' to DEL. */
static int ascii_visible(unsigned char c)
{
	return (unsigned char)(c - 0x21) < 0x5f;
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

/* The rendering being written: output position, characters, a space pending. */
struct render {
	char *o;
	size_t chars;
	int space;
};

/*
 * Renders the character at s (len >= 1 bytes, not visible ASCII) and
 * returns its length: whitespace becomes a pending space, invalid UTF-8
 * U+FFFD, anything else is copied.
 */
static size_t render_char(struct render *r, const char *out, const char *s, size_t len)
{
	int32_t cp;
	size_t n = utf8_next(s, len, &cp);

	if (ascii_space((unsigned char)*s) ||
	    (cp >= 0x80 && utf8proc_category(cp) == UTF8PROC_CATEGORY_ZS)) {
		r->space = r->o > out;
		return n;
	}
	if (r->space) {
		*r->o++ = ' ';
		r->chars++;
		r->space = 0;
	}
	if (cp < 0) {
		memcpy(r->o, "\xef\xbf\xbd", 3);
		r->o += 3;
	} else {
		memcpy(r->o, s, n);
		r->o += n;
	}
	r->chars++;
	return n;
}

#define ONES 0x0101010101010101ULL
#define HIGH (0x80 * ONES)

/*
 * Copies s[pos..stop) to *o eight bytes at a time while each block is
 * visible ASCII and single spaces, the bytes a rendering keeps as they
 * are; returns where it stopped. s[pos - 1], or s[pos] when starting, is
 * visible, and a block never ends copied on a space, so no space is
 * doubled, leads or trails. Byte lanes need a little-endian machine;
 * elsewhere it copies nothing.
 */
static size_t ascii_blocks(const char *s, size_t pos, size_t stop, char **o)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	while (stop - pos >= 8) {
		uint64_t w, y, sp;
		size_t n = 8;
		memcpy(&w, s + pos, 8);
		if ((w & HIGH) || ((w - 0x20 * ONES) & ~w & HIGH))
			break; /* a byte >= 0x80 or < 0x20 */
		y = w ^ (0x20 * ONES);
		sp = ~(((y & ~HIGH) + ~HIGH) | y | ~HIGH); /* 0x80 in each space byte */
		if (sp & (sp << 8))
			break; /* two spaces in a row */
		if (sp >> 63)
			n = 7; /* a space last: left for the caller to decide */
		memcpy(*o, &w, 8);
		*o += n;
		pos += n;
	}
#else
	(void)s;
	(void)stop;
	(void)o;
#endif
	return pos;
}

/*
 * Reads only as far as needed to decide the cut (max + 1 characters), so
 * a huge "sentence" costs no more than a short one. Runs of visible ASCII
 * and single spaces, most of any text, are copied in blocks.
 */
char *themes_render(const char *s, size_t len, size_t max)
{
	const size_t keep = max + 1; /* rendered characters that decide the cut */
	/* a character takes at most 4 bytes; an invalid byte becomes 3 */
	size_t cap = (len < keep ? 3 * len : 4 * keep) + 4, pos = 0;
	char *out = xmalloc(cap);
	struct render r = {out, 0, 0};

	while (pos < len && r.chars < keep) {
		size_t stop, from;
		if (!ascii_visible((unsigned char)s[pos])) {
			pos += render_char(&r, out, s + pos, len - pos);
			continue;
		}
		if (r.space) {
			*r.o++ = ' ';
			r.space = 0;
			if (++r.chars == keep)
				break;
		}
		stop = len - pos < keep - r.chars ? len : pos + (keep - r.chars);
		from = pos;
		pos = ascii_blocks(s, pos, stop, &r.o);
		while (pos < stop && ascii_visible((unsigned char)s[pos]))
			*r.o++ = s[pos++];
		r.chars += pos - from;
	}
	if (r.chars > max)
		evidence_cut(out, &r.o, max);
	*r.o = '\0';
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
