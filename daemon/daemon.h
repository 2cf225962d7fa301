/*
 * daemon/daemon: the loop and everything it owns — the config, the store,
 * the fetch engine, one timer per source, signals, the watchdog.
 */
#ifndef SW_DAEMON_H
#define SW_DAEMON_H

struct config;
struct daemon;
struct themes;

enum daemon_mode {
	DAEMON_RUN,  /* until SIGTERM/SIGINT */
	DAEMON_ONCE, /* every source once, deliver, exit */
};

/*
 * Opens the store under cfg->daemon.state_dir and the fetch engine.
 * Takes ownership of cfg and of themes (cfg's themes compiled, NULL when
 * there are none), also on failure. config_path is what SIGHUP
 * re-reads. Returns NULL after logging why.
 */
struct daemon *daemon_new(struct config *cfg, struct themes *themes, const char *config_path,
			  enum daemon_mode mode);

/*
 * daemon_new in DAEMON_ONCE mode for once --dry-run (daemon/dryrun.h): the
 * store is a copy in memory and nothing is delivered; daemon_run prints the
 * events it would have sent and returns as once does without deliveries.
 */
struct daemon *daemon_new_dry_run(struct config *cfg, struct themes *themes,
				  const char *config_path);

/* Runs the loop. Returns the exit status (0 ok, 1 runtime failure). */
int daemon_run(struct daemon *d);

void daemon_free(struct daemon *d);

#endif
