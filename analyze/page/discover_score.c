/*
 * Scores of candidate lists (research note list-detection.md §5.4):
 *   Q     = TQ * (0.35 + 0.20 DF + 0.15 UH + 0.10 UQ + 0.15 LOC + 0.10 ID),
 *           x0.2 when most items hold more than 3 targets
 *   size  = 1 + log2(max(1, k * UQ))
 *   score = Q * size + CTX + HEAD + PAGER + CHRONO + EARLY
 * TQ: title quality of the items' primary links; DF: share of items with a
 * date; UH: share of the modal URL template; UQ: distinct URLs per item;
 * LOC: share on the page's site; ID: share of URLs that name one document
 * (a number, a slug, a PDF) rather than a section ("/services/visa.html").
 * The context terms read the markup around the list: chrome tokens on its
 * ancestors, the heading before it, a pager after it, dates in falling
 * order, a place before the page's <h1>.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/page/discover_int.h"
#include "analyze/page/list_int.h"
#include "common/buf.h"
#include "common/xmalloc.h"

static double clampd(double v, double lo, double hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* Path shape of a URL: digit runs -> D, a slug leaf -> w, query values dropped. */
static uint32_t score_template(const char *url)
{
	const char *p = strstr(url, "://"), *leaf, *end;
	struct buf b;
	uint32_t h;

	p = p != NULL ? p + 3 : url;
	p += strcspn(p, "/?#");
	end = p + strcspn(p, "?#");
	leaf = end;
	while (leaf > p && leaf[-1] == '/')
		leaf--;
	while (leaf > p && leaf[-1] != '/')
		leaf--;
	buf_init(&b);
	for (; *p && *p != '#'; p++) {
		if (p == leaf && strpbrk(leaf, "-_") != NULL && strpbrk(leaf, "-_") < end) {
			buf_append_char(&b, 'w');
			p = end - 1;
			while (p > leaf && *p == '/')
				p--;
			continue;
		}
		if (*p >= '0' && *p <= '9') {
			while (p[1] >= '0' && p[1] <= '9')
				p++;
			buf_append_char(&b, 'D');
		} else if (*p == '=' && p > end) {
			p += strcspn(p, "&#") - 1;
		} else {
			buf_append_char(&b, *p);
		}
	}
	h = hmap_hash(buf_str(&b), b.len);
	buf_free(&b);
	return h;
}

/* The URL names one document: 3+ digits, a slug of 3+ words, or an office document. */
static int score_id_like(const char *url)
{
	static const char *const docs[] = {".pdf", ".doc", ".docx", ".odt", ".rtf", NULL};
	const char *p = strstr(url, "://"), *leaf, *end;
	size_t digits = 0, seps = 0, i;

	p = p != NULL ? p + 3 : url;
	for (; *p && *p != '#'; p++) {
		digits = *p >= '0' && *p <= '9' ? digits + 1 : 0;
		if (digits >= 3)
			return 1;
	}
	end = url + strcspn(url, "?#");
	leaf = end;
	while (leaf > url && leaf[-1] == '/')
		leaf--;
	end = leaf;
	while (leaf > url && leaf[-1] != '/')
		leaf--;
	for (p = leaf; p < end; p++)
		seps += *p == '-' || *p == '_';
	for (i = 0; docs[i] != NULL; i++)
		if ((size_t)(end - leaf) > strlen(docs[i]) &&
		    strncasecmp(end - strlen(docs[i]), docs[i], strlen(docs[i])) == 0)
			return 1;
	return seps >= 2;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Distinct values and the size of the largest run among v[0..n) (sorted in place). */
static void score_runs(uint32_t *v, size_t n, size_t *distinct, size_t *modal)
{
	size_t i, run = 0;

	qsort(v, n, sizeof(*v), cmp_u32);
	*distinct = *modal = 0;
	for (i = 0; i < n; i++) {
		run = i > 0 && v[i] == v[i - 1] ? run + 1 : 1;
		if (run == 1)
			(*distinct)++;
		if (run > *modal)
			*modal = run;
	}
}

struct score_acc {
	double t, dated, parsed, loc, multi, idl;
	uint32_t *urls, *tpls;
	size_t n, inversions;
	char last[40];
};

static double score_title(const struct dsc_item *it)
{
	double t = clampd(((double)it->title_units - 10.0) / 30.0, 0.0, 1.0);

	return it->primary->kind == DSC_ITEM ? t : 0.0;
}

static void score_item(const struct dsc_page *pg, xmlNodePtr node, int dates, struct score_acc *s,
		       uint64_t *urlhash)
{
	struct dsc_item it;

	dsc_item_read(pg, node, dates, &it);
	if (it.primary == NULL) {
		s->urls[s->n] = s->tpls[s->n] = 0;
		s->n++;
		return;
	}
	s->t += score_title(&it);
	s->loc += it.primary->onsite;
	s->idl += score_id_like(it.primary->url);
	s->multi += it.targets > 3;
	s->urls[s->n] = hmap_hash(it.primary->url, strlen(it.primary->url));
	s->tpls[s->n] = score_template(it.primary->url);
	*urlhash = (*urlhash * 1099511628211ULL) ^ s->urls[s->n];
	s->n++;
	if (!dates || it.date_node == NULL)
		return;
	s->dated++;
	if (it.date[0] == '\0')
		return;
	s->parsed++;
	if (s->last[0] != '\0' && strncmp(it.date, s->last, 10) > 0)
		s->inversions++;
	memcpy(s->last, it.date, sizeof(s->last));
}

/* The item features of l (over at most DSC_SAMPLE items); dates when asked. */
static void score_features(const struct dsc_page *pg, struct dsc_list *l, int dates)
{
	size_t k = l->n < DSC_SAMPLE ? l->n : DSC_SAMPLE, i, distinct, modal;
	struct score_acc s;
	uint64_t urlhash = 1469598103934665603ULL;

	memset(&s, 0, sizeof(s));
	s.urls = xcalloc(k + 1, sizeof(*s.urls));
	s.tpls = xcalloc(k + 1, sizeof(*s.tpls));
	for (i = 0; i < k; i++)
		score_item(pg, l->items[i], dates, &s, &urlhash);
	l->tq = s.t / (double)k;
	l->loc = s.loc / (double)k;
	l->idl = s.idl / (double)k;
	l->multi = s.multi / (double)k;
	l->df = s.dated / (double)k;
	l->dfp = s.parsed / (double)k;
	l->urlhash = urlhash ^ l->n;
	score_runs(s.urls, k, &distinct, &modal);
	l->uq = (double)distinct / (double)k;
	score_runs(s.tpls, k, &distinct, &modal);
	l->uh = k == 1 ? 0.5 : (double)modal / (double)k;
	l->chrono = dates && l->dfp >= 0.8 && k >= 3 && s.inversions * 10 <= k ? 0.5 : 0.0;
	free(s.urls);
	free(s.tpls);
}

static double score_q_size(const struct dsc_list *l)
{
	double q = l->tq * (0.35 + 0.20 * l->df + 0.15 * l->uh + 0.10 * l->uq + 0.15 * l->loc +
			    0.10 * l->idl);
	double ku = (double)l->n * l->uq;

	if (l->multi > 0.5)
		q *= 0.2;
	return q * (1.0 + log2(ku > 1.0 ? ku : 1.0));
}

void dsc_score_prelim(const struct dsc_page *pg, struct dsc_list *l)
{
	score_features(pg, l, 0);
	l->prelim = score_q_size(l);
}

/* ---- context ---- */

static int score_word_in(const char *w, size_t n, const char *const *set)
{
	for (; *set; set++)
		if (strlen(*set) == n && strncasecmp(*set, w, n) == 0)
			return 1;
	return 0;
}

/* Words of chrome: part_neg also inside compound tokens ("main-menu"), whole_neg only alone. */
static const char *const part_neg[] = {
    "nav",	  "navbar",	 "navigation", "menu",	    "submenu",	"footer",     "header",
    "breadcrumb", "breadcrumbs", "crumbs",     "sidebar",   "related",	"popular",    "mostread",
    "share",	  "sharing",	 "social",     "widget",    "pager",	"pagination", "paging",
    "banner",	  "toolbar",	 "topbar",     "copyright", "comments", "tagcloud",   NULL};
static const char *const whole_neg[] = {
    "tags",	  "tag",	  "cloud",  "lang",	"language",  "languages", "login",
    "search",	  "aside",	  "ads",    "advert",	"calendar",  "agenda",	  "links",
    "categories", "category",	  "slider", "carousel", "ticker",    "marquee",	  "promo",
    "most-read",  "most-popular", "right",  "rightcol", "right-col", "col-right", "right-column",
    NULL};
static const char *const pos_words[] = {
    "content",	"main",	    "list",  "news",	   "items",    "results", "docs",    "press",
    "speeches", "articles", "posts", "statements", "releases", "listing", "entries", NULL};

/* Any "-"/"_" part of token t[0..n) in set. */
static int score_part_in(const char *t, size_t n, const char *const *set)
{
	size_t i = 0;

	while (i < n) {
		size_t m = strcspn(t + i, "-_");

		if (m > n - i)
			m = n - i;
		if (m > 0 && score_word_in(t + i, m, set))
			return 1;
		i += m + 1;
	}
	return 0;
}

/* -1 per chrome token (at most 2), +0.5 per content token, in a class or id value. */
/* BEM: "block__element--modifier" is what its element says ("x-with-sidebar__content"). */
static void score_bem(const char **t, size_t *n)
{
	const char *e = *t, *p;
	size_t m;

	for (p = *t; p + 1 < *t + *n; p++)
		if (p[0] == '_' && p[1] == '_')
			e = p + 2;
	m = (size_t)(*t + *n - e);
	for (p = e; p + 1 < e + m; p++)
		if (p[0] == '-' && p[1] == '-') {
			m = (size_t)(p - e);
			break;
		}
	*t = e;
	*n = m;
}

static double score_attr_ctx(const char *v)
{
	double s = 0;
	int negs = 0;

	while (*v) {
		size_t len = strcspn(v, " \t\n\r\f"), n = len;
		const char *t = v;

		score_bem(&t, &n);
		v += len;
		v += strspn(v, " \t\n\r\f");
		if (n > 0 && (score_word_in(t, n, whole_neg) || score_part_in(t, n, part_neg))) {
			if (negs++ < 2)
				s -= 1.0;
		} else if (n > 0 && score_part_in(t, n, pos_words)) {
			s += 0.5;
		}
	}
	return s;
}

double dsc_own_ctx(const xmlNode *n)
{
	static const char *const tags[] = {"nav", "header", "footer", "aside", NULL};
	static const char *const roles[] = {"navigation", "banner",  "contentinfo", "complementary",
					    "menu",	  "menubar", NULL};
	const char *const attrs[] = {"class", "id"};
	double s = 0;
	size_t i;
	xmlChar *v;

	if (score_word_in((const char *)n->name, strlen((const char *)n->name), tags))
		s -= 2;
	v = xmlGetNoNsProp(n, XC("role"));
	if (v != NULL && score_word_in((const char *)v, strlen((const char *)v), roles))
		s -= 2;
	xmlFree(v);
	for (i = 0; i < 2; i++) {
		v = xmlGetNoNsProp(n, XC(attrs[i]));
		if (v != NULL)
			s += score_attr_ctx((const char *)v);
		xmlFree(v);
	}
	return clampd(s, -2.0, 1.0);
}

/* Chrome around l: its first item, its container and ancestors up to the layout wrapper. */
static double score_ctx(const struct dsc_page *pg, const struct dsc_list *l)
{
	double s = dsc_own_ctx(l->items[0]);
	xmlNodePtr n;
	int steps = 0;

	for (n = l->parent; n != NULL && n->type == XML_ELEMENT_NODE && steps < 64;
	     n = n->parent, steps++) {
		const struct dsc_node *e = dsc_node_of(pg, n);

		if (e == NULL || (double)(e->a1 - e->a0) * 2.0 > (double)pg->na)
			break;
		s += dsc_own_ctx(n);
	}
	return clampd(0.5 * s, -1.5, 0.75);
}

/* ---- heading, pager ---- */

static int score_is_heading(const xmlNode *n)
{
	const char *name = (const char *)n->name;

	return (name[0] == 'h' || name[0] == 'H') && name[1] >= '1' && name[1] <= '6' &&
	       name[2] == '\0';
}

/* A heading-like class word: title, heading, header, caption. */
static int score_is_titled(const struct dsc_page *pg, const xmlNode *n)
{
	static const char *const words[] = {"title", "heading", "header", "caption", "hd", NULL};
	const struct dsc_node *e = dsc_node_of(pg, n);
	xmlChar *v;
	int yes = 0;

	if (e == NULL || e->t1 - e->t0 > 120 || e->a1 > e->a0 + 1)
		return 0;
	v = xmlGetNoNsProp(n, XC("class"));
	if (v != NULL)
		yes = score_part_in((const char *)v, strlen((const char *)v), words);
	xmlFree(v);
	return yes;
}

/* n itself when it is a heading, else the last heading inside it (bounded). */
static xmlNodePtr score_heading_in(const struct dsc_page *pg, xmlNodePtr n)
{
	const struct dsc_node *e = dsc_node_of(pg, n);
	size_t i;

	if (e == NULL)
		return NULL;
	if (score_is_heading(n) || score_is_titled(pg, n))
		return n;
	for (i = e->end; i > (size_t)dsc_pre(n) + 1 && i + 64 > e->end; i--) {
		xmlNodePtr c = pg->nodes[i - 1].node;

		if (score_is_heading(c))
			return c;
	}
	return NULL;
}

/* The nearest heading before the list: up to 4 elements before its first item or 3 ancestors. */
static xmlNodePtr score_prev_heading(const struct dsc_page *pg, const struct dsc_list *l)
{
	xmlNodePtr base = l->items[0], sib, h;
	int up, seen;

	for (up = 0; up < 4 && base != NULL && dsc_pre(base) >= 0; up++, base = base->parent) {
		for (sib = base->prev, seen = 0; sib != NULL && seen < 4; sib = sib->prev) {
			if (sib->type != XML_ELEMENT_NODE)
				continue;
			seen++;
			h = score_heading_in(pg, sib);
			if (h != NULL)
				return h;
		}
	}
	return NULL;
}

/* Words of headings over boxes beside the main list: "Related", "Most read", "See also". */
static int score_side_word(const char *w, size_t n)
{
	static const char *const side[] = {
	    "related",	    "popular",	    "similar",	 "recommended", "trending",   "most",
	    "also",	    "aussi",	    "également", "similaires",	"populaires", "también",
	    "relacionadas", "relacionados", "también",	 "также",	"похожие",    "популярные",
	    "читайте",	    "ähnliche",	    "beliebt",	 NULL};

	return score_word_in(w, n, side);
}

/*
 * +1 when the heading before the list shares half its words with
 * <title>/<h1>; -0.75 when it names a side box ("Related news"); else -0.25.
 */
static double score_head(const struct dsc_page *pg, const struct dsc_list *l)
{
	xmlNodePtr h = score_prev_heading(pg, l);
	struct buf w, key;
	const char *p;
	size_t n = 0, hit = 0;
	int side = 0;
	char *t;

	if (h == NULL)
		return 0;
	t = dsc_text(h, 512);
	buf_init(&w);
	buf_init(&key);
	dsc_words(t, &w);
	for (p = buf_str(&w); *p;) {
		size_t len = strcspn(p, " ");

		if (len > 0) {
			buf_reset(&key);
			buf_printf(&key, " %.*s ", (int)len, p);
			n++;
			hit += strstr(pg->title, buf_str(&key)) != NULL;
			side |= score_side_word(p, len);
		}
		p += len + (p[len] == ' ');
	}
	buf_free(&w);
	buf_free(&key);
	free(t);
	if (n == 0)
		return 0;
	if (side)
		return -0.75;
	return hit * 2 >= n ? 1.0 : -0.25;
}

static int score_has_pager(const struct dsc_page *pg, xmlNodePtr n)
{
	const struct dsc_node *e = dsc_node_of(pg, n);
	uint32_t i;

	for (i = e != NULL ? e->a0 : 0; e != NULL && i < e->a1; i++)
		if (pg->a[i].kind == DSC_PAGER)
			return 1;
	return 0;
}

/* +1 when a link to another page of this list follows it (within 3 siblings, 2 levels up). */
static double score_pager(const struct dsc_page *pg, const struct dsc_list *l)
{
	xmlNodePtr base = l->items[l->n - 1], sib;
	int up, seen;

	for (up = 0; up < 4 && base != NULL && dsc_pre(base) >= 0; up++) {
		for (sib = base->next, seen = 0; sib != NULL && seen < 3; sib = sib->next) {
			if (sib->type != XML_ELEMENT_NODE)
				continue;
			seen++;
			if (score_has_pager(pg, sib))
				return 1.0;
		}
		base = up == 0 ? l->parent : base->parent;
	}
	return 0;
}

/* -0.75 for a list that ends before the page's <h1>: top bars, menus, "highlights". */
static double score_early(const struct dsc_page *pg, const struct dsc_list *l)
{
	const struct dsc_node *e = dsc_node_of(pg, l->items[l->n - 1]);

	return e != NULL && pg->h1_pre != UINT32_MAX && e->end <= pg->h1_pre ? -0.75 : 0.0;
}

void dsc_score_full(const struct dsc_page *pg, struct dsc_list *l)
{
	score_features(pg, l, 1);
	l->ctx = score_ctx(pg, l);
	l->head = score_head(pg, l);
	l->pager = score_pager(pg, l);
	l->early = score_early(pg, l);
	l->score = score_q_size(l) + l->ctx + l->head + l->pager + l->chrono + l->early;
}
