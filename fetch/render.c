/*
 * fetch/render: one headless browser run, `chromium --headless --dump-dom`.
 *
 * Why a child process, and how it is bounded. A browser runs the page's
 * scripts: a runaway loop, a page that allocates without end, a renderer
 * crash. None of it may reach the daemon's one loop, so the browser is a
 * separate process tree, started with fork + execve and watched by libev
 * (ev_child for its exit, ev_io on its stdout and stderr pipes, an
 * ev_timer for the wall-clock deadline); the loop never waits on it.
 *
 * - Time: --virtual-time-budget lets the page's timers and loads run (a
 *   list written after load, or after a setTimeout of a second, is there
 *   when the DOM is dumped, without any click), and the deadline (the
 *   daemon's `timeout`) ends a page that never settles. Chromium forks many
 *   processes (zygote, renderer, utility), so the child starts its own
 *   session (setsid) and the deadline sends SIGKILL to the whole process
 *   group; when the browser process exits, the group is killed as well, so
 *   no renderer outlives it.
 * - Memory: RLIMIT_AS cannot be used: V8 and PartitionAlloc reserve
 *   terabytes of address space they never touch, and chromium dies at
 *   start under any useful RLIMIT_AS. RLIMIT_DATA counts the private
 *   writable memory actually mapped (Linux >= 4.7), which is what a hostile
 *   page grows; measured on chromium 156: 512 MiB per process renders an
 *   ordinary page, 256 MiB does not start, so each process gets
 *   RENDER_MEMORY (1 GiB, inherited by every process of the tree), and V8's
 *   heap is held to RENDER_JS_HEAP_MB by --max-old-space-size.
 * - Output: stdout is read through a pipe and capped at the daemon's
 *   largest page (max_bytes): more kills the group. stderr is kept as a
 *   short tail, only to name a failure ("Page load failed: net::ERR_...").
 * - Network: only the page's own host. --host-resolver-rules maps every
 *   other name to NOTFOUND, and every request goes to a proxy that does
 *   not exist (127.0.0.1:9) except those to the host itself
 *   (--proxy-bypass-list with <-loopback>, so loopback addresses are not
 *   bypassed implicitly): a script cannot reach an IP literal either.
 *   When the source has a proxy, the browser uses it and the proxy is the
 *   boundary, as it is for curl. file:// is not reachable from an http(s)
 *   page (chromium refuses that navigation), and the URL is only ever http
 *   or https (fetch/http.c's precheck).
 * - State: a fresh --user-data-dir (also HOME) per run, removed afterwards;
 *   --no-first-run, no extensions, sync, component updates, background
 *   networking or crash reporter; --disable-dev-shm-usage because
 *   PrivateDevices gives a small /dev/shm.
 *
 * Why --no-sandbox. Chromium's own sandbox needs user namespaces (or a
 * setuid helper); the unit forbids both (RestrictNamespaces=yes,
 * PrivateUsers=yes, NoNewPrivileges=yes), so it cannot start there. The
 * unit is the sandbox instead: a dynamic user with no capabilities, a
 * read-only system, no home, private /tmp and devices, the system-call
 * filter of @system-service, and no W+X memory (MemoryDenyWriteExecute,
 * hence --js-flags=--jitless: V8 interprets). A page that escaped the
 * renderer would hold what the daemon holds and no more. --no-zygote as
 * well: even without its sandbox, chromium's zygote changes its
 * credentials before forking a renderer, which the unit refuses (EPERM,
 * "sandbox/linux/services/credentials.cc: Check failed"), and every
 * renderer and GPU process then fails to start; without the zygote each
 * is an ordinary fork + exec (seen under the real unit in a booted Debian
 * 12 with bench/unit-render/run.py, which renders there). Measured on
 * chromium 156 under prctl(PR_SET_MDWE) and no_new_privs, the kernel's
 * form of MemoryDenyWriteExecute: with --jitless the page renders; without
 * it the renderer dies and the browser hangs until killed.
 */
#include "fetch/render.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ev.h>

#include "common/buf.h"
#include "common/err.h"
#include "common/xmalloc.h"

#define STDERR_TAIL 4096	 /* bytes of the browser's stderr kept */
#define REAP_GRACE 2.0		 /* seconds the pipes may stay open after the browser exited */
#define CHILD_FSIZE (64ul << 20) /* bytes a profile file may reach */
#define NARGS 32

struct pipe_in {
	ev_io w;
	struct buf b;
	int keep_tail; /* stderr: keep the last bytes instead */
	int eof;
	struct render_job *j;
};

struct render_job {
	struct ev_loop *loop;
	pid_t pid; /* also the process group */
	ev_child cw;
	ev_timer tw;
	struct pipe_in out, err;
	int exited, status, timed_out, too_big;
	double timeout;
	size_t max_bytes;
	char *profile; /* the temporary user-data-dir */
	render_done_fn *done;
	void *arg;
};

/* What execve gets, built before the fork (nothing is allocated after it). */
struct exec_plan {
	char *argv[NARGS];
	char *envp[6];
	size_t nargv;
	const char *path;
};

static void plan_add(struct exec_plan *p, char *s)
{
	if (p->nargv < NARGS - 1)
		p->argv[p->nargv++] = s;
}

static void plan_build(struct exec_plan *p, const struct render_args *a, const char *profile)
{
	static const char *const fixed[] = {
	    "--headless",
	    "--no-sandbox",
	    "--no-zygote", /* the zygote drops credentials: EPERM under the unit, header */
	    "--dump-dom",
	    "--no-first-run",
	    "--disable-gpu",
	    "--disable-extensions",
	    "--disable-background-networking",
	    "--disable-sync",
	    "--disable-component-update",
	    "--disable-dev-shm-usage",
	    "--disable-crash-reporter",
	    "--disable-breakpad",
	    "--disable-features=Translate,MediaRouter",
	    "--mute-audio",
	};
	int proxy = a->proxy && a->proxy[0];

	memset(p, 0, sizeof(*p));
	p->path = a->browser;
	plan_add(p, xstrdup(a->browser));
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		plan_add(p, xstrdup(fixed[i]));
	plan_add(p, xasprintf("--user-data-dir=%s", profile));
	plan_add(p, xasprintf("--virtual-time-budget=%d", RENDER_VIRTUAL_MS));
	plan_add(p, xasprintf("--js-flags=--jitless --max-old-space-size=%d", RENDER_JS_HEAP_MB));
	plan_add(p, xasprintf("--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE %s", a->host));
	plan_add(p, xasprintf("--proxy-server=%s", proxy ? a->proxy : "http://127.0.0.1:9"));
	if (!proxy)
		plan_add(p, xasprintf("--proxy-bypass-list=<-loopback>;%s", a->host));
	plan_add(p, xstrdup(a->url));
	p->envp[0] = xasprintf("HOME=%s", profile);
	p->envp[1] = xasprintf("TMPDIR=%s", profile);
	p->envp[2] = xstrdup("PATH=/usr/local/bin:/usr/bin:/bin");
	p->envp[3] = xstrdup("LANG=C.UTF-8");
}

static void plan_free(struct exec_plan *p)
{
	for (size_t i = 0; i < p->nargv; i++)
		free(p->argv[i]);
	for (size_t i = 0; p->envp[i]; i++)
		free(p->envp[i]);
}

/* Sets a limit, never above the one the process already has (raising a hard limit fails). */
static int limit(int resource, rlim_t value)
{
	struct rlimit cur, r;

	if (getrlimit(resource, &cur) == 0 && cur.rlim_max != RLIM_INFINITY && cur.rlim_max < value)
		value = cur.rlim_max;
	r.rlim_cur = r.rlim_max = value;
	return setrlimit(resource, &r);
}

/* In the forked child: only async-signal-safe calls until execve. */
static void exec_child(const struct exec_plan *p, int null, int out, int errfd)
{
	struct sigaction dfl;
	sigset_t none;

	setsid(); /* its own process group: the deadline kills every process it forks */
	null = fcntl(null, F_DUPFD, 3);
	out = fcntl(out, F_DUPFD, 3);
	errfd = fcntl(errfd, F_DUPFD, 3);
	if (null < 0 || out < 0 || errfd < 0 || dup2(null, 0) < 0 || dup2(out, 1) < 0 ||
	    dup2(errfd, 2) < 0)
		_exit(127);
	close_range(3, ~0U, 0);
	/* the browser is not the daemon's build: under a sanitizer too, it is bounded */
	if (limit(RLIMIT_DATA, RENDER_MEMORY) < 0 || limit(RLIMIT_CORE, 0) < 0 ||
	    limit(RLIMIT_FSIZE, CHILD_FSIZE) < 0)
		_exit(126);
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	for (int s = 1; s < NSIG; s++)
		sigaction(s, &dfl, NULL); /* the daemon ignores SIGPIPE: the browser must not */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	execve(p->path, p->argv, p->envp);
	_exit(127);
}

static pid_t spawn(const struct exec_plan *p, int null, int out, int errfd)
{
	sigset_t all, old;
	pid_t pid;

	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	pid = fork();
	if (pid == 0)
		exec_child(p, null, out, errfd);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return pid;
}

/* nftw callback: removes one entry of the profile, children first. */
static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static void profile_remove(char *dir)
{
	if (dir == NULL)
		return;
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(dir);
}

/* The reason chromium gave for a page it could not load, from its stderr tail. */
static int load_error(const struct render_job *j, char *msg, size_t len)
{
	const char *tail = buf_str(&j->err.b);
	const char *at = strstr(tail, "Page load failed: ");
	size_t n;

	if (at == NULL)
		return 0;
	at += strlen("Page load failed: ");
	n = strcspn(at, "\r\n");
	err_set(msg, len, "render: page load failed: %.*s", (int)(n > 200 ? 200 : n), at);
	return 1;
}

/*
 * The last non-empty line of the browser's stderr tail, at most 200 bytes
 * and printable (the daemon's log escapes it again): what it said last is
 * most often why it stopped. A static buffer: read before the next call.
 */
static const char *last_line(const char *tail)
{
	static char line[201];
	const char *end = tail + strlen(tail), *start;
	size_t n, i;

	while (end > tail && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' '))
		end--;
	for (start = end; start > tail && start[-1] != '\n';)
		start--;
	n = (size_t)(end - start) < sizeof(line) - 1 ? (size_t)(end - start) : sizeof(line) - 1;
	for (i = 0; i < n; i++)
		line[i] = (unsigned char)start[i] < 0x20 ? ' ' : start[i];
	line[n] = '\0';
	return n ? line : "(nothing on stderr)";
}

/* The failure class and message of a finished job; HTTP_RES_OK when it rendered. */
static enum http_result failure(const struct render_job *j, char *msg, size_t len)
{
	const char *tail = buf_str(&j->err.b);
	int sig = WIFSIGNALED(j->status) ? WTERMSIG(j->status) : 0;
	int code = WIFEXITED(j->status) ? WEXITSTATUS(j->status) : -1;

	if (j->timed_out) {
		err_set(msg, len, "render: browser killed after %.0f s (the page never finished)",
			j->timeout);
		return HTTP_RES_TIMEOUT;
	}
	if (j->too_big) {
		err_set(msg, len, "render: page larger than %zu bytes", j->max_bytes);
		return HTTP_RES_TOO_BIG;
	}
	if (code == 0 && j->out.b.len > 0)
		return HTTP_RES_OK;
	if (load_error(j, msg, len))
		return HTTP_RES_NETWORK;
	if (strstr(tail, "Resource temporarily unavailable") || strstr(tail, "Out of memory") ||
	    strstr(tail, "out of memory"))
		err_set(msg, len, "render: memory limit (%lu MiB) reached", RENDER_MEMORY >> 20);
	else if (code == 127)
		err_set(msg, len, "render: cannot run the browser");
	else if (code == 126)
		err_set(msg, len, "render: cannot limit the browser (setrlimit refused)");
	else if (sig)
		err_set(msg, len, "render: browser crashed (%s): %s", strsignal(sig),
			last_line(tail));
	else if (code != 0)
		err_set(msg, len, "render: browser failed (exit status %d): %s", code,
			last_line(tail));
	else
		err_set(msg, len, "render: the browser returned no page");
	return HTTP_RES_PROTOCOL;
}

static void pipe_close(struct render_job *j, struct pipe_in *p)
{
	if (p->w.fd >= 0) {
		ev_io_stop(j->loop, &p->w);
		close(p->w.fd);
		p->w.fd = -1;
	}
	p->eof = 1;
}

static void job_free(struct render_job *j)
{
	pipe_close(j, &j->out);
	pipe_close(j, &j->err);
	ev_child_stop(j->loop, &j->cw);
	ev_timer_stop(j->loop, &j->tw);
	buf_free(&j->out.b);
	buf_free(&j->err.b);
	profile_remove(j->profile);
	free(j);
}

static void job_check(struct render_job *j)
{
	char msg[512];
	enum http_result res;

	if (!j->exited || !j->out.eof || !j->err.eof)
		return;
	res = failure(j, msg, sizeof(msg));
	if (res == HTTP_RES_OK)
		j->done(j->arg, res, buf_str(&j->out.b), j->out.b.len, NULL);
	else
		j->done(j->arg, res, NULL, 0, msg);
	job_free(j);
}

/*
 * SIGKILL to the browser and every process it forked. The child itself too:
 * until it has run setsid() its group does not exist yet (and it forks
 * nothing before that).
 */
static void kill_group(struct render_job *j)
{
	if (!j->exited)
		kill(j->pid, SIGKILL);
	kill(-j->pid, SIGKILL);
}

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
	struct render_job *j = p->j;
	char chunk[65536];
	ssize_t n;

	(void)loop;
	(void)revents;
	n = read(w->fd, chunk, sizeof(chunk));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		pipe_close(j, p);
		job_check(j);
		return;
	}
	buf_append(&p->b, chunk, (size_t)n);
	if (p->keep_tail) {
		keep_tail(&p->b);
	} else if (p->b.len > j->max_bytes) {
		j->too_big = 1;
		kill_group(j);
		pipe_close(j, p);
		job_check(j);
	}
}

/* ev_child: the browser process exited; what it forked goes with it. */
static void child_cb(struct ev_loop *loop, ev_child *w, int revents)
{
	struct render_job *j = w->data;

	(void)revents;
	ev_child_stop(loop, w);
	j->exited = 1;
	j->status = w->rstatus;
	kill_group(j);
	/* a process that left the group may hold the pipes: give them REAP_GRACE */
	ev_timer_stop(loop, &j->tw);
	ev_timer_set(&j->tw, REAP_GRACE, 0.);
	ev_timer_start(loop, &j->tw);
	job_check(j);
}

/* ev_timer: the wall-clock deadline, or the grace after the exit */
static void timeout_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct render_job *j = w->data;

	(void)loop;
	(void)revents;
	if (!j->exited) {
		j->timed_out = 1;
		kill_group(j);
		return;
	}
	pipe_close(j, &j->out);
	pipe_close(j, &j->err);
	job_check(j);
}

static void pipe_start(struct render_job *j, struct pipe_in *p, int fd, int tail)
{
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	buf_init(&p->b);
	p->keep_tail = tail;
	p->j = j;
	ev_io_init(&p->w, pipe_cb, fd, EV_READ);
	ev_io_start(j->loop, &p->w);
}

static struct render_job *job_new(struct ev_loop *loop, const struct render_args *a, pid_t pid,
				  int out, int errfd)
{
	struct render_job *j = xcalloc(1, sizeof(*j));

	j->loop = loop;
	j->pid = pid;
	j->timeout = a->timeout;
	j->max_bytes = a->max_bytes;
	pipe_start(j, &j->out, out, 0);
	pipe_start(j, &j->err, errfd, 1);
	ev_child_init(&j->cw, child_cb, pid, 0);
	j->cw.data = j;
	ev_child_start(loop, &j->cw);
	ev_timer_init(&j->tw, timeout_cb, a->timeout, 0);
	j->tw.data = j;
	ev_timer_start(loop, &j->tw);
	return j;
}

/* A fresh profile directory under $TMPDIR (the unit's private /tmp); caller frees. */
static char *profile_new(void)
{
	const char *tmp = getenv("TMPDIR");
	char *dir = xasprintf("%s/speechwatch-render-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");

	if (mkdtemp(dir) == NULL) {
		free(dir);
		return NULL;
	}
	return dir;
}

static void close_pair(int fd[2])
{
	for (int i = 0; i < 2; i++)
		if (fd[i] >= 0)
			close(fd[i]);
}

struct render_job *render_start(struct ev_loop *loop, const struct render_args *a,
				render_done_fn *done, void *arg, char *err, size_t errlen)
{
	int out[2] = {-1, -1}, ep[2] = {-1, -1}, null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	char *profile = profile_new();
	struct render_job *j = NULL;
	struct exec_plan plan;
	pid_t pid;

	if (profile == NULL || null < 0 || pipe2(out, O_CLOEXEC) < 0 || pipe2(ep, O_CLOEXEC) < 0) {
		err_set(err, errlen, "render: cannot start the browser: %s", strerror(errno));
		goto fail;
	}
	plan_build(&plan, a, profile);
	pid = spawn(&plan, null, out[1], ep[1]);
	plan_free(&plan);
	if (pid < 0) {
		err_set(err, errlen, "render: cannot start the browser: %s", strerror(errno));
		goto fail;
	}
	j = job_new(loop, a, pid, out[0], ep[0]);
	j->profile = profile;
	j->done = done;
	j->arg = arg;
	out[0] = ep[0] = -1; /* the job's now */
	profile = NULL;
fail:
	close_pair(out);
	close_pair(ep);
	if (null >= 0)
		close(null);
	profile_remove(profile);
	return j;
}

void render_cancel(struct render_job *j)
{
	if (j == NULL)
		return;
	kill_group(j);
	if (!j->exited) {
		ev_child_stop(j->loop, &j->cw); /* before libev's SIGCHLD handler can reap it */
		while (waitpid(j->pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	job_free(j);
}

static char *executable(const char *path)
{
	return path && path[0] == '/' && access(path, X_OK) == 0 ? xstrdup(path) : NULL;
}

/*
 * The browser binary behind a distribution's shell wrapper: Debian's
 * /usr/bin/chromium is a script that greps /proc/cpuinfo, which the unit
 * hides (ProcSubset=pid), and exits 1 there; the binary it runs is
 * /usr/lib/NAME/NAME. path itself when it is no script or has no such
 * binary. Takes path over.
 */
static char *unwrap(char *path)
{
	char head[2] = {0}, *bin;
	const char *name = strrchr(path, '/') + 1;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return path;
	if (read(fd, head, sizeof(head)) != (ssize_t)sizeof(head) || memcmp(head, "#!", 2) != 0) {
		close(fd);
		return path;
	}
	close(fd);
	bin = xasprintf("/usr/lib/%s/%s", name, name);
	if (access(bin, X_OK) != 0) {
		free(bin);
		return path;
	}
	free(path);
	return bin;
}

char *render_find_browser(const char *configured)
{
	static const char *const names[] = {"chromium", "chromium-browser", "google-chrome"};
	const char *path = getenv("PATH");
	char *found = NULL;

	if (configured) {
		found = executable(configured);
		return found ? unwrap(found) : NULL;
	}
	if (path == NULL || path[0] == '\0')
		path = "/usr/local/bin:/usr/bin:/bin";
	for (size_t i = 0; found == NULL && i < sizeof(names) / sizeof(names[0]); i++) {
		for (const char *p = path; found == NULL && *p;) {
			size_t n = strcspn(p, ":");
			char *cand = xasprintf("%.*s/%s", (int)n, p, names[i]);

			found = executable(cand);
			free(cand);
			p += n + (p[n] == ':');
		}
	}
	return found ? unwrap(found) : NULL;
}
