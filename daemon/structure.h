/*
 * daemon/structure: a list structure — the XPaths that read one list on a
 * page — as the store keeps it (JSON): the structure items = auto chose,
 * and discover's suggestion for a source whose XPaths failed.
 */
#ifndef SW_STRUCTURE_H
#define SW_STRUCTURE_H

#include "analyze/page/discover.h"
#include "analyze/page/list.h"

struct config_source;

struct structure {
	char *items, *link, *title, *date, *date_format; /* items never NULL once filled */
	long count;					 /* items it yielded when chosen */
	double chosen_at; /* unix time; 0: not chosen (a suggestion) */
};

/* Copies candidate c's XPaths and count; chosen_at 0 for a mere suggestion. */
void structure_from_candidate(struct structure *st, const struct discover_candidate *c,
			      double chosen_at);

/* {"items", "link", "title", "date", "date_format", "count"[, "chosen_at"]}. Caller frees. */
char *structure_json(const struct structure *st);

/* Parses what structure_json wrote: 0, or -1 (out cleared) when json is not one. */
int structure_parse(const char *json, struct structure *out);

void structure_clear(struct structure *st);

/*
 * How to read the list with st and the rest of the source's keys
 * (date_format when the structure has none, language, max_items, offsite).
 * spec borrows from both.
 */
void structure_spec(const struct structure *st, const struct config_source *s,
		    struct list_spec *spec);

/*
 * One line for a log or a terminal: items="..." link="..." title="..."
 * date="..." (N items). NULL when json is NULL or not a structure. Caller
 * frees.
 */
char *structure_describe(const char *json);

#endif
