/*
 * notify/mime: RFC 5322 / MIME messages and {placeholder} templates for
 * the mail channel. Everything here is pure and bounded by its input.
 *
 * Header text that is not plain printable ASCII becomes "B" encoded-words:
 * base64 is exact for any UTF-8 (Chinese, Cyrillic) and its chunks are cut
 * at character boundaries, as RFC 2047 §5 requires. The multipart boundary
 * starts with "=_", which quoted-printable and base64 output never contain.
 */
#include "notify/mime.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "common/xmalloc.h"
#include "fetch/smtp.h"

#define EW_OVERHEAD 12 /* "=?UTF-8?B?" + "?=" */
#define EW_MAX 75      /* RFC 2047 §2: an encoded-word is at most 75 characters */
#define WORD_MAX 70    /* a longer unbreakable ASCII run is encoded so it can fold */
#define BOUNDARY "=_speechwatch_alt"

/* ---- small helpers ----------------------------------------------------- */

/* Base64 of at most 57 bytes (one body line), without a line break. */
static void b64_append(struct buf *out, const unsigned char *s, size_t n)
{
	unsigned char tmp[80];
	int k = EVP_EncodeBlock(tmp, s, (int)(n < 57 ? n : 57));

	buf_append(out, tmp, (size_t)k);
}

/*
 * Valid UTF-8 with every control character (C0, DEL, C1, U+2028/9) as a
 * space and every invalid byte as '?': nothing can break a header line.
 */
static char *header_clean(const char *s)
{
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
	size_t len = strlen(s);
	struct buf b;

	buf_init(&b);
	for (size_t i = 0; i < len;) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t n = utf8proc_iterate(p + i, (utf8proc_ssize_t)(len - i), &cp);

		if (n <= 0) {
			buf_append_char(&b, '?');
			i++;
			continue;
		}
		if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0) || cp == 0x2028 ||
		    cp == 0x2029)
			buf_append_char(&b, ' ');
		else
			buf_append(&b, s + i, (size_t)n);
		i += (size_t)n;
	}
	return buf_steal(&b);
}

/* Printable ASCII, no "=?" (it would read as an encoded-word), no run too long to fold. */
static int header_plain_ok(const char *s)
{
	size_t run = 0;

	for (const char *p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c < 0x20 || c >= 0x7f)
			return 0;
		if (c == '=' && p[1] == '?')
			return 0;
		run = c == ' ' ? 0 : run + 1;
		if (run > WORD_MAX)
			return 0;
	}
	return 1;
}

/* The longest prefix of s (len bytes) of at most max bytes ending on a character boundary. */
static size_t utf8_cut(const char *s, size_t len, size_t max)
{
	size_t n = max;

	if (len <= max)
		return len;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return n > 0 ? n : max; /* not UTF-8 after all: cut anywhere */
}

/*
 * Appends s as encoded-words, each preceded by a space, or by CRLF and a
 * space when the line is full. *col is the current column.
 */
static void header_encoded(struct buf *out, size_t *col, const char *s, size_t len)
{
	size_t off = 0;

	while (off < len) {
		size_t room = MIME_HEADER_COLS > *col + 1 ? MIME_HEADER_COLS - *col - 1 : 0;
		size_t chars, bytes, n;

		if (room > EW_MAX)
			room = EW_MAX;
		chars = room > EW_OVERHEAD ? (room - EW_OVERHEAD) / 4 * 4 : 0;
		bytes = chars / 4 * 3;
		if (bytes < 4) { /* not even one character fits: fold first */
			buf_append_str(out, "\r\n");
			*col = 0;
			continue;
		}
		n = utf8_cut(s + off, len - off, bytes);
		buf_append_str(out, " =?UTF-8?B?");
		b64_append(out, (const unsigned char *)s + off, n);
		buf_append_str(out, "?=");
		*col += 1 + EW_OVERHEAD + 4 * ((n + 2) / 3);
		off += n;
	}
}

/*
 * Appends " " + s, folding before a space where a line would pass 78
 * columns. Unfolding (removing the CRLFs) gives back exactly " " + s.
 */
static void header_folded(struct buf *out, size_t *col, const char *s)
{
	const char *p = s;

	buf_append_char(out, ' ');
	(*col)++;
	while (*p) {
		size_t sp = strspn(p, " ");
		size_t seg = sp + strcspn(p + sp, " ");

		if (sp > 0 && *col + seg > MIME_HEADER_COLS && *col > 1) {
			buf_append_str(out, "\r\n");
			*col = 0;
		}
		buf_append(out, p, seg);
		*col += seg;
		p += seg;
	}
}

void mime_header_text(struct buf *out, const char *name, const char *value)
{
	char *v = header_clean(value ? value : "");
	size_t col = strlen(name) + 1;

	buf_append_str(out, name);
	buf_append_char(out, ':');
	if (header_plain_ok(v))
		header_folded(out, &col, v);
	else
		header_encoded(out, &col, v, strlen(v));
	buf_append_str(out, "\r\n");
	free(v);
}

/* ---- addresses ---------------------------------------------------------- */

static char *trim_dup(const char *s, size_t len)
{
	while (len > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		len--;
	}
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	return xstrndup(s, len);
}

int mime_mailbox_parse(const char *s, char **name, char **addr)
{
	const char *lt = strrchr(s, '<');
	size_t len = strlen(s);
	char *n = NULL, *a;

	*name = *addr = NULL;
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	if (lt != NULL && len > 0 && s[len - 1] == '>') {
		a = trim_dup(lt + 1, (size_t)(s + len - 1 - (lt + 1)));
		n = trim_dup(s, (size_t)(lt - s));
		if (strlen(n) >= 2 && n[0] == '"' && n[strlen(n) - 1] == '"') {
			memmove(n, n + 1, strlen(n) - 2);
			n[strlen(n) - 2] = '\0';
		}
	} else {
		a = trim_dup(s, len);
	}
	if (!smtp_addr_valid(a) || strchr(a, '"') || (n && strpbrk(n, "\r\n<>"))) {
		free(a);
		free(n);
		return -1;
	}
	if (n && n[0] == '\0') {
		free(n);
		n = NULL;
	}
	*name = n;
	*addr = a;
	return 0;
}

/* RFC 5322 atext, plus space: a phrase that needs no quotes. */
static int phrase_plain(const char *s)
{
	static const char specials[] = "!#$%&'*+-/=?^_`{|}~ ";

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      strchr(specials, c)))
			return 0;
	}
	return 1;
}

/* Appends one token with a leading space, folding first if it would pass 78 columns. */
static void addr_token(struct buf *out, size_t *col, const char *tok)
{
	size_t len = strlen(tok);

	if (*col + 1 + len > MIME_HEADER_COLS && *col > 1) {
		buf_append_str(out, "\r\n");
		*col = 0;
	}
	buf_append_char(out, ' ');
	buf_append_str(out, tok);
	*col += 1 + len;
}

static void addr_display_name(struct buf *out, size_t *col, const char *raw)
{
	char *name = header_clean(raw);
	struct buf q;

	if (!header_plain_ok(name) || strstr(name, "=?")) {
		header_encoded(out, col, name, strlen(name));
	} else if (phrase_plain(name)) {
		addr_token(out, col, name);
	} else {
		buf_init(&q);
		buf_append_char(&q, '"');
		for (const char *p = name; *p; p++) {
			if (*p == '"' || *p == '\\')
				buf_append_char(&q, '\\');
			buf_append_char(&q, *p);
		}
		buf_append_char(&q, '"');
		addr_token(out, col, buf_str(&q));
		buf_free(&q);
	}
	free(name);
}

void mime_header_addrs(struct buf *out, const char *name, const char *const *mailboxes)
{
	size_t col = strlen(name) + 1;

	buf_append_str(out, name);
	buf_append_char(out, ':');
	for (size_t i = 0; mailboxes && mailboxes[i]; i++) {
		char *dn, *addr, *tok;

		if (mime_mailbox_parse(mailboxes[i], &dn, &addr) < 0)
			continue; /* checked when the channel was made */
		if (i > 0) {
			buf_append_char(out, ',');
			col++;
		}
		if (dn)
			addr_display_name(out, &col, dn);
		tok = dn ? xasprintf("<%s>", addr) : xstrdup(addr);
		addr_token(out, &col, tok);
		free(tok);
		free(dn);
		free(addr);
	}
	buf_append_str(out, "\r\n");
}

void mime_message_id(struct buf *out, const char *event_id, const char *domain)
{
	static const char atext[] = "!#$%&'*+-/?^_`{|}~";
	static const char hex[] = "0123456789ABCDEF";

	buf_append_char(out, '<');
	for (const unsigned char *p = (const unsigned char *)event_id; *p; p++) {
		int plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			    (*p >= '0' && *p <= '9') || (*p != 0 && strchr(atext, *p));

		if (plain) {
			buf_append_char(out, (char)*p);
		} else {
			char esc[3] = {'=', hex[*p >> 4], hex[*p & 15]};

			buf_append(out, esc, sizeof(esc));
		}
	}
	buf_printf(out, "@%s>", domain);
}

void mime_date(struct buf *out, time_t t)
{
	static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
	static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	struct tm tm;

	gmtime_r(&t, &tm);
	buf_printf(out, "%s, %d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday], tm.tm_mday,
		   months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* ---- bodies ------------------------------------------------------------- */

void mime_qp(struct buf *out, const char *s, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t col = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		int eol = i + 1 == len || s[i + 1] == '\r' || s[i + 1] == '\n';
		char tok[3] = {(char)c, 0, 0};
		size_t t = 1;

		if (c == '\r' || c == '\n') {
			if (c == '\r' && i + 1 < len && s[i + 1] == '\n')
				i++;
			buf_append_str(out, "\r\n");
			col = 0;
			continue;
		}
		/* Trailing white space would be stripped in transit: encode it. */
		if (!((c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !eol))) {
			tok[0] = '=';
			tok[1] = hex[c >> 4];
			tok[2] = hex[c & 15];
			t = 3;
		}
		/* Room for the "=" of a soft break, except on a line's last token. */
		if (col + t > (eol ? MIME_BODY_COLS : MIME_BODY_COLS - 1)) {
			buf_append_str(out, "=\r\n");
			col = 0;
		}
		buf_append(out, tok, t);
		col += t;
	}
}

void mime_base64(struct buf *out, const void *s, size_t len)
{
	const unsigned char *p = s;

	for (size_t off = 0; off < len; off += 57) {
		b64_append(out, p + off, len - off < 57 ? len - off : 57);
		buf_append_str(out, "\r\n");
	}
}

int mime_mostly_ascii(const char *s, size_t len)
{
	size_t high = 0;

	for (size_t i = 0; i < len; i++)
		high += (unsigned char)s[i] >= 0x80;
	return high <= len / 4;
}

/* LF, CR and CRLF all become CRLF; the result ends with CRLF. */
static char *crlf_normalise(const char *s, size_t *outlen)
{
	struct buf b;
	size_t len = strlen(s);

	buf_init(&b);
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\r' || s[i] == '\n') {
			if (s[i] == '\r' && i + 1 < len && s[i + 1] == '\n')
				i++;
			buf_append_str(&b, "\r\n");
		} else {
			buf_append_char(&b, s[i]);
		}
	}
	if (b.len < 2 || memcmp(b.data + b.len - 2, "\r\n", 2) != 0)
		buf_append_str(&b, "\r\n");
	*outlen = b.len;
	return buf_steal(&b);
}

/* Content headers, blank line and encoded body of one text part. */
static void mime_part(struct buf *out, const char *subtype, const char *text)
{
	size_t len;
	char *norm = crlf_normalise(text, &len);
	int qp = mime_mostly_ascii(norm, len);

	buf_printf(out, "Content-Type: text/%s; charset=UTF-8\r\n", subtype);
	buf_printf(out, "Content-Transfer-Encoding: %s\r\n\r\n",
		   qp ? "quoted-printable" : "base64");
	if (qp)
		mime_qp(out, norm, len);
	else
		mime_base64(out, norm, len);
	free(norm);
}

static void mime_headers(const struct mime_msg *m, struct buf *out)
{
	const char *const from[] = {m->from, NULL};

	buf_append_str(out, "Date: ");
	mime_date(out, m->date);
	buf_append_str(out, "\r\n");
	mime_header_addrs(out, "From", from);
	mime_header_addrs(out, "To", m->to);
	if (m->cc && m->cc[0])
		mime_header_addrs(out, "Cc", m->cc);
	mime_header_text(out, "Subject", m->subject);
	buf_append_str(out, "Message-ID: ");
	mime_message_id(out, m->event_id, m->id_domain);
	buf_append_str(out, "\r\nMIME-Version: 1.0\r\n");
	for (size_t i = 0; m->extra && m->extra[i]; i++) {
		if (strpbrk(m->extra[i], "\r\n") || !strchr(m->extra[i], ':'))
			continue; /* our own lines; never let one break the header */
		buf_append_str(out, m->extra[i]);
		buf_append_str(out, "\r\n");
	}
}

void mime_build(const struct mime_msg *m, struct buf *out)
{
	mime_headers(m, out);
	if (m->html == NULL) {
		mime_part(out, "plain", m->text ? m->text : "");
		return;
	}
	buf_append_str(out, "Content-Type: multipart/alternative; boundary=\"" BOUNDARY "\"\r\n\r\n"
			    "This is a multi-part message in MIME format.\r\n"
			    "--" BOUNDARY "\r\n");
	mime_part(out, "plain", m->text ? m->text : "");
	buf_append_str(out, "--" BOUNDARY "\r\n");
	mime_part(out, "html", m->html);
	buf_append_str(out, "--" BOUNDARY "--\r\n");
}
