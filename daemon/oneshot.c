#include "daemon/oneshot.h"

#include <ev.h>
#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"
#include "config/config.h"
#include "daemon/httpcfg.h"

struct oneshot_wait {
	struct oneshot *out;
	struct ev_loop *loop;
	size_t *left; /* requests still running on the loop */
	int done;
};

/* http_done_fn: copy what the caller needs; the response dies with the callback. */
static void oneshot_done(const struct http_response *resp, void *arg)
{
	struct oneshot_wait *w = arg;
	struct oneshot *o = w->out;

	o->result = resp->result;
	o->status = resp->status;
	if (resp->body) {
		o->body = xmalloc(resp->body_len + 1);
		memcpy(o->body, resp->body, resp->body_len);
		o->body[resp->body_len] = '\0';
		o->body_len = resp->body_len;
	}
	o->content_type = xstrdup_or_null(resp->content_type);
	o->final_url = xstrdup_or_null(resp->final_url);
	o->error = xstrdup_or_null(resp->error);
	w->done = 1;
	if (--*w->left == 0)
		ev_break(w->loop, EVBREAK_ALL);
}

/* Starts every request on h (NULL: the engine could not be made, engine_err says why). */
static void oneshot_start_all(struct http *h, const struct http_req *reqs, size_t n,
			      struct oneshot_wait *w, size_t *left, const char *engine_err)
{
	char err[256];

	for (size_t i = 0; i < n; i++) {
		if (h == NULL)
			w[i].out->error = xstrdup(engine_err);
		else if (http_start(h, &reqs[i], oneshot_done, &w[i], err, sizeof(err)))
			(*left)++;
		else
			w[i].out->error = xstrdup(err);
	}
}

void oneshot_fetch_many(const struct config_daemon *dc, const struct http_req *reqs, size_t n,
			struct oneshot *out)
{
	struct oneshot_wait *w = xcalloc(n ? n : 1, sizeof(*w));
	struct http_config hc;
	char err[256] = "cannot create an event loop";
	struct ev_loop *loop;
	struct http *h = NULL;
	size_t left = 0;

	memset(out, 0, n * sizeof(*out));
	httpcfg_from_daemon(dc, &hc);
	/*
	 * The default loop: a render's browser is watched with ev_child, which
	 * only the default loop has. It outlives the call (a command's loop).
	 */
	loop = ev_default_loop(EVFLAG_AUTO);
	if (loop)
		h = http_new(loop, &hc, err, sizeof(err));
	for (size_t i = 0; i < n; i++)
		w[i] = (struct oneshot_wait){&out[i], loop, &left, 0};
	oneshot_start_all(h, reqs, n, w, &left, err);
	if (left)
		ev_run(loop, 0);
	for (size_t i = 0; i < n; i++) {
		if (!w[i].done) {
			out[i].result = HTTP_RES_PROTOCOL;
			if (out[i].error == NULL)
				out[i].error = xstrdup("no answer");
		}
	}
	http_free(h);
	free(w);
}

int oneshot_fetch(const struct config_daemon *dc, const struct http_req *req, struct oneshot *out)
{
	oneshot_fetch_many(dc, req, 1, out);
	return out->result == HTTP_RES_OK ? 0 : -1;
}

void oneshot_free(struct oneshot *o)
{
	free(o->body);
	free(o->content_type);
	free(o->final_url);
	free(o->error);
	memset(o, 0, sizeof(*o));
}
