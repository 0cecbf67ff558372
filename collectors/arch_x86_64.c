/* SPDX-License-Identifier: MIT */
/*
 * x86_64 address translation. Kernel-image addresses are linear:
 * paddr = vaddr - __START_KERNEL_map + phys_base (VMCOREINFO's SYMBOL
 * values are the running kernel's, KASLR included). That is only used to
 * find the top page table; every address is then translated by walking
 * the tables, which is right for the direct map (whose base KASLR
 * randomises), vmemmap, vmalloc and modules alike.
 */
#include "arch.h"

#include <errno.h>

#include "vmcoreinfo.h"

#define START_KERNEL_MAP 0xffffffff80000000ull
#define PTE_PRESENT 0x1ull
#define PTE_PSE 0x80ull
#define PHYS_MASK 0x000ffffffffff000ull

/* The top page table's physical address, from VMCOREINFO. */
static int top_table(const struct vmcoreinfo *vi, uint64_t *pa)
{
	static const char *const names[] = {"init_top_pgt", "init_level4_pgt",
					    "swapper_pg_dir"};
	int64_t sym = 0, phys_base = 0;
	bool found = false;

	for (unsigned int i = 0; !found && i < 3; i++)
		found = vmcoreinfo_get(vi, "SYMBOL", names[i], &sym);
	if (!found || (uint64_t)sym < START_KERNEL_MAP)
		return -EFAULT;
	vmcoreinfo_get(vi, "NUMBER", "phys_base", &phys_base);
	*pa = (uint64_t)sym - START_KERNEL_MAP + (uint64_t)phys_base;
	return 0;
}

int arch_vtop(const struct memsrc *ms, uint64_t vaddr, uint64_t *paddr)
{
	int64_t l5 = 0, sme = 0;
	uint64_t table, entry = 0, mask;
	int levels, err;

	if (!ms->vi)
		return -EFAULT;
	err = top_table(ms->vi, &table);
	if (err)
		return err;
	vmcoreinfo_get(ms->vi, "NUMBER", "pgtable_l5_enabled", &l5);
	/* AMD SME sets the encryption bit in the entries: not an address */
	vmcoreinfo_get(ms->vi, "NUMBER", "sme_mask", &sme);
	mask = PHYS_MASK & ~(uint64_t)sme;
	levels = l5 ? 5 : 4;
	for (int lvl = levels; lvl >= 1; lvl--) {
		unsigned int shift = 12 + 9 * (unsigned int)(lvl - 1);
		uint64_t idx = (vaddr >> shift) & 511;

		err = ms->read_phys(ms->ctx, table + idx * 8, &entry, 8);
		if (err)
			return err == -ENOENT ? -EFAULT : err;
		if (!(entry & PTE_PRESENT))
			return -EFAULT;
		/* 1 GiB (level 3) and 2 MiB (level 2) pages */
		if ((lvl == 3 || lvl == 2) && (entry & PTE_PSE)) {
			uint64_t size = 1ull << shift;

			*paddr = (entry & mask & ~(size - 1)) +
				 (vaddr & (size - 1));
			return 0;
		}
		table = entry & mask;
	}
	*paddr = table + (vaddr & 0xfff);
	return 0;
}
