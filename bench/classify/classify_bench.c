/*
 * bench/classify: throughput of themes_score on one core, with a theme
 * file (default config/themes/diplomacy.conf) and with a generated pack of
 * 850 themes x 35 phrases, compared with `grep -F -i -c -f` over the same
 * text and phrases. Also prints compile time and automaton memory.
 *
 * usage: classify_bench [--pack FILE] [--text FILE] [--mb N] [--chunk BYTES]
 *                       [--only pack|gen] [--dump FILE]
 * The default text is the sentences of the themes-dev corpus repeated to N MiB
 * (default 32), scored in chunks of ~8 KiB (a typical statement). Rates are
 * MB per CPU second (this process, or grep's), not wall clock. --dump
 * writes every chunk's result as JSON, one line each (the timing then
 * includes the rendering), so that two builds can be compared byte for byte.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <sys/resource.h>
#include <unistd.h>

#include "bench_ini.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * CPU seconds of this process: "MB/s on one core" stays meaningful when
 * other work shares the machine (wall-clock rates vary by 2x then).
 */
static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU seconds of the children waited for so far (grep). */
static double children_cpu(void)
{
	struct rusage ru;

	getrusage(RUSAGE_CHILDREN, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* Corpus sentences, one per line, from a JSON Lines file or a text file. */
static char *corpus_text(const char *path, size_t *len)
{
	char *data = bench_slurp(path, len), *p, *nl;
	struct buf b;

	if (!data || !strstr(path, ".jsonl"))
		return data;
	buf_init(&b);
	for (p = data; p && *p; p = nl ? nl + 1 : NULL) {
		json_t *root, *text;
		nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		root = json_loads(p, 0, NULL);
		text = json_object_get(root, "text");
		if (json_is_string(text)) {
			buf_append_str(&b, json_string_value(text));
			buf_append_str(&b, "\n");
		}
		json_decref(root);
	}
	free(data);
	*len = b.len;
	return buf_steal(&b);
}

static char *repeat_to(const char *s, size_t len, size_t target, size_t *outlen)
{
	struct buf b;

	buf_init(&b);
	while (b.len < target && len)
		buf_append(&b, s, len);
	*outlen = b.len;
	return buf_steal(&b);
}

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static int seen(char **v, size_t n, const char *w, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (strncasecmp(v[i], w, len) == 0 && v[i][len] == '\0')
			return 1;
	return 0;
}

/* Distinct words of the text (ASCII letters, >= 7 long: terms, not function words), for generated
 * phrases. */
static size_t vocabulary(const char *s, size_t len, char ***out)
{
	char **v = NULL;
	size_t n = 0;

	for (size_t i = 0; i < len && n < 20000;) {
		size_t j = i;
		while (j < len && ((s[j] | 0x20) >= 'a' && (s[j] | 0x20) <= 'z'))
			j++;
		if (j - i >= 7 && !seen(v, n, s + i, j - i)) {
			v = realloc(v, (n + 1) * sizeof(*v));
			v[n++] = strndup(s + i, j - i);
		}
		i = j + 1;
	}
	*out = v;
	return n;
}

/*
 * A word for a generated phrase: a corpus word one time in four, otherwise
 * an invented one, so that most phrases, as in a real monitor's pack, do
 * not occur in a given text.
 */
static const char *pick_word(char **vocab, size_t nv)
{
	static char w[16];
	int n = 6 + (int)(next_rand() % 5);

	if (next_rand() % 4 == 0)
		return vocab[next_rand() % nv];
	for (int i = 0; i < n; i++)
		w[i] = (char)('a' + next_rand() % 26);
	w[n] = '\0';
	return w;
}

/* 850 x 35 phrases of 1-3 words; also written to phrases_path for grep. */
static struct themes *generated_pack(const char *text, size_t len, const char *phrases_path,
				     size_t *nphrases)
{
	enum { NT = 850, NP = 35 };
	struct theme_def *defs = calloc(NT, sizeof(*defs));
	struct theme_phrase *ph = calloc(NT * NP, sizeof(*ph));
	char **vocab, err[256];
	size_t nv = vocabulary(text, len < (4u << 20) ? len : (4u << 20), &vocab);
	FILE *f = fopen(phrases_path, "w");
	struct themes *th;

	for (int t = 0; t < NT; t++) {
		char id[32];
		snprintf(id, sizeof(id), "gen-%03d", t);
		defs[t].id = strdup(id);
		defs[t].threshold = 0.3;
		defs[t].phrases = ph + t * NP;
		defs[t].nphrases = NP;
		for (int k = 0; k < NP; k++) {
			struct buf b;
			int words = 1 + (int)(next_rand() % 3);
			buf_init(&b);
			for (int w = 0; w < words; w++)
				buf_printf(&b, "%s%s", w ? " " : "", pick_word(vocab, nv));
			ph[t * NP + k].weight = 1 + (double)(next_rand() % 3);
			ph[t * NP + k].text = buf_steal(&b);
			if (f)
				fprintf(f, "%s\n", ph[t * NP + k].text);
		}
	}
	if (f)
		fclose(f);
	th = themes_compile(defs, NT, err, sizeof(err));
	if (!th)
		fprintf(stderr, "generated pack: %s\n", err);
	for (int i = 0; i < NT * NP; i++)
		free((char *)(uintptr_t)ph[i].text);
	for (int t = 0; t < NT; t++)
		free((char *)(uintptr_t)defs[t].id);
	for (size_t i = 0; i < nv; i++)
		free(vocab[i]);
	free(vocab);
	free(ph);
	free(defs);
	*nphrases = NT * NP;
	return th;
}

static FILE *dump_to; /* --dump */

/* Scores text in chunks ending at a newline; returns MB/s. */
static double throughput(const struct themes *th, const char *text, size_t len, size_t chunk,
			 size_t *above)
{
	double t0 = cpu_now(), dt;
	size_t pos = 0;

	*above = 0;
	while (pos < len) {
		size_t end = pos + chunk < len ? pos + chunk : len;
		struct theme_result *r;
		while (end < len && text[end] != '\n')
			end++;
		themes_score(th, text + pos, end - pos, "en", &r);
		for (size_t i = 0; i < r->nthemes; i++)
			*above += r->themes[i].above != 0;
		if (dump_to) {
			char *js = themes_result_json(r, 0);
			fprintf(dump_to, "%s\n", js);
			free(js);
		}
		theme_result_free(r);
		pos = end + 1;
	}
	dt = cpu_now() - t0;
	return (double)len / (1024.0 * 1024.0) / dt;
}

static double grep_rate(const char *phrases, const char *textfile, size_t len)
{
	char cmd[1024];
	double t0, dt;

	snprintf(cmd, sizeof(cmd), "grep -F -i -c -f %s %s >/dev/null", phrases, textfile);
	t0 = children_cpu();
	if (system(cmd) == -1)
		return 0;
	dt = children_cpu() - t0;
	return (double)len / (1024.0 * 1024.0) / dt;
}

/* Writes the phrases of a theme file (text after the weight) for grep. */
static size_t pack_phrases(const char *pack, const char *out)
{
	size_t count = 0;
	size_t len;
	char *data = bench_slurp(pack, &len), *p, *nl;
	FILE *f = fopen(out, "w");

	for (p = data; f && p && *p; p = nl ? nl + 1 : NULL) {
		char *end;
		nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		if (strncmp(p, "phrase", 6) != 0 || !(p = strchr(p, '=')))
			continue;
		strtod(p + 1, &end);
		while (*end == ' ')
			end++;
		fprintf(f, "%s\n", end);
		count++;
	}
	if (f)
		fclose(f);
	free(data);
	return count;
}

static void run(const char *name, const struct themes *th, size_t nphrases, double compile_s,
		const char *text, size_t len, size_t chunk, const char *phrases,
		const char *textfile)
{
	size_t above;
	double mbs = throughput(th, text, len, chunk, &above);
	double g = grep_rate(phrases, textfile, len);

	printf("%-10s %6zu phrases %7zu patterns  compile %.2f s  automaton+tables %.1f MiB\n",
	       name, nphrases, themes_patterns(th), compile_s,
	       (double)themes_memory(th) / (1024.0 * 1024.0));
	printf("%-10s classify %.1f MB/s  grep -F -i -c -f %.1f MB/s  ratio %.2f  (%zu above)\n",
	       "", mbs, g, g > 0 ? mbs / g : 0, above);
}

int main(int argc, char **argv)
{
	const char *pack = "config/themes/diplomacy.conf", *only = "";
	const char *src = "../shared/corpus/themes-dev/cap_sotu_dev.jsonl";
	size_t mb = 32, chunk = 8192, len, tlen, ngen;
	char *base, *text, err[512];
	const char *textfile = "/tmp/sw-bench-text.txt", *pf = "/tmp/sw-bench-pack.txt",
		   *gf = "/tmp/sw-bench-gen.txt";
	struct themes *th;
	double t0;
	FILE *f;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--pack") == 0)
			pack = argv[i + 1];
		else if (strcmp(argv[i], "--text") == 0)
			src = argv[i + 1];
		else if (strcmp(argv[i], "--mb") == 0)
			mb = (size_t)atol(argv[i + 1]);
		else if (strcmp(argv[i], "--chunk") == 0)
			chunk = (size_t)atol(argv[i + 1]);
		else if (strcmp(argv[i], "--only") == 0)
			only = argv[i + 1];
		else if (strcmp(argv[i], "--dump") == 0 && !(dump_to = fopen(argv[i + 1], "w"))) {
			perror(argv[i + 1]);
			return 2;
		}
	}
	if (!(base = corpus_text(src, &len)) || len == 0) {
		fprintf(stderr, "cannot read %s\n", src);
		return 2;
	}
	text = repeat_to(base, len, mb << 20, &tlen);
	if ((f = fopen(textfile, "w")) != NULL) {
		fwrite(text, 1, tlen, f);
		fclose(f);
	}
	printf("text: %s repeated to %.1f MiB, chunks of ~%zu bytes\n", src,
	       (double)tlen / (1 << 20), chunk);
	t0 = now();
	if (strcmp(only, "gen") != 0) {
		if (!(th = bench_themes_compile(pack, NULL, err, sizeof(err)))) {
			fprintf(stderr, "%s\n", err);
			return 1;
		}
		run("pack", th, pack_phrases(pack, pf), now() - t0, text, tlen, chunk, pf,
		    textfile);
		themes_free(th);
	}
	t0 = now();
	th = strcmp(only, "pack") != 0 ? generated_pack(base, len, gf, &ngen) : NULL;
	if (th)
		run("850x35", th, ngen, now() - t0, text, tlen, chunk, gf, textfile);
	themes_free(th);
	unlink(textfile);
	if (dump_to)
		fclose(dump_to);
	free(text);
	free(base);
	return 0;
}
