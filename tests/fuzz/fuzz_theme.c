/*
 * A theme file: read by config_load ([theme "id"] sections, phrase /
 * requires / excludes lines), compiled as daemon/themeset.c does, then a
 * fixed multilingual text and the input's own bytes scored with it.
 */
#include "tests/fuzz/fuzz.h"

#include <stdint.h>
#include <stdlib.h>

#include "analyze/page/page.h"
#include "analyze/themes/themes.h"
#include "common/buf.h"
#include "common/xmalloc.h"
#include "config/config.h"

static const char text[] = "Cyber sovereignty and non-interference in internal affairs. "
			   "La souveraineté numérique. 网络主权。 Кибербезопасность и суверенитет.";

static struct themes *compile(const struct config *cfg)
{
	struct theme_def *defs = xcalloc(cfg->nthemes, sizeof(*defs));
	struct themes *th;
	char err[512];

	for (size_t i = 0; i < cfg->nthemes; i++) {
		const struct config_theme *t = &cfg->themes[i];
		struct theme_phrase *ph = xcalloc(t->nphrases + 1, sizeof(*ph));

		for (size_t k = 0; k < t->nphrases; k++)
			ph[k] =
			    (struct theme_phrase){t->phrases[k].weight, t->phrases[k].text, NULL};
		defs[i] = (struct theme_def){t->id,	    t->label,
					     t->threshold,  ph,
					     t->nphrases,   (const char *const *)t->requires.v,
					     t->requires.n, (const char *const *)t->excludes.v,
					     t->excludes.n};
	}
	th = themes_compile(defs, cfg->nthemes, err, sizeof(err));
	for (size_t i = 0; i < cfg->nthemes; i++)
		free((void *)(uintptr_t)defs[i].phrases);
	free(defs);
	return th;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	page_init();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct theme_result *r = NULL;
	struct themes *th = NULL;
	struct config *cfg;
	struct buf errors;
	const char *path;

	if (size > 65536 || fuzz_include_escapes(data, size))
		return 0;
	path = fuzz_write_file(data, size);
	if (path == NULL)
		return 0;
	buf_init(&errors);
	cfg = config_load(path, &errors);
	buf_free(&errors);
	if (cfg != NULL && cfg->nthemes > 0)
		th = compile(cfg);
	if (th != NULL) {
		if (themes_score(th, text, sizeof(text) - 1, NULL, &r) == 0) {
			free(themes_result_json(r, 1));
			theme_result_free(r);
		}
		/* config_load accepted the input, so it is valid UTF-8. */
		if (themes_score(th, (const char *)data, size, "en", &r) == 0)
			theme_result_free(r);
	}
	themes_free(th);
	config_free(cfg);
	return 0;
}
