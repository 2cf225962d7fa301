/*
 * One poll of one source: a conditional GET of its page, the items it
 * lists, then (detect.c) the articles that are new or due for a re-check.
 * When all of that is over, the outcome (status, validators, failures, next
 * due time, health events) is written to the store in one transaction.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/xmalloc.h"
#include "daemon/article_doc.h"
#include "daemon/daemon_int.h"
#include "daemon/detect_lookup.h"
#include "daemon/event.h"
#include "daemon/listing.h"
#include "daemon/metrics.h"
#include "daemon/poll_record.h"
#include "daemon/store.h"
#include "daemon/store_jobs.h"
#include "daemon/structure.h"
#include "daemon/themeset.h"
#include "fetch/http.h"

/* "next poll in 4m" for warnings: what happens next. */
static void fmt_next(double delay, char *out, size_t len)
{
	if (delay < 0)
		snprintf(out, len, "no further poll in this run");
	else if (delay < 120)
		snprintf(out, len, "next poll in %.0fs", delay);
	else if (delay < 7200)
		snprintf(out, len, "next poll in %.0fm", delay / 60);
	else
		snprintf(out, len, "next poll in %.1fh", delay / 3600);
}

/* What discover would watch on the page instead, in the log next to the failure. */
static void log_suggestion(struct source_rt *rt, const char *suggestion)
{
	char *text = structure_describe(suggestion);

	if (text != NULL)
		log_warnx("source=%s suggestion (speechwatch discover): %s", rt->id,
			  log_esc(text, 600));
	free(text);
}

static void log_outcome(struct source_rt *rt, const struct poll_outcome *o, double delay)
{
	char next[64];

	fmt_next(delay, next, sizeof(next));
	if (o->suspect)
		log_warnx("source=%s poll=suspect-list status=%ld items=%ld error=\"%s\"; nothing "
			  "marked new or gone, %s",
			  rt->id, o->status, o->items, log_esc(o->error, 200), next);
	else if (o->ok && o->status == 304)
		log_info("source=%s poll=%s status=304 changed=%ld time=%.2fs", rt->id, o->result,
			 o->changed, o->elapsed);
	else if (o->ok)
		log_info("source=%s poll=%s status=%ld items=%ld new=%ld changed=%ld "
			 "article_errors=%ld time=%.2fs",
			 rt->id, o->result, o->status, o->items, o->fresh, o->changed,
			 o->article_errors, o->elapsed);
	else
		log_warnx(
		    "source=%s poll=%s status=%ld failures=%ld reason=%s url=%s error=\"%s\"; "
		    "%s",
		    rt->id, o->result, o->status, rt->failures, event_fail_reason(o->result),
		    log_esc(rt->cfg->url, 200), log_esc(o->error, 200), next);
	if (!o->ok && o->suggestion != NULL)
		log_suggestion(rt, o->suggestion);
}

/* detect_done_fn, and the end of a poll that detected nothing: record, schedule, report. */
static void poll_complete(struct source_rt *rt, struct poll_outcome *o)
{
	struct daemon *d = rt->d;
	double delay = -1;

	if (rt->cfg == NULL) {
		poll_record_none(rt, o);
		return;
	}
	rt->failures = o->ok ? 0 : rt->failures + 1;
	if (!d->stopping && d->mode == DAEMON_RUN)
		delay = schedule_next(rt);
	log_outcome(rt, o, delay);
	metrics_poll(d->metrics, rt->id, o->suspect ? "suspect-list" : o->result, o->ok,
		     o->ok && o->status / 100 == 2 ? o->items : -1, clock_wall());
	poll_record(rt, o, delay); /* the poll counts once it is written */
}

/*
 * What listing_read asks of the store (items = auto, when the remembered
 * structure no longer reads the page: which candidate holds an item the
 * source has stored). The page is read once asking nothing, every URL it
 * asks about noted; when it asked, one store job looks them all up and the
 * page is read again with the answers (detect_lookup.h).
 */
struct known_ask {
	struct source_rt *rt;
	struct poll_outcome *o;
	struct article_resp *resp;	     /* the list page, while the lookup is out */
	struct list_items asked;	     /* the URLs asked about */
	const struct detect_lookup *answers; /* the second read: the store's answers */
};

/* listing_memory.known: noted and unknown on the first read, the store's answer on the second. */
static int known_item(void *arg, const char *url)
{
	struct known_ask *k = arg;
	const struct detect_lookup *j = k->answers;

	if (j != NULL) {
		for (size_t i = 0; i < j->nanswers; i++)
			if (strcmp(j->items.v[i].url, url) == 0)
				return j->answers[i].rc == 1;
		return 0;
	}
	for (size_t i = 0; i < k->asked.n; i++)
		if (strcmp(k->asked.v[i].url, url) == 0)
			return 0;
	k->asked.v = xreallocarray(k->asked.v, k->asked.n + 1, sizeof(*k->asked.v));
	memset(&k->asked.v[k->asked.n], 0, sizeof(*k->asked.v));
	k->asked.v[k->asked.n++].url = xstrdup(url);
	return 0;
}

/* items = auto: a structure replaced by another is worth a warning; the first one a note. */
static void log_structure(struct source_rt *rt, const struct listing *l)
{
	char *was, *now;

	if (!l->changed)
		return;
	now = structure_describe(l->structure);
	was = l->previous != NULL ? structure_describe(l->previous) : NULL;
	if (was != NULL)
		log_warnx("source=%s structure changed: %s -> %s", rt->id, log_esc(was, 400),
			  log_esc(now ? now : "?", 400));
	else
		log_info("source=%s structure chosen: %s", rt->id, log_esc(now ? now : "?", 400));
	free(was);
	free(now);
}

/* The list read: its items go to detection. */
static void judge_items(struct source_rt *rt, const struct http_response *resp,
			struct poll_outcome *o, struct listing *l)
{
	log_structure(rt, l);
	o->structure = l->structure;
	o->suggestion = l->suggestion;
	l->structure = l->suggestion = NULL;
	o->ok = 1;
	o->result = "ok";
	o->items = (long)l->items.n;
	o->etag = xstrdup_or_null(resp->etag);
	o->last_modified = xstrdup_or_null(resp->last_modified);
	detect_start(rt, &l->items, o, poll_complete); /* takes the items */
	listing_free(l);
}

/* Reads the list page with k's memory; -1 (the poll completed as a parse error). */
static int read_list(struct known_ask *k, const struct http_response *resp, struct listing *l)
{
	struct source_rt *rt = k->rt;
	const struct listing_memory mem = {rt->src.structure, known_item, k};

	if (listing_read(rt->cfg, resp->final_url ? resp->final_url : rt->cfg->url, resp->body,
			 resp->body_len, resp->content_type, &mem, l, k->o->error,
			 sizeof(k->o->error)) == 0)
		return 0;
	k->o->result = "parse-error";
	poll_complete(rt, k->o);
	return -1;
}

/* store_job_done_fn: the URLs asked about are answered; the page is read again with them. */
static void known_done(void *arg, int cancelled)
{
	struct detect_lookup *j = arg;
	struct known_ask *k = j->run;
	struct source_rt *rt = k->rt;
	struct http_response view;
	struct listing l;

	if (!cancelled) {
		rt->jobs_out--;
		if (j->err[0])
			log_err("source=%s %s", rt->id, j->err);
		k->answers = j;
		article_resp_view(k->resp, &view);
		if (rt->cfg == NULL)
			poll_record_none(rt, k->o);
		else if (read_list(k, &view, &l) == 0)
			judge_items(rt, &view, k->o, &l);
	}
	article_resp_free(k->resp);
	free(k);
	detect_lookup_free(j);
}

static void judge_page(struct source_rt *rt, const struct http_response *resp,
		       struct poll_outcome *o)
{
	struct known_ask *k = xcalloc(1, sizeof(*k));
	struct detect_lookup *j;
	struct listing l;
	int rc;

	k->rt = rt;
	k->o = o;
	rc = read_list(k, resp, &l);
	if (rc == 0 && k->asked.n == 0) {
		judge_items(rt, resp, o, &l);
	} else if (rc == 0) {
		listing_free(&l);
		k->resp = article_resp_copy(resp);
		j = xcalloc(1, sizeof(*j));
		j->kind = LOOKUP_KNOWN;
		j->source_id = xstrdup(rt->id);
		j->items = k->asked; /* the job's */
		j->run = k;
		rt->jobs_out++;
		store_jobs_submit(rt->d->jobs, detect_lookup_work, known_done, j);
		return;
	}
	list_items_free(&k->asked);
	free(k);
}

/* http_done_fn for a source's list page. */
static void poll_done(const struct http_response *resp, void *arg)
{
	struct poll_outcome *o = arg;
	struct source_rt *rt = o->rt;

	rt->inflight = NULL;
	o->status = resp->status;
	o->elapsed = resp->elapsed_s;
	if (rt->cfg == NULL || resp->result == HTTP_RES_CANCELLED) {
		poll_record_none(rt, o);
		return;
	}
	metrics_fetch(rt->d->metrics, "list", http_result_name(resp->result), resp->status,
		      resp->body_len, resp->elapsed_s);
	rt->retry_after =
	    (resp->status == 429 || resp->status == 503) ? (double)resp->retry_after_s : 0;
	if (resp->result != HTTP_RES_OK) {
		o->result = http_result_name(resp->result);
		snprintf(o->error, sizeof(o->error), "%s",
			 resp->error ? resp->error : http_result_name(resp->result));
	} else if (resp->status == 304) {
		o->ok = 1;
		o->result = "not-modified";
		detect_start_recheck(rt, o, poll_complete); /* silent edits keep the list */
		return;
	} else if (resp->status / 100 != 2) {
		o->result = "http-error";
		snprintf(o->error, sizeof(o->error), "HTTP %ld", resp->status);
	} else {
		judge_page(rt, resp, o);
		return;
	}
	poll_complete(rt, o);
}

/* Starts the conditional GET of rt's list page, with what its row remembers. */
static void poll_begin(struct source_rt *rt)
{
	struct poll_outcome *o = xcalloc(1, sizeof(*o));
	struct http_req req;
	char err[256];

	o->rt = rt;
	o->src = &rt->src; /* all zero when it could not be read */
	memset(&req, 0, sizeof(req));
	req.url = rt->cfg->url;
	req.follow_redirects = 1;
	req.trusted = 1; /* the operator wrote this URL */
	req.allow_private = rt->cfg->allow_private > 0;
	req.headers = (const char *const *)rt->cfg->headers.v;
	req.proxy = rt->cfg->proxy;
	/* A list a script builds changes without its HTML changing: no conditional GET. */
	req.render = rt->cfg->render == RENDER_BROWSER;
	req.if_none_match = req.render ? NULL : rt->src.etag;
	req.if_modified_since = req.render ? NULL : rt->src.last_modified;
	log_debug("source=%s poll url=%s", rt->id, log_esc(rt->cfg->url, 200));
	rt->inflight = http_start(rt->d->http, &req, poll_done, o, err, sizeof(err));
	if (rt->inflight == NULL) {
		o->result = "setup-error";
		snprintf(o->error, sizeof(o->error), "%s", err);
		poll_complete(rt, o);
	}
}

static int may_start(const struct source_rt *rt)
{
	return !rt->inflight && !rt->run && rt->cfg != NULL && !rt->d->stopping;
}

/* schedule_read_row's then: the poll goes on, with the row or without it (logged). */
static void poll_after_read(struct source_rt *rt, void *arg)
{
	(void)arg;
	if (rt == NULL)
		return;
	if (rt->cfg == NULL && !source_busy(rt))
		rt->hooks->finished(rt); /* a reload removed it meanwhile */
	else if (may_start(rt))
		poll_begin(rt);
}

void poll_start(struct source_rt *rt)
{
	if (!may_start(rt))
		return;
	if (rt->row_reading) {
		rt->first_wanted = 1; /* its first read is still out: the answer arms the timer */
		return;
	}
	if (!rt->src_known) { /* the read at start failed: once more before the poll */
		schedule_read_row(rt, poll_after_read, NULL);
		return;
	}
	poll_begin(rt);
}
