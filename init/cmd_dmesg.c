/* SPDX-License-Identifier: MIT */
/*
 * kdumpinit dmesg FILE: print the kernel log of an ELF vmcore or a
 * kdump-compressed dump (seekable or flattened) on stdout, as
 * `makedumpfile --dump-dmesg` would write it.
 */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include "commands.h"
#include "dmesg.h"
#include "dumpfile.h"
#include "util.h"

int cmd_dmesg(int argc, char **argv)
{
	struct dumpfile df;
	int err;

	if (argc != 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: kdumpinit dmesg FILE\n");
		return EXIT_USAGE;
	}
	if (dumpfile_open(&df, argv[1]))
		return EXIT_SYSTEM;
	if (df.kdump && !df.kf.has_vi) {
		msg("%s has no usable VMCOREINFO: its kernel log cannot be "
		    "found",
		    argv[1]);
		err = -EINVAL;
	} else {
		err = dmesg_write(&df.ms, STDOUT_FILENO);
	}
	dumpfile_close(&df);
	return err ? EXIT_SYSTEM : 0;
}
