/*
 * fetch/render: a page loaded by a headless browser (Debian's chromium) in
 * a child process, its DOM after the page's scripts ran read back as
 * UTF-8 HTML. The transport of `render = browser` (speechwatch.conf(5),
 * docs/render.md): fetch/http.c queues renders and hands their answers to
 * the usual done callback; this file runs one browser and bounds it.
 */
#ifndef SW_FETCH_RENDER_H
#define SW_FETCH_RENDER_H

#include <stddef.h>

#include "fetch/http.h"

struct ev_loop;
struct render_job;

/* Bytes of memory each browser process may take (RLIMIT_DATA, see render.c). */
#define RENDER_MEMORY (1024ul << 20)
/* V8's heap in megabytes (--max-old-space-size): a script's garbage stops here. */
#define RENDER_JS_HEAP_MB 256
/* Milliseconds of page time the browser waits for timers and loads (--virtual-time-budget). */
#define RENDER_VIRTUAL_MS 10000

/* One render. Strings are borrowed for the duration of render_start. */
struct render_args {
	const char *browser; /* absolute path of the executable */
	const char *url;     /* http or https */
	const char *host;    /* the only host the browser may reach (url's) */
	const char *proxy;   /* NULL or "": none */
	double timeout;	     /* seconds of wall clock before the browser is killed */
	size_t max_bytes;    /* a DOM larger than this kills the browser (HTTP_RES_TOO_BIG) */
};

/*
 * Called once from the loop, never from inside render_start: res
 * HTTP_RES_OK with the DOM (NUL-terminated, borrowed for the call), or the
 * failure class with a message ("render: killed after 30 s (the page never
 * finished)", ...). The job frees itself after the callback returns.
 */
typedef void render_done_fn(void *arg, enum http_result res, const char *dom, size_t len,
			    const char *error);

/*
 * Starts the browser on a->url. loop must be the default loop (ev_child).
 * Returns the job, or NULL with err filled (done is then never called).
 */
struct render_job *render_start(struct ev_loop *loop, const struct render_args *a,
				render_done_fn *done, void *arg, char *err, size_t errlen);

/* Kills the browser's process group, reaps, frees; done is not called. NULL-safe. */
void render_cancel(struct render_job *j);

/*
 * The browser to run: configured when it is executable (NULL: look for
 * chromium, chromium-browser, google-chrome in PATH). A copy, or NULL when
 * none is installed. Caller frees.
 */
char *render_find_browser(const char *configured);

#endif
