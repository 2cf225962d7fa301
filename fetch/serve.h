/*
 * fetch/serve: a small read-only HTTP listener (libmicrohttpd) on the
 * caller's libev loop. It answers GET and HEAD only (405 otherwise), serves
 * no file and no directory, and bounds everything a client controls: the
 * number of connections (in all and per address), the memory of a request
 * (request line and headers: 431 or 414 beyond it), the idle time of a
 * connection, the length of the path and of the query. What a request gets
 * is the caller's answer function's, called on the loop; this module knows
 * no page. A client that keeps a connection alive by dribbling bytes is cut
 * off by a deadline: each request must be received and answered within
 * SERVE_REQUEST_DEADLINE of the connection's start or its previous request.
 */
#ifndef SW_SERVE_H
#define SW_SERVE_H

#include <stddef.h>
#include <sys/socket.h>

#include "common/buf.h"

struct ev_loop;
struct serve;

/* Limits a client cannot pass (speechwatch.conf(5), [http]). */
#define SERVE_MAX_CLIENTS 64	    /* connections at once */
#define SERVE_MAX_PER_ADDRESS 16    /* connections at once from one address */
#define SERVE_IDLE_TIMEOUT 10	    /* seconds a connection may stay silent */
#define SERVE_REQUEST_DEADLINE 30.0 /* seconds for a whole request (serve_set_deadline) */
#define SERVE_REQUEST_MEMORY 16384  /* bytes for request line and headers */
#define SERVE_PATH_MAX 1024	    /* bytes of the decoded path: 414 beyond */
#define SERVE_QUERY_MAX_ARGS 32	    /* query arguments: 400 beyond */
#define SERVE_QUERY_MAX_BYTES 1024  /* bytes of one argument's name and value: 400 */

/*
 * One request as the answer function sees it. Strings are borrowed for the
 * call. path is percent-decoded, without the query; a "%00" is left as it is
 * (never a NUL), so no path or argument holds one.
 */
struct serve_request {
	const char *method; /* "GET" or "HEAD" */
	const char *path;
	/* The decoded value of query argument NAME (UTF-8), or NULL when absent. */
	const char *(*arg)(const struct serve_request *req, const char *name);
	/*
	 * Calls fn for every query argument in the request's order (value NULL
	 * for a bare name): to copy them for an answer made later.
	 */
	void (*each_arg)(const struct serve_request *req,
			 void (*fn)(void *cls, const char *name, const char *value), void *cls);
	const char *remote;	   /* the client's numeric address */
	const char *authorization; /* the Authorization header, or NULL */
	const char *host;	   /* the Host header, or NULL */
	void *impl;		   /* serve.c's own */
};

/*
 * What to send. A 401 carries WWW-Authenticate: Bearer; every reply carries
 * X-Content-Type-Options: nosniff, a Content-Security-Policy that allows no
 * script (styles and images from the listener only), Cache-Control
 * (cache_control, else no-cache), Referrer-Policy: no-referrer and
 * X-Frame-Options: DENY. For HEAD, the body only gives the Content-Length.
 */
struct serve_reply {
	int status;
	const char *content_type;  /* a static string */
	struct buf body;	   /* taken by the listener */
	const char *cache_control; /* a static string; NULL: "no-cache" */
};

/*
 * Fills OUT (status 200, text/plain, empty body) for REQ, on the loop; it
 * must not block: an answer that needs slow work defers it (serve_defer).
 * The body may come with memory of an earlier reply's (appending to it
 * reuses that memory).
 */
typedef void serve_answer_fn(void *arg, const struct serve_request *req, struct serve_reply *out);

/*
 * A deferred answer. Called inside the answer function, serve_defer says
 * that the reply comes later (OUT is then ignored) and returns the handle
 * to give it with; the caller must give the handle to serve_finish exactly
 * once, from the loop, even when the reply no longer matters. Meanwhile the
 * connection waits (MHD suspends it): it still counts against the
 * connection limits, and the request's deadline still holds: when it
 * passes first, the listener answers 503 itself. A client that hangs up
 * meanwhile is seen when the answer is sent; serve_free closes a waiting
 * connection. Either way the handle stays the caller's until serve_finish.
 */
struct serve_pending;

struct serve_pending *serve_defer(const struct serve_request *req);

/*
 * Sends OUT (its body taken) as p's answer when the request still waits
 * for it, else drops it (deadline passed, connection closed, listener
 * freed); OUT NULL: 503, no answer could be made. Frees p. On the loop.
 */
void serve_finish(struct serve_pending *p, struct serve_reply *out);

/*
 * Starts listening on ADDR (AF_INET or AF_INET6; port 0 picks a free one)
 * with the loop's watchers. answer(arg, ...) answers each request. NULL with
 * err set ("ADDRESS: why") when the address cannot be bound.
 */
struct serve *serve_new(struct ev_loop *loop, const struct sockaddr *addr, socklen_t addrlen,
			serve_answer_fn *answer, void *arg, char *err, size_t errlen);
/* The deadline of a request, in seconds (SERVE_REQUEST_DEADLINE unless set). */
void serve_set_deadline(struct serve *sv, double seconds);
/* The port it listens on (the one chosen for port 0). */
int serve_port(const struct serve *sv);
/* Stops the watchers, closes every connection and the listening socket. NULL is a no-op. */
void serve_free(struct serve *sv);

#endif
