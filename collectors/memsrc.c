/* SPDX-License-Identifier: MIT */
/* Reading kernel virtual memory: translate page by page, then read. */
#include "memsrc.h"

#include <errno.h>

#include "arch.h"

int memsrc_read_virt(const struct memsrc *ms, uint64_t vaddr, void *buf,
		     size_t len)
{
	uint8_t *out = buf;
	uint64_t ps = ms->vi && ms->vi->page_size ? ms->vi->page_size : 4096;

	while (len) {
		/* A virtual page maps to one physical page: never read
		 * across a page boundary with one translation. */
		uint64_t n = ps - vaddr % ps, pa;
		int err;

		if (n > len)
			n = len;
		err = arch_vtop(ms, vaddr, &pa);
		if (!err)
			err = ms->read_phys(ms->ctx, pa, out, n);
		if (err)
			return err;
		out += n;
		vaddr += n;
		len -= n;
	}
	return 0;
}
