#include "analyze/article/diff.h"

#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/xmalloc.h"

#define DIFF_MAX_EDITS 1000 /* beyond this, report a whole replacement: O(D^2) memory */

struct lines {
	const char **start;
	size_t *len;
	size_t n;
};

/* Splits text into lines (without their '\n'); blank lines are kept. */
static void lines_split(const char *text, struct lines *l)
{
	size_t cap = 16;
	const char *p = text;

	l->n = 0;
	l->start = xreallocarray(NULL, cap, sizeof(*l->start));
	l->len = xreallocarray(NULL, cap, sizeof(*l->len));
	while (*p) {
		size_t n = strcspn(p, "\n");

		if (l->n == cap) {
			cap *= 2;
			l->start = xreallocarray(l->start, cap, sizeof(*l->start));
			l->len = xreallocarray(l->len, cap, sizeof(*l->len));
		}
		l->start[l->n] = p;
		l->len[l->n++] = n;
		p += n;
		if (*p == '\n')
			p++;
	}
}

static void lines_free(struct lines *l)
{
	free(l->start);
	free(l->len);
}

static int line_eq(const struct lines *a, size_t i, const struct lines *b, size_t j)
{
	return a->len[i] == b->len[j] && memcmp(a->start[i], b->start[j], a->len[i]) == 0;
}

/* ops: one byte per step of the edit script: '=' keep, '-' delete, '+' insert. */
struct script {
	char *ops;
	size_t n;
};

/*
 * Myers' greedy algorithm keeping every V array (at most DIFF_MAX_EDITS of
 * them) so the script can be traced back. Returns -1 when the texts differ
 * by more than that.
 */
static int myers(const struct lines *a, const struct lines *b, struct script *out)
{
	long n = (long)a->n, m = (long)b->n, max = n + m, off = max + 1;
	long dmax = max < DIFF_MAX_EDITS ? max : DIFF_MAX_EDITS;
	long *v = xcalloc((size_t)(2 * max + 3), sizeof(long));
	long **trace = xcalloc((size_t)dmax + 1, sizeof(long *));
	long d, found = -1;

	for (d = 0; d <= dmax && found < 0; d++) {
		for (long k = -d; k <= d; k += 2) {
			long x = (k == -d || (k != d && v[off + k - 1] < v[off + k + 1]))
				     ? v[off + k + 1]
				     : v[off + k - 1] + 1;
			long y = x - k;

			while (x < n && y < m && line_eq(a, (size_t)x, b, (size_t)y))
				x++, y++;
			v[off + k] = x;
			if (x >= n && y >= m) {
				found = d;
				break;
			}
		}
		/* Only diagonals -d..d can matter when tracing back from round d. */
		trace[d] = xmalloc((size_t)(2 * d + 1) * sizeof(long));
		memcpy(trace[d], v + off - d, (size_t)(2 * d + 1) * sizeof(long));
	}
	if (found >= 0) {
		/* Walk back from (n, m), writing ops in reverse. */
		long x = n, y = m, pos;

		out->n = (size_t)(n + m);
		out->ops = xmalloc(out->n + 1);
		pos = (long)out->n;
		for (d = found; d > 0; d--) {
			/* trace[d - 1][j] holds diagonal j - (d - 1) */
			long *pv = trace[d - 1] + (d - 1), k = x - y, pk, px, py;

			pk = (k == -d || (k != d && pv[k - 1] < pv[k + 1])) ? k + 1 : k - 1;
			px = pv[pk];
			py = px - pk;
			while (x > px && y > py)
				out->ops[--pos] = '=', x--, y--;
			out->ops[--pos] = (pk == k + 1) ? '+' : '-';
			if (pk == k + 1)
				y--;
			else
				x--;
		}
		while (x > 0 && y > 0)
			out->ops[--pos] = '=', x--, y--;
		memmove(out->ops, out->ops + pos, out->n - (size_t)pos);
		out->n -= (size_t)pos;
	}
	for (d = 0; d <= dmax; d++)
		free(trace[d]); /* rounds never reached are NULL */
	free(trace);
	free(v);
	return found >= 0 ? 0 : -1;
}

static void script_replace_all(const struct lines *a, const struct lines *b, struct script *s)
{
	s->n = a->n + b->n;
	s->ops = xmalloc(s->n + 1);
	memset(s->ops, '-', a->n);
	memset(s->ops + a->n, '+', b->n);
}

static void emit_line(struct buf *out, char tag, const struct lines *l, size_t i)
{
	buf_append_char(out, tag);
	buf_append(out, l->start[i], l->len[i]);
	buf_append_char(out, '\n');
}

/* Emits the hunk covering ops[from, to) with positions ai/bi at from. */
static void emit_hunk(struct buf *out, const struct script *s, size_t from, size_t to, size_t ai,
		      size_t bi, const struct lines *a, const struct lines *b)
{
	size_t na = 0, nb = 0;

	for (size_t i = from; i < to; i++) {
		na += s->ops[i] != '+';
		nb += s->ops[i] != '-';
	}
	buf_printf(out, "@@ -%zu,%zu +%zu,%zu @@\n", na ? ai + 1 : ai, na, nb ? bi + 1 : bi, nb);
	for (size_t i = from; i < to; i++) {
		if (s->ops[i] == '=')
			emit_line(out, ' ', a, ai++), bi++;
		else if (s->ops[i] == '-')
			emit_line(out, '-', a, ai++);
		else
			emit_line(out, '+', b, bi++);
	}
}

/* Groups changes with their context into hunks. */
static void emit_hunks(struct buf *out, const struct script *s, const struct lines *a,
		       const struct lines *b, size_t context)
{
	size_t i = 0, ai = 0, bi = 0;

	while (i < s->n) {
		size_t start, end, hai, hbi, gap;

		while (i < s->n && s->ops[i] == '=')
			i++, ai++, bi++;
		if (i == s->n)
			break;
		start = i > context ? i - context : 0;
		hai = ai - (i - start);
		hbi = bi - (i - start);
		end = i;
		for (;;) {
			while (end < s->n && s->ops[end] != '=')
				end++;
			for (gap = 0; end + gap < s->n && s->ops[end + gap] == '='; gap++)
				;
			if (end + gap < s->n && gap <= 2 * context) {
				end += gap;
				continue;
			}
			end += gap < context ? gap : context;
			break;
		}
		emit_hunk(out, s, start, end, hai, hbi, a, b);
		for (; i < end; i++) {
			ai += s->ops[i] != '+';
			bi += s->ops[i] != '-';
		}
	}
}

char *diff_unified(const char *old_text, const char *new_text, const char *old_label,
		   const char *new_label, int context)
{
	struct lines a, b;
	struct script s = {NULL, 0};
	struct buf out;

	buf_init(&out);
	if (strcmp(old_text, new_text) == 0)
		return buf_steal(&out);
	lines_split(old_text, &a);
	lines_split(new_text, &b);
	if (myers(&a, &b, &s) < 0)
		script_replace_all(&a, &b, &s);
	buf_printf(&out, "--- %s\n+++ %s\n", old_label, new_label);
	emit_hunks(&out, &s, &a, &b, context < 0 ? 0 : (size_t)context);
	free(s.ops);
	lines_free(&a);
	lines_free(&b);
	return buf_steal(&out);
}
