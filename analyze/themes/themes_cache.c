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
#include "common/xmalloc.h"

/*
 * The word -> symbol cache of a language is emptied when it holds CACHE_MAX
 * words or CACHE_KEY_BYTES of word text, and every language's cache when
 * together they hold CACHE_TOTAL_BYTES: statements keep bringing names,
 * numbers and dates never seen before, so a cache bounded only per language
 * grew a long-running daemon by about 20 MiB per language used. A language's
 * working vocabulary fits well within the bounds (a text's common words come
 * back at once after a flush). Words longer than CACHE_WORD_MAX are never
 * real vocabulary and are stemmed each time instead of cached.
 */
#define CACHE_MAX (1u << 16)
#define CACHE_KEY_BYTES (1u << 20)
#define CACHE_TOTAL_BYTES (8u << 20)
#define CACHE_WORD_MAX 64

struct word_cache *themes_cache_get(const struct themes *th, enum text_lang lang)
{
	struct word_cache *wc = &th->cache[lang];

	if (!wc->ready) {
		wc->st = stem_new(lang);
		hmap_init(&wc->map, 1024);
		wc->front = xcalloc((size_t)1 << WORD_FRONT_BITS, sizeof(*wc->front));
		wc->ready = 1;
	}
	return wc;
}

static void cache_empty(struct word_cache *wc)
{
	hmap_free(&wc->map);
	hmap_init(&wc->map, 1024);
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
	if (sc->wc->map.n >= CACHE_MAX || sc->wc->map.keys.len + n + 1 > CACHE_KEY_BYTES)
		cache_empty(sc->wc);
	else if (sc->wc->map.n % 1024 == 0 && themes_cache_memory(sc->th) > CACHE_TOTAL_BYTES)
		for (int l = 0; l < TEXT_LANG_COUNT; l++)
			if (sc->th->cache[l].ready)
				cache_empty(&sc->th->cache[l]);
	hmap_put(&sc->wc->map, s, n, h, sym);
	return sym;
}

void themes_cache_free(struct themes *th)
{
	for (int l = 0; th->cache && l < TEXT_LANG_COUNT; l++)
		if (th->cache[l].ready) {
			stem_free(th->cache[l].st);
			hmap_free(&th->cache[l].map);
			free(th->cache[l].front);
		}
	free(th->cache);
}

size_t themes_cache_memory(const struct themes *th)
{
	size_t m = 0;

	for (int l = 0; th->cache && l < TEXT_LANG_COUNT; l++)
		if (th->cache[l].ready)
			m += hmap_memory(&th->cache[l].map) +
			     ((size_t)1 << WORD_FRONT_BITS) * sizeof(struct word_front);
	return m;
}
