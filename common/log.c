#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/printable.h"
#include "common/urlcred.h"

static int log_debug_on;

void log_init(int debug)
{
	const char *env = getenv("SPEECHWATCH_LOG");

	log_debug_on = debug || (env && strcmp(env, "debug") == 0);
}

int log_is_debug(void)
{
	return log_debug_on;
}

/*
 * Every line is made printable as a whole, whatever its arguments were: a
 * caller that forgot log_esc() must not let a title's ESC[2J, C1 control or
 * U+202E reach the journal or a terminal tailing it. Likewise a URL's
 * password never reaches the log, whoever formatted the URL.
 */
static void log_vwrite(int prio, const char *fmt, va_list ap, const char *suffix)
{
	char line[2048];
	char *redacted;
	const char *text = line;
	struct buf safe;

	vsnprintf(line, sizeof(line), fmt, ap);
	/* One line per event: a stray newline in a message must not split it. */
	for (char *p = line; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	redacted = urlcred_redact(line);
	if (redacted)
		text = redacted;
	buf_init(&safe);
	if (!printable_is_clean(text, strlen(text), 0)) {
		printable_append(&safe, text, strlen(text), 0);
		text = buf_str(&safe);
	}
	if (suffix)
		fprintf(stderr, "<%d>%s: %s\n", prio, text, suffix);
	else
		fprintf(stderr, "<%d>%s\n", prio, text);
	fflush(stderr);
	buf_free(&safe);
	free(redacted);
}

#define LOG_BODY(prio, suffix)                                                                     \
	do {                                                                                       \
		va_list ap;                                                                        \
		va_start(ap, fmt);                                                                 \
		log_vwrite(prio, fmt, ap, suffix);                                                 \
		va_end(ap);                                                                        \
	} while (0)

void log_warn(const char *fmt, ...)
{
	const char *e = strerror(errno);

	LOG_BODY(LOG_LVL_WARNING, e);
}

void log_warnx(const char *fmt, ...)
{
	LOG_BODY(LOG_LVL_WARNING, NULL);
}

void log_err(const char *fmt, ...)
{
	LOG_BODY(LOG_LVL_ERR, NULL);
}

void log_info(const char *fmt, ...)
{
	LOG_BODY(LOG_LVL_INFO, NULL);
}

void log_debug(const char *fmt, ...)
{
	if (!log_debug_on)
		return;
	LOG_BODY(LOG_LVL_DEBUG, NULL);
}

void fatal(const char *fmt, ...)
{
	const char *e = strerror(errno);

	LOG_BODY(2, e);
	exit(1);
}

void fatalx(const char *fmt, ...)
{
	LOG_BODY(2, NULL);
	exit(1);
}

const char *log_esc(const char *s, size_t max)
{
	static char ring[4][1024];
	static int next;
	char *out = ring[next];
	size_t o = 0, i;

	next = (next + 1) % 4;
	if (s == NULL)
		return "(null)";
	if (max > 240)
		max = 240; /* 4 output bytes per input byte must fit */
	for (i = 0; s[i] && i < max; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f || c == '\\' || c == '"')
			o += (size_t)snprintf(out + o, 1024 - o, "\\x%02x", c);
		else
			out[o++] = (char)c;
	}
	if (s[i] && o + 4 < 1024) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
	return out;
}
