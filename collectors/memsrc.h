/* SPDX-License-Identifier: MIT */
/*
 * A source of the crashed kernel's physical memory: an ELF vmcore or a
 * kdump-compressed dump. Log extraction and address translation read
 * through this, so they work on either.
 */
#ifndef KDI_MEMSRC_H
#define KDI_MEMSRC_H

#include <stddef.h>
#include <stdint.h>

#include "vmcoreinfo.h"

struct memsrc {
	/*
	 * Copy @len bytes of physical memory at @paddr into @buf.
	 * @return 0; -ENOENT when part of the range is not in the source
	 *         (not in any segment, or a page filtered out of a dump);
	 *         another -errno on I/O or decompression failure.
	 */
	int (*read_phys)(void *ctx, uint64_t paddr, void *buf, size_t len);
	void *ctx;
	const struct vmcoreinfo *vi;
	/* Bytes of memory the source holds, 0 if unknown: no structure read
	 * from it can be larger, whatever its header says. */
	uint64_t size;
};

/* Translate a kernel virtual address (arch-specific, see arch.h) and read.
 * @return as read_phys, or -EFAULT when the address does not translate. */
int memsrc_read_virt(const struct memsrc *ms, uint64_t vaddr, void *buf,
		     size_t len);

#endif
