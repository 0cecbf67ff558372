/* SPDX-License-Identifier: MIT */
/*
 * kdumpinit dmesg FILE: print the kernel log of an ELF vmcore or a
 * kdump-compressed dump (seekable or flattened) on stdout, as
 * `makedumpfile --dump-dmesg` would write it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "dmesg.h"
#include "kdump_read.h"
#include "util.h"
#include "vmcore.h"

static int dmesg_kdump(const char *path)
{
	struct kdump_file kf;
	struct memsrc ms;
	int err;

	if (kdump_open(&kf, path))
		return EXIT_SYSTEM;
	if (!kf.has_vi) {
		msg("%s has no usable VMCOREINFO: its kernel log cannot be "
		    "found",
		    path);
		kdump_close(&kf);
		return EXIT_SYSTEM;
	}
	kdump_memsrc(&kf, &ms);
	err = dmesg_write(&ms, STDOUT_FILENO);
	kdump_close(&kf);
	return err ? EXIT_SYSTEM : 0;
}

static int dmesg_elf(const char *path)
{
	struct vmcore vc;
	struct memsrc ms;
	int err;

	if (vmcore_open(&vc, path))
		return EXIT_SYSTEM;
	vmcore_memsrc(&vc, &ms);
	err = dmesg_write(&ms, STDOUT_FILENO);
	vmcore_close(&vc);
	return err ? EXIT_SYSTEM : 0;
}

int cmd_dmesg(int argc, char **argv)
{
	if (argc != 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: kdumpinit dmesg FILE\n");
		return EXIT_USAGE;
	}
	if (access(argv[1], R_OK)) {
		msg("cannot read %s: %s", argv[1], strerror(errno));
		return EXIT_SYSTEM;
	}
	/* kdump_probe() knows "KDUMP   " and the flattened "makedumpfile"
	 * signature; anything else must be an ELF vmcore, and vmcore_open()
	 * says what is wrong when it is not. */
	if (kdump_probe(argv[1]))
		return dmesg_kdump(argv[1]);
	return dmesg_elf(argv[1]);
}
