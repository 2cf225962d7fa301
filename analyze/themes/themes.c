/*
 * analyze/themes: compile theme phrases into one automaton, score texts,
 * pick evidence sentences. The formula and its reasons: docs/themes.md.
 */
#include "analyze/themes/themes.h"

#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <jansson.h>
#include <utf8proc.h>

#include "analyze/themes/ahocorasick.h"
#include "analyze/themes/text.h"
#include "common/err.h"
#include "common/hmap.h"
#include "common/xmalloc.h"

/* Scoring constants; docs/themes.md explains each. */
#define LEN_FLOOR 100.0	 /* words: shorter texts are normalised as if this long */
#define LEN_PIVOT 400.0	 /* words: length at which evidence is taken at face value */
#define SCORE_SCALE 10.0 /* normalised evidence giving score 1 - 1/e */
#define CJK_WORD 0.6	 /* a CJK character is this much of a word for length */

#define PHRASE_MAX_TOKENS 32
#define RULE_MAX_WITHIN 1000
#define HITS_MAX (1u << 22) /* matches kept per text; more are ignored */
/*
 * The word -> symbol cache of a language is emptied when it holds CACHE_MAX
 * words or CACHE_KEY_BYTES of word text, so hostile pages full of unique
 * words cannot grow it without bound; words longer than CACHE_WORD_MAX are
 * never real vocabulary and are stemmed each time instead of cached.
 */
#define CACHE_MAX (1u << 19)
#define CACHE_KEY_BYTES (8u << 20)
#define CACHE_WORD_MAX 64

enum entry_kind { ENTRY_PHRASE, ENTRY_REQUIRE, ENTRY_EXCLUDE };

/* What a pattern means for one theme; a pattern can serve several. */
struct entry {
	uint32_t theme;
	uint32_t index; /* phrase index, or rule index for rules */
	float weight;
	uint16_t mask; /* languages (1 << enum text_lang) in which it applies */
	uint8_t kind;
};

struct ctheme {
	char *id, *label;
	double threshold;
	size_t nphrases;
	uint32_t *req_within, *exc_within; /* 0: anywhere in the text */
	size_t nreq, nexc;
};

/*
 * Per language: the stemmer and a cache from raw token bytes to symbol, kept
 * across scoring calls because stemming dominates the cost of a text.
 */
struct word_cache {
	struct stemmer *st;
	struct hmap map;
	int ready;
};

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
};

/* Compilation. */

struct compiler {
	struct themes *th;
	struct stemmer *stemmers[TEXT_LANG_COUNT];
	struct entry *pend; /* entries with their pattern id in pend_pid */
	uint32_t *pend_pid;
	size_t npend, cap;
	uint32_t nsyms;
};

static uint32_t intern(struct compiler *c, const char *s, size_t n)
{
	uint32_t h = hmap_hash(s, n);
	const uint32_t *v = hmap_get(&c->th->syms, s, n, h);

	if (v)
		return *v;
	hmap_put(&c->th->syms, s, n, h, ++c->nsyms);
	return c->nsyms;
}

static void pending_add(struct compiler *c, uint32_t pid, struct entry e)
{
	if (c->npend == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 256;
		c->pend = xreallocarray(c->pend, c->cap, sizeof(*c->pend));
		c->pend_pid = xreallocarray(c->pend_pid, c->cap, sizeof(*c->pend_pid));
	}
	c->pend[c->npend] = e;
	c->pend_pid[c->npend++] = pid;
}

/* Folds the words of a phrase; returns their count, or -1 if too many. */
static int phrase_tokens(const char *text, struct buf *folded, size_t *offs)
{
	struct text_scan sc;
	struct text_span sp;
	enum text_event ev;
	int n = 0;

	text_scan_init(&sc, text, strlen(text));
	while ((ev = text_scan_next(&sc, &sp)) != TEXT_END) {
		if (ev != TEXT_TOKEN)
			continue;
		if (n == PHRASE_MAX_TOKENS)
			return -1;
		offs[n++] = folded->len;
		text_fold_token(text + sp.start, sp.end - sp.start, folded);
	}
	offs[n] = folded->len;
	return n;
}

/*
 * Adds one pattern per distinct stemming of the phrase: a phrase without a
 * language is stemmed by every stemmer and matches in each language with
 * that language's stems. Returns 0, or -1 (no words / too many).
 */
static int add_phrase(struct compiler *c, struct entry e, const char *text, const char *lang)
{
	uint32_t var[TEXT_LANG_COUNT][PHRASE_MAX_TOKENS];
	uint16_t mask[TEXT_LANG_COUNT];
	size_t offs[PHRASE_MAX_TOKENS + 1];
	int nvar = 0, n, only = -1;
	struct buf folded;

	buf_init(&folded);
	n = phrase_tokens(text, &folded, offs);
	if (n <= 0) {
		buf_free(&folded);
		return -1;
	}
	if (lang)
		only = (int)text_lang_from_tag(lang);
	for (int l = 0; l < TEXT_LANG_COUNT; l++) {
		uint32_t syms[PHRASE_MAX_TOKENS];
		int v;
		if (only >= 0 && l != only)
			continue;
		for (int i = 0; i < n; i++) {
			size_t sl;
			const char *s = stem_word(c->stemmers[l], folded.data + offs[i],
						  offs[i + 1] - offs[i], &sl);
			syms[i] = intern(c, s, sl);
		}
		for (v = 0; v < nvar && memcmp(var[v], syms, (size_t)n * sizeof(uint32_t)); v++)
			;
		if (v == nvar) {
			memcpy(var[nvar], syms, (size_t)n * sizeof(uint32_t));
			mask[nvar++] = 0;
		}
		mask[v] |= (uint16_t)(1u << l);
	}
	for (int v = 0; v < nvar; v++) {
		e.mask = mask[v];
		pending_add(c, ac_add(c->th->ac, var[v], (size_t)n), e);
	}
	buf_free(&folded);
	return 0;
}

/* "PHRASE within N words" -> phrase (allocated) and N; plain "PHRASE" -> N = 0. */
static char *rule_parse(const char *spec, uint32_t *within)
{
	const char *w = NULL, *p;
	char *end;
	long v;

	*within = 0;
	for (p = spec; (p = strcasestr(p, " within ")) != NULL; p++)
		w = p;
	if (!w)
		return xstrdup(spec);
	v = strtol(w + 8, &end, 10);
	while (*end == ' ')
		end++;
	if (end == w + 8 || v < 1 || v > RULE_MAX_WITHIN ||
	    (*end && strcasecmp(end, "words") != 0 && strcasecmp(end, "word") != 0))
		return NULL;
	*within = (uint32_t)v;
	return xstrndup(spec, (size_t)(w - spec));
}

static int add_rules(struct compiler *c, uint32_t t, const char *const *specs, size_t n,
		     enum entry_kind kind, uint32_t **within, char *err, size_t errlen)
{
	const char *id = c->th->t[t].id;

	*within = xcalloc(n ? n : 1, sizeof(uint32_t));
	for (size_t i = 0; i < n; i++) {
		struct entry e = {t, (uint32_t)i, 0, 0, (uint8_t)kind};
		char *phrase = specs[i] ? rule_parse(specs[i], &(*within)[i]) : NULL;
		int r = phrase ? add_phrase(c, e, phrase, NULL) : -1;
		free(phrase);
		if (r < 0) {
			err_set(err, errlen,
				"theme \"%s\": %s %zu: expected \"PHRASE\" or \"PHRASE within N "
				"words\" (N 1..%d)",
				id, kind == ENTRY_REQUIRE ? "requires" : "excludes", i + 1,
				RULE_MAX_WITHIN);
			return -1;
		}
	}
	return 0;
}

static int check_def(const struct theme_def *d, const struct themes *th, size_t i, char *err,
		     size_t errlen)
{
	if (!d->id || !*d->id) {
		err_set(err, errlen, "theme %zu: no id", i + 1);
		return -1;
	}
	if (!(d->threshold >= 0 && d->threshold <= 1)) {
		err_set(err, errlen, "theme \"%s\": threshold must be in [0,1]", d->id);
		return -1;
	}
	for (size_t k = 0; k < i; k++)
		if (strcmp(th->t[k].id, d->id) == 0) {
			err_set(err, errlen, "theme \"%s\": defined twice", d->id);
			return -1;
		}
	return 0;
}

static int add_theme(struct compiler *c, const struct theme_def *d, uint32_t t, char *err,
		     size_t errlen)
{
	struct ctheme *ct = &c->th->t[t];

	ct->id = xstrdup(d->id);
	ct->label = xstrdup(d->label ? d->label : d->id);
	ct->threshold = d->threshold;
	ct->nphrases = d->nphrases;
	ct->nreq = d->nrequires;
	ct->nexc = d->nexcludes;
	for (size_t i = 0; i < d->nphrases; i++) {
		const struct theme_phrase *p = &d->phrases[i];
		struct entry e = {t, (uint32_t)i, (float)p->weight, 0, ENTRY_PHRASE};
		if (!isfinite(p->weight) || fabs(p->weight) > 1000) {
			err_set(err, errlen, "theme \"%s\": phrase %zu: weight out of range", d->id,
				i + 1);
			return -1;
		}
		if (!p->text || add_phrase(c, e, p->text, p->lang) < 0) {
			err_set(err, errlen,
				"theme \"%s\": phrase %zu (\"%s\"): no words or more than %d",
				d->id, i + 1, p->text ? p->text : "", PHRASE_MAX_TOKENS);
			return -1;
		}
	}
	if (add_rules(c, t, d->requires, d->nrequires, ENTRY_REQUIRE, &ct->req_within, err,
		      errlen) < 0)
		return -1;
	return add_rules(c, t, d->excludes, d->nexcludes, ENTRY_EXCLUDE, &ct->exc_within, err,
			 errlen);
}

/* Groups pending entries by pattern (counting sort). */
static void entries_finish(struct compiler *c)
{
	struct themes *th = c->th;
	size_t np = ac_npatterns(th->ac);

	th->pfirst = xcalloc(np + 1, sizeof(uint32_t));
	th->entries = xreallocarray(NULL, c->npend ? c->npend : 1, sizeof(struct entry));
	th->nentries = c->npend;
	for (size_t i = 0; i < c->npend; i++)
		th->pfirst[c->pend_pid[i] + 1]++;
	for (size_t p = 0; p < np; p++)
		th->pfirst[p + 1] += th->pfirst[p];
	{
		uint32_t *fill = xmalloc((np + 1) * sizeof(uint32_t));
		memcpy(fill, th->pfirst, (np + 1) * sizeof(uint32_t));
		for (size_t i = 0; i < c->npend; i++)
			th->entries[fill[c->pend_pid[i]]++] = c->pend[i];
		free(fill);
	}
}

struct id_index {
	const char *id;
	uint32_t theme;
};

static int id_cmp(const void *a, const void *b)
{
	return strcmp(((const struct id_index *)a)->id, ((const struct id_index *)b)->id);
}

/*
 * Ranks the themes by id once, so that scoring can list the themes without
 * evidence in id order without sorting them per text.
 */
static void order_by_id(struct themes *th)
{
	size_t n = th->n ? th->n : 1;
	struct id_index *v = xcalloc(n, sizeof(*v));

	th->by_id = xcalloc(n, sizeof(uint32_t));
	th->id_rank = xcalloc(n, sizeof(uint32_t));
	for (size_t i = 0; i < th->n; i++) {
		v[i] = (struct id_index){th->t[i].id, (uint32_t)i};
		if (th->t[i].nphrases > th->max_phrases)
			th->max_phrases = th->t[i].nphrases;
	}
	qsort(v, th->n, sizeof(*v), id_cmp);
	for (size_t i = 0; i < th->n; i++) {
		th->by_id[i] = v[i].theme;
		th->id_rank[v[i].theme] = (uint32_t)i;
	}
	free(v);
}

struct themes *themes_compile(const struct theme_def *defs, size_t n, char *err, size_t errlen)
{
	struct compiler c;
	struct themes *th = xcalloc(1, sizeof(*th));

	memset(&c, 0, sizeof(c));
	c.th = th;
	th->t = xcalloc(n ? n : 1, sizeof(*th->t));
	th->cache = xcalloc(TEXT_LANG_COUNT, sizeof(*th->cache));
	th->ac = ac_new();
	hmap_init(&th->syms, 1024);
	for (int l = 0; l < TEXT_LANG_COUNT; l++)
		c.stemmers[l] = stem_new((enum text_lang)l);
	for (size_t i = 0; i < n; i++) {
		if (check_def(&defs[i], th, i, err, errlen) < 0)
			goto fail;
		th->n = i + 1;
		if (add_theme(&c, &defs[i], (uint32_t)i, err, errlen) < 0)
			goto fail;
	}
	ac_build(th->ac);
	entries_finish(&c);
	order_by_id(th);
	for (int l = 0; l < TEXT_LANG_COUNT; l++)
		stem_free(c.stemmers[l]);
	free(c.pend);
	free(c.pend_pid);
	return th;
fail:
	for (int l = 0; l < TEXT_LANG_COUNT; l++)
		stem_free(c.stemmers[l]);
	free(c.pend);
	free(c.pend_pid);
	themes_free(th);
	return NULL;
}

void themes_free(struct themes *th)
{
	if (!th)
		return;
	for (size_t i = 0; i < th->n; i++) {
		free(th->t[i].id);
		free(th->t[i].label);
		free(th->t[i].req_within);
		free(th->t[i].exc_within);
	}
	free(th->t);
	free(th->by_id);
	free(th->id_rank);
	for (int l = 0; th->cache && l < TEXT_LANG_COUNT; l++)
		if (th->cache[l].ready) {
			stem_free(th->cache[l].st);
			hmap_free(&th->cache[l].map);
		}
	free(th->cache);
	ac_free(th->ac);
	hmap_free(&th->syms);
	free(th->pfirst);
	free(th->entries);
	free(th);
}

size_t themes_count(const struct themes *th)
{
	return th->n;
}

size_t themes_patterns(const struct themes *th)
{
	return ac_npatterns(th->ac);
}

size_t themes_memory(const struct themes *th)
{
	size_t np = ac_npatterns(th->ac);

	return sizeof(*th) + th->n * (sizeof(*th->t) + 2 * sizeof(uint32_t)) + ac_memory(th->ac) +
	       hmap_memory(&th->syms) + (np + 1) * sizeof(uint32_t) +
	       th->nentries * sizeof(struct entry);
}

size_t themes_cache_memory(const struct themes *th)
{
	size_t m = 0;

	for (int l = 0; th->cache && l < TEXT_LANG_COUNT; l++)
		if (th->cache[l].ready)
			m += hmap_memory(&th->cache[l].map);
	return m;
}

/* Scoring. */

struct hit {
	uint32_t theme, index;
	uint32_t start, end; /* token positions, inclusive */
	uint32_t sentence;
	float weight;
	uint8_t kind;
	uint8_t dropped;
};

struct scorer {
	const struct themes *th;
	const char *text;
	enum text_lang lang;
	struct word_cache *wc;
	struct buf fold;
	struct hit *hits;
	size_t nhits, hcap;
	struct text_span *sents;
	size_t nsents, scap;
	char **rendered; /* evidence text per sentence, rendered once */
	size_t tokens, cjk;
	struct group *groups; /* hits per theme, see group_hits */
	size_t ngroups;
	uint32_t *seen;	     /* per phrase of the theme being scored: occurrences so far */
	struct sent_sum *ss; /* scratch for score_theme */
	size_t sscap;
};

static uint32_t token_symbol(struct scorer *sc, const char *s, size_t n)
{
	uint32_t h = hmap_hash(s, n), sym = 0;
	const uint32_t *v = hmap_get(&sc->wc->map, s, n, h);
	const char *stem;
	size_t sl;

	if (v)
		return *v;
	buf_reset(&sc->fold);
	text_fold_token(s, n, &sc->fold);
	stem = stem_word(sc->wc->st, buf_str(&sc->fold), sc->fold.len, &sl);
	v = hmap_get(&sc->th->syms, stem, sl, hmap_hash(stem, sl));
	if (v)
		sym = *v;
	if (n > CACHE_WORD_MAX)
		return sym;
	if (sc->wc->map.n >= CACHE_MAX || sc->wc->map.keys.len + n + 1 > CACHE_KEY_BYTES) {
		hmap_free(&sc->wc->map);
		hmap_init(&sc->wc->map, 1024);
	}
	hmap_put(&sc->wc->map, s, n, h, sym);
	return sym;
}

static void hit_push(struct scorer *sc, const struct entry *e, uint32_t end, uint32_t len)
{
	struct hit *h;

	if (sc->nhits == HITS_MAX)
		return;
	if (sc->nhits == sc->hcap) {
		sc->hcap = sc->hcap ? sc->hcap * 2 : 64;
		sc->hits = xreallocarray(sc->hits, sc->hcap, sizeof(*sc->hits));
	}
	h = &sc->hits[sc->nhits++];
	h->theme = e->theme;
	h->index = e->index;
	h->end = end;
	h->start = end + 1 - len;
	h->sentence = (uint32_t)sc->nsents;
	h->weight = e->weight;
	h->kind = e->kind;
	h->dropped = 0;
}

static void matches_at(struct scorer *sc, uint32_t state)
{
	const struct themes *th = sc->th;
	uint16_t bit = (uint16_t)(1u << sc->lang);

	for (uint32_t s = ac_first_match(th->ac, state); s != AC_ROOT;
	     s = ac_next_match(th->ac, s)) {
		uint32_t pid = ac_match_id(th->ac, s);
		uint32_t len = (uint32_t)ac_pattern_len(th->ac, pid);
		for (uint32_t i = th->pfirst[pid]; i < th->pfirst[pid + 1]; i++)
			if (th->entries[i].mask & bit)
				hit_push(sc, &th->entries[i], (uint32_t)sc->tokens - 1, len);
	}
}

static void sentence_push(struct scorer *sc, struct text_span sp)
{
	if (sc->nsents == sc->scap) {
		sc->scap = sc->scap ? sc->scap * 2 : 32;
		sc->sents = xreallocarray(sc->sents, sc->scap, sizeof(*sc->sents));
	}
	sc->sents[sc->nsents++] = sp;
}

static void scan_text(struct scorer *sc, const char *text, size_t len)
{
	struct text_scan ts;
	struct text_span sp;
	enum text_event ev;
	uint32_t state = AC_ROOT;

	text_scan_init(&ts, text, len);
	while ((ev = text_scan_next(&ts, &sp)) != TEXT_END) {
		if (ev == TEXT_BOUNDARY) {
			sentence_push(sc, sp);
			state = AC_ROOT;
			continue;
		}
		if ((unsigned char)text[sp.start] >= 0xe3 &&
		    text_token_is_cjk(text + sp.start, sp.end - sp.start))
			sc->cjk++;
		sc->tokens++;
		state = ac_step(sc->th->ac, state,
				token_symbol(sc, text + sp.start, sp.end - sp.start));
		if (state != AC_ROOT)
			matches_at(sc, state);
	}
}

static int hit_cmp(const void *a, const void *b)
{
	const struct hit *x = a, *y = b;

	if (x->theme != y->theme)
		return x->theme < y->theme ? -1 : 1;
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	if (x->kind != ENTRY_PHRASE && x->index != y->index)
		return x->index < y->index ? -1 : 1;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if (x->end != y->end)
		return x->end > y->end ? -1 : 1; /* longer first */
	return x->index < y->index ? -1 : x->index > y->index;
}

/*
 * Sorts one theme's hits by hit_cmp. They arrive almost in order (by end
 * position), so insertion sort wins for the usual handful; qsort bounds
 * the worst case.
 */
static void hits_sort(struct hit *h, size_t n)
{
	if (n > 32) {
		qsort(h, n, sizeof(*h), hit_cmp);
		return;
	}
	for (size_t i = 1; i < n; i++) {
		struct hit x = h[i];
		size_t j = i;
		for (; j > 0 && hit_cmp(&h[j - 1], &x) > 0; j--)
			h[j] = h[j - 1];
		h[j] = x;
	}
}

/* Rule hits of one rule: a sorted run [first, last). */
struct run {
	const struct hit *v;
	size_t n;
};

static struct run rule_run(const struct hit *h, size_t n, uint8_t kind, uint32_t index)
{
	size_t i = 0, j;

	while (i < n && (h[i].kind != kind || h[i].index != index))
		i++;
	for (j = i; j < n && h[j].kind == kind && h[j].index == index; j++)
		;
	return (struct run){h + i, j - i};
}

/* 1 if the run has a hit within `within` words of h (anywhere when within is 0). */
static int run_near(struct run r, const struct hit *h, uint32_t within)
{
	size_t lo = 0, hi = r.n;
	uint32_t from;

	if (within == 0 || r.n == 0)
		return r.n > 0;
	from = h->start > within + PHRASE_MAX_TOKENS ? h->start - within - PHRASE_MAX_TOKENS : 0;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (r.v[mid].start < from)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i < r.n && r.v[i].start <= h->end + within; i++)
		if (r.v[i].end + within >= h->start)
			return 1;
	return 0;
}

/* The hits of each rule of a theme, found once per text: requires first, then excludes. */
static struct run *rule_runs(const struct ctheme *ct, const struct hit *all, size_t n)
{
	struct run *runs;

	if (ct->nreq + ct->nexc == 0)
		return NULL;
	runs = xcalloc(ct->nreq + ct->nexc, sizeof(*runs));
	for (size_t r = 0; r < ct->nreq; r++)
		runs[r] = rule_run(all, n, ENTRY_REQUIRE, (uint32_t)r);
	for (size_t r = 0; r < ct->nexc; r++)
		runs[ct->nreq + r] = rule_run(all, n, ENTRY_EXCLUDE, (uint32_t)r);
	return runs;
}

static int rules_allow(const struct ctheme *ct, const struct hit *h, const struct run *runs)
{
	int ok = ct->nreq == 0;

	for (size_t r = 0; r < ct->nreq && !ok; r++)
		ok = run_near(runs[r], h, ct->req_within[r]);
	for (size_t r = 0; r < ct->nexc && ok; r++)
		ok = !run_near(runs[ct->nreq + r], h, ct->exc_within[r]);
	return ok;
}

/* Drops occurrences contained in a longer occurrence of the same theme. */
static void drop_contained(struct hit *h, size_t n)
{
	uint32_t max_end = 0;
	int any = 0;

	for (size_t i = 0; i < n && h[i].kind == ENTRY_PHRASE; i++) {
		if (any && h[i].end <= max_end) {
			h[i].dropped = 1;
			continue;
		}
		max_end = h[i].end;
		any = 1;
	}
}

struct sent_sum {
	uint32_t sentence;
	double sum;
};

/* 1 if x ranks before y: larger sum first, then earlier sentence. */
static int sent_sum_before(const struct sent_sum *x, const struct sent_sum *y)
{
	if (x->sum != y->sum)
		return x->sum > y->sum;
	return x->sentence < y->sentence;
}

/* Rendered characters that decide whether a sentence is cut. */
#define EVIDENCE_KEEP (THEMES_EVIDENCE_CHARS + 1)

static int ascii_space(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/*
 * The length of the run of visible ASCII at s (len >= 1, s[0] visible),
 * at most max (>= 1) bytes; control characters end it too (the caller
 * copies them one by one).
 */
static size_t ascii_run(const char *s, size_t len, size_t max)
{
	size_t j = 1, end = len < max ? len : max;

	while (j < end && (unsigned char)s[j] > ' ' && (unsigned char)s[j] < 0x80)
		j++;
	return j;
}

/* Cuts the rendering at n characters to THEMES_EVIDENCE_CHARS - 1 and an ellipsis. */
static void evidence_cut(char *out, char **o)
{
	char *k = out;

	for (size_t n = 0; k < *o && n < THEMES_EVIDENCE_CHARS - 1; n++) {
		k++;
		while (k < *o && ((unsigned char)*k & 0xc0) == 0x80)
			k++;
	}
	memcpy(k, "\xe2\x80\xa6", 3);
	*o = k + 3;
}

/*
 * A sentence for the evidence list: whitespace runs collapsed to one space,
 * invalid UTF-8 replaced, at most THEMES_EVIDENCE_CHARS characters (the
 * last one an ellipsis when cut). Reads only as far as needed to decide
 * the cut, so a huge "sentence" costs no more than a short one.
 */
static char *evidence_render(const char *s, size_t len)
{
	/* a character takes at most 4 bytes; an invalid byte becomes 3 */
	size_t cap = (len < EVIDENCE_KEEP ? 3 * len : 4 * EVIDENCE_KEEP) + 4;
	char *out = xmalloc(cap), *o = out;
	size_t pos = 0, chars = 0;
	int space = 0;

	while (pos < len && chars < EVIDENCE_KEEP) {
		unsigned char c = (unsigned char)s[pos];
		utf8proc_int32_t cp = c;
		size_t n = 1;
		if (c >= 0x80) {
			utf8proc_ssize_t r = utf8proc_iterate((const utf8proc_uint8_t *)s + pos,
							      (utf8proc_ssize_t)(len - pos), &cp);
			if (r > 0)
				n = (size_t)r;
			else
				cp = -1;
		}
		if (ascii_space(c) ||
		    (cp >= 0x80 && utf8proc_category(cp) == UTF8PROC_CATEGORY_ZS)) {
			space = o > out;
			pos += n;
			continue;
		}
		if (space) {
			*o++ = ' ';
			chars++;
			space = 0;
		}
		if (cp < 0) {
			memcpy(o, "\xef\xbf\xbd", 3);
			o += 3;
		} else if (n == 1) {
			size_t run = ascii_run(s + pos, len - pos, EVIDENCE_KEEP - chars);
			memcpy(o, s + pos, run);
			o += run;
			chars += run - 1;
			pos += run - 1;
		} else {
			memcpy(o, s + pos, n);
			o += n;
		}
		chars++;
		pos += n;
	}
	if (chars > THEMES_EVIDENCE_CHARS)
		evidence_cut(out, &o);
	*o = '\0';
	return out;
}

/*
 * Up to THEMES_MAX_EVIDENCE sentences with the largest positive sums, best
 * first (a selection, not a sort: a theme can have many sentences).
 */
static void pick_evidence(struct scorer *sc, struct sent_sum *ss, size_t nss,
			  struct theme_score *out)
{
	while (out->nevidence < THEMES_MAX_EVIDENCE) {
		size_t best = nss;
		struct text_span sp;
		uint32_t k;
		for (size_t i = 0; i < nss; i++)
			if (ss[i].sum > 0 && (best == nss || sent_sum_before(&ss[i], &ss[best])))
				best = i;
		if (best == nss)
			break;
		ss[best].sum = 0; /* taken */
		k = ss[best].sentence;
		if (k >= sc->nsents)
			continue;
		if (!sc->rendered[k]) {
			sp = sc->sents[k];
			sc->rendered[k] = evidence_render(sc->text + sp.start, sp.end - sp.start);
		}
		out->evidence[out->nevidence++] = xstrdup(sc->rendered[k]);
	}
}

static double normalise(double e, double eff_words)
{
	double len = eff_words > LEN_FLOOR ? eff_words : LEN_FLOOR;
	double d = e / sqrt(len / LEN_PIVOT);

	return d > 0 ? 1.0 - exp(-d / SCORE_SCALE) : 0.0;
}

/* Room for n sentence sums in the scorer's scratch. */
static struct sent_sum *sent_sums(struct scorer *sc, size_t n)
{
	if (n > sc->sscap) {
		sc->sscap = n > 2 * sc->sscap ? n : 2 * sc->sscap;
		free(sc->ss);
		sc->ss = xreallocarray(NULL, sc->sscap, sizeof(*sc->ss));
	}
	return sc->ss;
}

/*
 * Scores one theme from its hits h[0..n) (sorted by hit_cmp). The k-th
 * occurrence of a phrase contributes weight / k: repetition is evidence,
 * with diminishing returns. Evidence is picked only for a theme above its
 * threshold: with hundreds of themes, most have a few hits in a long text,
 * and rendering their sentences would cost more than matching.
 */
static void score_theme(struct scorer *sc, const struct ctheme *ct, struct hit *h, size_t n,
			struct theme_score *out)
{
	struct sent_sum *ss = sent_sums(sc, n);
	struct run *runs = rule_runs(ct, h, n);
	size_t nss = 0;
	double e = 0;

	drop_contained(h, n);
	for (size_t i = 0; i < n && h[i].kind == ENTRY_PHRASE; i++) {
		double c;
		if (h[i].dropped || (h[i].weight > 0 && runs && !rules_allow(ct, &h[i], runs)))
			continue;
		c = h[i].weight / (double)++sc->seen[h[i].index];
		e += c;
		out->hits++;
		if (nss && ss[nss - 1].sentence == h[i].sentence)
			ss[nss - 1].sum += c;
		else
			ss[nss++] = (struct sent_sum){h[i].sentence, c};
	}
	for (size_t i = 0; i < n && h[i].kind == ENTRY_PHRASE; i++)
		sc->seen[h[i].index] = 0; /* the scratch is all zero between themes */
	free(runs);
	out->evidence_sum = e;
	out->score = normalise(e, (double)(sc->tokens - sc->cjk) + CJK_WORD * (double)sc->cjk);
	out->above = out->score > 0 && out->score >= ct->threshold;
	if (out->above)
		pick_evidence(sc, ss, nss, out);
}

/* The hits of one theme, a range of the scorer's grouped hits. */
struct group {
	uint32_t theme, first, n;
};

/*
 * Groups the hits by theme with a counting sort over the themes that have
 * hits, so that the cost of a text depends on what matched, not on the
 * number of themes. Fills sc->groups (in order of first hit) and returns
 * the hits reordered; slot[t] receives the group index + 1 of theme t.
 */
static struct hit *group_hits(struct scorer *sc, uint32_t *slot)
{
	struct hit *grouped = xreallocarray(NULL, sc->nhits ? sc->nhits : 1, sizeof(*grouped));
	uint32_t run = 0;

	sc->groups = xreallocarray(NULL, sc->nhits ? sc->nhits : 1, sizeof(*sc->groups));
	sc->ngroups = 0;
	for (size_t i = 0; i < sc->nhits; i++) {
		uint32_t t = sc->hits[i].theme;
		if (!slot[t]) {
			sc->groups[sc->ngroups] = (struct group){t, 0, 0};
			slot[t] = (uint32_t)++sc->ngroups;
		}
		sc->groups[slot[t] - 1].n++;
	}
	for (size_t g = 0; g < sc->ngroups; g++) {
		sc->groups[g].first = run;
		run += sc->groups[g].n;
		sc->groups[g].n = 0;
	}
	for (size_t i = 0; i < sc->nhits; i++) {
		struct group *g = &sc->groups[slot[sc->hits[i].theme] - 1];
		grouped[g->first + g->n++] = sc->hits[i];
	}
	return grouped;
}

struct rank_key {
	double score;
	uint32_t rank; /* id order breaks ties */
	uint32_t group;
};

static int rank_before(const struct rank_key *x, const struct rank_key *y)
{
	if (x->score != y->score)
		return x->score > y->score;
	return x->rank < y->rank;
}

/*
 * Sorts v[0..n) by rank_before: a bottom-up merge sort with the compare
 * inlined (qsort's indirect calls were a visible share of a text's cost).
 */
static void rank_sort(struct rank_key *v, size_t n)
{
	struct rank_key *tmp = xreallocarray(NULL, n ? n : 1, sizeof(*tmp)), *a = v, *b = tmp;

	for (size_t w = 1; w < n; w *= 2) {
		for (size_t lo = 0; lo < n; lo += 2 * w) {
			size_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
			size_t i = lo, j = mid, o = lo;
			while (i < mid && j < hi)
				b[o++] = rank_before(&a[j], &a[i]) ? a[j++] : a[i++];
			while (i < mid)
				b[o++] = a[i++];
			while (j < hi)
				b[o++] = a[j++];
		}
		a = b;
		b = a == v ? tmp : v;
	}
	if (a != v)
		memcpy(v, a, n * sizeof(*v));
	free(tmp);
}

static struct theme_score blank_score(const struct ctheme *ct)
{
	return (struct theme_score){.id = ct->id, .label = ct->label, .threshold = ct->threshold};
}

/*
 * Fills r->themes, highest score first, ties and zero scores in id order:
 * the scored themes are sorted among themselves, the others are appended
 * in the id order computed at compile time.
 */
static void order_results(struct scorer *sc, const struct theme_score *scored, const uint32_t *slot,
			  struct theme_result *r)
{
	const struct themes *th = sc->th;
	struct rank_key *keys = xreallocarray(NULL, sc->ngroups ? sc->ngroups : 1, sizeof(*keys));
	size_t nk = 0, o = 0;

	for (size_t g = 0; g < sc->ngroups; g++)
		if (scored[g].score > 0)
			keys[nk++] = (struct rank_key){
			    scored[g].score, th->id_rank[sc->groups[g].theme], (uint32_t)g};
	rank_sort(keys, nk);
	for (size_t k = 0; k < nk; k++)
		r->themes[o++] = scored[keys[k].group];
	for (size_t i = 0; i < th->n; i++) {
		uint32_t t = th->by_id[i];
		if (!slot[t])
			r->themes[o++] = blank_score(&th->t[t]);
		else if (!(scored[slot[t] - 1].score > 0))
			r->themes[o++] = scored[slot[t] - 1];
	}
	free(keys);
}

static void score_all(struct scorer *sc, struct theme_result *r)
{
	const struct themes *th = sc->th;
	uint32_t *slot = xcalloc(th->n ? th->n : 1, sizeof(uint32_t));
	struct hit *grouped = group_hits(sc, slot);
	struct theme_score *scored =
	    xreallocarray(NULL, sc->ngroups ? sc->ngroups : 1, sizeof(*scored));

	sc->seen = xcalloc(th->max_phrases ? th->max_phrases : 1, sizeof(uint32_t));
	for (size_t g = 0; g < sc->ngroups; g++) {
		const struct group *gr = &sc->groups[g];
		struct hit *h = grouped + gr->first;
		hits_sort(h, gr->n);
		scored[g] = blank_score(&th->t[gr->theme]);
		score_theme(sc, &th->t[gr->theme], h, gr->n, &scored[g]);
	}
	order_results(sc, scored, slot, r);
	free(sc->seen);
	free(scored);
	free(grouped);
	free(slot);
}

static struct word_cache *word_cache_get(const struct themes *th, enum text_lang lang)
{
	struct word_cache *wc = &th->cache[lang];

	if (!wc->ready) {
		wc->st = stem_new(lang);
		hmap_init(&wc->map, 1024);
		wc->ready = 1;
	}
	return wc;
}

int themes_score(const struct themes *th, const char *utf8_text, size_t len, const char *lang_hint,
		 struct theme_result **out)
{
	struct theme_result *r = xcalloc(1, sizeof(*r));
	struct scorer sc;

	memset(&sc, 0, sizeof(sc));
	if (!utf8_text)
		len = 0;
	sc.th = th;
	sc.text = utf8_text;
	sc.lang =
	    len ? text_detect_language(utf8_text, len, lang_hint) : text_lang_from_tag(lang_hint);
	sc.wc = word_cache_get(th, sc.lang);
	buf_init(&sc.fold);
	if (len)
		scan_text(&sc, utf8_text, len);
	sc.rendered = xcalloc(sc.nsents ? sc.nsents : 1, sizeof(char *));
	snprintf(r->language, sizeof(r->language), "%s", text_lang_code(sc.lang));
	r->words = sc.tokens;
	r->nthemes = th->n;
	r->themes = xreallocarray(NULL, th->n ? th->n : 1, sizeof(*r->themes));
	score_all(&sc, r);
	buf_free(&sc.fold);
	for (size_t i = 0; i < sc.nsents; i++)
		free(sc.rendered[i]);
	free(sc.rendered);
	free(sc.hits);
	free(sc.sents);
	free(sc.groups);
	free(sc.ss);
	*out = r;
	return 0;
}

void theme_result_free(struct theme_result *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nthemes; i++)
		for (size_t k = 0; k < r->themes[i].nevidence; k++)
			free(r->themes[i].evidence[k]);
	free(r->themes);
	free(r);
}

/* JSON rendering (jansson does the escaping). */

static double round4(double x)
{
	return round(x * 10000.0) / 10000.0;
}

static json_t *score_json(const struct theme_score *ts)
{
	json_t *o = json_object(), *ev = json_array();

	json_object_set_new(o, "id", json_string(ts->id));
	json_object_set_new(o, "label", json_string(ts->label));
	json_object_set_new(o, "score", json_real(round4(ts->score)));
	json_object_set_new(o, "threshold", json_real(ts->threshold));
	json_object_set_new(o, "above", json_boolean(ts->above));
	for (size_t k = 0; k < ts->nevidence; k++)
		json_array_append_new(ev, json_string(ts->evidence[k]));
	json_object_set_new(o, "evidence", ev);
	return o;
}

static char *dump(json_t *root, size_t flags)
{
	char *s = json_dumps(root, flags | JSON_REAL_PRECISION(6));
	char *copy;

	json_decref(root);
	if (!s)
		return xstrdup("{}");
	copy = xstrdup(s);
	free(s);
	return copy;
}

char *themes_result_json(const struct theme_result *r, int pretty)
{
	json_t *root = json_object(), *arr = json_array();

	json_object_set_new(root, "language", json_string(r->language));
	json_object_set_new(root, "words", json_integer((json_int_t)r->words));
	for (size_t i = 0; i < r->nthemes; i++)
		json_array_append_new(arr, score_json(&r->themes[i]));
	json_object_set_new(root, "themes", arr);
	return dump(root, pretty ? JSON_INDENT(2) | JSON_PRESERVE_ORDER : JSON_PRESERVE_ORDER);
}

char *themes_result_jsonl(const struct theme_result *r, const char *id)
{
	json_t *root = json_object(), *labels = json_array(), *scores = json_object();

	json_object_set_new(root, "id", id ? json_string(id) : json_null());
	for (size_t i = 0; i < r->nthemes; i++) {
		const struct theme_score *ts = &r->themes[i];
		if (ts->above)
			json_array_append_new(labels, json_string(ts->id));
		json_object_set_new(scores, ts->id, json_real(round4(ts->score)));
	}
	json_object_set_new(root, "labels", labels);
	json_object_set_new(root, "scores", scores);
	return dump(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
}
