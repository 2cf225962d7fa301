/*
 * analyze/diff: a unified diff of two texts, line by line (extracted
 * article text has one paragraph per line), by Myers' O(ND) algorithm.
 * Pure. Cost is bounded: past max_edits differing lines the whole text is
 * reported as replaced rather than searched further.
 */
#ifndef SW_ANALYZE_DIFF_H
#define SW_ANALYZE_DIFF_H

#include <stddef.h>

/*
 * Returns a unified diff ("--- a\n+++ b\n@@ -l,n +l,n @@\n ...") of old and
 * new with `context` lines around each change, or "" when equal. Labels
 * name the two versions. Caller frees.
 */
char *diff_unified(const char *old_text, const char *new_text, const char *old_label,
		   const char *new_label, int context);

#endif
