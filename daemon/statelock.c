#include "daemon/statelock.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "common/err.h"
#include "common/xmalloc.h"

/* The pid written by the holder, or 0 when unreadable (it may be writing it). */
static long holder_pid(int fd)
{
	char buf[32];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return strtol(buf, NULL, 10);
}

static int refuse(int fd, const char *path, char *err, size_t errlen)
{
	long pid = holder_pid(fd);

	if (pid > 0)
		err_set(err, errlen,
			"%s is locked by another speechwatch (pid %ld) using the same state_dir; "
			"stop it first",
			path, pid);
	else
		err_set(
		    err, errlen,
		    "%s is locked by another speechwatch using the same state_dir; stop it first",
		    path);
	close(fd);
	return -1;
}

/* Records our pid for the next instance's message. */
static int write_pid(int fd)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());

	if (ftruncate(fd, 0) < 0 || pwrite(fd, buf, (size_t)n, 0) != n)
		return -1;
	return 0;
}

int statelock_take(const char *state_dir, char *err, size_t errlen)
{
	char *path = xasprintf("%s/speechwatch.lock", state_dir);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);

	if (fd < 0) {
		err_set(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno == EWOULDBLOCK)
			refuse(fd, path, err, errlen);
		else {
			err_set(err, errlen, "%s: lock: %s", path, strerror(errno));
			close(fd);
		}
		goto fail;
	}
	if (write_pid(fd) < 0) {
		err_set(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		goto fail;
	}
	free(path);
	return fd;
fail:
	free(path);
	return -1;
}

/* A shared lock for an instant: it fails only while an owner holds the exclusive one. */
static int lock_is_held(int fd)
{
	if (flock(fd, LOCK_SH | LOCK_NB) == 0) {
		flock(fd, LOCK_UN);
		return 0;
	}
	return errno == EWOULDBLOCK ? 1 : -1;
}

/*
 * The lock file's pid when it is alive and holds the lock. A dead pid needs
 * no flock (which could, for an instant, make a daemon starting just then
 * refuse): a daemon that has not written its pid yet reads the outbox as it
 * starts anyway.
 */
static int holder_check(int fd, long *pid)
{
	*pid = holder_pid(fd);
	if (*pid > 0 && kill((pid_t)*pid, 0) < 0 && errno == ESRCH)
		return 0;
	if (lock_is_held(fd) == 0)
		return 0;
	return *pid > 0 ? 1 : -1;
}

int statelock_holder(const char *state_dir, long *pid, char *err, size_t errlen)
{
	char *path = xasprintf("%s/speechwatch.lock", state_dir);
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW), held;

	*pid = 0;
	if (fd < 0 && errno == ENOENT) {
		free(path);
		return 0; /* no daemon ever ran here */
	}
	if (fd < 0) {
		err_set(err, errlen, "%s: %s", path, strerror(errno));
		free(path);
		return -1;
	}
	held = holder_check(fd, pid);
	if (held < 0)
		err_set(err, errlen, "%s: cannot tell which process holds it", path);
	if (held <= 0)
		*pid = 0;
	close(fd);
	free(path);
	return held;
}

void statelock_release(int fd)
{
	if (fd >= 0)
		close(fd);
}
