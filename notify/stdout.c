/*
 * notify/stdout: the "stdout" backend, the default channel when none is
 * configured. Each event becomes exactly one line on standard output, so
 * `speechwatch run | jq -c .` and line-oriented tools work. The write runs
 * from the loop (a 0-second timer), never inside notify_send().
 */
#include "notify/notify_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/xmalloc.h"

/*
 * One line: line breaks outside JSON strings are insignificant whitespace
 * and dropped with the indentation after them; raw ones inside strings
 * (invalid JSON, but never split the line) become \n or \r escapes. A body
 * without line breaks is written byte-for-byte.
 */
static void stdout_one_line(struct buf *out, const char *s, size_t len)
{
	int in_str = 0, esc = 0, skip_ws = 0;

	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (c == '\n' || c == '\r') {
			if (in_str)
				buf_append_str(out, c == '\n' ? "\\n" : "\\r");
			skip_ws = !in_str;
			esc = 0;
			continue;
		}
		if (skip_ws && (c == ' ' || c == '\t'))
			continue;
		skip_ws = 0;
		if (in_str && esc)
			esc = 0;
		else if (in_str && c == '\\')
			esc = 1;
		else if (c == '"')
			in_str = !in_str;
		buf_append_char(out, c);
	}
}

/* Writes all of b to fd 1; 0, or -1 with errno. */
static int stdout_write_all(const char *b, size_t len)
{
	while (len > 0) {
		ssize_t n = write(STDOUT_FILENO, b, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		b += n;
		len -= (size_t)n;
	}
	return 0;
}

/* ev_timer callback: the deferred write of one event. */
static void stdout_fire(struct ev_loop *loop, struct ev_timer *t, int revents)
{
	struct notify_pending *p = t->data;
	struct notify_outcome o = {.verdict = NOTIFY_DELIVERED, .detail = "written to stdout"};
	struct buf line, detail;

	(void)revents;
	ev_timer_stop(loop, t);
	buf_init(&line);
	buf_init(&detail);
	if (memchr(p->body, '\n', p->len) || memchr(p->body, '\r', p->len))
		stdout_one_line(&line, p->body, p->len);
	else
		buf_append(&line, p->body, p->len);
	buf_append_char(&line, '\n');
	fflush(stdout); /* keep order with anything the process printed through stdio */
	if (stdout_write_all(line.data, line.len) < 0) {
		buf_printf(&detail, "stdout: %s", strerror(errno));
		o.verdict = NOTIFY_RETRY;
		o.detail = buf_str(&detail);
	}
	notify_finish(p, &o);
	buf_free(&line);
	buf_free(&detail);
}

static int stdout_send(struct notify_channel *ch, struct notify_pending *p, const char *event_id,
		       const char *body, size_t len, char *err, size_t errlen)
{
	(void)event_id;
	(void)err;
	(void)errlen;
	p->body = xmalloc(len + 1);
	memcpy(p->body, body, len);
	p->body[len] = '\0';
	p->len = len;
	ev_timer_init(&p->defer, stdout_fire, 0., 0.);
	p->defer.data = p;
	ev_timer_start(ch->loop, &p->defer);
	return 0;
}

static void stdout_cancel(struct notify_channel *ch, struct notify_pending *p)
{
	ev_timer_stop(ch->loop, &p->defer);
	notify_finish_cancelled(p);
}

const struct notify_backend notify_stdout_backend = {
    .name = "stdout",
    .send = stdout_send,
    .cancel = stdout_cancel,
};
