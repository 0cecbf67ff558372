/* SPDX-License-Identifier: MIT */
/*
 * kdumpinit load | unload | status: the crash kernel, through
 * kexec_file_load(2) (the kernel parses and, under lockdown, verifies the
 * image itself; no kexec-tools needed).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "commands.h"
#include "util.h"

#if __has_include(<linux/kexec.h>)
#include <linux/kexec.h>
#endif
#ifndef KEXEC_FILE_UNLOAD
#define KEXEC_FILE_UNLOAD 0x1
#endif
#ifndef KEXEC_FILE_ON_CRASH
#define KEXEC_FILE_ON_CRASH 0x2
#endif

#define CRASH_LOADED "/sys/kernel/kexec_crash_loaded"
#define CRASH_SIZE "/sys/kernel/kexec_crash_size"
/* x86's COMMAND_LINE_SIZE, the terminating NUL included. */
#define CMDLINE_MAX 2048

/* What the capture kernel must not inherit: the running system's root and
 * init, memory options sized for the whole machine, and what we add. */
static const char *const cmdline_drop[] = {
	/* clang-format off */
	"BOOT_IMAGE", "initrd", "root", "rootflags", "rootfstype", "rootwait",
	"ro", "rw", "init", "rdinit", "resume", "resume_offset", "crashkernel",
	"mem", "hugepages", "hugepagesz", "default_hugepagesz", "hugetlb_cma",
	"cma", "slub_debug", "log_buf_len", "kfence.sample_interval", "quiet",
	"splash", "nomodule", "nr_cpus", "maxcpus", "irqpoll", "reset_devices",
	"panic", "numa", "mce", "cgroup_disable", "transparent_hugepage",
	"acpi_no_memhotplug", "novmcoredd", "hest_disable",
	/* clang-format on */
};

/* Devices reset, no memory hotplug, no NUMA: the capture kernel lives in
 * a small reservation. panic=10: a capture kernel that panics reboots
 * instead of hanging (Debian's kernel does not by default). */
static const char cmdline_add[] =
	"reset_devices irqpoll panic=10 mce=ignore_ce numa=off "
	"cgroup_disable=memory acpi_no_memhotplug transparent_hugepage=never "
	"novmcoredd hest_disable cma=0 hugetlb_cma=0";

/* One CPU, unless the appended words give a count: the kernel keeps the
 * smallest nr_cpus it is given, so ours would win over the user's. */
static const char cmdline_cpus[] = "nr_cpus=1";

static bool word_dropped(const char *w, size_t len)
{
	size_t klen = strcspn(w, "=");

	if (klen > len)
		klen = len;
	for (size_t i = 0; i < ARRAY_SIZE(cmdline_drop); i++)
		if (strlen(cmdline_drop[i]) == klen &&
		    !strncmp(w, cmdline_drop[i], klen))
			return true;
	/* Subsystems that belong to the running system's userland. */
	return !strncmp(w, "rd.", 3) || !strncmp(w, "systemd.", 8);
}

static void add_word(char *out, size_t size, const char *w, size_t len)
{
	size_t n = strlen(out);

	snprintf(out + n, size - n, "%s%.*s", n ? " " : "", (int)len, w);
}

/* Whether the words of @s have one that starts with @key. */
static bool has_word(const char *s, const char *key)
{
	for (s += strspn(s, " \t\n"); *s; s += strspn(s, " \t\n")) {
		if (!strncmp(s, key, strlen(key)))
			return true;
		s += strcspn(s, " \t\n");
	}
	return false;
}

/* Words of @base minus the dropped ones, then ours, then @append. Quoted
 * words ("a b") are kept whole. @return 0 or -E2BIG. */
static int cmdline_build(const char *base, const char *append, char *out,
			 size_t size)
{
	const char *s = base;
	size_t len;
	bool q;

	out[0] = 0;
	while (*(s += strspn(s, " \t\n"))) {
		q = false;
		for (len = 0; s[len] && (q || !strchr(" \t\n", s[len])); len++)
			q ^= s[len] == '"';
		/* What follows "--" is for the running system's init. */
		if (len == 2 && !strncmp(s, "--", 2))
			break;
		if (!word_dropped(s, len))
			add_word(out, size, s, len);
		s += len;
	}
	add_word(out, size, cmdline_add, strlen(cmdline_add));
	if (!append || !has_word(append, "nr_cpus="))
		add_word(out, size, cmdline_cpus, strlen(cmdline_cpus));
	if (append && *append)
		add_word(out, size, append, strlen(append));
	return strlen(out) + 1 >= size ? -E2BIG : 0;
}

static int file_read(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;
	int err;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	err = -errno;
	close(fd);
	if (n < 0)
		return err;
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

static unsigned long long crash_size(void)
{
	char buf[64];

	if (file_read(CRASH_SIZE, buf, sizeof(buf)))
		return 0;
	return strtoull(buf, NULL, 10);
}

/* The kernel says little: turn its errno into what to do. */
static void load_explain(int err, const char *kernel, const char *initrd)
{
	unsigned long long sz = crash_size();

	switch (err) {
	case -EPERM:
		msg("the kernel refused to load %s: %s. Run as root. Under "
		    "Secure Boot or lockdown (cat /sys/kernel/security/"
		    "lockdown) the kernel image must be signed by a key the "
		    "running kernel trusts: use the distribution's signed "
		    "vmlinuz",
		    kernel, strerror(-err));
		break;
	case -EKEYREJECTED:
	case -EBADMSG:
		msg("the signature of %s was rejected (%s): use a kernel "
		    "signed by a key the running kernel trusts",
		    kernel, strerror(-err));
		break;
	case -ENOMEM:
	case -EADDRNOTAVAIL:
		if (!sz)
			msg("no memory is reserved for a crash kernel "
			    "(%s is 0): boot with crashkernel=256M on the "
			    "kernel command line (Debian: "
			    "GRUB_CMDLINE_LINUX_DEFAULT in /etc/default/grub, "
			    "update-grub, reboot)",
			    CRASH_SIZE);
		else
			msg("%s and %s do not fit in the %llu MiB reserved "
			    "for a crash kernel (%s): use a larger "
			    "crashkernel= or a smaller initrd",
			    kernel, initrd, sz >> 20, CRASH_SIZE);
		break;
	case -ENOEXEC:
		msg("%s is not a kernel image this kernel can load (a bzImage "
		    "for this architecture): %s",
		    kernel, strerror(-err));
		break;
	case -ENOSYS:
		msg("this kernel has no kexec_file_load(2) (CONFIG_KEXEC_FILE)");
		break;
	default:
		msg("cannot load %s with %s as crash kernel: %s", kernel,
		    initrd, strerror(-err));
	}
}

/* Refuse what the kernel would refuse with a vaguer message. */
static int image_check(int fd, const char *path, bool kernel)
{
	char magic[4];
	struct stat st;

	if (fstat(fd, &st))
		return -errno;
	if (!S_ISREG(st.st_mode) || !st.st_size) {
		msg("%s: not a regular, non-empty file", path);
		return -EINVAL;
	}
#ifdef __x86_64__
	/* The bzImage setup header signature, "HdrS" at 0x202. */
	if (kernel &&
	    (pread_all(fd, magic, 4, 0x202) || memcmp(magic, "HdrS", 4))) {
		msg("%s is not a bzImage kernel (no \"HdrS\" at 0x202): give "
		    "the vmlinuz from /boot",
		    path);
		return -ENOEXEC;
	}
#else
	(void)magic;
	(void)kernel;
#endif
	return 0;
}

static int image_open(const char *path, bool kernel)
{
	int err, fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		err = -errno;
		msg("cannot open %s: %s", path, strerror(-err));
		return err;
	}
	err = image_check(fd, path, kernel);
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

struct load_args {
	const char *kernel, *initrd, *append, *full, *base;
	bool dry_run;
};

static int load_parse(int argc, char **argv, struct load_args *a)
{
	static const struct option opts[] = {
		{"kernel", required_argument, NULL, 'k'},
		{"initrd", required_argument, NULL, 'i'},
		{"append", required_argument, NULL, 'a'},
		{"command-line", required_argument, NULL, 'c'},
		{"base-command-line", required_argument, NULL, 'b'},
		{"dry-run", no_argument, NULL, 'n'},
		{NULL, 0, NULL, 0},
	};
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			a->kernel = optarg;
			break;
		case 'i':
			a->initrd = optarg;
			break;
		case 'a':
			a->append = optarg;
			break;
		case 'c':
			a->full = optarg;
			break;
		case 'b':
			a->base = optarg;
			break;
		case 'n':
			a->dry_run = true;
			break;
		default:
			return -EINVAL;
		}
	}
	if (optind < argc || !a->kernel || !a->initrd || (a->full && a->append))
		return -EINVAL;
	return 0;
}

static int load_cmdline(const struct load_args *a, char *out, size_t size)
{
	char base[CMDLINE_MAX * 2];
	int err;

	if (a->full) {
		if (strlen(a->full) + 1 > size)
			goto err_long;
		strcpy(out, a->full);
		return 0;
	}
	if (a->base) {
		snprintf(base, sizeof(base), "%s", a->base);
	} else if ((err = file_read("/proc/cmdline", base, sizeof(base)))) {
		msg("cannot read /proc/cmdline: %s (give --command-line)",
		    strerror(-err));
		return err;
	}
	if (!cmdline_build(base, a->append, out, size))
		return 0;
err_long:
	msg("the capture command line is longer than %d bytes: give a "
	    "shorter one with --command-line",
	    CMDLINE_MAX - 1);
	return -E2BIG;
}

int cmd_load(int argc, char **argv)
{
	struct load_args a = {0};
	char cmdline[CMDLINE_MAX];
	int kfd, ifd, err;

	if (load_parse(argc, argv, &a)) {
		msg("usage: kdumpinit load --kernel VMLINUZ --initrd INITRD "
		    "[--append ARGS | --command-line FULL] "
		    "[--base-command-line ARGS] [--dry-run]");
		return EXIT_USAGE;
	}
#ifdef __aarch64__
	/* Only x86's bzImage is checked, and the command line tested, so
	 * far: refuse rather than hand the kernel an image unchecked. */
	msg("load is not supported yet on aarch64, only on x86_64: load "
	    "the crash kernel with kexec -p (kexec-tools)");
	return EXIT_SYSTEM;
#endif
	if (load_cmdline(&a, cmdline, sizeof(cmdline)))
		return EXIT_USAGE;
	kfd = image_open(a.kernel, true);
	if (kfd < 0)
		return EXIT_USAGE;
	ifd = image_open(a.initrd, false);
	if (ifd < 0) {
		close(kfd);
		return EXIT_USAGE;
	}
	printf("kernel:       %s\ninitrd:       %s\ncommand line: %s\n",
	       a.kernel, a.initrd, cmdline);
	err = 0;
	if (a.dry_run)
		goto err_close_initrd;
	if (syscall(SYS_kexec_file_load, kfd, ifd, strlen(cmdline) + 1, cmdline,
		    KEXEC_FILE_ON_CRASH)) {
		err = -errno;
		load_explain(err, a.kernel, a.initrd);
		goto err_close_initrd;
	}
	printf("crash kernel loaded (%llu MiB reserved)\n", crash_size() >> 20);
err_close_initrd:
	close(ifd);
	close(kfd);
	return err ? EXIT_SYSTEM : 0;
}

int cmd_unload(int argc, char **argv)
{
	(void)argv;
	if (argc > 1) {
		msg("usage: kdumpinit unload");
		return EXIT_USAGE;
	}
	if (syscall(SYS_kexec_file_load, -1, -1, 0UL, "",
		    KEXEC_FILE_UNLOAD | KEXEC_FILE_ON_CRASH)) {
		msg("cannot unload the crash kernel: %s%s", strerror(errno),
		    errno == EPERM ? " (run as root)" : "");
		return EXIT_SYSTEM;
	}
	printf("crash kernel unloaded\n");
	return 0;
}

/* Exit 0 when a crash kernel is loaded, 1 when not, 111 when unknown. */
int cmd_status(int argc, char **argv)
{
	char loaded[16];
	unsigned long long sz;
	int err;

	(void)argv;
	if (argc > 1) {
		msg("usage: kdumpinit status");
		return EXIT_USAGE;
	}
	err = file_read(CRASH_LOADED, loaded, sizeof(loaded));
	if (err) {
		msg("cannot read %s: %s (is this kernel built with kexec?)",
		    CRASH_LOADED, strerror(-err));
		return EXIT_SYSTEM;
	}
	sz = crash_size();
	printf("crash kernel: %s\nreserved:     %llu bytes (%llu MiB)%s\n",
	       strcmp(loaded, "1") ? "not loaded" : "loaded", sz, sz >> 20,
	       sz ? "" : ": boot with crashkernel=256M to reserve memory");
	return strcmp(loaded, "1") ? 1 : 0;
}
