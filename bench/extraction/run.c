/*
 * bench/extraction/run: article extraction over a corpus in one process.
 *
 *   run CORPUS_DIR OUT.json [REPEAT]   extract every html/<id>.html.gz (urls from
 *                                      ground-truth.json), write {id: {articleBody,
 *                                      title, date, ...}}, print timing and peak RSS
 *   run -1 FILE [URL]                  print title, date, language, byline, text
 *
 * Only page parsing and extraction are timed (not reading or gunzipping).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <jansson.h>
#include <zlib.h>

#include "analyze/article/article.h"
#include "analyze/page/page.h"
#include "common/buf.h"

static int read_file(const char *path, struct buf *out)
{
	gzFile f = gzopen(path, "rb");
	char chunk[65536];
	int k;

	if (f == NULL)
		return -1;
	while ((k = gzread(f, chunk, sizeof(chunk))) > 0)
		buf_append(out, chunk, (size_t)k);
	gzclose(f);
	return k < 0 ? -1 : 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int extract(const struct buf *page, const char *url, struct article *a)
{
	char err[256];
	xmlDocPtr doc = page_parse(page->data, page->len, "text/html", NULL, PAGE_HTML, NULL, NULL,
				   err, sizeof(err));
	int rc;

	if (doc == NULL) {
		fprintf(stderr, "parse: %s\n", err);
		return -1;
	}
	rc = article_extract(doc, url, NULL, a, err, sizeof(err));
	if (rc < 0)
		fprintf(stderr, "extract: %s\n", err);
	xmlFreeDoc(doc);
	return rc;
}

static int one(const char *path, const char *url)
{
	struct buf page;
	struct article a;

	buf_init(&page);
	if (read_file(path, &page) < 0 || extract(&page, url, &a) < 0) {
		buf_free(&page);
		return 1;
	}
	printf("title: %s\ndate: %s\nlanguage: %s\nbyline: %s\ncanonical: %s\nwords: %zu\n\n%s\n",
	       a.title, a.date ? a.date : "-", a.language ? a.language : "-",
	       a.byline ? a.byline : "-", a.canonical_url ? a.canonical_url : "-", a.words, a.text);
	article_free(&a);
	buf_free(&page);
	return 0;
}

static json_t *result_json(const struct article *a)
{
	return json_pack("{s:s, s:s, s:s?, s:s?, s:s?, s:s?, s:I}", "articleBody", a->text, "title",
			 a->title, "date", a->date, "language", a->language, "byline", a->byline,
			 "canonical", a->canonical_url, "words", (json_int_t)a->words);
}

static int corpus(const char *dir, const char *outpath, int repeat)
{
	char path[4096];
	json_t *gt, *out = json_object(), *v;
	const char *id;
	double t0, spent = 0;
	size_t pages = 0;
	struct rusage ru;

	snprintf(path, sizeof(path), "%s/ground-truth.json", dir);
	gt = json_load_file(path, 0, NULL);
	if (gt == NULL) {
		fprintf(stderr, "cannot read %s\n", path);
		return 1;
	}
	json_object_foreach(gt, id, v)
	{
		struct buf page;
		struct article a;

		buf_init(&page);
		snprintf(path, sizeof(path), "%s/html/%s.html.gz", dir, id);
		if (read_file(path, &page) < 0) {
			fprintf(stderr, "cannot read %s\n", path);
			return 1;
		}
		for (int r = 0; r < repeat; r++) {
			t0 = now();
			if (extract(&page, json_string_value(json_object_get(v, "url")), &a) < 0)
				memset(&a, 0, sizeof(a));
			spent += now() - t0;
			pages++;
			if (r == repeat - 1)
				json_object_set_new(out, id,
						    a.text ? result_json(&a) : json_object());
			article_free(&a);
		}
		buf_free(&page);
	}
	json_dump_file(out, outpath, JSON_INDENT(1) | JSON_SORT_KEYS);
	getrusage(RUSAGE_SELF, &ru);
	printf("pages %zu  parse+extract %.3f s  %.2f ms/page  %.0f pages/s  peak RSS %.1f MiB\n",
	       pages, spent, spent * 1000 / (double)pages, (double)pages / spent,
	       (double)ru.ru_maxrss / 1024);
	json_decref(out);
	json_decref(gt);
	return 0;
}

int main(int argc, char **argv)
{
	page_init();
	if (argc >= 3 && strcmp(argv[1], "-1") == 0)
		return one(argv[2], argc > 3 ? argv[3] : NULL);
	if (argc >= 3)
		return corpus(argv[1], argv[2], argc > 3 ? atoi(argv[3]) : 1);
	fprintf(stderr, "usage: run CORPUS_DIR OUT.json [REPEAT] | run -1 FILE [URL]\n");
	return 2;
}
