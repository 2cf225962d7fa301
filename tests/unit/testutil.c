#include "tests/unit/testutil.h"

#include <arpa/inet.h>
#include <ev.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/xmalloc.h"
#include "config/config.h"

const char *testutil_shared_dir(void)
{
	const char *s = getenv("SW_SHARED");

	if (s == NULL || *s == '\0')
		s = "../shared";
	return access(s, R_OK) == 0 ? s : NULL;
}

const char *testutil_root_dir(void)
{
	const char *s = getenv("SW_ROOT");

	return s != NULL && *s != '\0' ? s : ".";
}

char *testutil_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct buf b;
	char chunk[65536];
	size_t n;

	if (f == NULL)
		return NULL;
	buf_init(&b);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(&b, chunk, n);
	if (ferror(f)) {
		fclose(f);
		buf_free(&b);
		return NULL;
	}
	fclose(f);
	*len = b.len;
	return buf_steal(&b);
}

int testutil_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

char *testutil_tmpdir(void)
{
	char tmpl[] = "/tmp/sw-unit-XXXXXX";

	ck_assert_ptr_nonnull(mkdtemp(tmpl));
	return xstrdup(tmpl);
}

void testutil_rmtree(const char *dir)
{
	char *cmd = xasprintf("rm -rf '%s'", dir);

	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
}

struct config *testutil_config(const char *dir, const char *text)
{
	char *path = xasprintf("%s/speechwatch.conf", dir);
	FILE *f = fopen(path, "w");
	struct config *cfg;
	struct buf errors;

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
	buf_init(&errors);
	cfg = config_load(path, &errors);
	ck_assert_msg(cfg != NULL, "config: %s", buf_str(&errors));
	buf_free(&errors);
	free(path);
	return cfg;
}

/* ev_timer callback: only wakes ev_run(EVRUN_ONCE) up. */
static void tick_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents;
}

int testutil_loop_until(struct ev_loop *loop, int (*cond)(void *arg), void *arg, double timeout)
{
	ev_timer tick;
	double end;
	int ok;

	ev_now_update(loop);
	end = ev_now(loop) + timeout;
	ev_timer_init(&tick, tick_cb, 0.01, 0.01);
	ev_timer_start(loop, &tick);
	while (!(ok = cond(arg)) && ev_now(loop) < end)
		ev_run(loop, EVRUN_ONCE);
	ev_timer_stop(loop, &tick);
	return ok;
}

struct answer {
	char *path;
	int status;
	char *headers, *body;
	int once;
	struct answer *next;
};

struct conn {
	struct testutil_http *srv;
	ev_io io;
	struct buf in;
	int hanging;
	struct conn *next;
};

struct testutil_http {
	struct ev_loop *loop;
	int fd, port;
	ev_io accept_io;
	struct answer *answers;
	struct conn *conns;
	struct hit {
		char *path;
	} * hits;
	size_t nhits;
	struct buf last;
};

static void add_answer(struct testutil_http *s, const char *path, int status, const char *headers,
		       const char *body, int once)
{
	struct answer *a = xcalloc(1, sizeof(*a)), **p = &s->answers;

	a->path = xstrdup(path);
	a->status = status;
	a->headers = xstrdup(headers ? headers : "");
	a->body = xstrdup(body ? body : "");
	a->once = once;
	while (*p)
		p = &(*p)->next;
	*p = a; /* in order: a queued answer comes before a standing one set earlier */
	if (once)
		return;
	/* a standing answer replaces the path's earlier standing one */
	for (p = &s->answers; *p; p = &(*p)->next) {
		if (*p != a && !(*p)->once && strcmp((*p)->path, path) == 0) {
			struct answer *old = *p;

			*p = old->next;
			free(old->path);
			free(old->headers);
			free(old->body);
			free(old);
			break;
		}
	}
}

void testutil_http_set(struct testutil_http *s, const char *path, int status, const char *headers,
		       const char *body)
{
	add_answer(s, path, status, headers, body, 0);
}

void testutil_http_push(struct testutil_http *s, const char *path, int status, const char *headers,
			const char *body)
{
	add_answer(s, path, status, headers, body, 1);
}

/* The path's first queued answer (taken off the list: caller frees), else its standing one. */
static struct answer *take_answer(struct testutil_http *s, const char *path, int *owned)
{
	for (struct answer **p = &s->answers; *p; p = &(*p)->next) {
		if (strcmp((*p)->path, path) != 0 || !(*p)->once)
			continue;
		struct answer *a = *p;

		*p = a->next;
		*owned = 1;
		return a;
	}
	*owned = 0;
	for (struct answer *a = s->answers; a; a = a->next)
		if (strcmp(a->path, path) == 0)
			return a;
	return NULL;
}

static void conn_free(struct conn *c)
{
	struct testutil_http *s = c->srv;

	for (struct conn **p = &s->conns; *p; p = &(*p)->next) {
		if (*p == c) {
			*p = c->next;
			break;
		}
	}
	ev_io_stop(s->loop, &c->io);
	close(c->io.fd);
	buf_free(&c->in);
	free(c);
}

/* The request is complete when its head and Content-Length bytes of body are in; path has
 * room for 256 bytes. */
static int request_complete(const struct buf *in, char *path, size_t pathlen)
{
	const char *data = buf_str(in);
	const char *end = strstr(data, "\r\n\r\n");
	const char *cl = strcasestr(data, "\r\nContent-Length:");
	size_t want = 0;

	if (end == NULL)
		return 0;
	if (cl && cl < end)
		want = strtoul(cl + 17, NULL, 10);
	if (in->len < (size_t)(end + 4 - data) + want)
		return 0;
	if (sscanf(data, "%*s %255s", path) != 1)
		snprintf(path, pathlen, "/");
	return 1;
}

static void write_answer(struct conn *c, int status, const char *headers, const char *body)
{
	struct buf out;

	buf_init(&out);
	buf_printf(&out,
		   "HTTP/1.1 %d X\r\nContent-Length: %zu\r\nConnection: close\r\n"
		   "Content-Type: text/html; charset=utf-8\r\n%s\r\n%s",
		   status, strlen(body), headers, body);
	ck_assert_int_eq(write(c->io.fd, out.data, out.len), (ssize_t)out.len);
	buf_free(&out);
	conn_free(c);
}

static void respond(struct conn *c, const char *path)
{
	struct testutil_http *s = c->srv;
	int owned;
	struct answer *a = take_answer(s, path, &owned);

	if (a && a->status == 0) {
		c->hanging = 1; /* open until released or the server is freed */
		return;
	}
	if (a)
		write_answer(c, a->status, a->headers, a->body);
	else
		write_answer(c, 404, "", "");
	if (owned) {
		free(a->path);
		free(a->headers);
		free(a->body);
		free(a);
	}
}

void testutil_http_release(struct testutil_http *s, int status)
{
	struct conn *c = s->conns, *next;

	for (; c; c = next) {
		next = c->next;
		if (c->hanging)
			write_answer(c, status, "", "");
	}
}

/* ev_io callback: bytes of a request. */
static void conn_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct conn *c = w->data;
	char chunk[4096], path[256];
	ssize_t n = read(w->fd, chunk, sizeof(chunk));

	(void)loop;
	(void)revents;
	if (n <= 0) {
		conn_free(c);
		return;
	}
	buf_append(&c->in, chunk, (size_t)n);
	if (!request_complete(&c->in, path, sizeof(path)))
		return;
	ev_io_stop(c->srv->loop, &c->io);
	c->srv->hits = xreallocarray(c->srv->hits, c->srv->nhits + 1, sizeof(*c->srv->hits));
	c->srv->hits[c->srv->nhits++].path = xstrdup(path);
	buf_free(&c->srv->last);
	buf_init(&c->srv->last);
	buf_append(&c->srv->last, c->in.data, c->in.len);
	respond(c, path);
}

/* ev_io callback: a connection to accept. */
static void accept_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct testutil_http *s = w->data;
	int fd = accept(s->fd, NULL, NULL);
	struct conn *c;

	(void)revents;
	if (fd < 0)
		return;
	c = xcalloc(1, sizeof(*c));
	c->srv = s;
	buf_init(&c->in);
	ev_io_init(&c->io, conn_read_cb, fd, EV_READ);
	c->io.data = c;
	ev_io_start(loop, &c->io);
	c->next = s->conns;
	s->conns = c;
}

struct testutil_http *testutil_http_new(struct ev_loop *loop)
{
	struct testutil_http *s = xcalloc(1, sizeof(*s));
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);

	s->loop = loop;
	buf_init(&s->last);
	s->fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(s->fd, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(s->fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(s->fd, 64), 0);
	ck_assert_int_eq(getsockname(s->fd, (struct sockaddr *)&sa, &len), 0);
	s->port = ntohs(sa.sin_port);
	ev_io_init(&s->accept_io, accept_cb, s->fd, EV_READ);
	s->accept_io.data = s;
	ev_io_start(loop, &s->accept_io);
	return s;
}

void testutil_http_free(struct testutil_http *s)
{
	if (s == NULL)
		return;
	while (s->conns)
		conn_free(s->conns);
	ev_io_stop(s->loop, &s->accept_io);
	close(s->fd);
	while (s->answers) {
		struct answer *a = s->answers;

		s->answers = a->next;
		free(a->path);
		free(a->headers);
		free(a->body);
		free(a);
	}
	for (size_t i = 0; i < s->nhits; i++)
		free(s->hits[i].path);
	free(s->hits);
	buf_free(&s->last);
	free(s);
}

int testutil_http_port(const struct testutil_http *s)
{
	return s->port;
}

size_t testutil_http_hits(const struct testutil_http *s, const char *path)
{
	size_t n = 0;

	for (size_t i = 0; i < s->nhits; i++)
		n += path == NULL || strcmp(s->hits[i].path, path) == 0;
	return n;
}

const char *testutil_http_last(const struct testutil_http *s)
{
	return buf_str(&s->last);
}

int testutil_read_port_file(const char *path)
{
	for (int i = 0; i < 200; i++) {
		FILE *f = fopen(path, "r");
		int port = 0;

		if (f) {
			if (fscanf(f, "%d", &port) != 1)
				port = 0;
			fclose(f);
			if (port > 0)
				return port;
		}
		usleep(50000);
	}
	return -1;
}

char *testutil_server_script(const char *name)
{
	const char *root = getenv("SW_ROOT");
	char exe[4096];
	ssize_t n;

	if (root)
		return xasprintf("%s/tests/servers/%s", root, name);
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = '\0';
	for (char *slash = strrchr(exe, '/'); slash; slash = strrchr(exe, '/')) {
		char *path;

		*slash = '\0';
		path = xasprintf("%s/tests/servers/%s", exe, name);
		if (access(path, R_OK) == 0)
			return path;
		free(path);
	}
	return xasprintf("tests/servers/%s", name);
}

pid_t testutil_server_spawn(const char *const *argv, int quiet)
{
	const char *full[32] = {"python3"};
	size_t n = 1;
	pid_t pid;

	for (size_t i = 0; argv[i] && n < 31; i++)
		full[n++] = argv[i];
	full[n] = NULL;
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGTERM); /* never outlive a crashed test */
		if (freopen("/dev/null", "w", stdout) == NULL ||
		    (quiet && freopen("/dev/null", "w", stderr) == NULL))
			_exit(127);
		execv("/usr/bin/python3", (char *const *)(void *)full);
		_exit(127);
	}
	return pid;
}

void testutil_server_stop(pid_t *pid)
{
	int st;

	if (*pid <= 0)
		return;
	kill(*pid, SIGTERM);
	for (int i = 0; i < 50 && waitpid(*pid, &st, WNOHANG) == 0; i++)
		usleep(100000);
	if (waitpid(*pid, &st, WNOHANG) == 0) {
		kill(*pid, SIGKILL);
		waitpid(*pid, &st, 0);
	}
	*pid = -1;
}

/* A one-page PDF with a Title and a CreationDate, xref offsets computed. */
char *testutil_tiny_pdf(size_t *len)
{
	static const char *const objs[] = {
	    "<< /Type /Catalog /Pages 2 0 R >>",
	    "<< /Type /Pages /Count 1 /Kids [3 0 R] >>",
	    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 "
	    "5 0 R >> >> /Contents 4 0 R >>",
	    "<< /Length 43 >>\nstream\nBT /F1 12 Tf 72 720 Td (Hello world.) Tj ET\nendstream",
	    "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
	    "<< /Title (Joint statement) /CreationDate (D:20240312100000+08'00') >>",
	};
	size_t off[6], xref;
	struct buf b;

	buf_init(&b);
	buf_append_str(&b, "%PDF-1.4\n");
	for (int i = 0; i < 6; i++) {
		off[i] = b.len;
		buf_printf(&b, "%d 0 obj\n%s\nendobj\n", i + 1, objs[i]);
	}
	xref = b.len;
	buf_printf(&b, "xref\n0 7\n0000000000 65535 f \n");
	for (int i = 0; i < 6; i++)
		buf_printf(&b, "%010zu 00000 n \n", off[i]);
	buf_printf(&b, "trailer\n<< /Size 7 /Root 1 0 R /Info 6 0 R >>\nstartxref\n%zu\n%%%%EOF\n",
		   xref);
	*len = b.len;
	return buf_steal(&b);
}

int testutil_store_is_pg(void)
{
	const char *v = getenv("SW_TEST_PG");

	return v != NULL && *v != '\0';
}

/* Drops everything a test before left in the cluster's database. */
static void store_pg_empty(void)
{
	PGconn *c = PQconnectdb("");
	PGresult *r;

	ck_assert_msg(PQstatus(c) == CONNECTION_OK, "PostgreSQL: %s", PQerrorMessage(c));
	r = PQexec(c, "SET client_min_messages = warning;"
		      "DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public");
	ck_assert_msg(PQresultStatus(r) == PGRES_COMMAND_OK, "emptying: %s",
		      PQresultErrorMessage(r));
	PQclear(r);
	PQfinish(c);
}

char *testutil_store_fresh(void)
{
	char dir[] = "/tmp/sw-store-XXXXXX";

	if (testutil_store_is_pg()) {
		store_pg_empty();
		return xstrdup("postgresql:");
	}
	ck_assert_ptr_nonnull(mkdtemp(dir));
	return xasprintf("%s/speechwatch.db", dir);
}

void testutil_store_done(char *location)
{
	char *slash = location ? strrchr(location, '/') : NULL;

	if (slash != NULL && strncmp(location, "/tmp/sw-store-", 14) == 0) {
		char *cmd = xasprintf("rm -rf '%.*s'", (int)(slash - location), location);

		ck_assert_int_eq(system(cmd), 0);
		free(cmd);
	}
	free(location);
}
