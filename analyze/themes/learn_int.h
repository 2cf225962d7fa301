/*
 * analyze/themes/learn_int.h: the learner's state, shared by learn.c
 * (examples, features, phrase selection, the theme file) and learn_cv.c
 * (the inner cross-validation: thresholds and the choice of min_phrases).
 * Not part of the module's interface.
 */
#ifndef SW_ANALYZE_THEMES_LEARN_INT_H
#define SW_ANALYZE_THEMES_LEARN_INT_H

#include <stddef.h>
#include <stdint.h>

#include "analyze/themes/themes.h"

#define WEIGHT_MIN 0.2
#define WEIGHT_MAX 4.0
#define FALLBACK_PHRASES 5
#define FILL_Z 1.5   /* the z-score floor of phrases added up to min_phrases */
#define LEARN_GRID 2 /* settings tried by the inner cross-validation, at most */

struct example {
	char *text;
	uint32_t *labels; /* indices into labels */
	size_t nlabels;
	int fold;
};

struct feat {
	char *key;     /* stems joined by ' ' */
	char *surface; /* folded words as first seen, for the theme file */
	uint32_t *ex;  /* examples containing it, ascending, unique */
	size_t nex;
};

struct learner {
	const struct learn_opts *o;
	struct example *ex;
	size_t nex;
	char **labels;
	size_t nlabels;
	struct feat *feats; /* every feature seen in at least one example */
	size_t nfeats;
	int min_count, min_phrases; /* in use: from o, or the setting being tried */
};

struct cand {
	double z, delta;
	size_t feat;
};

/* The phrases chosen per label: positive ones by z, then counter-evidence. */
struct selection {
	struct cand **c; /* per label */
	size_t *n, *cap;
};

/* One setting of the inner cross-validation and what it reached. */
struct learn_setting {
	int min_count, min_phrases;
	double micro, macro; /* F1 of the decisions over the held-out examples */
};

/* What the inner cross-validation decided; thr and f1 have nlabels entries. */
struct learn_cv {
	double *thr, *f1; /* f1 0: never found, the median threshold */
	int single;	  /* single-label data: the best-theme rule */
	struct learn_setting tried[LEARN_GRID];
	size_t ntried, chosen;
};

/* Selects phrases from the examples outside fold (-1: all) into s. */
void learn_select(const struct learner *L, int fold, struct selection *s);
void learn_selection_free(const struct learner *L, struct selection *s);
/* Compiles a selection into themes with threshold 0 (scores only); NULL on error. */
struct themes *learn_selection_compile(const struct learner *L, const struct selection *s);
int learn_has_label(const struct example *e, size_t l);

/*
 * Runs the inner cross-validation: for each setting to try (min_phrases
 * 10 or 5, unless o fixes it), learns each fold's
 * themes from the other folds and scores the fold with the engine; keeps
 * the setting whose decisions, at the thresholds chosen on the same
 * held-out scores, have the best mean of micro- and macro-F1 (the first
 * tried on a tie). Sets L->min_count and L->min_phrases and fills cv (free
 * with learn_cv_free).
 */
void learn_cv_run(struct learner *L, struct learn_cv *cv);
void learn_cv_free(struct learn_cv *cv);

#endif
