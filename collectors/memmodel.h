/* SPDX-License-Identifier: MIT */
/*
 * Where the crashed kernel keeps the struct page of a pfn: SPARSEMEM
 * (mem_section[], with or without SPARSEMEM_EXTREME's roots; VMEMMAP or
 * not, since section_mem_map holds the mapping either way) or FLATMEM
 * (mem_map), found from VMCOREINFO alone.
 *
 * Memory: the root pointers for the pfns below max_pfn (8 bytes per
 * 128 sections, 512 KiB at most for 64 TiB) and one page of mem_section
 * entries, read again when a lookup leaves it.
 */
#ifndef KDI_MEMMODEL_H
#define KDI_MEMMODEL_H

#include <stddef.h>
#include <stdint.h>

#include "memsrc.h"

enum memmodel_kind { MM_NONE, MM_SPARSE, MM_SPARSE_EXTREME, MM_FLAT };

struct memmodel {
	const struct memsrc *ms;
	enum memmodel_kind kind;
	uint64_t page_size, max_pfn;
	uint64_t sec_pfns; /* pfns per section, a power of two */
	uint64_t nr_secs;  /* sections below max_pfn */
	uint64_t sec_size; /* SIZE(mem_section) */
	uint64_t map_off;  /* OFFSET(mem_section.section_mem_map) */
	uint64_t per_root; /* sections per root (1 without EXTREME) */
	uint64_t array;	   /* mem_section[] or the roots array */
	uint64_t *roots;   /* EXTREME: root pointers, 0 for none */
	uint64_t nroots;
	uint8_t *secbuf;    /* cached mem_section entries */
	uint64_t sec_first; /* first section in secbuf, or UINT64_MAX */
	uint64_t sec_n;
	uint64_t flat_map; /* FLATMEM: mem_map's address */
	uint64_t page_struct_size;
};

/*
 * Find the memory model of @ms's kernel for pfns below @max_pfn.
 * @return 0; -ENOENT with a reason in @why (@len bytes) when VMCOREINFO
 *         does not describe one that can be read (the caller keeps every
 *         page); -ENOMEM.
 */
int memmodel_init(struct memmodel *mm, const struct memsrc *ms,
		  uint64_t max_pfn, char *why, size_t len);
void memmodel_free(struct memmodel *mm);

/*
 * Address of the struct page of @pfn in *@vaddr, and in *@end the pfn
 * where the run of struct pages that continues it stops (the section's
 * end). @return 0; -ENOENT when @pfn has no struct page (no section, not
 * present); -errno when the kernel's tables cannot be read (*@end is then
 * still where a retry may succeed).
 */
int memmodel_page(struct memmodel *mm, uint64_t pfn, uint64_t *vaddr,
		  uint64_t *end);

/*
 * One past the last pfn that has a struct page (the end of the last
 * present section, at most max_pfn): makedumpfile dumps nothing beyond,
 * as memory the kernel did not use (mem=). Reads every section entry.
 */
uint64_t memmodel_end(struct memmodel *mm);

#endif
