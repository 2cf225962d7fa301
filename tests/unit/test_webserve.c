/*
 * daemon/webserve with its store on the store thread (store_jobs threaded
 * over SQLite, as a PostgreSQL store runs): real HTTP requests on loopback
 * for the read side's pages. The store is bound to the thread, so a page
 * that read it from the loop would abort the test. Also: a client that
 * hangs up while its answer is out, a reload that lets the config go while
 * a page still reads it, and a stop with answers out (run under ASan too).
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <ev.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "analyze/page/page.h"
#include "common/buf.h"
#include "common/clock.h"
#include "common/xmalloc.h"
#include "config/config.h"
#include "daemon/daemon_int.h"
#include "daemon/metrics.h"
#include "daemon/store.h"
#include "daemon/store_jobs.h"
#include "daemon/webserve.h"
#include "fetch/serve.h"
#include "tests/unit/testutil.h"

#define CONF                                                                                       \
	"[daemon]\nstate_dir = %s\n[http]\nlisten = 127.0.0.1:0\n"                                 \
	"[source \"mfa\"]\nurl = %s\nitems = //li\n"                                               \
	"[theme \"cyber\"]\nlabel = Cyber sovereignty\nphrase = 3 cyber sovereignty\n"

#define THEMES                                                                                     \
	"[{\"id\":\"cyber\",\"label\":\"Cyber sovereignty\",\"score\":0.8,"                        \
	"\"evidence\":[\"We respect cyber sovereignty.\"]}]"

static char *dir;
static struct daemon d;
static struct webserve *ws;

static struct config *config_with_url(const char *url)
{
	char *text = xasprintf(CONF, dir, url);
	struct config *cfg = testutil_config(dir, text);

	free(text);
	return cfg;
}

static void put(struct store *st, const char *url, const char *title, const char *text)
{
	struct store_item it;

	memset(&it, 0, sizeof(it));
	it.source_id = xstrdup("mfa");
	it.url = xstrdup(url);
	it.norm_url = xstrdup(url);
	it.title = xstrdup(title);
	it.language = xstrdup("en");
	it.text = xstrdup(text);
	it.text_sha256 = xasprintf("sha-%s", text);
	it.raw_sha256 = xstrdup("rawsha");
	it.words = 3;
	it.first_seen = it.last_seen = it.fetched_at = 1.7e9;
	ck_assert_msg(store_item_put(st, &it) == 0, "%s", store_error(st));
	ck_assert_int_eq(store_item_set_themes(st, it.id, "cyber", THEMES), 0);
	store_item_clear(&it);
}

static void setup(void)
{
	char err[512], *path;

	page_init(); /* xmlInitParser on this thread, as the daemon does, before any job */
	dir = testutil_tmpdir();
	memset(&d, 0, sizeof(d));
	d.cfg = config_with_url("https://user:secret@mfa.example/news/");
	path = store_location_for(dir);
	d.store = store_open(path, err, sizeof(err));
	free(path);
	ck_assert_msg(d.store != NULL, "%s", err);
	put(d.store, "https://mfa.example/news/1", "Statement on <cyber> sovereignty",
	    "We respect cyber sovereignty. Words.");
	put(d.store, "https://mfa.example/news/2", "Second statement", "Another text here.");
	d.loop = ev_loop_new(EVFLAG_AUTO);
	d.metrics = metrics_new();
	/* threaded: from here on the store is the thread's, a use from the loop aborts */
	d.jobs = store_jobs_new(d.loop, d.store, 1, err, sizeof(err));
	ck_assert_msg(d.jobs != NULL, "%s", err);
	ws = webserve_start(&d);
	ck_assert_ptr_nonnull(ws);
}

static void teardown(void)
{
	webserve_free(ws);
	store_jobs_free(d.jobs);
	store_close(d.store);
	metrics_free(d.metrics);
	config_free(d.cfg);
	ev_loop_destroy(d.loop);
	testutil_rmtree(dir);
	free(dir);
}

/*
 * store_job_work_fn: keeps the store thread busy, so that the next job's
 * answer is out a while: 0.4 s, or the milliseconds arg points to.
 */
static void slow_work(struct store *st, void *arg)
{
	long ms = arg ? *(const long *)arg : 400;
	struct timespec ts = {0, ms * 1000 * 1000};

	(void)st;
	nanosleep(&ts, NULL);
}

static int dial(void)
{
	struct sockaddr_in in;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&in, 0, sizeof(in));
	in.sin_family = AF_INET;
	in.sin_port = htons((uint16_t)webserve_port(ws));
	in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&in, sizeof(in)), 0);
	fcntl(fd, F_SETFL, O_NONBLOCK);
	return fd;
}

static void spin(double seconds)
{
	for (double until = clock_mono() + seconds; clock_mono() < until;) {
		ev_run(d.loop, EVRUN_NOWAIT);
		usleep(1000);
	}
}

static int send_get(const char *path)
{
	int fd = dial();
	char *raw =
	    xasprintf("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", path);

	ck_assert_int_eq(send(fd, raw, strlen(raw), MSG_NOSIGNAL), (ssize_t)strlen(raw));
	free(raw);
	return fd;
}

/* Runs the loop until fd's peer closes (or 10 s pass); the whole reply. Caller frees. */
static char *read_all(int fd)
{
	struct buf got;
	double deadline = clock_mono() + 10;
	char chunk[8192];

	buf_init(&got);
	while (clock_mono() < deadline) {
		ssize_t n;

		ev_run(d.loop, EVRUN_NOWAIT);
		n = recv(fd, chunk, sizeof(chunk), 0);
		if (n > 0)
			buf_append(&got, chunk, (size_t)n);
		else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK))
			break;
		else
			usleep(1000);
	}
	close(fd);
	return buf_steal(&got);
}

static char *get(const char *path)
{
	return read_all(send_get(path));
}

static void assert_reply(const char *path, int status, const char *type, const char *has)
{
	char *r = get(path);
	char want[64];

	snprintf(want, sizeof(want), "HTTP/1.1 %d", status);
	ck_assert_msg(strncmp(r, want, strlen(want)) == 0, "%s: %s", path, r);
	ck_assert_msg(strstr(r, type) != NULL, "%s: no %s in\n%s", path, type, r);
	ck_assert_msg(strstr(r, has) != NULL, "%s: no %s in\n%s", path, has, r);
	free(r);
}

START_TEST(every_page_answers_with_the_store_on_its_thread)
{
	assert_reply("/statement/1", 200, "text/html", "Statement on &lt;cyber&gt; sovereignty");
	assert_reply("/statement/9", 404, "text/html", "No statement has this number");
	assert_reply("/", 200, "text/html", "Second statement");
	assert_reply("/?q=sovereignty", 200, "text/html", "/statement/1");
	assert_reply("/api/v1/statements?theme=cyber", 200, "application/json",
		     "\"url\": \"https://mfa.example/news/\"");
	assert_reply("/api/v1/statements?theme=nope", 400, "application/json", "theme");
	assert_reply("/api/v1/statements/2", 200, "application/json", "Another text here.");
	assert_reply("/api/v1/status", 200, "application/json", "\"stored_items\"");
	assert_reply("/feeds/all.atom", 200, "application/atom+xml", "Second statement");
	assert_reply("/feeds/theme/cyber.atom", 200, "application/atom+xml", "Cyber sovereignty");
	assert_reply("/healthz", 200, "text/plain", "ok");
	assert_reply("/static/style.css", 200, "text/css", "body");
	assert_reply("/nowhere", 404, "text/plain", "not found");
	ck_assert_int_eq(store_jobs_pending(d.jobs), 0);
}
END_TEST

/* The gauges are read by a job; the registry is added on the loop; a second scrape uses them. */
START_TEST(metrics_read_the_store_on_its_thread_and_the_registry_on_the_loop)
{
	metrics_poll(d.metrics, "mfa", "ok", 1, 3, 1700000000);
	assert_reply("/metrics", 200, "text/plain; version=0.0.4",
		     "speechwatch_outbox_pending_events{channel=\"stdout\"} 0");
	assert_reply("/metrics", 200, "text/plain; version=0.0.4", "speechwatch_store_read_ok 1");
	assert_reply("/metrics", 200, "text/plain; version=0.0.4", "source=\"mfa\"");
}
END_TEST

/* Hang-ups while the answer is out (more than one address may hold at once): nothing is left. */
START_TEST(clients_that_hang_up_while_their_answer_is_out)
{
	static long ms = 100;

	for (int i = 0; i < SERVE_MAX_PER_ADDRESS + 2; i++) {
		int fd;

		store_jobs_submit(d.jobs, slow_work, NULL, &ms);
		fd = send_get(i % 2 ? "/statement/1" : "/metrics");
		spin(0.05);
		close(fd);
	}
	while (store_jobs_pending(d.jobs) > 0)
		spin(0.05);
	spin(0.1);
	assert_reply("/statement/2", 200, "text/html", "Second statement");
}
END_TEST

/*
 * A reload swaps the config and lets the old one go while a page that reads
 * it is out: the page reads the config of its request, kept for it.
 */
START_TEST(a_reload_does_not_free_the_config_under_a_page)
{
	struct config *old = d.cfg;
	int fd;
	char *r;

	store_jobs_submit(d.jobs, slow_work, NULL, NULL);
	fd = send_get("/api/v1/statements/1");
	spin(0.1);
	d.cfg = config_with_url("https://mfa.example/moved/");
	config_free(old); /* as a reload does once the old outbox is done */
	r = read_all(fd);
	ck_assert_msg(strstr(r, "\"url\": \"https://mfa.example/news/\"") != NULL, "%s", r);
	free(r);
	assert_reply("/api/v1/statements/1", 200, "application/json",
		     "\"url\": \"https://mfa.example/moved/\"");
}
END_TEST

/* The daemon stops with answers out: the listener goes first, the jobs after (daemon_free). */
START_TEST(a_stop_with_answers_out)
{
	int a, b;
	char *r;

	store_jobs_submit(d.jobs, slow_work, NULL, NULL);
	a = send_get("/statement/1");
	b = send_get("/metrics");
	spin(0.1);
	ck_assert_int_gt(store_jobs_pending(d.jobs), 1);
	webserve_free(ws);
	ws = NULL;
	store_jobs_free(d.jobs);
	d.jobs = NULL;
	r = read_all(a);
	ck_assert_ptr_null(strstr(r, "HTTP/1.1 200"));
	free(r);
	free(read_all(b));
}
END_TEST

/*
 * daemon_free's order: the loop has stopped, store_jobs_stop_thread runs
 * the jobs out and their done gives the answers, then the listener goes.
 */
START_TEST(a_stop_in_the_daemons_order)
{
	int a;

	store_jobs_submit(d.jobs, slow_work, NULL, NULL);
	a = send_get("/api/v1/statements");
	spin(0.1);
	ck_assert_int_gt(store_jobs_pending(d.jobs), 1);
	store_jobs_stop_thread(d.jobs);
	ck_assert_int_eq(store_jobs_pending(d.jobs), 0);
	webserve_free(ws);
	ws = NULL;
	free(read_all(a));
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("webserve");
	TCase *tc = tcase_create("webserve");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, every_page_answers_with_the_store_on_its_thread);
	tcase_add_test(tc, metrics_read_the_store_on_its_thread_and_the_registry_on_the_loop);
	tcase_add_test(tc, clients_that_hang_up_while_their_answer_is_out);
	tcase_add_test(tc, a_reload_does_not_free_the_config_under_a_page);
	tcase_add_test(tc, a_stop_with_answers_out);
	tcase_add_test(tc, a_stop_in_the_daemons_order);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return testutil_run(suite());
}
