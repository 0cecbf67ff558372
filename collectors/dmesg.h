/* SPDX-License-Identifier: MIT */
/*
 * The crashed kernel's log, found from VMCOREINFO alone (no vmlinux):
 * the lockless printk ring buffer (SYMBOL(prb), Linux 5.10 and later)
 * or the variable-length record log_buf (Linux 3.5 to 5.9).
 *
 * The output is the same as `makedumpfile --dump-dmesg`, byte for byte
 * (up to 1.7.4; 1.7.5 and later add the caller: DMESG_CALLER):
 * "[%5llu.%06lu] " then the text; a newline inside a record is followed
 * by an indent as wide as the timestamp; bytes that are neither
 * printable nor white space are written as \xNN (bytes from 0x80 up as
 * \xffffffNN, as makedumpfile prints them).
 */
#ifndef KDI_DMESG_H
#define KDI_DMESG_H

#include <stddef.h>

#include "memsrc.h"

/* Each record's caller after the timestamp, "[      T1] " (a task's pid)
 * or "[     C3] " (a CPU), as makedumpfile prints it from 1.7.5 on when
 * VMCOREINFO has the caller_id offset (every kernel from 5.10, and 5.1 to
 * 5.9 built with CONFIG_PRINTK_CALLER). */
#define DMESG_CALLER 1u

/*
 * Write the kernel log of the memory behind @ms to @fd; @flags: 0 or
 * DMESG_CALLER.
 * @return 0, or -errno with a message saying what could not be found or
 *         read (-ENOENT: VMCOREINFO lacks an entry the log needs).
 */
int dmesg_write(const struct memsrc *ms, int fd, unsigned int flags);

/*
 * The line of a kernel log (@log, @len bytes) that says why the kernel
 * went down: the last "Kernel panic - not syncing" line, else the last
 * "BUG: " or "Oops" line, else the last sysrq crash trigger line.
 * @return the line's start, its length without the newline in *@n; NULL
 *         when the log has none. `info` and the capture summary both use
 *         this, so they name the same line.
 */
const char *dmesg_panic_line(const char *log, size_t len, size_t *n);

#endif
