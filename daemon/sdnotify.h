/*
 * daemon/sdnotify: telling systemd the truth (READY, RELOADING, STOPPING,
 * WATCHDOG, STATUS). Silent no-ops when not started by systemd.
 */
#ifndef SW_SDNOTIFY_H
#define SW_SDNOTIFY_H

struct ev_loop;

void sdnotify_ready(void);
void sdnotify_reloading(void);
void sdnotify_stopping(void);
/* A STATUS= line shown by `systemctl status`. */
void sdnotify_status(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Starts a WATCHDOG=1 timer at half the interval systemd asked for
 * (WATCHDOG_USEC), or every override_s seconds when > 0. Returns 1 if started.
 */
int sdnotify_watchdog_start(struct ev_loop *loop, double override_s);
void sdnotify_watchdog_stop(struct ev_loop *loop);

#endif
