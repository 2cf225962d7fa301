/*
 * daemon/reloadstatus: the outcome of the daemon's last reload, kept in
 * STATE_DIR/reload.status so that `speechwatch reload` (systemd's
 * ExecReload) can tell systemctl whether the new config was taken or
 * refused. One line "PID SEQ ok|refused", then the refusal's messages.
 * SEQ counts the reloads of that daemon, so a reader that saw SEQ before
 * its SIGHUP knows a later SEQ answers it.
 */
#ifndef SW_RELOADSTATUS_H
#define SW_RELOADSTATUS_H

#include <stddef.h>

struct reload_status {
	long pid;	   /* the daemon that reloaded */
	unsigned long seq; /* its reload count, from 1 */
	int ok;		   /* 1 taken, 0 refused */
	char detail[2048]; /* a refusal's FILE:LINE messages (cut to fit) */
};

/*
 * Replaces state_dir's status (written aside, then renamed: a reader sees
 * the old or the new file whole). errors: a refusal's messages, may be NULL.
 * 0, or -1 with errno set.
 */
int reloadstatus_write(const char *state_dir, unsigned long seq, int ok, const char *errors);

/* 1 with *rs filled, 0 when there is no status (yet), -1 when it is unreadable. */
int reloadstatus_read(const char *state_dir, struct reload_status *rs);

#endif
