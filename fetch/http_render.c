/*
 * fetch/http_render: requests a headless browser loads (http_req.render),
 * inside the engine's contract: they count as pending, their done callback
 * runs once from the loop with an ordinary http_response, http_cancel and
 * http_free end them. At most cfg.max_renders browsers run at a time (each
 * is a tree of processes of a few hundred MiB); the others wait, oldest
 * first. A browser's limits are fetch/render.c's.
 */
#include "fetch/http_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"
#include "fetch/render.h"

/*
 * Why r cannot be rendered (allocated), or NULL. The URL's credentials
 * would be on the browser's command line, readable by every local user.
 */
static char *render_refused(const struct http_req_handle *r, char **browser)
{
	CURLU *u = curl_url();
	char *user = NULL, *why = NULL;

	if (u && curl_url_set(u, CURLUPART_URL, r->url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK && user != NULL)
		why = xstrdup("render = browser: a URL with credentials cannot be given to the "
			      "browser (its command line is visible to every local user)");
	curl_free(user);
	curl_url_cleanup(u);
	if (why == NULL && (*browser = render_find_browser(r->h->cfg.browser)) == NULL)
		why = r->h->cfg.browser
			  ? xasprintf("render = browser: the browser %s is not installed",
				      r->h->cfg.browser)
			  : xstrdup("render = browser: chromium is not installed (no chromium, "
				    "chromium-browser or google-chrome in PATH)");
	return why;
}

int http_render_wanted(const struct http_req_handle *r)
{
	CURLU *u;
	char *path = NULL;
	size_t n;
	int pdf = 0;

	if (!r->trusted && !r->allow_private)
		return 0;
	u = curl_url();
	if (u && curl_url_set(u, CURLUPART_URL, r->url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PATH, &path, 0) == CURLUE_OK && path != NULL) {
		n = strlen(path);
		pdf = n >= 4 && strcasecmp(path + n - 4, ".pdf") == 0;
	}
	curl_free(path);
	curl_url_cleanup(u);
	return !pdf;
}

/* render_done_fn: the browser's answer becomes the request's. */
static void render_done(void *arg, enum http_result res, const char *dom, size_t len,
			const char *error)
{
	struct http_req_handle *r = arg;

	r->render_job = NULL; /* it frees itself when this returns */
	if (res == HTTP_RES_OK) {
		buf_append(&r->body, dom, len);
		r->rendered = 1;
	}
	http_finish(r, res, error);
}

/* Starts r's browser; its failure to start is deferred like any other. */
static void render_run(struct http_req_handle *r)
{
	struct http *h = r->h;
	char *browser = NULL, *why = render_refused(r, &browser);
	char err[256];
	struct render_args a = {
	    .browser = browser,
	    .url = r->url,
	    .host = r->orig_host,
	    .proxy = r->proxy,
	    .timeout = (double)(r->timeout_s ? r->timeout_s : h->cfg.timeout_s),
	    .max_bytes = r->max_body,
	};

	if (why == NULL) {
		r->started = http_req_now(); /* the deadline counts from here, as for a transfer */
		r->render_job = render_start(h->loop, &a, render_done, r, err, sizeof(err));
		if (r->render_job == NULL)
			why = xstrdup(err);
	}
	free(browser);
	if (why != NULL) {
		http_defer(r, HTTP_RES_PROTOCOL, why);
		return;
	}
	r->state = REQ_RENDERING;
	TAILQ_INSERT_TAIL(&h->rendering, r, entry);
	h->nrendering++;
}

void http_render_add(struct http_req_handle *r)
{
	struct http *h = r->h;

	r->state = REQ_RENDER_QUEUED;
	TAILQ_INSERT_TAIL(&h->render_queue, r, entry);
	http_render_pump(h);
}

void http_render_pump(struct http *h)
{
	struct http_req_handle *r;

	while (!h->closing && h->nrendering < (size_t)h->cfg.max_renders &&
	       (r = TAILQ_FIRST(&h->render_queue)) != NULL) {
		TAILQ_REMOVE(&h->render_queue, r, entry);
		render_run(r);
	}
}

void http_render_leave(struct http_req_handle *r)
{
	struct http *h = r->h;

	if (r->state == REQ_RENDER_QUEUED) {
		TAILQ_REMOVE(&h->render_queue, r, entry);
		return;
	}
	TAILQ_REMOVE(&h->rendering, r, entry);
	h->nrendering--;
	render_cancel(r->render_job); /* NULL when its own answer is being delivered */
	r->render_job = NULL;
}

void http_render_cancel_all(struct http *h)
{
	struct http_req_handle *r;

	while ((r = TAILQ_FIRST(&h->rendering)) != NULL)
		http_finish(r, HTTP_RES_CANCELLED, "cancelled");
	while ((r = TAILQ_FIRST(&h->render_queue)) != NULL)
		http_finish(r, HTTP_RES_CANCELLED, "cancelled");
}
