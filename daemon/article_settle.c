#include "daemon/article_settle.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/xmalloc.h"
#include "daemon/daemon_int.h"
#include "daemon/moved.h"
#include "daemon/store_jobs.h"

/*
 * The text hash identifies a statement only when there is a text: empty or
 * near-empty extractions (PDF links, script-built pages) all hash alike.
 */
static const char *text_key(const struct store_item *it)
{
	return it->words >= STORE_TEXT_MATCH_MIN_WORDS ? it->text_sha256 : NULL;
}

static void failed(struct article_settle *s, struct store *st)
{
	s->outcome = SETTLED_FAILED;
	snprintf(s->err, sizeof(s->err), "%s", store_error(st));
}

/*
 * The item this source already had for it under another URL, into s->old:
 * by its text when the text is an identity and the titles agree; else, for
 * items recorded without a text (a baseline's older ones), by the same
 * title and list date. 1/0/-1.
 */
static int find_moved(struct store *st, struct article_settle *s)
{
	const struct store_item *it = &s->it;
	int rc = 0;

	s->how = "same text as";
	if (text_key(it))
		rc = store_item_same_text(st, s->source_id, it->url, text_key(it), &s->old);
	if (rc == 1 && !moved_titles_agree(s->old.title, it->title)) {
		s->other_title = xstrdup(s->old.url); /* a statement of its own */
		store_item_clear(&s->old);
		memset(&s->old, 0, sizeof(s->old));
		rc = 0;
	}
	if (rc != 0 || it->title == NULL || it->title[0] == '\0' || it->published == NULL)
		return rc;
	s->how = "same title and date as";
	return store_item_same_listing(st, s->source_id, it->url, it->title, it->published,
				       &s->old);
}

/* The item, its themes and its events in one transaction. */
static void write_alerted(struct store *st, struct article_settle *s)
{
	if (s->it.language == NULL && s->language != NULL) { /* the scoring's, when alerted */
		s->it.language = s->language;
		s->language = NULL;
	}
	if (store_begin(st) == 0 && store_item_put(st, &s->it) == 0 &&
	    (!s->has_themes || store_item_set_themes(st, s->it.id, s->themes, s->detail) == 0) &&
	    event_rows_insert(st, &s->events, s->it.id) == 0 && store_commit(st) == 0) {
		s->outcome = s->kind == SETTLE_ALONE ? SETTLED_WRITTEN : SETTLED_ALERTED;
		return;
	}
	failed(s, st);
	store_rollback(st);
}

static void settle_new(struct store *st, struct article_settle *s)
{
	/* the URL always; the text only when there is one (an empty text is no identity) */
	int rc = store_item_seen_elsewhere(st, s->source_id, s->it.url, s->it.norm_url,
					   text_key(&s->it));

	if (rc == 1) {
		s->outcome = SETTLED_ELSEWHERE;
		return;
	}
	rc = find_moved(st, s);
	if (rc < 0) {
		failed(s, st);
		return;
	}
	if (rc == 1) {
		s->outcome = SETTLED_MOVED;
		return;
	}
	write_alerted(st, s);
}

/*
 * The same statement listed by two sources, or by this one under two URLs,
 * had its edit alerted once already: the first URL re-checked stored the
 * new text, which another item of an agreeing title now has.
 */
static void settle_changed(struct store *st, struct article_settle *s)
{
	const char *key = text_key(&s->it);

	if (key && store_item_seen_elsewhere(st, s->source_id, s->it.url, NULL, key) == 1) {
		s->outcome = SETTLED_ELSEWHERE;
		return;
	}
	if (key && store_item_same_text(st, s->source_id, s->it.url, key, &s->old) == 1) {
		if (moved_titles_agree(s->old.title, s->it.title)) {
			s->outcome = SETTLED_SAME_HERE;
			return;
		}
		store_item_clear(&s->old);
		memset(&s->old, 0, sizeof(s->old));
	}
	write_alerted(st, s);
}

void article_settle_work(struct store *st, void *arg)
{
	struct article_settle *s = arg;

	if (s->kind == SETTLE_NEW)
		settle_new(st, s);
	else if (s->kind == SETTLE_CHANGED)
		settle_changed(st, s);
	else
		write_alerted(st, s);
}

void article_settle_clear(struct article_settle *s)
{
	free(s->source_id);
	store_item_clear(&s->it);
	store_item_clear(&s->old);
	free(s->other_title);
	free(s->language);
	free(s->themes);
	free(s->detail);
	event_rows_free(&s->events);
}

/* A write alone of rt's that nothing waits for (article_settle_alone). */
struct alone_job {
	struct article_settle s;
	struct source_rt *rt;
	const char *what, *ok_note; /* static strings */
};

static void alone_done(void *arg, int cancelled)
{
	struct alone_job *a = arg;
	struct source_rt *rt = a->rt;

	if (!cancelled) {
		if (a->s.outcome == SETTLED_FAILED)
			log_err("source=%s url=%s cannot store %s: %s", rt->id,
				log_esc(a->s.it.url, 200), a->what, a->s.err);
		else if (a->ok_note)
			log_info("source=%s url=%s %s", rt->id, log_esc(a->s.it.url, 200),
				 a->ok_note);
	}
	article_settle_clear(&a->s);
	free(a);
	if (!cancelled)
		source_job_back(rt);
}

void article_settle_alone(struct source_rt *rt, struct store_item *it, const char *what,
			  const char *ok_note)
{
	struct alone_job *a = xcalloc(1, sizeof(*a));

	a->s.kind = SETTLE_ALONE;
	a->s.source_id = xstrdup(rt->id);
	a->s.it = *it;
	memset(it, 0, sizeof(*it));
	a->rt = rt;
	a->what = what;
	a->ok_note = ok_note;
	rt->jobs_out++;
	store_jobs_submit(rt->d->jobs, article_settle_work, alone_done, a);
}
