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
#include "daemon/archive.h"
#include "daemon/daemon_int.h"
#include "daemon/event.h"
#include "daemon/metrics.h"
#include "daemon/moved.h"
#include "daemon/outbox.h"
#include "daemon/pdf_queue.h"
#include "daemon/store.h"
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

/* The fields every stored version has, from the list item. */
static void item_base(struct source_rt *rt, const char *url, const char *title, const char *date,
		      const char *guid, struct store_item *it)
{
	double now = clock_wall();

	memset(it, 0, sizeof(*it));
	it->source_id = xstrdup(rt->id);
	it->url = xstrdup(url);
	it->norm_url = article_normalise_url(url);
	it->guid = xstrdup_or_null(guid);
	it->title = xstrdup_or_null(title);
	it->published = xstrdup_or_null(date);
	it->first_seen = now;
	it->last_seen = now;
}

/* A stored text may open a re-check window: detect.c asks the store again. */
static void note_text(struct source_rt *rt, const struct store_item *it)
{
	if (it->text)
		rt->text_newest_known = 0;
}

static int pending_new(const struct article_batch *b, const char *url)
{
	for (size_t i = 0; i < b->nitems; i++)
		if (b->items[i].id == 0 && strcmp(b->items[i].url, url) == 0)
			return 1;
	for (size_t i = 0; i < b->moved.nitems; i++)
		if (strcmp(b->moved.items[i].url, url) == 0)
			return 1;
	return 0;
}

/*
 * Takes it over into the poll's batch (its moved items when moved); a
 * second new item of the same url (a list naming it twice) is dropped.
 * Without a poll (not a path detect.c takes) it is written at once.
 */
static void batch_add(struct source_rt *rt, struct store_item *it, int moved)
{
	struct article_batch *b = rt->batch;
	struct store_item **v = b && moved ? &b->moved.items : b ? &b->items : NULL;
	size_t *n = b && moved ? &b->moved.nitems : b ? &b->nitems : NULL;

	if (b == NULL) {
		if (store_item_put(rt->d->store, it) < 0)
			log_err("source=%s cannot record item: %s", rt->id,
				store_error(rt->d->store));
		store_item_clear(it);
		return;
	}
	if (it->id == 0 && pending_new(b, it->url)) {
		store_item_clear(it);
		return;
	}
	note_text(rt, it);
	*v = xreallocarray(*v, *n + 1, sizeof(**v));
	(*v)[(*n)++] = *it;
	memset(it, 0, sizeof(*it));
}

void article_batch_seen(struct article_batch *b, int64_t id, double now)
{
	b->seen = xreallocarray(b->seen, b->nseen + 1, sizeof(*b->seen));
	b->seen[b->nseen++] = id;
	b->seen_at = now;
}

size_t article_batch_drop_moved(struct article_batch *b)
{
	size_t n = b->moved.nitems;

	for (size_t i = 0; i < n; i++)
		store_item_clear(&b->moved.items[i]);
	free(b->moved.items);
	b->moved.items = NULL;
	b->moved.nitems = 0;
	b->moved.notice = 0;
	return n;
}

void article_batch_clear(struct article_batch *b)
{
	article_batch_drop_moved(b);
	for (size_t i = 0; i < b->nitems; i++)
		store_item_clear(&b->items[i]);
	free(b->items);
	free(b->seen);
	free(b->moved.old_url);
	free(b->moved.new_url);
	memset(b, 0, sizeof(*b));
}

/* Inside the batch's transaction: the new items that could not be written. */
static long batch_put(struct source_rt *rt, struct article_batch *b)
{
	struct store *st = rt->d->store;
	long lost = 0;

	for (size_t i = 0; i < b->nseen; i++)
		if (store_item_touch(st, b->seen[i], b->seen_at) < 0)
			log_err("source=%s %s", rt->id, store_error(st));
	for (size_t i = 0; i < b->nitems + b->moved.nitems; i++) {
		struct store_item *it =
		    i < b->nitems ? &b->items[i] : &b->moved.items[i - b->nitems];
		int fresh = it->id == 0;

		if (store_item_put(st, it) == 0)
			continue;
		log_err("source=%s cannot record item: %s", rt->id, store_error(st));
		lost += fresh;
	}
	return lost;
}

/*
 * Inside the batch's transaction: the poll's source.changed, when its end
 * found a mass move; -1 on a store error.
 */
static long batch_notice(struct source_rt *rt, struct article_batch *b, double now)
{
	return b->moved.notice ? moved_queue_notice(rt, &b->moved, now) : 0;
}

long article_batch_write(struct source_rt *rt, struct article_batch *b)
{
	struct store *st = rt->d->store;
	long lost, fresh = 0, queued = -1;
	double now = clock_wall();
	int rc;

	if (b->nitems + b->moved.nitems + b->nseen == 0)
		return 0;
	for (size_t i = 0; i < b->nitems; i++)
		fresh += b->items[i].id == 0;
	fresh += (long)b->moved.nitems;
	/* Sightings alone are not worth an fsync; an item recorded silently is. */
	rc = b->nitems + b->moved.nitems ? store_begin(st) : store_begin_relaxed(st);
	lost = rc < 0 ? fresh : batch_put(rt, b);
	if (rc == 0)
		queued = batch_notice(rt, b, now);
	if (rc < 0 || queued < 0 || store_commit(st) < 0) {
		log_err("source=%s cannot record the poll's %zu item(s): %s", rt->id,
			b->nitems + b->moved.nitems, store_error(st));
		store_rollback(st);
		lost = fresh;
	} else if (b->moved.notice) {
		moved_report(rt, &b->moved, queued);
		if (queued)
			outbox_queued(rt->d->outbox, now);
	}
	article_batch_clear(b);
	return lost;
}

void article_record_silently(struct source_rt *rt, const struct list_item *li, const char *why)
{
	struct store_item it;

	item_base(rt, li->url, li->title, li->date, li->guid, &it);
	batch_add(rt, &it, 0);
	if (why)
		log_debug("source=%s url=%s recorded silently: %s", rt->id, log_esc(li->url, 200),
			  why);
}

/* Scores the text for this source; NULL when no themes are configured. */
static struct theme_result *score(struct source_rt *rt, const struct store_item *it)
{
	return article_read_score(rt->d->themes, rt->cfg, it->text, it->words, it->language);
}

/*
 * The themes above threshold of the text just stored: their ids for search
 * --theme, and with scores and evidence (as the events send them) for the
 * read side. A changed text that lost its themes loses them here too.
 */
static int record_themes(struct store *st, const struct store_item *it,
			 const struct theme_result *r)
{
	struct buf ids;
	char *detail;
	int rc;

	if (r == NULL)
		return 0;
	buf_init(&ids);
	for (size_t i = 0; i < r->nthemes; i++)
		if (r->themes[i].above)
			buf_printf(&ids, "%s%s", ids.len ? "," : "", r->themes[i].id);
	detail = event_themes_json(r);
	rc = store_item_set_themes(st, it->id, ids.len ? ids.data : NULL, detail);
	free(detail);
	buf_free(&ids);
	return rc;
}

/* The item and one event per interested channel, in one transaction. */
static int store_with_events(struct source_rt *rt, struct store_item *it, const char *type,
			     const char *diff)
{
	struct store *st = rt->d->store;
	struct theme_result *r = score(rt, it);
	const char *const *channels;
	size_t n = outbox_channels(rt->d->outbox, &channels), queued = 0;
	double now = clock_wall();

	if (it->language == NULL && r && strcmp(r->language, "und") != 0)
		it->language = xstrdup(r->language);
	if (store_begin(st) < 0 || store_item_put(st, it) < 0 || record_themes(st, it, r) < 0)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		const struct config_notify *cn = config_notify_find(rt->d->cfg, channels[i]);
		char id[EVENT_ID_LEN + 1], *payload;
		int rc;

		if (cn && !themeset_channel_wants(cn, rt->id, r))
			continue;
		event_new_id(id);
		payload = event_statement_json(id, type, now, rt->id, rt->cfg->url, it, r, diff);
		rc = store_event_insert(st, &(struct store_event_new){id, channels[i], type, rt->id,
								      it->id, payload, now});
		free(payload);
		if (rc < 0)
			goto fail;
		queued++;
	}
	if (store_commit(st) < 0)
		goto fail;
	metrics_add(rt->d->metrics, METRIC_STATEMENTS, rt->id,
		    strcmp(type, "statement.new") == 0 ? "new" : "changed", 1);
	theme_result_free(r);
	note_text(rt, it);
	log_info("source=%s %s url=%s title=\"%s\" events=%zu", rt->id, type, log_esc(it->url, 200),
		 log_esc(it->title, 120), queued);
	if (queued)
		outbox_queued(rt->d->outbox, now);
	return 0;
fail:
	log_err("source=%s cannot store %s: %s", rt->id, type, store_error(st));
	store_rollback(st);
	theme_result_free(r);
	return -1;
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

	item_base(job->rt, job->url, job->title && *job->title ? job->title : a->title,
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

/*
 * The text hash identifies a statement only when there is a text: empty or
 * near-empty extractions (PDF links, script-built pages) all hash alike.
 */
static const char *text_key(const struct store_item *it)
{
	return it->words >= STORE_TEXT_MATCH_MIN_WORDS ? it->text_sha256 : NULL;
}

/*
 * The item this source already had for it under another URL, into old: by
 * its text when the text is an identity and the titles agree; else, for
 * items recorded without a text (a baseline's older ones), by the same
 * title and list date. *how says which. 1/0/-1.
 */
static int find_moved(struct source_rt *rt, const struct store_item *it, struct store_item *old,
		      const char **how)
{
	struct store *st = rt->d->store;
	int rc = 0;

	memset(old, 0, sizeof(*old));
	*how = "same text as";
	if (text_key(it))
		rc = store_item_same_text(st, rt->id, it->url, text_key(it), old);
	if (rc == 1 && !moved_titles_agree(old->title, it->title)) {
		log_info("source=%s url=%s same text as %s under another title: a statement of "
			 "its own",
			 rt->id, log_esc(it->url, 200), log_esc(old->url, 200));
		store_item_clear(old);
		rc = 0;
	}
	if (rc != 0 || it->title == NULL || it->title[0] == '\0' || it->published == NULL)
		return rc;
	*how = "same title and date as";
	return store_item_same_listing(st, rt->id, it->url, it->title, it->published, old);
}

/*
 * A new URL with a statement this source already has under another
 * (find_moved): it moved, or is listed twice. It is recorded in the poll's
 * batch, seen but not alerted; the poll's end (detect.c) counts the moves.
 * 1 when it was, 0 when it is new here, -1 on a store error.
 */
static int record_moved(struct source_rt *rt, struct store_item *it)
{
	struct article_moved *m = rt->batch ? &rt->batch->moved : NULL;
	struct store_item old;
	const char *how;
	int rc = find_moved(rt, it, &old, &how);

	if (rc < 0)
		log_err("source=%s %s", rt->id, store_error(rt->d->store));
	if (rc == 1) {
		log_info("source=%s url=%s %s %s: recorded, not alerted", rt->id,
			 log_esc(it->url, 200), how, log_esc(old.url, 200));
		if (m && m->old_url == NULL) {
			m->old_url = xstrdup(old.url);
			m->new_url = xstrdup(it->url);
		}
		batch_add(rt, it, 1);
		if (m)
			m->moved = (long)m->nitems;
	}
	store_item_clear(&old);
	return rc;
}

static enum article_verdict settle_new(struct article_job *job, struct store_item *it)
{
	struct source_rt *rt = job->rt;
	/* the URL always; the text only when there is one (an empty text is no identity) */
	int dup =
	    store_item_seen_elsewhere(rt->d->store, rt->id, it->url, it->norm_url, text_key(it));
	int moved;

	if (job->kind != ARTICLE_KIND_BASELINE && rt->batch)
		rt->batch->moved.read++;
	if (job->kind == ARTICLE_KIND_BASELINE || dup == 1) {
		if (dup == 1)
			log_info("source=%s url=%s same text already seen through another source",
				 rt->id, log_esc(it->url, 200));
		batch_add(rt, it, 0);
		return ARTICLE_SILENT;
	}
	moved = record_moved(rt, it);
	if (moved != 0)
		return moved > 0 ? ARTICLE_MOVED : ARTICLE_FAILED;
	return store_with_events(rt, it, "statement.new", NULL) < 0 ? ARTICLE_FAILED : ARTICLE_NEW;
}

/*
 * A statement this source lists under two URLs changed: the first URL
 * re-checked has already alerted the edit (its new text is stored) when
 * another item of the source, of an agreeing title, has the new text.
 */
static int edit_alerted_here(struct source_rt *rt, const struct store_item *it)
{
	struct store_item old;
	int same;

	if (text_key(it) == NULL ||
	    store_item_same_text(rt->d->store, rt->id, it->url, text_key(it), &old) != 1)
		return 0;
	same = moved_titles_agree(old.title, it->title);
	if (same)
		log_info("source=%s url=%s change already alerted through %s", rt->id,
			 log_esc(it->url, 200), log_esc(old.url, 200));
	store_item_clear(&old);
	return same;
}

static enum article_verdict settle_recheck(struct article_job *job, struct store_item *it)
{
	struct source_rt *rt = job->rt;
	char *diff;
	int rc;

	if (job->known.text_sha256 && strcmp(job->known.text_sha256, it->text_sha256) == 0) {
		it->first_seen = job->known.first_seen;
		batch_add(rt, it, 0);
		return ARTICLE_SAME;
	}
	/* The same statement listed by two sources: its edit is alerted once. */
	if (text_key(it) &&
	    store_item_seen_elsewhere(rt->d->store, rt->id, it->url, NULL, text_key(it)) == 1) {
		log_info("source=%s url=%s change already alerted through another source", rt->id,
			 log_esc(it->url, 200));
		batch_add(rt, it, 0);
		return ARTICLE_SAME;
	}
	if (edit_alerted_here(rt, it)) {
		batch_add(rt, it, 0);
		return ARTICLE_SAME;
	}
	diff = diff_unified(job->known.text ? job->known.text : "", it->text, "before", "after", 2);
	rc = store_with_events(rt, it, "statement.changed", diff);
	free(diff);
	return rc < 0 ? ARTICLE_FAILED : ARTICLE_CHANGED;
}

/* Stores a, read from resp (format "pdf", or NULL for a web page), as the job's kind asks. */
static enum article_verdict settle(struct article_job *job, const struct http_response *resp,
				   struct article *a, const char *format)
{
	struct store_item it;
	enum article_verdict v;

	log_no_text(job, a);
	build_version(job, resp, a, &it);
	it.format = format;
	article_free(a);
	if (job->kind == ARTICLE_KIND_ARCHIVE) {
		it.last_seen = job->known.last_seen;
		v = archive_store(job->rt, &it) < 0 ? ARTICLE_FAILED : ARTICLE_SILENT;
	} else {
		v = job->kind == ARTICLE_KIND_RECHECK ? settle_recheck(job, &it)
						      : settle_new(job, &it);
	}
	store_item_clear(&it);
	return v;
}

static enum article_verdict not_modified(struct article_job *job)
{
	job->known.last_checked = clock_wall();
	job->known.last_seen = job->known.last_checked;
	batch_add(job->rt, &job->known, 0);
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
	job_end(job, settle(job, &view, &a, "pdf"));
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
	job_end(job, settle(job, &view, page, NULL));
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
		job_end(job, settle(job, resp, &a, NULL));
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
