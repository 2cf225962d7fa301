/*
 * GET /metrics: the registry the daemon keeps (daemon/metrics.c) and the
 * gauges read from the store: the outbox's pending and dead events per
 * configured channel and the store's size on disk, read again when the
 * last read is METRICS_STORE_EVERY seconds old (a Prometheus scraping every
 * 15 s or more always gets a fresh read). A store that cannot answer
 * leaves those samples out and says so in speechwatch_store_read_ok,
 * rather than showing numbers it does not have.
 */
#include <stdint.h>
#include <stdlib.h>

#include "common/buf.h"
#include "common/clock.h"
#include "common/xmalloc.h"
#include "config/config.h"
#include "daemon/metrics.h"
#include "daemon/store.h"
#include "daemon/web/web.h"

/* The channels events are written for: the configured ones, or the default stdout channel. */
static const char *channel_at(const struct config *cfg, size_t i)
{
	return cfg->nnotifies ? cfg->notifies[i].id : "stdout";
}

static size_t channel_count(const struct config *cfg)
{
	return cfg->nnotifies ? cfg->nnotifies : 1;
}

/* Reads every channel's counts first, so that a failure leaves out both families whole. */
static int outbox_counts(const struct web_ctx *ctx, struct store_channel_counts *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (store_channel_counts(ctx->store, channel_at(ctx->cfg, i), &c[i]) < 0) {
			web_note(ctx, "metrics: cannot count the outbox: %s",
				 store_error(ctx->store));
			return -1;
		}
		free(c[i].last_error);
		c[i].last_error = NULL;
	}
	return 0;
}

static int put_outbox(const struct web_ctx *ctx, struct buf *out)
{
	size_t n = channel_count(ctx->cfg);
	struct store_channel_counts *c = xcalloc(n, sizeof(*c));
	int rc = outbox_counts(ctx, c, n);

	if (rc == 0) {
		metrics_write_head(out, "speechwatch_outbox_pending_events", "gauge",
				   "Events waiting for delivery (queued, sending, retry_wait).");
		for (size_t i = 0; i < n; i++)
			metrics_write_sample(out, "speechwatch_outbox_pending_events", "channel",
					     channel_at(ctx->cfg, i), (double)c[i].pending);
		metrics_write_head(out, "speechwatch_outbox_dead_events", "gauge",
				   "Events given up on (dead), kept for `events redeliver`.");
		for (size_t i = 0; i < n; i++)
			metrics_write_sample(out, "speechwatch_outbox_dead_events", "channel",
					     channel_at(ctx->cfg, i), (double)c[i].dead);
	}
	free(c);
	return rc;
}

static int put_store_size(const struct web_ctx *ctx, struct buf *out)
{
	int64_t bytes = 0, free_bytes = 0;

	if (store_size(ctx->store, &bytes, &free_bytes) < 0) {
		web_note(ctx, "metrics: cannot read the store's size: %s", store_error(ctx->store));
		return -1;
	}
	metrics_write_head(out, "speechwatch_store_size_bytes", "gauge",
			   "Bytes the store takes on disk, its journal included.");
	metrics_write_sample(out, "speechwatch_store_size_bytes", NULL, NULL, (double)bytes);
	metrics_write_head(out, "speechwatch_store_free_bytes", "gauge",
			   "Bytes free inside the store, which `speechwatch vacuum` gives back.");
	metrics_write_sample(out, "speechwatch_store_free_bytes", NULL, NULL, (double)free_bytes);
	return 0;
}

/* The store's gauges as read now, and whether the store answered. */
static void read_store_gauges(const struct web_ctx *ctx, struct buf *out)
{
	int ok = 1;

	if (ctx->store != NULL) {
		ok &= put_outbox(ctx, out) == 0;
		ok &= put_store_size(ctx, out) == 0;
	}
	metrics_write_head(out, "speechwatch_store_read_ok", "gauge",
			   "1 when the outbox and store gauges were read, 0 when the store could "
			   "not answer (they are left out).");
	metrics_write_sample(out, "speechwatch_store_read_ok", NULL, NULL,
			     ctx->store != NULL && ok);
}

int web_metrics_first(const struct web_ctx *ctx, const struct web_request *req,
		      struct web_reply *out)
{
	const char *kept = metrics_kept(ctx->metrics, clock_mono(), METRICS_STORE_EVERY);

	(void)req;
	if (kept == NULL)
		return 0;
	out->status = 200;
	out->content_type = METRICS_CONTENT_TYPE;
	metrics_render(ctx->metrics, &out->body);
	buf_append_str(&out->body, kept);
	return 1;
}

void web_metrics_gauges(const struct web_ctx *ctx, const struct web_request *req,
			struct web_reply *out)
{
	(void)req;
	out->status = 200;
	out->content_type = METRICS_CONTENT_TYPE;
	buf_reset(&out->body);
	read_store_gauges(ctx, &out->body);
}

void web_metrics_then(const struct web_ctx *ctx, const struct web_request *req,
		      struct web_reply *out)
{
	struct buf page;

	(void)req;
	metrics_keep(ctx->metrics, buf_str(&out->body), clock_mono());
	buf_init(&page);
	metrics_render(ctx->metrics, &page);
	buf_append(&page, out->body.data, out->body.len);
	buf_free(&out->body);
	out->body = page;
}

void web_page_metrics(const struct web_ctx *ctx, const struct web_request *req,
		      struct web_reply *out)
{
	if (web_metrics_first(ctx, req, out))
		return;
	web_metrics_gauges(ctx, req, out);
	web_metrics_then(ctx, req, out);
}
