/*
 * bench/themes-quality: k-fold cross-validated micro/macro-F1 of `learn` +
 * `classify` on a labelled JSON Lines corpus ({"id","text","labels"}).
 * Each fold learns a theme file from the other folds (learn_from_jsonl),
 * reads it back as an ordinary theme file and classifies the held-out
 * examples with the engine. Prints F1 for the product's rule (every theme
 * above threshold) and for "top-1" (the best theme above threshold).
 *
 * usage: quality CORPUS.jsonl [--folds K] [--ignore LABEL]... [--save DIR]
 *                             [--per-label] [--dump FILE] [--seed N]
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_ini.h"

struct counts {
	size_t tp, fp, fn;
};

struct eval {
	char **labels; /* slugs */
	size_t n;
	struct counts *all, *top1;
};

static void slugify(const char *label, char *out, size_t outlen)
{
	size_t o = 0;
	int dash = 0;

	for (const char *p = label; *p && o + 2 < outlen; p++) {
		unsigned char c = (unsigned char)*p;
		int keep = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c >= 0x80 ||
			   (c >= 'A' && c <= 'Z');
		if (!keep) {
			dash = 1;
			continue;
		}
		if (dash && o)
			out[o++] = '-';
		out[o++] = (char)((c >= 'A' && c <= 'Z') ? c | 0x20 : c);
		dash = 0;
	}
	out[o] = '\0';
}

static size_t label_slot(struct eval *ev, const char *slug)
{
	for (size_t i = 0; i < ev->n; i++)
		if (strcmp(ev->labels[i], slug) == 0)
			return i;
	ev->labels = realloc(ev->labels, (ev->n + 1) * sizeof(char *));
	ev->all = realloc(ev->all, (ev->n + 1) * sizeof(struct counts));
	ev->top1 = realloc(ev->top1, (ev->n + 1) * sizeof(struct counts));
	ev->labels[ev->n] = strdup(slug);
	memset(&ev->all[ev->n], 0, sizeof(struct counts));
	memset(&ev->top1[ev->n], 0, sizeof(struct counts));
	return ev->n++;
}

static int ignored(const char *label, char **ignore, int nignore)
{
	for (int i = 0; i < nignore; i++)
		if (strcmp(ignore[i], label) == 0)
			return 1;
	return 0;
}

static int in_gold(json_t *labels, const char *slug, char **ignore, int nignore)
{
	size_t i;
	json_t *v;
	char s[256];

	json_array_foreach(labels, i, v)
	{
		if (!json_is_string(v) || ignored(json_string_value(v), ignore, nignore))
			continue;
		slugify(json_string_value(v), s, sizeof(s));
		if (strcmp(s, slug) == 0)
			return 1;
	}
	return 0;
}

static void count_example(struct eval *ev, const struct theme_result *r, json_t *labels,
			  char **ignore, int nignore)
{
	size_t i;
	json_t *v;
	char s[256];

	for (size_t t = 0; t < r->nthemes; t++) {
		const struct theme_score *ts = &r->themes[t];
		size_t k = label_slot(ev, ts->id);
		int gold = in_gold(labels, ts->id, ignore, nignore);
		if (ts->above && gold)
			ev->all[k].tp++;
		else if (ts->above)
			ev->all[k].fp++;
		/* top-1: r->themes is sorted, so only index 0 can be predicted */
		if (t == 0 && ts->above && gold)
			ev->top1[k].tp++;
		else if (t == 0 && ts->above)
			ev->top1[k].fp++;
	}
	json_array_foreach(labels, i, v)
	{
		int predicted = 0, top = 0;
		size_t k;
		if (!json_is_string(v) || ignored(json_string_value(v), ignore, nignore))
			continue;
		slugify(json_string_value(v), s, sizeof(s));
		k = label_slot(ev, s); /* before indexing: it may move ev->all and ev->top1 */
		for (size_t t = 0; t < r->nthemes; t++)
			if (strcmp(r->themes[t].id, s) == 0 && r->themes[t].above) {
				predicted = 1;
				top = t == 0;
			}
		if (!predicted)
			ev->all[k].fn++;
		if (!top)
			ev->top1[k].fn++;
	}
}

/* One line per held-out example: fold, gold labels, then id=score per theme. */
static void dump_example(FILE *out, int fold, const struct theme_result *r, json_t *labels)
{
	size_t i;
	json_t *v;
	char s[256];

	fprintf(out, "%d\t", fold);
	json_array_foreach(labels, i, v)
	{
		slugify(json_is_string(v) ? json_string_value(v) : "", s, sizeof(s));
		fprintf(out, "%s%s", i ? "," : "", s);
	}
	for (size_t t = 0; t < r->nthemes; t++)
		fprintf(out, "\t%s=%.6f=%.6f", r->themes[t].id, r->themes[t].score,
			r->themes[t].threshold);
	fputc('\n', out);
}

/*
 * --seed N: the examples in another order (Fisher-Yates with a fixed LCG),
 * so that folds (example i in fold i mod K) and learn's inner folds differ:
 * an independent estimate of the noise. 0 keeps the file's order.
 */
static void shuffle(char **v, size_t n, unsigned seed)
{
	unsigned long long x = seed;

	for (size_t i = n; i > 1; i--) {
		size_t j;
		char *t;
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		j = (size_t)((x >> 33) % i);
		t = v[i - 1], v[i - 1] = v[j], v[j] = t;
	}
}

static double f1(struct counts c)
{
	return c.tp ? 2.0 * (double)c.tp / (double)(2 * c.tp + c.fp + c.fn) : 0.0;
}

static void report_labels(const struct eval *ev, const struct counts *c)
{
	for (size_t i = 0; i < ev->n; i++)
		printf("  %-28s F1 %.3f  tp %4zu fp %4zu fn %4zu\n", ev->labels[i], f1(c[i]),
		       c[i].tp, c[i].fp, c[i].fn);
}

static void report(const char *name, const struct eval *ev, const struct counts *c)
{
	struct counts sum = {0, 0, 0};
	double macro = 0;
	size_t nl = 0;

	for (size_t i = 0; i < ev->n; i++) {
		sum.tp += c[i].tp;
		sum.fp += c[i].fp;
		sum.fn += c[i].fn;
		if (c[i].tp + c[i].fn == 0)
			continue; /* a label with no gold example has no recall */
		macro += f1(c[i]);
		nl++;
	}
	printf("%-8s micro-F1 %.3f  macro-F1 %.3f  (P %.3f R %.3f, %zu labels)\n", name, f1(sum),
	       nl ? macro / (double)nl : 0.0,
	       sum.tp ? (double)sum.tp / (double)(sum.tp + sum.fp) : 0.0,
	       sum.tp ? (double)sum.tp / (double)(sum.tp + sum.fn) : 0.0, nl);
}

int main(int argc, char **argv)
{
	const char *path = NULL, *save = NULL;
	FILE *dump = NULL;
	unsigned seed = 0;
	char *ignore[16];
	int nignore = 0, folds = 5, per_label = 0;
	struct eval ev = {0};
	char **lines = NULL;
	size_t nlines = 0, len;
	char *data, *p, *nl;
	clock_t t0 = clock();

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--folds") == 0 && i + 1 < argc)
			folds = atoi(argv[++i]);
		else if (strcmp(argv[i], "--ignore") == 0 && i + 1 < argc && nignore < 16)
			ignore[nignore++] = argv[++i];
		else if (strcmp(argv[i], "--per-label") == 0)
			per_label = 1;
		else if (strcmp(argv[i], "--save") == 0 && i + 1 < argc)
			save = argv[++i];
		else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc)
			seed = (unsigned)strtoul(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--dump") == 0 && i + 1 < argc)
			dump = fopen(argv[++i], "w");
		else
			path = argv[i];
	}
	if (!path || folds < 2 || !(data = bench_slurp(path, &len))) {
		fprintf(stderr, "usage: quality CORPUS.jsonl [--folds K] [--ignore LABEL]... "
				"[--save DIR] [--per-label] [--dump FILE] [--seed N]\n");
		return 2;
	}
	for (p = data; p && *p; p = nl ? nl + 1 : NULL) {
		nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		if (*p) {
			lines = realloc(lines, (nlines + 1) * sizeof(char *));
			lines[nlines++] = p;
		}
	}
	if (seed)
		shuffle(lines, nlines, seed);
	for (int f = 0; f < folds; f++) {
		struct buf train, file;
		struct learn_opts o;
		struct themes *th;
		char err[512];

		buf_init(&train);
		buf_init(&file);
		for (size_t i = 0; i < nlines; i++)
			if ((int)(i % (size_t)folds) != f) {
				buf_append_str(&train, lines[i]);
				buf_append_char(&train, '\n');
			}
		learn_opts_default(&o);
		if (getenv("MAXP"))
			o.max_phrases = atoi(getenv("MAXP"));
		if (getenv("MINZ"))
			o.min_z = atof(getenv("MINZ"));
		if (getenv("MINC"))
			o.min_count = atoi(getenv("MINC"));
		if (getenv("MINP"))
			o.min_phrases = atoi(getenv("MINP"));
		if (getenv("MAXN"))
			o.max_negative = atoi(getenv("MAXN"));
		if (getenv("NEGZ"))
			o.neg_z = atof(getenv("NEGZ"));
		if (getenv("PRIOR"))
			o.prior = atof(getenv("PRIOR"));
		o.ignore = (const char *const *)ignore;
		o.nignore = (size_t)nignore;
		if (learn_from_jsonl(train.data, train.len, &o, &file, err, sizeof(err)) < 0) {
			fprintf(stderr, "learn: %s\n", err);
			return 1;
		}
		if (save) {
			char name[4096];
			FILE *out;
			snprintf(name, sizeof(name), "%s/fold%d.conf", save, f);
			if ((out = fopen(name, "w")) != NULL) {
				fputs(buf_str(&file), out);
				fclose(out);
			}
		}
		th = bench_themes_compile(NULL, buf_str(&file), err, sizeof(err));
		if (!th) {
			fprintf(stderr, "theme file: %s\n", err);
			return 1;
		}
		for (size_t i = 0; i < nlines; i++) {
			json_t *root, *text;
			struct theme_result *r;
			if ((int)(i % (size_t)folds) != f)
				continue;
			root = json_loads(lines[i], 0, NULL);
			text = json_object_get(root, "text");
			if (!json_is_string(text)) {
				json_decref(root);
				continue;
			}
			themes_score(th, json_string_value(text), json_string_length(text), NULL,
				     &r);
			count_example(&ev, r, json_object_get(root, "labels"), ignore, nignore);
			if (dump)
				dump_example(dump, f, r, json_object_get(root, "labels"));
			theme_result_free(r);
			json_decref(root);
		}
		themes_free(th);
		buf_free(&train);
		buf_free(&file);
	}
	printf("%s: %zu examples, %d-fold cross-validation, ignoring %d label(s)\n", path, nlines,
	       folds, nignore);
	report("all", &ev, ev.all);
	report("top-1", &ev, ev.top1);
	if (per_label)
		report_labels(&ev, ev.top1);
	printf("time %.1f s\n", (double)(clock() - t0) / CLOCKS_PER_SEC);
	for (size_t i = 0; i < ev.n; i++)
		free(ev.labels[i]);
	free(ev.labels);
	free(ev.all);
	free(ev.top1);
	free(lines);
	free(data);
	if (dump)
		fclose(dump);
	return 0;
}
