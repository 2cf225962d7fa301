/*
 * The HTTP listener on libev, through libmicrohttpd's external-event API.
 *
 * Why epoll and not MHD_get_fdset: MHD_USE_EPOLL without an internal thread
 * keeps every connection in one epoll set of MHD's own, whose descriptor
 * turns readable when any of them (or the listening socket) has work. One
 * ev_io on that descriptor and one ev_timer from MHD_get_timeout are all
 * the loop needs, and they never change while connections come and go.
 * MHD_get_fdset would have us rebuild an ev_io per socket at every turn,
 * and an fd_set cannot hold a descriptor above FD_SETSIZE (1024): a flood of
 * connections would push the daemon's own sockets past it. In this mode MHD
 * makes every socket non-blocking and calls back only from MHD_run, which
 * the loop calls; nothing here waits.
 *
 * The listening socket is made here (so that a bind failure says why, and
 * port 0 can be read back) and handed to MHD, which closes it.
 *
 * A deferred answer (serve_defer) suspends its connection: MHD then neither
 * reads it nor times it out nor notices a hang-up, so the deadline's sweep
 * watches it instead (answering 503 when it passes), and the handle's two
 * owners, the connection and the caller, each let go once (pending_detach
 * when the request is over, serve_finish); the last one frees it. MHD must
 * not be stopped with a connection suspended: serve_free resumes them first.
 */
#include "fetch/serve.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ev.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/err.h"
#include "common/log.h"
#include "common/xmalloc.h"
#include "fetch/serve_int.h"

#define LISTEN_BACKLOG 64

/* A sent body's memory is kept for the next reply up to this size. */
#define SPARE_MAX (2u << 20)

/* No script at all; the page's one stylesheet and images come from here. */
#define CSP                                                                                        \
	"default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "         \
	"base-uri 'none'; frame-ancestors 'none'"

/*
 * One connection's clock (its MHD socket context): when its current request
 * began (the connection's start or the end of its previous request).
 */
struct conn_clock {
	struct conn_clock *prev, *next;
	int fd;
	double since;
	int cut; /* shut down for its deadline; MHD closes it at its next run */
	struct serve_pending *pending; /* the deferred answer it waits for, or NULL */
};

/* A deferred answer (serve.h); see the top of this file for its owners. */
struct serve_pending {
	struct serve *sv; /* NULL once the request is over: the connection let go */
	struct MHD_Connection *conn;
	struct conn_clock *clock;
	struct serve_pending *prev, *next; /* sv->pendings, while sv is set */
	int ready;			   /* reply holds the answer to send */
	int suspended;			   /* MHD_suspend_connection ran and no resume since */
	int caller_done;		   /* serve_finish ran */
	struct serve_reply reply;
};

/* A request's MHD context (*con_cls) when it is not a deferred answer's handle. */
static char mark_started; /* the headers are in: the answer comes with the last call */
static char mark_replied; /* a reply is queued */

struct serve {
	struct ev_loop *loop;
	struct MHD_Daemon *mhd;
	ev_io io;	/* MHD's epoll descriptor */
	ev_timer timer; /* MHD_get_timeout */
	ev_timer sweep; /* the deadline's check, while there are connections */
	struct conn_clock *clocks;
	struct serve_pending *pendings; /* deferred answers whose request is not over */
	double deadline;
	serve_answer_fn *answer;
	void *arg;
	int port;
	/*
	 * The memory of the last body MHD is done with, for the next page to
	 * write into: a /metrics body of 150 KB, malloc'd and freed at every
	 * scrape, came back from the heap as fresh pages (page faults at each
	 * scrape, once a second).
	 */
	struct buf spare;
};

/* A body on its way out: its memory goes back to the listener once sent. */
struct sent_body {
	struct serve *sv;
	struct buf body;
};

/* What serve_request.impl points to. */
struct request_impl {
	struct serve *sv;
	struct MHD_Connection *conn;
	struct serve_pending *deferred; /* set by serve_defer */
	char remote[INET6_ADDRSTRLEN + 1];
};

static unsigned connections(struct serve *sv)
{
	const union MHD_DaemonInfo *info =
	    MHD_get_daemon_info(sv->mhd, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);

	return info ? info->num_connections : 0;
}

/*
 * Re-arms the timer by what MHD wants next (MHD_NO: no deadline pending).
 * at_once: run again at the next turn whatever MHD says. MHD takes its
 * listening socket out of its epoll set at the connection limit and puts it
 * back only at the start of a run: when a run closed connections, the next
 * run must come at once, or a listener that was full would wait for an
 * event that cannot come (no connection left, no deadline) and never accept
 * again.
 */
static void arm_timer(struct serve *sv, int at_once)
{
	MHD_UNSIGNED_LONG_LONG ms = 0;

	ev_timer_stop(sv->loop, &sv->timer);
	if (!at_once && MHD_get_timeout(sv->mhd, &ms) != MHD_YES)
		return;
	/* fractional seconds: 999 ms must not become 0; 0 runs MHD at the next turn */
	ev_timer_set(&sv->timer, (double)ms / 1000.0, 0.0);
	ev_timer_start(sv->loop, &sv->timer);
}

static void run_mhd(struct serve *sv)
{
	unsigned before = connections(sv);

	if (MHD_run(sv->mhd) != MHD_YES)
		log_warnx("http listener: MHD_run failed");
	arm_timer(sv, connections(sv) < before);
}

/*
 * The connection lets go of p: its request is over (answered, closed, or
 * the listener freed). Frees p when the caller has let go too.
 */
static void pending_detach(struct serve_pending *p)
{
	struct serve *sv = p->sv;

	if (sv == NULL)
		return;
	if (p->prev)
		p->prev->next = p->next;
	else
		sv->pendings = p->next;
	if (p->next)
		p->next->prev = p->prev;
	if (p->clock)
		p->clock->pending = NULL;
	p->sv = NULL;
	p->conn = NULL;
	p->clock = NULL;
	buf_free(&p->reply.body); /* an answer never sent */
	if (p->caller_done)
		free(p);
}

/* p's answer is in p->reply: a suspended connection resumes, MHD runs at the next turn. */
static void pending_ready(struct serve_pending *p)
{
	p->ready = 1;
	if (!p->suspended)
		return; /* still inside the answer function: request_cb sends it */
	p->suspended = 0;
	MHD_resume_connection(p->conn);
	arm_timer(p->sv, 1);
}

static void reply_text(struct serve_reply *out, int status, const char *text)
{
	out->status = status;
	out->content_type = "text/plain; charset=utf-8";
	buf_reset(&out->body);
	buf_printf(&out->body, "%s\n", text);
}

/* The listener answers p itself (deadline, closing): 503 with why. */
static void pending_refuse(struct serve_pending *p, const char *why)
{
	p->reply.cache_control = NULL;
	reply_text(&p->reply, MHD_HTTP_SERVICE_UNAVAILABLE, why);
	pending_ready(p);
}

struct serve_pending *serve_defer(const struct serve_request *req)
{
	struct request_impl *ri = req->impl;
	struct serve *sv = ri->sv;
	struct serve_pending *p = xcalloc(1, sizeof(*p));
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(ri->conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	p->sv = sv;
	p->conn = ri->conn;
	p->clock = ci ? ci->socket_context : NULL;
	if (p->clock)
		p->clock->pending = p;
	p->next = sv->pendings;
	if (sv->pendings)
		sv->pendings->prev = p;
	sv->pendings = p;
	ri->deferred = p;
	return p;
}

void serve_finish(struct serve_pending *p, struct serve_reply *out)
{
	if (p->sv != NULL && !p->ready) {
		if (out != NULL) {
			p->reply = *out;
			buf_init(&out->body);
			pending_ready(p);
		} else {
			pending_refuse(p, "the answer could not be made");
		}
	} else if (out != NULL) {
		buf_free(&out->body);
	}
	p->caller_done = 1;
	if (p->sv == NULL)
		free(p);
}

/* ev_io callback: MHD's epoll descriptor is readable. */
static void io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	(void)loop;
	(void)revents;
	run_mhd(w->data);
}

/* ev_timer callback: a deadline of MHD's (idle connections, pending data). */
static void timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	run_mhd(w->data);
}

/*
 * ev_timer callback: shuts down the sockets of the requests past their
 * deadline. MHD's idle timeout does not catch a client that sends a byte
 * now and then; the shutdown makes MHD see the end of the connection (an
 * event on its epoll set) and close it as any other.
 */
static void sweep_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct serve *sv = w->data;
	double now = ev_now(loop);

	(void)revents;
	for (struct conn_clock *c = sv->clocks; c; c = c->next) {
		if (c->cut || now - c->since <= sv->deadline)
			continue;
		if (c->pending != NULL) { /* suspended: MHD would not see a shutdown */
			if (!c->pending->ready) {
				log_debug("http listener: an answer took more than %.0fs: 503",
					  sv->deadline);
				pending_refuse(c->pending, "the answer took too long");
			}
			continue;
		}
		log_debug("http listener: a request took more than %.0fs: connection closed",
			  sv->deadline);
		shutdown(c->fd, SHUT_RDWR);
		c->cut = 1;
	}
}

static void sweep_arm(struct serve *sv)
{
	double period = sv->deadline / 4 < 5 ? sv->deadline / 4 : 5;

	ev_timer_set(&sv->sweep, period, period);
	if (sv->clocks != NULL && !ev_is_active(&sv->sweep))
		ev_timer_start(sv->loop, &sv->sweep);
	else if (sv->clocks == NULL)
		ev_timer_stop(sv->loop, &sv->sweep);
}

/* MHD_OPTION_NOTIFY_CONNECTION: a connection's clock, from its start to its close. */
static void conn_cb(void *cls, struct MHD_Connection *conn, void **socket_context,
		    enum MHD_ConnectionNotificationCode toe)
{
	struct serve *sv = cls;
	struct conn_clock *c = *socket_context;
	const union MHD_ConnectionInfo *ci;

	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
		c = xcalloc(1, sizeof(*c));
		c->fd = ci ? ci->connect_fd : -1;
		c->cut = c->fd < 0;
		c->since = ev_now(sv->loop);
		c->next = sv->clocks;
		if (sv->clocks)
			sv->clocks->prev = c;
		sv->clocks = c;
		*socket_context = c;
	} else if (c != NULL) {
		if (c->pending)
			pending_detach(c->pending);
		if (c->prev)
			c->prev->next = c->next;
		else
			sv->clocks = c->next;
		if (c->next)
			c->next->prev = c->prev;
		free(c);
		*socket_context = NULL;
	}
	sweep_arm(sv);
}

/* MHD_OPTION_NOTIFY_COMPLETED: the connection's next request starts its clock now. */
static void completed_cb(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct serve *sv = cls;
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	struct conn_clock *c = ci ? ci->socket_context : NULL;
	void *ctx = *con_cls;

	(void)toe;
	if (ctx != NULL && ctx != &mark_started && ctx != &mark_replied)
		pending_detach(ctx); /* ended before its answer was sent */
	if (c != NULL)
		c->since = ev_now(sv->loop);
}

/* MHD_OPTION_EXTERNAL_LOGGER: MHD's notes (a flood would log one per refused connection). */
static void mhd_log_cb(void *cls, const char *fmt, va_list ap)
{
	char msg[256];

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	msg[strcspn(msg, "\n")] = '\0';
	log_debug("http listener: %s", msg);
}

/* serve_request.arg */
static const char *request_arg(const struct serve_request *req, const char *name)
{
	const struct request_impl *ri = req->impl;

	return MHD_lookup_connection_value(ri->conn, MHD_GET_ARGUMENT_KIND, name);
}

struct each_arg {
	void (*fn)(void *cls, const char *name, const char *value);
	void *cls;
};

/* MHD_KeyValueIterator: one argument to serve_request.each_arg's fn. */
static enum MHD_Result each_arg_cb(void *cls, enum MHD_ValueKind kind, const char *key,
				   const char *value)
{
	struct each_arg *e = cls;

	(void)kind;
	e->fn(e->cls, key, value);
	return MHD_YES;
}

/* serve_request.each_arg */
static void request_each_arg(const struct serve_request *req,
			     void (*fn)(void *cls, const char *name, const char *value), void *cls)
{
	const struct request_impl *ri = req->impl;
	struct each_arg e = {fn, cls};

	MHD_get_connection_values(ri->conn, MHD_GET_ARGUMENT_KIND, each_arg_cb, &e);
}

static void client_address(struct MHD_Connection *conn, char *out, size_t outlen)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;
	socklen_t len = sa && sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
							: sizeof(struct sockaddr_in);

	if (sa == NULL || getnameinfo(sa, len, out, (socklen_t)outlen, NULL, 0, NI_NUMERICHOST))
		snprintf(out, outlen, "?");
}

static int add_headers(struct MHD_Response *r, const struct serve_reply *out)
{
	int ok = MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, out->content_type) &&
		 MHD_add_response_header(r, "X-Content-Type-Options", "nosniff") &&
		 MHD_add_response_header(r, "Content-Security-Policy", CSP) &&
		 MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL,
					 out->cache_control ? out->cache_control : "no-cache") &&
		 MHD_add_response_header(r, "Referrer-Policy", "no-referrer") &&
		 MHD_add_response_header(r, "X-Frame-Options", "DENY");

	if (ok && out->status == MHD_HTTP_METHOD_NOT_ALLOWED)
		ok = MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	if (ok && out->status == MHD_HTTP_UNAUTHORIZED)
		ok = MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
					     "Bearer realm=\"speechwatch\"");
	return ok;
}

/* MHD_ContentReaderFreeCallback: the body is sent (or dropped); its memory is the spare. */
static void body_done(void *cls)
{
	struct sent_body *sb = cls;
	struct serve *sv = sb->sv;

	if (sv->spare.data == NULL && sb->body.cap <= SPARE_MAX) {
		sv->spare = sb->body;
		buf_reset(&sv->spare);
	} else {
		buf_free(&sb->body);
	}
	free(sb);
}

/* Queues OUT on conn, taking its body. */
static enum MHD_Result send_reply(struct serve *sv, struct MHD_Connection *conn,
				  struct serve_reply *out)
{
	struct sent_body *sb = xmalloc(sizeof(*sb));
	struct MHD_Response *r;
	enum MHD_Result rc;

	sb->sv = sv;
	sb->body = out->body;
	buf_init(&out->body);
	if (sb->body.data == NULL)
		buf_reserve(&sb->body, 0);
	r = MHD_create_response_from_buffer_with_free_callback_cls(sb->body.len, sb->body.data,
								   body_done, sb);
	if (r == NULL) {
		body_done(sb);
		return MHD_NO;
	}
	rc = add_headers(r, out) ? MHD_queue_response(conn, (unsigned)out->status, r) : MHD_NO;
	MHD_destroy_response(r);
	return rc;
}

/* The request announces a body (a GET or HEAD has none to give). */
static int has_body(struct MHD_Connection *conn)
{
	const char *len =
	    MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);

	return (len != NULL && strcmp(len, "0") != 0) ||
	       MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
					   MHD_HTTP_HEADER_TRANSFER_ENCODING) != NULL;
}

/* The listener's own refusals, before any page: method, path, query. 0: none. */
static int refuse(struct MHD_Connection *conn, const char *method, const char *url,
		  struct serve_reply *out)
{
	char why[160];

	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0) {
		reply_text(out, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed: GET or HEAD");
		return 1;
	}
	if (strlen(url) > SERVE_PATH_MAX) {
		reply_text(out, MHD_HTTP_URI_TOO_LONG, "path too long");
		return 1;
	}
	if (has_body(conn)) {
		reply_text(out, MHD_HTTP_CONTENT_TOO_LARGE, "a request body is not accepted");
		return 1;
	}
	if (serve_query_refused(conn, why, sizeof(why))) {
		reply_text(out, MHD_HTTP_BAD_REQUEST, why);
		return 1;
	}
	return 0;
}

/* Calls the answer function; the handle when it deferred its answer, else NULL. */
static struct serve_pending *answer_request(struct serve *sv, struct MHD_Connection *conn,
					    const char *method, const char *url,
					    struct serve_reply *out)
{
	struct request_impl ri = {sv, conn, NULL, ""};
	struct serve_request req = {method,    url,  request_arg, request_each_arg,
				    ri.remote, NULL, NULL,	  &ri};

	client_address(conn, ri.remote, sizeof(ri.remote));
	req.authorization =
	    MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	req.host = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
	sv->answer(sv->arg, &req, out);
	return ri.deferred;
}

/* Sends p's answer on its connection: the request is over for p. */
static enum MHD_Result send_pending(struct serve *sv, struct MHD_Connection *conn,
				    struct serve_pending *p, void **con_cls)
{
	enum MHD_Result rc = send_reply(sv, conn, &p->reply);

	*con_cls = &mark_replied;
	pending_detach(p);
	return rc;
}

/* The answer function deferred p: the connection waits, unless p is answered already. */
static enum MHD_Result wait_pending(struct serve *sv, struct MHD_Connection *conn,
				    struct serve_pending *p, struct serve_reply *unused,
				    void **con_cls)
{
	if (sv->spare.data == NULL) /* the memory the page did not write into */
		sv->spare = unused->body;
	else
		buf_free(&unused->body);
	buf_reset(&sv->spare);
	*con_cls = p;
	if (p->ready)
		return send_pending(sv, conn, p, con_cls);
	MHD_suspend_connection(conn);
	p->suspended = 1;
	return MHD_YES;
}

/*
 * MHD_AccessHandlerCallback. The first call (the headers are in) only
 * refuses what the listener refuses; a byte of a body is refused at once
 * (413); the last call (the request is complete) answers. A reply queued
 * before the request is complete would cost the connection's keep-alive.
 */
static enum MHD_Result request_cb(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	struct serve *sv = cls;
	struct serve_reply out = {200, "text/plain; charset=utf-8", {NULL, 0, 0}, NULL};
	struct serve_pending *p;
	enum MHD_Result rc;

	(void)version;
	(void)upload_data;
	if (*con_cls != NULL && *con_cls != &mark_started) {
		*upload_data_size = 0;
		p = *con_cls == &mark_replied ? NULL : *con_cls;
		/* resumed: its answer is ready (a suspended connection is not called) */
		return p && p->ready ? send_pending(sv, conn, p, con_cls) : MHD_YES;
	}
	if (*con_cls == NULL) {
		*con_cls = &mark_started;
		if (!refuse(conn, method, url, &out))
			return MHD_YES;
	} else if (*upload_data_size != 0) {
		*upload_data_size = 0;
		reply_text(&out, MHD_HTTP_CONTENT_TOO_LARGE, "a request body is not accepted");
	} else {
		out.body = sv->spare; /* empty: the page appends to it */
		buf_init(&sv->spare);
		p = answer_request(sv, conn, method, url, &out);
		if (p != NULL)
			return wait_pending(sv, conn, p, &out, con_cls);
	}
	*con_cls = &mark_replied;
	rc = send_reply(sv, conn, &out);
	buf_free(&out.body);
	return rc;
}

static void addr_text(const struct sockaddr *addr, socklen_t len, char *out, size_t outlen)
{
	char host[INET6_ADDRSTRLEN + 1], port[16];

	if (getnameinfo(addr, len, host, sizeof(host), port, sizeof(port),
			NI_NUMERICHOST | NI_NUMERICSERV) != 0)
		snprintf(out, outlen, "(address)");
	else
		snprintf(out, outlen, addr->sa_family == AF_INET6 ? "[%s]:%s" : "%s:%s", host,
			 port);
}

/* A non-blocking listening socket on addr; -1 with err set. */
static int listen_socket(const struct sockaddr *addr, socklen_t len, char *err, size_t errlen)
{
	char where[INET6_ADDRSTRLEN + 24];
	int one = 1;
	int fd = socket(addr->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	addr_text(addr, len, where, sizeof(where));
	if (fd < 0) {
		err_set(err, errlen, "%s: socket: %s", where, strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (addr->sa_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, addr, len) < 0 || listen(fd, LISTEN_BACKLOG) < 0) {
		err_set(err, errlen, "%s: %s", where, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int bound_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return -1;
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

static struct MHD_Daemon *start_mhd(struct serve *sv, int fd, int family)
{
	unsigned flags = MHD_USE_EPOLL | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME |
			 (family == AF_INET6 ? MHD_USE_IPv6 : 0);

	return MHD_start_daemon(
	    flags, 0, NULL, NULL, request_cb, sv, MHD_OPTION_EXTERNAL_LOGGER, mhd_log_cb, sv,
	    MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_CONNECTION_LIMIT, (unsigned)SERVE_MAX_CLIENTS,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)SERVE_MAX_PER_ADDRESS,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)SERVE_IDLE_TIMEOUT,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)SERVE_REQUEST_MEMORY,
	    MHD_OPTION_UNESCAPE_CALLBACK, serve_unescape_cb, sv, MHD_OPTION_NOTIFY_CONNECTION,
	    conn_cb, sv, MHD_OPTION_NOTIFY_COMPLETED, completed_cb, sv, MHD_OPTION_END);
}

struct serve *serve_new(struct ev_loop *loop, const struct sockaddr *addr, socklen_t addrlen,
			serve_answer_fn *answer, void *arg, char *err, size_t errlen)
{
	struct serve *sv;
	const union MHD_DaemonInfo *info;
	int fd = listen_socket(addr, addrlen, err, errlen);

	if (fd < 0)
		return NULL;
	sv = xcalloc(1, sizeof(*sv));
	sv->loop = loop;
	sv->answer = answer;
	sv->arg = arg;
	sv->deadline = SERVE_REQUEST_DEADLINE;
	ev_init(&sv->sweep, sweep_cb);
	sv->sweep.data = sv;
	sv->port = bound_port(fd);
	sv->mhd = start_mhd(sv, fd, addr->sa_family);
	info = sv->mhd ? MHD_get_daemon_info(sv->mhd, MHD_DAEMON_INFO_EPOLL_FD) : NULL;
	if (info == NULL) {
		err_set(err, errlen, "cannot start the HTTP library on port %d", sv->port);
		if (sv->mhd == NULL)
			close(
			    fd); /* EBADF at worst when MHD closed it: no descriptor opened since */
		serve_free(sv);
		return NULL;
	}
	ev_io_init(&sv->io, io_cb, info->epoll_fd, EV_READ);
	sv->io.data = sv;
	ev_io_start(loop, &sv->io);
	ev_init(&sv->timer, timer_cb);
	sv->timer.data = sv;
	arm_timer(sv, 0);
	return sv;
}

void serve_set_deadline(struct serve *sv, double seconds)
{
	sv->deadline = seconds;
	sweep_arm(sv);
}

int serve_port(const struct serve *sv)
{
	return sv->port;
}

void serve_free(struct serve *sv)
{
	if (sv == NULL)
		return;
	/* MHD must not stop with a connection suspended: answer and resume them */
	for (struct serve_pending *p = sv->pendings; p; p = p->next)
		if (!p->ready)
			pending_refuse(p, "the listener is closing");
	if (sv->loop) {
		ev_io_stop(sv->loop, &sv->io);
		ev_timer_stop(sv->loop, &sv->timer);
	}
	if (sv->mhd)
		MHD_stop_daemon(sv->mhd); /* closes every connection: their clocks go */
	while (sv->pendings)		  /* whatever MHD closed without telling */
		pending_detach(sv->pendings);
	if (sv->loop)
		ev_timer_stop(sv->loop, &sv->sweep);
	buf_free(&sv->spare); /* after MHD: its last responses gave their bodies back */
	free(sv);
}
