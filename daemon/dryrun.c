#include "daemon/dryrun.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "daemon/store.h"

struct store *dryrun_open_store(const char *location)
{
	char err[600];
	struct store *st = store_open_copy(location, err, sizeof(err));

	if (st == NULL)
		log_err("dry run: cannot copy the store: %s", err);
	else
		log_info("dry run: working on a copy of %s in memory; nothing is stored or sent",
			 location);
	return st;
}

/* The payload on one line: a line break in it (never in our compact JSON) becomes a space. */
static void print_line(const char *payload)
{
	for (const char *p = payload; *p; p++)
		putchar(*p == '\n' || *p == '\r' ? ' ' : *p);
	putchar('\n');
}

long dryrun_print(struct store *st, double since)
{
	struct store_event_filter f;
	struct store_event *evs = NULL;
	size_t n = 0;

	memset(&f, 0, sizeof(f));
	f.since = since;
	if (store_events_list(st, &f, &evs, &n) < 0) {
		log_err("dry run: cannot list the events: %s", store_error(st));
		return -1;
	}
	for (size_t i = n; i-- > 0;) /* the list is newest first */
		print_line(evs[i].payload);
	fflush(stdout);
	for (size_t i = 0; i < n; i++)
		store_event_clear(&evs[i]);
	free(evs);
	log_info("dry run: %zu event(s) would have been sent", n);
	return (long)n;
}
