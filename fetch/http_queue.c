/*
 * fetch/http_queue: the engine's own queue of requests waiting for a
 * connection slot. libcurl could queue them itself (CURLMOPT_MAX_*), but
 * there a waiting transfer's timeouts already run, its easy handle already
 * exists, and curl 7.88 walks its whole pending list each time a transfer
 * is removed. Here a request waits without an easy handle and starts, its
 * timeouts with it, only when its slot is free.
 *
 * Requests wait per key (host and port, or the proxy) in FIFO order. The
 * keys that have a queued request and a free slot sit in a min-heap on
 * the queueing number of their first request, so the next to start is the
 * oldest request that may start: a key at its max_per_host limit never
 * holds up the keys behind it, and choosing costs O(log keys), not a walk
 * of the queue. A key lives while it has requests queued or active.
 */
#include "fetch/http_int.h"

#include <stdlib.h>
#include <string.h>

#include "common/hmap.h"
#include "common/log.h"
#include "common/xmalloc.h"

static uint64_t queue_first_seq(const struct http_host *host)
{
	return TAILQ_FIRST(&host->queued)->seq;
}

static void heap_swap(struct http *h, size_t a, size_t b)
{
	struct http_host *t = h->ready[a];

	h->ready[a] = h->ready[b];
	h->ready[b] = t;
	h->ready[a]->heap_at = a + 1;
	h->ready[b]->heap_at = b + 1;
}

static void heap_up(struct http *h, size_t i)
{
	while (i > 0) {
		size_t parent = (i - 1) / 2;

		if (queue_first_seq(h->ready[parent]) <= queue_first_seq(h->ready[i]))
			return;
		heap_swap(h, i, parent);
		i = parent;
	}
}

static void heap_down(struct http *h, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, min = i;

		if (l < h->nready && queue_first_seq(h->ready[l]) < queue_first_seq(h->ready[min]))
			min = l;
		if (r < h->nready && queue_first_seq(h->ready[r]) < queue_first_seq(h->ready[min]))
			min = r;
		if (min == i)
			return;
		heap_swap(h, i, min);
		i = min;
	}
}

static void heap_push(struct http *h, struct http_host *host)
{
	if (h->nready == h->ready_cap) {
		h->ready_cap = h->ready_cap ? 2 * h->ready_cap : 16;
		h->ready = xreallocarray(h->ready, h->ready_cap, sizeof(*h->ready));
	}
	h->ready[h->nready] = host;
	host->heap_at = ++h->nready;
	heap_up(h, h->nready - 1);
}

/* Takes host out of the heap; only the others' first requests are compared. */
static void heap_remove(struct http *h, struct http_host *host)
{
	size_t i = host->heap_at - 1;

	host->heap_at = 0;
	if (i == --h->nready)
		return;
	h->ready[i] = h->ready[h->nready];
	h->ready[i]->heap_at = i + 1;
	heap_up(h, i);
	heap_down(h, h->ready[i]->heap_at - 1);
}

static struct http_host **host_slot(struct http *h, const char *key, uint32_t hash)
{
	struct http_host **p = &h->hosts[hash & (h->hosts_cap - 1)];

	while (*p && ((*p)->hash != hash || strcmp((*p)->key, key) != 0))
		p = &(*p)->next;
	return p;
}

/* Doubles the bucket array when the chains grow longer than one on average. */
static void host_table_grow(struct http *h)
{
	size_t old_cap = h->hosts_cap;
	struct http_host **old = h->hosts;

	h->hosts_cap = old_cap ? 2 * old_cap : 64;
	h->hosts = xcalloc(h->hosts_cap, sizeof(*h->hosts));
	for (size_t i = 0; i < old_cap; i++) {
		struct http_host *host, *next;

		for (host = old[i]; host; host = next) {
			struct http_host **b = &h->hosts[host->hash & (h->hosts_cap - 1)];

			next = host->next;
			host->next = *b;
			*b = host;
		}
	}
	free(old);
}

static struct http_host *host_get(struct http *h, const char *key)
{
	size_t len = strlen(key);
	uint32_t hash = hmap_hash(key, len);
	struct http_host **p;
	struct http_host *host;

	if (h->nhosts >= h->hosts_cap)
		host_table_grow(h);
	p = host_slot(h, key, hash);
	if (*p)
		return *p;
	host = xcalloc(1, sizeof(*host) + len + 1);
	memcpy(host->key, key, len + 1);
	host->hash = hash;
	TAILQ_INIT(&host->queued);
	*p = host;
	h->nhosts++;
	return host;
}

/*
 * Restores the invariants after host's queue or count changed: it is in
 * the heap exactly when it has a queued request and a free slot, and it
 * exists only while it has requests.
 */
static void host_update(struct http *h, struct http_host *host)
{
	int ready = !TAILQ_EMPTY(&host->queued) && host->active < (size_t)h->cfg.max_per_host;
	struct http_host **p;

	if (ready && host->heap_at == 0) {
		heap_push(h, host);
	} else if (!ready && host->heap_at != 0) {
		heap_remove(h, host);
	} else if (ready) { /* its first request may have changed */
		heap_up(h, host->heap_at - 1);
		heap_down(h, host->heap_at - 1);
	}
	if (host->active > 0 || !TAILQ_EMPTY(&host->queued))
		return;
	p = host_slot(h, host->key, host->hash);
	*p = host->next;
	h->nhosts--;
	free(host);
}

void http_queue_init(struct http *h)
{
	h->hosts = NULL;
	h->hosts_cap = h->nhosts = 0;
	h->ready = NULL;
	h->nready = h->ready_cap = 0;
	h->seq = 0;
	h->nqueued = h->nactive = 0;
}

void http_queue_close(struct http *h)
{
	if (h->nhosts > 0)
		log_warnx("http: %zu connection key(s) left with requests", h->nhosts);
	free(h->hosts);
	free(h->ready);
	http_queue_init(h);
}

void http_queue_add(struct http_req_handle *r, const char *key)
{
	struct http *h = r->h;
	struct http_host *host = host_get(h, key);

	r->host = host;
	r->seq = h->seq++;
	r->state = REQ_QUEUED;
	TAILQ_INSERT_TAIL(&host->queued, r, entry);
	h->nqueued++;
	host_update(h, host);
}

void http_queue_leave(struct http_req_handle *r)
{
	struct http *h = r->h;
	struct http_host *host = r->host;

	if (host == NULL)
		return;
	if (r->state == REQ_QUEUED) {
		TAILQ_REMOVE(&host->queued, r, entry);
		h->nqueued--;
	} else if (r->state == REQ_ACTIVE) {
		host->active--;
		h->nactive--;
	}
	r->host = NULL;
	host_update(h, host);
}

void http_queue_relimit(struct http *h)
{
	for (size_t i = 0; i < h->hosts_cap; i++) {
		struct http_host *host, *next;

		/* Every host listed has requests, so host_update frees none. */
		for (host = h->hosts[i]; host; host = next) {
			next = host->next;
			host_update(h, host);
		}
	}
}

struct http_req_handle *http_queue_next(const struct http *h)
{
	return h->nready > 0 ? TAILQ_FIRST(&h->ready[0]->queued) : NULL;
}

/* Gives r its easy handle and hands it to curl; its timeouts start now. */
static int queue_start(struct http_req_handle *r, char **msg)
{
	struct http *h = r->h;
	CURLMcode mc;

	if (http_req_build(r, msg) < 0)
		return -1;
	mc = curl_multi_add_handle(h->multi, r->easy);
	if (mc != CURLM_OK) {
		*msg = xasprintf("cannot start request: %s", curl_multi_strerror(mc));
		return -1;
	}
	r->state = REQ_ACTIVE;
	TAILQ_INSERT_TAIL(&h->active, r, entry);
	return 0;
}

void http_queue_pump(struct http *h)
{
	struct http_req_handle *r;

	while (!h->closing && h->nactive < (size_t)h->cfg.max_connections &&
	       (r = http_queue_next(h)) != NULL) {
		struct http_host *host = r->host;
		char *msg = NULL;

		TAILQ_REMOVE(&host->queued, r, entry);
		h->nqueued--;
		if (queue_start(r, &msg) == 0) {
			host->active++;
			h->nactive++;
		} else {
			r->host = NULL;
			http_defer(r, HTTP_RES_NETWORK, msg);
		}
		host_update(h, host);
	}
}
