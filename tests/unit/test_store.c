#include <check.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/xmalloc.h"
#include "daemon/store.h"
#include "tests/unit/testutil.h"

static char dir[] = "/tmp/sw-store-XXXXXX";
static char *db_path;

static void setup(void)
{
	strcpy(dir, "/tmp/sw-store-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	db_path = xasprintf("%s/speechwatch.db", dir);
}

static void teardown(void)
{
	char *cmd = xasprintf("rm -rf '%s'", dir);

	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
	free(db_path);
}

static struct store *open_ok(void)
{
	char err[512];
	struct store *st = store_open(db_path, err, sizeof(err));

	ck_assert_msg(st != NULL, "store_open: %s", err);
	return st;
}

/* The schema version the store reports, or -1. */
static int schema_version(struct store *st)
{
	struct store_info info;

	if (store_info(st, &info) < 0)
		return -1;
	ck_assert_str_eq(info.backend, "sqlite");
	return info.schema_version;
}

START_TEST(migrates_an_empty_file)
{
	struct store *st;
	FILE *f = fopen(db_path, "w"); /* an empty file, as touch(1) leaves it */

	ck_assert_ptr_nonnull(f);
	fclose(f);
	st = open_ok();
	ck_assert_int_eq(schema_version(st), STORE_SCHEMA_VERSION);
	ck_assert_int_eq(store_verify(st), 0);
	store_close(st);
}
END_TEST

START_TEST(reopen_keeps_source_state)
{
	struct store *st = open_ok();
	struct store_source s, got;
	char **ids;
	size_t n;

	memset(&s, 0, sizeof(s));
	s.etag = xstrdup("\"abc\"");
	s.last_modified = xstrdup("Thu, 24 Oct 2019 06:06:00 GMT");
	s.last_poll = 1700000000.5;
	s.last_status = 200;
	s.last_result = xstrdup("ok");
	s.items = 12;
	s.failures = 0;
	s.next_due = 1700000600;
	s.structure = xstrdup("{\"items\":\"//li\"}");
	ck_assert_int_eq(store_begin(st), 0);
	ck_assert_int_eq(store_source_put(st, "mfa-en", "http://127.0.0.1/x", &s), 0);
	ck_assert_int_eq(store_commit(st), 0);
	store_source_clear(&s);
	store_close(st);

	st = open_ok();
	ck_assert_int_eq(schema_version(st), STORE_SCHEMA_VERSION);
	ck_assert_int_eq(store_source_get(st, "mfa-en", &got), 1);
	ck_assert_str_eq(got.etag, "\"abc\"");
	ck_assert_str_eq(got.last_result, "ok");
	ck_assert_ptr_null(got.last_error);
	ck_assert_int_eq(got.items, 12);
	ck_assert(got.last_poll == 1700000000.5);
	ck_assert_str_eq(got.structure, "{\"items\":\"//li\"}");
	ck_assert_ptr_null(got.suggestion);
	store_source_clear(&got);
	ck_assert_int_eq(store_source_get(st, "absent", &got), 0);
	ck_assert_int_eq(store_source_ids(st, &ids, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(ids[0], "mfa-en");
	free(ids[0]);
	free(ids);
	store_close(st);
}
END_TEST

START_TEST(rollback_discards_the_transaction)
{
	struct store *st = open_ok();
	struct store_source s, got;

	memset(&s, 0, sizeof(s));
	s.items = 5;
	ck_assert_int_eq(store_begin(st), 0);
	ck_assert_int_eq(store_source_put(st, "a", "http://a/", &s), 0);
	store_rollback(st);
	ck_assert_int_eq(store_source_get(st, "a", &got), 0);
	store_close(st);
}
END_TEST

START_TEST(refuses_a_newer_schema)
{
	struct store *st = open_ok();
	char err[512];
	char *cmd;

	store_close(st);
	cmd = xasprintf("sqlite3 '%s' 'PRAGMA user_version = 99'", db_path);
	if (system(cmd) != 0) {
		free(cmd);
		return; /* the sqlite3 shell is installed by .ci/deps; without it skip */
	}
	free(cmd);
	st = store_open(db_path, err, sizeof(err));
	ck_assert_ptr_null(st);
	ck_assert_msg(strstr(err, "newer") && strstr(err, db_path), "err: %s", err);
}
END_TEST

START_TEST(unwritable_location_names_the_path)
{
	char err[512];
	struct store *st = store_open("/nonexistent-dir/x/speechwatch.db", err, sizeof(err));

	ck_assert_ptr_null(st);
	ck_assert_msg(strstr(err, "/nonexistent-dir/x/speechwatch.db") != NULL, "err: %s", err);
}
END_TEST

/* The child: write in a tight loop of transactions until killed. */
static void write_forever(void)
{
	char err[512];
	struct store *st = store_open(db_path, err, sizeof(err));
	struct store_source s;
	char id[32], etag[64];

	if (st == NULL)
		_exit(3);
	memset(&s, 0, sizeof(s));
	for (long i = 0;; i++) {
		snprintf(id, sizeof(id), "src-%ld", i % 50);
		snprintf(etag, sizeof(etag), "\"etag-%ld\"", i);
		s.etag = etag;
		s.items = i;
		if (store_begin(st) < 0 || store_source_put(st, id, "http://x/", &s) < 0 ||
		    store_commit(st) < 0)
			_exit(4);
	}
}

START_TEST(kill9_inside_a_write_loop_leaves_a_sound_database)
{
	srandom((unsigned)time(NULL));
	for (int round = 0; round < 8; round++) {
		pid_t pid = fork();
		int status;
		struct store *st;
		char **ids;
		size_t n;

		ck_assert_int_ge(pid, 0);
		if (pid == 0)
			write_forever();
		usleep(20000 + (useconds_t)(random() % 200000));
		ck_assert_int_eq(kill(pid, SIGKILL), 0);
		ck_assert_int_eq(waitpid(pid, &status, 0), pid);
		ck_assert_msg(WIFSIGNALED(status), "writer exited early (status %d)", status);
		st = open_ok();
		ck_assert_msg(store_verify(st) == 0, "%s", store_error(st));
		ck_assert_int_eq(store_source_ids(st, &ids, &n), 0);
		for (size_t i = 0; i < n; i++)
			free(ids[i]);
		free(ids);
		store_close(st);
	}
}
END_TEST

/* ---- the interface's promises ---- */

/* An item of source src at url, text text, first seen at seen. Strings borrowed. */
static int64_t put_item(struct store *st, const char *src, const char *url, const char *title,
			const char *text, double seen)
{
	struct store_item it;
	int64_t id;

	memset(&it, 0, sizeof(it));
	it.source_id = xstrdup(src);
	it.url = xstrdup(url);
	it.norm_url = xstrdup(url);
	it.title = xstrdup(title);
	it.text = text ? xstrdup(text) : NULL;
	it.first_seen = it.last_seen = it.last_checked = seen;
	ck_assert_msg(store_item_put(st, &it) == 0, "%s", store_error(st));
	ck_assert_int_gt(it.id, 0);
	id = it.id;
	store_item_clear(&it);
	return id;
}

static void put_event(struct store *st, const char *id, const char *channel, double created)
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

static size_t count_due(struct store *st, double now)
{
	struct store_event *v;
	size_t n;

	ck_assert_int_eq(store_events_due(st, now, NULL, 100, &v, &n), 0);
	free_events(v, n);
	return n;
}

/* Moves event id to state, as the outbox does; attempts and delivered_at stay 0. */
static void set_state(struct store *st, const char *id, enum store_event_state state,
		      double next_attempt, const char *error)
{
	struct store_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.id = xstrdup(id);
	ev.state = state;
	ev.next_attempt = next_attempt;
	ev.last_error = error ? xstrdup(error) : NULL;
	ck_assert_int_eq(store_event_update(st, &ev), 0);
	store_event_clear(&ev);
}

/* The event of a statement and the statement itself are both kept or both lost. */
START_TEST(item_and_its_event_commit_or_roll_back_together)
{
	struct store *st = open_ok();
	struct store_item got;

	ck_assert_int_eq(store_begin(st), 0);
	put_item(st, "src", "http://a/1", "One", "text one", 100);
	put_event(st, "evt_rolled", "hook", 100);
	store_rollback(st);
	ck_assert_int_eq(store_item_find(st, "src", "http://a/1", NULL, &got), 0);
	ck_assert_uint_eq(count_due(st, 1e12), 0);

	ck_assert_int_eq(store_begin(st), 0);
	put_item(st, "src", "http://a/1", "One", "text one", 100);
	put_event(st, "evt_kept", "hook", 100);
	ck_assert_int_eq(store_commit(st), 0);
	store_close(st);

	st = open_ok(); /* what a restart sees */
	ck_assert_int_eq(store_item_find(st, "src", "http://a/1", NULL, &got), 1);
	ck_assert_str_eq(got.title, "One");
	store_item_clear(&got);
	ck_assert_uint_eq(count_due(st, 1e12), 1);
	store_close(st);
}
END_TEST

static unsigned long commits_of(struct store *st)
{
	struct store_info info;

	ck_assert_int_eq(store_info(st, &info), 0);
	return info.commits;
}

/* A poll's batch: twenty items and their events are one commit, or nothing at all. */
START_TEST(a_batch_is_one_commit_and_rolls_back_whole)
{
	struct store *st = open_ok();
	unsigned long before = commits_of(st);
	struct store_item got;
	char url[64], id[64];

	ck_assert_int_eq(store_begin(st), 0);
	for (int i = 0; i < 20; i++) {
		snprintf(url, sizeof(url), "http://a/%d", i);
		snprintf(id, sizeof(id), "evt_b%d", i);
		put_item(st, "src", url, "T", "text", 100);
		if (i % 5 == 0)
			put_event(st, id, "hook", 100);
	}
	store_rollback(st);
	ck_assert_uint_eq(commits_of(st), before);
	for (int i = 0; i < 20; i++) {
		snprintf(url, sizeof(url), "http://a/%d", i);
		ck_assert_int_eq(store_item_find(st, "src", url, NULL, &got), 0);
	}
	ck_assert_uint_eq(count_due(st, 1e12), 0);

	ck_assert_int_eq(store_begin(st), 0);
	for (int i = 0; i < 20; i++) {
		snprintf(url, sizeof(url), "http://a/%d", i);
		put_item(st, "src", url, "T", "text", 100);
	}
	ck_assert_int_eq(store_commit(st), 0);
	ck_assert_uint_eq(commits_of(st), before + 1);
	put_item(st, "src", "http://a/alone", "T", NULL, 100); /* its own transaction */
	ck_assert_uint_eq(commits_of(st), before + 2);
	store_close(st);
}
END_TEST

/* A relaxed transaction commits, rolls back, and leaves the next one as it was. */
START_TEST(a_relaxed_transaction_is_still_a_transaction)
{
	struct store *st = open_ok();
	struct store_source s, got;

	memset(&s, 0, sizeof(s));
	s.items = 7;
	ck_assert_int_eq(store_begin_relaxed(st), 0);
	ck_assert_int_eq(store_source_put(st, "gone", "http://a/", &s), 0);
	store_rollback(st);
	ck_assert_int_eq(store_source_get(st, "gone", &got), 0);
	ck_assert_int_eq(store_begin_relaxed(st), 0);
	ck_assert_int_eq(store_source_put(st, "kept", "http://a/", &s), 0);
	ck_assert_int_eq(store_commit(st), 0);
	ck_assert_int_eq(store_begin(st), 0);
	put_event(st, "evt_after", "hook", 1);
	ck_assert_int_eq(store_commit(st), 0);
	store_close(st);

	st = open_ok();
	ck_assert_int_eq(store_source_get(st, "kept", &got), 1);
	ck_assert_int_eq(got.items, 7);
	store_source_clear(&got);
	ck_assert_uint_eq(count_due(st, 2), 1);
	store_close(st);
}
END_TEST

/* An item of src with this publication day (or none), first seen at seen, with a text. */
static void put_dated(struct store *st, const char *url, const char *published, double seen)
{
	struct store_item it;

	memset(&it, 0, sizeof(it));
	it.source_id = xstrdup("src");
	it.url = xstrdup(url);
	it.norm_url = xstrdup(url);
	it.published = published ? xstrdup(published) : NULL;
	it.text = xstrdup("text");
	it.first_seen = it.last_seen = seen;
	ck_assert_msg(store_item_put(st, &it) == 0, "%s", store_error(st));
	store_item_clear(&it);
}

START_TEST(text_newest_is_the_latest_publication_or_sighting)
{
	struct store *st = open_ok();
	double when = -1;

	ck_assert_int_eq(store_items_text_newest(st, "src", &when), 0);
	ck_assert(when == 0);
	put_dated(st, "http://a/1", "2019-10-24", 100);		  /* 1571875200 */
	put_dated(st, "http://a/2", "2019-10-20T08:00:00Z", 200); /* older */
	ck_assert_int_eq(store_items_text_newest(st, "src", &when), 0);
	ck_assert_msg(when == 1571875200.0, "%f", when);
	put_dated(st, "http://a/3", NULL, 1600000000.0); /* no date: its first sighting */
	put_item(st, "src", "http://a/notext", "x", NULL, 1700000000.0);
	ck_assert_int_eq(store_items_text_newest(st, "src", &when), 0);
	ck_assert_msg(when == 1600000000.0, "%f", when);
	ck_assert_int_eq(store_items_text_newest(st, "other", &when), 0);
	ck_assert(when == 0);
	store_close(st);
}
END_TEST

/* An event id is minted once: a second insert of it fails rather than sending twice. */
START_TEST(an_event_id_is_stored_once)
{
	struct store *st = open_ok();
	struct store_event_new ev = {
	    .id = "evt_same", .channel = "hook", .type = "statement.new", .payload = "{}"};

	put_event(st, "evt_same", "hook", 1);
	ck_assert_int_eq(store_event_insert(st, &ev), -1);
	ck_assert_msg(strstr(store_error(st), db_path) != NULL, "%s", store_error(st));
	ck_assert_uint_eq(count_due(st, 10), 1);
	store_close(st);
}
END_TEST

START_TEST(events_due_oldest_first_up_to_max)
{
	struct store *st = open_ok();
	struct store_event *v;
	size_t n;

	put_event(st, "evt_c", "hook", 30);
	put_event(st, "evt_a", "hook", 10);
	put_event(st, "evt_b", "mail", 20);
	put_event(st, "evt_future", "hook", 500);
	ck_assert_int_eq(store_events_due(st, 100, NULL, 2, &v, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(v[0].id, "evt_a");
	ck_assert_str_eq(v[1].id, "evt_b");
	ck_assert_str_eq(v[1].channel, "mail");
	ck_assert_str_eq(v[1].payload, "{\"id\":1}");
	ck_assert_int_eq(v[1].state, EVENT_QUEUED);
	ck_assert_int_eq(v[1].attempts, 0);
	free_events(v, n);

	/* a retry pushed past evt_c sorts after it */
	set_state(st, "evt_a", EVENT_RETRY_WAIT, 40, "timeout");
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
	set_state(st, "evt_b", EVENT_DELIVERED, 0, NULL);
	set_state(st, "evt_c", EVENT_DEAD, 0, "HTTP 410");
	ck_assert_int_eq(store_events_due(st, 100, NULL, 10, &v, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(v[0].id, "evt_a");
	free_events(v, n);
	ck_assert_uint_eq(count_due(st, 39), 0);
	store_close(st);
}
END_TEST

/* A disabled channel's events are left out of both looks, pending as they are. */
START_TEST(due_and_next_due_leave_skipped_channels_out)
{
	struct store *st = open_ok();
	const char *gone[] = {"hook"};
	struct store_skip skip = {gone, 1};
	struct store_event *v;
	double when;
	size_t n;

	put_event(st, "evt_h", "hook", 10);
	put_event(st, "evt_m", "mail", 20);
	ck_assert_int_eq(store_events_due(st, 100, &skip, 10, &v, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(v[0].id, "evt_m");
	free_events(v, n);
	ck_assert_int_eq(store_events_next_due(st, &skip, &when), 0);
	ck_assert(when == 20);
	set_state(st, "evt_m", EVENT_DELIVERED, 0, NULL);
	ck_assert_int_eq(store_events_next_due(st, &skip, &when), 0);
	ck_assert(when == 0); /* only the skipped channel's event is pending */
	ck_assert_uint_eq(count_due(st, 100), 1);
	store_close(st);
}
END_TEST

/* An event's age (retry_for's measure) is written and read back, and survives a reopen. */
START_TEST(event_age_is_kept)
{
	struct store *st = open_ok();
	struct store_event *v;
	size_t n;

	put_event(st, "evt_age", "hook", 10);
	ck_assert_int_eq(store_events_due(st, 100, NULL, 10, &v, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert(v[0].age == 0);
	v[0].state = EVENT_RETRY_WAIT;
	v[0].age = 305.5;
	ck_assert_int_eq(store_event_update(st, &v[0]), 0);
	free_events(v, n);
	store_close(st);
	st = open_ok();
	ck_assert_int_eq(store_events_due(st, 100, NULL, 10, &v, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert(v[0].age == 305.5);
	free_events(v, n);
	store_close(st);
}
END_TEST

/*
 * 5 -> 6: a pending event of schema 5 starts with the age it had by the wall
 * clock (and 6 -> 7 follows: the columns it adds are dropped first).
 */
/* What migration 8 added, taken away again (a store of an older version). */
#define UNDO_MIGRATION_8                                                                           \
	"DROP INDEX items_newest; DROP TRIGGER "                                                   \
	"items_versions_au; DROP TABLE item_versions; "                                            \
	"ALTER TABLE items DROP COLUMN theme_scores; "

START_TEST(migration_6_gives_pending_events_an_age)
{
	struct store *st = open_ok();
	struct store_event *v;
	size_t n;
	char *cmd;

	put_event(st, "evt_v5", "hook", 10);
	store_close(st);
	cmd =
	    xasprintf("sqlite3 '%s' 'ALTER TABLE events DROP COLUMN age; UPDATE events SET "
		      "created = 4, next_attempt = 10; ALTER TABLE sources DROP COLUMN structure; "
		      "ALTER TABLE sources DROP COLUMN suggestion; " UNDO_MIGRATION_8
		      "PRAGMA user_version = 5'",
		      db_path);
	if (system(cmd) != 0) {
		free(cmd);
		return; /* the sqlite3 shell is installed by .ci/deps; without it skip */
	}
	free(cmd);
	st = open_ok();
	ck_assert_int_eq(schema_version(st), STORE_SCHEMA_VERSION);
	ck_assert_int_eq(store_events_due(st, 100, NULL, 10, &v, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert(v[0].age == 6);
	free_events(v, n);
	store_close(st);
}
END_TEST

START_TEST(next_due_is_the_earliest_undelivered)
{
	struct store *st = open_ok();
	double when = -1;

	ck_assert_int_eq(store_events_next_due(st, NULL, &when), 0);
	ck_assert(when == 0);
	put_event(st, "evt_late", "hook", 70);
	put_event(st, "evt_early", "hook", 50);
	ck_assert_int_eq(store_events_next_due(st, NULL, &when), 0);
	ck_assert(when == 50);
	store_close(st);
}
END_TEST

/* A crash mid-send leaves 'sending'; a start puts those back in the queue, and only those. */
START_TEST(requeue_returns_sending_events_to_the_queue)
{
	struct store *st = open_ok();
	struct store_event *v;
	size_t n;

	put_event(st, "evt_1", "hook", 1);
	put_event(st, "evt_2", "hook", 2);
	put_event(st, "evt_3", "hook", 3);
	ck_assert_int_eq(store_events_due(st, 10, NULL, 10, &v, &n), 0);
	ck_assert_uint_eq(n, 3);
	v[0].state = v[1].state = EVENT_SENDING;
	v[2].state = EVENT_DELIVERED;
	for (size_t i = 0; i < n; i++)
		ck_assert_int_eq(store_event_update(st, &v[i]), 0);
	free_events(v, n);
	ck_assert_uint_eq(count_due(st, 10), 0);
	ck_assert_int_eq(store_events_requeue_sending(st), 2);
	ck_assert_int_eq(store_events_due(st, 10, NULL, 10, &v, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(v[0].id, "evt_1");
	ck_assert_int_eq(v[0].state, EVENT_QUEUED);
	ck_assert_str_eq(v[1].id, "evt_2");
	free_events(v, n);
	ck_assert_int_eq(store_events_requeue_sending(st), 0);
	store_close(st);
}
END_TEST

START_TEST(channel_counts_per_state_and_last_error)
{
	struct store *st = open_ok();
	struct store_channel_counts c;

	put_event(st, "evt_q", "hook", 1);
	put_event(st, "evt_s", "hook", 2);
	put_event(st, "evt_r", "hook", 3);
	put_event(st, "evt_d1", "hook", 4);
	put_event(st, "evt_d2", "hook", 5);
	put_event(st, "evt_x", "hook", 6);
	put_event(st, "evt_other", "mail", 7);
	set_state(st, "evt_s", EVENT_SENDING, 1e12, NULL);
	set_state(st, "evt_r", EVENT_RETRY_WAIT, 1e12, "timeout");
	set_state(st, "evt_d1", EVENT_DELIVERED, 0, NULL);
	set_state(st, "evt_d2", EVENT_DELIVERED, 0, NULL);
	set_state(st, "evt_x", EVENT_DEAD, 0, "HTTP 410 Gone");
	ck_assert_int_eq(store_channel_counts(st, "hook", &c), 0);
	ck_assert_int_eq(c.pending, 3);
	ck_assert_int_eq(c.delivered, 2);
	ck_assert_int_eq(c.dead, 1);
	ck_assert_str_eq(c.last_error, "HTTP 410 Gone"); /* the newest failing event's */
	free(c.last_error);
	ck_assert_int_eq(store_channel_counts(st, "mail", &c), 0);
	ck_assert_int_eq(c.pending, 1);
	ck_assert_ptr_null(c.last_error);
	ck_assert_int_eq(store_channel_counts(st, "none", &c), 0);
	ck_assert_int_eq(c.pending + c.delivered + c.dead, 0);
	store_close(st);
}
END_TEST

START_TEST(recheck_candidates_have_text_and_are_newest_first)
{
	struct store *st = open_ok();
	struct list_items li;
	struct store_item late;

	put_item(st, "src", "http://a/old", "Old", "t", 100);
	put_item(st, "src", "http://a/mid", "Mid", "t", 200);
	put_item(st, "src", "http://a/new", "New", "t", 300);
	put_item(st, "src", "http://a/notext", "No text", NULL, 400);
	put_item(st, "other", "http://b/1", "Other", "t", 500);
	ck_assert_int_eq(store_item_find(st, "src", "http://a/new", NULL, &late), 1);
	late.last_checked = 1000; /* checked after the cut-off */
	ck_assert_int_eq(store_item_put(st, &late), 0);
	store_item_clear(&late);
	ck_assert_int_eq(store_items_to_recheck(st, "src", 900, 10, &li), 0);
	ck_assert_uint_eq(li.n, 2);
	ck_assert_str_eq(li.v[0].url, "http://a/mid");
	ck_assert_str_eq(li.v[0].title, "Mid");
	ck_assert_str_eq(li.v[1].url, "http://a/old");
	list_items_free(&li);
	ck_assert_int_eq(store_items_to_recheck(st, "src", 900, 1, &li), 0);
	ck_assert_uint_eq(li.n, 1);
	ck_assert_str_eq(li.v[0].url, "http://a/mid");
	list_items_free(&li);
	store_close(st);
}
END_TEST

/* An item of src recorded by a poll: dated or not, with or without a text, fetched or not. */
static void put_listed(struct store *st, const char *url, const char *published, int text,
		       double fetched)
{
	struct store_item it;

	memset(&it, 0, sizeof(it));
	it.source_id = xstrdup("src");
	it.url = xstrdup(url);
	it.norm_url = xstrdup(url);
	it.published = published ? xstrdup(published) : NULL;
	it.text = text ? xstrdup("text") : NULL;
	it.fetched_at = fetched;
	it.first_seen = it.last_seen = 100;
	ck_assert_msg(store_item_put(st, &it) == 0, "%s", store_error(st));
	store_item_clear(&it);
}

START_TEST(unread_archive_is_the_newest_never_fetched)
{
	struct store *st = open_ok();
	struct list_items li;

	put_listed(st, "http://a/undated1", NULL, 0, 0);
	put_listed(st, "http://a/old", "2020-01-01", 0, 0);
	put_listed(st, "http://a/read", "2024-03-01", 1, 50);
	put_listed(st, "http://a/pruned", "2024-02-01", 0, 50); /* retention dropped its text */
	put_listed(st, "http://a/new", "2024-01-01", 0, 0);
	put_listed(st, "http://a/undated2", NULL, 0, 0);
	put_item(st, "other", "http://b/1", "Other", NULL, 100);
	/* the four newest: read, pruned, new, old; of them, two were never fetched */
	ck_assert_int_eq(store_items_unread(st, "src", 4, 10, &li), 0);
	ck_assert_uint_eq(li.n, 2);
	ck_assert_str_eq(li.v[0].url, "http://a/new");
	ck_assert_str_eq(li.v[1].url, "http://a/old");
	list_items_free(&li);
	/* undated items come after dated ones, in the order first stored */
	ck_assert_int_eq(store_items_unread(st, "src", 100, 3, &li), 0);
	ck_assert_uint_eq(li.n, 3);
	ck_assert_str_eq(li.v[2].url, "http://a/undated1");
	list_items_free(&li);
	ck_assert_int_eq(store_items_unread(st, "nobody", 100, 3, &li), 0);
	ck_assert_uint_eq(li.n, 0);
	store_close(st);
}
END_TEST

START_TEST(items_found_by_guid_or_url_and_seen_elsewhere)
{
	struct store *st = open_ok();
	struct store_item it, got;

	memset(&it, 0, sizeof(it));
	it.source_id = xstrdup("src");
	it.url = xstrdup("http://a/1?utm=x");
	it.norm_url = xstrdup("http://a/1");
	it.guid = xstrdup("tag:a,1");
	it.text_sha256 = xstrdup("abc123");
	it.raw_z = xmalloc(3);
	memcpy(it.raw_z, "\0\1\2", 3);
	it.raw_z_len = 3;
	ck_assert_int_eq(store_item_put(st, &it), 0);
	ck_assert_int_eq(store_item_find(st, "src", "http://elsewhere/", "tag:a,1", &got), 1);
	ck_assert(got.id == it.id);
	ck_assert_uint_eq(got.raw_z_len, 3);
	ck_assert_int_eq(memcmp(got.raw_z, "\0\1\2", 3), 0);
	store_item_clear(&got);
	ck_assert_int_eq(store_item_find(st, "src", "http://a/1?utm=x", "tag:other", &got), 1);
	store_item_clear(&got);
	ck_assert_int_eq(store_item_find(st, "other", "http://a/1?utm=x", NULL, &got), 0);
	/* itself is not "elsewhere"; the same page via another URL or source is */
	ck_assert_int_eq(
	    store_item_seen_elsewhere(st, "src", "http://a/1?utm=x", "http://a/1", NULL), 0);
	ck_assert_int_eq(store_item_seen_elsewhere(st, "other", "http://a/1", "http://a/1", NULL),
			 1);
	ck_assert_int_eq(store_item_seen_elsewhere(st, "other", "http://z/", "http://z/", "abc123"),
			 1);
	ck_assert_int_eq(store_item_seen_elsewhere(st, "src", "http://z/", "http://z/", "abc123"),
			 0);
	store_item_clear(&it);
	store_close(st);
}
END_TEST

/*
 * The same text under another URL of the same source is found (the oldest
 * such item), not the item itself nor another source's; status counts the
 * later copies of a text of enough words.
 */
START_TEST(same_text_on_the_same_source_is_found_and_counted)
{
	struct store *st = open_ok();
	struct store_source *all;
	size_t n;
	struct store_item old;
	const char *urls[] = {"http://a/1", "http://a/2", "http://a/3", "http://a/short1",
			      "http://a/short2"};

	for (size_t i = 0; i < 5; i++) {
		struct store_item it;

		memset(&it, 0, sizeof(it));
		it.source_id = xstrdup("src");
		it.url = xstrdup(urls[i]);
		it.norm_url = xstrdup(urls[i]);
		it.title = xasprintf("Title %zu", i);
		it.text_sha256 = xstrdup(i < 3 ? "same" : "short");
		it.words = i < 3 ? 100 : 2;
		ck_assert_int_eq(store_item_put(st, &it), 0);
		store_item_clear(&it);
	}
	ck_assert_int_eq(store_source_put(st, "src", "http://a/", &(struct store_source){0}), 0);
	ck_assert_int_eq(store_item_same_text(st, "src", "http://a/new", "same", &old), 1);
	ck_assert_str_eq(old.url, "http://a/1");
	ck_assert_str_eq(old.title, "Title 0");
	ck_assert(old.id > 0);
	store_item_clear(&old);
	ck_assert_int_eq(store_item_same_text(st, "src", "http://a/1", "same", &old), 1);
	ck_assert_str_eq(old.url, "http://a/2"); /* not itself */
	store_item_clear(&old);
	ck_assert_int_eq(store_item_same_text(st, "other", "http://a/new", "same", &old), 0);
	ck_assert_ptr_null(old.url);
	ck_assert_int_eq(store_item_same_text(st, "src", "http://a/new", "nothing", NULL), 0);
	ck_assert_int_eq(store_sources_all(st, &all, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(all[0].stored_items, 5);
	ck_assert_int_eq(all[0].duplicates, 2); /* a/2 and a/3; short texts are no identity */
	store_source_clear(&all[0]);
	free(all);
	store_close(st);
}
END_TEST

/*
 * An item recorded without a text is found by its exact title and date under
 * another URL of the same source; one with a text, or another date, is not.
 */
START_TEST(an_unread_item_is_found_by_title_and_date)
{
	struct store *st = open_ok();
	struct store_item it, old;

	put_item(st, "src", "http://a/unread", "Remarks", NULL, 100);
	put_item(st, "src", "http://a/read", "Read", "text", 100);
	ck_assert_int_eq(store_item_find(st, "src", "http://a/unread", NULL, &it), 1);
	it.published = xstrdup("2020-01-02");
	ck_assert_int_eq(store_item_put(st, &it), 0);
	store_item_clear(&it);
	ck_assert_int_eq(store_item_find(st, "src", "http://a/read", NULL, &it), 1);
	it.published = xstrdup("2020-01-02");
	ck_assert_int_eq(store_item_put(st, &it), 0);
	store_item_clear(&it);
	ck_assert_int_eq(
	    store_item_same_listing(st, "src", "http://b/1", "Remarks", "2020-01-02", &old), 1);
	ck_assert_str_eq(old.url, "http://a/unread");
	store_item_clear(&old);
	ck_assert_int_eq(
	    store_item_same_listing(st, "src", "http://b/1", "Remarks", "2020-01-03", &old), 0);
	ck_assert_int_eq(
	    store_item_same_listing(st, "src", "http://a/unread", "Remarks", "2020-01-02", &old),
	    0); /* not itself */
	ck_assert_int_eq(
	    store_item_same_listing(st, "src", "http://b/2", "Read", "2020-01-02", &old),
	    0); /* its text decides */
	ck_assert_int_eq(
	    store_item_same_listing(st, "other", "http://b/1", "Remarks", "2020-01-02", &old), 0);
	store_close(st);
}
END_TEST

/* Recent events of a type for a source: by created time, source and type. */
START_TEST(recent_events_by_source_and_type)
{
	struct store *st = open_ok();
	struct store_event_new ev = {"evt_c", "hook", "source.changed", "src", 0, "{}", 1000};

	ck_assert_int_eq(store_event_insert(st, &ev), 0);
	ck_assert_int_eq(store_event_recent(st, "src", "source.changed", 900), 1);
	ck_assert_int_eq(store_event_recent(st, "src", "source.changed", 1000), 1);
	ck_assert_int_eq(store_event_recent(st, "src", "source.changed", 1001), 0);
	ck_assert_int_eq(store_event_recent(st, "src", "source.failing", 900), 0);
	ck_assert_int_eq(store_event_recent(st, "other", "source.changed", 900), 0);
	store_close(st);
}
END_TEST

/*
 * A poll's lookups share one snapshot: a write committed meanwhile through
 * another handle is not seen until the snapshot ends, and reading counts
 * no commit.
 */
START_TEST(lookups_in_one_snapshot)
{
	struct store *st = open_ok(), *other = open_ok();
	struct store_item got;
	unsigned long commits;

	put_item(st, "src", "http://a/1", "one", NULL, 1.0);
	commits = commits_of(st);
	ck_assert_int_eq(store_read_begin(st), 0);
	ck_assert_int_eq(store_item_find(st, "src", "http://a/1", NULL, &got), 1);
	store_item_clear(&got);
	put_item(other, "src", "http://a/2", "two", NULL, 2.0);
	ck_assert_int_eq(store_item_find(st, "src", "http://a/2", NULL, &got), 0);
	store_read_end(st);
	ck_assert_int_eq(store_item_find(st, "src", "http://a/2", NULL, &got), 1);
	store_item_clear(&got);
	ck_assert_uint_eq(commits_of(st), commits);
	/* ending twice, or without a lookup, is harmless; writing works after */
	ck_assert_int_eq(store_read_begin(st), 0);
	store_read_end(st);
	store_read_end(st);
	put_item(st, "src", "http://a/3", "three", NULL, 3.0);
	store_close(other);
	store_close(st);
}
END_TEST

static size_t search_n(struct store *st, const char *q, const char *since, const char *theme,
		       struct store_hit **hits)
{
	size_t n;

	ck_assert_msg(store_search(st, q, since, theme, 10, hits, &n) == 0, "%s", store_error(st));
	return n;
}

static void free_hits(struct store_hit *h, size_t n)
{
	for (size_t i = 0; i < n; i++)
		store_hit_clear(&h[i]);
	free(h);
}

START_TEST(search_finds_text_by_date_and_theme)
{
	struct store *st = open_ok();
	struct store_hit *h;
	int64_t a, b;
	size_t n;

	a = put_item(st, "src", "http://a/1", "Sanctions statement",
		     "The ministry condemns the sanctions.", 1704067200); /* 2024-01-01 */
	b = put_item(st, "src", "http://a/2", "Trade talks", "On sanctions and trade.",
		     1717200000); /* 2024-06-01 */
	put_item(st, "src", "http://a/3", "Weather", "Nothing to see.", 1717200000);
	ck_assert_int_eq(store_item_set_themes(st, a, "sanctions,trade", NULL), 0);
	ck_assert_int_eq(store_item_set_themes(st, b, "trade", NULL), 0);

	n = search_n(st, "sanctions", NULL, NULL, &h);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(h[0].url, "http://a/2"); /* newest first */
	ck_assert_str_eq(h[0].date, "2024-06-01");
	ck_assert_ptr_nonnull(strstr(h[0].snippet, "[sanctions]"));
	ck_assert_str_eq(h[1].themes, "sanctions,trade");
	free_hits(h, n);
	n = search_n(st, "sanctions", "2024-03-01", NULL, &h);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(h[0].url, "http://a/2");
	free_hits(h, n);
	n = search_n(st, "sanctions", NULL, "sanctions", &h);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(h[0].url, "http://a/1");
	free_hits(h, n);
	n = search_n(st, "sanctions", NULL, "sanc", &h); /* a theme is a whole id */
	ck_assert_uint_eq(n, 0);
	free(h);
	ck_assert_int_eq(store_search(st, "\"unbalanced", NULL, NULL, 10, &h, &n), -1);
	ck_assert_msg(strstr(store_error(st), db_path) != NULL, "%s", store_error(st));
	store_close(st);
}
END_TEST

/* Runs sql on the file directly; FTS5's integrity-check fails unless the index matches items. */
static int sql_on_file(const char *sql)
{
	sqlite3 *db;
	int rc;

	ck_assert_int_eq(sqlite3_open(db_path, &db), SQLITE_OK);
	rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_close(db);
	return rc;
}

static int64_t pending_of(struct store *st)
{
	int64_t n = -1;

	ck_assert_msg(store_index_pending(st, &n) == 0, "%s", store_error(st));
	return n;
}

static void retitle(struct store *st, int64_t id, const char *url, const char *title)
{
	struct store_item it;

	ck_assert_int_eq(store_item_find(st, "src", url, NULL, &it), 1);
	ck_assert(it.id == id);
	free(it.title);
	it.title = xstrdup(title);
	ck_assert_msg(store_item_put(st, &it) == 0, "%s", store_error(st));
	store_item_clear(&it);
}

START_TEST(search_index_is_lazy_caught_up_and_kept_in_step)
{
	const char *check = "INSERT INTO items_fts(items_fts) VALUES ('integrity-check')";
	struct store *st = open_ok(), *ro;
	struct store_hit *h;
	char err[512], *del;
	int64_t a, b, c, d;
	size_t n, done;

	a = put_item(st, "src", "http://a/1", "Alpha sanctions", NULL, 100);
	b = put_item(st, "src", "http://a/2", "Beta sanctions", NULL, 200);
	c = put_item(st, "src", "http://a/3", "Gamma", NULL, 300);
	ck_assert_int_eq(pending_of(st), 3); /* storing indexes nothing */
	ro = store_open_readonly(db_path, err, sizeof(err));
	ck_assert_msg(ro != NULL, "%s", err);
	ck_assert_uint_eq(search_n(ro, "sanctions", NULL, NULL, &h), 0); /* cannot index */
	free(h);
	ck_assert_int_eq(store_index_catch_up(st, 2, &done), 0);
	ck_assert_uint_eq(done, 2); /* a and b, the oldest */
	ck_assert_int_eq(pending_of(ro), 1);
	ck_assert_uint_eq(search_n(ro, "sanctions", NULL, NULL, &h), 2);
	free_hits(h, 2);
	retitle(st, a, "http://a/1", "Alpha embargo");	 /* indexed: the index follows */
	retitle(st, c, "http://a/3", "Gamma sanctions"); /* not yet: left to the catch-up */
	del = xasprintf("DELETE FROM items WHERE id = %lld", (long long)b);
	ck_assert_int_eq(sql_on_file(del), SQLITE_OK);
	free(del);
	n = search_n(st, "sanctions", NULL, NULL, &h); /* read-write: catches up first */
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(h[0].url, "http://a/3");
	free_hits(h, n);
	ck_assert_int_eq(pending_of(st), 0);
	ck_assert_int_eq(sql_on_file(check), SQLITE_OK);
	/* After deleting the highest ids, a new row gets an id under the mark: indexed as stored.
	 */
	del = xasprintf("DELETE FROM items WHERE id = %lld", (long long)c);
	ck_assert_int_eq(sql_on_file(del), SQLITE_OK);
	free(del);
	d = put_item(st, "src", "http://a/4", "Delta sanctions", NULL, 400);
	ck_assert(d <= c); /* max(id) + 1: an id the index has had */
	ck_assert_int_eq(pending_of(st), 0);
	ck_assert_uint_eq(search_n(ro, "Delta", NULL, NULL, &h), 1);
	free_hits(h, 1);
	ck_assert_int_eq(sql_on_file(check), SQLITE_OK);
	store_close(ro);
	store_close(st);
}
END_TEST

START_TEST(unknown_backend_is_refused_by_name)
{
	char err[512];
	struct store *st = store_open("mysql://db.example/speechwatch", err, sizeof(err));

	ck_assert_ptr_null(st);
	ck_assert_msg(strstr(err, "mysql://db.example/speechwatch") && strstr(err, "\"mysql:\"") &&
			  strstr(err, "postgresql://"),
		      "err: %s", err);
	st = store_open_readonly("pg:x", err, sizeof(err));
	ck_assert_ptr_null(st);
	ck_assert_msg(strstr(err, "\"pg:\""), "err: %s", err);
	ck_assert_int_eq(store_exists("pg:x"), -1);
}
END_TEST

START_TEST(sqlite_scheme_and_plain_path_name_the_same_store)
{
	char err[512];
	char *loc = xasprintf("sqlite:%s", db_path);
	struct store *st;
	struct store_source src, got;

	ck_assert_int_eq(store_exists(db_path), 0);
	ck_assert_int_eq(store_exists(loc), 0);
	st = store_open(loc, err, sizeof(err));
	ck_assert_msg(st != NULL, "%s", err);
	ck_assert_str_eq(store_location(st), loc);
	memset(&src, 0, sizeof(src));
	src.items = 7;
	ck_assert_int_eq(store_source_put(st, "s", "http://s/", &src), 0);
	store_close(st);
	ck_assert_int_eq(store_exists(db_path), 1);
	st = store_open_readonly(db_path, err, sizeof(err));
	ck_assert_msg(st != NULL, "%s", err);
	ck_assert_str_eq(store_location(st), db_path);
	ck_assert_int_eq(store_source_get(st, "s", &got), 1);
	ck_assert_int_eq(got.items, 7);
	store_source_clear(&got);
	store_close(st);
	ck_assert_ptr_null(store_open("sqlite:", err, sizeof(err)));
	free(loc);
}
END_TEST

START_TEST(location_for_a_state_dir)
{
	char *loc = store_location_for("/var/lib/speechwatch");
	char cwd[4096], err[512];
	struct store *st;

	ck_assert_str_eq(loc, "/var/lib/speechwatch/speechwatch.db");
	free(loc);
	/* a relative state_dir that reads like a scheme stays a directory */
	loc = store_location_for("db:state");
	ck_assert_str_eq(loc, "sqlite:db:state/speechwatch.db");
	ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
	ck_assert_int_eq(chdir(dir), 0);
	ck_assert_int_eq(mkdir("db:state", 0700), 0);
	st = store_open(loc, err, sizeof(err));
	ck_assert_int_eq(access("db:state/speechwatch.db", F_OK), 0);
	ck_assert_int_eq(chdir(cwd), 0);
	ck_assert_msg(st != NULL, "%s", err);
	store_close(st);
	free(loc);
}
END_TEST

/* The bytes of the file at path (caller frees), or NULL when it is not there. */
static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *data = NULL;

	*len = 0;
	if (f == NULL)
		return NULL;
	data = xmalloc(1 << 20);
	*len = fread(data, 1, 1 << 20, f);
	fclose(f);
	return data;
}

START_TEST(a_copy_is_written_in_memory_only)
{
	struct store *st = open_ok();
	struct store_source src, got;
	char err[512], *before, *after;
	size_t nbefore, nafter;

	memset(&src, 0, sizeof(src));
	src.items = 3;
	ck_assert_int_eq(store_source_put(st, "s", "http://a/", &src), 0);
	store_close(st);
	before = slurp(db_path, &nbefore);
	ck_assert_ptr_nonnull(before);
	st = store_open_copy(db_path, err, sizeof(err));
	ck_assert_msg(st != NULL, "%s", err);
	ck_assert_int_eq(store_source_get(st, "s", &got), 1);
	ck_assert_int_eq(got.items, 3);
	store_source_clear(&got);
	put_item(st, "s", "http://a/1", "One", "text", 100);
	src.items = 4;
	ck_assert_int_eq(store_source_put(st, "s", "http://a/", &src), 0);
	store_close(st);
	after = slurp(db_path, &nafter);
	ck_assert_uint_eq(nafter, nbefore);
	ck_assert(memcmp(before, after, nbefore) == 0);
	st = open_ok();
	ck_assert_int_eq(store_source_get(st, "s", &got), 1);
	ck_assert_int_eq(got.items, 3);
	store_source_clear(&got);
	store_close(st);
	free(before);
	free(after);
}
END_TEST

START_TEST(a_copy_of_nothing_is_an_empty_store_and_creates_no_file)
{
	char err[512];
	struct store *st = store_open_copy(db_path, err, sizeof(err));

	ck_assert_msg(st != NULL, "%s", err);
	ck_assert_int_eq(schema_version(st), STORE_SCHEMA_VERSION);
	put_item(st, "s", "http://a/1", "One", "text", 100);
	store_close(st);
	ck_assert_int_eq(store_exists(db_path), 0);
	ck_assert_int_eq(access(db_path, F_OK), -1);
}
END_TEST

START_TEST(readonly_open_needs_an_existing_store)
{
	char err[512];
	struct store *st = store_open_readonly(db_path, err, sizeof(err));

	ck_assert_ptr_null(st);
	ck_assert_msg(strstr(err, db_path) != NULL, "err: %s", err);
	ck_assert_int_eq(store_exists(db_path), 0);
}
END_TEST

START_TEST(memory_store_for_tests)
{
	char err[512];
	struct store *st = store_open(":memory:", err, sizeof(err));
	struct store_info info;

	ck_assert_msg(st != NULL, "%s", err);
	ck_assert_int_eq(store_exists(":memory:"), 0);
	ck_assert_int_eq(store_info(st, &info), 0);
	ck_assert_int_eq(info.schema_version, STORE_SCHEMA_VERSION);
	put_event(st, "evt_mem", "hook", 1);
	ck_assert_uint_eq(count_due(st, 2), 1);
	ck_assert_int_eq(store_verify(st), 0);
	store_close(st);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("store");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, migrates_an_empty_file);
	tcase_add_test(tc, due_and_next_due_leave_skipped_channels_out);
	tcase_add_test(tc, event_age_is_kept);
	tcase_add_test(tc, migration_6_gives_pending_events_an_age);
	tcase_add_test(tc, reopen_keeps_source_state);
	tcase_add_test(tc, rollback_discards_the_transaction);
	tcase_add_test(tc, refuses_a_newer_schema);
	tcase_add_test(tc, unwritable_location_names_the_path);
	tcase_add_test(tc, kill9_inside_a_write_loop_leaves_a_sound_database);
	suite_add_tcase(s, tc);
	tc = tcase_create("interface");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, item_and_its_event_commit_or_roll_back_together);
	tcase_add_test(tc, an_event_id_is_stored_once);
	tcase_add_test(tc, a_batch_is_one_commit_and_rolls_back_whole);
	tcase_add_test(tc, a_relaxed_transaction_is_still_a_transaction);
	tcase_add_test(tc, text_newest_is_the_latest_publication_or_sighting);
	tcase_add_test(tc, events_due_oldest_first_up_to_max);
	tcase_add_test(tc, next_due_is_the_earliest_undelivered);
	tcase_add_test(tc, requeue_returns_sending_events_to_the_queue);
	tcase_add_test(tc, channel_counts_per_state_and_last_error);
	tcase_add_test(tc, recheck_candidates_have_text_and_are_newest_first);
	tcase_add_test(tc, unread_archive_is_the_newest_never_fetched);
	tcase_add_test(tc, a_copy_is_written_in_memory_only);
	tcase_add_test(tc, a_copy_of_nothing_is_an_empty_store_and_creates_no_file);
	tcase_add_test(tc, items_found_by_guid_or_url_and_seen_elsewhere);
	tcase_add_test(tc, same_text_on_the_same_source_is_found_and_counted);
	tcase_add_test(tc, an_unread_item_is_found_by_title_and_date);
	tcase_add_test(tc, recent_events_by_source_and_type);
	tcase_add_test(tc, lookups_in_one_snapshot);
	tcase_add_test(tc, search_finds_text_by_date_and_theme);
	tcase_add_test(tc, search_index_is_lazy_caught_up_and_kept_in_step);
	tcase_add_test(tc, unknown_backend_is_refused_by_name);
	tcase_add_test(tc, sqlite_scheme_and_plain_path_name_the_same_store);
	tcase_add_test(tc, location_for_a_state_dir);
	tcase_add_test(tc, readonly_open_needs_an_existing_store);
	tcase_add_test(tc, memory_store_for_tests);
	suite_add_tcase(s, tc);
	return testutil_run(s);
}
