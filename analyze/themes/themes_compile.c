/*
 * analyze/themes: compiles theme definitions into one Aho-Corasick
 * automaton over stemmed-token symbols, with per-pattern entries saying
 * which theme, phrase or rule each pattern stands for.
 */
#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "analyze/themes/ahocorasick.h"
#include "analyze/themes/text.h"
#include "analyze/themes/themes.h"
#include "analyze/themes/themes_int.h"
#include "common/err.h"
#include "common/hmap.h"
#include "common/xmalloc.h"

#define RULE_MAX_WITHIN 1000

struct compiler {
	struct themes *th;
	struct stemmer *stemmers[TEXT_LANG_COUNT];
	/*
	 * Folded word -> symbol of its stem, per language: a theme pack uses a
	 * few thousand distinct words in tens of thousands of phrase tokens, and
	 * an unmarked phrase is stemmed in every language, so stemming each word
	 * once was most of the compile (issue 13: 40 % of a no-change `once`).
	 */
	struct hmap stem_memo[TEXT_LANG_COUNT];
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

/* The symbol of the stem of word w[0..n) in language l. */
static uint32_t stem_symbol(struct compiler *c, int l, const char *w, size_t n)
{
	uint32_t h = hmap_hash(w, n), sym;
	const uint32_t *v = hmap_get(&c->stem_memo[l], w, n, h);
	const char *s;
	size_t sl;

	if (v)
		return *v;
	s = stem_word(c->stemmers[l], w, n, &sl);
	sym = intern(c, s, sl);
	hmap_put(&c->stem_memo[l], w, n, h, sym);
	return sym;
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
		for (int i = 0; i < n; i++)
			syms[i] = stem_symbol(c, l, folded.data + offs[i], offs[i + 1] - offs[i]);
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

static void compiler_free(struct compiler *c)
{
	for (int l = 0; l < TEXT_LANG_COUNT; l++) {
		stem_free(c->stemmers[l]);
		hmap_free(&c->stem_memo[l]);
	}
	free(c->pend);
	free(c->pend_pid);
}

struct themes *themes_compile(const struct theme_def *defs, size_t n, char *err, size_t errlen)
{
	struct compiler c;
	struct themes *th = xcalloc(1, sizeof(*th));

	memset(&c, 0, sizeof(c));
	c.th = th;
	th->t = xcalloc(n ? n : 1, sizeof(*th->t));
	th->cache = xcalloc(TEXT_LANG_COUNT, sizeof(*th->cache));
	th->scratch = xcalloc(1, sizeof(*th->scratch));
	th->ac = ac_new();
	hmap_init(&th->syms, 1024);
	for (int l = 0; l < TEXT_LANG_COUNT; l++) {
		c.stemmers[l] = stem_new((enum text_lang)l);
		hmap_init(&c.stem_memo[l], 1024);
	}
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
	compiler_free(&c);
	return th;
fail:
	compiler_free(&c);
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
	themes_cache_free(th);
	ac_free(th->ac);
	hmap_free(&th->syms);
	free(th->pfirst);
	free(th->entries);
	free(th->scratch);
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
