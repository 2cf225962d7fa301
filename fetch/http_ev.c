/*
 * fetch/http_ev: libcurl's multi-socket API on the daemon's libev loop.
 * curl says which sockets to watch (socket callback → one ev_io each) and
 * when to call it back (timer callback → one ev_timer); every watcher calls
 * curl_multi_socket_action and then drains finished transfers.
 */
#include "fetch/http_int.h"

#include <stdio.h>
#include <stdlib.h>

#include "common/log.h"
#include "common/xmalloc.h"

/* Hands every finished transfer to http.c. Done callbacks run from here. */
static void ev_drain(struct http *h)
{
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(h->multi, &left)) != NULL) {
		char *priv = NULL;
		CURLcode rc = msg->data.result;

		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv);
		/* msg is invalid once the handle is removed: use only copies. */
		if (priv)
			http_transfer_done((struct http_req_handle *)(void *)priv, rc);
	}
}

static void ev_action(struct http *h, curl_socket_t fd, int mask)
{
	int running;
	CURLMcode mc = curl_multi_socket_action(h->multi, fd, mask, &running);

	if (mc != CURLM_OK)
		log_warnx("http: curl_multi_socket_action: %s", curl_multi_strerror(mc));
	ev_drain(h);
}

/* ev_io callback. The watcher may be freed inside ev_action: read it first. */
static void ev_io_cb(struct ev_loop *loop, struct ev_io *w, int revents)
{
	struct http_sock *s = w->data;
	struct http *h = s->h;
	curl_socket_t fd = w->fd;
	int mask = 0;

	(void)loop;
	if (revents & EV_READ)
		mask |= CURL_CSELECT_IN;
	if (revents & EV_WRITE)
		mask |= CURL_CSELECT_OUT;
	if (revents & EV_ERROR)
		mask |= CURL_CSELECT_ERR;
	ev_action(h, fd, mask);
}

/* ev_timer callback for curl's single timeout. */
static void ev_timer_fire(struct ev_loop *loop, struct ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	ev_action(w->data, CURL_SOCKET_TIMEOUT, 0);
}

static void ev_sock_remove(struct http *h, struct http_sock *s)
{
	if (s == NULL)
		return;
	ev_io_stop(h->loop, &s->io);
	LIST_REMOVE(s, entry);
	free(s);
}

/* CURLMOPT_SOCKETFUNCTION */
static int ev_socket_cb(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
	struct http *h = userp;
	struct http_sock *s = socketp;
	int events = 0;

	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		ev_sock_remove(h, s);
		return 0;
	}
	if (what & CURL_POLL_IN)
		events |= EV_READ;
	if (what & CURL_POLL_OUT)
		events |= EV_WRITE;
	if (s == NULL) {
		s = xcalloc(1, sizeof(*s));
		s->h = h;
		s->io.data = s;
		ev_io_init(&s->io, ev_io_cb, fd, 0);
		LIST_INSERT_HEAD(&h->socks, s, entry);
		if (curl_multi_assign(h->multi, fd, s) != CURLM_OK)
			log_warnx("http: curl_multi_assign failed for fd %d", (int)fd);
	} else if (ev_is_active(&s->io) && (s->io.events & (EV_READ | EV_WRITE)) == events) {
		return 0;
	}
	/* Re-arm: the wanted events changed (CURL_POLL_NONE just pauses). */
	ev_io_stop(h->loop, &s->io);
	ev_io_set(&s->io, fd, events);
	if (events)
		ev_io_start(h->loop, &s->io);
	return 0;
}

/* CURLMOPT_TIMERFUNCTION. 0 ms arms a 0 s timer: curl must not be re-entered here. */
static int ev_timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	struct http *h = userp;

	(void)multi;
	ev_timer_stop(h->loop, &h->timer);
	if (timeout_ms < 0)
		return 0;
	ev_timer_set(&h->timer, (double)timeout_ms / 1000.0, 0.);
	ev_timer_start(h->loop, &h->timer);
	return 0;
}

int http_ev_init(struct http *h, char *err, size_t errlen)
{
	CURLMcode mc = CURLM_OK;

	ev_timer_init(&h->timer, ev_timer_fire, 0., 0.);
	h->timer.data = h;
	LIST_INIT(&h->socks);
	if (mc == CURLM_OK)
		mc = curl_multi_setopt(h->multi, CURLMOPT_SOCKETFUNCTION, ev_socket_cb);
	if (mc == CURLM_OK)
		mc = curl_multi_setopt(h->multi, CURLMOPT_SOCKETDATA, h);
	if (mc == CURLM_OK)
		mc = curl_multi_setopt(h->multi, CURLMOPT_TIMERFUNCTION, ev_timer_cb);
	if (mc == CURLM_OK)
		mc = curl_multi_setopt(h->multi, CURLMOPT_TIMERDATA, h);
	if (mc != CURLM_OK) {
		snprintf(err, errlen, "curl multi setup: %s", curl_multi_strerror(mc));
		return -1;
	}
	return 0;
}

/* After curl_multi_cleanup: stop what curl did not remove itself. */
void http_ev_close(struct http *h)
{
	struct http_sock *s;

	ev_timer_stop(h->loop, &h->timer);
	while ((s = LIST_FIRST(&h->socks)) != NULL) {
		ev_io_stop(h->loop, &s->io);
		LIST_REMOVE(s, entry);
		free(s);
	}
}
