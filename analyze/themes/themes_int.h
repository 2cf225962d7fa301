/*
 * analyze/themes internals shared by the files of the theme engine: the
 * compiled form (themes_compile.c), the per-language word cache
 * (themes_cache.c), the scan of a text into phrase hits (themes_scan.c),
 * scoring (themes_score.c) and evidence sentences (themes_evidence.c).
 * Not a public interface: callers use themes.h.
 */
#ifndef SW_ANALYZE_THEMES_INT_H
#define SW_ANALYZE_THEMES_INT_H

#include <stddef.h>
#include <stdint.h>

#include "analyze/themes/text.h"
#include "analyze/themes/themes.h"
#include "common/buf.h"
#include "common/hmap.h"

#define PHRASE_MAX_TOKENS 32 /* words of one phrase */

enum entry_kind { ENTRY_PHRASE, ENTRY_REQUIRE, ENTRY_EXCLUDE };

/* What a pattern means for one theme; a pattern can serve several. */
struct entry {
	uint32_t theme;
	uint32_t index; /* phrase index, or rule index for rules */
	float weight;
	uint16_t mask; /* languages (1 << enum text_lang) in which it applies */
	uint8_t kind;
};

/* One compiled theme. */
struct ctheme {
	char *id, *label;
	double threshold;
	size_t nphrases;
	uint32_t *req_within, *exc_within; /* 0: anywhere in the text */
	size_t nreq, nexc;
};

/*
 * A slot of a word cache's front: a token of at most WORD_FRONT_KEY bytes,
 * zero-padded, and its symbol.
 */
#define WORD_FRONT_KEY 16
#define WORD_FRONT_BITS 12 /* 4096 slots, 96 KiB a language */
struct word_front {
	uint64_t k0, k1; /* the token's bytes */
	uint32_t len;	 /* 0: empty */
	uint32_t sym;
};

/*
 * Per language: the stemmer and a cache from raw token bytes to symbol, kept
 * across scoring calls because stemming dominates the cost of a text. The
 * front is a direct-mapped copy of recent short tokens, looked up first: a
 * word's symbol never changes for a compiled struct themes, so any slot can
 * be overwritten at any time without changing a result.
 */
struct word_cache {
	struct stemmer *st;
	struct hmap map;
	struct word_front *front; /* 1 << WORD_FRONT_BITS */
	int ready;
};

/* The compiled themes (the handle of themes.h). */
struct themes {
	struct ctheme *t;
	size_t n;
	uint32_t *by_id;    /* theme indices in id order (strcmp) */
	uint32_t *id_rank;  /* position of each theme in by_id */
	size_t max_phrases; /* of any theme: size of the scorer's per-phrase scratch */
	struct ac *ac;
	struct hmap syms; /* stem -> symbol (1..) */
	uint32_t *pfirst; /* entries of pattern p: entries[pfirst[p] .. pfirst[p+1]) */
	struct entry *entries;
	size_t nentries;
	struct word_cache *cache; /* TEXT_LANG_COUNT; mutable behind a const themes */
	size_t *scratch;	  /* themes_scratch_memory(); mutable like cache */
};

/* One occurrence of a phrase or rule pattern, for one theme. */
struct hit {
	uint32_t theme, index;
	uint32_t start, end; /* token positions, inclusive */
	uint32_t sentence;
	float weight;
	uint8_t kind;
	uint8_t dropped;
};

/* What the counted hits of one sentence add to a theme. */
struct sent_sum {
	uint32_t sentence;
	double sum;
};

struct group; /* themes_score.c */

/* Tokens and CJK characters read up to the end of a sentence. */
struct sent_pos {
	uint32_t tokens, cjk;
};

/* A segment of a text: sentences [first, last), their effective words. */
struct segment {
	uint32_t first, last;
	double words;
};

/* A normalised score computed once per text and evidence sum (themes_score.c). */
#define SCORE_MEMO_BITS 4
struct score_memo {
	uint64_t e; /* the bits of the evidence sum */
	double score;
};

/* The state of one themes_score call. */
struct scorer {
	const struct themes *th;
	const char *text, *end; /* end: of the text being scanned */
	enum text_lang lang;
	struct word_cache *wc;
	struct buf fold;
	struct hit *hits;
	size_t nhits, hcap;
	uint32_t *phrase_at;  /* per theme: position + 1 of its last phrase hit, 0: none */
	uint32_t *phrase_hit; /* per theme: that hit's index in hits */
	struct text_span *sents;
	struct sent_pos *spos; /* per sentence, as sents */
	size_t nsents, scap;
	struct segment *segs; /* themes_segment_text; none when the text is one window */
	size_t nsegs;
	uint32_t *sent_seg;  /* segment of each sentence, nsents + 1 entries (the last: trailing) */
	char **seg_rendered; /* first words of each segment, rendered once per text */
	char **rendered;     /* evidence text per sentence, rendered once */
	size_t tokens, cjk;
	struct group *groups; /* hits per theme, see group_hits */
	size_t ngroups;
	uint32_t *seen;	     /* per phrase of the theme being scored: occurrences so far */
	struct sent_sum *ss; /* scratch for score_theme */
	size_t sscap;
	double words;					 /* effective words of the whole text */
	struct score_memo memo[2][1 << SCORE_MEMO_BITS]; /* text length, LEN_PIVOT */
};

/*
 * themes_cache.c. The word cache of lang, made on first use (the stemmer
 * and an empty map); it lives as long as th.
 */
struct word_cache *themes_cache_get(const struct themes *th, enum text_lang lang);
/*
 * The automaton symbol (0: in no phrase) of token s[0..n), which is not in
 * sc's word cache yet (h: its hmap_hash): folds and stems it, caches the
 * symbol and returns it. The scan looks the cache up itself (hot path).
 */
uint32_t themes_cache_add(struct scorer *sc, const char *s, size_t n, uint32_t h);
/* Frees every language's cache of th. */
void themes_cache_free(struct themes *th);

/*
 * themes_scan.c. Reads text[0..len) once: counts tokens (sc->tokens,
 * sc->cjk), records sentences (sc->sents) and the phrase hits of every
 * theme (sc->hits, in order of their last token).
 */
void themes_scan_text(struct scorer *sc, const char *text, size_t len);

/*
 * themes_segment.c. Splits the scanned text into segments (paragraphs in
 * windows of about SEG_WORDS words, a press conference's question kept
 * with its answer) and fills sc->segs and sc->sent_seg; leaves them empty
 * when the text fits one window, so that short texts score as before.
 */
void themes_segment_text(struct scorer *sc);
/*
 * The first THEMES_SEGMENT_CHARS characters of segment seg, rendered as
 * evidence is (once per text), as a copy the caller frees.
 */
char *themes_segment_start(struct scorer *sc, size_t seg);

/*
 * themes_score.c. Scores every theme from sc's hits and fills r->themes
 * (room for th->n), highest score first, the rest in id order.
 */
void themes_score_all(struct scorer *sc, struct theme_result *r);

/*
 * themes_evidence.c. Adds to out up to THEMES_MAX_EVIDENCE sentences among
 * ss[0..nss) with the largest positive sums, best first; renders each
 * sentence once per text (sc->rendered). Consumes the sums.
 */
void themes_evidence_pick(struct scorer *sc, struct sent_sum *ss, size_t nss,
			  struct theme_score *out);
/*
 * s[0..len) for people: whitespace collapsed, invalid UTF-8 replaced, at
 * most max characters (the last an ellipsis when cut). Caller frees.
 */
char *themes_render(const char *s, size_t len, size_t max);

#endif
