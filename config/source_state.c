/*
 * The operator's enable/disable of sources (speechwatch sources enable|disable
 * ID), kept in STATE_DIR/sources.state instead of the catalogue: a long file
 * of disabled sources stays untouched, and every load (start, reload, every
 * command) applies it over the files' `enabled` keys.
 *
 * The file is one "ID enabled" or "ID disabled" per line, '#' comments. It
 * is replaced whole: written to a temporary file in the same directory,
 * fsync'd, renamed over the old one and the directory fsync'd, so a crash
 * leaves the old file or the new one, never a torn one. Writers take an
 * flock on the directory, so two commands at once do not lose an update.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/err.h"
#include "common/xmalloc.h"
#include "config/config_int.h"

#define STATE_MAX_BYTES (1 << 20)
#define STATE_MAX_LINE 256
#define STATE_MAX_ENTRIES 100000

struct state_entry {
	char *id;
	int enabled;
	int line;
};

/* Entries in file order; ids -> index, so a long file is read and applied in linear time. */
struct state_file {
	struct state_entry *v;
	size_t n;
	struct hmap ids;
};

char *config_source_state_path(const char *state_dir)
{
	return xasprintf("%s/%s", state_dir, CONFIG_SOURCE_STATE_FILE);
}

static void state_init(struct state_file *sf)
{
	sf->v = NULL;
	sf->n = 0;
	hmap_init(&sf->ids, 64);
}

static void state_free(struct state_file *sf)
{
	for (size_t i = 0; i < sf->n; i++)
		free(sf->v[i].id);
	free(sf->v);
	hmap_free(&sf->ids);
}

static struct state_entry *state_get(const struct state_file *sf, const char *id)
{
	size_t len = strlen(id);
	const uint32_t *i = hmap_get(&sf->ids, id, len, hmap_hash(id, len));

	return i ? &sf->v[*i] : NULL;
}

/* Sets id's state; a new id goes at the end (the file keeps its order). */
static void state_put(struct state_file *sf, const char *id, int enabled, int line)
{
	struct state_entry *e = state_get(sf, id);
	size_t len = strlen(id);

	if (e != NULL) { /* the last line of an id decides */
		e->enabled = enabled;
		e->line = line;
		return;
	}
	if (sf->n >= STATE_MAX_ENTRIES)
		return; /* state_read refuses such a file before */
	hmap_put(&sf->ids, id, len, hmap_hash(id, len), (uint32_t)sf->n);
	sf->v = xreallocarray(sf->v, sf->n + 1, sizeof(*sf->v));
	sf->v[sf->n++] = (struct state_entry){xstrdup(id), enabled, line};
}

/* One line (without its newline) into sf; 0, or -1 with err "why". */
static int state_line(struct state_file *sf, char *text, int line, char *err, size_t errlen)
{
	char id[STATE_MAX_LINE], word[STATE_MAX_LINE], extra;
	int n;

	text[strcspn(text, "#\r")] = '\0';
	n = sscanf(text, "%255s %255s %c", id, word, &extra);
	if (n <= 0)
		return 0;
	if (n != 2 || (strcmp(word, "enabled") != 0 && strcmp(word, "disabled") != 0)) {
		err_set(err, errlen, "expected 'ID enabled' or 'ID disabled'");
		return -1;
	}
	if (sf->n >= STATE_MAX_ENTRIES && state_get(sf, id) == NULL) {
		err_set(err, errlen, "more than %d sources", STATE_MAX_ENTRIES);
		return -1;
	}
	state_put(sf, id, strcmp(word, "enabled") == 0, line);
	return 0;
}

/* path opened for reading: a regular file (never a FIFO that would block a load). */
static FILE *state_open(const char *path, char *err, size_t errlen, int *rc)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC), e = errno;
	FILE *f;

	*rc = 0;
	if (fd < 0) {
		if (e == ENOENT || e == ENOTDIR)
			return NULL;
		err_set(err, errlen, "%s: %s", path, strerror(e));
		*rc = e == EACCES ? -2 : -1;
		return NULL;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (f = fdopen(fd, "r")) == NULL) {
		err_set(err, errlen, "%s: not a regular file", path);
		close(fd);
		*rc = -1;
		return NULL;
	}
	return f;
}

/*
 * Reads path into sf. 0 (also when it does not exist: nothing set), or -1
 * with err "PATH[:LINE]: why"; -2 when it may not be opened (EACCES).
 */
static int state_read(const char *path, struct state_file *sf, char *err, size_t errlen)
{
	char text[STATE_MAX_LINE + 2], why[128];
	size_t total = 0;
	int line = 0, rc = 0;
	FILE *f = state_open(path, err, errlen, &rc);

	if (f == NULL)
		return rc;
	while (rc == 0 && fgets(text, sizeof(text), f) != NULL) {
		size_t len = strlen(text);

		line++;
		total += len;
		if (total > STATE_MAX_BYTES || (len == sizeof(text) - 1 && text[len - 1] != '\n')) {
			err_set(err, errlen, "%s:%d: line or file too long", path, line);
			rc = -1;
		} else if (state_line(sf, text, line, why, sizeof(why)) < 0) {
			err_set(err, errlen, "%s:%d: %s", path, line, why);
			rc = -1;
		}
	}
	if (rc == 0 && ferror(f)) {
		err_set(err, errlen, "%s: %s", path, strerror(errno));
		rc = -1;
	}
	fclose(f);
	return rc;
}

void config_apply_source_state(struct parse_state *ps)
{
	struct config *cfg = ps->cfg;
	struct state_file sf;
	char *path = config_source_state_path(cfg->daemon.state_dir);
	char err[600];
	int rc;

	state_init(&sf);
	/*
	 * A user who may not read the state_dir cannot read the store either;
	 * the read-only commands (loads without secrets) then go on without it.
	 */
	rc = state_read(path, &sf, err, sizeof(err));
	if (rc == -1 || (rc == -2 && (ps->flags & CONFIG_LOAD_SECRETS))) {
		buf_printf(ps->errors, "%s\n", err);
		ps->nerrors++;
	}
	for (size_t j = 0; j < cfg->nsources; j++) {
		const struct state_entry *e = state_get(&sf, cfg->sources[j].id);

		if (e != NULL) {
			cfg->sources[j].enabled = e->enabled;
			cfg->sources[j].enabled_by_state = e->line > 0 ? e->line : 1;
		}
	}
	state_free(&sf);
	free(path);
}

static int write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

static struct buf state_text(const struct state_file *sf)
{
	struct buf b;

	buf_init(&b);
	buf_printf(&b, "# Written by 'speechwatch sources enable|disable'; applied over the\n"
		       "# configuration's 'enabled' keys at start and on reload.\n");
	for (size_t i = 0; i < sf->n; i++)
		buf_printf(&b, "%s %s\n", sf->v[i].id, sf->v[i].enabled ? "enabled" : "disabled");
	return b;
}

/* sf written to a temporary file in dirfd, fsync'd, renamed over the state file. */
static int state_write(int dirfd, const char *dir, const struct state_file *sf, char *err,
		       size_t errlen)
{
	char tmp[] = CONFIG_SOURCE_STATE_FILE ".XXXXXX";
	struct buf b = state_text(sf);
	int fd = -1, rc = -1;
	char *tmppath = xasprintf("%s/%s", dir, tmp);

	fd = mkstemp(tmppath);
	if (fd < 0)
		goto fail;
	/* the daemon may run as another user than the operator who writes it */
	if (fchmod(fd, 0644) < 0 || write_all(fd, b.data ? b.data : "", b.len) < 0 ||
	    fsync(fd) < 0 || close(fd) < 0) {
		fd = -1;
		goto fail_unlink;
	}
	fd = -1;
	if (renameat(AT_FDCWD, tmppath, dirfd, CONFIG_SOURCE_STATE_FILE) < 0 || fsync(dirfd) < 0)
		goto fail_unlink;
	rc = 0;
	goto done;
fail_unlink:
	err_set(err, errlen, "%s: %s", tmppath, strerror(errno));
	unlink(tmppath);
	goto done;
fail:
	err_set(err, errlen, "%s: %s", tmppath, strerror(errno));
done:
	if (fd >= 0)
		close(fd);
	free(tmppath);
	buf_free(&b);
	return rc;
}

int config_source_state_set(const char *state_dir, const char *id, int enabled, char *err,
			    size_t errlen)
{
	struct state_file sf;
	char *path = config_source_state_path(state_dir);
	int dirfd, rc = -1;

	if (mkdir(state_dir, 0750) < 0 && errno != EEXIST) {
		err_set(err, errlen, "%s: %s", state_dir, strerror(errno));
		free(path);
		return -1;
	}
	state_init(&sf);
	dirfd = open(state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0 || flock(dirfd, LOCK_EX) < 0) {
		err_set(err, errlen, "%s: %s", state_dir, strerror(errno));
		goto done;
	}
	if (state_read(path, &sf, err, errlen) < 0)
		goto done;
	state_put(&sf, id, enabled, 0);
	rc = state_write(dirfd, state_dir, &sf, err, errlen);
done:
	if (dirfd >= 0)
		close(dirfd); /* releases the flock */
	state_free(&sf);
	free(path);
	return rc;
}
