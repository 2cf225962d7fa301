/*
 * analyze/stem: Snowball stemmers (libstemmer) per language. A stemmer is
 * not thread-safe; callers make one per scoring call.
 */
#include <libstemmer.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/themes/text.h"
#include "common/xmalloc.h"

/* Longer words are left alone: they are not words a phrase would use. */
#define STEM_MAX_BYTES 256

struct stemmer {
	struct sb_stemmer *sb;
	int arabic;
};

static const char *const algorithms[TEXT_LANG_COUNT] = {
    [TEXT_LANG_EN] = "english", [TEXT_LANG_FR] = "french",  [TEXT_LANG_ES] = "spanish",
    [TEXT_LANG_DE] = "german",	[TEXT_LANG_IT] = "italian", [TEXT_LANG_PT] = "portuguese",
    [TEXT_LANG_NL] = "dutch",	[TEXT_LANG_RU] = "russian", [TEXT_LANG_AR] = "arabic",
};

struct stemmer *stem_new(enum text_lang lang)
{
	struct sb_stemmer *sb;
	struct stemmer *st;

	if ((unsigned)lang >= TEXT_LANG_COUNT || !algorithms[lang])
		return NULL;
	sb = sb_stemmer_new(algorithms[lang], "UTF_8");
	if (!sb)
		return NULL;
	st = xmalloc(sizeof(*st));
	st->sb = sb;
	st->arabic = lang == TEXT_LANG_AR;
	return st;
}

void stem_free(struct stemmer *st)
{
	if (!st)
		return;
	sb_stemmer_delete(st->sb);
	free(st);
}

/*
 * Snowball's Arabic stemmer strips "and"/"so" (و, ف) before a bare noun but
 * not before the article, so "والتعذيب" (and the torture) never meets
 * "التعذيب". The conjunction goes when the article follows and at least two
 * letters follow the article (والد, "father", keeps its و).
 */
static size_t arabic_conjunction(const char *w, size_t len)
{
	static const char article[] = "\xd8\xa7\xd9\x84"; /* ال */

	if (len < 2 + 4 + 4 || (unsigned char)w[0] != 0xd9)
		return 0;
	if ((unsigned char)w[1] != 0x88 && (unsigned char)w[1] != 0x81) /* و ف */
		return 0;
	return memcmp(w + 2, article, 4) == 0 ? 2 : 0;
}

const char *stem_word(struct stemmer *st, const char *w, size_t len, size_t *outlen)
{
	const sb_symbol *r;
	size_t skip;

	*outlen = len;
	if (!st || len == 0 || len > STEM_MAX_BYTES)
		return w;
	skip = st->arabic ? arabic_conjunction(w, len) : 0;
	w += skip;
	len -= skip;
	*outlen = len;
	r = sb_stemmer_stem(st->sb, (const sb_symbol *)w, (int)len);
	if (!r)
		return w; /* libstemmer's only failure is out of memory */
	*outlen = (size_t)sb_stemmer_length(st->sb);
	return (const char *)r;
}
