/*
 * analyze/text: normalisation, tokenisation, sentence segmentation and
 * language identification (see text.h for the rules).
 */
#include "analyze/themes/text.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <utf8proc.h>

#include "analyze/utf8.h"
#include "common/xmalloc.h"

#define NONE SIZE_MAX
#define DETECT_BYTES (64 * 1024)
#define DETECT_TOKENS 2000

static const char *const lang_codes[TEXT_LANG_COUNT] = {
    [TEXT_LANG_UND] = "und", [TEXT_LANG_EN] = "en", [TEXT_LANG_FR] = "fr", [TEXT_LANG_ES] = "es",
    [TEXT_LANG_DE] = "de",   [TEXT_LANG_IT] = "it", [TEXT_LANG_PT] = "pt", [TEXT_LANG_NL] = "nl",
    [TEXT_LANG_RU] = "ru",   [TEXT_LANG_AR] = "ar", [TEXT_LANG_ZH] = "zh", [TEXT_LANG_JA] = "ja",
};

const char *text_lang_code(enum text_lang lang)
{
	if ((unsigned)lang >= TEXT_LANG_COUNT)
		return "und";
	return lang_codes[lang];
}

enum text_lang text_lang_from_tag(const char *tag)
{
	size_t n;

	if (!tag)
		return TEXT_LANG_UND;
	n = strcspn(tag, "-_ ");
	for (int i = 1; i < TEXT_LANG_COUNT; i++)
		if (n == 2 && strncasecmp(tag, lang_codes[i], 2) == 0)
			return (enum text_lang)i;
	return TEXT_LANG_UND;
}

/* The character at sc->s[at] (see utf8_next): its length, *cp the code point or -1. */
static size_t scan_cp(const struct text_scan *sc, size_t at, int32_t *cp)
{
	return utf8_next(sc->s + at, sc->len - at, cp);
}

static int is_cjk(int32_t cp)
{
	if (cp < 0x3040)
		return 0;
	return (cp >= 0x3040 && cp <= 0x30ff) || /* hiragana, katakana */
	       (cp >= 0x31f0 && cp <= 0x31ff) || /* katakana extensions */
	       (cp >= 0x3400 && cp <= 0x4dbf) || /* Han extension A */
	       (cp >= 0x4e00 && cp <= 0x9fff) || /* Han */
	       (cp >= 0xf900 && cp <= 0xfaff) || /* Han compatibility */
	       (cp >= 0xff66 && cp <= 0xff9f) || /* half-width katakana */
	       (cp >= 0x20000 && cp <= 0x3134f); /* Han extensions B-G */
}

/* Classes of bytes for the ASCII fast paths: 1 letter, 2 digit, 0 anything else. */
#define L 1
#define D 2
static const unsigned char ascii_class[256] = {
    ['0'] = D, ['1'] = D, ['2'] = D, ['3'] = D, ['4'] = D, ['5'] = D, ['6'] = D, ['7'] = D,
    ['8'] = D, ['9'] = D, ['A'] = L, ['B'] = L, ['C'] = L, ['D'] = L, ['E'] = L, ['F'] = L,
    ['G'] = L, ['H'] = L, ['I'] = L, ['J'] = L, ['K'] = L, ['L'] = L, ['M'] = L, ['N'] = L,
    ['O'] = L, ['P'] = L, ['Q'] = L, ['R'] = L, ['S'] = L, ['T'] = L, ['U'] = L, ['V'] = L,
    ['W'] = L, ['X'] = L, ['Y'] = L, ['Z'] = L, ['a'] = L, ['b'] = L, ['c'] = L, ['d'] = L,
    ['e'] = L, ['f'] = L, ['g'] = L, ['h'] = L, ['i'] = L, ['j'] = L, ['k'] = L, ['l'] = L,
    ['m'] = L, ['n'] = L, ['o'] = L, ['p'] = L, ['q'] = L, ['r'] = L, ['s'] = L, ['t'] = L,
    ['u'] = L, ['v'] = L, ['w'] = L, ['x'] = L, ['y'] = L, ['z'] = L,
};
#undef L
#undef D

/* ASCII letters and digits: the common case, tested without decoding. */
static int ascii_word(unsigned char c)
{
	return ascii_class[c] != 0;
}

static int is_word(int32_t cp)
{
	if (cp < 0x80)
		return (cp >= '0' && cp <= '9') || ((cp | 0x20) >= 'a' && (cp | 0x20) <= 'z');
	if (cp < 0)
		return 0;
	switch (utf8proc_category(cp)) {
	case UTF8PROC_CATEGORY_LU:
	case UTF8PROC_CATEGORY_LL:
	case UTF8PROC_CATEGORY_LT:
	case UTF8PROC_CATEGORY_LM:
	case UTF8PROC_CATEGORY_LO:
	case UTF8PROC_CATEGORY_MN:
	case UTF8PROC_CATEGORY_MC:
	case UTF8PROC_CATEGORY_ME:
	case UTF8PROC_CATEGORY_ND:
	case UTF8PROC_CATEGORY_NL:
	case UTF8PROC_CATEGORY_NO:
		return 1;
	default:
		return 0;
	}
}

static int is_space(int32_t cp)
{
	utf8proc_category_t c;

	if (cp < 0x80)
		return cp == ' ' || (cp >= '\t' && cp <= '\r');
	if (cp < 0)
		return 0;
	c = utf8proc_category(cp);
	return c == UTF8PROC_CATEGORY_ZS || c == UTF8PROC_CATEGORY_ZL ||
	       c == UTF8PROC_CATEGORY_ZP || cp == 0x85;
}

static int is_lower(int32_t cp)
{
	if (cp < 0x80)
		return cp >= 'a' && cp <= 'z';
	return cp > 0 && utf8proc_category(cp) == UTF8PROC_CATEGORY_LL;
}

/* Format characters (soft hyphen, zero-width joiner) inside a word stay in it. */
static int is_format(int32_t cp)
{
	return cp >= 0x80 && utf8proc_category(cp) == UTF8PROC_CATEGORY_CF;
}

static int is_closer(int32_t cp)
{
	utf8proc_category_t c;

	if (cp == '"' || cp == '\'' || cp == ')' || cp == ']')
		return 1;
	if (cp < 0x80 || cp < 0)
		return 0;
	c = utf8proc_category(cp);
	return c == UTF8PROC_CATEGORY_PE || c == UTF8PROC_CATEGORY_PF;
}

void text_fold_token(const char *s, size_t len, struct buf *out)
{
	utf8proc_uint8_t *dst = NULL;
	utf8proc_ssize_t r;
	size_t i;

	for (i = 0; i < len && !((unsigned char)s[i] & 0x80); i++)
		;
	if (i == len) {
		for (i = 0; i < len; i++) {
			char c = s[i];
			buf_append_char(out, (c >= 'A' && c <= 'Z') ? (char)(c | 0x20) : c);
		}
		return;
	}
	r = utf8proc_map((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)len, &dst,
			 UTF8PROC_STABLE | UTF8PROC_COMPAT | UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD |
			     UTF8PROC_IGNORE);
	if (r < 0) {
		buf_append(out, s, len);
		return;
	}
	buf_append(out, dst, (size_t)r);
	free(dst);
}

char *text_normalize(const char *s, size_t len, size_t *outlen)
{
	struct buf clean, out;
	size_t pos = 0, n;
	int32_t cp;

	buf_init(&clean);
	buf_init(&out);
	while (pos < len) {
		n = utf8_next(s + pos, len - pos, &cp);
		if (cp < 0)
			buf_append(&clean, "\xef\xbf\xbd", 3);
		else
			buf_append(&clean, s + pos, n);
		pos += n;
	}
	if (clean.len)
		text_fold_token(clean.data, clean.len, &out);
	buf_free(&clean);
	if (outlen)
		*outlen = out.len;
	return buf_steal(&out);
}

int text_token_is_cjk(const char *s, size_t len)
{
	size_t n;
	int32_t cp;

	if (len == 0 || !((unsigned char)s[0] & 0x80))
		return 0;
	n = utf8_next(s, len, &cp);
	return n == len && is_cjk(cp);
}

void text_scan_init(struct text_scan *sc, const char *s, size_t len)
{
	memset(sc, 0, sizeof(*sc));
	sc->s = s;
	sc->len = s ? len : 0;
	sc->tok_start = NONE;
	sc->prev_start = sc->prev_end = NONE;
	sc->sent_start = NONE;
}

static enum text_event emit_token(struct text_scan *sc, struct text_span *span, size_t start,
				  size_t end)
{
	span->start = start;
	span->end = end;
	sc->prev_start = start;
	sc->prev_end = end;
	sc->tok_start = NONE;
	sc->tokens_in_sentence++;
	return TEXT_TOKEN;
}

static enum text_event emit_boundary(struct text_scan *sc, struct text_span *span)
{
	span->start = sc->sent_start == NONE ? sc->last_nonspace : sc->sent_start;
	span->end = sc->last_nonspace;
	sc->sent_start = NONE;
	sc->tokens_in_sentence = 0;
	return TEXT_BOUNDARY;
}

static const char *const abbreviations[] = {
    "mr",  "mrs",  "ms",     "dr",   "st",  "no",   "nos",    "prof", "gen",  "sen",
    "rep", "gov",  "jr",     "sr",   "vs",  "art",  "fig",    "vol",  "pp",   "cf",
    "mt",  "lt",   "col",    "capt", "hon", "amb",  "messrs", "mme",  "mlle", "sra",
    "sr",  "dept", "approx", "ca",   "op",  "para", "paras",
};

static int prev_is_abbreviation(const struct text_scan *sc, size_t dot)
{
	size_t n;

	if (sc->prev_end != dot || sc->prev_start == NONE)
		return 0;
	n = sc->prev_end - sc->prev_start;
	if (n == 1)
		return 1; /* an initial: "J. Smith", "U.S." */
	if (n > 6)
		return 0; /* longer than any abbreviation below */
	for (size_t i = 0; i < sizeof(abbreviations) / sizeof(abbreviations[0]); i++)
		if (abbreviations[i][0] == (sc->s[sc->prev_start] | 0x20) &&
		    strncasecmp(abbreviations[i], sc->s + sc->prev_start, n) == 0 &&
		    abbreviations[i][n] == '\0')
			return 1;
	return 0;
}

/* Skips closing quotes and brackets after a terminator; returns the code point after them. */
static int32_t skip_closers(struct text_scan *sc)
{
	size_t n;
	int32_t cp;

	while (sc->pos < sc->len) {
		n = scan_cp(sc, sc->pos, &cp);
		if (!is_closer(cp))
			return cp;
		sc->pos += n;
		sc->last_nonspace = sc->pos;
	}
	return -2; /* end of text */
}

static int32_t next_nonspace(const struct text_scan *sc, size_t from)
{
	size_t n;
	int32_t cp;

	while (from < sc->len) {
		n = scan_cp(sc, from, &cp);
		if (!is_space(cp))
			return cp;
		from += n;
	}
	return -2;
}

/* Decides whether the terminator cp just read (ending at sc->pos) ends the sentence. */
static int terminator_ends(struct text_scan *sc, int32_t cp, size_t at)
{
	int32_t after;

	if (cp == 0x3002 || cp == 0xff01 || cp == 0xff1f) {
		skip_closers(sc);
		return 1;
	}
	if (cp != '.' && cp != '!' && cp != '?' && cp != 0x2026)
		return 0;
	after = skip_closers(sc);
	if (after != -2 && !is_space(after))
		return 0;
	if (cp != '.')
		return 1;
	if (prev_is_abbreviation(sc, at))
		return 0;
	return !is_lower(next_nonspace(sc, sc->pos));
}

/* At a line break: consumes the whitespace run; 1 if it ends a sentence. */
static int line_break_ends(struct text_scan *sc)
{
	int newlines = 0;
	size_t n;
	int32_t cp;

	while (sc->pos < sc->len) {
		n = scan_cp(sc, sc->pos, &cp);
		if (!is_space(cp))
			break;
		if (cp == '\n' || cp == 0x2028)
			newlines++;
		if (cp == 0x2029)
			newlines += 2;
		sc->pos += n;
	}
	if (!sc->tokens_in_sentence)
		return 0;
	if (newlines >= 2 || sc->pos >= sc->len)
		return 1;
	return !is_lower(next_nonspace(sc, sc->pos));
}

/*
 * Fast path for the bytes most text is made of: consumes one plain space
 * outside a word, or a run of ASCII letters and digits. A run followed by
 * an ASCII non-word byte is a whole token: it is emitted at once (with one
 * following space consumed, as the general path would). Returns 0 when the
 * general path must look at the next character, 1 to continue, 2 when
 * *span holds a token.
 */
static int scan_ascii_run(struct text_scan *sc, struct text_span *span)
{
	const unsigned char *s = (const unsigned char *)sc->s;
	size_t p = sc->pos;

	if (s[p] == ' ' && sc->tok_start == NONE) {
		sc->pos++;
		return 1;
	}
	if (!ascii_word(s[p]))
		return 0;
	if (sc->tok_start == NONE)
		sc->tok_start = p;
	if (sc->sent_start == NONE)
		sc->sent_start = p;
	while (p < sc->len && ascii_word(s[p]))
		p++;
	sc->pos = p;
	sc->last_nonspace = p;
	if (p == sc->len || s[p] >= 0x80)
		return 1; /* end of text, or a format character may continue the word */
	emit_token(sc, span, sc->tok_start, p);
	if (s[p] == ' ')
		sc->pos++;
	return 2;
}

/* Consumes n bytes of visible text at sc->pos; a sentence starts there if none has. */
static void take_visible(struct text_scan *sc, size_t n)
{
	if (sc->sent_start == NONE)
		sc->sent_start = sc->pos;
	sc->pos += n;
	sc->last_nonspace = sc->pos;
}

enum text_event text_scan_next(struct text_scan *sc, struct text_span *span)
{
	size_t n;
	int32_t cp;

	for (;;) {
		if (sc->pos >= sc->len) {
			if (sc->tok_start != NONE)
				return emit_token(sc, span, sc->tok_start, sc->pos);
			if (sc->tokens_in_sentence)
				return emit_boundary(sc, span);
			return TEXT_END;
		}
		switch (scan_ascii_run(sc, span)) {
		case 1:
			continue;
		case 2:
			return TEXT_TOKEN;
		default:
			break;
		}
		n = scan_cp(sc, sc->pos, &cp);
		if (is_word(cp) && !is_cjk(cp)) {
			if (sc->tok_start == NONE)
				sc->tok_start = sc->pos;
			take_visible(sc, n);
			continue;
		}
		if (sc->tok_start != NONE && is_format(cp)) {
			sc->pos += n;
			continue;
		}
		if (sc->tok_start != NONE)
			return emit_token(sc, span, sc->tok_start, sc->pos);
		if (is_cjk(cp)) {
			take_visible(sc, n);
			return emit_token(sc, span, sc->pos - n, sc->pos);
		}
		if (is_space(cp)) {
			if (cp == '\n' || cp == 0x2028 || cp == 0x2029) {
				if (line_break_ends(sc))
					return emit_boundary(sc, span);
				continue;
			}
			sc->pos += n;
			continue;
		}
		take_visible(sc, n);
		if (sc->tokens_in_sentence && terminator_ends(sc, cp, sc->pos - n))
			return emit_boundary(sc, span);
	}
}

size_t text_sentences(const char *s, size_t len, struct text_span **out)
{
	struct text_scan sc;
	struct text_span span, *v = NULL;
	size_t n = 0, cap = 0;
	enum text_event ev;

	text_scan_init(&sc, s, len);
	while ((ev = text_scan_next(&sc, &span)) != TEXT_END) {
		if (ev != TEXT_BOUNDARY)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			v = xreallocarray(v, cap, sizeof(*v));
		}
		v[n++] = span;
	}
	*out = v;
	return n;
}

/* Language identification. */

enum script { SC_NONE, SC_LATIN, SC_CYRILLIC, SC_ARABIC, SC_HAN, SC_KANA, SC_COUNT };

static enum script script_of(int32_t cp)
{
	if (cp < 0x80)
		return ((cp | 0x20) >= 'a' && (cp | 0x20) <= 'z') ? SC_LATIN : SC_NONE;
	if (cp < 0x250 || (cp >= 0x1e00 && cp <= 0x1eff))
		return is_word(cp) ? SC_LATIN : SC_NONE;
	if (cp >= 0x400 && cp <= 0x52f)
		return SC_CYRILLIC;
	if ((cp >= 0x600 && cp <= 0x6ff) || (cp >= 0x750 && cp <= 0x77f) ||
	    (cp >= 0xfb50 && cp <= 0xfdff) || (cp >= 0xfe70 && cp <= 0xfeff))
		return is_word(cp) ? SC_ARABIC : SC_NONE;
	if ((cp >= 0x3040 && cp <= 0x30ff) || (cp >= 0xff66 && cp <= 0xff9f))
		return SC_KANA;
	if (is_cjk(cp))
		return SC_HAN;
	return SC_NONE;
}

/*
 * The number of ASCII letters in the 8 bytes at s, or SIZE_MAX when one of
 * them is not ASCII. Bytewise in a 64-bit word: with bit 5 set, a letter is
 * in 'a'..'z'; no byte below 0x80 carries into the next when adding.
 */
static size_t ascii8_letters(const char *s)
{
	const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
	uint64_t w, x, letters;

	memcpy(&w, s, 8);
	if (w & high)
		return SIZE_MAX;
	x = w | (0x20 * ones);
	letters = (x + (0x80 - 'a') * ones) & ~(x + (0x80 - 'z' - 1) * ones) & high;
	return (size_t)(((letters >> 7) * ones) >> 56);
}

static enum script dominant_script(const char *s, size_t len, size_t *kana, size_t *han)
{
	size_t count[SC_COUNT] = {0}, pos = 0, n;
	enum script best = SC_NONE;
	int32_t cp;

	if (len > DETECT_BYTES)
		len = DETECT_BYTES;
	while (pos < len) {
		if (pos + 8 <= len) {
			size_t latin = ascii8_letters(s + pos);
			if (latin != SIZE_MAX) {
				count[SC_LATIN] += latin;
				count[SC_NONE] += 8 - latin;
				pos += 8;
				continue;
			}
		}
		n = utf8_next(s + pos, len - pos, &cp);
		count[script_of(cp)]++;
		pos += n;
	}
	count[SC_HAN] += count[SC_KANA];
	/* A Han character carries about as much text as a short Latin word. */
	count[SC_HAN] *= 3;
	for (int i = SC_LATIN; i < SC_COUNT; i++)
		if (i != SC_KANA && count[i] > count[best])
			best = (enum script)i;
	*kana = count[SC_KANA];
	*han = count[SC_HAN] / 3;
	return best;
}

static enum script script_of_lang(enum text_lang l)
{
	switch (l) {
	case TEXT_LANG_RU:
		return SC_CYRILLIC;
	case TEXT_LANG_AR:
		return SC_ARABIC;
	case TEXT_LANG_ZH:
	case TEXT_LANG_JA:
		return SC_HAN;
	case TEXT_LANG_UND:
		return SC_NONE;
	default:
		return SC_LATIN;
	}
}

/*
 * The most frequent function words. A word frequent in several languages
 * (la, de, en) is listed for each of them: it then adds to all and decides
 * nothing, while leaving it out of one (Spanish "la", "de", "en") made short
 * Spanish text read as French ("a la vida, a la libertad"). Words that are
 * also English words ("a", "no", "o") are left out, or an English headline
 * would read as Spanish or Portuguese.
 */
#define STOPWORDS 32
static const char *const stopwords[][STOPWORDS] = {
    [TEXT_LANG_EN] = {"the",  "and",  "of",  "to",  "is",    "that", "for", "it",   "with",
		      "as",   "on",   "be",  "by",  "this",  "are",  "we",  "have", "our",
		      "will", "from", "not", "has", "which", "at",   "was", "their"},
    [TEXT_LANG_FR] = {"le",  "la",    "les", "des",  "et",   "est",  "du",   "un",
		      "une", "pour",  "que", "qui",  "dans", "sur",  "pas",  "nous",
		      "au",  "aux",   "par", "avec", "ce",   "sont", "plus", "d",
		      "l",   "cette", "de",  "en",   "à",    "ne",   "sa",   "ou"},
    [TEXT_LANG_ES] = {"el",   "los",   "las", "del",	 "y",	 "que",	 "es",	    "por",
		      "para", "con",   "una", "se",	 "al",	 "lo",	 "como",    "más",
		      "su",   "sus",   "ha",  "nuestro", "este", "esta", "también", "entre",
		      "han",  "hemos", "la",  "de",	 "en",	 "ni",	 "un",	    "está"},
    [TEXT_LANG_DE] = {"der",  "die", "das",    "und",  "ist",  "nicht", "den",	 "dem",	 "ein",
		      "eine", "zu",  "mit",    "von",  "für",  "auf",	"wir",	 "sich", "auch",
		      "im",   "des", "werden", "wird", "sind", "dass",	"einer", "haben"},
    [TEXT_LANG_IT] = {"il",    "della",	 "di",	"che", "è",	"per",	 "non",	  "sono",
		      "gli",   "delle",	 "nel", "con", "anche", "dei",	 "alla",  "più",
		      "degli", "questo", "una", "le",  "del",	"siamo", "nella", "ed",
		      "ha",    "essere", "la",	"un",  "in"},
    [TEXT_LANG_PT] = {"o",   "os",  "da",  "do",     "das", "dos", "que",  "em",   "para",
		      "com", "não", "uma", "um",     "é",   "por", "mais", "na",   "no",
		      "ao",  "seu", "sua", "também", "são", "foi", "pelo", "pela", "de"},
    [TEXT_LANG_NL] = {"de",	"het",	 "een",	 "en",	 "van", "te",	"dat", "die",  "in",
		      "is",	"niet",	 "op",	 "zijn", "met", "voor", "wij", "ook",  "aan",
		      "worden", "wordt", "deze", "naar", "bij", "onze", "om",  "heeft"},
};

static int stopword_lang(const char *w, size_t n, int counts[TEXT_LANG_COUNT])
{
	int hit = 0;

	for (int l = TEXT_LANG_EN; l <= TEXT_LANG_NL; l++)
		for (int i = 0; i < STOPWORDS && stopwords[l][i]; i++)
			if (strlen(stopwords[l][i]) == n && memcmp(stopwords[l][i], w, n) == 0) {
				counts[l]++;
				hit = 1;
			}
	return hit;
}

static enum text_lang latin_language(const char *s, size_t len)
{
	int counts[TEXT_LANG_COUNT] = {0}, tokens = 0;
	enum text_lang best;
	struct text_scan sc;
	struct text_span sp;
	struct buf w;
	enum text_event ev;

	buf_init(&w);
	text_scan_init(&sc, s, len > DETECT_BYTES ? DETECT_BYTES : len);
	while (tokens < DETECT_TOKENS && (ev = text_scan_next(&sc, &sp)) != TEXT_END) {
		if (ev != TEXT_TOKEN || sp.end - sp.start > 16)
			continue;
		buf_reset(&w);
		text_fold_token(s + sp.start, sp.end - sp.start, &w);
		stopword_lang(buf_str(&w), w.len, counts);
		tokens++;
	}
	buf_free(&w);
	/* No function word at all (a headline, a list of terms): English is the likeliest. */
	best = TEXT_LANG_EN;
	for (int l = TEXT_LANG_EN; l <= TEXT_LANG_NL; l++)
		if (counts[l] > counts[best])
			best = (enum text_lang)l;
	return best;
}

enum text_lang text_detect_language(const char *s, size_t len, const char *hint)
{
	enum text_lang h = text_lang_from_tag(hint);
	size_t kana, han;
	enum script sc = dominant_script(s, len, &kana, &han);

	if (h != TEXT_LANG_UND && (sc == SC_NONE || script_of_lang(h) == sc))
		return h;
	switch (sc) {
	case SC_CYRILLIC:
		return TEXT_LANG_RU;
	case SC_ARABIC:
		return TEXT_LANG_AR;
	case SC_HAN:
		return kana * 10 >= han ? TEXT_LANG_JA : TEXT_LANG_ZH;
	case SC_LATIN:
		return latin_language(s, len);
	default:
		return TEXT_LANG_UND;
	}
}
