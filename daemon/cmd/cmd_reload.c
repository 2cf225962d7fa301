/*
 * reload: what systemd's ExecReload runs (no /bin/kill needed). Finds the
 * running daemon through its state lock, sends it SIGHUP and waits for the
 * outcome the daemon records (reloadstatus.h), so that a config the daemon
 * refuses makes `systemctl reload` fail while the daemon keeps the old one.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "config/config.h"
#include "daemon/cmd/cmd.h"
#include "daemon/reloadstatus.h"
#include "daemon/statelock.h"

/* How long the daemon may take to read, validate and apply a config. */
#define RELOAD_WAIT_MS 20000
#define RELOAD_STEP_MS 50

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

/*
 * Waits for pid's answer to the SIGHUP sent after it had answered `before`
 * reloads: 1 with *rs, 0 when the daemon ended, -1 on timeout.
 */
static int wait_answer(const char *state_dir, long pid, unsigned long before,
		       struct reload_status *rs)
{
	for (long waited = 0; waited < RELOAD_WAIT_MS; waited += RELOAD_STEP_MS) {
		if (reloadstatus_read(state_dir, rs) == 1 && rs->pid == pid && rs->seq != before)
			return 1;
		if (kill((pid_t)pid, 0) < 0 && errno == ESRCH)
			return 0;
		sleep_ms(RELOAD_STEP_MS);
	}
	return -1;
}

/* Prints the outcome for pid's answer; the exit status. */
static int report(const char *state_dir, long pid, unsigned long before)
{
	struct reload_status rs;
	int got = wait_answer(state_dir, pid, before, &rs);

	if (got == 0) {
		fprintf(stderr, "speechwatch reload: the daemon (pid %ld) ended\n", pid);
		return EXIT_RUNTIME;
	}
	if (got < 0) {
		fprintf(stderr, "speechwatch reload: no answer from the daemon (pid %ld) in %d s\n",
			pid, RELOAD_WAIT_MS / 1000);
		return EXIT_RUNTIME;
	}
	if (rs.ok) {
		printf("reloaded: the daemon (pid %ld) runs on the new configuration\n", pid);
		return EXIT_OK;
	}
	fputs(rs.detail, stderr);
	fprintf(stderr,
		"speechwatch reload: refused; the daemon (pid %ld) keeps its previous "
		"configuration\n",
		pid);
	return EXIT_RUNTIME;
}

/* SIGHUP to the daemon holding state_dir; the exit status. */
static int signal_daemon(const char *state_dir)
{
	struct reload_status rs;
	char err[600];
	long pid = 0;
	int held = statelock_holder(state_dir, &pid, err, sizeof(err));

	if (held < 0) {
		fprintf(stderr, "speechwatch reload: %s\n", err);
		return EXIT_RUNTIME;
	}
	if (held == 0) {
		fprintf(stderr, "speechwatch reload: no daemon runs on %s\n", state_dir);
		return EXIT_RUNTIME;
	}
	if (reloadstatus_read(state_dir, &rs) != 1 || rs.pid != pid)
		rs.seq = 0;
	if (kill((pid_t)pid, SIGHUP) < 0) {
		fprintf(stderr, "speechwatch reload: cannot signal the daemon (pid %ld): %s\n", pid,
			strerror(errno));
		return EXIT_RUNTIME;
	}
	return report(state_dir, pid, rs.seq);
}

int cmd_reload(const struct cmd_opts *o, int argc, char **argv)
{
	struct config *cfg;
	int rc;

	(void)argv;
	if (argc != 0 || o->json) {
		fputs("usage: speechwatch reload [-c FILE]\n", stderr);
		return EXIT_USAGE;
	}
	/* A file that does not load is not sent: the daemon would refuse it too. */
	cfg = cmd_load_config(o);
	if (cfg == NULL) {
		fprintf(stderr,
			"speechwatch reload: %s is invalid; not reloaded, the daemon keeps its "
			"previous configuration\n",
			o->config_path);
		return EXIT_RUNTIME;
	}
	rc = signal_daemon(cfg->daemon.state_dir);
	config_free(cfg);
	return rc;
}
