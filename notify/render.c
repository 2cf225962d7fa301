/*
 * notify/render: an outbox body as each event's fields in text, HTML and
 * Markdown, and the subject and body every text channel builds from them.
 * The fields are computed once per event when the body is parsed.
 */
#include "notify/render.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/htmlesc.h"
#include "common/printable.h"
#include "common/xmalloc.h"

#define RENDER_FORMATS 3

/* One event's fields in every format. */
struct render_vals {
	struct buf v[RENDER_FORMATS][RENDER_FIELDS];
	const char *link; /* borrowed from the JSON, NULL unless http(s) */
	time_t when;
	double top;
};

struct render_events {
	json_t *root;
	int digest;
	size_t n;
	struct render_vals *ev;
};

static const char *jstr(json_t *o, const char *a, const char *b)
{
	json_t *v = json_object_get(o, a);

	if (b)
		v = json_object_get(v, b);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

/*
 * Plain text is read on terminals and in mail readers: untrusted controls,
 * C1 and bidi overrides are escaped (common/printable.h); only the fields
 * that are paragraphs keep their newlines.
 */
static void text_add(struct buf *b, enum render_field f, const char *s)
{
	int lines = f == RENDER_EXCERPT || f == RENDER_EVIDENCE || f == RENDER_DIFF;

	if (s)
		printable_append(b, s, strlen(s), lines ? PRINTABLE_LINES : 0);
}

/* Appends s to field f: as printable plain text, HTML-escaped, Markdown-escaped. */
static void val_add(struct render_vals *v, enum render_field f, const char *s)
{
	text_add(&v->v[RENDER_TEXT][f], f, s);
	html_escape(&v->v[RENDER_HTML][f], s);
	render_markdown_escape(&v->v[RENDER_MARKDOWN][f], s);
}

/* Appends markup (the same in every format) to field f. */
static void val_raw(struct render_vals *v, enum render_field f, const char *text, const char *html,
		    const char *md)
{
	buf_append_str(&v->v[RENDER_TEXT][f], text);
	buf_append_str(&v->v[RENDER_HTML][f], html);
	buf_append_str(&v->v[RENDER_MARKDOWN][f], md);
}

static void vals_theme(struct render_vals *v, json_t *t, const char *label)
{
	double score = json_number_value(json_object_get(t, "score"));
	char num[32];
	size_t k;
	json_t *e;

	if (v->v[RENDER_TEXT][RENDER_THEMES].len > 0)
		val_add(v, RENDER_THEMES, ", ");
	val_add(v, RENDER_THEMES, label);
	if (score > v->top)
		v->top = score;
	snprintf(num, sizeof(num), " (score %.2f)\n", score);
	val_add(v, RENDER_EVIDENCE, label);
	val_raw(v, RENDER_EVIDENCE, num, num, num);
	json_array_foreach(json_object_get(t, "evidence"), k, e)
	{
		if (!json_is_string(e))
			continue;
		val_raw(v, RENDER_EVIDENCE, "  * ", "  &bull; <b>", "  • **");
		val_add(v, RENDER_EVIDENCE, json_string_value(e));
		val_raw(v, RENDER_EVIDENCE, "\n", "</b>\n", "**\n");
	}
}

static void vals_themes(struct render_vals *v, json_t *themes)
{
	size_t i;
	json_t *t;

	json_array_foreach(themes, i, t)
	{
		const char *label =
		    jstr(t, "label", NULL) ? jstr(t, "label", NULL) : jstr(t, "id", NULL);

		if (label != NULL)
			vals_theme(v, t, label);
	}
}

static void vals_url(struct render_vals *v, const char *url)
{
	struct buf *html = &v->v[RENDER_HTML][RENDER_URL];

	/* Only web links become links: a hostile page cannot plant javascript:. */
	if (url == NULL ||
	    (strncasecmp(url, "http://", 7) != 0 && strncasecmp(url, "https://", 8) != 0)) {
		val_add(v, RENDER_URL, url);
		return;
	}
	v->link = url;
	text_add(&v->v[RENDER_TEXT][RENDER_URL], RENDER_URL, url);
	buf_append_str(html, "<a href=\"");
	html_escape(html, url);
	buf_append_str(html, "\">");
	html_escape(html, url);
	buf_append_str(html, "</a>");
	/* An autolink ends at '>' or a blank; neither is left in a URL we keep. */
	if (strpbrk(url, "<> \t") == NULL)
		buf_printf(&v->v[RENDER_MARKDOWN][RENDER_URL], "<%s>", url);
	else
		render_markdown_escape(&v->v[RENDER_MARKDOWN][RENDER_URL], url);
}

/* A title for events without an item (source.failing, source.recovered, test). */
static void vals_title(struct render_vals *v, json_t *ev)
{
	const char *title = jstr(ev, "item", "title");
	const char *type = jstr(ev, "type", NULL);
	const char *src = jstr(ev, "source", "id");
	char *s;

	if (title && title[0]) {
		val_add(v, RENDER_TITLE, title);
		return;
	}
	s = xasprintf("%s%s%s", type ? type : "event", src ? " " : "", src ? src : "");
	val_add(v, RENDER_TITLE, s);
	free(s);
}

/*
 * The excerpt: the item's; for events without an item, what a person needs
 * instead (why a source is failing, a test event's message).
 */
static void vals_excerpt(struct render_vals *v, json_t *ev)
{
	const char *excerpt = jstr(ev, "item", "excerpt");
	const char *error = jstr(ev, "error", NULL);

	if (excerpt != NULL)
		val_add(v, RENDER_EXCERPT, excerpt);
	else if (error != NULL && error[0]) {
		val_add(v, RENDER_EXCERPT, "Last error: ");
		val_add(v, RENDER_EXCERPT, error);
	} else
		val_add(v, RENDER_EXCERPT, jstr(ev, "message", NULL));
}

static time_t event_time(json_t *ev)
{
	const char *s = jstr(ev, "detected_at", NULL);
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (s == NULL || strptime(s, "%Y-%m-%dT%H:%M:%S", &tm) == NULL)
		return time(NULL);
	return timegm(&tm);
}

static void vals_fill(struct render_vals *v, json_t *ev, const char *event_id)
{
	const char *url = jstr(ev, "item", "url");
	const char *diff = jstr(ev, "diff", NULL);
	const char *id = jstr(ev, "id", NULL);
	const char *published = jstr(ev, "item", "published");

	for (int fmt = 0; fmt < RENDER_FORMATS; fmt++)
		for (int f = 0; f < RENDER_FIELDS; f++)
			buf_init(&v->v[fmt][f]);
	vals_title(v, ev);
	vals_themes(v, json_object_get(ev, "themes"));
	val_add(v, RENDER_SOURCE, jstr(ev, "source", "id"));
	vals_url(v, url ? url : jstr(ev, "source", "url"));
	val_add(v, RENDER_PUBLISHED, published ? published : "unknown");
	val_add(v, RENDER_TYPE, jstr(ev, "type", NULL));
	vals_excerpt(v, ev);
	if (diff && diff[0]) {
		val_add(v, RENDER_DIFF, "Changes:\n");
		val_add(v, RENDER_DIFF, diff);
		val_add(v, RENDER_DIFF, diff[strlen(diff) - 1] == '\n' ? "\n" : "\n\n");
	}
	val_add(v, RENDER_ID, id ? id : event_id);
	v->when = event_time(ev);
}

/* A digest: a non-empty array of event objects. */
static int is_event_list(json_t *a)
{
	size_t i;
	json_t *ev;

	if (!json_is_array(a) || json_array_size(a) == 0)
		return 0;
	json_array_foreach(a, i, ev)
	{
		if (!json_is_object(ev))
			return 0;
	}
	return 1;
}

struct render_events *render_parse(const char *body, size_t len, const char *event_id, char *err,
				   size_t errlen)
{
	json_t *root = json_loadb(body, len, 0, NULL);
	struct render_events *r;

	if (!json_is_object(root) && !is_event_list(root)) {
		snprintf(err, errlen, "the event is not a JSON object or a list of them");
		json_decref(root);
		return NULL;
	}
	r = xcalloc(1, sizeof(*r));
	r->root = root;
	r->digest = json_is_array(root);
	r->n = r->digest ? json_array_size(root) : 1;
	r->ev = xcalloc(r->n, sizeof(*r->ev));
	for (size_t i = 0; i < r->n; i++)
		vals_fill(&r->ev[i], r->digest ? json_array_get(root, i) : root,
			  event_id ? event_id : "");
	return r;
}

void render_free(struct render_events *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->n; i++)
		for (int fmt = 0; fmt < RENDER_FORMATS; fmt++)
			for (int f = 0; f < RENDER_FIELDS; f++)
				buf_free(&r->ev[i].v[fmt][f]);
	free(r->ev);
	json_decref(r->root);
	free(r);
}

size_t render_count(const struct render_events *r)
{
	return r->n;
}

int render_is_digest(const struct render_events *r)
{
	return r->digest;
}

const char *render_value(struct render_events *r, size_t i, enum render_field f,
			 enum render_format fmt)
{
	if (i >= r->n || (unsigned)f >= RENDER_FIELDS || (unsigned)fmt >= RENDER_FORMATS)
		return "";
	return buf_str(&r->ev[i].v[fmt][f]);
}

void render_values(struct render_events *r, size_t i, enum render_format fmt,
		   const char *out[RENDER_FIELDS])
{
	for (int f = 0; f < RENDER_FIELDS; f++)
		out[f] = render_value(r, i, (enum render_field)f, fmt);
}

const char *render_link(const struct render_events *r, size_t i)
{
	return i < r->n ? r->ev[i].link : NULL;
}

time_t render_time(const struct render_events *r, size_t i)
{
	return i < r->n ? r->ev[i].when : time(NULL);
}

double render_top_score(const struct render_events *r, size_t i)
{
	return i < r->n ? r->ev[i].top : 0.;
}

void render_cut(struct buf *s, size_t max)
{
	size_t n = max;

	if (s->len <= max)
		return;
	while (n > 0 && ((unsigned char)s->data[n] & 0xc0) == 0x80)
		n--;
	s->len = n;
	s->data[n] = '\0';
	buf_append_str(s, "…");
}

/* A digest's subject: how many, and the titles as far as they fit. */
static void digest_subject(struct render_events *r, size_t max, struct buf *s)
{
	buf_printf(s, "[speechwatch] %zu alert%s: ", r->n, r->n == 1 ? "" : "s");
	for (size_t i = 0; i < r->n && s->len <= max; i++)
		buf_printf(s, "%s%s", i ? "; " : "", render_value(r, i, RENDER_TITLE, RENDER_TEXT));
}

void render_subject(struct render_events *r, const struct render_tmpl *t, size_t max,
		    struct buf *out)
{
	struct render_tmpl *def = NULL;
	const char *vals[RENDER_FIELDS];
	struct buf s;

	buf_init(&s);
	if (r->digest) {
		digest_subject(r, max, &s);
	} else {
		if (t == NULL)
			t = def = render_tmpl_compile(RENDER_DEFAULT_SUBJECT, NULL, 0);
		render_values(r, 0, RENDER_TEXT, vals);
		render_tmpl_apply(t, vals, RENDER_TEXT, &s);
	}
	render_cut(&s, max);
	buf_append(out, s.data, s.len);
	buf_free(&s);
	render_tmpl_free(def);
}

void render_body(struct render_events *r, const struct render_tmpl *t, enum render_format fmt,
		 struct buf *out)
{
	static const char *const rule[RENDER_FORMATS] = {
	    [RENDER_TEXT] = "\n==============================================\n\n",
	    [RENDER_HTML] = "<hr>",
	    [RENDER_MARKDOWN] = "\n---\n\n",
	};
	struct render_tmpl *def = NULL;
	const char *vals[RENDER_FIELDS];

	if (t == NULL)
		t = def = render_tmpl_compile(RENDER_DEFAULT_BODY, NULL, 0);
	for (size_t i = 0; i < r->n; i++) {
		if (i > 0)
			buf_append_str(out, rule[fmt]);
		render_values(r, i, fmt, vals);
		render_tmpl_apply(t, vals, fmt, out);
	}
	render_tmpl_free(def);
}
