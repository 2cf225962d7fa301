/*
 * bench/store-backends: the store operations of realistic poll cycles,
 * replayed through the store API (daemon/store.h) exactly as the daemon
 * issues them (daemon/poll.c, detect.c, article_fetch.c, outbox.c), on
 * SQLite or PostgreSQL, so that both backends are compared on the same
 * calls. It measures the store, not the daemon: no HTTP, no parsing, no
 * scoring, no loop; only the calls a poll makes, in the daemon's order.
 *
 * usage: store_bench LOCATION [--sources N] [--items M] [--instances K]
 *                    [--changed PCT] [--flush G] [--channels C]
 *
 * K instances are K processes (fork), each with its own connection and
 * every K-th source, run cycle by cycle in lock step (pipes), as K daemons
 * sharing one PostgreSQL would. Each cycle prints one line per instance and
 * one for all: wall time, the process's CPU (getrusage), store operations
 * (store_info reads + writes + commits), round trips (store_info), and
 * with SW_PGCLUSTER_DIR set the server's CPU (/proc of its processes).
 * Then per kind of poll: round trips and operations per poll.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "analyze/page/list.h"
#include "common/clock.h"
#include "common/xmalloc.h"
#include "daemon/event.h"
#include "daemon/store.h"

#define RECHECK_WINDOW (4 * 86400.0) /* recheck_days 3, + the day detect.c adds */
#define INTERVAL 600.0		     /* a source's default interval */
#define OUTBOX_BATCH 64		     /* as daemon/outbox.c */
#define MAX_ARTICLES 50		     /* MAX_ARTICLES_PER_POLL's order of magnitude */
#define NEW_PER_CHANGED 2	     /* new statements on a changed list */

enum kind { K_FIRST, K_QUIET, K_KNOWN, K_NEW, K_OUTBOX, NKIND };
static const char *const kind_name[NKIND] = {
    "first poll (20 new, baseline)", "quiet poll (304)", "20 known items (200, same list)",
    "2 new statements + events", "outbox: one event delivered"};

enum cycle { C_FIRST, C_QUIET, C_KNOWN, C_CHANGED, C_OUTBOX, NCYCLE };
static const char *const cycle_name[NCYCLE] = {"first", "no-change-304", "no-change-200", "changed",
					       "outbox"};

struct opts {
	const char *location;
	long sources, items, instances, changed_pct, flush, channels;
};

/* What one instance measured over one cycle (sent to the parent as it is). */
struct figures {
	double wall, cpu;
	unsigned long ops, rt;
	unsigned long polls[NKIND], kops[NKIND], krt[NKIND];
};

/* One instance's sources: the newest item number on each list, and what the daemon caches. */
struct inst {
	struct store *st;
	const struct opts *o;
	int index;
	long *head;		/* per source of this instance */
	int *text_newest_known; /* detect.c's rt->text_newest_known */
	double *text_newest;
	int *dirty;
	long ndirty;
	struct figures *f;
};

static double cpu_now(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
	       ru.ru_stime.tv_usec / 1e6;
}

/*
 * store_info on PostgreSQL reads the schema version: a round trip of its
 * own, which the figures leave out (info_cost, measured at start).
 */
static unsigned long info_calls, info_cost;

static void counters(struct store *st, unsigned long *ops, unsigned long *rt)
{
	struct store_info si;

	if (store_info(st, &si) < 0) {
		fprintf(stderr, "store_info: %s\n", store_error(st));
		exit(1);
	}
	info_calls++;
	*ops = si.reads + si.writes + si.commits;
	*rt = si.round_trips - info_calls * info_cost;
}

static void measure_info_cost(struct store *st)
{
	unsigned long ops, rt0, rt1;

	counters(st, &ops, &rt0);
	counters(st, &ops, &rt1);
	info_cost = rt1 - rt0;
	info_calls = 0;
}

static void check(struct inst *in, int rc, const char *what)
{
	if (rc < 0) {
		fprintf(stderr, "instance %d: %s: %s\n", in->index, what, store_error(in->st));
		exit(1);
	}
}

static long source_no(const struct inst *in, long i)
{
	return i * in->o->instances + in->index;
}

static char *source_id(const struct inst *in, long i)
{
	return xasprintf("ministry-%04ld", source_no(in, i));
}

static char *item_url(const struct inst *in, long i, long n)
{
	return xasprintf("https://ministry-%04ld.example.org/news/statement-%ld.html",
			 source_no(in, i), n);
}

/* A fake but unique hex digest (the store only compares them). */
static char *fake_sha(const char *salt, long n)
{
	uint64_t h = 1469598103934665603ull ^ (uint64_t)n;

	for (const char *p = salt; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	return xasprintf("%016llx%016llx%016llx%016llx", (unsigned long long)h,
			 (unsigned long long)(h * 3), (unsigned long long)(h * 5),
			 (unsigned long long)(h * 7));
}

static char *published(long n)
{
	time_t t = (time_t)(1780000000 + n * 3600);
	struct tm tm;
	char s[32];

	gmtime_r(&t, &tm);
	strftime(s, sizeof(s), "%Y-%m-%d", &tm);
	return xstrdup(s);
}

/* A list entry as detect.c gets it (title, date; no guid: an HTML list). */
static void fill_item(const struct inst *in, long i, long n, struct store_item *it)
{
	memset(it, 0, sizeof(*it));
	it->source_id = source_id(in, i);
	it->url = item_url(in, i, n);
	it->norm_url = xstrdup(it->url);
	it->title = xasprintf("Statement %ld of ministry %ld", n, source_no(in, i));
	it->published = published(n);
	it->first_seen = it->last_seen = it->last_checked = clock_wall();
}

/* What the article fetch adds to a new statement: text, raw page, hashes. */
static void add_text(struct store_item *it, long n)
{
	static const char words[] = "the minister said today that the government will ";
	size_t len = 300 * 6, raw = 4096;

	it->text = xmalloc(len + 1);
	for (size_t k = 0; k < len; k++)
		it->text[k] = words[(k + (size_t)n) % (sizeof(words) - 1)];
	it->text[len] = '\0';
	it->words = 300;
	it->language = xstrdup("en");
	it->text_sha256 = fake_sha(it->url, 1);
	it->raw_sha256 = fake_sha(it->url, 2);
	it->raw_z = xmalloc(raw);
	for (size_t k = 0; k < raw; k++)
		it->raw_z[k] = (unsigned char)(k * 131 + (size_t)n);
	it->raw_z_len = raw;
	it->final_url = xstrdup(it->url);
	it->http_status = 200;
	it->fetched_at = clock_wall();
}

/* store_item_find as detect.c's consider(): by URL (no guid). 1/0. */
static int find(struct inst *in, const char *sid, const char *url, struct store_item *keep)
{
	struct store_item it;
	int rc = store_item_find(in->st, sid, url, NULL, &it);

	check(in, rc, "item_find");
	if (rc == 1 && keep)
		*keep = it;
	else if (rc == 1)
		store_item_clear(&it);
	return rc;
}

static void record_source(struct inst *in, long i, const char *sid, const char *result, long status)
{
	struct store_source s = {0};
	char *url = xasprintf("https://ministry-%04ld.example.org/news/", source_no(in, i));

	s.etag = xasprintf("\"etag-%ld\"", in->head[i]);
	s.last_modified = xstrdup("Sun, 06 Dec 2026 18:00:00 GMT");
	s.last_poll = clock_wall();
	s.last_status = status;
	s.last_result = xstrdup(result);
	s.items = in->o->items;
	s.next_due = s.last_poll + INTERVAL;
	check(in, store_source_put(in->st, sid, url, &s), "source_put");
	free(url);
	store_source_clear(&s);
}

/* poll.c record(): a poll that is not quiet writes its row at once, relaxed. */
static void record_now(struct inst *in, long i, const char *sid)
{
	check(in, store_begin_relaxed(in->st), "begin_relaxed");
	record_source(in, i, sid, "ok", 200);
	check(in, store_commit(in->st), "commit");
}

/* poll_flush(): the quiet polls' rows, several in one relaxed transaction. */
static void flush(struct inst *in)
{
	long n = (long)(in->o->sources + in->o->instances - 1 - in->index) / in->o->instances;

	if (in->ndirty == 0)
		return;
	check(in, store_begin_relaxed(in->st), "begin_relaxed");
	for (long i = 0; i < n; i++)
		if (in->dirty[i]) {
			char *sid = source_id(in, i);

			record_source(in, i, sid, "not-modified", 304);
			in->dirty[i] = 0;
			free(sid);
		}
	check(in, store_commit(in->st), "commit");
	in->ndirty = 0;
}

/* Runs one poll of kind k, its store calls counted for that kind. */
typedef void poll_fn(struct inst *in, long i, const char *sid);

static void counted(struct inst *in, enum kind k, poll_fn *fn, long i)
{
	unsigned long ops0, rt0, ops1, rt1;
	char *sid = source_id(in, i);

	counters(in->st, &ops0, &rt0);
	fn(in, i, sid);
	counters(in->st, &ops1, &rt1);
	in->f->polls[k]++;
	in->f->kops[k] += ops1 - ops0;
	in->f->krt[k] += rt1 - rt0;
	free(sid);
}

/*
 * A first poll of a source with a baseline to take (first_poll =
 * baseline): schedule.c read its row at start; detect.c looks every item
 * up twice (unknown, then known pass) and asks whether another source
 * has it; all are recorded silently, without a text, in one transaction.
 */
static void poll_first(struct inst *in, long i, const char *sid)
{
	struct store_source s;
	long m = in->o->items;
	int snap;

	check(in, store_source_get(in->st, sid, &s), "source_get");
	store_source_clear(&s);
	in->head[i] = m - 1;
	snap = store_read_begin(in->st) == 0;
	for (int pass = 0; pass < 2; pass++)
		for (long n = in->head[i]; n > in->head[i] - m; n--) {
			char *url = item_url(in, i, n);

			if (find(in, sid, url, NULL) == 0 && pass == 0)
				check(in, store_item_seen_elsewhere(in->st, sid, url, url, NULL),
				      "seen_elsewhere");
			free(url);
		}
	if (snap)
		store_read_end(in->st);
	check(in, store_begin(in->st), "begin");
	for (long n = in->head[i]; n > in->head[i] - m; n--) {
		struct store_item it;

		fill_item(in, i, n, &it);
		check(in, store_item_put(in->st, &it), "item_put");
		store_item_clear(&it);
	}
	check(in, store_commit(in->st), "commit");
	record_now(in, i, sid);
}

/*
 * A 304: detect_start_recheck asks once for the newest text (then keeps it
 * in memory), and the texts due for a re-check when one can be in its
 * window; the row waits for poll_flush, `flush` rows to a transaction.
 */
static void poll_quiet(struct inst *in, long i, const char *sid)
{
	double now = clock_wall();

	if (!in->text_newest_known[i]) {
		check(in, store_items_text_newest(in->st, sid, &in->text_newest[i]),
		      "items_text_newest");
		in->text_newest_known[i] = 1;
	}
	if (in->text_newest[i] > 0 && now - in->text_newest[i] <= RECHECK_WINDOW) {
		struct list_items due;

		memset(&due, 0, sizeof(due));
		check(in, store_items_to_recheck(in->st, sid, now - INTERVAL, MAX_ARTICLES, &due),
		      "items_to_recheck");
		for (size_t k = 0; k < due.n; k++)
			find(in, sid, due.v[k].url, NULL);
		list_items_free(&due);
	}
	if (!in->dirty[i]) {
		in->dirty[i] = 1;
		in->ndirty++;
	}
	if (in->ndirty >= in->o->flush)
		flush(in);
}

/* detect.c's two passes over the list; the known items' ids into seen. */
static void look_up(struct inst *in, long i, const char *sid, int64_t *seen, long *nseen)
{
	int snap = store_read_begin(in->st) == 0;

	*nseen = 0;
	for (int pass = 0; pass < 2; pass++)
		for (long n = in->head[i]; n > in->head[i] - in->o->items; n--) {
			char *url = item_url(in, i, n);
			struct store_item it;
			int rc = find(in, sid, url, &it);

			if (rc == 0 && pass == 0)
				check(in, store_item_seen_elsewhere(in->st, sid, url, url, NULL),
				      "seen_elsewhere");
			if (rc == 1 && pass == 1)
				seen[(*nseen)++] = it.id;
			if (rc == 1)
				store_item_clear(&it);
			free(url);
		}
	if (snap)
		store_read_end(in->st);
}

/* article_batch_write with sightings only: one relaxed transaction. */
static void touch_seen(struct inst *in, const int64_t *seen, long nseen)
{
	double now = clock_wall();

	check(in, store_begin_relaxed(in->st), "begin_relaxed");
	for (long k = 0; k < nseen; k++)
		check(in, store_item_touch(in->st, seen[k], now), "item_touch");
	check(in, store_commit(in->st), "commit");
}

/* A 200 with the same list (a server without validators): every item known. */
static void poll_known(struct inst *in, long i, const char *sid)
{
	int64_t *seen = xcalloc((size_t)in->o->items, sizeof(*seen));
	long nseen;

	look_up(in, i, sid, seen, &nseen);
	touch_seen(in, seen, nseen);
	free(seen);
	record_now(in, i, sid);
}

/*
 * article_fetch.c settle_new + store_with_events for a new statement:
 * another source has it? moved here (same text, same listing)? Then the
 * item, its themes and one event per channel in one transaction.
 */
static void store_new(struct inst *in, long i, const char *sid, long n)
{
	struct store_item it, old;

	fill_item(in, i, n, &it);
	add_text(&it, n);
	check(in, store_item_seen_elsewhere(in->st, sid, it.url, it.norm_url, it.text_sha256),
	      "seen_elsewhere");
	check(in, store_item_same_text(in->st, sid, it.url, it.text_sha256, &old), "same_text");
	store_item_clear(&old);
	check(in, store_item_same_listing(in->st, sid, it.url, it.title, it.published, &old),
	      "same_listing");
	store_item_clear(&old);
	check(in, store_begin(in->st), "begin");
	check(in, store_item_put(in->st, &it), "item_put");
	check(in, store_item_set_themes(in->st, it.id, "economy", "[{\"id\":\"economy\"}]"),
	      "set_themes");
	for (long c = 0; c < in->o->channels; c++) {
		char id[EVENT_ID_LEN + 1], channel[32];
		char *payload = xasprintf("{\"id\":\"%s\",\"url\":\"%s\"}", "x", it.url);

		event_new_id(id);
		snprintf(channel, sizeof(channel), "hook%ld", c);
		check(in,
		      store_event_insert(
			  in->st, &(struct store_event_new){id, channel, "statement.new", sid,
							    it.id, payload, clock_wall()}),
		      "event_insert");
		free(payload);
	}
	check(in, store_commit(in->st), "commit");
	store_item_clear(&it);
}

/* A list with NEW_PER_CHANGED new statements on top (as many old ones fell off). */
static void poll_new(struct inst *in, long i, const char *sid)
{
	int64_t *seen = xcalloc((size_t)in->o->items, sizeof(*seen));
	long nseen;

	in->head[i] += NEW_PER_CHANGED;
	look_up(in, i, sid, seen, &nseen);
	for (long n = in->head[i] - NEW_PER_CHANGED + 1; n <= in->head[i]; n++)
		store_new(in, i, sid, n);
	in->text_newest_known[i] = 0; /* note_text */
	touch_seen(in, seen, nseen);
	free(seen);
	record_now(in, i, sid);
}

/* One event: claimed by the look at the due events, then sending, then delivered. */
static void deliver(struct inst *in, struct store_event *ev)
{
	ev->state = EVENT_SENDING;
	ev->attempts++;
	check(in, store_event_update(in->st, ev), "event_update sending");
	ev->state = EVENT_DELIVERED;
	ev->delivered_at = clock_wall();
	check(in, store_event_update(in->st, ev), "event_update delivered");
	in->f->polls[K_OUTBOX]++;
}

/*
 * deliver_due until nothing is due: a look (which claims, on PostgreSQL),
 * the sends, the next due time; all of it counted for the events sent.
 */
static void outbox(struct inst *in)
{
	struct store_skip none = {NULL, 0};
	unsigned long ops0, rt0, ops1, rt1;
	size_t n;

	counters(in->st, &ops0, &rt0);
	do {
		struct store_event *evs;
		double next;

		check(in, store_events_due(in->st, clock_steady(), &none, OUTBOX_BATCH, &evs, &n),
		      "events_due");
		for (size_t k = 0; k < n; k++) {
			deliver(in, &evs[k]);
			store_event_clear(&evs[k]);
		}
		free(evs);
		check(in, store_events_next_due(in->st, &none, &next), "events_next_due");
	} while (n > 0);
	counters(in->st, &ops1, &rt1);
	in->f->kops[K_OUTBOX] += ops1 - ops0;
	in->f->krt[K_OUTBOX] += rt1 - rt0;
}

static int changed_source(const struct inst *in, long i)
{
	return in->o->changed_pct > 0 && i % (100 / in->o->changed_pct) == 0;
}

static void run_cycle(struct inst *in, enum cycle c, long nmine)
{
	for (long i = 0; i < nmine && c != C_OUTBOX; i++) {
		if (c == C_FIRST)
			counted(in, K_FIRST, poll_first, i);
		else if (c == C_KNOWN)
			counted(in, K_KNOWN, poll_known, i);
		else if (c == C_CHANGED && changed_source(in, i))
			counted(in, K_NEW, poll_new, i);
		else
			counted(in, K_QUIET, poll_quiet, i);
	}
	if (c == C_OUTBOX) {
		outbox(in);
	} else {
		unsigned long ops0, rt0, ops1, rt1;

		counters(in->st, &ops0, &rt0);
		flush(in); /* what the last quiet polls left */
		counters(in->st, &ops1, &rt1);
		in->f->kops[K_QUIET] += ops1 - ops0;
		in->f->krt[K_QUIET] += rt1 - rt0;
	}
}

/* ---- the server's CPU: its postmaster and its children, by /proc ---- */

/* utime + stime (+ cutime + cstime when with_children) of pid, in seconds; *ppid set. */
static double proc_cpu(long pid, int with_children, long *ppid)
{
	char path[64], buf[1024], *p;
	FILE *f;
	size_t len;
	unsigned long long v[14] = {0};

	*ppid = 0;
	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	len = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[len] = '\0';
	if ((p = strrchr(buf, ')')) == NULL)
		return 0;
	p += 4; /* past ") " and the state (field 3, one letter and a space): field 4 on */
	for (int k = 0; k < 14; k++)
		v[k] = strtoull(p, &p, 10); /* v[k] is field k + 4 */
	*ppid = (long)v[0];
	return (double)(v[10] + v[11] + (with_children ? v[12] + v[13] : 0)) /
	       (double)sysconf(_SC_CLK_TCK);
}

/*
 * The postmaster's pid from its pid file, read once (the server rewrites
 * the file's later lines now and then: a read may find it empty).
 */
static long postmaster(const char *dir)
{
	static long pm;
	char *path;

	if (pm > 0)
		return pm;
	path = xasprintf("%s/data/postmaster.pid", dir);
	for (int tries = 0; tries < 50 && pm <= 0; tries++) {
		FILE *f = fopen(path, "r");

		if (f == NULL || fscanf(f, "%ld", &pm) != 1)
			pm = 0;
		if (f)
			fclose(f);
		if (pm <= 0)
			usleep(1000);
	}
	free(path);
	return pm;
}

/* The cluster's CPU seconds so far, or -1 when not under tests/pgcluster.py. */
static double server_cpu(void)
{
	const char *dir = getenv("SW_PGCLUSTER_DIR");
	long pm, ppid;
	double sum;
	DIR *d;
	struct dirent *e;

	if (dir == NULL || (pm = postmaster(dir)) <= 0)
		return -1;
	sum = proc_cpu(pm, 1, &ppid); /* with the backends that ended */
	if ((d = opendir("/proc")) == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		long pid = atol(e->d_name);
		double c;

		if (pid > 0 && pid != pm && (c = proc_cpu(pid, 0, &ppid)) >= 0 && ppid == pm)
			sum += c;
	}
	closedir(d);
	return sum;
}

/* ---- instances: one process each, cycle by cycle in lock step ---- */

static void read_all(int fd, void *buf, size_t len)
{
	for (size_t got = 0; got < len;) {
		ssize_t r = read(fd, (char *)buf + got, len - got);

		if (r <= 0) {
			fprintf(stderr, "an instance died\n");
			exit(1);
		}
		got += (size_t)r;
	}
}

static void instance_main(const struct opts *o, int index, int go, int res)
{
	char err[512], name[32];
	struct inst in = {0};
	long nmine = (o->sources + o->instances - 1 - index) / o->instances;
	struct figures f;
	char c;

	in.st = store_open(o->location, err, sizeof(err));
	if (in.st == NULL) {
		fprintf(stderr, "instance %d: %s\n", index, err);
		exit(1);
	}
	snprintf(name, sizeof(name), "bench-%d", index);
	store_set_instance(in.st, name, STORE_CLAIM_DEFAULT);
	measure_info_cost(in.st);
	in.o = o;
	in.index = index;
	in.head = xcalloc((size_t)nmine, sizeof(*in.head));
	in.text_newest_known = xcalloc((size_t)nmine, sizeof(int));
	in.text_newest = xcalloc((size_t)nmine, sizeof(double));
	in.dirty = xcalloc((size_t)nmine, sizeof(int));
	in.f = &f;
	for (int cyc = 0; cyc < NCYCLE; cyc++) {
		unsigned long ops0, rt0, ops1, rt1;
		double w0, c0;

		read_all(go, &c, 1);
		memset(&f, 0, sizeof(f));
		counters(in.st, &ops0, &rt0);
		w0 = clock_steady();
		c0 = cpu_now();
		run_cycle(&in, (enum cycle)cyc, nmine);
		f.cpu = cpu_now() - c0;
		f.wall = clock_steady() - w0;
		counters(in.st, &ops1, &rt1);
		f.ops = ops1 - ops0;
		f.rt = rt1 - rt0;
		if (write(res, &f, sizeof(f)) != (ssize_t)sizeof(f))
			exit(1);
	}
	store_close(in.st);
	exit(0);
}

static void print_line(const char *backend, int cyc, const char *who, const struct figures *f,
		       double server)
{
	unsigned long polls = 0;
	char sv[32] = "-";

	for (int k = 0; k < NKIND; k++)
		polls += f->polls[k];
	if (server >= 0)
		snprintf(sv, sizeof(sv), "%.2f", server);
	printf("| %s | %s | %s | %lu | %.2f | %.2f | %s | %lu | %lu | %.1f |\n", backend,
	       cycle_name[cyc], who, polls, f->wall, f->cpu, sv, f->ops, f->rt,
	       polls ? (double)f->rt / (double)polls : 0.0);
}

static void add(struct figures *sum, const struct figures *f)
{
	if (f->wall > sum->wall)
		sum->wall = f->wall; /* the instances run side by side */
	sum->cpu += f->cpu;
	sum->ops += f->ops;
	sum->rt += f->rt;
	for (int k = 0; k < NKIND; k++) {
		sum->polls[k] += f->polls[k];
		sum->kops[k] += f->kops[k];
		sum->krt[k] += f->krt[k];
	}
}

static void print_kinds(const char *backend, const struct figures *all)
{
	printf("\n| backend | poll | polls | store ops / poll | round trips / poll |\n"
	       "|---|---|---|---|---|\n");
	for (int k = 0; k < NKIND; k++)
		if (all->polls[k])
			printf("| %s | %s | %lu | %.1f | %.1f |\n", backend, kind_name[k],
			       all->polls[k], (double)all->kops[k] / (double)all->polls[k],
			       (double)all->krt[k] / (double)all->polls[k]);
}

/* Runs the cycles over o->instances processes and prints the figures. */
static void run(const struct opts *o, const char *backend)
{
	int go[16], res[16];
	pid_t pid[16];
	struct figures all = {0};

	for (int k = 0; k < o->instances; k++) {
		int a[2], b[2];

		if (pipe(a) < 0 || pipe(b) < 0 || (pid[k] = fork()) < 0)
			exit(1);
		if (pid[k] == 0) {
			close(a[1]);
			close(b[0]);
			instance_main(o, k, a[0], b[1]);
		}
		close(a[0]);
		close(b[1]);
		go[k] = a[1];
		res[k] = b[0];
	}
	printf("| backend | cycle | instance | polls | wall s | client CPU s | server CPU s "
	       "| store ops | round trips | round trips / poll |\n"
	       "|---|---|---|---|---|---|---|---|---|---|\n");
	for (int cyc = 0; cyc < NCYCLE; cyc++) {
		struct figures sum = {0}, f;
		double s0 = server_cpu(), s1;
		char who[16];

		for (int k = 0; k < o->instances; k++)
			if (write(go[k], "g", 1) != 1)
				exit(1);
		for (int k = 0; k < o->instances; k++) {
			read_all(res[k], &f, sizeof(f));
			snprintf(who, sizeof(who), "%d of %ld", k + 1, o->instances);
			if (o->instances > 1)
				print_line(backend, cyc, who, &f, -1);
			add(&sum, &f);
		}
		s1 = server_cpu();
		print_line(backend, cyc, o->instances > 1 ? "all" : "1", &sum,
			   s0 >= 0 && s1 >= 0 ? s1 - s0 : -1);
		add(&all, &sum);
	}
	for (int k = 0; k < o->instances; k++) {
		int status;

		waitpid(pid[k], &status, 0);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			exit(1);
	}
	print_kinds(backend, &all);
}

static void usage(void)
{
	fprintf(stderr, "usage: store_bench LOCATION [--sources N] [--items M] [--instances K]"
			" [--changed PCT] [--flush G] [--channels C]\n");
	exit(2);
}

static void parse(int argc, char **argv, struct opts *o)
{
	static const char *const names[] = {"--sources", "--items", "--instances",
					    "--changed", "--flush", "--channels"};
	long *vals[] = {&o->sources,	 &o->items, &o->instances,
			&o->changed_pct, &o->flush, &o->channels};

	if (argc < 2)
		usage();
	o->location = argv[1];
	for (int i = 2; i < argc; i += 2) {
		size_t k = 0;

		while (k < 6 && strcmp(argv[i], names[k]) != 0)
			k++;
		if (k == 6 || i + 1 >= argc)
			usage();
		*vals[k] = atol(argv[i + 1]);
	}
	if (o->sources < 1 || o->items < 1 || o->instances < 1 || o->instances > 16 ||
	    o->changed_pct < 0 || o->changed_pct > 100 || o->flush < 1 || o->channels < 0)
		usage();
}

int main(int argc, char **argv)
{
	struct opts o = {NULL, 1000, 20, 1, 5, 1, 1};
	struct store_info si;
	char err[512];
	struct store *st;

	parse(argc, argv, &o);
	st = store_open(o.location, err, sizeof(err)); /* creates and migrates, once */
	if (st == NULL || store_info(st, &si) < 0) {
		fprintf(stderr, "%s\n", st ? store_error(st) : err);
		return 1;
	}
	store_close(st);
	printf("%s: %ld sources x %ld items, %ld instance(s), %ld %% changed, flush %ld, "
	       "%ld channel(s)\n\n",
	       si.backend, o.sources, o.items, o.instances, o.changed_pct, o.flush, o.channels);
	fflush(stdout);
	run(&o, si.backend);
	return 0;
}
