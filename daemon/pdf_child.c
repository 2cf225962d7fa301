/*
 * daemon/pdf_child: Poppler in a child process.
 *
 * Why a child, and why this one. Poppler is a large C++ parser; on hostile
 * input it may loop for minutes, allocate gigabytes (a FlateDecode bomb, a
 * 10,000-page tree), or crash. Inside the daemon any of these would stall
 * the one loop every source and every delivery shares, or take the daemon
 * and its outbox down. A thread would share the address space (no memory
 * bound, a crash is the daemon's) and cannot be killed. A child process can:
 * the kernel bounds it (RLIMIT_AS for memory, RLIMIT_CPU, RLIMIT_FSIZE 0 so
 * it writes no file, RLIMIT_NOFILE, RLIMIT_CORE 0) and SIGKILL ends it at a
 * wall-clock deadline, whatever it is doing.
 *
 * fork + exec of the running binary (/proc/self/exe, the hidden command
 * `pdf-child`), not a bare fork: the child starts clean, without the
 * daemon's loop, sockets, SQLite handle, curl state or threads, and needs
 * nothing but a syscall-safe path between fork and exec (dup2, close_range,
 * setrlimit, execv). It runs the same build as the daemon, so the two
 * sides of the pipe never disagree. The PDF goes in as a memfd on stdin (a
 * memory copy, no pipe for the loop to feed), the answer comes back as one
 * JSON object on stdout; stderr (Poppler's complaints, an allocator's last
 * words) is kept in a small tail that only serves to name the failure.
 *
 * The loop is never blocked: the pipes are read by ev_io, the exit is an
 * ev_child, the deadline an ev_timer. The job finishes when the child has
 * exited and both pipes are at their end; the exit status or signal then
 * becomes one clear message. An answer over PDF_CHILD_OUTPUT kills it.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ev.h>
#include <jansson.h>

#include "analyze/pdf/pdf.h"
#include "common/buf.h"
#include "common/err.h"
#include "common/xmalloc.h"
#include "daemon/pdf_child.h"

#define STDERR_TAIL 4096   /* bytes of the child's stderr kept */
#define CHILD_NOFILE 16	   /* descriptors the child may hold */
#define EXIT_REFUSED 3	   /* the child read the input and refused it */
#define EXIT_NO_LIMITS 126 /* the child could not set its rlimits: it did not run */

struct pipe_in {
	ev_io w;
	struct buf b;
	size_t cap;    /* output: a larger answer kills the child */
	int keep_tail; /* stderr: keep the last bytes instead */
	int eof;
	struct pdf_child *c;
};

struct pdf_child {
	struct ev_loop *loop;
	pid_t pid;
	ev_child cw;
	ev_timer tw;
	struct pipe_in out, err;
	int exited, status, timed_out, too_big;
	pdf_child_done_fn *done;
	void *arg;
};

static void job_check(struct pdf_child *c);

/* A memfd holding data, at offset 0; -1 on failure. */
static int input_fd(const char *data, size_t len)
{
	int fd = memfd_create("speechwatch-pdf", MFD_CLOEXEC);
	size_t off = 0;

	while (fd >= 0 && off < len) {
		ssize_t n = write(fd, data + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			close(fd);
			return -1;
		}
		off += (size_t)n;
	}
	if (fd >= 0 && lseek(fd, 0, SEEK_SET) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Sets a limit, never above the one the process already has (raising a
 * hard limit is refused). -1 when the kernel refuses (a seccomp filter).
 */
static int limit(int resource, rlim_t soft, rlim_t hard)
{
	struct rlimit cur, r;

	if (getrlimit(resource, &cur) == 0 && cur.rlim_max != RLIM_INFINITY && cur.rlim_max < hard)
		hard = cur.rlim_max;
	r.rlim_cur = soft < hard ? soft : hard;
	r.rlim_max = hard;
	return setrlimit(resource, &r);
}

/* The child's limits; -1 when one could not be set. */
static int limit_all(void)
{
#ifndef __SANITIZE_ADDRESS__
	/* AddressSanitizer reserves terabytes of address space: no RLIMIT_AS under it */
	if (limit(RLIMIT_AS, PDF_CHILD_MEMORY, PDF_CHILD_MEMORY) < 0)
		return -1;
#endif
	if (limit(RLIMIT_CPU, PDF_CHILD_CPU, PDF_CHILD_CPU + 1) < 0 ||
	    limit(RLIMIT_FSIZE, 0, 0) < 0 || limit(RLIMIT_NOFILE, CHILD_NOFILE, CHILD_NOFILE) < 0 ||
	    limit(RLIMIT_CORE, 0, 0) < 0)
		return -1;
	return 0;
}

/*
 * In the forked child: only async-signal-safe calls until execv. The
 * descriptors are first moved above 2, so that none of them is overwritten
 * by another's dup2 when the daemon was started with stdio closed.
 */
static void exec_child(int in, int out, int errfd)
{
	static char name[] = "speechwatch", cmd[] = "pdf-child";
	char *const argv[] = {name, cmd, NULL};

	in = fcntl(in, F_DUPFD, 3);
	out = fcntl(out, F_DUPFD, 3);
	errfd = fcntl(errfd, F_DUPFD, 3);
	if (in < 0 || out < 0 || errfd < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 ||
	    dup2(errfd, 2) < 0)
		_exit(127);
	close_range(3, ~0U, 0);
	if (limit_all() < 0)
		_exit(EXIT_NO_LIMITS); /* Poppler never runs without its bounds */
	execv("/proc/self/exe", argv);
	_exit(127);
}

/* Forks the child on the three descriptors, all signals blocked across the fork. */
static pid_t spawn(int in, int out, int errfd)
{
	sigset_t all, old;
	pid_t pid;

	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	pid = fork();
	if (pid == 0)
		exec_child(in, out, errfd); /* the mask stays blocked until pdf_child_main */
	sigprocmask(SIG_SETMASK, &old, NULL);
	return pid;
}

/*
 * The message for a child that ended without an answer; NULL when it
 * answered (exit 0, or EXIT_REFUSED with its reason on stdout). Its
 * stderr is read only then: Poppler's complaints on a good file may say
 * anything.
 */
static const char *failure(const struct pdf_child *c, char *msg, size_t len)
{
	const char *tail = buf_str(&c->err.b);
	int sig = WIFSIGNALED(c->status) ? WTERMSIG(c->status) : 0;
	int code = WIFEXITED(c->status) ? WEXITSTATUS(c->status) : -1;

	if (c->timed_out)
		err_set(msg, len, "pdf: killed after %.0f s", PDF_CHILD_TIMEOUT);
	else if (c->too_big)
		err_set(msg, len, "pdf: answer larger than %u bytes", PDF_CHILD_OUTPUT);
	else if (code == 0 || code == EXIT_REFUSED)
		return NULL;
	else if (strstr(tail, "alloc") || strstr(tail, "out of memory"))
		err_set(msg, len, "pdf: memory limit (%u MiB) reached", PDF_CHILD_MEMORY >> 20);
	else if (sig == SIGXCPU)
		err_set(msg, len, "pdf: CPU limit (%d s) reached", PDF_CHILD_CPU);
	else if (sig == SIGKILL)
		err_set(msg, len, "pdf: parser killed (CPU or memory limit)");
	else if (sig)
		err_set(msg, len, "pdf: parser crashed (%s)", strsignal(sig));
	else if (code == 127)
		err_set(msg, len, "pdf: cannot run the parser (/proc/self/exe)");
	else if (code == EXIT_NO_LIMITS)
		err_set(msg, len, "pdf: cannot limit the parser (setrlimit refused)");
	else
		err_set(msg, len, "pdf: parser failed (exit status %d)", code);
	return msg;
}

static const char *json_str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static size_t json_size(json_t *o, const char *key)
{
	json_int_t v = json_integer_value(json_object_get(o, key));

	return v > 0 ? (size_t)v : 0;
}

/* The answer on stdout, given to the callback. */
static void deliver(struct pdf_child *c)
{
	char msg[512];
	const char *why = failure(c, msg, sizeof(msg));
	json_t *o = NULL;
	struct pdf_result r;

	if (why == NULL) {
		o = json_loadb(buf_str(&c->out.b), c->out.b.len, 0, NULL);
		if (!json_is_object(o))
			why = "pdf: the parser's answer is unreadable";
		else if (json_str(o, "error"))
			why = (err_set(msg, sizeof(msg), "pdf: %s", json_str(o, "error")), msg);
		else if (json_str(o, "text") == NULL)
			why = "pdf: the parser's answer has no text";
	}
	if (why) {
		c->done(c->arg, NULL, why);
	} else {
		r.title = json_str(o, "title");
		r.date = json_str(o, "date");
		r.text = json_str(o, "text");
		r.pages = json_size(o, "pages");
		r.pages_read = json_size(o, "pages_read");
		r.truncated = json_is_true(json_object_get(o, "truncated"));
		c->done(c->arg, &r, NULL);
	}
	json_decref(o);
}

static void pipe_close(struct pdf_child *c, struct pipe_in *p)
{
	if (p->w.fd >= 0) {
		ev_io_stop(c->loop, &p->w);
		close(p->w.fd);
		p->w.fd = -1;
	}
	p->eof = 1;
}

/* Stops everything; the child must be reaped already or killed by the caller. */
static void job_free(struct pdf_child *c)
{
	pipe_close(c, &c->out);
	pipe_close(c, &c->err);
	ev_child_stop(c->loop, &c->cw);
	ev_timer_stop(c->loop, &c->tw);
	buf_free(&c->out.b);
	buf_free(&c->err.b);
	free(c);
}

static void job_check(struct pdf_child *c)
{
	if (!c->exited || !c->out.eof || !c->err.eof)
		return;
	deliver(c);
	job_free(c);
}

static void kill_child(struct pdf_child *c)
{
	if (!c->exited)
		kill(c->pid, SIGKILL);
}

/* Keeps the last STDERR_TAIL bytes of b. */
static void keep_tail(struct buf *b)
{
	if (b->len <= STDERR_TAIL)
		return;
	memmove(b->data, b->data + b->len - STDERR_TAIL, STDERR_TAIL);
	b->len = STDERR_TAIL;
	b->data[b->len] = '\0';
}

/* ev_io on the stdout and stderr pipes */
static void pipe_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct pipe_in *p = (struct pipe_in *)w;
	struct pdf_child *c = p->c;
	char chunk[65536];
	ssize_t n;

	(void)loop;
	(void)revents;
	n = read(w->fd, chunk, sizeof(chunk));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		pipe_close(c, p);
		job_check(c);
		return;
	}
	buf_append(&p->b, chunk, (size_t)n);
	if (p->keep_tail) {
		keep_tail(&p->b);
	} else if (p->b.len > p->cap) {
		c->too_big = 1;
		kill_child(c);
		pipe_close(c, p);
		job_check(c);
	}
}

/* ev_child: the child's exit */
static void child_cb(struct ev_loop *loop, ev_child *w, int revents)
{
	struct pdf_child *c = w->data;

	(void)revents;
	ev_child_stop(loop, w);
	ev_timer_stop(loop, &c->tw);
	c->exited = 1;
	c->status = w->rstatus;
	job_check(c);
}

/* ev_timer: the wall-clock deadline */
static void timeout_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct pdf_child *c = w->data;

	(void)loop;
	(void)revents;
	c->timed_out = 1;
	kill_child(c);
}

static void pipe_start(struct pdf_child *c, struct pipe_in *p, int fd, size_t cap, int tail)
{
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	buf_init(&p->b);
	p->cap = cap;
	p->keep_tail = tail;
	p->c = c;
	ev_io_init(&p->w, pipe_cb, fd, EV_READ);
	ev_io_start(c->loop, &p->w);
}

/* The job's watchers on the child pid and the read ends of its pipes. */
static struct pdf_child *job_new(struct ev_loop *loop, pid_t pid, int out, int errfd)
{
	struct pdf_child *c = xcalloc(1, sizeof(*c));

	c->loop = loop;
	c->pid = pid;
	pipe_start(c, &c->out, out, PDF_CHILD_OUTPUT, 0);
	pipe_start(c, &c->err, errfd, 0, 1);
	ev_child_init(&c->cw, child_cb, pid, 0);
	c->cw.data = c;
	ev_child_start(loop, &c->cw);
	ev_timer_init(&c->tw, timeout_cb, PDF_CHILD_TIMEOUT, 0);
	c->tw.data = c;
	ev_timer_start(loop, &c->tw);
	return c;
}

struct pdf_child *pdf_child_start(struct ev_loop *loop, const char *data, size_t len,
				  pdf_child_done_fn *done, void *arg, char *err, size_t errlen)
{
	int in = input_fd(data, len), out[2] = {-1, -1}, ep[2] = {-1, -1};
	struct pdf_child *c = NULL;
	pid_t pid;

	if (in < 0 || pipe2(out, O_CLOEXEC) < 0 || pipe2(ep, O_CLOEXEC) < 0) {
		err_set(err, errlen, "pdf: cannot start the parser: %s", strerror(errno));
		goto fail;
	}
	pid = spawn(in, out[1], ep[1]);
	if (pid < 0) {
		err_set(err, errlen, "pdf: cannot start the parser: %s", strerror(errno));
		goto fail;
	}
	c = job_new(loop, pid, out[0], ep[0]);
	c->done = done;
	c->arg = arg;
	out[0] = ep[0] = -1; /* the job's now */
fail:
	for (int i = 0; i < 2; i++) {
		if (out[i] >= 0)
			close(out[i]);
		if (ep[i] >= 0)
			close(ep[i]);
	}
	if (in >= 0)
		close(in);
	return c;
}

void pdf_child_cancel(struct pdf_child *c)
{
	if (c == NULL)
		return;
	if (!c->exited) {
		kill(c->pid, SIGKILL);
		ev_child_stop(c->loop, &c->cw); /* before libev's SIGCHLD handler can reap it */
		while (waitpid(c->pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	job_free(c);
}

/* The PDF on stdin, at most PDF_MAX_BYTES + 1 bytes (one more tells "too large"). */
static int read_stdin(struct buf *b)
{
	char chunk[65536];
	ssize_t n;

	while (b->len <= PDF_MAX_BYTES) {
		n = read(0, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		buf_append(b, chunk, (size_t)n);
	}
	return 0;
}

static json_t *doc_json(const struct pdf_doc *d)
{
	json_t *o = json_object();

	json_object_set_new(o, "title", d->title ? json_string(d->title) : json_null());
	json_object_set_new(o, "date", d->date ? json_string(d->date) : json_null());
	json_object_set_new(o, "text", json_string(d->text));
	json_object_set_new(o, "pages", json_integer((json_int_t)d->pages));
	json_object_set_new(o, "pages_read", json_integer((json_int_t)d->pages_read));
	json_object_set_new(o, "truncated", json_boolean(d->truncated));
	return o;
}

int pdf_child_main(void)
{
	sigset_t none;
	struct pdf_doc d;
	struct buf in;
	char err[256];
	json_t *o;
	int rc = 0;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL); /* blocked by the parent across fork */
	buf_init(&in);
	if (read_stdin(&in) < 0) {
		err_set(err, sizeof(err), "cannot read the input: %s", strerror(errno));
		rc = -1;
	} else {
		rc = pdf_read(buf_str(&in), in.len, &d, err, sizeof(err));
	}
	buf_free(&in);
	if (rc < 0) {
		o = json_pack("{ss}", "error", err);
	} else {
		o = doc_json(&d);
		pdf_doc_free(&d);
	}
	if (o == NULL || json_dumpf(o, stdout, JSON_COMPACT) < 0 || fflush(stdout) != 0)
		rc = -1, fprintf(stderr, "pdf-child: cannot write the answer\n");
	json_decref(o);
	return rc < 0 ? EXIT_REFUSED : 0;
}
