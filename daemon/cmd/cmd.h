/* daemon/cmd: the command-line commands. Each returns the exit status. */
#ifndef SW_CMD_H
#define SW_CMD_H

#include <stddef.h>

/* Exit statuses of design.md. */
#define EXIT_OK 0
#define EXIT_RUNTIME 1
#define EXIT_USAGE 2

struct config;

/* Options every command shares. */
struct cmd_opts {
	const char *config_path;
	int config_given; /* -c was on the command line (discover needs no config) */
	int json;
	int verbose;
	const char *since;	  /* search --since YYYY-MM-DD */
	const char *theme;	  /* search --theme ID */
	const char *jsonl;	  /* classify --jsonl IN */
	const char *themes_file;  /* classify --themes FILE */
	const char *ignore_label; /* learn --ignore-label L[,L...] */
	const char *state;	  /* events --state S */
	const char *channel;	  /* events --channel C */
	const char *limit;	  /* events --limit N */
	int dead;		  /* events redeliver --dead */
	const char *articles;	  /* preview --articles[=N]: "" without N, NULL when absent */
	int dry_run;		  /* once --dry-run */
	const char *from;	  /* migrate --from LOCATION */
	const char *to;		  /* migrate --to LOCATION */
};

int cmd_run(const struct cmd_opts *o, int argc, char **argv);
int cmd_once(const struct cmd_opts *o, int argc, char **argv);
int cmd_check(const struct cmd_opts *o, int argc, char **argv);

int cmd_preview(const struct cmd_opts *o, int argc, char **argv);
int cmd_discover(const struct cmd_opts *o, int argc, char **argv);
int cmd_extract(const struct cmd_opts *o, int argc, char **argv);
int cmd_status(const struct cmd_opts *o, int argc, char **argv);
int cmd_notify_test(const struct cmd_opts *o, int argc, char **argv);
int cmd_search(const struct cmd_opts *o, int argc, char **argv);
int cmd_classify(const struct cmd_opts *o, int argc, char **argv);
int cmd_learn(const struct cmd_opts *o, int argc, char **argv);
int cmd_vacuum(const struct cmd_opts *o, int argc, char **argv);
int cmd_events(const struct cmd_opts *o, int argc, char **argv);
int cmd_sources(const struct cmd_opts *o, int argc, char **argv);
int cmd_import(const struct cmd_opts *o, int argc, char **argv);
int cmd_reload(const struct cmd_opts *o, int argc, char **argv);
int cmd_migrate(const struct cmd_opts *o, int argc, char **argv);

/*
 * Loads the config at o->config_path without secrets (no password_file is
 * read: the read-only commands work for any user who can read the config);
 * prints every error to stderr. NULL on failure.
 */
struct config *cmd_load_config(const struct cmd_opts *o);
/* The same with config_load_flags (CONFIG_LOAD_SECRETS). */
struct config *cmd_load_config_with(const struct cmd_opts *o, unsigned flags);
/*
 * cmd_load_config with secrets, then the themes compiled once and every
 * channel opened once, which reads the channels' secret files (check, run,
 * once: every secret is validated as the daemon will use it); every error
 * printed. The compiled themes go to *themes (NULL
 * when none; the caller frees) or, when themes is NULL, are freed.
 */
struct themes;
struct config *cmd_load_config_fully(const struct cmd_opts *o, struct themes **themes);
/*
 * For a command of one NAME argument: prints usage (one line, without the
 * newline) when argc is not 1, else cmd_load_config(). NULL on failure.
 */
struct config *cmd_load_for_one(const struct cmd_opts *o, int argc, const char *usage);
/*
 * Prints "speechwatch CMD: no WHAT 'NAME' in CONFIG" and frees cfg;
 * returns EXIT_USAGE.
 */
int cmd_not_found(const struct cmd_opts *o, struct config *cfg, const char *cmd, const char *what,
		  const char *name);
/* Opens each channel without sending; prints FILE:LINE errors; returns how many are bad. */
size_t cmd_check_channels(const struct config *cfg);
/* Reads a file ("-" = stdin) of at most max bytes; NULL after printing why. */
char *cmd_read_input(const char *path, size_t max, size_t *len);
/* 1 for http:// and https:// arguments. */
int cmd_is_url(const char *s);
/*
 * The article of the HTML page data[0..len) into *a (content_type may be
 * NULL; name, when it is a URL, resolves the page's links). Returns 0, or
 * -1 after printing "speechwatch CMD: NAME: why". The caller frees *a with
 * article_free() after a success.
 */
struct article;
int cmd_article(const char *cmd, const char *data, size_t len, const char *content_type,
		const char *name, struct article *a);

/*
 * check --json: prints the findings (check's text lines, found) as one JSON
 * document {ok, errors, warnings, notices, sources, ...} on stdout. cfg is
 * NULL when the config did not load (its counts are then null).
 */
void cmd_check_print_json(const struct config *cfg, const char *found, int bad);

#endif
