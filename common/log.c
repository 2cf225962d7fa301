#include "log.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/printable.h"
#include "common/urlcred.h"

static int log_debug_on;

/*
 * Held lines (log_hold): info and debug lines of one loop iteration written
 * together. A quiet poll's line was a write(2) of its own to journald's
 * socket or a pipe — about a third of a quiet poll's CPU (issue 13).
 */
static int log_held;
static char held[16384];
static size_t nheld;

/* The store thread (daemon/store_jobs) logs too: the held lines are shared. */
static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;

static void flush_locked(void)
{
	if (nheld > 0) {
		fwrite(held, 1, nheld, stderr);
		nheld = 0;
	}
	fflush(stderr);
}

void log_flush(void)
{
	pthread_mutex_lock(&log_mu);
	flush_locked();
	pthread_mutex_unlock(&log_mu);
}

void log_hold(int on)
{
	static int registered;

	log_flush();
	log_held = on;
	if (on && !registered)
		registered = atexit(log_flush) == 0; /* an exit() elsewhere loses no held line */
}

/* Holds the line when lines are held and it is not a warning or worse; else writes all. */
static void log_emit(int prio, const char *line, const char *suffix)
{
	char out[sizeof(held)];
	int n = suffix ? snprintf(out, sizeof(out), "<%d>%s: %s\n", prio, line, suffix)
		       : snprintf(out, sizeof(out), "<%d>%s\n", prio, line);

	if (n < 0)
		return;
	if ((size_t)n >= sizeof(out))
		n = (int)sizeof(out) - 1; /* cut, but still one line */
	if (n > 0 && out[n - 1] != '\n')
		out[n - 1] = '\n';
	pthread_mutex_lock(&log_mu);
	if (nheld + (size_t)n > sizeof(held))
		flush_locked();
	memcpy(held + nheld, out, (size_t)n);
	nheld += (size_t)n;
	if (!log_held || prio <= LOG_LVL_WARNING)
		flush_locked();
	pthread_mutex_unlock(&log_mu);
}

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
	log_emit(prio, text, suffix);
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
