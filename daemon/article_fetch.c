#include "daemon/article_fetch.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "analyze/article/article.h"
#include "analyze/article/diff.h"
#include "analyze/page/date.h"
#include "analyze/page/list.h"
#include "analyze/page/page.h"
#include "analyze/themes/themes.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/urlcred.h"
#include "common/xmalloc.h"
#include "daemon/article_doc.h"
#include "daemon/article_read.h"
#include "daemon/article_settle.h"
#include "daemon/event_rows.h"
#include "daemon/archive.h"
#include "daemon/daemon_int.h"
#include "daemon/event.h"
#include "daemon/metrics.h"
#include "daemon/moved.h"
#include "daemon/outbox.h"
#include "daemon/pdf_queue.h"
#include "daemon/store.h"
#include "daemon/store_jobs.h"
#include "daemon/themeset.h"
#include "fetch/http.h"

struct article_job {
	struct source_rt *rt;
	char *url, *title, *date, *guid;
	struct store_item known;
	int has_known;
	enum article_kind kind;
	int give_up; /* an archived page answered but cannot be read: do not try it again */
	struct http_req_handle *h;
	article_done_fn *done;
	void *arg;
	/* a PDF being read (article_doc.h): the response it came in, its reading */
	struct article_resp *saved;
	struct pdf_task *pdf;
	struct article *page; /* the page that linked the PDF: kept if the PDF is no PDF */
};

static void sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	if (EVP_Digest(data, len, md, &n, EVP_sha256(), NULL) != 1)
		fatalx("sha256 failed");
	for (unsigned int i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static void compress_raw(const char *data, size_t len, struct store_item *it)
{
	uLongf out_len = compressBound((uLong)len);

	it->raw_z = xmalloc(out_len);
	if (compress2(it->raw_z, &out_len, (const Bytef *)data, (uLong)len, 6) != Z_OK) {
		free(it->raw_z);
		it->raw_z = NULL;
		return;
	}
	it->raw_z_len = out_len;
}

static void job_free(struct article_job *job)
{
	free(job->url);
	free(job->title);
	free(job->date);
	free(job->guid);
	store_item_clear(&job->known);
	article_resp_free(job->saved);
	if (job->page)
		article_free(job->page);
	free(job->page);
	free(job);
}

static void job_end(struct article_job *job, enum article_verdict v)
{
	/* An article that fails (or is cancelled) during the baseline is still part of it. */
	if ((v == ARTICLE_FAILED || v == ARTICLE_CANCELLED) && job->kind == ARTICLE_KIND_BASELINE) {
		struct list_item li = {job->url, job->title, job->date, job->guid, NULL};

		article_record_silently(job->rt, &li, "baseline article could not be read");
	}
	if (v == ARTICLE_FAILED && job->kind == ARTICLE_KIND_ARCHIVE && job->give_up)
		archive_give_up(job->rt, &job->known);
	job->done(job, v, job->arg);
	job_free(job);
}

/* Scores the text for this source; NULL when no themes are configured. */
static struct theme_result *score(struct source_rt *rt, const struct store_item *it)
{
	return article_read_score(rt->d->themes, rt->cfg, it->text, it->words, it->language);
}

/*
 * The themes above threshold of the text: their ids for search --theme,
 * and with scores and evidence (as the events send them) for the read side.
 * A changed text that lost its themes loses them too.
 */
static void settle_themes(const struct theme_result *r, struct article_settle *s)
{
	struct buf ids;

	if (r == NULL)
		return;
	buf_init(&ids);
	for (size_t i = 0; i < r->nthemes; i++)
		if (r->themes[i].above)
			buf_printf(&ids, "%s%s", ids.len ? "," : "", r->themes[i].id);
	s->has_themes = 1;
	s->themes = ids.len ? xstrdup(ids.data) : NULL;
	s->detail = event_themes_json(r);
	buf_free(&ids);
}

struct statement_payload {
	const struct source_rt *rt;
	const char *type, *diff;
	const struct store_item *it;
	const struct theme_result *r;
	double now;
};

static char *statement_json(const char *id, void *arg)
{
	const struct statement_payload *p = arg;

	return event_statement_json(id, p->type, p->now, p->rt->id, p->rt->cfg->url, p->it, p->r,
				    p->diff);
}

/*
 * What the item carries if it alerts, built on the loop: its scoring (the
 * language it lacks, its themes) and one event per interested channel.
 */
static void prepare_alert(struct source_rt *rt, struct store_item *it, const char *type,
			  const char *diff, struct article_settle *s)
{
	struct theme_result *r = score(rt, it);
	const char *const *channels;
	size_t n = rt->d->outbox ? outbox_channels(rt->d->outbox, &channels) : 0;
	struct statement_payload p = {rt, type, diff, it, r, clock_wall()};

	if (it->language == NULL && r && strcmp(r->language, "und") != 0)
		s->language = xstrdup(r->language);
	if (s->language)
		it->language = s->language; /* as it is stored when it alerts; taken back below */
	settle_themes(r, s);
	for (size_t i = 0; i < n; i++) {
		const struct config_notify *cn = config_notify_find(rt->d->cfg, channels[i]);

		if (cn && !themeset_channel_wants(cn, rt->id, r))
			continue;
		event_rows_add(&s->events, channels[i], type, rt->id, p.now, statement_json, &p);
	}
	if (s->language)
		it->language = NULL;
	theme_result_free(r);
}

/*
 * A page or document without main text is stored with words 0, scores no
 * theme and so reaches no channel with a min_score: the operator is warned
 * (a wrong body XPath shows here), once per item — a re-check of a known
 * item only notes it.
 */
static void log_no_text(const struct article_job *job, const struct article *a)
{
	if (a->no_text == NULL)
		return;
	if (job->kind == ARTICLE_KIND_RECHECK)
		log_info("source=%s article=%s %s", job->rt->id, log_esc(job->url, 200),
			 log_esc(a->no_text, 300));
	else
		log_warnx("source=%s article=%s %s", job->rt->id, log_esc(job->url, 200),
			  log_esc(a->no_text, 300));
}

static int extract(struct article_job *job, const struct http_response *resp, struct article *a)
{
	char err[512];

	if (article_read(job->rt->cfg, resp->final_url ? resp->final_url : job->url, resp->body,
			 resp->body_len, resp->content_type, a, err, sizeof(err)) < 0) {
		log_warnx("source=%s article=%s %s", job->rt->id, log_esc(job->url, 200),
			  log_esc(err, 300));
		return -1;
	}
	return 0;
}

/* The version just fetched, as a store item. */
static void build_version(struct article_job *job, const struct http_response *resp,
			  struct article *a, struct store_item *it)
{
	char hex[65];

	article_item_base(job->rt, job->url, job->title && *job->title ? job->title : a->title,
			  date_choose(job->date, a->date), job->guid, it);
	if (job->has_known) {
		it->id = job->known.id;
		it->first_seen = job->known.first_seen;
	}
	it->final_url = urlcred_strip(resp->final_url); /* the request's credentials stay there */
	it->http_status = resp->status;
	it->etag = xstrdup_or_null(resp->etag);
	it->last_modified = xstrdup_or_null(resp->last_modified);
	sha256_hex(resp->body, resp->body_len, hex);
	it->raw_sha256 = xstrdup(hex);
	sha256_hex(a->text, strlen(a->text), hex);
	it->text_sha256 = xstrdup(hex);
	it->text = a->text;
	a->text = NULL;
	compress_raw(resp->body, resp->body_len, it);
	it->language = xstrdup_or_null(a->language);
	it->words = (long)a->words;
	it->fetched_at = it->last_checked = clock_wall();
}

/* The job's version was written with its events: it alerted. */
static enum article_verdict alerted(struct article_job *job, struct article_settle *s,
				    const char *type)
{
	struct source_rt *rt = job->rt;

	metrics_add(rt->d->metrics, METRIC_STATEMENTS, rt->id,
		    s->kind == SETTLE_NEW ? "new" : "changed", 1);
	if (s->it.text)
		rt->text_newest_known = 0; /* a stored text may open a re-check window */
	log_info("source=%s %s url=%s title=\"%s\" events=%zu", rt->id, type,
		 log_esc(s->it.url, 200), log_esc(s->it.title, 120), s->events.n);
	if (s->events.n && rt->d->outbox)
		outbox_queued(rt->d->outbox, s->events.v[0].created);
	return s->kind == SETTLE_NEW ? ARTICLE_NEW : ARTICLE_CHANGED;
}

/*
 * A new URL with a statement this source already has under another: it
 * moved, or is listed twice. It is recorded in the poll's batch, seen but
 * not alerted; the poll's end (detect.c) counts the moves.
 */
static enum article_verdict moved(struct article_job *job, struct article_settle *s)
{
	struct source_rt *rt = job->rt;
	struct article_moved *m = rt->batch ? &rt->batch->moved : NULL;

	log_info("source=%s url=%s %s %s: recorded, not alerted", rt->id, log_esc(s->it.url, 200),
		 s->how, log_esc(s->old.url, 200));
	if (m && m->old_url == NULL) {
		m->old_url = xstrdup(s->old.url);
		m->new_url = xstrdup(s->it.url);
	}
	article_batch_add(rt, &s->it, 1);
	if (m)
		m->moved = (long)m->nitems;
	return ARTICLE_MOVED;
}

/* What the store said of the job's version (article_settle.h), as the job's verdict. */
static enum article_verdict settled(struct article_job *job, struct article_settle *s)
{
	struct source_rt *rt = job->rt;
	int fresh = s->kind == SETTLE_NEW;
	const char *type = fresh ? "statement.new" : "statement.changed";

	if (s->other_title)
		log_info("source=%s url=%s same text as %s under another title: a statement of "
			 "its own",
			 rt->id, log_esc(s->it.url, 200), log_esc(s->other_title, 200));
	switch (s->outcome) {
	case SETTLED_ALERTED:
		return alerted(job, s, type);
	case SETTLED_WRITTEN:
		rt->text_newest_known = 0;
		log_debug("source=%s url=%s archived: %ld words", rt->id, log_esc(s->it.url, 200),
			  s->it.words);
		return ARTICLE_SILENT;
	case SETTLED_ELSEWHERE:
		log_info(fresh ? "source=%s url=%s same text already seen through another source"
			       : "source=%s url=%s change already alerted through another source",
			 rt->id, log_esc(s->it.url, 200));
		article_batch_add(rt, &s->it, 0);
		return fresh ? ARTICLE_SILENT : ARTICLE_SAME;
	case SETTLED_MOVED:
		return moved(job, s);
	case SETTLED_SAME_HERE:
		log_info("source=%s url=%s change already alerted through %s", rt->id,
			 log_esc(s->it.url, 200), log_esc(s->old.url, 200));
		article_batch_add(rt, &s->it, 0);
		return ARTICLE_SAME;
	default:
		log_err("source=%s url=%s cannot store %s: %s", rt->id, log_esc(s->it.url, 200),
			s->kind == SETTLE_ALONE ? "the archived text" : type, s->err);
		return ARTICLE_FAILED;
	}
}

/* store_job_done_fn: the store has answered for the job's version; the job ends. */
static void settle_done(void *arg, int cancelled)
{
	struct article_settle *s = arg;
	struct article_job *job = s->arg;
	enum article_verdict v = cancelled ? ARTICLE_CANCELLED : settled(job, s);

	article_settle_clear(s);
	free(s);
	if (!cancelled)
		job_end(job, v);
}

/* Sends the version it (taken over) to the store as kind asks; alerting as type. */
static void settle_submit(struct article_job *job, struct store_item *it, enum settle_kind kind,
			  const char *type, const char *diff)
{
	struct article_settle *s = xcalloc(1, sizeof(*s));

	if (type)
		prepare_alert(job->rt, it, type, diff, s);
	s->kind = kind;
	s->source_id = xstrdup(job->rt->id);
	s->it = *it;
	memset(it, 0, sizeof(*it));
	s->arg = job;
	store_jobs_submit(job->rt->d->jobs, article_settle_work, settle_done, s);
}

static void settle_new(struct article_job *job, struct store_item *it)
{
	struct source_rt *rt = job->rt;

	if (job->kind == ARTICLE_KIND_BASELINE) {
		article_batch_add(rt, it, 0);
		job_end(job, ARTICLE_SILENT);
		return;
	}
	if (rt->batch)
		rt->batch->moved.read++;
	settle_submit(job, it, SETTLE_NEW, "statement.new", NULL);
}

static void settle_recheck(struct article_job *job, struct store_item *it)
{
	char *diff;

	if (job->known.text_sha256 && strcmp(job->known.text_sha256, it->text_sha256) == 0) {
		it->first_seen = job->known.first_seen;
		article_batch_add(job->rt, it, 0);
		job_end(job, ARTICLE_SAME);
		return;
	}
	diff = diff_unified(job->known.text ? job->known.text : "", it->text, "before", "after", 2);
	settle_submit(job, it, SETTLE_CHANGED, "statement.changed", diff);
	free(diff);
}

/*
 * Stores a, read from resp (format "pdf", or NULL for a web page), as the
 * job's kind asks; the job ends when that is settled (maybe later, with the
 * store's answer).
 */
static void settle(struct article_job *job, const struct http_response *resp, struct article *a,
		   const char *format)
{
	struct store_item it;

	log_no_text(job, a);
	build_version(job, resp, a, &it);
	it.format = format;
	article_free(a);
	if (job->kind == ARTICLE_KIND_ARCHIVE) {
		it.last_seen = job->known.last_seen;
		settle_submit(job, &it, SETTLE_ALONE, NULL, NULL);
	} else if (job->kind == ARTICLE_KIND_RECHECK) {
		settle_recheck(job, &it);
	} else {
		settle_new(job, &it);
	}
	store_item_clear(&it);
}

static enum article_verdict not_modified(struct article_job *job)
{
	job->known.last_checked = clock_wall();
	job->known.last_seen = job->known.last_checked;
	article_batch_add(job->rt, &job->known, 0);
	return ARTICLE_SAME;
}

/*
 * A response (or its failure) for the job's request: counted, 1; or the
 * request was cancelled (reload, stop) and the job has ended, 0.
 */
static int response_arrived(struct article_job *job, const struct http_response *resp)
{
	job->h = NULL;
	if (resp->result == HTTP_RES_CANCELLED || job->rt->cfg == NULL) {
		job_end(job, ARTICLE_CANCELLED);
		return 0;
	}
	metrics_fetch(job->rt->d->metrics, "article", http_result_name(resp->result), resp->status,
		      resp->body_len, resp->elapsed_s);
	return 1;
}

/* pdf_child_done_fn: the job's PDF was read, or could not be (an article error). */
static void pdf_done(void *arg, const struct pdf_result *res, const char *error)
{
	struct article_job *job = arg;
	struct http_response view;
	struct article a;

	job->pdf = NULL;
	if (job->rt->cfg == NULL) {
		job_end(job, ARTICLE_CANCELLED);
		return;
	}
	if (error) {
		log_warnx("source=%s article=%s %s", job->rt->id, log_esc(job->url, 200),
			  log_esc(error, 300));
		job->give_up = 1;
		job_end(job, ARTICLE_FAILED);
		return;
	}
	article_doc_from_pdf(res, &a);
	article_resp_view(job->saved, &view);
	settle(job, &view, &a, "pdf");
}

/* Reads the PDF in job->saved in a child, when one is free (pdf_queue.h). */
static void read_pdf(struct article_job *job)
{
	job->pdf = pdf_queue_start(job->rt->d->pdfs, job->saved->body, job->saved->body_len,
				   pdf_done, job);
}

/* http_done_fn for the document a page without text linked to: its PDF, else the page. */
static void doc_http_done(const struct http_response *resp, void *arg)
{
	struct article_job *job = arg;
	struct http_response view;
	struct article *page = job->page;

	if (!response_arrived(job, resp))
		return;
	if (resp->result == HTTP_RES_OK && resp->status / 100 == 2 &&
	    article_doc_is_pdf(resp->body, resp->body_len, resp->content_type)) {
		article_resp_take_body(job->saved, resp);
		read_pdf(job);
		return;
	}
	log_info("source=%s article=%s the linked document is no PDF to read (%s, HTTP %ld)",
		 job->rt->id, log_esc(job->url, 200),
		 resp->result == HTTP_RES_OK ? "fetched" : log_esc(resp->error, 200), resp->status);
	job->page = NULL;
	article_resp_view(job->saved, &view);
	settle(job, &view, page, NULL);
	free(page);
}

/*
 * A page without text whose statement is the PDF it links to: fetch that
 * (the page's response and article kept for when it is no PDF). 1 when
 * the fetch started, 0 when the page is all there is.
 */
static int follow_document(struct article_job *job, const struct http_response *resp,
			   struct article *a)
{
	struct http_req req;
	char *authed, err[256];

	if (a->document_url == NULL || job->rt->d->pdfs == NULL ||
	    strcasestr(a->document_url, "pdf") == NULL)
		return 0;
	job->saved = article_resp_copy(resp);
	job->page = xmalloc(sizeof(*job->page));
	*job->page = *a;
	authed = article_read_request(job->rt->cfg, a->document_url, &req);
	job->h = http_start(job->rt->d->http, &req, doc_http_done, job, err, sizeof(err));
	free(authed);
	if (job->h)
		return 1;
	log_warnx("source=%s article=%s cannot fetch its document: %s", job->rt->id,
		  log_esc(job->url, 200), log_esc(err, 200));
	free(job->page);
	job->page = NULL;
	article_resp_free(job->saved);
	job->saved = NULL;
	return 0;
}

/* A response to the article's URL: a PDF read in a child, else a page extracted here. */
static void read_response(struct article_job *job, const struct http_response *resp)
{
	struct article a;

	if (job->rt->d->pdfs &&
	    article_doc_is_pdf(resp->body, resp->body_len, resp->content_type)) {
		job->saved = article_resp_copy(resp);
		read_pdf(job);
		return;
	}
	if (extract(job, resp, &a) < 0) {
		job->give_up = 1;
		job_end(job, ARTICLE_FAILED);
		return;
	}
	if (!follow_document(job, resp, &a))
		settle(job, resp, &a, NULL);
}

/* http_done_fn for an article page. */
static void article_http_done(const struct http_response *resp, void *arg)
{
	struct article_job *job = arg;

	if (!response_arrived(job, resp))
		return;
	if (resp->result != HTTP_RES_OK || (resp->status / 100 != 2 && resp->status != 304)) {
		log_warnx("source=%s article=%s fetch failed: %s", job->rt->id,
			  log_esc(job->url, 200),
			  resp->result != HTTP_RES_OK ? log_esc(resp->error, 200) : "HTTP error");
		if (resp->result == HTTP_RES_OK)
			log_warnx("source=%s article=%s status=%ld", job->rt->id,
				  log_esc(job->url, 200), resp->status);
		/* a page that is not there; a timeout, 429 or 5xx may pass */
		job->give_up =
		    resp->result == HTTP_RES_OK && resp->status / 100 == 4 && resp->status != 429;
		job_end(job, ARTICLE_FAILED);
		return;
	}
	if (resp->status == 304 && job->has_known)
		job_end(job, not_modified(job));
	else
		read_response(job, resp);
}

struct article_job *article_fetch_start(struct source_rt *rt, const struct list_item *li,
					struct store_item *known, enum article_kind kind,
					article_done_fn *done, void *arg)
{
	struct article_job *job = xcalloc(1, sizeof(*job));
	struct http_req req;
	char *authed;
	char err[256];

	job->rt = rt;
	job->url = xstrdup(li->url);
	job->title = xstrdup_or_null(li->title);
	job->date = xstrdup_or_null(li->date);
	job->guid = xstrdup_or_null(li->guid);
	job->kind = kind;
	job->done = done;
	job->arg = arg;
	if (known) {
		job->known = *known;
		job->has_known = 1;
		memset(known, 0, sizeof(*known));
	}
	authed = article_read_request(rt->cfg, job->url, &req);
	req.render = rt->cfg->render_articles; /* fetch/ renders the source's own host only */
	if (job->has_known && !req.render) {
		req.if_none_match = job->known.etag;
		req.if_modified_since = job->known.last_modified;
	}
	job->h = http_start(rt->d->http, &req, article_http_done, job, err, sizeof(err));
	free(authed);
	if (job->h == NULL) {
		log_warnx("source=%s article=%s cannot fetch: %s", rt->id, log_esc(job->url, 200),
			  log_esc(err, 200));
		job_free(job);
		return NULL;
	}
	return job;
}

enum article_kind article_fetch_kind(const struct article_job *job)
{
	return job->kind;
}

void article_fetch_cancel(struct article_job *job)
{
	if (job->h) {
		http_cancel(job->rt->d->http, job->h); /* runs its done callback synchronously */
	} else if (job->pdf) {
		pdf_queue_cancel(job->pdf);
		job->pdf = NULL;
		job_end(job, ARTICLE_CANCELLED);
	}
}
