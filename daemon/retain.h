/*
 * daemon/retain: retention of raw pages and texts (keep_raw_days,
 * keep_text_days), applied by the daemon in run mode a batch at a time
 * and by `speechwatch vacuum` at once.
 */
#ifndef SW_RETAIN_H
#define SW_RETAIN_H

#include <stddef.h>

struct config;
struct store;

/*
 * The cutoffs of cfg at `now` (unix time; 0: keep). A text is never dropped
 * inside a re-check window: keep_text_days counts as at least the largest
 * recheck_days plus 2 (detect.c's window ends a day after recheck_days).
 */
void retain_cutoffs(const struct config *cfg, double now, double *raw_before, double *text_before);

/* Applies the retention of cfg to the whole store now; counts what it dropped. */
int retain_all(struct store *st, const struct config *cfg, size_t *raw, size_t *text);

#endif
