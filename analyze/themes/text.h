/*
 * analyze/text: the text pipeline under the theme engine. Pure, no I/O.
 *
 * - normalisation: NFKC + Unicode case folding (utf8proc); invalid UTF-8
 *   bytes never reach utf8proc (they separate tokens / become U+FFFD);
 * - tokenisation: runs of letters, digits and combining marks are words;
 *   Han ideographs and kana are one token per character, so Chinese and
 *   Japanese phrases match as character sequences; everything else
 *   (spaces, punctuation, hyphens, apostrophes) separates tokens;
 * - sentence segmentation: . ! ? followed by space or end (not after a
 *   known abbreviation or a single letter, not before a lower-case word),
 *   。！？ always, a blank line always, a line break unless the next
 *   line starts with a lower-case letter (hard-wrapped prose);
 * - language identification: hint first (unless the script contradicts
 *   it), else script, else a stop-word profile for the Latin languages
 *   (English when no function word is found);
 * - stemming (stem.c): Snowball stemmers from libstemmer, per language.
 */
#ifndef SW_ANALYZE_TEXT_H
#define SW_ANALYZE_TEXT_H

#include <stddef.h>

#include "common/buf.h"

/* Languages the engine tells apart. TEXT_LANG_UND: unknown, no stemming. */
enum text_lang {
	TEXT_LANG_UND = 0,
	TEXT_LANG_EN,
	TEXT_LANG_FR,
	TEXT_LANG_ES,
	TEXT_LANG_DE,
	TEXT_LANG_IT,
	TEXT_LANG_PT,
	TEXT_LANG_NL,
	TEXT_LANG_RU,
	TEXT_LANG_AR,
	TEXT_LANG_ZH,
	TEXT_LANG_JA,
	TEXT_LANG_COUNT
};

/* "en", "zh", ... ("und" for TEXT_LANG_UND). Static string. */
const char *text_lang_code(enum text_lang lang);
/* A BCP 47 tag ("en-GB", "zh_CN", "RU") to a language; unknown: UND. */
enum text_lang text_lang_from_tag(const char *tag);

/*
 * NFKC + case folding of a whole string; invalid UTF-8 sequences become
 * U+FFFD first. Returns a NUL-terminated string the caller frees; *outlen
 * (may be NULL) receives its length.
 */
char *text_normalize(const char *s, size_t len, size_t *outlen);

/*
 * Appends the normalised form of one token (bytes from text_scan_next) to
 * out. ASCII takes a fast path; otherwise as text_normalize.
 */
void text_fold_token(const char *s, size_t len, struct buf *out);

enum text_event {
	TEXT_END = 0,
	TEXT_TOKEN,    /* span = the token's bytes */
	TEXT_BOUNDARY, /* a sentence ended; span = the whole sentence */
};

struct text_span {
	size_t start, end; /* byte offsets, end exclusive */
};

/* Iterator over tokens and sentence ends in one pass. Fields are private. */
struct text_scan {
	const char *s;
	size_t len, pos;
	size_t tok_start;  /* of the token being read; SIZE_MAX: none */
	size_t prev_start; /* previous token, for abbreviation checks */
	size_t prev_end;
	size_t sent_start;    /* SIZE_MAX: no non-space byte yet */
	size_t last_nonspace; /* end offset of the last non-space character */
	int tokens_in_sentence;
	int at_end;
};

void text_scan_init(struct text_scan *sc, const char *s, size_t len);
/* Next event; span filled for TEXT_TOKEN and TEXT_BOUNDARY. */
enum text_event text_scan_next(struct text_scan *sc, struct text_span *span);

/* 1 if the token at s (as given by text_scan_next) is one CJK character. */
int text_token_is_cjk(const char *s, size_t len);

/*
 * Sentence spans of s, in order (sentences without any token are
 * skipped). Returns the count; *out is allocated (caller frees), NULL
 * when 0.
 */
size_t text_sentences(const char *s, size_t len, struct text_span **out);

/*
 * The language of s. hint (a BCP 47 tag from HTML lang, the source or the
 * user; may be NULL) wins when it is a known language whose script agrees
 * with the text's dominant script. Reads at most the first 64 KiB.
 */
enum text_lang text_detect_language(const char *s, size_t len, const char *hint);

/* Snowball stemming (stem.c). */
struct stemmer;

/* A stemmer for lang, or NULL when the language has none (zh, ja, und). */
struct stemmer *stem_new(enum text_lang lang);
void stem_free(struct stemmer *st);
/*
 * Stems the normalised word w (len bytes). Returns a pointer valid until
 * the next call on st and sets *outlen; with st NULL returns w itself.
 */
const char *stem_word(struct stemmer *st, const char *w, size_t len, size_t *outlen);

#endif
