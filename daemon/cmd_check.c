#include <stdio.h>

#include "common/buf.h"
#include "config/config.h"
#include "daemon/cmd.h"
#include "daemon/themeset.h"

size_t cmd_check_themes(const struct config *cfg)
{
	struct buf errors;
	size_t bad;

	buf_init(&errors);
	bad = themeset_check(cfg, &errors);
	fputs(buf_str(&errors), stderr);
	buf_free(&errors);
	return bad;
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
	cfg = cmd_load_config(o);
	if (cfg == NULL)
		return EXIT_USAGE;
	if (cmd_check_themes(cfg) > 0) {
		config_free(cfg);
		return EXIT_USAGE;
	}
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
