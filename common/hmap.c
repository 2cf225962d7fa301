#include "common/hmap.h"

#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"

void hmap_init(struct hmap *m, size_t cap)
{
	m->cap = cap;
	m->slots = xcalloc(cap, sizeof(uint32_t));
	m->ents = NULL;
	m->n = m->ecap = 0;
	buf_init(&m->keys);
}

void hmap_free(struct hmap *m)
{
	free(m->slots);
	free(m->ents);
	buf_free(&m->keys);
	memset(m, 0, sizeof(*m));
}

static void hmap_grow(struct hmap *m)
{
	size_t cap = m->cap * 2;

	free(m->slots);
	m->slots = xcalloc(cap, sizeof(uint32_t));
	m->cap = cap;
	for (size_t k = 0; k < m->n; k++) {
		size_t i = m->ents[k].hash & (cap - 1);
		while (m->slots[i])
			i = (i + 1) & (cap - 1);
		m->slots[i] = (uint32_t)k + 1;
	}
}

void hmap_put(struct hmap *m, const char *s, size_t n, uint32_t h, uint32_t val)
{
	size_t i;

	if ((m->n + 1) * 2 > m->cap)
		hmap_grow(m);
	if (m->n == m->ecap) {
		m->ecap = m->ecap ? m->ecap * 2 : 64;
		m->ents = xreallocarray(m->ents, m->ecap, sizeof(*m->ents));
	}
	m->ents[m->n] = (struct hmap_ent){(uint32_t)m->keys.len, (uint32_t)n, h, val};
	buf_append(&m->keys, s, n);
	i = h & (m->cap - 1);
	while (m->slots[i])
		i = (i + 1) & (m->cap - 1);
	m->slots[i] = (uint32_t)++m->n;
}

size_t hmap_memory(const struct hmap *m)
{
	return m->cap * sizeof(uint32_t) + m->ecap * sizeof(struct hmap_ent) + m->keys.cap;
}
