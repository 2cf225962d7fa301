/*
 * analyze/themes: the per-language word cache. Stemming dominates the cost
 * of a text, and a language's vocabulary is small, so the symbol of each
 * raw token is kept across scoring calls, within fixed bounds.
 */
#include <stdint.h>
#include <stdlib.h>

#include "analyze/themes/text.h"
#include "analyze/themes/themes.h"
#include "analyze/themes/themes_int.h"
#include "common/buf.h"
#include "common/hmap.h"

/*
 * The word -> symbol cache of a language is emptied when it holds CACHE_MAX
 * words or CACHE_KEY_BYTES of word text, so hostile pages full of unique
 * words cannot grow it without bound; words longer than CACHE_WORD_MAX are
 * never real vocabulary and are stemmed each time instead of cached.
 */
#define CACHE_MAX (1u << 19)
#define CACHE_KEY_BYTES (8u << 20)
#define CACHE_WORD_MAX 64

struct word_cache *themes_cache_get(const struct themes *th, enum text_lang lang)
{
	struct word_cache *wc = &th->cache[lang];

	if (!wc->ready) {
		wc->st = stem_new(lang);
		hmap_init(&wc->map, 1024);
		wc->ready = 1;
	}
	return wc;
}

uint32_t themes_cache_add(struct scorer *sc, const char *s, size_t n, uint32_t h)
{
	const uint32_t *v;
	const char *stem;
	uint32_t sym = 0;
	size_t sl;

	buf_reset(&sc->fold);
	text_fold_token(s, n, &sc->fold);
	stem = stem_word(sc->wc->st, buf_str(&sc->fold), sc->fold.len, &sl);
	v = hmap_get(&sc->th->syms, stem, sl, hmap_hash(stem, sl));
	if (v)
		sym = *v;
	if (n > CACHE_WORD_MAX)
		return sym;
	if (sc->wc->map.n >= CACHE_MAX || sc->wc->map.keys.len + n + 1 > CACHE_KEY_BYTES) {
		hmap_free(&sc->wc->map);
		hmap_init(&sc->wc->map, 1024);
	}
	hmap_put(&sc->wc->map, s, n, h, sym);
	return sym;
}

void themes_cache_free(struct themes *th)
{
	for (int l = 0; th->cache && l < TEXT_LANG_COUNT; l++)
		if (th->cache[l].ready) {
			stem_free(th->cache[l].st);
			hmap_free(&th->cache[l].map);
		}
	free(th->cache);
}

size_t themes_cache_memory(const struct themes *th)
{
	size_t m = 0;

	for (int l = 0; th->cache && l < TEXT_LANG_COUNT; l++)
		if (th->cache[l].ready)
			m += hmap_memory(&th->cache[l].map);
	return m;
}
