/*
 * speechwatch events [list|show ID|redeliver ID...|redeliver --dead|
 * enable-channel C]: the outbox as the operator sees it. list and show read
 * the store read-only (no secret files, the daemon may run); redeliver and
 * enable-channel queue events again through daemon/redeliver.c and tell a
 * running daemon (SIGUSR1).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/clock.h"
#include "common/printable.h"
#include "common/xmalloc.h"
#include "config/config.h"
#include "daemon/cmd/cmd.h"
#include "daemon/event.h"
#include "daemon/redeliver.h"
#include "daemon/store.h"

#define EVENTS_LIST_DEFAULT 50
#define USAGE                                                                                      \
	"usage: speechwatch events [list] [--state S] [--channel C] [--since T] [--limit N] "      \
	"[--json]\n"                                                                               \
	"       speechwatch events show ID [--json]\n"                                             \
	"       speechwatch events redeliver ID... | --dead [--channel C] [--since T]\n"           \
	"       speechwatch events enable-channel C\n"

/* What one invocation works on: the config, its store, the parsed filter. */
struct events_cmd {
	const struct cmd_opts *o;
	struct config *cfg;
	char *location;
	char *shown; /* location as messages show it */
	struct store *st;
	struct store_event_filter f;
};

static int usage_error(const char *why)
{
	if (why)
		fprintf(stderr, "speechwatch events: %s\n", why);
	fputs(USAGE, stderr);
	return EXIT_USAGE;
}

/* "queued", ..., "dead", "retrying" (retry_wait), "pending" (queued, sending, retry_wait). */
static int parse_state(const char *name, unsigned *mask)
{
	if (strcmp(name, "retrying") == 0)
		name = "retry_wait";
	if (strcmp(name, "pending") == 0) {
		*mask = 1u << EVENT_QUEUED | 1u << EVENT_SENDING | 1u << EVENT_RETRY_WAIT;
		return 0;
	}
	for (int s = EVENT_QUEUED; s <= EVENT_DEAD; s++) {
		if (strcmp(name, store_event_state_name((enum store_event_state)s)) == 0) {
			*mask = 1u << s;
			return 0;
		}
	}
	return -1;
}

/* --since: YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS][Z] (UTC), or an age: N followed by m, h or d. */
static int parse_since(const char *text, double *since)
{
	static const char *const formats[] = {"%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S",
					      "%Y-%m-%dT%H:%MZ", "%Y-%m-%dT%H:%M", "%Y-%m-%d"};
	char *end;
	double n = strtod(text, &end);
	struct tm tm;

	if (end != text && n >= 0 && end[0] != '\0' && end[1] == '\0' && strchr("mhd", end[0])) {
		*since = clock_wall() - n * (end[0] == 'm' ? 60 : end[0] == 'h' ? 3600 : 86400);
		return 0;
	}
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		memset(&tm, 0, sizeof(tm));
		end = strptime(text, formats[i], &tm);
		if (end && *end == '\0') {
			*since = (double)timegm(&tm);
			return 0;
		}
	}
	return -1;
}

/* The options list and redeliver --dead share; -1 after printing why. */
static int parse_filter(struct events_cmd *c)
{
	const struct cmd_opts *o = c->o;
	char *end;

	c->f.channel = o->channel;
	c->f.limit = EVENTS_LIST_DEFAULT;
	if (o->state && parse_state(o->state, &c->f.states) < 0)
		return usage_error("--state: one of queued, sending, retrying (retry_wait), "
				   "delivered, dead, pending"),
		       -1;
	if (o->since && parse_since(o->since, &c->f.since) < 0)
		return usage_error("--since: YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS]Z (UTC) or an age "
				   "such as 30m, 12h, 7d"),
		       -1;
	if (o->limit) {
		unsigned long v = strtoul(o->limit, &end, 10);

		if (end == o->limit || *end != '\0')
			return usage_error("--limit: a number (0: all)"), -1;
		c->f.limit = v;
	}
	return 0;
}

/* Opens the store; 1 open, 0 when the daemon never ran (nothing to show), -1 after an error. */
static int open_store(struct events_cmd *c, int readonly)
{
	char err[600];

	c->location = store_location_of(c->cfg->daemon.database, c->cfg->daemon.state_dir);
	c->shown = store_location_shown(c->location);
	if (store_exists(c->location) == 0)
		return 0;
	c->st = readonly ? store_open_readonly(c->location, err, sizeof(err))
			 : store_open(c->location, err, sizeof(err));
	if (c->st == NULL) {
		fprintf(stderr, "speechwatch events: %s\n", err);
		return -1;
	}
	return 1;
}

static json_t *jstr(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* What the event is about, from its payload: the item's title, else the source's id. */
static char *event_title(const struct store_event *ev)
{
	json_t *p = json_loads(ev->payload, 0, NULL);
	const char *t = json_string_value(json_object_get(json_object_get(p, "item"), "title"));
	char *out;

	if (t == NULL)
		t = json_string_value(json_object_get(json_object_get(p, "source"), "id"));
	out = xstrdup(t ? t : "");
	json_decref(p);
	return out;
}

/* One row as JSON: the store's columns (times UTC), the type and the title. */
static json_t *event_json(const struct store_event *ev)
{
	char *title = event_title(ev);
	json_t *j = json_pack(
	    "{s:s, s:s, s:s, s:I, s:o, s:o, s:o, s:o, s:s, s:o, s:s}", "id", ev->id, "channel",
	    ev->channel, "state", store_event_state_name(ev->state), "attempts",
	    (json_int_t)ev->attempts, "created", event_time_json(ev->created), "delivered_at",
	    event_time_json(ev->delivered_at), "last_error", jstr(ev->last_error), "source",
	    jstr(ev->source_id), "type", ev->type, "item_id",
	    ev->item_id ? json_integer(ev->item_id) : json_null(), "title", title);

	free(title);
	return j;
}

/* At most max bytes of s without cutting a UTF-8 sequence, escaped for the terminal. */
static char *cut(const char *s, size_t max)
{
	size_t len = strlen(s), n;
	struct buf b;

	while (len > 0 && strchr(" \t\r\n", s[len - 1]))
		len--; /* server replies end in a newline */
	n = len;
	if (n > max) {
		n = max;
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
	}
	buf_init(&b);
	printable_append(&b, s, n, 0);
	if (n < len)
		buf_append_str(&b, "...");
	return buf_steal(&b);
}

/* One line per event: the title, then the last error of one not delivered. */
static void print_row(const struct store_event *ev)
{
	char when[32], *title = event_title(ev), *t = cut(title, 48), *e = NULL;

	if (ev->last_error && ev->state != EVENT_DELIVERED)
		e = cut(ev->last_error, 100);
	event_format_time(ev->created, when, sizeof(when));
	printf("%-30s %-12s %-10s %4ld %-20s %-17s %s%s%s\n", ev->id, ev->channel,
	       store_event_state_name(ev->state), ev->attempts, when, ev->type, t,
	       e ? " | last error: " : "", e ? e : "");
	free(e);
	free(t);
	free(title);
}

static void print_list(const struct store_event *evs, size_t n, int json)
{
	json_t *a = json ? json_array() : NULL;
	char *text;

	if (!json)
		printf("%-30s %-12s %-10s %4s %-20s %-17s %s\n", "ID", "CHANNEL", "STATE", "TRY",
		       "CREATED", "TYPE", "TITLE");
	for (size_t i = 0; i < n; i++) {
		if (json)
			json_array_append_new(a, event_json(&evs[i]));
		else
			print_row(&evs[i]);
	}
	if (!json)
		return;
	text = json_dumps(a, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	puts(text ? text : "[]");
	free(text);
	json_decref(a);
}

static void free_events(struct store_event *evs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		store_event_clear(&evs[i]);
	free(evs);
}

static int events_list(struct events_cmd *c, int argc)
{
	struct store_event *evs = NULL;
	size_t n = 0;
	int rc;

	if (argc > 0 || c->o->dead)
		return usage_error("list takes no arguments (and no --dead: --state dead)");
	if (parse_filter(c) < 0)
		return EXIT_USAGE;
	rc = open_store(c, 1);
	if (rc < 0)
		return EXIT_RUNTIME;
	if (rc > 0 && store_events_list(c->st, &c->f, &evs, &n) < 0) {
		fprintf(stderr, "speechwatch events: %s\n", store_error(c->st));
		return EXIT_RUNTIME;
	}
	if (rc == 0 && !c->o->json)
		printf("(no events yet: %s does not exist; the daemon has not run)\n", c->shown);
	print_list(evs, n, c->o->json);
	if (!c->o->json && c->f.limit > 0 && n == c->f.limit)
		printf("(the %zu newest; --limit 0 shows all)\n", n);
	free_events(evs, n);
	return EXIT_OK;
}

/* show, human-readable: the row's history, then the event as sent. */
static void print_event(const struct store_event *ev)
{
	char created[32], next[32], delivered[32],
	    *err = cut(ev->last_error ? ev->last_error : "", 2000);
	json_t *p = json_loads(ev->payload, 0, NULL);
	char *body = p ? json_dumps(p, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
	char *safe = printable(body ? body : ev->payload, PRINTABLE_LINES);

	event_format_time(ev->created, created, sizeof(created));
	event_format_time(ev->next_attempt, next, sizeof(next));
	event_format_time(ev->delivered_at, delivered, sizeof(delivered));
	printf("id:           %s\nchannel:      %s\ntype:         %s\nstate:        %s\n"
	       "attempts:     %ld\ncreated:      %s\n",
	       ev->id, ev->channel, ev->type, store_event_state_name(ev->state), ev->attempts,
	       created);
	if (ev->state == EVENT_QUEUED || ev->state == EVENT_RETRY_WAIT)
		printf("next attempt: %s\n", next);
	printf("delivered at: %s\nlast error:   %s\n\n%s\n", ev->delivered_at > 0 ? delivered : "-",
	       ev->last_error ? err : "-", safe);
	free(safe);
	free(body);
	json_decref(p);
	free(err);
}

static int events_show(struct events_cmd *c, int argc, char **argv)
{
	struct store_event *evs = NULL;
	size_t n = 0;
	int rc;

	if (argc != 1 || c->o->dead || c->o->state || c->o->channel || c->o->since || c->o->limit)
		return usage_error("show takes one event id and no filter");
	c->f.id = argv[0];
	rc = open_store(c, 1);
	if (rc < 0)
		return EXIT_RUNTIME;
	if (rc > 0 && store_events_list(c->st, &c->f, &evs, &n) < 0) {
		fprintf(stderr, "speechwatch events: %s\n", store_error(c->st));
		return EXIT_RUNTIME;
	}
	if (n == 0) {
		fprintf(stderr, "speechwatch events: no event '%s' in the store\n", argv[0]);
		return EXIT_RUNTIME;
	}
	if (c->o->json) {
		json_t *j = event_json(&evs[0]);
		char *text;

		json_object_set_new(j, "event", json_loads(evs[0].payload, 0, NULL));
		text = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		puts(text ? text : "{}");
		free(text);
		json_decref(j);
	} else {
		print_event(&evs[0]);
	}
	free_events(evs, n);
	return EXIT_OK;
}

/* After a change: tells a running daemon, or says who will send the events. */
static void wake_daemon(struct events_cmd *c)
{
	char err[600];
	int rc = redeliver_wake(c->cfg->daemon.state_dir, err, sizeof(err));

	if (rc > 0)
		printf("the running daemon was told (SIGUSR1) and sends them now\n");
	else if (rc == 0)
		printf("no daemon is running: the next `speechwatch once` or `run` sends them\n");
	else
		fprintf(stderr,
			"speechwatch events: warning: %s; the daemon sends them at its next reload "
			"(systemctl reload speechwatch) or start\n",
			err);
}

/* cmd_not_found frees the config. */
static int unknown_channel(struct events_cmd *c, const char *id)
{
	int rc = cmd_not_found(c->o, c->cfg, "events", "channel", id);

	c->cfg = NULL;
	return rc;
}

/* A channel of the config (or "stdout" when none is configured)? */
static int channel_known(const struct config *cfg, const char *id)
{
	for (size_t i = 0; i < cfg->nnotifies; i++)
		if (strcmp(cfg->notifies[i].id, id) == 0)
			return 1;
	return cfg->nnotifies == 0 && strcmp(id, "stdout") == 0;
}

static int run_redeliver(struct events_cmd *c, const struct redeliver_sel *sel, const char *what)
{
	char err[600];
	long moved;
	int rc = open_store(c, 0);

	if (rc < 0)
		return EXIT_RUNTIME;
	if (rc == 0 && sel->nids > 0) {
		fprintf(stderr, "speechwatch events: no event '%s': %s does not exist\n",
			sel->ids[0], c->shown);
		return EXIT_RUNTIME;
	}
	if (rc == 0) {
		printf("0 event(s) %s: %s does not exist\n", what, c->shown);
		return EXIT_OK;
	}
	moved = redeliver_events(c->st, sel, err, sizeof(err));
	if (moved < 0) {
		fprintf(stderr, "speechwatch events: %s: nothing was changed\n", err);
		return EXIT_RUNTIME;
	}
	printf("%ld event(s) %s\n", moved, what);
	wake_daemon(c);
	return EXIT_OK;
}

static int events_redeliver(struct events_cmd *c, int argc, char **argv)
{
	struct redeliver_sel sel = {(const char *const *)argv, (size_t)argc, 0, NULL, 0};

	if (c->o->dead == (argc > 0))
		return usage_error("redeliver takes event ids or --dead");
	if (argc > 0 && (c->o->channel || c->o->since || c->o->state))
		return usage_error("--channel and --since select dead events: not with ids");
	if (parse_filter(c) < 0)
		return EXIT_USAGE;
	if (c->o->state)
		return usage_error("redeliver --dead takes no --state");
	if (c->o->channel && !channel_known(c->cfg, c->o->channel))
		return unknown_channel(c, c->o->channel);
	sel.states = argc > 0 ? 0 : 1u << EVENT_DEAD;
	sel.channel = c->f.channel;
	sel.since = c->f.since;
	return run_redeliver(c, &sel, "queued again for delivery (same ids)");
}

static int events_enable_channel(struct events_cmd *c, int argc, char **argv)
{
	struct redeliver_sel sel = {NULL, 0, 1u << EVENT_RETRY_WAIT, NULL, 0};

	if (argc != 1 || c->o->dead || c->o->state || c->o->channel || c->o->since || c->o->limit)
		return usage_error("enable-channel takes one channel id and no option");
	if (!channel_known(c->cfg, argv[0]))
		return unknown_channel(c, argv[0]);
	sel.channel = argv[0];
	return run_redeliver(c, &sel, "waiting on the channel made due now");
}

static int dispatch(struct events_cmd *c, int argc, char **argv)
{
	const char *sub = argc > 0 ? argv[0] : "list";
	int skip = argc > 0;

	if (strcmp(sub, "list") == 0)
		return events_list(c, argc - skip);
	if (strcmp(sub, "show") == 0)
		return events_show(c, argc - skip, argv + skip);
	if (strcmp(sub, "redeliver") == 0)
		return events_redeliver(c, argc - skip, argv + skip);
	if (strcmp(sub, "enable-channel") == 0)
		return events_enable_channel(c, argc - skip, argv + skip);
	return usage_error("unknown subcommand");
}

int cmd_events(const struct cmd_opts *o, int argc, char **argv)
{
	struct events_cmd c;
	int rc;

	memset(&c, 0, sizeof(c));
	c.o = o;
	c.cfg = cmd_load_config(o);
	if (c.cfg == NULL)
		return EXIT_USAGE;
	rc = dispatch(&c, argc, argv);
	store_close(c.st);
	free(c.location);
	free(c.shown);
	config_free(c.cfg);
	return rc;
}
