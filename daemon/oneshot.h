/*
 * daemon/oneshot: one HTTP request run to completion on a private loop, for
 * the commands that fetch a single thing (preview, extract URL, notify-test).
 * The daemon itself never blocks like this.
 */
#ifndef SW_ONESHOT_H
#define SW_ONESHOT_H

#include <stddef.h>

#include "fetch/http.h"

struct config_daemon;

/* An owned copy of a response. */
struct oneshot {
	enum http_result result;
	long status;
	char *body;
	size_t body_len;
	char *content_type;
	char *final_url;
	char *error;
};

/*
 * Runs req with the daemon settings dc (user agent, limits, proxy; NULL for
 * defaults). Returns 0 when a response arrived (any status) or -1; out is
 * filled either way (release with oneshot_free).
 */
int oneshot_fetch(const struct config_daemon *dc, const struct http_req *req, struct oneshot *out);
/*
 * The n requests reqs[] at once on one private loop, through the same
 * engine (its per-host and total connection limits apply), until all are
 * answered; out[i] is reqs[i]'s answer, filled either way (result
 * HTTP_RES_OK when a response arrived). Release each with oneshot_free.
 */
void oneshot_fetch_many(const struct config_daemon *dc, const struct http_req *reqs, size_t n,
			struct oneshot *out);
void oneshot_free(struct oneshot *o);

#endif
