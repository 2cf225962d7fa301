/*
 * A PDF through Poppler's GLib API: each page's text in Poppler's order
 * with one box per character (poppler_page_get_text_layout), cut into
 * lines at its newlines; the lines then go through the layout logic of
 * pdf_int.h. Poppler's own reading order is not trusted for columns: it
 * is right for most pages, but the gutter test here is the one the tests
 * hold.
 */
#include <string.h>
#include <time.h>

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

/* Adds the line text[start..end) with the union of its characters' boxes. */
static void add_line(struct pdf_page *p, const char *text, size_t start, size_t end,
		     const PopplerRectangle *box, int have_box)
{
	if (end > start && have_box)
		pdf_page_add(p, text + start, end - start, box->x1, box->y1, box->x2, box->y2);
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
 * The lines of text, whose k-th character has the box rects[k] (the
 * layout's documented correspondence; characters past nrects have none).
 */
static void split_lines(struct pdf_page *p, const char *text, const PopplerRectangle *rects,
			guint nrects)
{
	PopplerRectangle box;
	size_t start = 0, i = 0, k = 0;
	int have = 0;

	memset(&box, 0, sizeof(box));
	while (text[i]) {
		size_t clen = (size_t)g_utf8_skip[(unsigned char)text[i]];

		if (text[i] == '\n') {
			add_line(p, text, start, i, &box, have);
			start = i + 1;
			have = 0;
		} else if (k < nrects && text[i] != ' ') {
			grow(&box, &rects[k], &have);
		}
		i += clen;
		k++;
	}
	add_line(p, text, start, i, &box, have);
}

static void read_page(PopplerPage *pg, struct pdf_page *out)
{
	PopplerRectangle *rects = NULL;
	guint nrects = 0;
	char *text;

	poppler_page_get_size(pg, &out->width, &out->height);
	text = poppler_page_get_text(pg);
	if (text == NULL)
		return;
	if (!g_utf8_validate(text, -1, NULL)) {
		g_free(text);
		return;
	}
	if (!poppler_page_get_text_layout(pg, &rects, &nrects))
		nrects = 0;
	split_lines(out, text, rects, nrects);
	g_free(rects);
	g_free(text);
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

/* The text of pages [0, n) of doc into out->text. */
static void read_pages(PopplerDocument *doc, size_t n, struct pdf_doc *out)
{
	struct pdf_page *pages = xcalloc(n ? n : 1, sizeof(*pages));
	struct buf text;
	int rtl;

	for (size_t i = 0; i < n; i++) {
		PopplerPage *pg = poppler_document_get_page(doc, (int)i);

		if (pg == NULL)
			continue;
		read_page(pg, &pages[i]);
		g_object_unref(pg);
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
