#include "daemon/metrics.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/hmap.h"
#include "common/log.h"
#include "common/xmalloc.h"

enum metric_type { COUNTER, GAUGE, HISTOGRAM };

/* Label values of one series, joined by NULs, at most this long: longer ones are dropped. */
#define KEY_MAX 512

struct family_def {
	const char *name, *help;
	enum metric_type type;
	const char *labels[2]; /* NULL-padded */
	const double *bounds;  /* histograms: upper bounds of the buckets, +Inf implied */
	size_t nbounds;
};

static const double bytes_bounds[] = {1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216};
static const double seconds_bounds[] = {0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};

#define BOUNDS(a) a, sizeof(a) / sizeof(a[0])

static const struct family_def defs[METRIC_COUNT] = {
    [METRIC_POLLS] = {"speechwatch_polls_total",
		      "Polls of a source's list page that ended, by result (ok, not-modified, "
		      "http-error, timeout, suspect-list, ...).",
		      COUNTER,
		      {"source", "result"},
		      NULL,
		      0},
    [METRIC_LAST_POLL_OK] = {"speechwatch_last_successful_poll_timestamp_seconds",
			     "Wall time (Unix seconds) of the source's last successful poll.",
			     GAUGE,
			     {"source", NULL},
			     NULL,
			     0},
    [METRIC_ITEMS_SEEN] = {"speechwatch_items_seen_total",
			   "Items listed by the list pages read (200 answers).",
			   COUNTER,
			   {"source", NULL},
			   NULL,
			   0},
    [METRIC_STATEMENTS] = {"speechwatch_statements_total",
			   "Statements stored with their alerts, new or changed.",
			   COUNTER,
			   {"source", "change"},
			   NULL,
			   0},
    [METRIC_FETCHES] = {"speechwatch_fetches_total",
			"Transfers that ended, by kind (list, article) and fetch result "
			"(ok, timeout, network, too-big, ...).",
			COUNTER,
			{"kind", "result"},
			NULL,
			0},
    [METRIC_HTTP_STATUS] = {"speechwatch_http_responses_total",
			    "HTTP responses received, by kind and status code.",
			    COUNTER,
			    {"kind", "status"},
			    NULL,
			    0},
    [METRIC_FETCH_BYTES] = {"speechwatch_fetch_response_bytes",
			    "Decoded body bytes of the responses received.",
			    HISTOGRAM,
			    {"kind", NULL},
			    BOUNDS(bytes_bounds)},
    [METRIC_FETCH_SECONDS] = {"speechwatch_fetch_duration_seconds",
			      "Time a transfer took, queue excluded, redirects included.",
			      HISTOGRAM,
			      {"kind", NULL},
			      BOUNDS(seconds_bounds)},
    [METRIC_DELIVERIES] = {"speechwatch_deliveries_total",
			   "Delivery attempts judged, by channel and the state the event "
			   "entered (delivered, retry_wait, dead).",
			   COUNTER,
			   {"channel", "outcome"},
			   NULL,
			   0},
    [METRIC_DROPPED] = {"speechwatch_metrics_dropped_total",
			"Metric updates refused: a family's series limit reached or its "
			"label values too long.",
			COUNTER,
			{NULL, NULL},
			NULL,
			0},
};

static const char *const type_names[] = {
    [COUNTER] = "counter", [GAUGE] = "gauge", [HISTOGRAM] = "histogram"};

struct series {
	/*
	 * In the family's texts, made once and copied at each scrape: a
	 * counter's or gauge's sample line up to its value ("name{labels} "); a
	 * histogram's labels, escaped, without braces.
	 */
	uint32_t text_off, text_len;
	double value;	   /* counter or gauge; a histogram's sum */
	uint64_t count;	   /* histogram: observations */
	uint64_t *buckets; /* histogram: observations per bucket, not cumulative */
};

struct family {
	struct hmap index; /* key -> series index */
	/*
	 * The series' texts back to back: a scrape reads them in order from one
	 * block instead of thousands of small ones spread over the heap, which
	 * an idle daemon's caches no longer hold (2 ms a scrape at 1,000 sources).
	 */
	struct buf texts;
	struct series *series;
	size_t n, cap;
	/*
	 * The family's samples as the last render wrote them, and the series
	 * changed since (a bit per series). A scrape renders only those again
	 * and copies the rest as they were: once a second, an update touches a
	 * tenth of a thousand sources, and formatting every value again from
	 * the cold series was the larger part of a scrape's CPU.
	 */
	struct buf lines, spare; /* spare: the next render's, kept to reuse its memory */
	uint32_t *ends;		 /* ends[j]: where series j's lines end in lines */
	size_t nrendered;	 /* series 0..nrendered-1 have lines */
	uint64_t *changed;	 /* series j: bit j % 64 of word j / 64; read in order, no sort */
	size_t nchanged;
};

struct metrics {
	struct family fam[METRIC_COUNT];
	int warned; /* the first drop is logged */
	char *kept; /* metrics_keep's block, or NULL */
	/* Each family's HELP and TYPE lines, made once: family i's end at head_end[i]. */
	struct buf heads;
	size_t head_end[METRIC_COUNT];
	double kept_at; /* its clock_mono() */
};

struct metrics *metrics_new(void)
{
	struct metrics *m = xcalloc(1, sizeof(*m));

	for (size_t i = 0; i < METRIC_COUNT; i++) {
		hmap_init(&m->fam[i].index, 16);
		metrics_write_head(&m->heads, defs[i].name, type_names[defs[i].type], defs[i].help);
		m->head_end[i] = m->heads.len;
	}
	metrics_add(m, METRIC_DROPPED, NULL, NULL, 0); /* shown as 0 from the start */
	return m;
}

void metrics_free(struct metrics *m)
{
	if (m == NULL)
		return;
	for (size_t i = 0; i < METRIC_COUNT; i++) {
		struct family *f = &m->fam[i];

		for (size_t j = 0; j < f->n; j++) {
			free(f->series[j].buckets);
		}
		free(f->series);
		free(f->ends);
		free(f->changed);
		buf_free(&f->texts);
		buf_free(&f->lines);
		buf_free(&f->spare);
		hmap_free(&f->index);
	}
	free(m->kept);
	buf_free(&m->heads);
	free(m);
}

/* Joins the label values a family takes into key; its length, or 0 when too long. */
static size_t make_key(const struct family_def *def, const char *a, const char *b,
		       char key[KEY_MAX])
{
	const char *v[2] = {a ? a : "", b ? b : ""};
	size_t len = 0;

	for (size_t i = 0; i < 2 && def->labels[i]; i++) {
		size_t n = strlen(v[i]) + 1;

		if (len + n > KEY_MAX)
			return 0;
		memcpy(key + len, v[i], n);
		len += n;
	}
	return len;
}

/* Label values escape backslash, double quote and line feed (format 0.0.4). */
static void put_label_value(struct buf *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			buf_append_str(out, "\\\\");
		else if (*s == '"')
			buf_append_str(out, "\\\"");
		else if (*s == '\n')
			buf_append_str(out, "\\n");
		else
			buf_append_char(out, *s);
	}
}

/* s's text, appended to f's: the labels NAME="VALUE"[,NAME2="VALUE2"] of a key's values. */
static void render_text(struct family *f, const struct family_def *def, const char *key,
			struct series *s)
{
	struct buf *b = &f->texts;
	size_t off = b->len;

	if (def->type != HISTOGRAM)
		buf_printf(b, "%s%s", def->name, def->labels[0] ? "{" : " ");
	for (size_t i = 0; i < 2 && def->labels[i]; i++) {
		buf_printf(b, "%s%s=\"", i ? "," : "", def->labels[i]);
		put_label_value(b, key);
		buf_append_char(b, '"');
		key += strlen(key) + 1;
	}
	if (def->type != HISTOGRAM && def->labels[0])
		buf_append_str(b, "} ");
	s->text_off = (uint32_t)off;
	s->text_len = (uint32_t)(b->len - off);
}

/* s (of f) is rendered again at the next scrape. */
static void touch(struct family *f, struct series *s)
{
	size_t j = (size_t)(s - f->series);
	uint64_t bit = (uint64_t)1 << (j % 64);

	if (f->changed[j / 64] & bit)
		return;
	f->changed[j / 64] |= bit;
	f->nchanged++;
}

static struct series *add_series(struct family *f, const struct family_def *def, const char *key,
				 size_t len, uint32_t h)
{
	struct series *s;

	if (f->n == f->cap) {
		size_t words = f->cap ? f->cap / 64 + 1 : 0; /* of changed now */

		f->cap = f->cap ? 2 * f->cap : 8;
		f->series = xreallocarray(f->series, f->cap, sizeof(*f->series));
		f->ends = xreallocarray(f->ends, f->cap, sizeof(*f->ends));
		f->changed = xreallocarray(f->changed, f->cap / 64 + 1, sizeof(*f->changed));
		memset(f->changed + words, 0, (f->cap / 64 + 1 - words) * sizeof(*f->changed));
	}
	s = &f->series[f->n];
	memset(s, 0, sizeof(*s));
	render_text(f, def, key, s);
	if (def->type == HISTOGRAM)
		s->buckets = xcalloc(def->nbounds + 1, sizeof(*s->buckets));
	hmap_put(&f->index, key, len, h, (uint32_t)f->n);
	f->n++;
	touch(f, s);
	return s;
}

static struct series *series_of(struct metrics *m, enum metric_id id, const char *a, const char *b);

/* An update refused: counted in its own family, logged the first time. */
static void drop(struct metrics *m, const char *name)
{
	struct series *s = series_of(m, METRIC_DROPPED, NULL, NULL);

	if (!m->warned)
		log_warnx("metrics: %s: too many series or label values too long; dropping "
			  "updates (speechwatch_metrics_dropped_total counts them)",
			  name);
	m->warned = 1;
	if (s != NULL) {
		s->value++;
		touch(&m->fam[METRIC_DROPPED], s);
	}
}

/* The series of family id for a, b: found, else made; NULL when refused. */
static struct series *series_of(struct metrics *m, enum metric_id id, const char *a, const char *b)
{
	const struct family_def *def = &defs[id];
	struct family *f = &m->fam[id];
	char key[KEY_MAX];
	size_t len = make_key(def, a, b, key);
	uint32_t h = hmap_hash(key, len);
	const uint32_t *at;

	if (len == 0 && def->labels[0] != NULL) {
		drop(m, def->name);
		return NULL;
	}
	at = hmap_get(&f->index, key, len, h);
	if (at != NULL)
		return &f->series[*at];
	if (f->n >= METRICS_MAX_SERIES) {
		drop(m, def->name);
		return NULL;
	}
	return add_series(f, def, key, len, h);
}

void metrics_add(struct metrics *m, enum metric_id id, const char *a, const char *b, double v)
{
	struct series *s;

	if (m == NULL || defs[id].type == HISTOGRAM || (defs[id].type == COUNTER && !(v >= 0)))
		return;
	s = series_of(m, id, a, b);
	if (s != NULL && v != 0) {
		s->value += v;
		touch(&m->fam[id], s);
	}
}

void metrics_set(struct metrics *m, enum metric_id id, const char *a, const char *b, double v)
{
	struct series *s;

	if (m == NULL || defs[id].type != GAUGE)
		return;
	s = series_of(m, id, a, b);
	if (s != NULL && s->value != v) {
		s->value = v;
		touch(&m->fam[id], s);
	}
}

void metrics_observe(struct metrics *m, enum metric_id id, const char *a, const char *b, double v)
{
	const struct family_def *def = &defs[id];
	struct series *s;
	size_t i = 0;

	if (m == NULL || def->type != HISTOGRAM || isnan(v))
		return;
	s = series_of(m, id, a, b);
	if (s == NULL)
		return;
	while (i < def->nbounds && v > def->bounds[i])
		i++;
	s->buckets[i]++; /* i == nbounds: the +Inf bucket only */
	s->count++;
	s->value += v;
	touch(&m->fam[id], s);
}

double metrics_value(const struct metrics *m, enum metric_id id, const char *a, const char *b)
{
	const struct family *f;
	char key[KEY_MAX];
	size_t len;
	const uint32_t *at;

	if (m == NULL)
		return 0;
	f = &m->fam[id];
	len = make_key(&defs[id], a, b, key);
	at = hmap_get(&f->index, key, len, hmap_hash(key, len));
	if (at == NULL)
		return 0;
	return defs[id].type == HISTOGRAM ? (double)f->series[*at].count : f->series[*at].value;
}

const char *metrics_kept(const struct metrics *m, double now, double max_age)
{
	if (m == NULL || m->kept == NULL || now - m->kept_at >= max_age || now < m->kept_at)
		return NULL;
	return m->kept;
}

void metrics_keep(struct metrics *m, const char *text, double now)
{
	if (m == NULL)
		return;
	free(m->kept);
	m->kept = xstrdup(text);
	m->kept_at = now;
}

void metrics_poll(struct metrics *m, const char *source, const char *result, int ok, long items,
		  double now)
{
	metrics_add(m, METRIC_POLLS, source, result, 1);
	if (ok) /* to the millisecond: rendered without printf (put_value) */
		metrics_set(m, METRIC_LAST_POLL_OK, source, NULL, floor(now * 1000 + 0.5) / 1000);
	if (items >= 0)
		metrics_add(m, METRIC_ITEMS_SEEN, source, NULL, (double)items);
}

void metrics_fetch(struct metrics *m, const char *kind, const char *result, long status,
		   size_t bytes, double seconds)
{
	char code[24];

	if (m == NULL)
		return;
	metrics_add(m, METRIC_FETCHES, kind, result, 1);
	if (status > 0) {
		snprintf(code, sizeof(code), "%ld", status);
		metrics_add(m, METRIC_HTTP_STATUS, kind, code, 1);
		metrics_observe(m, METRIC_FETCH_BYTES, kind, NULL, (double)bytes);
	}
	metrics_observe(m, METRIC_FETCH_SECONDS, kind, NULL, seconds);
}

/* Room for a value as fmt_value writes it. */
#define VALUE_MAX 48

/* Writes Q thousandths as a decimal ("12", "0.25", "-3.5") into s; returns its length. */
static size_t fmt_millis(char *s, long long q)
{
	char digits[24];
	unsigned long long u = q < 0 ? 0ULL - (unsigned long long)q : (unsigned long long)q;
	unsigned frac = (unsigned)(u % 1000);
	size_t n = 0, len = 0;

	u /= 1000;
	do
		digits[n++] = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (q < 0)
		s[len++] = '-';
	while (n > 0)
		s[len++] = digits[--n];
	if (frac != 0) {
		s[len++] = '.';
		s[len++] = (char)('0' + frac / 100);
		s[len++] = (char)('0' + frac / 10 % 10);
		s[len++] = (char)('0' + frac % 10);
		while (s[len - 1] == '0')
			len--;
	}
	return len;
}

/* The shorter of %.15g and %.17g that reads back as v. */
static size_t fmt_shortest(char *s, size_t len, double v)
{
	int n = snprintf(s, len, "%.15g", v);

	if (strtod(s, NULL) != v)
		n = snprintf(s, len, "%.17g", v);
	return (size_t)n;
}

/*
 * A sample value as the format writes floats. Values of whole thousandths
 * (counts, sizes, timestamps rounded to the millisecond) are written as
 * plain decimals without printf, which a scrape of a thousand sources
 * would otherwise call thousands of times; others with the digits that
 * read back as the same double.
 */
static size_t fmt_value(char s[VALUE_MAX], double v)
{
	double ms = v * 1000;

	if (isnan(v))
		return (size_t)snprintf(s, VALUE_MAX, "NaN");
	if (isinf(v))
		return (size_t)snprintf(s, VALUE_MAX, "%s", v > 0 ? "+Inf" : "-Inf");
	if (fabs(v) < 1e12 && (double)llrint(ms) / 1000 == v) /* reads back as v */
		return fmt_millis(s, llrint(ms));
	return fmt_shortest(s, VALUE_MAX, v);
}

static void put_value(struct buf *out, double v)
{
	char s[VALUE_MAX];

	buf_append(out, s, fmt_value(s, v));
}

/* HELP text escapes backslash and line feed. */
static void put_help(struct buf *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			buf_append_str(out, "\\\\");
		else if (*s == '\n')
			buf_append_str(out, "\\n");
		else
			buf_append_char(out, *s);
	}
}

void metrics_write_head(struct buf *out, const char *name, const char *type, const char *help)
{
	buf_printf(out, "# HELP %s ", name);
	put_help(out, help);
	buf_printf(out, "\n# TYPE %s %s\n", name, type);
}

void metrics_write_sample(struct buf *out, const char *name, const char *label, const char *value,
			  double v)
{
	buf_append_str(out, name);
	if (label != NULL) {
		buf_printf(out, "{%s=\"", label);
		put_label_value(out, value);
		buf_append_str(out, "\"}");
	}
	buf_append_char(out, ' ');
	put_value(out, v);
	buf_append_char(out, '\n');
}

/* A histogram's NAME SUFFIX{LABELS[,le="LE"]} V; labels of s's text. */
static void put_sample(struct buf *out, const char *name, const char *suffix, const char *labels,
		       size_t len, const char *le, double v)
{
	buf_append_str(out, name);
	buf_append_str(out, suffix);
	if (len || le) {
		buf_append_char(out, '{');
		buf_append(out, labels, len);
		if (le) {
			buf_append_str(out, len ? ",le=\"" : "le=\"");
			buf_append_str(out, le);
			buf_append_char(out, '"');
		}
		buf_append_char(out, '}');
	}
	buf_append_char(out, ' ');
	put_value(out, v);
	buf_append_char(out, '\n');
}

/*
 * A counter's or gauge's sample: the line made with the series (text, n
 * bytes) and the value, appended at once (a scrape of a thousand sources
 * writes thousands).
 */
static void put_plain(struct buf *out, const char *text, size_t n, double v)
{
	char line[256];

	if (n + VALUE_MAX + 1 > sizeof(line)) {
		buf_append(out, text, n);
		put_value(out, v);
		buf_append_char(out, '\n');
		return;
	}
	memcpy(line, text, n);
	n += fmt_value(line + n, v);
	line[n++] = '\n';
	buf_append(out, line, n);
}

static void put_histogram(struct buf *out, const struct family_def *def, const struct family *f,
			  const struct series *s)
{
	const char *labels = f->texts.data + s->text_off;
	uint64_t cum = 0;
	char le[VALUE_MAX];

	for (size_t i = 0; i < def->nbounds; i++) {
		cum += s->buckets[i];
		le[fmt_value(le, def->bounds[i])] = '\0';
		put_sample(out, def->name, "_bucket", labels, s->text_len, le, (double)cum);
	}
	put_sample(out, def->name, "_bucket", labels, s->text_len, "+Inf", (double)s->count);
	put_sample(out, def->name, "_sum", labels, s->text_len, NULL, s->value);
	put_sample(out, def->name, "_count", labels, s->text_len, NULL, (double)s->count);
}

/* A series' lines: a counter's or gauge's sample, or a histogram's buckets, sum and count. */
static void put_series(struct buf *out, const struct family_def *def, const struct family *f,
		       const struct series *s)
{
	if (def->type == HISTOGRAM)
		put_histogram(out, def, f, s);
	else
		put_plain(out, f->texts.data + s->text_off, s->text_len, s->value);
}

/*
 * Copies the lines of series from..to-1 that were rendered before, from
 * f->lines at *old to nl, and moves their ends to where they are in nl.
 */
static void copy_run(struct family *f, struct buf *nl, size_t *old, size_t from, size_t to)
{
	size_t base = nl->len, end;

	if (to > f->nrendered)
		to = f->nrendered;
	if (from >= to)
		return;
	end = f->ends[to - 1];
	buf_append(nl, f->lines.data + *old, end - *old);
	for (size_t j = from; j < to; j++) /* unsigned: a shift down wraps back exactly */
		f->ends[j] = (uint32_t)(f->ends[j] - *old + base);
	*old = end;
}

/* Series j's lines, rendered again into nl after the unchanged ones before it. */
static void redo_series(const struct family_def *def, struct family *f, struct buf *nl, size_t *old,
			size_t *next, size_t j)
{
	copy_run(f, nl, old, *next, j);
	if (j < f->nrendered)
		*old = f->ends[j];
	put_series(nl, def, f, &f->series[j]);
	f->ends[j] = (uint32_t)nl->len;
	*next = j + 1;
}

/* Brings f->lines up to date: the changed series rendered again, the others copied. */
static void refresh_lines(const struct family_def *def, struct family *f)
{
	struct buf *nl = &f->spare, swap;
	size_t old = 0, next = 0; /* in f->lines, the next line to copy; its series */

	if (f->nchanged == 0)
		return;
	buf_reset(nl);
	buf_reserve(nl, f->lines.len + f->nchanged * (VALUE_MAX + 1) + 256);
	for (size_t w = 0; w <= (f->n - 1) / 64; w++) {
		uint64_t bits = f->changed[w];

		f->changed[w] = 0;
		for (; bits != 0; bits &= bits - 1)
			redo_series(def, f, nl, &old, &next,
				    w * 64 + (size_t)__builtin_ctzll(bits));
	}
	copy_run(f, nl, &old, next, f->nrendered);
	swap = f->lines;
	f->lines = *nl;
	*nl = swap;
	f->nrendered = f->n;
	f->nchanged = 0;
}

void metrics_render(struct metrics *m, struct buf *out)
{
	size_t size = METRIC_COUNT * 512;

	for (size_t i = 0; m && i < METRIC_COUNT; i++) {
		refresh_lines(&defs[i], &m->fam[i]);
		size += m->fam[i].lines.len;
	}
	buf_reserve(out, size);
	for (size_t i = 0; i < METRIC_COUNT; i++) {
		const struct family_def *def = &defs[i];
		size_t head;

		if (m == NULL) {
			metrics_write_head(out, def->name, type_names[def->type], def->help);
			continue;
		}
		head = i ? m->head_end[i - 1] : 0;
		buf_append(out, m->heads.data + head, m->head_end[i] - head);
		buf_append(out, m->fam[i].lines.data, m->fam[i].lines.len);
	}
}
