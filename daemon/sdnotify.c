#include "daemon/sdnotify.h"

#include <ev.h>
#include <stdarg.h>
#include <stdio.h>
#include <systemd/sd-daemon.h>

#include "common/log.h"

static ev_timer watchdog_timer;
static int watchdog_active;

static void notify(const char *state)
{
	int rc = sd_notify(0, state);

	if (rc < 0)
		log_warnx("sd_notify %s failed: error %d", state, -rc);
}

void sdnotify_ready(void)
{
	notify("READY=1");
}

void sdnotify_reloading(void)
{
	notify("RELOADING=1");
}

void sdnotify_stopping(void)
{
	notify("STOPPING=1");
}

void sdnotify_status(const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	n = snprintf(line, sizeof(line), "STATUS=");
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	notify(line);
}

/* ev_timer callback: the watchdog ping. */
static void watchdog_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents;
	notify("WATCHDOG=1");
}

int sdnotify_watchdog_start(struct ev_loop *loop, double override_s)
{
	uint64_t usec = 0;
	double every;

	if (override_s > 0)
		every = override_s;
	else if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0)
		every = (double)usec / 1e6 / 2;
	else
		return 0;
	ev_timer_init(&watchdog_timer, watchdog_cb, 0.0, every);
	ev_timer_again(loop, &watchdog_timer);
	watchdog_active = 1;
	notify("WATCHDOG=1");
	log_debug("watchdog every %.3fs", every);
	return 1;
}

void sdnotify_watchdog_stop(struct ev_loop *loop)
{
	if (watchdog_active)
		ev_timer_stop(loop, &watchdog_timer);
	watchdog_active = 0;
}
