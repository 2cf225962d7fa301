/*
 * daemon/metrics: the running daemon's counters, gauges and histograms, kept
 * in memory and rendered for /metrics in the Prometheus text exposition
 * format 0.0.4 (issue 18). The families are a fixed table (metrics.c); a
 * family's series are keyed by their label values, which come from bounded
 * sets only: source and channel ids of the configuration, closed lists of
 * results and outcomes, HTTP status codes. Never a URL or an error text.
 *
 * Updates sit on the poll path: a series is allocated the first time its
 * label values are seen; every later update is a hash lookup and an add. A
 * NULL registry takes every update and does nothing (once mode, tests).
 */
#ifndef SW_METRICS_H
#define SW_METRICS_H

#include <stddef.h>

struct buf;
struct metrics;
struct web_ctx;
struct web_reply;
struct web_request;

/* The families the daemon updates; labels in the order the update functions take them. */
enum metric_id {
	METRIC_POLLS,	      /* counter {source, result}: polls ended, by poll result */
	METRIC_LAST_POLL_OK,  /* gauge {source}: wall time of the last successful poll */
	METRIC_ITEMS_SEEN,    /* counter {source}: items listed by list pages read (200) */
	METRIC_STATEMENTS,    /* counter {source, change}: statements stored with alerts */
	METRIC_FETCHES,	      /* counter {kind, result}: transfers ended, by fetch result */
	METRIC_HTTP_STATUS,   /* counter {kind, status}: responses by HTTP status code */
	METRIC_FETCH_BYTES,   /* histogram {kind}: decoded body bytes of responses */
	METRIC_FETCH_SECONDS, /* histogram {kind}: time from start to the end of a transfer */
	METRIC_DELIVERIES, /* counter {channel, outcome}: attempts judged, by the state entered */
	METRIC_DROPPED,	   /* counter: updates refused (too many series, oversized labels) */
	METRIC_COUNT
};

/* At most this many series per family: label values beyond are dropped (METRIC_DROPPED). */
#define METRICS_MAX_SERIES 50000

struct metrics *metrics_new(void);
void metrics_free(struct metrics *m);

/*
 * Updates the series of family ID with label values A and B (B NULL for a
 * family of one label, both NULL for none; borrowed). metrics_add: counters
 * (V >= 0) and gauges; metrics_set: gauges; metrics_observe: histograms.
 * A call that does not fit the family's type changes nothing.
 */
void metrics_add(struct metrics *m, enum metric_id id, const char *a, const char *b, double v);
void metrics_set(struct metrics *m, enum metric_id id, const char *a, const char *b, double v);
void metrics_observe(struct metrics *m, enum metric_id id, const char *a, const char *b, double v);

/*
 * The value of a counter or gauge series, or a histogram's count; 0 when
 * the series does not exist. For tests and for status.
 */
double metrics_value(const struct metrics *m, enum metric_id id, const char *a, const char *b);

/*
 * The daemon's hooks. A poll of SOURCE ended with RESULT (poll.c's result
 * names; OK: it succeeded, at wall time NOW, listing ITEMS when it read a
 * list page, else ITEMS < 0).
 */
void metrics_poll(struct metrics *m, const char *source, const char *result, int ok, long items,
		  double now);
/*
 * A transfer of KIND ("list", "article") ended with fetch RESULT
 * (http_result_name), HTTP STATUS (0: no response), BYTES of body, after SECONDS.
 */
void metrics_fetch(struct metrics *m, const char *kind, const char *result, long status,
		   size_t bytes, double seconds);

/*
 * Appends every family of M in the exposition format (HELP, TYPE, samples).
 * M keeps the samples it rendered: the next render formats only the series
 * updated since and copies the others.
 */
void metrics_render(struct metrics *m, struct buf *out);

/*
 * Pieces of the format for values read at render time (metrics_page.c):
 * a family's HELP and TYPE lines, and one sample NAME{LABEL="VALUE"} V
 * (LABEL NULL: no labels). VALUE is escaped here.
 */
void metrics_write_head(struct buf *out, const char *name, const char *type, const char *help);
void metrics_write_sample(struct buf *out, const char *name, const char *label, const char *value,
			  double v);

/*
 * A block of text the /metrics page made at NOW (clock_mono) and may show
 * again: the store's gauges, read at most every METRICS_STORE_EVERY seconds
 * (each read costs a scrape of an idle daemon a quarter of its CPU).
 * metrics_kept: the block while it is younger than MAX_AGE, else NULL
 * (always NULL for a NULL registry); metrics_keep replaces it (copied).
 */
#define METRICS_STORE_EVERY 5.0
const char *metrics_kept(const struct metrics *m, double now, double max_age);
void metrics_keep(struct metrics *m, const char *text, double now);

/* The content type of the text exposition format 0.0.4. */
#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/*
 * GET /metrics (daemon/web/metrics_page.c): the registry of CTX plus what
 * the store holds now (outbox pending and dead per configured channel, the
 * store's size on disk).
 */
void web_page_metrics(const struct web_ctx *ctx, const struct web_request *req,
		      struct web_reply *out);

/*
 * The same page in steps, the store off the loop (web.h, web_answer_start):
 * web_metrics_first answers (1) with the gauges kept from a recent read;
 * else web_metrics_gauges reads them where the store is (ctx->store and
 * ctx->cfg only) into OUT, and web_metrics_then, on the loop, keeps them
 * and puts the registry before them.
 */
int web_metrics_first(const struct web_ctx *ctx, const struct web_request *req,
		      struct web_reply *out);
void web_metrics_gauges(const struct web_ctx *ctx, const struct web_request *req,
			struct web_reply *out);
void web_metrics_then(const struct web_ctx *ctx, const struct web_request *req,
		      struct web_reply *out);

#endif
