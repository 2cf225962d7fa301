/*
 * Reading one config file: permission and UTF-8 checks, then libinih driven
 * through our own line reader, which knows the line number, refuses lines
 * longer than libinih's buffer instead of letting it split them, and opens
 * sections itself so that every header gets its own line in messages.
 */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <ini.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utf8proc.h>

#include "common/xmalloc.h"
#include "config/config_int.h"

/* libinih's compiled-in line buffer (INI_MAX_LINE in Debian's build). */
#define LINE_MAX_BYTES 200
#define FILE_MAX_BYTES (4 * 1024 * 1024)
#define ERR_NOT_REGULAR (-1) /* read_whole: an include that is not a regular file */

struct line_reader {
	struct parse_state *ps;
	const char *data;
	size_t len, pos;
};

static const char *intern_file(struct config *cfg, const char *path)
{
	for (size_t i = 0; i < cfg->files.n; i++)
		if (strcmp(cfg->files.v[i], path) == 0)
			return cfg->files.v[i];
	strlist_add(&cfg->files, path);
	return cfg->files.v[cfg->files.n - 1];
}

/* Returns the 1-based line of the first invalid UTF-8 byte, or 0. */
static int first_invalid_utf8_line(const char *data, size_t len)
{
	size_t pos = 0;
	int line = 1;

	while (pos < len) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t n;
		size_t left = len - pos;

		n = utf8proc_iterate((const utf8proc_uint8_t *)data + pos,
				     left > 4 ? 4 : (utf8proc_ssize_t)left, &cp);
		if (n <= 0 || cp == 0)
			return line;
		if (cp == '\n')
			line++;
		pos += (size_t)n;
	}
	return 0;
}

/* ini_reader: one line per call, left-trimmed (no continuation lines). */
static char *reader_next_line(char *str, int num, void *stream)
{
	struct line_reader *r = stream;
	size_t start, end, linelen;

	if (r->pos >= r->len)
		return NULL;
	start = r->pos;
	end = start;
	while (end < r->len && r->data[end] != '\n')
		end++;
	r->pos = end < r->len ? end + 1 : end;
	r->ps->line++;
	while (start < end && (r->data[start] == ' ' || r->data[start] == '\t'))
		start++;
	linelen = end - start;
	if (linelen > 0 && r->data[end - 1] == '\r')
		linelen--;
	if (linelen + 2 > (size_t)num) {
		config_error(r->ps, "line longer than %d characters", num - 2);
		str[0] = '\n';
		str[1] = '\0';
		return str;
	}
	memcpy(str, r->data + start, linelen);
	str[linelen] = '\n';
	str[linelen + 1] = '\0';
	if (linelen > 0 && strchr(";#[", str[0]) == NULL && strpbrk(str, "=:") == NULL) {
		config_error(r->ps, "expected 'key = value' or '[section]'");
		str[0] = '\n';
		str[1] = '\0';
		return str;
	}
	if (str[0] == '[') {
		char *close = strrchr(str, ']');

		if (close == NULL) {
			config_error(r->ps, "section header without ']'");
			str[0] = '\n';
			str[1] = '\0';
			return str;
		}
		*close = '\0';
		config_open_section(r->ps, str + 1);
		*close = ']';
	}
	return str;
}

static void include_glob(struct parse_state *ps, const char *pattern)
{
	char *full = config_path_relative(ps->file, pattern);
	const char *file = ps->file;
	int line = ps->line;
	glob_t g;
	int rc;

	rc = glob(full, GLOB_ERR, NULL, &g);
	if (rc == GLOB_NOMATCH) {
		if (strpbrk(pattern, "*?[") == NULL)
			config_error(ps, "include '%s': no such file", pattern);
	} else if (rc != 0) {
		config_error(ps, "include '%s': cannot read directory", pattern);
	} else {
		for (size_t i = 0; i < g.gl_pathc; i++)
			config_parse_file(ps, g.gl_pathv[i], file, line);
	}
	if (rc == 0)
		globfree(&g);
	free(full);
}

/* ini_handler */
static int handle_key(void *user, const char *section, const char *name, const char *value)
{
	struct parse_state *ps = user;

	(void)section; /* the reader tracks sections, with their line numbers */
	if (strcmp(name, "include") == 0)
		include_glob(ps, value);
	else
		config_apply_key(ps, name, value);
	return 1;
}

static int file_checks(struct parse_state *ps, const char *path, const char *data, size_t len)
{
	struct stat st;
	int bad_line;

	if (stat(path, &st) == 0 && (st.st_mode & S_IWOTH)) {
		config_error_at(ps, path, 1, "file is writable by others (chmod o-w)");
		return -1;
	}
	bad_line = first_invalid_utf8_line(data, len);
	if (bad_line) {
		config_error_at(ps, path, bad_line, "file is not valid UTF-8");
		return -1;
	}
	return 0;
}

/*
 * An included file must be a regular file: a FIFO would block the load (and
 * a reload, on the daemon's loop) until a writer appears, a device could
 * stream forever. O_NONBLOCK makes the open itself return at once on a FIFO,
 * and fstat checks what was opened, not a name that could change meanwhile.
 * The main file may be anything readable ("-c <(...)" in a shell).
 */
static FILE *open_config(const char *path, int regular_only, int *err)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | (regular_only ? O_NONBLOCK : 0));
	FILE *f;

	if (fd < 0) {
		*err = errno;
		return NULL;
	}
	if (regular_only && (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))) {
		close(fd);
		*err = ERR_NOT_REGULAR;
		return NULL;
	}
	f = fdopen(fd, "rb");
	if (f == NULL) {
		*err = errno;
		close(fd);
	}
	return f;
}

static const char *read_error(int err)
{
	return err == ERR_NOT_REGULAR ? "not a regular file" : strerror(err);
}

static char *read_whole(const char *path, int regular_only, size_t *len, int *err)
{
	FILE *f;
	struct buf b;
	char chunk[8192];
	size_t n;

	*err = 0;
	f = open_config(path, regular_only, err);
	if (f == NULL)
		return NULL;
	buf_init(&b);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		buf_append(&b, chunk, n);
		if (b.len > FILE_MAX_BYTES)
			break;
	}
	if (ferror(f))
		*err = errno ? errno : EIO;
	fclose(f);
	if (b.len > FILE_MAX_BYTES)
		*err = EFBIG;
	if (*err) {
		buf_free(&b);
		return NULL;
	}
	*len = b.len;
	return buf_steal(&b);
}

/*
 * Each file is read once per load. A second include of it is a loop or a
 * duplicate (its sections would clash), and refusing it keeps files that
 * include each other's directory from multiplying up to the depth limit.
 * Compared by canonical path, so "./a.conf" and "a.conf" are one file.
 */
static int already_read(struct parse_state *ps, const char *path)
{
	char *canon = realpath(path, NULL);
	const char *key = canon ? canon : path;

	for (size_t i = 0; i < ps->read.n; i++)
		if (strcmp(ps->read.v[i], key) == 0) {
			free(canon);
			return 1;
		}
	strlist_add(&ps->read, key);
	free(canon);
	return 0;
}

void config_parse_file(struct parse_state *ps, const char *path, const char *from_file,
		       int from_line)
{
	struct parse_state saved = *ps;
	struct line_reader r;
	size_t len = 0;
	int err;
	char *data;

	if (ps->depth >= CONFIG_MAX_INCLUDE_DEPTH) {
		config_error_at(ps, from_file, from_line, "include of '%s' nested too deep", path);
		return;
	}
	if (already_read(ps, path)) {
		config_error_at(ps, from_file, from_line,
				"include of '%s': this file was already read (an include loop or "
				"a duplicate include)",
				path);
		return;
	}
	data = read_whole(path, from_file != NULL, &len, &err);
	if (data == NULL) {
		if (from_file)
			config_error_at(ps, from_file, from_line, "cannot read '%s': %s", path,
					read_error(err));
		else
			config_error_at(ps, path, 0, "cannot read: %s", read_error(err));
		return;
	}
	ps->file = intern_file(ps->cfg, path);
	ps->line = 0;
	ps->depth++;
	ps->sec = SEC_NONE;
	ps->sec_ok = 1;
	ps->set_lines = NULL;
	if (file_checks(ps, path, data, len) == 0) {
		r.ps = ps;
		r.data = data;
		r.len = len;
		r.pos = 0;
		ini_parse_stream(reader_next_line, &r, handle_key, ps);
		config_close_section(ps);
	}
	free(data);
	/* Back in the including file: its section goes on after the include line. */
	ps->file = saved.file;
	ps->line = saved.line;
	ps->depth = saved.depth;
	ps->sec = saved.sec;
	ps->sec_index = saved.sec_index;
	ps->sec_ok = saved.sec_ok;
	ps->sec_line = saved.sec_line;
	ps->set_lines = saved.set_lines;
}
