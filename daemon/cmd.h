/* daemon/cmd: the command-line commands. Each returns the exit status. */
#ifndef SW_CMD_H
#define SW_CMD_H

/* Exit statuses of design.md. */
#define EXIT_OK 0
#define EXIT_RUNTIME 1
#define EXIT_USAGE 2

struct config;

/* Options every command shares. */
struct cmd_opts {
	const char *config_path;
	int json;
	int verbose;
};

int cmd_run(const struct cmd_opts *o, int argc, char **argv);
int cmd_once(const struct cmd_opts *o, int argc, char **argv);
int cmd_check(const struct cmd_opts *o, int argc, char **argv);

/* Loads the config at o->config_path; prints every error to stderr. NULL on failure. */
struct config *cmd_load_config(const struct cmd_opts *o);

#endif
