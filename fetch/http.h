/*
 * fetch/http: every network transfer of the daemon. One libcurl multi handle
 * driven by the daemon's libev loop (multi-socket API: an ev_io per socket,
 * one ev_timer). Requests are asynchronous; completion is reported through a
 * callback from inside the loop. No blocking calls, no threads.
 *
 * Safety limits apply to every transfer (hardening.md): http/https only
 * (redirects too), bounded redirects, connect/total/low-speed timeouts, a cap
 * on decoded body bytes and on header bytes, TLS verification on, no cookie
 * engine, no proxy unless configured. Connections to loopback, private,
 * link-local, multicast or reserved addresses are refused before connect
 * unless the request says the operator wrote that host (see http_req.trusted).
 * Behind a proxy, which resolves names itself, each target (redirects too)
 * is refused by name or literal before the proxy is asked.
 */
#ifndef SW_FETCH_HTTP_H
#define SW_FETCH_HTTP_H

#include <stddef.h>

struct ev_loop;
struct http;
struct http_req_handle;

/* Closed list of failure classes; daemon/ decides what each means. */
enum http_result {
	HTTP_RES_OK = 0,    /* a response arrived (any status; see .status) */
	HTTP_RES_NETWORK,   /* resolve/connect/reset */
	HTTP_RES_TIMEOUT,   /* connect, total or low-speed limit */
	HTTP_RES_TOO_BIG,   /* body or headers over the cap (decoded bytes) */
	HTTP_RES_BLOCKED,   /* address or protocol refused by policy */
	HTTP_RES_REDIRECTS, /* more than max_redirects */
	HTTP_RES_TLS,	    /* certificate or handshake */
	HTTP_RES_PROTOCOL,  /* malformed response, bad encoding, a protocol's refusal */
	HTTP_RES_CANCELLED, /* http_cancel() or http_free() */
};

/*
 * Daemon-wide settings, given once to http_new(). Zero fields take defaults.
 * Requests beyond max_connections (or max_per_host for their host and port,
 * or their proxy) wait in the engine's queue, oldest first, and their
 * timeouts start when they do; a host at its limit does not hold up others.
 */
struct http_config {
	const char *user_agent;
	long max_connections;	/* transfers at a time, whole daemon (default 32) */
	long max_per_host;	/* politeness (default 2) */
	long connect_timeout_s; /* default 15 */
	long timeout_s;		/* whole transfer, default 60 */
	long low_speed_bytes;	/* abort below this many bytes/s ... (default 100) */
	long low_speed_time_s;	/* ... for this long (default 20) */
	size_t max_body;	/* decoded body bytes, default 8 MiB */
	size_t max_header;	/* all header bytes, default 64 KiB */
	long max_redirects;	/* default 5 */
	const char *proxy;	/* NULL: none (environment *_proxy ignored) */
	int allow_private;	/* 1: private/loopback allowed for every request */
	/*
	 * Requests with .render set (fetch/render.h): the browser's path (NULL:
	 * the first of chromium, chromium-browser, google-chrome in PATH) and
	 * how many browsers run at a time (default 1; the others wait, oldest
	 * first). Their deadline is timeout_s, their largest page max_body.
	 */
	const char *browser;
	long max_renders;
};

/* One request. All strings are borrowed and copied by http_start(). */
struct http_req {
	const char *url;
	const char *method; /* "GET" (default), "POST" or "PUT" */
	/*
	 * NULL-terminated "Name: value" list, or NULL. Sent to url's origin
	 * (scheme, host, port) only: once a redirect leaves it, never again.
	 */
	const char *const *headers;
	const void *body; /* POST or PUT body */
	size_t body_len;
	const char *if_none_match;     /* stored ETag for conditional GET, or NULL */
	const char *if_modified_since; /* stored Last-Modified, or NULL */
	int follow_redirects;	       /* 1 for pages; 0 for webhooks (3xx is an answer) */
	int trusted;	   /* 1: the operator wrote this URL's host, so it may be private */
	int allow_private; /* 1: any host may be private (per-source allow_private) */
	const char *proxy; /* overrides http_config.proxy; "" = none */
	long timeout_s;	   /* 0: the daemon default */
	size_t max_body;   /* 0: the daemon default */
	/*
	 * 1: a headless browser loads url and its DOM, after the page's scripts
	 * ran, is the body (status 200, text/html in UTF-8; no conditional GET,
	 * no custom headers). Only for a host the operator wrote (trusted) or
	 * allow_private: the browser resolves names itself, so the address
	 * policy cannot follow it; a link whose path ends in .pdf neither. Any
	 * other request is an ordinary transfer. The engine's loop must be
	 * the default loop (the browser is watched with ev_child).
	 */
	int render;
};

/* What came back. Valid only during the done callback. */
struct http_response {
	enum http_result result;
	long status;	  /* HTTP status, 0 if none */
	const char *body; /* decoded bytes, NUL-terminated for convenience */
	size_t body_len;
	const char *content_type;  /* or NULL */
	const char *etag;	   /* or NULL */
	const char *last_modified; /* or NULL */
	const char *final_url;	   /* after redirects */
	long retry_after_s;	   /* from Retry-After (seconds), 0 if absent */
	const char *error;	   /* human-readable reason when result != OK, else NULL */
	double elapsed_s;
	/*
	 * What a protocol module reports beside the result: a partial failure
	 * the transfer survived (for mail, the recipients refused while
	 * others were accepted). Raw server bytes: escape before showing. NULL
	 * when there is none (always for plain HTTP).
	 */
	const char *protocol_note;
};

/* Called exactly once per started request, from inside the loop. */
typedef void http_done_fn(const struct http_response *resp, void *arg);

/* Creates the engine on loop. cfg is copied. Returns NULL with err filled. */
struct http *http_new(struct ev_loop *loop, const struct http_config *cfg, char *err,
		      size_t errlen);

/*
 * Replaces the engine's settings (a reload), as http_new() would take cfg.
 * Requests started from now on get the new address policy, proxy, timeouts,
 * limits and user agent; those already started or queued keep what they
 * were given, and new connection limits apply as slots free. Returns -1
 * with err filled when cfg is invalid (the settings are then unchanged) or
 * curl refuses the new connection limits.
 */
int http_reconfigure(struct http *h, const struct http_config *cfg, char *err, size_t errlen);

/*
 * Cancels every pending request, queued ones included (their callbacks run
 * with CANCELLED and cannot start new ones) and frees. Not from inside a
 * done callback: the engine hands the freed slot on after it returns.
 */
void http_free(struct http *h);

/*
 * Starts a request, or queues it until a connection slot is free; done(resp,
 * arg) runs later, never from inside this call. Returns a handle valid until
 * done runs, or NULL if the request is malformed (done is then not called
 * and err says why). A failure to set up curl when the request leaves the
 * queue comes to done as HTTP_RES_NETWORK.
 */
struct http_req_handle *http_start(struct http *h, const struct http_req *req, http_done_fn *done,
				   void *arg, char *err, size_t errlen);

/*
 * Cancels a pending request, queued or in flight: its done callback runs
 * with HTTP_RES_CANCELLED inside this call.
 */
void http_cancel(struct http *h, struct http_req_handle *r);

/* Number of requests started and not yet completed (queued ones included). */
size_t http_pending(const struct http *h);

/* Where the pending requests are; the rest have failed and await their callback. */
struct http_stats {
	size_t pending; /* as http_pending() */
	size_t queued;	/* waiting for a connection slot */
	size_t active;	/* in flight, at most max_connections */
};
void http_stats(const struct http *h, struct http_stats *st);

/* Name of a result class, for logs ("timeout", "too-big", ...). */
const char *http_result_name(enum http_result r);

#endif
