/*
 * analyze/date internals shared by date.c and date_names.c. Not a public
 * interface.
 */
#ifndef SW_ANALYZE_DATE_INT_H
#define SW_ANALYZE_DATE_INT_H

#include <stddef.h>

struct name_num {
	const char *name;
	int num;
};

/* Folded (lower case, accents stripped) month names and abbreviations. */
extern const struct name_num date_months[];
extern const size_t date_nmonths;

/* Zone abbreviations (RFC 822 and the common ones), minutes east of UTC. */
extern const struct name_num date_zones[];
extern const size_t date_nzones;

#endif
