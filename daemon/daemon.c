#include "daemon/daemon.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "analyze/page/page.h"
#include "analyze/themes/themes.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/xmalloc.h"
#include "daemon/daemon_int.h"
#include "daemon/deliveries.h"
#include "daemon/dryrun.h"
#include "daemon/httpcfg.h"
#include "daemon/metrics.h"
#include "daemon/outbox.h"
#include "daemon/pdf_queue.h"
#include "daemon/sdnotify.h"
#include "daemon/share.h"
#include "daemon/statelock.h"
#include "daemon/store.h"
#include "daemon/store_jobs.h"
#include "daemon/themeset.h"
#include "daemon/webserve.h"
#include "fetch/http.h"

#define STOP_GRACE_SECONDS 10.0
/* seconds the start-up check may take on the bulk of a large store */
#define STORE_CHECK_BUDGET 2.0

static int make_state_dir(const char *dir)
{
	struct stat st;

	if (stat(dir, &st) == 0)
		return S_ISDIR(st.st_mode) ? 0 : (errno = ENOTDIR, -1);
	return mkdir(dir, 0700);
}

static struct http *open_http(struct daemon *d)
{
	struct http_config hc;
	char err[256];
	struct http *h;

	httpcfg_from_daemon(&d->cfg->daemon, &hc);
	h = http_new(d->loop, &hc, err, sizeof(err));
	if (h == NULL)
		log_err("cannot start the fetch engine: %s", err);
	return h;
}

/* Logs the backend's recovery steps for the damaged store at path, a line each. */
static void log_recovery(const char *path)
{
	char *steps = store_recovery_steps(path);
	char *save = NULL;

	for (char *l = strtok_r(steps, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		log_err("%s", l);
	free(steps);
}

/*
 * Opens the store and checks it (store_check) before anything runs on it: a
 * damaged store is refused with the steps to recover it.
 */
static struct store *open_checked(const char *path)
{
	char err[600];
	struct store *st = store_open(path, err, sizeof(err));
	int rc;

	if (st == NULL) {
		int damaged = errno == EBADMSG;

		log_err("cannot open the store: %s", err);
		if (damaged)
			log_recovery(path);
		return NULL;
	}
	rc = store_check(st, STORE_CHECK_BUDGET);
	if (rc == 1)
		log_info("store check: sources and events checked whole, the rest for %.0fs "
			 "without a fault (a large store; speechwatch vacuum checks all of it)",
			 STORE_CHECK_BUDGET);
	if (rc < 0) {
		int damaged = errno == EBADMSG;

		log_err("cannot use the store: %s", store_error(st));
		if (damaged)
			log_recovery(path);
		store_close(st);
		return NULL;
	}
	return st;
}

static int open_store(struct daemon *d)
{
	const char *dir = d->cfg->daemon.state_dir;
	char *path = store_location_of(d->cfg->daemon.database, dir);
	char err[600];

	if (d->dry_run) {
		d->store = dryrun_open_store(path); /* nothing created, no lock taken */
		free(path);
		return d->store ? 0 : -1;
	}
	if (make_state_dir(dir) < 0) {
		log_warn("state_dir %s", dir);
		free(path);
		return -1;
	}
	/* Once the lock names us, `speechwatch reload` may send SIGHUP: until
	 * watch_signals handles it, it must not end the daemon (it is lost). */
	signal(SIGHUP, SIG_IGN);
	d->lock_fd = statelock_take(dir, err, sizeof(err));
	if (d->lock_fd < 0) {
		log_err("%s", err);
		free(path);
		return -1;
	}
	d->store = open_checked(path);
	free(path);
	return d->store ? 0 : -1;
}

/* Inline for the start: its reads are synchronous, before the loop runs (store_thread_on). */
static int open_jobs(struct daemon *d)
{
	char err[256];

	d->jobs = store_jobs_new(d->loop, d->store, 0, err, sizeof(err));
	if (d->jobs == NULL)
		log_err("%s", err);
	return d->jobs ? 0 : -1;
}

/*
 * While the loop runs, a server's store is worked on the store thread, so
 * that no query holds the loop; SQLite's local file stays inline.
 * SPEECHWATCH_STORE_THREAD=1 puts a SQLite store on the thread as a
 * server's: the tests' way to prove the loop no longer touches it (a use
 * from the loop aborts, store_bind_thread).
 */
static int store_thread_on(struct daemon *d)
{
	const char *force = getenv("SPEECHWATCH_STORE_THREAD");
	char err[256];

	if (!store_on_server(store_location(d->store)) && !(force && strcmp(force, "1") == 0))
		return 0;
	if (store_jobs_start_thread(d->jobs, err, sizeof(err)) < 0) {
		log_err("%s", err);
		return -1;
	}
	log_debug("store: worked on its own thread while the loop runs");
	return 0;
}

static void add_sources(struct daemon *d)
{
	for (size_t i = 0; i < d->cfg->nsources; i++) {
		const struct config_source *s = &d->cfg->sources[i];

		if (!s->enabled)
			continue;
		d->sources = xreallocarray(d->sources, d->nsources + 1, sizeof(*d->sources));
		d->sources[d->nsources++] = schedule_source_new(d, s);
	}
}

/* Run mode on a server's store: this instance polls the sources it holds the lease of. */
static int open_share(struct daemon *d)
{
	char err[512];

	if (!store_on_server(store_location(d->store)))
		return 0;
	if (share_start(d, err, sizeof(err)) == NULL) {
		log_err("%s", err);
		return -1;
	}
	return 0;
}

static void begin_stop(struct daemon *d, const char *why)
{
	if (d->stopping)
		return;
	d->stopping = 1;
	log_info("stopping (%s): %zu transfer(s) in flight", why, http_pending(d->http));
	sdnotify_stopping();
	webserve_free(d->web); /* no page is answered while the daemon winds down */
	d->web = NULL;
	schedule_stop_all(d);
	index_stop(d);
	retain_stop(d);
	if (d->outbox)
		outbox_stop(d->outbox);
	sdnotify_watchdog_stop(d->loop);
	if (http_pending(d->http) == 0) {
		ev_break(d->loop, EVBREAK_ALL);
		return;
	}
	ev_timer_start(d->loop, &d->stop_timer);
}

/* ev_timer callback: the grace period of a stop ran out. */
static void stop_timeout_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct daemon *d = w->data;

	(void)revents;
	log_warnx("stop: %zu transfer(s) still in flight after %.0fs, abandoning them",
		  http_pending(d->http), STOP_GRACE_SECONDS);
	ev_break(loop, EVBREAK_ALL);
}

/* ev_signal callback: SIGTERM and SIGINT. */
static void stop_signal_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	(void)loop;
	(void)revents;
	begin_stop(w->data, w->signum == SIGTERM ? "SIGTERM" : "SIGINT");
}

/* ev_signal callback: SIGHUP. */
static void hup_signal_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct daemon *d = w->data;

	(void)loop;
	(void)revents;
	if (!d->stopping)
		daemon_reload(d);
}

/* ev_signal callback: SIGUSR1, sent by `events redeliver` and `events enable-channel`. */
static void usr1_signal_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct daemon *d = w->data;

	(void)loop;
	(void)revents;
	if (d->stopping)
		return;
	log_info("SIGUSR1: the outbox was changed by the operator; looking at it again");
	outbox_rescan(d->outbox);
}

static void watch_signals(struct daemon *d)
{
	signal(SIGPIPE, SIG_IGN);
	ev_signal_init(&d->sig_term, stop_signal_cb, SIGTERM);
	ev_signal_init(&d->sig_int, stop_signal_cb, SIGINT);
	ev_signal_init(&d->sig_hup, hup_signal_cb, SIGHUP);
	ev_signal_init(&d->sig_usr1, usr1_signal_cb, SIGUSR1);
	d->sig_term.data = d->sig_int.data = d->sig_hup.data = d->sig_usr1.data = d;
	ev_signal_start(d->loop, &d->sig_term);
	ev_signal_start(d->loop, &d->sig_int);
	ev_signal_start(d->loop, &d->sig_hup);
	ev_signal_start(d->loop, &d->sig_usr1);
	ev_timer_init(&d->stop_timer, stop_timeout_cb, STOP_GRACE_SECONDS, 0.0);
	d->stop_timer.data = d;
}

static int all_polled(const struct daemon *d)
{
	for (size_t i = 0; i < d->nsources; i++)
		if (!d->sources[i]->polled)
			return 0;
	return 1;
}

static void forget_retired(struct daemon *d, struct source_rt *rt)
{
	for (size_t i = 0; i < d->nsources; i++) {
		if (d->sources[i] != rt)
			continue;
		d->sources[i] = d->sources[--d->nsources];
		log_info("source=%s removed by reload", rt->id);
		schedule_source_free(rt);
		return;
	}
}

static int polls_running(const struct daemon *d)
{
	for (size_t i = 0; i < d->nsources; i++)
		if (source_busy(d->sources[i]))
			return 1;
	return 0;
}

/* Every source was polled and no poll is still running (once mode). */
static int polls_done(const struct daemon *d)
{
	return all_polled(d) && !polls_running(d);
}

/* outbox_env.polls_done */
static int outbox_polls_done(void *arg)
{
	return polls_done(arg);
}

/* A poll, article or delivery finished; lets once mode and stop complete. */
static void work_finished(struct daemon *d)
{
	if (d->stopping && http_pending(d->http) == 0) {
		ev_break(d->loop, EVBREAK_ALL);
		return;
	}
	if (d->mode == DAEMON_ONCE && polls_done(d) &&
	    (d->outbox == NULL || outbox_idle(d->outbox)) && http_pending(d->http) == 0)
		ev_break(d->loop, EVBREAK_ALL);
}

/* outbox_env.work_finished */
static void outbox_work_finished(void *arg)
{
	work_finished(arg);
}

/* source_hooks.finished: forgets rt if a reload removed it. */
static void poll_finished(struct source_rt *rt)
{
	struct daemon *d = rt->d;

	if (rt->cfg == NULL && !source_busy(rt))
		forget_retired(d, rt);
	/* once mode: digests wait for the last poll; polls that queued nothing did not kick */
	if (d->mode == DAEMON_ONCE && d->outbox && polls_done(d))
		outbox_kick(d->outbox);
	if (d->mode == DAEMON_RUN && !d->stopping && !d->index.stopped)
		index_soon(d); /* not for a poll whose writes came back after index_stop */
	work_finished(d);
}

/* The outbox's surroundings; a reload makes its outbox from a copy with the new config. */
static void set_outbox_env(struct daemon *d)
{
	struct outbox_env *env = &d->outbox_env;

	memset(env, 0, sizeof(*env));
	env->loop = d->loop;
	env->jobs = d->jobs;
	env->http = d->http;
	env->cfg = d->cfg;
	env->once = d->mode == DAEMON_ONCE;
	env->polls_done = outbox_polls_done;
	env->work_finished = outbox_work_finished;
	env->arg = d;
	env->metrics = d->metrics;
}

static struct daemon *daemon_make(struct config *cfg, struct themes *themes,
				  const char *config_path, enum daemon_mode mode, int dry_run)
{
	struct daemon *d = xcalloc(1, sizeof(*d));

	d->dry_run = dry_run;
	d->cfg = cfg;
	d->themes = themes;
	d->config_path = xstrdup(config_path);
	d->mode = mode;
	d->lock_fd = -1;
	d->hooks.due = poll_start;
	d->hooks.finished = poll_finished;
	d->loop = ev_default_loop(EVFLAG_AUTO);
	if (d->loop == NULL) {
		log_err("cannot initialise libev");
		goto fail;
	}
	page_init();
	d->pdfs = pdf_queue_new(d->loop);
	/* kept for the listener's /metrics only: without it nobody reads them */
	if (mode == DAEMON_RUN && !dry_run && cfg->http.listen)
		d->metrics = metrics_new();
	if (open_store(d) < 0)
		goto fail;
	/* Another process's lock fails fast on the loop; the outbox backs off and retries. */
	store_set_busy_wait(d->store, 50);
	if (open_jobs(d) < 0)
		goto fail;
	d->http = open_http(d);
	if (d->http == NULL)
		goto fail;
	set_outbox_env(d);
	d->outbox = outbox_new(&d->outbox_env, 1, NULL);
	if (d->outbox == NULL)
		goto fail;
	if (dry_run)
		outbox_stop(d->outbox); /* events are written to the copy, never sent */
	watch_signals(d);
	/* only `run` serves pages: once, check and preview never listen */
	if (mode == DAEMON_RUN && !dry_run && cfg->http.listen &&
	    (d->web = webserve_start(d)) == NULL)
		goto fail;
	add_sources(d);
	if (mode == DAEMON_RUN && !dry_run && open_share(d) < 0)
		goto fail;
	return d;
fail:
	daemon_free(d);
	return NULL;
}

struct daemon *daemon_new(struct config *cfg, struct themes *themes, const char *config_path,
			  enum daemon_mode mode)
{
	return daemon_make(cfg, themes, config_path, mode, 0);
}

struct daemon *daemon_new_dry_run(struct config *cfg, struct themes *themes,
				  const char *config_path)
{
	return daemon_make(cfg, themes, config_path, DAEMON_ONCE, 1);
}

static void start_timers(struct daemon *d)
{
	for (size_t i = 0; i < d->nsources; i++)
		schedule_first(d->sources[i]);
}

/*
 * Runs the loop until every store job is back: a poll's writes and the
 * quiet rows flushed at the end go to the store before a stop or once mode
 * returns (threaded, a job not started when the jobs are freed is dropped),
 * and their done callbacks still find the sources they point at.
 */
static void jobs_drain(struct daemon *d)
{
	while (d->jobs != NULL && store_jobs_pending(d->jobs) > 0)
		ev_run(d->loop, EVRUN_ONCE);
}

/* ev_prepare callback: the loop is about to wait; write this iteration's log lines. */
static void log_flush_cb(struct ev_loop *loop, ev_prepare *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents;
	log_flush();
}

int daemon_run(struct daemon *d)
{
	struct deliveries *before = NULL;
	double started = clock_wall();
	ev_prepare flush;

	if (d->mode == DAEMON_ONCE && !d->dry_run)
		before = deliveries_begin(d->cfg, d->store);
	start_timers(d);
	log_info("started: %zu source(s), state %s, mode %s", d->nsources, store_location(d->store),
		 d->mode == DAEMON_ONCE ? "once" : "run");
	sdnotify_ready();
	sdnotify_status("watching %zu source(s)", d->nsources);
	if (d->mode == DAEMON_RUN) {
		sdnotify_watchdog_start(d->loop, d->cfg->daemon.watchdog_interval);
		index_start(d);
		retain_start(d);
	}
	outbox_kick(d->outbox); /* events left pending by an earlier run */
	if (store_thread_on(d) < 0)
		return 1;
	ev_prepare_init(&flush, log_flush_cb);
	ev_prepare_start(d->loop, &flush);
	log_hold(1);
	ev_run(d->loop, 0);
	log_hold(0);
	ev_prepare_stop(d->loop, &flush);
	/*
	 * The quiet polls' status rows, before once mode or a stop returns and
	 * before the leases go: whoever takes a source given back reads its row.
	 */
	poll_flush(d);
	jobs_drain(d);
	share_give_back(d->share);	 /* others take the sources at once, not after the expiry */
	store_jobs_stop_thread(d->jobs); /* what follows is synchronous: the loop has stopped */
	poll_flush(d);			 /* a poll that ended while the leases went */
	jobs_drain(d);
	if (d->mode == DAEMON_ONCE && d->polls_failed > 0)
		d->exit_status = 1;
	/* once promises that every event was delivered (speechwatch(8) EXIT STATUS) */
	if (before != NULL && deliveries_report(before, d->cfg, d->store) > 0)
		d->exit_status = 1;
	if (d->dry_run && dryrun_print(d->store, started) < 0)
		d->exit_status = 1;
	log_info("stopped");
	return d->exit_status;
}

void daemon_free(struct daemon *d)
{
	if (d == NULL)
		return;
	if (d->loop) {
		ev_signal_stop(d->loop, &d->sig_term);
		ev_signal_stop(d->loop, &d->sig_int);
		ev_signal_stop(d->loop, &d->sig_hup);
		ev_signal_stop(d->loop, &d->sig_usr1);
		/* the lock is still held: a late request (redeliver, reload) must not kill */
		signal(SIGUSR1, SIG_IGN);
		signal(SIGHUP, SIG_IGN);
		ev_timer_stop(d->loop, &d->stop_timer);
	}
	if (d->jobs)
		store_jobs_stop_thread(d->jobs); /* a stop before or without daemon_run's */
	webserve_free(d->web);
	d->web = NULL;
	index_stop(d);
	retain_stop(d);
	schedule_stop_all(d);
	/* Backwards: a cancelled run may forget a retired source (swap-remove). */
	for (size_t i = d->nsources; i-- > 0;)
		if (i < d->nsources && d->sources[i]->run)
			detect_cancel(d->sources[i]->run);
	jobs_drain(d); /* their writes (and events) while the outbox is there */
	/* Closing channels cancels sends: their events go back to queued in the store. */
	outbox_free(d->outbox); /* and the retired outboxes it took over */
	d->outbox = NULL;
	/* Cancelling runs the done callbacks, which still need the sources. */
	http_free(d->http);
	pdf_queue_free(d->pdfs); /* the article jobs that read PDFs are cancelled by now */
	poll_flush(d);		 /* rows of the polls those cancellations ended */
	jobs_drain(d);		 /* their writes, while the sources they point at are there */
	themes_free(d->themes);
	for (size_t i = 0; i < d->nsources; i++)
		schedule_source_free(d->sources[i]);
	free(d->sources);
	store_jobs_free(d->jobs); /* a step out finishes first: it uses the store */
	share_free(d->share);	  /* after the jobs: a take-over's read comes back to it */
	store_close(d->store);
	statelock_release(d->lock_fd);
	config_free(d->cfg);
	metrics_free(d->metrics);
	free(d->config_path);
	free(d);
}
