/*
 * speechwatch notify-test [-c FILE] CHANNEL: send a `test` event through one
 * configured channel now and print the receiver's answer. The store is not
 * touched; the event id is fresh each time.
 */
#include <ev.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/printable.h"
#include "common/urlcred.h"
#include "config/config.h"
#include "daemon/channels.h"
#include "daemon/cmd/cmd.h"
#include "daemon/event.h"
#include "daemon/httpcfg.h"
#include "fetch/http.h"
#include "notify/notify.h"

struct answer {
	struct ev_loop *loop;
	int done;
	enum notify_verdict verdict;
	long status;
	char detail[512];
};

/* notify_done_fn */
static void test_done(const struct notify_outcome *o, void *arg)
{
	struct answer *a = arg;
	char *safe, *redacted;

	a->done = 1;
	a->verdict = o->verdict;
	a->status = o->status;
	/* the receiver's answer is untrusted text for a terminal: escaped, no URL password */
	safe = printable(o->detail, 0);
	redacted = urlcred_redact(safe);
	snprintf(a->detail, sizeof(a->detail), "%s", redacted ? redacted : safe);
	free(redacted);
	free(safe);
	ev_break(a->loop, EVBREAK_ALL);
}

static int send_test(const struct config *cfg, const struct config_notify *n, const char *name)
{
	struct answer a = {NULL, 0, NOTIFY_RETRY, 0, ""};
	struct notify_channel *ch = NULL;
	struct http_config hc;
	struct http *h = NULL;
	char id[EVENT_ID_LEN + 1], err[256] = "";
	char *body;

	a.loop = ev_loop_new(EVFLAG_AUTO);
	httpcfg_from_daemon(&cfg->daemon, &hc);
	event_new_id(id);
	body = event_test_json(id, (double)time(NULL), name);
	if (a.loop && (h = http_new(a.loop, &hc, err, sizeof(err))) &&
	    (ch = channels_open(cfg, n, a.loop, h, err, sizeof(err))) &&
	    notify_send(ch, id, body, strlen(body), test_done, &a, err, sizeof(err)) == 0)
		ev_run(a.loop, 0);
	if (a.done)
		printf("channel %s (%s): %s — %s\nevent id: %s\n", name, channels_type(n),
		       notify_verdict_name(a.verdict), a.detail, id);
	else
		fprintf(stderr, "speechwatch notify-test: channel %s: %s\n", name, err);
	notify_channel_free(ch);
	http_free(h);
	if (a.loop)
		ev_loop_destroy(a.loop);
	free(body);
	return a.done && a.verdict == NOTIFY_DELIVERED ? EXIT_OK : EXIT_RUNTIME;
}

int cmd_notify_test(const struct cmd_opts *o, int argc, char **argv)
{
	const struct config_notify *n;
	struct config *cfg;
	int rc;

	cfg = cmd_load_for_one(o, argc, "speechwatch notify-test [-c FILE] CHANNEL");
	if (cfg == NULL)
		return EXIT_USAGE;
	n = config_notify_find(cfg, argv[0]);
	if (n == NULL && !(cfg->nnotifies == 0 && strcmp(argv[0], "stdout") == 0))
		return cmd_not_found(o, cfg, "notify-test", "channel", argv[0]);
	rc = send_test(cfg, n, argv[0]);
	config_free(cfg);
	return rc;
}
