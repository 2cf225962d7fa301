/*
 * analyze/themes: the scan. One pass over a text: tokens become symbols
 * (through the word cache), the automaton steps once per token, and every
 * pattern that ends there becomes a hit for each theme entry it serves.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/themes/ahocorasick.h"
#include "analyze/themes/text.h"
#include "analyze/themes/themes_int.h"
#include "common/hmap.h"
#include "common/xmalloc.h"

/*
 * Matches kept per text; more are ignored. Ordinary language against a
 * learned file of 21 themes gives about 2.5 a word (about 430,000 for 1 MB
 * of text); this bounds what a pathological theme file can make one text
 * hold (28 MiB of hits).
 */
#define HITS_MAX (1u << 20)

/* The automaton symbol of token s[0..n): from the word cache, or added to it. */
static uint32_t cached_symbol(struct scorer *sc, const char *s, size_t n)
{
	uint32_t h = hmap_hash(s, n);
	const uint32_t *v = hmap_get(&sc->wc->map, s, n, h);

	return v != NULL ? *v : themes_cache_add(sc, s, n, h);
}

/*
 * Bytes i < n of a WORD_FRONT_KEY-byte key kept by a mask read at
 * key_mask + WORD_FRONT_KEY - n (byte order does not matter).
 */
static const unsigned char key_mask[2 * WORD_FRONT_KEY] = {
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
};

/*
 * The front key of token s[0..n) (n <= WORD_FRONT_KEY): two loads and a
 * mask when the text goes on for WORD_FRONT_KEY bytes, else a copy.
 */
static void front_key(const struct scorer *sc, const char *s, size_t n, uint64_t k[2])
{
	uint64_t m[2];

	if ((size_t)(sc->end - s) < WORD_FRONT_KEY) {
		unsigned char b[WORD_FRONT_KEY] = {0};
		memcpy(b, s, n);
		memcpy(k, b, sizeof(b));
		return;
	}
	memcpy(k, s, WORD_FRONT_KEY);
	memcpy(m, key_mask + WORD_FRONT_KEY - n, sizeof(m));
	k[0] &= m[0];
	k[1] &= m[1];
}

/*
 * The symbol of token s[0..n): the word cache's front for short tokens
 * (most of a text: about a third of the instructions of a hash lookup),
 * else the cache itself.
 */
static uint32_t token_symbol(struct scorer *sc, const char *s, size_t n)
{
	struct word_front *f;
	uint64_t k[2];

	if (n > WORD_FRONT_KEY)
		return cached_symbol(sc, s, n);
	front_key(sc, s, n, k);
	f = &sc->wc->front[((k[0] ^ (k[1] * 0xc2b2ae3d27d4eb4fULL) ^ n) * 0x9e3779b97f4a7c15ULL) >>
			   (64 - WORD_FRONT_BITS)];
	if (f->len != n || f->k0 != k[0] || f->k1 != k[1])
		*f = (struct word_front){k[0], k[1], (uint32_t)n, cached_symbol(sc, s, n)};
	return f->sym;
}

static void hit_push(struct scorer *sc, const struct entry *e, uint32_t end, uint32_t len)
{
	struct hit *h;

	if (sc->nhits == HITS_MAX)
		return;
	if (sc->nhits == sc->hcap) {
		sc->hcap = sc->hcap ? sc->hcap * 2 : 64;
		sc->hits = xreallocarray(sc->hits, sc->hcap, sizeof(*sc->hits));
	}
	if (e->kind == ENTRY_PHRASE) {
		sc->phrase_at[e->theme] = end + 1;
		sc->phrase_hit[e->theme] = (uint32_t)sc->nhits;
	}
	h = &sc->hits[sc->nhits++];
	h->theme = e->theme;
	h->index = e->index;
	h->end = end;
	h->start = end + 1 - len;
	h->sentence = (uint32_t)sc->nsents;
	h->weight = e->weight;
	h->kind = e->kind;
	h->dropped = 0;
}

/*
 * 1 if phrase entry e (len tokens) ends where a phrase hit of its theme
 * already ends. Matches come longest first, so that hit contains it, and
 * scoring would drop it (drop_contained): it is not kept, which bounds the
 * hits of nested phrases ("a", "a a", ... "a a ... a") to one per theme and
 * token. Of two as long (one pattern serving two phrases of the theme), the
 * lower phrase index is kept, as scoring's order would keep it.
 */
static int phrase_contained(struct scorer *sc, const struct entry *e, uint32_t end, uint32_t len)
{
	struct hit *h;

	if (e->kind != ENTRY_PHRASE || sc->phrase_at[e->theme] != end + 1)
		return 0;
	h = &sc->hits[sc->phrase_hit[e->theme]];
	if (h->end + 1 - h->start == len && e->index < h->index) {
		h->index = e->index;
		h->weight = e->weight;
	}
	return 1;
}

static void matches_at(struct scorer *sc, uint32_t state)
{
	const struct themes *th = sc->th;
	uint16_t bit = (uint16_t)(1u << sc->lang);
	uint32_t end = (uint32_t)sc->tokens - 1;

	for (uint32_t s = ac_first_match(th->ac, state); s != AC_ROOT;
	     s = ac_next_match(th->ac, s)) {
		uint32_t pid = ac_match_id(th->ac, s);
		uint32_t len = (uint32_t)ac_pattern_len(th->ac, pid);
		for (uint32_t i = th->pfirst[pid]; i < th->pfirst[pid + 1]; i++) {
			const struct entry *e = &th->entries[i];
			if ((e->mask & bit) && !phrase_contained(sc, e, end, len))
				hit_push(sc, e, end, len);
		}
	}
}

static void sentence_push(struct scorer *sc, struct text_span sp)
{
	if (sc->nsents == sc->scap) {
		sc->scap = sc->scap ? sc->scap * 2 : 32;
		sc->sents = xreallocarray(sc->sents, sc->scap, sizeof(*sc->sents));
		sc->spos = xreallocarray(sc->spos, sc->scap, sizeof(*sc->spos));
	}
	sc->spos[sc->nsents] = (struct sent_pos){(uint32_t)sc->tokens, (uint32_t)sc->cjk};
	sc->sents[sc->nsents++] = sp;
}

void themes_scan_text(struct scorer *sc, const char *text, size_t len)
{
	struct text_scan ts;
	struct text_span sp;
	enum text_event ev;
	uint32_t state = AC_ROOT;

	sc->phrase_at = xcalloc(sc->th->n ? sc->th->n : 1, sizeof(uint32_t));
	sc->phrase_hit = xcalloc(sc->th->n ? sc->th->n : 1, sizeof(uint32_t));
	sc->end = text + len;
	text_scan_init(&ts, text, len);
	while ((ev = text_scan_next(&ts, &sp)) != TEXT_END) {
		if (ev == TEXT_BOUNDARY) {
			sentence_push(sc, sp);
			state = AC_ROOT;
			continue;
		}
		if ((unsigned char)text[sp.start] >= 0xe3 &&
		    text_token_is_cjk(text + sp.start, sp.end - sp.start))
			sc->cjk++;
		sc->tokens++;
		state = ac_step(sc->th->ac, state,
				token_symbol(sc, text + sp.start, sp.end - sp.start));
		if (state != AC_ROOT)
			matches_at(sc, state);
	}
	free(sc->phrase_at);
	free(sc->phrase_hit);
	sc->phrase_at = sc->phrase_hit = NULL;
}
