/*
 * analyze/themes: the scan. One pass over a text: tokens become symbols
 * (through the word cache), the automaton steps once per token, and every
 * pattern that ends there becomes a hit for each theme entry it serves.
 */
#include <stdint.h>

#include "analyze/themes/ahocorasick.h"
#include "analyze/themes/text.h"
#include "analyze/themes/themes_int.h"
#include "common/hmap.h"
#include "common/xmalloc.h"

#define HITS_MAX (1u << 22) /* matches kept per text; more are ignored */

/* The automaton symbol of token s[0..n): from the word cache, or added to it. */
static uint32_t token_symbol(struct scorer *sc, const char *s, size_t n)
{
	uint32_t h = hmap_hash(s, n);
	const uint32_t *v = hmap_get(&sc->wc->map, s, n, h);

	return v != NULL ? *v : themes_cache_add(sc, s, n, h);
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

static void matches_at(struct scorer *sc, uint32_t state)
{
	const struct themes *th = sc->th;
	uint16_t bit = (uint16_t)(1u << sc->lang);

	for (uint32_t s = ac_first_match(th->ac, state); s != AC_ROOT;
	     s = ac_next_match(th->ac, s)) {
		uint32_t pid = ac_match_id(th->ac, s);
		uint32_t len = (uint32_t)ac_pattern_len(th->ac, pid);
		for (uint32_t i = th->pfirst[pid]; i < th->pfirst[pid + 1]; i++)
			if (th->entries[i].mask & bit)
				hit_push(sc, &th->entries[i], (uint32_t)sc->tokens - 1, len);
	}
}

static void sentence_push(struct scorer *sc, struct text_span sp)
{
	if (sc->nsents == sc->scap) {
		sc->scap = sc->scap ? sc->scap * 2 : 32;
		sc->sents = xreallocarray(sc->sents, sc->scap, sizeof(*sc->sents));
	}
	sc->sents[sc->nsents++] = sp;
}

void themes_scan_text(struct scorer *sc, const char *text, size_t len)
{
	struct text_scan ts;
	struct text_span sp;
	enum text_event ev;
	uint32_t state = AC_ROOT;

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
}
