/*
 * The operator's view of the outbox and its second chance (speechwatch
 * events): store_events_list's filters, store_event_redeliver's moves,
 * redeliver_events in one transaction, and how a running daemon is found
 * and told (statelock_holder, redeliver_wake). Against a real store in a
 * temporary directory.
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/xmalloc.h"
#include "daemon/redeliver.h"
#include "daemon/statelock.h"
#include "daemon/store.h"
#include "tests/unit/testutil.h"

static char *dir;
static struct store *st;

static void setup(void)
{
	char err[512], *path;

	dir = testutil_tmpdir();
	path = xasprintf("%s/speechwatch.db", dir);
	st = store_open(path, err, sizeof(err));
	ck_assert_msg(st != NULL, "%s", err);
	free(path);
}

static void teardown(void)
{
	store_close(st);
	testutil_rmtree(dir);
	free(dir);
}

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

/* The ids filter selects, joined by spaces in the list's order. */
static char *ids_of(const struct store_event_filter *f)
{
	struct store_event *evs;
	size_t n;
	char *out = xstrdup(""), *next;

	ck_assert_int_eq(store_events_list(st, f, &evs, &n), 0);
	for (size_t i = 0; i < n; i++) {
		next = xasprintf("%s%s%s", out, i ? " " : "", evs[i].id);
		free(out);
		out = next;
		store_event_clear(&evs[i]);
	}
	free(evs);
	return out;
}

static void assert_ids(struct store_event_filter f, const char *want)
{
	char *got = ids_of(&f);

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
	assert_ids((struct store_event_filter){NULL, NULL, 0, 0, 0},
		   "evt_e evt_d evt_c evt_b evt_a");
	assert_ids((struct store_event_filter){NULL, NULL, dead, 0, 0}, "evt_c evt_a");
	assert_ids((struct store_event_filter){NULL, "hook", dead, 0, 0}, "evt_a");
	assert_ids((struct store_event_filter){NULL, NULL, dead | 1u << EVENT_QUEUED, 0, 0},
		   "evt_e evt_c evt_a");
	assert_ids((struct store_event_filter){NULL, NULL, 0, 3000, 0}, "evt_e evt_d evt_c");
	assert_ids((struct store_event_filter){NULL, NULL, 0, 0, 2}, "evt_e evt_d");
	assert_ids((struct store_event_filter){"evt_b", NULL, 0, 0, 0}, "evt_b");
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
}
END_TEST

START_TEST(an_event_being_sent_is_not_redelivered)
{
	struct store_event ev;

	add("evt_s", "hook", 1000, EVENT_SENDING, NULL);
	ck_assert_int_eq(store_event_redeliver(st, "evt_s", 42.0), 0);
	ev = get("evt_s");
	ck_assert_int_eq(ev.state, EVENT_SENDING);
	store_event_clear(&ev);
}
END_TEST

static long run(const char *const *ids, size_t nids, unsigned states, const char *channel,
		double since, char *err)
{
	struct redeliver_sel sel = {ids, nids, states, channel, since};

	return redeliver_events(st, &sel, err, 256);
}

START_TEST(redeliver_dead_takes_every_dead_event_of_the_selection)
{
	char err[256];
	struct store_event *due;
	size_t n;
	int found = 0;

	add_five();
	add("evt_f", "hook", 6000, EVENT_DEAD, "HTTP 404");
	ck_assert_int_eq(run(NULL, 0, 1u << EVENT_DEAD, "hook", 5500, err), 1);
	assert_ids((struct store_event_filter){NULL, NULL, 1u << EVENT_DEAD, 0, 0}, "evt_c evt_a");
	ck_assert_int_eq(run(NULL, 0, 1u << EVENT_DEAD, NULL, 0, err), 2);
	assert_ids((struct store_event_filter){NULL, NULL, 1u << EVENT_DEAD, 0, 0}, "");
	ck_assert_int_eq(run(NULL, 0, 1u << EVENT_DEAD, NULL, 0, err), 0);
	/* due now, for the outbox as for any pending event */
	ck_assert_int_eq(store_events_due(st, clock_steady(), NULL, 100, &due, &n), 0);
	for (size_t i = 0; i < n; i++) {
		found += strcmp(due[i].id, "evt_a") == 0 || strcmp(due[i].id, "evt_c") == 0 ||
			 strcmp(due[i].id, "evt_f") == 0;
		store_event_clear(&due[i]);
	}
	ck_assert_int_eq(found, 3);
	free(due);
}
END_TEST

START_TEST(given_ids_move_in_one_transaction_or_not_at_all)
{
	const char *const good[] = {"evt_a", "evt_e", "evt_b"};
	const char *const bad[] = {"evt_c", "evt_nosuch"};
	char err[256];
	struct store_event ev;

	add_five();
	ck_assert_int_eq(run(bad, 2, 0, NULL, 0, err), -1);
	ck_assert_ptr_nonnull(strstr(err, "evt_nosuch"));
	ev = get("evt_c");
	ck_assert_int_eq(ev.state, EVENT_DEAD); /* rolled back */
	store_event_clear(&ev);
	ck_assert_int_eq(run(good, 3, 0, NULL, 0, err), 2); /* evt_e was queued already */
	assert_ids((struct store_event_filter){NULL, NULL, 1u << EVENT_QUEUED, 0, 0},
		   "evt_e evt_b evt_a");
}
END_TEST

static volatile sig_atomic_t usr1_seen;

static void on_usr1(int sig)
{
	(void)sig;
	usr1_seen = 1;
}

START_TEST(the_lock_holder_is_found_and_told)
{
	char err[256];
	long pid = -1;
	int fd;

	ck_assert_int_eq(statelock_holder(dir, &pid, err, sizeof(err)), 0); /* never ran */
	ck_assert_int_eq(redeliver_wake(dir, err, sizeof(err)), 0);
	fd = statelock_take(dir, err, sizeof(err));
	ck_assert_msg(fd >= 0, "%s", err);
	ck_assert_int_eq(statelock_holder(dir, &pid, err, sizeof(err)), 1);
	ck_assert_int_eq(pid, (long)getpid());
	signal(SIGUSR1, on_usr1);
	usr1_seen = 0;
	ck_assert_int_eq(redeliver_wake(dir, err, sizeof(err)), 1);
	ck_assert_int_eq(usr1_seen, 1);
	signal(SIGUSR1, SIG_DFL);
	statelock_release(fd);
	ck_assert_int_eq(statelock_holder(dir, &pid, err, sizeof(err)), 0); /* stopped */
	/* the holder's check left the lock free for the next daemon */
	fd = statelock_take(dir, err, sizeof(err));
	ck_assert_msg(fd >= 0, "%s", err);
	statelock_release(fd);
}
END_TEST

START_TEST(a_dead_pid_in_the_lock_file_is_no_daemon)
{
	char err[256], *path = xasprintf("%s/speechwatch.lock", dir);
	long pid = -1;
	pid_t child = fork();
	FILE *f;

	ck_assert_int_ge(child, 0);
	if (child == 0)
		_exit(0);
	ck_assert_int_eq(waitpid(child, NULL, 0), child);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "%ld\n", (long)child);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(statelock_holder(dir, &pid, err, sizeof(err)), 0);
	ck_assert_int_eq(pid, 0);
	ck_assert_int_eq(redeliver_wake(dir, err, sizeof(err)), 0);
	free(path);
}
END_TEST

static Suite *redeliver_suite(void)
{
	Suite *s = suite_create("redeliver");
	TCase *store = tcase_create("store"), *sel = tcase_create("selection");
	TCase *wake = tcase_create("wake");

	tcase_add_checked_fixture(store, setup, teardown);
	tcase_add_test(store, list_filters_by_state_channel_since_and_id_newest_first);
	tcase_add_test(store, redeliver_moves_dead_delivered_and_retrying_events_keeping_their_id);
	tcase_add_test(store, an_event_being_sent_is_not_redelivered);
	suite_add_tcase(s, store);
	tcase_add_checked_fixture(sel, setup, teardown);
	tcase_add_test(sel, redeliver_dead_takes_every_dead_event_of_the_selection);
	tcase_add_test(sel, given_ids_move_in_one_transaction_or_not_at_all);
	suite_add_tcase(s, sel);
	tcase_add_checked_fixture(wake, setup, teardown);
	tcase_add_test(wake, the_lock_holder_is_found_and_told);
	tcase_add_test(wake, a_dead_pid_in_the_lock_file_is_no_daemon);
	suite_add_tcase(s, wake);
	return s;
}

int main(void)
{
	return testutil_run(redeliver_suite());
}
