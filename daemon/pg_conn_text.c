/*
 * daemon/pg_conn_text: the pure parts of pg_conn (pg_conn.h): the backoff
 * formula and keeping passwords out of every message. libpq echoes a
 * conninfo it cannot parse (a URI with its userinfo, for one), so messages
 * are scrubbed of the password's text itself, not only of "password=".
 */
#include "daemon/pg_conn.h"

#include <ctype.h>
#include <string.h>

#include "common/buf.h"
#include "common/xmalloc.h"

/* Where the passwords of a conninfo are: byte spans of its text. */
struct spans {
	size_t at[8], len[8];
	int n;
};

static void span_add(struct spans *sp, size_t at, size_t len)
{
	if (sp->n < 8 && len > 0) {
		sp->at[sp->n] = at;
		sp->len[sp->n] = len;
		sp->n++;
	}
}

double pg_conn_backoff(double min, double cap, unsigned attempt, double unit)
{
	double d = min;

	while (attempt-- > 0 && d < cap)
		d *= 2;
	return unit * (d < cap ? d : cap);
}

static int is_uri(const char *s)
{
	return strncmp(s, "postgresql://", 13) == 0 || strncmp(s, "postgres://", 11) == 0;
}

/* The userinfo password and the password= query parameters of a URI. */
static void uri_spans(const char *s, struct spans *sp)
{
	const char *auth = strstr(s, "://") + 3;
	size_t alen = strcspn(auth, "/?#");
	const char *at = NULL, *p, *colon;

	for (p = auth; p < auth + alen; p++)
		if (*p == '@')
			at = p;
	if (at != NULL && (colon = memchr(auth, ':', (size_t)(at - auth))) != NULL)
		span_add(sp, (size_t)(colon + 1 - s), (size_t)(at - colon - 1));
	p = strchr(auth, '?');
	while (p != NULL) {
		p++;
		if (strncmp(p, "password=", 9) == 0)
			span_add(sp, (size_t)(p + 9 - s), strcspn(p + 9, "&#"));
		p = strchr(p, '&');
	}
}

/* Length of a key=value value at p: quoted ('...' with \ escapes) or up to a blank. */
static size_t kv_value_len(const char *p, int *ok)
{
	const char *q = p;

	*ok = 1;
	if (*q != '\'') {
		while (*q != '\0' && !isspace((unsigned char)*q))
			q += q[0] == '\\' && q[1] != '\0' ? 2 : 1;
		return (size_t)(q - p);
	}
	for (q++; *q != '\0' && *q != '\''; q++)
		if (*q == '\\' && q[1] != '\0')
			q++;
	if (*q != '\'')
		*ok = 0;
	return (size_t)(q - p) + (*q == '\'');
}

/* key=value pairs; from a malformed spot on, the rest counts as secret. */
static void kv_spans(const char *s, struct spans *sp)
{
	const char *p = s, *key;
	size_t klen, vlen;
	int ok;

	for (;;) {
		while (isspace((unsigned char)*p))
			p++;
		if (*p == '\0')
			return;
		key = p;
		while (*p != '\0' && *p != '=' && !isspace((unsigned char)*p))
			p++;
		klen = (size_t)(p - key);
		while (isspace((unsigned char)*p))
			p++;
		if (*p != '=') {
			span_add(sp, (size_t)(key - s), strlen(key));
			return;
		}
		for (p++; isspace((unsigned char)*p); p++)
			;
		vlen = kv_value_len(p, &ok);
		if (!ok || (klen == 8 && strncmp(key, "password", 8) == 0))
			span_add(sp, (size_t)(p - s), ok ? vlen : strlen(p));
		p += vlen;
	}
}

static void find_spans(const char *conninfo, struct spans *sp)
{
	sp->n = 0;
	if (is_uri(conninfo))
		uri_spans(conninfo, sp);
	else
		kv_spans(conninfo, sp);
}

char *pg_conn_redact(const char *conninfo)
{
	struct spans sp;
	struct buf b;
	size_t pos = 0;
	int i;

	find_spans(conninfo, &sp);
	buf_init(&b);
	for (i = 0; i < sp.n; i++) {
		buf_append(&b, conninfo + pos, sp.at[i] - pos);
		buf_append(&b, "***", 3);
		pos = sp.at[i] + sp.len[i];
	}
	buf_append(&b, conninfo + pos, strlen(conninfo + pos));
	return buf_steal(&b);
}

/* The first secret occurring at p, or -1. */
static int secret_at(const char *p, const char *conninfo, const struct spans *sp)
{
	int i;

	for (i = 0; i < sp->n; i++)
		if (strncmp(p, conninfo + sp->at[i], sp->len[i]) == 0)
			return i;
	return -1;
}

char *pg_conn_scrub(const char *text, const char *conninfo)
{
	struct spans sp = {.n = 0};
	struct buf b;
	const char *p;
	int i;

	if (conninfo != NULL)
		find_spans(conninfo, &sp);
	buf_init(&b);
	for (p = text; *p != '\0';) {
		if ((i = secret_at(p, conninfo, &sp)) >= 0) {
			buf_append(&b, "***", 3);
			p += sp.len[i];
		} else if (*p == '\n' || *p == '\t' || *p == '\r') {
			if (b.len > 0 && b.data[b.len - 1] != ' ')
				buf_append(&b, " ", 1);
			p++;
		} else {
			buf_append(&b, p++, 1);
		}
	}
	while (b.len > 0 && b.data[b.len - 1] == ' ')
		b.data[--b.len] = '\0';
	return buf_steal(&b);
}

char *pg_conn_text_array(const char *const *v, size_t n)
{
	struct buf b;

	buf_init(&b);
	buf_append_char(&b, '{');
	for (size_t i = 0; i < n; i++) {
		buf_append_str(&b, i ? ",\"" : "\"");
		for (const char *p = v[i]; *p; p++) {
			if (*p == '"' || *p == '\\')
				buf_append_char(&b, '\\');
			buf_append_char(&b, *p);
		}
		buf_append_char(&b, '"');
	}
	buf_append_char(&b, '}');
	return buf_steal(&b);
}
