/*
 * daemon/store_int: the seam between the store interface (store.c) and its
 * backends. A backend is one table of operations plus its files; store.c
 * picks it by the location's scheme and forwards every call unchanged, so
 * each operation keeps the contract written in store.h.
 */
#ifndef SW_STORE_INT_H
#define SW_STORE_INT_H

#include <pthread.h>

#include "daemon/store.h"

/* The part of every open store that store.c owns; a backend embeds it first. */
struct store {
	const struct store_backend *be;
	char *location; /* as given to store_open, owned */
	char err[512];
	int in_txn;		  /* between store_begin* and store_commit/rollback */
	int readonly;		  /* opened with store_open_readonly */
	struct store_info counts; /* its commits, reads and writes */
	int bound;		  /* store_bind_thread: only owner may use it */
	pthread_t owner;
};

struct store_backend {
	const char *name; /* the location scheme ("sqlite:") and store_info's backend */
	/* rest: the location without "name:"; fills err on failure, errno EBADMSG: damaged. */
	struct store *(*open)(const char *rest, int readonly, char *err, size_t errlen);
	/* store_open_copy; rest as for open */
	struct store *(*open_copy)(const char *rest, char *err, size_t errlen);
	int (*exists)(const char *rest);
	void (*close)(struct store *st); /* frees the backend's part and st */
	int (*begin)(struct store *st);
	int (*begin_relaxed)(struct store *st); /* commit/rollback end it too */
	int (*commit)(struct store *st);
	void (*rollback)(struct store *st);
	int (*read_begin)(struct store *st); /* a snapshot for lookups; read_end ends it */
	void (*read_end)(struct store *st);
	int (*info)(struct store *st, struct store_info *out);
	int (*verify)(struct store *st);
	int (*check)(struct store *st, double budget); /* store_check */
	/* store_recovery_steps for the store at rest, named location in the text */
	char *(*recovery_steps)(const char *rest, const char *location);
	int (*prune)(struct store *st, struct store_prune *p); /* opens its own transaction */
	int (*compact)(struct store *st);
	int (*size)(struct store *st, int64_t *bytes, int64_t *free_bytes);
	/* store_export_rows, store_import_rows: NULL when the backend has none */
	int (*export_rows)(struct store *st, const char *table, store_row_fn *fn, void *arg);
	int (*import_rows)(struct store *st, struct store_import *im);

	int (*source_get)(struct store *st, const char *id, struct store_source *out);
	int (*source_put)(struct store *st, const char *id, const char *url,
			  const struct store_source *src);
	int (*source_ids)(struct store *st, char ***ids, size_t *n);
	int (*sources_all)(struct store *st, struct store_source **out, size_t *n);

	int (*item_find)(struct store *st, const char *source_id, const char *url, const char *guid,
			 struct store_item *out);
	int (*item_seen_elsewhere)(struct store *st, const char *source_id, const char *url,
				   const char *norm_url, const char *text_sha256);
	int (*item_same_text)(struct store *st, const char *source_id, const char *url,
			      const char *text_sha256, struct store_item *old);
	int (*item_same_listing)(struct store *st, const char *source_id, const char *url,
				 const char *title, const char *published, struct store_item *old);
	int (*item_put)(struct store *st, struct store_item *it);
	int (*items_to_recheck)(struct store *st, const char *source_id, double before, size_t max,
				struct list_items *out);
	int (*items_unread)(struct store *st, const char *source_id, size_t newest, size_t max,
			    struct list_items *out);
	int (*items_text_newest)(struct store *st, const char *source_id, double *when);
	int (*item_touch)(struct store *st, int64_t id, double now);
	int (*item_set_themes)(struct store *st, int64_t id, const char *themes,
			       const char *detail_json);
	int (*search)(struct store *st, const char *query, const char *since, const char *theme,
		      size_t max, struct store_hit **out, size_t *n);
	int (*index_pending)(struct store *st, int64_t *n);
	/* Inside the caller's transaction: adds up to max, sets *done. */
	int (*index_add)(struct store *st, size_t max, size_t *done);

	/*
	 * Rows as store.h describes them but for diffs and parsed themes
	 * (store.c's): a list row of an edited statement has its current text
	 * and, as its one version, the version before with its text;
	 * statement_get gives every version with its text. On -1 what *out
	 * holds is store.c's to clear.
	 */
	int (*statements)(struct store *st, const struct store_statement_filter *f,
			  struct store_statement **out, size_t *n);
	int (*statement_get)(struct store *st, int64_t id, struct store_statement *out);

	int (*event_insert)(struct store *st, const struct store_event_new *ev);
	int (*event_recent)(struct store *st, const char *source_id, const char *type,
			    double since);
	int (*event_last_of)(struct store *st, const char *source_id, const char *type,
			     double *when);
	int (*events_due)(struct store *st, double now, const struct store_skip *skip, size_t max,
			  struct store_event **out, size_t *n);
	int (*events_next_due)(struct store *st, const struct store_skip *skip, double *when);
	int (*event_update)(struct store *st, const struct store_event *ev);
	int (*events_requeue_sending)(struct store *st);
	int (*events_list)(struct store *st, const struct store_event_filter *f,
			   struct store_event **out, size_t *n);
	int (*event_redeliver)(struct store *st, const char *id, double when);
	void (*set_busy_wait)(struct store *st, int ms);
	int (*channel_counts)(struct store *st, const char *channel,
			      struct store_channel_counts *out);
	/* NULL: a backend of one instance (store_instances gives none) */
	int (*instances)(struct store *st, struct store_instance **out, size_t *n);
	/* NULL: nothing is shared, so nothing is claimed */
	void (*set_instance)(struct store *st, const char *id, double claim_secs);
};

extern const struct store_backend store_sqlite_backend;
extern const struct store_backend store_pg_backend;

/*
 * Brings the search index up to date, in transactions of STORE_INDEX_BATCH
 * items (store.c): what a search on a writable store does first.
 */
int store_index_all(struct store *st);

/* The state named by store_event_state_name(), or EVENT_QUEUED for an unknown name. */
enum store_event_state store_event_state_parse(const char *name);

#endif
