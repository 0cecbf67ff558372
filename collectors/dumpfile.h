/* SPDX-License-Identifier: MIT */
/*
 * A file that holds a crashed kernel's memory, whichever kind it is: an
 * ELF vmcore, or a kdump-compressed dump (seekable or flattened), opened
 * as a memory source. What the host subcommands that read one (dmesg,
 * info) share.
 */
#ifndef KDI_DUMPFILE_H
#define KDI_DUMPFILE_H

#include <stdbool.h>

#include "kdump_read.h"
#include "memsrc.h"
#include "vmcore.h"

struct dumpfile {
	bool kdump; /* kf is open, else vc */
	struct kdump_file kf;
	struct vmcore vc;
	struct memsrc ms;
};

/*
 * Open @path: a file with the kdump or flattened signature is read as a
 * dump, anything else as an ELF vmcore (whose reader names what is wrong
 * when it is not one). @return 0 or -errno, with a message.
 */
int dumpfile_open(struct dumpfile *df, const char *path);
void dumpfile_close(struct dumpfile *df);

#endif
