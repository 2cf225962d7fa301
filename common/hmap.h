/*
 * common/hmap: an open-addressing hash map from byte strings to uint32
 * values, for symbol tables and caches. Keys are copied into the map, so
 * callers may pass borrowed or unterminated bytes. Entries are only added,
 * never removed; empty the map with hmap_free + hmap_init.
 *
 * The fields are visible so that the map can be embedded by value; read
 * them only through the functions below, except n (entries) and keys.len
 * (bytes of key text held), which callers may read to bound the map.
 */
#ifndef SW_HMAP_H
#define SW_HMAP_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common/buf.h"

struct hmap_ent {
	uint32_t off, len, hash, val;
};

struct hmap {
	uint32_t *slots; /* entry index + 1; 0 = empty */
	size_t cap;	 /* power of two, at least twice n */
	struct hmap_ent *ents;
	size_t n, ecap;
	struct buf keys; /* key bytes, back to back */
};

/*
 * FNV-1a of s[0..n): the hash the functions below expect. It and hmap_get
 * are inline: scanners call them once per token.
 */
static inline uint32_t hmap_hash(const char *s, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

/* An empty map with cap slots (a power of two); it grows as needed. */
void hmap_init(struct hmap *m, size_t cap);
/* Frees what the map holds and leaves it zeroed (freeing it again is harmless). */
void hmap_free(struct hmap *m);

/*
 * The value of key s[0..n), whose hmap_hash is h, or NULL when absent.
 * The pointer is valid until the next hmap_put.
 */
static inline const uint32_t *hmap_get(const struct hmap *m, const char *s, size_t n, uint32_t h)
{
	size_t i = h & (m->cap - 1);

	for (;; i = (i + 1) & (m->cap - 1)) {
		const struct hmap_ent *e;
		if (!m->slots[i])
			return NULL;
		e = &m->ents[m->slots[i] - 1];
		if (e->hash == h && e->len == n && memcmp(m->keys.data + e->off, s, n) == 0)
			return &e->val;
	}
}

/* Adds key s[0..n) (hash h, not present: check with hmap_get) with val. */
void hmap_put(struct hmap *m, const char *s, size_t n, uint32_t h, uint32_t val);

/* Bytes allocated by the map. */
size_t hmap_memory(const struct hmap *m);

#endif
