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
	ev_break(w->loop, EVBREAK_ALL);
}

int oneshot_fetch(const struct config_daemon *dc, const struct http_req *req, struct oneshot *out)
{
	struct oneshot_wait w = {out, NULL, 0};
	struct http_config hc;
	char err[256];
	struct http *h;

	memset(out, 0, sizeof(*out));
	httpcfg_from_daemon(dc, &hc);
	w.loop = ev_loop_new(EVFLAG_AUTO);
	if (w.loop == NULL) {
		out->error = xstrdup("cannot create an event loop");
		return -1;
	}
	h = http_new(w.loop, &hc, err, sizeof(err));
	if (h && http_start(h, req, oneshot_done, &w, err, sizeof(err)))
		ev_run(w.loop, 0);
	if (!w.done) {
		out->result = HTTP_RES_PROTOCOL;
		out->error = xstrdup(err);
	}
	http_free(h);
	ev_loop_destroy(w.loop);
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
