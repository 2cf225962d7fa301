/*
 * notify/render_tmpl: the {placeholder} templates (a subject, a body) and
 * the escapes that keep untrusted text from becoming markup.
 */
#include "notify/render.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/htmlesc.h"
#include "common/xmalloc.h"

#define PLACEHOLDER_MAX 32

void render_markdown_escape(struct buf *out, const char *s)
{
	for (; s && *s; s++) {
		if (strchr("\\`*_[]<>#|~", *s))
			buf_append_char(out, '\\');
		buf_append_char(out, *s);
	}
}

static const char *const field_names[RENDER_FIELDS] = {
    [RENDER_TITLE] = "title",	  [RENDER_THEMES] = "themes",	    [RENDER_SOURCE] = "source",
    [RENDER_URL] = "url",	  [RENDER_PUBLISHED] = "published", [RENDER_TYPE] = "type",
    [RENDER_EXCERPT] = "excerpt", [RENDER_EVIDENCE] = "evidence",   [RENDER_DIFF] = "diff",
    [RENDER_ID] = "id",
};

struct tmpl_seg {
	int field; /* -1: literal text */
	char *text;
};

struct render_tmpl {
	struct tmpl_seg *seg;
	size_t n;
	unsigned uses; /* bit per field */
};

const char *render_field_name(enum render_field f)
{
	return (unsigned)f < RENDER_FIELDS ? field_names[f] : "?";
}

static void tmpl_add(struct render_tmpl *t, int field, struct buf *lit)
{
	if (field < 0 && lit->len == 0)
		return;
	t->seg = xreallocarray(t->seg, t->n + 1, sizeof(*t->seg));
	t->seg[t->n].field = field;
	t->seg[t->n].text = field < 0 ? buf_steal(lit) : NULL;
	t->n++;
	if (field >= 0)
		t->uses |= 1u << field;
}

static int tmpl_field(const char *name, size_t len)
{
	for (int f = 0; f < RENDER_FIELDS; f++)
		if (strlen(field_names[f]) == len && memcmp(field_names[f], name, len) == 0)
			return f;
	return -1;
}

static void tmpl_known(char *err, size_t errlen, const char *what)
{
	struct buf b;

	buf_init(&b);
	for (int f = 0; f < RENDER_FIELDS; f++)
		buf_printf(&b, "%s{%s}", f ? " " : "", field_names[f]);
	snprintf(err, errlen, "%s; known: %s", what, buf_str(&b));
	buf_free(&b);
}

/* Parses the placeholder at s ('{'); returns its length, or 0 with err filled. */
static size_t tmpl_placeholder(const char *s, int *field, char *err, size_t errlen)
{
	size_t n = strcspn(s + 1, "{}\r\n");
	char what[96];

	if (s[1 + n] != '}' || n > PLACEHOLDER_MAX) {
		tmpl_known(err, errlen, "unclosed \"{\" (write \"{{\" for a brace)");
		return 0;
	}
	*field = tmpl_field(s + 1, n);
	if (*field < 0) {
		snprintf(what, sizeof(what), "unknown placeholder {%.*s}", (int)n, s + 1);
		tmpl_known(err, errlen, what);
		return 0;
	}
	return n + 2;
}

struct render_tmpl *render_tmpl_compile(const char *text, char *err, size_t errlen)
{
	struct render_tmpl *t = xcalloc(1, sizeof(*t));
	struct buf lit;
	const char *p = text ? text : "";

	buf_init(&lit);
	while (*p) {
		int field;
		size_t n;

		if ((p[0] == '{' && p[1] == '{') || (p[0] == '}' && p[1] == '}')) {
			buf_append_char(&lit, *p);
			p += 2;
		} else if (*p == '{') {
			n = tmpl_placeholder(p, &field, err, errlen);
			if (n == 0)
				goto fail;
			tmpl_add(t, -1, &lit);
			tmpl_add(t, field, &lit);
			p += n;
		} else {
			buf_append_char(&lit, *p++);
		}
	}
	tmpl_add(t, -1, &lit);
	buf_free(&lit);
	return t;
fail:
	buf_free(&lit);
	render_tmpl_free(t);
	return NULL;
}

int render_tmpl_uses(const struct render_tmpl *t, enum render_field f)
{
	return (unsigned)f < RENDER_FIELDS && (t->uses & (1u << f)) != 0;
}

void render_tmpl_apply(const struct render_tmpl *t, const char *const values[RENDER_FIELDS],
		       enum render_format fmt, struct buf *out)
{
	for (size_t i = 0; i < t->n; i++) {
		const struct tmpl_seg *s = &t->seg[i];

		if (s->field >= 0)
			buf_append_str(out, values[s->field] ? values[s->field] : "");
		else if (fmt == RENDER_HTML)
			html_escape(out, s->text);
		else
			buf_append_str(out, s->text);
	}
}

void render_tmpl_free(struct render_tmpl *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < t->n; i++)
		free(t->seg[i].text);
	free(t->seg);
	free(t);
}
