/* SPDX-License-Identifier: MIT */
/*
 * kdumpinit dmesg [--caller] FILE: print the kernel log of an ELF vmcore or a
 * kdump-compressed dump (seekable or flattened) on stdout, as
 * `makedumpfile --dump-dmesg` would write it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "dmesg.h"
#include "dumpfile.h"
#include "util.h"

int cmd_dmesg(int argc, char **argv)
{
	struct dumpfile df;
	int err;

	unsigned int flags = 0;
	const char *path;

	if (argc == 3 && !strcmp(argv[1], "--caller")) {
		flags = DMESG_CALLER;
		argv++;
		argc--;
	}
	if (argc != 2 || argv[1][0] == '-') {
		fprintf(stderr,
			"usage: kdumpinit dmesg [--caller] FILE\n"
			"  --caller  each record's task (T) or CPU (C), "
			"as makedumpfile 1.7.5 and later print it\n");
		return EXIT_USAGE;
	}
	path = argv[1];
	if (dumpfile_open(&df, path))
		return EXIT_SYSTEM;
	if (df.kdump && !df.kf.has_vi) {
		msg("%s has no usable VMCOREINFO: its kernel log cannot be "
		    "found",
		    path);
		err = -EINVAL;
	} else {
		err = dmesg_write(&df.ms, STDOUT_FILENO, flags);
	}
	dumpfile_close(&df);
	return err ? EXIT_SYSTEM : 0;
}
