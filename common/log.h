/*
 * One logging API for the daemon. Lines go to stderr with a journald priority
 * prefix ("<3>" ...) so systemd files them at the right level. Only daemon/
 * and fetch/ log; config/ and analyze/ return errors as text instead.
 */
#ifndef SW_LOG_H
#define SW_LOG_H

#include <stddef.h>

enum log_level { LOG_LVL_ERR = 3, LOG_LVL_WARNING = 4, LOG_LVL_INFO = 6, LOG_LVL_DEBUG = 7 };

/*
 * Each line is written with C0/C1 controls, bidi controls and invalid UTF-8
 * escaped (common/printable.h), newlines as blanks, so an untrusted argument
 * cannot forge lines or drive a terminal even when not passed via log_esc;
 * URL passwords are shown as "user:***@" (common/urlcred.h).
 */

/* debug: emit log_debug lines too. Also enabled by SPEECHWATCH_LOG=debug. */
void log_init(int debug);
int log_is_debug(void);
/*
 * on: info and debug lines are held in a buffer until log_flush() (the
 * daemon's loop calls it before it waits) or a warning or error, which is
 * written at once after what was held: one write per loop iteration instead
 * of one per line. off: every line is written at once (flushes first).
 */
void log_hold(int on);
void log_flush(void);
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2))); /* adds strerror */
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/*
 * Escape untrusted text (titles, URLs, server replies) for a log line:
 * control characters, backslash, quote and space-free quoting; at most max
 * input bytes are shown ("..." marks a cut). Returns a static buffer that
 * the next call overwrites, rotating among four so one log line may use
 * several.
 */
const char *log_esc(const char *s, size_t max);

#endif
