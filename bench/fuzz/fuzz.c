/*
 * bench/fuzz: a hand-run mutation fuzzer for the parsing path of the daemon
 * (page_parse -> list/feed items -> article -> text + themes -> dates -> diff).
 * Built with ASan + UBSan (see run.sh); a sanitizer report, a crash or an
 * input slower than the time limit saves the input for --replay.
 *
 *   fuzz [-C] [-s SEED] [-t SECONDS] [-n EXECS] [-l LIMIT] [-o OUTDIR] [-T THEMES] SEEDPATH...
 *   fuzz [-C] [-l LIMIT] [-T THEMES] --replay FILE...
 *
 * -C: the inputs are config files (config_load, then themes_compile).
 *
 * Every variation of the pipeline (content type, charset override, list
 * XPaths, article options, date language) is chosen from a hash of the input
 * itself, so a saved input replays exactly.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifdef __SANITIZE_ADDRESS__
#include <sanitizer/common_interface_defs.h>
#endif

#include "analyze/article/article.h"
#include "analyze/page/date.h"
#include "analyze/article/diff.h"
#include "analyze/page/list.h"
#include "analyze/page/page.h"
#include "analyze/themes/text.h"
#include "analyze/themes/themes.h"
#include "common/buf.h"
#include "common/xmalloc.h"
#include "config/config.h"

#define FUZZ_MAX_INPUT (4u * 1024 * 1024)
#define MAX_SEED (2u * 1024 * 1024)

/* ---- PRNG (xorshift64*) ---- */

static uint64_t rng_state = 88172645463325252ULL;

static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

static size_t below(size_t n)
{
	return n ? (size_t)(rnd() % n) : 0;
}

static uint64_t fnv1a(const char *p, size_t n)
{
	uint64_t h = 1469598103934665603ULL;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)p[i]) * 1099511628211ULL;
	return h;
}

/* ---- seeds ---- */

struct blob {
	char *p;
	size_t n;
};

static struct blob *seeds;
static size_t nseeds, capseeds;

static int read_file(const char *path, struct blob *b)
{
	FILE *f = fopen(path, "rb");
	struct buf bb;
	char tmp[65536];
	size_t k;

	if (f == NULL)
		return -1;
	buf_init(&bb);
	while ((k = fread(tmp, 1, sizeof(tmp), f)) > 0)
		buf_append(&bb, tmp, k);
	fclose(f);
	b->n = bb.len;
	b->p = buf_steal(&bb);
	return 0;
}

static int add_seed(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	struct blob b;

	(void)ftw;
	if (type != FTW_F || st->st_size <= 0 || (size_t)st->st_size > MAX_SEED)
		return 0;
	if (read_file(path, &b) < 0)
		return 0;
	if (nseeds == capseeds) {
		capseeds = capseeds ? 2 * capseeds : 64;
		seeds = xreallocarray(seeds, capseeds, sizeof(*seeds));
	}
	seeds[nseeds++] = b;
	return 0;
}

/* ---- mutations ---- */

static const char *const dict[] = {
    "<",
    ">",
    "</",
    "/>",
    "<!--",
    "-->",
    "<![CDATA[",
    "]]>",
    "<?xml version=\"1.0\"?>",
    "<?xml version='1.0' encoding='UTF-16'?>",
    "<?xml version=\"1.0\" encoding=\"x-foo\"?>",
    "<!DOCTYPE html>",
    "<!DOCTYPE rss [<!ENTITY a \"b\">]>",
    "&amp;",
    "&#0;",
    "&#x10FFFF;",
    "&#xD800;",
    "&#99999999999;",
    "&",
    "&nbsp;",
    "\"",
    "'",
    "=",
    " class=\"",
    " href=\"",
    " href=\"//\"",
    " href=\"javascript:x\"",
    " href=\"http://[::1\"",
    " href=\"../../..\"",
    "<a href=\"/x\">",
    "</a>",
    "<li>",
    "</li>",
    "<ul>",
    "<p>",
    "</p>",
    "<div>",
    "</div>",
    "<br>",
    "<h1>",
    "<title>",
    "</title>",
    "<script>",
    "</script>",
    "<style>",
    "<svg>",
    "<script type=\"application/ld+json\">{\"datePublished\":\"",
    "<base href=\"",
    "<link rel=\"canonical\" href=\"",
    "<meta property=\"article:published_time\" content=\"",
    "<meta name=\"author\" content=\"",
    "<html lang=\"",
    "zh-Hans",
    "ar",
    "ru",
    "<time datetime=\"",
    "<item>",
    "</item>",
    "<entry>",
    "</entry>",
    "<link>",
    "<guid>",
    "<pubDate>",
    "<dc:date>",
    "<updated>",
    "<description>",
    "<rss version=\"2.0\"><channel>",
    "<feed xmlns=\"http://www.w3.org/2005/Atom\">",
    "<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">",
    "2019-10-24",
    "2019-10-24T14:06:00+08:00",
    "October 24, 2019",
    "24 Oct 2019",
    "24.10.2019",
    "2019年10月24日",
    "1er octobre 2019",
    "24 de octubre de 2019",
    "24 октября 2019 г.",
    "24. Oktober 2019",
    "Thu, 24 Oct 2019 14:06:00 GMT",
    "9999-99-99",
    "0000-00-00",
    "2019-02-31",
    "-2147483648",
    "99999999999999999999",
    "\n\n",
    "\r\n",
    "\t",
    ". ",
    "。",
    "！",
    "Mr. ",
    "e.g. ",
    "cyber sovereignty",
    "网络主权",
    "non-interference",
    "Cyber Sovereignty in cyberspace. ",
    "nuclear disarmament",
    "climate change",
    "human rights",
    "不干涉内政",
    "суверенитет",
    "السيادة",
    "souveraineté",
    "soberanía",
    "within 1000 words",
    "\xe2\x80\x8b",
    "\xef\xbf\xbd",
    "\xcc\x81\xcc\x81\xcc\x81",
    "\xef\xac\x81",
    "\xe2\x84\xab",
    "\xc7\x84",
    "\xef\xb7\xba",
};

/* With -C (config mode): INI pieces. */
static const char *const cdict[] = {
    "\n",
    "=",
    " = ",
    "[",
    "]",
    ";",
    "#",
    "\"",
    "[daemon]\n",
    "[source \"s\"]\n",
    "[theme \"t\"]\n",
    "[notify \"n\"]\n",
    "[theme \"\"]\n",
    "[source \"a b\"]\n",
    "include = *.conf\n",
    "include = \n",
    "include = /nonexistent/*\n",
    "phrase = 3 ",
    "phrase = -1 ",
    "phrase = 1e308 ",
    "phrase = nan ",
    "phrase = 0x10 ",
    "threshold = 2\n",
    "threshold = -0\n",
    "requires = cyber within 0 words\n",
    "requires = cyber within 1000 words\n",
    "excludes = within within 5 words\n",
    "items = //ul/li\n",
    "items = //*[\n",
    "items = has-class()\n",
    "link = a/@href\n",
    "date_format = %Y%n%%\n",
    "interval = 1s\n",
    "interval = 99999999999d\n",
    "max_items = -1\n",
    "type = webhook\n",
    "type = mail\n",
    "themes = *\n",
    "sources = [\n",
    "encoding = x\n",
    "language = zh-Hans-CN-x-private\n",
    "exclude = //nav\n",
    "min_score = 1.5\n",
    "digest = 1h\n",
    "to = a@b, c@d\n",
    "url = http://[::1]:99999/\n",
    "网络主权",
    "\xff",
    "\0",
};

static const char *const charsets[] = {
    "utf-8",
    "UTF-16",
    "utf-16le",
    "utf-16be",
    "utf-32",
    "UTF-7",
    "iso-2022-jp",
    "ISO-2022-KR",
    "shift_jis",
    "euc-jp",
    "gb2312",
    "gbk",
    "gb18030",
    "big5",
    "koi8-r",
    "windows-1251",
    "iso-8859-8",
    "x-user-defined",
    "IBM037",
    "EBCDIC-US",
    "",
    "unicode",
    "ucs-2",
    "utf8",
    "x-mac-roman",
    "replacement",
    "hz-gb-2312",
    "csISO2022KR",
    "latin1",
    "ascii",
    "UTF-8\"><x",
    "utf-8; charset=utf-16",
    "../../etc/passwd",
    "WINDOWS-1252//TRANSLIT",
    "utf-8//IGNORE",
    "\xff\xfe",
};

static const char *const bad_utf8[] = {
    "\xff",
    "\xfe",
    "\xc0\x80",
    "\xc1\xbf",
    "\xe0\x80\x80",
    "\xed\xa0\x80",
    "\xed\xbf\xbf",
    "\xf4\x90\x80\x80",
    "\xf8\x88\x80\x80\x80",
    "\xc3",
    "\xe2\x82",
    "\xf0\x9f\x98",
    "\x80",
    "\xbf\xbf\xbf",
    "\xf0\x80\x80\x80",
};

static const char *const boms[] = {
    "\xef\xbb\xbf",	"\xfe\xff",	"\xff\xfe",	"\x00\x00\xfe\xff", "\xff\xfe\x00\x00",
    "\x2b\x2f\x76\x38", "\xf7\x64\x4c", "\x0e\xfe\xff", "\xfb\xee\x28",	    "\x84\x31\x95\x33",
};
static const size_t bom_len[] = {3, 2, 2, 4, 4, 4, 3, 3, 3, 4};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static int config_mode; /* -C: inputs are config files */

static void ins(struct buf *b, size_t at, const char *p, size_t n)
{
	if (b->len + n > FUZZ_MAX_INPUT)
		return;
	if (at > b->len)
		at = b->len;
	buf_append(b, p, n); /* grow, then shift */
	memmove(b->data + at + n, b->data + at, b->len - n - at);
	memcpy(b->data + at, p, n);
}

static void del(struct buf *b, size_t at, size_t n)
{
	if (at + n > b->len)
		n = b->len - at;
	memmove(b->data + at, b->data + at + n, b->len - at - n);
	b->len -= n;
	b->data[b->len] = '\0';
}

static size_t chunk_len(size_t max)
{
	size_t r = rnd() % 4 == 0 ? 4096 : rnd() % 2 ? 64 : 8;

	r = 1 + below(r);
	return r < max ? r : max;
}

/* A '<...>' tag of b starting near a random place, or a made-up one. */
static void pick_tag(const struct buf *b, struct buf *tag)
{
	size_t i = below(b->len);
	const char *lt = b->len ? memchr(b->data + i, '<', b->len - i) : NULL;
	const char *gt = lt ? memchr(lt, '>', (size_t)(b->data + b->len - lt)) : NULL;

	buf_free(tag);
	buf_init(tag);
	if (lt && gt && gt - lt < 200) {
		buf_append(tag, lt, (size_t)(gt - lt) + 1);
		return;
	}
	static const char *const t[] = {"<div>",
					"<ul><li>",
					"<p>",
					"<span>",
					"<b>",
					"<i><b>",
					"<table><tr><td>",
					"<item>",
					"<a href=x>",
					"<li>",
					"<font>",
					"<blockquote>",
					"<div class=\"content\">"};
	buf_append_str(tag, t[below(NELEM(t))]);
}

static void mutate_once(struct buf *b)
{
	size_t at = below(b->len + 1), n;
	struct buf tmp;
	const struct blob *s;

	switch (rnd() % 17) {
	case 0: /* bit flips */
		for (int k = 1 + (int)below(8); k > 0 && b->len; k--)
			b->data[below(b->len)] ^= (char)(1u << below(8));
		break;
	case 1: /* random bytes */
		for (int k = 1 + (int)below(8); k > 0 && b->len; k--)
			b->data[below(b->len)] = (char)rnd();
		break;
	case 2: /* delete a chunk */
		if (b->len)
			del(b, below(b->len), chunk_len(b->len));
		break;
	case 3: /* duplicate a chunk of itself elsewhere */
		if (b->len) {
			size_t from = below(b->len);
			n = chunk_len(b->len - from);
			buf_init(&tmp);
			buf_append(&tmp, b->data + from, n);
			ins(b, at, tmp.data, tmp.len);
			buf_free(&tmp);
		}
		break;
	case 4: /* splice: a chunk of another seed, or its tail */
		s = &seeds[below(nseeds)];
		if (s->n) {
			size_t from = below(s->n);
			n = rnd() % 3 == 0 ? s->n - from : chunk_len(s->n - from);
			if (rnd() % 2) {
				b->len = at;
				b->data[at] = '\0';
			}
			ins(b, at, s->p + from, n);
		}
		break;
	case 5: { /* repeat a tag: deep nesting or a long flat run */
		struct buf tag, rep;
		size_t times = rnd() % 4 == 0 ? 20000 + below(80000) : 50 + below(2000);

		buf_init(&tag);
		pick_tag(b, &tag);
		buf_init(&rep);
		for (size_t k = 0; k < times && rep.len + tag.len < FUZZ_MAX_INPUT / 2; k++)
			buf_append(&rep, tag.data, tag.len);
		ins(b, at, rep.data, rep.len);
		buf_free(&rep);
		buf_free(&tag);
		break;
	}
	case 6: { /* invalid UTF-8 */
		const char *u = bad_utf8[below(NELEM(bad_utf8))];
		for (int k = 1 + (int)below(4); k > 0; k--)
			ins(b, below(b->len + 1), u, strlen(u));
		break;
	}
	case 7: /* NULs */
		for (int k = 1 + (int)below(4); k > 0; k--)
			ins(b, below(b->len + 1), "\0\0\0\0", 1 + below(4));
		break;
	case 8: { /* a huge attribute value */
		static const char *const names[] = {" class=\"",  " href=\"",	 " id=\"",
						    " lang=\"",	  " content=\"", " datetime=\"",
						    " charset=\""};
		size_t big = rnd() % 3 ? 1000 + below(100000) : 1000000;
		char c = "a /.%x\xe4"[below(7)];
		const char *p = NULL;
		size_t pos = at;

		buf_init(&tmp);
		buf_append_str(&tmp, names[below(NELEM(names))]);
		for (size_t k = 0; k < big; k++)
			buf_append(&tmp, &c, 1);
		buf_append_str(&tmp, "\"");
		if (at < b->len) /* after the name of the next tag, if any */
			p = memchr(b->data + at, '<', b->len - at);
		if (p) {
			pos = (size_t)(p - b->data) + 1;
			while (pos < b->len && b->data[pos] != ' ' && b->data[pos] != '>')
				pos++;
		}
		ins(b, pos, tmp.data, tmp.len);
		buf_free(&tmp);
		break;
	}
	case 9: { /* a charset meta tag or XML declaration */
		const char *cs = charsets[below(NELEM(charsets))];
		buf_init(&tmp);
		switch (rnd() % 3) {
		case 0:
			buf_printf(&tmp, "<meta charset=\"%s\">", cs);
			break;
		case 1:
			buf_printf(&tmp,
				   "<meta http-equiv=\"Content-Type\" content=\"text/html; "
				   "charset=%s\">",
				   cs);
			break;
		default:
			buf_printf(&tmp, "<?xml version=\"1.0\" encoding=\"%s\"?>", cs);
			at = 0;
		}
		ins(b, rnd() % 2 ? 0 : at, tmp.data, tmp.len);
		buf_free(&tmp);
		break;
	}
	case 10: { /* a BOM */
		size_t k = below(NELEM(boms));
		ins(b, rnd() % 4 ? 0 : at, boms[k], bom_len[k]);
		break;
	}
	case 11: { /* a dictionary token */
		const char *d = config_mode ? cdict[below(NELEM(cdict))] : dict[below(NELEM(dict))];
		ins(b, at, d, strlen(d));
		break;
	}
	case 15: { /* a dictionary token (a theme phrase, a date, a tag) many times */
		const char *d = config_mode ? cdict[below(NELEM(cdict))] : dict[below(NELEM(dict))];
		size_t times = 10 + below(rnd() % 4 ? 1000 : 50000);
		struct buf rep;

		buf_init(&rep);
		for (size_t k = 0; k < times && rep.len < FUZZ_MAX_INPUT / 2; k++)
			buf_printf(&rep, "%s%s", d, rnd() % 2 ? " " : "");
		ins(b, at, rep.data, rep.len);
		buf_free(&rep);
		break;
	}
	case 14: /* repeat a chunk of itself (a phrase, punctuation, entities) many times */
		if (b->len) {
			size_t from = below(b->len), times = 10 + below(rnd() % 4 ? 1000 : 50000);
			struct buf rep;

			n = 1 + below(64);
			n = n < b->len - from ? n : b->len - from;
			buf_init(&rep);
			for (size_t k = 0; k < times && rep.len + n < FUZZ_MAX_INPUT / 2; k++)
				buf_append(&rep, b->data + from, n);
			ins(b, at, rep.data, rep.len);
			buf_free(&rep);
		}
		break;
	case 16: { /* many distinct attributes in one tag (libxml2 checks them pairwise) */
		size_t count = rnd() % 2 ? 100 + below(400) : 1000 + below(50000);
		const char *lt = at < b->len ? memchr(b->data + at, '<', b->len - at) : NULL;

		buf_init(&tmp);
		for (size_t k = 0; k < count; k++)
			buf_printf(&tmp, " a%zu=\"%s\"", k, k % 7 ? "" : "x");
		if (lt != NULL) { /* after the next tag's name */
			at = (size_t)(lt - b->data) + 1;
			while (at < b->len && strchr(" \t\n/>", b->data[at]) == NULL)
				at++;
		}
		ins(b, at, tmp.data, tmp.len);
		buf_free(&tmp);
		break;
	}
	case 12: /* truncate */
		if (b->len) {
			b->len = below(b->len);
			b->data[b->len] = '\0';
		}
		break;
	case 13: { /* interesting numbers in digits */
		static const char *const nums[] = {
		    "0",  "-1",	  "32",	  "31",	  "12",	  "13",	   "29",	 "60",
		    "99", "1900", "1970", "2038", "9999", "10000", "4294967296", "-2147483649"};
		const char *d = nums[below(NELEM(nums))];
		ins(b, at, d, strlen(d));
	}
	}
}

/* ---- the pipeline under test ---- */

static struct themes *themes;

static const char *const ctypes[] = {
    NULL,
    "text/html",
    "text/html; charset=utf-8",
    "text/html; charset=\"windows-1251\"",
    "text/html; charset=gb2312",
    "text/html; charset=shift_jis",
    "text/html; charset=UTF-16",
    "text/html; charset=x-no-such",
    "text/html; charset=",
    "text/html;charset=utf-32; charset=latin1",
    "application/rss+xml",
    "application/atom+xml; charset=iso-8859-1",
    "text/xml; charset=utf-16le",
    "application/xml; charset=\"ut",
    "charset=utf-8",
    ";;;;charset=",
};

static const char *const encodings[] = {NULL,		NULL,	   NULL,	  "utf-8",
					"windows-1252", "gb18030", "iso-2022-jp", "x-bad"};

struct lspec {
	const char *items, *link, *title, *date, *fmt, *lang;
};

static const struct lspec lspecs[] = {
    {"//ul/li", NULL, NULL, NULL, NULL, NULL},
    {"//ul[@class=\"news-list\"]/li", "a/@href", NULL, "span[@class=\"date\"]", NULL, "en"},
    {"//div[has-class(\"news_list\")]//li", NULL, NULL, NULL, NULL, "zh"},
    {"//ul[has-class(\"link-list\")]/li/a", NULL, NULL, NULL, "%Y.%m.%d", "ja"},
    {"//li[has-class(\"a b\")] | //a", ".//@href", ".//text()", ".//time/@datetime", "%d.%m.%Y",
     "ru"},
    {"//div[has-class(\"node-feed-item\")]", "//h3/a/@href", NULL,
     "//div[has-class(\"meta submitted\")]//text()", NULL, "fr"},
    {"//a[contains(@href, \"/news/\") and string-length(normalize-space(.)) > 10]", NULL, NULL,
     "../span", "%B %d, %Y", "es"},
    {"//*[has-class(\"\")]", NULL, NULL, NULL, NULL, NULL},
};

static const char *const langs[] = {NULL, "en", "zh", "ru",    "ar", "fr",
				    "es", "de", "ja", "pt-BR", "xx"};

struct stats {
	unsigned long execs, items, articles, words;
};

static struct stats st;

static void dates_of(const char *s, uint64_t h)
{
	char out[64];

	if (s == NULL)
		return;
	date_parse(s, langs[h % NELEM(langs)], NULL, out, sizeof(out));
	date_parse(s, NULL, (h >> 8) % 2 ? "%d/%m/%Y" : "%Y-%m-%dT%H:%M:%S", out, sizeof(out));
}

static void items_text(const struct list_items *li, struct buf *out, uint64_t h)
{
	for (size_t i = 0; i < li->n; i++) {
		const struct list_item *it = &li->v[i];

		buf_printf(out, "%s\n%s\n", it->title ? it->title : "",
			   it->summary ? it->summary : "");
		dates_of(it->date, h + i);
		if (i < 50)
			dates_of(it->title, h + i);
		if (i < 20) {
			char *u = list_resolve_url(it->url, "../x?y#z");
			free(u);
		}
	}
	st.items += li->n;
}

static void run_list(const char *data, size_t len, uint64_t h, struct buf *itext)
{
	const char *ct = ctypes[h % NELEM(ctypes)];
	const char *enc = encodings[(h >> 4) % NELEM(encodings)];
	enum page_kind kind = (enum page_kind)((h >> 7) % 3), got = PAGE_AUTO;
	const struct lspec *ls = &lspecs[(h >> 9) % NELEM(lspecs)];
	struct list_items li;
	struct list_spec spec;
	char err[256];
	xmlDocPtr doc;

	doc = page_parse(data, len, ct, enc, kind, NULL, &got, err, sizeof(err));
	if (doc == NULL)
		return;
	memset(&li, 0, sizeof(li));
	if (got == PAGE_XML) {
		if (list_extract_feed(doc, "https://example.org/feed/", 0, &li, err, sizeof(err)) ==
		    0)
			items_text(&li, itext, h);
	} else {
		memset(&spec, 0, sizeof(spec));
		spec.items = ls->items;
		spec.link = ls->link;
		spec.title = ls->title;
		spec.date = ls->date;
		spec.date_format = ls->fmt;
		spec.language = ls->lang;
		spec.max_items = (h >> 12) % 4 == 0 ? 3 : 0;
		if (list_extract_html(doc, "https://example.org/news/index.html", &spec, &li, err,
				      sizeof(err)) == 0)
			items_text(&li, itext, h);
	}
	list_items_free(&li);
	xmlFreeDoc(doc);
}

/* Article text of data parsed as HTML; NULL when parsing fails. */
static char *run_article(const char *data, size_t len, uint64_t h, int variant)
{
	const char *ct = ctypes[(h >> 16) % NELEM(ctypes)];
	const char *enc = variant ? encodings[(h >> 20) % NELEM(encodings)] : NULL;
	struct article_opts opts;
	struct article a;
	struct theme_result *r = NULL;
	char err[256], *text = NULL;
	xmlDocPtr doc;

	doc = page_parse(data, len, variant ? NULL : ct, enc, PAGE_HTML, NULL, NULL, err,
			 sizeof(err));
	if (doc == NULL)
		return NULL;
	memset(&opts, 0, sizeof(opts));
	if (variant) {
		opts.body = (h >> 24) % 2 ? "//div[@id=\"content\"] | //article" : NULL;
		opts.exclude[0] = "//nav";
		opts.exclude[1] = "//div[has-class(\"share\")]";
		opts.language = langs[(h >> 28) % NELEM(langs)];
		opts.content_language = "en-GB, fr";
	}
	if (article_extract(doc, variant ? NULL : "https://example.org/news/2026/a.html", &opts, &a,
			    err, sizeof(err)) == 0) {
		st.articles++;
		st.words += a.words;
		dates_of(a.date, h);
		if (themes && variant == 0 &&
		    themes_score(themes, a.text, strlen(a.text), a.language, &r) == 0) {
			char *j = themes_result_json(r, (h >> 30) % 2);
			free(j);
			theme_result_free(r);
		}
		text = xstrdup(a.text);
		article_free(&a);
	}
	xmlFreeDoc(doc);
	return text;
}

static void run_text(const char *data, size_t len, uint64_t h)
{
	struct text_span *spans = NULL;
	struct theme_result *r = NULL;
	size_t n, cut = len < 65536 ? len : 65536;
	char *norm;

	norm = text_normalize(data, cut, &n);
	free(norm);
	n = text_sentences(data, cut, &spans);
	(void)n;
	free(spans);
	text_detect_language(data, len, langs[(h >> 3) % NELEM(langs)]);
	if (themes && themes_score(themes, data, len, langs[(h >> 5) % NELEM(langs)], &r) == 0)
		theme_result_free(r);
}

static double now(void);
static int replaying;

/* In --replay, the time of each stage (a slow input names its stage). */
static void stage(const char *name, double *t)
{
	double n = now();

	if (replaying)
		fprintf(stderr, "  %-8s %.3f s\n", name, n - *t);
	*t = n;
}

static const char *outdir = "fuzz-out";

/*
 * -C: data as a config file (OUTDIR/cur.conf; includes resolve there), then
 * its themes compiled and one text scored, as themeset_compile does.
 */
static void run_config(const char *data, size_t len)
{
	static const char text[] = "Cyber sovereignty and non-interference. 网络主权。";
	char path[4200], err[512];
	struct theme_result *r = NULL;
	struct buf errors;
	struct config *cfg;
	struct themes *th;
	struct theme_def *defs;
	FILE *f;

	snprintf(path, sizeof(path), "%s/cur.conf", outdir);
	f = fopen(path, "wb");
	if (f == NULL)
		return;
	fwrite(data, 1, len, f);
	fclose(f);
	chmod(path, 0644);
	buf_init(&errors);
	cfg = config_load(path, &errors);
	buf_free(&errors);
	st.execs++;
	if (cfg == NULL)
		return;
	defs = xcalloc(cfg->nthemes + 1, sizeof(*defs));
	for (size_t i = 0; i < cfg->nthemes; i++) {
		const struct config_theme *t = &cfg->themes[i];
		struct theme_phrase *ph = xcalloc(t->nphrases + 1, sizeof(*ph));

		for (size_t k = 0; k < t->nphrases; k++)
			ph[k] =
			    (struct theme_phrase){t->phrases[k].weight, t->phrases[k].text, NULL};
		defs[i] = (struct theme_def){t->id,	    t->label,
					     t->threshold,  ph,
					     t->nphrases,   (const char *const *)t->requires.v,
					     t->requires.n, (const char *const *)t->excludes.v,
					     t->excludes.n};
	}
	th = cfg->nthemes ? themes_compile(defs, cfg->nthemes, err, sizeof(err)) : NULL;
	if (th && themes_score(th, text, sizeof(text) - 1, NULL, &r) == 0)
		theme_result_free(r);
	themes_free(th);
	for (size_t i = 0; i < cfg->nthemes; i++)
		free((void *)(uintptr_t)defs[i].phrases);
	free(defs);
	config_free(cfg);
}

static void run_one(const char *data, size_t len)
{
	double t = now();
	uint64_t h = fnv1a(data, len);
	char *z = xstrndup(data, len), *t0, *t1, *d;
	struct buf itext;

	buf_init(&itext);
	run_list(data, len, h, &itext);
	stage("list", &t);
	t0 = run_article(data, len, h, 0);
	stage("article", &t);
	t1 = run_article(data, len, h, 1);
	stage("article2", &t);
	run_text(data, len, h);
	stage("text", &t);
	if (len < 4096)
		dates_of(z, h);
	d = diff_unified(t0 ? t0 : "", t1 ? t1 : "", "a", "b", 2);
	free(d);
	d = diff_unified(t0 ? t0 : "", itext.data ? itext.data : "", "a", "b", (int)(h % 4));
	free(d);
	{ /* the raw input against itself cut at a line */
		const char *nl = strchr(z + strlen(z) / 2, '\n');
		char *head = xstrndup(z, nl ? (size_t)(nl - z) : 0);
		d = diff_unified(head, nl ? nl + 1 : "", "a", "b", 1);
		free(d);
		free(head);
	}
	stage("diff", &t);
	free(t0);
	free(t1);
	free(z);
	buf_free(&itext);
	st.execs++;
}

/* ---- crash / hang capture ---- */
static const char *cur_data;
static size_t cur_len;
static char cur_path[4096];

static void save_current(const char *prefix)
{
	int fd;
	char path[4200];
	size_t off = 0;

	if (replaying || cur_data == NULL)
		return;
	/* async-signal-safe enough: the name was prepared before the run */
	strcpy(path, outdir);
	strcat(path, "/");
	strcat(path, prefix);
	strcat(path, cur_path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return;
	while (off < cur_len) {
		ssize_t w = write(fd, cur_data + off, cur_len - off);
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	close(fd);
	write(2, "fuzz: saved ", 12);
	write(2, path, strlen(path));
	write(2, "\n", 1);
}

#ifdef __SANITIZE_ADDRESS__
static void on_death(void)
{
	save_current("crash-");
}
#else
/* Without sanitizers (PLAIN=1 in run.sh): a fatal signal saves the input, then kills. */
static void on_fatal(int sig)
{
	save_current("crash-");
	signal(sig, SIG_DFL);
	raise(sig);
}
#endif

static int time_limit = 2;

static void on_alarm(int sig)
{
	(void)sig;
	write(2, "fuzz: input exceeded the time limit\n", 36);
	save_current("slow-");
	_exit(3);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double slowest;
static struct buf slowest_input;

static void timed_run(const char *data, size_t len)
{
	double t;

	cur_data = data;
	cur_len = len;
	snprintf(cur_path, sizeof(cur_path), "%016llx", (unsigned long long)fnv1a(data, len));
	alarm((unsigned)time_limit);
	t = now();
	if (config_mode)
		run_config(data, len);
	else
		run_one(data, len);
	t = now() - t;
	alarm(0);
	if (t > slowest) {
		slowest = t;
		buf_free(&slowest_input);
		buf_init(&slowest_input);
		buf_append(&slowest_input, data, len);
	}
	cur_data = NULL;
}

/* ---- themes ---- */

static struct themes *load_themes(const char *path)
{
	struct buf errors;
	struct config *cfg;
	struct theme_def *defs;
	struct theme_phrase *ph;
	struct themes *th;
	char err[512];

	buf_init(&errors);
	cfg = config_load(path, &errors);
	if (cfg == NULL || cfg->nthemes == 0) {
		fprintf(stderr, "fuzz: %s: %s\n", path, errors.data ? errors.data : "no themes");
		exit(1);
	}
	buf_free(&errors);
	defs = xcalloc(cfg->nthemes, sizeof(*defs));
	for (size_t i = 0; i < cfg->nthemes; i++) {
		const struct config_theme *t = &cfg->themes[i];
		ph = xcalloc(t->nphrases + 1, sizeof(*ph));
		for (size_t k = 0; k < t->nphrases; k++) {
			ph[k].weight = t->phrases[k].weight;
			ph[k].text = t->phrases[k].text;
		}
		defs[i] = (struct theme_def){t->id,	    t->label,
					     t->threshold,  ph,
					     t->nphrases,   (const char *const *)t->requires.v,
					     t->requires.n, (const char *const *)t->excludes.v,
					     t->excludes.n};
	}
	th = themes_compile(defs, cfg->nthemes, err, sizeof(err));
	if (th == NULL) {
		fprintf(stderr, "fuzz: %s: %s\n", path, err);
		exit(1);
	}
	for (size_t i = 0; i < cfg->nthemes; i++)
		free((void *)(uintptr_t)defs[i].phrases);
	free(defs);
	config_free(cfg);
	return th;
}

/* ---- main ---- */

static void usage(void)
{
	fprintf(stderr, "usage: fuzz [-C] [-s SEED] [-t SECONDS] [-n EXECS] [-l LIMIT] [-o OUTDIR] "
			"[-T THEMES] SEEDPATH...\n       fuzz [-C] [-l LIMIT] [-T THEMES] --replay "
			"FILE...\n");
	exit(2);
}

static void report(double t0)
{
	struct rusage ru;
	double el = now() - t0;

	getrusage(RUSAGE_SELF, &ru);
	fprintf(stderr,
		"fuzz: execs %lu in %.0f s (%.1f/s); items %lu articles %lu words %lu; "
		"max RSS %ld MiB; slowest %.3f s (%zu bytes)\n",
		st.execs, el, el > 0 ? (double)st.execs / el : 0.0, st.items, st.articles, st.words,
		ru.ru_maxrss / 1024, slowest, slowest_input.len);
}

int main(int argc, char **argv)
{
	unsigned long long seed = (unsigned long long)time(NULL);
	double seconds = 60, t0, last;
	unsigned long max_execs = 0;
	const char *themes_path = "config/themes/diplomacy.conf";
	int i;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--replay") == 0) {
			replaying = 1;
		} else if (i + 1 < argc && strcmp(argv[i], "-s") == 0) {
			seed = strtoull(argv[++i], NULL, 0);
		} else if (i + 1 < argc && strcmp(argv[i], "-t") == 0) {
			seconds = atof(argv[++i]);
		} else if (i + 1 < argc && strcmp(argv[i], "-n") == 0) {
			max_execs = strtoul(argv[++i], NULL, 0);
		} else if (i + 1 < argc && strcmp(argv[i], "-o") == 0) {
			outdir = argv[++i];
		} else if (i + 1 < argc && strcmp(argv[i], "-T") == 0) {
			themes_path = argv[++i];
		} else if (strcmp(argv[i], "-C") == 0) {
			config_mode = 1;
		} else if (i + 1 < argc && strcmp(argv[i], "-l") == 0) {
			time_limit = atoi(argv[++i]);
		} else {
			usage();
		}
	}
	if (i >= argc)
		usage();
	page_init();
	themes = load_themes(themes_path);
	signal(SIGALRM, on_alarm);
#ifdef __SANITIZE_ADDRESS__
	__sanitizer_set_death_callback(on_death);
#else
	signal(SIGSEGV, on_fatal);
	signal(SIGBUS, on_fatal);
	signal(SIGABRT, on_fatal);
	signal(SIGFPE, on_fatal);
	signal(SIGILL, on_fatal);
#endif
	t0 = now();
	mkdir(outdir, 0755);
	if (replaying) {
		for (; i < argc; i++) {
			struct blob b;
			double t;

			if (read_file(argv[i], &b) < 0) {
				fprintf(stderr, "fuzz: %s: %s\n", argv[i], strerror(errno));
				return 1;
			}
			t = now();
			timed_run(b.p, b.n);
			fprintf(stderr, "fuzz: %s: %zu bytes, %.3f s\n", argv[i], b.n, now() - t);
			free(b.p);
		}
		themes_free(themes);
		return 0;
	}
	for (; i < argc; i++)
		nftw(argv[i], add_seed, 16, FTW_PHYS);
	if (nseeds == 0) {
		fprintf(stderr, "fuzz: no seeds\n");
		return 1;
	}
	rng_state = seed * 2654435761ULL + 1;
	fprintf(stderr, "fuzz: %zu seeds, seed %llu, %.0f s, out %s\n", nseeds, seed, seconds,
		outdir);
	last = t0;
	while (now() - t0 < seconds && (max_execs == 0 || st.execs < max_execs)) {
		const struct blob *s = &seeds[below(nseeds)];
		struct buf b;
		int k = rnd() % 8 == 0 ? 0 : 1 + (int)below(rnd() % 4 == 0 ? 16 : 4);

		buf_init(&b);
		if (rnd() % 4 == 0) { /* a short slice: dates, text and diff see small inputs too */
			size_t from = below(s->n), n = 1 + below(300);
			buf_append(&b, s->p + from, n < s->n - from ? n : s->n - from);
		} else {
			buf_append(&b, s->p, s->n);
		}
		while (k-- > 0)
			mutate_once(&b);
		timed_run(b.data ? b.data : "", b.len);
		buf_free(&b);
		if (now() - last > 60) {
			report(t0);
			last = now();
		}
	}
	report(t0);
	{
		char path[4200];
		FILE *f;

		snprintf(path, sizeof(path), "%s/slowest-%llu", outdir, seed);
		f = fopen(path, "wb");
		if (f) {
			fwrite(slowest_input.data ? slowest_input.data : "", 1, slowest_input.len,
			       f);
			fclose(f);
		}
	}
	buf_free(&slowest_input);
	for (size_t k = 0; k < nseeds; k++)
		free(seeds[k].p);
	free(seeds);
	themes_free(themes);
	return 0;
}
