/*
 * The outbox's store operations on either backend (issue 20): alone this
 * runs on SQLite, under tests/pgcluster.py with SW_TEST_PG=1 on
 * PostgreSQL, and every check holds on both. Ported from test_store.c and
 * test_redeliver.c, plus what PostgreSQL makes worth saying (a refused
 * insert leaves the transaction usable; skipped channel names with quotes).
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"
#include "daemon/store.h"
#include "tests/unit/testutil.h"

static char *location;
static struct store *st;

static void setup(void)
{
	char err[512];

	location = testutil_store_fresh();
	st = store_open(location, err, sizeof(err));
	ck_assert_msg(st != NULL, "store_open: %s", err);
}

static void teardown(void)
{
	store_close(st);
	testutil_store_done(location);
}

static void reopen(void)
{
	char err[512];

	store_close(st);
	st = store_open(location, err, sizeof(err));
	ck_assert_msg(st != NULL, "store_open: %s", err);
}

static void put_event(const char *id, const char *channel, double created)
{
	struct store_event_new ev = {
	    .id = id,
	    .channel = channel,
	    .type = "statement.new",
	    .source_id = "src",
	    .payload = "{\"id\":1}",
	    .created = created,
	};

	ck_assert_msg(store_event_insert(st, &ev) == 0, "%s", store_error(st));
}

static void free_events(struct store_event *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		store_event_clear(&v[i]);
	free(v);
}

static size_t count_due(double now)
{
	struct store_event *v;
	size_t n;

	ck_assert_msg(store_events_due(st, now, NULL, 100, &v, &n) == 0, "%s", store_error(st));
	free_events(v, n);
	return n;
}

/* Moves event id to state, as the outbox does; attempts and delivered_at stay 0. */
static void set_state(const char *id, enum store_event_state state, double next_attempt,
		      const char *error)
{
	struct store_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.id = xstrdup(id);
	ev.state = state;
	ev.next_attempt = next_attempt;
	ev.last_error = error ? xstrdup(error) : NULL;
	ck_assert_msg(store_event_update(st, &ev) == 0, "%s", store_error(st));
	store_event_clear(&ev);
}

/* An event id is minted once: a second insert of it fails rather than sending twice. */
START_TEST(an_event_id_is_stored_once)
{
	struct store_event_new ev = {
	    .id = "evt_same", .channel = "hook", .type = "statement.new", .payload = "{}"};

	put_event("evt_same", "hook", 1);
	ck_assert_int_eq(store_event_insert(st, &ev), -1);
	ck_assert_msg(strstr(store_error(st), location) != NULL, "%s", store_error(st));
	ck_assert_uint_eq(count_due(10), 1);
}
END_TEST

/* The refused insert fails alone: the transaction around it goes on and commits. */
START_TEST(a_refused_event_leaves_its_transaction_usable)
{
	struct store_event_new ev = {
	    .id = "evt_1", .channel = "hook", .type = "statement.new", .payload = "{}"};

	ck_assert_int_eq(store_begin(st), 0);
	put_event("evt_1", "hook", 1);
	ck_assert_int_eq(store_event_insert(st, &ev), -1);
	put_event("evt_2", "hook", 2);
	ck_assert_msg(store_commit(st) == 0, "%s", store_error(st));
	ck_assert_uint_eq(count_due(10), 2);
}
END_TEST

START_TEST(events_due_oldest_first_up_to_max)
{
	struct store_event *v;
	size_t n;

	put_event("evt_c", "hook", 30);
	put_event("evt_a", "hook", 10);
	put_event("evt_b", "mail", 20);
	put_event("evt_future", "hook", 500);
	ck_assert_int_eq(store_events_due(st, 100, NULL, 2, &v, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(v[0].id, "evt_a");
	ck_assert_str_eq(v[1].id, "evt_b");
	ck_assert_str_eq(v[1].channel, "mail");
	ck_assert_str_eq(v[1].type, "statement.new");
	ck_assert_str_eq(v[1].source_id, "src");
	ck_assert_int_eq(v[1].item_id, 0);
	ck_assert_str_eq(v[1].payload, "{\"id\":1}");
	ck_assert_int_eq(v[1].state, EVENT_QUEUED);
	ck_assert_int_eq(v[1].attempts, 0);
	ck_assert(v[1].created == 20);
	ck_assert(v[1].next_attempt == 20);
	ck_assert(v[1].delivered_at == 0);
	ck_assert_ptr_null(v[1].last_error);
	free_events(v, n);

	/* a retry pushed past evt_c sorts after it */
	set_state("evt_a", EVENT_RETRY_WAIT, 40, "timeout");
	ck_assert_int_eq(store_events_due(st, 100, NULL, 10, &v, &n), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(v[0].id, "evt_b");
	ck_assert_str_eq(v[1].id, "evt_c");
	ck_assert_str_eq(v[2].id, "evt_a");
	ck_assert_int_eq(v[2].state, EVENT_RETRY_WAIT);
	ck_assert(v[2].next_attempt == 40);
	ck_assert_str_eq(v[2].last_error, "timeout");
	free_events(v, n);
	/* delivered and dead are never due */
	set_state("evt_b", EVENT_DELIVERED, 0, NULL);
	set_state("evt_c", EVENT_DEAD, 0, "HTTP 410");
	ck_assert_int_eq(store_events_due(st, 100, NULL, 10, &v, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(v[0].id, "evt_a");
	free_events(v, n);
	ck_assert_uint_eq(count_due(39), 0);
	/* no limit a bigint cannot hold: every due event */
	ck_assert_int_eq(store_events_due(st, 1000, NULL, SIZE_MAX, &v, &n), 0);
	ck_assert_uint_eq(n, 2);
	free_events(v, n);
}
END_TEST

/* An event's item, the time it was delivered and its attempts are read back as written. */
START_TEST(an_event_reads_back_whole)
{
	struct store_event_new ev = {"evt_i",	     "hook",	      "statement.changed", "s1",
				     123456789012LL, "{\"x\":\"é\"}", 1700000000.123456};
	struct store_event_filter f = {"evt_i", NULL, 0, 0, 0};
	struct store_event *v;
	size_t n;

	ck_assert_int_eq(store_event_insert(st, &ev), 0);
	ck_assert_int_eq(store_events_list(st, &f, &v, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(v[0].item_id, 123456789012LL);
	ck_assert_str_eq(v[0].payload, "{\"x\":\"é\"}");
	ck_assert(v[0].created == 1700000000.123456);
	v[0].state = EVENT_DELIVERED;
	v[0].attempts = 4;
	v[0].delivered_at = 1700000100.5;
	ck_assert_int_eq(store_event_update(st, &v[0]), 0);
	free_events(v, n);
	ck_assert_int_eq(store_events_list(st, &f, &v, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(v[0].state, EVENT_DELIVERED);
	ck_assert_int_eq(v[0].attempts, 4);
	ck_assert(v[0].delivered_at == 1700000100.5);
	free_events(v, n);
}
END_TEST

/* A disabled channel's events are left out of both looks, pending as they are. */
START_TEST(due_and_next_due_leave_skipped_channels_out)
{
	const char *gone[] = {"hook", "we\"ird,{\\chan}"};
	struct store_skip skip = {gone, 2};
	struct store_event *v;
	double when;
	size_t n;

	put_event("evt_h", "hook", 10);
	put_event("evt_w", "we\"ird,{\\chan}", 15);
	put_event("evt_m", "mail", 20);
	ck_assert_int_eq(store_events_due(st, 100, &skip, 10, &v, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(v[0].id, "evt_m");
	free_events(v, n);
	ck_assert_int_eq(store_events_next_due(st, &skip, &when), 0);
	ck_assert(when == 20);
	set_state("evt_m", EVENT_DELIVERED, 0, NULL);
	ck_assert_int_eq(store_events_next_due(st, &skip, &when), 0);
	ck_assert(when == 0); /* only the skipped channels' events are pending */
	ck_assert_uint_eq(count_due(100), 2);
	skip.n = 1;
	ck_assert_int_eq(store_events_next_due(st, &skip, &when), 0);
	ck_assert(when == 15);
}
END_TEST

/* An event's age (retry_for's measure) is written and read back, and survives a reopen. */
START_TEST(event_age_is_kept)
{
	struct store_event *v;
	size_t n;

	put_event("evt_age", "hook", 10);
	ck_assert_int_eq(store_events_due(st, 100, NULL, 10, &v, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert(v[0].age == 0);
	v[0].state = EVENT_RETRY_WAIT;
	v[0].age = 305.5;
	ck_assert_int_eq(store_event_update(st, &v[0]), 0);
	free_events(v, n);
	reopen();
	ck_assert_int_eq(store_events_due(st, 100, NULL, 10, &v, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert(v[0].age == 305.5);
	free_events(v, n);
}
END_TEST

START_TEST(next_due_is_the_earliest_undelivered)
{
	double when = -1;

	ck_assert_int_eq(store_events_next_due(st, NULL, &when), 0);
	ck_assert(when == 0);
	put_event("evt_late", "hook", 70);
	put_event("evt_early", "hook", 50);
	ck_assert_int_eq(store_events_next_due(st, NULL, &when), 0);
	ck_assert(when == 50);
	set_state("evt_early", EVENT_DELIVERED, 0, NULL);
	ck_assert_int_eq(store_events_next_due(st, NULL, &when), 0);
	ck_assert(when == 70);
}
END_TEST

/* A crash mid-send leaves 'sending'; a start puts those back in the queue, and only those. */
START_TEST(requeue_returns_sending_events_to_the_queue)
{
	struct store_event *v;
	size_t n;

	put_event("evt_1", "hook", 1);
	put_event("evt_2", "hook", 2);
	put_event("evt_3", "hook", 3);
	ck_assert_int_eq(store_events_due(st, 10, NULL, 10, &v, &n), 0);
	ck_assert_uint_eq(n, 3);
	v[0].state = v[1].state = EVENT_SENDING;
	v[2].state = EVENT_DELIVERED;
	for (size_t i = 0; i < n; i++)
		ck_assert_int_eq(store_event_update(st, &v[i]), 0);
	free_events(v, n);
	ck_assert_uint_eq(count_due(10), 0);
	ck_assert_int_eq(store_events_requeue_sending(st), 2);
	ck_assert_int_eq(store_events_due(st, 10, NULL, 10, &v, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(v[0].id, "evt_1");
	ck_assert_int_eq(v[0].state, EVENT_QUEUED);
	ck_assert_str_eq(v[1].id, "evt_2");
	free_events(v, n);
	ck_assert_int_eq(store_events_requeue_sending(st), 0);
}
END_TEST

START_TEST(channel_counts_per_state_and_last_error)
{
	struct store_channel_counts c;

	put_event("evt_q", "hook", 1);
	put_event("evt_s", "hook", 2);
	put_event("evt_r", "hook", 3);
	put_event("evt_d1", "hook", 4);
	put_event("evt_d2", "hook", 5);
	put_event("evt_x", "hook", 6);
	put_event("evt_old", "hook", 0.5);
	put_event("evt_other", "mail", 7);
	set_state("evt_s", EVENT_SENDING, 1e12, NULL);
	set_state("evt_r", EVENT_RETRY_WAIT, 1e12, "timeout");
	set_state("evt_d1", EVENT_DELIVERED, 0, NULL);
	set_state("evt_d2", EVENT_DELIVERED, 0, "HTTP 500 (then delivered)");
	set_state("evt_x", EVENT_DEAD, 0, "HTTP 410 Gone");
	set_state("evt_old", EVENT_DEAD, 0, "older");
	ck_assert_int_eq(store_channel_counts(st, "hook", &c), 0);
	ck_assert_int_eq(c.pending, 3);
	ck_assert_int_eq(c.delivered, 2);
	ck_assert_int_eq(c.dead, 2);
	ck_assert_str_eq(c.last_error, "HTTP 410 Gone"); /* the newest failing event's */
	free(c.last_error);
	ck_assert_int_eq(store_channel_counts(st, "mail", &c), 0);
	ck_assert_int_eq(c.pending, 1);
	ck_assert_ptr_null(c.last_error);
	ck_assert_int_eq(store_channel_counts(st, "none", &c), 0);
	ck_assert_int_eq(c.pending + c.delivered + c.dead, 0);
	ck_assert_ptr_null(c.last_error);
}
END_TEST

/* Recent events of a type for a source: by created time, source and type. */
START_TEST(recent_events_by_source_and_type)
{
	struct store_event_new ev = {"evt_c", "hook", "source.changed", "src", 0, "{}", 1000};
	struct store_event_new later = {"evt_d", "mail", "source.changed", "src", 0, "{}", 1500};
	double when = -1;

	ck_assert_int_eq(store_event_insert(st, &ev), 0);
	ck_assert_int_eq(store_event_recent(st, "src", "source.changed", 900), 1);
	ck_assert_int_eq(store_event_recent(st, "src", "source.changed", 1000), 1);
	ck_assert_int_eq(store_event_recent(st, "src", "source.changed", 1001), 0);
	ck_assert_int_eq(store_event_recent(st, "src", "source.failing", 900), 0);
	ck_assert_int_eq(store_event_recent(st, "other", "source.changed", 900), 0);
	ck_assert_int_eq(store_event_last_of(st, "src", "source.changed", &when), 0);
	ck_assert(when == 1000);
	ck_assert_int_eq(store_event_insert(st, &later), 0);
	ck_assert_int_eq(store_event_last_of(st, "src", "source.changed", &when), 0);
	ck_assert(when == 1500); /* any channel */
	ck_assert_int_eq(store_event_last_of(st, "src", "source.failing", &when), 0);
	ck_assert(when == 0);
}
END_TEST

/* ---- the operator's view (test_redeliver.c) ---- */

/* An event of channel, created at `created`, then moved to state with attempts and error. */
static void add(const char *id, const char *channel, double created, enum store_event_state state,
		const char *error)
{
	char *payload = xasprintf("{\"id\":\"%s\",\"type\":\"statement.new\"}", id);
	struct store_event ev;

	ck_assert_int_eq(
	    store_event_insert(st, &(struct store_event_new){id, channel, "statement.new", "src", 0,
							     payload, created}),
	    0);
	memset(&ev, 0, sizeof(ev));
	ev.id = xstrdup(id);
	ev.state = state;
	ev.attempts = state == EVENT_QUEUED ? 0 : 3;
	ev.next_attempt = created + 3600;
	ev.delivered_at = state == EVENT_DELIVERED ? created + 1 : 0;
	ev.last_error = xstrdup_or_null(error);
	ev.age = 500;
	ck_assert_int_eq(store_event_update(st, &ev), 0);
	store_event_clear(&ev);
	free(payload);
}

static void assert_ids(struct store_event_filter f, const char *want)
{
	struct store_event *evs;
	size_t n;
	char *got = xstrdup(""), *next;

	ck_assert_msg(store_events_list(st, &f, &evs, &n) == 0, "%s", store_error(st));
	for (size_t i = 0; i < n; i++) {
		next = xasprintf("%s%s%s", got, i ? " " : "", evs[i].id);
		free(got);
		got = next;
	}
	free_events(evs, n);
	ck_assert_str_eq(got, want);
	free(got);
}

/* The one event with this id (it must exist). */
static struct store_event get(const char *id)
{
	struct store_event_filter f = {id, NULL, 0, 0, 0};
	struct store_event *evs, ev;
	size_t n;

	ck_assert_int_eq(store_events_list(st, &f, &evs, &n), 0);
	ck_assert_uint_eq(n, 1);
	ev = evs[0];
	free(evs);
	return ev;
}

static void add_five(void)
{
	add("evt_a", "hook", 1000, EVENT_DEAD, "HTTP 400");
	add("evt_b", "hook", 2000, EVENT_DELIVERED, NULL);
	add("evt_c", "mail", 3000, EVENT_DEAD, "550 no such user");
	add("evt_d", "hook", 4000, EVENT_RETRY_WAIT, "HTTP 410");
	add("evt_e", "hook", 5000, EVENT_QUEUED, NULL);
}

START_TEST(list_filters_by_state_channel_since_and_id_newest_first)
{
	unsigned dead = 1u << EVENT_DEAD;

	add_five();
	add("evt_s", "mail", 2500, EVENT_SENDING, NULL);
	add("evt_e2", "hook", 5000, EVENT_QUEUED, NULL); /* same time: id descending */
	assert_ids((struct store_event_filter){NULL, NULL, 0, 0, 0},
		   "evt_e2 evt_e evt_d evt_c evt_s evt_b evt_a");
	assert_ids((struct store_event_filter){NULL, NULL, dead, 0, 0}, "evt_c evt_a");
	assert_ids((struct store_event_filter){NULL, "hook", dead, 0, 0}, "evt_a");
	assert_ids((struct store_event_filter){NULL, NULL, dead | 1u << EVENT_QUEUED, 0, 0},
		   "evt_e2 evt_e evt_c evt_a");
	assert_ids((struct store_event_filter){NULL, NULL, 1u << EVENT_SENDING, 0, 0}, "evt_s");
	assert_ids((struct store_event_filter){NULL, NULL, 1u << EVENT_DELIVERED, 0, 0}, "evt_b");
	assert_ids((struct store_event_filter){NULL, NULL, 1u << EVENT_RETRY_WAIT, 0, 0}, "evt_d");
	assert_ids((struct store_event_filter){NULL, NULL, 0, 3000, 0}, "evt_e2 evt_e evt_d evt_c");
	assert_ids((struct store_event_filter){NULL, NULL, 0, 0, 2}, "evt_e2 evt_e");
	assert_ids((struct store_event_filter){NULL, "mail", 0, 0, 1}, "evt_c");
	assert_ids((struct store_event_filter){"evt_b", NULL, 0, 0, 0}, "evt_b");
	assert_ids((struct store_event_filter){"evt_b", NULL, dead, 0, 0}, "");
	assert_ids((struct store_event_filter){"evt_none", NULL, 0, 0, 0}, "");
}
END_TEST

START_TEST(redeliver_moves_dead_delivered_and_retrying_events_keeping_their_id)
{
	static const struct {
		const char *id;
		int moved;
	} want[] = {{"evt_a", 1}, {"evt_b", 1}, {"evt_c", 1}, {"evt_d", 1}, {"evt_e", 0}};
	struct store_event ev;

	add_five();
	add("evt_s", "hook", 1000, EVENT_SENDING, NULL);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		ck_assert_int_eq(store_event_redeliver(st, want[i].id, 42.0), want[i].moved);
		ev = get(want[i].id);
		ck_assert_int_eq(ev.state, EVENT_QUEUED);
		if (want[i].moved) {
			ck_assert(ev.next_attempt == 42.0);
			ck_assert(ev.age == 0); /* retry_for starts again */
			ck_assert_int_eq(ev.attempts, 3);
		}
		ck_assert_ptr_nonnull(strstr(ev.payload, want[i].id));
		store_event_clear(&ev);
	}
	ck_assert_int_eq(store_event_redeliver(st, "evt_none", 42.0), 0);
	ev = get("evt_a");
	ck_assert_str_eq(ev.last_error, "HTTP 400"); /* the history stays */
	store_event_clear(&ev);
	/* an event being sent is not redelivered */
	ck_assert_int_eq(store_event_redeliver(st, "evt_s", 42.0), 0);
	ev = get("evt_s");
	ck_assert_int_eq(ev.state, EVENT_SENDING);
	ck_assert(ev.age == 500);
	store_event_clear(&ev);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("store_pg_events");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, an_event_id_is_stored_once);
	tcase_add_test(tc, a_refused_event_leaves_its_transaction_usable);
	tcase_add_test(tc, events_due_oldest_first_up_to_max);
	tcase_add_test(tc, an_event_reads_back_whole);
	tcase_add_test(tc, due_and_next_due_leave_skipped_channels_out);
	tcase_add_test(tc, event_age_is_kept);
	tcase_add_test(tc, next_due_is_the_earliest_undelivered);
	tcase_add_test(tc, requeue_returns_sending_events_to_the_queue);
	tcase_add_test(tc, channel_counts_per_state_and_last_error);
	tcase_add_test(tc, recent_events_by_source_and_type);
	tcase_add_test(tc, list_filters_by_state_channel_since_and_id_newest_first);
	tcase_add_test(tc, redeliver_moves_dead_delivered_and_retrying_events_keeping_their_id);
	suite_add_tcase(s, tc);
	return testutil_run(s);
}
