/* SPDX-License-Identifier: MIT */
/*
 * kdumpinit's entry point: PID 1 of the capture initrd when started by
 * the kernel, otherwise a host-side subcommand.
 */
#include <linux/magic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "commands.h"
#include "util.h"

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *usage;
};

static const struct command commands[] = {
	{"dump", cmd_dump,
	 "dump [-d LEVEL] [--compress zstd|none] [--zstd-level N] [--elf|--flat]\n"
	 "       [--progress] VMCORE OUTPUT|-   filter and save a vmcore"},
	{"dmesg", cmd_dmesg,
	 "dmesg FILE                 print the kernel log of a vmcore or dump"},
	{"info", cmd_info,
	 "info FILE                  describe a vmcore or dump"},
	{"load", cmd_load,
	 "load --kernel K --initrd I [--append ARGS]  load the crash kernel"},
	{"unload", cmd_unload,
	 "unload                     unload the crash kernel"},
	{"status", cmd_status,
	 "status                     is a crash kernel loaded"},
	{"check-config", cmd_check_config,
	 "check-config FILE          validate a kdumpinit.conf"},
	{"check-target", cmd_check_target,
	 "check-target [--write MIB] FILE  write and remove a test file on "
	 "its target\n"
	 "       (--write: a timed file of MIB MiB, the rate printed)"},
	{"version", cmd_version, "version                    print versions"},
};

static void usage(FILE *f)
{
	fprintf(f, "usage: kdumpinit COMMAND [ARGS]\n");
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(f, "  kdumpinit %s\n", commands[i].usage);
}

/*
 * Are we the capture initrd's /init? Being PID 1 is not enough: a
 * container's entrypoint or `unshare --pid --fork kdumpinit info F` is
 * PID 1 too, and PID 1's path mounts over /proc, takes /dev/console and
 * starts a capture. The kernel runs the initramfs's init as "/init"
 * (kdumpinit load drops rdinit= from the command line), from a ramfs or
 * a tmpfs, before anything mounted /proc; a container's runtime has
 * mounted /proc, and its root is seldom a tmpfs.
 */
static bool capture_init(int argc, char **argv)
{
	struct statfs sf;

	if (getpid() != 1 || argc < 1 || strcmp(argv[0], "/init"))
		return false;
	if (statfs("/", &sf) ||
	    (sf.f_type != RAMFS_MAGIC && sf.f_type != TMPFS_MAGIC))
		return false;
	return statfs("/proc", &sf) || sf.f_type != PROC_SUPER_MAGIC;
}

int main(int argc, char **argv)
{
	if (capture_init(argc, argv))
		pid1_main(argc, argv);

	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--version"))
		return cmd_version(argc - 1, argv + 1);
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	msg("unknown command '%s' (see kdumpinit --help)", argv[1]);
	return EXIT_USAGE;
}
