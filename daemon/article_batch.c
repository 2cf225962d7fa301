#include "daemon/article_batch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/page/list.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/xmalloc.h"
#include "daemon/article_read.h"
#include "daemon/article_settle.h"
#include "daemon/daemon_int.h"
#include "daemon/event_rows.h"
#include "daemon/moved.h"
#include "daemon/outbox.h"
#include "daemon/store.h"
#include "daemon/store_jobs.h"

void article_item_base(const struct source_rt *rt, const char *url, const char *title,
		       const char *date, const char *guid, struct store_item *it)
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

void article_batch_add(struct source_rt *rt, struct store_item *it, int moved)
{
	struct article_batch *b = rt->batch;
	struct store_item **v = b && moved ? &b->moved.items : b ? &b->items : NULL;
	size_t *n = b && moved ? &b->moved.nitems : b ? &b->nitems : NULL;

	if (b == NULL) {
		article_settle_alone(rt, it, "item", NULL);
		return;
	}
	if (it->id == 0 && pending_new(b, it->url)) {
		store_item_clear(it);
		return;
	}
	if (it->text)
		rt->text_newest_known = 0; /* a stored text may open a re-check window */
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

void article_record_silently(struct source_rt *rt, const struct list_item *li, const char *why)
{
	struct store_item it;

	article_item_base(rt, li->url, li->title, li->date, li->guid, &it);
	article_batch_add(rt, &it, 0);
	if (why)
		log_debug("source=%s url=%s recorded silently: %s", rt->id, log_esc(li->url, 200),
			  why);
}

/* A poll's batch on its way to the store. */
struct batch_job {
	struct source_rt *rt;
	char *source_id;
	struct article_batch b;	  /* taken from the poll */
	struct event_rows notice; /* b.moved.notice: source.changed, built on the loop */
	double now;
	long fresh;	    /* new items in it */
	long lost;	    /* out: new items not stored */
	long queued;	    /* out: source.changed events queued */
	size_t item_errors; /* out: items that could not be written (first: item_err) */
	char item_err[512];
	char err[512]; /* out: the transaction failed */
	void (*written)(void *arg, long lost);
	void *arg;
};

/* Inside the batch's transaction: the new items that could not be written. */
static void batch_put(struct store *st, struct batch_job *j)
{
	struct article_batch *b = &j->b;

	for (size_t i = 0; i < b->nseen; i++)
		if (store_item_touch(st, b->seen[i], b->seen_at) < 0 && j->item_errors++ == 0)
			snprintf(j->item_err, sizeof(j->item_err), "%s", store_error(st));
	for (size_t i = 0; i < b->nitems + b->moved.nitems; i++) {
		struct store_item *it =
		    i < b->nitems ? &b->items[i] : &b->moved.items[i - b->nitems];
		int fresh = it->id == 0;

		if (store_item_put(st, it) == 0)
			continue;
		if (j->item_errors++ == 0)
			snprintf(j->item_err, sizeof(j->item_err), "%s", store_error(st));
		j->lost += fresh;
	}
}

static void batch_work(struct store *st, void *arg)
{
	struct batch_job *j = arg;
	struct article_batch *b = &j->b;
	/* Sightings alone are not worth an fsync; an item recorded silently is. */
	int rc = b->nitems + b->moved.nitems ? store_begin(st) : store_begin_relaxed(st);

	if (rc == 0)
		batch_put(st, j);
	if (rc == 0 && b->moved.notice)
		j->queued =
		    moved_notice_write(st, j->source_id, &j->notice, j->now, &b->moved.repeat);
	if (rc < 0 || j->queued < 0 || store_commit(st) < 0) {
		snprintf(j->err, sizeof(j->err), "%s", store_error(st));
		store_rollback(st);
		j->lost = j->fresh;
	}
}

static void batch_done(void *arg, int cancelled)
{
	struct batch_job *j = arg;
	struct source_rt *rt = j->rt;

	if (!cancelled) {
		rt->jobs_out--;
		if (j->item_errors)
			log_err("source=%s cannot record %zu item(s): %s", rt->id, j->item_errors,
				j->item_err);
		if (j->err[0]) {
			log_err("source=%s cannot record the poll's %zu item(s): %s", rt->id,
				j->b.nitems + j->b.moved.nitems, j->err);
		} else if (j->b.moved.notice) {
			moved_report(rt, &j->b.moved, j->queued);
			if (j->queued && rt->d->outbox)
				outbox_queued(rt->d->outbox, j->now);
		}
		j->written(j->arg, j->lost);
	}
	article_batch_clear(&j->b);
	event_rows_free(&j->notice);
	free(j->source_id);
	free(j);
}

void article_batch_write(struct source_rt *rt, struct article_batch *b,
			 void (*written)(void *arg, long lost), void *arg)
{
	struct batch_job *j;

	if (b->nitems + b->moved.nitems + b->nseen == 0) {
		article_batch_clear(b);
		written(arg, 0);
		return;
	}
	j = xcalloc(1, sizeof(*j));
	j->rt = rt;
	j->source_id = xstrdup(rt->id);
	j->now = clock_wall();
	for (size_t i = 0; i < b->nitems; i++)
		j->fresh += b->items[i].id == 0;
	j->fresh += (long)b->moved.nitems;
	if (b->moved.notice)
		moved_notice_events(rt, &b->moved, j->now, &j->notice);
	j->b = *b;
	memset(b, 0, sizeof(*b));
	j->written = written;
	j->arg = arg;
	rt->jobs_out++;
	store_jobs_submit(rt->d->jobs, batch_work, batch_done, j);
}
