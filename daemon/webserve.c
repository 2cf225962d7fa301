/*
 * A request for a page that reads the store is a store job (store_jobs.h):
 * the listener defers its answer (serve_defer), the job runs the page with
 * the store (web_answer_store: on the store thread when the store is a
 * server's), and its done, on the loop, completes the reply and gives it
 * (serve_finish). The job holds the config it was asked under
 * (config_hold): a reload swaps d->cfg and lets the old one go, but the
 * last holder frees it, so the page reads a config that is whole and never
 * changes. The query is copied into the job: the thread never calls into
 * the listener. Access checks, /healthz's loop check, the style sheet and a
 * recent /metrics answer on the loop at once.
 */
#include "daemon/webserve.h"

#include <arpa/inet.h>
#include <ev.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/xmalloc.h"
#include "config/config.h"
#include "daemon/daemon_int.h"
#include "daemon/store_jobs.h"
#include "daemon/web/web.h"
#include "fetch/serve.h"

/* The one page a token never guards: a supervisor's probe carries none. */
#define HEALTH_PATH "/healthz"

struct web_job;

struct webserve {
	struct daemon *d;
	struct serve *sv;
	struct web_job *jobs; /* out as store jobs: told when the listener goes */
	ev_check woke_watch;  /* notes when the loop wakes, for web_ctx.loop_lag */
	double woke;	      /* clock_mono() at the last wake-up */
	/*
	 * The token's SHA-256: a request's token is hashed too and the digests
	 * compared in constant time, which hides the token's length as well.
	 */
	unsigned char token_hash[SHA256_DIGEST_LENGTH];
	int token_set;
	int loopback; /* listening on a loopback address */
};

/* ev_check callback: the loop woke from its wait and runs this turn's callbacks. */
static void woke_cb(struct ev_loop *loop, ev_check *w, int revents)
{
	struct webserve *ws = w->data;

	(void)loop;
	(void)revents;
	ws->woke = clock_mono();
}

static void take_access(struct webserve *ws, const struct config_http *h)
{
	ws->loopback = h->loopback;
	ws->token_set = h->token != NULL;
	memset(ws->token_hash, 0, sizeof(ws->token_hash));
	if (h->token)
		SHA256((const unsigned char *)h->token, strlen(h->token), ws->token_hash);
}

/* 1 if the Authorization header carries the token (or none is needed). */
static int authorized(const struct webserve *ws, const char *header)
{
	unsigned char got[SHA256_DIGEST_LENGTH];
	const char *t;

	if (!ws->token_set)
		return 1;
	if (header == NULL || strncasecmp(header, "Bearer ", 7) != 0)
		return 0;
	for (t = header + 7; *t == ' '; t++)
		;
	SHA256((const unsigned char *)t, strlen(t), got);
	return CRYPTO_memcmp(got, ws->token_hash, sizeof(got)) == 0;
}

/*
 * A Host header that names the loopback (localhost, 127.x.y.z, [::1]; any
 * port), or none. A web page elsewhere can point a name of its own at
 * 127.0.0.1 (DNS rebinding) and have the browser read a loopback listener
 * that takes no token; the browser then sends that name as Host.
 */
static int host_is_loopback(const char *host)
{
	char name[64];
	struct in_addr a;
	size_t n;

	if (host == NULL)
		return 1;
	if (host[0] == '[')
		return strncmp(host, "[::1]", 5) == 0 && (host[5] == '\0' || host[5] == ':');
	n = strcspn(host, ":");
	if (n >= sizeof(name))
		return 0;
	memcpy(name, host, n);
	name[n] = '\0';
	if (strcasecmp(name, "localhost") == 0)
		return 1;
	return inet_pton(AF_INET, name, &a) == 1 && (ntohl(a.s_addr) >> 24) == 127;
}

/* web_request.arg: the listener's lookup. */
static const char *web_arg(const struct web_request *req, const char *name)
{
	const struct serve_request *sr = req->impl;

	return sr->arg(sr, name);
}

struct web_arg {
	char *name, *value; /* value NULL: a bare name */
};

/* A request answered by a page that reads the store, as a store job. */
struct web_job {
	struct webserve *ws;	     /* NULL once the listener is freed */
	struct web_job *prev, *next; /* ws->jobs */
	struct serve_pending *pending;
	struct config *cfg; /* held for the job (config_hold) */
	char *method, *path;
	struct web_arg *args; /* the query, in order */
	size_t nargs;
	double now, loop_lag;
	struct web_reply reply;
	char note[512]; /* what the page would have logged */
};

/* web_request.arg of a job: its copy of the query (the first of a name, as the listener's). */
static const char *job_arg(const struct web_request *req, const char *name)
{
	const struct web_job *j = req->impl;

	for (size_t i = 0; i < j->nargs; i++)
		if (strcmp(j->args[i].name, name) == 0)
			return j->args[i].value;
	return NULL;
}

/* serve_request.each_arg's fn: one argument into the job. */
static void copy_arg(void *cls, const char *name, const char *value)
{
	struct web_job *j = cls;

	j->args = xreallocarray(j->args, j->nargs + 1, sizeof(*j->args));
	j->args[j->nargs].name = xstrdup(name);
	j->args[j->nargs].value = value ? xstrdup(value) : NULL;
	j->nargs++;
}

static void job_unlink(struct web_job *j)
{
	if (j->ws == NULL)
		return;
	if (j->prev)
		j->prev->next = j->next;
	else
		j->ws->jobs = j->next;
	if (j->next)
		j->next->prev = j->prev;
	j->ws = NULL;
}

static void job_free(struct web_job *j)
{
	config_free(j->cfg); /* frees it when a reload let it go meanwhile */
	for (size_t i = 0; i < j->nargs; i++) {
		free(j->args[i].name);
		free(j->args[i].value);
	}
	free(j->args);
	free(j->method);
	free(j->path);
	buf_free(&j->reply.body);
	free(j);
}

/* store_job_work_fn: the page with the store; touches the job and its held config only. */
static void job_work(struct store *st, void *arg)
{
	struct web_job *j = arg;
	struct web_request req = {j->method, j->path, job_arg, j};
	struct web_ctx ctx = {.store = st,
			      .cfg = j->cfg,
			      .now = j->now,
			      .loop_lag = j->loop_lag,
			      .note = j->note,
			      .notelen = sizeof(j->note)};

	web_answer_store(&ctx, &req, &j->reply);
}

/* store_job_done_fn: back on the loop, the reply is completed and given to the listener. */
static void job_done(void *arg, int cancelled)
{
	struct web_job *j = arg;
	struct web_request req = {j->method, j->path, job_arg, j};
	struct web_ctx ctx = {.cfg = j->cfg, .now = j->now, .loop_lag = j->loop_lag};
	struct serve_reply out;

	if (j->note[0])
		log_warnx("%s", j->note);
	if (cancelled || j->ws == NULL) { /* the daemon stops: the listener is gone or going */
		job_unlink(j);
		serve_finish(j->pending, NULL);
		job_free(j);
		return;
	}
	ctx.metrics = j->ws->d->metrics;
	job_unlink(j);
	web_answer_finish(&ctx, &req, &j->reply);
	out = (struct serve_reply){j->reply.status, j->reply.content_type, j->reply.body,
				   j->reply.cache_control};
	buf_init(&j->reply.body);
	serve_finish(j->pending, &out);
	job_free(j);
}

/* Defers sr's answer to a store job; ctx: the request's, from the loop. */
static void job_submit(struct webserve *ws, const struct serve_request *sr,
		       const struct web_ctx *ctx)
{
	struct web_job *j = xcalloc(1, sizeof(*j));

	j->ws = ws;
	j->next = ws->jobs;
	if (ws->jobs)
		ws->jobs->prev = j;
	ws->jobs = j;
	j->pending = serve_defer(sr);
	j->cfg = ws->d->cfg;
	config_hold(j->cfg);
	j->method = xstrdup(sr->method);
	j->path = xstrdup(sr->path);
	sr->each_arg(sr, copy_arg, j);
	j->now = ctx->now;
	j->loop_lag = ctx->loop_lag;
	j->reply = (struct web_reply){200, "text/plain; charset=utf-8", {NULL, 0, 0}, NULL};
	store_jobs_submit(ws->d->jobs, job_work, job_done, j);
}

/*
 * serve_answer_fn: access, then the router: on the loop what needs no
 * store, a store job for the rest.
 */
static void answer_cb(void *arg, const struct serve_request *sr, struct serve_reply *out)
{
	struct webserve *ws = arg;
	struct web_request req = {sr->method, sr->path, web_arg, (void *)(uintptr_t)sr};
	struct web_reply reply = {200, "text/plain; charset=utf-8", {NULL, 0, 0}, NULL};
	struct web_ctx ctx = {.cfg = ws->d->cfg, .metrics = ws->d->metrics, .now = clock_wall()};

	if (ws->loopback && !ws->token_set && !host_is_loopback(sr->host)) {
		log_debug("http: %s %s from %s: Host %s is not a loopback name", sr->method,
			  log_esc(sr->path, 80), sr->remote, log_esc(sr->host, 80));
		out->status = 403;
		buf_append_str(&out->body, "a loopback listener answers only requests for "
					   "localhost, 127.0.0.1 or [::1]\n");
		return;
	}
	if (strcmp(sr->path, HEALTH_PATH) != 0 && !authorized(ws, sr->authorization)) {
		log_debug("http: %s %s from %s: no valid bearer token", sr->method,
			  log_esc(sr->path, 80), sr->remote);
		out->status = 401;
		buf_append_str(&out->body,
			       "a bearer token is required: Authorization: Bearer TOKEN\n");
		return;
	}
	if (ws->woke > 0)
		ctx.loop_lag = clock_mono() - ws->woke;
	reply.body = out->body; /* the listener's memory, kept from earlier replies */
	buf_init(&out->body);
	if (!web_answer_start(&ctx, &req, &reply))
		job_submit(ws, sr, &ctx); /* out is not sent: the job's done answers */
	out->status = reply.status;
	out->content_type = reply.content_type;
	out->cache_control = reply.cache_control;
	out->body = reply.body;
}

/* "http://HOST:PORT/" of the listener, with the port it got. Caller frees. */
static char *listen_url(const char *listen, int port)
{
	const char *colon = strrchr(listen, ':');

	return xasprintf("http://%.*s:%d/", (int)(colon - listen), listen, port);
}

struct webserve *webserve_start(struct daemon *d)
{
	const struct config_http *h = &d->cfg->http;
	struct webserve *ws = xcalloc(1, sizeof(*ws));
	char err[256];
	char *url;

	ws->d = d;
	take_access(ws, h);
	ws->sv = serve_new(d->loop, (const struct sockaddr *)&h->addr, h->addrlen, answer_cb, ws,
			   err, sizeof(err));
	if (ws->sv == NULL) {
		log_err("[http] listen = %s: cannot listen on %s", h->listen, err);
		webserve_free(ws);
		return NULL;
	}
	ev_check_init(&ws->woke_watch, woke_cb);
	ws->woke_watch.data = ws;
	ev_check_start(d->loop, &ws->woke_watch);
	url = listen_url(h->listen, serve_port(ws->sv));
	log_info("http: listening on %s (%s)", url,
		 ws->token_set	      ? "bearer token required"
		 : h->allow_anonymous ? "anonymous access allowed"
				      : "loopback, no token");
	free(url);
	return ws;
}

static int same_str(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a && b && strcmp(a, b) == 0);
}

void webserve_reload(struct webserve *ws, const struct config *old, const struct config *fresh)
{
	const char *was = old->http.listen, *now = fresh->http.listen;

	if (!same_str(was, now)) {
		log_info("reload: notice: [http] listen changed (%s -> %s): it takes effect at the "
			 "next restart; until then the listener %s",
			 was ? was : "none", now ? now : "none",
			 ws ? "keeps its address and access settings" : "stays off");
		return;
	}
	if (ws == NULL)
		return;
	if (!same_str(old->http.token_file, fresh->http.token_file) ||
	    old->http.allow_anonymous != fresh->http.allow_anonymous)
		log_info("reload: [http] access settings changed");
	take_access(ws, &fresh->http);
}

int webserve_port(const struct webserve *ws)
{
	return serve_port(ws->sv);
}

void webserve_free(struct webserve *ws)
{
	if (ws == NULL)
		return;
	while (ws->jobs) /* their done finds the listener gone */
		job_unlink(ws->jobs);
	if (ws->sv)
		ev_check_stop(ws->d->loop, &ws->woke_watch);
	serve_free(ws->sv);
	explicit_bzero(ws->token_hash, sizeof(ws->token_hash));
	free(ws);
}
