/* SPDX-License-Identifier: MIT */
/*
 * PID 1 of the capture initrd. It mounts the kernel filesystems, opens
 * the console, forks the worker that does the capture, reaps children and
 * watches the clock, then reboots, halts or powers off. Nothing here may
 * exit or return: the kernel panics when PID 1 dies.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "config.h"
#include "progress.h"
#include "util.h"
#include "worker.h"

/* The watchdog has two phases. Until the worker says the dump starts
 * (SIGUSR1), it gets device_timeout plus this for modules, mounting and
 * the kernel log; then dump_timeout, or the cap when that is 0 (no
 * limit): a hung disk must not keep the machine down forever. */
#define WATCHDOG_SETUP_S 300
#define WATCHDOG_CAP_S (6 * 3600)

static void mount_one(const char *src, const char *dir, const char *type)
{
	mkdir(dir, 0755);
	if (mount(src, dir, type, MS_NOSUID | MS_NOEXEC, NULL) &&
	    errno != EBUSY)
		msg("cannot mount %s on %s: %s", type, dir, strerror(errno));
}

static void console_open(void)
{
	int fd = open("/dev/console", O_RDWR | O_NOCTTY);

	/* Without a console the kernel's own fds (if any) are kept. */
	if (fd < 0)
		return;
	for (int i = 0; i < 3; i++)
		if (fd != i)
			dup2(fd, i);
	if (fd > 2)
		close(fd);
}

static pid_t worker_start(const struct kdi_config *cfg, int cfg_err,
			  const char *fallback)
{
	sigset_t all;
	pid_t pid = fork();

	if (pid)
		return pid;
	sigfillset(&all);
	sigprocmask(SIG_UNBLOCK, &all, NULL);
	_exit(worker_main(cfg, cfg_err, fallback));
}

static void reap(pid_t worker, int *status, bool *done)
{
	pid_t pid;
	int st;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0)
		if (pid == worker) {
			*status = st;
			*done = true;
		}
}

/* @s seconds (> 0) as a timespec, for sigtimedwait(). */
static struct timespec timespec_of(double s)
{
	struct timespec t = {.tv_sec = (time_t)s};

	t.tv_nsec = (long)((s - (double)t.tv_sec) * 1e9);
	return t;
}

struct watchdog {
	double end; /* monotonic seconds */
	unsigned int limit;
	bool dumping;
};

static void watchdog_arm(struct watchdog *w, unsigned int limit, bool dumping)
{
	w->limit = limit;
	w->dumping = dumping;
	w->end = progress_now() + limit;
}

/* @return false, with a message, when the worker ran out of time. */
static bool watchdog_left(const struct watchdog *w, struct timespec *left)
{
	double s = w->end - progress_now();

	if (s <= 0) {
		if (w->dumping)
			msg("the dump took longer than dump_timeout (%u s): "
			    "stopping it",
			    w->limit);
		else
			msg("no dump started within %u s: stopping the capture",
			    w->limit);
		return false;
	}
	*left = timespec_of(s);
	return true;
}

enum outcome {
	W_SAVED,   /* exit status 0 */
	W_FAILED,  /* another status: it said why */
	W_DIED,	   /* killed by a signal not ours: a crash */
	W_STOPPED, /* out of time: the watchdog killed it */
};

/* How the worker ended; *@sig gets the signal that killed it. */
static enum outcome worker_wait(pid_t worker, const struct kdi_config *cfg,
				int *sig)
{
	unsigned int dump_limit = cfg->dump_timeout;
	struct timespec left;
	struct watchdog w;
	siginfo_t si;
	sigset_t set;
	bool done = false;
	int st = 0;

	if (!dump_limit || dump_limit > WATCHDOG_CAP_S)
		dump_limit = WATCHDOG_CAP_S;
	/* The network's timeouts only count for a network target, but
	 * a few minutes more before a reboot cost nothing here. */
	watchdog_arm(&w,
		     cfg->tgt.device_timeout + cfg->tgt.net.timeout +
			     cfg->tgt.retry_window + WATCHDOG_SETUP_S,
		     false);
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGUSR1);
	for (;;) {
		reap(worker, &st, &done);
		if (done)
			break;
		if (!watchdog_left(&w, &left)) {
			kill(worker, SIGKILL);
			return W_STOPPED;
		}
		if (sigtimedwait(&set, &si, &left) == SIGUSR1 &&
		    si.si_pid == worker && !w.dumping)
			watchdog_arm(&w, dump_limit, true);
	}
	if (WIFSIGNALED(st)) {
		*sig = WTERMSIG(st);
		msg("the capture was killed by signal %d (%s)", *sig,
		    strsignal(*sig));
		return W_DIED;
	}
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? W_SAVED : W_FAILED;
}

static const char *action_name(enum kdi_action a)
{
	switch (a) {
	case ACTION_HALT:
		return "halting";
	case ACTION_POWEROFF:
		return "powering off";
	default:
		return "rebooting";
	}
}

static int action_cmd(enum kdi_action a)
{
	switch (a) {
	case ACTION_HALT:
		return RB_HALT_SYSTEM;
	case ACTION_POWEROFF:
		return RB_POWER_OFF;
	default:
		return RB_AUTOBOOT;
	}
}

/* How long the last sync() may take before the action goes ahead. */
#define SYNC_WAIT_S 30

/*
 * sync() in a child, waited for SYNC_WAIT_S at most: after the watchdog
 * killed a worker stuck on a hung disk, sync() blocks on that same disk,
 * and PID 1 must still reach the configured action.
 */
static void sync_bounded(void)
{
	struct timespec left;
	double end = progress_now() + SYNC_WAIT_S;
	sigset_t set;
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		sync();
		_exit(0);
	}
	if (pid < 0)
		return; /* no sync rather than a hang */
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	while (waitpid(pid, &st, WNOHANG) == 0) {
		double s = end - progress_now();

		if (s <= 0) {
			msg("sync did not finish in %d s (a hung disk?): going "
			    "on without it",
			    SYNC_WAIT_S);
			return;
		}
		left = timespec_of(s);
		sigtimedwait(&set, NULL, &left);
	}
}

static _Noreturn void act(enum kdi_action a)
{
	int cmd = action_cmd(a);
	pid_t pid;
	sigset_t set;

	msg("%s", action_name(a));
	sync_bounded();
	/* reboot() ends the task that calls it before the machine goes
	 * down; in PID 1 that would be a panic first. Let a child do it. */
	pid = vfork();
	if (pid == 0) {
		reboot(cmd);
		_exit(EXIT_SYSTEM);
	}
	if (pid < 0)
		reboot(cmd);
	msg("%s failed: %s", action_name(a), strerror(errno));
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	for (;;) {
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		sigwaitinfo(&set, NULL);
	}
}

_Noreturn void pid1_main(int argc, char **argv)
{
	struct kdi_config cfg;
	enum outcome outcome;
	char why[128];
	sigset_t all;
	pid_t worker;
	int cfg_err, sig = 0;

	(void)argc;
	(void)argv;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
	umask(077);
	mount_one("devtmpfs", "/dev", "devtmpfs");
	console_open();
	mount_one("proc", "/proc", "proc");
	mount_one("sysfs", "/sys", "sysfs");
	msg("capture kernel started, version " KDI_VERSION);

	/* Read here so that the actions and the watchdog follow the config;
	 * the worker inherits it. */
	cfg_err = config_load(&cfg);
	worker = worker_start(&cfg, cfg_err, NULL);
	if (worker < 0) {
		msg("cannot start the capture: %s", strerror(errno));
		act(cfg.failure_action);
	}
	outcome = worker_wait(worker, &cfg, &sig);
	if (outcome == W_SAVED)
		act(cfg.final_action);
	/* A crash, most likely on the crashed kernel's corrupt tables:
	 * once more, trusting none of them. Then the failure_action
	 * anyway, since the dump is not the one configured. */
	if (outcome == W_DIED) {
		snprintf(why, sizeof(why),
			 "the first attempt was killed by signal %d (%s)", sig,
			 strsignal(sig));
		worker = worker_start(&cfg, cfg_err, why);
		if (worker > 0)
			worker_wait(worker, &cfg, &sig);
	}
	act(cfg.failure_action);
}
