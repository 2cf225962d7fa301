/*
 * daemon/statelock: one daemon per state directory. run and once hold an
 * exclusive flock(2) on STATE_DIR/speechwatch.lock for their whole life (the
 * kernel drops it when the process ends, also after kill -9); the file
 * holds the owner's pid for the message a second instance prints.
 * Read-only commands (status, search, preview) take no lock.
 */
#ifndef SW_STATELOCK_H
#define SW_STATELOCK_H

#include <stddef.h>

/*
 * Takes the lock of state_dir. Returns its file descriptor (kept open
 * while the lock is wanted; statelock_release ends it), or -1 with err
 * naming the directory and, when another process holds it, that pid.
 */
int statelock_take(const char *state_dir, char *err, size_t errlen);

/*
 * Who holds state_dir's lock, without disturbing it: 1 with *pid (a run or
 * once), 0 when nobody does, -1 with err when the lock file cannot be read
 * (another user's) or names no pid.
 */
int statelock_holder(const char *state_dir, long *pid, char *err, size_t errlen);

/* Releases a lock statelock_take returned; -1 is ignored. */
void statelock_release(int fd);

#endif
