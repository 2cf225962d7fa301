/*
 * analyze/themes: a multilingual, explainable theme classifier. Pure, no
 * I/O; knows nothing of config/ (callers hand in plain structs).
 *
 * Theme phrases of all themes are compiled once into one Aho-Corasick
 * automaton over normalised (NFKC + case fold), tokenised (CJK as single
 * characters) and stemmed (Snowball, per language) tokens. Scoring a text
 * reads it once; its cost does not grow with the number of phrases.
 * Scores are in [0,1] and comparable across text lengths; see
 * docs/themes.md for the formula.
 */
#ifndef SW_ANALYZE_THEMES_H
#define SW_ANALYZE_THEMES_H

#include <stddef.h>

#include "common/buf.h"

#define THEMES_MAX_EVIDENCE 3
#define THEMES_EVIDENCE_CHARS 300
#define THEMES_SEGMENT_CHARS 80

struct theme_phrase {
	double weight;	  /* > 0 evidence for the theme, < 0 counter-evidence */
	const char *text; /* words as a person writes them: "cyber sovereignty", "网络主权" */
	const char *lang; /* BCP 47 tag, or NULL: matches in any language */
};

/*
 * A theme. requires / excludes entries read "PHRASE" or
 * "PHRASE within N words" (N 1..1000):
 *   requires: a positive phrase occurrence counts only if one of the
 *             required phrases occurs within N words of it (anywhere in
 *             the text without "within");
 *   excludes: a positive phrase occurrence does not count if an excluded
 *             phrase occurs within N words of it (anywhere without "within").
 * Negative phrases always count.
 */
struct theme_def {
	const char *id;
	const char *label; /* may be NULL: the id is used */
	double threshold;  /* in [0,1] */
	const struct theme_phrase *phrases;
	size_t nphrases;
	const char *const *requires;
	size_t nrequires;
	const char *const *excludes;
	size_t nexcludes;
};

struct themes;

/*
 * Compiles n theme definitions (borrowed; copied as needed). Returns the
 * compiled themes (free with themes_free), or NULL with err filled:
 * 'theme "x": phrase 3 ("..."): no words', a bad rule, a duplicate id, a
 * threshold outside [0,1]. Scoring updates a word cache inside, so calls
 * on one struct themes must not run concurrently (the daemon has one thread).
 */
struct themes *themes_compile(const struct theme_def *defs, size_t n, char *err, size_t errlen);
void themes_free(struct themes *th);

size_t themes_count(const struct themes *th);
/* Phrase variants (one per language whose stemmer changes it) in the automaton. */
size_t themes_patterns(const struct themes *th);
/* Bytes held by the compiled themes, automaton included. */
size_t themes_memory(const struct themes *th);
/*
 * Bytes held by the per-language word caches that scoring fills (not in
 * themes_memory): about 8 MiB for every language together and at most
 * 12 MiB (the total is checked every 1024 new words), whatever the input.
 */
size_t themes_cache_memory(const struct themes *th);

/*
 * Bytes of working memory the last themes_score() call on th held at its
 * peak (the result and the word caches not counted). Whatever the theme
 * file, phrase matches kept per text are bounded (nested phrases keep one
 * per theme and word, and a text keeps at most 2^20), so this stays within
 * about 30 MiB plus 24 bytes per sentence.
 */
size_t themes_scratch_memory(const struct themes *th);

struct theme_score {
	const char *id, *label; /* borrowed from the compiled themes */
	double score;		/* [0,1] */
	double threshold;
	int above;			     /* score >= threshold and score > 0 */
	int by_segment;			     /* see segment below */
	double evidence_sum;		     /* summed contributions before normalisation */
	size_t hits;			     /* phrase occurrences that counted */
	char *evidence[THEMES_MAX_EVIDENCE]; /* above only: sentences, best first, <= 300 chars */
	size_t nevidence;
	/*
	 * by_segment: the whole text left the theme below its threshold and
	 * one segment of it (docs/themes.md, "Segments") reached it, giving
	 * score and evidence (so above is set too); segment is its index (0
	 * first), segment_start its first words, <= THEMES_SEGMENT_CHARS
	 * characters. Else 0, 0, NULL.
	 */
	size_t segment;
	char *segment_start;
};

struct theme_result {
	char language[8];	    /* "en", "zh", "und" */
	size_t words;		    /* tokens; a CJK character counts as one */
	struct theme_score *themes; /* every theme, highest score first */
	size_t nthemes;
};

/*
 * Scores utf8_text (len bytes; invalid UTF-8 is tolerated) against every
 * theme. lang_hint is a BCP 47 tag (HTML lang, the source's language) or
 * NULL. Returns 0 and *out (free with theme_result_free).
 */
int themes_score(const struct themes *th, const char *utf8_text, size_t len, const char *lang_hint,
		 struct theme_result **out);
void theme_result_free(struct theme_result *r);

/*
 * {"language","words","themes":[{"id","label","score","threshold","above",
 * "evidence":[...][,"segment":{"index","start"}]}]} ("segment" when
 * by_segment) as a NUL-terminated string the caller frees;
 * pretty != 0 indents.
 */
char *themes_result_json(const struct theme_result *r, int pretty);
/* One line of the batch mode: {"id","labels":[...],"scores":{...}}, no newline. */
char *themes_result_jsonl(const struct theme_result *r, const char *id);

/*
 * learn.c: learns a theme file from labelled JSON Lines examples
 * {"id","text","labels":[...]} (see docs/themes.md: log-odds with an
 * informative Dirichlet prior; threshold by cross-validation).
 */
struct learn_opts {
	int folds;	  /* cross-validation folds for thresholds; default 5 */
	int max_phrases;  /* per label; default 40 */
	double min_z;	  /* keep phrases whose log-odds z-score is at least this; default 2.5 */
	int min_count;	  /* a phrase must occur in this many examples of the label; default 2 */
	int min_phrases;  /* per label, with z >= 1.5 when fewer reach min_z; default 0:
			     5 or 10, whichever the inner cross-validation finds better */
	int max_negative; /* counter-evidence phrases per label, lowest z first; default 40 */
	double neg_z;	  /* ... among those with a z-score of at most -neg_z; default 0.25 */
	double prior;	  /* prior pseudo-counts as a share of the feature's count; default 0.1 */
	const char *const *ignore; /* labels meaning "no theme" (e.g. "Other") */
	size_t nignore;
	const char *lang; /* language hint for every example, or NULL */
};

/* Fills o with the defaults above. */
void learn_opts_default(struct learn_opts *o);

/*
 * Reads the examples in data (len bytes, one JSON object per line; blank
 * lines skipped) and appends a theme file (INI, one [theme "label"] section
 * per label, phrases sorted by weight) to out. Returns 0, or -1 with err
 * filled ("line 7: labels is not an array of strings", "no examples").
 */
int learn_from_jsonl(const char *data, size_t len, const struct learn_opts *opts, struct buf *out,
		     char *err, size_t errlen);

#endif
