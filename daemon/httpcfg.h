/* daemon/httpcfg: the [daemon] settings as fetch/'s engine configuration. */
#ifndef SW_HTTPCFG_H
#define SW_HTTPCFG_H

struct config_daemon;
struct http_config;

/*
 * Fills out from dc (NULL: every setting at fetch/'s default). Strings are
 * borrowed from dc, which must outlive the engine made from out.
 */
void httpcfg_from_daemon(const struct config_daemon *dc, struct http_config *out);

#endif
