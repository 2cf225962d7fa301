/*
 * A PDF through Poppler's GLib API, the only file of analyze/pdf that
 * speaks to Poppler: each page's text with one box per character
 * (poppler_page_get_text_for_area, poppler_page_get_text_layout_for_area),
 * cut into lines; the lines then go through the layout logic of pdf_int.h.
 * Poppler's own reading order is not trusted for columns: it is right for
 * most pages, but it joins lines of two columns now and then, and its
 * selection loses blocks of right-to-left pages.
 */
#include <string.h>

#include <poppler.h>

#include "analyze/pdf/pdf.h"
#include "analyze/pdf/pdf_int.h"
#include "common/buf.h"
#include "common/err.h"
#include "common/xmalloc.h"

#define SNIFF_WINDOW 1024 /* bytes before "%PDF-" that readers tolerate */

int pdf_sniff(const char *data, size_t len)
{
	size_t n = len < SNIFF_WINDOW + 5 ? len : SNIFF_WINDOW + 5;

	return data != NULL && memmem(data, n, "%PDF-", 5) != NULL;
}

/*
 * Adds the line text[start..end) with the union of its characters' boxes
 * and the width of its first word's (not on a right-to-left line: Poppler
 * gives those boxes in visual order, which the text is not).
 */
static void add_line(struct pdf_page *p, const char *text, size_t start, size_t end,
		     const PopplerRectangle *box, const PopplerRectangle *word, int have_box,
		     int have_word)
{
	if (end > start && have_box) {
		pdf_page_add(p, text + start, end - start, box->x1, box->y1, box->x2, box->y2);
		if (have_word)
			p->lines[p->n - 1].first_w = word->x2 - word->x1;
	}
}

static void grow(PopplerRectangle *box, const PopplerRectangle *r, int *have)
{
	if (!*have) {
		*box = *r;
		*have = 1;
		return;
	}
	box->x1 = r->x1 < box->x1 ? r->x1 : box->x1;
	box->y1 = r->y1 < box->y1 ? r->y1 : box->y1;
	box->x2 = r->x2 > box->x2 ? r->x2 : box->x2;
	box->y2 = r->y2 > box->y2 ? r->y2 : box->y2;
}

/*
 * 1 when the character box r does not continue the line box: its middle
 * is outside the line's height, or a gap wider than a line's height (a
 * gutter, not a word space) separates them. Poppler joins lines of two
 * columns now and then; they are cut apart here.
 */
static int breaks_line(const PopplerRectangle *box, const PopplerRectangle *r, int rtl)
{
	double mid = (r->y1 + r->y2) / 2, h = box->y2 - box->y1;
	double gap = r->x1 > box->x2 ? r->x1 - box->x2 : box->x1 - r->x2;

	if (r->y2 - r->y1 > h)
		h = r->y2 - r->y1;
	/* right-to-left words come with their boxes in visual order: no gap test */
	return mid < box->y1 || mid > box->y2 || (!rtl && gap > h);
}

/* The bidi marks Poppler writes around right-to-left words: they have no box. */
static int is_mark(gunichar c)
{
	return c == 0x200E || c == 0x200F || (c >= 0x202A && c <= 0x202E) ||
	       (c >= 0x2066 && c <= 0x2069);
}

/*
 * The lines of text, whose k-th character has the box rects[k] (the
 * layout's documented correspondence; characters past nrects have none).
 */
static void split_lines(struct pdf_page *p, const char *text, const PopplerRectangle *rects,
			guint nrects)
{
	PopplerRectangle box, word;
	size_t start = 0, i = 0, k = 0;
	int have = 0, have_word = 0, in_first = 1, rtl = 0;

	memset(&box, 0, sizeof(box));
	memset(&word, 0, sizeof(word));
	while (text[i]) {
		size_t clen = (size_t)g_utf8_skip[(unsigned char)text[i]];
		gunichar c = g_utf8_get_char(text + i);
		int boxed = c != '\n' && c != ' ' && k < nrects;

		if (is_mark(c)) {
			i += clen;
			continue;
		}
		if (c == '\n' ||
		    (boxed && have && breaks_line(&box, &rects[k], pdf_cp_rtl((int32_t)c)))) {
			add_line(p, text, start, i, &box, &word, have, have_word && !rtl);
			start = c == '\n' ? i + 1 : i;
			have = have_word = rtl = 0;
			in_first = 1;
		}
		rtl |= pdf_cp_rtl((int32_t)c);
		if (boxed)
			grow(&box, &rects[k], &have);
		if (boxed && in_first)
			grow(&word, &rects[k], &have_word);
		if ((c == ' ' && have_word) || pdf_cp_cjk((int32_t)c))
			in_first = 0; /* a CJK character is a word */
		i += clen;
		k++;
	}
	add_line(p, text, start, i, &box, &word, have, have_word && !rtl);
}

/* The lines of the selection area of pg into out. */
static void read_area(PopplerPage *pg, PopplerRectangle *area, struct pdf_page *out)
{
	PopplerRectangle *rects = NULL;
	guint nrects = 0;
	char *text = poppler_page_get_text_for_area(pg, area);

	if (text == NULL)
		return;
	if (g_utf8_validate(text, -1, NULL)) {
		if (!poppler_page_get_text_layout_for_area(pg, area, &rects, &nrects))
			nrects = 0;
		split_lines(out, text, rects, nrects);
	}
	g_free(rects);
	g_free(text);
}

/* 1 when the box of l overlaps that of a line of p. */
static int overlaps(const struct pdf_page *p, const struct pdf_line *l)
{
	for (size_t i = 0; i < p->n; i++) {
		const struct pdf_line *o = &p->lines[i];

		if (l->x0 < o->x1 && o->x0 < l->x1 && l->y0 < o->y1 && o->y0 < l->y1)
			return 1;
	}
	return 0;
}

/*
 * The page's lines. Poppler reads a selection from its first corner to
 * the opposite one; on a right-to-left page a selection from the top left
 * loses whole blocks (the right column, the title), and one from the top
 * right may lose others (a centred footer): such a page is read both ways,
 * the second reading completed by the lines of the first it lacks.
 */
static void read_page(PopplerPage *pg, struct pdf_page *out)
{
	PopplerRectangle area;
	struct pdf_page rev;

	poppler_page_get_size(pg, &out->width, &out->height);
	area.x1 = 0;
	area.y1 = 0;
	area.x2 = out->width;
	area.y2 = out->height;
	read_area(pg, &area, out);
	if (!pdf_rtl(out, 1))
		return;
	memset(&rev, 0, sizeof(rev));
	rev.width = out->width;
	rev.height = out->height;
	area.x1 = out->width;
	area.x2 = 0;
	read_area(pg, &area, &rev);
	for (size_t i = 0; i < out->n; i++) {
		const struct pdf_line *l = &out->lines[i];

		if (!overlaps(&rev, l))
			pdf_page_add(&rev, l->text, strlen(l->text), l->x0, l->y0, l->x1, l->y1);
	}
	pdf_page_free(out);
	*out = rev;
}

/* "2024-03-12T10:00:00+08:00" from the metadata date, or NULL. */
static char *meta_date(PopplerDocument *doc)
{
	GDateTime *dt = poppler_document_get_creation_date_time(doc);
	char *s, *r;

	if (dt == NULL)
		dt = poppler_document_get_modification_date_time(doc);
	if (dt == NULL)
		return NULL;
	s = g_date_time_format(dt, "%Y-%m-%dT%H:%M:%S%:z");
	g_date_time_unref(dt);
	r = s ? xstrdup(s) : NULL;
	g_free(s);
	return r;
}

/*
 * 1 when a Title is a tool's placeholder rather than the document's:
 * a file name ("Microsoft Word - speech.docx", "scan0001.pdf"), "untitled".
 */
static int junk_title(const char *t)
{
	static const char *const ext[] = {".doc", ".docx", ".odt", ".rtf", ".pdf",  ".indd",
					  ".ppt", ".pptx", ".txt", ".xls", ".xlsx", NULL};
	size_t n = strlen(t);

	if (g_ascii_strncasecmp(t, "Microsoft ", 10) == 0 || g_ascii_strcasecmp(t, "untitled") == 0)
		return 1;
	for (const char *const *e = ext; *e; e++) {
		size_t k = strlen(*e);

		if (n > k && g_ascii_strcasecmp(t + n - k, *e) == 0)
			return 1;
	}
	return 0;
}

static char *meta_title(PopplerDocument *doc)
{
	char *t = poppler_document_get_title(doc), *r = NULL;

	if (t && g_utf8_validate(t, -1, NULL)) {
		char *clean = pdf_line_clean(t, strlen(t));

		if (*clean && !junk_title(clean))
			r = clean;
		else
			free(clean);
	}
	g_free(t);
	return r;
}

static PopplerDocument *open_doc(const char *data, size_t len, char *err, size_t errlen)
{
	GBytes *bytes = g_bytes_new_static(data, len);
	GError *gerr = NULL;
	PopplerDocument *doc = poppler_document_new_from_bytes(bytes, NULL, &gerr);

	g_bytes_unref(bytes);
	if (doc)
		return doc;
	if (gerr && g_error_matches(gerr, POPPLER_ERROR, POPPLER_ERROR_ENCRYPTED))
		err_set(err, errlen, "encrypted: a password is needed");
	else
		err_set(err, errlen, "damaged: %s", gerr ? gerr->message : "unreadable");
	if (gerr)
		g_error_free(gerr);
	return NULL;
}

/* The bytes of text on p. */
static size_t page_bytes(const struct pdf_page *p)
{
	size_t b = 0;

	for (size_t i = 0; i < p->n; i++)
		b += strlen(p->lines[i].text) + 1;
	return b;
}

/*
 * The text of pages [0, n) of doc into out->text. Pages stop being read
 * once they hold twice the text that is kept (the rest could only be cut).
 */
static void read_pages(PopplerDocument *doc, size_t n, struct pdf_doc *out)
{
	struct pdf_page *pages = xcalloc(n ? n : 1, sizeof(*pages));
	size_t bytes = 0;
	struct buf text;
	int rtl;

	for (size_t i = 0; i < n; i++) {
		PopplerPage *pg = poppler_document_get_page(doc, (int)i);

		if (pg == NULL)
			continue;
		read_page(pg, &pages[i]);
		g_object_unref(pg);
		bytes += page_bytes(&pages[i]);
		if (bytes > 2 * (size_t)PDF_MAX_TEXT) {
			n = out->pages_read = i + 1;
			break;
		}
	}
	rtl = pdf_rtl(pages, n);
	pdf_drop_repeats(pages, n);
	for (size_t i = 0; i < n; i++)
		pdf_page_order(&pages[i], rtl);
	buf_init(&text);
	out->truncated = pdf_pages_text(pages, n, rtl, &text, PDF_MAX_TEXT);
	out->text = buf_steal(&text);
	for (size_t i = 0; i < n; i++)
		pdf_page_free(&pages[i]);
	free(pages);
}

int pdf_read(const char *data, size_t len, struct pdf_doc *out, char *err, size_t errlen)
{
	PopplerDocument *doc;
	int n;

	memset(out, 0, sizeof(*out));
	if (len > PDF_MAX_BYTES) {
		err_set(err, errlen, "larger than %u bytes", PDF_MAX_BYTES);
		return -1;
	}
	if (!pdf_sniff(data, len)) {
		err_set(err, errlen, "not a PDF: no %%PDF- signature");
		return -1;
	}
	doc = open_doc(data, len, err, errlen);
	if (doc == NULL)
		return -1;
	n = poppler_document_get_n_pages(doc);
	out->pages = n > 0 ? (size_t)n : 0;
	out->pages_read = out->pages < PDF_MAX_PAGES ? out->pages : PDF_MAX_PAGES;
	out->title = meta_title(doc);
	out->date = meta_date(doc);
	read_pages(doc, out->pages_read, out);
	g_object_unref(doc);
	return 0;
}

void pdf_doc_free(struct pdf_doc *d)
{
	if (d == NULL)
		return;
	free(d->title);
	free(d->date);
	free(d->text);
	memset(d, 0, sizeof(*d));
}
