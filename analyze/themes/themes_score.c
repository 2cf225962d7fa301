/*
 * analyze/themes: scoring. The hits of a text are grouped by theme, each
 * theme's hits sorted, its rules applied, and its evidence summed and
 * normalised for the length of the text (docs/themes.md).
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/themes/themes.h"
#include "analyze/themes/themes_int.h"
#include "common/xmalloc.h"

/* Scoring constants; docs/themes.md explains each. */
#define LEN_FLOOR 100.0	  /* words: shorter texts are normalised as if this long */
#define LEN_PIVOT 400.0	  /* words: length at which evidence is taken at face value */
#define SCORE_SCALE 10.0  /* normalised evidence giving score 1 - 1/e */
#define CJK_WORD 0.6	  /* a CJK character is this much of a word for length */
#define SEG_MIN_PHRASES 2 /* distinct phrases a segment needs to count on its own */
#define SEG_SHARE 0.5	  /* ... and this share of the theme's positive weight in the text */

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

static double normalise(double e, double eff_words)
{
	double len = eff_words > LEN_FLOOR ? eff_words : LEN_FLOOR;
	double d = e / sqrt(len / LEN_PIVOT);

	return d > 0 ? 1.0 - exp(-d / SCORE_SCALE) : 0.0;
}

/*
 * normalise(e, the text's length) (pivot 0) or normalise(e, LEN_PIVOT)
 * (pivot 1), remembered for the text: most themes of a text have the same
 * few sums (one phrase of weight 1, 2 or 3), and exp is a visible share of
 * scoring. The memo starts zeroed, which is right for e = +0.
 */
static double memo_normalise(struct scorer *sc, int pivot, double e)
{
	uint64_t bits;
	struct score_memo *m;

	memcpy(&bits, &e, sizeof(bits));
	m = &sc->memo[pivot][(bits * 0x9e3779b97f4a7c15ULL) >> (64 - SCORE_MEMO_BITS)];
	if (m->e != bits)
		*m = (struct score_memo){bits, normalise(e, pivot ? LEN_PIVOT : sc->words)};
	return m->score;
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

/* Counted positive hits of a theme and their weight, undamped. */
struct pos_sum {
	size_t n;
	double sum;
};

/* The best segment of a theme: its index and score. */
struct seg_pick {
	size_t seg;
	double score;
};

/*
 * The score of the segment whose hits are h[0..n) (phrase hits of one
 * segment, in order), or 0 when fewer than SEG_MIN_PHRASES distinct
 * phrases count in it or its positive weight is less than SEG_SHARE of
 * pos_sum, the theme's in the whole text. Leaves sc->seen zero.
 */
static double segment_score(struct scorer *sc, const struct hit *h, size_t n, double words,
			    double pos_sum)
{
	size_t distinct = 0;
	double e = 0, pos = 0;

	for (size_t i = 0; i < n; i++) {
		if (h[i].dropped)
			continue;
		if (sc->seen[h[i].index]++ == 0 && h[i].weight > 0)
			distinct++;
		if (h[i].weight > 0)
			pos += h[i].weight;
		e += h[i].weight / (double)sc->seen[h[i].index];
	}
	for (size_t i = 0; i < n; i++)
		sc->seen[h[i].index] = 0;
	if (distinct < SEG_MIN_PHRASES || pos < SEG_SHARE * pos_sum)
		return 0;
	return normalise(e, words > LEN_PIVOT ? words : LEN_PIVOT);
}

/*
 * The segment of a long text (sc->nsegs >= 2) that scores highest on its
 * own (hits h[0..n) sorted by hit_cmp, those that do not count marked
 * dropped); score 0 when none qualifies. Hits are in text order, so a
 * segment's are a run.
 */
static struct seg_pick segment_best(struct scorer *sc, const struct hit *h, size_t n,
				    double pos_sum)
{
	struct seg_pick best = {0, 0};
	size_t i = 0;

	while (i < n && h[i].kind == ENTRY_PHRASE) {
		uint32_t seg = sc->sent_seg[h[i].sentence];
		size_t j = i + 1;
		double score;
		while (j < n && h[j].kind == ENTRY_PHRASE && sc->sent_seg[h[j].sentence] == seg)
			j++;
		score = segment_score(sc, h + i, j - i, sc->segs[seg].words, pos_sum);
		if (score > best.score)
			best = (struct seg_pick){seg, score};
		i = j;
	}
	return best;
}

/* Keeps the sums of the sentences of segment seg only. */
static size_t sums_in_segment(const struct scorer *sc, struct sent_sum *ss, size_t nss, size_t seg)
{
	size_t o = 0;

	for (size_t i = 0; i < nss; i++)
		if (ss[i].sentence <= sc->nsents && sc->sent_seg[ss[i].sentence] == seg)
			ss[o++] = ss[i];
	return o;
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
	struct sent_sum *ss = sent_sums(sc, n < sc->nsents + 1 ? n : sc->nsents + 1);
	struct run *runs = rule_runs(ct, h, n);
	size_t nss = 0;
	struct seg_pick seg = {0, 0};
	struct pos_sum pos = {0, 0}; /* counted positive hits, their summed weight */
	double e = 0;

	drop_contained(h, n);
	for (size_t i = 0; i < n && h[i].kind == ENTRY_PHRASE; i++) {
		double c;
		if (!h[i].dropped && h[i].weight > 0 && runs && !rules_allow(ct, &h[i], runs))
			h[i].dropped = 1; /* so that segments do not count it either */
		if (h[i].dropped)
			continue;
		c = h[i].weight / (double)++sc->seen[h[i].index];
		e += c;
		out->hits++;
		if (h[i].weight > 0)
			pos = (struct pos_sum){pos.n + 1, pos.sum + h[i].weight};
		if (nss && ss[nss - 1].sentence == h[i].sentence)
			ss[nss - 1].sum += c;
		else
			ss[nss++] = (struct sent_sum){h[i].sentence, c};
	}
	for (size_t i = 0; i < n && h[i].kind == ENTRY_PHRASE; i++)
		sc->seen[h[i].index] = 0; /* the scratch is all zero between themes */
	free(runs);
	out->evidence_sum = e;
	out->score = memo_normalise(sc, 0, e);
	/*
	 * Segments only decide whether a theme the whole text leaves below its
	 * threshold fires. None can when fewer than two positive hits count, or
	 * when all the positive weight, undamped, would not reach the threshold
	 * in a 400-word text; most themes of a long text are skipped so.
	 */
	if (sc->nsegs >= 2 && out->score < ct->threshold && pos.n >= 2 &&
	    memo_normalise(sc, 1, pos.sum) >= ct->threshold)
		seg = segment_best(sc, h, n, pos.sum);
	if (seg.score >= ct->threshold && seg.score > out->score) {
		out->score = seg.score;
		out->by_segment = 1;
		out->segment = seg.seg;
	}
	out->above = out->score > 0 && out->score >= ct->threshold;
	if (!out->above)
		return;
	if (out->by_segment) {
		nss = sums_in_segment(sc, ss, nss, seg.seg);
		out->segment_start = themes_segment_start(sc, seg.seg);
	}
	themes_evidence_pick(sc, ss, nss, out);
}

/*
 * score_theme for a theme whose only hit is one phrase occurrence and that
 * has no rules, most themes of a text under a large pack: the same
 * arithmetic without the passes (the k-th occurrence divides by k = 1; no
 * segment can count with fewer than two positive hits).
 */
static void score_single(struct scorer *sc, const struct ctheme *ct, const struct hit *h,
			 struct theme_score *out)
{
	struct sent_sum *ss = sent_sums(sc, 1);
	double c = h->weight / 1.0, e = 0;

	e += c;
	out->hits = 1;
	out->evidence_sum = e;
	out->score = memo_normalise(sc, 0, e);
	out->above = out->score > 0 && out->score >= ct->threshold;
	if (!out->above)
		return;
	ss[0] = (struct sent_sum){h->sentence, c};
	themes_evidence_pick(sc, ss, 1, out);
}

/* The hits of one theme, a range of the scorer's grouped hits. */
struct group {
	uint32_t theme, first, n;
};

/*
 * Groups the hits by theme in place, a counting sort over the themes that
 * have hits (each hit swapped straight into its theme's range), so the cost
 * of a text depends on what matched, not on the number of themes, and no
 * second copy of the hits is made. Fills sc->groups (in order of first hit);
 * slot[t] receives the group index + 1 of theme t.
 */
static void group_hits(struct scorer *sc, uint32_t *slot)
{
	size_t ng = sc->nhits < sc->th->n ? sc->nhits : sc->th->n; /* groups are themes with hits */
	uint32_t run = 0, *next;

	sc->groups = xreallocarray(NULL, ng ? ng : 1, sizeof(*sc->groups));
	sc->ngroups = 0;
	for (size_t i = 0; i < sc->nhits; i++) {
		uint32_t t = sc->hits[i].theme;
		if (!slot[t]) {
			sc->groups[sc->ngroups] = (struct group){t, 0, 0};
			slot[t] = (uint32_t)++sc->ngroups;
		}
		sc->groups[slot[t] - 1].n++;
	}
	next = xreallocarray(NULL, sc->ngroups ? sc->ngroups : 1, sizeof(*next));
	for (size_t g = 0; g < sc->ngroups; g++) {
		next[g] = sc->groups[g].first = run;
		run += sc->groups[g].n;
	}
	for (uint32_t g = 0; g < sc->ngroups; g++)
		while (next[g] < sc->groups[g].first + sc->groups[g].n) {
			struct hit h = sc->hits[next[g]], tmp;
			uint32_t to;
			while ((to = slot[h.theme] - 1) != g) { /* follow the cycle back to g */
				tmp = sc->hits[next[to]];
				sc->hits[next[to]++] = h;
				h = tmp;
			}
			sc->hits[next[g]++] = h;
		}
	free(next);
}

/*
 * The order of a scored theme as two integers: hi the bits of its score
 * (> 0, and positive doubles order as their bits do), lo its id rank
 * inverted (id order breaks ties) above its group index. Larger first.
 */
struct rank_key {
	uint64_t hi, lo;
};

static struct rank_key rank_key(double score, uint32_t rank, uint32_t group)
{
	struct rank_key k;

	memcpy(&k.hi, &score, sizeof(k.hi));
	k.lo = (uint64_t)(UINT32_MAX - rank) << 32 | group;
	return k;
}

static int rank_before(const struct rank_key *x, const struct rank_key *y)
{
	return x->hi > y->hi || (x->hi == y->hi && x->lo > y->lo);
}

#define RANK_RUN 16 /* runs sorted by insertion before merging */

static void rank_insertion(struct rank_key *v, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		struct rank_key x = v[i];
		size_t j = i;
		for (; j > 0 && rank_before(&x, &v[j - 1]); j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

/* Merges the sorted a[lo..mid) and a[mid..hi) into b[lo..hi). */
static void rank_merge(const struct rank_key *a, struct rank_key *b, size_t lo, size_t mid,
		       size_t hi)
{
	size_t i = lo, j = mid, o = lo;

	while (i < mid && j < hi)
		b[o++] = rank_before(&a[j], &a[i]) ? a[j++] : a[i++];
	while (i < mid)
		b[o++] = a[i++];
	while (j < hi)
		b[o++] = a[j++];
}

/*
 * Sorts v[0..n) by rank_before (keys are distinct): runs of RANK_RUN by
 * insertion, then bottom-up merges, with integer compares inlined
 * (qsort's indirect calls were a visible share of a text's cost).
 */
static void rank_sort(struct rank_key *v, size_t n)
{
	struct rank_key *tmp, *a = v, *b;

	for (size_t lo = 0; lo < n; lo += RANK_RUN)
		rank_insertion(v + lo, n - lo < RANK_RUN ? n - lo : RANK_RUN);
	if (n <= RANK_RUN)
		return;
	tmp = xreallocarray(NULL, n, sizeof(*tmp));
	b = tmp;
	for (size_t w = RANK_RUN; w < n; w *= 2) {
		for (size_t lo = 0; lo < n; lo += 2 * w)
			rank_merge(a, b, lo, lo + w < n ? lo + w : n,
				   lo + 2 * w < n ? lo + 2 * w : n);
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
 * The scored themes of a text share few distinct scores (one phrase of
 * weight 1, 2 or 3 in a text of a given length), so they are ordered by
 * bucketing: taken in id order and placed, stably, after every theme with
 * a higher score. More than SCORE_BUCKETS distinct scores: rank_sort.
 */
#define SCORE_BUCKETS 256
#define BUCKET_SLOTS 512 /* open addressing over the distinct scores */

struct buckets {
	uint64_t bits[SCORE_BUCKETS]; /* a distinct score's bits */
	uint32_t at[SCORE_BUCKETS];   /* theme count, then where the next one goes */
	uint16_t slot[BUCKET_SLOTS];  /* bucket + 1; 0: free */
	size_t n;
};

/* The bucket of score bits, added when new; -1 when there are too many. */
static int bucket_of(struct buckets *b, uint64_t bits)
{
	size_t i = (size_t)((bits * 0x9e3779b97f4a7c15ULL) >> 55);

	for (; b->slot[i]; i = (i + 1) % BUCKET_SLOTS)
		if (b->bits[b->slot[i] - 1] == bits)
			return b->slot[i] - 1;
	if (b->n == SCORE_BUCKETS)
		return -1;
	b->bits[b->n] = bits;
	b->at[b->n] = 0;
	b->slot[i] = (uint16_t)++b->n;
	return (int)b->n - 1;
}

/* Turns the buckets' counts into first positions, higher scores first. */
static void buckets_place(struct buckets *b)
{
	struct rank_key order[SCORE_BUCKETS];
	uint32_t pos = 0;

	for (size_t i = 0; i < b->n; i++)
		order[i] = (struct rank_key){b->bits[i], i};
	rank_sort(order, b->n);
	for (size_t i = 0; i < b->n; i++) {
		uint32_t count = b->at[order[i].lo];
		b->at[order[i].lo] = pos;
		pos += count;
	}
}

/*
 * Writes the scored themes (score > 0) to out, highest score first, ties
 * in id order; returns their count. keys: room for every group.
 */
static size_t order_scored(struct scorer *sc, const struct theme_score *scored,
			   const uint32_t *slot, struct rank_key *keys, struct theme_score *out)
{
	const struct themes *th = sc->th;
	struct buckets b;
	size_t nk = 0;
	int fits = 1;

	b.n = 0;
	memset(b.slot, 0, sizeof(b.slot));
	for (size_t i = 0; i < th->n; i++) {
		uint32_t t = th->by_id[i];
		int k;
		if (!slot[t] || !(scored[slot[t] - 1].score > 0))
			continue;
		keys[nk] = rank_key(scored[slot[t] - 1].score, (uint32_t)i, slot[t] - 1);
		if (fits && (k = bucket_of(&b, keys[nk].hi)) >= 0)
			b.at[k]++;
		else
			fits = 0;
		nk++;
	}
	if (!fits) {
		rank_sort(keys, nk);
		for (size_t k = 0; k < nk; k++)
			out[k] = scored[(uint32_t)keys[k].lo];
		return nk;
	}
	buckets_place(&b);
	for (size_t k = 0; k < nk; k++)
		out[b.at[bucket_of(&b, keys[k].hi)]++] = scored[(uint32_t)keys[k].lo];
	return nk;
}

/*
 * Fills r->themes, highest score first, ties and zero scores in id order:
 * the scored themes are ordered among themselves, the others are appended
 * in the id order computed at compile time.
 */
static void order_results(struct scorer *sc, const struct theme_score *scored, const uint32_t *slot,
			  struct theme_result *r)
{
	const struct themes *th = sc->th;
	struct rank_key *keys = xreallocarray(NULL, sc->ngroups ? sc->ngroups : 1, sizeof(*keys));
	size_t o = order_scored(sc, scored, slot, keys, r->themes);

	for (size_t i = 0; i < th->n; i++) {
		uint32_t t = th->by_id[i];
		if (!slot[t])
			r->themes[o++] = blank_score(&th->t[t]);
		else if (!(scored[slot[t] - 1].score > 0))
			r->themes[o++] = scored[slot[t] - 1];
	}
	free(keys);
}

/* What the scoring of one text holds at once, when it holds the most: now. */
static size_t scratch_now(const struct scorer *sc)
{
	const struct themes *th = sc->th;

	return sc->hcap * sizeof(struct hit) +
	       sc->ngroups *
		   (sizeof(struct group) + sizeof(struct theme_score) + sizeof(uint32_t)) +
	       th->n * 3 * sizeof(uint32_t) /* slot; the scan's phrase_at, phrase_hit */ +
	       th->max_phrases * sizeof(uint32_t) + sc->sscap * sizeof(struct sent_sum) +
	       sc->scap * (sizeof(struct text_span) + sizeof(struct sent_pos)) +
	       (sc->nsegs ? (sc->nsents + 1) * (sizeof(struct segment) + sizeof(uint32_t)) +
				sc->nsegs * sizeof(char *)
			  : 0) +
	       sc->nsents * sizeof(char *) + sc->fold.cap;
}

size_t themes_scratch_memory(const struct themes *th)
{
	return *th->scratch;
}

void themes_score_all(struct scorer *sc, struct theme_result *r)
{
	const struct themes *th = sc->th;
	uint32_t *slot = xcalloc(th->n ? th->n : 1, sizeof(uint32_t));
	struct theme_score *scored;

	sc->words = (double)(sc->tokens - sc->cjk) + CJK_WORD * (double)sc->cjk;
	memset(sc->memo, 0, sizeof(sc->memo));
	group_hits(sc, slot);
	scored = xreallocarray(NULL, sc->ngroups ? sc->ngroups : 1, sizeof(*scored));

	sc->seen = xcalloc(th->max_phrases ? th->max_phrases : 1, sizeof(uint32_t));
	for (size_t g = 0; g < sc->ngroups; g++) {
		const struct group *gr = &sc->groups[g];
		const struct ctheme *ct = &th->t[gr->theme];
		struct hit *h = sc->hits + gr->first;
		scored[g] = blank_score(ct);
		if (gr->n == 1 && h->kind == ENTRY_PHRASE && ct->nreq + ct->nexc == 0) {
			score_single(sc, ct, h, &scored[g]);
			continue;
		}
		hits_sort(h, gr->n);
		score_theme(sc, ct, h, gr->n, &scored[g]);
	}
	order_results(sc, scored, slot, r);
	*th->scratch = scratch_now(sc);
	free(sc->seen);
	free(scored);
	free(slot);
}
