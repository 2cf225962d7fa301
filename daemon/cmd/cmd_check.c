#include <ev.h>
#include <stdio.h>
#include <string.h>

#include "analyze/themes/themes.h"
#include "common/buf.h"
#include "config/config.h"
#include "daemon/channels.h"
#include "daemon/cmd/cmd.h"
#include "daemon/httpcfg.h"
#include "fetch/http.h"
#include "daemon/themeset.h"

/* Compiles the themes once; prints FILE:LINE errors. -1 when they do not compile. */
static int build_themes(const struct config *cfg, struct themes **out)
{
	struct buf errors;
	int rc;

	buf_init(&errors);
	rc = themeset_build(cfg, out, &errors);
	fputs(buf_str(&errors), stderr);
	buf_free(&errors);
	return rc;
}

/*
 * Opens every channel once without sending anything, so that what only the
 * channel can judge (mail templates, addresses, secrets' encoding) is
 * reported at the [notify] section's FILE:LINE.
 */
size_t cmd_check_channels(const struct config *cfg)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	struct http_config hc;
	struct http *h;
	struct buf errors;
	char err[512];
	size_t bad = 0;

	httpcfg_from_daemon(&cfg->daemon, &hc);
	buf_init(&errors);
	h = loop ? http_new(loop, &hc, err, sizeof(err)) : NULL;
	if (h)
		bad = channels_check(cfg, loop, h, &errors);
	else
		fprintf(stderr, "speechwatch: cannot check channels: %s\n",
			loop ? err : "no event loop");
	fputs(buf_str(&errors), stderr);
	buf_free(&errors);
	http_free(h);
	if (loop)
		ev_loop_destroy(loop);
	return h ? bad : 1;
}

struct config *cmd_load_config_fully(const struct cmd_opts *o, struct themes **themes)
{
	struct config *cfg = cmd_load_config_with(o, CONFIG_LOAD_SECRETS);
	struct themes *th = NULL;
	int bad;

	if (cfg == NULL)
		return NULL;
	bad = build_themes(cfg, &th) < 0;
	bad |= cmd_check_channels(cfg) > 0;
	if (bad) {
		themes_free(th);
		config_free(cfg);
		return NULL;
	}
	if (themes)
		*themes = th;
	else
		themes_free(th);
	return cfg;
}

int cmd_check(const struct cmd_opts *o, int argc, char **argv)
{
	struct config *cfg;
	size_t enabled = 0;

	(void)argv;
	if (argc > 0) {
		fprintf(stderr, "speechwatch check: unexpected argument '%s'\n", argv[0]);
		return EXIT_USAGE;
	}
	cfg = cmd_load_config_fully(o, NULL);
	if (cfg == NULL)
		return EXIT_USAGE;
	for (size_t i = 0; i < cfg->nsources; i++)
		enabled += cfg->sources[i].enabled != 0;
	printf("ok: %zu source%s", cfg->nsources, cfg->nsources == 1 ? "" : "s");
	if (enabled != cfg->nsources)
		printf(" (%zu enabled)", enabled);
	printf(", %zu theme%s, %zu channel%s\n", cfg->nthemes, cfg->nthemes == 1 ? "" : "s",
	       cfg->nnotifies, cfg->nnotifies == 1 ? "" : "s");
	config_free(cfg);
	return EXIT_OK;
}
