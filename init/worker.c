/* SPDX-License-Identifier: MIT */
/*
 * The capture worker. Its main reads as the list of steps; each step is a
 * small function below. The kernel log is saved before the dump so that it
 * survives a dump that fails (a full disk), and the summary says what
 * happened either way.
 */
#include "worker.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "dmesg.h"
#include "dump.h"
#include "flat.h"
#include "modules.h"
#include "progress.h"
#include "summary.h"
#include "transport.h"
#include "util.h"
#include "vmcore.h"

/* The kernel command line into @line (NUL-terminated). @return 0 or
 * -errno. */
static int cmdline_read(char *line, size_t size)
{
	int fd = open(CMDLINE_FILE, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	line[0] = 0;
	if (fd < 0)
		return -errno;
	n = read(fd, line, size - 1);
	close(fd);
	line[n > 0 ? n : 0] = 0;
	return 0;
}

int config_load(struct kdi_config *cfg)
{
	char line[4096];
	int err;

	config_defaults(cfg);
	err = config_parse_file(cfg, CONFIG_FILE);
	if (cmdline_read(line, sizeof(line))) {
		msg("cannot read %s: %s", CMDLINE_FILE, strerror(errno));
		return err;
	}
	/* The command line wins over the file, as the user typed it last. */
	if (config_apply_cmdline(cfg, line) && !err)
		err = -EINVAL;
	return err;
}

/*
 * Fault injection for the test of PID 1's fallback (qemu-tests/
 * capture-local.test): with kdumpinit_test_fault=@what on the capture
 * kernel's command line, the first worker dies by SIGSEGV there, as it
 * would on a crashed kernel's corrupt table. Nothing else reads it.
 */
static void test_fault(const char *what)
{
	char line[4096], want[64];

	if (cmdline_read(line, sizeof(line)))
		return;
	snprintf(want, sizeof(want), "kdumpinit_test_fault=%s", what);
	for (char *p = line; (p = strstr(p, want)); p++)
		if ((p == line || p[-1] == ' ') &&
		    (!p[strlen(want)] || strchr(" \n", p[strlen(want)])))
			raise(SIGSEGV);
}

/* A host name fit for a directory name: letters, digits, '.', '-', '_'. */
static void host_clean(char *s)
{
	for (; *s; s++)
		if (!(*s >= 'a' && *s <= 'z') && !(*s >= 'A' && *s <= 'Z') &&
		    !(*s >= '0' && *s <= '9') && *s != '.' && *s != '-')
			*s = '_';
}

/* The crashed kernel's utsname nodename, read from its memory. */
static bool crashed_nodename(struct vmcore *vc, char *out, size_t size)
{
	char uts[2][65]; /* new_utsname: sysname, nodename, ... */
	int64_t addr, off = 0;
	struct memsrc ms;

	if (!vmcoreinfo_get(&vc->vi, "SYMBOL", "init_uts_ns", &addr))
		return false;
	vmcoreinfo_get(&vc->vi, "OFFSET", "uts_namespace.name", &off);
	vmcore_memsrc(vc, &ms);
	if (memsrc_read_virt(&ms, (uint64_t)(addr + off), uts, sizeof(uts)))
		return false;
	/* Reading the wrong place is likely on an unknown layout: trust
	 * the name only if the sysname next to it looks right. */
	uts[0][64] = uts[1][64] = 0;
	if (strcmp(uts[0], "Linux") || !uts[1][0] || !strcmp(uts[1], "(none)"))
		return false;
	snprintf(out, size, "%s", uts[1]);
	return true;
}

static int dumpdir_create(struct target *t, struct vmcore *vc,
			  const struct kdi_config *cfg, struct capture *cap)
{
	char host[65] = "localhost", when[32], base[128];
	struct tm tm;

	if (cfg->hostname[0])
		snprintf(host, sizeof(host), "%s", cfg->hostname);
	else
		crashed_nodename(vc, host, sizeof(host));
	host_clean(host);
	cap->crash_time =
		vc->vi.has_crashtime ? (time_t)vc->vi.crashtime : time(NULL);
	/* A CRASHTIME out of gmtime's range: the capture's own clock. */
	if (!gmtime_r(&cap->crash_time, &tm)) {
		cap->crash_time = time(NULL);
		gmtime_r(&cap->crash_time, &tm);
	}
	strftime(when, sizeof(when), "%Y-%m-%d-%H:%M:%S", &tm);
	snprintf(base, sizeof(base), "%s-%s", host, when);
	return target_mkdir(t, base);
}

/* Copy the whole of memory file @fd to a sink. */
static int copy_fill(struct sink *out, void *arg)
{
	int fd = *(int *)arg;
	char buf[65536];
	uint64_t off = 0;
	ssize_t n;
	int err;

	while ((n = pread(fd, buf, sizeof(buf), (off_t)off)) > 0) {
		err = sink_pwrite(out, buf, (size_t)n, off);
		if (err)
			return err;
		off += (uint64_t)n;
	}
	if (n < 0)
		return -errno;
	return sink_sync(out);
}

static void dmesg_note(struct capture *cap, const char *what, int err)
{
	snprintf(cap->dmesg_why, sizeof(cap->dmesg_why), "%s: %s", what,
		 strerror(-err));
	msg("kernel log not saved: %s", cap->dmesg_why);
}

/*
 * Extract the log into memory first: the panic line is taken from it for
 * the summary, and every transport gets the same positioned writes.
 */
static void dmesg_save(struct target *t, struct vmcore *vc, struct capture *cap)
{
	struct memsrc ms;
	struct stat st;
	char *log;
	int err, fd = memfd_create("vmcore-dmesg", MFD_CLOEXEC);

	if (fd < 0) {
		dmesg_note(cap, "no memory file", -errno);
		return;
	}
	vmcore_memsrc(vc, &ms);
	err = dmesg_write(&ms, fd, 0);
	if (err)
		dmesg_note(cap, "cannot extract the kernel log", err);
	if (!err && !fstat(fd, &st) && st.st_size > 0) {
		log = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd,
			   0);
		if (log != MAP_FAILED) {
			summary_find_panic(cap, log, (size_t)st.st_size);
			munmap(log, (size_t)st.st_size);
		}
	}
	if (!err) {
		err = target_save(t, "vmcore-dmesg.txt", copy_fill, &fd);
		if (err)
			dmesg_note(cap, "cannot write vmcore-dmesg.txt", err);
	}
	close(fd);
}

struct dump_job {
	struct vmcore *vc;
	struct capture *cap;
	struct sink *out; /* for the stream: where flat records go */
	uint64_t pos;
};

/* A stream sink takes its bytes in order: feed it through the position. */
static int stream_write(void *ctx, const void *buf, size_t len)
{
	struct dump_job *j = ctx;
	int err = sink_pwrite(j->out, buf, len, j->pos);

	j->pos += len;
	return err;
}

static int dump_fill(struct sink *out, void *arg)
{
	struct dump_job *j = arg;
	struct sink fs;
	struct flat fl;
	int err, ferr;

	/* The sink decides: a stream cannot take the incomplete mark
	 * back, so it gets the flattened format. */
	if (out->positioned) {
		err = dump_write(j->vc, &j->cap->opts, out, &j->cap->res);
		return err ? err : sink_sync(out);
	}
	j->out = out;
	err = flat_init(&fl, &fs, stream_write, j);
	if (err)
		return err;
	err = dump_write(j->vc, &j->cap->opts, &fs, &j->cap->res);
	ferr = flat_finish(&fl);
	flat_free(&fl);
	if (!err)
		err = ferr;
	return err ? err : sink_sync(out);
}

static void dump_opts_set(struct dump_opts *o, const struct kdi_config *cfg)
{
	dump_opts_default(o);
	o->level = cfg->dump_level;
	o->format = cfg->format;
	o->compress = cfg->compress;
	o->zstd_level = cfg->zstd_level;
	o->threads = cfg->threads ? cfg->threads : dump_threads_auto();
}

/* The dump's file: the flattened stream where the target takes no
 * positioned writes. */
static const char *dump_name(const struct target *t)
{
	return t->positioned ? "vmcore" : "vmcore.flat";
}

static int dump_save(struct target *t, struct vmcore *vc, struct capture *cap)
{
	struct dump_job j = {.vc = vc, .cap = cap};
	const char *name = dump_name(t);
	int err;

	cap->dump_why[0] = 0;
	msg("saving the dump (level %d, %u thread%s) to %s/%s", cap->opts.level,
	    cap->opts.threads, cap->opts.threads == 1 ? "" : "s", t->where,
	    t->dir);
	err = target_save(t, name, dump_fill, &j);
	if (err) {
		snprintf(cap->dump_why, sizeof(cap->dump_why), "%s",
			 strerror(-err));
		msg("the dump is incomplete (%s): %s-incomplete is kept",
		    cap->dump_why, name);
	}
	return err;
}

/* The saved dump's SHA-256, where the target can compute it itself. */
static void dump_digest(struct target *t, struct capture *cap)
{
	char hex[65];
	int err;

	if (!t->tp->sha256)
		return;
	err = t->tp->sha256(t, dump_name(t), hex);
	if (err)
		snprintf(cap->sha256, sizeof(cap->sha256),
			 "not computed (the server could not: %s)",
			 strerror(-err));
	else
		snprintf(cap->sha256, sizeof(cap->sha256),
			 "%s (computed by the server)", hex);
}

static int summary_fill(struct sink *out, void *arg)
{
	const struct capture *cap = arg;
	char text[2048];
	size_t len = summary_format(cap, text, sizeof(text));
	int err = sink_pwrite(out, text, len, 0);

	return err ? err : sink_sync(out);
}

static int summary_save(struct target *t, struct capture *cap)
{
	int err = target_save(t, "summary.txt", summary_fill, cap);

	if (err)
		msg("cannot save summary.txt in %s/%s: %s", t->where, t->dir,
		    strerror(-err));
	return err;
}

/* PID 1's watchdog gives the dump dump_timeout from now on. */
static void watchdog_notify(void)
{
	if (getppid() == 1)
		kill(1, SIGUSR1);
}

/* "nfs srv:/export/var/crash/dir, eth0 10.0.2.15/24 (DHCP from ...)" */
static void target_note(struct capture *cap, const struct target *t,
			const struct net_state *net)
{
	char addr[64] = "";

	snprintf(cap->via, sizeof(cap->via), "%s", t->via);
	cap->flattened = !t->positioned;
	if (!net->ifname[0]) {
		snprintf(cap->target, sizeof(cap->target), "%s %s/%s",
			 t->conf->type, t->where, t->dir);
		return;
	}
	net_addr_str(&net->addr, addr, sizeof(addr));
	snprintf(cap->target, sizeof(cap->target), "%s %s/%s, %s %s/%u (%s)",
		 t->conf->type, t->where, t->dir, net->ifname, addr,
		 net->prefix, net->how);
}

int worker_main(const struct kdi_config *cfg, int cfg_err, const char *fallback)
{
	struct capture cap = {.start = progress_now()};
	struct net_state net;
	struct target t = {0};
	struct vmcore vc;
	int err;

	umask(077);
	/* A crash is rare and its dump precious: a bad line or override
	 * keeps its default, and the capture still tries. */
	if (cfg_err)
		msg("the configuration has errors (above): capturing with the "
		    "values that could be read");
	modules_load(MODULES_ORDER);
	err = target_prepare(&cfg->tgt, &net);
	if (err)
		goto err_close_target;
	err = target_open(&t, &cfg->tgt);
	if (err)
		goto err_close_target;
	err = vmcore_open(&vc, VMCORE_FILE);
	if (err)
		goto err_close_target;
	snprintf(cap.release, sizeof(cap.release), "%s", vc.vi.osrelease);
	err = dumpdir_create(&t, &vc, cfg, &cap);
	if (err)
		goto err_close_vmcore;
	target_note(&cap, &t, &net);
	dump_opts_set(&cap.opts, cfg);
	if (fallback) {
		snprintf(cap.fallback, sizeof(cap.fallback), "%s", fallback);
		snprintf(cap.dmesg_why, sizeof(cap.dmesg_why),
			 "not read again by the fallback (%s)", fallback);
		cap.opts.level = 0;
		cap.opts.raw = true;
		msg("fallback: %s: saving an unfiltered dump without reading "
		    "the crashed kernel's tables",
		    fallback);
	} else {
		dmesg_save(&t, &vc, &cap);
	}
	/* A first summary, replaced when the dump ends: if the disk fills
	 * up or the watchdog stops the dump, this one stays and says so. */
	snprintf(cap.dump_why, sizeof(cap.dump_why),
		 "the capture did not finish (out of space, stopped by the "
		 "watchdog, or the machine was reset)");
	summary_save(&t, &cap);
	if (!fallback)
		test_fault("crash-before-dump");
	watchdog_notify();
	err = dump_save(&t, &vc, &cap);
	cap.reconnects = t.reconnects;
	if (!err)
		dump_digest(&t, &cap);
	summary_save(&t, &cap);
	if (!err)
		msg("dump saved in %s/%s", t.where, t.dir);
err_close_vmcore:
	vmcore_close(&vc);
err_close_target:
	if (target_close(&t) && !err)
		err = -EIO;
	/* Every step says why it failed; this line is for the one that
	 * would not, so that no failure reaches failure_action unsaid. */
	if (err)
		msg("the capture failed: %s", strerror(-err));
	return err ? EXIT_SYSTEM : 0;
}
