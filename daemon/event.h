/*
 * daemon/event: the event JSON of design.md, built once with jansson when
 * the event enters the outbox and then sent byte for byte on every attempt.
 */
#ifndef SW_EVENT_H
#define SW_EVENT_H

#include <stddef.h>

struct store_item;
struct theme_result;

#define EVENT_ID_LEN 30 /* "evt_" + 26 base32 characters */

/* Writes a fresh random id ("evt_...") into out (at least EVENT_ID_LEN + 1 bytes). */
void event_new_id(char *out);

/* "2026-11-30T05:31:41Z" for a unix time, into out (at least 32 bytes). */
void event_format_time(double t, char *out, size_t outlen);

/* A time as events write it, for every JSON the daemon shows; null for never (t <= 0). */
struct json_t *event_time_json(double t);

/*
 * A URL as events show it: without "user:password@". Credentials written
 * into a source's url are for its requests, not for every receiver of an
 * alert or reader of a status. NULL gives null.
 */
struct json_t *event_url_json(const char *url);

/*
 * statement.new / statement.changed. themes may be NULL (no themes
 * configured); only themes at or above their threshold are listed, highest
 * first. diff is NULL for statement.new. Caller frees.
 */
char *event_statement_json(const char *id, const char *type, double detected_at,
			   const char *source_id, const char *source_url,
			   const struct store_item *it, const struct theme_result *themes,
			   const char *diff);

/*
 * The "themes" array of a statement event for r (NULL: "[]"), compact JSON:
 * what the store keeps for the read side. Caller frees.
 */
char *event_themes_json(const struct theme_result *r);

/*
 * source.failing / source.recovered with the failure count, last error and
 * the failure's reason (event_fail_reason; NULL: no "reason" field).
 */
char *event_source_json(const char *id, const char *type, double detected_at, const char *source_id,
			const char *source_url, long failures, const char *error,
			const char *reason);

/*
 * The reason class of a failed poll from its result: "selector-no-match"
 * for a list page whose XPaths selected nothing ("empty-list"), else the
 * result itself ("items-rejected", "http-error", "timeout", ...). NULL for
 * NULL.
 */
const char *event_fail_reason(const char *result);

/*
 * source.changed: `moved` of the poll's `read` new items have texts the
 * source already had under other URLs (example: old_url -> new_url). Its
 * "message" says so in words for the text channels. Caller frees.
 */
char *event_source_changed_json(const char *id, double detected_at, const char *source_id,
				const char *source_url, long moved, long read, const char *old_url,
				const char *new_url);

/* The `test` event of notify-test. */
char *event_test_json(const char *id, double detected_at, const char *channel);

#endif
