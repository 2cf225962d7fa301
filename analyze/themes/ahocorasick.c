/*
 * analyze/ahocorasick: see ahocorasick.h. Classic construction (Aho and
 * Corasick 1975): a trie, failure links by breadth-first search, and
 * dictionary links so every match ending at a position is found by
 * following only states that are matches.
 */
#include "analyze/themes/ahocorasick.h"

#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"

#define EMPTY_KEY UINT64_MAX

struct ac {
	/* per state */
	uint32_t *fail, *dict, *out, *depth;
	uint32_t *first_child, *next_sibling, *sym; /* construction only */
	size_t nstates, cap_states;
	/* transitions: (state << 32 | sym) -> state */
	uint64_t *keys;
	uint32_t *vals;
	size_t hcap, hcount; /* hcap is a power of two */
	/* dense root transitions, indexed by symbol */
	uint32_t *root;
	size_t nroot;
	/* per pattern */
	uint32_t *plen;
	size_t npatterns, cap_patterns;
	int built;
};

static size_t hash_slot(uint64_t key, size_t cap)
{
	key ^= key >> 29;
	key *= 0x9e3779b97f4a7c15ULL;
	return (size_t)(key >> 17) & (cap - 1);
}

static uint32_t hash_get(const struct ac *ac, uint32_t state, uint32_t sym)
{
	uint64_t key = (uint64_t)state << 32 | sym;
	size_t i = hash_slot(key, ac->hcap);

	for (;;) {
		if (ac->keys[i] == key)
			return ac->vals[i];
		if (ac->keys[i] == EMPTY_KEY)
			return AC_NONE;
		i = (i + 1) & (ac->hcap - 1);
	}
}

static void hash_put_raw(uint64_t *keys, uint32_t *vals, size_t cap, uint64_t key, uint32_t val)
{
	size_t i = hash_slot(key, cap);

	while (keys[i] != EMPTY_KEY)
		i = (i + 1) & (cap - 1);
	keys[i] = key;
	vals[i] = val;
}

static void hash_grow(struct ac *ac)
{
	size_t cap = ac->hcap * 2;
	uint64_t *keys = xmalloc(cap * sizeof(*keys));
	uint32_t *vals = xmalloc(cap * sizeof(*vals));

	memset(keys, 0xff, cap * sizeof(*keys));
	for (size_t i = 0; i < ac->hcap; i++)
		if (ac->keys[i] != EMPTY_KEY)
			hash_put_raw(keys, vals, cap, ac->keys[i], ac->vals[i]);
	free(ac->keys);
	free(ac->vals);
	ac->keys = keys;
	ac->vals = vals;
	ac->hcap = cap;
}

static uint32_t state_new(struct ac *ac, uint32_t depth, uint32_t sym)
{
	size_t s = ac->nstates;

	if (s == ac->cap_states) {
		size_t cap = ac->cap_states * 2;
		ac->fail = xreallocarray(ac->fail, cap, sizeof(uint32_t));
		ac->dict = xreallocarray(ac->dict, cap, sizeof(uint32_t));
		ac->out = xreallocarray(ac->out, cap, sizeof(uint32_t));
		ac->depth = xreallocarray(ac->depth, cap, sizeof(uint32_t));
		ac->first_child = xreallocarray(ac->first_child, cap, sizeof(uint32_t));
		ac->next_sibling = xreallocarray(ac->next_sibling, cap, sizeof(uint32_t));
		ac->sym = xreallocarray(ac->sym, cap, sizeof(uint32_t));
		ac->cap_states = cap;
	}
	ac->fail[s] = AC_ROOT;
	ac->dict[s] = AC_ROOT;
	ac->out[s] = AC_NONE;
	ac->depth[s] = depth;
	ac->first_child[s] = AC_NONE;
	ac->next_sibling[s] = AC_NONE;
	ac->sym[s] = sym;
	ac->nstates++;
	return (uint32_t)s;
}

struct ac *ac_new(void)
{
	struct ac *ac = xcalloc(1, sizeof(*ac));

	ac->cap_states = 64;
	ac->fail = xmalloc(ac->cap_states * sizeof(uint32_t));
	ac->dict = xmalloc(ac->cap_states * sizeof(uint32_t));
	ac->out = xmalloc(ac->cap_states * sizeof(uint32_t));
	ac->depth = xmalloc(ac->cap_states * sizeof(uint32_t));
	ac->first_child = xmalloc(ac->cap_states * sizeof(uint32_t));
	ac->next_sibling = xmalloc(ac->cap_states * sizeof(uint32_t));
	ac->sym = xmalloc(ac->cap_states * sizeof(uint32_t));
	ac->hcap = 256;
	ac->keys = xmalloc(ac->hcap * sizeof(uint64_t));
	memset(ac->keys, 0xff, ac->hcap * sizeof(uint64_t));
	ac->vals = xmalloc(ac->hcap * sizeof(uint32_t));
	state_new(ac, 0, 0);
	return ac;
}

void ac_free(struct ac *ac)
{
	if (!ac)
		return;
	free(ac->fail);
	free(ac->dict);
	free(ac->out);
	free(ac->depth);
	free(ac->first_child);
	free(ac->next_sibling);
	free(ac->sym);
	free(ac->keys);
	free(ac->vals);
	free(ac->root);
	free(ac->plen);
	free(ac);
}

static uint32_t child_add(struct ac *ac, uint32_t parent, uint32_t sym)
{
	uint32_t c = hash_get(ac, parent, sym);

	if (c != AC_NONE)
		return c;
	c = state_new(ac, ac->depth[parent] + 1, sym);
	if ((ac->hcount + 1) * 2 > ac->hcap)
		hash_grow(ac);
	hash_put_raw(ac->keys, ac->vals, ac->hcap, (uint64_t)parent << 32 | sym, c);
	ac->hcount++;
	ac->next_sibling[c] = ac->first_child[parent];
	ac->first_child[parent] = c;
	return c;
}

uint32_t ac_add(struct ac *ac, const uint32_t *syms, size_t n)
{
	uint32_t s = AC_ROOT;

	for (size_t i = 0; i < n; i++)
		s = child_add(ac, s, syms[i]);
	if (ac->out[s] != AC_NONE)
		return ac->out[s];
	if (ac->npatterns == ac->cap_patterns) {
		ac->cap_patterns = ac->cap_patterns ? ac->cap_patterns * 2 : 64;
		ac->plen = xreallocarray(ac->plen, ac->cap_patterns, sizeof(uint32_t));
	}
	ac->plen[ac->npatterns] = (uint32_t)n;
	ac->out[s] = (uint32_t)ac->npatterns;
	return (uint32_t)ac->npatterns++;
}

/* The goto function with failure links, used while building and stepping. */
static uint32_t delta(const struct ac *ac, uint32_t s, uint32_t sym)
{
	for (;;) {
		uint32_t t;
		if (s == AC_ROOT) {
			t = sym < ac->nroot ? ac->root[sym] : AC_NONE;
			return t == AC_NONE ? AC_ROOT : t;
		}
		t = hash_get(ac, s, sym);
		if (t != AC_NONE)
			return t;
		s = ac->fail[s];
	}
}

static void build_root(struct ac *ac)
{
	uint32_t maxsym = 0;

	for (uint32_t c = ac->first_child[AC_ROOT]; c != AC_NONE; c = ac->next_sibling[c])
		if (ac->sym[c] > maxsym)
			maxsym = ac->sym[c];
	ac->nroot = (size_t)maxsym + 1;
	ac->root = xmalloc(ac->nroot * sizeof(uint32_t));
	memset(ac->root, 0xff, ac->nroot * sizeof(uint32_t));
	for (uint32_t c = ac->first_child[AC_ROOT]; c != AC_NONE; c = ac->next_sibling[c])
		ac->root[ac->sym[c]] = c;
}

void ac_build(struct ac *ac)
{
	uint32_t *queue = xmalloc(ac->nstates * sizeof(uint32_t));
	size_t head = 0, tail = 0;

	build_root(ac);
	for (uint32_t c = ac->first_child[AC_ROOT]; c != AC_NONE; c = ac->next_sibling[c])
		queue[tail++] = c;
	while (head < tail) {
		uint32_t u = queue[head++];
		for (uint32_t c = ac->first_child[u]; c != AC_NONE; c = ac->next_sibling[c]) {
			uint32_t f = delta(ac, ac->fail[u], ac->sym[c]);
			ac->fail[c] = f;
			ac->dict[c] = ac->out[f] != AC_NONE ? f : ac->dict[f];
			queue[tail++] = c;
		}
	}
	free(queue);
	/* Construction-only arrays are not needed to match. */
	free(ac->first_child);
	free(ac->next_sibling);
	free(ac->sym);
	ac->first_child = ac->next_sibling = ac->sym = NULL;
	ac->built = 1;
}

uint32_t ac_step(const struct ac *ac, uint32_t state, uint32_t sym)
{
	if (sym == 0)
		return AC_ROOT;
	return delta(ac, state, sym);
}

uint32_t ac_first_match(const struct ac *ac, uint32_t state)
{
	return ac->out[state] != AC_NONE ? state : ac->dict[state];
}

uint32_t ac_next_match(const struct ac *ac, uint32_t s)
{
	return ac->dict[s];
}

uint32_t ac_match_id(const struct ac *ac, uint32_t s)
{
	return ac->out[s];
}

size_t ac_pattern_len(const struct ac *ac, uint32_t id)
{
	return id < ac->npatterns ? ac->plen[id] : 0;
}

size_t ac_npatterns(const struct ac *ac)
{
	return ac->npatterns;
}

size_t ac_nstates(const struct ac *ac)
{
	return ac->nstates;
}

size_t ac_memory(const struct ac *ac)
{
	size_t per_state = ac->built ? 4 : 7;

	return sizeof(*ac) + ac->cap_states * per_state * sizeof(uint32_t) +
	       ac->hcap * (sizeof(uint64_t) + sizeof(uint32_t)) + ac->nroot * sizeof(uint32_t) +
	       ac->cap_patterns * sizeof(uint32_t);
}
