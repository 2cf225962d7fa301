/*
 * daemon/webserve: the daemon's side of the [http] listener (issue 18). It
 * starts fetch/serve.c on the daemon's loop for `run`, checks the bearer
 * token, and hands each request to the pages' router (daemon/web/web.h)
 * with the daemon's store and configuration.
 */
#ifndef SW_WEBSERVE_H
#define SW_WEBSERVE_H

struct config;
struct daemon;
struct webserve;

/*
 * Listens on d->cfg's [http] listen address (which must be set). A page
 * that reads the store is a store job on d->jobs (off the loop when the
 * store is on its thread) with d->cfg as it is at the request, so pages
 * follow a reload. NULL, after logging why (naming the address), when it
 * cannot listen.
 */
struct webserve *webserve_start(struct daemon *d);

/*
 * A reload to fresh (from old): with listen unchanged, fresh's token_file
 * and allow_anonymous take over; a changed listen (or one added or removed)
 * needs a restart, and until then the listener keeps its address and access
 * settings: a notice says so. ws may be NULL (no listener running).
 */
void webserve_reload(struct webserve *ws, const struct config *old, const struct config *fresh);

/* The port it listens on (the one chosen for port 0). */
int webserve_port(const struct webserve *ws);

/*
 * Closes the listener and every connection. NULL is a no-op. Store jobs of
 * its requests may still be out: their done only frees them.
 */
void webserve_free(struct webserve *ws);

#endif
