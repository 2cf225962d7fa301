/*
 * The read side (issue 18): the pages, feeds, JSON API and metrics that the
 * daemon's optional HTTP listener answers. A page reads the store and fills a
 * reply; it never writes, never blocks on the network and knows nothing of
 * the HTTP library (the listener, fetch/serve.c, turns requests into a
 * struct web_request and sends the struct web_reply back).
 */
#ifndef SW_WEB_H
#define SW_WEB_H

#include "common/buf.h"

struct config;
struct metrics;
struct store;

/*
 * What every page may read. The store is the daemon's own handle, used for
 * reads only; a page that reads it may run off the loop (web_answer_start),
 * with the config held for it and no metrics.
 */
struct web_ctx {
	struct store *store;
	const struct config *cfg;
	struct metrics *metrics; /* counters of the running daemon */
	double now;		 /* wall clock of the request */
	/*
	 * Seconds the loop had been busy since it last woke when the request
	 * came (added by the listener for /healthz; 0 when not known): a large
	 * value means something holds the loop.
	 */
	double loop_lag;
	/*
	 * Where a page puts what it would log (why the store failed), when
	 * set: a page run off the loop logs nothing; its caller logs this on
	 * the loop. NULL: the page logs it (web_note).
	 */
	char *note;
	size_t notelen;
};

struct web_request {
	const char *method; /* "GET" or "HEAD"; other methods never reach a page */
	const char *path;   /* percent-decoded path without the query, starts with '/' */
	/* The decoded value of query argument NAME, or NULL when it is absent. */
	const char *(*arg)(const struct web_request *req, const char *name);
	void *impl; /* the listener's own */
};

struct web_reply {
	int status;		  /* HTTP status code */
	const char *content_type; /* a static string */
	struct buf body;
	/*
	 * Cache-Control, a static string; NULL: "no-cache". Only for a body
	 * whose URL changes with it (the style sheet's ?v=).
	 */
	const char *cache_control;
};

/* A page: answers REQ into OUT (OUT->body starts empty, status 200). A bad
   query value is a 400 with a plain-text body that names the argument. */
typedef void (*web_page_fn)(const struct web_ctx *ctx, const struct web_request *req,
			    struct web_reply *out);

/* Picks the page for REQ->path (daemon/web/router.c) and fills OUT; 404
   for a path no page answers. With the store on this thread. */
void web_answer(const struct web_ctx *ctx, const struct web_request *req, struct web_reply *out);

/*
 * web_answer in steps, for a listener that keeps the store off its loop.
 * web_answer_start, on the loop, answers what needs no store (returns 1:
 * OUT is the answer; ctx->store unused). Else (0) web_answer_store runs
 * where the store may be used: it reads ctx->store and ctx->cfg, never
 * ctx->metrics, logs nothing (ctx->note) and may run on another thread;
 * then web_answer_finish, on the loop, completes OUT (ctx->store unused).
 * REQ is the same request each time.
 */
int web_answer_start(const struct web_ctx *ctx, const struct web_request *req,
		     struct web_reply *out);
void web_answer_store(const struct web_ctx *ctx, const struct web_request *req,
		      struct web_reply *out);
void web_answer_finish(const struct web_ctx *ctx, const struct web_request *req,
		       struct web_reply *out);

/* A page's log line: into ctx->note when set (the first one kept), else logged now. */
__attribute__((format(printf, 2, 3))) void web_note(const struct web_ctx *ctx, const char *fmt,
						    ...);

#endif
