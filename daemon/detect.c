/*
 * What a poll found: the items of a list compared with the store. New
 * items (unknown for this source, not the same statement seen through
 * another source) have their article fetched, extracted and scored, and are
 * stored together with one event per interested channel in ONE transaction,
 * so an item becomes "seen" exactly when its alerts are queued. Known items
 * whose publication (or first sighting) is recent are re-checked at most
 * once per interval with a conditional GET; a changed text yields
 * statement.changed with a diff. A list that suddenly lost most of its
 * items changes nothing. A new URL whose text the source already has is
 * recorded without an alert; a poll where most new items are such moves
 * raises one source.changed instead (daemon/moved.h).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/xmalloc.h"
#include "daemon/archive.h"
#include "daemon/article_fetch.h"
#include "daemon/article_read.h"
#include "daemon/daemon_int.h"
#include "daemon/detect_lookup.h"
#include "daemon/moved.h"
#include "daemon/store.h"
#include "daemon/store_jobs.h"

#define MAX_ARTICLES_PER_POLL 100
#define MIN_ITEMS_FOR_LOSS_CHECK 4
#define SUSPECT_ACCEPT_AFTER 3 /* polls of a steady smaller list before it is believed */

struct poll_run {
	struct source_rt *rt;
	struct list_items items;
	struct poll_outcome *o;
	detect_done_fn *done;
	int baseline;
	int archiving;	/* a first poll of first_poll = archive: every item recorded silently */
	size_t pending; /* article jobs in flight */
	size_t started; /* article jobs started this poll */
	struct article_job **jobs;
	size_t njobs;
	int cancelled;		    /* a reload or stop ended it early */
	struct article_batch batch; /* its writes without alerts, written when it ends */
};

/* "2019-10-24..." -> unix time of that day (UTC), or 0. */
static double iso_day(const char *iso)
{
	struct tm tm;

	if (iso == NULL)
		return 0;
	memset(&tm, 0, sizeof(tm));
	if (sscanf(iso, "%4d-%2d-%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday) != 3)
		return 0;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (double)timegm(&tm);
}

static long recheck_days(const struct source_rt *rt)
{
	return rt->cfg->recheck_days >= 0 ? rt->cfg->recheck_days : rt->d->cfg->daemon.recheck_days;
}

/* Inside the re-check window: published (else first seen) within recheck_days. */
static int in_window(const struct source_rt *rt, const char *published, double first_seen)
{
	double when = iso_day(published), now = clock_wall();

	if (when <= 0)
		when = first_seen > 0 ? first_seen : now;
	/* A date-only publication counts from the end of that day. */
	return now - when <= (double)recheck_days(rt) * 86400.0 + 86400.0;
}

/*
 * Is this a list worth trusting? A redesign or an error page served with 200
 * is not. A smaller but non-empty list that stays the same size for
 * SUSPECT_ACCEPT_AFTER polls is believed: it becomes the new baseline
 * (recorded silently, so a redesign that changed every URL alerts nothing).
 */
static int list_is_suspect(struct source_rt *rt, size_t n, struct poll_outcome *o)
{
	const struct store_source *s = o->src;
	long before = s->items, streak = 1;

	if (s->suspect_polls > 0 && s->suspect_items == (long)n)
		streak = s->suspect_polls + 1;
	if (before >= MIN_ITEMS_FOR_LOSS_CHECK && (long)n * 2 < before) {
		if (streak >= SUSPECT_ACCEPT_AFTER) {
			log_warnx("source=%s the list has had %zu items (was %ld) for %ld polls: "
				  "accepted as its new size, recorded without alerts",
				  rt->id, n, before, streak);
			o->rebaseline = 1;
			return 0;
		}
		snprintf(o->error, sizeof(o->error), "the list lost %ld of its %ld items",
			 before - (long)n, before);
	} else {
		return 0;
	}
	o->suspect_polls = streak;
	return 1;
}

static void run_free(struct poll_run *run)
{
	article_batch_clear(&run->batch);
	list_items_free(&run->items);
	free(run->jobs);
	free(run);
}

/* article_batch_write's answer at the run's end: the poll's detection is over. */
static void run_written(void *arg, long lost)
{
	struct poll_run *run = arg;
	struct source_rt *rt = run->rt;
	struct poll_outcome *o = run->o;
	detect_done_fn *done = run->done;

	o->unsettled += lost;
	run_free(run);
	done(rt, o);
}

static void run_maybe_finish(struct poll_run *run)
{
	struct source_rt *rt = run->rt;

	if (run->pending > 0)
		return;
	/*
	 * Every article has answered: only now is it known whether most new
	 * items were moves (one source.changed, written with them). A poll cut
	 * short leaves its moves to the next, which reads them again.
	 */
	if (run->cancelled || rt->cfg == NULL) /* stopped, or removed by a reload */
		run->o->unsettled += (long)article_batch_drop_moved(&run->batch);
	else
		run->batch.moved.notice = moved_is_migration(&run->batch.moved);
	rt->run = NULL; /* the batch's job keeps rt (jobs_out) */
	rt->batch = NULL;
	article_batch_write(rt, &run->batch, run_written, run); /* one transaction per poll */
}

/* article_fetch's completion: count it and finish the poll when it was the last. */
static void job_finished(struct poll_run *run, struct article_job *job, enum article_verdict v)
{
	for (size_t i = 0; i < run->njobs; i++)
		if (run->jobs[i] == job)
			run->jobs[i] = NULL;
	run->pending--;
	if (article_fetch_kind(job) == ARTICLE_KIND_NEW &&
	    (v == ARTICLE_FAILED || v == ARTICLE_CANCELLED))
		run->o->unsettled++;
	if (v == ARTICLE_NEW)
		run->o->fresh++;
	else if (v == ARTICLE_CHANGED)
		run->o->changed++;
	else if (v == ARTICLE_FAILED)
		run->o->article_errors++;
	run_maybe_finish(run);
}

/* article_done_fn */
static void article_finished(struct article_job *job, enum article_verdict v, void *arg)
{
	job_finished(arg, job, v);
}

/*
 * An item whose article is not fetched this poll: a baseline item is
 * recorded without text (why), a new one stays unsettled for a later poll.
 */
static void job_not_started(struct poll_run *run, const struct list_item *li,
			    enum article_kind kind, const char *why)
{
	if (kind == ARTICLE_KIND_BASELINE)
		article_record_silently(run->rt, li, why);
	else if (kind == ARTICLE_KIND_NEW)
		run->o->unsettled++;
}

static void start_job(struct poll_run *run, const struct list_item *li, struct store_item *known,
		      enum article_kind kind)
{
	struct article_job *job;

	if (run->started >= MAX_ARTICLES_PER_POLL) {
		job_not_started(run, li, kind, "over the per-poll article cap");
		run->o->skipped++;
		return;
	}
	job = article_fetch_start(run->rt, li, known, kind, article_finished, run);
	if (job == NULL) {
		job_not_started(run, li, kind, "article fetch could not start");
		run->o->article_errors++;
		return;
	}
	run->started++;
	run->pending++;
	run->jobs = xreallocarray(run->jobs, run->njobs + 1, sizeof(*run->jobs));
	run->jobs[run->njobs++] = job;
}

/* A known item: note the sighting; re-check its text when due. */
static void consider_known(struct poll_run *run, const struct list_item *li, struct store_item *it)
{
	struct source_rt *rt = run->rt;
	double now = clock_wall();
	int due;

	article_batch_seen(&run->batch, it->id, now);
	due = recheck_days(rt) > 0 && in_window(rt, it->published, it->first_seen) &&
	      (rt->d->mode == DAEMON_ONCE || now - it->last_checked >= rt->cfg->interval);
	if (due && it->text != NULL)
		start_job(run, li, it, ARTICLE_KIND_RECHECK);
}

/* An item this source has not seen (elsewhere: the store's answer for other sources). */
static void consider_unknown(struct poll_run *run, const struct list_item *li, int elsewhere)
{
	struct source_rt *rt = run->rt;

	if (elsewhere == 1) {
		article_record_silently(rt, li, NULL);
		log_debug("source=%s url=%s already seen through another source", rt->id,
			  log_esc(li->url, 200));
		return;
	}
	if (run->baseline && (run->archiving || !in_window(rt, li->date, 0)))
		article_record_silently(rt, li, NULL);
	else
		start_job(run, li, NULL, run->baseline ? ARTICLE_KIND_BASELINE : ARTICLE_KIND_NEW);
}

/* known_pass 0: only unknown items; 1: only known ones (re-checks come after news). */
static void consider(struct poll_run *run, const struct list_item *li, struct detect_answer *a,
		     int known_pass)
{
	if (li->url == NULL)
		return; /* a feed entry with neither link nor permalink: nothing to fetch */
	if (a->rc < 0) {
		if (known_pass)
			run->o->unsettled++; /* counted once (logged with the lookup) */
		return;
	}
	if (a->rc == 1 && known_pass)
		consider_known(run, li, &a->it); /* takes it when it starts a job */
	else if (a->rc == 0 && !known_pass)
		consider_unknown(run, li, a->elsewhere);
}

/* A source never polled with items (first_poll = baseline or archive): record, do not alert. */
static int is_baseline(const struct source_rt *rt, const struct poll_outcome *o)
{
	return archive_first_poll(rt) != FIRST_POLL_ALERT && o->src->items == 0;
}

/* Is there perhaps an archive to read (first_poll = archive, not found done this run)? */
static int archive_wanted(const struct source_rt *rt)
{
	return !rt->archive_done && archive_first_poll(rt) == FIRST_POLL_ARCHIVE;
}

static void lookup_submit(struct poll_run *run, enum detect_lookup_kind kind,
			  struct detect_lookup *j);

/* The archive still to read is back: each stored item without its text is read. */
static void archive_found(struct poll_run *run, struct detect_lookup *j)
{
	struct source_rt *rt = run->rt;

	if (j->err[0] && j->items.n == 0)
		return; /* the archive could not be listed (logged): asked again next poll */
	rt->archive_done = j->items.n == 0;
	for (size_t i = 0; i < j->items.n; i++)
		if (j->answers[i].rc == 1) /* takes it when it starts */
			start_job(run, &j->items.v[i], &j->answers[i].it, ARTICLE_KIND_ARCHIVE);
	if (j->items.n > 0)
		log_info("source=%s archive: reading %zu text(s), no alerts", rt->id, j->items.n);
}

/* article_batch_write's answer for a first poll's items, before its archive is read. */
static void archive_written(void *arg, long lost)
{
	struct poll_run *run = arg;

	run->o->unsettled += lost;
	run->pending--;
	run_maybe_finish(run);
}

/*
 * first_poll = archive: the texts still to read, after the poll's own
 * articles (the fetch queue serves those first), within its article cap.
 * A first poll writes its items now: from here on the store knows what is
 * left to read, and a crash or a stop resumes there (daemon/archive.h).
 */
static void start_archive(struct poll_run *run)
{
	struct source_rt *rt = run->rt;
	struct detect_lookup *j;

	if (!archive_wanted(rt) || run->started >= MAX_ARTICLES_PER_POLL)
		return;
	if (run->archiving) { /* written before the archive is asked (the jobs' order) */
		run->pending++;
		article_batch_write(rt, &run->batch, archive_written, run);
	}
	j = xcalloc(1, sizeof(*j));
	j->max = MAX_ARTICLES_PER_POLL - run->started;
	j->archive_max = (size_t)archive_max_items(rt);
	lookup_submit(run, LOOKUP_ARCHIVE, j);
}

/*
 * An empty list is a failed poll, not a quiet one: a page turned into an
 * empty shell, a redesign or a wrong XPath must reach source.failing like an
 * HTTP error would, and nothing may be marked gone. The validators are not
 * kept (the poll is not ok), so the next poll fetches the page in full.
 */
static void fail_empty_list(struct poll_outcome *o)
{
	long before = o->src->items;

	o->ok = 0;
	o->result = "empty-list";
	if (before > 0)
		snprintf(o->error, sizeof(o->error),
			 "the list yielded no items (the last good poll had %ld)", before);
	else if (o->rt != NULL && o->rt->cfg != NULL && o->rt->cfg->items_auto)
		snprintf(o->error, sizeof(o->error),
			 "the list yielded no items: the list detector (items = auto) found no "
			 "list on the page");
	else
		snprintf(
		    o->error, sizeof(o->error),
		    "the list yielded no items: check the items XPath with speechwatch preview");
}

/*
 * A list that rejected more items than it kept (links back to the page,
 * off-site, no titles) is a broken selector, not a list: like an empty one
 * it fails the poll and nothing is marked new or gone.
 */
static void fail_rejected_list(const struct list_items *items, struct poll_outcome *o)
{
	char why[400];

	o->ok = 0;
	o->result = "items-rejected";
	list_items_note(items, why, sizeof(why));
	snprintf(o->error, sizeof(o->error),
		 "the list's items are not statements: kept %zu, %s; check the XPaths with "
		 "speechwatch preview",
		 items->n, why);
}

/* The run of one poll, holding itself open (pending 1) while the items are walked. */
static struct poll_run *run_new(struct source_rt *rt, struct list_items *items,
				struct poll_outcome *o, detect_done_fn *done)
{
	struct poll_run *run = xcalloc(1, sizeof(*run));

	run->rt = rt;
	run->items = *items;
	memset(items, 0, sizeof(*items));
	run->o = o;
	run->done = done;
	run->pending = 1; /* so no job finishes the run early */
	rt->run = run;
	rt->batch = &run->batch;
	return run;
}

/*
 * What reading the list left out or changed (a cut to the hard cap, a feed's
 * repeated guids) goes to status with the poll, and to the log once: when
 * it differs from what the last poll recorded.
 */
static void note_list(struct source_rt *rt, const struct list_items *items, struct poll_outcome *o)
{
	const char *before = o->src->last_error;

	if (!list_items_note(items, o->note, sizeof(o->note)))
		return;
	if (before == NULL || strcmp(before, o->note) != 0)
		log_warnx("source=%s %s", rt->id, log_esc(o->note, 400));
}

/*
 * Can a stored item of rt be inside its re-check window now? From memory,
 * after one question to the store per source (and one after each stored
 * text, asked with the re-checks): recheck_days = 0 asks nothing at all.
 * -1: not known yet.
 */
static int recheck_possible(struct source_rt *rt)
{
	long days = recheck_days(rt);

	if (days == 0)
		return 0;
	if (!rt->text_newest_known)
		return -1;
	/* in_window()'s test, for the newest window of them all */
	return rt->text_newest > 0 &&
	       clock_wall() - rt->text_newest <= (double)days * 86400.0 + 86400.0;
}

/* The store's answer about the newest text is kept: later polls need not ask. */
static void recheck_answered(struct source_rt *rt, const struct detect_lookup *j)
{
	if (!rt->text_newest_known && j->newest_known) {
		rt->text_newest = j->newest;
		rt->text_newest_known = 1;
	}
}

/* The decisions on the list's items, with the store's answers (j's items are the run's). */
static void decide(struct poll_run *run, struct detect_lookup *j)
{
	for (int pass = j->kind == LOOKUP_RECHECK; pass < 2; pass++)
		for (size_t i = 0; i < run->items.n; i++)
			consider(run, &run->items.v[i], &j->answers[i], pass);
	if (run->baseline)
		log_info("source=%s first poll: %zu item(s) recorded as the baseline, no alerts",
			 run->rt->id, run->items.n);
}

/*
 * store_job_done_fn: the answers are back. A run cancelled meanwhile (a
 * reload, a stop) decides nothing: its new items stay unsettled, so the
 * list's validators are not kept and the next poll reads them again.
 */
static void lookup_done(void *arg, int cancelled)
{
	struct detect_lookup *j = arg;
	struct poll_run *run = cancelled ? NULL : j->run;
	enum detect_lookup_kind kind = j->kind;

	if (run == NULL) {
		detect_lookup_free(j);
		return;
	}
	if (j->err[0])
		log_err("source=%s %s", run->rt->id, j->err);
	if (kind == LOOKUP_RECHECK)
		recheck_answered(run->rt, j);
	if (kind != LOOKUP_ARCHIVE) {
		run->items = j->items; /* the run's own (or the items due) */
		memset(&j->items, 0, sizeof(j->items));
	}
	if (run->cancelled || run->rt->cfg == NULL)
		run->o->unsettled += kind == LOOKUP_ITEMS; /* its new items are not recorded */
	else if (kind == LOOKUP_ARCHIVE)
		archive_found(run, j);
	else if (kind == LOOKUP_ITEMS || j->possible)
		decide(run, j);
	if (kind != LOOKUP_ARCHIVE && !run->cancelled && run->rt->cfg != NULL)
		start_archive(run); /* after the poll's own articles; a stop or restart left some */
	detect_lookup_free(j);
	run->pending--;
	run_maybe_finish(run);
}

/* Sends j's questions about run to the store; the run waits for the answers (pending). */
static void lookup_submit(struct poll_run *run, enum detect_lookup_kind kind,
			  struct detect_lookup *j)
{
	j->kind = kind;
	j->source_id = xstrdup(run->rt->id);
	j->run = run;
	run->pending++;
	store_jobs_submit(run->rt->d->jobs, detect_lookup_work, lookup_done, j);
}

void detect_start(struct source_rt *rt, struct list_items *items, struct poll_outcome *o,
		  detect_done_fn *done)
{
	struct poll_run *run;
	struct detect_lookup *j;
	enum list_verdict verdict;

	note_list(rt, items, o);
	verdict = list_items_verdict(items);
	if (verdict != LIST_USABLE) {
		if (verdict == LIST_NO_MATCH)
			fail_empty_list(o);
		else
			fail_rejected_list(items, o);
		list_items_free(items);
		done(rt, o);
		return;
	}
	if (list_is_suspect(rt, items->n, o)) {
		o->suspect = 1;
		list_items_free(items);
		done(rt, o);
		return;
	}
	run = run_new(rt, items, o, done);
	run->baseline = o->rebaseline || is_baseline(rt, o);
	run->archiving = run->baseline && archive_first_poll(rt) == FIRST_POLL_ARCHIVE;
	j = xcalloc(1, sizeof(*j));
	j->items = run->items; /* the job's until it is back */
	memset(&run->items, 0, sizeof(run->items));
	lookup_submit(run, LOOKUP_ITEMS, j);
	run->pending--; /* the lookup holds the run now */
}

void detect_start_recheck(struct source_rt *rt, struct poll_outcome *o, detect_done_fn *done)
{
	struct list_items none;
	struct poll_run *run;
	struct detect_lookup *j;
	int possible = recheck_possible(rt);

	if (possible == 0 && !archive_wanted(rt)) {
		done(rt, o);
		return;
	}
	memset(&none, 0, sizeof(none));
	run = run_new(rt, &none, o, done);
	j = xcalloc(1, sizeof(*j));
	j->newest_known = possible >= 0;
	j->newest = rt->text_newest;
	j->window = (double)recheck_days(rt) * 86400.0 + 86400.0;
	j->now = clock_wall();
	j->before = j->now - (rt->d->mode == DAEMON_ONCE ? 0 : rt->cfg->interval);
	j->max = MAX_ARTICLES_PER_POLL;
	if (possible == 0)
		j->window = -1; /* nothing is due: only the archive is looked at */
	lookup_submit(run, LOOKUP_RECHECK, j);
	run->pending--;
}

void detect_cancel(struct poll_run *run)
{
	run->pending++; /* the cancelled jobs' callbacks must not free the run under us */
	run->cancelled = 1;
	for (size_t i = 0; i < run->njobs; i++)
		if (run->jobs[i])
			article_fetch_cancel(run->jobs[i]); /* runs article_finished */
	run->pending--;
	run_maybe_finish(run);
}
