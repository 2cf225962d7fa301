/*
 * speechwatch: the command line. main() only sequences: parse the shared
 * options, find the command, run it.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "config/config.h"
#include "daemon/cmd/cmd.h"
#include "daemon/pdf_child.h"

struct command {
	const char *name;
	int (*fn)(const struct cmd_opts *o, int argc, char **argv);
	const char *args;
	const char *summary;
};

static const struct command commands[] = {
    {"run", cmd_run, "[-c FILE]", "run the daemon in the foreground (what systemd starts)"},
    {"reload", cmd_reload, "[-c FILE]",
     "make the running daemon read its config again; fails when it refuses it"},
    {"once", cmd_once, "[-c FILE] [--dry-run]", "poll every source once, deliver, exit (0 = ok)"},
    {"check", cmd_check, "[-c FILE] [--json]",
     "validate config and theme files (FILE:LINE: message)"},
    {"preview", cmd_preview, "[-c FILE] SOURCE [--json] [--articles [N]]",
     "fetch one source now and print its items (and first N articles; store untouched)"},
    {"discover", cmd_discover, "[-c FILE] URL [--json]",
     "propose sources for a list page: its lists and verified feeds, best first"},
    {"extract", cmd_extract, "FILE|URL [--json]", "print the main text of one page"},
    {"classify", cmd_classify, "[-c FILE] [--json] FILE|-",
     "theme scores and evidence (--jsonl IN: batch)"},
    {"learn", cmd_learn, "IN.jsonl", "learn a theme file from labelled examples (to stdout)"},
    {"notify-test", cmd_notify_test, "[-c FILE] CHANNEL", "send a test event through one channel"},
    {"search", cmd_search, "QUERY [--since DATE] [--theme ID]",
     "full-text search over every statement seen, newest first"},
    {"status", cmd_status, "[-c FILE] [--json]", "sources, last poll, errors, pending/dead alerts"},
    {"events", cmd_events, "[-c FILE] [list|show|redeliver]",
     "the outbox: list and show events, send dead ones again (same ids)"},
    {"sources", cmd_sources, "[-c FILE] [--json] [enable|disable ID]",
     "the sources, one line each; enable or disable one without editing the config"},
    {"import", cmd_import, "[-c FILE] urlwatch|opml FILE",
     "print [source] sections for a urlwatch urls.yaml or an OPML list"},
    {"vacuum", cmd_vacuum, "[-c FILE] [--json]",
     "apply retention now and compact the store (daemon stopped)"},
    {"migrate", cmd_migrate, "--from sqlite:PATH --to postgresql://...",
     "copy a SQLite store into PostgreSQL (again: only what is new or changed)"},
    {NULL, NULL, NULL, NULL},
};

static void usage(FILE *f)
{
	fprintf(f, "usage: speechwatch [-v] COMMAND [options]\n\ncommands:\n");
	for (const struct command *c = commands; c->name; c++)
		fprintf(f, "  %-12s %-26s %s\n", c->name, c->args, c->summary);
	fprintf(f, "\noptions:\n"
		   "  -c, --config FILE   config file (default $SPEECHWATCH_CONFIG or\n"
		   "                      /etc/speechwatch/speechwatch.conf)\n"
		   "      --json          machine-readable output where supported\n"
		   "  -v, --verbose       debug logging (also SPEECHWATCH_LOG=debug)\n"
		   "  -h, --help          this help;  -V, --version  the version\n"
		   "\nexit status: 0 success, 1 runtime failure, 2 usage or config error\n");
}

static void command_usage(const struct command *c)
{
	printf("usage: speechwatch %s %s\n%s\n", c->name, c->args, c->summary);
}

/* -h (of the command c, or of all when NULL) or -V. */
static void help_or_version(int ch, const struct command *c)
{
	if (ch == 'V')
		printf("speechwatch %s\n", SW_VERSION);
	else if (c)
		command_usage(c);
	else
		usage(stdout);
}

/* Long options of every command; each command checks the ones it received. */
static const struct option longopts[] = {
    {"config", required_argument, NULL, 'c'},
    {"json", no_argument, NULL, 'j'},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    /* command-specific; each command checks what it received */
    {"since", required_argument, NULL, 'S'},
    {"theme", required_argument, NULL, 'T'},
    {"jsonl", required_argument, NULL, 'L'},
    {"themes", required_argument, NULL, 'F'},
    {"ignore-label", required_argument, NULL, 'I'},
    {"state", required_argument, NULL, 'E'},
    {"channel", required_argument, NULL, 'N'},
    {"limit", required_argument, NULL, 'M'},
    {"dead", no_argument, NULL, 'D'},
    {"articles", optional_argument, NULL, 'A'},
    {"dry-run", no_argument, NULL, 'R'},
    {"from", required_argument, NULL, 'f'},
    {"to", required_argument, NULL, 't'},
    {NULL, 0, NULL, 0},
};

/* A command-specific option into o; 0 when ch is not one. */
static int command_opt(int ch, struct cmd_opts *o)
{
	switch (ch) {
	case 'S':
		o->since = optarg;
		break;
	case 'T':
		o->theme = optarg;
		break;
	case 'L':
		o->jsonl = optarg;
		break;
	case 'F':
		o->themes_file = optarg;
		break;
	case 'I':
		o->ignore_label = optarg;
		break;
	case 'E':
		o->state = optarg;
		break;
	case 'N':
		o->channel = optarg;
		break;
	case 'M':
		o->limit = optarg;
		break;
	case 'D':
		o->dead = 1;
		break;
	case 'R':
		o->dry_run = 1;
		break;
	case 'A':
		o->articles = optarg ? optarg : "";
		break;
	case 'f':
		o->from = optarg;
		break;
	case 't':
		o->to = optarg;
		break;
	default:
		return 0;
	}
	return 1;
}

/* Parses shared options; leaves optind at the first operand. -1: exit with *status. */
static int parse_opts(int argc, char **argv, struct cmd_opts *o, const struct command *c,
		      int *status)
{
	/* Before the command, stop at its name; after it, options may follow operands. */
	const char *shortopts = c ? "c:vhV" : "+c:vhV";
	int ch;

	while ((ch = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			o->config_path = optarg;
			break;
		case 'j':
			o->json = 1;
			break;
		case 'v':
			o->verbose = 1;
			break;
		case 'h':
		case 'V':
			help_or_version(ch, c);
			return *status = EXIT_OK, -1;
		default:
			if (command_opt(ch, o))
				break;
			if (!c)
				usage(stderr);
			return *status = EXIT_USAGE, -1;
		}
	}
	return 0;
}

static int cmd_pdf_child(const struct cmd_opts *o, int argc, char **argv)
{
	(void)o;
	(void)argc;
	(void)argv;
	return pdf_child_main();
}

/* Not in the usage: the PDF parser's side of daemon/pdf_child.c. */
static const struct command internal_pdf = {"pdf-child", cmd_pdf_child, "", "internal"};

static const struct command *find_command(const char *name)
{
	for (const struct command *c = commands; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	if (strcmp(name, internal_pdf.name) == 0)
		return &internal_pdf;
	return NULL;
}

int main(int argc, char **argv)
{
	struct cmd_opts o;
	const struct command *c;
	int status;

	memset(&o, 0, sizeof(o));
	/* until run or once watch it: `events redeliver` signals the lock's holder */
	signal(SIGUSR1, SIG_IGN);
	srandom((unsigned)time(NULL) ^ ((unsigned)getpid() << 16));
	if (parse_opts(argc, argv, &o, NULL, &status) < 0)
		return status;
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	c = find_command(argv[optind]);
	if (c == NULL) {
		fprintf(stderr, "speechwatch: unknown command '%s'\n", argv[optind]);
		usage(stderr);
		return EXIT_USAGE;
	}
	argc -= optind;
	argv += optind;
	optind = 0; /* glibc: 0 re-initialises getopt, so options may follow operands */
	if (parse_opts(argc, argv, &o, c, &status) < 0)
		return status;
	o.config_given = o.config_path != NULL;
	if (o.config_path == NULL)
		o.config_path = config_default_path();
	log_init(o.verbose);
	return c->fn(&o, argc - optind, argv + optind);
}
