#include <stdio.h>

#include "config/config.h"
#include "daemon/cmd/cmd.h"
#include "daemon/daemon.h"

static int run_mode(const struct cmd_opts *o, int argc, char **argv, enum daemon_mode mode)
{
	struct themes *themes = NULL;
	struct config *cfg;
	struct daemon *d;
	int status;

	if (argc > 0) {
		fprintf(stderr, "speechwatch: unexpected argument '%s'\n", argv[0]);
		return EXIT_USAGE;
	}
	if (o->dry_run && mode != DAEMON_ONCE) {
		fprintf(stderr, "speechwatch: --dry-run is an option of once\n");
		return EXIT_USAGE;
	}
	cfg = cmd_load_config_fully(o, &themes);
	if (cfg == NULL)
		return EXIT_USAGE;
	d = o->dry_run ? daemon_new_dry_run(cfg, themes, o->config_path)
		       : daemon_new(cfg, themes, o->config_path, mode);
	if (d == NULL)
		return EXIT_RUNTIME;
	status = daemon_run(d);
	daemon_free(d);
	return status;
}

int cmd_run(const struct cmd_opts *o, int argc, char **argv)
{
	return run_mode(o, argc, argv, DAEMON_RUN);
}

int cmd_once(const struct cmd_opts *o, int argc, char **argv)
{
	return run_mode(o, argc, argv, DAEMON_ONCE);
}
