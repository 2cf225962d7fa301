/*
 * notify/mime: the mail message builder and templates. Every built message
 * is checked line by line (CRLF only, header lines <= 78, encoded body
 * lines <= 76) and parsed by Python's email package (policy.default, run as
 * /usr/bin/python3), which must decode the exact UTF-8 subject and body.
 */
#include <check.h>
#include <jansson.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/xmalloc.h"
#include "notify/mime.h"
#include "tests/unit/testutil.h"

#define TITLE_ZH                                                                                              \
	"中华人民共和国外交部网络事务协调员在第六届世界互联网大会上的讲话：" \
	"携手构建网络空间命运共同体，尊重网络主权"
#define TITLE_RU                                                                                                                           \
	"Выступление Министра иностранных дел России С.В.Лаврова на Всемирной " \
	"интернет-конференции по вопросам международной информационной безопасности"

static const char py_parse[] =
    "import sys, json, email, email.policy\n"
    "raw = open(sys.argv[1], 'rb').read()\n"
    "m = email.message_from_bytes(raw, policy=email.policy.default)\n"
    "b = m.get_body(('plain',)); h = m.get_body(('html',))\n"
    "text = lambda p: p.get_content().replace('\\r\\n', '\\n') if p else None\n"
    "d = [str(x) for p in m.walk() for x in p.defects]\n"
    "print(json.dumps({'subject': str(m['subject']), 'from': str(m['from']),\n"
    "  'to': str(m['to']), 'cc': str(m['cc']) if m['cc'] else None,\n"
    "  'message_id': str(m['message-id']), 'date': str(m['date']),\n"
    "  'plain': text(b), 'html': text(h),\n"
    "  'cte': b['content-transfer-encoding'] if b else None,\n"
    "  'keys': list(m.keys()), 'defects': d}))\n";

/* Python's view of msg as a JSON object (caller decrefs). */
static json_t *py_view(const char *msg, size_t len)
{
	char path[] = "/tmp/sw-test-mime-XXXXXX";
	int fd = mkstemp(path);
	char *cmd;
	FILE *p;
	json_t *j;
	json_error_t e;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, msg, len), (ssize_t)len);
	close(fd);
	cmd = xasprintf("/usr/bin/python3 -c \"$SW_PY\" %s", path);
	setenv("SW_PY", py_parse, 1);
	p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	j = json_loadf(p, 0, &e);
	pclose(p);
	unlink(path);
	free(cmd);
	ck_assert_msg(j != NULL, "python parse failed: %s", e.text);
	return j;
}

static const char *jstr(json_t *j, const char *key)
{
	json_t *v = json_object_get(j, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

/*
 * CRLF only (no bare CR or LF), header lines within 78 columns, body lines
 * within 76 (both hold for everything we build). Returns the header count.
 */
static int check_lines(const char *msg, size_t len)
{
	int in_header = 1, headers = 0;
	size_t start = 0;

	for (size_t i = 0; i < len; i++) {
		size_t linelen;

		if (msg[i] == '\r')
			ck_assert_msg(i + 1 < len && msg[i + 1] == '\n', "bare CR at %zu", i);
		if (msg[i] != '\n')
			continue;
		ck_assert_msg(i > 0 && msg[i - 1] == '\r', "bare LF at byte %zu", i);
		linelen = i - 1 - start;
		if (in_header && linelen == 0)
			in_header = 0;
		else if (in_header)
			headers += msg[start] != ' ';
		ck_assert_msg(linelen <= (in_header ? MIME_HEADER_COLS : MIME_BODY_COLS),
			      "line of %zu columns: %.*s", linelen, (int)linelen, msg + start);
		start = i + 1;
	}
	ck_assert_msg(start == len, "message does not end with CRLF");
	return headers;
}

static char *build(const char *subject, const char *text, const char *html, struct buf *out)
{
	const char *const to[] = {"desk@example.org", "Анна Петрова <anna@example.org>", NULL};
	const char *const cc[] = {"\"Duty, Officer\" <duty@example.org>", NULL};
	const char *const extra[] = {"Auto-Submitted: auto-generated", "X-Bad: a\r\nBcc: x@y",
				     NULL};
	struct mime_msg m = {
	    .from = "Speechwatch <sw@example.org>",
	    .to = to,
	    .cc = cc,
	    .subject = subject,
	    .event_id = "evt_01JX7Q",
	    .id_domain = "example.org",
	    .date = 1572000000, /* 2019-10-25 10:40:00 UTC */
	    .text = text,
	    .html = html,
	    .extra = extra,
	};

	buf_init(out);
	mime_build(&m, out);
	return out->data;
}

START_TEST(subject_chinese_and_russian)
{
	const char *titles[] = {TITLE_ZH, TITLE_RU,
				"[speechwatch] " TITLE_ZH " — Cyber sovereignty"};

	for (size_t i = 0; i < sizeof(titles) / sizeof(titles[0]); i++) {
		struct buf b;
		json_t *j;

		build(titles[i], "Body.\n", NULL, &b);
		check_lines(b.data, b.len);
		ck_assert_ptr_nonnull(strstr(b.data, "Subject: =?UTF-8?B?"));
		ck_assert_ptr_nonnull(strstr(b.data, "?=\r\n =?UTF-8?B?")); /* folded */
		j = py_view(b.data, b.len);
		ck_assert_str_eq(jstr(j, "subject"), titles[i]);
		ck_assert_int_eq(json_array_size(json_object_get(j, "defects")), 0);
		json_decref(j);
		buf_free(&b);
	}
}
END_TEST

START_TEST(subject_ascii_folds_exactly)
{
	const char *s = "Remarks by the Spokesperson on the   Situation in the Region and the "
			"Outcome of the Ministerial Meeting on Cyber Security Cooperation";
	struct buf b;
	json_t *j;

	buf_init(&b);
	mime_header_text(&b, "Subject", s);
	ck_assert_ptr_null(strstr(b.data, "=?"));
	ck_assert_ptr_nonnull(strstr(b.data, "\r\n ")); /* folded, not encoded */
	buf_free(&b);
	build(s, "x", NULL, &b);
	check_lines(b.data, b.len);
	j = py_view(b.data, b.len);
	ck_assert_str_eq(jstr(j, "subject"), s);
	json_decref(j);
	buf_free(&b);
}
END_TEST

START_TEST(header_injection_blocked)
{
	struct buf b;
	json_t *j;
	char *keys;

	build("Hello\r\nBcc: victim@example.net\nX-Evil: 1", "x", NULL, &b);
	check_lines(b.data, b.len);
	ck_assert_ptr_null(strstr(b.data, "\r\nBcc:"));
	ck_assert_ptr_null(strstr(b.data, "\r\nX-Evil:"));
	ck_assert_ptr_null(strstr(b.data, "\r\nX-Bad:")); /* a broken extra line is dropped */
	j = py_view(b.data, b.len);
	ck_assert_str_eq(jstr(j, "subject"), "Hello  Bcc: victim@example.net X-Evil: 1");
	keys = json_dumps(json_object_get(j, "keys"), 0);
	ck_assert_ptr_nonnull(strstr(keys, "Auto-Submitted"));
	free(keys);
	json_decref(j);
	buf_free(&b);
	/* "=?" in a plain title must not be read as an encoded-word. */
	build("a =?UTF-8?B?QUJD?= b", "x", NULL, &b);
	j = py_view(b.data, b.len);
	ck_assert_str_eq(jstr(j, "subject"), "a =?UTF-8?B?QUJD?= b");
	json_decref(j);
	buf_free(&b);
}
END_TEST

START_TEST(addresses_and_ids)
{
	struct buf b;
	json_t *j;
	char *n, *a;

	build("t", "x", NULL, &b);
	ck_assert_ptr_nonnull(strstr(b.data, "\r\nMessage-ID: <evt_01JX7Q@example.org>\r\n"));
	ck_assert_ptr_nonnull(strstr(b.data, "Date: Fri, 25 Oct 2019 10:40:00 +0000\r\n"));
	ck_assert_ptr_nonnull(strstr(b.data, "\r\nMIME-Version: 1.0\r\n"));
	j = py_view(b.data, b.len);
	ck_assert_str_eq(jstr(j, "from"), "Speechwatch <sw@example.org>");
	ck_assert_str_eq(jstr(j, "to"), "desk@example.org, Анна Петрова <anna@example.org>");
	ck_assert_str_eq(jstr(j, "cc"), "\"Duty, Officer\" <duty@example.org>");
	ck_assert_str_eq(jstr(j, "message_id"), "<evt_01JX7Q@example.org>");
	json_decref(j);
	buf_free(&b);

	buf_init(&b);
	mime_message_id(&b, "a<b>.c=d@e", "h.example");
	ck_assert_str_eq(b.data, "<a=3Cb=3E=2Ec=3Dd=40e@h.example>");
	buf_free(&b);

	ck_assert_int_eq(mime_mailbox_parse(" Desk <desk@example.org> ", &n, &a), 0);
	ck_assert_str_eq(n, "Desk");
	ck_assert_str_eq(a, "desk@example.org");
	free(n);
	free(a);
	ck_assert_int_eq(mime_mailbox_parse("desk@example.org", &n, &a), 0);
	ck_assert_ptr_null(n);
	free(a);
	ck_assert_int_eq(mime_mailbox_parse("no-at-sign", &n, &a), -1);
	ck_assert_int_eq(mime_mailbox_parse("a@b\r\nBcc: c@d", &n, &a), -1);
	ck_assert_int_eq(mime_mailbox_parse("X <a b@c>", &n, &a), -1);
}
END_TEST

/* Every encoded line of a body within 76 columns, and the text comes back exactly. */
START_TEST(quoted_printable_body)
{
	struct buf b, text;
	json_t *j;

	buf_init(&text);
	buf_append_str(&text, "Line with trailing space \nTab\tend\t\n=equals= and .dot\n");
	for (int i = 0; i < 30; i++)
		buf_append_str(&text, "A long English paragraph about cyber sovereignty ");
	buf_append_str(&text, "\nCafé — naïve ≠ 网络\n.leading dot\nlast line without newline");
	build("qp", text.data, NULL, &b);
	check_lines(b.data, b.len);
	ck_assert_ptr_nonnull(strstr(b.data, "Content-Transfer-Encoding: quoted-printable"));
	ck_assert_ptr_nonnull(strstr(b.data, "space=20\r\n"));
	ck_assert_ptr_nonnull(strstr(b.data, "end=09\r\n"));
	j = py_view(b.data, b.len);
	buf_append_char(&text, '\n');
	ck_assert_str_eq(jstr(j, "plain"), text.data);
	json_decref(j);
	buf_free(&b);
	buf_free(&text);
}
END_TEST

START_TEST(base64_for_mostly_non_ascii)
{
	struct buf b, text;
	json_t *j;

	buf_init(&text);
	for (int i = 0; i < 20; i++)
		buf_append_str(&text, TITLE_RU "\n" TITLE_ZH "\n");
	ck_assert_int_eq(mime_mostly_ascii(text.data, text.len), 0);
	ck_assert_int_eq(mime_mostly_ascii("plain english é", 16), 1);
	build(TITLE_RU, text.data, NULL, &b);
	check_lines(b.data, b.len);
	ck_assert_ptr_nonnull(strstr(b.data, "Content-Transfer-Encoding: base64"));
	j = py_view(b.data, b.len);
	ck_assert_str_eq(jstr(j, "plain"), text.data);
	ck_assert_str_eq(jstr(j, "cte"), "base64");
	json_decref(j);
	buf_free(&b);
	buf_free(&text);
}
END_TEST

START_TEST(multipart_alternative)
{
	struct buf b;
	json_t *j;

	build(TITLE_ZH, "Evidence: 尊重网络主权\n",
	      "<p>Evidence: <b>尊重网络主权</b></p>\n<p>--=_speechwatch_alt</p>", &b);
	check_lines(b.data, b.len);
	ck_assert_ptr_nonnull(strstr(b.data, "multipart/alternative"));
	j = py_view(b.data, b.len);
	ck_assert_str_eq(jstr(j, "plain"), "Evidence: 尊重网络主权\n");
	ck_assert_ptr_nonnull(strstr(jstr(j, "html"), "<b>尊重网络主权</b>"));
	ck_assert_ptr_nonnull(strstr(jstr(j, "html"), "<p>--=_speechwatch_alt</p>"));
	ck_assert_int_eq(json_array_size(json_object_get(j, "defects")), 0);
	json_decref(j);
	buf_free(&b);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("mime");
	TCase *tc = tcase_create("mime");

	tcase_add_test(tc, subject_chinese_and_russian);
	tcase_add_test(tc, subject_ascii_folds_exactly);
	tcase_add_test(tc, header_injection_blocked);
	tcase_add_test(tc, addresses_and_ids);
	tcase_add_test(tc, quoted_printable_body);
	tcase_add_test(tc, base64_for_mostly_non_ascii);
	tcase_add_test(tc, multipart_alternative);
	suite_add_tcase(s, tc);
	return testutil_run(s);
}
