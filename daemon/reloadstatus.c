#include "daemon/reloadstatus.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/xmalloc.h"

int reloadstatus_write(const char *state_dir, unsigned long seq, int ok, const char *errors)
{
	char *path = xasprintf("%s/reload.status", state_dir);
	char *tmp = xasprintf("%s/reload.status.tmp", state_dir);
	FILE *f = fopen(tmp, "we");
	int rc = -1;

	if (f == NULL)
		goto out;
	fprintf(f, "%ld %lu %s\n%s", (long)getpid(), seq, ok ? "ok" : "refused",
		errors ? errors : "");
	if (fclose(f) != 0 || rename(tmp, path) < 0) {
		int saved = errno;

		unlink(tmp);
		errno = saved;
		goto out;
	}
	rc = 0;
out:
	free(tmp);
	free(path);
	return rc;
}

/* Parses "PID SEQ ok|refused\n" and the rest of text into rs. */
static int parse(const char *text, struct reload_status *rs)
{
	char word[16];
	const char *nl = strchr(text, '\n');

	if (nl == NULL || sscanf(text, "%ld %lu %15s", &rs->pid, &rs->seq, word) != 3)
		return -1;
	if (strcmp(word, "ok") != 0 && strcmp(word, "refused") != 0)
		return -1;
	rs->ok = strcmp(word, "ok") == 0;
	snprintf(rs->detail, sizeof(rs->detail), "%s", nl + 1);
	return 1;
}

int reloadstatus_read(const char *state_dir, struct reload_status *rs)
{
	char *path = xasprintf("%s/reload.status", state_dir);
	char text[sizeof(rs->detail) + 64];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	free(path);
	memset(rs, 0, sizeof(*rs));
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n < 0)
		return -1;
	text[n] = '\0';
	return parse(text, rs);
}
