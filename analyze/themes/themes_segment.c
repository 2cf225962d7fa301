/*
 * analyze/themes: segments of a long text. A press conference or a long
 * speech covers many subjects; scored as a whole, one subject's evidence
 * is divided by the length of all the others. Segments are the parts a
 * reader sees: paragraphs (sentences separated by a blank line) grouped
 * greedily into windows of at most SEG_WORDS words, a question ("Q:",
 * "问：", "Вопрос:") opening a segment that keeps its answer and the
 * answer's further paragraphs. Nothing is split inside a paragraph unless
 * the segment would pass SEG_MAX words. One pass, no recursion.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/themes/themes_int.h"
#include "common/xmalloc.h"

#define SEG_WORDS 250.0 /* a window: paragraphs are grouped up to this */
#define SEG_MAX 500.0	/* a question and its answer, or one paragraph, up to this */
#define CJK_WORD 0.6	/* as in themes_score.c */

enum para_kind { PARA_PLAIN, PARA_QUESTION, PARA_ANSWER };

/* Speaker labels of a press conference transcript, before ':' or '：'. */
static const char *const question_marks[] = {"Q", "Question", "问", "Вопрос", "Pregunta", "سؤال"};
static const char *const answer_marks[] = {"A", "Answer", "答", "Ответ", "Respuesta", "جواب"};

/* 1 if s[0..len) starts with one of marks, then optional spaces and a colon. */
static int starts_with_mark(const char *s, size_t len, const char *const *marks, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t m = strlen(marks[i]), p = m;
		if (len < m + 1 || memcmp(s, marks[i], m) != 0)
			continue;
		while (p < len && s[p] == ' ')
			p++;
		if (p < len && s[p] == ':')
			return 1;
		if (len - p >= 3 && memcmp(s + p, "\xef\xbc\x9a", 3) == 0) /* U+FF1A */
			return 1;
	}
	return 0;
}

static enum para_kind para_kind(const struct scorer *sc, uint32_t k)
{
	const char *s = sc->text + sc->sents[k].start;
	size_t len = sc->sents[k].end - sc->sents[k].start;

	if (starts_with_mark(s, len, question_marks,
			     sizeof(question_marks) / sizeof(*question_marks)))
		return PARA_QUESTION;
	if (starts_with_mark(s, len, answer_marks, sizeof(answer_marks) / sizeof(*answer_marks)))
		return PARA_ANSWER;
	return PARA_PLAIN;
}

/* 1 if a blank line separates sentence k from sentence k - 1. */
static int para_starts(const struct scorer *sc, uint32_t k)
{
	int lines = 0;

	if (k == 0)
		return 1;
	for (size_t p = sc->sents[k - 1].end; p < sc->sents[k].start; p++)
		if (sc->text[p] == '\n' && ++lines == 2)
			return 1;
	return 0;
}

/* Effective words of sentences [a, b), counted as the whole text's length is. */
static double span_words(const struct scorer *sc, uint32_t a, uint32_t b)
{
	uint32_t t0 = a ? sc->spos[a - 1].tokens : 0, c0 = a ? sc->spos[a - 1].cjk : 0;
	uint32_t t = sc->spos[b - 1].tokens - t0, c = sc->spos[b - 1].cjk - c0;

	return (double)(t - c) + CJK_WORD * (double)c;
}

/* The end of the paragraph that starts at sentence a. */
static uint32_t para_end(const struct scorer *sc, uint32_t a)
{
	uint32_t b = a + 1;

	while (b < sc->nsents && !para_starts(sc, b))
		b++;
	return b;
}

/* The segments being built. */
struct seg_build {
	struct segment *v;
	size_t n;
	int qa; /* the open segment is a question and its answer */
};

static void seg_close(struct seg_build *b, uint32_t at)
{
	struct segment *cur = &b->v[b->n];

	if (cur->last > cur->first)
		b->v[++b->n] = (struct segment){at, at, 0};
	b->qa = 0;
}

/* 1 if the paragraph (kind, words) must open a new segment. */
static int para_opens(const struct seg_build *b, enum para_kind kind, double words)
{
	const struct segment *cur = &b->v[b->n];

	if (cur->last == cur->first)
		return 0;
	if (kind == PARA_QUESTION)
		return 1;
	if (b->qa || kind == PARA_ANSWER)
		return cur->words + words > SEG_MAX;
	return cur->words + words > SEG_WORDS;
}

/* Adds the paragraph [a, e) of kind; a sentence that would pass SEG_MAX opens a segment. */
static void para_add(const struct scorer *sc, struct seg_build *b, uint32_t a, uint32_t e,
		     enum para_kind kind)
{
	if (para_opens(b, kind, span_words(sc, a, e)))
		seg_close(b, a);
	if (kind == PARA_QUESTION)
		b->qa = 1;
	for (uint32_t k = a; k < e; k++) {
		double w = span_words(sc, k, k + 1);
		struct segment *cur = &b->v[b->n];
		if (cur->last > cur->first && cur->words + w > SEG_MAX) {
			int qa = b->qa;
			seg_close(b, k);
			b->qa = qa; /* the rest of a long answer is still that answer */
			cur = &b->v[b->n];
		}
		cur->last = k + 1;
		cur->words += w;
	}
}

static void seg_map(struct scorer *sc)
{
	sc->sent_seg = xreallocarray(NULL, sc->nsents + 1, sizeof(*sc->sent_seg));
	for (size_t s = 0; s < sc->nsegs; s++)
		for (uint32_t k = sc->segs[s].first; k < sc->segs[s].last; k++)
			sc->sent_seg[k] = (uint32_t)s;
	sc->sent_seg[sc->nsents] = (uint32_t)(sc->nsegs - 1); /* tokens after the last end */
}

void themes_segment_text(struct scorer *sc)
{
	struct seg_build b = {NULL, 0, 0};
	uint32_t a = 0;

	sc->segs = NULL;
	sc->nsegs = 0;
	sc->seg_rendered = NULL;
	if (sc->nsents == 0 || span_words(sc, 0, (uint32_t)sc->nsents) <= SEG_WORDS)
		return;
	/* each segment holds at least one sentence; one more slot for the open one */
	b.v = xcalloc(sc->nsents + 1, sizeof(*b.v));
	while (a < sc->nsents) {
		uint32_t e = para_end(sc, a);
		para_add(sc, &b, a, e, para_kind(sc, a));
		a = e;
	}
	b.n += b.v[b.n].last > b.v[b.n].first;
	if (b.n < 2) {
		free(b.v);
		return;
	}
	sc->segs = b.v;
	sc->nsegs = b.n;
	sc->seg_rendered = xcalloc(b.n, sizeof(*sc->seg_rendered));
	seg_map(sc);
}

char *themes_segment_start(struct scorer *sc, size_t seg)
{
	const struct segment *sg = &sc->segs[seg];

	if (!sc->seg_rendered[seg]) {
		size_t start = sc->sents[sg->first].start;
		sc->seg_rendered[seg] = themes_render(
		    sc->text + start, sc->sents[sg->last - 1].end - start, THEMES_SEGMENT_CHARS);
	}
	return xstrdup(sc->seg_rendered[seg]);
}
