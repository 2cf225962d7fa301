/*
 * daemon/lease with real processes (issue 20, failover): each instance is a
 * forked child with its own loop, connection and lease set over NSRC
 * sources. Every 20 ms a child appends to a file of its own what it trusts
 * now (leases_held): "t_mono renewed_ago conn_state src:epoch ...". The
 * parent SIGKILLs instances at random moments and starts replacements, or
 * restarts the server under two of them (tests/pgcluster.py), and reads the
 * files afterwards: no two processes ever trusted one source at once, a
 * killed instance's sources were taken over within the lease's expiry and
 * a few rounds, every change of owner raised the source's epoch.
 *
 * tests/e2e/test_store_pg.py runs it with SW_TEST_PG=1 under a throw-away
 * server; alone it says "skipped". SW_FAILOVER_ITERATIONS sets the kills
 * (default 8, the CI's); bench/lease-failover/run.sh runs 30 and more.
 * SW_FAILOVER_SEED replays a run's random moments (the seed is printed).
 */
#include <check.h>
#include <ev.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/xmalloc.h"
#include "daemon/lease.h"
#include "daemon/pg_conn.h"
#include "daemon/store_pg.h"
#include "tests/unit/testutil.h"

#define NSRC 12
#define TTL 1.5
#define TICK 0.3
#define MARGIN (TTL / 10)
#define SAMPLE 0.02
#define MAXPROC 256
/* What a noisy shared machine may add to a take-over beyond ttl + 3 rounds. */
#define SLACK 1.5

static const char *ids[NSRC] = {"s0", "s1", "s2", "s3", "s4",  "s5",
				"s6", "s7", "s8", "s9", "s10", "s11"};

/* ---- an instance (the child's side) ---- */

struct inst {
	struct pg_conn *c;
	struct leases *l;
	int fd;
};

/* One line per sample, written at once (O_APPEND): t is taken after the counts so
 * that t - renewed_ago never falls before the renewal the trust rests on. */
static void on_sample(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct inst *in = w->data;
	struct lease_counts lc;
	char line[512];
	long long epoch;
	int n;

	(void)loop;
	(void)revents;
	leases_counts(in->l, &lc);
	n = snprintf(line, sizeof(line), "%.6f %.6f %d", clock_mono(), lc.renewed_ago,
		     (int)pg_conn_state(in->c));
	for (int i = 0; i < NSRC; i++)
		if (leases_held(in->l, ids[i], &epoch))
			n += snprintf(line + n, sizeof(line) - (size_t)n, " %d:%lld", i, epoch);
	line[n++] = '\n';
	if (write(in->fd, line, (size_t)n) != n)
		_exit(3);
}

static char *proc_file(const char *dir, int id, const char *ext)
{
	return xasprintf("%s/inst-%d.%s", dir, id, ext);
}

/* The child: runs until killed (it dies with the parent too). */
static void inst_main(const char *dir, int id, unsigned seed)
{
	struct pg_conn_settings cs = {.conninfo = ""};
	char *name = xasprintf("inst-%d:%d", id, (int)getpid());
	struct lease_settings ls = {.instance = name, .ttl = TTL, .tick = TICK, .margin = MARGIN};
	char *log = proc_file(dir, id, "log"), *err = proc_file(dir, id, "err");
	struct ev_loop *loop;
	struct inst in;
	ev_timer sample;
	int efd;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	srandom(seed); /* the rounds' jitter differs from the other children's */
	in.fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
	efd = open(err, O_WRONLY | O_CREAT | O_APPEND, 0644);
	if (in.fd < 0 || efd < 0 || dup2(efd, 2) < 0)
		_exit(2);
	log_hold(0);
	loop = ev_loop_new(EVFLAG_AUTO);
	in.c = pg_conn_new(loop, &cs);
	in.l = leases_new(loop, in.c, &ls);
	leases_set_sources(in.l, ids, NSRC);
	ev_timer_init(&sample, on_sample, SAMPLE, SAMPLE);
	sample.data = &in;
	ev_timer_start(loop, &sample);
	ev_run(loop, 0);
	_exit(0);
}

/* ---- the parent's side ---- */

struct proc {
	pid_t pid;
	double killed_at; /* clock_mono just before SIGKILL */
	double dead_at;	  /* clock_mono once reaped: no sample of it is later */
	int victim;	  /* killed while the others ran on */
};

static struct proc procs[MAXPROC];
static int nprocs;
static char *dir;

static int spawn(void)
{
	int id = nprocs++;
	pid_t pid;

	ck_assert_int_lt(id, MAXPROC);
	fflush(NULL);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		inst_main(dir, id, (unsigned)random() ^ (unsigned)getpid());
	procs[id].pid = pid;
	return id;
}

static void kill_proc(int id)
{
	int status;

	procs[id].killed_at = clock_mono();
	ck_assert_int_eq(kill(procs[id].pid, SIGKILL), 0);
	ck_assert_int_eq(waitpid(procs[id].pid, &status, 0), procs[id].pid);
	procs[id].dead_at = clock_mono();
	ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
		      "instance %d ended by itself (status %d): see %s/inst-%d.err", id, status,
		      dir, id);
	procs[id].pid = 0;
}

static void sleep_for(double secs)
{
	struct timespec ts = {(time_t)secs, (long)((secs - (double)(time_t)secs) * 1e9)};

	while (nanosleep(&ts, &ts) != 0)
		;
}

static double uniform(double lo, double hi)
{
	return lo + (hi - lo) * ((double)random() / ((double)RAND_MAX + 1));
}

/* ---- reading the samples ---- */

struct sample {
	int proc;
	double t, trust_end; /* trust_end: no later than this even without another sample */
	int state;
	int held[NSRC]; /* 1 when trusted, at epoch[] */
	long long epoch[NSRC];
};

static struct sample *samples;
static size_t nsamples;

static void parse_line(int id, char *line)
{
	struct sample s = {.proc = id};
	double ago;
	char *p = line, *end;
	int n;

	if (sscanf(p, "%lf %lf %d%n", &s.t, &ago, &s.state, &n) != 3)
		return; /* cut: read while it was being written */
	s.trust_end = ago >= 0 ? s.t - ago + TTL - MARGIN : s.t;
	for (p += n; *p == ' ';) {
		long i = strtol(p + 1, &end, 10);

		if (*end != ':' || i < 0 || i >= NSRC)
			return; /* cut: read while it was being written */
		s.held[i] = 1;
		s.epoch[i] = strtoll(end + 1, &p, 10);
	}
	if (*p != '\0')
		return;
	samples = xreallocarray(samples, nsamples + 1, sizeof(*samples));
	samples[nsamples++] = s;
}

/* Every sample of every instance so far, in each instance's order. */
static void read_samples(void)
{
	size_t len;

	free(samples);
	samples = NULL;
	nsamples = 0;
	for (int id = 0; id < nprocs; id++) {
		char *path = proc_file(dir, id, "log"), *text = testutil_slurp(path, &len);
		char *save = NULL;

		(void)len;
		for (char *l = text ? strtok_r(text, "\n", &save) : NULL; l;
		     l = strtok_r(NULL, "\n", &save))
			parse_line(id, l);
		free(text);
		free(path);
	}
}

/* How long trust in sample i lasted at most: to the next sample, the trust deadline or death. */
static double sample_end(size_t i)
{
	const struct sample *s = &samples[i];
	double end = s->trust_end;

	if (i + 1 < nsamples && samples[i + 1].proc == s->proc && samples[i + 1].t < end)
		end = samples[i + 1].t;
	if (procs[s->proc].dead_at > 0 && procs[s->proc].dead_at < end)
		end = procs[s->proc].dead_at;
	return end;
}

/*
 * A stretch of time one instance trusted one source at one epoch:
 * observed at from and at last (and at each sample between), perhaps
 * until to (the next sample, its trust deadline or its death).
 */
struct tenure {
	int proc;
	double from, last, to;
	long long epoch;
};

struct source_tenures {
	struct tenure *v;
	size_t n;
};

static struct source_tenures tenures[NSRC];

static void tenure_add(int src, const struct sample *s, double to)
{
	struct source_tenures *st = &tenures[src];
	struct tenure *last = st->n ? &st->v[st->n - 1] : NULL;

	if (last && last->proc == s->proc && last->epoch == s->epoch[src] && last->to >= s->t) {
		last->last = s->t;
		last->to = to;
		return;
	}
	st->v = xreallocarray(st->v, st->n + 1, sizeof(*st->v));
	st->v[st->n++] = (struct tenure){s->proc, s->t, s->t, to, s->epoch[src]};
}

static int cmp_tenure(const void *a, const void *b)
{
	double d = ((const struct tenure *)a)->from - ((const struct tenure *)b)->from;

	return d < 0 ? -1 : d > 0;
}

static void build_tenures(void)
{
	for (int s = 0; s < NSRC; s++) {
		free(tenures[s].v);
		tenures[s].v = NULL;
		tenures[s].n = 0;
	}
	for (size_t i = 0; i < nsamples; i++)
		for (int s = 0; s < NSRC; s++)
			if (samples[i].held[s])
				tenure_add(s, &samples[i], sample_end(i));
	for (int s = 0; s < NSRC; s++)
		qsort(tenures[s].v, tenures[s].n, sizeof(*tenures[s].v), cmp_tenure);
}

/*
 * (a) Two instances trusting one source at once. Sure: one was seen
 * trusting it between two samples of the other's one tenure (the second
 * would not have trusted it again after a take-over: its renewal finds
 * the row taken). Possible: the tenures' bounds overlap, which a hand-over
 * inside one sampling period also shows; *possible gets the longest.
 */
static int count_overlaps(double *possible)
{
	int sure = 0;

	*possible = 0;
	for (int s = 0; s < NSRC; s++)
		for (size_t i = 0; i < tenures[s].n; i++)
			for (size_t j = i + 1; j < tenures[s].n; j++) {
				const struct tenure *a = &tenures[s].v[i], *b = &tenures[s].v[j];
				double from = a->from > b->from ? a->from : b->from;
				double to = a->to < b->to ? a->to : b->to;
				double last = a->last < b->last ? a->last : b->last;

				if (a->proc == b->proc)
					continue;
				*possible = to - from > *possible ? to - from : *possible;
				if (from > last)
					continue;
				sure++;
				fprintf(stderr,
					"overlap on %s: inst-%d epoch %lld seen [%.3f, %.3f] and "
					"inst-%d epoch %lld seen [%.3f, %.3f]\n",
					ids[s], a->proc, a->epoch, a->from, a->last, b->proc,
					b->epoch, b->from, b->last);
			}
	return sure;
}

/* (c) Tenures in time order: the epoch never falls, and rises with each new owner. */
static int count_epoch_faults(void)
{
	int faults = 0;

	for (int s = 0; s < NSRC; s++)
		for (size_t i = 1; i < tenures[s].n; i++) {
			const struct tenure *a = &tenures[s].v[i - 1], *b = &tenures[s].v[i];

			if (b->epoch > a->epoch || (b->proc == a->proc && b->epoch == a->epoch))
				continue;
			faults++;
			fprintf(stderr, "epoch on %s: inst-%d had %lld, then inst-%d %lld\n",
				ids[s], a->proc, a->epoch, b->proc, b->epoch);
		}
	return faults;
}

/* The last sample of proc, or NULL. */
static const struct sample *last_sample(int proc)
{
	const struct sample *last = NULL;

	for (size_t i = 0; i < nsamples; i++)
		if (samples[i].proc == proc)
			last = &samples[i];
	return last;
}

struct takeover {
	double max_own; /* s from the victim's own kill */
	double max;	/* s from the latest kill before the take-over */
	double sum;
	int n, missing;
};

/*
 * The latest kill at or before t. Until a dead instance's heartbeat ages
 * out (ttl, as its leases do) it counts as live and holds the others'
 * fair share down, so when a second instance dies before the first one's
 * sources are taken, they wait for the second one's heartbeat.
 */
static double last_kill_before(double t)
{
	double last = 0;

	for (int id = 0; id < nprocs; id++)
		if (procs[id].victim && procs[id].killed_at <= t && procs[id].killed_at > last)
			last = procs[id].killed_at;
	return last;
}

/* When another process than victim first trusted src after killed; < 0: never. */
static double taken_at(int src, int victim, double killed)
{
	for (size_t i = 0; i < tenures[src].n; i++)
		if (tenures[src].v[i].proc != victim && tenures[src].v[i].to > killed)
			return tenures[src].v[i].from > killed ? tenures[src].v[i].from : killed;
	return -1;
}

/* (b) From the kill of victim until another process trusts each source it trusted. */
static void measure_takeover(int victim, struct takeover *out)
{
	const struct sample *last = last_sample(victim);
	double killed = procs[victim].killed_at;

	for (int s = 0; last && s < NSRC; s++) {
		double at = last->held[s] ? taken_at(s, victim, killed) : 0, own, latest;

		if (at == 0)
			continue;
		if (at < 0) {
			out->missing++;
			fprintf(stderr, "%s of inst-%d never taken over\n", ids[s], victim);
			continue;
		}
		own = at - killed;
		latest = at - last_kill_before(at);
		out->max_own = own > out->max_own ? own : out->max_own;
		out->max = latest > out->max ? latest : out->max;
		out->sum += own;
		out->n++;
	}
}

/* ---- the cases ---- */

static void setup(void)
{
	char err[512], *loc = testutil_store_fresh();

	testutil_store_done(loc);
	ck_assert_msg(
	    pg_conn_migrate("", store_pg_steps, store_pg_nsteps, 10, NULL, err, sizeof(err)) > 0,
	    "%s", err);
	dir = testutil_tmpdir();
	memset(procs, 0, sizeof(procs));
	nprocs = 0;
}

static void teardown(void)
{
	for (int id = 0; id < nprocs; id++)
		if (procs[id].pid > 0)
			kill_proc(id);
	testutil_rmtree(dir);
	free(dir);
	free(samples);
	samples = NULL;
	nsamples = 0;
	for (int s = 0; s < NSRC; s++) {
		free(tenures[s].v);
		tenures[s].v = NULL;
		tenures[s].n = 0;
	}
}

static unsigned seed_from_env(void)
{
	const char *v = getenv("SW_FAILOVER_SEED");
	unsigned seed = v && *v ? (unsigned)strtoul(v, NULL, 10) : (unsigned)time(NULL);

	srandom(seed);
	return seed;
}

static int iterations(void)
{
	const char *v = getenv("SW_FAILOVER_ITERATIONS");
	int n = v && *v ? atoi(v) : 8;

	return n > 0 && n < MAXPROC - 2 ? n : 8;
}

/* The sources the live instances a and b trust in their newest samples, each
 * newer than since: n[0], n[1], and whether they are disjoint and cover all. */
static int split_between(int a, int b, double since, int n[2])
{
	const struct sample *sa, *sb;
	int cover = 1;

	read_samples();
	sa = last_sample(a);
	sb = last_sample(b);
	n[0] = n[1] = 0;
	if (sa == NULL || sb == NULL || sa->t < since || sb->t < since)
		return 0;
	for (int s = 0; s < NSRC; s++) {
		n[0] += sa->held[s];
		n[1] += sb->held[s];
		cover &= sa->held[s] + sb->held[s] == 1;
	}
	return cover;
}

/* Waits (up to secs) until a and b trust NSRC / 2 sources each and all between them. */
static int wait_split(int a, int b, double since, double secs)
{
	double end = clock_mono() + secs;
	int n[2];

	do {
		if (split_between(a, b, since, n) && n[0] == NSRC / 2 && n[1] == NSRC / 2)
			return 1;
		sleep_for(0.1);
	} while (clock_mono() < end);
	fprintf(stderr, "not split: inst-%d %d, inst-%d %d\n", a, n[0], b, n[1]);
	return 0;
}

START_TEST(killed_instances_sources_are_taken_over_without_overlap)
{
	unsigned seed = seed_from_env();
	int live[2], kills = iterations(), overlaps, faults;
	struct takeover to = {0};
	double t0 = clock_mono(), possible;

	live[0] = spawn();
	live[1] = spawn();
	ck_assert(wait_split(live[0], live[1], 0, 15));
	for (int k = 0; k < kills; k++) {
		int which = random() % 2;

		sleep_for(uniform(0.2, 2.0));
		kill_proc(live[which]);
		procs[live[which]].victim = 1;
		live[which] = spawn();
	}
	/* the last victim's sources, then everything split between the two left */
	ck_assert(wait_split(live[0], live[1], procs[live[0]].killed_at, TTL + 3 * TICK + 10));
	kill_proc(live[0]);
	kill_proc(live[1]);
	read_samples();
	build_tenures();
	overlaps = count_overlaps(&possible);
	faults = count_epoch_faults();
	for (int id = 0; id < nprocs; id++)
		if (procs[id].victim)
			measure_takeover(id, &to);
	printf("failover: seed %u, %d kills in %.1f s, %zu samples; %d sources taken over "
	       "%.2f s after their owner's kill on average, at most %.2f s after it and %.2f s "
	       "after the latest kill (ttl %.1f, rounds %.1f); overlaps %d (sampling bounds "
	       "%.3f s at most), epoch faults %d\n",
	       seed, kills, clock_mono() - t0, nsamples, to.n, to.n ? to.sum / to.n : 0, to.max_own,
	       to.max, TTL, TICK, overlaps, possible, faults);
	fflush(stdout);
	ck_assert_int_eq(overlaps, 0);
	ck_assert_int_eq(faults, 0);
	ck_assert_int_eq(to.missing, 0);
	ck_assert_int_gt(to.n, 0);
	ck_assert_msg(to.max < TTL + 3 * TICK + SLACK, "a take-over took %.2f s", to.max);
}
END_TEST

/* ---- the server restarted under two instances ---- */

#define DOWN "3" /* s the server stays down in the long outage: longer than a lease */

/*
 * When the server was surely down: first_down is when the first failing
 * ping had ended (the outage had begun by then), last_down when the last
 * failing ping began (it had not ended before).
 */
struct outage {
	double first_down, last_down;
};

/* Restarts the server through tests/pgcluster.py, pinging it every 20 ms meanwhile. */
static void restart_server(struct outage *o, const char *down)
{
	const char *script = getenv("SW_PGCLUSTER_SCRIPT"), *cluster = getenv("SW_PGCLUSTER_DIR");
	pid_t pid;
	int status = -1;

	ck_assert_msg(script && cluster, "tests/pgcluster.py run sets SW_PGCLUSTER_*");
	memset(o, 0, sizeof(*o));
	fflush(NULL);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		execl("/usr/bin/python3", "python3", script, "restart", cluster, "--mode",
		      "immediate", "--down", down, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &status, WNOHANG) == 0) {
		double before = clock_mono();

		if (PQping("") != PQPING_OK) {
			o->first_down = o->first_down > 0 ? o->first_down : clock_mono();
			o->last_down = before;
		}
		sleep_for(SAMPLE);
	}
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "restart: status %d", status);
}

static int file_has(int id, const char *ext, const char *what)
{
	char *path = proc_file(dir, id, ext);
	size_t len;
	char *text = testutil_slurp(path, &len);
	int found = text != NULL && strstr(text, what) != NULL;

	free(text);
	free(path);
	return found;
}

/*
 * What id did during the outage: it trusted nothing from the moment any
 * renewal it could have had answered ran out until the server was back
 * (and was sampled meanwhile), backed off, and logged the loss. Returns
 * how long after first_down its trust ended.
 */
static double check_outage(int id, const struct outage *o)
{
	double closed = o->first_down + TTL - MARGIN + 0.005, trust_end = 0;
	int sampled = 0, trusted = 0, waiting = 0;

	for (size_t i = 0; i < nsamples; i++) {
		const struct sample *s = &samples[i];
		int n = 0;

		if (s->proc != id || s->t < o->first_down - TTL || s->t > o->last_down)
			continue;
		for (int k = 0; k < NSRC; k++)
			n += s->held[k];
		waiting += s->state == PG_CONN_WAITING;
		if (n > 0 && s->t < closed)
			trust_end = sample_end(i) > trust_end ? sample_end(i) : trust_end;
		if (s->t >= closed) {
			sampled++;
			trusted += n > 0;
		}
	}
	ck_assert_msg(sampled > 10, "inst-%d sampled %d times while the server was down", id,
		      sampled);
	ck_assert_msg(trusted == 0, "inst-%d trusted leases in %d samples while down", id, trusted);
	ck_assert_msg(waiting > 0, "inst-%d never backed off", id);
	ck_assert_msg(file_has(id, "err", " lost: "), "inst-%d logged no lost connection", id);
	return trust_end - o->first_down;
}

START_TEST(a_server_restart_closes_the_trust_window_and_the_sources_come_back)
{
	int a, b, overlaps, faults;
	struct outage o;
	double back, ended[2], possible;

	seed_from_env();
	a = spawn();
	b = spawn();
	/* at once: the takes of the split are then among the newest commits, those a crash
	 * loses when they were not made durable */
	ck_assert(wait_split(a, b, 0, 15));
	restart_server(&o, DOWN);
	ck_assert_msg(o.last_down - o.first_down > TTL, "down %.2f s only",
		      o.last_down - o.first_down);
	ck_assert_msg(o.last_down - o.first_down > TTL, "down %.2f s only",
		      o.last_down - o.first_down);
	ck_assert(wait_split(a, b, o.last_down, 30));
	back = clock_mono() - o.last_down;
	sleep_for(1);
	kill_proc(a);
	kill_proc(b);
	read_samples();
	build_tenures();
	overlaps = count_overlaps(&possible);
	faults = count_epoch_faults();
	ended[0] = check_outage(a, &o);
	ended[1] = check_outage(b, &o);
	printf("restart: down %.2f s; trust ended %.2f and %.2f s after the outage began "
	       "(window %.2f s); split again %.2f s after it ended; overlaps %d (sampling bounds "
	       "%.3f s at most), epoch faults %d\n",
	       o.last_down - o.first_down, ended[0], ended[1], TTL - MARGIN, back, overlaps,
	       possible, faults);
	fflush(stdout);
	ck_assert_int_eq(overlaps, 0);
	ck_assert_int_eq(faults, 0);
}
END_TEST

/*
 * Quick restarts (as a crash: what was committed and not yet written may
 * be lost) at random moments under two instances: after each, the
 * sources are split again, and no source was trusted by both at any time
 * nor taken twice at one epoch.
 */
START_TEST(quick_restarts_never_let_two_instances_trust_one_source)
{
	int a, b, overlaps, faults;
	struct outage o;
	double possible;

	seed_from_env();
	a = spawn();
	b = spawn();
	ck_assert(wait_split(a, b, 0, 15));
	for (int k = 0; k < 3; k++) {
		sleep_for(uniform(0.2, 1.0));
		restart_server(&o, "0");
		ck_assert(wait_split(a, b, o.last_down, 30));
	}
	kill_proc(a);
	kill_proc(b);
	read_samples();
	build_tenures();
	overlaps = count_overlaps(&possible);
	faults = count_epoch_faults();
	printf("quick restarts: overlaps %d (sampling bounds %.3f s at most), epoch faults %d\n",
	       overlaps, possible, faults);
	fflush(stdout);
	ck_assert_int_eq(overlaps, 0);
	ck_assert_int_eq(faults, 0);
}
END_TEST

/*
 * The store's own connection (the daemon's store thread) after a restart:
 * a transaction cut by it fails to its end, never going on in a new
 * session; the next statement after the rollback connects again.
 */
START_TEST(a_store_connection_cut_by_a_restart_is_made_again)
{
	char err[512], *loc = testutil_store_fresh();
	struct store *st = store_open(loc, err, sizeof(err));
	struct store_source src = {0}, back = {0};
	struct outage o;

	ck_assert_msg(st != NULL, "%s", err);
	src.failures = 3;
	ck_assert_int_eq(store_source_put(st, "kept", "http://127.0.0.1/k", &src), 0);
	ck_assert_int_eq(store_begin(st), 0);
	sleep_for(1); /* the test server commits without waiting: its WAL writer flushes */
	restart_server(&o, "0");
	src.failures = 4;
	ck_assert_int_lt(store_source_put(st, "cut", "http://127.0.0.1/c", &src), 0);
	ck_assert_int_lt(store_source_put(st, "cut", "http://127.0.0.1/c", &src), 0);
	ck_assert_int_lt(store_commit(st), 0);
	store_rollback(st);
	ck_assert_msg(store_source_get(st, "kept", &back) == 1, "%s", store_error(st));
	ck_assert_int_eq(back.failures, 3);
	store_source_clear(&back);
	ck_assert_int_eq(store_source_get(st, "cut", &back), 0); /* the cut transaction is gone */
	store_close(st);
	testutil_store_done(loc);
}
END_TEST

int main(void)
{
	Suite *s;
	TCase *kills, *restarts;

	if (!testutil_store_is_pg()) {
		printf(
		    "skipped: the failover soak needs PostgreSQL (tests/e2e/test_store_pg.py)\n");
		return 0;
	}
	s = suite_create("lease failover");
	kills = tcase_create("kills");
	restarts = tcase_create("restarts");
	tcase_set_timeout(kills, 60 + 3 * iterations());
	tcase_add_checked_fixture(kills, setup, teardown);
	tcase_add_test(kills, killed_instances_sources_are_taken_over_without_overlap);
	suite_add_tcase(s, kills);
	tcase_set_timeout(restarts, 120);
	tcase_add_checked_fixture(restarts, setup, teardown);
	tcase_add_test(restarts,
		       a_server_restart_closes_the_trust_window_and_the_sources_come_back);
	tcase_add_test(restarts, quick_restarts_never_let_two_instances_trust_one_source);
	tcase_add_test(restarts, a_store_connection_cut_by_a_restart_is_made_again);
	suite_add_tcase(s, restarts);
	return testutil_run(s);
}
