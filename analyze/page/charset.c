/*
 * Charset detection and conversion to UTF-8 (see charset.h). Labels follow
 * the WHATWG Encoding Standard where it differs from iconv: latin1 and ascii
 * mean windows-1252, gb2312 and gbk mean GB18030, shift_jis means CP932.
 */
#include <errno.h>
#include <stdint.h>
#include <iconv.h>
#include <string.h>
#include <strings.h>

#include "analyze/page/bytes.h"
#include "analyze/page/charset.h"
#include "common/utf8.h"

#define META_SCAN_BYTES 4096
#define XML_DECL_BYTES 256
#define LABEL_MAX 40

struct label {
	const char *label;
	const char *name;
};

/* Lower-case labels; several map to one canonical iconv name. */
static const struct label labels[] = {
    {"utf-8", "UTF-8"},
    {"utf8", "UTF-8"},
    {"unicode-1-1-utf-8", "UTF-8"},
    {"unicode11utf8", "UTF-8"},
    {"unicode20utf8", "UTF-8"},
    {"x-unicode20utf8", "UTF-8"},
    {"utf-16", "UTF-16LE"},
    {"utf-16le", "UTF-16LE"},
    {"unicode", "UTF-16LE"},
    {"ucs-2", "UTF-16LE"},
    {"utf-16be", "UTF-16BE"},
    {"unicodefffe", "UTF-16BE"},
    {"gb2312", "GB18030"},
    {"gbk", "GB18030"},
    {"gb18030", "GB18030"},
    {"x-gbk", "GB18030"},
    {"cp936", "GB18030"},
    {"ms936", "GB18030"},
    {"windows-936", "GB18030"},
    {"chinese", "GB18030"},
    {"csgb2312", "GB18030"},
    {"iso-ir-58", "GB18030"},
    {"gb_2312", "GB18030"},
    {"gb_2312-80", "GB18030"},
    {"euc-cn", "GB18030"},
    {"hz-gb-2312", "HZ"},
    {"big5", "BIG5-HKSCS"},
    {"big5-hkscs", "BIG5-HKSCS"},
    {"cn-big5", "BIG5-HKSCS"},
    {"csbig5", "BIG5-HKSCS"},
    {"x-x-big5", "BIG5-HKSCS"},
    {"cp950", "BIG5-HKSCS"},
    {"shift_jis", "CP932"},
    {"shift-jis", "CP932"},
    {"sjis", "CP932"},
    {"x-sjis", "CP932"},
    {"ms_kanji", "CP932"},
    {"ms932", "CP932"},
    {"cp932", "CP932"},
    {"windows-31j", "CP932"},
    {"csshiftjis", "CP932"},
    {"csWindows31J", "CP932"},
    {"euc-jp", "EUC-JP"},
    {"x-euc-jp", "EUC-JP"},
    {"cseucpkdfmtjapanese", "EUC-JP"},
    {"iso-2022-jp", "ISO-2022-JP"},
    {"csiso2022jp", "ISO-2022-JP"},
    {"euc-kr", "CP949"},
    {"ks_c_5601-1987", "CP949"},
    {"ks_c_5601-1989", "CP949"},
    {"ksc5601", "CP949"},
    {"ksc_5601", "CP949"},
    {"korean", "CP949"},
    {"windows-949", "CP949"},
    {"cp949", "CP949"},
    {"cseuckr", "CP949"},
    {"koi8-r", "KOI8-R"},
    {"koi8r", "KOI8-R"},
    {"koi8", "KOI8-R"},
    {"koi", "KOI8-R"},
    {"cskoi8r", "KOI8-R"},
    {"koi8-u", "KOI8-U"},
    {"koi8-ru", "KOI8-U"},
    {"ibm866", "CP866"},
    {"cp866", "CP866"},
    {"866", "CP866"},
    {"us-ascii", "WINDOWS-1252"},
    {"ascii", "WINDOWS-1252"},
    {"ansi_x3.4-1968", "WINDOWS-1252"},
    {"iso-8859-1", "WINDOWS-1252"},
    {"iso8859-1", "WINDOWS-1252"},
    {"iso88591", "WINDOWS-1252"},
    {"iso_8859-1", "WINDOWS-1252"},
    {"latin1", "WINDOWS-1252"},
    {"l1", "WINDOWS-1252"},
    {"cp1252", "WINDOWS-1252"},
    {"windows-1252", "WINDOWS-1252"},
    {"x-cp1252", "WINDOWS-1252"},
    {"cp819", "WINDOWS-1252"},
    {"ibm819", "WINDOWS-1252"},
    {"iso-8859-2", "ISO-8859-2"},
    {"latin2", "ISO-8859-2"},
    {"iso-8859-3", "ISO-8859-3"},
    {"iso-8859-4", "ISO-8859-4"},
    {"iso-8859-5", "ISO-8859-5"},
    {"cyrillic", "ISO-8859-5"},
    {"iso-8859-6", "ISO-8859-6"},
    {"arabic", "ISO-8859-6"},
    {"iso-8859-7", "ISO-8859-7"},
    {"greek", "ISO-8859-7"},
    {"iso-8859-8", "ISO-8859-8"},
    {"iso-8859-8-i", "ISO-8859-8"},
    {"hebrew", "ISO-8859-8"},
    {"iso-8859-9", "WINDOWS-1254"},
    {"latin5", "WINDOWS-1254"},
    {"iso-8859-10", "ISO-8859-10"},
    {"iso-8859-11", "CP874"},
    {"tis-620", "CP874"},
    {"windows-874", "CP874"},
    {"iso-8859-13", "ISO-8859-13"},
    {"iso-8859-14", "ISO-8859-14"},
    {"iso-8859-15", "ISO-8859-15"},
    {"latin9", "ISO-8859-15"},
    {"iso-8859-16", "ISO-8859-16"},
    {"windows-1250", "WINDOWS-1250"},
    {"cp1250", "WINDOWS-1250"},
    {"windows-1251", "WINDOWS-1251"},
    {"cp1251", "WINDOWS-1251"},
    {"windows-1253", "WINDOWS-1253"},
    {"cp1253", "WINDOWS-1253"},
    {"windows-1254", "WINDOWS-1254"},
    {"cp1254", "WINDOWS-1254"},
    {"windows-1255", "WINDOWS-1255"},
    {"cp1255", "WINDOWS-1255"},
    {"windows-1256", "WINDOWS-1256"},
    {"cp1256", "WINDOWS-1256"},
    {"windows-1257", "WINDOWS-1257"},
    {"cp1257", "WINDOWS-1257"},
    {"windows-1258", "WINDOWS-1258"},
    {"cp1258", "WINDOWS-1258"},
    {"macintosh", "MACINTOSH"},
    {"mac", "MACINTOSH"},
    {"x-mac-roman", "MACINTOSH"},
    {"x-mac-cyrillic", "MAC-CYRILLIC"},
    {"x-mac-ukrainian", "MAC-CYRILLIC"},
};

static unsigned char lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

const char *charset_from_label(const char *label, size_t len)
{
	char norm[LABEL_MAX + 1];
	size_t n = 0;

	if (label == NULL)
		return NULL;
	while (len > 0 && (bytes_is_html_space(label[0]) || label[0] == '"' || label[0] == '\'')) {
		label++;
		len--;
	}
	while (len > 0 && (bytes_is_html_space(label[len - 1]) || label[len - 1] == '"' ||
			   label[len - 1] == '\''))
		len--;
	if (len == 0 || len > LABEL_MAX)
		return NULL;
	for (n = 0; n < len; n++)
		norm[n] = (char)lower((unsigned char)label[n]);
	norm[n] = '\0';
	for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++)
		if (strcasecmp(norm, labels[i].label) == 0)
			return labels[i].name;
	return NULL;
}

const char *charset_from_bom(const char *data, size_t len, size_t *bom_len)
{
	const unsigned char *p = (const unsigned char *)data;

	*bom_len = 0;
	if (len >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF) {
		*bom_len = 3;
		return "UTF-8";
	}
	if (len >= 2 && p[0] == 0xFF && p[1] == 0xFE) {
		*bom_len = 2;
		return "UTF-16LE";
	}
	if (len >= 2 && p[0] == 0xFE && p[1] == 0xFF) {
		*bom_len = 2;
		return "UTF-16BE";
	}
	return NULL;
}

/* "<?xml" written in UTF-16 without a BOM (XML 1.0 appendix F). */
static const char *utf16_without_bom(const char *data, size_t len)
{
	if (len >= 4 && memcmp(data, "<\0?\0", 4) == 0)
		return "UTF-16LE";
	if (len >= 4 && memcmp(data, "\0<\0?", 4) == 0)
		return "UTF-16BE";
	return NULL;
}

/*
 * The value after "charset" in s[0..n) ("text/html; charset=gbk" or a meta
 * content attribute), as a canonical name, or NULL.
 */
static const char *charset_param(const char *s, size_t n)
{
	size_t i = 0;

	while (i + 7 <= n) {
		size_t j, start;

		if (strncasecmp(s + i, "charset", 7) != 0) {
			i++;
			continue;
		}
		j = i + 7;
		while (j < n && bytes_is_html_space((unsigned char)s[j]))
			j++;
		if (j >= n || s[j] != '=') {
			i += 7;
			continue;
		}
		j++;
		while (j < n && bytes_is_html_space((unsigned char)s[j]))
			j++;
		if (j < n && (s[j] == '"' || s[j] == '\'')) {
			char q = s[j++];

			start = j;
			while (j < n && s[j] != q)
				j++;
		} else {
			start = j;
			while (j < n && s[j] != ';' && !bytes_is_html_space((unsigned char)s[j]))
				j++;
		}
		return charset_from_label(s + start, j - start);
	}
	return NULL;
}

const char *charset_from_content_type(const char *content_type)
{
	if (content_type == NULL)
		return NULL;
	return charset_param(content_type, strlen(content_type));
}

struct attr {
	const char *name, *value;
	size_t name_len, value_len;
};

/*
 * Reads one attribute at p[*i] (WHATWG "get an attribute"). Returns 0 and
 * fills a, or -1 at the tag's end ('>' or the end of input).
 */
static int attr_next(const char *p, size_t n, size_t *i, struct attr *a)
{
	size_t j = *i;

	while (j < n && (bytes_is_html_space((unsigned char)p[j]) || p[j] == '/'))
		j++;
	if (j >= n || p[j] == '>') {
		*i = j;
		return -1;
	}
	a->name = p + j;
	while (j < n && p[j] != '=' && p[j] != '>' && p[j] != '/' &&
	       !bytes_is_html_space((unsigned char)p[j]))
		j++;
	a->name_len = (size_t)(p + j - a->name);
	a->value = p + j;
	a->value_len = 0;
	while (j < n && bytes_is_html_space((unsigned char)p[j]))
		j++;
	if (j < n && p[j] == '=') {
		j++;
		while (j < n && bytes_is_html_space((unsigned char)p[j]))
			j++;
		if (j < n && (p[j] == '"' || p[j] == '\'')) {
			char q = p[j++];

			a->value = p + j;
			while (j < n && p[j] != q)
				j++;
			a->value_len = (size_t)(p + j - a->value);
			if (j < n)
				j++;
		} else {
			a->value = p + j;
			while (j < n && p[j] != '>' && !bytes_is_html_space((unsigned char)p[j]))
				j++;
			a->value_len = (size_t)(p + j - a->value);
		}
	}
	*i = j;
	return 0;
}

static int attr_is(const struct attr *a, const char *name)
{
	return bytes_name_is(a->name, a->name_len, name);
}

/* A label found in a document written in an ASCII-compatible encoding cannot be UTF-16. */
static const char *ascii_compatible(const char *name)
{
	if (name != NULL && strncmp(name, "UTF-16", 6) == 0)
		return "UTF-8";
	return name;
}

/* The charset a <meta> tag starting at p[*i] (just after "<meta") declares, or NULL. */
static const char *meta_tag(const char *p, size_t n, size_t *i)
{
	struct attr a;
	const char *from_charset = NULL, *from_content = NULL;
	int pragma = 0;

	while (attr_next(p, n, i, &a) == 0) {
		if (attr_is(&a, "charset") && from_charset == NULL)
			from_charset = charset_from_label(a.value, a.value_len);
		else if (attr_is(&a, "http-equiv"))
			pragma = a.value_len == 12 && strncasecmp(a.value, "content-type", 12) == 0;
		else if (attr_is(&a, "content") && from_content == NULL)
			from_content = charset_param(a.value, a.value_len);
	}
	if (from_charset != NULL)
		return ascii_compatible(from_charset);
	if (pragma && from_content != NULL)
		return ascii_compatible(from_content);
	return NULL;
}

const char *charset_from_meta(const char *data, size_t len)
{
	size_t n = len < META_SCAN_BYTES ? len : META_SCAN_BYTES;
	size_t i = 0;
	struct attr a;

	while (i < n) {
		const char *cs;

		if (data[i] != '<') {
			i++;
		} else if (n - i >= 4 && memcmp(data + i, "<!--", 4) == 0) {
			i = bytes_skip_past(data, n, i + 2, "-->");
		} else if (n - i >= 6 && strncasecmp(data + i + 1, "meta", 4) == 0 &&
			   (bytes_is_html_space((unsigned char)data[i + 5]) ||
			    data[i + 5] == '/')) {
			i += 5;
			if ((cs = meta_tag(data, n, &i)) != NULL)
				return cs;
		} else if (n - i >= 2 &&
			   (bytes_is_letter(data[i + 1]) ||
			    (data[i + 1] == '/' && n - i >= 3 && bytes_is_letter(data[i + 2])))) {
			i += 2;
			while (i < n && !bytes_is_html_space((unsigned char)data[i]) &&
			       data[i] != '>')
				i++;
			while (attr_next(data, n, &i, &a) == 0)
				;
		} else if (n - i >= 2 && strchr("!/?", data[i + 1]) != NULL) {
			i = bytes_skip_past(data, n, i + 1, ">");
		} else {
			i++;
		}
	}
	return NULL;
}

const char *charset_from_xml_decl(const char *data, size_t len)
{
	size_t bom, n, i = 5;
	struct attr a;

	charset_from_bom(data, len, &bom);
	data += bom;
	len -= bom;
	n = len < XML_DECL_BYTES ? len : XML_DECL_BYTES;
	if (n < 6 || memcmp(data, "<?xml", 5) != 0 || !bytes_is_html_space((unsigned char)data[5]))
		return NULL;
	while (i < n && data[i] != '?' && attr_next(data, n, &i, &a) == 0)
		if (attr_is(&a, "encoding"))
			return ascii_compatible(charset_from_label(a.value, a.value_len));
	return NULL;
}

/* What a pass over the bytes found. */
struct utf8_facts {
	int valid;	  /* entirely valid UTF-8 */
	int nul;	  /* a NUL byte among them */
	size_t multibyte; /* valid non-ASCII sequences */
};

#define HIGH_BITS 0x8080808080808080u

/* The offset of the first byte of w (as loaded) with its high bit set; there is one. */
static size_t first_high_byte(uint64_t w)
{
#if defined(__GNUC__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return (size_t)__builtin_ctzll(w & HIGH_BITS) / 8;
#else
	unsigned char b[8];
	size_t k = 0;

	memcpy(b, &w, sizeof(b));
	while (b[k] < 0x80)
		k++;
	return k;
#endif
}

/* How many bytes at the start of p[0..n) are ASCII, read a word at a time. */
static size_t ascii_run(const unsigned char *p, size_t n)
{
	size_t i = 0;
	uint64_t w[4];

	while (n - i >= sizeof(w)) {
		memcpy(w, p + i, sizeof(w));
		if (((w[0] | w[1] | w[2] | w[3]) & HIGH_BITS) != 0)
			break;
		i += sizeof(w);
	}
	while (n - i >= 8) {
		memcpy(w, p + i, 8);
		if ((w[0] & HIGH_BITS) != 0)
			return i + first_high_byte(w[0]);
		i += 8;
	}
	while (i < n && p[i] < 0x80)
		i++;
	return i;
}

/*
 * One pass over the bytes, a word at a time through ASCII: whether they are
 * valid UTF-8 and how many multi-byte sequences they hold; then whether a
 * NUL is among them (memchr is faster than testing for it here).
 */
static void utf8_scan(const char *data, size_t len, struct utf8_facts *out)
{
	const unsigned char *p = (const unsigned char *)data;
	size_t i = 0, k;

	out->valid = 1;
	out->multibyte = 0;
	while ((i += ascii_run(p + i, len - i)) < len) {
		k = utf8_seq(p + i, len - i);
		if (k == 0) {
			out->valid = 0;
			k = 1;
		} else {
			out->multibyte++;
		}
		i += k;
	}
	out->nul = memchr(data, '\0', len) != NULL;
}

int charset_is_utf8(const char *data, size_t len, size_t *multibyte)
{
	struct utf8_facts u;

	utf8_scan(data, len, &u);
	if (multibyte != NULL)
		*multibyte = u.multibyte;
	return u.valid;
}

/*
 * A declaration is a claim; the bytes are evidence. Without a declaration,
 * valid UTF-8 is UTF-8 and anything else windows-1252. A UTF-8 claim over
 * bytes with no valid multi-byte sequence at all is a Latin-1 page
 * mislabelled. Any other claim over valid UTF-8 that has non-ASCII
 * sequences is a stale label (a server's default charset, a template that
 * kept "gbk" after the site moved to UTF-8): text in a legacy encoding is
 * almost never valid UTF-8 by accident. u receives what the scan found.
 */
static const char *settle(const char *name, const char *data, size_t len, struct utf8_facts *u)
{
	utf8_scan(data, len, u);
	if (name == NULL)
		return u->valid ? "UTF-8" : "WINDOWS-1252";
	if (strcmp(name, "UTF-8") == 0)
		return u->valid || u->multibyte > 0 ? "UTF-8" : "WINDOWS-1252";
	return u->valid && u->multibyte > 0 ? "UTF-8" : name;
}

/* The charset named by the override, a BOM or UTF-16 "<?xml", or NULL. */
static const char *overridden(const char *data, size_t len, const char *override, size_t *bom_len)
{
	const char *name = charset_from_label(override, override ? strlen(override) : 0);
	const char *bom = charset_from_bom(data, len, bom_len);

	if (name != NULL) {
		if (bom == NULL || strcmp(bom, name) != 0)
			*bom_len = 0;
		return name;
	}
	if (bom != NULL)
		return bom;
	return utf16_without_bom(data, len);
}

const char *charset_detect(const char *data, size_t len, const char *content_type,
			   const char *override, int skip_meta, size_t *bom_len, int *as_is)
{
	const char *name = overridden(data, len, override, bom_len);
	struct utf8_facts u = {0, 0, 0};

	if (name == NULL) {
		name = charset_from_content_type(content_type);
		if (name == NULL && !skip_meta)
			name = charset_from_meta(data, len);
		if (name == NULL)
			name = charset_from_xml_decl(data, len);
		if (name == NULL || strncmp(name, "UTF-16", 6) != 0)
			name = settle(name, data, len, &u);
	} else if (strcmp(name, "UTF-8") == 0) {
		utf8_scan(data + *bom_len, len - *bom_len, &u);
	}
	*as_is = strcmp(name, "UTF-8") == 0 && u.valid && !u.nul;
	return name;
}

static void append_replacement(struct buf *out)
{
	buf_append(out, "\xEF\xBF\xBD", 3);
}

/* Appends s[0..n), each NUL as U+FFFD. */
static void append_no_nul(struct buf *out, const char *s, size_t n)
{
	const char *nul;

	while (n > 0 && (nul = memchr(s, '\0', n)) != NULL) {
		buf_append(out, s, (size_t)(nul - s));
		append_replacement(out);
		n -= (size_t)(nul - s) + 1;
		s = nul + 1;
	}
	buf_append(out, s, n);
}

/* UTF-8 to UTF-8: glibc's iconv passes code points past U+10FFFF, so check here. */
static int utf8_copy(const char *data, size_t len, size_t max_out, struct buf *out)
{
	const unsigned char *p = (const unsigned char *)data;
	size_t i = 0, run = 0, k;

	while ((i += ascii_run(p + i, len - i)) < len) {
		k = utf8_seq(p + i, len - i);
		if (k > 0) {
			i += k;
			continue;
		}
		append_no_nul(out, data + run, i - run);
		append_replacement(out);
		run = ++i;
		if (out->len > max_out)
			return -1;
	}
	append_no_nul(out, data + run, i - run);
	return out->len > max_out ? -1 : 0;
}

static int iconv_copy(iconv_t cd, const char *data, size_t len, size_t unit, size_t max_out,
		      struct buf *out)
{
	char chunk[16384];
	char *in = (char *)(uintptr_t)data;
	size_t left = len;

	while (left > 0) {
		char *o = chunk;
		size_t room = sizeof(chunk);
		size_t r = iconv(cd, &in, &left, &o, &room);
		int e = errno;

		append_no_nul(out, chunk, (size_t)(o - chunk));
		if (out->len > max_out)
			return -1;
		if (r != (size_t)-1 || e == E2BIG)
			continue;
		append_replacement(out);
		if (e != EILSEQ)
			break; /* EINVAL: truncated sequence at the end */
		unit = unit < left ? unit : left;
		in += unit;
		left -= unit;
	}
	return out->len > max_out ? -1 : 0;
}

int charset_to_utf8(const char *data, size_t len, const char *charset, size_t max_out,
		    struct buf *out)
{
	iconv_t cd;
	size_t unit = strncmp(charset, "UTF-16", 6) == 0 ? 2 : 1;
	int rc;

	if (strcmp(charset, "UTF-8") == 0)
		return utf8_copy(data, len, max_out, out);
	cd = iconv_open("UTF-8", charset);
	if (cd == (iconv_t)-1)
		return -1;
	rc = iconv_copy(cd, data, len, unit, max_out, out);
	if (rc == 0) {
		char tail[64], *o = tail;
		size_t room = sizeof(tail);

		iconv(cd, NULL, NULL, &o, &room);
		append_no_nul(out, tail, (size_t)(o - tail));
	}
	iconv_close(cd);
	return rc;
}
