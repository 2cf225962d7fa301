/*
 * daemon/store_pg_search: full-text search on PostgreSQL with SQLite's
 * meaning. SQLite's index is FTS5 with the trigram tokenizer: a phrase
 * matches where its text occurs inside a title or a text, case folded,
 * whatever the language (CJK too), and needs three characters. The same
 * here: the query is parsed as FTS5 parses it and becomes substring tests
 * (LIKE on sw_fold(), both columns under a pg_trgm GIN index, schema
 * SCHEMA_SEARCH), every value a parameter. PostgreSQL keeps that index in
 * the writing transaction: nothing is ever pending.
 *
 * Supported: bare words and "phrases" (a run is an AND), AND, OR, NOT,
 * parentheses, prefix *, ^ (at a column's start), column filters (title:,
 * text:, -title:, {title text}:). NEAR() and phrase + phrase are refused
 * as unsupported (EINVAL), never answered wrongly.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/buf.h"
#include "common/xmalloc.h"
#include "daemon/store_pg.h"

int store_pg_param(struct store_pg_params *p, char *value)
{
	p->v = xreallocarray(p->v, (size_t)p->n + 1, sizeof(*p->v));
	p->v[p->n++] = value;
	return p->n;
}

void store_pg_params_free(struct store_pg_params *p)
{
	for (int i = 0; i < p->n; i++)
		free(p->v[i]);
	free(p->v);
	p->v = NULL;
	p->n = 0;
}

/* ---- the query: FTS5's grammar (fts5parse.y) by recursive descent ---- */

enum tok { T_EOF, T_STR, T_AND, T_OR, T_NOT, T_LP, T_RP, T_LCP, T_RCP, T_COLON, T_OTHER };
#define COL_TITLE 1u
#define COL_TEXT 2u

/* A phrase to highlight in the text column: its parameter and whether ^ anchors it. */
struct hl {
	int param;
	int initial;
};

struct qp {
	const char *s;	/* what is not yet read */
	enum tok tok;	/* the current token... */
	const char *tp; /* ...where it starts */
	char c;		/* its character (T_OTHER and the punctuation) */
	char *str;	/* T_STR: its text (quotes undone) */
	int bare;	/* T_STR: a bare word, not a quoted string */
	int neg;	/* inside the right side of a NOT */
	int failed;
	char *err;
	size_t errlen;
	struct store_pg_params *p;
	int want_hl; /* collect the phrases to highlight */
	struct hl *hl;
	size_t nhl;
};

static void fail(struct qp *q, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(struct qp *q, const char *fmt, ...)
{
	va_list ap;

	if (q->failed)
		return;
	q->failed = 1;
	va_start(ap, fmt);
	vsnprintf(q->err, q->errlen, fmt, ap);
	va_end(ap);
}

static void fail_near(struct qp *q)
{
	int n = q->tok == T_EOF ? 0 : q->tok == T_STR ? (int)strlen(q->str) : 1;

	fail(q, "fts5: syntax error near \"%.*s\"", n, q->tp);
}

/* FTS5's bare-word characters: ASCII letters and digits, '_', 0x1A, and every non-ASCII byte. */
static int bareword(unsigned char c)
{
	return c >= 0x80 || c == '_' || c == 0x1a || (c >= '0' && c <= '9') ||
	       ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

static void lex_string(struct qp *q, const char *s)
{
	struct buf b;

	buf_init(&b);
	for (s++;; s++) {
		if (*s == '\0') {
			buf_free(&b);
			q->tok = T_EOF;
			fail(q, "unterminated string");
			return;
		}
		if (*s == '"' && s[1] != '"')
			break;
		if (*s == '"')
			s++;
		buf_append_char(&b, *s);
	}
	buf_append_char(&b, '\0');
	q->str = buf_steal(&b);
	q->tok = T_STR;
	q->bare = 0;
	q->s = s + 1;
}

static void lex(struct qp *q)
{
	static const char punct[] = "(){}:,+*-^";
	static const enum tok ptok[] = {T_LP,	 T_RP,	  T_LCP,   T_RCP,   T_COLON,
					T_OTHER, T_OTHER, T_OTHER, T_OTHER, T_OTHER};
	const char *s = q->s, *e, *at;

	free(q->str);
	q->str = NULL;
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	q->tp = s;
	q->c = *s;
	if (*s == '\0' || q->failed) {
		q->tok = T_EOF;
		return;
	}
	if ((at = strchr(punct, *s)) != NULL) {
		q->tok = ptok[at - punct];
		q->s = s + 1;
		return;
	}
	if (*s == '"')
		return lex_string(q, s);
	for (e = s; bareword((unsigned char)*e); e++)
		;
	if (e == s) {
		q->tok = T_OTHER;
		fail_near(q);
		return;
	}
	q->str = xstrndup(s, (size_t)(e - s));
	q->bare = 1;
	q->s = e;
	q->tok = !strcmp(q->str, "AND")	  ? T_AND
		 : !strcmp(q->str, "OR")  ? T_OR
		 : !strcmp(q->str, "NOT") ? T_NOT
					  : T_STR;
}

static int is_other(const struct qp *q, char c)
{
	return q->tok == T_OTHER && q->c == c;
}

/* Characters, not bytes: what the trigram tokenizer counts. */
static size_t utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* text as a LIKE pattern matching it anywhere (or at the start: initial). */
static char *like_pattern(const char *text, int initial)
{
	struct buf b;

	buf_init(&b);
	if (!initial)
		buf_append_char(&b, '%');
	for (; *text; text++) {
		if (*text == '%' || *text == '_' || *text == '\\')
			buf_append_char(&b, '\\');
		buf_append_char(&b, *text);
	}
	buf_append_str(&b, "%");
	return buf_steal(&b);
}

/*
 * One phrase in the columns of mask. NULL (matches nothing) for a phrase
 * under three characters, as the trigram tokenizer gives it no token.
 */
static char *leaf(struct qp *q, const char *phrase, unsigned mask, int initial)
{
	int k;

	if (mask == 0 || utf8_chars(phrase) < 3)
		return NULL;
	k = store_pg_param(q->p, like_pattern(phrase, initial));
	if (q->want_hl && !q->neg && (mask & COL_TEXT)) {
		q->hl = xreallocarray(q->hl, q->nhl + 1, sizeof(*q->hl));
		q->hl[q->nhl].param = store_pg_param(q->p, xstrdup(phrase));
		q->hl[q->nhl++].initial = initial;
	}
	if (mask == COL_TITLE)
		return xasprintf("sw_fold(i.title) LIKE sw_fold($%d)", k);
	if (mask == COL_TEXT)
		return xasprintf("sw_fold(i.text) LIKE sw_fold($%d)", k);
	return xasprintf(
	    "(sw_fold(i.title) LIKE sw_fold($%d) OR sw_fold(i.text) LIKE sw_fold($%d))", k, k);
}

static unsigned column_of(struct qp *q)
{
	if (q->tok != T_STR) {
		fail_near(q);
		return 0;
	}
	if (!strcasecmp(q->str, "title"))
		return COL_TITLE;
	if (!strcasecmp(q->str, "text"))
		return COL_TEXT;
	fail(q, "no such column: %s", q->str);
	return 0;
}

/* colset ':' — a column, -column, {columns} or -{columns}: the columns it leaves. */
static unsigned colset(struct qp *q)
{
	int minus = is_other(q, '-');
	unsigned cols = 0;

	if (minus)
		lex(q);
	if (q->tok == T_LCP) {
		for (lex(q); q->tok != T_RCP && !q->failed; lex(q))
			cols |= column_of(q);
	} else {
		cols = column_of(q);
	}
	lex(q);
	if (q->tok != T_COLON)
		fail_near(q);
	lex(q);
	return minus ? (COL_TITLE | COL_TEXT) & ~cols : cols;
}

/* A string followed by ':' names a column. */
static int colset_ahead(const struct qp *q)
{
	const char *s = q->s;

	if (q->tok == T_LCP || is_other(q, '-'))
		return 1;
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	return q->tok == T_STR && *s == ':';
}

/* nearset: ['^'] STRING ['*'] — NEAR(...) and '+' refused. */
static char *nearset(struct qp *q, unsigned mask)
{
	int initial = is_other(q, '^'), near;
	char *phrase, *sql;

	if (initial)
		lex(q);
	if (q->tok != T_STR) {
		fail_near(q);
		return NULL;
	}
	near = q->bare && !strcmp(q->str, "NEAR");
	phrase = q->str;
	q->str = NULL;
	lex(q);
	if (near && q->tok == T_LP)
		fail(q, "NEAR() is not supported on PostgreSQL");
	if (is_other(q, '*'))
		lex(q);
	if (is_other(q, '+'))
		fail(q, "phrase + phrase is not supported on PostgreSQL");
	sql = q->failed ? NULL : leaf(q, phrase, mask, initial);
	free(phrase);
	return sql;
}

/* "(a op b)"; NULL (a failed parse) when either is NULL. Frees a and b. */
static char *join(char *a, const char *op, char *b)
{
	char *s = a != NULL && b != NULL ? xasprintf("(%s %s %s)", a, op, b) : NULL;

	free(a);
	free(b);
	return s;
}

static char *or_expr(struct qp *q, unsigned mask);

static int list_start(const struct qp *q)
{
	return q->tok == T_STR || q->tok == T_LCP || is_other(q, '-') || is_other(q, '^');
}

/*
 * unit: '(' expr ')' | colset ':' '(' expr ')' | a run of [colset ':']
 * nearset, ANDed. A phrase without tokens (leaf() NULL) is left out of a
 * run, as FTS5's implicit AND drops it; a run of nothing else, and so such
 * a phrase anywhere else, is "false".
 */
static char *unit(struct qp *q, unsigned mask)
{
	char *acc = NULL;
	int first = 1;

	if (q->tok == T_LP || !list_start(q)) {
		if (q->tok != T_LP) {
			fail_near(q);
			return NULL;
		}
		lex(q);
		acc = or_expr(q, mask);
		if (q->tok != T_RP)
			fail_near(q);
		lex(q);
		return acc;
	}
	for (; list_start(q) && !q->failed; first = 0) {
		unsigned m = colset_ahead(q) ? mask & colset(q) : mask;
		char *one;

		if (first && q->tok == T_LP)
			return unit(q, m);
		one = nearset(q, m);
		acc = acc == NULL ? one : one == NULL ? acc : join(acc, "AND", one);
	}
	return acc != NULL || q->failed ? acc : xstrdup("false");
}

/* NOT binds tighter than AND, AND than OR (fts5parse.y's %left order). */
static char *not_expr(struct qp *q, unsigned mask)
{
	char *a = unit(q, mask);

	while (q->tok == T_NOT && !q->failed) {
		char *b;

		lex(q);
		q->neg++;
		b = unit(q, mask);
		q->neg--;
		a = join(a, "AND NOT", b != NULL ? xasprintf("coalesce(%s, false)", b) : NULL);
		free(b);
	}
	return a;
}

static char *and_expr(struct qp *q, unsigned mask)
{
	char *a = not_expr(q, mask);

	while (q->tok == T_AND && !q->failed) {
		lex(q);
		a = join(a, "AND", not_expr(q, mask));
	}
	return a;
}

static char *or_expr(struct qp *q, unsigned mask)
{
	char *a = and_expr(q, mask);

	while (q->tok == T_OR && !q->failed) {
		lex(q);
		a = join(a, "OR", and_expr(q, mask));
	}
	return a;
}

/* The whole query as SQL, or NULL with q->err set. */
static char *parse(struct qp *q)
{
	char *sql;

	lex(q);
	sql = or_expr(q, COL_TITLE | COL_TEXT);
	if (q->tok != T_EOF)
		fail_near(q);
	free(q->str);
	q->str = NULL;
	if (q->failed) {
		free(sql);
		return NULL;
	}
	return sql;
}

char *store_pg_match_sql(const char *query, struct store_pg_params *p, char *err, size_t errlen)
{
	struct qp q = {.s = query, .err = err, .errlen = errlen, .p = p};

	return parse(&q);
}

/* ---- snippets: what SQLite's snippet(items_fts, 1, '[', ']', '…', 64) gives ---- */

/*
 * FTS5 picks the window of 64 tokens (trigrams: one per character but the
 * last two) that holds the most distinct phrases, centred on them, or
 * starting at the sentence that holds the first if that scores as well.
 */
#define SNIP_TOKENS 64
#define ELLIPSIS "\xe2\x80\xa6"

struct inst {
	size_t pos, ntok; /* first token (character) and tokens */
	size_t phrase;
};

struct snip {
	const char *text;
	size_t *off; /* byte offset of each character of text, nchars + 1 */
	size_t nchars, ndoc;
	struct inst *in; /* every match, by position */
	size_t nin, nphrases;
	unsigned char *seen; /* nphrases: a window's phrases */
	size_t *sent;	     /* the characters starting a sentence, ascending */
	size_t nsent;
};

static size_t *char_offsets(const char *s, size_t *n)
{
	size_t len = strlen(s), *off = xmalloc((len + 1) * sizeof(*off)), k = 0;

	for (size_t i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			off[k++] = i;
	off[k] = len;
	*n = k;
	return off;
}

static int inst_cmp(const void *a, const void *b)
{
	const struct inst *x = a, *y = b;

	return x->pos != y->pos ? (x->pos < y->pos ? -1 : 1)
				: (x->phrase > y->phrase) - (x->phrase < y->phrase);
}

/* Every occurrence of each folded phrase in the folded text, as character positions. */
static void find_instances(struct snip *sn, const char *folded, char **phrases, const struct hl *hl,
			   size_t nphrases)
{
	size_t nf, *foff = char_offsets(folded, &nf);

	for (size_t p = 0; p < nphrases; p++) {
		size_t len = strlen(phrases[p]), nc = utf8_chars(phrases[p]);

		for (size_t k = 0; k < nf && len > 0 && nc >= 3; k++) {
			if (hl[p].initial && k > 0)
				break;
			if (strncmp(folded + foff[k], phrases[p], len) != 0 || k >= sn->ndoc)
				continue;
			sn->in = xreallocarray(sn->in, sn->nin + 1, sizeof(*sn->in));
			sn->in[sn->nin++] = (struct inst){k, nc - 2, p};
		}
	}
	free(foff);
	if (sn->nin > 1)
		qsort(sn->in, sn->nin, sizeof(*sn->in), inst_cmp);
}

/* The first instance at or after character pos (a binary search). */
static size_t inst_from(const struct snip *sn, size_t pos)
{
	size_t lo = 0, hi = sn->nin;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (sn->in[mid].pos < pos)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * fts5SnippetScore: the window from start scores 1000 for each phrase in
 * it and 1 for each repeat; *adj is where FTS5 would start it to centre
 * its matches.
 */
static long window_score(const struct snip *sn, size_t start, size_t *adj)
{
	long score = 0, first = -1, last = 0, a;

	memset(sn->seen, 0, sn->nphrases + 1);
	for (size_t i = inst_from(sn, start); i < sn->nin && sn->in[i].pos < start + SNIP_TOKENS;
	     i++) {
		score += sn->seen[sn->in[i].phrase] ? 1 : 1000;
		sn->seen[sn->in[i].phrase] = 1;
		if (first < 0)
			first = (long)sn->in[i].pos;
		last = (long)(sn->in[i].pos + sn->in[i].ntok);
	}
	a = first - (SNIP_TOKENS - (last - first)) / 2;
	if (a + SNIP_TOKENS > (long)sn->ndoc)
		a = (long)sn->ndoc - SNIP_TOKENS;
	*adj = a < 0 ? 0 : (size_t)a;
	return score;
}

static int space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/*
 * fts5SentenceFinderCb: a token starts a sentence when white space and
 * then '.' or ':' come before it, and the first token does.
 */
static void find_sentences(struct snip *sn)
{
	const char *t = sn->text;

	sn->sent = xmalloc((sn->ndoc + 1) * sizeof(*sn->sent));
	sn->sent[sn->nsent++] = 0;
	for (size_t k = 1; k < sn->ndoc; k++) {
		size_t i = sn->off[k];

		if (!space(t[i - 1]))
			continue;
		while (i > 0 && space(t[i - 1]))
			i--;
		if (i > 0 && (t[i - 1] == '.' || t[i - 1] == ':'))
			sn->sent[sn->nsent++] = k;
	}
}

/* The last sentence start at or before io (FTS5's scan of aFirst[]). */
static size_t sentence_of(const struct snip *sn, size_t io)
{
	size_t lo = 0, hi = sn->nsent;

	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (sn->sent[mid] <= io)
			lo = mid;
		else
			hi = mid;
	}
	return sn->sent[lo];
}

/* fts5SnippetFunction's choice of the window's first token. */
static size_t best_start(struct snip *sn)
{
	long best = 0, score;
	size_t start = 0, adj, k;

	sn->seen = xmalloc(sn->nphrases + 1);
	find_sentences(sn);
	for (size_t i = 0; i < sn->nin; i++) {
		size_t io = sn->in[i].pos;

		score = window_score(sn, io, &adj);
		if (score > best) {
			best = score;
			start = adj;
		}
		if (sn->ndoc <= SNIP_TOKENS || (k = sentence_of(sn, io)) >= io)
			continue;
		score = window_score(sn, k, &adj) + (k == 0 ? 120 : 100);
		if (score > best) {
			best = score;
			start = k;
		}
	}
	return start;
}

static void emit_chars(const struct snip *sn, struct buf *b, size_t from, size_t to)
{
	if (to > from)
		buf_append(b, sn->text + sn->off[from], sn->off[to] - sn->off[from]);
}

/*
 * The characters [from, to) of the text with [ ] around the matches that
 * start in it, as fts5HighlightCb puts them: overlapping matches make one
 * (fts5CInstIterNext); a match starting inside the last trigram of the one
 * before opens where that one closes.
 */
static void emit(const struct snip *sn, struct buf *b, size_t from, size_t to)
{
	size_t i = inst_from(sn, from), at = from;

	while (i < sn->nin && sn->in[i].pos + 2 < to) {
		size_t start = sn->in[i].pos, last = start + sn->in[i].ntok - 1, open, close;

		for (i++; i < sn->nin && sn->in[i].pos <= last; i++)
			if (sn->in[i].pos + sn->in[i].ntok - 1 > last)
				last = sn->in[i].pos + sn->in[i].ntok - 1;
		open = start > at ? start : at;
		close = last + 3 < to ? last + 3 : to;
		emit_chars(sn, b, at, open);
		buf_append_char(b, '[');
		emit_chars(sn, b, open, close);
		buf_append_char(b, ']');
		at = close;
	}
	emit_chars(sn, b, at, to);
}

static char *snippet(const char *text, const char *folded, char **phrases, const struct hl *hl,
		     size_t nphrases)
{
	struct snip sn = {.text = text, .nphrases = nphrases};
	struct buf b;
	size_t start, end;

	if (text == NULL)
		return NULL;
	sn.off = char_offsets(text, &sn.nchars);
	sn.ndoc = sn.nchars >= 3 ? sn.nchars - 2 : 0;
	if (folded != NULL)
		find_instances(&sn, folded, phrases, hl, nphrases);
	start = best_start(&sn);
	end = start + SNIP_TOKENS - 1 >= sn.ndoc - (sn.ndoc > 0) ? sn.nchars
								 : start + SNIP_TOKENS + 2;
	buf_init(&b);
	if (start > 0)
		buf_append_str(&b, ELLIPSIS);
	emit(&sn, &b, start, end);
	if (end < sn.nchars)
		buf_append_str(&b, ELLIPSIS);
	buf_append_char(&b, '\0');
	free(sn.off);
	free(sn.in);
	free(sn.seen);
	free(sn.sent);
	return buf_steal(&b);
}

/* ---- search ---- */

/* The date a hit shows and is ordered by: published, else the day first seen (UTC). */
#define HIT_DATE                                                                                   \
	"coalesce(i.published, to_char(to_timestamp(i.first_seen) AT TIME ZONE 'UTC', "            \
	"'YYYY-MM-DD'))"

static char *search_sql(struct qp *q, const char *cond, const char *since, const char *theme,
			size_t max)
{
	struct buf sql;

	buf_init(&sql);
	buf_printf(&sql, "SELECT i.source_id, i.url, i.title, " HIT_DATE ", i.themes, i.text, "
			 "sw_fold(i.text)");
	for (size_t k = 0; k < q->nhl; k++)
		buf_printf(&sql, ", sw_fold($%d)", q->hl[k].param);
	buf_printf(&sql, " FROM items i WHERE %s", cond);
	if (since != NULL)
		buf_printf(&sql, " AND " HIT_DATE " COLLATE \"C\" >= $%d",
			   store_pg_param(q->p, xstrdup(since)));
	if (theme != NULL) /* as SQLite's LIKE: ASCII case ignored, no escape character */
		buf_printf(&sql,
			   " AND ',' || i.themes || ',' ILIKE '%%,' || $%d || ',%%' ESCAPE ''",
			   store_pg_param(q->p, xstrdup(theme)));
	buf_printf(
	    &sql,
	    " ORDER BY " HIT_DATE " COLLATE \"C\" DESC, i.first_seen DESC, i.id DESC "
	    "LIMIT $%d",
	    store_pg_param(
		q->p, xasprintf("%llu", (unsigned long long)(max > INT64_MAX ? INT64_MAX : max))));
	return buf_steal(&sql);
}

static void read_hits(const PGresult *res, const struct qp *q, struct store_hit **out, size_t *n)
{
	int rows = PQntuples(res);
	char **phrases = xcalloc(q->nhl + 1, sizeof(*phrases));

	for (size_t k = 0; k < q->nhl && rows > 0; k++)
		phrases[k] = PQgetvalue(res, 0, 7 + (int)k);
	*out = xcalloc((size_t)rows + 1, sizeof(**out));
	for (int r = 0; r < rows; r++) {
		struct store_hit *h = &(*out)[r];

		h->source_id = store_pg_strdup(res, r, 0);
		h->url = store_pg_strdup(res, r, 1);
		h->title = store_pg_strdup(res, r, 2);
		h->date = store_pg_strdup(res, r, 3);
		h->themes = store_pg_strdup(res, r, 4);
		h->snippet = snippet(PQgetisnull(res, r, 5) ? NULL : PQgetvalue(res, r, 5),
				     PQgetisnull(res, r, 6) ? NULL : PQgetvalue(res, r, 6), phrases,
				     q->hl, q->nhl);
	}
	*n = (size_t)rows;
	free(phrases);
}

int store_pg_search(struct store *st, const char *query, const char *since, const char *theme,
		    size_t max, struct store_hit **out, size_t *n)
{
	struct store_pg *pg = store_pg_of(st);
	struct store_pg_params p = {0};
	char why[256];
	struct qp q = {.s = query, .err = why, .errlen = sizeof(why), .p = &p, .want_hl = 1};
	char *cond = parse(&q), *sql;
	PGresult *res;

	*out = NULL;
	*n = 0;
	if (cond == NULL) {
		snprintf(st->err, sizeof(st->err), "%s: search: %s", pg->shown, why);
		free(q.hl);
		store_pg_params_free(&p);
		errno = EINVAL;
		return -1;
	}
	sql = search_sql(&q, cond, since, theme, max);
	res = store_pg_exec(pg, "search", sql, p.n, (const char *const *)p.v);
	if (res != NULL)
		read_hits(res, &q, out, n);
	PQclear(res);
	free(sql);
	free(cond);
	free(q.hl);
	store_pg_params_free(&p);
	return res != NULL ? 0 : -1;
}

/* PostgreSQL's GIN index follows every write in its transaction: nothing waits. */
int store_pg_index_pending(struct store *st, int64_t *n)
{
	(void)st;
	*n = 0;
	return 0;
}

int store_pg_index_add(struct store *st, size_t max, size_t *done)
{
	(void)st;
	(void)max;
	*done = 0;
	return 0;
}
