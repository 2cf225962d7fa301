/*
 * speechwatch migrate --from sqlite:PATH --to postgresql://...: copies a
 * single instance's SQLite store into PostgreSQL, table by table (sources,
 * items, item_versions, events), through the store's row export and import
 * (store_export_rows, store_import_rows). Idempotent: a row already there
 * and equal is left alone, a changed one is updated, nothing is deleted;
 * a second run copies nothing. An item PostgreSQL already has under
 * another id (a daemon on PostgreSQL stored it) is named and left out,
 * with its versions and events; the exit status is then 1.
 *
 * The SQLite store is read, never written: opened read-only, or, when its
 * schema is older, as a copy in memory brought to this build's schema.
 * When it is a state directory's store the daemon must be stopped: its
 * lock is taken for the whole copy.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/xmalloc.h"
#include "daemon/cmd/cmd.h"
#include "daemon/statelock.h"
#include "daemon/store.h"

/* Rows per transaction, and the bytes after which a batch is sent sooner. */
#define BATCH_ROWS 500
#define BATCH_BYTES (16u << 20)
#define STORE_FILE "speechwatch.db"

static const char *const copy_tables[] = {"sources", "items", "item_versions", "events"};

/* One table's copy in progress. */
struct migrate {
	struct store *to;
	const char *table;
	size_t ncols;
	char **names;  /* ncols */
	char **values; /* nrows * ncols of the pending batch */
	size_t nrows, bytes;
	int id_col, item_col; /* items.id; the item a version or event belongs to; -1 */
	int64_t *left_ids;    /* items left out, their rows' ids */
	size_t nleft, left_events, left_versions;
	struct store_import counts;
	int failed;
};

/* store_import's left_out: the item is named; its id keeps its rows out. */
static void left_out(void *arg, size_t row, const char *message)
{
	struct migrate *m = arg;
	const char *id = m->id_col >= 0 ? m->values[row * m->ncols + (size_t)m->id_col] : NULL;

	fprintf(stderr, "speechwatch migrate: %s: %s\n", m->table, log_esc(message, 900));
	m->left_ids = xreallocarray(m->left_ids, m->nleft + 1, sizeof(*m->left_ids));
	m->left_ids[m->nleft++] = id ? strtoll(id, NULL, 10) : -1;
}

static int is_left_out(const struct migrate *m, const char *item_id)
{
	int64_t id = item_id ? strtoll(item_id, NULL, 10) : -1;

	for (size_t i = 0; item_id != NULL && i < m->nleft; i++)
		if (m->left_ids[i] == id)
			return 1;
	return 0;
}

static void batch_clear(struct migrate *m)
{
	for (size_t i = 0; i < m->nrows * m->ncols; i++)
		free(m->values[i]);
	free(m->values);
	m->values = NULL;
	m->nrows = m->bytes = 0;
}

/* Writes the pending rows in one transaction. 0 or -1 (the error printed). */
static int batch_flush(struct migrate *m)
{
	struct store_import *im = &m->counts;
	int rc;

	if (m->nrows == 0)
		return 0;
	im->table = m->table;
	im->ncols = m->ncols;
	im->names = (const char *const *)m->names;
	im->nrows = m->nrows;
	im->values = (const char *const *)m->values;
	im->left_out = left_out;
	im->arg = m;
	rc = store_begin(m->to) < 0 || store_import_rows(m->to, im) < 0 || store_commit(m->to) < 0
		 ? -1
		 : 0;
	if (rc < 0) {
		fprintf(stderr, "speechwatch migrate: %s\n", store_error(m->to));
		store_rollback(m->to);
		m->failed = 1;
	}
	batch_clear(m);
	return rc;
}

/* The first row of a table: its column names, and which say whose item. */
static void take_names(struct migrate *m, size_t ncols, const char *const *names)
{
	m->ncols = ncols;
	m->names = xcalloc(ncols, sizeof(*m->names));
	m->id_col = m->item_col = -1;
	for (size_t i = 0; i < ncols; i++) {
		m->names[i] = xstrdup(names[i]);
		if (strcmp(names[i], "id") == 0 && strcmp(m->table, "items") == 0)
			m->id_col = (int)i;
		if (strcmp(names[i], "item_id") == 0)
			m->item_col = (int)i;
	}
}

/* store_row_fn: a row into the batch; a full batch is written. */
static int add_row(void *arg, size_t ncols, const char *const *names, const char *const *values)
{
	struct migrate *m = arg;

	if (m->names == NULL)
		take_names(m, ncols, names);
	if (m->item_col >= 0 && is_left_out(m, values[m->item_col])) {
		*(strcmp(m->table, "events") == 0 ? &m->left_events : &m->left_versions) += 1;
		return 0;
	}
	m->values = xreallocarray(m->values, (m->nrows + 1) * ncols, sizeof(*m->values));
	for (size_t i = 0; i < ncols; i++) {
		m->values[m->nrows * ncols + i] = values[i] ? xstrdup(values[i]) : NULL;
		m->bytes += values[i] ? strlen(values[i]) : 0;
	}
	m->nrows++;
	if (m->nrows >= BATCH_ROWS || m->bytes >= BATCH_BYTES)
		return batch_flush(m) < 0;
	return 0;
}

static void report(const struct migrate *m)
{
	const struct store_import *c = &m->counts;
	size_t left = strcmp(m->table, "events") == 0	       ? m->left_events
		      : strcmp(m->table, "item_versions") == 0 ? m->left_versions
							       : c->skipped;

	printf("%s: copied %zu new, %zu updated, %zu unchanged", m->table, c->added, c->updated,
	       c->unchanged);
	if (left)
		printf(", %zu left out", left);
	printf("\n");
}

/* One table from one store to the other. 0, or -1 after printing why. */
static int copy_table(struct store *from, struct migrate *m, const char *table)
{
	m->table = table;
	memset(&m->counts, 0, sizeof(m->counts));
	for (size_t i = 0; i < m->ncols; i++)
		free(m->names[i]);
	free(m->names);
	m->names = NULL;
	m->ncols = 0;
	if (store_export_rows(from, table, add_row, m) < 0) {
		if (!m->failed)
			fprintf(stderr, "speechwatch migrate: %s\n", store_error(from));
		batch_clear(m);
		return -1;
	}
	if (batch_flush(m) < 0)
		return -1;
	report(m);
	return 0;
}

/* Every table, in one snapshot of the SQLite store. EXIT_OK or EXIT_RUNTIME. */
static int copy_all(struct store *from, struct store *to)
{
	struct migrate m;
	int rc = 0;

	memset(&m, 0, sizeof(m));
	m.to = to;
	if (store_read_begin(from) < 0)
		fprintf(stderr, "speechwatch migrate: %s\n", store_error(from));
	for (size_t i = 0; i < sizeof(copy_tables) / sizeof(copy_tables[0]) && rc == 0; i++)
		rc = copy_table(from, &m, copy_tables[i]);
	store_read_end(from);
	for (size_t i = 0; i < m.ncols; i++)
		free(m.names[i]);
	free(m.names);
	if (rc == 0 && m.nleft > 0)
		fprintf(stderr,
			"speechwatch migrate: %zu item(s) left out (named above):"
			" PostgreSQL holds them, or their ids, as other items\n",
			m.nleft);
	free(m.left_ids);
	return rc == 0 && m.nleft == 0 ? EXIT_OK : EXIT_RUNTIME;
}

/*
 * The SQLite store, read-only; one of an older schema as a copy in memory
 * migrated to this build's (the file stays as it is). NULL after printing why.
 */
static struct store *open_from(const char *from)
{
	char err[600], err2[600];
	struct store *st;

	if (store_exists(from) != 1) {
		fprintf(stderr, "speechwatch migrate: %s: no such store\n", from);
		return NULL;
	}
	st = store_open_readonly(from, err, sizeof(err));
	if (st == NULL && (st = store_open_copy(from, err2, sizeof(err2))) == NULL)
		fprintf(stderr, "speechwatch migrate: %s\n", err2);
	return st;
}

/* Both stores at the same schema version; 0, or -1 after printing why. */
static int same_schema(struct store *from, struct store *to)
{
	struct store_info a, b;

	if (store_info(from, &a) < 0 || store_info(to, &b) < 0) {
		fprintf(stderr, "speechwatch migrate: cannot read the schema versions\n");
		return -1;
	}
	if (a.schema_version != b.schema_version) {
		fprintf(
		    stderr,
		    "speechwatch migrate: schema version %d (sqlite) and %d (postgresql) differ:"
		    " use the speechwatch of the newer one\n",
		    a.schema_version, b.schema_version);
		return -1;
	}
	return 0;
}

static int migrate(const char *from, const char *to)
{
	char err[600];
	struct store *src, *dst;
	int status = EXIT_RUNTIME;

	if ((src = open_from(from)) == NULL)
		return EXIT_RUNTIME;
	if ((dst = store_open(to, err, sizeof(err))) == NULL) {
		fprintf(stderr, "speechwatch migrate: %s\n", err);
		store_close(src);
		return EXIT_RUNTIME;
	}
	if (same_schema(src, dst) == 0)
		status = copy_all(src, dst);
	/* fresh statistics: until the server's own ANALYZE, lookups of a bulk copy scan */
	if (store_compact(dst) < 0)
		fprintf(stderr, "speechwatch migrate: %s\n", store_error(dst));
	store_close(dst);
	store_close(src);
	return status;
}

/*
 * The state directory of a store location named STATE_DIR/speechwatch.db
 * (allocated), whose lock the daemon holds while it runs; NULL for
 * another file name.
 */
static char *state_dir_of(const char *from)
{
	const char *path = strncmp(from, "sqlite:", 7) == 0 ? from + 7 : from;
	const char *slash = strrchr(path, '/');

	if (strcmp(slash != NULL ? slash + 1 : path, STORE_FILE) != 0)
		return NULL;
	if (slash == NULL)
		return xstrdup(".");
	return slash == path ? xstrdup("/") : xstrndup(path, (size_t)(slash - path));
}

/* --from a SQLite location (a path or sqlite:PATH), --to a PostgreSQL one. */
static int check_args(const struct cmd_opts *o, int argc)
{
	if (argc > 0 || o->from == NULL || o->to == NULL) {
		fprintf(stderr,
			"usage: speechwatch migrate --from sqlite:PATH --to postgresql://...\n");
		return -1;
	}
	if (strncmp(o->to, "postgresql:", 11) != 0 || strncmp(o->from, "postgresql:", 11) == 0 ||
	    strcmp(o->from, o->to) == 0) {
		fprintf(stderr,
			"speechwatch migrate: --from names a SQLite store (sqlite:PATH) and"
			" --to a PostgreSQL one (postgresql://... or postgresql:KEY=VALUE...)\n");
		return -1;
	}
	return 0;
}

int cmd_migrate(const struct cmd_opts *o, int argc, char **argv)
{
	char err[600], *dir;
	int lock = -1, status;

	(void)argv;
	if (check_args(o, argc) < 0)
		return EXIT_USAGE;
	dir = state_dir_of(o->from);
	if (dir != NULL && store_exists(o->from) == 1 &&
	    (lock = statelock_take(dir, err, sizeof(err))) < 0) {
		fprintf(stderr, "speechwatch migrate: %s (stop the daemon first)\n", err);
		free(dir);
		return EXIT_RUNTIME;
	}
	status = migrate(o->from, o->to);
	statelock_release(lock);
	free(dir);
	return status;
}
