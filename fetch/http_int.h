/*
 * fetch/http internals shared by http.c (engine, completion), http_queue.c
 * (the queue of requests waiting for a connection slot), http_req.c (one
 * transfer: options, callbacks, policy hooks), http_ev.c (libev glue) and
 * http_addr.c (the pure SSRF address policy), and with the protocol modules
 * of fetch/, which plug in through struct http_proto.
 */
#ifndef SW_FETCH_HTTP_INT_H
#define SW_FETCH_HTTP_INT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <curl/curl.h>
#include <ev.h>

#include "common/buf.h"
#include "fetch/http.h"

/* Where a request is: exactly one of these until it is freed. */
enum http_req_state {
	REQ_NEW,	   /* set up, not yet queued */
	REQ_QUEUED,	   /* waiting for a slot in its host's queue; no easy handle yet */
	REQ_ACTIVE,	   /* easy handle inside the multi handle */
	REQ_DEFERRED,	   /* failed before curl ran it; done runs from defer_timer */
	REQ_FINISHING,	   /* its done callback is running */
	REQ_RENDER_QUEUED, /* a render waiting for a browser slot (http_render.c) */
	REQ_RENDERING,	   /* its browser runs */
};

/* One socket curl asked us to watch (CURLMOPT_SOCKETFUNCTION). */
struct http_sock {
	struct ev_io io;
	struct http *h;
	LIST_ENTRY(http_sock) entry;
};

struct http_req_handle;
struct render_job;

/*
 * What a protocol adds to the transport: the URL schemes it may use and
 * hooks into the response handling, with data it owns (http_req_base).
 * Plain HTTP is one (no hooks); a protocol module in fetch/ that builds its
 * handles with http_req_base_new() brings its own.
 */
struct http_proto {
	const char *scheme;	/* the plain-text scheme, e.g. "http" */
	const char *tls_scheme; /* its TLS form, e.g. "https"; no other is allowed */
	/*
	 * Sets the protocol's own options on r->easy, which already carries
	 * the transport's (limits, timeouts, callbacks, URL, proxy). Runs when
	 * the request leaves the queue, so whatever it needs must live in the
	 * protocol's data until then. Returns the first failing option's code,
	 * which fails the request (HTTP_RES_NETWORK, "curl setup: ..."). NULL: none.
	 */
	CURLcode (*setup)(struct http_req_handle *r, void *data);
	/*
	 * Every header line curl hands to CURLOPT_HEADERFUNCTION (for a
	 * line-based protocol: every reply line of the server), after the
	 * header cap let it through. May replace r->body. NULL: none.
	 */
	void (*header_line)(struct http_req_handle *r, void *data, const char *line, size_t len);
	/*
	 * Runs before the transport classifies a finished transfer, unless the
	 * transport has a reason of its own (a policy refusal, a cap). Returns
	 * 1 with *res set when the protocol decides the outcome, 0 to leave it
	 * to curl's code. *msg arrives holding curl's message (NULL when rc is
	 * CURLE_OK); on 1 it may be replaced by a string living as long as r.
	 */
	int (*classify)(const struct http_req_handle *r, void *data, CURLcode rc,
			enum http_result *res, const char **msg);
	/* Frees the protocol's data with the handle, after curl let go of it. NULL: none. */
	void (*free)(void *data);
};

/*
 * One request. While it waits in the queue it holds only what building its
 * easy handle needs (URL, proxy, limits, the protocol's data); the easy
 * handle and the error buffer exist from its start on.
 */
struct http_req_handle {
	TAILQ_ENTRY(http_req_handle) entry; /* in h->active, h->deferred or its host's queue */
	struct http *h;
	struct http_host *host; /* its slot's owner while QUEUED or ACTIVE, else NULL */
	uint64_t seq;		/* queueing order */
	CURL *easy;		/* NULL until the request starts */
	enum http_req_state state;
	http_done_fn *done;
	void *arg;
	char *url;
	/* url parsed once (a URL parse is a tenth of a quiet poll): its result, scheme, port */
	int url_rc;	   /* CURLUcode of the parse */
	char *orig_scheme; /* NULL if absent or unparsable */
	char *orig_host;   /* host of url (lower-cased by curl_url), or NULL */
	char *orig_port;   /* with the scheme's default filled in, or NULL */
	/*
	 * The hop in flight when fetch/ follows redirects itself (http_hop.c):
	 * its URL and parts as above. NULL/unset before the first redirect.
	 */
	char *hop_url;
	int hop_rc;
	char *hop_scheme, *hop_host, *hop_port;
	int own_redirects; /* 1: curl does not follow; http_hop_next() does */
	int hops;	   /* redirects followed so far */
	int left_origin;   /* a hop left url's origin: custom headers are no longer sent */
	double spent;	   /* seconds the earlier hops took (the timeout covers all hops) */
	char *proxy;	   /* NULL: none */
	long timeout_s;	   /* 0: the daemon default */
	int trusted;
	int allow_private; /* request or daemon setting */
	int via_proxy;	   /* curl sees only the proxy's address: the target is checked by name */
	struct buf body;
	size_t max_body;
	size_t max_header;
	size_t header_bytes;
	int over_cap;	    /* 1 body, 2 headers: the write/header callback refused */
	char *deferred_err; /* our reason: policy refusal, cap, or a deferred error */
	enum http_result deferred_res;
	unsigned defer_gen;
	double started; /* monotonic seconds: queued, then started */
	/* Copies handed to the done callback. */
	char *etag, *last_modified, *content_type, *final_url;
	char *errbuf; /* CURL_ERROR_SIZE bytes, with the easy handle */
	/* The protocol spoken (never NULL) and its data, freed by proto->free. */
	const struct http_proto *proto;
	void *proto_data;
	int render;		       /* a browser loads it (http_req.render) */
	int rendered;		       /* the browser's DOM is the body */
	struct render_job *render_job; /* while REQ_RENDERING */
};

TAILQ_HEAD(http_req_list, http_req_handle);
LIST_HEAD(http_sock_list, http_sock);

/*
 * A connection-limit key: the URL's host and port, or the proxy every
 * request through it connects to. Exists while it has requests queued or
 * active (http_queue.c).
 */
struct http_host {
	struct http_host *next; /* hash chain */
	uint32_t hash;
	size_t active;		     /* started, not finished */
	size_t heap_at;		     /* index + 1 in h->ready; 0: not there */
	struct http_req_list queued; /* FIFO */
	char key[];
};

#define HTTP_EASY_POOL 64 /* handles kept; more in flight are cleaned up when done */

struct http {
	struct ev_loop *loop;
	CURLM *multi;
	struct ev_timer timer;	     /* CURLMOPT_TIMERFUNCTION */
	struct ev_timer defer_timer; /* runs deferred completions */
	struct http_config cfg;	     /* its strings point to the copies below */
	char *user_agent;
	char *proxy;
	struct http_req_list active;
	struct http_req_list deferred;
	struct http_sock_list socks;
	size_t pending;
	unsigned defer_gen;
	int closing;
	/* The queue (http_queue.c). */
	struct http_host **hosts; /* hash buckets, a power of two */
	size_t hosts_cap, nhosts;
	/* Hosts with a queued request and a free slot, a min-heap on their first request's seq. */
	struct http_host **ready;
	size_t nready, ready_cap;
	uint64_t seq;
	size_t nqueued, nactive;
	/*
	 * Easy handles of finished requests, reset, for the next ones:
	 * curl_easy_init + curl_easy_cleanup were a tenth of a quiet poll's
	 * instructions. Only options are reset; connections live in the multi.
	 */
	CURL *easy_pool[HTTP_EASY_POOL];
	size_t neasy;
	/* Renders (http_render.c): waiting for a browser, FIFO, and running. */
	struct http_req_list render_queue;
	struct http_req_list rendering;
	size_t nrendering;
	char *browser; /* h->cfg.browser's copy */
};

/* http.c: called by the glue when curl reports a transfer finished. */
void http_transfer_done(struct http_req_handle *r, CURLcode rc);
/* http.c: the one place a done callback is called; frees r and hands its slot on. */
void http_finish(struct http_req_handle *r, enum http_result res, const char *msg);
/* http.c: r fails with res from the loop (never from inside the caller); takes msg. */
void http_defer(struct http_req_handle *r, enum http_result res, char *msg);

/*
 * http_queue.c: at most max_connections requests active, at most
 * max_per_host of them per key; the others wait, in FIFO order, except
 * that a key at its limit does not hold up the keys queued behind it.
 */
void http_queue_init(struct http *h);
/* Frees the table; every request must be gone. */
void http_queue_close(struct http *h);
/* Queues r (REQ_NEW) under key (copied). Does not start it: see http_queue_pump. */
void http_queue_add(struct http_req_handle *r, const char *key);
/* Takes a QUEUED or ACTIVE r out of the counts and its host's queue. */
void http_queue_leave(struct http_req_handle *r);
/* Starts queued requests while there is room; a failed start is deferred. No callbacks run. */
void http_queue_pump(struct http *h);
/* The oldest queued request of a host with a free slot, or NULL. */
struct http_req_handle *http_queue_next(const struct http *h);
/* After h->cfg.max_per_host changed: which hosts have a free slot again. */
void http_queue_relimit(struct http *h);

/*
 * http_render.c: requests with render set run in a headless browser
 * (fetch/render.h), at most cfg.max_renders at a time, the others waiting
 * in FIFO order.
 */
/*
 * Whether a request asking for a browser gets one: its host is one the
 * address policy may skip (trusted or allow_private: the browser resolves
 * names itself), and its path does not name a PDF (read as a document, not
 * shown in a viewer). Others are ordinary transfers.
 */
int http_render_wanted(const struct http_req_handle *r);
/* Queues r (past its precheck), or defers its failure (no browser, credentials). */
void http_render_add(struct http_req_handle *r);
/* Starts waiting renders while a browser slot is free. No callbacks run. */
void http_render_pump(struct http *h);
/* Takes r out of the render lists, killing its browser; for http_detach. */
void http_render_leave(struct http_req_handle *r);
/* Fails every render, running and waiting, as cancelled (http_free). */
void http_render_cancel_all(struct http *h);

/* http_ev.c */
int http_ev_init(struct http *h, char *err, size_t errlen);
void http_ev_close(struct http *h);

/* http.c: queues r (from http_req_new or http_req_base_new) and takes ownership. */
struct http_req_handle *http_submit(struct http *h, struct http_req_handle *r, http_done_fn *done,
				    void *arg);

/* http_req.c */
#define REQ_SET(rc, e, opt, val)                                                                   \
	do {                                                                                       \
		if ((rc) == CURLE_OK)                                                              \
			(rc) = curl_easy_setopt((e), (opt), (val));                                \
	} while (0)

/* What every transfer shares, whatever the protocol. Strings are copied. */
struct http_req_base {
	const char *url;
	int trusted;
	int allow_private;
	const char *proxy;		/* NULL or "": none */
	long timeout_s;			/* 0: the daemon default */
	size_t max_body;		/* 0: the daemon default */
	const struct http_proto *proto; /* NULL: plain HTTP */
	void *proto_data;		/* handed to proto's hooks; owned by the handle */
};

double http_req_now(void);
/*
 * Scheme, host (lower-cased) and port (the scheme's default filled in) of
 * url as curl parses it; parts not asked for (NULL) are skipped, parts
 * missing stay NULL. Caller frees.
 */
CURLUcode http_req_url_parts(const char *url, char **scheme, char **host, char **port);
/* 1 if s holds a CR or LF. */
int http_req_has_crlf(const char *s);
/*
 * A request for http_submit, without an easy handle: http_req_build gives
 * it the limits, timeouts, TLS verification, SSRF hooks, capture callbacks
 * and allowed schemes (b->proto's) every transfer gets, then calls the
 * protocol's setup hook. Takes ownership of b->proto_data, also when it
 * fails. NULL with err filled.
 */
struct http_req_handle *http_req_base_new(struct http *h, const struct http_req_base *b, char *err,
					  size_t errlen);
struct http_req_handle *http_req_new(struct http *h, const struct http_req *req, char *err,
				     size_t errlen);
/*
 * Configures r->easy (from h's pool of reset handles, else a new one) when r
 * starts. -1 with *msg allocated on failure.
 */
int http_req_build(struct http_req_handle *r, char **msg);
/* Gives r's easy handle back to the pool, for a next hop built afresh. */
void http_req_release_easy(struct http_req_handle *r);
/* Cleans up the pooled handles (http_free, before the multi handle). */
void http_req_pool_free(struct http *h);
/*
 * Refuses what needs no network to refuse (see http_req.c). On HTTP_RES_OK
 * *key is the request's connection-limit key (caller frees).
 */
enum http_result http_req_precheck(const struct http_req_handle *r, char **msg, char **key);
enum http_result http_req_classify(struct http_req_handle *r, CURLcode rc, const char **msg);
void http_req_response(struct http_req_handle *r, enum http_result res, const char *msg,
		       struct http_response *resp);
void http_req_free(struct http_req_handle *r);

/*
 * http_hop.c: redirects fetch/ follows itself, for requests whose custom
 * headers must not cross to another origin and for requests through a
 * proxy, whose every target must pass the address policy before it is
 * asked for. Same rules as curl's own following: 301, 302, 303, 307 and
 * 308 with a Location, at most max_redirects hops, the protocol's schemes.
 */
/* The URL the next transfer of r asks for, and its parts. */
const char *http_hop_url(const struct http_req_handle *r);
/* 1 if the hop in flight is on url's origin (scheme, host and port). */
int http_hop_same_origin(const struct http_req_handle *r);
/*
 * With a proxy the target's addresses are never seen: refuses a target
 * host that is a private literal or a name that only resolves locally
 * (localhost, single labels, .local, .internal, ...), unless the request
 * may reach private hosts or the operator wrote this host. NULL if
 * allowed, else the reason (caller frees).
 */
char *http_hop_proxy_target_refused(const struct http_req_handle *r, const char *host);
/*
 * After a transfer of r finished without error: 0 if it is no redirect
 * to follow (it is the answer), 1 if r now describes the next hop (its
 * easy handle still held: the caller detaches and releases it), -1 with
 * *msg (allocated) when the hop limit is reached.
 */
int http_hop_next(struct http_req_handle *r, char **msg);

/*
 * http_addr.c: the SSRF policy. "Private" means loopback, private,
 * link-local, carrier-grade NAT, multicast, reserved, unspecified, or an
 * IPv6 form embedding such an IPv4 address (mapped, NAT64, 6to4).
 */
int http_addr_v4_is_private(uint32_t host_order);
int http_addr_v6_is_private(const uint8_t a[16]);
/* 1 if refused; an unknown family or short length counts as refused. */
int http_addr_is_private(const struct sockaddr *sa, size_t len);
/* Numeric address text ("10.0.0.1", "::1"); unparsable counts as refused. */
int http_addr_str_is_private(const char *ip);
/* Numeric text → sockaddr; -1 if not an address. */
int http_addr_parse(const char *ip, struct sockaddr_storage *ss, size_t *len);
/* Numeric text of sa into out; returns out. */
const char *http_addr_format(const struct sockaddr *sa, size_t len, char *out, size_t outlen);

#endif
