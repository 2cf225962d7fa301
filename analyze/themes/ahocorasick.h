/*
 * analyze/ahocorasick: an Aho-Corasick automaton over 32-bit symbols
 * (normalised, stemmed tokens interned by themes.c). Internal to analyze/.
 *
 * Symbols are > 0; symbol 0 means "a token no pattern contains" and sends
 * the automaton back to the root in one step, so text cost does not depend
 * on the number of patterns. Transitions live in one open-addressing hash
 * table keyed by (state, symbol), with a dense array for the root.
 */
#ifndef SW_ANALYZE_AHOCORASICK_H
#define SW_ANALYZE_AHOCORASICK_H

#include <stddef.h>
#include <stdint.h>

#define AC_ROOT 0u
#define AC_NONE UINT32_MAX

struct ac;

struct ac *ac_new(void);
void ac_free(struct ac *ac);

/*
 * Adds the pattern syms[0..n) (n >= 1, every symbol > 0) before ac_build.
 * Returns its id, dense from 0; adding a sequence again returns the first
 * id.
 */
uint32_t ac_add(struct ac *ac, const uint32_t *syms, size_t n);

/* Computes failure and dictionary links; no ac_add afterwards. */
void ac_build(struct ac *ac);

/* The state after reading sym in state. */
uint32_t ac_step(const struct ac *ac, uint32_t state, uint32_t sym);

/*
 * Matches ending in a state, longest first: start with
 * s = ac_first_match(ac, state) and continue with s = ac_next_match(ac, s)
 * while s != AC_ROOT; ac_match_id(ac, s) is the pattern matched.
 */
uint32_t ac_first_match(const struct ac *ac, uint32_t state);
uint32_t ac_next_match(const struct ac *ac, uint32_t s);
uint32_t ac_match_id(const struct ac *ac, uint32_t s);

size_t ac_pattern_len(const struct ac *ac, uint32_t id);
size_t ac_npatterns(const struct ac *ac);
size_t ac_nstates(const struct ac *ac);
/* Bytes held by the automaton. */
size_t ac_memory(const struct ac *ac);

#endif
