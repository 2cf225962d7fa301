/*
 * daemon/themeset: the configured themes compiled for analyze/themes, and
 * the routing of scored statements to channels.
 */
#ifndef SW_THEMESET_H
#define SW_THEMESET_H

#include <stddef.h>

struct config;
struct config_notify;
struct config_source;
struct theme_result;
struct themes;

/*
 * Reads a theme (or full config) file with config_load and compiles its
 * themes; NULL with err (every FILE:LINE message) on failure. For tools and
 * tests that have a theme file but no daemon.
 */
struct themes *themeset_load(const char *path, char *err, size_t errlen);

/* Compiles cfg's themes; NULL with err when there are none or they do not compile. */
struct themes *themeset_compile(const struct config *cfg, char *err, size_t errlen);

/*
 * Compiles cfg's themes once into *out (NULL when none are configured) and
 * returns 0; on failure appends every "FILE:LINE: ..." line to errors (each
 * theme is then compiled alone to find the bad ones) and returns -1.
 * Validating by building: the caller keeps what was built.
 */
struct buf;
int themeset_build(const struct config *cfg, struct themes **out, struct buf *errors);

/*
 * Compiles each theme on its own so that an error can name the theme's
 * FILE:LINE; appends "FILE:LINE: theme 'x': ..." lines to errors. Returns
 * the number of bad themes.
 */
size_t themeset_check(const struct config *cfg, struct buf *errors);

/* Drops from r the themes the source does not watch (its `themes` globs). */
void themeset_filter_source(struct theme_result *r, const struct config_source *src);

/*
 * Does channel n want this statement of source_id with these scores? Its
 * `sources` globs must match; with `themes` globs or a `min_score`, at
 * least one theme above its threshold must match the globs with a score
 * of at least min_score.
 */
int themeset_channel_wants(const struct config_notify *n, const char *source_id,
			   const struct theme_result *r);

#endif
