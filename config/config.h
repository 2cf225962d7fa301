/*
 * config/: the INI configuration (design.md), parsed and fully validated.
 * A leaf module: it knows libinih and libxml2 (to compile XPaths), nothing of
 * the daemon. Errors are collected as "FILE:LINE: message" lines; nothing is
 * printed here.
 */
#ifndef SW_CONFIG_H
#define SW_CONFIG_H

#include <stddef.h>
#include <sys/socket.h>

#include "common/buf.h"

/* What a source's first poll does with the items it finds (speechwatch.conf(5) first_poll). */
enum config_first_poll { FIRST_POLL_BASELINE, FIRST_POLL_ALERT, FIRST_POLL_ARCHIVE };
/* How a source's pages are read (speechwatch.conf(5) render). */
enum config_render { RENDER_NO, RENDER_BROWSER };
enum config_kind { SOURCE_KIND_AUTO, SOURCE_KIND_HTML, SOURCE_KIND_RSS, SOURCE_KIND_ATOM };

/* A NULL-terminated list of owned strings. */
struct strlist {
	char **v;
	size_t n;
	int line; /* where a comma-separated list was set, for messages */
};

/* Where a section was written, for later messages ("FILE:LINE"). */
struct config_origin {
	const char *file; /* owned by struct config (its file table) */
	int line;
};

struct config_daemon {
	char *state_dir;
	char *user_agent;
	long max_connections;
	long max_per_host;
	enum config_first_poll first_poll;
	long archive_max; /* first_poll = archive: texts read of the newest items */
	int allow_private;
	long recheck_days;
	long keep_raw_days;  /* retention of raw pages; 0: forever */
	long keep_text_days; /* retention of texts; 0: forever */
	long fail_after;
	char *proxy;
	double watchdog_interval; /* 0: derived from WATCHDOG_USEC */
	double timeout;		  /* whole transfer, seconds */
	double connect_timeout;
	double low_speed_time; /* abort below 100 bytes/s for this long */
	char *browser;	       /* render = browser's executable; NULL: looked up in PATH */
	long max_renders;      /* browsers running at a time */
	/*
	 * The store's location when not STATE_DIR/speechwatch.db: "postgresql://...",
	 * "postgresql:KEY=VALUE ..." (service=NAME becomes "postgresql:service=NAME")
	 * or "sqlite:/PATH"; NULL: the default.
	 */
	char *database;
	struct config_origin database_at; /* where database was set */
	/* On a PostgreSQL store: s a source's lease lasts unrenewed (daemon/share.h) */
	double lease_ttl;
};

struct config_source {
	char *id;
	struct config_origin at;
	char *url;
	enum config_kind kind;
	char *items, *link, *title, *date, *body;
	struct strlist exclude;
	struct strlist headers;
	char *date_format;
	char *encoding;
	char *proxy;
	char *password_file; /* its first line is put into url as the user's password */
	char *language;
	struct strlist themes; /* globs; empty = all */
	double interval;       /* seconds */
	long max_items;
	long recheck_days;   /* -1: daemon default */
	int allow_private;   /* -1: daemon default */
	int first_poll;	     /* enum config_first_poll; -1: daemon default */
	long archive_max;    /* -1: daemon default */
	int offsite;	     /* list items may link to other sites */
	int items_auto;	     /* items = auto: the detector chooses the XPaths at each poll */
	int render;	     /* enum config_render: render = browser loads the list in a browser */
	int render_articles; /* render = browser: its article pages too */
	int enabled;
	int enabled_by_state; /* >0: enabled was set by STATE_DIR/sources.state, at this line */
};

struct config_phrase {
	double weight;
	char *text;
	int line;
};

struct config_theme {
	char *id;
	struct config_origin at;
	char *label;
	double threshold;
	struct config_phrase *phrases;
	size_t nphrases;
	struct strlist requires; /* "PHRASE within N words" */
	struct strlist excludes;
};

/*
 * A [notify] line config/ does not read: it belongs to the channel's type,
 * whose key table (notify/) reads and checks it.
 */
struct config_line {
	char *key;
	char *value;
	struct config_origin at;
};

/*
 * A [notify "id"] section: config/ reads only the keys every channel shares
 * and the daemon routes on; it knows no channel type. Every other line is
 * kept, in file order, for the type's backend.
 */
struct config_notify {
	char *id;
	struct config_origin at;
	char *type;		/* a channel type's name, judged by notify/ */
	int type_line;		/* where type was set */
	struct strlist themes;	/* globs; empty = all */
	struct strlist sources; /* globs; empty = all */
	double min_score;
	double retry_for; /* seconds */
	double digest;	  /* seconds, 0 = off: one message per period (types that batch) */
	struct config_line *lines;
	size_t nlines;
};

/*
 * [http]: the read side's listener (speechwatch.conf(5)), off unless listen
 * is set. A listen address other than loopback needs token_file or
 * allow_anonymous = yes.
 */
struct config_http {
	char *listen;		      /* as written, "ADDRESS:PORT"; NULL: no listener */
	struct config_origin at;      /* where listen was set */
	struct sockaddr_storage addr; /* listen, parsed (port 0: a free one) */
	socklen_t addrlen;
	int loopback; /* addr is a loopback address */
	char *token_file;
	struct config_origin token_at;
	char *token; /* token_file's first line: loads with CONFIG_LOAD_SECRETS only */
	int allow_anonymous;
};

struct config {
	char *path; /* the main file as given */
	struct config_daemon daemon;
	struct config_http http;
	struct config_source *sources;
	size_t nsources;
	struct config_theme *themes;
	size_t nthemes;
	struct config_notify *notifies;
	size_t nnotifies;
	struct strlist files; /* every file read, main first; config_origin.file points here */
	unsigned holds;	      /* config_hold calls not yet undone by a config_free */
};

/* What a load reads besides the configuration files. */
enum config_load_flags {
	/*
	 * Each source's password_file, put into its url, and [http]
	 * token_file. Only commands that
	 * fetch sources with it (run, once, check) ask for it: the others work
	 * for any user who can read the configuration, whoever may read the
	 * secrets (channels' secret files are read when a channel is opened).
	 */
	CONFIG_LOAD_SECRETS = 1u << 0,
};

/*
 * Reads and validates path and everything it includes. Returns the config,
 * or NULL with every problem appended to errors as "FILE:LINE: message\n"
 * lines (all errors of the run, not just the first). flags: enum
 * config_load_flags.
 */
struct config *config_load_with(const char *path, unsigned flags, struct buf *errors);
/* config_load_with(path, CONFIG_LOAD_SECRETS, errors): what the daemon runs on. */
struct config *config_load(const char *path, struct buf *errors);

/*
 * s's url with the password of its password_file ("user:PASSWORD@"), or a
 * copy of the url when it has none; for a config loaded without secrets.
 * NULL with err set ("source 'ID': password_file 'PATH': why"). Caller frees.
 */
char *config_source_secret_url(const struct config_source *s, char *err, size_t errlen);

/*
 * A loaded config is never changed afterwards, so a thread may read it
 * while the loop goes on, as long as it is not freed meanwhile:
 * config_hold keeps it for one more holder, and config_free lets one
 * holder go, freeing it when it was the last. Both from one thread (the
 * loop's). NULL is a no-op for config_free.
 */
void config_hold(struct config *cfg);
void config_free(struct config *cfg);

/*
 * The operator's enable/disable of sources, kept apart from the catalogue
 * (config/source_state.c): every load applies STATE_DIR/sources.state over
 * the files' `enabled` keys (a bad line is a load error at its PATH:LINE).
 */
#define CONFIG_SOURCE_STATE_FILE "sources.state"
/* STATE_DIR/sources.state. Caller frees. */
char *config_source_state_path(const char *state_dir);
/*
 * Records source id as enabled (1) or disabled (0) in state_dir's state
 * file, replacing the file atomically (temporary file, fsync, rename, fsync
 * of the directory) under an flock of the directory; creates state_dir when
 * missing. 0, or -1 with err set.
 */
int config_source_state_set(const char *state_dir, const char *id, int enabled, char *err,
			    size_t errlen);

/* Lookups by id; NULL if absent. */
const struct config_source *config_source_find(const struct config *cfg, const char *id);
const struct config_theme *config_theme_find(const struct config *cfg, const char *id);
const struct config_notify *config_notify_find(const struct config *cfg, const char *id);

/* 1 if name matches one of the globs (fnmatch); an empty list matches all. */
int config_globs_match(const struct strlist *globs, const char *name);

/* String lists: append a copy; free all; split "a, b ,c" (empty items dropped). */
void strlist_add(struct strlist *l, const char *s);
void strlist_free(struct strlist *l);
void strlist_split(struct strlist *l, const char *csv);

/* "90s", "10m", "2h", "1d", plain seconds. Returns 0 and *out, or -1. */
int config_parse_duration(const char *s, double *out);

/* The default config path: $SPEECHWATCH_CONFIG or /etc/speechwatch/speechwatch.conf. */
const char *config_default_path(void);

#endif
